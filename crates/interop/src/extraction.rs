//! ExtractionMetricsOut.bin (v2, v3): focus and 90th-percentile intensity per channel.
//!
//! Only what the summary uses is kept: the intensity of one channel at the first cycle of
//! each read, one value per tile (memory is reads × tiles).

use std::collections::BTreeMap;
use std::io::Read;
use std::path::Path;

use crate::binary::{Fields, RecordReader, RunBounds, SeenCycles};
use crate::error::InteropError;

/// Streamed ExtractionMetricsOut.bin content.
#[derive(Debug, Default)]
pub struct ExtractionMetrics {
    pub version: u8,
    pub channel_count: usize,
    /// First-cycle intensities of the requested channel, keyed by (read index, lane).
    pub first_cycle: BTreeMap<(usize, u16), Vec<f64>>,
    /// False when the requested channel is not in the file (nothing collected).
    pub channel_present: bool,
    pub seen: SeenCycles,
    pub records: u64,
    pub duplicates: u64,
    pub trailing_bytes: u64,
}

/// Stream an ExtractionMetricsOut.bin, keeping intensities of `channel` (an index into
/// the file's channel order) at cycle 1 of each read.
pub fn read_extraction_metrics<R: Read>(
    reader: R,
    path: &Path,
    bounds: &RunBounds,
    channel: Option<usize>,
) -> Result<ExtractionMetrics, InteropError> {
    let mut rr = RecordReader::new(reader, path);
    let [version, record_size] = rr.header::<2>()?;
    let record_size = usize::from(record_size);
    let (wide_tile, channels, expected) = match version {
        2 => (false, 4, 38),
        3 => {
            let [c] = rr.header::<1>()?;
            let c = usize::from(c);
            (true, c, 8 + 6 * c)
        }
        _ => return Err(rr.unknown_version(version, "2, 3")),
    };
    rr.check_record_size(version, record_size, expected)?;
    let channel = channel.filter(|&c| c < channels);
    let mut out = ExtractionMetrics {
        version,
        channel_count: channels,
        channel_present: channel.is_some(),
        seen: SeenCycles::new(bounds),
        ..ExtractionMetrics::default()
    };
    rr.set_record_size(record_size);
    while let Some((offset, rec)) = rr.next_record()? {
        let mut f = Fields::new(rec);
        let Some((lane, tile, cycle)) = (|| Some((f.u16()?, f.tile(wide_tile)?, f.u16()?)))()
        else {
            continue; // unreachable: the buffer has exactly the layout size
        };
        // Skip the focus values (f32 per channel), then read the wanted u16 intensity.
        let intensity = channel.and_then(|ch| {
            f.skip(4 * channels)?;
            f.skip(2 * ch)?;
            f.u16()
        });
        out.records += 1;
        let checked = out
            .seen
            .check(bounds, (lane, tile, cycle), &mut out.duplicates)
            .map_err(|e| rr.error(offset, e))?;
        let Some(info) = checked else {
            continue;
        };
        if let (Some(v), 1) = (intensity, info.cycle_within_read) {
            out.first_cycle
                .entry((info.read_index, lane))
                .or_default()
                .push(f64::from(v));
        }
    }
    out.trailing_bytes = rr.trailing_bytes;
    Ok(out)
}

/// Index of the channel the official summary reports as "intensity at cycle 1": the
/// first channel of the canonical order (A of ACGT, red of red/green, 1 of 1/2, blue of
/// blue/green). Legacy RunInfo files without channels use the instrument's default order,
/// whose first channel is always index 0.
pub fn intensity_channel(channels: &[String], instrument_type: Option<&str>) -> Option<usize> {
    if channels.is_empty() {
        return match instrument_type? {
            "HiSeq" | "HiScan" | "MiSeq" | "NextSeq" | "MiniSeq" | "NovaSeq" | "iSeq" => Some(0),
            _ => None,
        };
    }
    let lower: Vec<String> = channels
        .iter()
        .map(|c| c.trim().to_ascii_lowercase())
        .collect();
    let has = |n: &str| lower.iter().any(|c| c == n);
    let first = if has("a") {
        "a"
    } else if has("red") && has("green") {
        "red"
    } else if has("1") {
        "1"
    } else if has("blue") {
        "blue"
    } else {
        return None;
    };
    lower.iter().position(|c| c == first)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::binary::test_bounds;
    use crate::error::FormatError;

    fn v2(lane: u16, tile: u16, cycle: u16, intensities: [u16; 4]) -> Vec<u8> {
        let mut r = [lane.to_le_bytes(), tile.to_le_bytes(), cycle.to_le_bytes()].concat();
        (0..4).for_each(|_| r.extend(2.5f32.to_le_bytes()));
        intensities.iter().for_each(|i| r.extend(i.to_le_bytes()));
        r.extend(0u64.to_le_bytes());
        r
    }

    fn read(bytes: &[u8], channel: Option<usize>) -> Result<ExtractionMetrics, InteropError> {
        read_extraction_metrics(
            bytes,
            Path::new("ExtractionMetricsOut.bin"),
            &test_bounds(2, 1, 3),
            channel,
        )
    }

    #[test]
    fn v2_keeps_first_cycle_intensity_of_the_channel() {
        let mut f = vec![2u8, 38];
        f.extend(v2(1, 1101, 1, [10, 20, 30, 40]));
        f.extend(v2(2, 1101, 1, [11, 21, 31, 41]));
        f.extend(v2(1, 1101, 2, [99, 99, 99, 99])); // not cycle 1
        f.extend(&v2(1, 1102, 1, [1, 1, 1, 1])[..20]); // partial
        let m = read(&f, Some(1)).unwrap();
        assert_eq!(m.first_cycle[&(0, 1)], [20.0]);
        assert_eq!(m.first_cycle[&(0, 2)], [21.0]);
        assert_eq!(m.trailing_bytes, 20);
        assert!(!read(&f, Some(4)).unwrap().channel_present);
    }

    #[test]
    fn v3_two_channels_wide_tiles() {
        let mut f = vec![3u8, 20, 2];
        let mut r = [
            &1u16.to_le_bytes()[..],
            &2_110_101u32.to_le_bytes(),
            &1u16.to_le_bytes(),
        ]
        .concat();
        r.extend(1.0f32.to_le_bytes());
        r.extend(1.0f32.to_le_bytes());
        r.extend(700u16.to_le_bytes());
        r.extend(300u16.to_le_bytes());
        f.extend(r);
        let m = read(&f, Some(0)).unwrap();
        assert_eq!(
            (m.channel_count, m.first_cycle[&(0, 1)].clone()),
            (2, vec![700.0])
        );
    }

    #[test]
    fn channel_choice() {
        let s = |v: &[&str]| v.iter().map(|x| x.to_string()).collect::<Vec<_>>();
        assert_eq!(intensity_channel(&s(&["Red", "Green"]), None), Some(0));
        assert_eq!(intensity_channel(&s(&["GREEN", "RED"]), None), Some(1));
        assert_eq!(intensity_channel(&s(&["T", "G", "C", "A"]), None), Some(3));
        assert_eq!(intensity_channel(&s(&["Green", "Blue"]), None), Some(1));
        assert_eq!(intensity_channel(&[], Some("MiSeq")), Some(0));
        assert_eq!(intensity_channel(&[], None), None);
        assert_eq!(intensity_channel(&s(&["x"]), None), None);
    }

    #[test]
    fn bad_inputs() {
        let e = |f: &[u8]| match read(f, Some(0)).unwrap_err() {
            InteropError::Format { offset, reason, .. } => (offset, reason),
            other => panic!("{other}"),
        };
        assert_eq!(e(&[]), (0, FormatError::EmptyFile));
        assert!(matches!(
            e(&[3, 20]),
            (2, FormatError::TruncatedHeader { .. })
        ));
        assert!(matches!(
            e(&[1, 38]),
            (0, FormatError::UnknownVersion { .. })
        ));
        assert!(matches!(
            e(&[3, 20, 4]),
            (1, FormatError::RecordSizeMismatch { expected: 32, .. })
        ));
        let mut f = vec![2u8, 38];
        f.extend(v2(3, 1101, 1, [0; 4]));
        assert_eq!(
            e(&f),
            (
                2,
                FormatError::LaneOutOfRange {
                    lane: 3,
                    lane_count: 2
                }
            )
        );
        let mut f = vec![2u8, 38];
        f.extend(v2(1, 1101, 4, [0; 4]));
        assert_eq!(
            e(&f),
            (
                2,
                FormatError::CycleOutOfRange {
                    cycle: 4,
                    total_cycles: 3
                }
            )
        );
    }
}
