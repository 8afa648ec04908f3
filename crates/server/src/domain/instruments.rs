//! One instrument: whether it is in a lab, its detail page's figures, its runs.

use crate::domain::audit::{action, said, text, Event};
use crate::domain::enrollment::{self, placeholder};
use crate::domain::health;
use crate::error::{AppError, AppResult};
use crate::store::{backend, json_real, json_rows, parse_json_rows, to_time, Backend, Real};
use chrono::{DateTime, Utc};
use seqhealth_api::Figure;
use seqhealth_api::{
    EnrollmentCode, InstrumentDetail, LabInfo, NewInstrumentRequest, RunList, RunRow, MAX_RUNS,
};
use sqlx::{Any, AnyPool, Transaction};

/// Adds an instrument to `lab_id` (its agent awaited) and issues its first enrollment
/// code, in the write transaction `tx`. `req` has been checked.
pub async fn add(
    tx: &mut Transaction<'_, Any>,
    lab_id: i64,
    user_id: i64,
    req: &NewInstrumentRequest,
    now: i64,
) -> AppResult<EnrollmentCode> {
    let serial = req.serial.trim().to_uppercase();
    // Unique within the lab only: whether another lab has this serial is not this lab's
    // to learn, nor to block (an instrument that moves labs is added by its new lab).
    let taken: Option<String> =
        sqlx::query_scalar("SELECT nickname FROM instruments WHERE lab_id = $1 AND serial = $2")
            .bind(lab_id)
            .bind(&serial)
            .fetch_optional(&mut **tx)
            .await?;
    if let Some(nickname) = taken {
        return Err(AppError::conflict(
            "serial_taken",
            vec![Figure::Text(serial), Figure::Text(nickname)],
        ));
    }
    let id: i64 = sqlx::query_scalar(
        "INSERT INTO instruments (lab_id, serial, model, nickname, site, token_hash, data_sharing)
         VALUES ($1, $2, $3, $4, $5, $6, 1) RETURNING id",
    )
    .bind(lab_id)
    .bind(&serial)
    .bind(&req.model)
    .bind(req.nickname.trim())
    .bind(req.site.trim())
    .bind(placeholder("pending", 0, now))
    .fetch_one(&mut **tx)
    .await?;
    let code = enrollment::issue_code(tx, id, user_id, now).await?;
    let detail = said(
        "audit_instrument_added",
        vec![text(&req.model), text(&serial), text(req.nickname.trim())],
    );
    Event::new(lab_id, Some(user_id), action::INSTRUMENT_ADDED, detail)
        .instrument(id)
        .record(tx, now)
        .await?;
    Ok(code)
}

/// `id` if it is an instrument of `lab_id`; another lab's instrument is indistinguishable
/// from a missing one (404).
pub async fn in_lab(db: &AnyPool, lab_id: i64, id: i64) -> AppResult<i64> {
    let found: Option<i64> =
        sqlx::query_scalar("SELECT id FROM instruments WHERE id = $1 AND lab_id = $2")
            .bind(id)
            .bind(lab_id)
            .fetch_optional(db)
            .await?;
    found.ok_or_else(|| AppError::not_found("no_instrument", vec![Figure::N(id as f64)]))
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

/// The instrument page's figures of instrument `id` of `lab_id`.
/// `now` (Unix seconds) decides whether a silence is still on.
pub async fn detail(db: &AnyPool, lab_id: i64, id: i64, now: i64) -> AppResult<InstrumentDetail> {
    let (id, serial, model, nickname, site, csv, rta, data_sharing, last_report, lab, tz): DetailRow =
        sqlx::query_as(
            "SELECT i.id, i.serial, i.model, i.nickname, i.site, i.control_software_version, i.rta_version,
                    i.data_sharing, i.last_report_at, l.name, l.time_zone
             FROM instruments i JOIN labs l ON l.id = i.lab_id WHERE i.id = $1",
        )
        .bind(id)
        .fetch_one(db)
        .await?;
    let health = health::for_lab(db, lab_id, Some(id))
        .await?
        .remove(&id)
        .unwrap_or_else(health::unknown);
    let freshness = health::freshness_for_lab(db, lab_id, Some(id))
        .await?
        .remove(&id)
        .unwrap_or_default();
    type Agent = (String, Option<i64>, Option<i64>, Option<i64>, Option<i64>);
    let (token, enrolled_at, revoked_at, sharing_since, contact): Agent = sqlx::query_as(
        "SELECT token_hash, enrolled_at, token_revoked_at, data_sharing_since, last_contact_at
             FROM instruments WHERE id = $1",
    )
    .bind(id)
    .fetch_one(db)
    .await?;
    let silence = crate::domain::notify::silence::current(db, id, now).await?;
    let (silenced_until, silence_reason) = match silence {
        Some((until, reason)) => (Some(to_time(until)), Some(reason)),
        None => (None, None),
    };
    Ok(InstrumentDetail {
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
        connection: crate::domain::enrollment::connection(&token),
        enrolled_at: enrolled_at.map(to_time),
        token_revoked_at: revoked_at.map(to_time),
        data_sharing_since: sharing_since.map(to_time),
        last_contact_at: contact.map(to_time),
        sensors: health::reported_sensors(db, id).await?,
        silenced_until,
        silence_reason,
    })
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

/// The runs of instrument `id` started in `[from, to)`, oldest first, at most
/// [`MAX_RUNS`] (the newest), with their control-chart flags.
pub async fn runs(
    db: &AnyPool,
    id: i64,
    from: DateTime<Utc>,
    to: DateTime<Utc>,
) -> AppResult<RunList> {
    let text: Option<String> = sqlx::query_scalar(&runs_sql(backend(db)))
        .bind(id)
        .bind(from.timestamp())
        .bind(to.timestamp())
        .bind(MAX_RUNS as i64 + 1)
        .fetch_one(db)
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
        .fetch_one(db)
        .await?;
    let control = crate::domain::spc::annotate(db, id, &model, &mut runs).await?;
    Ok(RunList {
        from,
        to,
        runs,
        truncated,
        control,
    })
}
