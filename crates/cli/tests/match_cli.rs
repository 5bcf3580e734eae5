//! `selat match --indicators BUNDLE`: values, CSV and JSON lines in, one JSON line per
//! (observation, indicator) match out; revoked, expired and non-STIX indicators handled.

mod support;

use serde_json::{Value, json};

fn indicator(n: u32, pattern: &str, extra: Value) -> Value {
    let mut object = json!({
        "type": "indicator", "spec_version": "2.1",
        "id": format!("indicator--00000000-0000-4000-8000-00000000000{n}"),
        "created": "2024-01-01T00:00:00Z", "modified": "2024-01-01T00:00:00Z",
        "pattern_type": "stix", "pattern": pattern, "valid_from": "2024-01-01T00:00:00Z",
    });
    for (key, value) in extra.as_object().expect("extra properties") {
        object[key] = value.clone();
    }
    object
}

const IDENTITY: &str = "identity--00000000-0000-4000-8000-0000000000aa";
const TLP_GREEN: &str = "marking-definition--bab4a63c-aed9-4cf5-a766-dfca5abac2bb";

fn indicators_file(dir: &std::path::Path) -> String {
    let objects = vec![
        indicator(
            1,
            "[ipv4-addr:value = '10.0.0.1']",
            json!({"created_by_ref": IDENTITY, "object_marking_refs": [TLP_GREEN]}),
        ),
        indicator(2, "[ipv4-addr:value ISSUBSET '10.0.0.0/8']", json!({})),
        indicator(3, "[file:hashes.MD5 = 'd41d8cd98f00b204e9800998ecf8427e']", json!({})),
        indicator(4, "[ipv4-addr:value = '10.0.0.1']", json!({"revoked": true})),
        indicator(
            5,
            "[ipv4-addr:value = '10.0.0.1']",
            json!({"valid_until": "2000-01-01T00:00:00Z", "valid_from": "1999-01-01T00:00:00Z"}),
        ),
        indicator(6, "title: not stix", json!({"pattern_type": "sigma"})),
        indicator(7, "[domain-name:value = 'evil.example' AND domain-name:value != 'x']", json!({})),
        indicator(8, "[broken", json!({})),
    ];
    let path = dir.join("indicators.json");
    let bundle =
        json!({"type": "bundle", "id": "bundle--00000000-0000-4000-8000-000000000000", "objects": objects});
    std::fs::write(&path, bundle.to_string()).expect("writing indicators");
    path.to_str().expect("UTF-8 path").to_owned()
}

const OBSERVATIONS: &str = "type,value\n10.0.0.1\nipv4-addr,10.9.9.9\nd41d8cd98f00b204e9800998ecf8427e\n\
    {\"type\":\"domain-name\",\"id\":\"domain-name--1\",\"value\":\"evil.example\"}\n\nwhat is this\n8.8.8.8\n";

/// `(line, indicator number)` of every output row.
fn pairs(stdout: &str) -> Vec<(u64, String)> {
    stdout
        .lines()
        .map(|l| {
            let row: Value = serde_json::from_str(l).unwrap();
            let id = row["indicator"].as_str().unwrap();
            (row["line"].as_u64().unwrap(), id[id.len() - 1..].to_owned())
        })
        .collect()
}

#[test]
fn values_csv_and_json_lines_match_with_creator_and_tlp() {
    let dir = tempfile::tempdir().unwrap();
    let indicators = indicators_file(dir.path());
    let out = support::run_with_stdin(&["match", "--indicators", &indicators], OBSERVATIONS.as_bytes());
    // Line 7 is no observation: exit 1, said on stderr, the rest matched anyway.
    assert_eq!(out.code, 1, "{out}");
    let expected: Vec<(u64, String)> = [(2, "1"), (2, "2"), (3, "2"), (4, "3"), (5, "7")]
        .iter()
        .map(|(l, i)| (*l, (*i).to_owned()))
        .collect();
    assert_eq!(pairs(&out.stdout), expected, "{out}");
    let first: Value = serde_json::from_str(out.stdout.lines().next().unwrap()).unwrap();
    assert_eq!(
        first,
        json!({"line": 2, "observation": {"type": "ipv4-addr", "value": "10.0.0.1"},
               "indicator": "indicator--00000000-0000-4000-8000-000000000001",
               "created_by_ref": IDENTITY, "tlp": "green"})
    );
    assert!(out.stderr.contains("line 7: cannot tell"), "{out}");
    assert!(out.stderr.contains("skipped 1 revoked and 1 expired"), "{out}");
    assert!(out.stderr.contains("2 indicators not matchable: 1 with a pattern_type other than stix (sigma 1), 1 with a pattern that does not parse"), "{out}");
}

#[test]
fn include_expired_matches_revoked_and_expired_indicators() {
    let dir = tempfile::tempdir().unwrap();
    let indicators = indicators_file(dir.path());
    let out = support::run_with_stdin(
        &["match", "--indicators", &indicators, "--include-expired", "-"],
        b"10.0.0.1\n",
    );
    assert_eq!(out.code, 0, "{out}");
    let ids: Vec<String> = pairs(&out.stdout).into_iter().map(|(_, i)| i).collect();
    assert_eq!(ids, ["1", "2", "4", "5"], "{out}");
}

#[test]
fn a_missing_indicators_file_is_an_error() {
    let out =
        support::run_with_stdin(&["match", "--indicators", "/nonexistent/indicators.json"], b"10.0.0.1\n");
    assert_eq!(out.code, 2, "{out}");
}

#[test]
fn json_lines_match_like_matches_and_anchored_indicators_with_their_ids() {
    let dir = tempfile::tempdir().unwrap();
    let objects = vec![
        indicator(1, "[domain-name:value LIKE '%.evil.example']", json!({})),
        indicator(2, "[url:value MATCHES '^https://x']", json!({})),
        indicator(3, "[domain-name:value = 'a.example' AND domain-name:value LIKE 'a%']", json!({})),
    ];
    let path = dir.path().join("indicators.json");
    std::fs::write(&path, json!({"type": "bundle", "id": "bundle--1", "objects": objects}).to_string())
        .unwrap();
    // Line 2's id is escaped, line 3 has none, line 4 is not JSON `Value` accepts (1e999).
    let lines = concat!(
        r#"{"type":"domain-name","id":"domain-name--1","value":"b.evil.example"}"#,
        "\n",
        r#"{"type":"domain-name","id":"domain-name--\u0032","value":"a.example"}"#,
        "\n",
        r#"{"type":"url","value":"https://x.example"}"#,
        "\n",
        r#"{"type":"url","value":1e999}"#,
        "\n",
    );
    let out = support::run_with_stdin(&["match", "--indicators", path.to_str().unwrap()], lines.as_bytes());
    assert_eq!(out.code, 1, "{out}");
    let rows: Vec<(u64, Value, String)> = out
        .stdout
        .lines()
        .map(|l| {
            let row: Value = serde_json::from_str(l).unwrap();
            let id = row["indicator"].as_str().unwrap();
            (row["line"].as_u64().unwrap(), row["observation"].clone(), id[id.len() - 1..].to_owned())
        })
        .collect();
    let expected = vec![
        (1, json!({"id": "domain-name--1"}), "1".to_owned()),
        (2, json!({"id": "domain-name--2"}), "3".to_owned()),
        (3, json!({"id": null}), "2".to_owned()),
    ];
    assert_eq!(rows, expected, "{out}");
    assert!(out.stderr.contains("line 4: invalid JSON"), "{out}");
}

#[test]
fn bench_match_runs_small_and_checks_itself() {
    let out = support::run(&[
        "bench",
        "match",
        "--observations",
        "20000",
        "--indicators",
        "10000",
        "--verify",
        "40",
    ]);
    assert_eq!(out.code, 0, "{out}");
    for field in
        ["index build:", "the index takes", "observations/s", "matches:", "peak RSS (VmHWM)", "all agree"]
    {
        assert!(out.stdout.contains(field), "{field} missing:\n{out}");
    }
    // About 1% of 20,000 observations are built to match: the run must find matches.
    let matches: u64 = out
        .stdout
        .lines()
        .find_map(|l| l.strip_prefix("matches: ")?.split_whitespace().next()?.parse().ok())
        .expect("a matches line");
    assert!(matches >= 100, "{out}");
}

#[test]
fn opinions_are_shown_with_matches_and_disputed_ones_can_be_suppressed() {
    let dir = tempfile::tempdir().unwrap();
    let opinion = |n: u32, about: u32, verdict: &str| {
        json!({"type": "opinion", "spec_version": "2.1",
               "id": format!("opinion--00000000-0000-4000-8000-00000000000{n}"),
               "created": "2024-02-01T00:00:00Z", "modified": "2024-02-01T00:00:00Z",
               "created_by_ref": IDENTITY, "opinion": verdict,
               "object_refs": [format!("indicator--00000000-0000-4000-8000-00000000000{about}")]})
    };
    // The opinion comes first in the file: it is attached once everything is read.
    let objects = vec![
        opinion(1, 2, "strongly-disagree"),
        indicator(1, "[ipv4-addr:value = '10.0.0.1']", json!({})),
        indicator(2, "[ipv4-addr:value ISSUBSET '10.0.0.0/8']", json!({})),
        opinion(2, 1, "agree"),
    ];
    let path = dir.path().join("indicators.json");
    std::fs::write(&path, json!({"type": "bundle", "id": "bundle--1", "objects": objects}).to_string())
        .unwrap();
    let path = path.to_str().unwrap();
    let out = support::run_with_stdin(&["match", "--indicators", path], b"10.0.0.1\n");
    assert_eq!(out.code, 0, "{out}");
    let rows: Vec<Value> = out.stdout.lines().map(|l| serde_json::from_str(l).unwrap()).collect();
    assert_eq!(rows.len(), 2, "{out}");
    assert_eq!(rows[0]["opinions"][0]["opinion"], "agree");
    assert_eq!(rows[1]["opinions"][0]["opinion"], "strongly-disagree", "{out}");
    assert_eq!(rows[1]["opinions"][0]["id"], "opinion--00000000-0000-4000-8000-000000000001");
    let out = support::run_with_stdin(&["match", "--indicators", path, "--suppress-disputed"], b"10.0.0.1\n");
    assert_eq!(out.code, 0, "{out}");
    assert_eq!(pairs(&out.stdout), [(1, "1".to_owned())], "{out}");
    assert!(out.stderr.contains("1 of disputed indicators suppressed"), "{out}");
}

/// `--data DIR --as ORG`: the node's indicators that organisation may see, no others.
#[test]
fn data_as_org_matches_only_what_the_organisation_may_see() {
    let dir = tempfile::tempdir().unwrap();
    let data = dir.path().join("node");
    let data = data.to_str().unwrap();
    for (short, name) in [("SG", "Singapore"), ("MY", "Malaysia")] {
        let out = support::run(&[
            "admin",
            "--data",
            data,
            "org",
            "add",
            short,
            "--name",
            name,
            "--kind",
            "member-state",
        ]);
        assert_eq!(out.code, 0, "{out}");
    }
    let scope = |scope: &str| {
        json!({"extensions": {"extension-definition--b78d1732-3a01-46df-a4b4-719a2aab7a1d":
            {"extension_type": "property-extension", "scope": scope}},
            "object_marking_refs": [TLP_GREEN]})
    };
    // Stored objects must be valid STIX: timestamps to the millisecond, a bundle id of a UUID.
    let objects: Vec<Value> = [(1, "community"), (2, "organisation")]
        .into_iter()
        .map(|(n, s)| {
            let mut object = indicator(n, "[ipv4-addr:value = '10.0.0.1']", scope(s));
            for key in ["created", "modified", "valid_from"] {
                object[key] = json!("2024-01-01T00:00:00.000Z");
            }
            object
        })
        .collect();
    let bundle = dir.path().join("sg.json");
    let id = "bundle--00000000-0000-4000-8000-000000000002";
    std::fs::write(&bundle, json!({"type": "bundle", "id": id, "objects": objects}).to_string()).unwrap();
    let out = support::run(&["import", bundle.to_str().unwrap(), "--data", data, "--as", "SG"]);
    assert_eq!(out.code, 0, "{out}");

    let matched = |org: &str| {
        let out = support::run_with_stdin(&["match", "--data", data, "--as", org], b"10.0.0.1\n");
        assert_eq!(out.code, 0, "{out}");
        pairs(&out.stdout).into_iter().map(|(_, i)| i).collect::<Vec<_>>()
    };
    assert_eq!(matched("SG"), ["1", "2"], "SG matches its own indicators, both");
    assert_eq!(matched("MY"), ["1"], "MY matches the community indicator only");
    let unknown = support::run_with_stdin(&["match", "--data", data, "--as", "ZZ"], b"10.0.0.1\n");
    assert_eq!(unknown.code, 2, "{unknown}");
    assert!(unknown.stderr.contains("no organisation \"ZZ\""), "{unknown}");
    let both =
        support::run_with_stdin(&["match", "--data", data, "--indicators", "x.json", "--as", "SG"], b"");
    assert_eq!(both.code, 2, "--data and --indicators together: {both}");
}
