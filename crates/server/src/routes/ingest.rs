//! What instruments push: run summaries and telemetry batches. Each is validated whole
//! before anything is written, written in one transaction, and idempotent by its id.

use crate::domain::ingest;
use crate::error::{AppError, AppResult};
use crate::http::extract::{ApiJson, Instrument};
use crate::state::AppState;
use axum::extract::State;
use axum::Json;
use chrono::Utc;
use seqhealth_api::{validate, IngestAck, RunIngest, TelemetryBatch};

pub async fn run(
    State(state): State<AppState>,
    instrument: Instrument,
    ApiJson(run): ApiJson<RunIngest>,
) -> AppResult<Json<IngestAck>> {
    validate_run(&run)?;
    let mut tx = crate::store::begin_write(&state.db).await?;
    instrument.heard_from(&mut tx).await?;
    let ack = ingest::run(&mut tx, instrument.id, &run).await?;
    tx.commit().await?;
    Ok(Json(ack))
}

pub async fn telemetry(
    State(state): State<AppState>,
    instrument: Instrument,
    ApiJson(batch): ApiJson<TelemetryBatch>,
) -> AppResult<Json<IngestAck>> {
    validate_batch(&batch)?;
    let mut tx = crate::store::begin_write(&state.db).await?;
    instrument.heard_from(&mut tx).await?;
    let ack = ingest::telemetry(&mut tx, instrument.id, &batch).await?;
    tx.commit().await?;
    Ok(Json(ack))
}

fn validate_run(run: &RunIngest) -> AppResult<()> {
    validate::run(run, Utc::now()).map_err(AppError::BadRequest)
}

fn validate_batch(b: &TelemetryBatch) -> AppResult<()> {
    validate::batch(b, Utc::now()).map_err(AppError::BadRequest)
}
