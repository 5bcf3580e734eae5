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
