//! Typed errors. Every binary-format problem carries the file path and the byte offset
//! where it was found, so an operator can open the file and look.

use std::path::PathBuf;

/// Everything that can stop a run folder (or one InterOp file) from being read.
#[derive(Debug, thiserror::Error)]
pub enum InteropError {
    #[error("{folder}: RunInfo.xml not found")]
    MissingRunInfo { folder: PathBuf },

    /// Same rule as the official library: without `<ImageChannels>` in RunInfo.xml the
    /// channel order (and so the intensity channel) comes from RunParameters.xml.
    #[error(
        "{folder}: RunParameters.xml is missing and RunInfo.xml lists no image channels \
         (legacy run folder); the official InterOp library refuses such folders too"
    )]
    MissingRunParameters { folder: PathBuf },

    #[error("{path}: {source}")]
    Io {
        path: PathBuf,
        #[source]
        source: std::io::Error,
    },

    #[error("{path}: invalid XML: {reason}")]
    Xml { path: PathBuf, reason: String },

    #[error("{path}: byte {offset}: {reason}")]
    Format {
        path: PathBuf,
        offset: u64,
        reason: FormatError,
    },
}

/// Why a binary InterOp file was rejected.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum FormatError {
    #[error("empty file (0 bytes)")]
    EmptyFile,
    #[error("file ends inside the header ({needed} bytes needed, {available} present)")]
    TruncatedHeader { needed: u64, available: u64 },
    #[error("unsupported version {version} (this parser reads {supported})")]
    UnknownVersion {
        version: u8,
        supported: &'static str,
    },
    #[error(
        "header record size {found} disagrees with the version {version} layout ({expected} bytes)"
    )]
    RecordSizeMismatch {
        version: u8,
        found: usize,
        expected: usize,
    },
    #[error("invalid header: {0}")]
    InvalidHeader(String),
    #[error("lane {lane} outside the run (RunInfo.xml declares {lane_count} lanes)")]
    LaneOutOfRange { lane: u16, lane_count: u16 },
    #[error("cycle {cycle} outside the run (RunInfo.xml declares {total_cycles} cycles)")]
    CycleOutOfRange { cycle: u16, total_cycles: usize },
    #[error("read {read} outside the run (RunInfo.xml declares {read_count} reads)")]
    ReadOutOfRange { read: u32, read_count: usize },
    #[error("unknown tile-metric code {code}")]
    UnknownTileCode { code: u16 },
    #[error("more than {limit} distinct tiles; the file does not match RunInfo.xml")]
    TooManyTiles { limit: usize },
}
