//! "Today": what needs a manager now, ranked (unhandled critical warnings, then other
//! warnings, replacements due soon, planned runs at risk, instruments gone silent), each
//! with how far it has been handled, from the same rows the warnings and replacements
//! lists show.

use crate::domain::{planned_runs, replacements, warnings};
use crate::error::AppResult;
use seqhealth_api::{
    Figure, Handling, ReplacementStatus, Said, Severity, Today, TodayItem, TodayKind, WarningRow,
    WarningStatus, DAY, TODAY_DUE_DAYS,
};
use sqlx::AnyPool;

/// Items listed at most (the count of unhandled ones covers them all).
pub const MAX_ITEMS: usize = 200;

fn handling(w: &WarningRow) -> Handling {
    // A warning that got worse after it was handled is open again.
    let worse_since = |t: Option<chrono::DateTime<chrono::Utc>>| match (w.worse_at, t) {
        (Some(worse), Some(t)) => worse > t,
        _ => false,
    };
    match (w.muted_until, w.status) {
        (Some(until), _) => Handling::Booked(until),
        (None, WarningStatus::Acknowledged) if !worse_since(w.acknowledged_at) => {
            Handling::Acknowledged
        }
        _ => Handling::Open,
    }
}

pub async fn today(db: &AnyPool, lab_id: i64, now: i64) -> AppResult<Today> {
    let open = warnings::Filter {
        statuses: &["active", "acknowledged"],
        severity: None,
        subsystem: None,
        instrument: None,
    };
    let list = warnings::list(db, lab_id, &open, now).await?;
    let mut items: Vec<TodayItem> = Vec::new();
    let mut silent: Vec<i64> = Vec::new();
    for w in &list.warnings {
        let kind = if w.rule.starts_with("missing_data:") {
            // One item per silent instrument, however many subsystems went quiet.
            if silent.contains(&w.instrument_id) {
                continue;
            }
            silent.push(w.instrument_id);
            TodayKind::Silent
        } else if w.severity == Severity::Critical {
            TodayKind::Critical
        } else {
            TodayKind::Warning
        };
        items.push(TodayItem {
            kind,
            instrument_id: w.instrument_id,
            instrument_nickname: w.instrument_nickname.clone(),
            instrument_serial: w.instrument_serial.clone(),
            title: match kind {
                TodayKind::Silent => "Has stopped sending data".into(),
                _ => w.message.clone(),
            },
            title_said: match kind {
                TodayKind::Silent => Some(Said::new("today_silent", vec![])),
                _ => w.said.clone(),
            },
            handling: handling(w),
            at: w.worse_at.unwrap_or(w.raised_at),
            warning_id: Some(w.id),
            replacement_id: None,
        });
    }
    let mut conn = db.acquire().await?;
    let due_by = now + TODAY_DUE_DAYS * DAY;
    let open_replacements = replacements::list(
        &mut conn,
        lab_id,
        replacements::Filter {
            statuses: Some(&["recommended", "scheduled"]),
            instrument: None,
        },
        MAX_ITEMS,
    )
    .await?;
    let tz = replacements::lab_zone(&mut conn, lab_id).await?;
    drop(conn);
    for r in open_replacements.iter().filter(|r| {
        r.status == ReplacementStatus::Recommended && r.replace_by.timestamp() <= due_by
    }) {
        items.push(TodayItem {
            kind: TodayKind::ReplacementDue,
            instrument_id: r.instrument_id,
            instrument_nickname: r.instrument_nickname.clone(),
            instrument_serial: r.instrument_serial.clone(),
            title: format!("Replace the {}: {}", r.component.to_lowercase(), r.reason),
            title_said: Some(Said::new(
                "today_replace",
                vec![
                    Figure::Lower(r.component.clone()),
                    // A reason from before codes, in its stored English.
                    r.reason_said
                        .clone()
                        .map_or_else(|| Figure::Text(r.reason.clone()), Figure::said),
                ],
            )),
            handling: Handling::Open,
            at: r.replace_by,
            warning_id: r.warning_id,
            replacement_id: Some(r.id),
        });
    }
    // A planned run within the fortnight on an instrument with an open critical warning or
    // a component due before the run ends, not yet booked.
    let runs = planned_runs::list(db, lab_id, None, now).await?;
    for p in &runs.planned_runs {
        // The run's days are the lab's local days.
        let local = |d: chrono::NaiveDate, h, m, s| {
            use chrono::TimeZone;
            tz.from_local_datetime(&d.and_hms_opt(h, m, s).unwrap_or_default())
                .earliest()
                .map(|t| t.with_timezone(&chrono::Utc))
                .unwrap_or_default()
        };
        let (starts, ends) = (local(p.starts_on, 0, 0, 0), local(p.ends_on, 23, 59, 59));
        if starts.timestamp() > due_by {
            continue;
        }
        let critical = list.warnings.iter().any(|w| {
            w.instrument_id == p.instrument_id
                && w.severity == Severity::Critical
                && w.muted_until.is_none()
        });
        let due = open_replacements.iter().find(|r| {
            r.instrument_id == p.instrument_id
                && r.status == ReplacementStatus::Recommended
                && r.replace_by <= ends
        });
        let why = match (critical, due) {
            (_, Some(r)) => Said::new("risk_due", vec![Figure::Lower(r.component.clone())]),
            (true, None) => Said::new("risk_critical", vec![]),
            (false, None) => continue,
        };
        let title = Said::new(
            "today_at_risk",
            vec![Figure::Text(p.label.clone()), Figure::said(why)],
        );
        let serial = open_replacements
            .iter()
            .find(|r| r.instrument_id == p.instrument_id)
            .map(|r| r.instrument_serial.clone())
            .or_else(|| {
                list.warnings
                    .iter()
                    .find(|w| w.instrument_id == p.instrument_id)
                    .map(|w| w.instrument_serial.clone())
            })
            .unwrap_or_default();
        items.push(TodayItem {
            kind: TodayKind::PlannedRunAtRisk,
            instrument_id: p.instrument_id,
            instrument_nickname: p.instrument_nickname.clone(),
            instrument_serial: serial,
            title: title.english(),
            title_said: Some(title),
            handling: Handling::Open,
            at: starts,
            warning_id: None,
            replacement_id: due.map(|r| r.id),
        });
    }
    // Unhandled first, then by kind, then the oldest (or soonest due) first.
    items.sort_by_key(|i| (i.handling != Handling::Open, i.kind, i.at));
    let unhandled = items
        .iter()
        .filter(|i| i.handling == Handling::Open)
        .count();
    items.truncate(MAX_ITEMS);
    Ok(Today { items, unhandled })
}
