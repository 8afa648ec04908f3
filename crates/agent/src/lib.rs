//! The instrument side of seqhealth.
//!
//! - [`config`]: the agent's configuration file (`enroll` writes it) and its sharing switch.
//! - [`extract`]: the allow-list; a run folder's summary → the body that leaves the instrument.
//! - [`report`]: `summarize`'s local table and JSON.
//! - [`push`]: sends allow-listed performance data to the server's ingest API.
//! - [`watch`], [`spool`]: finished runs in a runs directory → spool → server, nothing lost
//!   while the server is unreachable.
//! - [`simulate`]: a deterministic, believable fleet (runs and sensor telemetry) for the
//!   demo and the tests; it only ever produces the wire types an instrument may send.

pub mod config;
pub mod extract;
pub mod feed;
pub mod fleet;
pub mod push;
pub mod report;
pub mod signals;
pub mod simulate;
pub mod spool;
pub mod watch;
