//! Opening the database and bringing its schema up to date (migrations are embedded);
//! encryption at rest, and the offline operations on the file: backup, restore, rekey.
//!
//! SQLite here is SQLCipher (libsqlite3-sys built with `bundled-sqlcipher`): with a
//! [`DatabaseKey`] every page of the database file and of its WAL is encrypted with
//! AES-256 (CBC, a random IV per page, HMAC-SHA512 per page), the key set first thing on
//! every connection of the pool. The key is a raw 256-bit key (64 hex digits), used as is:
//! no passphrase derivation, so opening a connection costs nothing extra.
//!
//! [`open`] looks at the file before anything may write to it: a wrong key, a key for a
//! file that is not encrypted, or no key for one that is, is refused with a clear message
//! and the file is left exactly as it was (the check opens it read-only).

pub mod at_rest;
pub mod backup;
pub mod buckets;
pub mod cache;
pub mod dialect;
pub mod kept;
pub mod pool;

pub use at_rest::{check, cipher_version, file_of, AtRest, DatabaseKey, OpenError};
pub use backup::{backup, rekey, restore, Copied, TableCounts};
pub use dialect::*;
pub use pool::{connect, open, options, pool_options, postgres_tls, redact, Backend};
/// A connection pool to the database, either backend (for callers outside this crate).
pub type Pool = sqlx::AnyPool;
