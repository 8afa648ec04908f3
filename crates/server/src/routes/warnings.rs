//! `GET /warnings` across the caller's lab, and `POST /warnings/{id}/acknowledge`.

use crate::audit;
use crate::db::to_time;
use crate::error::{AppError, AppResult};
use crate::extract::{ApiJson, CurrentUser};
use crate::state::AppState;
use axum::extract::{Path, Query, State};
use axum::response::Response;
use axum::Json;
use seqhealth_api::{
    AcknowledgeRequest, Severity, Subsystem, WarningList, WarningRow, WarningStatus, MAX_WARNINGS,
};
use serde::Deserialize;

#[derive(Debug, Deserialize)]
pub struct Filter {
    status: Option<String>,
    severity: Option<String>,
    subsystem: Option<String>,
    instrument: Option<String>,
}

/// Statuses a `status=` filter selects; "open" (the default) is active or acknowledged.
fn statuses(s: Option<&str>) -> AppResult<&'static [&'static str]> {
    Ok(match s.unwrap_or("open") {
        "open" => &["active", "acknowledged"],
        "active" => &["active"],
        "acknowledged" => &["acknowledged"],
        "resolved" => &["resolved"],
        "all" => &["active", "acknowledged", "resolved"],
        other => {
            return Err(AppError::BadRequest(format!(
                "`status` must be open, active, acknowledged, resolved or all, not {other:?}"
            )))
        }
    })
}

type Row = (
    i64,
    i64,
    String,
    String,
    String,
    String,
    String,
    String,
    i64,
    Option<f64>,
    String,
    Option<String>,
    Option<i64>,
    Option<String>,
    Option<i64>,
    Option<i64>,
);

/// The warning rows' query; parameter `$now` is the time now (a scheduled replacement
/// mutes its component's warnings until its slot ends).
fn select(now: usize) -> String {
    format!("SELECT w.id, w.instrument_id, i.nickname, i.serial, w.subsystem, w.rule, w.severity, w.status,
        w.raised_at, w.value, w.message, u.name, w.acknowledged_at, w.acknowledge_reason, w.resolved_at,
        (SELECT MAX(r.slot_end) FROM replacements r
          WHERE r.instrument_id = w.instrument_id AND w.rule IN ('threshold:' || r.sensor, 'rate:' || r.sensor)
            AND r.status = 'scheduled'
            AND w.status <> 'resolved' AND r.slot_end > ${now})
    FROM warnings w JOIN instruments i ON i.id = w.instrument_id LEFT JOIN users u ON u.id = w.acknowledged_by")
}

fn to_row(r: Row) -> AppResult<WarningRow> {
    let bad = |what: &str, v: &str| {
        AppError::Internal(format!("stored warning has unknown {what} {v:?}"))
    };
    Ok(WarningRow {
        id: r.0,
        instrument_id: r.1,
        instrument_nickname: r.2,
        instrument_serial: r.3,
        subsystem: Subsystem::parse(&r.4).ok_or_else(|| bad("subsystem", &r.4))?,
        rule: r.5,
        severity: Severity::parse(&r.6).ok_or_else(|| bad("severity", &r.6))?,
        status: WarningStatus::parse(&r.7).ok_or_else(|| bad("status", &r.7))?,
        raised_at: to_time(r.8),
        value: r.9,
        message: r.10,
        acknowledged_by: r.11,
        acknowledged_at: r.12.map(to_time),
        acknowledge_reason: r.13,
        resolved_at: r.14.map(to_time),
        muted_until: r.15.map(to_time),
    })
}

pub async fn list(
    State(state): State<AppState>,
    user: CurrentUser,
    Query(f): Query<Filter>,
    request: axum::http::HeaderMap,
) -> AppResult<Response> {
    let statuses = statuses(f.status.as_deref())?;
    let severity = match f.severity.as_deref() {
        None | Some("") => None,
        Some(s) => Some(Severity::parse(s).ok_or_else(|| {
            AppError::BadRequest(format!(
                "`severity` must be info, warning or critical, not {s:?}"
            ))
        })?),
    };
    let subsystem = match f.subsystem.as_deref() {
        None | Some("") => None,
        Some(s) => Some(Subsystem::parse(s).ok_or_else(|| {
            AppError::BadRequest(format!(
                "`subsystem` must be optical, mechanical, thermal or fluidics, not {s:?}"
            ))
        })?),
    };
    let instrument =
        crate::routes::instruments::instrument_filter(&state, &user, f.instrument.as_deref())
            .await?;
    // Kept per filter until the lab's data changes; "muted until" also depends on the
    // clock, so at most a minute.
    let key = format!("{statuses:?}|{severity:?}|{subsystem:?}|{instrument:?}");
    let version = (
        chrono::Utc::now().timestamp().div_euclid(60),
        crate::cache::lab_version(&state.db, user.lab_id).await?,
    );
    let lab_id = user.lab_id;
    crate::cache::json(
        &state.lab_lists,
        (lab_id, "warnings", key),
        version,
        &request,
        fetch(&state, lab_id, statuses, severity, subsystem, instrument),
    )
    .await
}

async fn fetch(
    state: &AppState,
    lab_id: i64,
    statuses: &[&str],
    severity: Option<Severity>,
    subsystem: Option<Subsystem>,
    instrument: Option<i64>,
) -> AppResult<WarningList> {
    let placeholders = crate::db::placeholders(2, statuses.len());
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
        .bind(chrono::Utc::now().timestamp())
        .fetch_all(&state.db)
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

pub async fn acknowledge(
    State(state): State<AppState>,
    user: CurrentUser,
    Path(id): Path<String>,
    ApiJson(req): ApiJson<AcknowledgeRequest>,
) -> AppResult<Json<WarningRow>> {
    let id: i64 = id
        .parse()
        .map_err(|_| AppError::NotFound(format!("no warning with id {id:?}")))?;
    let status: Option<String> = sqlx::query_scalar(
        "SELECT w.status FROM warnings w JOIN instruments i ON i.id = w.instrument_id WHERE w.id = $1 AND i.lab_id = $2",
    )
    .bind(id)
    .bind(user.lab_id)
    .fetch_optional(&state.db)
    .await?;
    let status =
        status.ok_or_else(|| AppError::NotFound(format!("no warning with id {id} in your lab")))?;
    user.require_manager("acknowledge warnings")?;
    let reason = req.reason.trim();
    if reason.is_empty() || reason.chars().count() > 500 {
        return Err(AppError::BadRequest(
            "`reason` must be 1–500 characters".into(),
        ));
    }
    let now = chrono::Utc::now().timestamp();
    let mut tx = state.db.begin().await?;
    // The status check is in the UPDATE itself, so two managers at once cannot both win.
    let changed = sqlx::query(
        "UPDATE warnings SET status = 'acknowledged', acknowledged_by = $1, acknowledged_at = $2, acknowledge_reason = $3
         WHERE id = $4 AND status = 'active'",
    )
    .bind(user.user_id)
    .bind(now)
    .bind(reason)
    .bind(id)
    .execute(&mut *tx)
    .await?
    .rows_affected();
    if changed == 0 {
        drop(tx);
        let now: String = sqlx::query_scalar("SELECT status FROM warnings WHERE id = $1")
            .bind(id)
            .fetch_one(&state.db)
            .await
            .unwrap_or(status);
        return Err(AppError::Conflict(format!(
            "warning {id} is {now}; only an active warning can be acknowledged"
        )));
    }
    let (instrument_id, message): (i64, String) =
        sqlx::query_as("SELECT instrument_id, message FROM warnings WHERE id = $1")
            .bind(id)
            .fetch_one(&mut *tx)
            .await?;
    audit::record(
        &mut tx,
        now,
        audit::Event {
            lab_id: user.lab_id,
            user_id: Some(user.user_id),
            action: audit::action::ACKNOWLEDGED,
            instrument_id: Some(instrument_id),
            warning_id: Some(id),
            detail: format!("Acknowledged warning: {message} — {reason}"),
            ..audit::Event::default()
        },
    )
    .await?;
    tx.commit().await?;
    let row: Row = sqlx::query_as(&format!("{} WHERE w.id = $1", select(2)))
        .bind(id)
        .bind(chrono::Utc::now().timestamp())
        .fetch_one(&state.db)
        .await?;
    Ok(Json(to_row(row)?))
}
