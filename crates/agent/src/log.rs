//! What `watch` says, also kept in a size-bounded rotating log file (`watch --log-dir`, and
//! always for the Windows service, whose stdout goes nowhere): `seqhealth-agent.log`, and
//! the older `seqhealth-agent.log.1` … `.log.<keep-1>`. At most `keep` files of at most
//! `max_bytes` each: a full log never fills the instrument PC's disk.

use chrono::{SecondsFormat, Utc};
use std::fs::{self, File, OpenOptions};
use std::io::{self, Write};
use std::path::{Path, PathBuf};
use std::sync::Mutex;

pub const LOG_FILE: &str = "seqhealth-agent.log";
/// 1 MiB × 5 files by default.
pub const MAX_BYTES: u64 = 1024 * 1024;
pub const KEEP: usize = 5;

pub struct RotatingLog {
    path: PathBuf,
    max_bytes: u64,
    keep: usize,
    file: File,
    size: u64,
}

impl RotatingLog {
    /// Opens (creating the directory) `dir/seqhealth-agent.log` for appending.
    pub fn open(dir: &Path, max_bytes: u64, keep: usize) -> io::Result<RotatingLog> {
        fs::create_dir_all(dir)?;
        let path = dir.join(LOG_FILE);
        let file = OpenOptions::new().create(true).append(true).open(&path)?;
        let size = file.metadata()?.len();
        Ok(RotatingLog {
            path,
            max_bytes: max_bytes.max(64),
            keep: keep.max(1),
            file,
            size,
        })
    }

    pub fn path(&self) -> &Path {
        &self.path
    }

    /// Appends one line, with the UTC time and the level, rotating first when it would not
    /// fit. A line longer than a whole file is cut to fit.
    pub fn line(&mut self, level: &str, text: &str) -> io::Result<()> {
        let mut line = format!(
            "{} {level} {}",
            Utc::now().to_rfc3339_opts(SecondsFormat::Millis, true),
            text.replace(['\r', '\n'], " ")
        );
        if line.len() as u64 + 1 > self.max_bytes {
            let mut end = (self.max_bytes - 1) as usize;
            while !line.is_char_boundary(end) {
                end -= 1;
            }
            line.truncate(end);
        }
        line.push('\n');
        if self.size > 0 && self.size + line.len() as u64 > self.max_bytes {
            self.rotate()?;
        }
        self.file.write_all(line.as_bytes())?;
        self.size += line.len() as u64;
        Ok(())
    }

    fn numbered(&self, n: usize) -> PathBuf {
        let mut name = self.path.as_os_str().to_os_string();
        name.push(format!(".{n}"));
        PathBuf::from(name)
    }

    /// log.<keep-2> → log.<keep-1> (the oldest dropped), …, log → log.1, and a new log.
    fn rotate(&mut self) -> io::Result<()> {
        if self.keep == 1 {
            self.file = File::create(&self.path)?;
        } else {
            for n in (1..self.keep - 1).rev() {
                let from = self.numbered(n);
                if from.exists() {
                    // Windows' rename replaces an existing target too (MoveFileEx).
                    fs::rename(&from, self.numbered(n + 1))?;
                }
            }
            // Windows cannot rename a file that is open: this handle is replaced first.
            let placeholder = self.numbered(self.keep);
            self.file = File::create(&placeholder)?;
            fs::rename(&self.path, self.numbered(1))?;
            self.file = OpenOptions::new()
                .create(true)
                .append(true)
                .open(&self.path)?;
            let _ = fs::remove_file(placeholder);
        }
        self.size = 0;
        Ok(())
    }
}

static SINK: Mutex<Option<RotatingLog>> = Mutex::new(None);

/// From now on, [`out`] and [`err`] also go to `log`.
pub fn install(log: RotatingLog) {
    if let Ok(mut sink) = SINK.lock() {
        *sink = Some(log);
    }
}

fn keep(level: &str, line: &str) {
    if let Ok(mut sink) = SINK.lock() {
        if let Some(log) = sink.as_mut() {
            // A log that cannot be written must not stop the agent: stderr says so once.
            if let Err(e) = log.line(level, line) {
                let _ = writeln!(io::stderr(), "cannot write {}: {e}", log.path().display());
                *sink = None;
            }
        }
    }
}

/// One line on stdout (a closed pipe is not an error) and in the log.
pub fn out(line: &str) {
    let _ = writeln!(io::stdout(), "{line}");
    keep("INFO", line);
}

/// One line on stderr and in the log.
pub fn err(line: &str) {
    let _ = writeln!(io::stderr(), "{line}");
    keep("ERROR", line);
}

#[cfg(test)]
mod tests {
    use super::*;

    fn files(dir: &Path) -> Vec<(String, u64)> {
        let mut v: Vec<(String, u64)> = fs::read_dir(dir)
            .unwrap()
            .map(|e| e.unwrap())
            .map(|e| {
                (
                    e.file_name().to_string_lossy().into_owned(),
                    e.metadata().unwrap().len(),
                )
            })
            .collect();
        v.sort();
        v
    }

    #[test]
    fn the_log_rotates_within_its_count_and_size() {
        let dir = tempfile::tempdir().unwrap();
        let mut log = RotatingLog::open(dir.path(), 1000, 3).unwrap();
        for i in 0..500 {
            log.line(
                "INFO",
                &format!("queued run {i:04} (a line of some length)"),
            )
            .unwrap();
        }
        let f = files(dir.path());
        let names: Vec<&str> = f.iter().map(|(n, _)| n.as_str()).collect();
        assert_eq!(
            names,
            [
                "seqhealth-agent.log",
                "seqhealth-agent.log.1",
                "seqhealth-agent.log.2"
            ]
        );
        assert!(f.iter().all(|(_, len)| *len <= 1000), "{f:?}");
        // The newest line is in the current file, the older ones before it.
        let now = fs::read_to_string(dir.path().join(LOG_FILE)).unwrap();
        assert!(now
            .trim_end()
            .ends_with("queued run 0499 (a line of some length)"));
        let older = fs::read_to_string(dir.path().join("seqhealth-agent.log.1")).unwrap();
        assert!(older.lines().all(|l| l.contains(" INFO queued run ")));
        // Reopened (the service restarted), it appends and keeps the bound.
        drop(log);
        let mut log = RotatingLog::open(dir.path(), 1000, 3).unwrap();
        for _ in 0..100 {
            log.line("ERROR", "server unavailable").unwrap();
        }
        let f = files(dir.path());
        assert_eq!(f.len(), 3);
        assert!(f.iter().all(|(_, len)| *len <= 1000), "{f:?}");
    }

    #[test]
    fn a_long_line_is_cut_and_one_line_stays_one_line() {
        let dir = tempfile::tempdir().unwrap();
        let mut log = RotatingLog::open(dir.path(), 100, 2).unwrap();
        log.line("INFO", &"é".repeat(500)).unwrap();
        log.line("INFO", "two\nlines").unwrap();
        let f = files(dir.path());
        assert!(f.iter().all(|(_, len)| *len <= 100), "{f:?}");
        let now = fs::read_to_string(dir.path().join(LOG_FILE)).unwrap();
        assert_eq!(now.lines().count(), 1);
        assert!(now.ends_with("INFO two lines\n"), "{now}");
    }
}
