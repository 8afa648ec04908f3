//! Q-metric part of the run summary: %≥Q30, yield and projected yield per read × lane,
//! read, non-index and total (each read's last cycle excluded), and %≥Q30 per cycle.
//!
//! The counts come from QMetrics2030Out.bin when it holds records, else from
//! QMetricsOut.bin collapsed here — the official `summarize_run_metrics` does the same.

use std::collections::{BTreeMap, BTreeSet};

use crate::q::QCounts;
use crate::rows::{
    is_index, read_number, Acc, CycleQuality, GroupSummary, MetricSets, ReadLaneSummary,
};
use crate::run_info::RunInfo;
use crate::stats::divide;

/// Q20/Q30/total per (lane, cycle) and usable tiles per lane.
struct QSource {
    cells: BTreeMap<(u16, u16), QCounts>,
    usable: BTreeMap<u16, usize>,
}

/// QMetrics2030Out.bin when it has records, else QMetricsOut.bin binned and collapsed.
fn q_source(m: &MetricSets) -> Option<QSource> {
    if let Some(c) = m.q_collapsed.as_ref().filter(|c| !c.cells().is_empty()) {
        let usable = c
            .cells()
            .keys()
            .map(|&(lane, _)| (lane, c.usable_tile_count(lane)))
            .collect();
        return Some(QSource {
            cells: c.cells().clone(),
            usable,
        });
    }
    let q = m.q.as_ref()?;
    let cells = q.collapse(m.next_seq_bins);
    if cells.is_empty() {
        return None;
    }
    let usable = cells
        .keys()
        .map(|&(lane, _)| (lane, q.usable_tile_count(lane)))
        .collect();
    Some(QSource { cells, usable })
}

/// Q30, yield and projected yield per read × lane, read, non-index and total.
pub(crate) fn apply_quality(
    info: &RunInfo,
    m: &MetricSets,
    rows: &mut [ReadLaneSummary],
    groups: &mut [GroupSummary],
    total: &mut GroupSummary,
    nonindex: &mut GroupSummary,
) {
    let Some(QSource { cells, usable }) = q_source(m) else {
        return;
    };
    let usable_tile_count = |lane: u16| usable.get(&lane).copied().unwrap_or(0);
    let cycles = info.cycle_map();
    // (read index, lane) → summed counts over the read's usable cycles.
    let mut by_read_lane: BTreeMap<(usize, u16), QCounts> = BTreeMap::new();
    for (&(lane, cycle), c) in &cells {
        let Some(ci) = usize::from(cycle)
            .checked_sub(1)
            .and_then(|i| cycles.get(i))
        else {
            continue;
        };
        if ci.is_last_in_read {
            continue;
        }
        let acc = by_read_lane.entry((ci.read_index, lane)).or_default();
        acc.q20 = acc.q20.saturating_add(c.q20);
        acc.q30 = acc.q30.saturating_add(c.q30);
        acc.total = acc.total.saturating_add(c.total);
        acc.records = acc.records.saturating_add(c.records);
    }
    // Every lane with rows or with Q data: the official read and run figures sum over all
    // lanes of the run, also those without tile entries.
    let lanes: BTreeSet<u16> = rows
        .iter()
        .map(|r| r.lane)
        .chain(cells.keys().map(|&(lane, _)| lane))
        .collect();
    // Stored (rounded) projected yield per (read, lane), reused for lanes without data.
    let mut projected: BTreeMap<(usize, u16), f64> = BTreeMap::new();
    let (mut t_calls, mut ni_calls) = (Acc::default(), Acc::default());
    let (mut t_yield, mut ni_yield, mut t_proj, mut ni_proj) = (0.0, 0.0, 0.0, 0.0);
    for (i, g) in groups.iter_mut().enumerate() {
        let useable = info.reads.get(i).map_or(0, |r| r.cycles.saturating_sub(1)) as f64;
        let (mut calls, mut read_yield, mut read_proj) = (Acc::default(), 0.0, 0.0);
        for &lane in &lanes {
            let c = by_read_lane.get(&(i, lane)).copied().unwrap_or_default();
            let raw = if c.records > 0 {
                calls.add(c.q30 as f64, c.total as f64);
                let factor = divide(useable * usable_tile_count(lane) as f64, c.records as f64);
                let yield_g = c.total as f64 / 1e9;
                read_yield += yield_g;
                if let Some(row) = rows
                    .iter_mut()
                    .find(|r| r.lane == lane && r.read == read_number(info, i))
                {
                    row.percent_q30 = Some(100.0 * divide(c.q30 as f64, c.total as f64));
                    row.yield_g = Some(yield_g);
                }
                c.total as f64 * factor
            } else {
                // No Q data yet for this read: extrapolate from earlier reads' rate per cycle.
                let (mut sum, mut cyc) = (0.0, 0.0);
                for j in 0..=i {
                    if by_read_lane.get(&(j, lane)).is_some_and(|c| c.total > 0) {
                        sum += projected.get(&(j, lane)).copied().unwrap_or(0.0);
                        cyc += info.reads.get(j).map_or(0, |r| r.cycles.saturating_sub(1)) as f64;
                    }
                }
                if cyc > 0.0 {
                    sum /= cyc;
                }
                sum * useable * 1e9
            };
            let stored = round_g(raw);
            projected.insert((i, lane), stored);
            if let Some(row) = rows
                .iter_mut()
                .find(|r| r.lane == lane && r.read == read_number(info, i))
            {
                row.projected_yield_g = Some(stored);
            }
            read_proj += raw;
        }
        g.yield_g = Some(read_yield);
        g.percent_q30 = Some(100.0 * calls.ratio());
        g.projected_yield_g = Some(round_g(read_proj));
        t_calls.add(calls.sum, calls.n);
        t_yield += read_yield;
        t_proj += read_proj;
        if !is_index(info, i) {
            ni_calls.add(calls.sum, calls.n);
            ni_yield += read_yield;
            ni_proj += read_proj;
        }
    }
    (total.yield_g, total.percent_q30, total.projected_yield_g) = (
        Some(t_yield),
        Some(100.0 * t_calls.ratio()),
        Some(round_g(t_proj)),
    );
    (
        nonindex.yield_g,
        nonindex.percent_q30,
        nonindex.projected_yield_g,
    ) = (
        Some(ni_yield),
        Some(100.0 * ni_calls.ratio()),
        Some(round_g(ni_proj)),
    );
}

/// Calls → Gb, rounded to whole calls as the official library does.
fn round_g(calls: f64) -> f64 {
    (calls + 0.5).floor() / 1e9
}

/// %≥Q30 per cycle over all lanes and tiles.
pub(crate) fn per_cycle(info: &RunInfo, m: &MetricSets) -> Vec<CycleQuality> {
    let Some(QSource { cells, .. }) = q_source(m) else {
        return Vec::new();
    };
    let cycles = info.cycle_map();
    let mut by_cycle: BTreeMap<u16, QCounts> = BTreeMap::new();
    for (&(_, cycle), c) in &cells {
        let acc = by_cycle.entry(cycle).or_default();
        acc.q20 = acc.q20.saturating_add(c.q20);
        acc.q30 = acc.q30.saturating_add(c.q30);
        acc.total = acc.total.saturating_add(c.total);
    }
    by_cycle
        .into_iter()
        .map(|(cycle, c)| CycleQuality {
            cycle,
            read: usize::from(cycle)
                .checked_sub(1)
                .and_then(|i| cycles.get(i))
                .map_or(0, |ci| read_number(info, ci.read_index)),
            q20: c.q20,
            q30: c.q30,
            total: c.total,
            percent_q30: 100.0 * divide(c.q30 as f64, c.total as f64),
        })
        .collect()
}
