//! Running the `selat` binary from tests. Each test binary uses part of it.
#![allow(dead_code)]

use std::fmt;
use std::io::Write;
use std::process::{Command, Stdio};

pub fn selat() -> Command {
    Command::new(env!("CARGO_BIN_EXE_selat"))
}

pub struct Output {
    pub code: i32,
    pub stdout: String,
    pub stderr: String,
}

impl fmt::Display for Output {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let cut = |s: &str| s.chars().take(4000).collect::<String>();
        write!(f, "exit {}\n--- stdout\n{}\n--- stderr\n{}", self.code, cut(&self.stdout), cut(&self.stderr))
    }
}

pub fn run(args: &[&str]) -> Output {
    run_with_stdin(args, b"")
}

pub fn run_with_stdin(args: &[&str], stdin: &[u8]) -> Output {
    let mut child = selat()
        .args(args)
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("selat runs");
    let mut pipe = child.stdin.take().unwrap();
    let input = stdin.to_vec();
    let writer = std::thread::spawn(move || {
        let _ = pipe.write_all(&input);
    });
    let out = child.wait_with_output().unwrap();
    writer.join().unwrap();
    Output {
        code: out.status.code().unwrap_or(-1),
        stdout: String::from_utf8_lossy(&out.stdout).into_owned(),
        stderr: String::from_utf8_lossy(&out.stderr).into_owned(),
    }
}

/// `[read, stored, already present, rejected]` from the last summary line of `selat import`.
pub fn summary_counts(stdout: &str) -> [u64; 4] {
    let line = stdout.lines().rfind(|l| l.starts_with("read ")).expect("a summary line");
    let numbers: Vec<u64> = line.split([',', ' ']).filter_map(|w| w.parse().ok()).collect();
    [numbers[0], numbers[1], numbers[2], numbers[3]]
}

/// Peak resident memory of a running process, in KiB (0 once it is gone).
pub fn rss_kib(pid: u32) -> u64 {
    let status = std::fs::read_to_string(format!("/proc/{pid}/status")).unwrap_or_default();
    status
        .lines()
        .find_map(|l| l.strip_prefix("VmHWM:")?.trim().strip_suffix(" kB")?.parse().ok())
        .unwrap_or(0)
}

/// Runs the OASIS stix2-validator (from the venv's `python`) on a STIX file and asserts it finds
/// the file valid, with no errors.
pub fn assert_oasis_valid(python: &std::path::Path, path: &std::path::Path) {
    let script = r#"
import json, sys
from stix2validator import validate_file, ValidationOptions
result = validate_file(sys.argv[1], ValidationOptions(version="2.1"))
errors = [str(e) for o in result.object_results for e in o.errors]
print(json.dumps({"valid": result.is_valid, "errors": errors}))
"#;
    let out = Command::new(python).args(["-c", script, path.to_str().unwrap()]).output().unwrap();
    let stdout = String::from_utf8_lossy(&out.stdout);
    let verdict: serde_json::Value = serde_json::from_str(stdout.trim())
        .unwrap_or_else(|e| panic!("{e}: {stdout} {}", String::from_utf8_lossy(&out.stderr)));
    assert_eq!(verdict["errors"], serde_json::json!([]), "{verdict}");
    assert_eq!(verdict["valid"], true);
}
