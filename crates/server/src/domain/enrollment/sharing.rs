//! The agent's "send performance data" switch, as the instrument reports it.

use crate::domain::audit::{action, said, Event};
use crate::error::AppResult;
use seqhealth_api::SharingReport;
use sqlx::{Any, Transaction};

/// Records the switch of instrument `instrument_id`; whether it changed anything.
pub async fn sharing(
    tx: &mut Transaction<'_, Any>,
    instrument_id: i64,
    report: &SharingReport,
    now: i64,
) -> AppResult<bool> {
    // An older report arriving late does not undo a newer one.
    let changed = sqlx::query(
        "UPDATE instruments SET data_sharing = $1, data_sharing_since = $2
         WHERE id = $3 AND (data_sharing_since IS NULL OR data_sharing_since <= $4)",
    )
    .bind(i64::from(report.enabled))
    .bind(report.at.timestamp())
    .bind(instrument_id)
    .bind(report.at.timestamp())
    .execute(&mut **tx)
    .await?
    .rows_affected();
    if changed > 0 {
        let lab_id: i64 = sqlx::query_scalar("SELECT lab_id FROM instruments WHERE id = $1")
            .bind(instrument_id)
            .fetch_one(&mut **tx)
            .await?;
        let code = match report.enabled {
            true => "audit_sharing_on",
            false => "audit_sharing_off",
        };
        let detail = said(code, vec![]);
        Event::new(lab_id, None, action::DATA_SHARING_CHANGED, detail)
            .instrument(instrument_id)
            .record(tx, now)
            .await?;
    }
    Ok(changed > 0)
}
