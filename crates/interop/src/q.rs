//! QMetricsOut.bin (v4–v7): per lane/tile/cycle Q-score histograms (binning: `q_binning`).
//!
//! Histograms are summed per (lane, cycle) while streaming; memory is lanes × cycles ×
//! bins, independent of file size. Summing before binning is exact because binning only
//! picks histogram slots and %≥Q30 only adds them.

use std::collections::{BTreeMap, BTreeSet};
use std::io::Read;
use std::path::Path;

use crate::binary::{Fields, RecordReader, RunBounds, SeenCycles};
use crate::error::{FormatError, InteropError};

/// Number of Q values in an unbinned histogram (Q1..Q50).
pub const MAX_Q: usize = 50;

/// Q20/Q30/total counts for one (lane, cycle) after binning.
#[derive(Debug, Clone, Copy, Default, PartialEq)]
pub struct QCounts {
    pub q20: u64,
    pub q30: u64,
    pub total: u64,
    /// Number of tile records summed in.
    pub records: u64,
}

/// One Q-score bin from the file header (or a legacy default).
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize)]
pub struct QBin {
    pub lower: u8,
    pub upper: u8,
    pub value: u8,
}

/// Histogram sum for one (lane, cycle).
#[derive(Debug, Clone, Default)]
pub(crate) struct Cell {
    pub(crate) hist: Vec<u64>,
    pub(crate) records: u64,
}

/// Streamed QMetricsOut.bin content.
#[derive(Debug, Default)]
pub struct QMetrics {
    pub version: u8,
    /// Bins declared in the header (v5+); empty for unbinned files and v4.
    pub header_bins: Vec<QBin>,
    pub(crate) cells: BTreeMap<(u16, u16), Cell>,
    /// Tiles per lane with at least one record outside the last cycle of a read.
    pub(crate) usable_tiles: BTreeMap<u16, BTreeSet<u32>>,
    pub seen: SeenCycles,
    pub records: u64,
    pub duplicates: u64,
    pub trailing_bytes: u64,
}

struct Layout {
    wide_tile: bool,
    counts: usize,
    /// v5 with bins: the record holds 50 counts, of which slot `value − 1` of each bin is kept.
    pick: Option<Vec<usize>>,
}

/// Stream a QMetricsOut.bin.
pub fn read_q_metrics<R: Read>(
    reader: R,
    path: &Path,
    bounds: &RunBounds,
) -> Result<QMetrics, InteropError> {
    let mut rr = RecordReader::new(reader, path);
    let [version, record_size] = rr.header::<2>()?;
    let record_size = usize::from(record_size);
    if !(4..=7).contains(&version) {
        return Err(rr.unknown_version(version, "4, 5, 6, 7"));
    }
    let bins = if version >= 5 {
        read_bins(&mut rr, version)?
    } else {
        Vec::new()
    };
    let (layout, expected) = match version {
        4 => (
            Layout {
                wide_tile: false,
                counts: MAX_Q,
                pick: None,
            },
            6 + 4 * MAX_Q,
        ),
        5 => {
            let pick =
                (!bins.is_empty()).then(|| bins.iter().map(|b| usize::from(b.value) - 1).collect());
            (
                Layout {
                    wide_tile: false,
                    counts: MAX_Q,
                    pick,
                },
                6 + 4 * MAX_Q,
            )
        }
        6 => {
            let n = if bins.is_empty() { MAX_Q } else { bins.len() };
            (
                Layout {
                    wide_tile: false,
                    counts: n,
                    pick: None,
                },
                6 + 4 * n,
            )
        }
        _ => {
            // v7: the record size is authoritative for the unbinned histogram length.
            let n = if bins.is_empty() {
                record_size.saturating_sub(8) / 4
            } else {
                bins.len()
            };
            (
                Layout {
                    wide_tile: true,
                    counts: n,
                    pick: None,
                },
                8 + 4 * n,
            )
        }
    };
    if record_size != expected || layout.counts == 0 {
        return Err(rr.error(
            1,
            FormatError::RecordSizeMismatch {
                version,
                found: record_size,
                expected,
            },
        ));
    }
    let hist_len = layout.pick.as_ref().map_or(layout.counts, Vec::len);
    let mut out = QMetrics {
        version,
        header_bins: bins,
        seen: SeenCycles::new(bounds),
        ..QMetrics::default()
    };
    rr.set_record_size(record_size);
    let mut counts = vec![0u64; layout.counts];
    while let Some((offset, rec)) = rr.next_record()? {
        let mut f = Fields::new(rec);
        let Some((lane, tile, cycle)) = parse_id(&mut f, layout.wide_tile) else {
            continue; // unreachable: the buffer has exactly the layout size
        };
        for c in counts.iter_mut() {
            *c = u64::from(f.u32().unwrap_or(0));
        }
        out.records += 1;
        let checked = out
            .seen
            .check(bounds, (lane, tile, cycle), &mut out.duplicates)
            .map_err(|e| rr.error(offset, e))?;
        let Some(info) = checked else {
            continue;
        };
        let cell = out.cells.entry((lane, cycle)).or_insert_with(|| Cell {
            hist: vec![0; hist_len],
            records: 0,
        });
        cell.records += 1;
        match &layout.pick {
            Some(pick) => {
                for (slot, &i) in cell.hist.iter_mut().zip(pick) {
                    *slot = slot.saturating_add(counts.get(i).copied().unwrap_or(0));
                }
            }
            None => {
                for (slot, c) in cell.hist.iter_mut().zip(&counts) {
                    *slot = slot.saturating_add(*c);
                }
            }
        }
        if !info.is_last_in_read {
            out.usable_tiles.entry(lane).or_default().insert(tile);
        }
    }
    out.trailing_bytes = rr.trailing_bytes;
    Ok(out)
}

fn parse_id(f: &mut Fields<'_>, wide_tile: bool) -> Option<(u16, u32, u16)> {
    Some((f.u16()?, f.tile(wide_tile)?, f.u16()?))
}

/// Extended header of v5+: has_bins, then bins (three arrays in v5/v6, triples in v7).
pub(crate) fn read_bins<R: Read>(
    rr: &mut RecordReader<R>,
    version: u8,
) -> Result<Vec<QBin>, InteropError> {
    let [has_bins] = rr.header::<1>()?;
    if has_bins == 0 {
        return Ok(Vec::new());
    }
    let at = rr.offset();
    let [n] = rr.header::<1>()?;
    if n == 0 {
        return Err(rr.error(at, FormatError::InvalidHeader("bin count is 0".into())));
    }
    let n = usize::from(n);
    let mut raw = vec![[0u8; 3]; n];
    if version == 7 {
        for b in raw.iter_mut() {
            *b = rr.header::<3>()?;
        }
    } else {
        for field in 0..3 {
            for b in raw.iter_mut() {
                let [v] = rr.header::<1>()?;
                if let Some(slot) = b.get_mut(field) {
                    *slot = v;
                }
            }
        }
    }
    let bins: Vec<QBin> = raw
        .into_iter()
        .map(|[lower, upper, value]| QBin {
            lower,
            upper,
            value,
        })
        .collect();
    if let Some(bad) = bins
        .iter()
        .find(|b| b.value == 0 || usize::from(b.value) > MAX_Q)
    {
        let reason = format!("bin value {} outside 1..={MAX_Q}", bad.value);
        return Err(rr.error(at, FormatError::InvalidHeader(reason)));
    }
    Ok(bins)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::binary::test_bounds;

    fn record(lane: u16, tile: u32, cycle: u16, wide: bool, counts: &[u32]) -> Vec<u8> {
        let mut r = lane.to_le_bytes().to_vec();
        if wide {
            r.extend(tile.to_le_bytes());
        } else {
            r.extend((tile as u16).to_le_bytes());
        }
        r.extend(cycle.to_le_bytes());
        counts.iter().for_each(|c| r.extend(c.to_le_bytes()));
        r
    }

    fn read(bytes: &[u8], cycles: u32) -> Result<QMetrics, InteropError> {
        read_q_metrics(
            bytes,
            Path::new("QMetricsOut.bin"),
            &test_bounds(8, 1, cycles),
        )
    }

    #[test]
    fn v4_unbinned_sums_q30_and_up() {
        let mut hist = [0u32; 50];
        for (i, h) in hist.iter_mut().enumerate() {
            *h = i as u32 + 1; // >7 populated slots: unbinned
        }
        let mut f = vec![4u8, 206];
        f.extend(record(1, 1101, 1, false, &hist));
        f.extend(record(1, 1102, 1, false, &hist));
        f.extend(record(1, 1101, 1, false, &hist)); // repeated id: skipped, counted
        let q = read(&f, 3).unwrap();
        let c = q.collapse(false)[&(1, 1)];
        let q30: u64 = (30..=50).sum();
        assert_eq!(
            (c.q30, c.q20, c.total, c.records),
            (2 * q30, 2 * (20..=50).sum::<u64>(), 2 * 1275, 2)
        );
        assert_eq!((q.duplicates, q.usable_tile_count(1)), (1, 2));
    }

    #[test]
    fn v5_binned_picks_value_slots() {
        let mut f = vec![5u8, 206, 1, 3, 1, 20, 30, 19, 29, 40, 10, 25, 35];
        let mut hist = [0u32; 50];
        hist[9] = 5; // value 10
        hist[24] = 6; // value 25
        hist[34] = 7; // value 35
        hist[0] = 1000; // not a bin value: dropped, as the official reader does
        f.extend(record(1, 1101, 1, false, &hist));
        let c = read(&f, 2).unwrap().collapse(false)[&(1, 1)];
        assert_eq!((c.q30, c.q20, c.total), (7, 13, 18));
    }

    #[test]
    fn v6_binned_matches_official_example() {
        // Bins 2–9→2, 10–19→14, 20–24→21, 25–29→27, 30–34→32, 35–39→36, 40→40 (NextSeq 550).
        let mut f = vec![
            6u8, 34, 1, 7, 2, 10, 20, 25, 30, 35, 40, 9, 19, 24, 29, 34, 39, 40, 2, 14, 21, 27, 32,
            36, 40,
        ];
        f.extend(record(
            7,
            1114,
            1,
            false,
            &[0, 267962, 118703, 4284, 2796110, 0, 0],
        ));
        f.extend(record(
            7,
            1114,
            2,
            false,
            &[0, 241483, 44960, 1100, 2899568, 0, 0],
        ));
        f.extend(record(
            7,
            1114,
            3,
            false,
            &[0, 212144, 53942, 427, 2920598, 0, 0],
        ));
        let q = read(&f, 4).unwrap();
        let cells = q.collapse(false);
        let (q30, total) = cells
            .values()
            .fold((0, 0), |(a, b), c| (a + c.q30, b + c.total));
        assert!((100.0 * q30 as f64 / total as f64 - 90.116_333).abs() < 1e-4);
    }

    #[test]
    fn v7_triples_and_wide_tiles() {
        let mut f = vec![7u8, 20, 1, 3, 2, 17, 11, 18, 29, 25, 30, 40, 37];
        f.extend(record(1, 1_234_567, 1, true, &[1, 2, 3]));
        let q = read(&f, 2).unwrap();
        assert_eq!(
            q.header_bins[2],
            QBin {
                lower: 30,
                upper: 40,
                value: 37
            }
        );
        let c = q.collapse(false)[&(1, 1)];
        assert_eq!((c.q30, c.q20, c.total), (3, 5, 6));
    }

    fn reason(e: InteropError) -> (u64, FormatError) {
        match e {
            InteropError::Format { offset, reason, .. } => (offset, reason),
            other => panic!("unexpected {other}"),
        }
    }

    #[test]
    fn bad_inputs() {
        assert_eq!(
            reason(read(&[], 2).unwrap_err()),
            (0, FormatError::EmptyFile)
        );
        assert!(matches!(
            reason(read(&[8, 206], 2).unwrap_err()),
            (0, FormatError::UnknownVersion { .. })
        ));
        assert!(matches!(
            reason(read(&[4, 200], 2).unwrap_err()),
            (1, FormatError::RecordSizeMismatch { .. })
        ));
        // v6 header says 7 bins but the record size fits 50 counts.
        let f = [
            6u8, 206, 1, 7, 2, 10, 20, 25, 30, 35, 40, 9, 19, 24, 29, 34, 39, 40, 2, 14, 21, 27,
            32, 36, 40,
        ];
        assert!(matches!(
            reason(read(&f, 2).unwrap_err()),
            (1, FormatError::RecordSizeMismatch { .. })
        ));
        // Header cut inside the bin table.
        assert!(matches!(
            reason(read(&[6, 34, 1, 7, 2, 10], 2).unwrap_err()),
            (6, FormatError::TruncatedHeader { .. })
        ));
        assert!(matches!(
            reason(read(&[6, 10, 1, 1, 0, 0, 0], 2).unwrap_err()),
            (3, FormatError::InvalidHeader(_))
        ));
        let mut f = vec![4u8, 206];
        f.extend(record(1, 1101, 3, false, &[0; 50]));
        assert_eq!(
            reason(read(&f, 2).unwrap_err()),
            (
                2,
                FormatError::CycleOutOfRange {
                    cycle: 3,
                    total_cycles: 2
                }
            )
        );
        let mut f = vec![4u8, 206];
        f.extend(record(9, 1101, 1, false, &[0; 50]));
        assert_eq!(
            reason(read(&f, 2).unwrap_err()),
            (
                2,
                FormatError::LaneOutOfRange {
                    lane: 9,
                    lane_count: 8
                }
            )
        );
    }
}
