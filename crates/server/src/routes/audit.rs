//! `GET /audit` and `GET /audit.csv`: the lab's audit log, newest first. Read-only: no
//! route changes or deletes an entry.

use crate::audit;
use crate::csv;
use crate::error::AppResult;
use crate::extract::CurrentUser;
use crate::replacements::lab_zone;
use crate::routes::replacements::attachment;
use crate::state::AppState;
use axum::extract::{Query, State};
use axum::response::Response;
use axum::Json;
use seqhealth_api::{AuditEntry, AuditList, MAX_AUDIT_ENTRIES};
use serde::Deserialize;

#[derive(Debug, Deserialize)]
pub struct ListQuery {
    instrument: Option<String>,
}

async fn fetch(
    state: &AppState,
    user: &CurrentUser,
    q: &ListQuery,
) -> AppResult<(Vec<AuditEntry>, bool)> {
    let instrument =
        crate::routes::instruments::instrument_filter(state, user, q.instrument.as_deref()).await?;
    let mut conn = state.db.acquire().await?;
    let mut entries =
        audit::list(&mut conn, user.lab_id, instrument, MAX_AUDIT_ENTRIES + 1).await?;
    let truncated = entries.len() > MAX_AUDIT_ENTRIES;
    entries.truncate(MAX_AUDIT_ENTRIES);
    Ok((entries, truncated))
}

pub async fn list(
    State(state): State<AppState>,
    user: CurrentUser,
    Query(q): Query<ListQuery>,
) -> AppResult<Json<AuditList>> {
    let (entries, truncated) = fetch(&state, &user, &q).await?;
    Ok(Json(AuditList { entries, truncated }))
}

pub async fn list_csv(
    State(state): State<AppState>,
    user: CurrentUser,
    Query(q): Query<ListQuery>,
) -> AppResult<Response> {
    let (entries, _) = fetch(&state, &user, &q).await?;
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
