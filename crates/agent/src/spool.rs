//! The spool: what waits to leave the instrument. A run summary (or a telemetry batch:
//! a run's derived signals, a local feed's readings) is written here first
//! (atomically: a temporary file, synced, then renamed), and deleted only once the
//! server has answered that it has it. While the server is unreachable or failing, the
//! spool keeps everything, in order; a resend is harmless (ingest is idempotent).

use crate::push::{PushError, Pusher};
use seqhealth_api::{RunIngest, TelemetryBatch};
use std::fs;
use std::io::{self, Write};
use std::path::{Path, PathBuf};

/// How a spooled telemetry batch's file name ends (a run's ends in `.json` alone).
const TELEMETRY_EXT: &str = "telemetry.json";

/// What one spooled file holds.
enum Item {
    Run(RunIngest),
    Telemetry(TelemetryBatch),
}

pub struct Spool {
    dir: PathBuf,
}

/// How one drain ended.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum DrainEnd {
    /// Everything pending was delivered (or set aside as refused).
    Empty,
    /// The server could not be reached or failed (5xx): try again later.
    Paused(String),
    /// The server refused the instrument's token: a person must act (re-enroll).
    TokenRefused(String),
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DrainReport {
    /// Stored by the server for the first time.
    pub sent: usize,
    /// The server already had them (a resend after a lost answer).
    pub duplicates: usize,
    /// Refused as invalid (4xx); moved to `rejected/` with the reason beside them.
    pub rejected: usize,
    pub remaining: usize,
    pub end: DrainEnd,
}

impl Spool {
    /// Opens (creating, owner-only) the spool directory.
    pub fn open(dir: &Path) -> io::Result<Spool> {
        fs::create_dir_all(dir.join("rejected"))?;
        crate::access::restrict_dir(dir)?;
        Ok(Spool {
            dir: dir.to_path_buf(),
        })
    }

    pub fn dir(&self) -> &Path {
        &self.dir
    }

    /// Writes a run to the spool; returns its file. Names sort in the order written.
    pub fn put(&self, run: &RunIngest) -> io::Result<PathBuf> {
        let body = serde_json::to_vec(run).map_err(io::Error::other)?;
        self.write(&run.run_id, "json", &body)
    }

    /// Writes a telemetry batch to the spool (`….telemetry.json`); returns its file.
    pub fn put_telemetry(&self, batch: &TelemetryBatch) -> io::Result<PathBuf> {
        let body = serde_json::to_vec(batch).map_err(io::Error::other)?;
        self.write(&batch.batch_id, TELEMETRY_EXT, &body)
    }

    fn write(&self, id: &str, ext: &str, body: &[u8]) -> io::Result<PathBuf> {
        let nanos = std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map(|d| d.as_nanos())
            .unwrap_or_default();
        let safe: String = id
            .chars()
            .map(|c| {
                if c.is_ascii_alphanumeric() || c == '-' {
                    c
                } else {
                    '_'
                }
            })
            .collect();
        let name = format!("{nanos:024}-{safe}.{ext}");
        let tmp = self.dir.join(format!(".{name}.tmp"));
        let mut f = fs::File::create(&tmp)?;
        f.write_all(body)?;
        f.sync_all()?;
        let path = self.dir.join(name);
        fs::rename(&tmp, &path)?;
        Ok(path)
    }

    /// Spooled runs waiting to be sent, oldest first.
    pub fn pending(&self) -> io::Result<Vec<PathBuf>> {
        let mut files: Vec<PathBuf> = fs::read_dir(&self.dir)?
            .filter_map(|e| e.ok().map(|e| e.path()))
            .filter(|p| p.is_file() && p.extension().is_some_and(|x| x == "json"))
            .filter(|p| {
                !p.file_name()
                    .is_some_and(|n| n.to_string_lossy().starts_with('.'))
            })
            .collect();
        files.sort();
        Ok(files)
    }

    /// What waits, said for a person: "2 run(s)", or "2 run(s) kept in the spool with 3
    /// telemetry batch(es)" — the `kept` words go between.
    pub fn waiting(&self, kept: &str) -> String {
        let pending = self.pending().unwrap_or_default();
        let batches = pending
            .iter()
            .filter(|p| p.to_string_lossy().ends_with(TELEMETRY_EXT))
            .count();
        let runs = pending.len() - batches;
        if batches == 0 {
            format!("{runs} run(s) {kept}")
        } else {
            format!("{runs} run(s) {kept} with {batches} telemetry batch(es)")
        }
    }

    /// Sends what is pending, oldest first, until the spool is empty or the server
    /// cannot take more now.
    pub async fn drain(&self, pusher: &Pusher) -> io::Result<DrainReport> {
        let pending = self.pending()?;
        let mut report = DrainReport {
            sent: 0,
            duplicates: 0,
            rejected: 0,
            remaining: pending.len(),
            end: DrainEnd::Empty,
        };
        for path in pending {
            let telemetry = path.to_string_lossy().ends_with(TELEMETRY_EXT);
            let bytes = fs::read(&path).map_err(|e| e.to_string());
            let item = bytes.and_then(|b| {
                if telemetry {
                    serde_json::from_slice(&b)
                        .map(Item::Telemetry)
                        .map_err(|e| format!("not a telemetry batch: {e}"))
                } else {
                    serde_json::from_slice(&b)
                        .map(Item::Run)
                        .map_err(|e| format!("not a run summary: {e}"))
                }
            });
            let item = match item {
                Ok(item) => item,
                Err(reason) => {
                    self.set_aside(&path, &reason)?;
                    report.rejected += 1;
                    report.remaining -= 1;
                    continue;
                }
            };
            let sent = match &item {
                Item::Run(run) => pusher.run(run).await,
                Item::Telemetry(batch) => pusher.telemetry(batch).await,
            };
            match sent {
                Ok(ack) => {
                    fs::remove_file(&path)?;
                    if ack.stored {
                        report.sent += 1;
                    } else {
                        report.duplicates += 1;
                    }
                    report.remaining -= 1;
                }
                Err(PushError::Refused { status, body })
                    if status.as_u16() == 401 || status.as_u16() == 403 =>
                {
                    report.end = DrainEnd::TokenRefused(format!("{}: {}", body.error, body.detail));
                    return Ok(report);
                }
                Err(PushError::Refused { status, body }) if status.is_client_error() => {
                    self.set_aside(&path, &format!("{status}: {}: {}", body.error, body.detail))?;
                    report.rejected += 1;
                    report.remaining -= 1;
                }
                Err(e) => {
                    report.end = DrainEnd::Paused(e.to_string());
                    return Ok(report);
                }
            }
        }
        Ok(report)
    }

    /// Keeps a refused run (never deleted: a person may look at why) out of the queue.
    fn set_aside(&self, path: &Path, reason: &str) -> io::Result<()> {
        let name = path
            .file_name()
            .map(|n| n.to_os_string())
            .unwrap_or_default();
        let target = self.dir.join("rejected").join(&name);
        fs::rename(path, &target)?;
        fs::write(target.with_extension("reason.txt"), reason)
    }
}
