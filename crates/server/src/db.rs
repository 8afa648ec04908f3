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

use sqlx::any::{AnyConnectOptions, AnyPoolOptions};
use sqlx::sqlite::{SqliteConnectOptions, SqliteJournalMode, SqliteLockingMode};
use sqlx::{AnyConnection, AnyPool, ConnectOptions, Connection, SqliteConnection};
use std::fmt;
use std::path::{Path, PathBuf};
use std::str::FromStr;
use std::time::Duration;

/// The first 16 bytes of every unencrypted SQLite database file.
const PLAIN_HEADER: &[u8; 16] = b"SQLite format 3\0";
/// SQLITE_BUSY and SQLITE_NOTADB (primary result codes).
const SQLITE_BUSY: i64 = 5;
const SQLITE_NOTADB: i64 = 26;

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
    fn pragma(&self) -> String {
        format!("\"x'{}'\"", self.0)
    }
}

/// Creates `path` (which must not exist) readable and writable by its owner only.
fn new_private_file(path: &Path) -> std::io::Result<std::fs::File> {
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

fn sqlx_err(what: impl fmt::Display) -> impl FnOnce(sqlx::Error) -> OpenError {
    let what = what.to_string();
    move |source| OpenError::Sqlx { what, source }
}

/// The primary SQLite result code of a database error.
fn sqlite_code(e: &sqlx::Error) -> Option<i64> {
    let code = e.as_database_error()?.code()?;
    code.parse::<i64>().ok().map(|c| c & 0xff)
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

/// Which database a URL names: the embedded SQLite file (the default) or a PostgreSQL
/// server shared by several server processes. The same queries run on both: numbered
/// parameters (`$1`), portable SQL, and one schema written in each dialect.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Backend {
    Sqlite,
    Postgres,
}

impl Backend {
    pub fn of_url(url: &str) -> Backend {
        if url.starts_with("postgres://") || url.starts_with("postgresql://") {
            Backend::Postgres
        } else {
            Backend::Sqlite
        }
    }

    pub fn of(conn: &AnyConnection) -> Backend {
        match conn.backend_name() {
            "PostgreSQL" => Backend::Postgres,
            _ => Backend::Sqlite,
        }
    }
}

/// The SQLite settings of every pooled connection, `key` first: SQLCipher must have the
/// key before anything reads the file. (sqlx's Any driver takes only a URL, so these are
/// statements run as each connection opens rather than connect options.)
fn sqlite_session(key: Option<&DatabaseKey>) -> String {
    let mut sql = String::new();
    if let Some(key) = key {
        sql.push_str(&format!("PRAGMA key = {};\n", key.pragma()));
    }
    // WAL: readers never wait for the ingest writer; a crash loses no committed batch.
    sql.push_str(
        "PRAGMA journal_mode = WAL;\nPRAGMA synchronous = NORMAL;\n\
         PRAGMA foreign_keys = ON;\nPRAGMA busy_timeout = 10000;",
    );
    sql
}

/// Settings for one native SQLite connection to `url` (outside the pool: tools that
/// read the file directly), `key` set first.
pub fn options(url: &str, key: Option<&DatabaseKey>) -> Result<SqliteConnectOptions, sqlx::Error> {
    let mut options = SqliteConnectOptions::from_str(url)?
        .create_if_missing(true)
        .journal_mode(SqliteJournalMode::Wal)
        .foreign_keys(true)
        .busy_timeout(Duration::from_secs(10));
    if let Some(key) = key {
        // sqlx runs `key` before every other pragma of a new connection.
        options = options.pragma("key", key.pragma());
    }
    Ok(options)
}

/// The Any driver's URL for a SQLite database: created when missing.
fn any_sqlite_url(url: &str) -> String {
    if url.contains(":memory:") || url.contains("mode=") {
        return url.to_string();
    }
    let sep = if url.contains('?') { '&' } else { '?' };
    format!("{url}{sep}mode=rwc")
}

/// Opens (creating if missing) an unencrypted SQLite database, or a PostgreSQL database,
/// and migrates it; no checks. For tests and tools; the server uses [`open`].
pub async fn connect(url: &str) -> Result<AnyPool, sqlx::Error> {
    connect_with(url, None).await
}

async fn connect_with(url: &str, key: Option<&DatabaseKey>) -> Result<AnyPool, sqlx::Error> {
    sqlx::any::install_default_drivers();
    let backend = Backend::of_url(url);
    let options = match backend {
        Backend::Sqlite => AnyConnectOptions::from_str(&any_sqlite_url(url))?,
        Backend::Postgres => AnyConnectOptions::from_str(url)?,
    }
    // Statements are not logged: a key is one of them, readings are most of the rest.
    .disable_statement_logging();
    let session = sqlite_session(key);
    let pool = pool_options()
        .max_connections(match backend {
            Backend::Sqlite => 8,
            Backend::Postgres => 16,
        })
        .after_connect(move |conn, _| {
            let session = session.clone();
            Box::pin(async move {
                if Backend::of(conn) == Backend::Sqlite {
                    sqlx::Executor::execute(&mut *conn, sqlx::raw_sql(&session)).await?;
                }
                Ok(())
            })
        })
        .connect_with(options)
        .await?;
    match backend {
        Backend::Sqlite => sqlx::migrate!("./migrations").run(&pool).await?,
        Backend::Postgres => sqlx::migrate!("./migrations-postgres").run(&pool).await?,
    }
    Ok(pool)
}

/// Whether a PostgreSQL connection is encrypted (TLS); `None` for SQLite, which has no
/// connection to encrypt.
pub async fn postgres_tls(pool: &AnyPool) -> Result<Option<bool>, sqlx::Error> {
    let mut conn = pool.acquire().await?;
    if Backend::of(&conn) != Backend::Postgres {
        return Ok(None);
    }
    let ssl: Option<bool> =
        sqlx::query_scalar("SELECT ssl FROM pg_stat_ssl WHERE pid = pg_backend_pid()")
            .fetch_optional(&mut *conn)
            .await?;
    Ok(Some(ssl.unwrap_or(false)))
}

/// Opens the pool and migrates. For SQLite it first checks the file against `key`
/// ([`check`]), and every connection gets the key: nothing is written to the file unless
/// the check passes. PostgreSQL takes no key (its data at rest is the volume's to protect).
pub async fn open(url: &str, key: Option<&DatabaseKey>) -> Result<(AnyPool, AtRest), OpenError> {
    if Backend::of_url(url) == Backend::Postgres {
        if key.is_some() {
            return Err(OpenError::Other(
                "a database key is for the embedded SQLite database; PostgreSQL's data at \
                 rest is protected by its volume's encryption (see the README's Security)"
                    .into(),
            ));
        }
        let pool = connect_with(url, None)
            .await
            .map_err(sqlx_err(redact(url)))?;
        return Ok((pool, AtRest::Server));
    }
    let at_rest = check(url, key).await?;
    // A new database file is readable by its owner only (its WAL and shared-memory files
    // take the same mode), whatever the umask.
    if let Some(path) = file_of(url)?.filter(|p| !p.exists()) {
        new_private_file(&path)
            .map_err(|e| OpenError::Other(format!("cannot create {}: {e}", path.display())))?;
    }
    let pool = connect_with(url, key).await.map_err(|e| {
        // Only when the file was empty but its WAL was not could the check pass a wrong key.
        match (sqlite_code(&e), file_of(url)) {
            (Some(SQLITE_NOTADB), Ok(Some(path))) if key.is_some() => OpenError::WrongKey(path),
            (Some(SQLITE_NOTADB), Ok(Some(path))) => OpenError::KeyNeeded(path),
            _ => sqlx_err(url)(e),
        }
    })?;
    Ok((pool, at_rest))
}

/// A database URL fit for a message: its password, if any, replaced by `***`.
pub fn redact(url: &str) -> String {
    match sqlx::any::AnyConnectOptions::from_str(url).map(|o| o.database_url) {
        Ok(mut u) if u.password().is_some() => {
            let _ = u.set_password(Some("***"));
            u.to_string()
        }
        _ => url.to_string(),
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

async fn check_file(path: &Path, key: Option<&DatabaseKey>) -> Result<AtRest, OpenError> {
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
            Err(e) if sqlite_code(&e) == Some(SQLITE_NOTADB) => {
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
async fn existing(url: &str, key: Option<&DatabaseKey>) -> Result<(PathBuf, AtRest), OpenError> {
    let path = file_of(url)?
        .ok_or_else(|| OpenError::Other("an in-memory database has no file".into()))?;
    match check(url, key).await? {
        AtRest::New => Err(OpenError::Missing(path)),
        at_rest => Ok((path, at_rest)),
    }
}

/// One connection to an existing file, `key` set first.
async fn single(path: &Path, key: Option<&DatabaseKey>) -> Result<SqliteConnection, OpenError> {
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
async fn exclusive(path: &Path, key: Option<&DatabaseKey>) -> Result<SqliteConnection, OpenError> {
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

/// Every user table of a database and its row count, by name.
pub type TableCounts = Vec<(String, i64)>;

async fn table_counts(conn: &mut SqliteConnection) -> Result<TableCounts, sqlx::Error> {
    let names: Vec<String> = sqlx::query_scalar(
        "SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%'
         ORDER BY name",
    )
    .fetch_all(&mut *conn)
    .await?;
    let mut out = Vec::new();
    for name in names {
        let n: i64 = sqlx::query_scalar(&format!(
            "SELECT COUNT(*) FROM \"{}\"",
            name.replace('"', "\"\"")
        ))
        .fetch_one(&mut *conn)
        .await?;
        out.push((name, n));
    }
    Ok(out)
}

/// Opens `path` with `key` and checks it whole: SQLite's structure (`quick_check`) and,
/// encrypted, every page's HMAC (`cipher_integrity_check`). Returns what it is and its
/// tables' row counts.
async fn verify(
    path: &Path,
    key: Option<&DatabaseKey>,
) -> Result<(AtRest, TableCounts), OpenError> {
    let what = path.display().to_string();
    let at_rest = check_file(path, key).await?;
    let mut conn = single(path, key).await?;
    let quick: Vec<String> = sqlx::query_scalar("PRAGMA quick_check")
        .fetch_all(&mut conn)
        .await
        .map_err(sqlx_err(&what))?;
    if quick != ["ok"] {
        return Err(OpenError::Other(format!(
            "{what} fails SQLite's check: {}",
            quick.join("; ")
        )));
    }
    if key.is_some() {
        let bad: Vec<String> = sqlx::query_scalar("PRAGMA cipher_integrity_check")
            .fetch_all(&mut conn)
            .await
            .map_err(sqlx_err(&what))?;
        if !bad.is_empty() {
            return Err(OpenError::Other(format!(
                "{what} has pages that fail their HMAC: {}",
                bad.join("; ")
            )));
        }
    }
    let counts = table_counts(&mut conn).await.map_err(sqlx_err(&what))?;
    let _ = conn.close().await;
    Ok((at_rest, counts))
}

/// `VACUUM INTO` `dest` (created here, owner-only; it must not exist): a consistent copy
/// of the database as of one read transaction, written while others keep writing (WAL).
/// Under SQLCipher the copy is encrypted with the source's key.
async fn vacuum_into(conn: &mut SqliteConnection, dest: &Path) -> Result<(), OpenError> {
    new_private_file(dest).map_err(|e| {
        OpenError::Other(match e.kind() {
            std::io::ErrorKind::AlreadyExists => {
                format!("{} already exists: it is never overwritten", dest.display())
            }
            _ => format!("cannot create {}: {e}", dest.display()),
        })
    })?;
    let dest_str = dest
        .to_str()
        .ok_or_else(|| OpenError::Other(format!("{} is not UTF-8", dest.display())))?;
    let done = sqlx::query("VACUUM INTO $1")
        .bind(dest_str)
        .execute(&mut *conn)
        .await;
    if let Err(e) = done {
        let _ = std::fs::remove_file(dest);
        return Err(sqlx_err(format_args!("copy into {}", dest.display()))(e));
    }
    sync_file(dest)
}

fn sync_file(path: &Path) -> Result<(), OpenError> {
    std::fs::File::open(path)
        .and_then(|f| f.sync_all())
        .map_err(|e| OpenError::Other(format!("cannot sync {}: {e}", path.display())))
}

/// Refuses a copy that came out unencrypted from an encrypted database.
fn ensure_encrypted(path: &Path, key: Option<&DatabaseKey>) -> Result<(), OpenError> {
    if key.is_none() {
        return Ok(());
    }
    let mut header = [0u8; 16];
    use std::io::Read;
    std::fs::File::open(path)
        .and_then(|mut f| f.read_exact(&mut header))
        .map_err(|e| OpenError::Other(format!("cannot read {}: {e}", path.display())))?;
    if &header == PLAIN_HEADER {
        let _ = std::fs::remove_file(path);
        return Err(OpenError::Other(format!(
            "the copy {} came out unencrypted; removed",
            path.display()
        )));
    }
    Ok(())
}

/// What a backup or restore wrote, checked by reopening it.
#[derive(Debug)]
pub struct Copied {
    pub path: PathBuf,
    pub at_rest: AtRest,
    pub tables: TableCounts,
    pub bytes: u64,
}

/// Copies the live database of `url` to `dest` (a new file) while the server keeps
/// serving and ingesting: one read transaction, so the copy is consistent as of its start.
/// Encrypted with the same key when the database is. The copy is reopened and checked.
pub async fn backup(
    url: &str,
    key: Option<&DatabaseKey>,
    dest: &Path,
) -> Result<Copied, OpenError> {
    let (path, at_rest) = existing(url, key).await?;
    let mut conn = single(&path, key).await?;
    let copied = vacuum_into(&mut conn, dest).await;
    let _ = conn.close().await;
    copied?;
    ensure_encrypted(dest, key)?;
    let (_, tables) = verify(dest, key).await?;
    Ok(Copied {
        path: dest.to_path_buf(),
        at_rest,
        tables,
        bytes: file_len(dest),
    })
}

fn file_len(path: &Path) -> u64 {
    std::fs::metadata(path).map(|m| m.len()).unwrap_or(0)
}

/// Brings the backup `src` back as the database of `url`. `key` must open the backup (the
/// key of the database when the backup was made). An existing database there is replaced
/// only with `force`, and only when no one has it open; the file appears whole or not at
/// all (written beside it, then renamed over it).
pub async fn restore(
    url: &str,
    key: Option<&DatabaseKey>,
    src: &Path,
    force: bool,
) -> Result<Copied, OpenError> {
    let target = file_of(url)?
        .ok_or_else(|| OpenError::Other("cannot restore into an in-memory database".into()))?;
    if same_file(src, &target) {
        return Err(OpenError::Other(format!(
            "{} is the database itself, not a backup of it",
            src.display()
        )));
    }
    if !src.is_file() {
        return Err(OpenError::Other(format!(
            "there is no backup at {}",
            src.display()
        )));
    }
    let (at_rest, _) = verify(src, key).await?;
    // Holds an existing database to itself until the new file is in place.
    let mut held = None;
    if file_len(&target) > 0 {
        if !force {
            return Err(OpenError::Other(format!(
                "{} already exists: restore never replaces a database unless given --force \
                 (stop the server first)",
                target.display()
            )));
        }
        check_file(&target, key).await.map_err(|e| {
            OpenError::Other(format!(
                "{e}; restore --force replaces only a database its key opens"
            ))
        })?;
        held = Some(exclusive(&target, key).await?);
    }
    for suffix in ["-wal", "-shm", "-journal"] {
        let side = sidecar(&target, suffix);
        if held.is_none() && side.exists() {
            return Err(OpenError::Other(format!(
                "{} exists without its database: remove it first",
                side.display()
            )));
        }
    }
    let tmp = sidecar(&target, &format!(".restoring-{}", std::process::id()));
    let mut conn = single(src, key).await?;
    let copied = vacuum_into(&mut conn, &tmp).await;
    let _ = conn.close().await;
    copied?;
    let placed = ensure_encrypted(&tmp, key).and_then(|()| {
        std::fs::rename(&tmp, &target).map_err(|e| {
            OpenError::Other(format!(
                "cannot move {} to {}: {e}",
                tmp.display(),
                target.display()
            ))
        })
    });
    if let Err(e) = placed {
        let _ = std::fs::remove_file(&tmp);
        return Err(e);
    }
    if let Some(parent) = target.parent() {
        let _ = std::fs::File::open(if parent.as_os_str().is_empty() {
            Path::new(".")
        } else {
            parent
        })
        .and_then(|d| d.sync_all());
    }
    if let Some(conn) = held {
        let _ = conn.close().await;
    }
    let (_, tables) = verify(&target, key).await?;
    Ok(Copied {
        path: target.clone(),
        at_rest,
        tables,
        bytes: file_len(&target),
    })
}

fn sidecar(path: &Path, suffix: &str) -> PathBuf {
    let mut s = path.as_os_str().to_owned();
    s.push(suffix);
    PathBuf::from(s)
}

fn same_file(a: &Path, b: &Path) -> bool {
    match (a.canonicalize(), b.canonicalize()) {
        (Ok(a), Ok(b)) => a == b,
        _ => false,
    }
}

/// Re-encrypts the database of `url` with `new`, keeping every row. `old` is its current
/// key; `None` encrypts an unencrypted database. Needs the database to itself (the server
/// stopped). Afterwards only `new` opens it (and old backups still need their old key).
pub async fn rekey(
    url: &str,
    old: Option<&DatabaseKey>,
    new: &DatabaseKey,
) -> Result<TableCounts, OpenError> {
    if old == Some(new) {
        return Err(OpenError::Other(
            "the new key is the current key: nothing to do".into(),
        ));
    }
    let (path, _) = existing(url, old).await?;
    let before = {
        let mut conn = exclusive(&path, old).await?;
        let before = table_counts(&mut conn)
            .await
            .map_err(sqlx_err(path.display()))?;
        match old {
            // Rewrites every page under the new key, in one transaction (rollback journal:
            // `exclusive` left WAL mode).
            Some(_) => {
                sqlx::query(&format!("PRAGMA rekey = {}", new.pragma()))
                    .execute(&mut conn)
                    .await
                    .map_err(sqlx_err(format_args!("rekey of {}", path.display())))?;
                let _ = conn.close().await;
            }
            // SQLCipher cannot rekey a plain file in place: export it into a new encrypted
            // file, then rename that over it while the old one is still held.
            None => {
                let tmp = sidecar(&path, &format!(".encrypting-{}", std::process::id()));
                let result = export_encrypted(&mut conn, &tmp, new).await.and_then(|()| {
                    std::fs::rename(&tmp, &path).map_err(|e| {
                        OpenError::Other(format!(
                            "cannot move {} to {}: {e}",
                            tmp.display(),
                            path.display()
                        ))
                    })
                });
                if result.is_err() {
                    let _ = std::fs::remove_file(&tmp);
                }
                let _ = conn.close().await;
                result?;
            }
        }
        before
    };
    // Back to WAL, as the server runs it, and check every row is there.
    let mut conn = single(&path, Some(new)).await?;
    sqlx::query("PRAGMA journal_mode = WAL")
        .execute(&mut conn)
        .await
        .map_err(sqlx_err(path.display()))?;
    let _ = conn.close().await;
    let (_, after) = verify(&path, Some(new)).await?;
    if after != before {
        return Err(OpenError::Other(format!(
            "{}: the tables differ after the rekey: {before:?} before, {after:?} after",
            path.display()
        )));
    }
    Ok(after)
}

async fn export_encrypted(
    conn: &mut SqliteConnection,
    dest: &Path,
    key: &DatabaseKey,
) -> Result<(), OpenError> {
    drop(
        new_private_file(dest)
            .map_err(|e| OpenError::Other(format!("cannot create {}: {e}", dest.display())))?,
    );
    let dest_str = dest
        .to_str()
        .ok_or_else(|| OpenError::Other(format!("{} is not UTF-8", dest.display())))?;
    let what = format!("export into {}", dest.display());
    sqlx::query(&format!(
        "ATTACH DATABASE ? AS encrypted KEY {}",
        key.pragma()
    ))
    .bind(dest_str)
    .execute(&mut *conn)
    .await
    .map_err(sqlx_err(&what))?;
    let exported = sqlx::query("SELECT sqlcipher_export('encrypted')")
        .execute(&mut *conn)
        .await;
    let detached = sqlx::query("DETACH DATABASE encrypted")
        .execute(&mut *conn)
        .await;
    exported.map_err(sqlx_err(&what))?;
    detached.map_err(sqlx_err(&what))?;
    ensure_encrypted(dest, Some(key))?;
    sync_file(dest)
}

/// The pool settings every server pool needs. A connection that still believes it is in a
/// transaction when it comes back is closed, not reused: after SQLITE_FULL or an I/O error
/// SQLite rolls the transaction back by itself, sqlx's own ROLLBACK then fails and leaves
/// its transaction depth at 1, and every later `BEGIN IMMEDIATE` on that connection would
/// be refused (InvalidSavePointStatement) long after the disk has room again.
pub fn pool_options() -> AnyPoolOptions {
    AnyPoolOptions::new().after_release(|conn, _| {
        Box::pin(async move {
            conn.ping().await?;
            Ok(!conn.is_in_transaction())
        })
    })
}

pub fn to_time(secs: i64) -> chrono::DateTime<chrono::Utc> {
    chrono::DateTime::from_timestamp(secs, 0).unwrap_or_default()
}

/// A transaction that takes the write lock at once. A read-then-write transaction
/// started the usual (deferred) way fails with SQLITE_BUSY when another writer commits in
/// between; this one waits its turn (busy timeout) and then sees the other's change.
pub async fn begin_write(
    db: &AnyPool,
) -> Result<sqlx::Transaction<'static, sqlx::Any>, sqlx::Error> {
    match backend(db) {
        // SQLite has one writer: take the write lock at the start, not at the first write.
        Backend::Sqlite => db.begin_with("BEGIN IMMEDIATE").await,
        // PostgreSQL: writers queue on one advisory lock, held to the end of the
        // transaction, so a read-then-write (a conditional transition, a version bump)
        // sees what the previous writer committed, exactly as with SQLite.
        Backend::Postgres => {
            let mut tx = db.begin().await?;
            sqlx::query("SELECT pg_advisory_xact_lock($1)")
                .bind(WRITE_LOCK)
                .execute(&mut *tx)
                .await?;
            Ok(tx)
        }
    }
}

/// The backend of a pool.
pub fn backend(db: &AnyPool) -> Backend {
    Backend::of_url(db.connect_options().database_url.as_str())
}

/// The advisory lock every PostgreSQL write transaction takes (an arbitrary constant).
const WRITE_LOCK: i64 = 0x5e9_4ea1;

/// `$first, $first+1, …` for `n` parameters (an `IN (…)` list).
pub fn placeholders(first: usize, n: usize) -> String {
    (first..first + n)
        .map(|i| format!("${i}"))
        .collect::<Vec<_>>()
        .join(", ")
}

/// `VALUES (…), (…), …` for `rows` rows of `cols` parameters, bound in order: a multi-row
/// insert. PostgreSQL gets numbered parameters (`$1`, …); SQLite gets anonymous ones (`?`),
/// because sqlx asks SQLite each parameter's name before binding and SQLite finds a name
/// by a linear scan: with numbered names a 1,000-row insert cost O(n²) lookups, a third
/// of ingest's CPU.
pub fn values(backend: Backend, rows: usize, cols: usize) -> String {
    let mut sql = String::from("VALUES ");
    let row = |r: usize| match backend {
        Backend::Postgres => placeholders(r * cols + 1, cols),
        Backend::Sqlite => vec!["?"; cols].join(", "),
    };
    for r in 0..rows {
        if r > 0 {
            sql.push_str(", ");
        }
        sql.push('(');
        sql.push_str(&row(r));
        sql.push(')');
    }
    sql
}

/// SQL returning the rows of the subquery `rows` as one JSON text: an array with one
/// array of `columns` per row, built by the database. sqlx hands each row of a result
/// over separately, which dominated reads of a few hundred rows (a year of runs, 1 client:
/// 1.5 → 0.8 ms; 50 clients: p95 86 → 18 ms); one row of JSON is handed over once. The
/// order of the rows is not promised: the caller sorts.
pub fn json_rows(backend: Backend, columns: &str, rows: &str) -> String {
    match backend {
        Backend::Sqlite => {
            format!("SELECT json_group_array(json_array({columns})) FROM ({rows}) AS r")
        }
        Backend::Postgres => format!(
            "SELECT COALESCE(json_agg(json_build_array({columns})), '[]')::text FROM ({rows}) AS r"
        ),
    }
}

/// A REAL column as [`json_rows`] should carry it: SQLite's JSON writes 15 significant
/// digits, which loses the last bits of some values (0.1 + 0.2), so there it goes as 17
/// digits of text, which round-trip; PostgreSQL's JSON writes the shortest exact form.
/// Read it as an [`Real`].
pub fn json_real(backend: Backend, column: &str) -> String {
    match backend {
        Backend::Sqlite => {
            format!("CASE WHEN {column} IS NULL THEN NULL ELSE printf('%!.17g', {column}) END")
        }
        Backend::Postgres => column.to_string(),
    }
}

/// A float from [`json_real`]: a JSON number, or the text of one.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Real(pub f64);

impl<'de> serde::Deserialize<'de> for Real {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        #[derive(serde::Deserialize)]
        #[serde(untagged)]
        enum Either {
            Number(f64),
            Text(String),
        }
        match Either::deserialize(d)? {
            Either::Number(f) => Ok(Real(f)),
            Either::Text(t) => t
                .parse()
                .map(Real)
                .map_err(|_| serde::de::Error::custom(format!("not a number: {t:?}"))),
        }
    }
}

/// The rows [`json_rows`] returned, each a tuple (or anything an array deserializes to).
pub fn parse_json_rows<T: serde::de::DeserializeOwned>(
    text: Option<String>,
) -> Result<Vec<T>, serde_json::Error> {
    serde_json::from_str(text.as_deref().unwrap_or("[]"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn multi_row_values_are_numbered_on_postgres_and_anonymous_on_sqlite() {
        assert_eq!(
            values(Backend::Postgres, 2, 3),
            "VALUES ($1, $2, $3), ($4, $5, $6)"
        );
        assert_eq!(values(Backend::Sqlite, 2, 3), "VALUES (?, ?, ?), (?, ?, ?)");
        assert_eq!(values(Backend::Sqlite, 1, 1), "VALUES (?)");
    }

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
    async fn rows_come_back_as_json_with_every_float_exact() {
        let db = connect("sqlite::memory:").await.unwrap();
        let mut floats = vec![
            0.1 + 0.2,
            1.0 / 3.0,
            84.2,
            2.0f64.powi(-30) * 3.0,
            -2576.55,
            1e300,
        ];
        // And a few hundred of every magnitude, from a fixed xorshift.
        let mut x = 0x9e37_79b9_7f4a_7c15u64;
        for _ in 0..300 {
            x ^= x << 13;
            x ^= x >> 7;
            x ^= x << 17;
            let f = f64::from_bits(x);
            if f.is_finite() && f != 0.0 {
                floats.push(f);
            }
        }
        let mut sql = String::from("SELECT 1 AS k, NULL AS v, 'a\"b' AS s");
        for (i, f) in floats.iter().enumerate() {
            sql.push_str(&format!(" UNION ALL SELECT {}, {f:e}, 'x'", i + 2));
        }
        let columns = format!("k, {}, s", json_real(Backend::Sqlite, "v"));
        let text: Option<String> = sqlx::query_scalar(&json_rows(Backend::Sqlite, &columns, &sql))
            .fetch_one(&db)
            .await
            .unwrap();
        let mut rows: Vec<(i64, Option<Real>, String)> = parse_json_rows(text).unwrap();
        rows.sort_by_key(|r| r.0);
        assert_eq!(rows[0], (1, None, "a\"b".to_string()));
        assert_eq!(rows.len(), floats.len() + 1);
        for (row, f) in rows[1..].iter().zip(floats) {
            assert_eq!(
                row.1.map(|r| r.0.to_bits()),
                Some(f.to_bits()),
                "{row:?} vs {f:e}"
            );
        }
        // Numbers as numbers too (PostgreSQL's form); anything else is an error.
        let r: Vec<(Real,)> = parse_json_rows(Some("[[0.30000000000000004]]".into())).unwrap();
        assert_eq!(r[0].0 .0, 0.1 + 0.2);
        assert!(parse_json_rows::<(Real,)>(Some(r#"[["lots"]]"#.into())).is_err());
        let none: Option<String> =
            sqlx::query_scalar(&json_rows(Backend::Sqlite, "k", "SELECT 1 AS k WHERE 0"))
                .fetch_one(&db)
                .await
                .unwrap();
        assert!(parse_json_rows::<(i64,)>(none).unwrap().is_empty());
    }

    #[tokio::test]
    async fn sqlcipher_is_linked() {
        let v = cipher_version()
            .await
            .expect("PRAGMA cipher_version answers");
        assert!(v.starts_with('4'), "{v}");
    }
}
