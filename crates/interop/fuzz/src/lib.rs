//! Shared by the fuzz targets: a run shape chosen by the input's first bytes, and a
//! reader that hands the rest over in small pieces (so partial reads are exercised).
//!
//! Input layout of the binary-format targets:
//!
//! | byte | meaning |
//! |---|---|
//! | 0 | lane count (0: RunInfo.xml without `<FlowcellLayout>`) |
//! | 1 | read count (mod 5) |
//! | 2..6 | cycles of reads 1–4 (a read may have 0 cycles) |
//! | 6 | bit 7: read 2 is an index read; low bits: extraction channel (7 = none) |
//! | 7 | largest piece the reader returns per `read` call (0 → 1) |
//! | 8.. | the InterOp file |

use std::io::{self, Read};

use seqhealth_interop::binary::RunBounds;
use seqhealth_interop::run_info::{FlowcellLayout, ReadInfo, RunInfo};

pub const PREFIX: usize = 8;

/// What the prefix chose, and the file bytes after it.
pub struct Case<'a> {
    pub run_info: RunInfo,
    pub bounds: RunBounds,
    pub channel: Option<usize>,
    pub reader: Pieces<'a>,
}

pub fn case(data: &[u8]) -> Option<Case<'_>> {
    let prefix = data.get(..PREFIX)?;
    let file = data.get(PREFIX..)?;
    let lanes = u16::from(prefix[0]);
    let read_count = usize::from(prefix[1] % 5);
    let mut next = 1u32;
    let reads: Vec<ReadInfo> = (0..read_count)
        .map(|i| {
            let cycles = u32::from(prefix[2 + i]);
            let r = ReadInfo {
                number: i as u32 + 1,
                cycles,
                is_index: i == 1 && prefix[6] & 0x80 != 0,
                first_cycle: next,
                last_cycle: next + cycles.saturating_sub(1),
            };
            next += cycles;
            r
        })
        .collect();
    let run_info = RunInfo {
        version: Some(2),
        run_id: Some("fuzz".into()),
        run_number: Some(1),
        instrument: Some("M00000".into()),
        flowcell: Some("FUZZ".into()),
        date: None,
        date_iso: None,
        reads,
        total_cycles: next - 1,
        layout: (lanes > 0).then_some(FlowcellLayout {
            lanes,
            surfaces: Some(2),
            swaths: Some(2),
            tiles_per_swath: Some(16),
            sections_per_lane: None,
            lanes_per_section: None,
            tile_naming: None,
        }),
        channels: Vec::new(),
    };
    let bounds = RunBounds::from_run_info(&run_info);
    let channel = match prefix[6] & 0x07 {
        7 => None,
        c => Some(usize::from(c)),
    };
    Some(Case {
        run_info,
        bounds,
        channel,
        reader: Pieces {
            data: file,
            max: usize::from(prefix[7]).max(1),
        },
    })
}

/// A `Read` that returns at most `max` bytes per call.
pub struct Pieces<'a> {
    data: &'a [u8],
    max: usize,
}

impl Read for Pieces<'_> {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        let n = buf.len().min(self.max).min(self.data.len());
        let (head, tail) = self.data.split_at(n);
        buf[..n].copy_from_slice(head);
        self.data = tail;
        Ok(n)
    }
}
