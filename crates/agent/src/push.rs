//! Pushing to the server's ingest API with the instrument's token.

use reqwest::StatusCode;
use seqhealth_api::{
    ApiError, EnrollRequest, Enrollment, IngestAck, RunIngest, SharingReport, TelemetryBatch,
    API_PREFIX,
};
use serde::Serialize;
use std::time::Duration;

#[derive(Debug, thiserror::Error)]
pub enum PushError {
    /// The message carries the whole cause chain, so a certificate problem ("invalid peer
    /// certificate: UnknownIssuer") reads as such, not as a bare "error sending request".
    #[error("server unreachable: {}", with_causes(.0))]
    Transport(#[from] reqwest::Error),
    #[error("server refused ({status}): {}: {}", body.error, body.detail)]
    Refused { status: StatusCode, body: ApiError },
    #[error("{0}")]
    Config(String),
}

/// An error and its sources, joined by ": " (repeated messages once).
fn with_causes(e: &(dyn std::error::Error + 'static)) -> String {
    let mut out = e.to_string();
    let mut source = e.source();
    while let Some(s) = source {
        let text = s.to_string();
        if !out.contains(&text) {
            out.push_str(": ");
            out.push_str(&text);
        }
        source = s.source();
    }
    out
}

/// Checks that `server` is a URL the agent may send a token or an enrollment code to:
/// `https://` anywhere, plain `http://` only to this machine (127.0.0.0/8, ::1,
/// `localhost`, e.g. the demo server `simulate` pushes to). A mistyped
/// `http://seqhealth.example.org` would otherwise send the code or the token in clear.
/// Returns whether the server is on this machine.
pub fn check_server_url(server: &str) -> Result<bool, PushError> {
    let url = reqwest::Url::parse(server.trim()).map_err(|e| {
        PushError::Config(format!(
            "{server:?} is not a server URL ({e}); give e.g. https://seqhealth.example.org"
        ))
    })?;
    // The URL parser has normalised the host: lower case, IPv4 in dotted form, IPv6 in [].
    let host = url.host_str().unwrap_or("");
    let loopback = host == "localhost"
        || host
            .trim_start_matches('[')
            .trim_end_matches(']')
            .parse::<std::net::IpAddr>()
            .is_ok_and(|ip| ip.is_loopback());
    match url.scheme() {
        "https" => Ok(loopback),
        "http" if loopback => Ok(true),
        "http" => Err(PushError::Config(format!(
            "refusing plain http:// to {}: the token and enrollment code would travel in clear; use https:// (http:// is allowed only to this machine: 127.0.0.1, ::1, localhost)",
            url.host_str().unwrap_or("?")
        ))),
        other => Err(PushError::Config(format!(
            "{server:?}: unsupported scheme {other}://; use https://"
        ))),
    }
}

/// One instrument's connection to the server.
#[derive(Clone)]
pub struct Pusher {
    client: reqwest::Client,
    base: String,
    token: String,
}

impl Pusher {
    /// A connection that trusts the system's CA certificates and, if given, the PEM
    /// certificate(s) in `ca` (a lab's own CA). Certificates are always verified.
    /// Refuses plain `http://` except to this machine ([`check_server_url`]); to any
    /// other server, a redirect to `http://` is refused too.
    pub fn with_ca(
        server: &str,
        token: &str,
        ca: Option<&std::path::Path>,
    ) -> Result<Pusher, PushError> {
        let loopback = check_server_url(server)?;
        let mut builder = reqwest::Client::builder()
            .timeout(Duration::from_secs(30))
            .https_only(!loopback);
        if let Some(path) = ca {
            let pem = std::fs::read(path).map_err(|e| {
                PushError::Config(format!("cannot read CA file {}: {e}", path.display()))
            })?;
            let certs = reqwest::Certificate::from_pem_bundle(&pem).map_err(|e| {
                PushError::Config(format!("{} is not a PEM certificate: {e}", path.display()))
            })?;
            if certs.is_empty() {
                return Err(PushError::Config(format!(
                    "{} holds no certificate",
                    path.display()
                )));
            }
            for cert in certs {
                builder = builder.add_root_certificate(cert);
            }
        }
        let client = builder
            .build()
            .map_err(|e| PushError::Config(format!("cannot set up HTTPS: {e}")))?;
        Ok(Pusher {
            client,
            base: server.trim_end_matches('/').to_string(),
            token: token.to_string(),
        })
    }

    pub fn new(server: &str, token: &str) -> Pusher {
        let client = reqwest::Client::builder()
            .timeout(Duration::from_secs(30))
            .build()
            .expect("a client with a timeout is always buildable");
        Pusher {
            client,
            base: server.trim_end_matches('/').to_string(),
            token: token.to_string(),
        }
    }

    pub async fn run(&self, run: &RunIngest) -> Result<IngestAck, PushError> {
        self.post("/ingest/runs", run).await
    }

    pub async fn telemetry(&self, batch: &TelemetryBatch) -> Result<IngestAck, PushError> {
        self.post("/ingest/telemetry", batch).await
    }

    /// Tells the server the "send performance data" switch changed.
    pub async fn sharing(&self, report: &SharingReport) -> Result<IngestAck, PushError> {
        self.post("/ingest/sharing", report).await
    }

    /// Exchanges a one-time enrollment code for this instrument's own token. Needs no
    /// token, so it is the one call made before the agent has one.
    pub async fn enroll(&self, code: &str) -> Result<Enrollment, PushError> {
        let resp = self
            .client
            .post(format!("{}{}/enroll", self.base, API_PREFIX))
            .json(&EnrollRequest {
                code: code.to_string(),
            })
            .send()
            .await?;
        decode(resp).await
    }

    async fn post<T: Serialize>(&self, path: &str, body: &T) -> Result<IngestAck, PushError> {
        let resp = self
            .client
            .post(format!("{}{}{}", self.base, API_PREFIX, path))
            .bearer_auth(&self.token)
            .json(body)
            .send()
            .await?;
        decode(resp).await
    }
}

/// A success body, or the server's error body as [`PushError::Refused`].
async fn decode<T: serde::de::DeserializeOwned>(resp: reqwest::Response) -> Result<T, PushError> {
    let status = resp.status();
    if status.is_success() {
        return Ok(resp.json().await?);
    }
    let body = resp.json::<ApiError>().await.unwrap_or_else(|e| ApiError {
        error: "unreadable_error".into(),
        detail: format!("the server's error body was not JSON: {e}"),
        said: None,
    });
    Err(PushError::Refused { status, body })
}

/// Counts of what one push of history sent.
#[derive(Debug, Default, Clone, Copy, PartialEq, Eq)]
pub struct PushStats {
    pub runs: usize,
    pub batches: usize,
    pub readings: usize,
    pub events: usize,
}

/// Pushes one instrument's history: runs and telemetry batches, oldest first.
pub async fn push_history(
    pusher: &Pusher,
    runs: &[RunIngest],
    batches: &[TelemetryBatch],
) -> Result<PushStats, PushError> {
    let mut stats = PushStats::default();
    for b in batches {
        pusher.telemetry(b).await?;
        stats.batches += 1;
        stats.readings += b.readings.len();
        stats.events += b.events.len();
    }
    for r in runs {
        pusher.run(r).await?;
        stats.runs += 1;
    }
    Ok(stats)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn plain_http_only_to_this_machine() {
        for ok in [
            "https://seqhealth.example.org",
            "https://10.1.2.3:8443/",
            "http://127.0.0.1:8080",
            "http://127.9.8.7",
            "http://localhost:3000/",
            "http://LOCALHOST",
            "http://[::1]:8080",
        ] {
            assert!(check_server_url(ok).is_ok(), "{ok}");
        }
        for (bad, says) in [
            ("http://seqhealth.example.org", "refusing plain http://"),
            ("http://10.0.0.5:8080", "refusing plain http://"),
            ("http://128.0.0.1", "refusing plain http://"),
            ("http://[::2]", "refusing plain http://"),
            ("http://localhost.example.org", "refusing plain http://"),
            ("http://[::ffff:10.0.0.1]", "refusing plain http://"),
            ("ftp://127.0.0.1", "unsupported scheme"),
            ("seqhealth.example.org", "not a server URL"),
        ] {
            let e = check_server_url(bad).unwrap_err().to_string();
            assert!(e.contains(says), "{bad}: {e}");
        }
        assert!(matches!(
            Pusher::with_ca("http://seqhealth.example.org", "t", None),
            Err(PushError::Config(_))
        ));
    }
}
