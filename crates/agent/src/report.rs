//! What `seqhealth-agent summarize` shows on the instrument: the run summary as a short
//! table or as one JSON object. This is local output for the lab; what would leave the
//! instrument is [`crate::extract::run_ingest`] (`summarize --dry-run`).

use seqhealth_interop::stats::Stat;
use seqhealth_interop::{GroupSummary, RunSummary};
use serde::Serialize;
use std::fmt::Write as _;

/// `summarize --json`: figures as the official InterOp summary names them; `null` where
/// the run folder does not have the metric. Densities are K/mm² (`density_unit`), as
/// Sequencing Analysis Viewer and the official `summary` program show them.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct SummaryReport {
    pub run_id: Option<String>,
    pub instrument_serial: Option<String>,
    pub instrument_type: Option<String>,
    pub flowcell: Option<String>,
    pub date: Option<String>,
    pub read_structure: String,
    pub control_software_version: Option<String>,
    pub rta_version: Option<String>,
    pub density_unit: &'static str,
    pub total: GroupReport,
    pub nonindex: GroupReport,
    pub reads: Vec<ReadReport>,
    pub lanes: Vec<LaneReport>,
    /// InterOp files left out or read partially, and why (paths relative to the run folder).
    pub warnings: Vec<String>,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct GroupReport {
    pub yield_g: Option<f64>,
    pub percent_gt_q30: Option<f64>,
    pub error_rate: Option<f64>,
    pub first_cycle_intensity: Option<f64>,
    pub percent_pf: Option<f64>,
    pub reads: Option<f64>,
    pub reads_pf: Option<f64>,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct ReadReport {
    pub read: u32,
    pub is_index: bool,
    pub cycles: u32,
    pub yield_g: Option<f64>,
    pub percent_gt_q30: Option<f64>,
    pub error_rate: Option<f64>,
    pub first_cycle_intensity: Option<f64>,
}

/// One read × lane; tile statistics are the mean over tiles.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct LaneReport {
    pub read: u32,
    pub lane: u16,
    pub tile_count: usize,
    /// Mean cluster density over tiles, K/mm².
    pub density: Option<f64>,
    /// Mean PF cluster density over tiles, K/mm².
    pub density_pf: Option<f64>,
    pub percent_pf: Option<f64>,
    pub percent_gt_q30: Option<f64>,
    pub error_rate: Option<f64>,
    pub phasing: Option<f64>,
    pub prephasing: Option<f64>,
    pub first_cycle_intensity: Option<f64>,
    pub yield_g: Option<f64>,
}

fn mean(s: Option<Stat>) -> Option<f64> {
    s.map(|s| s.mean).filter(|x| x.is_finite())
}

/// JSON numbers cannot be NaN or infinite; such a figure is `null`.
fn finite(v: Option<f64>) -> Option<f64> {
    v.filter(|x| x.is_finite())
}

fn group(g: &GroupSummary) -> GroupReport {
    GroupReport {
        yield_g: finite(g.yield_g),
        percent_gt_q30: finite(g.percent_q30),
        error_rate: finite(g.error_rate),
        first_cycle_intensity: finite(g.first_cycle_intensity),
        percent_pf: finite(g.percent_pf),
        reads: finite(g.reads),
        reads_pf: finite(g.reads_pf),
    }
}

pub fn report(s: &RunSummary) -> SummaryReport {
    let info = &s.run_info;
    let params = s.run_parameters.as_ref();
    SummaryReport {
        run_id: info.run_id.clone(),
        instrument_serial: info.instrument.clone(),
        instrument_type: params.and_then(|p| {
            p.instrument_model
                .clone()
                .or_else(|| p.instrument_type.clone())
        }),
        flowcell: info.flowcell.clone(),
        date: info.date_iso.clone().or_else(|| info.date.clone()),
        read_structure: crate::extract::read_structure(info),
        control_software_version: params.and_then(|p| p.application_version.clone()),
        rta_version: params.and_then(|p| p.rta_version.clone()),
        density_unit: "K/mm2",
        total: group(&s.total),
        nonindex: group(&s.nonindex),
        reads: s
            .reads
            .iter()
            .map(|r| ReadReport {
                read: r.read,
                is_index: r.is_index,
                cycles: r.cycles,
                yield_g: finite(r.summary.yield_g),
                percent_gt_q30: finite(r.summary.percent_q30),
                error_rate: finite(r.summary.error_rate),
                first_cycle_intensity: finite(r.summary.first_cycle_intensity),
            })
            .collect(),
        lanes: s
            .lanes
            .iter()
            .map(|l| LaneReport {
                read: l.read,
                lane: l.lane,
                tile_count: l.tile_count,
                density: mean(l.density_per_mm2).map(|d| d / 1000.0),
                density_pf: mean(l.density_pf_per_mm2).map(|d| d / 1000.0),
                percent_pf: mean(l.percent_pf),
                percent_gt_q30: finite(l.percent_q30),
                error_rate: mean(l.error_rate),
                phasing: mean(l.phasing),
                prephasing: mean(l.prephasing),
                first_cycle_intensity: mean(l.first_cycle_intensity),
                yield_g: finite(l.yield_g),
            })
            .collect(),
        warnings: s.warnings.clone(),
    }
}

fn num(v: Option<f64>, decimals: usize) -> String {
    v.map_or_else(|| "-".to_string(), |x| format!("{x:.decimals$}"))
}

fn opt(v: Option<&str>) -> &str {
    v.unwrap_or("-")
}

/// The short human-readable table `summarize` prints without flags.
pub fn table(r: &SummaryReport) -> String {
    let mut out = String::new();
    // Writing to a String cannot fail.
    let _ = writeln!(out, "run          {}", opt(r.run_id.as_deref()));
    let _ = writeln!(
        out,
        "instrument   {} ({})",
        opt(r.instrument_serial.as_deref()),
        opt(r.instrument_type.as_deref())
    );
    let _ = writeln!(
        out,
        "software     control {}, RTA {}",
        opt(r.control_software_version.as_deref()),
        opt(r.rta_version.as_deref())
    );
    let _ = writeln!(
        out,
        "flow cell    {}   date {}   reads {}",
        opt(r.flowcell.as_deref()),
        opt(r.date.as_deref()),
        r.read_structure
    );
    let _ = writeln!(out);
    let _ = writeln!(
        out,
        "{:<12} {:>9} {:>8} {:>8} {:>10}",
        "", "yield Gb", "%>=Q30", "error %", "int. c1"
    );
    let mut row = |name: String, y: Option<f64>, q: Option<f64>, e: Option<f64>, i: Option<f64>| {
        let _ = writeln!(
            out,
            "{name:<12} {:>9} {:>8} {:>8} {:>10}",
            num(y, 2),
            num(q, 2),
            num(e, 2),
            num(i, 0)
        );
    };
    for (name, g) in [("total", &r.total), ("non-index", &r.nonindex)] {
        row(
            name.to_string(),
            g.yield_g,
            g.percent_gt_q30,
            g.error_rate,
            g.first_cycle_intensity,
        );
    }
    for rd in &r.reads {
        let name = format!("read {}{}", rd.read, if rd.is_index { " (I)" } else { "" });
        row(
            name,
            rd.yield_g,
            rd.percent_gt_q30,
            rd.error_rate,
            rd.first_cycle_intensity,
        );
    }
    if !r.lanes.is_empty() {
        let _ = writeln!(out);
        let _ = writeln!(
            out,
            "{:>4} {:>4} {:>6} {:>14} {:>7} {:>8} {:>8}",
            "read", "lane", "tiles", "density K/mm2", "%PF", "%>=Q30", "error %"
        );
        for l in &r.lanes {
            let _ = writeln!(
                out,
                "{:>4} {:>4} {:>6} {:>14} {:>7} {:>8} {:>8}",
                l.read,
                l.lane,
                l.tile_count,
                num(l.density, 1),
                num(l.percent_pf, 2),
                num(l.percent_gt_q30, 2),
                num(l.error_rate, 2)
            );
        }
    }
    out
}
