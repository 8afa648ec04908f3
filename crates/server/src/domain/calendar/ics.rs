//! The lab's replacement appointments as an iCalendar (RFC 5545) document: one VEVENT
//! per appointment, a UID that never changes for a replacement and a SEQUENCE that grows
//! with each reschedule, so a subscribed calendar updates an event rather than adding a
//! second one. Times are the lab's local times with a VTIMEZONE describing its zone.

use chrono::{DateTime, Datelike, Offset, TimeZone, Utc};
use chrono_tz::{OffsetComponents, OffsetName, Tz};
use seqhealth_api::{ReplacementRow, ReplacementStatus};
use std::fmt::Write;

/// An appointment and its iCalendar SEQUENCE.
pub struct CalendarEvent<'a> {
    pub replacement: &'a ReplacementRow,
    pub sequence: i64,
}

/// The whole document, CRLF line endings, lines folded at 75 octets.
pub fn render(
    lab_name: &str,
    tz: Tz,
    events: &[CalendarEvent<'_>],
    words: &crate::domain::words::Catalog,
    now: DateTime<Utc>,
) -> String {
    let mut lines: Vec<String> = vec![
        "BEGIN:VCALENDAR".into(),
        "VERSION:2.0".into(),
        "PRODID:-//seqhealth//replacements//EN".into(),
        "CALSCALE:GREGORIAN".into(),
        "METHOD:PUBLISH".into(),
        format!(
            "X-WR-CALNAME:{}",
            text(&words.t("{0} — component replacements", &[&lab_name]))
        ),
        format!("X-WR-TIMEZONE:{}", tz.name()),
    ];
    let appointments: Vec<_> = events
        .iter()
        .filter_map(|e| e.replacement.appointment.as_ref().map(|a| (e, a)))
        .collect();
    let years = appointments
        .iter()
        .map(|(_, a)| a.starts_at.year())
        .chain([now.year()]);
    let (first, last) = years.fold((i32::MAX, i32::MIN), |(lo, hi), y| (lo.min(y), hi.max(y)));
    lines.extend(vtimezone(tz, first - 1, last + 1));
    for (e, a) in appointments {
        let r = e.replacement;
        let status = match r.status {
            ReplacementStatus::Cancelled => "CANCELLED",
            _ => "CONFIRMED",
        };
        let why = words.say(r.reason_said.as_ref(), &r.reason);
        let mut description = words.t("Why: {0}", &[&why]);
        if let Some(who) = &a.engineer {
            write!(description, "\n{}", words.t("Engineer: {0}", &[who])).ok();
        }
        if let Some(case) = &a.case_number {
            write!(description, "\n{}", words.t("Vendor case: {0}", &[case])).ok();
        }
        if let Some(c) = &r.cancel_reason {
            write!(description, "\n{}", words.t("Cancelled: {0}", &[c])).ok();
        }
        if let Some(t) = r.completed_at {
            let at = t.with_timezone(&tz).format("%Y-%m-%d %H:%M %Z");
            write!(description, "\n{}", words.t("Completed: {0}", &[&at])).ok();
        }
        lines.extend([
            "BEGIN:VEVENT".into(),
            format!("UID:replacement-{}@seqhealth", r.id),
            format!("SEQUENCE:{}", e.sequence),
            format!("DTSTAMP:{}", utc(r.updated_at)),
            format!("DTSTART;TZID={}:{}", tz.name(), local(a.starts_at, tz)),
            format!("DTEND;TZID={}:{}", tz.name(), local(a.ends_at, tz)),
            format!(
                "SUMMARY:{}",
                text(&words.t(
                    "Replace {0} — {1} ({2})",
                    &[
                        &words.t(&r.component, &[]),
                        &r.instrument_nickname,
                        &r.instrument_serial
                    ]
                ))
            ),
            format!("DESCRIPTION:{}", text(&description)),
            format!(
                "LOCATION:{}",
                text(&match r.instrument_site.as_str() {
                    "" => r.instrument_nickname.clone(),
                    site => format!("{}, {site}", r.instrument_nickname),
                })
            ),
            format!("STATUS:{status}"),
            "TRANSP:OPAQUE".into(),
            "END:VEVENT".into(),
        ]);
    }
    lines.push("END:VCALENDAR".into());
    let mut out = String::new();
    for line in lines {
        fold(&line, &mut out);
    }
    out
}

fn utc(t: DateTime<Utc>) -> String {
    t.format("%Y%m%dT%H%M%SZ").to_string()
}

fn local(t: DateTime<Utc>, tz: Tz) -> String {
    t.with_timezone(&tz).format("%Y%m%dT%H%M%S").to_string()
}

/// TEXT value escaping (RFC 5545 3.3.11).
fn text(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        match c {
            '\\' => out.push_str("\\\\"),
            ';' => out.push_str("\\;"),
            ',' => out.push_str("\\,"),
            '\n' => out.push_str("\\n"),
            '\r' => {}
            c if c.is_control() => {}
            c => out.push(c),
        }
    }
    out
}

/// Folds a content line at 75 octets, never inside a UTF-8 character (RFC 5545 3.1).
fn fold(line: &str, out: &mut String) {
    let mut width = 0;
    for c in line.chars() {
        let n = c.len_utf8();
        if width + n > 75 {
            out.push_str("\r\n ");
            width = 1;
        }
        out.push(c);
        width += n;
    }
    out.push_str("\r\n");
}

fn offset(secs: i32) -> String {
    let sign = if secs < 0 { '-' } else { '+' };
    let a = secs.abs();
    format!("{sign}{:02}{:02}", a / 3600, (a % 3600) / 60)
}

/// The zone's rules from `first` to `last` (years) as explicit observances, one per
/// offset change, so no recurrence rule has to be derived from the tz database.
fn vtimezone(tz: Tz, first: i32, last: i32) -> Vec<String> {
    let at = |t: i64| {
        tz.offset_from_utc_datetime(
            &DateTime::from_timestamp(t, 0)
                .unwrap_or_default()
                .naive_utc(),
        )
    };
    let start = Utc
        .with_ymd_and_hms(first, 1, 1, 0, 0, 0)
        .single()
        .map(|t| t.timestamp())
        .unwrap_or(0);
    let end = Utc
        .with_ymd_and_hms(last + 1, 1, 1, 0, 0, 0)
        .single()
        .map(|t| t.timestamp())
        .unwrap_or(0);
    let mut out = vec!["BEGIN:VTIMEZONE".to_string(), format!("TZID:{}", tz.name())];
    let mut observance = |t: i64, from: i32, o: &<Tz as TimeZone>::Offset| {
        let kind = if o.dst_offset().num_seconds() != 0 {
            "DAYLIGHT"
        } else {
            "STANDARD"
        };
        // DTSTART is the local time of the change, in the offset before it.
        let local = DateTime::from_timestamp(t + i64::from(from), 0)
            .map(|d| d.naive_utc())
            .unwrap_or_default();
        let to = o.fix().local_minus_utc();
        out.extend([
            format!("BEGIN:{kind}"),
            format!("DTSTART:{}", local.format("%Y%m%dT%H%M%S")),
            format!("TZOFFSETFROM:{}", offset(from)),
            format!("TZOFFSETTO:{}", offset(to)),
            format!("TZNAME:{}", o.abbreviation().unwrap_or(tz.name())),
            format!("END:{kind}"),
        ]);
    };
    // Offsets change on a quarter hour at the finest; step 15 minutes.
    const STEP: i64 = 900;
    let first_offset = at(start);
    let mut prev = first_offset.fix().local_minus_utc();
    // The observance in force at the start of the range.
    observance(start, prev, &first_offset);
    let mut t = start + STEP;
    while t < end {
        let o = at(t);
        let now = o.fix().local_minus_utc();
        if now != prev {
            observance(t, prev, &o);
            prev = now;
        }
        t += STEP;
    }
    out.push("END:VTIMEZONE".into());
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn long_lines_fold_at_75_octets_without_splitting_characters() {
        let mut out = String::new();
        fold(&format!("SUMMARY:{}", "é".repeat(60)), &mut out);
        for line in out.split("\r\n").filter(|l| !l.is_empty()) {
            assert!(line.len() <= 75, "{} octets", line.len());
        }
        let unfolded = out.replace("\r\n ", "");
        assert_eq!(unfolded, format!("SUMMARY:{}\r\n", "é".repeat(60)));
    }

    #[test]
    fn text_is_escaped() {
        assert_eq!(text("a;b,c\\d\ne"), "a\\;b\\,c\\\\d\\ne");
    }

    #[test]
    fn london_has_its_summer_time_changes() {
        let lines = vtimezone(chrono_tz::Europe::London, 2026, 2026);
        let joined = lines.join("\n");
        assert!(joined.contains("DTSTART:20260329T010000"), "{joined}");
        assert!(joined.contains("TZOFFSETTO:+0100"));
        assert!(joined.contains("DTSTART:20261025T020000"), "{joined}");
        assert!(joined.contains("TZNAME:BST"));
        let utc = vtimezone(Tz::UTC, 2026, 2026).join("\n");
        assert_eq!(utc.matches("BEGIN:STANDARD").count(), 1);
    }
}
