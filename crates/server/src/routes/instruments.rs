//! `GET /instruments/{id}` and `GET /instruments/{id}/runs?from=&to=`, scoped to the
//! caller's lab: another lab's instrument is indistinguishable from a missing one (404).

use crate::db::{backend, json_real, json_rows, parse_json_rows, to_time, Backend, Real};
use crate::error::{AppError, AppResult};
use crate::extract::CurrentUser;
use crate::health;
use crate::state::AppState;
use axum::extract::{Path, Query, State};
use axum::Json;
use chrono::{DateTime, Duration, NaiveDate, Utc};
use seqhealth_api::{InstrumentDetail, LabInfo, RunList, RunRow, MAX_RUNS};
use serde::Deserialize;

/// Path ids arrive as text so a non-number answers in the API's JSON error shape.
pub async fn instrument_in_lab(state: &AppState, user: &CurrentUser, id: &str) -> AppResult<i64> {
    let id: i64 = id
        .parse()
        .map_err(|_| AppError::NotFound(format!("no instrument with id {id:?}")))?;
    let found: Option<i64> =
        sqlx::query_scalar("SELECT id FROM instruments WHERE id = $1 AND lab_id = $2")
            .bind(id)
            .bind(user.lab_id)
            .fetch_optional(&state.db)
            .await?;
    found.ok_or_else(|| AppError::NotFound(format!("no instrument with id {id} in your lab")))
}

/// An `?instrument=` filter: empty is none, a non-number is 400, another lab's (or an
/// unknown) instrument is 404 — the same answer, so a filter probes nothing.
pub async fn instrument_filter(
    state: &AppState,
    user: &CurrentUser,
    value: Option<&str>,
) -> AppResult<Option<i64>> {
    match value {
        None | Some("") => Ok(None),
        Some(s) => {
            s.parse::<i64>().map_err(|_| {
                AppError::BadRequest(format!("`instrument` must be an instrument id, not {s:?}"))
            })?;
            Ok(Some(instrument_in_lab(state, user, s).await?))
        }
    }
}

type DetailRow = (
    i64,
    String,
    String,
    String,
    String,
    Option<String>,
    Option<String>,
    i64,
    Option<i64>,
    String,
    String,
);

pub async fn detail(
    State(state): State<AppState>,
    user: CurrentUser,
    Path(id): Path<String>,
) -> AppResult<Json<InstrumentDetail>> {
    let id = instrument_in_lab(&state, &user, &id).await?;
    let (id, serial, model, nickname, site, csv, rta, data_sharing, last_report, lab, tz): DetailRow =
        sqlx::query_as(
            "SELECT i.id, i.serial, i.model, i.nickname, i.site, i.control_software_version, i.rta_version,
                    i.data_sharing, i.last_report_at, l.name, l.time_zone
             FROM instruments i JOIN labs l ON l.id = i.lab_id WHERE i.id = $1",
        )
        .bind(id)
        .fetch_one(&state.db)
        .await?;
    let health = health::for_lab(&state.db, user.lab_id, Some(id))
        .await?
        .remove(&id)
        .unwrap_or_else(health::unknown);
    let freshness = health::freshness_for_lab(&state.db, user.lab_id, Some(id))
        .await?
        .remove(&id)
        .unwrap_or_default();
    type Agent = (String, Option<i64>, Option<i64>, Option<i64>, Option<i64>);
    let (token, enrolled_at, revoked_at, sharing_since, contact): Agent = sqlx::query_as(
        "SELECT token_hash, enrolled_at, token_revoked_at, data_sharing_since, last_contact_at
             FROM instruments WHERE id = $1",
    )
    .bind(id)
    .fetch_one(&state.db)
    .await?;
    Ok(Json(InstrumentDetail {
        id,
        serial,
        model,
        nickname,
        site,
        control_software_version: csv,
        rta_version: rta,
        data_sharing: data_sharing != 0,
        health,
        freshness,
        last_report_at: last_report.map(to_time),
        lab: LabInfo {
            name: lab,
            time_zone: tz,
        },
        connection: crate::enrollment::connection(&token),
        enrolled_at: enrolled_at.map(to_time),
        token_revoked_at: revoked_at.map(to_time),
        data_sharing_since: sharing_since.map(to_time),
        last_contact_at: contact.map(to_time),
    }))
}

#[derive(Debug, Deserialize)]
pub struct RunWindow {
    from: Option<String>,
    to: Option<String>,
}

/// Default window when none is asked: the last year.
pub const DEFAULT_WINDOW_DAYS: i64 = 365;

/// Accepts RFC 3339 times or plain dates (a `to` date includes that whole day).
fn parse_bound(name: &str, s: &str, end_of_day: bool) -> AppResult<DateTime<Utc>> {
    if let Ok(t) = DateTime::parse_from_rfc3339(s) {
        return Ok(t.with_timezone(&Utc));
    }
    if let Ok(d) = NaiveDate::parse_from_str(s, "%Y-%m-%d") {
        let d = if end_of_day {
            d.succ_opt().unwrap_or(d)
        } else {
            d
        };
        return Ok(d.and_hms_opt(0, 0, 0).unwrap_or_default().and_utc());
    }
    Err(AppError::BadRequest(format!(
        "`{name}` must be a date (2026-01-31) or an RFC 3339 time (2026-01-31T12:00:00Z), not {s:?}"
    )))
}

pub fn window(q: &RunWindow, now: DateTime<Utc>) -> AppResult<(DateTime<Utc>, DateTime<Utc>)> {
    window_or(q.from.as_deref(), q.to.as_deref(), now, DEFAULT_WINDOW_DAYS)
}

/// The `[from, to)` a query asks for, `default_days` back from `to` when `from` is absent.
pub fn window_or(
    from: Option<&str>,
    to: Option<&str>,
    now: DateTime<Utc>,
    default_days: i64,
) -> AppResult<(DateTime<Utc>, DateTime<Utc>)> {
    let to = match to {
        Some(s) => parse_bound("to", s, true)?,
        None => now,
    };
    let from = match from {
        Some(s) => parse_bound("from", s, false)?,
        None => to - Duration::days(default_days),
    };
    if from >= to {
        return Err(AppError::BadRequest(format!(
            "`from` ({from}) must be before `to` ({to})"
        )));
    }
    Ok((from, to))
}

type RunDbRow = (
    String,
    i64,
    Option<i64>,
    String,
    Option<Real>,
    Option<Real>,
    Option<Real>,
    Option<Real>,
    Option<Real>,
    Option<String>,
    Option<String>,
    Option<String>,
    Option<String>,
);

/// The runs of an instrument in `[$2, $3)`, newest first up to `$4` (so a truncated window
/// keeps the recent runs), as one JSON text of [`RunDbRow`]s.
fn runs_sql(backend: Backend) -> String {
    let real = |c: &str| json_real(backend, c);
    let columns = format!(
        "run_id, started_at, completed_at, read_structure, {}, {}, {}, {}, {},
         reagent_kit_lot, flow_cell_lot, control_software_version, flow_cell_type",
        real("yield_gb"),
        real("pct_q30"),
        real("pct_pf"),
        real("cluster_density_k_mm2"),
        real("error_rate"),
    );
    json_rows(
        backend,
        &columns,
        "SELECT * FROM runs WHERE instrument_id = $1 AND started_at >= $2 AND started_at < $3
         ORDER BY started_at DESC LIMIT $4",
    )
}

pub async fn runs(
    State(state): State<AppState>,
    user: CurrentUser,
    Path(id): Path<String>,
    Query(q): Query<RunWindow>,
) -> AppResult<Json<RunList>> {
    let (from, to) = window(&q, Utc::now())?;
    let id = instrument_in_lab(&state, &user, &id).await?;
    let text: Option<String> = sqlx::query_scalar(&runs_sql(backend(&state.db)))
        .bind(id)
        .bind(from.timestamp())
        .bind(to.timestamp())
        .bind(MAX_RUNS as i64 + 1)
        .fetch_one(&state.db)
        .await?;
    let mut rows: Vec<RunDbRow> = parse_json_rows(text)
        .map_err(|e| AppError::Internal(format!("runs of instrument {id} as JSON: {e}")))?;
    let truncated = rows.len() > MAX_RUNS;
    // Oldest first, the newest `MAX_RUNS`.
    rows.sort_by(|a, b| (a.1, &a.0).cmp(&(b.1, &b.0)));
    let real = |r: Option<Real>| r.map(|r| r.0);
    let mut runs: Vec<RunRow> = rows
        .into_iter()
        .skip(usize::from(truncated))
        .map(
            |(run_id, started, completed, rs, y, q30, pf, dens, err, kit, fc, csv, fct)| RunRow {
                run_id,
                started_at: to_time(started),
                completed_at: completed.map(to_time),
                read_structure: rs,
                yield_gb: real(y),
                pct_q30: real(q30),
                pct_pf: real(pf),
                cluster_density_k_mm2: real(dens),
                error_rate: real(err),
                reagent_kit_lot: kit,
                flow_cell_lot: fc,
                flow_cell_type: fct,
                control_software_version: csv,
                q30_signals: Vec::new(),
            },
        )
        .collect();
    let model: String = sqlx::query_scalar("SELECT model FROM instruments WHERE id = $1")
        .bind(id)
        .fetch_one(&state.db)
        .await?;
    let control = crate::spc::annotate(&state.db, id, &model, &mut runs).await?;
    Ok(Json(RunList {
        from,
        to,
        runs,
        truncated,
        control,
    }))
}
