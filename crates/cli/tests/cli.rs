//! The `selat` binary end to end: import, re-import, export, validate, exit codes, bad input.

mod support;

use support::{run, run_with_stdin, selat, summary_counts};

#[test]
fn generated_mix_imports_once_and_exports_a_valid_bundle() {
    let dir = tempfile::tempdir().unwrap();
    let mix = dir.path().join("mix.json");
    let data = dir.path().join("data");
    let out = run(&["bench", "generate", "--objects", "2000", "--out", mix.to_str().unwrap()]);
    assert_eq!(out.code, 0, "{out}");

    let out = run(&["validate", mix.to_str().unwrap()]);
    assert_eq!(out.code, 0, "the generated mix must validate: {out}");

    let import =
        ["import", mix.to_str().unwrap(), "--data", data.to_str().unwrap(), "--collection", "shared"];
    let out = run(&import);
    assert_eq!(out.code, 0, "{out}");
    assert_eq!(summary_counts(&out.stdout), [2000, 2000, 0, 0], "{out}");

    let out = run(&import);
    assert_eq!(out.code, 0, "{out}");
    assert_eq!(summary_counts(&out.stdout), [2000, 0, 2000, 0], "re-import must store nothing new: {out}");

    let exported = dir.path().join("export.json");
    let out = run(&[
        "export",
        "--data",
        data.to_str().unwrap(),
        "--collection",
        "shared",
        "--out",
        exported.to_str().unwrap(),
    ]);
    assert_eq!(out.code, 0, "{out}");
    let bundle: serde_json::Value = serde_json::from_slice(&std::fs::read(&exported).unwrap()).unwrap();
    assert_eq!(bundle["type"], "bundle");
    assert_eq!(bundle["objects"].as_array().unwrap().len(), 2000);
    let out = run(&["validate", exported.to_str().unwrap()]);
    assert_eq!(out.code, 0, "export must validate: {out}");

    let out = run(&[
        "export",
        "--data",
        data.to_str().unwrap(),
        "--type",
        "indicator",
        "--out",
        exported.to_str().unwrap(),
    ]);
    assert_eq!(out.code, 0, "{out}");
    let bundle: serde_json::Value = serde_json::from_slice(&std::fs::read(&exported).unwrap()).unwrap();
    let objects = bundle["objects"].as_array().unwrap();
    assert_eq!(objects.len(), 800);
    assert!(objects.iter().all(|o| o["type"] == "indicator"));
}

#[test]
fn bad_objects_are_rejected_with_reasons_and_good_ones_stored() {
    let dir = tempfile::tempdir().unwrap();
    let data = dir.path().join("data");
    let bundle = r#"{"type": "bundle", "id": "bundle--5d0092c5-5f74-4287-9642-33f4c354e56d", "objects": [
  {"type": "malware", "spec_version": "2.1", "id": "malware--31b940d4-6f7f-459a-80ea-9c1f17b5891b",
   "created": "2016-04-06T20:07:09.000Z", "modified": "2016-04-06T20:07:09.000Z", "name": "Poison Ivy", "is_family": true},
  {"type": "malware", "spec_version": "2.1", "id": "malware--41b940d4-6f7f-459a-80ea-9c1f17b5891b",
   "created": "2016-04-06T20:07:09.000Z", "modified": "2016-04-05T20:07:09.000Z", "name": "Backwards", "is_family": true},
  {"type": "indicator", "spec_version": "2.1", "id": "indicator--51b940d4-6f7f-459a-80ea-9c1f17b5891b",
   "created": "2016-04-06T20:07:09.000Z", "modified": "2016-04-06T20:07:09.000Z",
   "pattern": "[ipv4-addr:value = '1.2.3.4'", "pattern_type": "stix", "valid_from": "2016-04-06T20:07:09Z"}
]}"#;
    let out = run_with_stdin(&["import", "-", "--data", data.to_str().unwrap()], bundle.as_bytes());
    assert_eq!(out.code, 1, "some rejected means exit 1: {out}");
    assert_eq!(summary_counts(&out.stdout), [3, 1, 0, 2], "{out}");
    assert!(out.stdout.contains("rejected object 1 malware--41b940d4"), "{out}");
    assert!(out.stdout.contains("$.modified"), "the reason names the path: {out}");
    assert!(out.stdout.contains("rejected object 2 indicator--51b940d4"), "{out}");
    assert!(out.stdout.contains("$.pattern"), "{out}");
}

#[test]
fn unreadable_inputs_say_where_and_keep_what_came_before() {
    let dir = tempfile::tempdir().unwrap();
    let data = dir.path().join("data");
    let good = r#"{"type": "ipv4-addr", "spec_version": "2.1", "id": "ipv4-addr--ff26c055-6336-5bc5-b98d-13d6226742dd", "value": "198.51.100.3"}"#;
    // Malformed JSON in the second object: line 3, and the column of the bad token.
    let malformed = format!(
        "{{\"type\": \"bundle\", \"id\": \"bundle--5d0092c5-5f74-4287-9642-33f4c354e56d\", \"objects\": [\n{good},\n{{\"type\": \"x\", \"a\": tru}}\n]}}"
    );
    let out = run_with_stdin(&["import", "-", "--data", data.to_str().unwrap()], malformed.as_bytes());
    assert_eq!(out.code, 1, "{out}");
    assert!(out.stdout.contains("line 3 column 23"), "malformed JSON reports line and column: {out}");
    assert_eq!(summary_counts(&out.stdout)[1], 1, "{out}");

    // Truncated: the objects before the cut are stored, the input is reported unreadable.
    let truncated =
        format!("{{\"type\": \"bundle\", \"objects\": [\n{good},\n{{\"type\": \"ipv4-addr\", \"val");
    let out = run_with_stdin(&["import", "-", "--data", data.to_str().unwrap()], truncated.as_bytes());
    assert_eq!(out.code, 2, "{out}");
    assert!(out.stdout.contains("truncated"), "{out}");
    assert_eq!(summary_counts(&out.stdout)[2], 1, "the good object was already present: {out}");

    for not_a_bundle in ["42", "\"a string\"", "[1, 2]", "null"] {
        let out = run_with_stdin(&["validate", "-"], not_a_bundle.as_bytes());
        assert_eq!(out.code, 1, "{not_a_bundle}: {out}");
        assert!(!out.stderr.contains("panicked"), "{out}");
    }
    let out = run(&["import", "/nonexistent/file.json", "--data", data.to_str().unwrap()]);
    assert_eq!(out.code, 2, "{out}");
    assert!(out.stderr.contains("/nonexistent/file.json"), "{out}");
}

#[test]
fn a_ten_megabyte_string_is_handled_within_the_limits() {
    let dir = tempfile::tempdir().unwrap();
    let data = dir.path().join("data");
    let big = "A".repeat(10 * 1024 * 1024);
    let bundle = format!(
        r#"{{"type": "bundle", "id": "bundle--5d0092c5-5f74-4287-9642-33f4c354e56d", "objects": [{{"type": "note", "spec_version": "2.1", "id": "note--31b940d4-6f7f-459a-80ea-9c1f17b5891b", "created": "2016-04-06T20:07:09.000Z", "modified": "2016-04-06T20:07:09.000Z", "content": "{big}", "object_refs": ["malware--31b940d4-6f7f-459a-80ea-9c1f17b5891b"]}}]}}"#
    );
    let out = run_with_stdin(&["import", "-", "--data", data.to_str().unwrap()], bundle.as_bytes());
    assert_eq!(out.code, 0, "a 10 MB string is under the 32 MiB object limit: {}", out.stdout);
    assert_eq!(summary_counts(&out.stdout), [1, 1, 0, 0]);
    // Past the object limit it is a clear error, not unbounded memory.
    let huge =
        format!(r#"{{"objects": [{{"type": "note", "content": "{}"}}]}}"#, "A".repeat(33 * 1024 * 1024));
    let out = run_with_stdin(&["import", "-", "--data", data.to_str().unwrap()], huge.as_bytes());
    assert_eq!(out.code, 2, "{}", out.stderr);
    assert!(out.stdout.contains("exceeds the limit of 33554432 bytes"), "{}", out.stdout);
}

#[test]
fn a_million_objects_in_one_bundle_stream_in_flat_memory() {
    // Tiny objects, piped through stdin as they are generated: the reader never holds the bundle.
    let mut child = selat()
        .args(["validate", "-"])
        .stdin(std::process::Stdio::piped())
        .stdout(std::process::Stdio::null())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .unwrap();
    let pid = child.id();
    let mut stdin = child.stdin.take().unwrap();
    let writer = std::thread::spawn(move || {
        use std::io::Write;
        let mut w = std::io::BufWriter::new(&mut stdin);
        w.write_all(b"{\"type\": \"bundle\", \"id\": \"bundle--5d0092c5-5f74-4287-9642-33f4c354e56d\", \"objects\": [").unwrap();
        for n in 0..1_000_000u32 {
            let sep = if n == 0 { "" } else { "," };
            write!(w, "{sep}{{\"type\":\"mutex\",\"spec_version\":\"2.1\",\"id\":\"mutex--{:08x}-0000-4000-8000-000000000000\",\"name\":\"m{n}\"}}", n).unwrap();
        }
        w.write_all(b"]}").unwrap();
    });
    let mut peak_kib = 0;
    while child.try_wait().unwrap().is_none() {
        peak_kib = peak_kib.max(support::rss_kib(pid));
        std::thread::sleep(std::time::Duration::from_millis(50));
    }
    writer.join().unwrap();
    let out = child.wait_with_output().unwrap();
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(peak_kib > 0 && peak_kib < 200 * 1024, "peak RSS {peak_kib} KiB");
    // Every one of them is read; only warnings (v4 ids where a v5 is expected) may appear.
    assert!(stderr.contains("1000000 objects checked: 0 errors"), "{stderr}");
    assert_eq!(out.status.code(), Some(0), "{stderr}");
}

#[test]
fn distribution_rules_refuse_red_beyond_its_recipients() {
    let dir = tempfile::tempdir().unwrap();
    let data = dir.path().join("data");
    let ext = "extension-definition--b78d1732-3a01-46df-a4b4-719a2aab7a1d";
    let red = "marking-definition--e828b379-4e03-4974-9ac4-e53a884c97c1";
    let object = |n: u32, scope: &str| {
        format!(
            r#"{{"type": "malware", "spec_version": "2.1", "id": "malware--{n:08x}-6f7f-459a-80ea-9c1f17b5891b", "created": "2016-04-06T20:07:09.000Z", "modified": "2016-04-06T20:07:09.000Z", "name": "m", "is_family": true, "object_marking_refs": ["{red}"], "extensions": {{"{ext}": {{"extension_type": "property-extension", {scope}}}}}}}"#
        )
    };
    let bundle = format!(
        "{}\n{}\n{}",
        object(1, r#""scope": "community""#),
        object(
            2,
            r#""scope": "recipients", "recipient_refs": ["identity--8e2e2d2b-17d4-4cbf-938f-98ee46b3cd3f"]"#
        ),
        object(
            3,
            r#""scope": "national", "recipient_refs": ["identity--8e2e2d2b-17d4-4cbf-938f-98ee46b3cd3f"]"#
        ),
    );
    let out = run_with_stdin(&["import", "-", "--data", data.to_str().unwrap()], bundle.as_bytes());
    assert_eq!(out.code, 1, "{out}");
    assert_eq!(summary_counts(&out.stdout), [3, 1, 0, 2], "{out}");
    assert!(out.stdout.contains("error[red-scope]"), "{out}");
    assert!(out.stdout.contains("error[recipient-refs]"), "{out}");
}
