//! The third-party corpus in `../shared/data`: what must validate, what must be flagged where, what
//! must import whole, and what the OASIS validator says of Selat's export.

mod support;

use std::path::{Path, PathBuf};

use support::{run, summary_counts};

/// The bundles SOURCES.md says validate with no error.
fn clean_files(shared: &Path) -> Vec<PathBuf> {
    let mut files = Vec::new();
    for dir in ["stix2-json-schemas/examples", "cti-documentation/examples", "attack-stix-data/ics-attack"] {
        files.extend(selat_testdata::files_with_suffix(&shared.join(dir), ".json"));
    }
    files.extend(selat_testdata::files_with_suffix(
        &shared.join("stix-common-objects/objects/marking-definition"),
        ".json",
    ));
    files.retain(|f| !f.ends_with("interop-objectmarking-test.json"));
    assert!(files.len() >= 20, "expected the corpus, found {files:?}");
    files
}

/// `(path, code)` of each error `selat validate --json` reports for one file.
fn errors_of(file: &Path) -> Vec<(String, String)> {
    let out = run(&["validate", "--json", file.to_str().unwrap()]);
    out.stdout
        .lines()
        .filter_map(|l| serde_json::from_str::<serde_json::Value>(l).ok())
        .filter(|d| d["severity"] == "error")
        .map(|d| (d["path"].as_str().unwrap_or("").to_owned(), d["code"].as_str().unwrap_or("").to_owned()))
        .collect()
}

#[test]
fn every_clean_bundle_validates_with_no_error() {
    let Some(shared) = selat_testdata::shared_data("every_clean_bundle_validates_with_no_error") else {
        return;
    };
    let mut failures = Vec::new();
    for file in clean_files(&shared) {
        let errors = errors_of(&file);
        if !errors.is_empty() {
            failures.push(format!("{}: {errors:?}", file.display()));
        }
    }
    assert!(failures.is_empty(), "{} files with errors:\n{}", failures.len(), failures.join("\n"));
}

#[test]
fn each_known_trap_is_flagged_where_sources_md_says() {
    let Some(shared) = selat_testdata::shared_data("each_known_trap_is_flagged_where_sources_md_says") else {
        return;
    };
    let green = shared.join(
        "stix-common-objects/extension-definition-specifications/tlp-2.0/examples/using-tlp2.0-green.json",
    );
    let errors = errors_of(&green);
    assert!(errors.contains(&("$.type".into(), "required-property".into())), "{errors:?}");
    assert!(
        errors.iter().any(|(p, _)| p.starts_with("$.objects[") && p.ends_with("].created")),
        "the bad `created` is flagged: {errors:?}"
    );

    let ext = shared.join("stix-common-objects/objects/extension-definition/extension-definition--60a3c5c5-0d10-413e-aab3-9e08dde9e88d.json");
    let errors = errors_of(&ext);
    assert!(errors.iter().any(|(p, _)| p == "$.type"), "{errors:?}");

    let mobile = shared.join("attack-stix-data/mobile-attack/mobile-attack-1.0.json");
    let errors = errors_of(&mobile);
    assert!(errors.contains(&("$.spec_version".into(), "bundle-spec-version".into())), "{errors:?}");
    let in_objects = errors.iter().filter(|(p, _)| p.starts_with("$.objects[")).count();
    assert!(in_objects >= 4, "the objects' own errors are found: {errors:?}");

    let bare = shared.join("stix2-json-schemas/examples/interop-objectmarking-test.json");
    let out = run(&["validate", "--json", bare.to_str().unwrap()]);
    assert_eq!(out.code, 0, "a bare campaign is valid as an object: {out}");
    assert!(out.stdout.contains("not-a-bundle"), "{out}");
}

#[test]
fn the_attack_ics_bundle_imports_whole() {
    let Some(shared) = selat_testdata::shared_data("the_attack_ics_bundle_imports_whole") else { return };
    let dir = tempfile::tempdir().unwrap();
    let ics = shared.join("attack-stix-data/ics-attack/ics-attack-18.1.json");
    let out = run(&["import", ics.to_str().unwrap(), "--data", dir.path().to_str().unwrap()]);
    assert_eq!(out.code, 0, "{out}");
    assert_eq!(summary_counts(&out.stdout), [1826, 1826, 0, 0], "{out}");
}

#[test]
fn the_oasis_validator_accepts_everything_selat_exports() {
    let Some(shared) = selat_testdata::shared_data("the_oasis_validator_accepts_everything_selat_exports")
    else {
        return;
    };
    let Some(python) = selat_testdata::python("the_oasis_validator_accepts_everything_selat_exports") else {
        return;
    };
    let dir = tempfile::tempdir().unwrap();
    let data = dir.path().join("data");
    let files = clean_files(&shared);
    let mut args = vec!["import", "--data", data.to_str().unwrap()];
    args.extend(files.iter().map(|f| f.to_str().unwrap()));
    let out = run(&args);
    assert_eq!(out.code, 0, "{out}");
    let exported = dir.path().join("export.json");
    let out = run(&[
        "export",
        "--all-versions",
        "--data",
        data.to_str().unwrap(),
        "--out",
        exported.to_str().unwrap(),
    ]);
    assert_eq!(out.code, 0, "{out}");
    support::assert_oasis_valid(&python, &exported);
}
