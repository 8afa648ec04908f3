//! The dashboard's words in the user's language. The key of a string is its English text:
//! `t!("Log out")` is "Log out" in English (which needs no catalog), "Esci" in Italian.
//! `tf!("{0} items need a manager.", n)` fills `{0}`, `{1}`, … into the translated
//! template, so a language may put them in another order. In a view, a child or an
//! attribute's value is `tv!("Log out")` ([`Text`]: translated as the view is built).
//!
//! The language is decided before the first paint by the boot script (`public/theme.js`
//! sets `<html lang>`: the one chosen in the header, remembered in localStorage as
//! `seqhealth-lang`, else the browser's). For Italian or Spanish it also starts fetching
//! `/i18n/it.json` or `/i18n/es.json` (English text → translation), beside the wasm;
//! `main` mounts the app once it is read. An English user loads nothing more.
//! Translations are kept by a 32-bit FNV-1a hash of the English text, computed when a
//! string is looked up: hashes computed at compile time made every call site carry four
//! incompressible bytes, more wasm than the hashing (measured: ~1 KB brotli).
//!
//! A string looked up with no translation is shown in English and recorded (at most
//! [`MISSES`], once each) in `window.seqhealthUntranslated`, which the e2e tests read.
//! `tests::every_key_is_translated` fails when a catalog lacks a key of `src/`.

use std::cell::{Cell, RefCell};

/// How many untranslated strings are recorded at most.
pub const MISSES: usize = 200;

/// Where the header's choice is remembered; the boot script reads the same key.
pub const KEY: &str = "seqhealth-lang";

/// FNV-1a (32 bits) of `s`: the key a translation is kept under.
pub const fn fnv(s: &str) -> u32 {
    let b = s.as_bytes();
    let mut h: u32 = 0x811c_9dc5;
    let mut i = 0;
    while i < b.len() {
        h = (h ^ b[i] as u32).wrapping_mul(0x0100_0193);
        i += 1;
    }
    h
}

pub use seqhealth_api::Language;

thread_local! {
    static LANG: Cell<Language> = const { Cell::new(Language::En) };
    /// (hash of the English text, translation), sorted by hash; kept for the page's life.
    static TABLE: RefCell<Vec<(u32, &'static str)>> = const { RefCell::new(Vec::new()) };
    static MISSED: RefCell<Vec<u32>> = const { RefCell::new(Vec::new()) };
}

/// The language strings are shown in.
pub fn lang() -> Language {
    LANG.with(Cell::get)
}

/// What separates a number's decimals: a comma in Italian and Spanish ("92,1 %").
pub fn decimal_point() -> char {
    match lang() {
        Language::En => '.',
        _ => ',',
    }
}

/// Shows `lang` from now on, its translations read from `catalog` (a JSON object of
/// English text → translation). An unreadable catalog changes nothing (`false`).
pub fn load(lang: Language, catalog: &str) -> bool {
    let Ok(crate::json::Json::Obj(entries)) = crate::json::from_str(catalog) else {
        return false;
    };
    let mut table: Vec<(u32, &'static str)> = entries
        .into_iter()
        .filter_map(|(k, v)| match v {
            crate::json::Json::Str(s) => Some((fnv(&k), &*String::leak(s))),
            _ => None,
        })
        .collect();
    // Sorted once, so each lookup is a binary search (~600 entries).
    table.sort_unstable_by_key(|e| e.0);
    TABLE.with(|t| *t.borrow_mut() = table);
    LANG.with(|l| l.set(lang));
    true
}

/// `english` in the current language: what `t!` calls.
#[inline(never)]
pub fn lookup(english: &'static str) -> &'static str {
    translate(english).unwrap_or(english)
}

/// `english` (a template or word of the server's, not a literal here) in the current
/// language; `None` in English, or when the catalog lacks it (recorded as a miss).
pub fn translate(english: &str) -> Option<&'static str> {
    if lang() == Language::En {
        return None;
    }
    by_hash(fnv(english), english)
}

/// The translation kept under `hash` (of an English text the caller does not carry:
/// `words` keys the server's templates so); a miss is recorded as `what`.
pub fn by_hash(hash: u32, what: &str) -> Option<&'static str> {
    let found = TABLE.with(|t| {
        let t = t.borrow();
        t.binary_search_by_key(&hash, |e| e.0).ok().map(|i| t[i].1)
    });
    if found.is_none() {
        missed(hash, what);
    }
    found
}

/// A name the server sends as an English word (a component's: "Reagent chiller") in the
/// current language, as the catalogs have it.
pub fn name(english: &str) -> String {
    translate(english).unwrap_or(english).to_string()
}

/// A word of the shared contract (`seqhealth_api`'s labels: subsystems, health levels,
/// sensors) in the current language: `t!` for a string that is not a literal here.
/// `tests::api_words_are_translated` checks the catalogs have them all.
pub fn word(english: &'static str) -> &'static str {
    lookup(english)
}

fn missed(hash: u32, english: &str) {
    let new = MISSED.with(|m| {
        let mut m = m.borrow_mut();
        let new = m.len() < MISSES && !m.contains(&hash);
        if new {
            m.push(hash);
        }
        new
    });
    #[cfg(target_arch = "wasm32")]
    if new {
        if let Some(list) = untranslated() {
            list.push(&english.into());
        }
    }
    #[cfg(not(target_arch = "wasm32"))]
    let _ = (new, english);
}

#[cfg(target_arch = "wasm32")]
fn untranslated() -> Option<js_sys::Array> {
    use wasm_bindgen::JsCast;
    let w = web_sys::window()?;
    let key = wasm_bindgen::JsValue::from_str("seqhealthUntranslated");
    match js_sys::Reflect::get(&w, &key)
        .ok()?
        .dyn_into::<js_sys::Array>()
    {
        Ok(list) => Some(list),
        Err(_) => {
            let list = js_sys::Array::new();
            js_sys::Reflect::set(&w, &key, &list).ok()?;
            Some(list)
        }
    }
}

/// The language of `<html lang>` and the promise of its catalog's text, which the boot
/// script started fetching (`window.seqhealthCatalog`); `None` in English (nothing to
/// wait for). Also starts `window.seqhealthUntranslated` empty, so a test can read it in
/// any language.
#[cfg(target_arch = "wasm32")]
pub fn start() -> Option<(Language, js_sys::Promise)> {
    use wasm_bindgen::JsCast;
    let _ = untranslated();
    let w = web_sys::window()?;
    let lang =
        Language::parse(&root()?.get_attribute("lang").unwrap_or_default()).unwrap_or(Language::En);
    if lang == Language::En {
        return None;
    }
    let fetching = js_sys::Reflect::get(&w, &"seqhealthCatalog".into())
        .ok()
        .and_then(|p| p.dyn_into().ok());
    if fetching.is_none() {
        loaded(lang, None);
    }
    Some((lang, fetching?))
}

#[cfg(target_arch = "wasm32")]
fn root() -> Option<web_sys::Element> {
    web_sys::window()?.document()?.document_element()
}

/// Shows `lang` with the catalog `text`; without it the page is English, and says so.
#[cfg(target_arch = "wasm32")]
pub fn loaded(lang: Language, text: Option<String>) {
    if !text.is_some_and(|t| load(lang, &t)) {
        if let Some(r) = root() {
            let _ = r.set_attribute("lang", "en");
        }
    }
}

/// An English text shown translated as a view's child or an attribute's value: what `tv!`
/// makes. It is looked up when the view is built, in one shared `build`, rather than at
/// each call site: `t!` in a view returns its `&str` through memory at every site, which
/// cost 1.3 KB of brotli'd wasm more over the dashboard's ~320 view strings (measured).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Text(pub &'static str);

impl Text {
    /// The text in the current language.
    #[inline(never)]
    pub fn get(self) -> &'static str {
        lookup(self.0)
    }
}

#[cfg(target_arch = "wasm32")]
mod render;

/// `template` with `{0}`, `{1}`, … replaced by `args` (what `tf!` calls).
pub use seqhealth_api::words::fill;

/// The English text in the current language (a `&'static str`).
#[macro_export]
macro_rules! t {
    ($english:literal) => {
        $crate::i18n::lookup($english)
    };
}

/// `t!` for a view: a child (`{tv!("Schedule")}`) or an attribute's value
/// (`aria-label=tv!("Main")`), translated when the view is built ([`Text`]).
#[macro_export]
macro_rules! tv {
    ($english:literal) => {
        $crate::i18n::Text($english)
    };
}

/// A template in the current language with `{0}`, `{1}`, … filled in (a `String`).
#[macro_export]
macro_rules! tf {
    ($english:literal $(, $arg:expr)* $(,)?) => {
        $crate::i18n::fill($crate::t!($english), &[$(&$arg as &dyn ::std::fmt::Display),*])
    };
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn templates_fill_in_any_order() {
        assert_eq!(fill("{1} di {0}", &[&"a", &2]), "2 di a");
        assert_eq!(fill("{0} %{", &[&1.5]), "1.5 %{");
        assert_eq!(fill("{x} {9}", &[&1]), "{x} {9}");
        assert_eq!(fnv(""), 0x811c_9dc5);
        assert_eq!(fnv("a"), 0xe40c_292c);
    }

    #[test]
    fn a_catalog_translates_and_a_miss_is_english() {
        assert!(load(
            Language::It,
            r#"{"Log out": "Esci", "{0} more": "altri {0}"}"#
        ));
        assert_eq!(t!("Log out"), "Esci");
        assert_eq!(tf!("{0} more", 3), "altri 3");
        assert_eq!(t!("Not in it"), "Not in it");
        assert_eq!(MISSED.with(|m| m.borrow().len()), 1);
        assert_eq!(decimal_point(), ',');
        assert!(!load(Language::Es, "[1]"));
    }

    /// The keys `t!("…")` and `tf!("…", …)` of a Rust source, unescaped (also when
    /// rustfmt put the literal on the line after `tf!(`).
    fn keys(src: &str) -> Vec<String> {
        let mut out = Vec::new();
        for m in ["t!(", "tv!(", "tf!("] {
            for (at, _) in src.match_indices(m) {
                if at > 0 && src.as_bytes()[at - 1].is_ascii_alphanumeric() {
                    continue;
                }
                let Some(body) = src[at + m.len()..].trim_start().strip_prefix('"') else {
                    continue;
                };
                let mut key = String::new();
                let mut chars = body.chars();
                while let Some(c) = chars.next() {
                    match c {
                        '"' => break,
                        '\\' => match chars.next() {
                            Some('n') => key.push('\n'),
                            Some(e) => key.push(e),
                            None => {}
                        },
                        c => key.push(c),
                    }
                }
                out.push(key);
            }
        }
        out
    }

    fn placeholders(s: &str) -> Vec<String> {
        let mut p: Vec<String> = s
            .match_indices('{')
            .filter_map(|(i, _)| {
                let end = s[i..].find('}')?;
                Some(s[i..i + end + 1].to_string())
            })
            .collect();
        p.sort();
        p
    }

    fn sources(dir: &std::path::Path, out: &mut Vec<(String, String)>) {
        for e in std::fs::read_dir(dir).unwrap().flatten() {
            let p = e.path();
            if p.is_dir() {
                sources(&p, out);
            } else if p.extension().is_some_and(|x| x == "rs") && !p.ends_with("i18n.rs") {
                out.push((
                    p.display().to_string(),
                    std::fs::read_to_string(&p).unwrap(),
                ));
            }
        }
    }

    fn catalog(lang: &str) -> Vec<(String, crate::json::Json)> {
        let root = std::path::Path::new(env!("CARGO_MANIFEST_DIR"));
        let text = std::fs::read_to_string(root.join(format!("public/i18n/{lang}.json")))
            .unwrap_or_else(|e| panic!("public/i18n/{lang}.json: {e}"));
        match crate::json::from_str(&text) {
            Ok(crate::json::Json::Obj(entries)) => entries,
            _ => panic!("public/i18n/{lang}.json is not a JSON object"),
        }
    }

    #[test]
    fn api_words_are_translated() {
        use seqhealth_api::{domain::SENSORS, Health, Subsystem};
        let mut words: Vec<&str> = Subsystem::ALL.iter().map(|s| s.label()).collect();
        words.extend(
            [
                Health::Unknown,
                Health::Ok,
                Health::Warning,
                Health::Critical,
            ]
            .map(Health::label),
        );
        words.extend(SENSORS.iter().map(|s| s.label));
        words.extend(SENSORS.iter().map(|s| s.unit));
        words.extend(seqhealth_api::ReplacementStatus::ALL.map(|s| s.label()));
        words.extend([seqhealth_api::Slot::Am, seqhealth_api::Slot::Pm].map(|s| s.label()));
        words.extend(seqhealth_api::notify::NotifyKind::ALL.map(|k| k.label()));
        // What the server says as codes (`seqhealth_api::words`), and its figures' words.
        words.extend(seqhealth_api::words::TEMPLATES.iter().map(|(_, t)| *t));
        words.extend(SENSORS.iter().map(|s| s.component));
        words.extend(seqhealth_api::words::MONTHS);
        let readings: Vec<String> = Subsystem::ALL
            .iter()
            .map(|s| format!("{} readings", s.as_str()))
            .collect();
        words.extend(readings.iter().map(String::as_str));
        for lang in ["it", "es"] {
            let catalog = catalog(lang);
            let missing: Vec<_> = words
                .iter()
                .filter(|w| !catalog.iter().any(|(k, _)| k == *w))
                .collect();
            assert!(missing.is_empty(), "{lang} lacks {missing:?}");
            for (_, t) in seqhealth_api::words::TEMPLATES {
                let said = catalog.iter().find(|(k, _)| k == t).map(|(_, v)| v);
                if let Some(crate::json::Json::Str(s)) = said {
                    assert_eq!(placeholders(s), placeholders(t), "{lang}: {t:?} → {s:?}");
                }
            }
        }
    }

    /// Translations are kept by a 32-bit hash of the English text: two keys with the same
    /// hash would show one's translation for the other.
    #[test]
    fn no_two_keys_share_a_hash() {
        for lang in ["it", "es"] {
            let mut hashes: Vec<(u32, String)> = catalog(lang)
                .into_iter()
                .map(|(k, _)| (fnv(&k), k))
                .collect();
            assert!(hashes.len() > 500, "{lang}: only {} keys", hashes.len());
            hashes.sort();
            for w in hashes.windows(2) {
                assert!(
                    w[0].0 != w[1].0,
                    "{lang}: {:?} and {:?} share the hash {:#x}",
                    w[0].1,
                    w[1].1,
                    w[0].0
                );
            }
        }
    }

    #[test]
    fn a_sorted_table_finds_every_key() {
        let catalog =
            r#"{"Log out": "Esci", "Warnings": "Avvisi", "Team": "Gruppo", "Fleet": "Strumenti"}"#;
        assert!(load(Language::Es, catalog));
        assert_eq!(t!("Warnings"), "Avvisi");
        assert_eq!(t!("Fleet"), "Strumenti");
        assert_eq!(t!("Team"), "Gruppo");
        assert_eq!(t!("Log out"), "Esci");
        assert_eq!(t!("Nope"), "Nope");
    }

    #[test]
    fn every_key_is_translated() {
        let root = std::path::Path::new(env!("CARGO_MANIFEST_DIR"));
        let mut files = Vec::new();
        sources(&root.join("src"), &mut files);
        let mut problems = Vec::new();
        let mut all = 0;
        for lang in ["it", "es"] {
            let catalog = catalog(lang);
            for (file, src) in &files {
                for key in keys(src) {
                    all += 1;
                    match catalog.iter().find(|(k, _)| *k == key) {
                        Some((_, crate::json::Json::Str(s))) if !s.trim().is_empty() => {
                            if placeholders(s) != placeholders(&key) {
                                problems
                                    .push(format!("{lang}: placeholders differ: {key:?} → {s:?}"));
                            }
                        }
                        _ => problems.push(format!("{lang}: {key:?} ({file})")),
                    }
                }
            }
        }
        assert!(all > 100, "only {all} keys found: is the scan broken?");
        assert!(
            problems.is_empty(),
            "untranslated:\n{}",
            problems.join("\n")
        );
    }
}
