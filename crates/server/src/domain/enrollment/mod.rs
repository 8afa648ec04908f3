//! Adding instruments and enrolling their agents: one-time codes (short, typeable,
//! usable once, 24 h), the exchange of a code for the instrument's own token, and
//! revocation. Only hashes of codes and tokens are stored.

use crate::domain::audit::{self, action, Event};
use crate::domain::credentials::{hash_token, new_token};
use crate::error::{AppError, AppResult};
use axum::http::StatusCode;
use rand::Rng;
use seqhealth_api::{Connection, Enrollment, EnrollmentCode, ENROLLMENT_CODE_HOURS};
use sqlx::AnyConnection;

mod sharing;
mod tokens;

pub use sharing::sharing;
pub use tokens::{heard_from, instrument_of, revoke, revoked_at};

/// Letters and digits that cannot be mistaken for one another when read off a screen.
const ALPHABET: &[u8] = b"23456789ABCDEFGHJKMNPQRSTVWXYZ";
const CODE_LEN: usize = 10;

/// A fresh code, "XXXXX-XXXXX" (30^10 ≈ 2^49 possibilities; guessing is also rate-limited).
pub fn new_code() -> String {
    let mut rng = rand::rngs::OsRng;
    let chars: String = (0..CODE_LEN)
        .map(|_| ALPHABET[rng.gen_range(0..ALPHABET.len())] as char)
        .collect();
    format!("{}-{}", &chars[..5], &chars[5..])
}

/// The code as typed → the form it is hashed in: case, spaces and dashes do not matter.
pub fn normalize(code: &str) -> String {
    code.chars()
        .filter(|c| c.is_ascii_alphanumeric())
        .map(|c| c.to_ascii_uppercase())
        .collect()
}

fn code_hash(code: &str) -> String {
    hash_token(&format!("enrollment:{}", normalize(code)))
}

/// The placeholder token hash of an instrument that has no token (never a hex digest).
pub fn placeholder(kind: &str, instrument_id: i64, now: i64) -> String {
    format!("{kind}:{instrument_id}:{now}:{}", new_token())
}

/// What the stored token hash says about the instrument's agent.
pub fn connection(token_hash: &str) -> Connection {
    if token_hash.starts_with("pending:") {
        Connection::AwaitingEnrollment
    } else if token_hash.starts_with("revoked:") {
        Connection::Revoked
    } else {
        Connection::Enrolled
    }
}

/// Issues a new code for the instrument; earlier unused codes stop working.
pub async fn issue_code(
    conn: &mut AnyConnection,
    instrument_id: i64,
    user_id: i64,
    now: i64,
) -> AppResult<EnrollmentCode> {
    sqlx::query(
        "UPDATE enrollment_codes SET expires_at = $1 WHERE instrument_id = $2 AND used_at IS NULL AND expires_at > $3",
    )
    .bind(now)
    .bind(instrument_id)
    .bind(now)
    .execute(&mut *conn)
    .await?;
    let code = new_code();
    let expires_at = now + ENROLLMENT_CODE_HOURS * 3600;
    sqlx::query(
        "INSERT INTO enrollment_codes (code_hash, instrument_id, created_by, created_at, expires_at)
         VALUES ($1, $2, $3, $4, $5)",
    )
    .bind(code_hash(&code))
    .bind(instrument_id)
    .bind(user_id)
    .bind(now)
    .bind(expires_at)
    .execute(&mut *conn)
    .await?;
    let (nickname, model, serial): (String, String, String) =
        sqlx::query_as("SELECT nickname, model, serial FROM instruments WHERE id = $1")
            .bind(instrument_id)
            .fetch_one(&mut *conn)
            .await?;
    Ok(EnrollmentCode {
        instrument_id,
        code,
        expires_at: crate::store::to_time(expires_at),
        instrument: format!("{nickname} ({model} {serial})"),
        // The route sets it: the public address is the server's, not the domain's.
        server_url: String::new(),
    })
}

fn refused(status: StatusCode, error: &'static str, detail: String) -> AppError {
    AppError::Rejected {
        status,
        error,
        detail,
    }
}

/// Exchanges a code for the instrument's new token: checked and spent in one
/// conditional UPDATE, so a code works once even when two agents race with it.
/// 400 unless `code` has the shape of an enrollment code (checked before any lookup).
pub fn check_format(code: &str) -> AppResult<()> {
    if normalize(code).len() != CODE_LEN {
        return Err(refused(
            StatusCode::BAD_REQUEST,
            "invalid_code",
            format!("an enrollment code has {CODE_LEN} letters and digits, like K7QM2-XR4TD"),
        ));
    }
    Ok(())
}

pub async fn enroll(conn: &mut AnyConnection, code: &str, now: i64) -> AppResult<Enrollment> {
    check_format(code)?;
    let hash = code_hash(code);
    let found: Option<(i64, i64, Option<i64>)> = sqlx::query_as(
        "SELECT instrument_id, expires_at, used_at FROM enrollment_codes WHERE code_hash = $1",
    )
    .bind(&hash)
    .fetch_optional(&mut *conn)
    .await?;
    let Some((instrument_id, expires_at, used_at)) = found else {
        return Err(refused(
            StatusCode::NOT_FOUND,
            "unknown_code",
            "no such enrollment code: check it, or ask a lab manager for a new one".into(),
        ));
    };
    if let Some(used) = used_at {
        return Err(refused(
            StatusCode::CONFLICT,
            "code_used",
            format!(
                "this enrollment code was already used ({}); ask a lab manager for a new one",
                crate::store::to_time(used).format("%Y-%m-%d %H:%M UTC")
            ),
        ));
    }
    if expires_at <= now {
        return Err(refused(
            StatusCode::GONE,
            "code_expired",
            format!(
                "this enrollment code expired at {}; ask a lab manager for a new one",
                crate::store::to_time(expires_at).format("%Y-%m-%d %H:%M UTC")
            ),
        ));
    }
    let spent = sqlx::query(
        "UPDATE enrollment_codes SET used_at = $1 WHERE code_hash = $2 AND used_at IS NULL AND expires_at > $3",
    )
    .bind(now)
    .bind(&hash)
    .bind(now)
    .execute(&mut *conn)
    .await?
    .rows_affected();
    if spent == 0 {
        return Err(refused(
            StatusCode::CONFLICT,
            "code_used",
            "this enrollment code was just used; ask a lab manager for a new one".into(),
        ));
    }
    let token = new_token();
    let (lab_id, serial, model, nickname): (i64, String, String, String) = sqlx::query_as(
        "UPDATE instruments SET token_hash = $1, enrolled_at = $2 WHERE id = $3
         RETURNING lab_id, serial, model, nickname",
    )
    .bind(hash_token(&token))
    .bind(now)
    .bind(instrument_id)
    .fetch_one(&mut *conn)
    .await?;
    let detail = audit::said(
        "audit_enrolled",
        vec![audit::text(&nickname), audit::text(&serial)],
    );
    Event::new(lab_id, None, audit::action::ENROLLED, detail)
        .instrument(instrument_id)
        .record(conn, now)
        .await?;
    Ok(Enrollment {
        instrument_id,
        serial,
        model,
        nickname,
        token,
    })
}

/// A new code for instrument `id` (of `lab_id`), which awaits its agent or whose token was
/// revoked; earlier unused codes stop working. In the write transaction `tx`.
pub async fn reissue(
    tx: &mut sqlx::Transaction<'_, sqlx::Any>,
    lab_id: i64,
    user_id: i64,
    id: i64,
    now: i64,
) -> AppResult<EnrollmentCode> {
    if connection(&token_hash(tx, id).await?) == Connection::Enrolled {
        return Err(AppError::conflict("agent_enrolled", Vec::new()));
    }
    let code = issue_code(tx, id, user_id, now).await?;
    let detail = audit::said("audit_code_issued", vec![]);
    Event::new(
        lab_id,
        Some(user_id),
        action::ENROLLMENT_CODE_ISSUED,
        detail,
    )
    .instrument(id)
    .record(tx, now)
    .await?;
    Ok(code)
}

async fn token_hash(tx: &mut sqlx::Transaction<'_, sqlx::Any>, id: i64) -> AppResult<String> {
    Ok(
        sqlx::query_scalar("SELECT token_hash FROM instruments WHERE id = $1")
            .bind(id)
            .fetch_one(&mut **tx)
            .await?,
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn codes_are_typeable_and_forgiving() {
        let c = new_code();
        assert_eq!(c.len(), 11);
        assert_eq!(&c[5..6], "-");
        assert!(normalize(&c).bytes().all(|b| ALPHABET.contains(&b)));
        assert_ne!(new_code(), new_code());
        assert_eq!(normalize(" k7qm2 xr4td "), "K7QM2XR4TD");
        assert_eq!(code_hash("k7qm2-xr4td"), code_hash("K7QM2XR4TD"));
    }

    #[test]
    fn placeholders_say_what_they_are_and_are_never_a_digest() {
        let p = placeholder("pending", 3, 1);
        assert_eq!(connection(&p), Connection::AwaitingEnrollment);
        assert_eq!(
            connection(&placeholder("revoked", 3, 1)),
            Connection::Revoked
        );
        assert_eq!(connection(&hash_token("x")), Connection::Enrolled);
        assert!(!p.chars().all(|c| c.is_ascii_hexdigit()));
    }
}
