//! Writers for the InterOp formats this crate reads, and a synthetic run folder.
//!
//! For tests, benchmarks and the developer-only cross-check against Illumina's library
//! (`scripts/crosscheck-interop.py`): the byte layouts are the ones documented in
//! `../shared/interop/FORMATS.md`, written independently of the readers. Nothing here is
//! used when summarising a real run.

use std::fmt::Write as _;
use std::fs::{self, File};
use std::io::{self, BufWriter, Write};
use std::path::Path;

use crate::q::{QBin, MAX_Q};

/// The NovaSeq 6000 bins (2–17→11, 18–29→25, 30–40→37).
pub fn novaseq_bins() -> Vec<QBin> {
    bins(&[(2, 17, 11), (18, 29, 25), (30, 40, 37)])
}

/// The NextSeq 550 bins (2–9→2, 10–19→14, 20–24→21, 25–29→27, 30–34→32, 35–39→36, 40→40).
pub fn nextseq_bins() -> Vec<QBin> {
    bins(&[
        (2, 9, 2),
        (10, 19, 14),
        (20, 24, 21),
        (25, 29, 27),
        (30, 34, 32),
        (35, 39, 36),
        (40, 40, 40),
    ])
}

fn bins(t: &[(u8, u8, u8)]) -> Vec<QBin> {
    t.iter()
        .map(|&(lower, upper, value)| QBin {
            lower,
            upper,
            value,
        })
        .collect()
}

/// Bin header of Q v5/v6 and collapsed Q v5/v6: three arrays (lower, upper, value).
fn push_bin_arrays(out: &mut Vec<u8>, bins: &[QBin]) {
    out.push(u8::from(!bins.is_empty()));
    if bins.is_empty() {
        return;
    }
    out.push(bins.len() as u8);
    out.extend(bins.iter().map(|b| b.lower));
    out.extend(bins.iter().map(|b| b.upper));
    out.extend(bins.iter().map(|b| b.value));
}

fn push_id(out: &mut Vec<u8>, lane: u16, tile: u32, wide_tile: bool) {
    out.extend(lane.to_le_bytes());
    if wide_tile {
        out.extend(tile.to_le_bytes());
    } else {
        out.extend((tile as u16).to_le_bytes());
    }
}

/// QMetricsOut.bin v4–v7.
#[derive(Debug, Clone, PartialEq)]
pub struct QFile {
    pub version: u8,
    /// Header bins (v5+); empty for unbinned files.
    pub bins: Vec<QBin>,
}

impl QFile {
    /// Counts per record: 50, or the bin count for binned v6/v7.
    pub fn counts_len(&self) -> usize {
        if self.version >= 6 && !self.bins.is_empty() {
            self.bins.len()
        } else {
            MAX_Q
        }
    }

    pub fn record_size(&self) -> usize {
        let id = if self.version >= 7 { 8 } else { 6 };
        id + 4 * self.counts_len()
    }

    pub fn header(&self) -> Vec<u8> {
        let mut out = vec![self.version, self.record_size() as u8];
        match self.version {
            5 | 6 => push_bin_arrays(&mut out, &self.bins),
            7 => {
                out.push(u8::from(!self.bins.is_empty()));
                if !self.bins.is_empty() {
                    out.push(self.bins.len() as u8);
                    for b in &self.bins {
                        out.extend([b.lower, b.upper, b.value]);
                    }
                }
            }
            _ => {}
        }
        out
    }

    /// One record; `counts` has [`QFile::counts_len`] entries (for binned v5: the 50-slot
    /// histogram with counts at the bins' value slots).
    pub fn record(&self, out: &mut Vec<u8>, lane: u16, tile: u32, cycle: u16, counts: &[u32]) {
        push_id(out, lane, tile, self.version >= 7);
        out.extend(cycle.to_le_bytes());
        for i in 0..self.counts_len() {
            out.extend(counts.get(i).copied().unwrap_or(0).to_le_bytes());
        }
    }

    /// Spread a 50-slot histogram (index i = Q(i+1)) over this file's record layout.
    pub fn counts_from_histogram(&self, hist: &[u32; MAX_Q]) -> Vec<u32> {
        if self.bins.is_empty() {
            return hist.to_vec();
        }
        let bin_total = |b: &QBin| -> u32 {
            (usize::from(b.lower.max(1))..=usize::from(b.upper).min(MAX_Q))
                .map(|q| hist[q - 1])
                .sum()
        };
        if self.version == 5 {
            let mut out = vec![0u32; MAX_Q];
            for b in &self.bins {
                out[usize::from(b.value) - 1] += bin_total(b);
            }
            out
        } else {
            self.bins.iter().map(bin_total).collect()
        }
    }
}

/// QMetrics2030Out.bin v2–v6.
#[derive(Debug, Clone, PartialEq)]
pub struct QCollapsedFile {
    pub version: u8,
    /// Header bins (v5/v6 only).
    pub bins: Vec<QBin>,
    /// Write the f32 median Q-score (22-byte records) or not (18-byte records).
    pub median: bool,
}

impl QCollapsedFile {
    pub fn header(&self) -> Vec<u8> {
        let mut out = vec![self.version, if self.median { 22 } else { 18 }];
        if self.version >= 5 {
            push_bin_arrays(&mut out, &self.bins);
        }
        out
    }

    #[allow(clippy::too_many_arguments)]
    pub fn record(
        &self,
        out: &mut Vec<u8>,
        lane: u16,
        tile: u32,
        cycle: u16,
        q20: u32,
        q30: u32,
        total: u32,
        median: f32,
    ) {
        push_id(out, lane, tile, false);
        out.extend(cycle.to_le_bytes());
        out.extend(q20.to_le_bytes());
        out.extend(q30.to_le_bytes());
        out.extend(total.to_le_bytes());
        if self.median {
            out.extend(median.to_le_bytes());
        }
    }
}

/// TileMetricsOut.bin v2 header.
pub fn tile_v2_header() -> Vec<u8> {
    vec![2, 10]
}

/// One TileMetricsOut.bin v2 record (code 100 density, 101 PF density, 102 count, 103 PF
/// count, 200+2r / 201+2r phasing / prephasing of read r+1 as fractions, 300+r % aligned).
pub fn tile_v2_record(out: &mut Vec<u8>, lane: u16, tile: u16, code: u16, value: f32) {
    out.extend(lane.to_le_bytes());
    out.extend(tile.to_le_bytes());
    out.extend(code.to_le_bytes());
    out.extend(value.to_le_bytes());
}

/// TileMetricsOut.bin v3 header with the tile area in mm².
pub fn tile_v3_header(area_mm2: f32) -> Vec<u8> {
    let mut out = vec![3, 15];
    out.extend(area_mm2.to_le_bytes());
    out
}

/// TileMetricsOut.bin v3 `'t'` record: cluster count and PF cluster count.
pub fn tile_v3_counts(out: &mut Vec<u8>, lane: u16, tile: u32, count: f32, count_pf: f32) {
    push_id(out, lane, tile, true);
    out.push(b't');
    out.extend(count.to_le_bytes());
    out.extend(count_pf.to_le_bytes());
}

/// TileMetricsOut.bin v3 `'r'` record: % aligned of a read (1-based).
pub fn tile_v3_read(out: &mut Vec<u8>, lane: u16, tile: u32, read: u32, percent_aligned: f32) {
    push_id(out, lane, tile, true);
    out.push(b'r');
    out.extend(read.to_le_bytes());
    out.extend(percent_aligned.to_le_bytes());
}

/// ErrorMetricsOut.bin header (v3 or v4).
pub fn error_header(version: u8) -> Vec<u8> {
    vec![version, if version == 3 { 30 } else { 12 }]
}

/// One ErrorMetricsOut.bin record (v3: u16 tile and five zero error-count columns; v4:
/// u32 tile).
pub fn error_record(out: &mut Vec<u8>, version: u8, lane: u16, tile: u32, cycle: u16, rate: f32) {
    push_id(out, lane, tile, version >= 4);
    out.extend(cycle.to_le_bytes());
    out.extend(rate.to_le_bytes());
    if version == 3 {
        out.extend([0u8; 20]);
    }
}

/// ExtractionMetricsOut.bin header (v2: 4 channels; v3: `channels` channels).
pub fn extraction_header(version: u8, channels: usize) -> Vec<u8> {
    if version == 2 {
        vec![2, 38]
    } else {
        vec![3, (8 + 6 * channels) as u8, channels as u8]
    }
}

/// One ExtractionMetricsOut.bin record (focus and max intensity per channel; v2 adds a
/// zero timestamp).
pub fn extraction_record(
    out: &mut Vec<u8>,
    version: u8,
    lane: u16,
    tile: u32,
    cycle: u16,
    focus: &[f32],
    intensity: &[u16],
) {
    push_id(out, lane, tile, version >= 3);
    out.extend(cycle.to_le_bytes());
    focus.iter().for_each(|f| out.extend(f.to_le_bytes()));
    intensity.iter().for_each(|i| out.extend(i.to_le_bytes()));
    if version == 2 {
        out.extend(0u64.to_le_bytes());
    }
}

/// A synthetic run folder: RunInfo.xml and the InterOp files chosen, with plausible,
/// deterministic figures (a seeded generator, no external randomness).
#[derive(Debug, Clone)]
pub struct SyntheticRun {
    pub run_id: String,
    pub instrument: String,
    pub flowcell: String,
    /// (cycles, is index) per read, in order.
    pub reads: Vec<(u32, bool)>,
    pub lanes: u16,
    pub surfaces: u32,
    pub swaths: u32,
    /// At most 99 (four-digit tile names).
    pub tiles_per_swath: u32,
    /// `<ImageChannels>` names (Extraction v2 needs four).
    pub channels: Vec<String>,
    pub q: Option<QFile>,
    pub q_collapsed: Option<QCollapsedFile>,
    /// Subtracted from the ≥Q30 fraction in QMetrics2030Out.bin only, so a summary shows
    /// which of the two Q files it used.
    pub collapsed_q30_shift: f64,
    pub tile_version: Option<u8>,
    pub error_version: Option<u8>,
    pub extraction_version: Option<u8>,
    /// PF clusters per tile (Q counts per cycle).
    pub clusters_pf: u32,
    /// Mean focus (FWHM, px) of every image: a drifting focus is a run-to-run trend of it.
    pub focus_fwhm: f64,
    /// Intensity of the first channel at cycle 1 (counts; channel c is 1 + 0.2·c times
    /// brighter): a dimming laser is a run-to-run trend of it.
    pub intensity: f64,
    /// Fraction of intensity lost per cycle along each read.
    pub intensity_decay_per_cycle: f64,
    /// Extraction v2 only: when the first cycle was imaged (Unix seconds) and the time
    /// per cycle; `None` writes a zero timestamp, as before.
    pub imaged_from: Option<(i64, f64)>,
    pub seed: u64,
}

impl Default for SyntheticRun {
    fn default() -> Self {
        SyntheticRun {
            run_id: "250101_SYN001_0001_ASYNTHETIC".into(),
            instrument: "SYN001".into(),
            flowcell: "SYNTHETIC".into(),
            reads: vec![(51, false), (8, true), (51, false)],
            lanes: 2,
            surfaces: 2,
            swaths: 2,
            tiles_per_swath: 6,
            channels: vec!["Red".into(), "Green".into()],
            q: Some(QFile {
                version: 7,
                bins: novaseq_bins(),
            }),
            q_collapsed: None,
            collapsed_q30_shift: 0.0,
            tile_version: Some(3),
            error_version: Some(4),
            extraction_version: Some(3),
            clusters_pf: 300_000,
            focus_fwhm: 2.5,
            intensity: 1500.0,
            intensity_decay_per_cycle: 0.0,
            imaged_from: None,
            seed: 7,
        }
    }
}

/// splitmix64: small, seeded, good enough for plausible noise.
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9e37_79b9_7f4a_7c15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
        z ^ (z >> 31)
    }
    /// Uniform in [0, 1).
    fn unit(&mut self) -> f64 {
        (self.next() >> 11) as f64 / (1u64 << 53) as f64
    }
    /// Uniform in [-1, 1).
    fn sym(&mut self) -> f64 {
        2.0 * self.unit() - 1.0
    }
}

/// Byte counts of what [`SyntheticRun::write`] wrote.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Written {
    pub files: Vec<(String, u64)>,
}

impl SyntheticRun {
    /// Tile numbers (four-digit: surface·1000 + swath·100 + tile) of one lane.
    pub fn tiles(&self) -> Vec<u32> {
        let mut out = Vec::new();
        for s in 1..=self.surfaces {
            for w in 1..=self.swaths {
                for t in 1..=self.tiles_per_swath.min(99) {
                    out.push(s * 1000 + w * 100 + t);
                }
            }
        }
        out
    }

    pub fn total_cycles(&self) -> u32 {
        self.reads.iter().map(|r| r.0).sum()
    }

    /// The RunInfo.xml text (version 6, with `<ImageChannels>`).
    pub fn run_info_xml(&self) -> String {
        let mut x = String::new();
        let _ = writeln!(x, r#"<?xml version="1.0"?>"#);
        let _ = writeln!(x, r#"<RunInfo Version="6">"#);
        let _ = writeln!(x, r#"  <Run Id="{}" Number="1">"#, self.run_id);
        let _ = writeln!(x, "    <Flowcell>{}</Flowcell>", self.flowcell);
        let _ = writeln!(x, "    <Instrument>{}</Instrument>", self.instrument);
        // The run id's own date (YYMMDD_…), as an instrument writes both.
        let date = self
            .run_id
            .get(..6)
            .filter(|d| d.bytes().all(|b| b.is_ascii_digit()))
            .unwrap_or("250101");
        let _ = writeln!(x, "    <Date>{date}</Date>");
        let _ = writeln!(x, "    <Reads>");
        for (i, (cycles, index)) in self.reads.iter().enumerate() {
            let _ = writeln!(
                x,
                r#"      <Read Number="{}" NumCycles="{cycles}" IsIndexedRead="{}"/>"#,
                i + 1,
                if *index { "Y" } else { "N" }
            );
        }
        let _ = writeln!(x, "    </Reads>");
        let _ = writeln!(
            x,
            r#"    <FlowcellLayout LaneCount="{}" SurfaceCount="{}" SwathCount="{}" TileCount="{}">"#,
            self.lanes, self.surfaces, self.swaths, self.tiles_per_swath
        );
        let _ = writeln!(x, r#"      <TileSet TileNamingConvention="FourDigit">"#);
        let _ = writeln!(x, "        <Tiles>");
        for lane in 1..=self.lanes {
            for t in self.tiles() {
                let _ = writeln!(x, "          <Tile>{lane}_{t}</Tile>");
            }
        }
        let _ = writeln!(x, "        </Tiles>");
        let _ = writeln!(x, "      </TileSet>");
        let _ = writeln!(x, "    </FlowcellLayout>");
        let _ = writeln!(x, "    <ImageChannels>");
        for c in &self.channels {
            let _ = writeln!(x, "      <Name>{c}</Name>");
        }
        let _ = writeln!(x, "    </ImageChannels>");
        let _ = writeln!(x, "  </Run>");
        let _ = writeln!(x, "</RunInfo>");
        x
    }

    /// Write RunInfo.xml and the chosen InterOp files into `dir` (created if needed).
    /// Large files are streamed through a buffer, so memory stays small.
    pub fn write(&self, dir: &Path) -> io::Result<Written> {
        let interop = dir.join("InterOp");
        fs::create_dir_all(&interop)?;
        fs::write(dir.join("RunInfo.xml"), self.run_info_xml())?;
        let mut written = Written::default();
        let tiles = self.tiles();
        // (read index, cycle within read, is last, is index) per cycle.
        let mut cycles = Vec::new();
        for (ri, &(n, index)) in self.reads.iter().enumerate() {
            for c in 1..=n {
                cycles.push((ri, c, c == n, index));
            }
        }
        let mut put = |name: &str, f: &mut dyn FnMut(&mut Sink) -> io::Result<()>| {
            let path = interop.join(name);
            let mut sink = Sink {
                out: BufWriter::with_capacity(1 << 20, File::create(&path)?),
                buf: Vec::with_capacity(1 << 16),
                bytes: 0,
            };
            f(&mut sink)?;
            sink.finish()?;
            written.files.push((format!("InterOp/{name}"), sink.bytes));
            Ok::<(), io::Error>(())
        };
        let per_tile_seed = |lane: u16, tile: u32| -> u64 {
            self.seed ^ (u64::from(lane) << 40) ^ (u64::from(tile) << 8)
        };

        if let Some(q) = &self.q {
            put("QMetricsOut.bin", &mut |s| {
                s.buf.extend(q.header());
                for lane in 1..=self.lanes {
                    for &tile in &tiles {
                        let mut rng = Rng(per_tile_seed(lane, tile) ^ 0x51);
                        for (ci, &(_, within, _, _)) in cycles.iter().enumerate() {
                            let hist = self.histogram(&mut rng, within, 0.0);
                            let counts = q.counts_from_histogram(&hist);
                            q.record(&mut s.buf, lane, tile, ci as u16 + 1, &counts);
                            s.flush_if_full()?;
                        }
                    }
                }
                Ok(())
            })?;
        }
        if let Some(qc) = &self.q_collapsed {
            put("QMetrics2030Out.bin", &mut |s| {
                s.buf.extend(qc.header());
                for lane in 1..=self.lanes {
                    for &tile in &tiles {
                        let mut rng = Rng(per_tile_seed(lane, tile) ^ 0x51);
                        for (ci, &(_, within, _, _)) in cycles.iter().enumerate() {
                            let hist = self.histogram(&mut rng, within, self.collapsed_q30_shift);
                            let above = |q: usize| hist[q - 1..].iter().sum::<u32>();
                            let total: u32 = hist.iter().sum();
                            qc.record(
                                &mut s.buf,
                                lane,
                                tile,
                                ci as u16 + 1,
                                above(20),
                                above(30),
                                total,
                                35.0,
                            );
                            s.flush_if_full()?;
                        }
                    }
                }
                Ok(())
            })?;
        }
        if let Some(v) = self.tile_version {
            let area = 1.3818f32;
            put("TileMetricsOut.bin", &mut |s| {
                s.buf.extend(if v == 2 {
                    tile_v2_header()
                } else {
                    tile_v3_header(area)
                });
                for lane in 1..=self.lanes {
                    for &tile in &tiles {
                        let mut rng = Rng(per_tile_seed(lane, tile) ^ 0x7);
                        let pf = self.clusters_pf as f64 * (1.0 + 0.05 * rng.sym());
                        let count = pf / (0.80 + 0.05 * rng.unit());
                        let (count, pf) = (count.round() as f32, pf.round() as f32);
                        if v == 2 {
                            let t = tile as u16;
                            tile_v2_record(&mut s.buf, lane, t, 100, count / area);
                            tile_v2_record(&mut s.buf, lane, t, 101, pf / area);
                            tile_v2_record(&mut s.buf, lane, t, 102, count);
                            tile_v2_record(&mut s.buf, lane, t, 103, pf);
                            for r in 0..self.reads.len() as u16 {
                                let phasing = (0.001 + 0.001 * rng.unit()) as f32;
                                let pre = (0.0005 + 0.0005 * rng.unit()) as f32;
                                tile_v2_record(&mut s.buf, lane, t, 200 + 2 * r, phasing);
                                tile_v2_record(&mut s.buf, lane, t, 201 + 2 * r, pre);
                                let aligned = (1.0 + 0.2 * rng.sym()) as f32;
                                tile_v2_record(&mut s.buf, lane, t, 300 + r, aligned);
                            }
                        } else {
                            tile_v3_counts(&mut s.buf, lane, tile, count, pf);
                            for r in 1..=self.reads.len() as u32 {
                                let aligned = (1.0 + 0.2 * rng.sym()) as f32;
                                tile_v3_read(&mut s.buf, lane, tile, r, aligned);
                            }
                        }
                        s.flush_if_full()?;
                    }
                }
                Ok(())
            })?;
        }
        if let Some(v) = self.error_version {
            put("ErrorMetricsOut.bin", &mut |s| {
                s.buf.extend(error_header(v));
                for lane in 1..=self.lanes {
                    for &tile in &tiles {
                        let mut rng = Rng(per_tile_seed(lane, tile) ^ 0xe);
                        for (ci, &(_, within, _, index)) in cycles.iter().enumerate() {
                            if index {
                                continue;
                            }
                            let rate = 0.2 + 0.004 * f64::from(within) + 0.05 * rng.sym();
                            error_record(&mut s.buf, v, lane, tile, ci as u16 + 1, rate as f32);
                            s.flush_if_full()?;
                        }
                    }
                }
                Ok(())
            })?;
        }
        if let Some(v) = self.extraction_version {
            let channels = if v == 2 { 4 } else { self.channels.len() };
            put("ExtractionMetricsOut.bin", &mut |s| {
                s.buf.extend(extraction_header(v, channels));
                for lane in 1..=self.lanes {
                    for &tile in &tiles {
                        let mut rng = Rng(per_tile_seed(lane, tile) ^ 0xa);
                        for (ci, &(_, within, _, _)) in cycles.iter().enumerate() {
                            let focus: Vec<f32> = (0..channels)
                                .map(|_| (self.focus_fwhm + 0.2 * rng.sym()) as f32)
                                .collect();
                            let kept =
                                (1.0 - self.intensity_decay_per_cycle).powi(within as i32 - 1);
                            let intensity: Vec<u16> = (0..channels)
                                .map(|c| {
                                    // 1500 → 1500, 1800, 2100, 2400 by channel, ±13 %.
                                    let level = self.intensity * (1.0 + 0.2 * c as f64) * kept;
                                    (level * (1.0 + 0.13 * rng.sym())).clamp(0.0, 65_535.0) as u16
                                })
                                .collect();
                            extraction_record(
                                &mut s.buf,
                                v,
                                lane,
                                tile,
                                ci as u16 + 1,
                                &focus,
                                &intensity,
                            );
                            if let (2, Some((from, minutes))) = (v, self.imaged_from) {
                                // Replace the zero timestamp with DateTime.ToBinary ticks.
                                let unix = from as f64 + 60.0 * minutes * ci as f64;
                                let ticks =
                                    621_355_968_000_000_000u64 + (unix.max(0.0) * 1e7) as u64;
                                let n = s.buf.len();
                                s.buf[n - 8..].copy_from_slice(&ticks.to_le_bytes());
                            }
                            s.flush_if_full()?;
                        }
                    }
                }
                Ok(())
            })?;
        }
        Ok(written)
    }

    /// A plausible histogram of PF calls over Q1..Q50 for one tile at one cycle: mostly
    /// high, declining along the read. `shift` lowers the ≥Q30 share.
    fn histogram(&self, rng: &mut Rng, within: u32, shift: f64) -> [u32; MAX_Q] {
        let total = f64::from(self.clusters_pf) * (1.0 + 0.02 * rng.sym());
        let p30 = (0.95 - 0.0006 * f64::from(within) + 0.01 * rng.sym() - shift).clamp(0.05, 0.99);
        let p20 = ((1.0 - p30) * 0.7).max(0.0);
        let rest = (1.0 - p30 - p20).max(0.0);
        let mut hist = [0u32; MAX_Q];
        // Spread each band over its Q values with a gentle slope.
        let mut spread = |lo: usize, hi: usize, share: f64| {
            let n = (hi - lo + 1) as f64;
            let weights: Vec<f64> = (lo..=hi).map(|q| 1.0 + (q - lo) as f64 / n).collect();
            let sum: f64 = weights.iter().sum();
            for (q, w) in (lo..=hi).zip(weights) {
                hist[q - 1] += (total * share * w / sum) as u32;
            }
        };
        spread(2, 19, rest);
        spread(20, 29, p20);
        spread(30, 40, p30);
        hist
    }
}

/// A buffered file writer that counts bytes.
struct Sink {
    out: BufWriter<File>,
    buf: Vec<u8>,
    bytes: u64,
}

impl Sink {
    fn flush_if_full(&mut self) -> io::Result<()> {
        if self.buf.len() >= 1 << 16 {
            self.out.write_all(&self.buf)?;
            self.bytes += self.buf.len() as u64;
            self.buf.clear();
        }
        Ok(())
    }
    fn finish(&mut self) -> io::Result<()> {
        self.out.write_all(&self.buf)?;
        self.bytes += self.buf.len() as u64;
        self.buf.clear();
        self.out.flush()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn q_layouts_have_the_documented_sizes() {
        let f = |version, bins: Vec<QBin>| QFile { version, bins };
        assert_eq!(f(4, vec![]).record_size(), 206);
        assert_eq!(f(5, nextseq_bins()).record_size(), 206);
        assert_eq!(f(6, nextseq_bins()).record_size(), 34);
        assert_eq!(f(6, vec![]).record_size(), 206);
        assert_eq!(f(7, novaseq_bins()).record_size(), 20);
        assert_eq!(f(7, vec![]).record_size(), 208);
        // The real headers quoted in FORMATS.md.
        assert_eq!(
            f(6, nextseq_bins()).header(),
            [
                6, 34, 1, 7, 2, 10, 20, 25, 30, 35, 40, 9, 19, 24, 29, 34, 39, 40, 2, 14, 21, 27,
                32, 36, 40
            ]
        );
        assert_eq!(
            f(7, novaseq_bins()).header(),
            [7, 20, 1, 3, 2, 17, 11, 18, 29, 25, 30, 40, 37]
        );
    }
}
