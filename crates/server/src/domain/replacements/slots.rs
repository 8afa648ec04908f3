//! Time: the lab's zone, local dates, half-day slots and whether a requested one is free.

use super::rows::collisions;
use crate::error::{AppError, AppResult};
use axum::http::StatusCode;
use chrono::{NaiveDate, TimeZone};
use chrono_tz::Tz;
use seqhealth_api::{Figure, Said};
use seqhealth_api::{ReplacementRow, ScheduleRequest, Slot};
use sqlx::AnyConnection;

/// Appointments may be booked this far ahead.
pub const MAX_SCHEDULE_AHEAD_DAYS: i64 = 730;
pub use seqhealth_api::DAY;

/// The lab's zone; a zone name the database does not know (never written by us) is UTC.
pub fn zone(name: &str) -> Tz {
    name.parse().unwrap_or(Tz::UTC)
}

pub async fn lab_zone(conn: &mut AnyConnection, lab_id: i64) -> AppResult<Tz> {
    let name: String = sqlx::query_scalar("SELECT time_zone FROM labs WHERE id = $1")
        .bind(lab_id)
        .fetch_one(conn)
        .await?;
    Ok(zone(&name))
}

/// The UTC window [start, end) of a local date's half-day slot. A local time that a
/// daylight-saving change skips falls back to UTC-offset arithmetic on the earliest one.
pub fn slot_window(date: NaiveDate, slot: Slot, tz: Tz) -> Option<(i64, i64)> {
    let (from, to) = slot.hours();
    let at = |h: u32| {
        let local = date.and_hms_opt(h, 0, 0)?;
        tz.from_local_datetime(&local)
            .earliest()
            .or_else(|| {
                tz.from_local_datetime(&(local + chrono::Duration::hours(1)))
                    .earliest()
            })
            .map(|t| t.timestamp())
    };
    Some((at(from)?, at(to)?))
}

/// The lab's local date at unix time `t`.
pub fn local_date(t: i64, tz: Tz) -> NaiveDate {
    tz.timestamp_opt(t, 0)
        .single()
        .map(|d| d.date_naive())
        .unwrap_or_default()
}

/// The lab's local date as the dashboard writes dates ("1 Dec 2026"), for reasons a lab
/// reads.
pub fn spoken_date(t: i64, tz: Tz) -> String {
    spoken_day(local_date(t, tz))
}

/// A lab's local day as the dashboard writes it ("3 Oct 2026"): audit details and reasons
/// read the same as the pages around them.
pub fn spoken_day(d: NaiveDate) -> String {
    d.format("%-d %b %Y").to_string()
}

/// Checks a requested slot: a real future slot, within reach, clear of planned runs
/// (unless the manager books it anyway). Returns its UTC window.
pub(super) async fn check_slot(
    conn: &mut AnyConnection,
    row: &ReplacementRow,
    req: &ScheduleRequest,
    tz: Tz,
    now: i64,
) -> AppResult<(i64, i64)> {
    let (start, end) = slot_window(req.date, req.slot, tz)
        .ok_or_else(|| AppError::bad("no_slot", vec![Figure::Day(req.date)]))?;
    if start <= now {
        return Err(AppError::bad(
            "slot_started",
            vec![
                Figure::Text(req.slot.as_str().into()),
                Figure::Day(req.date),
            ],
        ));
    }
    if start > now + MAX_SCHEDULE_AHEAD_DAYS * DAY {
        return Err(AppError::bad(
            "slot_too_far",
            vec![
                Figure::Day(req.date),
                Figure::N(MAX_SCHEDULE_AHEAD_DAYS as f64),
            ],
        ));
    }
    let hits = collisions(conn, row.instrument_id, req.date).await?;
    if !hits.is_empty() && !req.allow_collision {
        let names: Vec<String> = hits
            .iter()
            .map(|p| format!("\"{}\" ({} to {})", p.label, p.starts_on, p.ends_on))
            .collect();
        return Err(AppError::said(
            StatusCode::CONFLICT,
            "planned_run_collision",
            "planned_run_collision",
            vec![
                Figure::Text(row.instrument_nickname.clone()),
                Figure::Day(req.date),
                Figure::Text(names.join(", ")),
            ],
        ));
    }
    Ok((start, end))
}

pub(super) fn slot_text(date: NaiveDate, slot: Slot) -> Figure {
    let said = Said::new(
        "audit_slot",
        vec![Figure::Day(date), Figure::Word(slot.label().into())],
    );
    Figure::said(said)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::store::to_time;

    #[test]
    fn slots_are_local_hours_in_the_labs_zone() {
        let d = NaiveDate::from_ymd_opt(2026, 7, 1).unwrap();
        let london: Tz = "Europe/London".parse().unwrap();
        let (s, e) = slot_window(d, Slot::Am, london).unwrap();
        // 08:00 BST is 07:00 UTC.
        assert_eq!(to_time(s).to_rfc3339(), "2026-07-01T07:00:00+00:00");
        assert_eq!(e - s, 4 * 3600);
        let (s, _) = slot_window(d, Slot::Pm, Tz::UTC).unwrap();
        assert_eq!(to_time(s).to_rfc3339(), "2026-07-01T13:00:00+00:00");
        assert_eq!(local_date(s, london), d);
        // 23:30 UTC on 30 Jun is already 1 Jul in London.
        let late = to_time(s).timestamp() - 13 * 3600 - 1800;
        assert_eq!(spoken_date(late, london), "1 Jul 2026");
        assert_eq!(spoken_date(late, Tz::UTC), "30 Jun 2026");
    }

    #[test]
    fn unknown_zones_are_utc() {
        assert_eq!(zone("Mars/Olympus"), Tz::UTC);
        assert_eq!(zone("America/Chicago"), chrono_tz::America::Chicago);
    }
}
