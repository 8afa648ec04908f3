//! ErrorMetricsOut.bin (v3–v6): PhiX error rate per lane/tile/cycle.
//!
//! Reduced while streaming to one running mean per (read, lane, tile) over the read's
//! cycles except its last, which is what the summary needs; memory is reads × tiles.

use std::collections::BTreeMap;
use std::io::Read;
use std::path::Path;

use crate::binary::{Fields, RecordReader, RunBounds, SeenCycles};
use crate::error::InteropError;

/// Running error-rate mean of one tile within one read.
#[derive(Debug, Clone, Copy, Default, PartialEq)]
pub struct TileError {
    pub sum: f64,
    pub count: u32,
}

impl TileError {
    pub fn mean(&self) -> Option<f64> {
        (self.count > 0).then(|| self.sum / f64::from(self.count))
    }
}

/// Streamed ErrorMetricsOut.bin content.
#[derive(Debug, Default)]
pub struct ErrorMetrics {
    pub version: u8,
    /// Keyed by (read index, lane, tile).
    pub tiles: BTreeMap<(usize, u16, u32), TileError>,
    pub seen: SeenCycles,
    pub records: u64,
    pub duplicates: u64,
    pub trailing_bytes: u64,
}

/// Stream an ErrorMetricsOut.bin.
pub fn read_error_metrics<R: Read>(
    reader: R,
    path: &Path,
    bounds: &RunBounds,
) -> Result<ErrorMetrics, InteropError> {
    let mut rr = RecordReader::new(reader, path);
    let [version, record_size] = rr.header::<2>()?;
    let record_size = usize::from(record_size);
    let (wide_tile, expected) = match version {
        3 => (false, 30),
        4 => (true, 12),
        5 => (true, 16),
        6 => {
            // Adapter table: count u16, length u16, then count × length bases.
            let [a0, a1, l0, l1] = rr.header::<4>()?;
            let adapters = usize::from(u16::from_le_bytes([a0, a1]));
            let length = u64::from(u16::from_le_bytes([l0, l1]));
            rr.skip_header(adapters as u64 * length)?;
            (true, 12 + 4 * adapters)
        }
        _ => {
            return Err(rr.unknown_version(version, "3, 4, 5, 6"));
        }
    };
    rr.check_record_size(version, record_size, expected)?;
    let mut out = ErrorMetrics {
        version,
        seen: SeenCycles::new(bounds),
        ..ErrorMetrics::default()
    };
    rr.set_record_size(record_size);
    while let Some((offset, rec)) = rr.next_record()? {
        let mut f = Fields::new(rec);
        let Some((lane, tile, cycle, rate)) =
            (|| Some((f.u16()?, f.tile(wide_tile)?, f.u16()?, f.f32()?)))()
        else {
            continue; // unreachable: the buffer has exactly the layout size
        };
        out.records += 1;
        let checked = out
            .seen
            .check(bounds, (lane, tile, cycle), &mut out.duplicates)
            .map_err(|e| rr.error(offset, e))?;
        let Some(info) = checked else {
            continue;
        };
        let entry = out.tiles.entry((info.read_index, lane, tile)).or_default();
        // The last cycle of a read is excluded, as are NaN rates.
        if !info.is_last_in_read && !rate.is_nan() {
            entry.sum += f64::from(rate);
            entry.count += 1;
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

    fn rec(lane: u16, tile: u32, cycle: u16, rate: f32, version: u8) -> Vec<u8> {
        let mut r = lane.to_le_bytes().to_vec();
        if version == 3 {
            r.extend((tile as u16).to_le_bytes());
        } else {
            r.extend(tile.to_le_bytes());
        }
        r.extend(cycle.to_le_bytes());
        r.extend(rate.to_le_bytes());
        match version {
            3 => r.extend([0u8; 20]),
            5 => r.extend(0.5f32.to_le_bytes()),
            6 => r.extend([0u8; 8]),
            _ => {}
        }
        r
    }

    fn read(bytes: &[u8]) -> Result<ErrorMetrics, InteropError> {
        // 4 cycles, one read: cycle 4 is the last cycle of the read.
        read_error_metrics(
            bytes,
            Path::new("ErrorMetricsOut.bin"),
            &test_bounds(1, 1, 4),
        )
    }

    #[test]
    fn every_version_reduces_to_tile_means_without_last_cycle() {
        for version in [3u8, 4, 5, 6] {
            let mut f = match version {
                3 => vec![3u8, 30],
                4 => vec![4, 12],
                5 => vec![5, 16],
                _ => {
                    let mut h = vec![6u8, 20, 2, 0, 3, 0];
                    h.extend(b"ACGTTT");
                    h
                }
            };
            f.extend(rec(1, 1101, 1, 1.0, version));
            f.extend(rec(1, 1101, 2, f32::NAN, version));
            f.extend(rec(1, 1101, 3, 2.0, version));
            f.extend(rec(1, 1101, 4, 50.0, version)); // last cycle: excluded
            let m = read(&f).unwrap();
            assert_eq!(m.tiles[&(0, 1, 1101)].mean(), Some(1.5), "v{version}");
        }
    }

    #[test]
    fn bad_inputs() {
        let e = |f: &[u8]| match read(f).unwrap_err() {
            InteropError::Format { offset, reason, .. } => (offset, reason),
            other => panic!("{other}"),
        };
        assert_eq!(e(&[]), (0, FormatError::EmptyFile));
        assert!(matches!(e(&[3]), (1, FormatError::TruncatedHeader { .. })));
        assert!(matches!(
            e(&[7, 12]),
            (0, FormatError::UnknownVersion { version: 7, .. })
        ));
        assert!(matches!(
            e(&[3, 12]),
            (1, FormatError::RecordSizeMismatch { expected: 30, .. })
        ));
        assert!(matches!(
            e(&[6, 16, 2, 0, 3, 0, b'A']),
            (7, FormatError::TruncatedHeader { .. })
        ));
        assert!(matches!(
            e(&[6, 16, 2, 0, 1, 0, b'A', b'C']),
            (1, FormatError::RecordSizeMismatch { expected: 20, .. })
        ));
        let mut f = vec![3u8, 30];
        f.extend(rec(2, 1101, 1, 1.0, 3));
        assert_eq!(
            e(&f),
            (
                2,
                FormatError::LaneOutOfRange {
                    lane: 2,
                    lane_count: 1
                }
            )
        );
    }
}
