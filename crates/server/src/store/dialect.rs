//! SQL that differs between SQLite and PostgreSQL, the write transaction, and rows as
//! one JSON text. Every query of the domain layer goes through these helpers where the
//! dialects differ.

use super::pool::Backend;
use sqlx::AnyPool;

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
/// over separately, which dominated reads of a few hundred rows (BENCHMARKS.md, 3a); one
/// row of JSON is handed over once. The order of the rows is not promised: the caller
/// sorts.
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

    #[tokio::test]
    async fn rows_come_back_as_json_with_every_float_exact() {
        let db = super::super::pool::connect("sqlite::memory:")
            .await
            .unwrap();
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
}
