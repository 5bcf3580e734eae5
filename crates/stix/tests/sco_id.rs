//! Deterministic SCO ids against the python `stix2` library (3.0.2), which computed every id in
//! `tests/data/sco_ids.json`, and against the v5 ids in the shared example data.

use selat_stix::sco_id::deterministic_id;
use serde_json::{Value, json};

#[test]
fn ids_agree_with_the_stix2_library() {
    let text = include_str!("data/sco_ids.json");
    let cases: Vec<Value> = serde_json::from_str(text).unwrap();
    assert!(cases.len() >= 25);
    let mut failures = Vec::new();
    for case in &cases {
        let got = deterministic_id(&case["object"]);
        let want = case["id"].as_str().unwrap();
        if got.as_deref() != Some(want) {
            failures.push(format!("{}: got {got:?}, want {want}", case["object"]));
        }
    }
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}

#[test]
fn no_id_without_contributing_properties() {
    for obj in [
        json!({"type": "process", "pid": 1221}),
        json!({"type": "file", "size": 25536}),
        json!({"type": "user-account", "is_disabled": true}),
        json!({"type": "x-custom-sco", "value": "x"}),
        json!({"type": "indicator", "name": "not an SCO"}),
        json!("not an object"),
    ] {
        assert_eq!(deterministic_id(&obj), None, "{obj}");
    }
}

#[test]
fn id_does_not_depend_on_other_properties_or_key_order() {
    let a = json!({"type": "domain-name", "value": "example.com"});
    let b = json!({"value": "example.com", "type": "domain-name", "id": "domain-name--x", "defanged": true});
    assert_eq!(deterministic_id(&a), deterministic_id(&b));
}

/// The SCOs of the shared examples whose ids are UUIDv5 carry their deterministic ids.
#[test]
fn shared_v5_ids_are_deterministic() {
    let Some(dir) = selat_testdata::shared_data("shared_v5_ids_are_deterministic") else { return };
    let mut checked = 0;
    for sub in ["cti-documentation/examples", "stix2-json-schemas/examples"] {
        for file in selat_testdata::files_with_suffix(&dir.join(sub), ".json") {
            let doc: Value = serde_json::from_str(&std::fs::read_to_string(&file).unwrap()).unwrap();
            for obj in doc["objects"].as_array().into_iter().flatten() {
                let id = obj["id"].as_str().unwrap_or_default();
                let is_v5 = id.rsplit_once("--").is_some_and(|(_, u)| u.as_bytes().get(14) == Some(&b'5'));
                if is_v5 && selat_stix::spec::is_sco(obj["type"].as_str().unwrap_or_default()) {
                    assert_eq!(deterministic_id(obj).as_deref(), Some(id), "{}", file.display());
                    checked += 1;
                }
            }
        }
    }
    assert!(checked >= 2, "only {checked} v5 SCOs found");
}
