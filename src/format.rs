//! How numbers and ages read on screen. A missing figure is an em dash, never "NaN".

pub const MISSING: &str = "—";

pub fn pct(v: Option<f64>) -> String {
    v.filter(|x| x.is_finite())
        .map(|x| format!("{x:.1} %"))
        .unwrap_or_else(|| MISSING.into())
}

pub fn number(v: Option<f64>, decimals: usize) -> String {
    v.filter(|x| x.is_finite())
        .map(|x| format!("{x:.decimals$}"))
        .unwrap_or_else(|| MISSING.into())
}

pub fn text(v: &Option<String>) -> String {
    v.as_deref()
        .filter(|s| !s.is_empty())
        .unwrap_or(MISSING)
        .to_string()
}

/// "just now", "5 min ago", "3 h ago", "2 days ago" from an age in seconds.
pub fn age(seconds: i64) -> String {
    match seconds {
        s if s < 60 => "just now".into(),
        s if s < 3600 => format!("{} min ago", s / 60),
        s if s < 48 * 3600 => format!("{} h ago", s / 3600),
        s => format!("{} days ago", s / 86400),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn missing_figures_are_a_dash() {
        assert_eq!(pct(None), MISSING);
        assert_eq!(pct(Some(f64::NAN)), MISSING);
        assert_eq!(pct(Some(91.234)), "91.2 %");
        assert_eq!(number(Some(1234.56), 0), "1235");
        assert_eq!(text(&Some(String::new())), MISSING);
    }

    #[test]
    fn ages_read_naturally() {
        assert_eq!(age(5), "just now");
        assert_eq!(age(300), "5 min ago");
        assert_eq!(age(3 * 3600 + 10), "3 h ago");
        assert_eq!(age(3 * 86400), "3 days ago");
    }
}
