//! The OASIS validator's verdicts (shared data `patterns/valid.txt` and `patterns/invalid.txt`)
//! and the patterns of the matcher cases, which all parse.

use std::path::Path;

fn lines(path: &Path) -> Vec<String> {
    let text = std::fs::read_to_string(path).unwrap_or_else(|e| panic!("reading {}: {e}", path.display()));
    text.lines().filter(|l| !l.trim().is_empty()).map(str::to_owned).collect()
}

fn jsonl_patterns(path: &Path) -> Vec<String> {
    lines(path)
        .iter()
        .map(|line| {
            let case: serde_json::Value = serde_json::from_str(line)
                .unwrap_or_else(|e| panic!("{}: bad JSON line: {e}", path.display()));
            case["pattern"]
                .as_str()
                .unwrap_or_else(|| panic!("{}: case without a pattern", path.display()))
                .to_owned()
        })
        .collect()
}

fn assert_all_parse(name: &str, patterns: &[String]) {
    let failures: Vec<String> = patterns
        .iter()
        .filter_map(|p| selat_pattern::parse(p).err().map(|e| format!("  {p}\n    -> {e}")))
        .collect();
    assert!(
        failures.is_empty(),
        "{name}: {} of {} patterns failed to parse:\n{}",
        failures.len(),
        patterns.len(),
        failures.join("\n")
    );
}

#[test]
fn valid_patterns_parse() {
    let Some(dir) = selat_testdata::shared_data("valid_patterns_parse") else {
        return;
    };
    let patterns = lines(&dir.join("patterns/valid.txt"));
    assert!(patterns.len() >= 50, "valid.txt has {} lines", patterns.len());
    assert_all_parse("valid.txt", &patterns);
}

#[test]
fn invalid_patterns_fail() {
    let Some(dir) = selat_testdata::shared_data("invalid_patterns_fail") else {
        return;
    };
    let patterns = lines(&dir.join("patterns/invalid.txt"));
    assert!(patterns.len() >= 30, "invalid.txt has {} lines", patterns.len());
    let accepted: Vec<&String> = patterns.iter().filter(|p| selat_pattern::parse(p).is_ok()).collect();
    assert!(
        accepted.is_empty(),
        "invalid.txt: {} of {} patterns were accepted:\n{}",
        accepted.len(),
        patterns.len(),
        accepted.iter().map(|p| format!("  {p}")).collect::<Vec<_>>().join("\n")
    );
}

/// Matcher-case patterns that the OASIS validator (`stix2-patterns` 2.1.2, checked) rejects for
/// a duplicate `REPEATS` on one `[...]`, while the OASIS matcher (grammar only) accepts them.
/// SOURCES.md says every matcher pattern "parses as STIX 2.1"; for these two it is the matcher's
/// parse, not the validator's, so `parse` rejects them and `parse_syntax` accepts them.
const VALIDATOR_REJECTS: &[&str] = &[
    "[person:age < 20] REPEATS 2 TIMES REPEATS 2 TIMES",
    "[person:age < 20] REPEATS 2 TIMES REPEATS 3 TIMES",
];

#[test]
fn matcher_case_patterns_parse() {
    let Some(dir) = selat_testdata::shared_data("matcher_case_patterns_parse") else {
        return;
    };
    let mut patterns = jsonl_patterns(&dir.join("patterns/matcher_cases.jsonl"));
    patterns.extend(jsonl_patterns(&dir.join("patterns/matcher_error_cases.jsonl")));
    assert!(patterns.len() >= 270, "{} matcher patterns", patterns.len());
    let syntax_failures: Vec<String> = patterns
        .iter()
        .filter_map(|p| selat_pattern::parse_syntax(p).err().map(|e| format!("  {p}\n    -> {e}")))
        .collect();
    assert!(
        syntax_failures.is_empty(),
        "{} of {} matcher patterns failed the grammar:\n{}",
        syntax_failures.len(),
        patterns.len(),
        syntax_failures.join("\n")
    );
    let (known, others): (Vec<&String>, Vec<&String>) =
        patterns.iter().partition(|p| VALIDATOR_REJECTS.contains(&p.as_str()));
    assert!(!known.is_empty(), "the known duplicate-qualifier cases are gone from the data");
    for pattern in known {
        assert!(selat_pattern::parse(pattern).is_err(), "{pattern} should fail validation");
    }
    let others: Vec<String> = others.into_iter().cloned().collect();
    assert_all_parse("matcher patterns (validator)", &others);
}
