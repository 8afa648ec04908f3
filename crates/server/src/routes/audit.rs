//! `GET /audit` and `GET /audit.csv`: the lab's audit log, newest first. Read-only: no
//! route changes or deletes an entry.

use crate::domain::audit;
use crate::domain::replacements::lab_zone;
use crate::domain::words;
use crate::error::AppResult;
use crate::http::csv;
use crate::http::download::attachment;
use crate::http::extract::CurrentUser;
use crate::http::params::{export_lang, instrument_filter, ApiQuery};
use crate::state::AppState;
use axum::extract::State;
use axum::http::HeaderMap;
use axum::response::Response;
use seqhealth_api::{AuditEntry, AuditList, InstrumentQuery, LangQuery, MAX_AUDIT_ENTRIES};

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

/// `GET /audit.csv?instrument=&lang=`: the log as a spreadsheet, in the requester's
/// language (`?lang=`, else `Accept-Language`), times in the lab's zone.
pub async fn list_csv(
    State(state): State<AppState>,
    user: CurrentUser,
    ApiQuery(q): ApiQuery<InstrumentQuery>,
    ApiQuery(lang): ApiQuery<LangQuery>,
    headers: HeaderMap,
) -> AppResult<Response> {
    let words = words::lexicon(export_lang(lang, &headers));
    let instrument = instrument_filter(&state, &user, q.instrument).await?;
    let (entries, _) = fetch(&state, user.lab_id, instrument).await?;
    let tz = lab_zone(&mut *state.db.acquire().await?, user.lab_id).await?;
    let mut out = String::new();
    csv::row(
        &mut out,
        &[
            words.t("id", &[]),
            words.t("when ({0})", &[&tz.name()]),
            words.t("who", &[]),
            words.t("action", &[]),
            words.t("instrument", &[]),
            words.t("replacement", &[]),
            words.t("warning", &[]),
            words.t("detail", &[]),
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
                words.value(&e.action, &e.action),
                e.instrument_nickname.clone().unwrap_or_default(),
                e.replacement_id.map(|i| i.to_string()).unwrap_or_default(),
                e.warning_id.map(|i| i.to_string()).unwrap_or_default(),
                words.say(e.said.as_ref(), &e.detail),
            ],
        );
    }
    Ok(attachment("text/csv; charset=utf-8", "audit-log.csv", out))
}
