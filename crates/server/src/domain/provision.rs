//! Creating labs, users and instruments. Used by the demo and the tests today; the
//! dashboard's "add instrument" and enrollment will call the same functions.

use crate::domain::credentials::{hash_password, hash_token, new_token};
use crate::error::{AppError, AppResult};
use seqhealth_api::Role;
use sqlx::AnyPool;

pub async fn create_lab(db: &AnyPool, name: &str, time_zone: &str) -> AppResult<i64> {
    let id = sqlx::query_scalar("INSERT INTO labs (name, time_zone) VALUES ($1, $2) RETURNING id")
        .bind(name)
        .bind(time_zone)
        .fetch_one(db)
        .await?;
    Ok(id)
}

pub async fn create_user(
    db: &AnyPool,
    lab_id: i64,
    email: &str,
    name: &str,
    role: Role,
    password: &str,
) -> AppResult<i64> {
    let hash = hash_password(password).map_err(AppError::Internal)?;
    let id = sqlx::query_scalar(
        "INSERT INTO users (lab_id, email, name, role, password_hash) VALUES ($1, $2, $3, $4, $5) RETURNING id",
    )
    .bind(lab_id)
    .bind(email.trim().to_lowercase())
    .bind(name)
    .bind(role.as_str())
    .bind(hash)
    .fetch_one(db)
    .await?;
    Ok(id)
}

pub struct NewInstrument<'a> {
    pub serial: &'a str,
    pub model: &'a str,
    pub nickname: &'a str,
    pub site: &'a str,
}

/// Creates the instrument and returns its id and its token: the only time the token is
/// seen in clear, since the database keeps its hash.
pub async fn create_instrument(
    db: &AnyPool,
    lab_id: i64,
    i: &NewInstrument<'_>,
) -> AppResult<(i64, String)> {
    let token = new_token();
    let id = sqlx::query_scalar(
        "INSERT INTO instruments (lab_id, serial, model, nickname, site, token_hash) VALUES ($1, $2, $3, $4, $5, $6)
         RETURNING id",
    )
    .bind(lab_id)
    .bind(i.serial)
    .bind(i.model)
    .bind(i.nickname)
    .bind(i.site)
    .bind(hash_token(&token))
    .fetch_one(db)
    .await?;
    Ok((id, token))
}
