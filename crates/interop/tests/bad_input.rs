//! Whole-folder behaviour on bad input, built byte by byte in temporary run folders, and a
//! no-panic sweep of every parser over truncated and random bytes.

use std::path::{Path, PathBuf};

use seqhealth_interop::binary::RunBounds;
use seqhealth_interop::{
    error_metrics, extraction, q, run_info, summarize, tile, FormatError, InteropError,
};

const RUN_INFO: &str = r#"<?xml version="1.0"?>
<RunInfo Version="4"><Run Id="200101_NS500001_0001_AHXXXXXXXX" Number="1">
<Flowcell>HXXXXXXXX</Flowcell><Instrument>NS500001</Instrument><Date>200101</Date>
<Reads><Read Number="1" NumCycles="3" IsIndexedRead="N"/><Read Number="2" NumCycles="2" IsIndexedRead="Y"/></Reads>
<FlowcellLayout LaneCount="1" SurfaceCount="1" SwathCount="1" TileCount="2"/>
<ImageChannels><Name>Red</Name><Name>Green</Name></ImageChannels></Run></RunInfo>"#;

/// A fresh, empty run folder under the system temp dir, removed when dropped.
struct TempRun(PathBuf);

impl Drop for TempRun {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.0);
    }
}

impl std::ops::Deref for TempRun {
    type Target = Path;
    fn deref(&self) -> &Path {
        &self.0
    }
}

fn run_folder(test: &str) -> TempRun {
    let dir = std::env::temp_dir().join(format!("seqhealth-interop-{}-{test}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(dir.join("InterOp")).expect("create temp run folder");
    TempRun(dir)
}

fn write(dir: &Path, rel: &str, bytes: &[u8]) {
    std::fs::write(dir.join(rel), bytes).expect("write test file");
}

fn tile_v2(lane: u16, tile: u16, code: u16, value: f32) -> Vec<u8> {
    [
        &lane.to_le_bytes()[..],
        &tile.to_le_bytes(),
        &code.to_le_bytes(),
        &value.to_le_bytes(),
    ]
    .concat()
}

fn q_v4(lane: u16, tile: u16, cycle: u16, q30_calls: u32, q20_calls: u32) -> Vec<u8> {
    let mut r = [lane.to_le_bytes(), tile.to_le_bytes(), cycle.to_le_bytes()].concat();
    for q in 1..=50u32 {
        let count = match q {
            20 => q20_calls,
            35 => q30_calls,
            // Populate many slots so the file is treated as unbinned.
            _ if q < 12 => 1,
            _ => 0,
        };
        r.extend(count.to_le_bytes());
    }
    r
}

fn good_tile_file() -> Vec<u8> {
    let mut f = vec![2u8, 10];
    for (tile, density) in [(1101u16, 100_000.0f32), (1102, 120_000.0)] {
        f.extend(tile_v2(1, tile, 100, density));
        f.extend(tile_v2(1, tile, 101, density * 0.9));
        f.extend(tile_v2(1, tile, 102, 1000.0));
        f.extend(tile_v2(1, tile, 103, 900.0));
    }
    f
}

#[test]
fn missing_run_info_is_a_typed_error() {
    let dir = run_folder("no-runinfo");
    assert!(matches!(
        summarize(&dir),
        Err(InteropError::MissingRunInfo { .. })
    ));
}

#[test]
fn malformed_run_info_is_a_typed_error() {
    let dir = run_folder("bad-runinfo");
    write(&dir, "RunInfo.xml", b"<RunInfo><Run Id=\"x\"><Reads>");
    assert!(matches!(summarize(&dir), Err(InteropError::Xml { .. })));
}

#[test]
fn legacy_run_info_without_run_parameters_is_refused() {
    let dir = run_folder("legacy");
    write(
        &dir,
        "RunInfo.xml",
        RUN_INFO
            .replace(
                "<ImageChannels><Name>Red</Name><Name>Green</Name></ImageChannels>",
                "",
            )
            .as_bytes(),
    );
    write(&dir, "InterOp/TileMetricsOut.bin", &good_tile_file());
    assert!(matches!(
        summarize(&dir),
        Err(InteropError::MissingRunParameters { .. })
    ));
}

#[test]
fn bad_files_are_left_out_with_warnings_naming_file_and_offset() {
    let dir = run_folder("bad-files");
    write(&dir, "RunInfo.xml", RUN_INFO.as_bytes());
    write(&dir, "InterOp/TileMetricsOut.bin", &good_tile_file());
    write(&dir, "InterOp/QMetricsOut.bin", &[9, 206]); // unknown version
    write(&dir, "InterOp/ErrorMetricsOut.bin", &[3, 31]); // record size disagrees
    write(&dir, "InterOp/ExtractionMetricsOut.bin", &[]); // 0 bytes
    let s = summarize(&dir).expect("valid part is summarised");
    let has = |needle: &str| s.warnings.iter().any(|w| w.contains(needle));
    assert!(
        has("InterOp/QMetricsOut.bin: byte 0: unsupported version 9"),
        "{:?}",
        s.warnings
    );
    assert!(
        has("InterOp/ErrorMetricsOut.bin: byte 1: header record size 31"),
        "{:?}",
        s.warnings
    );
    assert!(
        has("InterOp/ExtractionMetricsOut.bin: byte 0: empty file"),
        "{:?}",
        s.warnings
    );
    assert!(
        !s.warnings
            .iter()
            .any(|w| w.contains(&dir.display().to_string())),
        "no local paths in warnings"
    );
    // Tile figures survive; the rejected metrics are None.
    let lane = s.lanes.first().expect("lane 1 row");
    assert_eq!(lane.tile_count, 2);
    assert_eq!(lane.density_per_mm2.map(|d| d.mean), Some(110_000.0));
    assert_eq!(s.total.reads, Some(2000.0));
    assert_eq!(s.total.percent_pf, Some(90.0));
    assert_eq!(
        (
            s.total.percent_q30,
            s.total.error_rate,
            s.total.first_cycle_intensity
        ),
        (None, None, None)
    );
    assert!(s.per_cycle_q30.is_empty());
}

#[test]
fn partial_last_record_is_read_up_to_the_last_whole_record() {
    let dir = run_folder("partial");
    write(&dir, "RunInfo.xml", RUN_INFO.as_bytes());
    write(&dir, "InterOp/TileMetricsOut.bin", &good_tile_file());
    let mut qf = vec![4u8, 206];
    // Read 1 (cycles 1–3): cycle 3 is its last cycle and is excluded from %>=Q30.
    qf.extend(q_v4(1, 1101, 1, 80, 10));
    qf.extend(q_v4(1, 1101, 2, 60, 30));
    qf.extend(q_v4(1, 1101, 3, 0, 100));
    qf.extend(&q_v4(1, 1101, 4, 100, 0)[..100]); // cut mid-record
    write(&dir, "InterOp/QMetricsOut.bin", &qf);
    let s = summarize(&dir).expect("summary");
    assert!(
        s.warnings
            .iter()
            .any(|w| w.contains("last 100 bytes are a partial record")),
        "{:?}",
        s.warnings
    );
    let read1 = &s.reads[0].summary;
    // Per cycle: 11 low-Q calls + q20 + q30 calls.
    let total = (11 + 80 + 10 + 11 + 60 + 30) as f64;
    let pct = read1.percent_q30.expect("q30");
    assert!((pct - 100.0 * 140.0 / total).abs() < 1e-9, "{pct}");
    assert_eq!(s.per_cycle_q30.len(), 3);
    // Read 2 has no Q data yet: 0 % for the read, None for its lane row.
    assert_eq!(s.reads[1].summary.percent_q30, Some(0.0));
    assert_eq!(
        s.lanes
            .iter()
            .find(|r| r.read == 2)
            .and_then(|r| r.percent_q30),
        None
    );
}

#[test]
fn lane_outside_the_run_is_reported_with_its_offset() {
    let info = run_info::parse_run_info_str(RUN_INFO).expect("run info");
    let bounds = RunBounds::from_run_info(&info);
    let mut f = good_tile_file();
    f.extend(tile_v2(2, 1101, 100, 1.0));
    let err = tile::read_tile_metrics(&f[..], Path::new("T.bin"), &bounds).unwrap_err();
    match err {
        InteropError::Format {
            offset,
            reason,
            path,
        } => {
            assert_eq!((offset, path), (82, PathBuf::from("T.bin")));
            assert_eq!(
                reason,
                FormatError::LaneOutOfRange {
                    lane: 2,
                    lane_count: 1
                }
            );
        }
        other => panic!("unexpected {other}"),
    }
}

/// Deterministic xorshift so the sweep is reproducible without extra crates.
fn noise(seed: &mut u64) -> u8 {
    *seed ^= *seed << 13;
    *seed ^= *seed >> 7;
    *seed ^= *seed << 17;
    (*seed >> 24) as u8
}

#[test]
fn parsers_never_panic_on_truncated_or_random_input() {
    let info = run_info::parse_run_info_str(RUN_INFO).expect("run info");
    let bounds = RunBounds::from_run_info(&info);
    let parse_all = |bytes: &[u8]| {
        let p = Path::new("x.bin");
        let _ = tile::read_tile_metrics(bytes, p, &bounds);
        let _ = q::read_q_metrics(bytes, p, &bounds);
        let _ = error_metrics::read_error_metrics(bytes, p, &bounds);
        let _ = extraction::read_extraction_metrics(bytes, p, &bounds, Some(0));
    };
    let mut valid = vec![good_tile_file()];
    let mut qf = vec![4u8, 206];
    qf.extend(q_v4(1, 1101, 1, 5, 5));
    valid.push(qf);
    valid.push(
        [
            &[
                6u8, 34, 1, 7, 2, 10, 20, 25, 30, 35, 40, 9, 19, 24, 29, 34, 39, 40, 2, 14, 21, 27,
                32, 36, 40,
            ][..],
            &[1; 34],
        ]
        .concat(),
    );
    valid.push(
        [
            &[7u8, 20, 1, 3, 2, 17, 11, 18, 29, 25, 30, 40, 37][..],
            &[1; 20],
        ]
        .concat(),
    );
    valid.push([&[3u8, 15][..], &2.0f32.to_le_bytes(), &[1; 45]].concat());
    valid.push([&[6u8, 16, 1, 0, 4, 0, b'A', b'C', b'G', b'T'][..], &[1; 32]].concat());
    valid.push([&[3u8, 20, 2][..], &[1; 40]].concat());
    for v in &valid {
        for cut in 0..=v.len() {
            parse_all(&v[..cut]);
        }
    }
    let mut seed = 0x9e37_79b9_7f4a_7c15u64;
    for round in 0..20_000 {
        let len = usize::from(noise(&mut seed)) + round % 7;
        let mut bytes: Vec<u8> = (0..len).map(|_| noise(&mut seed)).collect();
        // Keep plausible headers often so the record paths get exercised too.
        if let Some(first) = bytes.first_mut() {
            *first = 2 + *first % 6;
        }
        parse_all(&bytes);
    }
}

#[test]
fn run_info_parser_never_panics_on_truncated_or_mangled_xml() {
    for cut in (0..=RUN_INFO.len()).filter(|&i| RUN_INFO.is_char_boundary(i)) {
        let _ = run_info::parse_run_info_str(&RUN_INFO[..cut]);
    }
    let mut seed = 0x2545_f491_4f6c_dd1du64;
    let alphabet = b"<>/=\"' ?!-[]&;#xRunInfoReadNumCycles1\xc3\xa9";
    for _ in 0..5_000 {
        let mut text = RUN_INFO.as_bytes().to_vec();
        for _ in 0..4 {
            let at = usize::from(noise(&mut seed)) * text.len() / 256;
            if let Some(b) = text.get_mut(at) {
                *b = alphabet[usize::from(noise(&mut seed)) % alphabet.len()];
            }
        }
        let _ = run_info::parse_run_info_str(&String::from_utf8_lossy(&text));
    }
}
