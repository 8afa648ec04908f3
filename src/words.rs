//! What the server says, in the user's language: a [`Said`] (a code of
//! `seqhealth_api::words::TEMPLATES` and its figures) worded with the catalog's
//! translation of its template, numbers with the language's decimal point. The one place
//! server text is worded; a row without a code (stored before codes) shows its English.
//! In English the server's own English is shown.

use crate::i18n::fnv;
use seqhealth_api::words::{Lexicon, Said, TEMPLATES};

/// `TEMPLATES` as (hash of the code, hash of its English template), computed at compile
/// time: the catalogs are keyed by the templates' hashes, so the wasm carries neither the
/// codes' nor the templates' text (about 7 KB).
static HASHED: [(u32, u32); TEMPLATES.len()] = {
    let mut out = [(0, 0); TEMPLATES.len()];
    let mut i = 0;
    while i < TEMPLATES.len() {
        out[i] = (fnv(TEMPLATES[i].0), fnv(TEMPLATES[i].1));
        i += 1;
    }
    out
};

/// The current language, as `seqhealth_api::words` asks for it.
struct Current;

impl Lexicon for Current {
    fn tr<'a>(&'a self, english: &'a str) -> &'a str {
        crate::i18n::translate(english).unwrap_or(english)
    }

    /// A code without its translation is not worded: the English beside it is shown.
    fn template<'a>(&'a self, code: &'a str) -> Option<&'a str> {
        let hash = fnv(code);
        let (_, template) = HASHED.iter().find(|e| e.0 == hash)?;
        crate::i18n::by_hash(*template, code)
    }

    fn fixed(&self, v: f64, decimals: usize) -> String {
        crate::format::fixed(v, decimals)
    }

    /// The words lowered are components' names, whose capitals are ASCII in every
    /// catalog (Unicode's case tables cost kilobytes of wasm).
    fn lower(&self, s: &str) -> String {
        s.to_ascii_lowercase()
    }

    fn shortest(&self, v: f64) -> String {
        crate::format::shortest(v)
    }

    /// "1,50e-5": two decimals of the mantissa (core's `{:.2e}` costs kilobytes of wasm).
    fn exponent(&self, v: f64) -> String {
        if !v.is_finite() || v == 0.0 {
            return crate::format::fixed(v, 0);
        }
        // By steps of ten rather than log10 and powi (libm's, more wasm): ≤ 324 steps.
        let (mut m, mut e) = (v.abs(), 0i32);
        while m >= 10.0 {
            m /= 10.0;
            e += 1;
        }
        while m < 1.0 {
            m *= 10.0;
            e -= 1;
        }
        // 9.996e-5 rounds to 10.00: one more power of ten.
        if m >= 9.995 {
            m /= 10.0;
            e += 1;
        }
        let sign = if v < 0.0 { "-" } else { "" };
        format!("{sign}{}e{e}", crate::format::fixed(m, 2))
    }
}

/// `said` in the current language, else `english` (the text that travels beside it).
pub fn say(said: Option<&Said>, english: &str) -> String {
    match said {
        Some(s) if crate::i18n::lang() != crate::i18n::Language::En => s.word(&Current),
        _ => None,
    }
    .unwrap_or_else(|| english.to_string())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::i18n::{load, Language};
    use seqhealth_api::words::Figure;

    fn catalog(lang: &str) -> String {
        let root = std::path::Path::new(env!("CARGO_MANIFEST_DIR"));
        std::fs::read_to_string(root.join(format!("public/i18n/{lang}.json"))).unwrap()
    }

    /// A chiller past its critical limit, with the advice the server gives.
    fn chiller() -> Said {
        let cause = Said::new(
            "threshold_above_critical",
            vec![
                Figure::Word("Reagent chiller temperature".into()),
                Figure::G(11.94),
                Figure::Text("°C".into()),
                Figure::G(10.0),
            ],
        );
        let advice = Said::new(
            "advice_book",
            vec![
                Figure::said(Said::new("advice_chiller", vec![])),
                Figure::Lower("Reagent chiller".into()),
            ],
        );
        Said::new("advised", vec![Figure::said(cause), Figure::said(advice)])
    }

    #[test]
    fn codes_hash_apart() {
        for (i, e) in HASHED.iter().enumerate() {
            assert!(HASHED[..i].iter().all(|f| f.0 != e.0), "{:?}", TEMPLATES[i]);
        }
    }

    #[test]
    fn a_cause_is_worded_in_italian_and_spanish() {
        let said = chiller();
        let english = said.english();
        assert!(english.starts_with(
            "Reagent chiller temperature at 11.9 °C, above the 10.0 °C critical limit; check"
        ));
        assert!(english.ends_with("book a replacement of the reagent chiller"));
        // Threads run tests in parallel: each test's language is its own thread's.
        assert!(load(Language::It, &catalog("it")));
        let it = say(Some(&said), &english);
        assert!(
            it.starts_with(
                "Temperatura del refrigeratore dei reagenti a 11,9 °C, sopra il limite critico di 10,0 °C; "
            ),
            "{it}"
        );
        assert!(it.ends_with("(refrigeratore dei reagenti)"), "{it}");
        let day = chrono::NaiveDate::from_ymd_opt(2026, 12, 9).unwrap();
        let reason = Said::new(
            "reason_warning",
            vec![Figure::Day(day), Figure::Text("old words".into())],
        );
        assert_eq!(
            say(Some(&reason), ""),
            "Avviso emesso il 9 dic 2026: old words"
        );
        assert!(load(Language::Es, &catalog("es")));
        let es = say(Some(&said), &english);
        assert!(
            es.starts_with("Temperatura del enfriador de reactivos a 11,9 °C, por encima del límite crítico de 10,0 °C; "),
            "{es}"
        );
        assert_eq!(Current.exponent(-1.5e-5), "-1,50e-5");
        assert_eq!(Current.exponent(2.5e7), "2,50e7");
        assert_eq!(Current.exponent(9.999e-3), "1,00e-2");
        // No code (an older row), or one this build does not know: the English as it came.
        assert_eq!(say(None, "old words"), "old words");
        assert_eq!(say(Some(&Said::new("newer", vec![])), "as sent"), "as sent");
    }

    /// An error's detail as the server sends it (`ApiError::said`), read and worded.
    #[test]
    fn an_error_is_worded_in_italian() {
        let body = r#"{"error":"conflict","detail":"replacement 12 is cancelled; only a recommended or scheduled replacement can be cancelled","said":{"code":"replacement_refused","figures":[{"n":12.0},{"lower":"Cancelled"},{"said":{"code":"only_open_cancel","figures":[]}}]}}"#;
        let error: seqhealth_api::ApiError = crate::json::from_str(body).unwrap();
        assert!(load(Language::It, &catalog("it")));
        // As `api::ApiFailure` words it (that module is the browser's only).
        assert_eq!(
            say(error.said.as_ref(), &error.detail),
            "la sostituzione 12 è annullata; si può annullare solo una sostituzione \
             consigliata o programmata"
        );
        let length = Said::new(
            "field_length",
            vec![Figure::Text("reason".into()), Figure::N(500.0)],
        );
        assert_eq!(
            say(Some(&length), ""),
            "`reason` deve avere da 1 a 500 caratteri"
        );
        let managers = Said::new(
            "managers_only",
            vec![Figure::Word("cancel replacements".into())],
        );
        assert!(load(Language::Es, &catalog("es")));
        assert_eq!(
            say(Some(&managers), ""),
            "solo un responsable del laboratorio puede cancelar sustituciones"
        );
        // An older server's error: no code, its English as it came.
        let old: seqhealth_api::ApiError =
            crate::json::from_str(r#"{"error":"not_found","detail":"no such API endpoint"}"#)
                .unwrap();
        assert_eq!(old.said, None);
        assert_eq!(say(old.said.as_ref(), &old.detail), "no such API endpoint");
    }
}
