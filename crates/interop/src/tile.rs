//! TileMetricsOut.bin (v2, v3): per-tile cluster density/counts, phasing, % aligned.
//!
//! Records with the same (lane, tile) are merged into one tile entry, later values
//! overwriting earlier ones, as the official library does. Memory is one entry per tile.

use std::collections::BTreeMap;
use std::io::Read;
use std::path::Path;

use crate::binary::{Fields, RecordReader, RunBounds};
use crate::error::{FormatError, InteropError};

/// Per-read values of one tile (percentages; NaN when the file had no value).
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct ReadValues {
    pub read: u32,
    pub phasing: f32,
    pub prephasing: f32,
    pub percent_aligned: f32,
}

/// Values of one tile (NaN when the file had no value).
#[derive(Debug, Clone, PartialEq)]
pub struct TileValues {
    pub density: f32,
    pub density_pf: f32,
    pub cluster_count: f32,
    pub cluster_count_pf: f32,
    pub reads: Vec<ReadValues>,
}

impl Default for TileValues {
    fn default() -> Self {
        TileValues {
            density: f32::NAN,
            density_pf: f32::NAN,
            cluster_count: f32::NAN,
            cluster_count_pf: f32::NAN,
            reads: Vec::new(),
        }
    }
}

impl TileValues {
    pub fn percent_pf(&self) -> f32 {
        100.0 * self.cluster_count_pf / self.cluster_count
    }

    fn read_mut(&mut self, read: u32) -> &mut ReadValues {
        let pos = match self.reads.iter().position(|r| r.read == read) {
            Some(p) => p,
            None => {
                self.reads.push(ReadValues {
                    read,
                    phasing: f32::NAN,
                    prephasing: f32::NAN,
                    percent_aligned: f32::NAN,
                });
                self.reads.len() - 1
            }
        };
        &mut self.reads[pos]
    }
}

/// Parsed tile metrics, keyed by (lane, tile).
#[derive(Debug, Clone, Default)]
pub struct TileMetrics {
    pub version: u8,
    pub tiles: BTreeMap<(u16, u32), TileValues>,
    pub records: u64,
    /// v3 only: tile area in mm² from the header.
    pub tile_area_mm2: Option<f32>,
    pub trailing_bytes: u64,
}

const V2_CLUSTER_DENSITY: u16 = 100;
const V2_CLUSTER_DENSITY_PF: u16 = 101;
const V2_CLUSTER_COUNT: u16 = 102;
const V2_CLUSTER_COUNT_PF: u16 = 103;
const V2_CONTROL_LANE: u16 = 400;

/// Stream a TileMetricsOut.bin.
pub fn read_tile_metrics<R: Read>(
    reader: R,
    path: &Path,
    bounds: &RunBounds,
) -> Result<TileMetrics, InteropError> {
    let mut rr = RecordReader::new(reader, path);
    let [version, record_size] = rr.header::<2>()?;
    let record_size = usize::from(record_size);
    let expected = match version {
        2 => 10,
        3 => 15,
        _ => {
            return Err(rr.unknown_version(version, "2, 3"));
        }
    };
    rr.check_record_size(version, record_size, expected)?;
    let mut out = TileMetrics {
        version,
        ..TileMetrics::default()
    };
    if version == 3 {
        out.tile_area_mm2 = Some(f32::from_le_bytes(rr.header::<4>()?));
    }
    rr.set_record_size(record_size);
    let area = out.tile_area_mm2.unwrap_or(f32::NAN);
    while let Some((offset, rec)) = rr.next_record()? {
        let parsed = if version == 2 {
            parse_v2(rec)
        } else {
            parse_v3(rec, area)
        };
        let Some(record) = parsed else {
            continue; // unreachable: the buffer has exactly the layout size
        };
        out.records += 1;
        let (lane, tile) = (record.lane, record.tile);
        if lane == 0 || tile == 0 || matches!(record.value, Value::Ignored) {
            continue;
        }
        apply(&mut out.tiles, lane, tile, record.value, bounds).map_err(|e| rr.error(offset, e))?;
    }
    out.trailing_bytes = rr.trailing_bytes;
    Ok(out)
}

enum Value {
    Density(f32),
    DensityPf(f32),
    Count(f32),
    CountPf(f32),
    Counts {
        count: f32,
        count_pf: f32,
        area: f32,
    },
    Phasing(u32, f32),
    Prephasing(u32, f32),
    Aligned(u32, f32),
    Ignored,
    Unknown(u16),
}

struct Record {
    lane: u16,
    tile: u32,
    value: Value,
}

fn parse_v2(rec: &[u8]) -> Option<Record> {
    let mut f = Fields::new(rec);
    let (lane, tile, code) = (f.u16()?, f.u16()?, f.u16()?);
    // The official reader turns NaN into 0 for v2 values.
    let v = f.f32().map(|v| if v.is_nan() { 0.0 } else { v })?;
    let value = match code {
        V2_CLUSTER_DENSITY => Value::Density(v),
        V2_CLUSTER_DENSITY_PF => Value::DensityPf(v),
        V2_CLUSTER_COUNT => Value::Count(v),
        V2_CLUSTER_COUNT_PF => Value::CountPf(v),
        // Phasing is stored as a fraction; the summary reports percent. Negative
        // estimates (seen on index reads) count as 0, matching the official figures.
        200..=299 if code % 2 == 0 => {
            Value::Phasing(u32::from(code - 200) / 2 + 1, v.max(0.0) * 100.0)
        }
        200..=299 => Value::Prephasing(u32::from(code - 201) / 2 + 1, v.max(0.0) * 100.0),
        300..=399 => Value::Aligned(u32::from(code - 300) + 1, v),
        // "Control lane" marker, written for every tile; it carries no tile value.
        V2_CONTROL_LANE => Value::Ignored,
        other => Value::Unknown(other),
    };
    Some(Record {
        lane,
        tile: u32::from(tile),
        value,
    })
}

fn parse_v3(rec: &[u8], area: f32) -> Option<Record> {
    let mut f = Fields::new(rec);
    let (lane, tile, code) = (f.u16()?, f.u32()?, f.u8()?);
    let value = match code {
        b't' => Value::Counts {
            count: f.f32()?,
            count_pf: f.f32()?,
            area,
        },
        b'r' => Value::Aligned(f.u32()?, f.f32()?),
        0 => Value::Ignored,
        other => Value::Unknown(u16::from(other)),
    };
    Some(Record { lane, tile, value })
}

fn apply(
    tiles: &mut BTreeMap<(u16, u32), TileValues>,
    lane: u16,
    tile: u32,
    value: Value,
    bounds: &RunBounds,
) -> Result<(), FormatError> {
    bounds.check_lane(lane)?;
    let check_read = |read: u32| {
        if read == 0 || read as usize > bounds.read_count {
            Err(FormatError::ReadOutOfRange {
                read,
                read_count: bounds.read_count,
            })
        } else {
            Ok(read)
        }
    };
    if let Value::Unknown(code) = value {
        return Err(FormatError::UnknownTileCode { code });
    }
    if !tiles.contains_key(&(lane, tile)) && tiles.len() >= bounds.max_tiles {
        return Err(FormatError::TooManyTiles {
            limit: bounds.max_tiles,
        });
    }
    let t = tiles.entry((lane, tile)).or_default();
    match value {
        Value::Density(v) => t.density = v,
        Value::DensityPf(v) => t.density_pf = v,
        Value::Count(v) => t.cluster_count = v,
        Value::CountPf(v) => t.cluster_count_pf = v,
        Value::Counts {
            count,
            count_pf,
            area,
        } => {
            t.cluster_count = count;
            t.cluster_count_pf = count_pf;
            t.density = count / area;
            t.density_pf = count_pf / area;
        }
        Value::Phasing(r, v) => t.read_mut(check_read(r)?).phasing = v,
        Value::Prephasing(r, v) => t.read_mut(check_read(r)?).prephasing = v,
        Value::Aligned(r, v) => t.read_mut(check_read(r)?).percent_aligned = v,
        Value::Ignored | Value::Unknown(_) => {}
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::binary::test_bounds;

    fn v2(lane: u16, tile: u16, code: u16, value: f32) -> Vec<u8> {
        [
            &lane.to_le_bytes()[..],
            &tile.to_le_bytes(),
            &code.to_le_bytes(),
            &value.to_le_bytes(),
        ]
        .concat()
    }

    fn read(bytes: &[u8], lanes: u16) -> Result<TileMetrics, InteropError> {
        read_tile_metrics(
            bytes,
            Path::new("InterOp/TileMetricsOut.bin"),
            &test_bounds(lanes, 2, 4),
        )
    }

    #[test]
    fn v2_merges_records_per_tile_last_value_wins() {
        let mut f = vec![2u8, 10];
        f.extend(v2(1, 1101, 100, 1000.0));
        f.extend(v2(1, 1101, 102, 50.0));
        f.extend(v2(1, 1101, 103, 40.0));
        f.extend(v2(1, 1101, 400, 0.0));
        f.extend(v2(1, 1101, 200, 0.0));
        f.extend(v2(1, 1101, 200, 0.002)); // repeated phasing: last wins
        f.extend(v2(1, 1101, 203, 0.001)); // prephasing of read 2
        f.extend(v2(1, 1101, 202, -0.01)); // negative phasing counts as 0
        f.extend(v2(1, 1101, 300, f32::NAN)); // NaN → 0 as in the official reader
        f.extend(v2(0, 0, 100, 5.0)); // id 0: skipped
        f.extend(&v2(1, 1102, 100, 1.0)[..7]); // partial last record
        let m = read(&f, 1).unwrap();
        assert_eq!(
            (m.version, m.records, m.trailing_bytes, m.tiles.len()),
            (2, 10, 7, 1)
        );
        let t = &m.tiles[&(1, 1101)];
        assert_eq!(
            (t.density, t.cluster_count, t.percent_pf()),
            (1000.0, 50.0, 80.0)
        );
        assert_eq!(t.reads[0].phasing, 0.2);
        assert_eq!(t.reads[0].percent_aligned, 0.0);
        assert!((t.reads[1].prephasing - 0.1).abs() < 1e-6 && t.reads[1].phasing == 0.0);
    }

    #[test]
    fn v3_density_from_area() {
        let mut f = vec![3u8, 15];
        f.extend(2.0f32.to_le_bytes());
        let rec = |code: u8, a: [u8; 4], b: [u8; 4]| {
            [
                &1u16.to_le_bytes()[..],
                &1101u32.to_le_bytes(),
                &[code],
                &a,
                &b,
            ]
            .concat()
        };
        f.extend(rec(b't', 100.0f32.to_le_bytes(), 90.0f32.to_le_bytes()));
        f.extend(rec(b'r', 1u32.to_le_bytes(), 2.5f32.to_le_bytes()));
        f.extend(rec(0, [0; 4], [0; 4]));
        let m = read(&f, 1).unwrap();
        let t = &m.tiles[&(1, 1101)];
        assert_eq!(
            (t.density, t.density_pf, t.reads[0].percent_aligned),
            (50.0, 45.0, 2.5)
        );
    }

    #[test]
    fn too_many_distinct_tiles_is_an_error() {
        let mut f = vec![2u8, 10];
        for tile in 1..=101u16 {
            f.extend(v2(1, tile, 100, 1.0));
        }
        let e = reason(read(&f, 1).unwrap_err());
        assert_eq!(e, (1002, FormatError::TooManyTiles { limit: 100 }));
    }

    fn reason(e: InteropError) -> (u64, FormatError) {
        match e {
            InteropError::Format {
                offset,
                reason,
                path,
            } => {
                assert!(path.ends_with("TileMetricsOut.bin"));
                (offset, reason)
            }
            other => panic!("unexpected {other}"),
        }
    }

    #[test]
    fn bad_inputs_are_typed_errors_with_offsets() {
        assert_eq!(
            reason(read(&[], 1).unwrap_err()),
            (0, FormatError::EmptyFile)
        );
        assert!(matches!(
            reason(read(&[2], 1).unwrap_err()),
            (1, FormatError::TruncatedHeader { .. })
        ));
        assert!(matches!(
            reason(read(&[9, 10], 1).unwrap_err()),
            (0, FormatError::UnknownVersion { version: 9, .. })
        ));
        assert!(matches!(
            reason(read(&[2, 12], 1).unwrap_err()),
            (
                1,
                FormatError::RecordSizeMismatch {
                    found: 12,
                    expected: 10,
                    ..
                }
            )
        ));
        assert!(matches!(
            reason(read(&[3, 15, 0], 1).unwrap_err()),
            (3, FormatError::TruncatedHeader { .. })
        ));
        let mut f = vec![2u8, 10];
        f.extend(v2(1, 1101, 100, 1.0));
        f.extend(v2(2, 1101, 100, 1.0));
        assert_eq!(
            reason(read(&f, 1).unwrap_err()),
            (
                12,
                FormatError::LaneOutOfRange {
                    lane: 2,
                    lane_count: 1
                }
            )
        );
        let mut f = vec![2u8, 10];
        f.extend(v2(1, 1101, 150, 1.0));
        assert_eq!(
            reason(read(&f, 1).unwrap_err()),
            (2, FormatError::UnknownTileCode { code: 150 })
        );
        let mut f = vec![2u8, 10];
        f.extend(v2(1, 1101, 204, 1.0)); // phasing of read 3 in a 2-read run
        assert!(matches!(
            reason(read(&f, 1).unwrap_err()),
            (2, FormatError::ReadOutOfRange { read: 3, .. })
        ));
    }
}
