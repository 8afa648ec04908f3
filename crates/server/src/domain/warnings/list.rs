//! Reading warnings: the lab's list by filter, and one warning.

use crate::error::{AppError, AppResult};
use crate::store::to_time;
use seqhealth_api::{Severity, Subsystem, WarningList, WarningRow, WarningStatus, MAX_WARNINGS};
use sqlx::AnyPool;

/// Which of a lab's warnings to list.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Filter {
    pub statuses: &'static [&'static str],
    pub severity: Option<Severity>,
    pub subsystem: Option<Subsystem>,
    pub instrument: Option<i64>,
}

#[derive(sqlx::FromRow)]
pub(super) struct Row {
    id: i64,
    instrument_id: i64,
    nickname: String,
    serial: String,
    subsystem: String,
    rule: String,
    severity: String,
    status: String,
    raised_at: i64,
    updated_at: i64,
    value: Option<f64>,
    message: String,
    said: Option<String>,
    acknowledged_by: Option<String>,
    acknowledged_at: Option<i64>,
    acknowledge_reason: Option<String>,
    resolved_at: Option<i64>,
    muted_until: Option<i64>,
    worse_at: Option<i64>,
}

/// The warning rows' query; parameter `$now` is the time now (a scheduled replacement
/// mutes its component's warnings until its slot ends).
pub(super) fn select(now: usize) -> String {
    format!("SELECT w.id, w.instrument_id, i.nickname, i.serial, w.subsystem, w.rule, w.severity, w.status,
        w.raised_at, w.updated_at, w.value, w.message, w.said, u.name AS acknowledged_by, w.acknowledged_at,
        w.acknowledge_reason, w.resolved_at,
        (SELECT MAX(r.slot_end) FROM replacements r
          WHERE r.instrument_id = w.instrument_id AND w.rule IN ('threshold:' || r.sensor, 'rate:' || r.sensor)
            AND r.status = 'scheduled'
            AND w.status <> 'resolved' AND r.slot_end > ${now}
            AND (w.worse_at IS NULL OR w.worse_at < r.updated_at)) AS muted_until,
        w.worse_at
    FROM warnings w JOIN instruments i ON i.id = w.instrument_id LEFT JOIN users u ON u.id = w.acknowledged_by")
}

pub(super) fn to_row(r: Row) -> AppResult<WarningRow> {
    let bad = |what: &str, v: &str| {
        AppError::Internal(format!("stored warning has unknown {what} {v:?}"))
    };
    let status = WarningStatus::parse(&r.status).ok_or_else(|| bad("status", &r.status))?;
    Ok(WarningRow {
        id: r.id,
        instrument_id: r.instrument_id,
        instrument_nickname: r.nickname,
        instrument_serial: r.serial,
        subsystem: Subsystem::parse(&r.subsystem).ok_or_else(|| bad("subsystem", &r.subsystem))?,
        rule: r.rule,
        severity: Severity::parse(&r.severity).ok_or_else(|| bad("severity", &r.severity))?,
        status,
        raised_at: to_time(r.raised_at),
        // The finding that keeps it open, where newer than the one that raised it.
        latest_at: (status != WarningStatus::Resolved && r.updated_at > r.raised_at)
            .then(|| to_time(r.updated_at)),
        value: r.value,
        message: r.message,
        said: crate::domain::words::read(r.said.as_deref()),
        acknowledged_by: r.acknowledged_by,
        acknowledged_at: r.acknowledged_at.map(to_time),
        acknowledge_reason: r.acknowledge_reason,
        resolved_at: r.resolved_at.map(to_time),
        muted_until: r.muted_until.map(to_time),
        worse_at: r
            .worse_at
            .filter(|_| status != WarningStatus::Resolved)
            .map(to_time),
    })
}

/// The lab's warnings that `filter` selects, worst and newest first, at most
/// [`MAX_WARNINGS`].
pub async fn list(db: &AnyPool, lab_id: i64, filter: &Filter, now: i64) -> AppResult<WarningList> {
    let Filter {
        statuses,
        severity,
        subsystem,
        instrument,
    } = *filter;
    let placeholders = crate::store::placeholders(2, statuses.len());
    // The filters' parameters follow the statuses: $a..$g.
    let a = statuses.len() + 2;
    let sql = format!(
        "{} WHERE i.lab_id = $1 AND w.status IN ({placeholders})
           AND (${a} IS NULL OR w.severity = ${b}) AND (${c} IS NULL OR w.subsystem = ${d})
           AND (${e} IS NULL OR w.instrument_id = ${f})
         ORDER BY CASE w.severity WHEN 'critical' THEN 0 WHEN 'warning' THEN 1 ELSE 2 END, w.raised_at DESC
         LIMIT ${g}",
        select(a + 7),
        b = a + 1,
        c = a + 2,
        d = a + 3,
        e = a + 4,
        f = a + 5,
        g = a + 6
    );
    let mut q = sqlx::query_as::<_, Row>(&sql).bind(lab_id);
    for s in statuses {
        q = q.bind(*s);
    }
    let sev = severity.map(|s| s.as_str());
    let sub = subsystem.map(|s| s.as_str());
    let rows = q
        .bind(sev)
        .bind(sev)
        .bind(sub)
        .bind(sub)
        .bind(instrument)
        .bind(instrument)
        .bind(MAX_WARNINGS as i64 + 1)
        .bind(now)
        .fetch_all(db)
        .await?;
    let truncated = rows.len() > MAX_WARNINGS;
    let warnings = rows
        .into_iter()
        .take(MAX_WARNINGS)
        .map(to_row)
        .collect::<AppResult<Vec<_>>>()?;
    Ok(WarningList {
        warnings,
        truncated,
    })
}

/// One warning, as the list shows it.
pub async fn get(db: &AnyPool, id: i64, now: i64) -> AppResult<WarningRow> {
    let row: Row = sqlx::query_as(&format!("{} WHERE w.id = $1", select(2)))
        .bind(id)
        .bind(now)
        .fetch_one(db)
        .await?;
    to_row(row)
}
