//! Opening the pool and bringing the schema up to date (migrations are embedded), on
//! SQLite (SQLCipher) or PostgreSQL.

use super::at_rest::*;
use sqlx::any::{AnyConnectOptions, AnyPoolOptions};
use sqlx::sqlite::{SqliteConnectOptions, SqliteJournalMode};
use sqlx::{AnyConnection, AnyPool, ConnectOptions, Connection};
use std::str::FromStr;
use std::time::Duration;

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
pub(super) fn sqlite_session(key: Option<&DatabaseKey>) -> String {
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
pub(super) fn any_sqlite_url(url: &str) -> String {
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

pub(super) async fn connect_with(
    url: &str,
    key: Option<&DatabaseKey>,
) -> Result<AnyPool, sqlx::Error> {
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
