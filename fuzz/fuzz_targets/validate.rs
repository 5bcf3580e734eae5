//! The validator and the SCO id function on any JSON value: never panic.
#![no_main]

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    if let Ok(value) = serde_json::from_slice::<serde_json::Value>(data) {
        let _ = selat_stix::validate::validate_object(&value);
        let _ = selat_stix::sco_id::deterministic_id(&value);
        let _ = selat_stix::meta::ObjectMeta::extract(&value);
    }
});
