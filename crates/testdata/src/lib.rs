//! Where tests find the third-party test data.
//!
//! The data lives outside the repository (`../shared/data` beside the checkout) and is never copied
//! into it. One setting locates it: `SELAT_SHARED_DATA`, defaulting to `../shared/data` from the
//! workspace root. Where it is absent a test skips, saying so in one line; with
//! `SELAT_REQUIRE_SHARED_DATA=1` the skip becomes a failure.

pub mod smtp;

use std::path::{Path, PathBuf};

/// The workspace root (two levels above this crate's manifest).
pub fn workspace_root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../..")
}

/// The shared data directory, or `None` (after printing one line) when it is absent and not
/// required. Panics when `SELAT_REQUIRE_SHARED_DATA=1` and the directory is missing.
pub fn shared_data(test: &str) -> Option<PathBuf> {
    let dir = match std::env::var_os("SELAT_SHARED_DATA") {
        Some(dir) => PathBuf::from(dir),
        None => workspace_root().join("../shared/data"),
    };
    if dir.join("SOURCES.md").is_file() {
        return Some(dir);
    }
    let required = std::env::var("SELAT_REQUIRE_SHARED_DATA").is_ok_and(|v| v == "1");
    assert!(
        !required,
        "{test}: shared test data not found at {} and SELAT_REQUIRE_SHARED_DATA=1",
        dir.display()
    );
    println!("{test}: skipped, shared test data not found at {}", dir.display());
    None
}

/// Every file under `dir` whose name ends with `suffix`, sorted, recursively.
pub fn files_with_suffix(dir: &Path, suffix: &str) -> Vec<PathBuf> {
    let mut out = Vec::new();
    let mut stack = vec![dir.to_path_buf()];
    while let Some(d) = stack.pop() {
        let Ok(entries) = std::fs::read_dir(&d) else { continue };
        for entry in entries.flatten() {
            let path = entry.path();
            if path.is_dir() {
                stack.push(path);
            } else if path.to_string_lossy().ends_with(suffix) {
                out.push(path);
            }
        }
    }
    out.sort();
    out
}

/// The Python interpreter of the test venv (`SELAT_TEST_PYTHON`, set by `scripts/test`), or
/// `None` (after printing one line) when it is not set. Panics when `SELAT_REQUIRE_ORACLES=1`
/// and it is missing, so the test script never silently skips an oracle.
pub fn python(test: &str) -> Option<PathBuf> {
    let found = std::env::var_os("SELAT_TEST_PYTHON").map(PathBuf::from).filter(|p| p.is_file());
    if found.is_none() {
        let required = std::env::var("SELAT_REQUIRE_ORACLES").is_ok_and(|v| v == "1");
        assert!(!required, "{test}: SELAT_TEST_PYTHON is not a file and SELAT_REQUIRE_ORACLES=1");
        println!("{test}: skipped, no SELAT_TEST_PYTHON (scripts/test sets it up)");
    }
    found
}
