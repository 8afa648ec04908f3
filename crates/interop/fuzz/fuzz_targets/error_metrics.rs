//! Fuzz the error_metrics InterOp reader: any bytes give a value or a typed error, never a panic.
//! Input: an 8-byte run-shape prefix (see the crate docs), then the file.

#![no_main]

use libfuzzer_sys::fuzz_target;
use std::path::Path;

fuzz_target!(|data: &[u8]| {
    let Some(c) = seqhealth_interop_fuzz::case(data) else {
        return;
    };
    let _ = seqhealth_interop::error_metrics::read_error_metrics(
        c.reader,
        Path::new("InterOp/ErrorMetricsOut.bin"),
        &c.bounds,
    );
});
