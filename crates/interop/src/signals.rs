//! Run-derived hardware signals: figures of one run that follow the instrument rather
//! than the library loaded on it, so that their trend over runs is a health signal.
//!
//! Derived from what a finished run folder already holds:
//!
//! | signal | from | how |
//! |---|---|---|
//! | focus (FWHM, px) | ExtractionMetrics | mean over tiles, imaged channels (focus > 0) and the cycles of the non-index reads |
//! | tiles out of focus (%) | ExtractionMetrics | share of tile × cycle images whose FWHM (mean of channels) is over 1.25 × the run's median image |
//! | surface focus difference (px) | ExtractionMetrics | \|mean FWHM of the top surface − the bottom surface\| (two-surface flow cells) |
//! | cycle-1 intensity (counts) | ExtractionMetrics | mean over tiles and channels of the 90th-percentile intensity at cycle 1 of the first non-index read |
//! | early intensity per laser (counts) | ExtractionMetrics | as cycle-1 intensity, over the laser's channels ([`crate::lasers`]) and cycles 1 … 5 of that read: less sensitive to one odd first cycle |
//! | focus per laser (FWHM, px) | ExtractionMetrics | as focus, over the laser's channels |
//! | intensity change (% per cycle) | ExtractionMetrics | exp(least-squares slope of ln(mean intensity) over cycles 2 … min(50, n−1) of the first non-index read) − 1; negative: intensity decays along the read |
//! | cycle time (min) | ExtractionMetrics v2 timestamps | median time between the ends of consecutive cycles |
//! | phasing, prephasing (%) | TileMetrics v2 | read 1's mean over tiles, mean over lanes (the summary's figures) |
//! | how the run ended, cycles done | RunCompletionStatus.xml | the allow-listed status and cycle counts ([`crate::completion`]) |
//!
//! A signal a folder cannot give (no such file, an empty one, one channel, one surface,
//! Extraction v3 without timestamps) is `None`. Reading never fails: a file that does not
//! parse gives no signals, as the summary leaves it out.

use std::collections::BTreeMap;
use std::fs::File;
use std::io::{BufReader, Read};
use std::path::Path;

use serde::Serialize;

use crate::binary::{Fields, RecordReader, RunBounds, SeenCycles};
use crate::completion::{read_run_completion, RunCompletion};
use crate::error::InteropError;
use crate::lasers::{channel_lasers, Laser};
use crate::RunSummary;

/// An image (tile × cycle) is out of focus when its FWHM exceeds the run's median image
/// by this factor: a focus failure of one image or a tilted area, not the run's level.
pub const OUT_OF_FOCUS_FACTOR: f64 = 1.25;

/// The intensity change is fitted over cycles 2 … 50 of the first read (fewer for a
/// shorter read): later cycles follow recipe events (a HiSeq 2500's intensity steps back
/// up near cycle 105), not the run's steady decay.
pub const DECAY_LAST_CYCLE: f64 = 50.0;

/// Early intensity is the mean over the first cycles of the first read: one cycle can be
/// off (template generation), five are still before the decay matters.
pub const EARLY_CYCLES: u32 = 5;

/// The hardware signals of one run; `None` where the folder does not hold what it needs.
#[derive(Debug, Clone, Default, PartialEq, Serialize)]
pub struct RunSignals {
    pub fwhm_px: Option<f64>,
    pub out_of_focus_pct: Option<f64>,
    pub surface_fwhm_delta_px: Option<f64>,
    pub c1_intensity: Option<f64>,
    /// Per laser, in [`Laser::ALL`] order (red, green, blue): mean FWHM of its channels
    /// over the non-index images.
    pub fwhm_px_by_laser: [Option<f64>; 3],
    /// Per laser: mean intensity of its channels over cycles 1 … [`EARLY_CYCLES`] of the
    /// first non-index read.
    pub early_intensity_by_laser: [Option<f64>; 3],
    pub intensity_change_pct_per_cycle: Option<f64>,
    pub cycle_minutes: Option<f64>,
    pub phasing_pct: Option<f64>,
    pub prephasing_pct: Option<f64>,
    /// When the last image of the run was taken (Unix seconds, the instrument's clock as
    /// written: Extraction v2 timestamps carry no zone we can trust).
    pub last_image_at: Option<i64>,
    /// How the run ended, where the control software writes RunCompletionStatus.xml.
    pub completion: Option<RunCompletion>,
}

/// The signals of a run folder whose summary is `summary`.
pub fn derive(run_folder: &Path, summary: &RunSummary) -> RunSignals {
    let mut out = RunSignals {
        // A file that does not parse says nothing about how the run ended.
        completion: read_run_completion(run_folder).ok().flatten(),
        ..RunSignals::default()
    };
    // Phasing is per read in TileMetrics; the first non-index read, mean over its lanes.
    if let Some(read) = first_read(summary) {
        let lanes = summary.lanes.iter().filter(|l| l.read == read);
        let (ph, pre): (Vec<f64>, Vec<f64>) = lanes
            .filter_map(|l| Some((l.phasing?.mean, l.prephasing?.mean)))
            .filter(|(a, b)| a.is_finite() && b.is_finite())
            .unzip();
        out.phasing_pct = mean(&ph);
        out.prephasing_pct = mean(&pre);
    }
    let bounds = RunBounds::from_run_info(&summary.run_info);
    let read_index =
        first_read(summary).and_then(|n| summary.run_info.reads.iter().position(|r| r.number == n));
    let five_digit = summary
        .run_info
        .layout
        .as_ref()
        .and_then(|l| l.tile_naming.as_deref())
        == Some("FiveDigit");
    let path = ["ExtractionMetricsOut.bin", "ExtractionMetrics.bin"]
        .iter()
        .map(|n| run_folder.join("InterOp").join(n))
        .find(|p| p.is_file());
    let index_reads: Vec<bool> = summary.run_info.reads.iter().map(|r| r.is_index).collect();
    // A legacy RunInfo.xml names no channels: the instrument's default order applies.
    let legacy = summary
        .run_parameters
        .as_ref()
        .filter(|_| summary.run_info.channels.is_empty())
        .and_then(|p| p.instrument_type.as_deref());
    let lasers = channel_lasers(&summary.run_info.channels, legacy);
    if let Some(path) = path {
        let parsed = File::open(&path)
            .map_err(|source| InteropError::Io {
                path: path.clone(),
                source,
            })
            .and_then(|f| {
                read_images(
                    BufReader::with_capacity(64 * 1024, f),
                    Path::new("InterOp/ExtractionMetricsOut.bin"),
                    &bounds,
                    &lasers,
                )
            });
        if let Ok(images) = parsed {
            images.apply(&mut out, &index_reads, read_index, five_digit);
        }
    }
    out
}

/// Number of the first non-index read.
fn first_read(summary: &RunSummary) -> Option<u32> {
    let mut reads: Vec<_> = summary
        .run_info
        .reads
        .iter()
        .filter(|r| !r.is_index)
        .collect();
    reads.sort_by_key(|r| r.number);
    reads.first().map(|r| r.number)
}

fn mean(v: &[f64]) -> Option<f64> {
    (!v.is_empty()).then(|| v.iter().sum::<f64>() / v.len() as f64)
}

fn median(v: &mut [f64]) -> Option<f64> {
    if v.is_empty() {
        return None;
    }
    v.sort_by(f64::total_cmp);
    let n = v.len();
    Some((v[(n - 1) / 2] + v[n / 2]) / 2.0)
}

/// One image's figures: mean FWHM and mean intensity over channels.
#[derive(Debug, Clone, Copy)]
struct Image {
    tile: u32,
    read_index: usize,
    within: u32,
    fwhm: f64,
    intensity: f64,
    /// (FWHM, intensity) of each laser's channels, in [`Laser::ALL`] order.
    by_laser: [Option<(f64, f64)>; 3],
}

/// Every image of an ExtractionMetrics file, reduced to a few numbers each.
#[derive(Debug, Default)]
struct Images {
    images: Vec<Image>,
    /// Newest timestamp per cycle (Unix seconds), v2 only.
    cycle_end: BTreeMap<u16, i64>,
}

/// C# `DateTime.ToBinary` → Unix seconds (FORMATS.md); `None` for 0 (not written).
fn unix_from_ticks(v: u64) -> Option<i64> {
    let mut ticks = v & 0x3fff_ffff_ffff_ffff;
    if ticks > 0x3fff_ff36_d596_4000 {
        ticks = ticks.wrapping_sub(0x4000_0000_0000_0000) & 0x3fff_ffff_ffff_ffff;
    }
    let unix = (ticks as i64 - 621_355_968_000_000_000) / 10_000_000;
    // 2000-01-01 .. 2100-01-01: anything else is not a clock reading.
    (946_684_800..4_102_444_800).contains(&unix).then_some(unix)
}

fn read_images<R: Read>(
    reader: R,
    path: &Path,
    bounds: &RunBounds,
    lasers: &[Option<Laser>],
) -> Result<Images, InteropError> {
    let mut rr = RecordReader::new(reader, path);
    let [version, record_size] = rr.header::<2>()?;
    let (wide, channels, expected) = match version {
        2 => (false, 4, 38),
        3 => {
            let [c] = rr.header::<1>()?;
            (true, usize::from(c), 8 + 6 * usize::from(c))
        }
        _ => return Err(rr.unknown_version(version, "2, 3")),
    };
    rr.check_record_size(version, usize::from(record_size), expected)?;
    rr.set_record_size(usize::from(record_size));
    let mut seen = SeenCycles::new(bounds);
    let mut duplicates = 0;
    let mut out = Images::default();
    while let Some((offset, rec)) = rr.next_record()? {
        let mut f = Fields::new(rec);
        let parsed = (|| {
            let (lane, tile, cycle) = (f.u16()?, f.tile(wide)?, f.u16()?);
            let focus: Vec<f32> = (0..channels).map(|_| f.f32()).collect::<Option<_>>()?;
            let intensity: Vec<u16> = (0..channels).map(|_| f.u16()).collect::<Option<_>>()?;
            let at = if version == 2 { f.u64() } else { None };
            Some((lane, tile, cycle, focus, intensity, at))
        })();
        let Some((lane, tile, cycle, focus, intensity, at)) = parsed else {
            continue;
        };
        let Some(info) = seen
            .check(bounds, (lane, tile, cycle), &mut duplicates)
            .map_err(|e| rr.error(offset, e))?
        else {
            continue;
        };
        if let Some(t) = at.and_then(unix_from_ticks) {
            let e = out.cycle_end.entry(cycle).or_insert(t);
            *e = (*e).max(t);
        }
        // Channels the instrument does not image (a 2-colour NextSeq writes four slots)
        // have no focus value: they count in neither mean.
        let imaged: Vec<(Option<Laser>, f64, f64)> = focus
            .iter()
            .zip(&intensity)
            .enumerate()
            .map(|(slot, (&x, &i))| {
                (
                    lasers.get(slot).copied().flatten(),
                    f64::from(x),
                    f64::from(i),
                )
            })
            .filter(|(_, x, _)| x.is_finite() && *x > 0.0)
            .collect();
        let means = |of: &dyn Fn(&Option<Laser>) -> bool| {
            let (f, i): (Vec<f64>, Vec<f64>) = imaged
                .iter()
                .filter(|(l, _, _)| of(l))
                .map(|&(_, x, i)| (x, i))
                .unzip();
            mean(&f).zip(mean(&i))
        };
        let Some((fwhm, intensity)) = means(&|_| true) else {
            continue;
        };
        let by_laser = Laser::ALL.map(|laser| means(&|l| *l == Some(laser)));
        out.images.push(Image {
            tile,
            read_index: info.read_index,
            within: info.cycle_within_read,
            fwhm,
            intensity,
            by_laser,
        });
    }
    Ok(out)
}

impl Images {
    fn apply(
        &self,
        out: &mut RunSignals,
        index_reads: &[bool],
        first_read: Option<usize>,
        five_digit: bool,
    ) {
        let sequenced: Vec<&Image> = self
            .images
            .iter()
            .filter(|i| !index_reads.get(i.read_index).copied().unwrap_or(false))
            .collect();
        let fwhm: Vec<f64> = sequenced.iter().map(|i| i.fwhm).collect();
        out.fwhm_px = mean(&fwhm);
        if let Some(mid) = median(&mut fwhm.clone()) {
            let off = fwhm
                .iter()
                .filter(|&&x| x > OUT_OF_FOCUS_FACTOR * mid)
                .count();
            out.out_of_focus_pct = Some(100.0 * off as f64 / fwhm.len() as f64);
        }
        let surface = |tile: u32| {
            if five_digit {
                tile / 10_000
            } else {
                tile / 1000
            }
        };
        let mut by_surface: BTreeMap<u32, Vec<f64>> = BTreeMap::new();
        for i in &sequenced {
            by_surface.entry(surface(i.tile)).or_default().push(i.fwhm);
        }
        if let (Some(top), Some(bottom)) = (by_surface.get(&1), by_surface.get(&2)) {
            out.surface_fwhm_delta_px = mean(top).zip(mean(bottom)).map(|(a, b)| (a - b).abs());
        }
        if let Some(read) = first_read {
            // Mean intensity per cycle of the first read.
            let mut per_cycle: BTreeMap<u32, (f64, u32)> = BTreeMap::new();
            for i in self.images.iter().filter(|i| i.read_index == read) {
                let e = per_cycle.entry(i.within).or_default();
                e.0 += i.intensity;
                e.1 += 1;
            }
            let per_cycle: Vec<(f64, f64)> = per_cycle
                .into_iter()
                .map(|(c, (s, n))| (f64::from(c), s / f64::from(n)))
                .collect();
            out.c1_intensity = per_cycle.iter().find(|(c, _)| *c == 1.0).map(|p| p.1);
            let last = per_cycle.iter().map(|p| p.0).fold(0.0, f64::max);
            let fit: Vec<(f64, f64)> = per_cycle
                .iter()
                .filter(|(c, i)| *c >= 2.0 && *c <= DECAY_LAST_CYCLE && *c < last && *i > 0.0)
                .map(|&(c, i)| (c, i.ln()))
                .collect();
            if fit.len() >= 10 {
                let n = fit.len() as f64;
                let mx = fit.iter().map(|p| p.0).sum::<f64>() / n;
                let my = fit.iter().map(|p| p.1).sum::<f64>() / n;
                let sxy: f64 = fit.iter().map(|p| (p.0 - mx) * (p.1 - my)).sum();
                let sxx: f64 = fit.iter().map(|p| (p.0 - mx) * (p.0 - mx)).sum();
                if sxx > 0.0 {
                    out.intensity_change_pct_per_cycle = Some(100.0 * ((sxy / sxx).exp() - 1.0));
                }
            }
        }
        // Cycle time: ends of consecutive cycles; the median skips the pauses between
        // reads (index preparation, paired-end turnaround).
        let ends: Vec<(u16, i64)> = self.cycle_end.iter().map(|(c, t)| (*c, *t)).collect();
        let mut gaps: Vec<f64> = ends
            .windows(2)
            .filter(|w| w[1].0 == w[0].0 + 1 && w[1].1 > w[0].1)
            .map(|w| (w[1].1 - w[0].1) as f64 / 60.0)
            .collect();
        if gaps.len() >= 5 {
            out.cycle_minutes = median(&mut gaps);
        }
        out.last_image_at = self.cycle_end.values().max().copied();
        self.apply_lasers(out, &sequenced, first_read);
    }

    /// Focus and early intensity per laser.
    fn apply_lasers(&self, out: &mut RunSignals, sequenced: &[&Image], first_read: Option<usize>) {
        for laser in Laser::ALL {
            let l = laser.index();
            let fwhm: Vec<f64> = sequenced
                .iter()
                .filter_map(|i| Some(i.by_laser[l]?.0))
                .collect();
            out.fwhm_px_by_laser[l] = mean(&fwhm);
            let early: Vec<f64> = self
                .images
                .iter()
                .filter(|i| Some(i.read_index) == first_read && i.within <= EARLY_CYCLES)
                .filter_map(|i| Some(i.by_laser[l]?.1))
                .collect();
            out.early_intensity_by_laser[l] = mean(&early);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ticks_convert_to_unix_time() {
        // 2014-02-13T00:00:00 as DateTime ticks, with the "local" kind bit set.
        let ticks: u64 = 621_355_968_000_000_000 + 1_392_249_600 * 10_000_000;
        assert_eq!(unix_from_ticks(ticks), Some(1_392_249_600));
        assert_eq!(
            unix_from_ticks(ticks | 0x4000_0000_0000_0000),
            Some(1_392_249_600)
        );
        assert_eq!(unix_from_ticks(0), None);
    }

    #[test]
    fn medians_and_means() {
        assert_eq!(median(&mut [3.0, 1.0, 2.0]), Some(2.0));
        assert_eq!(median(&mut [4.0, 1.0, 2.0, 3.0]), Some(2.5));
        assert_eq!(median(&mut []), None);
        assert_eq!(mean(&[]), None);
    }
}
