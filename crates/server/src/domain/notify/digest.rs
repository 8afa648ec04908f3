//! The daily digest: at the lab's chosen time in its zone, one message per person with
//! what changed since their last digest, of the kinds they chose "in the daily digest";
//! none when nothing did. It goes out as a delivery like any other (retried, logged).

use super::fanout::{insert, lab_minute, EventRow, EVENT_COLUMNS};
use super::prefs;
use crate::domain::words::lexicon;
use crate::error::AppResult;
use seqhealth_api::notify::NotifyMode;
use seqhealth_api::{Language, Role};
use sqlx::AnyPool;

/// Makes the digests due at `now` (the clock a test sets); returns how many.
pub async fn send_due(db: &AnyPool, now: i64) -> AppResult<usize> {
    let labs: Vec<(i64, String, String)> =
        sqlx::query_as("SELECT id, name, time_zone FROM labs ORDER BY id")
            .fetch_all(db)
            .await?;
    let mut made = 0;
    for (lab_id, name, zone) in labs {
        let tz: chrono_tz::Tz = zone.parse().unwrap_or(chrono_tz::Tz::UTC);
        let today = crate::store::to_time(now)
            .with_timezone(&tz)
            .date_naive()
            .to_string();
        let due = |lab: &prefs::LabNotify| {
            lab_minute(now, &zone) >= lab.digest_minute
                && lab.digest_day.as_deref() != Some(today.as_str())
        };
        // Read first: the write lock only when a digest is due (this runs every pass).
        if !due(&prefs::lab(&mut *db.acquire().await?, lab_id).await?) {
            continue;
        }
        let mut tx = crate::store::begin_write(db).await?;
        let lab = prefs::lab(&mut tx, lab_id).await?;
        if !due(&lab) {
            continue; // another server process sent it just now
        }
        if lab.digest_day.is_none() {
            // A lab's first day with notifications: its first digest is tomorrow's, not
            // one at once with the day before setup.
            mark_sent(&mut tx, lab_id, &lab, &today).await?;
            tx.commit().await?;
            continue;
        }
        let people: Vec<Reader> = sqlx::query_as(
            "SELECT u.id, u.email, u.role, p.digest_sent_at, u.language FROM users u
             LEFT JOIN notify_people p ON p.user_id = u.id
             WHERE u.lab_id = $1 AND u.deactivated_at IS NULL ORDER BY u.id",
        )
        .bind(lab_id)
        .fetch_all(&mut *tx)
        .await?;
        for (user_id, email, role, last, language) in people {
            let role = Role::parse(&role).unwrap_or(Role::Viewer);
            let kinds: Vec<&str> = prefs::modes(&mut tx, user_id, role)
                .await?
                .into_iter()
                .filter(|(_, m)| *m == NotifyMode::Digest)
                .map(|(k, _)| k.as_str())
                .collect();
            // A first digest covers up to two days (a lab set up the morning before).
            let since = last.unwrap_or(now - 2 * 86_400);
            let events: Vec<EventRow> = sqlx::query_as(&format!(
                "SELECT {EVENT_COLUMNS} FROM notify_events
                 WHERE lab_id = $1 AND created_at > $2 AND created_at <= $3 AND reason <> 'test'
                 ORDER BY instrument_id, id LIMIT 500"
            ))
            .bind(lab_id)
            .bind(since)
            .bind(now)
            .fetch_all(&mut *tx)
            .await?;
            let mine: Vec<&EventRow> = events
                .iter()
                .filter(|e| kinds.contains(&e.kind.as_str()))
                .collect();
            sqlx::query(
                "INSERT INTO notify_people (user_id, digest_sent_at) VALUES ($1, $2)
                 ON CONFLICT (user_id) DO UPDATE SET digest_sent_at = excluded.digest_sent_at",
            )
            .bind(user_id)
            .bind(now)
            .execute(&mut *tx)
            .await?;
            if mine.is_empty() {
                continue; // nothing changed: no message
            }
            let w = lexicon(
                language
                    .as_deref()
                    .and_then(Language::parse)
                    .unwrap_or(Language::En),
            );
            let subject = match mine.len() {
                1 => w.t("Daily digest for {0}: 1 change", &[&name]),
                n => w.t("Daily digest for {0}: {1} changes", &[&name, &n]),
            };
            insert(
                &mut tx,
                lab_id,
                "email",
                Some(user_id),
                None,
                &email,
                &mine,
                now,
                now,
                Some(&subject),
            )
            .await?;
            made += 1;
        }
        mark_sent(&mut tx, lab_id, &lab, &today).await?;
        tx.commit().await?;
    }
    Ok(made)
}

/// A person a digest may go to: id, address, role, last digest, language.
type Reader = (i64, String, String, Option<i64>, Option<String>);

/// Records that the lab's digest of `today` (its local date) is done.
async fn mark_sent(
    conn: &mut sqlx::AnyConnection,
    lab_id: i64,
    lab: &prefs::LabNotify,
    today: &str,
) -> AppResult<()> {
    prefs::set_lab(
        conn,
        lab_id,
        lab.digest_minute,
        lab.escalate_after_s,
        lab.remind_every_s,
    )
    .await?;
    sqlx::query("UPDATE notify_labs SET digest_day = $1 WHERE lab_id = $2")
        .bind(today)
        .bind(lab_id)
        .execute(conn)
        .await?;
    Ok(())
}
