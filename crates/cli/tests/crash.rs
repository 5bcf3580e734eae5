//! Killing `selat import` with SIGKILL mid-run loses nothing the store had committed and corrupts
//! nothing: the store opens, exports what was committed, and a re-run completes the import with
//! exactly the committed objects reported as already present.

mod support;

use std::time::{Duration, Instant};

use support::{run, selat, summary_counts};

const OBJECTS: u64 = 100_000;

fn exported_count(data: &str, out: &std::path::Path) -> u64 {
    let result = run(&["export", "--all-versions", "--data", data, "--out", out.to_str().unwrap()]);
    assert_eq!(result.code, 0, "the store must open and export after a crash: {result}");
    let bundle: serde_json::Value = serde_json::from_slice(&std::fs::read(out).unwrap()).unwrap();
    bundle["objects"].as_array().unwrap().len() as u64
}

#[test]
fn sigkill_during_import_loses_nothing_committed() {
    let dir = tempfile::tempdir().unwrap();
    let mix = dir.path().join("mix.json");
    let data = dir.path().join("data");
    let data_str = data.to_str().unwrap();
    let out = run(&["bench", "generate", "--objects", &OBJECTS.to_string(), "--out", mix.to_str().unwrap()]);
    assert_eq!(out.code, 0, "{out}");

    let mut child = selat()
        .args(["import", mix.to_str().unwrap(), "--data", data_str, "--batch", "500"])
        .stdout(std::process::Stdio::null())
        .stderr(std::process::Stdio::null())
        .spawn()
        .unwrap();
    // Kill once a few batches are committed: the write-ahead log has grown past 8 MB (a batch of
    // 500 objects writes about 2 MB with its labels, and a transaction may spill frames to the log
    // before it commits, so a smaller threshold can be reached before the first commit).
    let wal = data.join("selat.db-wal");
    let started = Instant::now();
    while std::fs::metadata(&wal).map_or(0, |m| m.len()) < 8_000_000 {
        assert!(started.elapsed() < Duration::from_secs(120), "import made no progress");
        assert!(child.try_wait().unwrap().is_none(), "import finished before it could be killed");
        std::thread::sleep(Duration::from_millis(5));
    }
    child.kill().unwrap(); // SIGKILL on Unix
    child.wait().unwrap();

    let export = dir.path().join("export.json");
    let committed = exported_count(data_str, &export);
    assert!(
        committed > 0 && committed < OBJECTS,
        "killed mid-import, yet {committed} of {OBJECTS} committed"
    );

    let out = run(&["import", mix.to_str().unwrap(), "--data", data_str]);
    assert_eq!(out.code, 0, "{out}");
    let [read, stored, present, rejected] = summary_counts(&out.stdout);
    assert_eq!((read, rejected), (OBJECTS, 0), "{out}");
    assert_eq!(present, committed, "everything committed before the kill is still there: {out}");
    assert_eq!(stored, OBJECTS - committed, "{out}");
    assert_eq!(exported_count(data_str, &export), OBJECTS);
}
