//! Periodic work the server does on its own, one file per job.

pub mod notify;
pub mod sweep;
