//! The instrument side of seqhealth.
//!
//! - [`access`]: who may read the agent's files (Unix modes, Windows DACLs).
//! - [`config`]: the agent's configuration file (`enroll` writes it) and its sharing switch.
//! - [`extract`]: the allow-list; a run folder's summary → the body that leaves the instrument.
//! - [`report`]: `summarize`'s local table and JSON.
//! - [`push`]: sends allow-listed performance data to the server's ingest API.
//! - [`watch`], [`spool`]: finished runs in a runs directory → spool → server, nothing lost
//!   while the server is unreachable.
//! - [`log`]: what `watch` says, also in a size-bounded rotating log file.
//! - [`signals`], [`oplog`]: a finished run folder's hardware signals and how the run ended
//!   → one telemetry batch of allow-listed readings and event codes.
//! - [`service`]: `watch` as a Windows service.
//! - [`simulate`]: a deterministic, believable fleet (runs and sensor telemetry) for the
//!   demo and the tests; it only ever produces the wire types an instrument may send.

pub mod access;
pub mod config;
pub mod extract;
pub mod feed;
pub mod fleet;
pub mod log;
pub mod oplog;
pub mod push;
pub mod report;
pub mod service;
pub mod signals;
pub mod simulate;
pub mod spool;
pub mod watch;
