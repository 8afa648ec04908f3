//! Read results kept while the data under them is unchanged. Each entry carries the data
//! version it was computed at (migration 0006: triggers bump `labs.data_version` and
//! `instruments.data_version` in the same transaction as every change those reads depend
//! on) and is served only while the version read now is the same. The version is read
//! before the result is computed, so a result is never older than its version: at worst
//! it is newer, and the next read recomputes.

use crate::store::kept::KeptJson;
use std::collections::HashMap;
use std::hash::Hash;
use std::sync::{Arc, Mutex};

/// What a kept value costs in memory, roughly, in bytes.
pub trait Weigh {
    fn weight(&self) -> usize;
}

impl Weigh for KeptJson {
    fn weight(&self) -> usize {
        self.weight()
    }
}

impl<T> Weigh for Vec<T> {
    fn weight(&self) -> usize {
        self.len() * std::mem::size_of::<T>() + 64
    }
}

impl Weigh for &str {
    fn weight(&self) -> usize {
        self.len()
    }
}

/// Entries a cache keeps by default, and their bytes: a request can grow a cache only up
/// to these; past them the least recently used entries go first.
pub const MAX_ENTRIES: usize = 4_096;
pub const MAX_BYTES: usize = 64 * 1024 * 1024;

/// Results by key, each with the version (any ordered value) it was computed at; at most
/// `max_entries` of them and `max_bytes` of their [`Weigh`]t, the least recently used
/// evicted first. Keys are parsed values (ids, canonical filters), never raw request text.
pub struct Versioned<K, V, Ver = i64> {
    inner: Mutex<Inner<K, V, Ver>>,
    max_entries: usize,
    max_bytes: usize,
}

struct Inner<K, V, Ver> {
    entries: HashMap<K, Entry<V, Ver>>,
    /// A clock that ticks on every use: the smallest `used` is the least recently used.
    tick: u64,
    bytes: usize,
}

struct Entry<V, Ver> {
    version: Ver,
    value: Arc<V>,
    used: u64,
    bytes: usize,
}

impl<K: Eq + Hash, V, Ver> Default for Versioned<K, V, Ver> {
    fn default() -> Self {
        Versioned::with_limits(MAX_ENTRIES, MAX_BYTES)
    }
}

impl<K: Eq + Hash, V, Ver> Versioned<K, V, Ver> {
    pub fn with_limits(max_entries: usize, max_bytes: usize) -> Self {
        Versioned {
            inner: Mutex::new(Inner {
                entries: HashMap::new(),
                tick: 0,
                bytes: 0,
            }),
            max_entries: max_entries.max(1),
            max_bytes,
        }
    }

    /// How many entries, and how many bytes of them, are kept.
    pub fn size(&self) -> (usize, usize) {
        let inner = self.inner.lock().unwrap_or_else(|e| e.into_inner());
        (inner.entries.len(), inner.bytes)
    }
}

impl<K: Eq + Hash + Clone, V: Weigh, Ver: Ord + Copy> Versioned<K, V, Ver> {
    /// The result kept for `key` if it was computed at `version`.
    pub fn get(&self, key: &K, version: Ver) -> Option<Arc<V>> {
        let mut inner = self.inner.lock().unwrap_or_else(|e| e.into_inner());
        inner.tick += 1;
        let tick = inner.tick;
        let entry = inner
            .entries
            .get_mut(key)
            .filter(|e| e.version == version)?;
        entry.used = tick;
        Some(entry.value.clone())
    }

    /// Keeps `value` for `key` at `version`, unless a result of a later version is kept;
    /// then evicts the least recently used entries while over either limit.
    pub fn put(&self, key: K, version: Ver, value: Arc<V>) {
        let mut inner = self.inner.lock().unwrap_or_else(|e| e.into_inner());
        if inner.entries.get(&key).is_some_and(|e| e.version > version) {
            return;
        }
        inner.tick += 1;
        let bytes = value.weight();
        let entry = Entry {
            version,
            value,
            used: inner.tick,
            bytes,
        };
        if let Some(old) = inner.entries.insert(key.clone(), entry) {
            inner.bytes -= old.bytes;
        }
        inner.bytes += bytes;
        while inner.entries.len() > self.max_entries || inner.bytes > self.max_bytes {
            let Some(oldest) = inner
                .entries
                .iter()
                .filter(|(k, _)| **k != key || inner.entries.len() == 1)
                .min_by_key(|(_, e)| e.used)
                .map(|(k, _)| k.clone())
            else {
                break;
            };
            if let Some(gone) = inner.entries.remove(&oldest) {
                inner.bytes -= gone.bytes;
            }
        }
    }
}

/// A lab's data version: what a kept fleet, warnings or replacements list is checked against.
pub async fn lab_version(db: &sqlx::AnyPool, lab_id: i64) -> Result<i64, sqlx::Error> {
    sqlx::query_scalar("SELECT data_version FROM labs WHERE id = $1")
        .bind(lab_id)
        .fetch_one(db)
        .await
}

/// Lab-wide lists kept as JSON: (lab, endpoint, filters) at (clock minute, lab version).
pub type LabLists = Versioned<(i64, &'static str, String), KeptJson, (i64, i64)>;

/// The kept JSON for `key` at `version`, or `compute`'s answer, kept for next time;
/// gzipped when `request` accepts it.
pub async fn json<T, F>(
    lists: &LabLists,
    key: (i64, &'static str, String),
    version: (i64, i64),
    request: &axum::http::HeaderMap,
    compute: F,
) -> Result<axum::response::Response, crate::error::AppError>
where
    T: serde::Serialize,
    F: std::future::Future<Output = Result<T, crate::error::AppError>>,
{
    let body = match lists.get(&key, version) {
        Some(kept) => kept,
        None => {
            let value = compute.await?;
            let bytes = serde_json::to_vec(&value)
                .map_err(|e| crate::error::AppError::Internal(e.to_string()))?;
            let kept = Arc::new(KeptJson::new(bytes));
            lists.put(key, version, kept.clone());
            kept
        }
    };
    Ok(body.response(request))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_result_is_served_only_at_its_version() {
        let c: Versioned<i64, &str> = Versioned::default();
        assert!(c.get(&1, 0).is_none());
        c.put(1, 3, Arc::new("three"));
        assert_eq!(c.get(&1, 3).as_deref(), Some(&"three"));
        assert!(c.get(&1, 4).is_none(), "a newer version misses");
        assert!(c.get(&2, 3).is_none(), "another key misses");
        c.put(1, 2, Arc::new("two"));
        assert_eq!(
            c.get(&1, 3).as_deref(),
            Some(&"three"),
            "an older result never replaces a newer one"
        );
        c.put(1, 5, Arc::new("five"));
        assert_eq!(c.get(&1, 5).as_deref(), Some(&"five"));
    }

    #[test]
    fn a_cache_keeps_at_most_its_entries_and_bytes_evicting_the_least_recently_used() {
        let c: Versioned<i64, &str> = Versioned::with_limits(3, 1_000);
        for k in 0..10_000 {
            c.put(k, 0, Arc::new("x"));
            if k == 1 {
                // Used again: kept while newer ones come.
                assert!(c.get(&0, 0).is_some());
            }
        }
        assert_eq!(c.size(), (3, 3));
        assert!(c.get(&9_999, 0).is_some(), "the newest is kept");
        assert!(c.get(&5, 0).is_none(), "old ones are gone");

        let c: Versioned<i64, &str> = Versioned::with_limits(100, 10);
        c.put(1, 0, Arc::new("abcd"));
        c.put(2, 0, Arc::new("efgh"));
        c.get(&1, 0);
        c.put(3, 0, Arc::new("ijkl"));
        assert_eq!(
            c.size(),
            (2, 8),
            "over the bytes: the least recently used went"
        );
        assert!(c.get(&2, 0).is_none());
        assert!(c.get(&1, 0).is_some() && c.get(&3, 0).is_some());
        // Replacing an entry does not count its bytes twice.
        c.put(3, 1, Arc::new("mnop"));
        assert_eq!(c.size(), (2, 8));
    }
}
