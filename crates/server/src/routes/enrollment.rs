//! Adding an instrument (managers), its one-time enrollment code, the agent's exchange
//! of that code for its token, revocation, and the agent's data-sharing switch.

use crate::domain::{enrollment, instruments};
use crate::error::{AppError, AppResult};
use crate::http::extract::{ApiJson, ClientAddr, CurrentUser, Instrument};
use crate::http::params::{instrument_in_lab, InstrumentId};
use crate::state::AppState;
use axum::extract::State;
use axum::http::StatusCode;
use axum::Json;
use chrono::Utc;
use seqhealth_api::Figure;
use seqhealth_api::{
    EnrollRequest, Enrollment, EnrollmentCode, IngestAck, NewInstrumentRequest, SharingReport,
    MODELS,
};

fn check(req: &NewInstrumentRequest) -> AppResult<()> {
    if !MODELS.contains(&req.model.as_str()) {
        return Err(AppError::bad(
            "bad_model",
            vec![
                Figure::Text(MODELS.join(", ")),
                Figure::Text(format!("{:?}", req.model)),
            ],
        ));
    }
    let serial = req.serial.trim();
    if serial.is_empty()
        || serial.len() > 40
        || !serial
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || c == '-' || c == '_')
    {
        return Err(AppError::bad("bad_serial", Vec::new()));
    }
    let nickname = req.nickname.trim();
    if nickname.is_empty() || nickname.chars().count() > 60 {
        return Err(AppError::length("nickname", 60));
    }
    if req.site.trim().chars().count() > 120 {
        return Err(AppError::bad(
            "field_max",
            vec![Figure::Text("site".into()), Figure::N(120.0)],
        ));
    }
    Ok(())
}

/// `POST /instruments` (managers): the instrument, awaiting its agent, and its first code.
pub async fn add(
    State(state): State<AppState>,
    user: CurrentUser,
    ApiJson(req): ApiJson<NewInstrumentRequest>,
) -> AppResult<(StatusCode, Json<EnrollmentCode>)> {
    user.require_manager("add instruments")?;
    check(&req)?;
    let now = Utc::now().timestamp();
    let mut tx = crate::store::begin_write(&state.db).await?;
    let mut code = instruments::add(&mut tx, user.lab_id, user.user_id, &req, now).await?;
    tx.commit().await?;
    code.server_url = state.mailer.public_url.clone();
    Ok((StatusCode::CREATED, Json(code)))
}

/// `POST /instruments/{id}/enrollment-code` (managers): a new code for an instrument
/// that awaits its agent or whose token was revoked.
pub async fn new_code(
    State(state): State<AppState>,
    user: CurrentUser,
    id: InstrumentId,
) -> AppResult<Json<EnrollmentCode>> {
    let id = instrument_in_lab(&state, &user, id).await?;
    user.require_manager("issue enrollment codes")?;
    let now = Utc::now().timestamp();
    let mut tx = crate::store::begin_write(&state.db).await?;
    let mut code = enrollment::reissue(&mut tx, user.lab_id, user.user_id, id, now).await?;
    tx.commit().await?;
    code.server_url = state.mailer.public_url.clone();
    Ok(Json(code))
}

/// `POST /instruments/{id}/revoke` (managers): the agent's token stops working at once.
pub async fn revoke(
    State(state): State<AppState>,
    user: CurrentUser,
    id: InstrumentId,
) -> AppResult<StatusCode> {
    let id = instrument_in_lab(&state, &user, id).await?;
    user.require_manager("revoke instrument tokens")?;
    let now = Utc::now().timestamp();
    let mut tx = crate::store::begin_write(&state.db).await?;
    enrollment::revoke(&mut tx, user.lab_id, user.user_id, id, now).await?;
    tx.commit().await?;
    Ok(StatusCode::NO_CONTENT)
}

/// `POST /enroll` (the agent; no session): a valid code → the instrument's token.
/// Failed attempts count against the caller's address like failed logins.
pub async fn enroll(
    State(state): State<AppState>,
    ClientAddr(addr): ClientAddr,
    ApiJson(req): ApiJson<EnrollRequest>,
) -> AppResult<Json<Enrollment>> {
    let now = Utc::now().timestamp();
    if state.logins.enroll(addr, now).is_err() {
        return Err(AppError::TooManyRequests(
            "too many failed enrollment attempts; wait 15 minutes".into(),
        ));
    }
    // A code that cannot be one is refused before the database's write lock is taken.
    enrollment::check_format(&req.code)?;
    let mut tx = crate::store::begin_write(&state.db).await?;
    let e = enrollment::enroll(&mut tx, &req.code, now).await?;
    tx.commit().await?;
    state.logins.enroll_succeeded(addr);
    Ok(Json(e))
}

/// `POST /ingest/sharing` (instrument token): the agent's "send performance data" switch.
pub async fn sharing(
    State(state): State<AppState>,
    instrument: Instrument,
    ApiJson(report): ApiJson<SharingReport>,
) -> AppResult<Json<IngestAck>> {
    let now = Utc::now();
    if report.at > now + chrono::Duration::seconds(seqhealth_api::validate::MAX_CLOCK_AHEAD_SECS) {
        return Err(AppError::BadRequest("`at` is in the future".into()));
    }
    let mut tx = crate::store::begin_write(&state.db).await?;
    instrument.heard_from(&mut tx).await?;
    let changed = enrollment::sharing(&mut tx, instrument.id, &report, now.timestamp()).await?;
    tx.commit().await?;
    Ok(Json(IngestAck {
        stored: changed,
        readings: 0,
        events: 0,
    }))
}
