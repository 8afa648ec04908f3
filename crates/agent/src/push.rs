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
    pub fn with_ca(
        server: &str,
        token: &str,
        ca: Option<&std::path::Path>,
    ) -> Result<Pusher, PushError> {
        let mut builder = reqwest::Client::builder().timeout(Duration::from_secs(30));
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
