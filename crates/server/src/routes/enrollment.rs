//! Adding an instrument (managers), its one-time enrollment code, the agent's exchange
//! of that code for its token, revocation, and the agent's data-sharing switch.

use crate::audit::{self, action, Event};
use crate::enrollment::{self, connection, placeholder};
use crate::error::{AppError, AppResult};
use crate::extract::{ApiJson, ClientAddr, CurrentUser, Instrument};
use crate::routes::instruments::instrument_in_lab;
use crate::state::AppState;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::Json;
use chrono::Utc;
use seqhealth_api::{
    Connection, EnrollRequest, Enrollment, EnrollmentCode, IngestAck, NewInstrumentRequest,
    SharingReport, MODELS,
};

fn check(req: &NewInstrumentRequest) -> AppResult<()> {
    if !MODELS.contains(&req.model.as_str()) {
        return Err(AppError::BadRequest(format!(
            "`model` must be one of {}, not {:?}",
            MODELS.join(", "),
            req.model
        )));
    }
    let serial = req.serial.trim();
    if serial.is_empty()
        || serial.len() > 40
        || !serial
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || c == '-' || c == '_')
    {
        return Err(AppError::BadRequest(
            "`serial` must be 1–40 letters, digits, '-' or '_' (as on the instrument's label)"
                .into(),
        ));
    }
    let nickname = req.nickname.trim();
    if nickname.is_empty() || nickname.chars().count() > 60 {
        return Err(AppError::BadRequest(
            "`nickname` must be 1–60 characters".into(),
        ));
    }
    if req.site.trim().chars().count() > 120 {
        return Err(AppError::BadRequest(
            "`site` must be at most 120 characters".into(),
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
    let mut tx = crate::db::begin_write(&state.db).await?;
    let serial = req.serial.trim().to_uppercase();
    let taken: Option<i64> = sqlx::query_scalar("SELECT id FROM instruments WHERE serial = $1")
        .bind(&serial)
        .fetch_optional(&mut *tx)
        .await?;
    if taken.is_some() {
        return Err(AppError::Conflict(format!(
            "an instrument with serial {serial} is already registered"
        )));
    }
    let id: i64 = sqlx::query_scalar(
        "INSERT INTO instruments (lab_id, serial, model, nickname, site, token_hash, data_sharing)
         VALUES ($1, $2, $3, $4, $5, $6, 1) RETURNING id",
    )
    .bind(user.lab_id)
    .bind(&serial)
    .bind(&req.model)
    .bind(req.nickname.trim())
    .bind(req.site.trim())
    .bind(placeholder("pending", 0, now))
    .fetch_one(&mut *tx)
    .await?;
    let code = enrollment::issue_code(&mut tx, id, user.user_id, now).await?;
    audit::record(
        &mut tx,
        now,
        Event {
            lab_id: user.lab_id,
            user_id: Some(user.user_id),
            action: action::INSTRUMENT_ADDED,
            instrument_id: Some(id),
            detail: format!(
                "{} {} \"{}\" added; an enrollment code was issued",
                req.model,
                serial,
                req.nickname.trim()
            ),
            ..Event::default()
        },
    )
    .await?;
    tx.commit().await?;
    Ok((StatusCode::CREATED, Json(code)))
}

async fn token_hash(state: &AppState, id: i64) -> AppResult<String> {
    Ok(
        sqlx::query_scalar("SELECT token_hash FROM instruments WHERE id = $1")
            .bind(id)
            .fetch_one(&state.db)
            .await?,
    )
}

/// `POST /instruments/{id}/enrollment-code` (managers): a new code for an instrument
/// that awaits its agent or whose token was revoked.
pub async fn new_code(
    State(state): State<AppState>,
    user: CurrentUser,
    Path(id): Path<String>,
) -> AppResult<Json<EnrollmentCode>> {
    let id = instrument_in_lab(&state, &user, &id).await?;
    user.require_manager("issue enrollment codes")?;
    if connection(&token_hash(&state, id).await?) == Connection::Enrolled {
        return Err(AppError::Conflict(
            "this instrument's agent is enrolled; revoke its token first, then issue a new code"
                .into(),
        ));
    }
    let now = Utc::now().timestamp();
    let mut tx = crate::db::begin_write(&state.db).await?;
    let code = enrollment::issue_code(&mut tx, id, user.user_id, now).await?;
    audit::record(
        &mut tx,
        now,
        Event {
            lab_id: user.lab_id,
            user_id: Some(user.user_id),
            action: action::ENROLLMENT_CODE_ISSUED,
            instrument_id: Some(id),
            detail: "A new enrollment code was issued; earlier unused codes no longer work".into(),
            ..Event::default()
        },
    )
    .await?;
    tx.commit().await?;
    Ok(Json(code))
}

/// `POST /instruments/{id}/revoke` (managers): the agent's token stops working at once.
pub async fn revoke(
    State(state): State<AppState>,
    user: CurrentUser,
    Path(id): Path<String>,
) -> AppResult<StatusCode> {
    let id = instrument_in_lab(&state, &user, &id).await?;
    user.require_manager("revoke instrument tokens")?;
    let now = Utc::now().timestamp();
    let mut tx = crate::db::begin_write(&state.db).await?;
    let changed = sqlx::query(
        "UPDATE instruments SET revoked_token_hash = token_hash, token_hash = $1, token_revoked_at = $2
         WHERE id = $3 AND token_hash NOT LIKE 'pending:%' AND token_hash NOT LIKE 'revoked:%'",
    )
    .bind(placeholder("revoked", id, now))
    .bind(now)
    .bind(id)
    .execute(&mut *tx)
    .await?
    .rows_affected();
    if changed == 0 {
        return Err(AppError::Conflict(
            "this instrument has no active token to revoke".into(),
        ));
    }
    audit::record(
        &mut tx,
        now,
        Event {
            lab_id: user.lab_id,
            user_id: Some(user.user_id),
            action: action::TOKEN_REVOKED,
            instrument_id: Some(id),
            detail: "The agent's token was revoked; its pushes are refused until it enrolls again"
                .into(),
            ..Event::default()
        },
    )
    .await?;
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
    let key = format!("enroll:{}", addr.map(|a| a.to_string()).unwrap_or_default());
    if state.logins.blocked(&key, addr, now) {
        return Err(AppError::TooManyRequests(
            "too many failed enrollment attempts; wait 15 minutes".into(),
        ));
    }
    let mut tx = crate::db::begin_write(&state.db).await?;
    match enrollment::enroll(&mut tx, &req.code, now).await {
        Ok(e) => {
            tx.commit().await?;
            Ok(Json(e))
        }
        Err(e) => {
            state.logins.failed(&key, addr, now);
            Err(e)
        }
    }
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
    let mut tx = crate::db::begin_write(&state.db).await?;
    instrument.heard_from(&mut tx).await?;
    // An older report arriving late does not undo a newer one.
    let changed = sqlx::query(
        "UPDATE instruments SET data_sharing = $1, data_sharing_since = $2
         WHERE id = $3 AND (data_sharing_since IS NULL OR data_sharing_since <= $4)",
    )
    .bind(i64::from(report.enabled))
    .bind(report.at.timestamp())
    .bind(instrument.id)
    .bind(report.at.timestamp())
    .execute(&mut *tx)
    .await?
    .rows_affected();
    if changed > 0 {
        let lab_id: i64 = sqlx::query_scalar("SELECT lab_id FROM instruments WHERE id = $1")
            .bind(instrument.id)
            .fetch_one(&mut *tx)
            .await?;
        audit::record(
            &mut tx,
            now.timestamp(),
            Event {
                lab_id,
                action: action::DATA_SHARING_CHANGED,
                instrument_id: Some(instrument.id),
                detail: format!(
                    "The instrument's agent turned \"send performance data\" {}",
                    if report.enabled { "on" } else { "off" }
                ),
                ..Event::default()
            },
        )
        .await?;
    }
    tx.commit().await?;
    Ok(Json(IngestAck {
        stored: changed > 0,
        readings: 0,
        events: 0,
    }))
}
