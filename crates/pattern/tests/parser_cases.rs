//! Parser edge cases, error positions, precedence, limits, observables, and a no-panic sweep.

use selat_pattern::{
    ComparisonExpr, Literal, MAX_NESTING_DEPTH, MAX_PATTERN_BYTES, ObservationKind, PatternErrorKind, parse,
    parse_syntax, validate,
};

/// `Ok(())` when the pattern must parse, `Err((kind, column))` when it must fail there.
type Expected = Result<(), (PatternErrorKind, usize)>;

fn check(pattern: &str, expected: Expected) -> Option<String> {
    let got = parse(pattern).map(|_| ()).map_err(|e| (e.kind, e.column));
    (got != expected).then(|| format!("  {pattern:?}: expected {expected:?}, got {got:?}"))
}

#[test]
fn parse_cases() {
    use PatternErrorKind::{Lexical, Semantic, Syntax};
    let cases: &[(&str, Expected)] = &[
        ("[a:b = 1]", Ok(())),
        ("[a:b == 1]", Ok(())),
        ("[a:b <> 1]", Ok(())),
        ("[a:b NOT != 1]", Ok(())),
        ("[a:b IN ()]", Ok(())),
        ("[a:b IN (1, 2.5, 'x')]", Ok(())),
        ("[a:b = -0]", Ok(())),
        ("[a:b = +.5]", Ok(())),
        ("[a:b = h'']", Ok(())),
        ("[a:b = b'AQ==']", Ok(())),
        ("[EXISTS a:b]", Ok(())),
        ("[NOT EXISTS a:b]", Ok(())),
        ("[a:x[-1] = 1]", Ok(())),
        ("[a:x[*][0].'y-z'.w = 1]", Ok(())),
        ("[x-custom-type:'has.dot' = 1]", Ok(())),
        ("[a:b = 1] /* comment */ // trailing", Ok(())),
        ("[a:b = 1]\u{3000}AND\t[a:c = 2]", Ok(())),
        ("[a:b = 1] WITHIN 0 SECONDS", Ok(())),
        ("[a:b = 1] REPEATS 0 TIMES", Ok(())),
        ("([a:b = 1]) WITHIN 5 SECONDS WITHIN 6 SECONDS", Ok(())),
        ("[a:b = 1] REPEATS 2 TIMES AND [a:c = 1] REPEATS 2 TIMES", Ok(())),
        ("[a:b = 1] START t'2024-02-29T00:00:00Z' STOP t'2024-03-01T00:00:00Z'", Ok(())),
        ("[a:b = 'it\\'s']", Ok(())),
        ("", Err((Syntax, 0))),
        ("a:b = 1", Err((Syntax, 0))),
        ("[a:b = 1", Err((Syntax, 8))),
        ("[a:b = 1]]", Err((Syntax, 9))),
        ("[a.b = 1]", Err((Syntax, 2))),
        ("[a:b-c = 1]", Err((Syntax, 3))),
        ("[a:b = ]", Err((Syntax, 7))),
        ("[a:b =? 1]", Err((Lexical, 6))),
        ("[a:b = null]", Err((Syntax, 7))),
        ("[a:b < true]", Err((Syntax, 7))),
        ("[a:b LIKE 1]", Err((Syntax, 10))),
        ("[a:b IN (1,)]", Err((Syntax, 11))),
        ("[a:b = 01]", Err((Lexical, 7))),
        ("[a:b = 'x\\d']", Err((Lexical, 9))),
        ("[a:b = 'open]", Err((Lexical, 7))),
        ("[a:b = b'====']", Err((Lexical, 7))),
        ("[a:b = h'abc']", Err((Lexical, 7))),
        ("[a:b = t'2023-02-29T12:00:00Z']", Err((Lexical, 7))),
        ("[a:b = t'2024-04-31T12:00:00Z']", Err((Lexical, 7))),
        ("[a:b = t'2024-01-15T12:30:45']", Err((Lexical, 7))),
        ("[a:b = 1] within 2 seconds", Err((Syntax, 10))),
        ("[a:b = 1] WITHIN -5 SECONDS", Err((Syntax, 17))),
        ("[a:b = 1] WITHIN 1 SECOND", Err((Syntax, 19))),
        ("[a:b = 1] START t'2024-01-01T00:00:00Z'", Err((Syntax, 39))),
        ("[a:b = 1] REPEATS 2 TIMES REPEATS 3 TIMES", Err((Semantic, 26))),
        ("[a:b = 1] WITHIN 5 SECONDS WITHIN 6 SECONDS", Err((Semantic, 27))),
        ("[file:hashes.'SHA-256' = 'f00']", Err((Semantic, 25))),
        ("[file:hashes.MD5 = 'cead3f77f6cda6ec00f57d76c9a6879f']", Ok(())),
        ("[file:hashes.'sha-1' = 'cead3f77f6cda6ec00f57d76c9a6879f']", Err((Semantic, 23))),
        ("[file:hashes.MD5 IN ('cead3f77f6cda6ec00f57d76c9a6879f')]", Err((Semantic, 20))),
        ("[file:hashes.'x-custom' = 'anything']", Ok(())),
        ("[é:b = 1]", Err((Lexical, 1))),
    ];
    let failures: Vec<String> =
        cases.iter().filter_map(|(pattern, expected)| check(pattern, *expected)).collect();
    assert!(
        failures.is_empty(),
        "{} of {} parse cases wrong:\n{}",
        failures.len(),
        cases.len(),
        failures.join("\n")
    );
}

#[test]
fn validate_reports_every_semantic_problem() {
    let pattern = "[file:hashes.MD5 = 'x' AND file:hashes.'SHA-1' = 'y'] \
                   REPEATS 2 TIMES REPEATS 3 TIMES";
    let errors = validate(pattern);
    assert_eq!(errors.len(), 3, "{errors:?}");
    assert!(errors.iter().all(|e| e.kind == PatternErrorKind::Semantic));
    assert!(parse_syntax(pattern).is_ok());
    assert!(validate("[a:b = 1]").is_empty());
}

#[test]
fn observation_precedence_is_followedby_or_and() {
    // [a] AND [b] OR [c] FOLLOWEDBY [d] == (([a] AND [b]) OR [c]) FOLLOWEDBY [d]
    let pattern =
        parse("[a:x = 1] AND [b:x = 1] OR [c:x = 1] FOLLOWEDBY [d:x = 1] WITHIN 5 SECONDS").unwrap();
    let ObservationKind::FollowedBy(steps) = &pattern.expr.kind else {
        panic!("top level is not FOLLOWEDBY: {:?}", pattern.expr.kind);
    };
    assert_eq!(steps.len(), 2);
    let ObservationKind::Or(alternatives) = &steps[0].kind else {
        panic!("left of FOLLOWEDBY is not OR");
    };
    assert!(matches!(alternatives[0].kind, ObservationKind::And(_)));
    // The qualifier binds to [d] only.
    assert_eq!(steps[1].qualifiers.len(), 1);
    assert!(pattern.expr.qualifiers.is_empty());
}

#[test]
fn comparison_precedence_is_or_and() {
    let pattern = parse("[a:x = 1 OR a:y = 2 AND a:z = 3]").unwrap();
    let ObservationKind::Comparison(ComparisonExpr::Or(items)) = &pattern.expr.kind else {
        panic!("not OR at the top: {:?}", pattern.expr.kind);
    };
    assert!(matches!(items[1], ComparisonExpr::And(_)));
}

#[test]
fn limits_give_errors_not_crashes() {
    let deep = format!("{}[a:b = 1]{}", "(".repeat(MAX_NESTING_DEPTH + 1), ")".repeat(MAX_NESTING_DEPTH + 1));
    assert_eq!(parse(&deep).unwrap_err().kind, PatternErrorKind::TooDeep);
    let ok_depth =
        format!("{}[a:b = 1]{}", "(".repeat(MAX_NESTING_DEPTH - 1), ")".repeat(MAX_NESTING_DEPTH - 1));
    assert!(parse(&ok_depth).is_ok());
    let deep_comparison = format!("[{}a:b = 1{}]", "(".repeat(10_000), ")".repeat(10_000));
    assert_eq!(parse(&deep_comparison).unwrap_err().kind, PatternErrorKind::TooDeep);
    let long = format!("[a:b = '{}']", "x".repeat(MAX_PATTERN_BYTES));
    assert_eq!(parse(&long).unwrap_err().kind, PatternErrorKind::TooLong);
    // A long flat chain is fine: operators are kept flat, not nested.
    let chain = vec!["[a:b = 1]"; 4_000].join(" AND ");
    assert!(chain.len() < MAX_PATTERN_BYTES);
    assert!(parse(&chain).is_ok());
}

#[test]
fn observables_are_the_equality_tests() {
    let pattern = parse(
        "[ipv4-addr:value = '1.2.3.4' OR domain-name:value IN ('a.example', 'b.example')] \
         AND [file:hashes.'SHA-256' = 'bf07a7fbb825fc0aae7bf4a1177b2b31fcf8a3feeaf7092761e18c859ee52a9c' \
         AND file:size > 5 AND file:name != 'x' AND url:value NOT != 'http://e/'] \
         FOLLOWEDBY [email-addr:value NOT = 'no@example' AND domain-name:resolves_to_refs[*].value = '10.0.0.1']",
    )
    .unwrap();
    let got: Vec<(String, String, Literal)> =
        pattern.observables().into_iter().map(|o| (o.object_type, o.property_path, o.value)).collect();
    let s = |v: &str| Literal::Str(v.to_owned());
    let expected = vec![
        ("ipv4-addr", "value", s("1.2.3.4")),
        ("domain-name", "value", s("a.example")),
        ("domain-name", "value", s("b.example")),
        ("file", "hashes.'SHA-256'", s("bf07a7fbb825fc0aae7bf4a1177b2b31fcf8a3feeaf7092761e18c859ee52a9c")),
        ("url", "value", s("http://e/")),
        ("domain-name", "resolves_to_refs[*].value", s("10.0.0.1")),
    ];
    let expected: Vec<(String, String, Literal)> =
        expected.into_iter().map(|(t, p, v)| (t.to_owned(), p.to_owned(), v)).collect();
    assert_eq!(got, expected);
}

/// A small deterministic generator (xorshift) so the sweep needs no dependency and always
/// explores the same inputs.
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 << 13;
        self.0 ^= self.0 >> 7;
        self.0 ^= self.0 << 17;
        self.0
    }
    fn below(&mut self, n: usize) -> usize {
        (self.next() % n.max(1) as u64) as usize
    }
}

/// Mutates known patterns (deleting, duplicating and splicing fragments, inserting tokens and
/// odd characters) and checks that parsing, validation, observables and matching never panic.
#[test]
fn mutated_inputs_never_panic() {
    let seeds = [
        "[file:hashes.'SHA-256' = 'bf07a7fbb825fc0aae7bf4a1177b2b31fcf8a3feeaf7092761e18c859ee52a9c'] AND [a:b IN (1, 2)]",
        "([a:b = 1] START t'2016-06-01T01:30:00.123Z' STOP t'2016-06-01T02:20:00Z' AND [c:d < h'12ab']) WITHIN 22 SECONDS OR [e:f NOT IN (1,2,3)] REPEATS 31 TIMES",
        "[person:knows_refs[*].name LIKE 'a%' OR person:x.'y-z'[0] MATCHES '^b+$'] FOLLOWEDBY [n:v ISSUBSET '10.0.0.0/8'] REPEATS 2 TIMES",
        "[EXISTS x:y AND x:z = b'AQIDBA==' AND x:w != true] WITHIN .5 SECONDS",
    ];
    let fragments = [
        "[",
        "]",
        "(",
        ")",
        "'",
        "\\",
        ".",
        ":",
        "*",
        "-",
        "+",
        "=",
        "<",
        ">",
        "!",
        ",",
        "/*",
        "//",
        " AND ",
        " OR ",
        " NOT ",
        " FOLLOWEDBY ",
        " IN ",
        " EXISTS ",
        " WITHIN 1 SECONDS",
        " REPEATS 2 TIMES",
        " START t'2020-01-01T00:00:00Z' STOP t'2020-01-02T00:00:00Z'",
        "t'",
        "b'",
        "h'",
        "é",
        "\u{0}",
        "\u{2028}",
        "99999999999999999999999999999999999999999",
        "1.5",
        "-0",
        "[*]",
        "[-1]",
    ];
    let data: Vec<serde_json::Value> = vec![serde_json::json!({
    "type": "bundle", "id": "bundle--1", "objects": [
        {"type": "observed-data", "id": "observed-data--1", "number_observed": 3,
         "first_observed": "2020-01-01T00:00:00Z", "last_observed": "2020-01-01T00:00:01Z",
         "object_refs": ["person--1", "a--1"]},
        {"type": "person", "id": "person--1", "name": "alice", "knows_refs": ["person--1"],
         "x": {"y-z": ["b"]}},
        {"type": "a", "id": "a--1", "b": 1, "c_hex": "ab"}
    ]})];
    let mut rng = Rng(0x9E37_79B9_7F4A_7C15);
    let mut parsed = 0;
    for round in 0..20_000 {
        let mut text = seeds[round % seeds.len()].to_owned();
        for _ in 0..1 + rng.below(4) {
            let mut cut = rng.below(text.len() + 1);
            while !text.is_char_boundary(cut) {
                cut -= 1;
            }
            let mut end = (cut + rng.below(8)).min(text.len());
            while !text.is_char_boundary(end) {
                end += 1;
            }
            match rng.below(3) {
                0 => text.replace_range(cut..end, ""),
                1 => text.insert_str(cut, fragments[rng.below(fragments.len())]),
                _ => {
                    let piece = text[cut..end].to_owned();
                    text.insert_str(cut, &piece);
                }
            }
        }
        let _ = validate(&text);
        if let Ok(pattern) = parse_syntax(&text) {
            parsed += 1;
            let _ = pattern.observables();
            let _ = pattern.matches(&data);
        }
    }
    assert!(parsed > 1_000, "only {parsed} of 20000 mutants parsed; the sweep is too weak");
}
