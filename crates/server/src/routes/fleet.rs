//! `GET /fleet`: every instrument of the caller's lab, one row each.

use crate::db::to_time;
use crate::error::AppResult;
use crate::extract::CurrentUser;
use crate::health;
use crate::state::AppState;
use axum::extract::State;
use axum::Json;
use seqhealth_api::{Fleet, FleetInstrument, LabInfo};

type Row = (
    i64,
    String,
    String,
    String,
    String,
    Option<i64>,
    Option<f64>,
    Option<i64>,
    String,
);

pub async fn fleet(State(state): State<AppState>, user: CurrentUser) -> AppResult<Json<Fleet>> {
    let (name, time_zone): (String, String) =
        sqlx::query_as("SELECT name, time_zone FROM labs WHERE id = ?")
            .bind(user.lab_id)
            .fetch_one(&state.db)
            .await?;
    // The last run is the one started last; the correlated subqueries use runs_instrument_started.
    let rows: Vec<Row> = sqlx::query_as(
        "SELECT i.id, i.serial, i.model, i.nickname, i.site, i.last_report_at,
                (SELECT r.pct_q30 FROM runs r WHERE r.instrument_id = i.id ORDER BY r.started_at DESC LIMIT 1),
                (SELECT MAX(r.started_at) FROM runs r WHERE r.instrument_id = i.id), i.token_hash
         FROM instruments i WHERE i.lab_id = ? ORDER BY i.site, i.nickname, i.serial",
    )
    .bind(user.lab_id)
    .fetch_all(&state.db)
    .await?;
    let healths = health::for_lab(&state.db, user.lab_id, None).await?;
    let fresh = health::freshness_for_lab(&state.db, user.lab_id, None).await?;
    let instruments = rows
        .into_iter()
        .map(
            |(id, serial, model, nickname, site, last_report, q30, last_run, token)| {
                FleetInstrument {
                    id,
                    serial,
                    model,
                    nickname,
                    site,
                    health: healths.get(&id).copied().unwrap_or_else(health::unknown),
                    freshness: fresh.get(&id).copied().unwrap_or_default(),
                    last_run_pct_q30: q30,
                    last_run_at: last_run.map(to_time),
                    last_report_at: last_report.map(to_time),
                    connection: crate::enrollment::connection(&token),
                }
            },
        )
        .collect();
    Ok(Json(Fleet {
        lab: LabInfo { name, time_zone },
        instruments,
    }))
}
