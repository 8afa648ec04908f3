//! `GET /audit` and `GET /audit.csv`: the lab's audit log, newest first. Read-only: no
//! route changes or deletes an entry.

use crate::domain::audit;
use crate::domain::replacements::lab_zone;
use crate::error::AppResult;
use crate::http::csv;
use crate::http::download::attachment;
use crate::http::extract::CurrentUser;
use crate::http::params::{instrument_filter, ApiQuery};
use crate::state::AppState;
use axum::extract::State;
use axum::response::Response;
use seqhealth_api::{AuditEntry, AuditList, InstrumentQuery, MAX_AUDIT_ENTRIES};

/// The lab's entries (of one instrument, if `instrument` names one of the lab's), newest
/// first, and whether there were more than fit.
async fn fetch(
    state: &AppState,
    lab_id: i64,
    instrument: Option<i64>,
) -> AppResult<(Vec<AuditEntry>, bool)> {
    let mut conn = state.db.acquire().await?;
    let mut entries = audit::list(&mut conn, lab_id, instrument, MAX_AUDIT_ENTRIES + 1).await?;
    let truncated = entries.len() > MAX_AUDIT_ENTRIES;
    entries.truncate(MAX_AUDIT_ENTRIES);
    Ok((entries, truncated))
}

pub async fn list(
    State(state): State<AppState>,
    user: CurrentUser,
    ApiQuery(q): ApiQuery<InstrumentQuery>,
    request: axum::http::HeaderMap,
) -> AppResult<Response> {
    // Kept per filter until the lab's data changes (a new entry, a renamed user or
    // instrument: migration 0008).
    let instrument = instrument_filter(&state, &user, q.instrument).await?;
    let version = (
        0,
        crate::store::cache::lab_version(&state.db, user.lab_id).await?,
    );
    let key = (user.lab_id, "audit", format!("{instrument:?}"));
    let compute = async {
        let (entries, truncated) = fetch(&state, user.lab_id, instrument).await?;
        Ok(AuditList { entries, truncated })
    };
    crate::store::cache::json(&state.lab_lists, key, version, &request, compute).await
}

pub async fn list_csv(
    State(state): State<AppState>,
    user: CurrentUser,
    ApiQuery(q): ApiQuery<InstrumentQuery>,
) -> AppResult<Response> {
    let instrument = instrument_filter(&state, &user, q.instrument).await?;
    let (entries, _) = fetch(&state, user.lab_id, instrument).await?;
    let tz = lab_zone(&mut *state.db.acquire().await?, user.lab_id).await?;
    let mut out = String::new();
    csv::row(
        &mut out,
        &[
            "id".to_string(),
            format!("when ({})", tz.name()),
            "who".into(),
            "action".into(),
            "instrument".into(),
            "replacement".into(),
            "warning".into(),
            "detail".into(),
        ],
    );
    for e in &entries {
        csv::row(
            &mut out,
            &[
                e.id.to_string(),
                e.at.with_timezone(&tz)
                    .format("%Y-%m-%d %H:%M:%S")
                    .to_string(),
                e.actor.clone(),
                e.action.clone(),
                e.instrument_nickname.clone().unwrap_or_default(),
                e.replacement_id.map(|i| i.to_string()).unwrap_or_default(),
                e.warning_id.map(|i| i.to_string()).unwrap_or_default(),
                e.detail.clone(),
            ],
        );
    }
    Ok(attachment("text/csv; charset=utf-8", "audit-log.csv", out))
}
