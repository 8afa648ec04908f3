//! The run summary, computed the way the official InterOp library (1.9.0) computes it:
//! tile figures are per lane over tiles, Q figures sum calls over the usable cycles (each
//! read's last cycle excluded), error rate averages per-tile means, and intensity uses
//! cycle 1 of each read. A metric the folder does not have is `None`.

use std::collections::{BTreeMap, BTreeSet};

use crate::error_metrics::ErrorMetrics;
use crate::extraction::ExtractionMetrics;
use crate::quality;
use crate::rows::{is_index, read_number, Acc};
pub use crate::rows::{CycleQuality, GroupSummary, MetricSets, ReadLaneSummary, ReadSummary};
use crate::run_info::RunInfo;
use crate::stats::{divide, stat};
use crate::tile::TileMetrics;

/// Everything `summarize` returns besides run_info / run_parameters / warnings.
pub(crate) struct Figures {
    pub total: GroupSummary,
    pub nonindex: GroupSummary,
    pub reads: Vec<ReadSummary>,
    pub lanes: Vec<ReadLaneSummary>,
    pub per_cycle_q30: Vec<CycleQuality>,
}

pub(crate) fn compute(info: &RunInfo, m: &MetricSets) -> Figures {
    let tile = m.tile.as_ref().filter(|t| !t.tiles.is_empty());
    let lanes = lanes_with_tiles(info, m);
    let mut rows: Vec<ReadLaneSummary> = Vec::new();
    for (read_index, read) in info.reads.iter().enumerate() {
        for (&lane, &tile_count) in &lanes {
            rows.push(tile_row(read.number, read_index, lane, tile_count, tile));
        }
    }
    let mut groups = vec![GroupSummary::default(); info.reads.len()];
    let (mut total, mut nonindex) = (GroupSummary::default(), GroupSummary::default());

    // Tile metrics: % aligned is weighted by the number of tiles with a value.
    if tile.is_some() {
        let (mut t, mut ni) = (Acc::default(), Acc::default());
        for (i, g) in groups.iter_mut().enumerate() {
            let mut acc = Acc::default();
            for r in rows.iter().filter(|r| r.read == read_number(info, i)) {
                if let Some(n) = aligned_count(tile, i, r.lane) {
                    acc.add(r.percent_aligned.map_or(0.0, |s| s.mean) * n, n);
                }
            }
            g.percent_aligned = Some(acc.ratio());
            t.add(acc.sum, acc.n);
            if !is_index(info, i) {
                ni.add(acc.sum, acc.n);
            }
        }
        total.percent_aligned = Some(t.ratio());
        nonindex.percent_aligned = Some(ni.ratio());
    }

    quality::apply_quality(info, m, &mut rows, &mut groups, &mut total, &mut nonindex);
    apply_errors(
        info,
        m.error.as_ref(),
        &mut rows,
        &mut groups,
        &mut total,
        &mut nonindex,
    );
    apply_intensity(
        info,
        m.extraction.as_ref(),
        &mut rows,
        &mut groups,
        &mut total,
        &mut nonindex,
    );

    // Cluster totals (same for every read); the derived figures are labelled as such.
    let lane_rows: Vec<&ReadLaneSummary> = rows
        .iter()
        .filter(|r| Some(r.read) == info.reads.first().map(|r| r.number))
        .collect();
    let reads: Option<f64> = lane_rows.iter().map(|r| r.reads).sum();
    let reads_pf: Option<f64> = lane_rows.iter().map(|r| r.reads_pf).sum();
    let weighted: Option<(f64, f64)> = lane_rows
        .iter()
        .filter_map(|r| {
            r.density_per_mm2
                .map(|d| (d.mean * r.tile_count as f64, r.tile_count as f64))
        })
        .reduce(|a, b| (a.0 + b.0, a.1 + b.1));
    let density = weighted.map(|(s, n)| divide(s, n));
    let percent_pf = reads.zip(reads_pf).map(|(r, pf)| 100.0 * divide(pf, r));
    for g in groups.iter_mut().chain([&mut total, &mut nonindex]) {
        (g.reads, g.reads_pf, g.percent_pf, g.density_per_mm2) =
            (reads, reads_pf, percent_pf, density);
    }
    if lane_rows.is_empty() {
        for g in groups.iter_mut().chain([&mut total, &mut nonindex]) {
            (g.reads, g.reads_pf, g.percent_pf) = (None, None, None);
        }
    }

    Figures {
        total,
        nonindex,
        reads: info
            .reads
            .iter()
            .zip(groups)
            .map(|(r, summary)| ReadSummary {
                read: r.number,
                is_index: r.is_index,
                cycles: r.cycles,
                summary,
            })
            .collect(),
        lanes: rows,
        per_cycle_q30: quality::per_cycle(info, m),
    }
}

/// Lanes that have at least one tile in any metric set, with their tile counts (the
/// official summary drops lanes without tiles).
fn lanes_with_tiles(info: &RunInfo, m: &MetricSets) -> BTreeMap<u16, usize> {
    let mut tiles: BTreeSet<(u16, u32)> = BTreeSet::new();
    if let Some(t) = &m.tile {
        tiles.extend(t.tiles.keys().copied());
    }
    if let Some(q) = &m.q {
        tiles.extend(q.seen.tiles());
    }
    if let Some(e) = &m.error {
        tiles.extend(e.seen.tiles());
    }
    if let Some(x) = &m.extraction {
        tiles.extend(x.seen.tiles());
    }
    let mut out = BTreeMap::new();
    for (lane, _) in tiles {
        if info.lane_count().is_none_or(|n| lane <= n) {
            *out.entry(lane).or_insert(0) += 1;
        }
    }
    out
}

/// Tile-metric part of one read × lane row.
fn tile_row(
    read: u32,
    read_index: usize,
    lane: u16,
    tile_count: usize,
    tile: Option<&TileMetrics>,
) -> ReadLaneSummary {
    let mut row = ReadLaneSummary {
        read,
        lane,
        tile_count,
        density_per_mm2: None,
        density_pf_per_mm2: None,
        percent_pf: None,
        cluster_count: None,
        cluster_count_pf: None,
        reads: None,
        reads_pf: None,
        phasing: None,
        prephasing: None,
        percent_aligned: None,
        error_rate: None,
        first_cycle_intensity: None,
        percent_q30: None,
        yield_g: None,
        projected_yield_g: None,
    };
    let Some(tile) = tile else { return row };
    let tiles: Vec<_> = tile
        .tiles
        .range((lane, 0)..=(lane, u32::MAX))
        .map(|(_, t)| t)
        .collect();
    let col = |f: fn(&crate::tile::TileValues) -> f32| stat(tiles.iter().map(|t| f64::from(f(t))));
    row.density_per_mm2 = col(|t| t.density);
    row.density_pf_per_mm2 = col(|t| t.density_pf);
    row.cluster_count = col(|t| t.cluster_count);
    row.cluster_count_pf = col(|t| t.cluster_count_pf);
    row.percent_pf = col(|t| t.percent_pf());
    let nan_sum = |f: fn(&crate::tile::TileValues) -> f32| {
        tiles
            .iter()
            .map(|t| f64::from(f(t)))
            .filter(|v| !v.is_nan())
            .sum::<f64>()
    };
    row.reads = Some(nan_sum(|t| t.cluster_count));
    row.reads_pf = Some(nan_sum(|t| t.cluster_count_pf));
    let per_read: Vec<_> = tiles
        .iter()
        .flat_map(|t| t.reads.iter())
        .filter(|r| r.read as usize == read_index + 1)
        .collect();
    row.phasing = stat(per_read.iter().map(|r| f64::from(r.phasing)));
    row.prephasing = stat(per_read.iter().map(|r| f64::from(r.prephasing)));
    row.percent_aligned = stat(per_read.iter().map(|r| f64::from(r.percent_aligned)));
    row
}

/// Number of tiles with a % aligned value for (read, lane), `None` without tile metrics.
fn aligned_count(tile: Option<&TileMetrics>, read_index: usize, lane: u16) -> Option<f64> {
    let tile = tile?;
    let n = tile
        .tiles
        .range((lane, 0)..=(lane, u32::MAX))
        .flat_map(|(_, t)| t.reads.iter())
        .filter(|r| r.read as usize == read_index + 1 && !r.percent_aligned.is_nan())
        .count();
    Some(n as f64)
}

/// Error rate: lane = stats over tile means; read/total = mean over all tile means.
fn apply_errors(
    info: &RunInfo,
    e: Option<&ErrorMetrics>,
    rows: &mut [ReadLaneSummary],
    groups: &mut [GroupSummary],
    total: &mut GroupSummary,
    nonindex: &mut GroupSummary,
) {
    let Some(e) = e.filter(|e| !e.tiles.is_empty()) else {
        return;
    };
    let mut by_read_lane: BTreeMap<(usize, u16), Vec<f64>> = BTreeMap::new();
    for (&(read, lane, _), t) in &e.tiles {
        if let Some(mean) = t.mean() {
            by_read_lane.entry((read, lane)).or_default().push(mean);
        }
    }
    let (mut t, mut ni) = (Acc::default(), Acc::default());
    for (i, g) in groups.iter_mut().enumerate() {
        let mut acc = Acc::default();
        for row in rows.iter_mut().filter(|r| r.read == read_number(info, i)) {
            let values = by_read_lane
                .get(&(i, row.lane))
                .map_or(&[][..], Vec::as_slice);
            row.error_rate = stat(values.iter().copied());
            acc.add(values.iter().sum(), values.len() as f64);
        }
        g.error_rate = (acc.n > 0.0).then(|| acc.ratio());
        t.add(acc.sum, acc.n);
        if !is_index(info, i) {
            ni.add(acc.sum, acc.n);
        }
    }
    total.error_rate = Some(t.ratio());
    nonindex.error_rate = Some(ni.ratio());
}

/// Intensity at cycle 1 of each read: lane = stats over tiles; read/total = tile mean.
/// (For a lane without cycle-1 records the official code repeats the previous lane's
/// statistics; we report `None` there.)
fn apply_intensity(
    info: &RunInfo,
    x: Option<&ExtractionMetrics>,
    rows: &mut [ReadLaneSummary],
    groups: &mut [GroupSummary],
    total: &mut GroupSummary,
    nonindex: &mut GroupSummary,
) {
    let Some(x) = x.filter(|x| x.channel_present && x.seen.tiles().next().is_some()) else {
        return;
    };
    let (mut t, mut ni) = (Acc::default(), Acc::default());
    for (i, g) in groups.iter_mut().enumerate() {
        let mut acc = Acc::default();
        for row in rows.iter_mut().filter(|r| r.read == read_number(info, i)) {
            let values = x
                .first_cycle
                .get(&(i, row.lane))
                .map_or(&[][..], Vec::as_slice);
            row.first_cycle_intensity = stat(values.iter().copied());
            acc.add(values.iter().sum(), values.len() as f64);
        }
        g.first_cycle_intensity = Some(acc.ratio());
        t.add(acc.sum, acc.n);
        if !is_index(info, i) {
            ni.add(acc.sum, acc.n);
        }
    }
    total.first_cycle_intensity = Some(t.ratio());
    nonindex.first_cycle_intensity = Some(ni.ratio());
}
