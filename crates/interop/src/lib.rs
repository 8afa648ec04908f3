//! Illumina run folders → run summary.
//!
//! [`summarize`] reads `RunInfo.xml`, `RunParameters.xml` and the InterOp binary files of a
//! run folder and computes the figures Illumina's InterOp library (1.9.0) reports:
//! yield, %≥Q30, cluster density, %PF, phasing, error rate and intensity, per run, read
//! and read × lane, plus %≥Q30 per cycle.
//!
//! Policy for bad InterOp files: the official library refuses a whole folder when any file
//! is bad. We summarise the valid part instead: a file that fails to parse (unknown
//! version, record size disagreeing with the header, lane outside the run, 0-byte file…)
//! is left out and named in `warnings`, with the byte offset and reason. Only a missing or
//! unreadable RunInfo.xml/RunParameters.xml stops the summary.

pub mod binary;
pub mod completion;
pub mod error;
pub mod error_metrics;
pub mod extraction;
pub mod lasers;
pub mod q;
pub mod q_binning;
pub mod q_collapsed;
mod quality;
mod rows;
pub mod run_info;
pub mod run_parameters;
pub mod signals;
pub mod stats;
pub mod summary;
pub mod tile;
pub mod write;
mod xml;

use std::fs::File;
use std::io::BufReader;
use std::path::Path;

use serde::Serialize;

pub use error::{FormatError, InteropError};
pub use run_info::RunInfo;
pub use run_parameters::RunParameters;
pub use summary::{CycleQuality, GroupSummary, MetricSets, ReadLaneSummary, ReadSummary};

use binary::RunBounds;

/// One InterOp file that went into the summary.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct SourceFile {
    /// Path relative to the run folder.
    pub file: String,
    pub version: u8,
    pub records: u64,
}

/// Run summary of one run folder.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct RunSummary {
    pub run_info: RunInfo,
    pub run_parameters: Option<RunParameters>,
    /// All reads, index reads included.
    pub total: GroupSummary,
    /// Non-index reads only.
    pub nonindex: GroupSummary,
    pub reads: Vec<ReadSummary>,
    /// One row per read × lane, ordered by read then lane.
    pub lanes: Vec<ReadLaneSummary>,
    pub per_cycle_q30: Vec<CycleQuality>,
    pub sources: Vec<SourceFile>,
    /// Files left out or read partially, and why. Paths are relative to the run folder,
    /// so warnings can be shipped without revealing local directory names.
    pub warnings: Vec<String>,
}

/// Summarise a run folder (see the crate documentation for the bad-file policy).
pub fn summarize(run_folder: &Path) -> Result<RunSummary, InteropError> {
    let run_info = run_info::read_run_info(run_folder)?;
    let run_parameters = run_parameters::read_run_parameters(run_folder)?;
    // Same rule as the official library: a legacy RunInfo.xml (no <ImageChannels>) needs
    // RunParameters.xml to know the instrument's channel order. The picard tile-only test
    // folders are such folders, and both libraries refuse them.
    if run_parameters.is_none() && run_info.channels.is_empty() {
        return Err(InteropError::MissingRunParameters {
            folder: run_folder.to_path_buf(),
        });
    }
    // The official run_metrics only consults RunParameters for legacy folders; instrument
    // specific choices (channel order, NextSeq legacy Q bins) follow that.
    let legacy_instrument = run_parameters
        .as_ref()
        .filter(|_| run_info.channels.is_empty())
        .and_then(|p| p.instrument_type.as_deref());

    let bounds = RunBounds::from_run_info(&run_info);
    let mut loader = Loader {
        folder: run_folder,
        warnings: Vec::new(),
        sources: Vec::new(),
    };
    let channel = extraction::intensity_channel(&run_info.channels, legacy_instrument);
    let metrics = MetricSets {
        tile: loader.load(
            "TileMetrics",
            |r, p| tile::read_tile_metrics(r, p, &bounds),
            |m| (m.version, m.records, m.trailing_bytes, 0),
        ),
        q: loader.load(
            "QMetrics",
            |r, p| q::read_q_metrics(r, p, &bounds),
            |m| (m.version, m.records, m.trailing_bytes, m.duplicates),
        ),
        // RTA3's per-cycle Q20/Q30 counts; when present, the summary takes %≥Q30 and
        // yield from it, as the official library does.
        q_collapsed: loader.load(
            "QMetrics2030",
            |r, p| q_collapsed::read_q_collapsed_metrics(r, p, &bounds),
            |m| (m.version, m.records, m.trailing_bytes, m.duplicates),
        ),
        error: loader.load(
            "ErrorMetrics",
            |r, p| error_metrics::read_error_metrics(r, p, &bounds),
            |m| (m.version, m.records, m.trailing_bytes, m.duplicates),
        ),
        extraction: loader.load(
            "ExtractionMetrics",
            |r, p| extraction::read_extraction_metrics(r, p, &bounds, channel),
            |m| (m.version, m.records, m.trailing_bytes, m.duplicates),
        ),
        next_seq_bins: legacy_instrument == Some("NextSeq"),
    };
    if let Some(x) = &metrics.extraction {
        if !x.channel_present {
            loader.warnings.push(format!(
                "intensity channel unknown or absent (RunInfo channels {:?}, file has {}); intensity left out",
                run_info.channels, x.channel_count
            ));
        }
    }
    let figures = summary::compute(&run_info, &metrics);
    Ok(RunSummary {
        run_info,
        run_parameters,
        total: figures.total,
        nonindex: figures.nonindex,
        reads: figures.reads,
        lanes: figures.lanes,
        per_cycle_q30: figures.per_cycle_q30,
        sources: loader.sources,
        warnings: loader.warnings,
    })
}

/// Opens InterOp files and turns per-file failures into warnings.
struct Loader<'a> {
    folder: &'a Path,
    warnings: Vec<String>,
    sources: Vec<SourceFile>,
}

impl Loader<'_> {
    /// Parse `InterOp/<stem>Out.bin` (or the older `<stem>.bin`); `None` if absent or bad.
    fn load<T>(
        &mut self,
        stem: &str,
        parse: impl FnOnce(BufReader<File>, &Path) -> Result<T, InteropError>,
        stats: impl FnOnce(&T) -> (u8, u64, u64, u64),
    ) -> Option<T> {
        let (rel, file) = [
            format!("InterOp/{stem}Out.bin"),
            format!("InterOp/{stem}.bin"),
        ]
        .into_iter()
        .find_map(|rel| {
            let path = self.folder.join(&rel);
            path.is_file().then(|| (rel, File::open(path)))
        })?;
        let parsed = file
            .map_err(|source| InteropError::Io {
                path: rel.clone().into(),
                source,
            })
            .and_then(|f| parse(BufReader::with_capacity(64 * 1024, f), Path::new(&rel)));
        match parsed {
            Ok(m) => {
                let (version, records, trailing, duplicates) = stats(&m);
                if trailing > 0 {
                    self.warnings.push(format!(
                        "{rel}: last {trailing} bytes are a partial record (run in progress or file cut short); \
                         read up to the last whole record"
                    ));
                }
                if duplicates > 0 {
                    self.warnings.push(format!(
                        "{rel}: {duplicates} records repeat an earlier lane/tile/cycle; the first one was kept"
                    ));
                }
                self.sources.push(SourceFile {
                    file: rel,
                    version,
                    records,
                });
                Some(m)
            }
            Err(e) => {
                self.warnings
                    .push(format!("{e}; file left out of the summary"));
                None
            }
        }
    }
}
