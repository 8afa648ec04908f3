//! RunCompletionStatus.xml: how a run ended, as the instrument's control software writes
//! it at the end of a run (NextSeq, MiniSeq, NovaSeq 6000, iSeq; MiSeq and HiSeq do not).
//!
//! ```xml
//! <RunCompletionStatus>
//!   <Version>1</Version>
//!   <CompletionStatus>CompletedAsPlanned</CompletionStatus>
//!   <RunId>…</RunId>
//!   <PlannedRead1Cycles>81</PlannedRead1Cycles> … <CompletedIndex2ReadCycles>0</…>
//!   <ErrorDescription>None</ErrorDescription>
//! </RunCompletionStatus>
//! ```
//!
//! Privacy rule: only the status (turned into a closed enum, an unknown word becomes
//! [`CompletionStatus::Other`] without keeping the word) and the cycle counts are read.
//! `ErrorDescription` is free text written by the software and may quote paths or names:
//! it is never read, so it cannot be copied out by mistake.

use std::path::Path;

use serde::Serialize;

use crate::error::InteropError;
use crate::xml;

/// The file's name in a run folder.
pub const FILE_NAME: &str = "RunCompletionStatus.xml";

/// How a run ended. The values NextSeq control software is known to write; anything
/// else is `Other` (the word itself is dropped: it is not on the allow-list).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub enum CompletionStatus {
    CompletedAsPlanned,
    /// The operator stopped the run.
    UserEndedEarly,
    /// The software stopped the run on an error.
    ExceptionEndedEarly,
    /// A status word not in this list.
    Other,
}

impl CompletionStatus {
    fn parse(word: &str) -> CompletionStatus {
        match word.trim() {
            "CompletedAsPlanned" => CompletionStatus::CompletedAsPlanned,
            "UserEndedEarly" => CompletionStatus::UserEndedEarly,
            "ExceptionEndedEarly" => CompletionStatus::ExceptionEndedEarly,
            _ => CompletionStatus::Other,
        }
    }
}

/// Planned and completed cycles over all reads (read 1, read 2, index 1, index 2).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize)]
pub struct Cycles {
    pub planned: u32,
    pub completed: u32,
}

/// The allow-listed content of RunCompletionStatus.xml.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub struct RunCompletion {
    pub status: CompletionStatus,
    /// `None` when the file has no planned cycle counts (or only zeros).
    pub cycles: Option<Cycles>,
}

impl RunCompletion {
    /// Completed cycles as a share of the planned ones, in percent.
    pub fn completed_pct(&self) -> Option<f64> {
        let c = self.cycles?;
        (c.planned > 0).then(|| 100.0 * f64::from(c.completed) / f64::from(c.planned))
    }
}

const READS: [&str; 4] = ["Read1", "Read2", "Index1Read", "Index2Read"];

/// The completion status of a run folder: `Ok(None)` when the folder has no
/// RunCompletionStatus.xml (older instruments, or a run still going).
pub fn read_run_completion(run_folder: &Path) -> Result<Option<RunCompletion>, InteropError> {
    let path = run_folder.join(FILE_NAME);
    if !path.is_file() {
        return Ok(None);
    }
    let root = xml::read_file(&path)?;
    let bad = |reason: &str| InteropError::Xml {
        path: FILE_NAME.into(),
        reason: reason.to_string(),
    };
    if !root.name.eq_ignore_ascii_case("RunCompletionStatus") {
        return Err(bad("root element is not <RunCompletionStatus>"));
    }
    let status = root
        .child_value("CompletionStatus")
        .map(CompletionStatus::parse)
        .ok_or_else(|| bad("no <CompletionStatus>"))?;
    // A read the file does not list has no cycles; a count that is not a number leaves
    // the counts out rather than guessed.
    let count = |prefix: &str, read: &str| match root.child_value(&format!("{prefix}{read}Cycles"))
    {
        None => Some(0),
        Some(v) => v.parse::<u32>().ok(),
    };
    let sum = |prefix: &str| {
        READS
            .iter()
            .map(|r| count(prefix, r))
            .try_fold(0u32, |acc, c| acc.checked_add(c?))
    };
    let cycles = sum("Planned")
        .zip(sum("Completed"))
        .filter(|(planned, _)| *planned > 0)
        .map(|(planned, completed)| Cycles { planned, completed });
    Ok(Some(RunCompletion { status, cycles }))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn folder_with(xml: &str) -> tempfile::TempDir {
        let dir = tempfile::tempdir().unwrap();
        std::fs::write(dir.path().join(FILE_NAME), xml).unwrap();
        dir
    }

    fn file(status: &str, completed_r1: u32, description: &str) -> String {
        format!(
            "<?xml version=\"1.0\"?><RunCompletionStatus><Version>1</Version>\
             <CompletionStatus>{status}</CompletionStatus><RunId>r</RunId>\
             <PlannedRead1Cycles>151</PlannedRead1Cycles><PlannedRead2Cycles>151</PlannedRead2Cycles>\
             <PlannedIndex1ReadCycles>8</PlannedIndex1ReadCycles><PlannedIndex2ReadCycles>8</PlannedIndex2ReadCycles>\
             <CompletedRead1Cycles>{completed_r1}</CompletedRead1Cycles><CompletedRead2Cycles>0</CompletedRead2Cycles>\
             <CompletedIndex1ReadCycles>0</CompletedIndex1ReadCycles><CompletedIndex2ReadCycles>0</CompletedIndex2ReadCycles>\
             <ErrorDescription>{description}</ErrorDescription></RunCompletionStatus>"
        )
    }

    #[test]
    fn an_aborted_run_keeps_its_status_and_cycles_not_its_description() {
        let dir = folder_with(&file("ExceptionEndedEarly", 42, "Flow check failed"));
        let c = read_run_completion(dir.path()).unwrap().unwrap();
        assert_eq!(c.status, CompletionStatus::ExceptionEndedEarly);
        assert_eq!(
            c.cycles,
            Some(Cycles {
                planned: 318,
                completed: 42
            })
        );
        assert!((c.completed_pct().unwrap() - 100.0 * 42.0 / 318.0).abs() < 1e-9);
        let json = serde_json::to_string(&c).unwrap();
        assert!(!json.contains("Flow check"), "{json}");
    }

    #[test]
    fn statuses_are_a_closed_list() {
        for (word, status) in [
            ("CompletedAsPlanned", CompletionStatus::CompletedAsPlanned),
            ("UserEndedEarly", CompletionStatus::UserEndedEarly),
            (
                " ExceptionEndedEarly ",
                CompletionStatus::ExceptionEndedEarly,
            ),
            ("SomethingNew", CompletionStatus::Other),
            ("completedasplanned", CompletionStatus::Other),
        ] {
            let dir = folder_with(&file(word, 151, "None"));
            let c = read_run_completion(dir.path()).unwrap().unwrap();
            assert_eq!(c.status, status, "{word}");
        }
    }

    #[test]
    fn missing_file_bad_file_and_missing_counts() {
        let empty = tempfile::tempdir().unwrap();
        assert_eq!(read_run_completion(empty.path()).unwrap(), None);
        let dir = folder_with("<RunInfo/>");
        assert!(read_run_completion(dir.path()).is_err());
        let dir = folder_with("<RunCompletionStatus><Version>1</Version></RunCompletionStatus>");
        assert!(read_run_completion(dir.path()).is_err());
        let dir = folder_with(
            "<RunCompletionStatus><CompletionStatus>UserEndedEarly</CompletionStatus>\
             <PlannedRead1Cycles>x</PlannedRead1Cycles></RunCompletionStatus>",
        );
        let c = read_run_completion(dir.path()).unwrap().unwrap();
        assert_eq!(
            (c.status, c.cycles),
            (CompletionStatus::UserEndedEarly, None)
        );
    }
}
