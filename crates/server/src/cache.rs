//! Read results kept while the data under them is unchanged. Each entry carries the data
//! version it was computed at (migration 0006: triggers bump `labs.data_version` and
//! `instruments.data_version` in the same transaction as every change those reads depend
//! on) and is served only while the version read now is the same. The version is read
//! before the result is computed, so a result is never older than its version: at worst
//! it is newer, and the next read recomputes.

use crate::compress::KeptJson;
use std::collections::HashMap;
use std::hash::Hash;
use std::sync::{Arc, Mutex};

/// Results by key, each with the version (any ordered value) it was computed at.
pub struct Versioned<K, V, Ver = i64> {
    entries: Mutex<HashMap<K, (Ver, Arc<V>)>>,
}

impl<K: Eq + Hash, V, Ver> Default for Versioned<K, V, Ver> {
    fn default() -> Self {
        Versioned {
            entries: Mutex::new(HashMap::new()),
        }
    }
}

impl<K: Eq + Hash, V, Ver: Ord + Copy> Versioned<K, V, Ver> {
    /// The result kept for `key` if it was computed at `version`.
    pub fn get(&self, key: &K, version: Ver) -> Option<Arc<V>> {
        let entries = self.entries.lock().unwrap_or_else(|e| e.into_inner());
        entries
            .get(key)
            .filter(|(v, _)| *v == version)
            .map(|(_, value)| value.clone())
    }

    /// Keeps `value` for `key` at `version`, unless a result of a later version is kept.
    pub fn put(&self, key: K, version: Ver, value: Arc<V>) {
        let mut entries = self.entries.lock().unwrap_or_else(|e| e.into_inner());
        match entries.get(&key) {
            Some((kept, _)) if *kept > version => {}
            _ => {
                entries.insert(key, (version, value));
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
}
