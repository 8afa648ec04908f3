//! CSV exports (RFC 4180) that are safe to open in a spreadsheet.

/// Appends one record. Cells are quoted when they hold a comma, quote or line break;
/// a cell a spreadsheet would run as a formula (`=`, `+`, `-`, `@`, tab, CR first) gets a
/// leading `'`, because instrument names and reasons are typed by people.
pub fn row<S: AsRef<str>>(out: &mut String, cells: &[S]) {
    for (i, cell) in cells.iter().enumerate() {
        if i > 0 {
            out.push(',');
        }
        let cell = cell.as_ref();
        let guarded;
        let cell = if cell.starts_with(['=', '+', '-', '@', '\t', '\r']) {
            guarded = format!("'{cell}");
            guarded.as_str()
        } else {
            cell
        };
        if cell.contains([',', '"', '\n', '\r']) {
            out.push('"');
            out.push_str(&cell.replace('"', "\"\""));
            out.push('"');
        } else {
            out.push_str(cell);
        }
    }
    out.push_str("\r\n");
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn quotes_and_formula_guard() {
        let mut out = String::new();
        row(
            &mut out,
            &[
                "a",
                "b,c",
                "say \"hi\"",
                "=HYPERLINK(1)",
                "-3",
                "line\nbreak",
            ],
        );
        assert_eq!(
            out,
            "a,\"b,c\",\"say \"\"hi\"\"\",'=HYPERLINK(1),'-3,\"line\nbreak\"\r\n"
        );
    }
}
