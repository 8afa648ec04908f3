//! The instrument side of seqhealth.
//!
//! - [`push`]: sends allow-listed performance data to the server's ingest API.
//! - [`simulate`]: a deterministic, believable fleet (runs and sensor telemetry) for the
//!   demo and the tests; it only ever produces the wire types an instrument may send.

pub mod fleet;
pub mod push;
pub mod simulate;
