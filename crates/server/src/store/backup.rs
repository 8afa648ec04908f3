//! The offline operations on a database file: backup, restore, rekey.

use super::at_rest::*;
use sqlx::{Connection, SqliteConnection};
use std::path::{Path, PathBuf};

/// Every user table of a database and its row count, by name.
pub type TableCounts = Vec<(String, i64)>;

pub(super) async fn table_counts(conn: &mut SqliteConnection) -> Result<TableCounts, sqlx::Error> {
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
pub(super) async fn verify(
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
pub(super) async fn vacuum_into(conn: &mut SqliteConnection, dest: &Path) -> Result<(), OpenError> {
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

pub(super) fn sync_file(path: &Path) -> Result<(), OpenError> {
    std::fs::File::open(path)
        .and_then(|f| f.sync_all())
        .map_err(|e| OpenError::Other(format!("cannot sync {}: {e}", path.display())))
}

/// Refuses a copy that came out unencrypted from an encrypted database.
pub(super) fn ensure_encrypted(path: &Path, key: Option<&DatabaseKey>) -> Result<(), OpenError> {
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

pub(super) fn same_file(a: &Path, b: &Path) -> bool {
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

pub(super) async fn export_encrypted(
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
