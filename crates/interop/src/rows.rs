//! The rows of a run summary (per run and read group, per read, per read × lane, per
//! cycle), the metric sets they are computed from, and the small helpers the tile part
//! (`summary`) and the Q part (`quality`) of the computation share. Both use this module;
//! it uses neither, so the two do not import each other.

use serde::Serialize;

use crate::error_metrics::ErrorMetrics;
use crate::extraction::ExtractionMetrics;
use crate::q::QMetrics;
use crate::q_collapsed::QCollapsedMetrics;
use crate::run_info::RunInfo;
use crate::stats::{divide, Stat};
use crate::tile::TileMetrics;

/// Figures for the whole run (`total`, `nonindex`) or for one read.
#[derive(Debug, Clone, Default, PartialEq, Serialize)]
pub struct GroupSummary {
    pub yield_g: Option<f64>,
    pub projected_yield_g: Option<f64>,
    pub percent_q30: Option<f64>,
    pub error_rate: Option<f64>,
    pub first_cycle_intensity: Option<f64>,
    pub percent_aligned: Option<f64>,
    /// Clusters (sum over lanes and tiles).
    pub reads: Option<f64>,
    pub reads_pf: Option<f64>,
    /// Derived here, not by the official library: 100 × reads_pf / reads.
    pub percent_pf: Option<f64>,
    /// Derived here: tile-weighted mean of the lane mean densities (clusters/mm²).
    pub density_per_mm2: Option<f64>,
}

/// One read with its figures.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct ReadSummary {
    pub read: u32,
    pub is_index: bool,
    pub cycles: u32,
    #[serde(flatten)]
    pub summary: GroupSummary,
}

/// One read in one lane. Tile figures (density, %PF, counts) repeat for every read.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct ReadLaneSummary {
    pub read: u32,
    pub lane: u16,
    pub tile_count: usize,
    pub density_per_mm2: Option<Stat>,
    pub density_pf_per_mm2: Option<Stat>,
    pub percent_pf: Option<Stat>,
    pub cluster_count: Option<Stat>,
    pub cluster_count_pf: Option<Stat>,
    pub reads: Option<f64>,
    pub reads_pf: Option<f64>,
    pub phasing: Option<Stat>,
    pub prephasing: Option<Stat>,
    pub percent_aligned: Option<Stat>,
    pub error_rate: Option<Stat>,
    pub first_cycle_intensity: Option<Stat>,
    pub percent_q30: Option<f64>,
    pub yield_g: Option<f64>,
    pub projected_yield_g: Option<f64>,
}

/// %≥Q30 of one cycle over all lanes and tiles (last cycles of reads included).
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct CycleQuality {
    pub cycle: u16,
    pub read: u32,
    pub q20: u64,
    pub q30: u64,
    pub total: u64,
    pub percent_q30: f64,
}

/// The parsed metric sets a summary is built from (absent or rejected files are `None`).
#[derive(Debug, Default)]
pub struct MetricSets {
    pub tile: Option<TileMetrics>,
    pub q: Option<QMetrics>,
    /// QMetrics2030Out.bin; preferred over `q` for %≥Q30 and yield when it has records.
    pub q_collapsed: Option<QCollapsedMetrics>,
    pub error: Option<ErrorMetrics>,
    pub extraction: Option<ExtractionMetrics>,
    /// Use the NextSeq legacy Q bins (v4 files only).
    pub next_seq_bins: bool,
}

/// Running sums for a group of reads.
#[derive(Default, Clone, Copy)]
pub(crate) struct Acc {
    pub(crate) sum: f64,
    pub(crate) n: f64,
}

impl Acc {
    pub(crate) fn add(&mut self, sum: f64, n: f64) {
        self.sum += sum;
        self.n += n;
    }
    pub(crate) fn ratio(&self) -> f64 {
        divide(self.sum, self.n)
    }
}

pub(crate) fn read_number(info: &RunInfo, index: usize) -> u32 {
    info.reads.get(index).map_or(0, |r| r.number)
}

pub(crate) fn is_index(info: &RunInfo, index: usize) -> bool {
    info.reads.get(index).is_some_and(|r| r.is_index)
}
