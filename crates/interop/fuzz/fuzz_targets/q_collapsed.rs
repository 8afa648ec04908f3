//! Fuzz the QMetrics2030Out.bin (collapsed Q) reader: any bytes give a value or a typed
//! error, never a panic.
//! Input: an 8-byte run-shape prefix (see the crate docs), then the file.

#![no_main]

use libfuzzer_sys::fuzz_target;
use std::path::Path;

fuzz_target!(|data: &[u8]| {
    let Some(c) = seqhealth_interop_fuzz::case(data) else {
        return;
    };
    let _ = seqhealth_interop::q_collapsed::read_q_collapsed_metrics(
        c.reader,
        Path::new("InterOp/QMetrics2030Out.bin"),
        &c.bounds,
    );
});
