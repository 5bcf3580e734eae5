//! `MatchIndex` gives exactly the evaluator's verdicts, indicator by indicator: over the shared
//! matcher cases (every case's patterns as one index, against every case's observed data) and
//! over seeded generated indicators and observations.

use selat_pattern::{MatchIndex, Pattern, parse_syntax};
use serde_json::{Value, json};

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Verdict {
    Matched,
    NotMatched,
    Error,
}

fn evaluator(pattern: &Pattern, input: &[Value]) -> Verdict {
    match pattern.matches(input) {
        Ok(r) if r.matched => Verdict::Matched,
        Ok(_) => Verdict::NotMatched,
        Err(_) => Verdict::Error,
    }
}

fn index_verdicts(index: &MatchIndex<usize>, input: &[Value]) -> Vec<Verdict> {
    let mut verdicts = vec![Verdict::NotMatched; index.len()];
    match index.match_observation(input) {
        Err(_) => verdicts.fill(Verdict::Error),
        Ok(matches) => {
            for &&i in &matches.matched {
                verdicts[i] = Verdict::Matched;
            }
            for &(&i, _) in &matches.errors {
                assert_eq!(verdicts[i], Verdict::NotMatched, "indicator {i} both matched and failed");
                verdicts[i] = Verdict::Error;
            }
        }
    }
    verdicts
}

/// Every (input, indicator) pair where the index and the evaluator disagree.
fn disagreements(patterns: &[(String, Pattern)], inputs: &[Vec<Value>]) -> Vec<String> {
    let index = MatchIndex::build(patterns.iter().enumerate().map(|(i, (_, p))| (i, p)));
    let mut out = Vec::new();
    for (n, input) in inputs.iter().enumerate() {
        let got = index_verdicts(&index, input);
        for (i, (text, pattern)) in patterns.iter().enumerate() {
            let expected = evaluator(pattern, input);
            if got[i] != expected {
                out.push(format!("  input {n}, {text}: index {:?}, evaluator {expected:?}", got[i]));
            }
        }
    }
    out
}

#[test]
fn shared_matcher_cases_agree_with_the_evaluator() {
    let Some(dir) = selat_testdata::shared_data("shared_matcher_cases_agree_with_the_evaluator") else {
        return;
    };
    let mut patterns = Vec::new();
    let mut inputs = Vec::new();
    for name in ["matcher_cases.jsonl", "matcher_error_cases.jsonl"] {
        let text = std::fs::read_to_string(dir.join("patterns").join(name)).expect("reading cases");
        for line in text.lines().filter(|l| !l.trim().is_empty()) {
            let case: Value = serde_json::from_str(line).expect("case JSON");
            let text = case["pattern"].as_str().expect("pattern").to_owned();
            if let Ok(pattern) = parse_syntax(&text) {
                patterns.push((text, pattern));
            }
            inputs.push(case["observed_data"].as_array().expect("observed_data").clone());
        }
    }
    let index = MatchIndex::build(patterns.iter().enumerate().map(|(i, (_, p))| (i, p)));
    assert!(index.compiled_count() >= 20, "only {} of {} compiled", index.compiled_count(), index.len());
    let failures = disagreements(&patterns, &inputs);
    assert!(
        failures.is_empty(),
        "{} disagreements over {} patterns x {} inputs:\n{}",
        failures.len(),
        patterns.len(),
        inputs.len(),
        failures.join("\n")
    );
}

/// splitmix64, seeded.
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }
    fn below(&mut self, n: usize) -> usize {
        (self.next() % n.max(1) as u64) as usize
    }
    fn pick<T: Copy>(&mut self, items: &[T]) -> T {
        items[self.below(items.len())]
    }
}

const IPS: &[&str] =
    &["10.0.0.1", "10.0.0.0/24", "192.168.1.7", "8.8.8.8", "2001:db8::1", "not-an-ip", "10.1"];
const DOMAINS: &[&str] =
    &["example.com", "evil.example", "caf\u{e9}.example", "cafe\u{301}.example", "EVIL.example"];
/// `LIKE` operands: with and without literals long enough to index, non-ASCII (NFC).
const LIKES: &[&str] = &["%.example", "evil%", "ev_l.%", "%", "caf\u{e9}%", "%xam%", "_", "example.com"];
/// `MATCHES` operands: with prefix literals, without, case-insensitive, invalid.
const REGEXES: &[&str] =
    &["^evil[.]", "example$", "(?i)EVIL", "caf\u{e9}", "[a-z]+[.]com", "x*", "(", "(ab|exa)mple"];
const MD5S: &[&str] = &["d41d8cd98f00b204e9800998ecf8427e", "900150983cd24fb0d6963f7d28e17f72"];

/// A test on the generated SCO shapes; most compile, some do not.
fn test(rng: &mut Rng) -> String {
    match rng.below(15) {
        0 | 1 => format!("ipv4-addr:value = '{}'", rng.pick(IPS)),
        2 => format!("ipv4-addr:value IN ('{}', '{}')", rng.pick(IPS), rng.pick(IPS)),
        3 | 4 => {
            let cidr =
                rng.pick(&["10.0.0.0/8", "10.0.0.0/24", "192.168.0.0/16", "2001:db8::/32", "0.0.0.0/1"]);
            format!("ipv4-addr:value ISSUBSET '{cidr}'")
        }
        5 => format!("domain-name:value = '{}'", rng.pick(DOMAINS)),
        6 => format!("file:hashes.MD5 = '{}'", rng.pick(MD5S)),
        7 => format!("file:hashes.'SHA-256' IN ('{}')", rng.pick(MD5S)),
        8 => format!("domain-name:resolves_to_refs[*].value = '{}'", rng.pick(IPS)),
        9 => format!("ipv4-addr:value NOT = '{}'", rng.pick(IPS)),
        10 => format!(
            "file:size {} {}",
            rng.pick(&["=", ">", "IN (1, 'x') AND file:size ="]),
            rng.pick(&["0", "100"])
        ),
        12 => format!("domain-name:value LIKE '{}'", rng.pick(LIKES)),
        13 => format!("domain-name:value MATCHES '{}'", rng.pick(REGEXES)),
        _ => format!(
            "ipv4-addr:value {} '{}'",
            rng.pick(&["LIKE", "MATCHES", "ISSUPERSET"]),
            rng.pick(&["10.%", "^10", "10.0.0.1", "("])
        ),
    }
}

fn pattern(rng: &mut Rng) -> String {
    let comparison = |rng: &mut Rng| {
        let mut text = test(rng);
        for _ in 0..rng.below(3) {
            text = format!("{text} {} {}", rng.pick(&["OR", "OR", "AND"]), test(rng));
        }
        text
    };
    let mut text = format!("[{}]", comparison(rng));
    match rng.below(6) {
        0 => text = format!("{text} {} [{}]", rng.pick(&["AND", "OR", "FOLLOWEDBY"]), comparison(rng)),
        1 => {
            text = format!(
                "({text}) {}",
                rng.pick(&["WITHIN 60 SECONDS", "REPEATS 2 TIMES", "WITHIN 0 SECONDS"])
            )
        }
        2 => text = format!("({text})"),
        _ => {}
    }
    text
}

fn sco(rng: &mut Rng, n: usize) -> Vec<Value> {
    match rng.below(4) {
        0 => vec![json!({"type": "ipv4-addr", "id": format!("ipv4-addr--{n}"), "value": rng.pick(IPS)})],
        1 => {
            let ip = json!({"type": "ipv4-addr", "id": format!("ipv4-addr--r{n}"), "value": rng.pick(IPS)});
            let domain = json!({"type": "domain-name", "id": format!("domain-name--{n}"),
                "value": rng.pick(DOMAINS), "resolves_to_refs": [ip["id"]]});
            vec![domain, ip]
        }
        2 => vec![json!({"type": "file", "id": format!("file--{n}"), "size": rng.pick(&[0, 100]),
            "hashes": {"MD5": rng.pick(MD5S), "SHA-256": rng.pick(MD5S)}})],
        _ => vec![json!({"type": "ipv4-addr", "id": format!("ipv4-addr--{n}"), "value": rng.pick(&[1, 2])})],
    }
}

fn input(rng: &mut Rng) -> Vec<Value> {
    let mut objects = Vec::new();
    for o in 0..1 + rng.below(2) {
        let mut scos = Vec::new();
        for n in 0..1 + rng.below(3) {
            scos.extend(sco(rng, o * 10 + n));
        }
        let mut observed = json!({
            "type": "observed-data", "id": format!("observed-data--{o}"),
            "first_observed": "2024-01-01T00:00:00Z", "last_observed": "2024-01-01T00:00:30Z",
            "number_observed": 1 + rng.below(2),
            "object_refs": scos.iter().map(|s| s["id"].clone()).collect::<Vec<_>>(),
        });
        if rng.below(30) == 0 {
            observed["number_observed"] = json!(0);
        }
        objects.push(observed);
        objects.extend(scos);
    }
    vec![json!({"type": "bundle", "id": "bundle--1", "objects": objects})]
}

#[test]
fn generated_cases_agree_with_the_evaluator() {
    let seed: u64 = std::env::var("SELAT_INDEX_SEED").ok().and_then(|s| s.parse().ok()).unwrap_or(0x1DE7);
    let mut rng = Rng(seed);
    let patterns: Vec<(String, Pattern)> = (0..300)
        .map(|_| {
            let text = pattern(&mut rng);
            let parsed = parse_syntax(&text).unwrap_or_else(|e| panic!("seed {seed}: {text}: {e}"));
            (text, parsed)
        })
        .collect();
    let inputs: Vec<Vec<Value>> = (0..200).map(|_| input(&mut rng)).collect();
    let index = MatchIndex::build(patterns.iter().enumerate().map(|(i, (_, p))| (i, p)));
    let compiled = index.compiled_count();
    assert!(compiled > 60 && compiled < 240, "seed {seed}: {compiled} of 300 compiled: the mix is off");
    let anchored = index.anchored_count();
    assert!(anchored > 10, "seed {seed}: {anchored} of 300 anchored: the mix is off");
    let failures = disagreements(&patterns, &inputs);
    assert!(
        failures.is_empty(),
        "seed {seed} (replay with SELAT_INDEX_SEED={seed}): {} disagreements:\n{}",
        failures.len(),
        failures.iter().take(20).cloned().collect::<Vec<_>>().join("\n")
    );
}

#[test]
fn match_value_is_match_observation_for_compiled_indicators() {
    let texts = [
        "[ipv4-addr:value = '10.0.0.1']",
        "[ipv4-addr:value ISSUBSET '10.0.0.0/8' OR domain-name:value = 'example.com']",
        "[ipv4-addr:value IN ('8.8.8.8', '10.0.0.0/24')]",
        "([ipv4-addr:value ISSUBSET '2001:db8::/32'])",
        "[ipv4-addr:value ISSUBSET '10.0.0.0/24']",
        "[file:hashes.MD5 = '10.0.0.1']",
    ];
    let patterns: Vec<Pattern> = texts.iter().map(|t| parse_syntax(t).unwrap()).collect();
    let index = MatchIndex::build(texts.iter().copied().zip(&patterns));
    assert_eq!(index.compiled_count(), texts.len());
    for (object_type, value) in [
        ("ipv4-addr", "10.0.0.1"),
        ("ipv4-addr", "10.0.0.0/24"),
        ("ipv4-addr", "10.200.0.0/16"),
        ("ipv4-addr", "8.8.8.8"),
        ("ipv4-addr", "2001:db8::7"),
        ("domain-name", "example.com"),
        ("file", "10.0.0.1"),
    ] {
        let input = vec![json!({"type": "bundle", "id": "bundle--1", "objects": [
            {"type": "observed-data", "id": "observed-data--1", "number_observed": 1,
             "first_observed": "2024-01-01T00:00:00Z", "last_observed": "2024-01-01T00:00:00Z",
             "object_refs": ["x--1"]},
            {"type": object_type, "id": "x--1", "value": value}]})];
        let by_observation = index.match_observation(&input).unwrap();
        assert!(by_observation.errors.is_empty());
        assert_eq!(index.match_value(object_type, value), by_observation.matched, "{object_type} {value}");
    }
    assert_eq!(index.match_value("ipv4-addr", "10.9.9.9"), vec![&texts[1]]);
    assert!(index.match_value("ipv4-addr", "not-an-ip").is_empty());
}

/// One observed-data holding only `sco`, observed once (as `selat match` wraps a JSON line).
fn observed_once(sco: &Value) -> Vec<Value> {
    vec![json!({"type": "bundle", "id": "bundle--1", "objects": [
        {"type": "observed-data", "id": "observed-data--1", "number_observed": 1,
         "first_observed": "2024-01-01T00:00:00Z", "last_observed": "2024-01-01T00:00:00Z",
         "object_refs": [sco["id"]]},
        sco]})]
}

#[test]
fn match_object_is_match_observation_where_it_answers() {
    let seed: u64 = std::env::var("SELAT_INDEX_SEED").ok().and_then(|s| s.parse().ok()).unwrap_or(0x0B1E);
    let mut rng = Rng(seed);
    let patterns: Vec<(String, Pattern)> = (0..300)
        .map(|_| {
            let text = pattern(&mut rng);
            (text.clone(), parse_syntax(&text).unwrap_or_else(|e| panic!("seed {seed}: {text}: {e}")))
        })
        .collect();
    let scos: Vec<Value> = (0..100).map(|n| sco(&mut rng, n).swap_remove(0)).collect();
    // Small indexes, so that some object types have no indicator evaluated in full.
    let mut answered = 0;
    for chunk in patterns.chunks(4) {
        let index = MatchIndex::build(chunk.iter().enumerate().map(|(i, (_, p))| (i, p)));
        for sco in &scos {
            let Some(fast) = index.match_object(sco) else { continue };
            answered += 1;
            let input = observed_once(sco);
            assert_eq!(fast, index.match_observation(&input).unwrap(), "seed {seed}: {sco}");
            let got = index_verdicts(&index, &input);
            for (i, (text, pattern)) in chunk.iter().enumerate() {
                assert_eq!(got[i], evaluator(pattern, &input), "seed {seed}: {text} on {sco}");
            }
        }
    }
    // Most observations are answered by look-ups alone; if none were, this tested nothing.
    assert!(answered > 1000, "seed {seed}: only {answered} of 7,500 answered by match_object");
}

/// `match_sco` (the object evaluated on its own, without the observed-data around it) against
/// `match_observation` on the object observed once, and against the evaluator, whenever it
/// answers; it must decline only for the reasons it gives.
#[test]
fn match_sco_is_match_observation_where_it_answers() {
    let seed: u64 = std::env::var("SELAT_INDEX_SEED").ok().and_then(|s| s.parse().ok()).unwrap_or(0x5C0);
    let mut rng = Rng(seed);
    let patterns: Vec<(String, Pattern)> = (0..300)
        .map(|_| {
            let text = pattern(&mut rng);
            (text.clone(), parse_syntax(&text).unwrap_or_else(|e| panic!("seed {seed}: {text}: {e}")))
        })
        .collect();
    let mut scos: Vec<Value> = (0..100).flat_map(|n| sco(&mut rng, n)).collect();
    // A reference to the wrapper's observed-data, an id shared with it, a domain object type,
    // and objects without a string id or type.
    scos.push(json!({"type": "domain-name", "id": "domain-name--w", "value": "example.com",
        "resolves_to_refs": ["observed-data--1"]}));
    scos.push(json!({"type": "ipv4-addr", "id": "observed-data--1", "value": "10.0.0.1"}));
    scos.push(json!({"type": "indicator", "id": "indicator--1", "value": "10.0.0.1"}));
    scos.push(json!({"type": "ipv4-addr", "id": 7, "value": "10.0.0.1"}));
    scos.push(json!({"type": "ipv4-addr", "value": "10.0.0.1"}));
    scos.push(json!({"value": "10.0.0.1", "id": "x--1"}));
    let at = "2024-01-01T00:00:00Z";
    let (mut answered, mut evaluated) = (0, 0);
    for chunk in patterns.chunks(4) {
        let index = MatchIndex::build(chunk.iter().enumerate().map(|(i, (_, p))| (i, p)));
        for sco in &scos {
            let input = observed_once(sco);
            let Some(fast) = index.match_sco(sco, at) else {
                let has_id = sco.get("id").is_some_and(Value::is_string);
                let references = chunk.iter().any(|(text, _)| text.contains("_refs"));
                assert!(!has_id || sco.get("type").is_none() || references, "seed {seed}: declined {sco}");
                continue;
            };
            answered += 1;
            evaluated += usize::from(index.match_object(sco).is_none());
            let fast = fast.unwrap();
            assert_eq!(fast, index.match_observation(&input).unwrap(), "seed {seed}: {sco}");
            for (i, (text, pattern)) in chunk.iter().enumerate() {
                let mine = if fast.matched.contains(&&i) {
                    Verdict::Matched
                } else if fast.errors.iter().any(|(j, _)| **j == i) {
                    Verdict::Error
                } else {
                    Verdict::NotMatched
                };
                assert_eq!(mine, evaluator(pattern, &input), "seed {seed}: {text} on {sco}");
            }
        }
    }
    assert!(answered > 1000, "seed {seed}: only {answered} answered by match_sco");
    assert!(evaluated > 100, "seed {seed}: only {evaluated} needed the evaluator");
    // An observation time that is not a timestamp: declined, for the wrapper's own error.
    let index = MatchIndex::build(patterns.iter().enumerate().map(|(i, (_, p))| (i, p)));
    assert!(index.match_sco(&scos[0], "yesterday").is_none());
}
