//! Unsubscribe links: signed (HMAC-SHA256 with a key the server makes on first use),
//! single purpose (one person, one kind of event), usable without logging in.

use crate::error::AppResult;
use hmac::{Hmac, Mac};
use rand::RngCore;
use seqhealth_api::notify::NotifyKind;
use seqhealth_api::Language;
use sha2::Sha256;
use sqlx::AnyConnection;

/// The server's signing key for unsubscribe links, made on first use.
pub async fn key(conn: &mut AnyConnection) -> AppResult<Vec<u8>> {
    let mut fresh = [0u8; 32];
    rand::rngs::OsRng.fill_bytes(&mut fresh);
    sqlx::query("INSERT INTO server_keys (name, value) VALUES ('unsubscribe', $1) ON CONFLICT (name) DO NOTHING")
        .bind(hex::encode(fresh))
        .execute(&mut *conn)
        .await?;
    let stored: String =
        sqlx::query_scalar("SELECT value FROM server_keys WHERE name = 'unsubscribe'")
            .fetch_one(&mut *conn)
            .await?;
    Ok(hex::decode(stored).unwrap_or_default())
}

fn mac(key: &[u8], user_id: i64, kind: NotifyKind) -> String {
    let mut m = Hmac::<Sha256>::new_from_slice(key).expect("HMAC takes any key length");
    m.update(format!("unsubscribe:{user_id}:{}", kind.as_str()).as_bytes());
    hex::encode(&m.finalize().into_bytes()[..16])
}

/// The token of an unsubscribe link: `<user>.<kind>.<signature>`.
pub fn token(key: &[u8], user_id: i64, kind: NotifyKind) -> String {
    format!("{user_id}.{}.{}", kind.as_str(), mac(key, user_id, kind))
}

/// The person and kind a token is for, if its signature holds.
pub fn verify(key: &[u8], token: &str) -> Option<(i64, NotifyKind)> {
    let mut parts = token.splitn(3, '.');
    let user_id: i64 = parts.next()?.parse().ok()?;
    let kind = NotifyKind::parse(parts.next()?)?;
    let sig = parts.next()?;
    let want = mac(key, user_id, kind);
    // Compared in constant time: the signature is the credential.
    let same = sig.len() == want.len()
        && sig
            .bytes()
            .zip(want.bytes())
            .fold(0u8, |acc, (a, b)| acc | (a ^ b))
            == 0;
    same.then_some((user_id, kind))
}

/// The language the link's page speaks: its person's (English until they choose one, or
/// for a person no longer there).
pub async fn language(conn: &mut AnyConnection, user_id: i64) -> AppResult<Language> {
    let chosen: Option<Option<String>> =
        sqlx::query_scalar("SELECT language FROM users WHERE id = $1")
            .bind(user_id)
            .fetch_optional(conn)
            .await?;
    Ok(chosen
        .flatten()
        .as_deref()
        .and_then(Language::parse)
        .unwrap_or(Language::En))
}

/// Applies a verified token: that person no longer hears of that kind.
pub async fn apply(
    conn: &mut AnyConnection,
    token: &str,
) -> AppResult<Option<(String, NotifyKind, Language)>> {
    let key = key(conn).await?;
    let Some((user_id, kind)) = verify(&key, token) else {
        return Ok(None);
    };
    let email: Option<String> = sqlx::query_scalar("SELECT email FROM users WHERE id = $1")
        .bind(user_id)
        .fetch_optional(&mut *conn)
        .await?;
    let Some(email) = email else { return Ok(None) };
    super::prefs::unsubscribe(conn, user_id, kind).await?;
    Ok(Some((email, kind, language(conn, user_id).await?)))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_token_works_for_its_person_and_kind_only() {
        let key = [7u8; 32];
        let t = token(&key, 12, NotifyKind::Warning);
        assert_eq!(verify(&key, &t), Some((12, NotifyKind::Warning)));
        let other = t.replacen("12.", "13.", 1);
        assert_eq!(verify(&key, &other), None);
        let kind = t.replace("warning", "silent");
        assert_eq!(verify(&key, &kind), None);
        assert_eq!(verify(&[8u8; 32], &t), None);
        assert_eq!(verify(&key, "12.warning"), None);
    }
}
