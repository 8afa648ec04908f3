//! QMetrics2030Out.bin (collapsed Q metrics, v2–v6): per lane/tile/cycle counts of calls
//! ≥ Q20, ≥ Q30 and in total, as RTA3 writes them on NextSeq 1000/2000 and NovaSeq X.
//!
//! Layout (Illumina InterOp `q_collapsed_metric.cpp`):
//! * header `[version u8, record size u8]`; v5/v6 add `has_bins u8` and, if set, the bin
//!   count `n u8` and `n` lower, `n` upper and `n` value bytes (three arrays, as Q v5/v6).
//! * record: lane u16, tile u16, cycle u16, Q20 u32, Q30 u32, total u32, then — when the
//!   record size is 22 rather than 18 — the median Q-score as f32. Every version accepts
//!   both record sizes.
//!
//! The official summary takes %≥Q30 and yield from this file when it holds records, and
//! only otherwise collapses QMetricsOut.bin itself (`summarize_run_metrics`). Counts are
//! summed per (lane, cycle) while streaming; memory is lanes × cycles plus one bit per
//! tile and cycle for repeated ids, independent of file size.

use std::collections::{BTreeMap, BTreeSet};
use std::io::Read;
use std::path::Path;

use crate::binary::{Fields, RecordReader, RunBounds, SeenCycles};
use crate::error::InteropError;
use crate::q::QBin;
use crate::q_binning::QCounts;

/// Record size without the median.
pub const RECORD_SIZE: usize = 18;
/// Record size with the f32 median Q-score.
pub const RECORD_SIZE_WITH_MEDIAN: usize = 22;

/// Streamed QMetrics2030Out.bin content.
#[derive(Debug, Default)]
pub struct QCollapsedMetrics {
    pub version: u8,
    /// True when records carry the median Q-score (record size 22).
    pub has_median: bool,
    /// Bins declared in a v5/v6 header (informative only: the counts are already collapsed).
    pub header_bins: Vec<QBin>,
    /// Q20/Q30/total summed per (lane, cycle).
    pub(crate) cells: BTreeMap<(u16, u16), QCounts>,
    /// Tiles per lane with at least one record outside the last cycle of a read.
    pub(crate) usable_tiles: BTreeMap<u16, BTreeSet<u32>>,
    pub seen: SeenCycles,
    pub records: u64,
    pub duplicates: u64,
    pub trailing_bytes: u64,
}

impl QCollapsedMetrics {
    /// Q20/Q30/total per (lane, cycle).
    pub fn cells(&self) -> &BTreeMap<(u16, u16), QCounts> {
        &self.cells
    }

    /// Distinct tiles per lane that contributed a usable (not last-of-read) cycle.
    pub fn usable_tile_count(&self, lane: u16) -> usize {
        self.usable_tiles.get(&lane).map_or(0, BTreeSet::len)
    }
}

/// Stream a QMetrics2030Out.bin.
pub fn read_q_collapsed_metrics<R: Read>(
    reader: R,
    path: &Path,
    bounds: &RunBounds,
) -> Result<QCollapsedMetrics, InteropError> {
    let mut rr = RecordReader::new(reader, path);
    let [version, record_size] = rr.header::<2>()?;
    let record_size = usize::from(record_size);
    if !(2..=6).contains(&version) {
        return Err(rr.unknown_version(version, "2, 3, 4, 5, 6"));
    }
    if record_size != RECORD_SIZE {
        rr.check_record_size(version, record_size, RECORD_SIZE_WITH_MEDIAN)?;
    }
    let header_bins = if version >= 5 {
        crate::q::read_bins(&mut rr, version)?
    } else {
        Vec::new()
    };
    let mut out = QCollapsedMetrics {
        version,
        has_median: record_size == RECORD_SIZE_WITH_MEDIAN,
        header_bins,
        seen: SeenCycles::new(bounds),
        ..QCollapsedMetrics::default()
    };
    rr.set_record_size(record_size);
    while let Some((offset, rec)) = rr.next_record()? {
        let mut f = Fields::new(rec);
        let Some((lane, tile, cycle, q20, q30, total)) =
            (|| Some((f.u16()?, f.u16()?, f.u16()?, f.u32()?, f.u32()?, f.u32()?)))()
        else {
            continue; // unreachable: the buffer has exactly the layout size
        };
        out.records += 1;
        let tile = u32::from(tile);
        let checked = out
            .seen
            .check(bounds, (lane, tile, cycle), &mut out.duplicates)
            .map_err(|e| rr.error(offset, e))?;
        let Some(info) = checked else {
            continue;
        };
        let cell = out.cells.entry((lane, cycle)).or_default();
        cell.q20 = cell.q20.saturating_add(u64::from(q20));
        cell.q30 = cell.q30.saturating_add(u64::from(q30));
        cell.total = cell.total.saturating_add(u64::from(total));
        cell.records += 1;
        if !info.is_last_in_read {
            out.usable_tiles.entry(lane).or_default().insert(tile);
        }
    }
    out.trailing_bytes = rr.trailing_bytes;
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::binary::test_bounds;
    use crate::error::FormatError;
    use crate::write;

    fn read(bytes: &[u8], cycles: u32) -> Result<QCollapsedMetrics, InteropError> {
        read_q_collapsed_metrics(
            bytes,
            Path::new("InterOp/QMetrics2030Out.bin"),
            &test_bounds(8, 1, cycles),
        )
    }

    /// The official library's own test vector (`q_collapsed_metrics_test.h`, v2 and v6).
    #[test]
    fn official_test_vectors() {
        let records: [i16; 66] = [
            1, 0, 81, 4, 1, 0, 54, 88, 37, 0, 109, -96, 35, 0, 94, 42, 39, 0, 0, 0, 4, 66, //
            1, 0, 79, 4, 1, 0, -35, 44, 37, 0, -12, -124, 35, 0, -11, -49, 38, 0, 0, 0, 4,
            66, //
            1, 0, 82, 4, 1, 0, -23, -64, 37, 0, 94, 26, 36, 0, 77, 108, 39, 0, 0, 0, 4, 66,
        ];
        let body: Vec<u8> = records.iter().map(|&b| b as u8).collect();
        let expect = |q: &QCollapsedMetrics| {
            let c = q.cells()[&(1, 1)];
            assert_eq!(
                (c.q20, c.q30, c.total, c.records),
                (
                    2447414 + 2436317 + 2474217,
                    2334829 + 2327796 + 2366046,
                    2566750 + 2543605 + 2583629,
                    3
                )
            );
            assert!(q.has_median);
        };
        let mut v2 = vec![2u8, 22];
        v2.extend(&body);
        expect(&read(&v2, 2).unwrap());
        let mut v6 = vec![
            6u8, 22, 1, 7, 2, 10, 20, 25, 30, 35, 40, 9, 19, 24, 29, 34, 39, 40, 2, 14, 21, 27, 32,
            36, 40,
        ];
        v6.extend(&body);
        let q = read(&v6, 2).unwrap();
        expect(&q);
        assert_eq!(
            q.header_bins[1],
            QBin {
                lower: 10,
                upper: 19,
                value: 14
            }
        );
    }

    /// Files from our own writer, every version, with and without the median.
    #[test]
    fn writer_round_trip_every_version() {
        for version in 2..=6u8 {
            for median in [false, true] {
                let bins = if version >= 5 {
                    write::novaseq_bins()
                } else {
                    Vec::new()
                };
                let w = write::QCollapsedFile {
                    version,
                    bins,
                    median,
                };
                let mut f = w.header();
                w.record(&mut f, 1, 1101, 1, 90, 80, 100, 35.0);
                w.record(&mut f, 1, 1102, 1, 9, 8, 10, 35.0);
                w.record(&mut f, 2, 1101, 2, 5, 4, 6, 30.0);
                w.record(&mut f, 2, 1101, 3, 5, 4, 6, 30.0); // last cycle of the read
                w.record(&mut f, 1, 1101, 1, 1, 1, 1, 1.0); // repeat: skipped, counted
                f.extend([1, 0, 1]); // a partial record
                let q = read(&f, 3).unwrap_or_else(|e| panic!("v{version}: {e}"));
                assert_eq!((q.version, q.has_median), (version, median));
                assert_eq!(
                    q.cells()[&(1, 1)],
                    QCounts {
                        q20: 99,
                        q30: 88,
                        total: 110,
                        records: 2
                    }
                );
                assert_eq!((q.records, q.duplicates, q.trailing_bytes), (5, 1, 3));
                assert_eq!((q.usable_tile_count(1), q.usable_tile_count(2)), (2, 1));
            }
        }
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
            reason(read(&[7, 22], 2).unwrap_err()),
            (0, FormatError::UnknownVersion { version: 7, .. })
        ));
        assert!(matches!(
            reason(read(&[1, 22], 2).unwrap_err()),
            (0, FormatError::UnknownVersion { version: 1, .. })
        ));
        assert_eq!(
            reason(read(&[3, 20], 2).unwrap_err()),
            (
                1,
                FormatError::RecordSizeMismatch {
                    version: 3,
                    found: 20,
                    expected: RECORD_SIZE_WITH_MEDIAN
                }
            )
        );
        assert!(matches!(
            reason(read(&[6, 22, 1, 3, 2, 10], 2).unwrap_err()),
            (6, FormatError::TruncatedHeader { .. })
        ));
        assert!(matches!(
            reason(read(&[5, 22, 1, 0], 2).unwrap_err()),
            (3, FormatError::InvalidHeader(_))
        ));
        let w = write::QCollapsedFile {
            version: 4,
            bins: Vec::new(),
            median: false,
        };
        let mut f = w.header();
        w.record(&mut f, 1, 1101, 3, 1, 1, 1, 0.0);
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
        let mut f = w.header();
        w.record(&mut f, 9, 1101, 1, 1, 1, 1, 0.0);
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
        // Header only: a valid, empty file.
        assert_eq!(read(&[4, 18], 2).unwrap().records, 0);
    }
}
