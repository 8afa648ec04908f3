//! What the service does, one module per part of the domain: each function takes the
//! connection or transaction its caller opened and does one operation, queries included.
//! Nothing here knows about HTTP requests; routes call it, and so do jobs.

pub mod audit;
pub mod calendar;
pub mod credentials;
pub mod enrollment;
pub mod fleet;
pub mod health;
pub mod ingest;
pub mod instruments;
pub mod invitations;
pub mod notify;
pub mod passwords;
pub mod people;
pub mod planned_runs;
pub mod predictions;
pub mod provision;
pub mod recommendations;
pub mod replacements;
pub mod resets;
pub mod sessions;
pub mod spc;
pub mod telemetry;
pub mod today;
pub mod warnings;
pub mod words;
