//! What the server says, as data: a [`Said`] is a code and its figures, worded by the
//! reader in its language. [`TEMPLATES`] is the one table of codes and their English
//! templates (`{0}`, `{1}`, … are the figures); the dashboard's catalogs and the server's
//! exports translate a template keyed by its English text, as every other string.
//!
//! Numbers travel as numbers, so each language writes its own decimal point; a sensor's
//! label or a component's name travels as its English word ([`Figure::Word`]), which the
//! catalogs translate like the rest of the contract's words. The English sentence still
//! travels beside a `Said` (old dashboards, old stored rows without a code).

use chrono::{Datelike, NaiveDate};
use serde::{Deserialize, Serialize};

mod templates;
pub use templates::TEMPLATES;

/// A sentence as data: which one ([`TEMPLATES`]) and what fills it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Said {
    pub code: String,
    #[serde(default)]
    pub figures: Vec<Figure>,
}

/// One blank of a template.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Figure {
    /// A number as Rust's `{}` writes it: "8", "92.5".
    N(f64),
    /// A reading or limit: enough digits to read, none to spare ([`readable`]).
    G(f64),
    /// A number with so many decimals: `[0.12, 3]` is "0.120".
    F(f64, u32),
    /// The same with its sign always written: "+0.120".
    Sf(f64, u32),
    /// A duration in seconds, in the largest unit that keeps it readable: "10 min".
    Secs(f64),
    /// A lab's local day: "9 Dec 2026".
    Day(NaiveDate),
    /// A word of the contract (a sensor's label, a component, a unit), translated.
    Word(String),
    /// The same, in lower case: "the laser".
    Lower(String),
    /// Written as it is: a run's id, an error code, a planned run's label.
    Text(String),
    /// A sentence inside the sentence.
    Said(Box<Said>),
}

impl Said {
    pub fn new(code: &str, figures: Vec<Figure>) -> Said {
        Said {
            code: code.to_string(),
            figures,
        }
    }

    /// This sentence in English: the server's text beside the code.
    pub fn english(&self) -> String {
        self.word(&English).unwrap_or_else(|| self.code.clone())
    }

    /// This sentence in a reader's language; `None` for a code this build does not know
    /// (the reader shows the English text that travels with it).
    pub fn word(&self, lexicon: &dyn Lexicon) -> Option<String> {
        let mut out = String::new();
        for piece in Pieces(lexicon.template(&self.code)?) {
            match piece {
                Piece::Text(t) => out.push_str(t),
                Piece::Blank(k) => match self.figures.get(k) {
                    Some(f) => out.push_str(&f.word(lexicon)?),
                    None => out.push_str(&format!("{{{k}}}")),
                },
            }
        }
        Some(out)
    }
}

/// A template read piece by piece: its text, and its blanks `{0}`, `{1}`, … A `{` that
/// opens no blank is text.
pub struct Pieces<'a>(pub &'a str);

pub enum Piece<'a> {
    Text(&'a str),
    Blank(usize),
}

impl<'a> Iterator for Pieces<'a> {
    type Item = Piece<'a>;

    fn next(&mut self) -> Option<Piece<'a>> {
        let rest = self.0;
        if rest.is_empty() {
            return None;
        }
        let blank = rest
            .strip_prefix('{')
            .and_then(|r| r.split_once('}'))
            .and_then(|(k, after)| Some((k.parse::<usize>().ok()?, after)));
        if let Some((k, after)) = blank {
            self.0 = after;
            return Some(Piece::Blank(k));
        }
        // Text up to the next `{` (a lone `{` at the start is text too).
        let first = rest.chars().next().map_or(1, char::len_utf8);
        let end = rest[first..].find('{').map_or(rest.len(), |i| i + first);
        self.0 = &rest[end..];
        Some(Piece::Text(&rest[..end]))
    }
}

/// `template` with `{0}`, `{1}`, … replaced by `args` (a blank without one stays as
/// written): the dashboard's `tf!` and the server's export words.
#[inline(never)]
pub fn fill(template: &str, args: &[&dyn std::fmt::Display]) -> String {
    use std::fmt::Write;
    let mut out = String::new();
    for piece in Pieces(template) {
        let _ = match piece {
            Piece::Text(t) => out.write_str(t),
            Piece::Blank(k) => match args.get(k) {
                Some(a) => write!(out, "{a}"),
                None => write!(out, "{{{k}}}"),
            },
        };
    }
    out
}

impl Figure {
    pub fn said(s: Said) -> Figure {
        Figure::Said(Box::new(s))
    }

    fn word(&self, lexicon: &dyn Lexicon) -> Option<String> {
        Some(match self {
            Figure::N(v) => lexicon.shortest(*v),
            Figure::G(v) => readable(lexicon, *v),
            Figure::F(v, dp) => lexicon.fixed(*v, *dp as usize),
            Figure::Sf(v, dp) => {
                let s = lexicon.fixed(*v, *dp as usize);
                if v.is_sign_positive() && !v.is_nan() {
                    format!("+{s}")
                } else {
                    s
                }
            }
            Figure::Secs(s) => {
                let (code, n) = duration(*s);
                Said::new(code, vec![n]).word(lexicon)?
            }
            Figure::Day(d) => format!(
                "{} {} {}",
                d.day(),
                lexicon.tr(MONTHS[d.month0() as usize]),
                d.year()
            ),
            Figure::Word(w) => lexicon.tr(w).to_string(),
            Figure::Lower(w) => lexicon.lower(lexicon.tr(w)),
            Figure::Text(t) => t.clone(),
            Figure::Said(s) => s.word(lexicon)?,
        })
    }
}

/// What a reader translates with: English text → its language's, and how it writes
/// numbers. The defaults use core's float formatting with [`Lexicon::decimal_point`]; the
/// dashboard writes numbers its own way (core's float formatting costs kilobytes of wasm).
pub trait Lexicon {
    /// `english` in the reader's language, or `english` itself.
    fn tr<'a>(&'a self, english: &'a str) -> &'a str;

    /// The template of `code` ([`TEMPLATES`]) in the reader's language; `None` for a code
    /// it does not know.
    fn template<'a>(&'a self, code: &'a str) -> Option<&'a str> {
        template(code).map(|t| self.tr(t))
    }

    fn decimal_point(&self) -> char {
        '.'
    }

    /// `format!("{v:.decimals$}")` with this reader's decimal point.
    fn fixed(&self, v: f64, decimals: usize) -> String {
        point(format!("{v:.decimals$}"), self.decimal_point())
    }

    /// `format!("{v}")`: the fewest decimals that read back as `v`.
    fn shortest(&self, v: f64) -> String {
        point(format!("{v}"), self.decimal_point())
    }

    /// `s` in lower case ("the reagent chiller").
    fn lower(&self, s: &str) -> String {
        s.to_lowercase()
    }

    /// `format!("{v:.2e}")`: "1.50e-5".
    fn exponent(&self, v: f64) -> String {
        point(format!("{v:.2e}"), self.decimal_point())
    }
}

fn point(s: String, point: char) -> String {
    match point {
        '.' => s,
        c => s.replace('.', &c.to_string()),
    }
}

/// The English reader: every word as it is.
pub struct English;

impl Lexicon for English {
    fn tr<'a>(&'a self, english: &'a str) -> &'a str {
        english
    }
}

/// The months' short names, as the dashboard's dates write them ("9 Dec 2026").
pub const MONTHS: [&str; 12] = [
    "Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec",
];

/// A number for a message: enough digits to read, none to spare.
pub fn readable(lexicon: &dyn Lexicon, v: f64) -> String {
    let a = v.abs();
    if v == 0.0 {
        "0".to_owned()
    } else if !(0.01..1e6).contains(&a) {
        // Tiny, huge, infinite or NaN: scientific notation says it plainly.
        lexicon.exponent(v)
    } else if a >= 100.0 {
        lexicon.fixed(v, 0)
    } else if a >= 10.0 {
        lexicon.fixed(v, 1)
    } else {
        lexicon.fixed(v, 2)
    }
}

/// A duration's code and figure: "{0} min" and 10 for 600 s, "{0} h" and 5.0.
fn duration(seconds: f64) -> (&'static str, Figure) {
    let s = seconds.max(0.0);
    if s < 120.0 {
        ("secs", Figure::F(s, 0))
    } else if s < 7_200.0 {
        ("mins", Figure::F(s / 60.0, 0))
    } else if s < 172_800.0 {
        ("hours", Figure::F(s / 3_600.0, 1))
    } else {
        ("days", Figure::F(s / 86_400.0, 1))
    }
}

/// The English template of `code`.
pub fn template(code: &str) -> Option<&'static str> {
    TEMPLATES.iter().find(|(c, _)| *c == code).map(|(_, t)| *t)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn templates_fill_with_any_text_between_their_blanks() {
        let shown = |t: &str| fill(t, &[&"a", &2.5]);
        assert_eq!(shown("{1} di {0}"), "2.5 di a");
        assert_eq!(shown("–{1} %) {0}–{0}"), "–2.5 %) a–a");
        assert_eq!(shown("{x} {9} {"), "{x} {9} {");
        assert_eq!(shown("é{{0}}"), "é{a}");
        assert_eq!(shown(""), "");
    }

    struct Italian;
    impl Lexicon for Italian {
        fn tr<'a>(&'a self, english: &'a str) -> &'a str {
            match english {
                "{0} at {1} {2}, above the {3} {2} critical limit" => {
                    "{0} a {1} {2}, sopra il limite critico di {3} {2}"
                }
                "Chiller temperature" => "Temperatura del refrigeratore",
                "{0} min" => "{0} min",
                "Dec" => "dic",
                e => e,
            }
        }
        fn decimal_point(&self) -> char {
            ','
        }
    }

    #[test]
    fn a_said_is_worded_in_each_language() {
        let s = Said::new(
            "threshold_above_critical",
            vec![
                Figure::Word("Chiller temperature".into()),
                Figure::G(11.94),
                Figure::Text("°C".into()),
                Figure::G(10.0),
            ],
        );
        assert_eq!(
            s.english(),
            "Chiller temperature at 11.9 °C, above the 10.0 °C critical limit"
        );
        assert_eq!(
            s.word(&Italian).unwrap(),
            "Temperatura del refrigeratore a 11,9 °C, sopra il limite critico di 10,0 °C"
        );
        assert_eq!(Said::new("nope", vec![]).word(&English), None);
    }

    #[test]
    fn figures_read_as_numbers_days_and_durations() {
        let w = |f: Figure| Said::new("advised", vec![f, Figure::Text("x".into())]).english();
        assert_eq!(w(Figure::Secs(600.0)), "10 min; x");
        assert_eq!(w(Figure::Secs(3.0 * 86_400.0)), "3.0 d; x");
        assert_eq!(w(Figure::Sf(0.1204, 3)), "+0.120; x");
        assert_eq!(w(Figure::N(8.0)), "8; x");
        assert_eq!(w(Figure::Sf(-0.0004, 3)), "-0.000; x");
        assert_eq!(w(Figure::G(-1e-5)), "-1.00e-5; x");
        assert_eq!(w(Figure::G(f64::NAN)), "NaN; x");
        assert_eq!(w(Figure::G(250.4)), "250; x");
        let day = NaiveDate::from_ymd_opt(2026, 12, 9).unwrap();
        assert_eq!(w(Figure::Day(day)), "9 Dec 2026; x");
        let said = Said::new("today_replace", vec![Figure::Lower("Laser".into())]);
        let json = serde_json::to_string(&Figure::said(said.clone())).unwrap();
        assert_eq!(
            json,
            r#"{"said":{"code":"today_replace","figures":[{"lower":"Laser"}]}}"#
        );
        assert_eq!(
            serde_json::from_str::<Figure>(&json).unwrap(),
            Figure::said(said)
        );
    }

    #[test]
    fn every_code_is_once_in_the_table() {
        for (i, (code, _)) in TEMPLATES.iter().enumerate() {
            assert!(
                TEMPLATES[..i].iter().all(|(c, _)| c != code),
                "{code} twice"
            );
        }
    }
}
