//! Webhook deliveries over HTTPS: a JSON body signed with the webhook's secret
//! (`X-Seqhealth-Signature: t=<unix seconds>,v1=<hex HMAC-SHA256 of "<t>.<body>">`) and
//! an idempotency key per delivery (`Idempotency-Key`). Redirects are not followed (the
//! signature is for the address a manager gave), and each attempt times out.

use hmac::{Hmac, Mac};
use sha2::Sha256;
use std::time::Duration;

/// How long one attempt may take.
pub const TIMEOUT: Duration = Duration::from_secs(10);

/// Why a delivery did not go: worth trying again later (5xx, 429, a timeout, a refused
/// connection), or not (any other 4xx: the receiver refuses it).
#[derive(Debug, Clone, PartialEq)]
pub enum Failed {
    Retry(String),
    Refused(String),
}

#[derive(Clone)]
pub struct Webhooks {
    client: reqwest::Client,
}

impl Default for Webhooks {
    fn default() -> Self {
        let client = reqwest::Client::builder()
            .timeout(TIMEOUT)
            .connect_timeout(TIMEOUT)
            .redirect(reqwest::redirect::Policy::none())
            .user_agent(concat!("seqhealth/", env!("CARGO_PKG_VERSION")))
            .build()
            .expect("an HTTP client with rustls");
        Webhooks { client }
    }
}

/// The signature header's value for `body` sent at `t`.
pub fn signature(secret: &str, t: i64, body: &[u8]) -> String {
    let mut m =
        Hmac::<Sha256>::new_from_slice(secret.as_bytes()).expect("HMAC takes any key length");
    m.update(t.to_string().as_bytes());
    m.update(b".");
    m.update(body);
    format!("t={t},v1={}", hex::encode(m.finalize().into_bytes()))
}

impl Webhooks {
    /// POSTs `body` to `url`, signed with `secret`, with idempotency key `key`.
    pub async fn post(
        &self,
        url: &str,
        secret: &str,
        key: &str,
        body: Vec<u8>,
        now: i64,
    ) -> Result<(), Failed> {
        let sent = self
            .client
            .post(url)
            .header("Content-Type", "application/json")
            .header("Idempotency-Key", key)
            .header("X-Seqhealth-Signature", signature(secret, now, &body))
            .body(body)
            .send()
            .await;
        match sent {
            Ok(r) if r.status().is_success() => Ok(()),
            Ok(r) => {
                let status = r.status();
                let said = format!("{url} answered {status}");
                match status.is_server_error() || matches!(status.as_u16(), 408 | 429) {
                    true => Err(Failed::Retry(said)),
                    false => Err(Failed::Refused(said)),
                }
            }
            Err(e) if e.is_timeout() => Err(Failed::Retry(format!(
                "{url}: no answer within {} s",
                TIMEOUT.as_secs()
            ))),
            Err(e) if e.is_connect() => {
                Err(Failed::Retry(format!("{url}: could not connect ({e})")))
            }
            Err(e) if e.is_redirect() || e.is_builder() => {
                Err(Failed::Refused(format!("{url}: {e}")))
            }
            Err(e) => Err(Failed::Retry(format!("{url}: {e}"))),
        }
    }
}

#[cfg(test)]
mod tests {
    #[test]
    fn the_signature_is_hmac_sha256_of_time_dot_body() {
        // As openssl computes it:
        // printf '1700000000.{"a":1}' | openssl dgst -sha256 -hmac whsec_test
        assert_eq!(
            super::signature("whsec_test", 1_700_000_000, br#"{"a":1}"#),
            "t=1700000000,v1=38877139021993b830af32feea6e18a8da83eb2f6e49ee50bd9e4cf4ca4d3789"
        );
    }
}
