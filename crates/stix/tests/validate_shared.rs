//! Real third-party STIX 2.1 content (SOURCES.md): the clean files validate with no error, and
//! the known traps are flagged at the named place.

use std::path::{Path, PathBuf};
use std::time::Instant;

use selat_stix::validate::validate_object;
use selat_stix::{Diagnostic, Severity};

/// The objects of a file: a bundle's `objects`, or the file itself when it is a bare object.
fn objects(path: &Path) -> Vec<serde_json::Value> {
    let text = std::fs::read_to_string(path).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
    let value: serde_json::Value =
        serde_json::from_str(&text).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
    match value.get("objects").and_then(serde_json::Value::as_array) {
        Some(objects) => objects.clone(),
        None => vec![value],
    }
}

/// Every diagnostic of every object of a file, located under `$.objects[i]`.
fn diagnostics(path: &Path) -> Vec<Diagnostic> {
    objects(path)
        .iter()
        .enumerate()
        .flat_map(|(i, obj)| {
            let prefix = format!("$.objects[{i}]");
            validate_object(obj).into_iter().map(move |d| d.under(&prefix))
        })
        .collect()
}

fn clean_files(dir: &Path) -> Vec<PathBuf> {
    let mut files = Vec::new();
    for sub in ["stix2-json-schemas/examples", "cti-documentation/examples", "attack-stix-data/ics-attack"] {
        files.extend(selat_testdata::files_with_suffix(&dir.join(sub), ".json"));
    }
    files.extend(selat_testdata::files_with_suffix(
        &dir.join("stix-common-objects/objects/marking-definition"),
        ".json",
    ));
    files
}

#[test]
fn clean_files_have_no_error() {
    let Some(dir) = selat_testdata::shared_data("clean_files_have_no_error") else { return };
    let files = clean_files(&dir);
    assert!(files.len() >= 20, "expected the shared example files, found {}", files.len());
    let mut failures = Vec::new();
    let mut objects_seen = 0;
    for file in &files {
        objects_seen += objects(file).len();
        for d in diagnostics(file).into_iter().filter(Diagnostic::is_error) {
            failures.push(format!("{}: {d}", file.strip_prefix(&dir).unwrap_or(file).display()));
        }
    }
    assert!(objects_seen > 2000, "only {objects_seen} objects");
    assert!(failures.is_empty(), "{} errors:\n{}", failures.len(), failures.join("\n"));
}

/// `(file, expected code, expected path, severity)`: the traps of SOURCES.md. A path under
/// `$.objects[i]` is about an object; a path right under `$` is about the document itself,
/// checked as one object (these two files lack the bundle's `"type": "bundle"`).
const TRAPS: &[(&str, &str, &str, Severity)] = &[
    (
        "stix-common-objects/extension-definition-specifications/tlp-2.0/examples/using-tlp2.0-green.json",
        "invalid-timestamp",
        "$.objects[2].created",
        Severity::Error,
    ),
    (
        "stix-common-objects/objects/extension-definition/extension-definition--60a3c5c5-0d10-413e-aab3-9e08dde9e88d.json",
        "required-property",
        "$.type",
        Severity::Error,
    ),
    (
        "stix-common-objects/extension-definition-specifications/tlp-2.0/examples/using-tlp2.0-green.json",
        "required-property",
        "$.type",
        Severity::Error,
    ),
    // The OASIS validator (stix2-validator 3.3.2) rejects these four URLs (an en dash is not
    // allowed in an RFC 3986 URI).
    (
        "attack-stix-data/mobile-attack/mobile-attack-1.0.json",
        "invalid-url",
        "$.objects[87].external_references[1].url",
        Severity::Error,
    ),
    (
        "attack-stix-data/mobile-attack/mobile-attack-1.0.json",
        "invalid-url",
        "$.objects[285].external_references[0].url",
        Severity::Error,
    ),
    (
        "attack-stix-data/mobile-attack/mobile-attack-1.0.json",
        "invalid-url",
        "$.objects[286].external_references[0].url",
        Severity::Error,
    ),
    (
        "attack-stix-data/mobile-attack/mobile-attack-1.0.json",
        "invalid-url",
        "$.objects[287].external_references[0].url",
        Severity::Error,
    ),
];

#[test]
fn traps_are_flagged_where_they_are() {
    let Some(dir) = selat_testdata::shared_data("traps_are_flagged_where_they_are") else { return };
    let mut failures = Vec::new();
    for &(file, code, path, severity) in TRAPS {
        let path_in = dir.join(file);
        let found = if path.starts_with("$.objects[") {
            diagnostics(&path_in)
        } else {
            let text = std::fs::read_to_string(&path_in).unwrap();
            validate_object(&serde_json::from_str(&text).unwrap())
        };
        if !found.iter().any(|d| d.code == code && d.path == path && d.severity == severity) {
            let listed: Vec<String> = found.iter().map(ToString::to_string).collect();
            failures
                .push(format!("{file}: no {severity:?} {code} at {path}; found:\n  {}", listed.join("\n  ")));
        }
    }
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}

/// The mobile ATT&CK 1.0 bundle: exactly the objects the OASIS validator rejects, and why.
#[test]
fn mobile_attack_errors_are_the_oasis_ones() {
    let Some(dir) = selat_testdata::shared_data("mobile_attack_errors_are_the_oasis_ones") else { return };
    let file = dir.join("attack-stix-data/mobile-attack/mobile-attack-1.0.json");
    let objects = objects(&file);
    let mut errors: Vec<(String, String, &str)> = Vec::new();
    for obj in &objects {
        for d in validate_object(obj).into_iter().filter(Diagnostic::is_error) {
            errors.push((obj["id"].as_str().unwrap_or_default().to_owned(), d.path, d.code));
        }
    }
    errors.sort();
    let expected = [
        ("malware--05c4f87c-be8f-46ea-8d9a-2a0aad8f52c1", "$.external_references[1].url"),
        ("relationship--69de3f7e-faa7-4342-b755-4777a68fd89b", "$.external_references[0].url"),
        ("relationship--910009da-65c0-4e6a-aeb2-386c643d1c0e", "$.external_references[0].url"),
        ("relationship--c65661a6-6047-4901-ac2c-3ca4b1bbbb28", "$.external_references[0].url"),
    ];
    let got: Vec<(&str, &str)> = errors.iter().map(|(id, path, _)| (id.as_str(), path.as_str())).collect();
    assert_eq!(got, expected, "{errors:?}");
    assert!(errors.iter().all(|(_, _, code)| *code == "invalid-url"));
}

/// Not a test of speed (nothing is asserted on time): prints parse+validate objects per second
/// over the ICS ATT&CK bundle. `cargo test -p selat-stix --release -- --nocapture perf`
#[test]
fn perf_ics_attack_objects_per_second() {
    let Some(dir) = selat_testdata::shared_data("perf_ics_attack_objects_per_second") else { return };
    let path = dir.join("attack-stix-data/ics-attack/ics-attack-18.1.json");
    let bundle: serde_json::Value = serde_json::from_slice(&std::fs::read(&path).unwrap()).unwrap();
    // Each object's own text, as a bundle reader would hand it over.
    let texts: Vec<String> = bundle["objects"].as_array().unwrap().iter().map(ToString::to_string).collect();
    let rounds = if cfg!(debug_assertions) { 1 } else { 20 };
    let run = |texts: &[String]| {
        let mut errors = 0usize;
        for _ in 0..rounds {
            for text in texts {
                let obj: serde_json::Value = serde_json::from_str(text).unwrap();
                errors += validate_object(&obj).iter().filter(|d| d.is_error()).count();
            }
        }
        errors
    };
    let start = Instant::now();
    assert_eq!(run(&texts), 0);
    let one = (texts.len() * rounds) as f64 / start.elapsed().as_secs_f64();
    let start = Instant::now();
    let half = texts.len() / 2;
    std::thread::scope(|s| {
        let a = s.spawn(|| run(&texts[..half]));
        let b = s.spawn(|| run(&texts[half..]));
        assert_eq!(a.join().unwrap() + b.join().unwrap(), 0);
    });
    let two = (texts.len() * rounds) as f64 / start.elapsed().as_secs_f64();
    let parsed: Vec<serde_json::Value> = texts.iter().map(|t| serde_json::from_str(t).unwrap()).collect();
    let start = Instant::now();
    for _ in 0..rounds {
        for obj in &parsed {
            std::hint::black_box(validate_object(obj));
        }
    }
    let validate_only = (texts.len() * rounds) as f64 / start.elapsed().as_secs_f64();
    println!(
        "perf: parse+validate {one:.0} objects/s on 1 thread, {two:.0} objects/s on 2 threads; \
         validate alone {validate_only:.0} objects/s on 1 thread"
    );
}
