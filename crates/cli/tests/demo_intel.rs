//! The demo threat intelligence (`crates/core/src/demo/intel.json`) that `selat serve --demo`
//! seeds: valid STIX 2.1 with no warning, authored by the demo organisations, and varied enough in
//! TLP, distribution scope, observable kinds and sightings for the access policy to show something.

use std::collections::{BTreeMap, BTreeSet};
use std::process::Command;

use serde_json::Value;

const INTEL: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/../core/src/demo/intel.json");

/// The deterministic identity id of every demo organisation: `identity--` + the first 16 bytes of
/// SHA-256 of `selat-demo:` + the short name, with the UUID version (4) and variant bits set.
/// Listed as constants because `sha2` is not a dependency of this crate.
const DEMO_IDENTITIES: &[(&str, &str)] = &[
    ("ASEAN", "identity--b71cf483-2df3-4b09-bcdb-70b242ecb632"),
    ("BN", "identity--e41a4816-fb88-4a34-9736-e1ccef879232"),
    ("BN-BANKING", "identity--9cbda809-430b-4c5a-9198-d30f730b8280"),
    ("BN-ENERGY", "identity--afb20690-4a01-4a84-bf66-7a27826a0ffa"),
    ("KH", "identity--5736acca-66fe-4b2b-80b9-37e0a8e7563f"),
    ("KH-BANKING", "identity--7884052c-116d-4549-b53f-4abde4ea9579"),
    ("KH-ENERGY", "identity--e57a0ad3-0dbd-41ba-a9e7-0f6eb43d044d"),
    ("ID", "identity--29e18fd1-5041-415e-b4bf-eb7c6c903099"),
    ("ID-BANKING", "identity--94df1898-5439-4069-b4d4-22f713fc1492"),
    ("ID-ENERGY", "identity--d9186881-e198-48ac-8a8a-8ecec0f1951e"),
    ("LA", "identity--aa4b5a06-e0d6-427d-b2e2-78b658ad60b1"),
    ("LA-BANKING", "identity--e66e0260-a2ca-4e01-84e4-0a95c33dd961"),
    ("LA-ENERGY", "identity--1ded267c-ee8b-4aaa-95eb-4029e12af88c"),
    ("MY", "identity--c22443b3-93aa-45ac-b6f1-dae952e7bbb9"),
    ("MY-BANKING", "identity--cc5149f2-4249-4349-9559-e48227a394f6"),
    ("MY-ENERGY", "identity--bd939e5d-b4c4-4a7b-8788-331c994f2f73"),
    ("MM", "identity--78556ee2-6529-4827-b428-9e62228fbf45"),
    ("MM-BANKING", "identity--01e40684-3412-4b07-8077-5ed3bd635271"),
    ("MM-ENERGY", "identity--a8a28730-de01-4169-b2d3-c5961d014103"),
    ("PH", "identity--9012f81a-5778-4e6b-b472-f134f6fdb664"),
    ("PH-BANKING", "identity--eaabebb5-a645-472d-aee9-5987f980da8e"),
    ("PH-ENERGY", "identity--279a89c9-9710-46fd-bcf6-506d31e73c8f"),
    ("SG", "identity--03c9b3a4-164d-4e8d-bc95-cbcd5e2406c4"),
    ("SG-BANKING", "identity--9b894304-bbc0-4110-905e-744805722ed7"),
    ("SG-ENERGY", "identity--4e7cac03-4c59-425f-9c7e-a69063be91cd"),
    ("TH", "identity--f3983a33-b364-44f8-aa86-281060b1e817"),
    ("TH-BANKING", "identity--054c60d6-ed3b-4ed8-80dc-967c65743d60"),
    ("TH-ENERGY", "identity--51d0e680-868c-4acb-b9a2-8100e175b86a"),
    ("VN", "identity--1c9fc587-f028-48c4-a0e3-2092e4573af0"),
    ("VN-BANKING", "identity--5b05b850-26ed-46f1-8eed-9acb0f5ad2ad"),
    ("VN-ENERGY", "identity--a0b8d908-b89e-4bf0-94e0-dccd1f273fc8"),
    ("TL", "identity--b5be10b9-9ff5-48b8-a9fb-42b66aa98aed"),
    ("TL-BANKING", "identity--b7d600e8-1031-449c-ab89-7ccf5bd7d756"),
    ("TL-ENERGY", "identity--2fdf9749-a048-40b1-8325-e650527de5b8"),
];

const MEMBER_STATES: &[&str] = &["BN", "KH", "ID", "LA", "MY", "MM", "PH", "SG", "TH", "VN", "TL"];

const TLP: &[(&str, &str)] = &[
    ("CLEAR", "marking-definition--94868c89-83c2-464b-929b-a1a8aa3c8487"),
    ("GREEN", "marking-definition--bab4a63c-aed9-4cf5-a766-dfca5abac2bb"),
    ("AMBER", "marking-definition--55d920b0-5e8b-4f79-9ee9-91f868d9b421"),
    ("AMBER+STRICT", "marking-definition--939a9414-2ddd-4d32-a0cd-375ea402b003"),
    ("RED", "marking-definition--e828b379-4e03-4974-9ac4-e53a884c97c1"),
];
const RED: &str = "marking-definition--e828b379-4e03-4974-9ac4-e53a884c97c1";
const CLEAR: &str = "marking-definition--94868c89-83c2-464b-929b-a1a8aa3c8487";

const DISTRIBUTION: &str = "extension-definition--b78d1732-3a01-46df-a4b4-719a2aab7a1d";

fn objects() -> Vec<Value> {
    let text = std::fs::read_to_string(INTEL).expect("the demo intel file is readable");
    assert!(text.len() <= 150 * 1024, "the demo bundle is {} bytes, over 150 KB", text.len());
    let bundle: Value = serde_json::from_str(&text).expect("the demo intel file is JSON");
    assert_eq!(bundle["type"], "bundle");
    bundle["objects"].as_array().expect("a bundle with objects").clone()
}

fn str_of<'a>(obj: &'a Value, key: &str) -> Option<&'a str> {
    obj.get(key).and_then(Value::as_str)
}

fn strs_of<'a>(obj: &'a Value, key: &str) -> Vec<&'a str> {
    obj.get(key)
        .and_then(Value::as_array)
        .map(|a| a.iter().filter_map(Value::as_str).collect())
        .unwrap_or_default()
}

/// The distribution scope and recipients, `community` without the extension (RED: `organisation`).
fn scope_of(obj: &Value) -> (String, Vec<&str>) {
    match obj.get("extensions").and_then(|e| e.get(DISTRIBUTION)) {
        Some(ext) => (str_of(ext, "scope").expect("a scope").to_owned(), strs_of(ext, "recipient_refs")),
        None if strs_of(obj, "object_marking_refs").contains(&RED) => ("organisation".to_owned(), vec![]),
        None => ("community".to_owned(), vec![]),
    }
}

/// The object types a STIX pattern compares (`domain-name` in `[domain-name:value = 'x']`).
fn pattern_object_types(pattern: &str) -> BTreeSet<String> {
    // Blank out string literals first (`'…'`, with `\'` escapes), so their colons do not count.
    let mut outside = String::new();
    let mut in_string = false;
    let mut escaped = false;
    for c in pattern.chars() {
        if in_string {
            if escaped {
                escaped = false;
            } else if c == '\\' {
                escaped = true;
            } else if c == '\'' {
                in_string = false;
            }
            outside.push(' ');
        } else if c == '\'' {
            in_string = true;
            outside.push(' ');
        } else {
            outside.push(c);
        }
    }
    outside
        .split(|c: char| c.is_whitespace() || c == '[' || c == ']' || c == '(' || c == ')')
        .filter_map(|token| token.split_once(':').map(|(t, _)| t.to_owned()))
        .filter(|t| !t.is_empty())
        .collect()
}

#[test]
fn the_demo_intel_validates_with_no_error_and_no_warning() {
    let out = Command::new(env!("CARGO_BIN_EXE_selat"))
        .args(["validate", "--json", INTEL])
        .output()
        .expect("selat runs");
    let stdout = String::from_utf8_lossy(&out.stdout);
    let stderr = String::from_utf8_lossy(&out.stderr);
    let diagnostics: Vec<Value> = stdout
        .lines()
        .filter(|l| !l.trim().is_empty())
        .map(|l| serde_json::from_str(l).unwrap_or_else(|e| panic!("not a JSON line ({e}): {l}")))
        .collect();
    let bad: Vec<&Value> =
        diagnostics.iter().filter(|d| d["severity"] == "error" || d["severity"] == "warning").collect();
    assert!(bad.is_empty(), "diagnostics on the demo intel:\n{}", stdout);
    assert!(diagnostics.is_empty(), "unexpected output:\n{stdout}");
    assert!(out.status.success(), "selat validate failed:\n{stdout}\n{stderr}");
    assert!(stderr.contains(" 0 errors, 0 warnings"), "summary: {stderr}");
}

#[test]
fn the_demo_intel_covers_every_tlp_scope_author_and_observable_the_demo_needs() {
    let objects = objects();
    assert!((80..=150).contains(&objects.len()), "{} objects, expected 80-150", objects.len());
    let short_name: BTreeMap<&str, &str> = DEMO_IDENTITIES.iter().map(|&(s, id)| (id, s)).collect();

    // The five TLP 2.0 levels are defined in the bundle and each is used; one TLP per object.
    let ids: BTreeSet<&str> = objects.iter().filter_map(|o| str_of(o, "id")).collect();
    let mut used = BTreeSet::new();
    for obj in &objects {
        let markings = strs_of(obj, "object_marking_refs");
        let tlps = markings.iter().filter(|m| TLP.iter().any(|(_, id)| id == *m)).count();
        assert!(tlps <= 1, "{} has {tlps} TLP markings", obj["id"]);
        used.extend(markings);
    }
    for (name, id) in TLP {
        assert!(ids.contains(id), "the TLP:{name} marking definition is missing");
        assert!(used.contains(id), "no object is marked TLP:{name}");
    }

    // Every authored object names a demo organisation; SDOs and SROs all have an author.
    for obj in &objects {
        let ty = str_of(obj, "type").unwrap();
        match str_of(obj, "created_by_ref") {
            Some(author) => assert!(
                short_name.contains_key(author),
                "{} is authored by {author}, not a demo organisation",
                obj["id"]
            ),
            None => assert!(
                ty == "marking-definition" || obj.get("created").is_none(),
                "{} has no created_by_ref",
                obj["id"]
            ),
        }
        assert!(ty != "identity", "demo organisations' identities are seeded, not carried here");
    }

    // Distribution: each non-default scope is used, and the rules the validator of sharing applies hold.
    let mut scopes = BTreeSet::new();
    for obj in objects.iter().filter(|o| o.get("created_by_ref").is_some()) {
        let (scope, recipients) = scope_of(obj);
        let author = short_name[str_of(obj, "created_by_ref").unwrap()];
        if strs_of(obj, "object_marking_refs").contains(&RED) {
            assert!(
                ["recipients", "organisation"].contains(&scope.as_str()),
                "{}: RED with {scope}",
                obj["id"]
            );
        }
        assert!(recipients.is_empty() || scope == "recipients", "{}: recipient_refs with {scope}", obj["id"]);
        if scope == "recipients" {
            assert!(!recipients.is_empty(), "{}: scope recipients without recipient_refs", obj["id"]);
            for r in &recipients {
                assert!(
                    short_name.contains_key(r),
                    "{}: recipient {r} is not a demo organisation",
                    obj["id"]
                );
            }
        }
        if scope == "national" {
            let state = author.split('-').next().unwrap();
            assert!(MEMBER_STATES.contains(&state), "{}: national scope from {author}", obj["id"]);
        }
        scopes.insert(scope);
    }
    for scope in ["organisation", "national", "recipients"] {
        assert!(scopes.contains(scope), "no object has scope {scope}");
    }

    // Indicators: STIX patterns over at least five kinds of observable.
    let mut kinds = BTreeSet::new();
    for obj in objects.iter().filter(|o| o["type"] == "indicator") {
        assert_eq!(obj["pattern_type"], "stix", "{}", obj["id"]);
        kinds.extend(pattern_object_types(str_of(obj, "pattern").unwrap()));
    }
    assert!(kinds.len() >= 5, "indicator patterns cover only {kinds:?}");

    // Sightings by the organisations of at least three member states.
    let mut states = BTreeSet::new();
    for obj in objects.iter().filter(|o| o["type"] == "sighting") {
        for place in strs_of(obj, "where_sighted_refs") {
            let org = short_name.get(place).unwrap_or_else(|| panic!("{}: sighted at {place}", obj["id"]));
            let state = org.split('-').next().unwrap();
            if MEMBER_STATES.contains(&state) {
                states.insert(state);
            }
        }
    }
    assert!(states.len() >= 3, "sightings in only {states:?}");

    // A public advisory from the secretariat: a TLP:CLEAR threat report of community scope.
    let asean = DEMO_IDENTITIES[0].1;
    let advisory = objects.iter().any(|o| {
        o["type"] == "report"
            && str_of(o, "created_by_ref") == Some(asean)
            && strs_of(o, "object_marking_refs") == [CLEAR]
            && scope_of(o).0 == "community"
            && strs_of(o, "report_types").contains(&"threat-report")
    });
    assert!(advisory, "no TLP:CLEAR community advisory report from ASEAN");
}

#[test]
fn pattern_object_types_ignore_colons_inside_strings() {
    let kinds = pattern_object_types(
        "([email-message:subject = 'Re: it\\'s urgent'] FOLLOWEDBY [url:value = 'https://a.example/']) WITHIN 9 SECONDS",
    );
    assert_eq!(kinds, BTreeSet::from(["email-message".to_owned(), "url".to_owned()]));
}
