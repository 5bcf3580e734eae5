//! Deterministic cyber-observable ids (STIX 2.1 §2.9): UUIDv5 in [`SCO_ID_NAMESPACE`] over the
//! RFC 8785 (JCS) canonical JSON of the object's id-contributing properties.
//!
//! It follows the python `stix2` library, the reference producer, where the specification leaves
//! room:
//! - of `hashes` only one contributes: `MD5`, else `SHA-1`, else `SHA-256`, else `SHA-512`, else
//!   the first key (hash names are first normalised to the specification's spelling, as the
//!   library does: `sha256` is `SHA-256`);
//! - timestamp values (network-traffic `start`/`end`) are re-serialised as the library does:
//!   fraction digits up to microseconds with trailing zeros dropped.
//!
//! Known difference: "the first key" for objects carrying none of the four preferred hashes is
//! the first in *document* order for the library, and the first in sorted order here, because
//! `serde_json` (without its `preserve_order` feature) does not keep document order.

use serde_json::Value;

use crate::id::SCO_ID_NAMESPACE;
use crate::spec::{self, Kind};
use crate::timestamp::Timestamp;

/// The deterministic id of an SCO, or `None` when the object is not one of the predefined SCO
/// types or carries none of its type's id-contributing properties (then a UUIDv4 is right).
pub fn deterministic_id(obj: &Value) -> Option<String> {
    let map = obj.as_object()?;
    let type_name = map.get("type")?.as_str()?;
    let spec = spec::object_spec(type_name).filter(|s| s.kind == Kind::Sco)?;
    let mut names: Vec<&str> = spec.id_contributing.to_vec();
    // JCS orders keys by UTF-16 code units; property names are ASCII, so bytes order them.
    names.sort_unstable();
    let mut text = String::from("{");
    let mut any = false;
    for name in names {
        let Some(value) = map.get(name) else { continue };
        let value = match name {
            "hashes" => match choose_one_hash(value) {
                Some(v) => v,
                None => continue,
            },
            "start" | "end" => retimestamp(value),
            _ => value.clone(),
        };
        if any {
            text.push(',');
        }
        any = true;
        write_string(&mut text, name);
        text.push(':');
        write_canonical(&mut text, &value);
    }
    if !any {
        return None;
    }
    text.push('}');
    let uuid = uuid::Uuid::new_v5(&SCO_ID_NAMESPACE, text.as_bytes());
    Some(format!("{type_name}--{uuid}"))
}

/// The JCS (RFC 8785) text of a value.
pub fn canonical_json(value: &Value) -> String {
    let mut out = String::new();
    write_canonical(&mut out, value);
    out
}

/// The specification's spelling of a hash algorithm name the library recognises.
fn spec_hash_name(name: &str) -> Option<&'static str> {
    let folded: String = name.chars().filter(|&c| c != '-').flat_map(char::to_uppercase).collect();
    Some(match folded.as_str() {
        "MD5" => "MD5",
        "SHA1" => "SHA-1",
        "SHA256" => "SHA-256",
        "SHA512" => "SHA-512",
        "SHA3256" => "SHA3-256",
        "SHA3512" => "SHA3-512",
        "SSDEEP" => "SSDEEP",
        "TLSH" => "TLSH",
        _ => return None,
    })
}

fn choose_one_hash(value: &Value) -> Option<Value> {
    let map = value.as_object()?;
    let normalised: Vec<(String, &Value)> =
        map.iter().map(|(k, v)| (spec_hash_name(k).map_or_else(|| k.clone(), str::to_owned), v)).collect();
    let preferred = ["MD5", "SHA-1", "SHA-256", "SHA-512"]
        .iter()
        .find_map(|want| normalised.iter().find(|(k, _)| k == want));
    let (key, hash) = preferred.or_else(|| normalised.first())?;
    let mut one = serde_json::Map::new();
    one.insert(key.clone(), (*hash).clone());
    Some(Value::Object(one))
}

/// A timestamp as the `stix2` library writes one of default precision.
fn retimestamp(value: &Value) -> Value {
    let Some(ts) = value.as_str().and_then(|s| Timestamp::parse(s).ok()) else {
        return value.clone();
    };
    let text = ts.format(6);
    let (head, fraction) = text.trim_end_matches('Z').split_once('.').unwrap_or((&text, ""));
    let fraction = fraction.trim_end_matches('0');
    if fraction.is_empty() {
        Value::String(format!("{head}Z"))
    } else {
        Value::String(format!("{head}.{fraction}Z"))
    }
}

fn write_canonical(out: &mut String, value: &Value) {
    match value {
        Value::Null => out.push_str("null"),
        Value::Bool(b) => out.push_str(if *b { "true" } else { "false" }),
        Value::Number(n) => write_number(out, n),
        Value::String(s) => write_string(out, s),
        Value::Array(items) => {
            out.push('[');
            for (i, item) in items.iter().enumerate() {
                if i > 0 {
                    out.push(',');
                }
                write_canonical(out, item);
            }
            out.push(']');
        }
        Value::Object(map) => {
            let mut entries: Vec<(&String, &Value)> = map.iter().collect();
            entries.sort_by(|a, b| a.0.encode_utf16().cmp(b.0.encode_utf16()));
            out.push('{');
            for (i, (k, v)) in entries.into_iter().enumerate() {
                if i > 0 {
                    out.push(',');
                }
                write_string(out, k);
                out.push(':');
                write_canonical(out, v);
            }
            out.push('}');
        }
    }
}

/// Numbers as ECMAScript writes them (RFC 8785 §3.2.2.3): integers plainly, others in the
/// shortest round-tripping form with an exponent from 1e21 up or below 1e-6.
fn write_number(out: &mut String, n: &serde_json::Number) {
    if let Some(i) = n.as_i64() {
        out.push_str(&i.to_string());
        return;
    }
    if let Some(u) = n.as_u64() {
        out.push_str(&u.to_string());
        return;
    }
    let f = n.as_f64().unwrap_or_default();
    if f == f.trunc() && f.abs() < 1e21 {
        out.push_str(&format!("{f:.0}"));
        return;
    }
    let abs = f.abs();
    if (1e-6..1e21).contains(&abs) {
        out.push_str(&f.to_string());
        return;
    }
    // Exponent form: Rust's `{:e}` gives the shortest digits as `d.ddde-7`; ECMAScript writes
    // `e-7` / `e+21`.
    let text = format!("{f:e}");
    match text.split_once('e') {
        Some((mantissa, exp)) if !exp.starts_with('-') => {
            out.push_str(mantissa);
            out.push_str("e+");
            out.push_str(exp);
        }
        _ => out.push_str(&text),
    }
}

/// A JSON string as JCS writes it: only `"`, `\` and control characters escaped.
fn write_string(out: &mut String, s: &str) {
    out.push('"');
    for c in s.chars() {
        match c {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            '\u{8}' => out.push_str("\\b"),
            '\u{c}' => out.push_str("\\f"),
            '\n' => out.push_str("\\n"),
            '\r' => out.push_str("\\r"),
            '\t' => out.push_str("\\t"),
            c if (c as u32) < 0x20 => out.push_str(&format!("\\u{:04x}", c as u32)),
            c => out.push(c),
        }
    }
    out.push('"');
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn canonical_text() {
        let v = json!({"b": [1, 2.5, "x\u{1}"], "a": {"é": true, "Z": null}});
        assert_eq!(canonical_json(&v), r#"{"a":{"Z":null,"é":true},"b":[1,2.5,"x\u0001"]}"#);
        assert_eq!(canonical_json(&json!(1e-7)), "1e-7");
        assert_eq!(canonical_json(&json!(1e21)), "1e+21");
    }
}
