//! Storing what instruments push: run summaries and telemetry batches, each in the
//! caller's write transaction and idempotent by its id; the warning rules run on what
//! was stored for the first time.

use crate::error::AppResult;
use crate::store::buckets::Fresh;
use chrono::{DateTime, Utc};
use seqhealth_api::{EventSeverity, IngestAck, InstrumentReport, RunIngest, TelemetryBatch};
use sqlx::{Any, Transaction};
use std::collections::BTreeMap;

/// Stores a run summary (once per run id) and judges its quality.
pub async fn run(
    tx: &mut Transaction<'_, Any>,
    instrument_id: i64,
    run: &RunIngest,
) -> AppResult<IngestAck> {
    let c = &run.configuration;
    let s = &run.summary;
    let inserted = sqlx::query(
        "INSERT INTO runs (instrument_id, run_id, started_at, completed_at, read_structure, yield_gb, pct_q30,
                           pct_pf, cluster_density_k_mm2, error_rate, control_software_version, rta_version,
                           flow_cell_id, flow_cell_lot, reagent_kit_lot, chemistry, flow_cell_type)
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16, $17)
         ON CONFLICT (instrument_id, run_id) DO NOTHING",
    )
    .bind(instrument_id)
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
    .bind(&c.flow_cell_type)
    // Not kept prepared: sqlx's Any driver sends a missing f64 as a float4 NULL, and a
    // statement PostgreSQL prepared for one type of a parameter refuses the other.
    .persistent(false)
    .execute(&mut **tx)
    .await?
    .rows_affected()
        == 1;
    if inserted {
        let at = run.completed_at.unwrap_or(run.started_at);
        let report = InstrumentReport {
            control_software_version: c.control_software_version.clone(),
            rta_version: c.rta_version.clone(),
        };
        note_report(tx, instrument_id, at, Some(&report)).await?;
        let kind = crate::domain::spc::RunKind {
            read_structure: run.read_structure.clone(),
            flow_cell_type: c.flow_cell_type.clone(),
        };
        crate::domain::warnings::evaluate_run_quality(tx, instrument_id, &kind).await?;
    }
    Ok(IngestAck {
        stored: inserted,
        readings: 0,
        events: 0,
    })
}

/// Stores a telemetry batch (once per batch id): readings, their buckets and latest
/// values, operation-log events; then the sensor and error-code rules.
pub async fn telemetry(
    tx: &mut Transaction<'_, Any>,
    instrument_id: i64,
    batch: &TelemetryBatch,
) -> AppResult<IngestAck> {
    let fresh = sqlx::query(
        "INSERT INTO telemetry_batches (instrument_id, batch_id, received_at, readings, events)
         VALUES ($1, $2, $3, $4, $5) ON CONFLICT (instrument_id, batch_id) DO NOTHING",
    )
    .bind(instrument_id)
    .bind(&batch.batch_id)
    .bind(Utc::now().timestamp())
    .bind(batch.readings.len() as i64)
    .bind(batch.events.len() as i64)
    .execute(&mut **tx)
    .await?
    .rows_affected()
        == 1;
    if !fresh {
        return Ok(IngestAck {
            stored: false,
            readings: 0,
            events: 0,
        });
    }
    let stored = store_readings(tx, instrument_id, batch).await?;
    // Only a reading stored for the first time counts in the buckets and can be the
    // latest: a resend must not count twice, and a second value for the same sensor and
    // time (not stored) must not become the latest either.
    crate::store::buckets::fold_all(tx, instrument_id, &stored).await?;
    store_latest(tx, instrument_id, &stored).await?;
    store_events(tx, instrument_id, batch).await?;
    let mut sensors: Vec<&str> = batch.readings.iter().map(|r| r.sensor.as_str()).collect();
    sensors.sort_unstable();
    sensors.dedup();
    crate::domain::warnings::evaluate_sensors(tx, instrument_id, &sensors).await?;
    let mut codes: Vec<(seqhealth_api::Subsystem, &str)> = batch
        .events
        .iter()
        .filter(|e| e.severity == EventSeverity::Error)
        .map(|e| (e.subsystem, e.code.as_str()))
        .collect();
    codes.sort_unstable();
    codes.dedup();
    if let Some(newest_event) = batch.events.iter().map(|e| e.at.timestamp()).max() {
        crate::domain::warnings::evaluate_error_codes(tx, instrument_id, &codes, newest_event)
            .await?;
    }
    let newest = batch
        .readings
        .iter()
        .map(|r| r.at)
        .chain(batch.events.iter().map(|e| e.at))
        .max();
    if let Some(at) = newest {
        note_report(tx, instrument_id, at, batch.instrument.as_ref()).await?;
    }
    Ok(IngestAck {
        stored: true,
        readings: batch.readings.len(),
        events: batch.events.len(),
    })
}

/// Statements carry at most this many rows (5 parameters each): one statement per chunk
/// instead of one per reading, well below SQLite's parameter limit.
const ROWS_PER_STATEMENT: usize = 1000;

/// Inserts the batch's readings; returns those stored for the first time (a resent
/// reading conflicts and is not returned).
async fn store_readings(
    tx: &mut Transaction<'_, Any>,
    instrument_id: i64,
    batch: &TelemetryBatch,
) -> AppResult<Vec<Fresh>> {
    let mut stored = Vec::with_capacity(batch.readings.len());
    for chunk in batch.readings.chunks(ROWS_PER_STATEMENT) {
        let sql = format!(
            "INSERT INTO sensor_readings (instrument_id, sensor, at, subsystem, value) {}
             ON CONFLICT (instrument_id, sensor, at) DO NOTHING RETURNING sensor, subsystem, at, value",
            crate::store::values(crate::store::Backend::of(tx), chunk.len(), 5)
        );
        let mut q = sqlx::query_as(&sql);
        for r in chunk {
            q = q
                .bind(instrument_id)
                .bind(&r.sensor)
                .bind(r.at.timestamp())
                .bind(r.subsystem.as_str())
                .bind(r.value);
        }
        let rows: Vec<(String, String, i64, f64)> = q.fetch_all(&mut **tx).await?;
        stored.extend(
            rows.into_iter()
                .map(|(sensor, subsystem, at, value)| Fresh {
                    sensor,
                    subsystem,
                    at,
                    value,
                }),
        );
    }
    Ok(stored)
}

/// Moves each sensor's latest reading forward to the newest one stored now, never back.
async fn store_latest(
    tx: &mut Transaction<'_, Any>,
    instrument_id: i64,
    stored: &[Fresh],
) -> AppResult<()> {
    let mut newest: BTreeMap<&str, &Fresh> = BTreeMap::new();
    for r in stored {
        let e = newest.entry(r.sensor.as_str()).or_insert(r);
        if r.at > e.at {
            *e = r;
        }
    }
    if newest.is_empty() {
        return Ok(());
    }
    let sql = format!(
        "INSERT INTO sensor_latest (instrument_id, sensor, subsystem, at, value) {}
         ON CONFLICT (instrument_id, sensor) DO UPDATE SET at = excluded.at, value = excluded.value,
             subsystem = excluded.subsystem
         WHERE excluded.at >= sensor_latest.at",
        crate::store::values(crate::store::Backend::of(tx), newest.len(), 5)
    );
    let mut q = sqlx::query(&sql);
    for r in newest.values() {
        q = q
            .bind(instrument_id)
            .bind(&r.sensor)
            .bind(&r.subsystem)
            .bind(r.at)
            .bind(r.value);
    }
    q.execute(&mut **tx).await?;
    Ok(())
}

async fn store_events(
    tx: &mut Transaction<'_, Any>,
    instrument_id: i64,
    batch: &TelemetryBatch,
) -> AppResult<()> {
    for chunk in batch.events.chunks(ROWS_PER_STATEMENT) {
        let sql = format!(
            "INSERT INTO operation_events (instrument_id, at, subsystem, code, severity) {}
             ON CONFLICT (instrument_id, at, code) DO NOTHING",
            crate::store::values(crate::store::Backend::of(tx), chunk.len(), 5)
        );
        let mut q = sqlx::query(&sql);
        for e in chunk {
            q = q
                .bind(instrument_id)
                .bind(e.at.timestamp())
                .bind(e.subsystem.as_str())
                .bind(&e.code)
                .bind(match e.severity {
                    EventSeverity::Info => "info",
                    EventSeverity::Warning => "warning",
                    EventSeverity::Error => "error",
                });
        }
        q.execute(&mut **tx).await?;
    }
    Ok(())
}

/// Moves the instrument's "last report" and configuration forward, never back: resent
/// old data must not roll back a software version or make the instrument look stale.
async fn note_report(
    tx: &mut Transaction<'_, Any>,
    instrument_id: i64,
    at: DateTime<Utc>,
    report: Option<&InstrumentReport>,
) -> AppResult<()> {
    // An instrument clock ahead of ours must not make it look fresher than it is.
    let at = at.min(Utc::now()).timestamp();
    sqlx::query(
        "UPDATE instruments SET last_report_at = $1
         WHERE id = $2 AND (last_report_at IS NULL OR last_report_at < $1)",
    )
    .bind(at)
    .bind(instrument_id)
    .execute(&mut **tx)
    .await?;
    if let Some(r) = report {
        sqlx::query(
            "UPDATE instruments SET control_software_version = COALESCE($1, control_software_version),
                    rta_version = COALESCE($2, rta_version), configuration_at = $3
             WHERE id = $4 AND COALESCE(configuration_at, 0) <= $5",
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
