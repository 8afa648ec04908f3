//! What instruments push: run summaries and telemetry batches. Each is validated whole
//! before anything is written, written in one transaction, and idempotent by its id.

use crate::error::{AppError, AppResult};
use crate::extract::{ApiJson, Instrument};
use crate::state::AppState;
use axum::extract::State;
use axum::Json;
use chrono::{DateTime, Utc};
use seqhealth_api::{EventSeverity, IngestAck, InstrumentReport, RunIngest, TelemetryBatch};
use sqlx::{Sqlite, Transaction};

/// Most readings plus events one batch may carry.
pub const MAX_BATCH_ITEMS: usize = 20_000;

pub async fn run(
    State(state): State<AppState>,
    instrument: Instrument,
    ApiJson(run): ApiJson<RunIngest>,
) -> AppResult<Json<IngestAck>> {
    validate_run(&run)?;
    let mut tx = state.db.begin().await?;
    let c = &run.configuration;
    let s = &run.summary;
    let inserted = sqlx::query(
        "INSERT INTO runs (instrument_id, run_id, started_at, completed_at, read_structure, yield_gb, pct_q30,
                           pct_pf, cluster_density_k_mm2, error_rate, control_software_version, rta_version,
                           flow_cell_id, flow_cell_lot, reagent_kit_lot, chemistry)
         VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
         ON CONFLICT (instrument_id, run_id) DO NOTHING",
    )
    .bind(instrument.id)
    .bind(&run.run_id)
    .bind(run.started_at.timestamp())
    .bind(run.completed_at.map(|t| t.timestamp()))
    .bind(&run.read_structure)
    .bind(s.yield_gb)
    .bind(s.pct_q30)
    .bind(s.pct_pf)
    .bind(s.cluster_density_k_mm2)
    .bind(s.error_rate)
    .bind(&c.control_software_version)
    .bind(&c.rta_version)
    .bind(&c.flow_cell_id)
    .bind(&c.flow_cell_lot)
    .bind(&c.reagent_kit_lot)
    .bind(&c.chemistry)
    .execute(&mut *tx)
    .await?
    .rows_affected()
        == 1;
    if inserted {
        let at = run.completed_at.unwrap_or(run.started_at);
        let report = InstrumentReport {
            control_software_version: c.control_software_version.clone(),
            rta_version: c.rta_version.clone(),
        };
        note_report(&mut tx, instrument.id, at, Some(&report)).await?;
    }
    tx.commit().await?;
    Ok(Json(IngestAck {
        stored: inserted,
        readings: 0,
        events: 0,
    }))
}

pub async fn telemetry(
    State(state): State<AppState>,
    instrument: Instrument,
    ApiJson(batch): ApiJson<TelemetryBatch>,
) -> AppResult<Json<IngestAck>> {
    validate_batch(&batch)?;
    let mut tx = state.db.begin().await?;
    let fresh = sqlx::query(
        "INSERT INTO telemetry_batches (instrument_id, batch_id, received_at, readings, events)
         VALUES (?, ?, ?, ?, ?) ON CONFLICT (instrument_id, batch_id) DO NOTHING",
    )
    .bind(instrument.id)
    .bind(&batch.batch_id)
    .bind(Utc::now().timestamp())
    .bind(batch.readings.len() as i64)
    .bind(batch.events.len() as i64)
    .execute(&mut *tx)
    .await?
    .rows_affected()
        == 1;
    if !fresh {
        tx.commit().await?;
        return Ok(Json(IngestAck {
            stored: false,
            readings: 0,
            events: 0,
        }));
    }
    for r in &batch.readings {
        let (at, subsystem) = (r.at.timestamp(), r.subsystem.as_str());
        let fresh = sqlx::query(
            "INSERT INTO sensor_readings (instrument_id, sensor, at, subsystem, value) VALUES (?, ?, ?, ?, ?)
             ON CONFLICT (instrument_id, sensor, at) DO NOTHING",
        )
        .bind(instrument.id)
        .bind(&r.sensor)
        .bind(at)
        .bind(subsystem)
        .bind(r.value)
        .execute(&mut *tx)
        .await?
        .rows_affected()
            == 1;
        // Only a reading stored for the first time counts in the buckets: a resend must
        // not count twice.
        if fresh {
            crate::buckets::fold(&mut tx, instrument.id, &r.sensor, at, r.value).await?;
        }
        sqlx::query(
            "INSERT INTO sensor_latest (instrument_id, sensor, subsystem, at, value) VALUES (?, ?, ?, ?, ?)
             ON CONFLICT (instrument_id, sensor) DO UPDATE SET at = excluded.at, value = excluded.value,
                 subsystem = excluded.subsystem
             WHERE excluded.at >= sensor_latest.at",
        )
        .bind(instrument.id)
        .bind(&r.sensor)
        .bind(subsystem)
        .bind(at)
        .bind(r.value)
        .execute(&mut *tx)
        .await?;
    }
    for e in &batch.events {
        let severity = match e.severity {
            EventSeverity::Info => "info",
            EventSeverity::Warning => "warning",
            EventSeverity::Error => "error",
        };
        sqlx::query(
            "INSERT INTO operation_events (instrument_id, at, subsystem, code, severity) VALUES (?, ?, ?, ?, ?)
             ON CONFLICT (instrument_id, at, code) DO NOTHING",
        )
        .bind(instrument.id)
        .bind(e.at.timestamp())
        .bind(e.subsystem.as_str())
        .bind(&e.code)
        .bind(severity)
        .execute(&mut *tx)
        .await?;
    }
    let mut sensors: Vec<&str> = batch.readings.iter().map(|r| r.sensor.as_str()).collect();
    sensors.sort_unstable();
    sensors.dedup();
    crate::warnings::evaluate_sensors(&mut tx, instrument.id, &sensors).await?;
    let newest = batch
        .readings
        .iter()
        .map(|r| r.at)
        .chain(batch.events.iter().map(|e| e.at))
        .max();
    if let Some(at) = newest {
        note_report(&mut tx, instrument.id, at, batch.instrument.as_ref()).await?;
    }
    tx.commit().await?;
    Ok(Json(IngestAck {
        stored: true,
        readings: batch.readings.len(),
        events: batch.events.len(),
    }))
}

/// Moves the instrument's "last report" and configuration forward, never back: resent
/// old data must not roll back a software version or make the instrument look stale.
async fn note_report(
    tx: &mut Transaction<'_, Sqlite>,
    instrument_id: i64,
    at: DateTime<Utc>,
    report: Option<&InstrumentReport>,
) -> AppResult<()> {
    // An instrument clock ahead of ours must not make it look fresher than it is.
    let at = at.min(Utc::now()).timestamp();
    sqlx::query(
        "UPDATE instruments SET last_report_at = MAX(COALESCE(last_report_at, 0), ?) WHERE id = ?",
    )
    .bind(at)
    .bind(instrument_id)
    .execute(&mut **tx)
    .await?;
    if let Some(r) = report {
        sqlx::query(
            "UPDATE instruments SET control_software_version = COALESCE(?, control_software_version),
                    rta_version = COALESCE(?, rta_version), configuration_at = ?
             WHERE id = ? AND COALESCE(configuration_at, 0) <= ?",
        )
        .bind(&r.control_software_version)
        .bind(&r.rta_version)
        .bind(at)
        .bind(instrument_id)
        .bind(at)
        .execute(&mut **tx)
        .await?;
    }
    Ok(())
}

/// A time an instrument may report: not before 2000 and not over a day ahead of the
/// server's clock. A far-future reading would otherwise stay "the latest" for years.
pub const MAX_CLOCK_AHEAD_SECS: i64 = 24 * 3600;

fn check_time(field: &str, at: DateTime<Utc>) -> AppResult<()> {
    let now = Utc::now().timestamp();
    let t = at.timestamp();
    if t > now + MAX_CLOCK_AHEAD_SECS {
        return Err(bad(format!(
            "`{field}` ({at}) is more than a day ahead of the server's clock"
        )));
    }
    if t < 946_684_800 {
        return Err(bad(format!("`{field}` ({at}) is before 2000")));
    }
    Ok(())
}

fn bad(msg: String) -> AppError {
    AppError::BadRequest(msg)
}

/// An identifier the instrument chose: printable, no spaces, bounded.
fn check_id(field: &str, v: &str) -> AppResult<()> {
    let ok = !v.is_empty()
        && v.len() <= 128
        && v.chars()
            .all(|c| c.is_ascii_alphanumeric() || "-_.:+".contains(c));
    if ok {
        Ok(())
    } else {
        Err(bad(format!(
            "`{field}` must be 1–128 characters of A–Z, a–z, 0–9 and - _ . : +, not {v:?}"
        )))
    }
}

fn check_text(field: &str, v: &Option<String>) -> AppResult<()> {
    match v {
        Some(s) if s.len() > 128 || s.chars().any(char::is_control) => Err(bad(format!(
            "`{field}` must be at most 128 printable characters"
        ))),
        _ => Ok(()),
    }
}

fn check_range(field: &str, v: Option<f64>, lo: f64, hi: f64) -> AppResult<()> {
    match v {
        Some(x) if !(x.is_finite() && (lo..=hi).contains(&x)) => Err(bad(format!(
            "`{field}` must be between {lo} and {hi}, not {x}"
        ))),
        _ => Ok(()),
    }
}

fn validate_run(run: &RunIngest) -> AppResult<()> {
    check_id("run_id", &run.run_id)?;
    check_time("started_at", run.started_at)?;
    let rs_ok = !run.read_structure.is_empty()
        && run.read_structure.len() <= 64
        && run
            .read_structure
            .chars()
            .all(|c| c.is_ascii_digit() || c == '-' || c == '+');
    if !rs_ok {
        return Err(bad(format!(
            "`read_structure` must look like 151-8-8-151, not {:?}",
            run.read_structure
        )));
    }
    if let Some(done) = run.completed_at {
        if done < run.started_at {
            return Err(bad("`completed_at` is before `started_at`".into()));
        }
    }
    let c = &run.configuration;
    check_text("control_software_version", &c.control_software_version)?;
    check_text("rta_version", &c.rta_version)?;
    check_text("flow_cell_id", &c.flow_cell_id)?;
    check_text("flow_cell_lot", &c.flow_cell_lot)?;
    check_text("reagent_kit_lot", &c.reagent_kit_lot)?;
    check_text("chemistry", &c.chemistry)?;
    let s = &run.summary;
    check_range("yield_gb", s.yield_gb, 0.0, 100_000.0)?;
    check_range("pct_q30", s.pct_q30, 0.0, 100.0)?;
    check_range("pct_pf", s.pct_pf, 0.0, 100.0)?;
    check_range(
        "cluster_density_k_mm2",
        s.cluster_density_k_mm2,
        0.0,
        100_000.0,
    )?;
    check_range("error_rate", s.error_rate, 0.0, 100.0)
}

fn validate_batch(b: &TelemetryBatch) -> AppResult<()> {
    check_id("batch_id", &b.batch_id)?;
    let n = b.readings.len() + b.events.len();
    if n > MAX_BATCH_ITEMS {
        return Err(bad(format!(
            "a batch carries at most {MAX_BATCH_ITEMS} readings and events, not {n}"
        )));
    }
    if let Some(r) = &b.instrument {
        check_text("control_software_version", &r.control_software_version)?;
        check_text("rta_version", &r.rta_version)?;
    }
    for (i, r) in b.readings.iter().enumerate() {
        let name_ok = !r.sensor.is_empty()
            && r.sensor.len() <= 64
            && r.sensor
                .chars()
                .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '_');
        if !name_ok {
            return Err(bad(format!(
                "readings[{i}].sensor must be 1–64 of a–z, 0–9 and _, not {:?}",
                r.sensor
            )));
        }
        if !r.value.is_finite() {
            return Err(bad(format!("readings[{i}].value must be a finite number")));
        }
        check_time(&format!("readings[{i}].at"), r.at)?;
    }
    for (i, e) in b.events.iter().enumerate() {
        let code_ok = !e.code.is_empty()
            && e.code.len() <= 64
            && e.code
                .chars()
                .all(|c| c.is_ascii_uppercase() || c.is_ascii_digit() || c == '_');
        if !code_ok {
            return Err(bad(format!(
                "events[{i}].code must be 1–64 of A–Z, 0–9 and _, not {:?}",
                e.code
            )));
        }
        check_time(&format!("events[{i}].at"), e.at)?;
    }
    Ok(())
}
