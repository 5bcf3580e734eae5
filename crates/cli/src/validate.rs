//! `selat validate FILE...`: every diagnostic with its JSON path; exit 1 on any error.

use std::path::PathBuf;
use std::process::ExitCode;

use selat_stix::Diagnostic;
use selat_stix::bundle::{BundleReader, RawObject, Shape};
use selat_stix::validate::validate_object;

use crate::inputs::{self, Input};

#[derive(Debug, clap::Args)]
pub struct Args {
    /// STIX 2.1 files (bundles, arrays, single objects, NDJSON), directories, or `-`.
    #[arg(required = true, value_name = "FILE")]
    files: Vec<PathBuf>,
    /// Print one JSON object per diagnostic instead of text.
    #[arg(long)]
    json: bool,
    /// Treat warnings as errors for the exit code.
    #[arg(long)]
    strict: bool,
}

#[derive(Default)]
struct Tally {
    objects: u64,
    errors: u64,
    warnings: u64,
    unreadable: u64,
}

pub fn run(args: &Args) -> anyhow::Result<ExitCode> {
    let mut tally = Tally::default();
    for input in inputs::expand(&args.files)? {
        validate_input(&input, args, &mut tally);
    }
    eprintln!(
        "{} objects checked: {} errors, {} warnings{}",
        tally.objects,
        tally.errors,
        tally.warnings,
        if tally.unreadable > 0 {
            format!(", {} unreadable inputs", tally.unreadable)
        } else {
            String::new()
        }
    );
    let failed = tally.errors > 0 || tally.unreadable > 0 || (args.strict && tally.warnings > 0);
    Ok(if failed { ExitCode::from(1) } else { ExitCode::SUCCESS })
}

fn validate_input(input: &Input, args: &Args, tally: &mut Tally) {
    let name = input.name();
    let reader = match input.open() {
        Ok((reader, _)) => reader,
        Err(e) => {
            emit_text_or_json(args, &name, &format!("unreadable: {e:#}"), None);
            tally.unreadable += 1;
            return;
        }
    };
    let mut reader = BundleReader::new(reader);
    while let Some(item) = reader.next() {
        let raw = match item {
            Ok(raw) => raw,
            Err(e) => {
                emit_text_or_json(args, &name, &e.to_string(), None);
                tally.unreadable += 1;
                break;
            }
        };
        tally.objects += 1;
        let prefix = object_prefix(reader.shape(), &raw);
        for diagnostic in object_diagnostics(&raw) {
            report(args, &name, &diagnostic.under(&prefix), tally);
        }
    }
    for diagnostic in reader.envelope_diagnostics().to_vec() {
        report(args, &name, &diagnostic, tally);
    }
}

fn object_diagnostics(raw: &RawObject) -> Vec<Diagnostic> {
    match raw.parse() {
        Ok(value) if value.is_object() => validate_object(&value),
        Ok(_) => vec![Diagnostic::error("$", "not-an-object", "a STIX object must be a JSON object")],
        Err(e) => vec![Diagnostic::error("$", "malformed-json", e.to_string())],
    }
}

/// Where an object sits in its input, as the root of its diagnostics' paths.
fn object_prefix(shape: Shape, raw: &RawObject) -> String {
    match shape {
        Shape::Bundle => format!("$.objects[{}]", raw.index),
        Shape::Array => format!("$[{}]", raw.index),
        _ if raw.index == 0 => "$".to_owned(),
        _ => format!("(line {}) $", raw.at.line),
    }
}

fn report(args: &Args, name: &str, diagnostic: &Diagnostic, tally: &mut Tally) {
    if diagnostic.is_error() {
        tally.errors += 1;
    } else {
        tally.warnings += 1;
    }
    emit_text_or_json(args, name, &diagnostic.to_string(), Some(diagnostic));
}

fn emit_text_or_json(args: &Args, name: &str, text: &str, diagnostic: Option<&Diagnostic>) {
    if !args.json {
        println!("{name}: {text}");
        return;
    }
    let line = match diagnostic {
        Some(d) => serde_json::json!({
            "file": name, "severity": if d.is_error() { "error" } else { "warning" },
            "path": d.path, "code": d.code, "message": d.message,
        }),
        None => {
            serde_json::json!({"file": name, "severity": "error", "path": null, "code": "unreadable", "message": text})
        }
    };
    println!("{line}");
}
