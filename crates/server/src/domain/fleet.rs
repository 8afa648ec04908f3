//! The fleet: every instrument of a lab, one row each, with its health; kept per lab at
//! the lab's data version, so a thousand viewers cost one computation per change.

use crate::domain::replacements as slots;
use crate::domain::{health, spc};
use crate::error::{AppError, AppResult};
use crate::store::cache::Versioned;
use crate::store::kept::KeptJson;
use crate::store::to_time;
use axum::http::HeaderMap;
use axum::response::Response;
use seqhealth_api::{FleetInstrument, Health, LabInfo, Subsystem};
use sqlx::AnyPool;
use std::sync::Arc;

/// An instrument's columns, then its last run's, then what is booked and planned next.
type Row = (
    (i64, String, String, String, String, Option<i64>, String),
    (
        Option<f64>,
        Option<i64>,
        Option<String>,
        Option<String>,
        Option<String>,
    ),
    (Option<i64>, Option<String>),
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
    let now = chrono::Utc::now();
    let mut conn = db.acquire().await?;
    let today = now
        .with_timezone(&slots::lab_zone(&mut conn, lab_id).await?)
        .date_naive();
    // The last run is the one started last (found through runs_instrument_started); the
    // next appointment and planned run through their instrument indexes.
    let rows = sqlx::query(
        "SELECT i.id, i.serial, i.model, i.nickname, i.site, i.last_report_at, i.token_hash,
                r.pct_q30, r.started_at, r.q30_control, r.q30_rule, r.q30_side,
                (SELECT MIN(p.slot_start) FROM replacements p
                  WHERE p.instrument_id = i.id AND p.status = 'scheduled' AND p.slot_end > $2),
                (SELECT MIN(pr.starts_on) FROM planned_runs pr
                  WHERE pr.instrument_id = i.id AND pr.ends_on >= $3)
         FROM instruments i
         LEFT JOIN runs r ON r.id = (SELECT r2.id FROM runs r2 WHERE r2.instrument_id = i.id
                                     ORDER BY r2.started_at DESC LIMIT 1)
         WHERE i.lab_id = $1 ORDER BY i.site, i.nickname, i.serial",
    )
    .bind(lab_id)
    .bind(now.timestamp())
    .bind(today.to_string())
    .fetch_all(&mut *conn)
    .await?;
    drop(conn);
    let rows: Vec<Row> = rows.iter().map(read_row).collect::<Result<_, _>>()?;
    let healths = health::for_lab(db, lab_id, None).await?;
    let fresh = health::freshness_for_lab(db, lab_id, None).await?;
    let mut problems = health::problems_for_lab(db, lab_id, now.timestamp()).await?;
    let mut fleet: Vec<FleetInstrument> = rows
        .into_iter()
        .map(
            |(
                (id, serial, model, nickname, site, last_report, token),
                (q30, last_run, control, rule, side),
                (appointment, planned),
            )| {
                let problem = problems.remove(&id);
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
                    handling: problem.as_ref().map(|p| p.handling).unwrap_or_default(),
                    causes: problem.map(|p| p.causes).unwrap_or_default(),
                    last_run_control: spc::stored_control(
                        control.as_deref(),
                        rule.as_deref(),
                        side.as_deref(),
                    ),
                    next_appointment: appointment.map(to_time),
                    next_planned_run: planned.and_then(|d| d.parse().ok()),
                }
            },
        )
        .collect();
    // What needs attention first: critical, then warnings, then no data, then OK; within
    // each, by site and name as before (a stable sort).
    fleet.sort_by_key(|i| attention_rank(&i.health));
    Ok(fleet)
}

fn read_row(r: &sqlx::any::AnyRow) -> Result<Row, sqlx::Error> {
    use sqlx::Row as _;
    Ok((
        (
            r.try_get(0)?,
            r.try_get(1)?,
            r.try_get(2)?,
            r.try_get(3)?,
            r.try_get(4)?,
            r.try_get(5)?,
            r.try_get(6)?,
        ),
        (
            r.try_get(7)?,
            r.try_get(8)?,
            r.try_get(9)?,
            r.try_get(10)?,
            r.try_get(11)?,
        ),
        (r.try_get(12)?, r.try_get(13)?),
    ))
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
