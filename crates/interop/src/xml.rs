//! A small, non-validating XML reader for RunInfo.xml / RunParameters.xml.
//!
//! These files are flat, machine-written documents; a tiny tree builder keeps the
//! dependency set minimal. It never recurses (no stack overflow on deep input), caps the
//! nesting depth and the input size, and only slices the text at ASCII delimiters, so
//! it cannot panic on odd or non-UTF-8 bytes.

use std::path::Path;

use crate::error::InteropError;

/// Largest XML file we accept; real RunParameters.xml files are well under 1 MiB.
pub const MAX_XML_BYTES: u64 = 16 * 1024 * 1024;
const MAX_DEPTH: usize = 256;

/// One element: local name (namespace prefix dropped), attributes, children, text.
#[derive(Debug, Default, Clone)]
pub struct Element {
    pub name: String,
    pub attrs: Vec<(String, String)>,
    pub children: Vec<Element>,
    pub text: String,
}

impl Element {
    /// Attribute value by name (case-insensitive).
    pub fn attr(&self, name: &str) -> Option<&str> {
        self.attrs
            .iter()
            .find(|(k, _)| k.eq_ignore_ascii_case(name))
            .map(|(_, v)| v.trim())
    }

    /// First direct child with this local name (case-insensitive).
    pub fn child(&self, name: &str) -> Option<&Element> {
        self.children
            .iter()
            .find(|c| c.name.eq_ignore_ascii_case(name))
    }

    /// All direct children with this local name (case-insensitive).
    pub fn children_named<'a>(&'a self, name: &'a str) -> impl Iterator<Item = &'a Element> + 'a {
        self.children
            .iter()
            .filter(move |c| c.name.eq_ignore_ascii_case(name))
    }

    /// Trimmed text content, `None` when empty.
    pub fn value(&self) -> Option<&str> {
        let t = self.text.trim();
        (!t.is_empty()).then_some(t)
    }

    /// Text of the first direct child with this name.
    pub fn child_value(&self, name: &str) -> Option<&str> {
        self.child(name).and_then(Element::value)
    }

    /// Depth-first pre-order walk over this element and everything below it.
    pub fn descendants(&self) -> Vec<&Element> {
        let mut out = Vec::new();
        let mut stack = vec![self];
        while let Some(e) = stack.pop() {
            out.push(e);
            stack.extend(e.children.iter().rev());
        }
        out
    }

    /// First element in the subtree (self included) with this name.
    pub fn find(&self, name: &str) -> Option<&Element> {
        self.descendants()
            .into_iter()
            .find(|e| e.name.eq_ignore_ascii_case(name))
    }
}

/// Read and parse an XML file (size-capped; invalid UTF-8 is replaced, not fatal).
pub fn read_file(path: &Path) -> Result<Element, InteropError> {
    use std::io::Read;
    let io_err = |source| InteropError::Io {
        path: path.to_path_buf(),
        source,
    };
    let file = std::fs::File::open(path).map_err(io_err)?;
    let mut bytes = Vec::new();
    file.take(MAX_XML_BYTES + 1)
        .read_to_end(&mut bytes)
        .map_err(io_err)?;
    if bytes.len() as u64 > MAX_XML_BYTES {
        return Err(InteropError::Xml {
            path: path.to_path_buf(),
            reason: format!("larger than {MAX_XML_BYTES} bytes"),
        });
    }
    let text = String::from_utf8_lossy(&bytes);
    parse(&text).map_err(|reason| InteropError::Xml {
        path: path.to_path_buf(),
        reason,
    })
}

/// Parse a document and return its root element.
pub fn parse(input: &str) -> Result<Element, String> {
    let s = input.strip_prefix('\u{feff}').unwrap_or(input);
    let b = s.as_bytes();
    let mut i = 0usize;
    let mut stack: Vec<Element> = Vec::new();
    let mut root: Option<Element> = None;

    while i < b.len() {
        if b.get(i) != Some(&b'<') {
            let end = find_from(s, i, "<").unwrap_or(b.len());
            let raw = slice(s, i, end)?;
            if let Some(top) = stack.last_mut() {
                top.text.push_str(&decode_entities(raw));
            } else if !raw.trim().is_empty() {
                return Err(format!("text outside the root element at byte {i}"));
            }
            i = end;
            continue;
        }
        let rest = slice(s, i, b.len())?;
        if rest.starts_with("<?") {
            i = skip_past(s, i, "?>")?;
        } else if rest.starts_with("<!--") {
            i = skip_past(s, i, "-->")?;
        } else if rest.starts_with("<![CDATA[") {
            let start = i + "<![CDATA[".len();
            let end = find_from(s, start, "]]>").ok_or("unterminated CDATA section")?;
            if let Some(top) = stack.last_mut() {
                top.text.push_str(slice(s, start, end)?);
            }
            i = end + 3;
        } else if rest.starts_with("<!") {
            // DOCTYPE: skip, including an internal subset in brackets.
            let gt = find_from(s, i, ">").ok_or("unterminated declaration")?;
            i = match find_from(s, i, "[") {
                Some(br) if br < gt => skip_past(s, br, "]>")?,
                _ => gt + 1,
            };
        } else if rest.starts_with("</") {
            let gt = find_from(s, i, ">").ok_or("unterminated end tag")?;
            let name = local_name(slice(s, i + 2, gt)?.trim());
            let done = stack
                .pop()
                .ok_or_else(|| format!("unexpected end tag </{name}>"))?;
            if done.name != name {
                return Err(format!("end tag </{name}> does not match <{}>", done.name));
            }
            attach(&mut stack, &mut root, done)?;
            i = gt + 1;
        } else {
            let (elem, self_closing, next) = parse_start_tag(s, i)?;
            if root.is_some() {
                return Err("more than one root element".into());
            }
            if self_closing {
                attach(&mut stack, &mut root, elem)?;
            } else {
                if stack.len() >= MAX_DEPTH {
                    return Err(format!("nesting deeper than {MAX_DEPTH}"));
                }
                stack.push(elem);
            }
            i = next;
        }
    }
    if let Some(open) = stack.last() {
        return Err(format!("document ends inside <{}>", open.name));
    }
    root.ok_or_else(|| "no root element".to_string())
}

fn attach(stack: &mut [Element], root: &mut Option<Element>, e: Element) -> Result<(), String> {
    match stack.last_mut() {
        Some(parent) => parent.children.push(e),
        None if root.is_none() => *root = Some(e),
        None => return Err("more than one root element".into()),
    }
    Ok(())
}

/// Parse `<name attr="v" ...>` or `<name .../>` starting at `i` (which holds '<').
fn parse_start_tag(s: &str, i: usize) -> Result<(Element, bool, usize), String> {
    let b = s.as_bytes();
    let mut j = i + 1;
    let name_start = j;
    while j < b.len() && !matches!(b[j], b' ' | b'\t' | b'\r' | b'\n' | b'/' | b'>') {
        j += 1;
    }
    let name = slice(s, name_start, j)?;
    if name.is_empty() {
        return Err(format!("empty element name at byte {i}"));
    }
    let mut elem = Element {
        name: local_name(name),
        ..Element::default()
    };
    loop {
        while j < b.len() && b[j].is_ascii_whitespace() {
            j += 1;
        }
        match b.get(j) {
            None => return Err(format!("unterminated start tag <{}>", elem.name)),
            Some(b'>') => return Ok((elem, false, j + 1)),
            Some(b'/') => {
                return if b.get(j + 1) == Some(&b'>') {
                    Ok((elem, true, j + 2))
                } else {
                    Err(format!("stray '/' in <{}>", elem.name))
                };
            }
            Some(_) => {}
        }
        let key_start = j;
        while j < b.len() && !matches!(b[j], b'=' | b' ' | b'\t' | b'\r' | b'\n' | b'>' | b'/') {
            j += 1;
        }
        let key = local_name(slice(s, key_start, j)?);
        while j < b.len() && b[j].is_ascii_whitespace() {
            j += 1;
        }
        if b.get(j) != Some(&b'=') {
            return Err(format!("attribute {key} in <{}> has no value", elem.name));
        }
        j += 1;
        while j < b.len() && b[j].is_ascii_whitespace() {
            j += 1;
        }
        let quote = match b.get(j) {
            Some(&q @ (b'"' | b'\'')) => q,
            _ => return Err(format!("attribute {key} in <{}> is not quoted", elem.name)),
        };
        let quote_str = if quote == b'"' { "\"" } else { "'" };
        let end = find_from(s, j + 1, quote_str).ok_or("unterminated attribute value")?;
        let value = decode_entities(slice(s, j + 1, end)?);
        elem.attrs.push((key, value));
        j = end + 1;
    }
}

fn local_name(name: &str) -> String {
    name.rsplit(':').next().unwrap_or(name).to_string()
}

fn slice(s: &str, a: usize, b: usize) -> Result<&str, String> {
    s.get(a..b)
        .ok_or_else(|| format!("malformed document near byte {a}"))
}

fn find_from(s: &str, from: usize, pat: &str) -> Option<usize> {
    s.get(from..)?.find(pat).map(|p| p + from)
}

fn skip_past(s: &str, from: usize, pat: &str) -> Result<usize, String> {
    find_from(s, from, pat)
        .map(|p| p + pat.len())
        .ok_or_else(|| format!("missing '{pat}' after byte {from}"))
}

/// Replace the five predefined entities and numeric character references.
fn decode_entities(raw: &str) -> String {
    if !raw.contains('&') {
        return raw.to_string();
    }
    let mut out = String::with_capacity(raw.len());
    let mut rest = raw;
    while let Some(amp) = rest.find('&') {
        out.push_str(&rest[..amp]);
        let after = &rest[amp..];
        let decoded = after.find(';').filter(|&semi| semi <= 12).and_then(|semi| {
            let ent = &after[1..semi];
            let ch = match ent {
                "lt" => Some('<'),
                "gt" => Some('>'),
                "amp" => Some('&'),
                "quot" => Some('"'),
                "apos" => Some('\''),
                _ => {
                    let num = ent.strip_prefix('#')?;
                    let code = match num.strip_prefix(['x', 'X']) {
                        Some(hex) => u32::from_str_radix(hex, 16).ok(),
                        None => num.parse::<u32>().ok(),
                    };
                    code.and_then(char::from_u32)
                }
            };
            ch.map(|c| (c, semi))
        });
        match decoded {
            Some((c, semi)) => {
                out.push(c);
                rest = &after[semi + 1..];
            }
            None => {
                out.push('&');
                rest = &after[1..];
            }
        }
    }
    out.push_str(rest);
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_attributes_text_and_skips_prolog() {
        let doc = "\u{feff}<?xml version=\"1.0\"?>\n<!-- c --><R xmlns:x='u' V=\"2\">\
                   <Run Id='a&amp;b'><Name>Red</Name><Name><![CDATA[G<r>]]></Name><E/></Run></R>";
        let root = parse(doc).unwrap();
        assert_eq!(root.name, "R");
        assert_eq!(root.attr("v"), Some("2"));
        let run = root.child("run").unwrap();
        assert_eq!(run.attr("Id"), Some("a&b"));
        let names: Vec<_> = run
            .children_named("Name")
            .filter_map(Element::value)
            .collect();
        assert_eq!(names, ["Red", "G<r>"]);
        assert!(run.child("E").is_some());
        assert_eq!(decode_entities("&#65;&#x42;&bogus; &"), "AB&bogus; &");
    }

    #[test]
    fn rejects_malformed_documents_without_panicking() {
        for bad in [
            "",
            "<",
            "<a",
            "<a>",
            "<a></b>",
            "<a x=1></a>",
            "<a/><b/>",
            "</a>",
            "<a><!-- </a>",
            "text",
            "<a x=\"1></a>",
            "<\u{e9}\u{e9}",
        ] {
            assert!(parse(bad).is_err(), "{bad:?} should fail");
        }
        let deep = "<a>".repeat(MAX_DEPTH + 1);
        assert!(parse(&deep).is_err());
    }
}
