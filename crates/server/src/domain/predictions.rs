//! Predicted component replacements: each degradation signal's daily buckets since the
//! component's latest completed replacement, forecast to the edge of its normal band by
//! `seqhealth_health::predict::forecast_from_daily` — the same call, with the same
//! method, that `health-eval` scores. Computed when asked: a few hundred daily buckets
//! per instrument cost microseconds.

use crate::domain::replacements;
use crate::error::AppResult;
use crate::store::buckets::DAY;
use crate::store::to_time;
use seqhealth_api::domain::{SensorSpec, Source, SENSORS};
use seqhealth_api::{FitPoint, Prediction, RunForecast};
use seqhealth_health::predict::{
    forecast_from_daily, forecast_from_runs, DailyAggregate, Forecast, RunValue,
};
use sqlx::AnyPool;
use std::sync::Arc;

/// Each instrument's predictions, at (hour of the forecast's clock, data version).
pub type KeptPredictions = crate::store::cache::Versioned<i64, Vec<Prediction>, (i64, i64)>;

/// The predictions of instrument `id` at `now`: a forecast is a fit over up to 90 daily
/// buckets per sensor, kept until the instrument's daily data or replacements change, or
/// the hour turns.
pub async fn kept(
    db: &AnyPool,
    kept: &KeptPredictions,
    id: i64,
    now: i64,
) -> AppResult<Arc<Vec<Prediction>>> {
    let version: i64 = sqlx::query_scalar("SELECT data_version FROM instruments WHERE id = $1")
        .bind(id)
        .fetch_one(db)
        .await?;
    let at = (now.div_euclid(3600), version);
    if let Some(found) = kept.get(&id, at) {
        return Ok(found);
    }
    let mut fresh = for_instrument(db, id, now).await?;
    with_replacement_dates(db, id, &mut fresh).await?;
    let fresh = Arc::new(fresh);
    kept.put(id, at, fresh.clone());
    Ok(fresh)
}

/// A component with an open replacement has one replace-by date, the replacement's (which
/// moves only when new data moves it by days): the predictions list shows that one too.
async fn with_replacement_dates(
    db: &AnyPool,
    instrument_id: i64,
    predictions: &mut [Prediction],
) -> AppResult<()> {
    let open: Vec<(String, i64)> = sqlx::query_as(
        "SELECT sensor, MIN(replace_by) FROM replacements
         WHERE instrument_id = $1 AND status IN ('recommended', 'scheduled') GROUP BY sensor",
    )
    .bind(instrument_id)
    .fetch_all(db)
    .await?;
    for p in predictions.iter_mut() {
        if let Some((_, by)) = open.iter().find(|(sensor, _)| *sensor == p.sensor) {
            p.replace_by = to_time(*by);
        }
    }
    predictions.sort_by_key(|p| p.replace_by);
    Ok(())
}

pub async fn for_instrument(
    db: &AnyPool,
    instrument_id: i64,
    now: i64,
) -> AppResult<Vec<Prediction>> {
    let mut out = Vec::new();
    let model: String = sqlx::query_scalar("SELECT model FROM instruments WHERE id = $1")
        .bind(instrument_id)
        .fetch_optional(db)
        .await?
        .unwrap_or_default();
    let pace = runs_per_day(db, instrument_id, now).await?;
    for spec in SENSORS {
        // Run-derived signals are forecast to the band of the instrument's model.
        let spec = &spec.for_model(&model);
        // A replaced component starts a fresh baseline: the old part's data do not count.
        let since = replacements::last_completed(db, instrument_id, spec.name).await?;
        let found = match spec.source {
            Source::Run => by_run(db, instrument_id, spec, now, since, pace).await?,
            _ => by_day(db, instrument_id, spec, now, since).await?,
        };
        let Some(found) = found else { continue };
        let (f, p) = (&found.forecast, found.forecast.time);
        out.push(Prediction {
            component: spec.component.into(),
            subsystem: spec.subsystem,
            sensor: spec.name.into(),
            sensor_label: spec.label.into(),
            unit: spec.unit.into(),
            limit: f.limit.value,
            slope_per_day: f.slope_per_day,
            fitted: spec.limit_on,
            predicted_at: to_time(p.crossing),
            earliest: to_time(p.earliest),
            latest: to_time(p.latest),
            replace_by: to_time(p.replace_by),
            fit_from: to_time(f.fit_from),
            fit_from_value: f.fit_from_value,
            fit: found.fit,
            basis_days: f.days_used,
            in_runs: found.in_runs,
        });
    }
    out.sort_by_key(|p| p.replace_by);
    Ok(out)
}

/// A forecast with the points that draw its evidence, and its count in runs.
struct Found {
    forecast: Forecast,
    fit: Vec<FitPoint>,
    in_runs: Option<RunForecast>,
}

/// A sensor's forecast over its daily buckets.
async fn by_day(
    db: &AnyPool,
    instrument_id: i64,
    spec: &SensorSpec,
    now: i64,
    since: Option<i64>,
) -> AppResult<Option<Found>> {
    let method = seqhealth_health::settings::forecast_for(spec);
    let rows: Vec<(i64, i64, f64, f64, f64)> = sqlx::query_as(
        "SELECT start, n, sum, min, max FROM sensor_buckets
         WHERE instrument_id = $1 AND sensor = $2 AND width = $3 AND start >= $4 AND start < $5 ORDER BY start",
    )
    .bind(instrument_id)
    .bind(spec.name)
    .bind(DAY)
    .bind(now - method.basis_days * DAY)
    .bind(now)
    .fetch_all(db)
    .await?;
    let days: Vec<DailyAggregate> = rows
        .into_iter()
        .filter_map(|(start, n, sum, min, max)| {
            DailyAggregate::from_sum(start, u32::try_from(n).ok()?, sum, min, max)
        })
        .collect();
    Ok(
        forecast_from_daily(&days, spec.warn, now, since, &method).map(|f| Found {
            fit: fit_points(&f, now),
            forecast: f,
            in_runs: None,
        }),
    )
}

/// A run-derived signal's forecast, one run per step, dated at the instrument's `pace`:
/// a lab that runs weekly gets one as soon as it has enough runs, and three runs on one
/// day are three steps, not one day's mean.
async fn by_run(
    db: &AnyPool,
    instrument_id: i64,
    spec: &SensorSpec,
    now: i64,
    since: Option<i64>,
    pace: f64,
) -> AppResult<Option<Found>> {
    let method = seqhealth_health::settings::RUN_FORECAST;
    // Each run's value is one reading, stamped at the run's last image.
    let rows: Vec<(i64, f64)> = sqlx::query_as(
        "SELECT at, value FROM sensor_readings
         WHERE instrument_id = $1 AND sensor = $2 AND at > $3 AND at < $4
         ORDER BY at DESC LIMIT $5",
    )
    .bind(instrument_id)
    .bind(spec.name)
    .bind(since.unwrap_or(i64::MIN))
    .bind(now)
    .bind(method.basis_runs as i64)
    .fetch_all(db)
    .await?;
    let runs: Vec<RunValue> = rows
        .into_iter()
        .map(|(at, value)| RunValue { at, value })
        .collect();
    let daily = seqhealth_health::settings::forecast_for(spec);
    let Some(f) = forecast_from_runs(&runs, spec.warn, now, None, pace, &daily, &method) else {
        return Ok(None);
    };
    Ok(Some(Found {
        fit: f
            .fit
            .iter()
            .map(|&(at, value)| FitPoint {
                at: to_time(at),
                value,
            })
            .collect(),
        in_runs: Some(RunForecast {
            runs_to_crossing: f.runs_to_crossing,
            runs_per_week: pace * 7.0,
            change_per_run: f.change_per_run,
            runs_used: u32::try_from(f.runs_used).unwrap_or(u32::MAX),
        }),
        forecast: f.forecast,
    }))
}

/// The window a run-derived forecast's pace is measured over.
const PACE_DAYS: i64 = 90;

/// Runs a day the instrument finished over the last [`PACE_DAYS`] (or since its first run,
/// if that is more recent: a new instrument's pace is not diluted by days before it ran).
async fn runs_per_day(db: &AnyPool, instrument_id: i64, now: i64) -> AppResult<f64> {
    // A run's end where the folder says it (its last image), else its start.
    let (n, first): (i64, Option<i64>) = sqlx::query_as(
        "SELECT COUNT(*), MIN(COALESCE(completed_at, started_at)) FROM runs
         WHERE instrument_id = $1 AND COALESCE(completed_at, started_at) >= $2
           AND COALESCE(completed_at, started_at) <= $3",
    )
    .bind(instrument_id)
    .bind(now - PACE_DAYS * DAY)
    .bind(now)
    .fetch_one(db)
    .await?;
    let Some(first) = first else {
        return Ok(0.0);
    };
    // At least a week, so that two runs on one day do not read as a run an hour.
    let days = ((now - first) as f64 / DAY as f64).clamp(7.0, PACE_DAYS as f64);
    Ok(n as f64 / days)
}

/// A bent trend is drawn through this many points; a line through its two ends.
const FIT_POINTS: i64 = 24;

/// The forecast's fitted curve from its first day to the predicted crossing.
fn fit_points(f: &Forecast, now: i64) -> Vec<FitPoint> {
    let (from, to) = (f.fit_from, f.time.crossing.max(f.fit_from));
    let steps = if f.fit[2] == 0.0 { 1 } else { FIT_POINTS - 1 };
    (0..=steps)
        .map(|k| {
            let at = from + (to - from) / steps * k;
            let at = if k == steps { to } else { at };
            FitPoint {
                at: to_time(at),
                value: f.fitted_at(now, at),
            }
        })
        .collect()
}
