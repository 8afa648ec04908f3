//! Fuzz RunInfo.xml parsing (the XML reader included): any bytes give a RunInfo or an
//! error, never a panic; a parsed RunInfo also yields its cycle map and record bounds.

#![no_main]

use libfuzzer_sys::fuzz_target;
use seqhealth_interop::binary::RunBounds;
use seqhealth_interop::run_info::parse_run_info_str;

fuzz_target!(|data: &[u8]| {
    // As `xml::read_file` does: invalid UTF-8 is replaced, not fatal.
    let text = String::from_utf8_lossy(data);
    if let Ok(info) = parse_run_info_str(&text) {
        let _ = info.cycle_map();
        let _ = info.layout.as_ref().and_then(|l| l.tiles_per_lane());
        let _ = RunBounds::from_run_info(&info);
    }
});
