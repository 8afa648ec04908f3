//! One-time links to choose a new password: an operator makes one with
//! `seqhealth-server users reset-link` (the person has forgotten theirs and mail is not
//! set up; 24 hours) or "Forgot password?" mails one (1 hour). 256 random bits, only the
//! hash kept; once; using it ends every session of the person.

use crate::domain::audit::{action, said, text, Event};
use crate::domain::credentials::{hash_token, new_token};
use crate::error::{AppError, AppResult};
use crate::mail::{letters, Mailer};
use crate::store::to_time;
use axum::http::StatusCode;
use seqhealth_api::people::MAILED_RESET_LINK_HOURS;
use seqhealth_api::{LabInfo, Language, ResetInfo};
use sqlx::{AnyConnection, AnyPool};

/// A new reset link for `user_id`, working `hours`; earlier unused ones stop working.
pub async fn issue(
    conn: &mut AnyConnection,
    user_id: i64,
    now: i64,
    hours: i64,
) -> AppResult<String> {
    sqlx::query(
        "UPDATE password_resets SET expires_at = $1 WHERE user_id = $2 AND used_at IS NULL AND expires_at > $1",
    )
    .bind(now)
    .bind(user_id)
    .execute(&mut *conn)
    .await?;
    let token = new_token();
    sqlx::query(
        "INSERT INTO password_resets (user_id, token_hash, created_at, expires_at) VALUES ($1, $2, $3, $4)",
    )
    .bind(user_id)
    .bind(hash_token(&token))
    .bind(now)
    .bind(now + hours * 3600)
    .execute(&mut *conn)
    .await?;
    let (lab_id, email): (i64, String) =
        sqlx::query_as("SELECT lab_id, email FROM users WHERE id = $1")
            .bind(user_id)
            .fetch_one(&mut *conn)
            .await?;
    let detail = said("audit_reset_link", vec![text(&email)]);
    Event::new(lab_id, None, action::RESET_LINK_MADE, detail)
        .record(conn, now)
        .await?;
    Ok(token)
}

/// A link as stored: its id, the user, lab name, email, expiry and when it was used.
type Stored = (i64, i64, String, String, i64, Option<i64>);

async fn usable(conn: &mut AnyConnection, token: &str, now: i64) -> AppResult<Stored> {
    let found: Option<Stored> = sqlx::query_as(
        "SELECT r.id, u.id, l.name, u.email, r.expires_at, r.used_at FROM password_resets r
         JOIN users u ON u.id = r.user_id JOIN labs l ON l.id = u.lab_id
         WHERE r.token_hash = $1 AND u.deactivated_at IS NULL",
    )
    .bind(hash_token(token))
    .fetch_optional(&mut *conn)
    .await?;
    let gone = |code: &str| AppError::said(StatusCode::GONE, "link_gone", code, Vec::new());
    match found {
        None => Err(AppError::not_found("link_invalid", Vec::new())),
        Some((.., Some(_))) => Err(gone("link_used")),
        Some((.., expires_at, None)) if expires_at <= now => Err(gone("link_expired")),
        Some(found) => Ok(found),
    }
}

/// Whose password the link sets.
pub async fn find(db: &AnyPool, token: &str, now: i64) -> AppResult<ResetInfo> {
    let (_, _, lab, email, expires_at, _) = usable(&mut *db.acquire().await?, token, now).await?;
    Ok(ResetInfo {
        lab,
        email,
        expires_at: to_time(expires_at),
    })
}

/// Whether `password` may be the link's person's: the policy's reason if not.
pub async fn check_password(db: &AnyPool, token: &str, password: &str, now: i64) -> AppResult<()> {
    let info = find(db, token, now).await?;
    match crate::domain::passwords::problem(password, &info.email) {
        Some(why) => Err(AppError::bad_password(why)),
        None => Ok(()),
    }
}

/// Uses the link once, in the write transaction `conn`: the password becomes the argon2
/// `password_hash`, every session of the person ends. Returns the user's id.
pub async fn reset(
    conn: &mut AnyConnection,
    token: &str,
    password_hash: &str,
    now: i64,
) -> AppResult<i64> {
    let (id, user_id, _, email, _, _) = usable(conn, token, now).await?;
    sqlx::query("UPDATE users SET password_hash = $1 WHERE id = $2")
        .bind(password_hash)
        .bind(user_id)
        .execute(&mut *conn)
        .await?;
    crate::domain::sessions::end_all_in(conn, user_id).await?;
    sqlx::query("UPDATE password_resets SET used_at = $1 WHERE id = $2")
        .bind(now)
        .bind(id)
        .execute(&mut *conn)
        .await?;
    let lab_id: i64 = sqlx::query_scalar("SELECT lab_id FROM users WHERE id = $1")
        .bind(user_id)
        .fetch_one(&mut *conn)
        .await?;
    let detail = said("audit_password_reset", vec![text(&email)]);
    Event::new(lab_id, Some(user_id), action::PASSWORD_RESET, detail)
        .record(conn, now)
        .await?;
    Ok(user_id)
}

/// "Forgot password?" once it is answered: a link for the active user with `email`, if
/// there is one, made and mailed in a task of its own. Everything that depends on the
/// account (the lookup, the link, the audit entry, the mail) happens here and not before
/// the answer, so the answer takes the same time for every address. Failures are logged.
pub fn mail_a_link_later(db: AnyPool, mailer: Mailer, email: String, now: i64) {
    tokio::spawn(async move {
        if let Err(e) = mail_a_link(&db, &mailer, &email, now).await {
            tracing::warn!(error = %e, "a password-reset link could not be made");
        }
    });
}

async fn mail_a_link(db: &AnyPool, mailer: &Mailer, email: &str, now: i64) -> AppResult<()> {
    let mut tx = crate::store::begin_write(db).await?;
    let made = for_email(&mut tx, email, now).await?;
    tx.commit().await?;
    if let Some((token, lab, lang)) = made {
        let url = format!("{}/reset/{token}", mailer.public_url);
        let expires = chrono::DateTime::from_timestamp(now + MAILED_RESET_LINK_HOURS * 3600, 0)
            .unwrap_or_default();
        mailer.send(email, letters::reset(email, &lab, &url, expires, lang));
    }
    Ok(())
}

/// A link ([`MAILED_RESET_LINK_HOURS`]) for the active user with `email`, if there is
/// one, with their lab and language (English until they choose one), made in the write
/// transaction `conn`. Says nothing otherwise.
async fn for_email(
    conn: &mut AnyConnection,
    email: &str,
    now: i64,
) -> AppResult<Option<(String, LabInfo, Language)>> {
    let found: Option<(i64, String, String, Option<String>)> = sqlx::query_as(
        "SELECT u.id, l.name, l.time_zone, u.language FROM users u JOIN labs l ON l.id = u.lab_id
         WHERE u.email = $1 AND u.deactivated_at IS NULL",
    )
    .bind(email.trim().to_lowercase())
    .fetch_optional(&mut *conn)
    .await?;
    let Some((user_id, name, time_zone, language)) = found else {
        return Ok(None);
    };
    let token = issue(conn, user_id, now, MAILED_RESET_LINK_HOURS).await?;
    let lang = language
        .as_deref()
        .and_then(Language::parse)
        .unwrap_or(Language::En);
    Ok(Some((token, LabInfo { name, time_zone }, lang)))
}
