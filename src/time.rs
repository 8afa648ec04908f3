//! Times on screen are in the lab's time zone, named; the API speaks UTC. The browser's
//! own Intl does the conversion, so no time-zone database ships in the wasm.

use chrono::{DateTime, Utc};
use wasm_bindgen::JsValue;

/// Now, from the browser's clock (chrono's clock is not available in wasm32).
pub fn now() -> DateTime<Utc> {
    DateTime::from_timestamp_millis(js_sys::Date::now() as i64).unwrap_or_default()
}

fn format(t: DateTime<Utc>, tz: &str, fields: &[(&str, &str)]) -> String {
    let date = js_sys::Date::new(&JsValue::from_f64(t.timestamp_millis() as f64));
    let opts = js_sys::Object::new();
    let _ = js_sys::Reflect::set(&opts, &"timeZone".into(), &tz.into());
    for (k, v) in fields {
        let _ = js_sys::Reflect::set(&opts, &(*k).into(), &(*v).into());
    }
    // An unknown zone makes Intl throw; fall back to UTC and say so.
    match js_sys::Intl::DateTimeFormat::new(&js_sys::Array::of1(&"en-GB".into()), &opts)
        .format()
        .call1(&JsValue::UNDEFINED, &date)
    {
        Ok(s) => s.as_string().unwrap_or_default(),
        // chrono's strftime formatter would add ~7 KB of wasm for this fallback alone.
        Err(_) => format!("{} UTC", t.to_rfc3339().get(..16).unwrap_or_default()).replace('T', " "),
    }
}

/// "12 Mar 2026, 14:05" in the lab's zone.
pub fn date_time(t: DateTime<Utc>, tz: &str) -> String {
    format(t, tz, &[("dateStyle", "medium"), ("timeStyle", "short")])
}

/// "12 Mar 2026" in the lab's zone.
pub fn date(t: DateTime<Utc>, tz: &str) -> String {
    format(t, tz, &[("dateStyle", "medium")])
}

/// "3 h ago" from the browser's clock.
pub fn age(t: DateTime<Utc>) -> String {
    crate::format::age((now() - t).num_seconds().max(0))
}

/// The lab's local date as "YYYY-MM-DD" (what a date input holds).
pub fn iso_date(t: DateTime<Utc>, tz: &str) -> String {
    let date = js_sys::Date::new(&JsValue::from_f64(t.timestamp_millis() as f64));
    let opts = js_sys::Object::new();
    for (k, v) in [
        ("timeZone", tz),
        ("year", "numeric"),
        ("month", "2-digit"),
        ("day", "2-digit"),
    ] {
        let _ = js_sys::Reflect::set(&opts, &k.into(), &v.into());
    }
    // en-CA writes dates the ISO way.
    js_sys::Intl::DateTimeFormat::new(&js_sys::Array::of1(&"en-CA".into()), &opts)
        .format()
        .call1(&JsValue::UNDEFINED, &date)
        .ok()
        .and_then(|s| s.as_string())
        .unwrap_or_else(|| t.date_naive().to_string())
}
