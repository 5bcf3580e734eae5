//! Matching bugs found by the differential test against stix2-matcher (`crates/cli/tests/
//! pattern_cli.rs`), each pinned with the OASIS matcher's verdict.

use serde_json::{Value, json};

/// One observed-data holding `objects`, first seen at the epoch of 2024.
fn observed(objects: &[Value]) -> Vec<Value> {
    let refs: Vec<&Value> = objects.iter().map(|o| &o["id"]).collect();
    let mut all = vec![json!({
        "type": "observed-data", "id": "observed-data--1", "number_observed": 1,
        "first_observed": "2024-01-01T00:00:00Z", "last_observed": "2024-01-01T00:00:00Z",
        "object_refs": refs,
    })];
    all.extend(objects.iter().cloned());
    vec![json!({"type": "bundle", "id": "bundle--1", "objects": all})]
}

fn check(pattern: &str, data: &[Value], expected: Result<bool, ()>) {
    let parsed = selat_pattern::parse_syntax(pattern).unwrap_or_else(|e| panic!("{pattern}: {e}"));
    let got = parsed.matches(data).map(|r| r.matched).map_err(|_| ());
    assert_eq!(got, expected, "{pattern}");
}

/// `AND` inside `[...]` needs one object to pass both sides. Objects were identified by their
/// position among the objects *of their type*, so the first `file` and the first `ipv4-addr`
/// counted as the same object (seed 0x5E1A7D1F, cases 286 and 290).
#[test]
fn and_across_object_types_never_pairs_different_objects() {
    let data = observed(&[
        json!({"type": "file", "id": "file--1", "size": 100, "name": "x"}),
        json!({"type": "ipv4-addr", "id": "ipv4-addr--1", "value": "10.0.0.1"}),
    ]);
    check("[file:size >= 100 AND ipv4-addr:value = '10.0.0.1']", &data, Ok(false));
    check("[file:size >= 100 AND file:name = 'x']", &data, Ok(true));
    check("[file:size >= 100 OR ipv4-addr:value = '10.0.0.2']", &data, Ok(true));
}

/// The OASIS matcher reads IPv4 addresses with `inet_aton`: `10.00.0` is 10.0.0.0, not an
/// error (seed 1, case 175).
#[test]
fn addresses_are_read_as_inet_aton_reads_them() {
    let data = observed(&[json!({"type": "ipv4-addr", "id": "ipv4-addr--1", "value": "8.8.8.8"})]);
    check("[ipv4-addr:value NOT ISSUBSET '10.00.0/8']", &data, Ok(true));
    check("[ipv4-addr:value ISSUBSET '8.8/16']", &data, Ok(false)); // 8.0.0.8/16
    check("[ipv4-addr:value ISSUBSET '8.8.8/16']", &data, Ok(true)); // 8.8.0.8/16
    check("[ipv4-addr:value ISSUBSET '8.8.8.8.8/16']", &data, Err(()));
}
