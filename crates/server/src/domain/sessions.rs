//! Users' sessions: a random token whose hash is stored, valid for [`SESSION_HOURS`].

use crate::domain::audit::{action, said, text, Event};
use crate::domain::credentials::{dummy_hash, hash_password, hash_token, verify_password};
use crate::error::AppResult;
use seqhealth_api::{LabInfo, Language, Role, SessionInfo, UserInfo};
use sqlx::{AnyConnection, AnyPool};

pub const SESSION_HOURS: i64 = 12;

/// The user whose email and password these are, if any. An unknown email costs the same
/// password check as a known one, so timing does not tell which emails exist.
pub async fn check_password(db: &AnyPool, email: &str, password: &str) -> AppResult<Option<i64>> {
    let row: Option<(i64, String)> = sqlx::query_as(
        "SELECT id, password_hash FROM users WHERE email = $1 AND deactivated_at IS NULL",
    )
    .bind(email)
    .fetch_optional(db)
    .await?;
    let (hash, user_id) = match row {
        Some((id, hash)) => (hash, Some(id)),
        None => (dummy_hash().to_string(), None),
    };
    let ok = verify_off_the_runtime(password.to_string(), hash).await?;
    Ok(user_id.filter(|_| ok))
}

/// Password checks running at once, at most: half the cores (at least one). Each takes a
/// core for tens of milliseconds (argon2 is slow on purpose), so a burst of logins queues
/// here instead of taking every core from ingest and the dashboard's reads.
fn hashes_at_once() -> usize {
    std::thread::available_parallelism().map_or(1, |n| (n.get() / 2).max(1))
}

/// Checks a password on the blocking pool, [`hashes_at_once`] at a time: never on the
/// async workers that serve every other request.
async fn verify_off_the_runtime(password: String, hash: String) -> AppResult<bool> {
    off_the_runtime(move || verify_password(&password, &hash)).await
}

/// A new password's argon2 hash, made like [`verify_off_the_runtime`]'s checks.
pub async fn hash_off_the_runtime(password: String) -> AppResult<String> {
    off_the_runtime(move || hash_password(&password))
        .await?
        .map_err(crate::error::AppError::Internal)
}

/// Runs argon2 work on the blocking pool, [`hashes_at_once`] at a time.
async fn off_the_runtime<T: Send + 'static>(
    work: impl FnOnce() -> T + Send + 'static,
) -> AppResult<T> {
    static HASHING: std::sync::OnceLock<tokio::sync::Semaphore> = std::sync::OnceLock::new();
    let permits = HASHING.get_or_init(|| tokio::sync::Semaphore::new(hashes_at_once()));
    let _turn = permits
        .acquire()
        .await
        .map_err(|e| crate::error::AppError::Internal(e.to_string()))?;
    tokio::task::spawn_blocking(work)
        .await
        .map_err(|e| crate::error::AppError::Internal(format!("password hashing: {e}")))
}

/// Stores a new session of `user_id` for `token`, and the login's time on the user (the
/// Team page's "last login": sessions themselves are deleted on logout).
pub async fn start(db: &AnyPool, user_id: i64, token: &str, now: i64) -> AppResult<()> {
    // Two blind writes (nothing read first): a plain transaction, not the writers' lock.
    let mut tx = db.begin().await?;
    sqlx::query(
        "INSERT INTO sessions (token_hash, user_id, created_at, expires_at) VALUES ($1, $2, $3, $4)",
    )
    .bind(hash_token(token))
    .bind(user_id)
    .bind(now)
    .bind(now + SESSION_HOURS * 3600)
    .execute(&mut *tx)
    .await?;
    sqlx::query("UPDATE users SET last_login_at = $1 WHERE id = $2")
        .bind(now)
        .bind(user_id)
        .execute(&mut *tx)
        .await?;
    tx.commit().await?;
    Ok(())
}

/// Ends the session of `token` (if it is one).
pub async fn end(db: &AnyPool, token: &str) -> AppResult<()> {
    sqlx::query("DELETE FROM sessions WHERE token_hash = $1")
        .bind(hash_token(token))
        .execute(db)
        .await?;
    Ok(())
}

/// Logging out everywhere: ends every session of `user_id` (of `lab_id`), in the write
/// transaction `conn`, and says so in the audit log; returns how many there were.
pub async fn end_all(
    conn: &mut AnyConnection,
    lab_id: i64,
    user_id: i64,
    now: i64,
) -> AppResult<u64> {
    let ended = end_all_in(conn, user_id).await?;
    let name = name_of(conn, user_id).await?;
    let detail = said("audit_logged_out_everywhere", vec![text(name), text(ended)]);
    Event::new(lab_id, Some(user_id), action::LOGGED_OUT_EVERYWHERE, detail)
        .record(conn, now)
        .await?;
    Ok(ended)
}

/// `user_id`'s name, as the audit log's details say it.
async fn name_of(conn: &mut AnyConnection, user_id: i64) -> AppResult<String> {
    Ok(sqlx::query_scalar("SELECT name FROM users WHERE id = $1")
        .bind(user_id)
        .fetch_one(&mut *conn)
        .await?)
}

/// [`end_all`] inside the caller's transaction (a deactivation, a password reset).
pub async fn end_all_in(conn: &mut AnyConnection, user_id: i64) -> AppResult<u64> {
    Ok(sqlx::query("DELETE FROM sessions WHERE user_id = $1")
        .bind(user_id)
        .execute(&mut *conn)
        .await?
        .rows_affected())
}

/// Who the user is and which lab they belong to.
pub async fn info(db: &AnyPool, user_id: i64) -> AppResult<SessionInfo> {
    type Row = (String, String, String, Option<String>, String, String);
    let (email, name, role, language, lab_name, tz): Row = sqlx::query_as(
        "SELECT u.email, u.name, u.role, u.language, l.name, l.time_zone
         FROM users u JOIN labs l ON l.id = u.lab_id WHERE u.id = $1",
    )
    .bind(user_id)
    .fetch_one(db)
    .await?;
    Ok(SessionInfo {
        user: UserInfo {
            email,
            name,
            role: Role::parse(&role).unwrap_or(Role::Viewer),
            language: language.as_deref().and_then(Language::parse),
        },
        lab: LabInfo {
            name: lab_name,
            time_zone: tz,
        },
    })
}

/// The user (id, lab, role) whose unexpired session `token` is.
pub async fn user_of(db: &AnyPool, token: &str, now: i64) -> AppResult<Option<(i64, i64, String)>> {
    Ok(sqlx::query_as(
        "SELECT u.id, u.lab_id, u.role FROM sessions s JOIN users u ON u.id = s.user_id
         WHERE s.token_hash = $1 AND s.expires_at > $2 AND u.deactivated_at IS NULL",
    )
    .bind(hash_token(token))
    .bind(now)
    .fetch_optional(db)
    .await?)
}

/// Deletes sessions past their expiry (they already open nothing); returns how many.
pub async fn delete_expired(db: &AnyPool, now: i64) -> AppResult<u64> {
    let done = sqlx::query("DELETE FROM sessions WHERE expires_at <= $1")
        .bind(now)
        .execute(db)
        .await?;
    Ok(done.rows_affected())
}

/// Whether `password` is `user_id`'s (checked like a login, off the async threads).
pub async fn is_password_of(db: &AnyPool, user_id: i64, password: &str) -> AppResult<bool> {
    let hash: String = sqlx::query_scalar("SELECT password_hash FROM users WHERE id = $1")
        .bind(user_id)
        .fetch_one(db)
        .await?;
    verify_off_the_runtime(password.to_string(), hash).await
}

/// Sets `user_id`'s password to the argon2 `hash` and ends every other session of theirs
/// (all but the one whose token is `keep`), in the write transaction `conn`; the audit
/// log says so (never with the password).
pub async fn set_password(
    conn: &mut AnyConnection,
    lab_id: i64,
    user_id: i64,
    hash: &str,
    keep: &str,
    now: i64,
) -> AppResult<u64> {
    sqlx::query("UPDATE users SET password_hash = $1 WHERE id = $2")
        .bind(hash)
        .bind(user_id)
        .execute(&mut *conn)
        .await?;
    let ended = sqlx::query("DELETE FROM sessions WHERE user_id = $1 AND token_hash <> $2")
        .bind(user_id)
        .bind(hash_token(keep))
        .execute(&mut *conn)
        .await?
        .rows_affected();
    let name = name_of(conn, user_id).await?;
    let detail = said("audit_password_changed", vec![text(name), text(ended)]);
    Event::new(lab_id, Some(user_id), action::PASSWORD_CHANGED, detail)
        .record(conn, now)
        .await?;
    Ok(ended)
}

/// Sets `user_id`'s name (as the header, the team and the audit log show it), in the
/// write transaction `conn`; the audit log keeps the old one.
/// Remembers the dashboard's language `user_id` chose (a preference: not audited).
pub async fn set_language(
    conn: &mut AnyConnection,
    user_id: i64,
    language: Language,
) -> AppResult<()> {
    sqlx::query("UPDATE users SET language = $1 WHERE id = $2")
        .bind(language.code())
        .bind(user_id)
        .execute(&mut *conn)
        .await?;
    Ok(())
}

pub async fn set_name(
    conn: &mut AnyConnection,
    lab_id: i64,
    user_id: i64,
    name: &str,
    now: i64,
) -> AppResult<()> {
    let was = name_of(conn, user_id).await?;
    if was == name {
        return Ok(());
    }
    sqlx::query("UPDATE users SET name = $1 WHERE id = $2")
        .bind(name)
        .bind(user_id)
        .execute(&mut *conn)
        .await?;
    let detail = said("audit_renamed", vec![text(was), text(name)]);
    Event::new(lab_id, Some(user_id), action::NAME_CHANGED, detail)
        .record(conn, now)
        .await
}
