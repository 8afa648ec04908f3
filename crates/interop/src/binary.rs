//! Streaming record reader shared by all InterOp binary formats.
//!
//! A file is read through `std::io::Read` into one fixed-size record buffer, so memory
//! does not depend on file size. A trailing partial record (a file cut while the run is
//! still writing it) is counted and dropped, never reported as an error.

use std::collections::HashMap;
use std::io::{ErrorKind, Read};
use std::path::{Path, PathBuf};

use crate::error::{FormatError, InteropError};
use crate::run_info::{CycleInfo, RunInfo};

/// What RunInfo.xml allows a record to contain; used to validate ids while streaming.
#[derive(Debug, Clone)]
pub struct RunBounds {
    /// `None` when RunInfo.xml has no `<FlowcellLayout>` (lane numbers are then not checked).
    pub lane_count: Option<u16>,
    /// Index = cycle − 1.
    pub cycles: Vec<CycleInfo>,
    pub read_count: usize,
    /// Cap on distinct (lane, tile) ids per file, so a corrupt file cannot grow memory.
    pub max_tiles: usize,
}

impl RunBounds {
    pub fn from_run_info(info: &RunInfo) -> Self {
        // Generous slack over the declared layout: the cap only guards against garbage.
        let declared = info.layout.as_ref().and_then(|l| {
            let per_lane = l.tiles_per_lane()?;
            Some(per_lane.saturating_mul(u64::from(l.lanes)))
        });
        let max_tiles = declared
            .map(|n| n.saturating_mul(4).max(4096))
            .unwrap_or(65_536)
            .min(1 << 22);
        RunBounds {
            lane_count: info.lane_count(),
            cycles: info.cycle_map(),
            read_count: info.reads.len(),
            max_tiles: usize::try_from(max_tiles).unwrap_or(1 << 22),
        }
    }

    /// Check a lane number (0 is "no id" and is filtered by the caller).
    pub fn check_lane(&self, lane: u16) -> Result<(), FormatError> {
        match self.lane_count {
            Some(n) if lane > n => Err(FormatError::LaneOutOfRange {
                lane,
                lane_count: n,
            }),
            _ => Ok(()),
        }
    }

    /// Look up a cycle (1-based).
    pub fn cycle(&self, cycle: u16) -> Result<CycleInfo, FormatError> {
        usize::from(cycle)
            .checked_sub(1)
            .and_then(|i| self.cycles.get(i))
            .copied()
            .ok_or(FormatError::CycleOutOfRange {
                cycle,
                total_cycles: self.cycles.len(),
            })
    }
}

/// Reads a header, then fixed-size records, tracking the byte offset for error messages.
pub struct RecordReader<R> {
    inner: R,
    path: PathBuf,
    offset: u64,
    buf: Vec<u8>,
    /// Bytes of an incomplete last record, if any.
    pub trailing_bytes: u64,
}

impl<R: Read> RecordReader<R> {
    pub fn new(inner: R, path: &Path) -> Self {
        RecordReader {
            inner,
            path: path.to_path_buf(),
            offset: 0,
            buf: Vec::new(),
            trailing_bytes: 0,
        }
    }

    /// Current byte offset (start of the next unread byte).
    pub fn offset(&self) -> u64 {
        self.offset
    }

    /// Build a format error at `offset` for this file.
    pub fn error(&self, offset: u64, reason: FormatError) -> InteropError {
        InteropError::Format {
            path: self.path.clone(),
            offset,
            reason,
        }
    }

    /// The version byte (at offset 0) is one this parser does not read.
    pub fn unknown_version(&self, version: u8, supported: &'static str) -> InteropError {
        self.error(0, FormatError::UnknownVersion { version, supported })
    }

    /// The header's record size (at offset 1) must match the version's layout.
    pub fn check_record_size(
        &self,
        version: u8,
        found: usize,
        expected: usize,
    ) -> Result<(), InteropError> {
        if found == expected {
            Ok(())
        } else {
            Err(self.error(
                1,
                FormatError::RecordSizeMismatch {
                    version,
                    found,
                    expected,
                },
            ))
        }
    }

    /// Read exactly `N` header bytes (`EmptyFile` / `TruncatedHeader` otherwise).
    pub fn header<const N: usize>(&mut self) -> Result<[u8; N], InteropError> {
        let mut out = [0u8; N];
        self.header_into(&mut out)?;
        Ok(out)
    }

    /// Consume `n` header bytes whose content is not needed (e.g. adapter sequences).
    pub fn skip_header(&mut self, mut n: u64) -> Result<(), InteropError> {
        let mut chunk = [0u8; 256];
        while n > 0 {
            let len = usize::try_from(n.min(256)).unwrap_or(256);
            self.header_into(chunk.get_mut(..len).unwrap_or_default())?;
            n -= len as u64;
        }
        Ok(())
    }

    fn header_into(&mut self, out: &mut [u8]) -> Result<(), InteropError> {
        let n = out.len();
        let got = self.fill(out)?;
        let start = self.offset;
        self.offset += got as u64;
        if got < n {
            let reason = if start == 0 && got == 0 {
                FormatError::EmptyFile
            } else {
                FormatError::TruncatedHeader {
                    needed: start + n as u64,
                    available: start + got as u64,
                }
            };
            return Err(self.error(start + got as u64, reason));
        }
        Ok(())
    }

    /// Fix the record size for the rest of the file.
    pub fn set_record_size(&mut self, size: usize) {
        self.buf = vec![0u8; size];
    }

    /// Next whole record as `(offset, bytes)`, or `None` at end of file.
    pub fn next_record(&mut self) -> Result<Option<(u64, &[u8])>, InteropError> {
        if self.buf.is_empty() {
            return Ok(None);
        }
        let mut buf = std::mem::take(&mut self.buf);
        let got = self.fill(&mut buf);
        self.buf = buf;
        let got = got?;
        let start = self.offset;
        self.offset += got as u64;
        if got < self.buf.len() {
            self.trailing_bytes = got as u64;
            return Ok(None);
        }
        Ok(Some((start, &self.buf)))
    }

    /// Read until `out` is full or EOF; returns the byte count.
    fn fill(&mut self, out: &mut [u8]) -> Result<usize, InteropError> {
        let mut got = 0;
        while got < out.len() {
            let dst = out.get_mut(got..).unwrap_or_default();
            match self.inner.read(dst) {
                Ok(0) => break,
                Ok(n) => got += n,
                Err(e) if e.kind() == ErrorKind::Interrupted => {}
                Err(source) => {
                    return Err(InteropError::Io {
                        path: self.path.clone(),
                        source,
                    })
                }
            }
        }
        Ok(got)
    }
}

/// Little-endian field cursor over one record; `None` if the record is too short.
pub struct Fields<'a> {
    buf: &'a [u8],
    pos: usize,
}

impl<'a> Fields<'a> {
    pub fn new(buf: &'a [u8]) -> Self {
        Fields { buf, pos: 0 }
    }

    fn take<const N: usize>(&mut self) -> Option<[u8; N]> {
        let end = self.pos.checked_add(N)?;
        let bytes = self.buf.get(self.pos..end)?.try_into().ok()?;
        self.pos = end;
        Some(bytes)
    }

    pub fn skip(&mut self, n: usize) -> Option<()> {
        let end = self.pos.checked_add(n)?;
        (end <= self.buf.len()).then(|| self.pos = end)
    }

    pub fn u8(&mut self) -> Option<u8> {
        self.take::<1>().map(|b| b[0])
    }
    pub fn u16(&mut self) -> Option<u16> {
        self.take().map(u16::from_le_bytes)
    }
    pub fn u32(&mut self) -> Option<u32> {
        self.take().map(u32::from_le_bytes)
    }
    pub fn u64(&mut self) -> Option<u64> {
        self.take().map(u64::from_le_bytes)
    }
    pub fn f32(&mut self) -> Option<f32> {
        self.take().map(f32::from_le_bytes)
    }
    /// Tile id: u16 in older layouts, u32 in newer ones.
    pub fn tile(&mut self, wide: bool) -> Option<u32> {
        if wide {
            self.u32()
        } else {
            self.u16().map(u32::from)
        }
    }
}

/// Tracks which (lane, tile, cycle) ids were seen, in one bit per cycle per tile.
///
/// The official library lets a repeated id overwrite the earlier record; streaming
/// sums cannot be undone, so a repeat is skipped (first record kept) and counted so the
/// caller can warn. Real instrument files do not repeat ids.
#[derive(Debug, Default)]
pub struct SeenCycles {
    words_per_tile: usize,
    limit: usize,
    tiles: HashMap<(u16, u32), Vec<u64>>,
}

impl SeenCycles {
    pub fn new(bounds: &RunBounds) -> Self {
        SeenCycles {
            words_per_tile: (bounds.cycles.len() + 1).div_ceil(64),
            limit: bounds.max_tiles,
            tiles: HashMap::new(),
        }
    }

    /// `Ok(true)` for a new id, `Ok(false)` for a repeat.
    pub fn insert(&mut self, lane: u16, tile: u32, cycle: u16) -> Result<bool, FormatError> {
        if !self.tiles.contains_key(&(lane, tile)) && self.tiles.len() >= self.limit {
            return Err(FormatError::TooManyTiles { limit: self.limit });
        }
        let words = self
            .tiles
            .entry((lane, tile))
            .or_insert_with(|| vec![0; self.words_per_tile]);
        let bit = usize::from(cycle);
        let Some(word) = words.get_mut(bit / 64) else {
            return Ok(true); // outside the run: the caller has already rejected it
        };
        let mask = 1u64 << (bit % 64);
        let new = *word & mask == 0;
        *word |= mask;
        Ok(new)
    }

    /// Checks one record's (lane, tile, cycle) id, the same way for every per-cycle
    /// metric file: `Ok(None)` for a record to skip (an id part of 0 means "no record"; a
    /// repeated id is counted in `duplicates`), else where the cycle is in the run. A lane
    /// or cycle outside the run, or one tile too many, is an error.
    pub fn check(
        &mut self,
        bounds: &RunBounds,
        (lane, tile, cycle): (u16, u32, u16),
        duplicates: &mut u64,
    ) -> Result<Option<CycleInfo>, FormatError> {
        if lane == 0 || tile == 0 || cycle == 0 {
            return Ok(None);
        }
        bounds.check_lane(lane)?;
        let info = bounds.cycle(cycle)?;
        if !self.insert(lane, tile, cycle)? {
            *duplicates += 1;
            return Ok(None);
        }
        Ok(Some(info))
    }

    /// Distinct (lane, tile) ids seen.
    pub fn tiles(&self) -> impl Iterator<Item = (u16, u32)> + '_ {
        self.tiles.keys().copied()
    }
}

/// Bounds for unit tests: `lanes` lanes, `reads` reads, `cycles` cycles all in read 1.
#[cfg(test)]
pub(crate) fn test_bounds(lanes: u16, reads: usize, cycles: u32) -> RunBounds {
    RunBounds {
        lane_count: Some(lanes),
        cycles: (1..=cycles)
            .map(|c| CycleInfo {
                read_index: 0,
                cycle_within_read: c,
                is_last_in_read: c == cycles,
            })
            .collect(),
        read_count: reads,
        max_tiles: 100,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reader_reports_empty_truncated_and_partial_records() {
        let p = Path::new("x.bin");
        let mut r = RecordReader::new(&[][..], p);
        let e = r.header::<2>().unwrap_err();
        assert!(matches!(
            e,
            InteropError::Format {
                offset: 0,
                reason: FormatError::EmptyFile,
                ..
            }
        ));

        let mut r = RecordReader::new(&[2u8][..], p);
        let e = r.header::<2>().unwrap_err();
        assert!(matches!(
            e,
            InteropError::Format {
                offset: 1,
                reason: FormatError::TruncatedHeader {
                    needed: 2,
                    available: 1
                },
                ..
            }
        ));

        let data = [2u8, 3, 1, 2, 3, 4, 5, 6, 7];
        let mut r = RecordReader::new(&data[..], p);
        assert_eq!(r.header::<2>().unwrap(), [2, 3]);
        r.set_record_size(3);
        assert_eq!(r.next_record().unwrap().unwrap(), (2, &[1u8, 2, 3][..]));
        assert_eq!(r.next_record().unwrap().unwrap(), (5, &[4u8, 5, 6][..]));
        assert!(r.next_record().unwrap().is_none());
        assert_eq!(r.trailing_bytes, 1);
    }

    #[test]
    fn fields_never_read_past_the_end() {
        let mut f = Fields::new(&[1, 0, 2]);
        assert_eq!(f.u16(), Some(1));
        assert_eq!(f.u16(), None);
        assert_eq!(f.u8(), Some(2));
        assert_eq!(f.u8(), None);
        assert_eq!(f.skip(1), None);
    }
}
