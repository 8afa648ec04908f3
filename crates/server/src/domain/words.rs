//! What the server says, kept and worded: a [`Said`] is stored as its JSON beside the
//! English text (older rows have only the text), and worded for an export in the
//! requester's language from the dashboard's catalogs (`public/i18n/*.json`) and the
//! server's own (`crates/server/i18n/*.json`: its mail's and exports' words), read once.

use seqhealth_api::words::{Lexicon, Said};
use seqhealth_api::Language;
use std::collections::HashMap;
use std::sync::OnceLock;

/// A sentence as a row keeps it.
pub fn stored(said: &Said) -> String {
    serde_json::to_string(said).unwrap_or_default()
}

/// A kept sentence; `None` for a row from before codes (or one this build cannot read).
pub fn read(stored: Option<&str>) -> Option<Said> {
    serde_json::from_str(stored?).ok()
}

/// The language an export is worded in: `?lang=` if given, else the first language of
/// `Accept-Language` that is one ("it-IT,it;q=0.9,en;q=0.8" is Italian), else English.
pub fn choose(query: Option<Language>, accept_language: Option<&str>) -> Language {
    query
        .or_else(|| {
            accept_language?
                .split(',')
                .find_map(|tag| Language::parse(tag.split(';').next().unwrap_or("")))
        })
        .unwrap_or(Language::En)
}

/// What `lang`'s sentences are worded with.
pub fn lexicon(lang: Language) -> &'static Catalog {
    static EN: OnceLock<Catalog> = OnceLock::new();
    static IT: OnceLock<Catalog> = OnceLock::new();
    static ES: OnceLock<Catalog> = OnceLock::new();
    match lang {
        Language::En => EN.get_or_init(|| Catalog::parse(["{}", "{}"], '.')),
        Language::It => IT.get_or_init(|| {
            Catalog::parse(
                [
                    include_str!("../../../../public/i18n/it.json"),
                    include_str!("../../i18n/it.json"),
                ],
                ',',
            )
        }),
        Language::Es => ES.get_or_init(|| {
            Catalog::parse(
                [
                    include_str!("../../../../public/i18n/es.json"),
                    include_str!("../../i18n/es.json"),
                ],
                ',',
            )
        }),
    }
}

/// One language's translations (English text → its own) and decimal point.
pub struct Catalog {
    words: HashMap<String, String>,
    point: char,
}

impl Catalog {
    /// The dashboard's catalog and the server's own (`crates/server/i18n`: the words only
    /// the server says, its mail's and its exports', which no page load needs to fetch).
    fn parse(json: [&str; 2], point: char) -> Catalog {
        let mut words: HashMap<String, String> = HashMap::new();
        for part in json {
            words.extend(serde_json::from_str::<HashMap<String, String>>(part).unwrap_or_default());
        }
        Catalog { words, point }
    }

    /// An export's own words (a column's header, a calendar label) in this language;
    /// `{0}`, `{1}`, … filled with `args`. Every literal the server passes to `t`
    /// must be in both catalogs (`tests::every_export_word_is_translated`).
    pub fn t(&self, english: &str, args: &[&dyn std::fmt::Display]) -> String {
        seqhealth_api::words::fill(self.tr(english), args)
    }

    /// A value of a closed list (a subsystem, a status): its code in English, as it always
    /// was (a spreadsheet's filters keep working), its label's translation otherwise.
    pub fn value(&self, code: &str, label: &str) -> String {
        match self.words.is_empty() {
            true => code.to_string(),
            false => self.tr(label).to_string(),
        }
    }

    /// A row's text in this language: its `said` worded where it has one, else `english`
    /// as it was stored.
    pub fn say(&self, said: Option<&Said>, english: &str) -> String {
        said.and_then(|s| s.word(self))
            .unwrap_or_else(|| english.to_string())
    }
}

/// The server's own sentences, beside the contract's [`seqhealth_api::words::TEMPLATES`]:
/// a notification's title and dated detail, which only the server words (its mail), so
/// they are not in the contract the dashboard reads. Their English is in both catalogs
/// (`tests::every_export_word_is_translated`).
pub const NOTICE_TEMPLATES: &[(&str, &str)] = &[
    ("notice.silent", "{0} ({1}): has gone silent"),
    (
        "notice.run_flagged",
        "{0} ({1}): a run was flagged by the Q-score control rules",
    ),
    (
        "notice.worse",
        "{0} ({1}): a warning got worse: now critical",
    ),
    (
        "notice.escalated",
        "{0} ({1}): critical warning not acknowledged",
    ),
    ("notice.reminder", "{0} ({1}): critical warning still open"),
    ("notice.opened.info", "{0} ({1}): info warning"),
    ("notice.opened.warning", "{0} ({1}): warning warning"),
    ("notice.opened.critical", "{0} ({1}): critical warning"),
    (
        "notice.booked_due",
        "{0} ({1}): the {2} replacement is booked within 7 days",
    ),
    (
        "notice.unbooked_due",
        "{0} ({1}): the {2} is due for replacement within 7 days, not yet booked",
    ),
    (
        "notice.recommended",
        "{0} ({1}): replacement of the {2} recommended",
    ),
    ("notice.dated", "{0} (date: {1})"),
];

/// `at` in the lab's zone, the zone named, with `lang`'s month: "13 Dec 2026, 14:05 CET
/// (Europe/Berlin)", "13 dic 2026, 14:05 CET (Europe/Berlin)".
pub fn local(lang: Language, at: chrono::DateTime<chrono::Utc>, time_zone: &str) -> String {
    use chrono::Datelike;
    let tz: chrono_tz::Tz = time_zone.parse().unwrap_or(chrono_tz::Tz::UTC);
    let t = at.with_timezone(&tz);
    let month = seqhealth_api::words::MONTHS[t.month0() as usize];
    format!(
        "{} {} {}, {} ({})",
        t.day(),
        lexicon(lang).tr(month),
        t.year(),
        t.format("%H:%M %Z"),
        tz.name()
    )
}

impl Lexicon for Catalog {
    fn tr<'a>(&'a self, english: &'a str) -> &'a str {
        self.words.get(english).map_or(english, String::as_str)
    }

    fn template<'a>(&'a self, code: &'a str) -> Option<&'a str> {
        seqhealth_api::words::template(code)
            .or_else(|| {
                NOTICE_TEMPLATES
                    .iter()
                    .find(|(c, _)| *c == code)
                    .map(|(_, t)| *t)
            })
            .map(|t| self.tr(t))
    }

    fn decimal_point(&self) -> char {
        self.point
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_requested_language_then_the_browser_s_then_english() {
        assert_eq!(choose(Some(Language::It), Some("es")), Language::It);
        assert_eq!(choose(None, Some("es-ES,es;q=0.9")), Language::Es);
        assert_eq!(choose(None, Some("de-DE,IT;q=0.5")), Language::It);
        assert_eq!(choose(None, None), Language::En);
        assert!(
            !lexicon(Language::It).words.is_empty(),
            "the catalog is read"
        );
    }

    /// The export words of the server's sources (literals passed to `t`), in both catalogs.
    #[test]
    fn every_export_word_is_translated() {
        fn sources(dir: &std::path::Path, out: &mut Vec<String>) {
            for e in std::fs::read_dir(dir).unwrap().flatten() {
                let p = e.path();
                if p.is_dir() {
                    sources(&p, out);
                } else if p.extension().is_some_and(|x| x == "rs") {
                    out.push(std::fs::read_to_string(&p).unwrap());
                }
            }
        }
        let mut files = Vec::new();
        sources(
            &std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("src"),
            &mut files,
        );
        let marker = concat!(".t", "(\"");
        let keys: Vec<&str> = files
            .iter()
            .flat_map(|f| {
                f.match_indices(marker)
                    .map(move |(at, _)| &f[at + marker.len()..])
            })
            .filter_map(|rest| rest.split('"').next())
            .chain(NOTICE_TEMPLATES.iter().map(|(_, t)| *t))
            .collect();
        assert!(keys.len() >= 20, "only {} export words found", keys.len());
        for lang in [Language::It, Language::Es] {
            let missing: Vec<_> = keys
                .iter()
                .filter(|k| !lexicon(lang).words.contains_key(**k))
                .collect();
            assert!(missing.is_empty(), "{lang:?} lacks {missing:?}");
        }
        let it = lexicon(Language::It);
        assert_eq!(
            it.t("completed ({0})", &[&"Europe/Rome"]),
            "completata (Europe/Rome)"
        );
        assert_eq!(it.value("thermal", "Thermal"), "Termico");
        assert_eq!(lexicon(Language::En).value("thermal", "Thermal"), "thermal");
    }

    #[test]
    fn notice_sentences_are_worded_with_the_contract_s() {
        use seqhealth_api::words::Figure;
        let reason = Said::new("secs", vec![Figure::F(12.5, 1)]);
        let said = Said::new(
            "notice.recommended",
            vec![
                Figure::Text("Vesta".into()),
                Figure::Text("VH1".into()),
                Figure::Lower("Reagent chiller".into()),
            ],
        );
        assert_eq!(
            lexicon(Language::En).say(Some(&said), ""),
            "Vesta (VH1): replacement of the reagent chiller recommended"
        );
        let it = lexicon(Language::It).say(Some(&said), "");
        assert!(
            it.starts_with("Vesta (VH1): ") && it.contains("refrigeratore"),
            "{it}"
        );
        let dated = Said::new(
            "notice.dated",
            vec![Figure::said(reason), Figure::Text("2026-12-09".into())],
        );
        assert_eq!(
            lexicon(Language::Es).say(Some(&dated), ""),
            lexicon(Language::Es).t("{0} (date: {1})", &[&"12,5 s", &"2026-12-09"])
        );
        let at = chrono::DateTime::from_timestamp(1_797_253_500, 0).unwrap();
        assert_eq!(
            local(Language::En, at, "Europe/Berlin"),
            crate::mail::letters::local(at, "Europe/Berlin")
        );
        assert!(local(Language::It, at, "Europe/Rome").contains(" dic 2026, "));
    }
}
