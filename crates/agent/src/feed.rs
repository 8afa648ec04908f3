//! The local feed: sensor readings a lab writes as JSON lines (a room sensor's logger, a
//! building-management export converted with one line of `jq`), one reading a line:
//!
//! ```text
//! {"sensor": "room_temp_c", "at": "2026-03-01T10:00:00Z", "value": 21.4}
//! ```
//!
//! `watch --feed <file or folder> --feed-sensor <name>…` tails the file (or every file of
//! the folder, by name) and spools what it reads as telemetry batches, so the spool's
//! promise holds: nothing is lost while the server is away. Only sensors declared with
//! `--feed-sensor` and known to the server (`seqhealth_api::domain::SENSORS`, not
//! run-derived) are sent. A line that is not exactly such an object (an extra field, a
//! string value, a bad time) is counted and skipped with a message naming file and line;
//! nothing but the three fields ever leaves. The position in each file is remembered in
//! the spool, after the batch is spooled: each reading is sent once (a crash in between
//! spools the same batch id again, which the server ignores).

use crate::spool::Spool;
use chrono::{DateTime, Utc};
use seqhealth_api::domain::{sensor_spec, Source};
use seqhealth_api::validate::{MAX_BATCH_ITEMS, MAX_CLOCK_AHEAD_SECS};
use seqhealth_api::{SensorReading, TelemetryBatch};
use serde::Deserialize;
use std::collections::BTreeMap;
use std::fs;
use std::io::{self, Read, Seek, SeekFrom, Write};
use std::path::{Path, PathBuf};

const POSITIONS: &str = "feed-positions.txt";

/// One line of the feed: exactly these three fields.
#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct Line {
    sensor: String,
    at: DateTime<Utc>,
    value: f64,
}

/// What one pass over the feed did.
#[derive(Debug, Default, Clone, PartialEq, Eq)]
pub struct FeedReport {
    /// Readings spooled.
    pub readings: usize,
    /// Lines skipped, each with a message naming its file and line.
    pub skipped: Vec<String>,
}

/// Checks the declared sensors: each must be a sensor the server knows and not one the
/// agent derives from runs.
pub fn check_declared(names: &[String]) -> Result<(), String> {
    for n in names {
        match sensor_spec(n) {
            Some(s) if s.source == Source::Sensor => {}
            Some(_) => return Err(format!("{n} is derived from runs; it cannot be fed")),
            None => return Err(format!("{n} is not a sensor the server knows")),
        }
    }
    Ok(())
}

/// Feed files: `path` itself, or the regular files in it (not hidden), by name.
fn files(path: &Path) -> io::Result<Vec<PathBuf>> {
    if path.is_file() {
        return Ok(vec![path.to_path_buf()]);
    }
    let mut out: Vec<PathBuf> = fs::read_dir(path)?
        .filter_map(|e| e.ok().map(|e| e.path()))
        .filter(|p| p.is_file())
        .filter(|p| {
            p.file_name()
                .is_some_and(|n| !n.to_string_lossy().starts_with('.'))
        })
        .collect();
    out.sort();
    Ok(out)
}

/// (byte offset, lines read) per file name, from the spool.
fn positions(spool: &Spool) -> io::Result<BTreeMap<String, (u64, u64)>> {
    let text = match fs::read_to_string(spool.dir().join(POSITIONS)) {
        Ok(t) => t,
        Err(e) if e.kind() == io::ErrorKind::NotFound => return Ok(BTreeMap::new()),
        Err(e) => return Err(e),
    };
    Ok(text
        .lines()
        .filter_map(|l| {
            let mut parts = l.splitn(3, '\t');
            let offset = parts.next()?.parse().ok()?;
            let line = parts.next()?.parse().ok()?;
            Some((parts.next()?.to_string(), (offset, line)))
        })
        .collect())
}

fn save_positions(spool: &Spool, all: &BTreeMap<String, (u64, u64)>) -> io::Result<()> {
    let tmp = spool.dir().join(format!(".{POSITIONS}.tmp"));
    let mut f = fs::File::create(&tmp)?;
    for (name, (offset, line)) in all {
        writeln!(f, "{offset}\t{line}\t{name}")?;
    }
    f.sync_all()?;
    fs::rename(tmp, spool.dir().join(POSITIONS))
}

/// Reads what was appended to the feed since the last pass and spools it.
pub fn queue_feed(
    feed: &Path,
    declared: &[String],
    spool: &Spool,
    now: DateTime<Utc>,
) -> io::Result<FeedReport> {
    let mut report = FeedReport::default();
    let mut all = positions(spool)?;
    for path in files(feed)? {
        let name = path
            .file_name()
            .map(|n| n.to_string_lossy().into_owned())
            .unwrap_or_default();
        if name.is_empty() || name.contains(['\n', '\t']) {
            continue;
        }
        let (mut offset, mut line_no) = all.get(&name).copied().unwrap_or((0, 0));
        let mut f = fs::File::open(&path)?;
        let len = f.metadata()?.len();
        if len < offset {
            // The file was replaced or truncated (a rotated log): start it again.
            (offset, line_no) = (0, 0);
        }
        f.seek(SeekFrom::Start(offset))?;
        let mut bytes = Vec::new();
        f.take(len - offset).read_to_end(&mut bytes)?;
        // Only whole lines: a line still being written waits for the next pass.
        let Some(end) = bytes.iter().rposition(|&b| b == b'\n') else {
            continue;
        };
        let mut readings = Vec::new();
        for raw in bytes[..end].split(|&b| b == b'\n') {
            line_no += 1;
            let text = String::from_utf8_lossy(raw);
            let text = text.trim();
            if text.is_empty() {
                continue;
            }
            let at = |why: String| format!("feed {name} line {line_no}: {why}; skipped");
            let line: Line = match serde_json::from_str(text) {
                Ok(l) => l,
                Err(e) => {
                    report.skipped.push(at(format!("not a reading ({e})")));
                    continue;
                }
            };
            if !declared.contains(&line.sensor) {
                let shown: String = line.sensor.chars().take(64).collect();
                report.skipped.push(at(format!(
                    "sensor {shown:?} is not declared (--feed-sensor); refused"
                )));
                continue;
            }
            let Some(spec) = sensor_spec(&line.sensor).filter(|s| s.source == Source::Sensor)
            else {
                report
                    .skipped
                    .push(at(format!("{} is not a feedable sensor", line.sensor)));
                continue;
            };
            let t = line.at.timestamp();
            if !line.value.is_finite()
                || t < 946_684_800
                || t > now.timestamp() + MAX_CLOCK_AHEAD_SECS
            {
                report.skipped.push(at(
                    "the value is not finite or the time is before 2000 or over a day ahead".into(),
                ));
                continue;
            }
            readings.push(SensorReading {
                at: line.at,
                subsystem: spec.subsystem,
                sensor: line.sensor,
                value: line.value,
            });
        }
        let stem: String = name
            .chars()
            .map(|c| if c.is_ascii_alphanumeric() { c } else { '_' })
            .take(64)
            .collect();
        for (i, chunk) in readings.chunks(MAX_BATCH_ITEMS).enumerate() {
            // Named by where it starts in the file: a resend is the same batch.
            let batch = TelemetryBatch {
                batch_id: format!("feed.{stem}.{offset}.{i}"),
                instrument: None,
                readings: chunk.to_vec(),
                events: Vec::new(),
            };
            spool.put_telemetry(&batch)?;
        }
        report.readings += readings.len();
        all.insert(name, (offset + end as u64 + 1, line_no));
        save_positions(spool, &all)?;
    }
    Ok(report)
}
