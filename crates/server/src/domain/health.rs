//! Subsystem health as the fleet and instrument pages show it: the worst of the newest
//! reading of each sensor, recent error events, and open warnings (missing data among them).

use crate::error::AppResult;
use seqhealth_api::domain::{sensor_spec, sensor_spec_for, Source};
use seqhealth_api::{Handling, Health, Subsystem, SubsystemFreshness, SubsystemHealth};
use sqlx::AnyPool;
use std::collections::HashMap;

/// Error events within this window before an instrument's last report count against it.
pub const EVENT_WINDOW_SECS: i64 = 24 * 3600;

#[derive(Default)]
struct Acc([Health; 4]);

impl Acc {
    fn raise(&mut self, s: Subsystem, h: Health) {
        let i = Subsystem::ALL.iter().position(|x| *x == s).unwrap_or(0);
        self.0[i] = self.0[i].max(h);
    }
    fn done(self) -> SubsystemHealth {
        SubsystemHealth {
            optical: self.0[0],
            mechanical: self.0[1],
            thermal: self.0[2],
            fluidics: self.0[3],
        }
    }
}

/// The rows of a lab (`?1`), or of one of its instruments (`?2`): two statements, so one
/// instrument is found by its key rather than by scanning the lab's instruments.
fn scope(only: Option<i64>) -> &'static str {
    match only {
        Some(_) => "i.id = $2 AND i.lab_id = $1",
        None => "i.lab_id = $1 AND $2 IS NULL",
    }
}

/// Health of every instrument of a lab (or one instrument), keyed by instrument id.
pub async fn for_lab(
    db: &AnyPool,
    lab_id: i64,
    only: Option<i64>,
) -> AppResult<HashMap<i64, SubsystemHealth>> {
    let mut acc: HashMap<i64, Acc> = HashMap::new();
    let scope = scope(only);
    let readings: Vec<(i64, String, String, f64, String)> = sqlx::query_as(&format!(
        "SELECT sl.instrument_id, sl.subsystem, sl.sensor, sl.value, i.model
         FROM sensor_latest sl JOIN instruments i ON i.id = sl.instrument_id
         WHERE {scope}"
    ))
    .bind(lab_id)
    .bind(only)
    .fetch_all(db)
    .await?;
    for (id, subsystem, sensor, value, model) in readings {
        let Some(subsystem) = Subsystem::parse(&subsystem) else {
            continue;
        };
        // A reading of a sensor we have no band for still shows the subsystem reports.
        // Run-derived signals are judged by the band of the instrument's model.
        let judged = sensor_spec_for(&sensor, &model)
            .map(|s| s.judge(value))
            .unwrap_or(Health::Ok);
        acc.entry(id).or_default().raise(subsystem, judged);
    }
    let errors: Vec<(i64, String)> = sqlx::query_as(&format!(
        "SELECT DISTINCT e.instrument_id, e.subsystem
         FROM operation_events e JOIN instruments i ON i.id = e.instrument_id
         WHERE {scope}
           AND e.severity = 'error' AND e.at > COALESCE(i.last_report_at, 0) - $3"
    ))
    .bind(lab_id)
    .bind(only)
    .bind(EVENT_WINDOW_SECS)
    .fetch_all(db)
    .await?;
    for (id, subsystem) in errors {
        if let Some(s) = Subsystem::parse(&subsystem) {
            acc.entry(id).or_default().raise(s, Health::Warning);
        }
    }
    // Open warnings count too: missing data and rules that are not a single reading.
    let open: Vec<(i64, String, String)> = sqlx::query_as(&format!(
        "SELECT w.instrument_id, w.subsystem, w.severity
         FROM warnings w JOIN instruments i ON i.id = w.instrument_id
         WHERE {scope} AND w.status <> 'resolved'"
    ))
    .bind(lab_id)
    .bind(only)
    .fetch_all(db)
    .await?;
    for (id, subsystem, severity) in open {
        let health = match severity.as_str() {
            "critical" => Health::Critical,
            "warning" => Health::Warning,
            _ => continue,
        };
        if let Some(s) = Subsystem::parse(&subsystem) {
            acc.entry(id).or_default().raise(s, health);
        }
    }
    Ok(acc.into_iter().map(|(id, a)| (id, a.done())).collect())
}

/// When each subsystem of each instrument of a lab (or one instrument) last reported.
pub async fn freshness_for_lab(
    db: &AnyPool,
    lab_id: i64,
    only: Option<i64>,
) -> AppResult<HashMap<i64, SubsystemFreshness>> {
    let rows: Vec<(i64, String, String, i64)> = sqlx::query_as(&format!(
        "SELECT sl.instrument_id, sl.subsystem, sl.sensor, sl.at
         FROM sensor_latest sl JOIN instruments i ON i.id = sl.instrument_id
         WHERE {}",
        scope(only)
    ))
    .bind(lab_id)
    .bind(only)
    .fetch_all(db)
    .await?;
    // The newest reading of each subsystem, and whether it came from a run.
    let mut newest: HashMap<(i64, Subsystem), (i64, bool)> = HashMap::new();
    for (id, subsystem, sensor, at) in rows {
        let Some(s) = Subsystem::parse(&subsystem) else {
            continue;
        };
        let from_run = sensor_spec(&sensor).is_some_and(|spec| spec.source == Source::Run);
        let e = newest.entry((id, s)).or_insert((at, from_run));
        // A sensor's own reading wins a tie: it is the fresher kind of evidence.
        if at > e.0 || (at == e.0 && !from_run) {
            *e = (at, from_run);
        }
    }
    let mut out: HashMap<i64, SubsystemFreshness> = HashMap::new();
    for ((id, s), (at, from_run)) in newest {
        let f = out.entry(id).or_default();
        f.set(s, crate::store::to_time(at));
        f.set_from_run(s, from_run);
    }
    Ok(out)
}

/// The sensors (run-derived signals included) instrument `id` has reported, by name.
pub async fn reported_sensors(db: &AnyPool, id: i64) -> AppResult<Vec<String>> {
    Ok(sqlx::query_scalar(
        "SELECT sensor FROM sensor_latest WHERE instrument_id = $1 ORDER BY sensor",
    )
    .bind(id)
    .fetch_all(db)
    .await?)
}

/// How far each subsystem's worst open warnings have been handled, per instrument of a lab
/// (only those with an open warning): the least handled of them, a booking's earliest slot.
/// Per instrument and subsystem, its worst open problem: how far it has been handled, and
/// the rule of a warning of that severity (the fleet's badge says and links to it).
pub struct Problems {
    pub handling: [Handling; 4],
    pub causes: [Option<String>; 4],
}

pub async fn problems_for_lab(
    db: &AnyPool,
    lab_id: i64,
    now: i64,
) -> AppResult<HashMap<i64, Problems>> {
    // An acknowledgement or booking made before the warning got worse does not count.
    let rows: Vec<(i64, String, String, String, Option<i64>, String)> = sqlx::query_as(
        "SELECT w.instrument_id, w.subsystem, w.severity,
            CASE WHEN w.status = 'acknowledged' AND w.worse_at > w.acknowledged_at
                 THEN 'active' ELSE w.status END,
            (SELECT MIN(r.slot_start) FROM replacements r
              WHERE r.instrument_id = w.instrument_id
                AND w.rule IN ('threshold:' || r.sensor, 'rate:' || r.sensor)
                AND r.status = 'scheduled' AND r.slot_end > $2
                AND (w.worse_at IS NULL OR w.worse_at < r.updated_at)),
            w.rule
         FROM warnings w JOIN instruments i ON i.id = w.instrument_id
         WHERE i.lab_id = $1 AND w.status <> 'resolved'
         ORDER BY w.raised_at, w.id",
    )
    .bind(lab_id)
    .bind(now)
    .fetch_all(db)
    .await?;
    // Per instrument and subsystem: the worst severity seen, its least handled state, and
    // the rule of the first warning raised at that severity.
    let mut worst: HashMap<(i64, usize), (u8, Handling, String)> = HashMap::new();
    for (id, subsystem, severity, status, booked, rule) in rows {
        let Some(k) = Subsystem::ALL.iter().position(|s| s.as_str() == subsystem) else {
            continue;
        };
        let severity = if severity == "critical" { 2 } else { 1 };
        let handled = match (booked, status.as_str()) {
            (Some(at), _) => Handling::Booked(crate::store::to_time(at)),
            (None, "acknowledged") => Handling::Acknowledged,
            _ => Handling::Open,
        };
        let e = worst
            .entry((id, k))
            .or_insert((severity, handled, rule.clone()));
        if severity > e.0 {
            *e = (severity, handled, rule);
        } else if severity == e.0 {
            e.1 = less_handled(e.1, handled);
        }
    }
    let mut out: HashMap<i64, Problems> = HashMap::new();
    for ((id, k), (_, handled, rule)) in worst {
        let p = out.entry(id).or_insert_with(|| Problems {
            handling: Default::default(),
            causes: Default::default(),
        });
        p.handling[k] = handled;
        p.causes[k] = Some(rule);
    }
    Ok(out)
}

/// Of two warnings' states, the one that still needs more: open, then acknowledged, then
/// booked (the earlier booking).
fn less_handled(a: Handling, b: Handling) -> Handling {
    let rank = |h: &Handling| match h {
        Handling::Open => 0,
        Handling::Acknowledged => 1,
        Handling::Booked(_) => 2,
    };
    match (a, b) {
        (Handling::Booked(x), Handling::Booked(y)) => Handling::Booked(x.min(y)),
        (a, b) if rank(&b) < rank(&a) => b,
        (a, _) => a,
    }
}

pub fn unknown() -> SubsystemHealth {
    Acc::default().done()
}
