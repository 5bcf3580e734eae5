//! The OASIS matcher's verdicts (shared data `patterns/matcher_cases.jsonl` and
//! `patterns/matcher_error_cases.jsonl`).

use selat_pattern::{MatchResult, Pattern};
use serde_json::Value;
use std::path::Path;

struct Case {
    line: usize,
    pattern: String,
    observed_data: Vec<Value>,
    raw: Value,
}

fn cases(path: &Path) -> Vec<Case> {
    let text = std::fs::read_to_string(path).unwrap_or_else(|e| panic!("reading {}: {e}", path.display()));
    text.lines()
        .enumerate()
        .filter(|(_, l)| !l.trim().is_empty())
        .map(|(i, line)| {
            let raw: Value = serde_json::from_str(line)
                .unwrap_or_else(|e| panic!("{}:{}: bad JSON: {e}", path.display(), i + 1));
            Case {
                line: i + 1,
                pattern: raw["pattern"].as_str().unwrap_or_default().to_owned(),
                observed_data: raw["observed_data"].as_array().cloned().unwrap_or_default(),
                raw,
            }
        })
        .collect()
}

/// The matcher accepts patterns the validator rejects (duplicate qualifiers), so matching
/// parses with the grammar only, as upstream's matcher does.
fn compile(pattern: &str) -> Result<Pattern, String> {
    selat_pattern::parse_syntax(pattern).map_err(|e| format!("parse error: {e}"))
}

fn check_case(case: &Case) -> Result<(), String> {
    let pattern = compile(&case.pattern)?;
    let result: MatchResult =
        pattern.matches(&case.observed_data).map_err(|e| format!("match error: {e}"))?;
    let expected = case.raw["expected"].as_bool().unwrap_or_default();
    if result.matched != expected {
        return Err(format!("expected {expected}, got {}", result.matched));
    }
    if let Some(ids) = case.raw.get("expected_observed_data_ids") {
        let ids: Vec<String> = serde_json::from_value(ids.clone()).unwrap_or_default();
        if result.observed_data_ids != ids {
            return Err(format!("expected observed-data {ids:?}, got {:?}", result.observed_data_ids));
        }
    }
    Ok(())
}

fn describe(case: &Case, problem: &str) -> String {
    let source = case.raw["source"].as_str().unwrap_or_default();
    format!("  line {}: {}\n    [{source}]\n    -> {problem}", case.line, case.pattern)
}

#[test]
fn matcher_cases_agree() {
    let Some(dir) = selat_testdata::shared_data("matcher_cases_agree") else {
        return;
    };
    let cases = cases(&dir.join("patterns/matcher_cases.jsonl"));
    assert!(cases.len() >= 260, "{} matcher cases", cases.len());
    let failures: Vec<String> =
        cases.iter().filter_map(|case| check_case(case).err().map(|p| describe(case, &p))).collect();
    assert!(
        failures.is_empty(),
        "matcher_cases.jsonl: {} of {} cases disagree:\n{}",
        failures.len(),
        cases.len(),
        failures.join("\n")
    );
}

#[test]
fn matcher_error_cases_error() {
    let Some(dir) = selat_testdata::shared_data("matcher_error_cases_error") else {
        return;
    };
    let cases = cases(&dir.join("patterns/matcher_error_cases.jsonl"));
    assert!(cases.len() >= 9, "{} matcher error cases", cases.len());
    let failures: Vec<String> = cases
        .iter()
        .filter_map(|case| {
            let problem = match compile(&case.pattern) {
                Err(e) => e,
                Ok(pattern) => match pattern.matches(&case.observed_data) {
                    Err(_) => return None,
                    Ok(result) => format!("expected a match error, got matched={}", result.matched),
                },
            };
            Some(describe(case, &problem))
        })
        .collect();
    assert!(
        failures.is_empty(),
        "matcher_error_cases.jsonl: {} of {} cases did not error:\n{}",
        failures.len(),
        cases.len(),
        failures.join("\n")
    );
}
