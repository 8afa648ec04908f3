//! Watching a runs directory: a run folder is finished when the instrument writes
//! RTAComplete.txt or CopyComplete.txt. Each finished run is summarised once, and what
//! may leave (the allow-lists in `extract` and `signals`) goes to the spool: the run
//! summary, then its derived hardware signals and how it ended (an operation event) as one
//! telemetry batch. A ledger in the spool remembers which folders were handled, so a
//! restart does not summarise them again.

use crate::extract::run_ingest;
use crate::spool::Spool;
use std::collections::BTreeSet;
use std::fs;
use std::io::{self, Write};
use std::path::{Path, PathBuf};

const LEDGER: &str = "handled.txt";
const MARKERS: [&str; 2] = ["RTAComplete.txt", "CopyComplete.txt"];

/// What happened to a newly finished run folder.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Handled {
    Queued {
        folder: String,
        run_id: String,
    },
    /// The folder could not be summarised (the reason names file, offset and cause); it
    /// is not retried, since the files of a finished run do not change.
    Failed {
        folder: String,
        reason: String,
    },
}

/// Finished run folders directly under `runs_dir`, by name.
pub fn finished_runs(runs_dir: &Path) -> io::Result<Vec<PathBuf>> {
    let mut out: Vec<PathBuf> = fs::read_dir(runs_dir)?
        .filter_map(|e| e.ok().map(|e| e.path()))
        .filter(|p| p.is_dir() && MARKERS.iter().any(|m| p.join(m).is_file()))
        .collect();
    out.sort();
    Ok(out)
}

fn ledger(spool: &Spool) -> io::Result<BTreeSet<String>> {
    match fs::read_to_string(spool.dir().join(LEDGER)) {
        Ok(text) => Ok(text.lines().map(str::to_string).collect()),
        Err(e) if e.kind() == io::ErrorKind::NotFound => Ok(BTreeSet::new()),
        Err(e) => Err(e),
    }
}

fn remember(spool: &Spool, folder: &str) -> io::Result<()> {
    let mut f = fs::OpenOptions::new()
        .create(true)
        .append(true)
        .open(spool.dir().join(LEDGER))?;
    writeln!(f, "{folder}")?;
    f.sync_all()
}

/// Summarises every finished run folder not handled before and spools what may leave.
pub fn queue_new(runs_dir: &Path, spool: &Spool) -> io::Result<Vec<Handled>> {
    let done = ledger(spool)?;
    let mut out = Vec::new();
    for folder in finished_runs(runs_dir)? {
        let name = folder
            .file_name()
            .map(|n| n.to_string_lossy().into_owned())
            .unwrap_or_default();
        if name.is_empty() || name.contains('\n') || done.contains(&name) {
            continue;
        }
        match seqhealth_interop::summarize(&folder) {
            Ok(summary) => {
                let mut run = run_ingest(&summary);
                // The run's hardware signals leave as telemetry, right after the run.
                let signals = seqhealth_interop::signals::derive(&folder, &summary);
                run.completed_at = crate::signals::completed_at(&run, &signals);
                // Spooled before it is remembered: a crash in between queues it twice,
                // which the server's idempotency absorbs; the other order could lose it.
                spool.put(&run)?;
                if let Some(batch) = crate::signals::run_batch(&run, &signals) {
                    spool.put_telemetry(&batch)?;
                }
                remember(spool, &name)?;
                out.push(Handled::Queued {
                    folder: name,
                    run_id: run.run_id,
                });
            }
            Err(e) => {
                remember(spool, &name)?;
                out.push(Handled::Failed {
                    folder: name,
                    reason: e.to_string(),
                });
            }
        }
    }
    Ok(out)
}
