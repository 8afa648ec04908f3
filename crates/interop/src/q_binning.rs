//! Q-score binning → Q20/Q30/total per (lane, cycle), as the official library bins:
//! header bins for v5+, "legacy" bins for v4 files with ≤ 7 populated Q values, else none.

use std::collections::{BTreeMap, BTreeSet};

pub use crate::q::QCounts;
use crate::q::{QBin, QMetrics, MAX_Q};

/// Legacy bins the official library assigns to v4 files with ≤ 7 populated Q values.
fn legacy_bins(count: usize, next_seq: bool) -> Vec<QBin> {
    let table: &[(u8, u8, u8)] = if next_seq {
        &[
            (0, 9, 8),
            (10, 19, 13),
            (20, 24, 22),
            (25, 29, 27),
            (30, 34, 32),
            (35, 39, 37),
        ]
    } else {
        match count {
            7 => &[
                (0, 9, 6),
                (10, 19, 15),
                (20, 24, 22),
                (25, 29, 27),
                (30, 34, 33),
                (35, 39, 37),
                (40, 49, 40),
            ],
            6 => &[
                (0, 9, 7),
                (10, 19, 16),
                (20, 26, 24),
                (27, 29, 29),
                (30, 34, 33),
                (35, 49, 38),
            ],
            5 => &[
                (0, 9, 7),
                (10, 19, 16),
                (20, 29, 25),
                (30, 34, 33),
                (35, 49, 38),
            ],
            4 => &[(0, 9, 7), (10, 29, 20), (30, 34, 33), (35, 49, 38)],
            3 => &[(0, 9, 7), (10, 29, 20), (30, 49, 36)],
            2 => &[(0, 27, 13), (28, 49, 35)],
            _ => &[(0, 50, 20)],
        }
    };
    table
        .iter()
        .map(|&(lower, upper, value)| QBin {
            lower,
            upper,
            value,
        })
        .collect()
}

impl QMetrics {
    /// Binning applied for %≥Q30: header bins, legacy bins (v4 with ≤ 7 populated Q values,
    /// as the official library does), or none.
    pub fn effective_bins(&self, next_seq: bool) -> Vec<QBin> {
        if !self.header_bins.is_empty() || self.version > 4 {
            return self.header_bins.clone();
        }
        let populated = (0..MAX_Q)
            .filter(|&i| {
                self.cells
                    .values()
                    .any(|c| c.hist.get(i).is_some_and(|&v| v > 0))
            })
            .count();
        if (1..=7).contains(&populated) {
            legacy_bins(populated, next_seq)
        } else {
            Vec::new()
        }
    }

    /// Q20/Q30/total per (lane, cycle), binned as the official library does.
    pub fn collapse(&self, next_seq: bool) -> BTreeMap<(u16, u16), QCounts> {
        let bins = self.effective_bins(next_seq);
        let legacy = self.header_bins.is_empty() && !bins.is_empty();
        self.cells
            .iter()
            .map(|(&key, cell)| {
                // Legacy binning compresses the 50 slots to one per bin (slot value − 1).
                let hist: Vec<u64> = if legacy {
                    bins.iter()
                        .map(|b| {
                            cell.hist
                                .get(usize::from(b.value).saturating_sub(1))
                                .copied()
                                .unwrap_or(0)
                        })
                        .collect()
                } else {
                    cell.hist.clone()
                };
                let above = |q: u8| -> u64 {
                    // Unbinned: slot i is Q(i+1). Binned: judged by the bin's value.
                    let start = if hist.len() == MAX_Q {
                        usize::from(q) - 1
                    } else {
                        bins.iter().position(|b| b.value >= q).unwrap_or(hist.len())
                    };
                    hist.iter()
                        .skip(start)
                        .fold(0u64, |a, &b| a.saturating_add(b))
                };
                let counts = QCounts {
                    q20: above(20),
                    q30: above(30),
                    total: hist.iter().fold(0u64, |a, &b| a.saturating_add(b)),
                    records: cell.records,
                };
                (key, counts)
            })
            .collect()
    }

    /// Distinct tiles per lane that contributed a usable (not last-of-read) cycle.
    pub fn usable_tile_count(&self, lane: u16) -> usize {
        self.usable_tiles.get(&lane).map_or(0, BTreeSet::len)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::binary::test_bounds;
    use std::path::Path;

    fn record(lane: u16, tile: u16, cycle: u16, counts: &[u32]) -> Vec<u8> {
        let mut r = [lane.to_le_bytes(), tile.to_le_bytes(), cycle.to_le_bytes()].concat();
        counts.iter().for_each(|c| r.extend(c.to_le_bytes()));
        r
    }

    fn read(bytes: &[u8], cycles: u32) -> QMetrics {
        crate::q::read_q_metrics(
            bytes,
            Path::new("QMetricsOut.bin"),
            &test_bounds(8, 1, cycles),
        )
        .unwrap()
    }

    #[test]
    fn v4_legacy_bins_keep_only_bin_value_slots() {
        let mut hist = [0u32; 50];
        hist[6] = 10; // Q7
        hist[19] = 20; // Q20
        hist[32] = 30; // Q33
        hist[37] = 40; // Q38
        let mut f = vec![4u8, 206];
        f.extend(record(1, 1104, 1, &hist));
        let q = read(&f, 2);
        assert_eq!(q.effective_bins(false).len(), 4);
        let c = q.collapse(false)[&(1, 1)];
        assert_eq!((c.q30, c.total), (70, 100));
    }

    #[test]
    fn legacy_bin_tables() {
        assert_eq!(legacy_bins(7, false).len(), 7);
        assert_eq!(
            legacy_bins(1, false),
            [QBin {
                lower: 0,
                upper: 50,
                value: 20
            }]
        );
        assert_eq!(legacy_bins(3, true).len(), 6);
    }
}
