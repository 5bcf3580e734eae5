//! The streaming bundle reader on arbitrary bytes: never panics, always terminates, and every
//! object it hands out lies within the input.
#![no_main]

use libfuzzer_sys::fuzz_target;
use selat_stix::bundle::{BundleReader, ReaderLimits};

fuzz_target!(|data: &[u8]| {
    let limits = ReaderLimits { max_object_bytes: 64 * 1024, max_objects: Some(10_000), max_nesting_depth: 64 };
    let mut reader = BundleReader::with_limits(data, limits);
    for item in reader.by_ref() {
        match item {
            Ok(raw) => {
                assert!(raw.bytes.len() <= data.len() + 2);
                let _ = raw.parse();
            }
            Err(_) => break,
        }
    }
    let _ = reader.envelope_diagnostics();
});
