//! Encryption at rest: the database key, what a file is (plain, encrypted, new) and
//! whether a key opens it, checked without writing to it.

use sqlx::sqlite::{SqliteConnectOptions, SqliteJournalMode, SqliteLockingMode};
use sqlx::{ConnectOptions, Connection, SqliteConnection};
use std::fmt;
use std::path::{Path, PathBuf};
use std::str::FromStr;
use std::time::Duration;

/// The first 16 bytes of every unencrypted SQLite database file.
pub(super) const PLAIN_HEADER: &[u8; 16] = b"SQLite format 3\0";
/// SQLITE_BUSY and SQLITE_NOTADB (primary result codes).
pub(super) const SQLITE_BUSY: i64 = 5;
pub(super) const SQLITE_NOTADB: i64 = 26;
/// A malformed page: read while another process rewrites it.
pub(super) const SQLITE_CORRUPT: i64 = 11;

/// A 256-bit database key. Never printed: `Debug` shows no digits.
#[derive(Clone, PartialEq, Eq)]
pub struct DatabaseKey(String);

impl fmt::Debug for DatabaseKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("DatabaseKey(…)")
    }
}

impl DatabaseKey {
    /// A key written as 64 hexadecimal digits (surrounding whitespace ignored), as
    /// `openssl rand -hex 32` makes one.
    pub fn parse(text: &str) -> Result<DatabaseKey, String> {
        let t = text.trim();
        if t.len() != 64 || !t.bytes().all(|b| b.is_ascii_hexdigit()) {
            return Err(format!(
                "a database key is 64 hexadecimal digits (256 bits; make one with \
                 `openssl rand -hex 32`), not {} characters of something else",
                t.chars().count()
            ));
        }
        Ok(DatabaseKey(t.to_ascii_lowercase()))
    }

    /// Reads a key file (see [`DatabaseKey::parse`]). Returns a warning too when the file
    /// can be read by others than its owner.
    pub fn read_file(path: &Path) -> Result<(DatabaseKey, Option<String>), String> {
        let text = std::fs::read_to_string(path)
            .map_err(|e| format!("cannot read the database key file {}: {e}", path.display()))?;
        let key = DatabaseKey::parse(&text)
            .map_err(|e| format!("the database key file {}: {e}", path.display()))?;
        let mut warning = None;
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt;
            if let Ok(meta) = std::fs::metadata(path) {
                if meta.permissions().mode() & 0o077 != 0 {
                    warning = Some(format!(
                        "the database key file {} can be read by others than its owner \
                         (chmod 600 it)",
                        path.display()
                    ));
                }
            }
        }
        Ok((key, warning))
    }

    /// A new random key (the operating system's generator).
    pub fn generate() -> DatabaseKey {
        use rand::RngCore;
        let mut bytes = [0u8; 32];
        rand::rngs::OsRng.fill_bytes(&mut bytes);
        DatabaseKey(hex::encode(bytes))
    }

    /// Writes the key to a new file readable by its owner only; an existing file is
    /// never overwritten.
    pub fn write_new_file(&self, path: &Path) -> std::io::Result<()> {
        use std::io::Write;
        let mut f = new_private_file(path)?;
        f.write_all(format!("{}\n", self.0).as_bytes())?;
        f.sync_all()
    }

    /// The value of `PRAGMA key` / `PRAGMA rekey`: SQLCipher's raw-key form, used as the
    /// AES-256 key directly (no key derivation).
    pub(super) fn pragma(&self) -> String {
        format!("\"x'{}'\"", self.0)
    }
}

/// Creates `path` (which must not exist) readable and writable by its owner only.
pub(super) fn new_private_file(path: &Path) -> std::io::Result<std::fs::File> {
    let mut options = std::fs::OpenOptions::new();
    options.write(true).create_new(true);
    #[cfg(unix)]
    std::os::unix::fs::OpenOptionsExt::mode(&mut options, 0o600);
    options.open(path)
}

/// Why a database was not opened.
#[derive(Debug, thiserror::Error)]
pub enum OpenError {
    #[error(
        "the database key does not open {}: wrong key, or the file is not a seqhealth database",
        .0.display()
    )]
    WrongKey(PathBuf),
    #[error(
        "{} is encrypted (or is not a SQLite database) and no key was given: give its key \
         with --database-key-file <file> or SEQHEALTH_DATABASE_KEY",
        .0.display()
    )]
    KeyNeeded(PathBuf),
    #[error(
        "{} is not encrypted, but a database key was given: to encrypt it, stop the server \
         and run `seqhealth-server rekey --new-key-file <file>` without a key; to open it \
         unencrypted, give no key",
        .0.display()
    )]
    NotEncrypted(PathBuf),
    #[error("there is no database at {}", .0.display())]
    Missing(PathBuf),
    #[error(
        "{} is in use (a running server?): stop it first; this needs the database to itself",
        .0.display()
    )]
    InUse(PathBuf),
    #[error("this build's SQLite is not SQLCipher: it cannot encrypt the database")]
    NoCipher,
    #[error("database {what}: {source}")]
    Sqlx {
        what: String,
        #[source]
        source: sqlx::Error,
    },
    #[error("{0}")]
    Other(String),
}

pub(super) fn sqlx_err(what: impl fmt::Display) -> impl FnOnce(sqlx::Error) -> OpenError {
    let what = what.to_string();
    move |source| OpenError::Sqlx { what, source }
}

/// The primary SQLite result code of a database error.
pub(super) fn sqlite_code(e: &sqlx::Error) -> Option<i64> {
    let code = e.as_database_error()?.code()?;
    code.parse::<i64>().ok().map(|c| c & 0xff)
}

/// Tells what the database of `url` is and whether `key` opens it, without writing to it
/// (an existing file is opened read-only and only read).
pub async fn check(url: &str, key: Option<&DatabaseKey>) -> Result<AtRest, OpenError> {
    if key.is_some() && cipher_version().await.is_none() {
        return Err(OpenError::NoCipher);
    }
    match file_of(url)? {
        None => Ok(AtRest::New),
        Some(path) => check_file(&path, key).await,
    }
}

pub(super) async fn check_file(
    path: &Path,
    key: Option<&DatabaseKey>,
) -> Result<AtRest, OpenError> {
    let header = match std::fs::File::open(path) {
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(AtRest::New),
        Err(e) => {
            return Err(OpenError::Other(format!(
                "cannot read {}: {e}",
                path.display()
            )))
        }
        Ok(mut f) => {
            use std::io::Read;
            let mut buf = Vec::with_capacity(16);
            f.by_ref()
                .take(16)
                .read_to_end(&mut buf)
                .map_err(|e| OpenError::Other(format!("cannot read {}: {e}", path.display())))?;
            buf
        }
    };
    // An empty file is new, unless its WAL holds what was never checkpointed into it
    // (then only opening it can tell whether the key is right).
    let wal = file_len(&sidecar(path, "-wal")) > 0;
    if header.is_empty() && !wal {
        return Ok(AtRest::New);
    }
    let plain = match header.is_empty() {
        true => key.is_none(),
        false => header == PLAIN_HEADER,
    };
    match (plain, key, header.is_empty()) {
        (true, Some(_), false) => return Err(OpenError::NotEncrypted(path.to_path_buf())),
        (false, None, false) => return Err(OpenError::KeyNeeded(path.to_path_buf())),
        // A plain file's header says it all: no key to test. Nor is it read: a live server
        // (an operator's `users disable` beside it) may be checkpointing its WAL into the
        // file, which read without the WAL can look malformed.
        (true, None, false) => return Ok(AtRest::Plain),
        _ => {}
    }
    // Read-only and, when the file has its first page, immutable: SQLite then reads that
    // page from the file itself and nothing else (it neither opens the WAL nor creates the
    // shared-memory index), so whatever the key, nothing on disk changes. Decrypting page 1
    // is the test of the key; `schema_version` reads only that page.
    let mut options = SqliteConnectOptions::new()
        .filename(path)
        .read_only(true)
        .immutable(!header.is_empty())
        .create_if_missing(false);
    if let Some(key) = key {
        options = options.pragma("key", key.pragma());
    }
    let wrong = || match key {
        Some(_) => OpenError::WrongKey(path.to_path_buf()),
        None => OpenError::KeyNeeded(path.to_path_buf()),
    };
    // A live server may be rewriting page 1 (a checkpoint) as it is read: a page that does
    // not decrypt is read again before the key is called wrong.
    let mut attempts = 0;
    loop {
        attempts += 1;
        let read = match options.connect().await {
            Ok(mut conn) => {
                let read = sqlx::query_scalar::<_, i64>("PRAGMA schema_version")
                    .fetch_one(&mut conn)
                    .await;
                let _ = conn.close().await;
                read
            }
            Err(e) => Err(e),
        };
        match read {
            Ok(_) if plain => return Ok(AtRest::Plain),
            Ok(_) => return Ok(AtRest::Encrypted),
            // Page 1 mid-rewrite: not a database yet, or one that looks malformed.
            Err(e) if matches!(sqlite_code(&e), Some(SQLITE_NOTADB | SQLITE_CORRUPT)) => {
                if attempts == 3 {
                    return Err(wrong());
                }
                tokio::time::sleep(Duration::from_millis(20)).await;
            }
            Err(e) => return Err(sqlx_err(path.display())(e)),
        }
    }
}

/// The database file of `url` for an operation on an existing file: it must exist and
/// `key` must open it.
pub(super) async fn existing(
    url: &str,
    key: Option<&DatabaseKey>,
) -> Result<(PathBuf, AtRest), OpenError> {
    let path = file_of(url)?
        .ok_or_else(|| OpenError::Other("an in-memory database has no file".into()))?;
    match check(url, key).await? {
        AtRest::New => Err(OpenError::Missing(path)),
        at_rest => Ok((path, at_rest)),
    }
}

/// One connection to an existing file, `key` set first.
pub(super) async fn single(
    path: &Path,
    key: Option<&DatabaseKey>,
) -> Result<SqliteConnection, OpenError> {
    let mut options = SqliteConnectOptions::new()
        .filename(path)
        .create_if_missing(false)
        .busy_timeout(Duration::from_secs(10));
    if let Some(key) = key {
        options = options.pragma("key", key.pragma());
    }
    options.connect().await.map_err(sqlx_err(path.display()))
}

/// One connection holding the file to itself: it fails (as [`OpenError::InUse`]) while
/// any other connection, in this process or another, has the database open, and keeps
/// others out until it is closed. The file is left in rollback-journal mode (no WAL).
pub(super) async fn exclusive(
    path: &Path,
    key: Option<&DatabaseKey>,
) -> Result<SqliteConnection, OpenError> {
    let mut options = SqliteConnectOptions::new()
        .filename(path)
        .create_if_missing(false)
        .busy_timeout(Duration::from_secs(2))
        .locking_mode(SqliteLockingMode::Exclusive)
        // Leaving WAL mode needs every other connection closed; it also checkpoints the
        // WAL into the file and deletes it.
        .journal_mode(SqliteJournalMode::Delete);
    if let Some(key) = key {
        options = options.pragma("key", key.pragma());
    }
    let mut conn = match options.connect().await {
        Ok(c) => c,
        Err(e) if sqlite_code(&e) == Some(SQLITE_BUSY) => {
            return Err(OpenError::InUse(path.to_path_buf()))
        }
        Err(e) => return Err(sqlx_err(path.display())(e)),
    };
    // A write lock, held (exclusive locking mode) until the connection closes.
    let locked = sqlx::query("BEGIN EXCLUSIVE; COMMIT;")
        .execute(&mut conn)
        .await;
    match locked {
        Ok(_) => Ok(conn),
        Err(e) if sqlite_code(&e) == Some(SQLITE_BUSY) => Err(OpenError::InUse(path.to_path_buf())),
        Err(e) => Err(sqlx_err(path.display())(e)),
    }
}

/// The database file of `url`, or `None` for an in-memory database.
pub fn file_of(url: &str) -> Result<Option<PathBuf>, OpenError> {
    if url.contains(":memory:") || url.contains("mode=memory") {
        return Ok(None);
    }
    let options = SqliteConnectOptions::from_str(url).map_err(sqlx_err(url))?;
    Ok(Some(options.get_filename().to_path_buf()))
}

/// What the file at a database URL is, as far as can be told without writing to it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum AtRest {
    /// No file yet (or an empty one), or an in-memory database: made on first use.
    New,
    /// An unencrypted SQLite file.
    Plain,
    /// An encrypted file that the given key opens.
    Encrypted,
    /// A PostgreSQL server: encryption at rest is its volume's.
    Server,
}

/// The SQLCipher version this build links (`PRAGMA cipher_version`), `None` if plain SQLite.
pub async fn cipher_version() -> Option<String> {
    let mut conn = SqliteConnectOptions::from_str("sqlite::memory:")
        .ok()?
        .connect()
        .await
        .ok()?;
    let v: Option<String> = sqlx::query_scalar("PRAGMA cipher_version")
        .fetch_optional(&mut conn)
        .await
        .ok()
        .flatten();
    let _ = conn.close().await;
    v.filter(|v| !v.is_empty())
}

pub(super) fn file_len(path: &Path) -> u64 {
    std::fs::metadata(path).map(|m| m.len()).unwrap_or(0)
}

pub(super) fn sidecar(path: &Path, suffix: &str) -> PathBuf {
    let mut s = path.as_os_str().to_owned();
    s.push(suffix);
    PathBuf::from(s)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn keys_are_64_hex_digits_and_never_printed() {
        let k = DatabaseKey::parse(&format!("  {}\n", "Ab".repeat(32))).unwrap();
        assert_eq!(k.pragma(), format!("\"x'{}'\"", "ab".repeat(32)));
        assert_eq!(format!("{k:?}"), "DatabaseKey(…)");
        assert!(DatabaseKey::parse("correct horse battery staple").is_err());
        assert!(DatabaseKey::parse(&"g".repeat(64)).is_err());
        assert!(DatabaseKey::parse(&"a".repeat(63)).is_err());
        assert_ne!(DatabaseKey::generate(), DatabaseKey::generate());
    }

    #[tokio::test]
    async fn sqlcipher_is_linked() {
        let v = cipher_version()
            .await
            .expect("PRAGMA cipher_version answers");
        assert!(v.starts_with('4'), "{v}");
    }
}
