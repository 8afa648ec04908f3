//! Recommended replacements: a prediction whose replace-by date is near, or an open
//! threshold warning, recommends replacing the component unless a replacement is open.

use crate::domain::audit::{action, Event};
use crate::domain::predictions;
use crate::domain::replacements::{lab_zone, local_date, DAY};
use crate::domain::words;
use crate::error::AppResult;
use seqhealth_api::domain::sensor_spec;
use seqhealth_api::{Figure, ReplacementSource, Said};
use sqlx::{AnyConnection, AnyPool};

/// A prediction becomes a recommendation when its replace-by date is this close.
pub const RECOMMEND_WITHIN_DAYS: i64 = 60;

/// A recommendation about to be made.
struct Recommendation<'a> {
    instrument_id: i64,
    sensor: &'a str,
    source: ReplacementSource,
    reason: &'a Said,
    warning_id: Option<i64>,
    predicted_at: Option<i64>,
    replace_by: i64,
}

/// Inserts a recommendation unless the component already has an open replacement.
/// Returns whether one was made.
async fn recommend(
    conn: &mut AnyConnection,
    lab_id: i64,
    r: Recommendation<'_>,
    now: i64,
) -> AppResult<bool> {
    let Recommendation {
        instrument_id,
        sensor,
        source,
        reason,
        warning_id,
        predicted_at,
        replace_by,
    } = r;
    let said = words::stored(reason);
    let detail = reason.clone();
    let reason = &reason.english();
    let source = match source {
        ReplacementSource::Prediction => "prediction",
        ReplacementSource::Warning => "warning",
    };
    // The partial unique index is the guard: a concurrent refresh inserts nothing.
    let id: Option<i64> = sqlx::query_scalar(
        "INSERT INTO replacements (instrument_id, sensor, status, source, reason, warning_id, predicted_at,
                                   replace_by, created_at, updated_at, reason_said)
         VALUES ($1, $2, 'recommended', $3, $4, $5, $6, $7, $8, $9, $10)
         ON CONFLICT DO NOTHING RETURNING id",
    )
    .bind(instrument_id)
    .bind(sensor)
    .bind(source)
    .bind(reason)
    .bind(warning_id)
    .bind(predicted_at)
    .bind(replace_by)
    .bind(now)
    .bind(now)
    .bind(said)
    .fetch_optional(&mut *conn)
    .await?;
    let Some(id) = id else { return Ok(false) };
    Event::new(lab_id, None, action::RECOMMENDED, detail)
        .instrument(instrument_id)
        .replacement(id)
        .warning(warning_id)
        .record(conn, now)
        .await?;
    crate::domain::notify::outbox::replacement_event(
        conn,
        id,
        crate::domain::notify::outbox::Reason::Opened,
        now,
    )
    .await?;
    Ok(true)
}

/// An open recommendation's replace-by date follows its prediction only when the
/// prediction moves it by at least this much: a day's new readings nudge a fitted date by
/// hours or a day, and a date that creeps on every reload is one nobody can plan by.
pub const REPLACE_BY_MOVES_DAYS: i64 = 3;

/// Whether a kept replace-by date gives way to a newly predicted one.
pub fn moves(kept: i64, predicted: i64) -> bool {
    (predicted - kept).abs() >= REPLACE_BY_MOVES_DAYS * DAY
}

/// Keeps an open, unscheduled recommendation's evidence current (its reason and predicted
/// crossing), and its replace-by date where the prediction [`moves`] it, saying when and
/// why it moved.
async fn follow(
    conn: &mut AnyConnection,
    instrument_id: i64,
    p: &seqhealth_api::Prediction,
    reason: &Said,
    now: i64,
) -> AppResult<()> {
    let said = words::stored(reason);
    let reason = &reason.english();
    let open: Option<(i64, i64)> = sqlx::query_as(
        "SELECT id, replace_by FROM replacements
         WHERE instrument_id = $1 AND sensor = $2 AND status = 'recommended' AND source = 'prediction'",
    )
    .bind(instrument_id)
    .bind(&p.sensor)
    .fetch_optional(&mut *conn)
    .await?;
    let Some((id, kept)) = open else {
        return Ok(());
    };
    let predicted = p.replace_by.timestamp();
    let update = if moves(kept, predicted) {
        let code = match (p.slope_per_day < 0.0, p.fitted) {
            (true, seqhealth_api::domain::LimitOn::Peaks) => "moved_peaks_fall",
            (false, seqhealth_api::domain::LimitOn::Peaks) => "moved_peaks_rise",
            (true, _) => "moved_falls",
            (false, _) => "moved_rises",
        };
        let why = Said::new(
            code,
            vec![
                Figure::Word(p.sensor_label.clone()),
                Figure::F(p.slope_per_day.abs(), 3),
                Figure::Word(p.unit.clone()),
            ],
        );
        sqlx::query(
            "UPDATE replacements SET reason = $1, predicted_at = $2, replace_by = $3, replace_by_was = $4,
                    replace_by_moved_at = $5, replace_by_why = $6, updated_at = $7, reason_said = $9,
                    replace_by_why_said = $10
             WHERE id = $8",
        )
        .bind(reason)
        .bind(p.predicted_at.timestamp())
        .bind(predicted)
        .bind(kept)
        .bind(now)
        .bind(why.english())
        .bind(now)
        .bind(id)
        .bind(said)
        .bind(words::stored(&why))
    } else {
        sqlx::query(
            "UPDATE replacements SET reason = $1, predicted_at = $2, updated_at = $3, reason_said = $6
             WHERE id = $4 AND (reason <> $5 OR reason_said IS NULL)",
        )
        .bind(reason)
        .bind(p.predicted_at.timestamp())
        .bind(now)
        .bind(id)
        .bind(reason)
        .bind(said)
    };
    update.execute(&mut *conn).await?;
    Ok(())
}

/// Brings the lab's recommendations up to date with its predictions and warnings: a
/// prediction whose replace-by date is within [`RECOMMEND_WITHIN_DAYS`], or an open
/// threshold warning, recommends replacing the component unless a replacement is already
/// open. Open recommendations follow their prediction's latest figures. Returns how many
/// were made.
pub async fn refresh_lab(db: &AnyPool, lab_id: i64, now: i64) -> AppResult<usize> {
    let mut conn = db.acquire().await?;
    let tz = lab_zone(&mut conn, lab_id).await?;
    let instruments: Vec<(i64, String)> =
        sqlx::query_as("SELECT id, nickname FROM instruments WHERE lab_id = $1 ORDER BY id")
            .bind(lab_id)
            .fetch_all(&mut *conn)
            .await?;
    drop(conn);
    let mut made = 0;
    for (instrument_id, _) in instruments {
        let predictions = predictions::for_instrument(db, instrument_id, now).await?;
        let warnings: Vec<(i64, String, String, String, Option<String>, i64)> = sqlx::query_as(
            "SELECT id, rule, severity, message, said, raised_at FROM warnings
             WHERE instrument_id = $1 AND status <> 'resolved' AND rule LIKE 'threshold:%'",
        )
        .bind(instrument_id)
        .fetch_all(db)
        .await?;
        let mut tx = crate::store::begin_write(db).await?;
        let mut open = OpenParts::read(&mut tx, instrument_id).await?;
        for p in predictions
            .iter()
            .filter(|p| p.replace_by.timestamp() <= now + RECOMMEND_WITHIN_DAYS * DAY)
        {
            if open.taken_by_another(&p.sensor) {
                continue;
            }
            let day = |t: chrono::DateTime<chrono::Utc>| Figure::Day(local_date(t.timestamp(), tz));
            let unit = || Figure::Word(p.unit.clone());
            let trend = match p.in_runs {
                Some(r) => Said::new(
                    "trend_runs",
                    vec![
                        Figure::Sf(r.change_per_run, 3),
                        unit(),
                        Figure::N(r.runs_used as f64),
                    ],
                ),
                None => Said::new(
                    "trend_days",
                    vec![
                        Figure::Sf(p.slope_per_day, 3),
                        unit(),
                        Figure::N(p.basis_days as f64),
                    ],
                ),
            };
            let (label, limit) = (Figure::Word(p.sensor_label.clone()), Figure::N(p.limit));
            // A crossing already behind us is said as such, not "predicted".
            let reason = if p.predicted_at.timestamp() <= now {
                Said::new(
                    "reason_reached",
                    vec![
                        label,
                        limit,
                        unit(),
                        day(p.predicted_at),
                        Figure::said(trend),
                    ],
                )
            } else {
                Said::new(
                    "reason_predicted",
                    vec![
                        label,
                        limit,
                        unit(),
                        day(p.predicted_at),
                        day(p.earliest),
                        day(p.latest),
                        Figure::said(trend),
                    ],
                )
            };
            let (predicted_at, replace_by) = (p.predicted_at.timestamp(), p.replace_by.timestamp());
            let r = Recommendation {
                instrument_id,
                sensor: &p.sensor,
                source: ReplacementSource::Prediction,
                reason: &reason,
                warning_id: None,
                predicted_at: Some(predicted_at),
                replace_by,
            };
            if recommend(&mut tx, lab_id, r, now).await? {
                made += 1;
                open.sensors.push(p.sensor.clone());
            } else {
                follow(&mut tx, instrument_id, p, &reason, now).await?;
            }
        }
        for (warning_id, rule, severity, message, said, raised_at) in warnings {
            let Some(sensor) = rule.strip_prefix("threshold:") else {
                continue;
            };
            if sensor_spec(sensor).is_none() || open.taken_by_another(sensor) {
                continue;
            }
            // Critical: as soon as possible; a warning leaves a week to plan.
            let replace_by = if severity == "critical" {
                raised_at
            } else {
                raised_at + 7 * DAY
            };
            // A warning from before codes says its cause in its stored English.
            let cause = words::read(said.as_deref()).map_or(Figure::Text(message), Figure::said);
            let reason = Said::new(
                "reason_warning",
                vec![Figure::Day(local_date(raised_at, tz)), cause],
            );
            let r = Recommendation {
                instrument_id,
                sensor,
                source: ReplacementSource::Warning,
                reason: &reason,
                warning_id: Some(warning_id),
                predicted_at: None,
                replace_by,
            };
            if recommend(&mut tx, lab_id, r, now).await? {
                made += 1;
                open.sensors.push(sensor.to_string());
            }
        }
        tx.commit().await?;
    }
    Ok(made)
}

/// [`refresh_lab`] for every lab (the periodic sweep).
pub async fn refresh_all(db: &AnyPool, now: i64) -> AppResult<usize> {
    let labs: Vec<i64> = sqlx::query_scalar("SELECT id FROM labs ORDER BY id")
        .fetch_all(db)
        .await?;
    let mut made = 0;
    for lab in labs {
        made += refresh_lab(db, lab, now).await?;
    }
    Ok(made)
}

/// The sensors of an instrument's open replacements (recommended or scheduled). A
/// component is replaced once, whichever of its signals asked first: a laser that dims in
/// every channel is one replacement, not one per channel's signal.
struct OpenParts {
    sensors: Vec<String>,
}

impl OpenParts {
    async fn read(conn: &mut AnyConnection, instrument_id: i64) -> AppResult<Self> {
        let sensors = sqlx::query_scalar(
            "SELECT sensor FROM replacements
             WHERE instrument_id = $1 AND status IN ('recommended', 'scheduled')",
        )
        .bind(instrument_id)
        .fetch_all(&mut *conn)
        .await?;
        Ok(OpenParts { sensors })
    }

    /// Whether `sensor`'s component already has an open replacement asked for by another
    /// of its signals (its own is followed, not made again).
    fn taken_by_another(&self, sensor: &str) -> bool {
        let component = |s: &str| sensor_spec(s).map(|spec| spec.component);
        let Some(mine) = component(sensor) else {
            return false;
        };
        self.sensors
            .iter()
            .any(|s| s != sensor && component(s) == Some(mine))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_kept_date_moves_only_by_days() {
        let kept = 1_000 * DAY;
        assert!(!moves(kept, kept + DAY));
        assert!(!moves(kept, kept - 2 * DAY - 3_600));
        assert!(moves(kept, kept + REPLACE_BY_MOVES_DAYS * DAY));
        assert!(moves(kept, kept - 10 * DAY));
    }
}
