//! The pattern parser and validator on any text: never panic, errors point inside the input.
#![no_main]

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    if let Ok(text) = std::str::from_utf8(data) {
        match selat_pattern::parse(text) {
            Ok(pattern) => {
                let _ = pattern.observables();
            }
            Err(e) => assert!(e.offset <= text.len()),
        }
    }
});
