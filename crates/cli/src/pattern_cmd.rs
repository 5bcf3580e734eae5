//! `selat pattern validate|match [FILE|-]`: STIX patterns line by line, one JSON line out per
//! line in, in order; and `selat pattern bench`.
//!
//! - `validate`: one pattern a line; prints `{"valid": true}` or `{"valid": false, "error":
//!   "..."}` (every problem found, joined with `; `). Validity is the OASIS validator's
//!   (`stix2-patterns`): grammar plus its semantic rules.
//! - `match`: one JSON object a line, `{"pattern": "...", "observed_data": [bundle, ...]}` (other
//!   keys are ignored, so the shared `matcher_cases.jsonl` is valid input); prints `{"matched":
//!   bool}` or `{"error": "..."}` where the OASIS matcher raises, where the pattern does not
//!   parse, and where the line is not such an object. Patterns are parsed as the matcher parses
//!   them: grammar only, so duplicate qualifiers are accepted.
//! - `bench CASES [--python PATH]`: parse + match time per case here and in the OASIS
//!   stix2-matcher (`--python`, default `SELAT_TEST_PYTHON`), same cases, same run, and the ratio.
//!
//! Blank lines (only whitespace) hold no pattern or case and are skipped without output; every
//! other line gives exactly one output line. A trailing `\r` is dropped. Exit code: 0 when every
//! line was valid (`validate`) or matched without error (`match`), 1 otherwise, 2 when the input
//! cannot be read.

use std::io::{BufRead, BufReader, IsTerminal, Write};
use std::path::PathBuf;
use std::process::ExitCode;

use anyhow::Context;
use serde_json::Value;

use crate::inputs::Input;

/// The longest input line read, in bytes: a `match` case carries its observed data, so this is
/// far above [`selat_pattern::MAX_PATTERN_BYTES`]; longer lines give an error line and are skipped.
pub const MAX_LINE_BYTES: usize = 64 * 1024 * 1024;

#[derive(Debug, clap::Subcommand)]
pub enum Command {
    /// Validate STIX 2.1 patterns, one a line: one JSON line out each (`{"valid": bool, "error"}`).
    Validate(Args),
    /// Match patterns against observed data: JSON lines `{"pattern", "observed_data"}` in,
    /// `{"matched": bool}` or `{"error": "..."}` out, one each, in order.
    Match(Args),
    /// Time matching over a cases file (as `match` reads) here and in the OASIS stix2-matcher,
    /// in the same run: each case parsed and matched, as `stix2matcher.matcher.match` does.
    Bench(BenchArgs),
}

#[derive(Debug, clap::Args)]
pub struct BenchArgs {
    /// The cases, e.g. `matcher_cases.jsonl` of the shared pattern data.
    #[arg(value_name = "CASES")]
    cases: PathBuf,
    /// A Python interpreter with `stix2-matcher` installed (the peer); without it only Selat's
    /// figure is printed.
    #[arg(long, env = "SELAT_TEST_PYTHON")]
    python: Option<PathBuf>,
    /// How long to run Selat's side at least, in milliseconds.
    #[arg(long, default_value_t = 1000)]
    min_ms: u64,
}

#[derive(Debug, clap::Args)]
pub struct Args {
    /// The input file, or `-` for standard input.
    #[arg(value_name = "FILE", default_value = "-")]
    input: PathBuf,
}

/// Judges one non-blank line: its answer, and whether it counts as a success for the exit code.
type Judge = fn(&str) -> (Answer, bool);

pub fn run(command: &Command) -> anyhow::Result<ExitCode> {
    let (args, judge): (&Args, Judge) = match command {
        Command::Validate(args) => (args, validate_line),
        Command::Match(args) => (args, match_line),
        Command::Bench(args) => return bench::run(&args.cases, args.python.as_deref(), args.min_ms),
    };
    let input = if args.input.as_os_str() == "-" { Input::Stdin } else { Input::File(args.input.clone()) };
    let (reader, _) = input.open()?;
    let all_ok =
        for_each_line(BufReader::new(reader), judge).with_context(|| format!("reading {}", input.name()))?;
    Ok(if all_ok { ExitCode::SUCCESS } else { ExitCode::from(1) })
}

/// Runs `judge` on every non-blank line, printing its JSON; `judge` says whether the line is a
/// success for the exit code. Returns whether every line was.
fn for_each_line(mut reader: impl BufRead, judge: Judge) -> anyhow::Result<bool> {
    let stdout = std::io::stdout();
    // On a terminal each answer shows as soon as its line is read; into a pipe, buffered.
    let interactive = stdout.is_terminal();
    let mut out = std::io::BufWriter::new(stdout.lock());
    let mut all_ok = true;
    let mut line = Vec::new();
    loop {
        line.clear();
        let Some(complete) = read_line(&mut reader, &mut line)? else { break };
        let (answer, ok) = if !complete {
            (Answer::error(format!("line longer than {MAX_LINE_BYTES} bytes")), false)
        } else {
            match std::str::from_utf8(&line) {
                Ok(text) if text.trim().is_empty() => continue,
                Ok(text) => judge(text),
                Err(_) => (Answer::error("line is not UTF-8".to_owned()), false),
            }
        };
        all_ok &= ok;
        serde_json::to_writer(&mut out, &answer)?;
        out.write_all(b"\n")?;
        if interactive {
            out.flush()?;
        }
    }
    out.flush()?;
    Ok(all_ok)
}

/// Reads one line into `line` without its `\n` or `\r\n`. `None` at the end of the input;
/// `Some(false)` when the line is longer than [`MAX_LINE_BYTES`] (its rest is skipped).
pub(crate) fn read_line(reader: &mut impl BufRead, line: &mut Vec<u8>) -> std::io::Result<Option<bool>> {
    let mut read_any = false;
    let mut too_long = false;
    loop {
        let buffer = reader.fill_buf()?;
        if buffer.is_empty() {
            break;
        }
        read_any = true;
        let (chunk, done) = match memchr::memchr(b'\n', buffer) {
            Some(end) => (&buffer[..end], Some(end + 1)),
            None => (buffer, None),
        };
        if line.len() + chunk.len() > MAX_LINE_BYTES {
            too_long = true;
            line.clear();
        } else if !too_long {
            line.extend_from_slice(chunk);
        }
        let consumed = done.unwrap_or(buffer.len());
        reader.consume(consumed);
        if done.is_some() {
            break;
        }
    }
    if !read_any {
        return Ok(None);
    }
    if line.last() == Some(&b'\r') {
        line.pop();
    }
    Ok(Some(!too_long))
}

/// One output line; fields in this order, absent ones left out.
#[derive(Debug, Default, PartialEq, serde::Serialize)]
struct Answer {
    #[serde(skip_serializing_if = "Option::is_none")]
    valid: Option<bool>,
    #[serde(skip_serializing_if = "Option::is_none")]
    matched: Option<bool>,
    #[serde(skip_serializing_if = "Option::is_none")]
    error: Option<String>,
}

impl Answer {
    fn error(error: String) -> Answer {
        Answer { error: Some(error), ..Answer::default() }
    }
}

fn validate_line(pattern: &str) -> (Answer, bool) {
    let problems = selat_pattern::validate(pattern);
    let valid = problems.is_empty();
    let error = (!valid).then(|| problems.iter().map(ToString::to_string).collect::<Vec<_>>().join("; "));
    (Answer { valid: Some(valid), error, ..Answer::default() }, valid)
}

fn match_line(line: &str) -> (Answer, bool) {
    match match_case(line) {
        Ok(matched) => (Answer { matched: Some(matched), ..Answer::default() }, true),
        Err(error) => (Answer::error(error), false),
    }
}

fn match_case(line: &str) -> Result<bool, String> {
    let case: Value = serde_json::from_str(line).map_err(|e| format!("invalid JSON: {e}"))?;
    let Some(pattern) = case.get("pattern").and_then(Value::as_str) else {
        return Err("the line has no \"pattern\" string".to_owned());
    };
    let Some(observed_data) = case.get("observed_data").and_then(Value::as_array) else {
        return Err("the line has no \"observed_data\" list".to_owned());
    };
    let pattern = selat_pattern::parse_syntax(pattern).map_err(|e| format!("pattern does not parse: {e}"))?;
    let result = pattern.matches(observed_data).map_err(|e| e.to_string())?;
    Ok(result.matched)
}

/// `selat pattern bench`: Selat's evaluator against the OASIS stix2-matcher, same cases, same run.
mod bench {
    use std::path::Path;
    use std::process::ExitCode;
    use std::time::{Duration, Instant};

    use anyhow::Context;
    use serde_json::Value;

    /// Times `match()` over every case, round after round for at least `sys.argv[2]` seconds as
    /// Selat's side is timed (so both sides have warm caches), after loading them (start-up and
    /// JSON parsing are not timed); prints the seconds and the number of evaluations.
    const PEER: &str = r#"
import json, sys, time
from stix2matcher.matcher import match
cases = [json.loads(l) for l in open(sys.argv[1], encoding="utf-8") if l.strip()]
minimum = float(sys.argv[2])
start = time.perf_counter()
count = 0
while count == 0 or time.perf_counter() - start < minimum:
    for case in cases:
        try:
            match(case["pattern"], case["observed_data"], stix_version="2.1")
        except Exception:
            pass
    count += len(cases)
print(time.perf_counter() - start, count)
"#;

    pub fn run(cases_path: &Path, python: Option<&Path>, min_ms: u64) -> anyhow::Result<ExitCode> {
        let text = std::fs::read_to_string(cases_path)
            .with_context(|| format!("reading {}", cases_path.display()))?;
        let cases: Vec<(String, Vec<Value>)> = text
            .lines()
            .filter(|l| !l.trim().is_empty())
            .map(|l| {
                let case: Value = serde_json::from_str(l).context("a case is not JSON")?;
                let pattern = case["pattern"].as_str().context("a case without a pattern")?.to_owned();
                let data = case["observed_data"].as_array().context("a case without observed_data")?.clone();
                Ok((pattern, data))
            })
            .collect::<anyhow::Result<_>>()?;
        anyhow::ensure!(!cases.is_empty(), "no cases in {}", cases_path.display());
        let (ours, rounds) = time_selat(&cases, Duration::from_millis(min_ms));
        let per_case_ours = ours.as_secs_f64() / (rounds * cases.len()) as f64;
        println!(
            "selat: {} cases x {rounds} rounds in {:.3} s: {:.1} us per case (parse + match)",
            cases.len(),
            ours.as_secs_f64(),
            per_case_ours * 1e6
        );
        let Some(python) = python else {
            println!("stix2-matcher: not run (no --python or SELAT_TEST_PYTHON)");
            return Ok(ExitCode::SUCCESS);
        };
        let output = std::process::Command::new(python)
            .args(["-c", PEER])
            .arg(cases_path)
            .arg(format!("{}", min_ms as f64 / 1000.0))
            .output()
            .with_context(|| format!("running {}", python.display()))?;
        anyhow::ensure!(
            output.status.success(),
            "stix2-matcher failed: {}",
            String::from_utf8_lossy(&output.stderr)
        );
        let answer = String::from_utf8_lossy(&output.stdout);
        let mut fields = answer.split_whitespace();
        let seconds: f64 = fields.next().and_then(|s| s.parse().ok()).context("stix2-matcher's timing")?;
        let count: f64 =
            fields.next().and_then(|s| s.parse().ok()).context("stix2-matcher's evaluation count")?;
        let per_case_peer = seconds / count;
        println!(
            "stix2-matcher: {count} evaluations in {seconds:.3} s: {:.1} us per case",
            per_case_peer * 1e6
        );
        println!("ratio: selat is {:.0}x faster", per_case_peer / per_case_ours);
        Ok(ExitCode::SUCCESS)
    }

    /// Parses and matches every case, round after round, for at least `min`.
    fn time_selat(cases: &[(String, Vec<Value>)], min: Duration) -> (Duration, usize) {
        let start = Instant::now();
        let mut rounds = 0;
        while rounds == 0 || start.elapsed() < min {
            for (pattern, data) in cases {
                if let Ok(parsed) = selat_pattern::parse_syntax(pattern) {
                    std::hint::black_box(parsed.matches(data).ok());
                }
            }
            rounds += 1;
        }
        (start.elapsed(), rounds)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn lines_are_split_and_bounded() {
        let mut reader = BufReader::with_capacity(4, &b"ab\r\n\ncdefgh\nlast"[..]);
        let mut line = Vec::new();
        let mut got = Vec::new();
        while let Some(complete) = read_line(&mut reader, &mut line).unwrap() {
            got.push((String::from_utf8(line.clone()).unwrap(), complete));
            line.clear();
        }
        let expected = [("ab", true), ("", true), ("cdefgh", true), ("last", true)];
        assert_eq!(got, expected.map(|(l, c)| (l.to_owned(), c)));
    }

    #[test]
    fn verdicts() {
        let text = |(answer, ok): (Answer, bool)| (serde_json::to_string(&answer).unwrap(), ok);
        assert_eq!(text(validate_line("[a:b = 1]")), (r#"{"valid":true}"#.to_owned(), true));
        let (invalid, ok) = text(validate_line("[a:b = "));
        assert!(!ok && invalid.starts_with(r#"{"valid":false,"error":"expected "#), "{invalid}");
        let case = r#"{"pattern": "[a:b = 1] REPEATS 1 TIMES REPEATS 1 TIMES", "observed_data": []}"#;
        assert_eq!(text(match_line(case)), (r#"{"matched":false}"#.to_owned(), true));
        assert!(match_line(r#"{"pattern": "[a:b = 1]"}"#).0.error.is_some());
        assert!(match_line("not json").0.error.is_some());
    }
}
