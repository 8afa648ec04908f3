//! What is HTTP about the service and nothing else: extracting the caller and bodies,
//! security headers and the same-origin rule, login limits, idle connections, TLS,
//! serving the built dashboard, CSV cells. No SQL here: an extractor that needs the
//! database asks the domain layer.

pub mod connections;
pub mod csv;
pub mod download;
pub mod extract;
pub mod idle;
pub mod limits;
pub mod params;
pub mod security;
pub mod tls;
pub mod web;
