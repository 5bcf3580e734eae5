//! The evaluator and `MatchIndex` on any patterns and data: never panic, and the index gives
//! exactly the evaluator's verdicts, indicator by indicator.
//!
//! Input: UTF-8 text; before the first blank line, one pattern a line (at most
//! `MAX_FUZZ_PATTERNS`; lines that do not parse are dropped); after it, JSON data: an array is
//! the input list `Pattern::matches` takes, anything else one input. A lone SCO is also matched
//! through `MatchIndex::match_object`, which must agree with a one-observation wrapper of it.
#![no_main]

use libfuzzer_sys::fuzz_target;
use selat_pattern::{MatchError, MatchIndex, Pattern};
use serde_json::{Value, json};

/// Patterns per input: enough for several tables to share a key path, few enough to run fast.
const MAX_FUZZ_PATTERNS: usize = 8;

fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else { return };
    let (head, body) = text.split_once("\n\n").unwrap_or((text, ""));
    let patterns: Vec<Pattern> =
        head.lines().take(MAX_FUZZ_PATTERNS).filter_map(|line| selat_pattern::parse_syntax(line).ok()).collect();
    if patterns.is_empty() {
        return;
    }
    let Ok(value) = serde_json::from_str::<Value>(body) else { return };
    let input = match value {
        Value::Array(items) => items,
        other => vec![other],
    };
    let index = MatchIndex::build(patterns.iter().enumerate());
    check_observation(&index, &patterns, &input);
    if let [object] = input.as_slice() {
        check_object(&index, &patterns, object);
    }
});

/// `match_observation` against `Pattern::matches`, indicator by indicator.
fn check_observation(index: &MatchIndex<usize>, patterns: &[Pattern], input: &[Value]) {
    let verdicts: Vec<Result<bool, MatchError>> =
        patterns.iter().map(|p| p.matches(input).map(|r| r.matched)).collect();
    let matches = match index.match_observation(input) {
        Ok(matches) => matches,
        Err(error) => {
            // The input itself is invalid: every indicator fails the same way.
            for verdict in &verdicts {
                assert_eq!(verdict.as_ref(), Err(&error));
            }
            return;
        }
    };
    for (i, verdict) in verdicts.iter().enumerate() {
        let matched = matches.matched.contains(&&i);
        let error = matches.errors.iter().find(|(j, _)| **j == i).map(|(_, e)| e);
        match verdict {
            // Look-ups spend no work budget (the index's documented reservation).
            Err(MatchError::TooComplex) => {}
            Ok(expected) => {
                assert_eq!(matched, *expected, "pattern {i}: {:?}", patterns[i]);
                assert!(error.is_none(), "pattern {i}: index failed with {error:?}");
            }
            Err(expected) => {
                assert!(!matched, "pattern {i}: index matched, evaluator failed with {expected}");
                assert_eq!(error, Some(expected), "pattern {i}");
            }
        }
    }
}

/// `match_object`, when it answers, against `match_observation` on the object observed once.
fn check_object(index: &MatchIndex<usize>, patterns: &[Pattern], object: &Value) {
    let Some(kind) = object.get("type").and_then(Value::as_str) else { return };
    if matches!(kind, "bundle" | "observed-data") || !object.is_object() {
        return;
    }
    let mut sco = object.clone();
    match sco.get("id") {
        None => sco["id"] = json!(format!("{kind}--00000000-0000-4000-8000-000000000000")),
        Some(Value::String(_)) => {}
        Some(_) => return,
    }
    let Some(fast) = index.match_object(object) else { return };
    let wrapped = vec![json!({"type": "bundle", "id": "bundle--1", "objects": [
        {"type": "observed-data", "id": "observed-data--1", "first_observed": "2024-01-01T00:00:00Z",
         "last_observed": "2024-01-01T00:00:00Z", "number_observed": 1, "object_refs": [sco["id"]]},
        sco]})];
    let full = index.match_observation(&wrapped).expect("a well-formed wrapper loads");
    assert_eq!(fast.matched, full.matched, "match_object vs match_observation: {patterns:?}");
    assert_eq!(fast.errors, full.errors, "match_object vs match_observation: {patterns:?}");
}
