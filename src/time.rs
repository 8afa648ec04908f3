//! Times on screen are in the lab's time zone, named; the API speaks UTC. The browser's
//! own Intl does the conversion, so no time-zone database ships in the wasm.

use crate::format;
use chrono::{DateTime, NaiveDate, Utc};
use wasm_bindgen::JsValue;

/// Now, from the browser's clock (chrono's clock is not available in wasm32).
pub fn now() -> DateTime<Utc> {
    DateTime::from_timestamp_millis(js_sys::Date::now() as i64).unwrap_or_default()
}

/// The lab's local date and "HH:MM" of `t`; `None` when the browser does not know the
/// zone (Intl throws). One Intl call in the ISO order (en-CA), read back into numbers: the
/// words are then the dashboard's own ([`format::day`]), not the browser locale's ("Sept").
fn local(t: DateTime<Utc>, tz: &str) -> Option<(NaiveDate, String)> {
    let date = js_sys::Date::new(&JsValue::from_f64(t.timestamp_millis() as f64));
    let opts = js_sys::Object::new();
    for (k, v) in [
        ("timeZone", tz),
        ("year", "numeric"),
        ("month", "2-digit"),
        ("day", "2-digit"),
        ("hour", "2-digit"),
        ("minute", "2-digit"),
        ("hourCycle", "h23"),
    ] {
        let _ = js_sys::Reflect::set(&opts, &k.into(), &v.into());
    }
    // "2026-12-09, 14:05"
    let s = js_sys::Intl::DateTimeFormat::new(&js_sys::Array::of1(&"en-CA".into()), &opts)
        .format()
        .call1(&JsValue::UNDEFINED, &date)
        .ok()?
        .as_string()?;
    let day = crate::json::date(s.get(..10)?)?;
    let clock = s.get(s.len().checked_sub(5)?..)?.to_string();
    Some((day, clock))
}

/// "12 Mar 2026, 14:05" in the lab's zone (in UTC, said so, if the zone is unknown).
pub fn date_time(t: DateTime<Utc>, tz: &str) -> String {
    let (local, zone) = match local(t, tz) {
        Some(l) => (l, ""),
        None => (local(t, "UTC").unwrap_or_default(), " UTC"),
    };
    format!("{}, {}{zone}", format::day(local.0), local.1)
}

/// "12 Mar 2026" in the lab's zone.
pub fn date(t: DateTime<Utc>, tz: &str) -> String {
    format::day(local(t, tz).map_or_else(|| t.date_naive(), |l| l.0))
}

/// "3 h ago" from the browser's clock.
pub fn age(t: DateTime<Utc>) -> String {
    format::age((now() - t).num_seconds().max(0))
}

/// The lab's local date as "YYYY-MM-DD" (what a date input holds).
pub fn iso_date(t: DateTime<Utc>, tz: &str) -> String {
    local(t, tz)
        .map_or_else(|| t.date_naive(), |l| l.0)
        .to_string()
}

/// The lab's clock at `t` as if it were UTC.
fn local_as_utc(t: DateTime<Utc>, tz: &str) -> Option<DateTime<Utc>> {
    let (day, clock) = local(t, tz)?;
    crate::json::date_time(&format!("{day}T{clock}:00Z"))
}

/// The lab's local "YYYY-MM-DDTHH:MM" (what a datetime-local input holds) `minutes_ahead`
/// of now.
pub fn local_input_ahead(tz: &str, minutes_ahead: i64) -> String {
    let t = now() + chrono::Duration::minutes(minutes_ahead);
    local(t, tz).map_or_else(String::new, |(d, c)| format!("{d}T{c}"))
}

/// A datetime-local input's "YYYY-MM-DDTHH:MM", read in the lab's zone, as UTC; `None`
/// if it is not one. The lab's offset is asked of the browser twice, so a time just across
/// a daylight-saving change lands on the right side of it.
pub fn from_local_input(s: &str, tz: &str) -> Option<DateTime<Utc>> {
    let guess = crate::json::date_time(&format!("{}:00Z", s.get(..16)?))?;
    // The offset (lab's clock − UTC), at whole minutes as the clock reads.
    let offset = |t: DateTime<Utc>| {
        let whole = DateTime::from_timestamp(t.timestamp() - t.timestamp().rem_euclid(60), 0)?;
        Some(local_as_utc(t, tz)? - whole)
    };
    let first = guess - offset(guess)?;
    Some(guess - offset(first)?)
}
