//! The values an object carries, for the observable index (value → object versions) that search,
//! matching and correlation read.
//!
//! - A cyber-observable carries its own values: an address's, a domain's or a URL's `value`, a
//!   file's hashes and name, ….
//! - An indicator with a STIX pattern carries the literals its pattern compares with `=` or `IN`
//!   (`selat_pattern::Pattern::observables`), under the same kinds, so an indicator and an SCO of
//!   the same value meet at one index entry.
//! - A sighting carries the id of what it sights (`sighting_of_ref`), kind [`SIGHTING_OF`].
//!
//! Values are normalised the same way on every side (lower-case domains, e-mail addresses and hex
//! hashes, canonical IP addresses), and bounded: at most [`MAX_OBSERVABLES_PER_VERSION`] values
//! per object, none longer than [`MAX_OBSERVABLE_VALUE_BYTES`]; what is left out is counted.

use std::collections::BTreeSet;
use std::net::{Ipv4Addr, Ipv6Addr};

use selat_pattern::Literal;
use selat_store::{MAX_OBSERVABLE_VALUE_BYTES, MAX_OBSERVABLES_PER_VERSION, Observable};
use serde_json::Value;

/// The kind of the index entry a sighting carries: its value is the id of the sighted object.
pub const SIGHTING_OF: &str = "sighting-of";

/// Cyber-observable types whose `value` property is the observable.
pub const VALUE_TYPES: [&str; 6] = ["ipv4-addr", "ipv6-addr", "domain-name", "url", "email-addr", "mac-addr"];

/// The values of one object, and how many were left out by the limits.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Extracted {
    /// Distinct `(kind, value)` pairs, sorted, at most [`MAX_OBSERVABLES_PER_VERSION`].
    pub values: Vec<Observable>,
    /// Values not indexed: past the per-object limit, or longer than the value limit.
    pub left_out: usize,
}

/// The values `object` carries (see the module docs).
pub fn extract(object: &Value) -> Extracted {
    let mut found = BTreeSet::new();
    let object_type = object.get("type").and_then(Value::as_str).unwrap_or_default();
    match object_type {
        "indicator" => pattern_values(object, &mut found),
        "sighting" => {
            if let Some(sighted) = object.get("sighting_of_ref").and_then(Value::as_str) {
                found.insert(Observable::new(SIGHTING_OF, sighted));
            }
        }
        _ => sco_values(object_type, object, &mut found),
    }
    bounded(found)
}

fn bounded(found: BTreeSet<Observable>) -> Extracted {
    let total = found.len();
    let values: Vec<Observable> = found
        .into_iter()
        // A NUL is valid in JSON but not in PostgreSQL text; such a value is left out (counted),
        // never allowed to fail the object's ingest.
        .filter(|o| {
            !o.value.is_empty() && o.value.len() <= MAX_OBSERVABLE_VALUE_BYTES && !o.value.contains('\0')
        })
        .take(MAX_OBSERVABLES_PER_VERSION)
        .collect();
    Extracted { left_out: total - values.len(), values }
}

fn sco_values(object_type: &str, object: &Value, found: &mut BTreeSet<Observable>) {
    let text = |key: &str| object.get(key).and_then(Value::as_str);
    if VALUE_TYPES.contains(&object_type) {
        if let Some(value) = text("value") {
            found.insert(Observable::new(object_type, normalise(object_type, value)));
        }
        return;
    }
    if let Some(hashes) = object.get("hashes").and_then(Value::as_object) {
        for (algorithm, value) in hashes {
            if let Some(value) = value.as_str() {
                found.insert(hash_observable(object_type, algorithm, value));
            }
        }
    }
    let named = match object_type {
        "file" | "mutex" | "process" | "software" => text("name").map(|n| ("name", n)),
        "windows-registry-key" => text("key").map(|k| ("key", k)),
        _ => None,
    };
    if let Some((property, value)) = named {
        found.insert(Observable::new(format!("{object_type}:{property}"), value));
    }
    if object_type == "autonomous-system"
        && let Some(number) = object.get("number").and_then(Value::as_u64)
    {
        found.insert(Observable::new(object_type, number.to_string()));
    }
}

/// The string literals an indicator's STIX pattern compares with `=` or `IN`. Indicators of
/// other pattern types, and patterns that do not parse, carry none.
fn pattern_values(object: &Value, found: &mut BTreeSet<Observable>) {
    let pattern_type = object.get("pattern_type").and_then(Value::as_str).unwrap_or("stix");
    let Some(text) = object.get("pattern").and_then(Value::as_str).filter(|_| pattern_type == "stix") else {
        return;
    };
    let Ok(pattern) = selat_pattern::parse_syntax(text) else { return };
    for test in pattern.observables() {
        let Literal::Str(value) = &test.value else { continue };
        let kind = test.object_type.as_str();
        let path = test.property_path.as_str();
        let observable = if path == "value" && VALUE_TYPES.contains(&kind) {
            Observable::new(kind, normalise(kind, value))
        } else if let Some(algorithm) = path.strip_prefix("hashes.") {
            hash_observable(kind, algorithm.trim_matches('\''), value)
        } else {
            Observable::new(format!("{kind}:{path}"), value.as_str())
        };
        found.insert(observable);
    }
}

fn hash_observable(object_type: &str, algorithm: &str, value: &str) -> Observable {
    let algorithm = hash_algorithm(algorithm);
    let value = if value.bytes().all(|b| b.is_ascii_hexdigit()) {
        value.to_ascii_lowercase()
    } else {
        value.to_owned()
    };
    Observable::new(format!("{object_type}:hashes.{algorithm}"), value)
}

/// The STIX vocabulary name of a hash algorithm however it was spelt (`sha256`, `SHA256`, `SHA-256`).
pub fn hash_algorithm(name: &str) -> String {
    let upper = name.to_ascii_uppercase();
    match upper.replace('-', "").as_str() {
        "MD5" => "MD5".to_owned(),
        "SHA1" => "SHA-1".to_owned(),
        "SHA256" => "SHA-256".to_owned(),
        "SHA512" => "SHA-512".to_owned(),
        "SHA3256" => "SHA3-256".to_owned(),
        "SHA3512" => "SHA3-512".to_owned(),
        _ => upper,
    }
}

/// A value of an SCO type in the form the index keeps: lower-case domains, e-mail and MAC
/// addresses; canonical IP addresses (a host network `/32` or `/128` is its address).
pub fn normalise(object_type: &str, value: &str) -> String {
    let value = value.trim();
    match object_type {
        "domain-name" => value.trim_end_matches('.').to_ascii_lowercase(),
        "email-addr" | "mac-addr" => value.to_ascii_lowercase(),
        "ipv4-addr" => {
            let host = value.strip_suffix("/32").unwrap_or(value);
            host.parse::<Ipv4Addr>().map_or_else(|_| value.to_owned(), |ip| ip.to_string())
        }
        "ipv6-addr" => {
            let host = value.strip_suffix("/128").unwrap_or(value);
            host.parse::<Ipv6Addr>().map_or_else(|_| value.to_ascii_lowercase(), |ip| ip.to_string())
        }
        _ => value.to_owned(),
    }
}

/// The forms a value typed by a person may take in the index: as given, and normalised as each
/// kind of value it could be (a domain, an address, a hash). Deduplicated.
pub fn lookup_forms(value: &str) -> Vec<String> {
    let value = value.trim();
    let mut forms = vec![value.to_owned()];
    for kind in ["domain-name", "ipv4-addr", "ipv6-addr"] {
        forms.push(normalise(kind, value));
    }
    if value.bytes().all(|b| b.is_ascii_hexdigit()) {
        forms.push(value.to_ascii_lowercase());
    }
    forms.sort_unstable();
    forms.dedup();
    forms
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;

    fn check(object: Value, expected: &[(&str, &str)]) {
        let got: Vec<(String, String)> =
            extract(&object).values.into_iter().map(|o| (o.kind, o.value)).collect();
        let expected: Vec<(String, String)> =
            expected.iter().map(|(k, v)| ((*k).to_owned(), (*v).to_owned())).collect();
        assert_eq!(got, expected, "{object}");
    }

    #[test]
    fn values_of_observables_indicators_and_sightings() {
        check(json!({"type": "ipv4-addr", "value": "198.51.100.7"}), &[("ipv4-addr", "198.51.100.7")]);
        check(json!({"type": "ipv6-addr", "value": "2001:DB8:0::1/128"}), &[("ipv6-addr", "2001:db8::1")]);
        check(json!({"type": "domain-name", "value": "Evil.Example."}), &[("domain-name", "evil.example")]);
        check(
            json!({"type": "file", "name": "a.exe", "hashes": {"SHA-256": "AB12", "MD5": "CD34"}}),
            &[("file:hashes.MD5", "cd34"), ("file:hashes.SHA-256", "ab12"), ("file:name", "a.exe")],
        );
        check(
            json!({"type": "indicator", "pattern_type": "stix",
                   "pattern": "[domain-name:value = 'EVIL.example'] OR [file:hashes.'SHA256' = 'AB12' AND file:name IN ('x', 'y')] AND [ipv4-addr:value != '10.0.0.1']"}),
            &[
                ("domain-name", "evil.example"),
                ("file:hashes.SHA-256", "ab12"),
                ("file:name", "x"),
                ("file:name", "y"),
            ],
        );
        check(json!({"type": "indicator", "pattern_type": "sigma", "pattern": "title: x"}), &[]);
        check(json!({"type": "indicator", "pattern_type": "stix", "pattern": "[broken"}), &[]);
        check(
            json!({"type": "sighting", "sighting_of_ref": "indicator--1"}),
            &[(SIGHTING_OF, "indicator--1")],
        );
        check(json!({"type": "report", "name": "x"}), &[]);
    }

    #[test]
    fn values_are_bounded() {
        let names: Vec<String> =
            (0..MAX_OBSERVABLES_PER_VERSION + 10).map(|n| format!("'d{n}.example'")).collect();
        let pattern = format!("[domain-name:value IN ({})]", names.join(", "));
        let extracted = extract(&json!({"type": "indicator", "pattern": pattern}));
        assert_eq!(extracted.values.len(), MAX_OBSERVABLES_PER_VERSION);
        assert_eq!(extracted.left_out, 10);
        let nul = extract(&json!({"type": "domain-name", "id": "domain-name--1", "value": "a\u{0}.example"}));
        assert_eq!((nul.values.len(), nul.left_out), (0, 1), "a NUL cannot be indexed on PostgreSQL");
        let long = "x".repeat(MAX_OBSERVABLE_VALUE_BYTES + 1);
        let extracted = extract(&json!({"type": "url", "value": long}));
        assert!(extracted.values.is_empty());
        assert_eq!(extracted.left_out, 1);
    }

    #[test]
    fn lookup_forms_cover_the_normalisations() {
        assert!(lookup_forms(" Evil.Example. ").contains(&"evil.example".to_owned()));
        assert!(lookup_forms("2001:DB8::1").contains(&"2001:db8::1".to_owned()));
        assert!(lookup_forms("ABCDEF").contains(&"abcdef".to_owned()));
    }
}
