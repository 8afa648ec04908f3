//! What the server accepts from an instrument, checked the same way by the server (before
//! it writes anything) and by the agent's tests (before anything would leave): ids,
//! read structures, bounded printable text, plausible figures and times.

use crate::{RunIngest, TelemetryBatch};
use chrono::{DateTime, Utc};

/// Most readings plus events one batch may carry.
pub const MAX_BATCH_ITEMS: usize = 20_000;

/// A time an instrument may report: not before 2000 and not over a day ahead of the
/// server's clock. A far-future reading would otherwise stay "the latest" for years.
pub const MAX_CLOCK_AHEAD_SECS: i64 = 24 * 3600;

fn check_time(field: &str, at: DateTime<Utc>, now: DateTime<Utc>) -> Result<(), String> {
    let now = now.timestamp();
    let t = at.timestamp();
    if t > now + MAX_CLOCK_AHEAD_SECS {
        return Err(format!(
            "`{field}` ({at}) is more than a day ahead of the server's clock"
        ));
    }
    if t < 946_684_800 {
        return Err(format!("`{field}` ({at}) is before 2000"));
    }
    Ok(())
}

/// An identifier the instrument chose: printable, no spaces, bounded.
fn check_id(field: &str, v: &str) -> Result<(), String> {
    let ok = !v.is_empty()
        && v.len() <= 128
        && v.chars()
            .all(|c| c.is_ascii_alphanumeric() || "-_.:+".contains(c));
    if ok {
        Ok(())
    } else {
        Err(format!(
            "`{field}` must be 1–128 characters of A–Z, a–z, 0–9 and - _ . : +, not {v:?}"
        ))
    }
}

fn check_text(field: &str, v: &Option<String>) -> Result<(), String> {
    match v {
        Some(s) if s.len() > 128 || s.chars().any(char::is_control) => Err(format!(
            "`{field}` must be at most 128 printable characters"
        )),
        _ => Ok(()),
    }
}

fn check_range(field: &str, v: Option<f64>, lo: f64, hi: f64) -> Result<(), String> {
    match v {
        Some(x) if !(x.is_finite() && (lo..=hi).contains(&x)) => {
            Err(format!("`{field}` must be between {lo} and {hi}, not {x}"))
        }
        _ => Ok(()),
    }
}

/// Checks a run summary as the server will; `now` is the receiver's clock.
pub fn run(run: &RunIngest, now: DateTime<Utc>) -> Result<(), String> {
    check_id("run_id", &run.run_id)?;
    check_time("started_at", run.started_at, now)?;
    let rs_ok = !run.read_structure.is_empty()
        && run.read_structure.len() <= 64
        && run
            .read_structure
            .chars()
            .all(|c| c.is_ascii_digit() || c == '-' || c == '+');
    if !rs_ok {
        return Err(format!(
            "`read_structure` must look like 151-8-8-151, not {:?}",
            run.read_structure
        ));
    }
    if let Some(done) = run.completed_at {
        if done < run.started_at {
            return Err("`completed_at` is before `started_at`".into());
        }
    }
    let c = &run.configuration;
    check_text("control_software_version", &c.control_software_version)?;
    check_text("rta_version", &c.rta_version)?;
    check_text("flow_cell_id", &c.flow_cell_id)?;
    check_text("flow_cell_lot", &c.flow_cell_lot)?;
    check_text("flow_cell_type", &c.flow_cell_type)?;
    check_text("reagent_kit_lot", &c.reagent_kit_lot)?;
    check_text("chemistry", &c.chemistry)?;
    let s = &run.summary;
    check_range("yield_gb", s.yield_gb, 0.0, 100_000.0)?;
    check_range("pct_q30", s.pct_q30, 0.0, 100.0)?;
    check_range("pct_pf", s.pct_pf, 0.0, 100.0)?;
    check_range(
        "cluster_density_k_mm2",
        s.cluster_density_k_mm2,
        0.0,
        100_000.0,
    )?;
    check_range("error_rate", s.error_rate, 0.0, 100.0)
}

/// Checks a telemetry batch as the server will; `now` is the receiver's clock.
pub fn batch(b: &TelemetryBatch, now: DateTime<Utc>) -> Result<(), String> {
    check_id("batch_id", &b.batch_id)?;
    let n = b.readings.len() + b.events.len();
    if n > MAX_BATCH_ITEMS {
        return Err(format!(
            "a batch carries at most {MAX_BATCH_ITEMS} readings and events, not {n}"
        ));
    }
    if let Some(r) = &b.instrument {
        check_text("control_software_version", &r.control_software_version)?;
        check_text("rta_version", &r.rta_version)?;
    }
    for (i, r) in b.readings.iter().enumerate() {
        let name_ok = !r.sensor.is_empty()
            && r.sensor.len() <= 64
            && r.sensor
                .chars()
                .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '_');
        if !name_ok {
            return Err(format!(
                "readings[{i}].sensor must be 1–64 of a–z, 0–9 and _, not {:?}",
                r.sensor
            ));
        }
        if !r.value.is_finite() {
            return Err(format!("readings[{i}].value must be a finite number"));
        }
        // Only sensors the server knows are stored: an instrument cannot grow the tables
        // (and every fleet recomputation) with names of its own.
        if crate::domain::sensor_spec(&r.sensor).is_none() {
            let mut unknown: Vec<&str> = b
                .readings
                .iter()
                .map(|r| r.sensor.as_str())
                .filter(|s| crate::domain::sensor_spec(s).is_none())
                .collect();
            unknown.sort_unstable();
            unknown.dedup();
            let shown: Vec<&str> = unknown.iter().take(10).copied().collect();
            return Err(format!(
                "{} unknown sensor name(s): {}{}; known sensors are {}",
                unknown.len(),
                shown.join(", "),
                if unknown.len() > shown.len() {
                    ", …"
                } else {
                    ""
                },
                crate::domain::SENSORS
                    .iter()
                    .map(|s| s.name)
                    .collect::<Vec<_>>()
                    .join(", ")
            ));
        }
        check_time(&format!("readings[{i}].at"), r.at, now)?;
    }
    for (i, e) in b.events.iter().enumerate() {
        let code_ok = !e.code.is_empty()
            && e.code.len() <= 64
            && e.code
                .chars()
                .all(|c| c.is_ascii_uppercase() || c.is_ascii_digit() || c == '_');
        if !code_ok {
            return Err(format!(
                "events[{i}].code must be 1–64 of A–Z, 0–9 and _, not {:?}",
                e.code
            ));
        }
        check_time(&format!("events[{i}].at"), e.at, now)?;
    }
    Ok(())
}
