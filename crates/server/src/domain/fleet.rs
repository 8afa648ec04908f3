//! The fleet: every instrument of a lab, one row each, with its health; kept per lab at
//! the lab's data version, so a thousand viewers cost one computation per change.

use crate::domain::health;
use crate::error::{AppError, AppResult};
use crate::store::cache::Versioned;
use crate::store::kept::KeptJson;
use crate::store::to_time;
use axum::http::HeaderMap;
use axum::response::Response;
use seqhealth_api::{FleetInstrument, Health, LabInfo, Subsystem};
use sqlx::AnyPool;
use std::sync::Arc;

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

/// A lab's `Fleet` as JSON, and the lab's name and time zone it was made with.
pub struct KeptFleet {
    lab: Vec<u8>,
    body: KeptJson,
}

impl KeptFleet {
    /// The kept body, gzipped if the request accepts it.
    pub fn response(&self, request: &HeaderMap) -> Response {
        self.body.response(request)
    }
}

impl crate::store::cache::Weigh for KeptFleet {
    fn weight(&self) -> usize {
        self.lab.len() + self.body.weight()
    }
}

/// Every lab's kept fleet.
pub type KeptFleets = Versioned<i64, KeptFleet>;

/// The lab's fleet as JSON: the kept one while the lab's data and name are unchanged.
pub async fn fleet(db: &AnyPool, kept: &KeptFleets, lab_id: i64) -> AppResult<Arc<KeptFleet>> {
    let (name, time_zone, version): (String, String, i64) =
        sqlx::query_as("SELECT name, time_zone, data_version FROM labs WHERE id = $1")
            .bind(lab_id)
            .fetch_one(db)
            .await?;
    let lab = serde_json::to_vec(&LabInfo { name, time_zone })
        .map_err(|e| AppError::Internal(e.to_string()))?;
    // The rows are the costly part (a 1,000-instrument lab: every newest reading, warning
    // and last run): computed once per change of the lab's data, not once per viewer, and
    // so is their gzip.
    let found = match kept.get(&lab_id, version) {
        Some(kept) if kept.lab == lab => kept,
        _ => {
            let rows = serde_json::to_vec(&instruments(db, lab_id).await?)
                .map_err(|e| AppError::Internal(e.to_string()))?;
            // `Fleet` as JSON, with the rows spliced in as they are.
            let mut body = Vec::with_capacity(rows.len() + lab.len() + 32);
            body.extend_from_slice(b"{\"lab\":");
            body.extend_from_slice(&lab);
            body.extend_from_slice(b",\"instruments\":");
            body.extend_from_slice(&rows);
            body.push(b'}');
            let fresh = Arc::new(KeptFleet {
                lab,
                body: KeptJson::new(body),
            });
            kept.put(lab_id, version, fresh.clone());
            fresh
        }
    };
    Ok(found)
}

async fn instruments(db: &AnyPool, lab_id: i64) -> AppResult<Vec<FleetInstrument>> {
    // The last run is the one started last; the correlated subqueries use runs_instrument_started.
    let rows: Vec<Row> = sqlx::query_as(
        "SELECT i.id, i.serial, i.model, i.nickname, i.site, i.last_report_at,
                (SELECT r.pct_q30 FROM runs r WHERE r.instrument_id = i.id ORDER BY r.started_at DESC LIMIT 1),
                (SELECT MAX(r.started_at) FROM runs r WHERE r.instrument_id = i.id), i.token_hash
         FROM instruments i WHERE i.lab_id = $1 ORDER BY i.site, i.nickname, i.serial",
    )
    .bind(lab_id)
    .fetch_all(db)
    .await?;
    let healths = health::for_lab(db, lab_id, None).await?;
    let fresh = health::freshness_for_lab(db, lab_id, None).await?;
    let handled = health::handling_for_lab(db, lab_id, chrono::Utc::now().timestamp()).await?;
    let mut fleet: Vec<FleetInstrument> = rows
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
                    connection: crate::domain::enrollment::connection(&token),
                    handling: handled.get(&id).copied().unwrap_or_default(),
                }
            },
        )
        .collect();
    // What needs attention first: critical, then warnings, then no data, then OK; within
    // each, by site and name as before (a stable sort).
    fleet.sort_by_key(|i| attention_rank(&i.health));
    Ok(fleet)
}

/// 0 for an instrument with a critical subsystem, 1 a warning, 2 one without data, 3 OK.
fn attention_rank(h: &seqhealth_api::SubsystemHealth) -> u8 {
    Subsystem::ALL
        .iter()
        .map(|s| match h.get(*s) {
            Health::Critical => 0,
            Health::Warning => 1,
            Health::Unknown => 2,
            Health::Ok => 3,
        })
        .min()
        .unwrap_or(3)
}
