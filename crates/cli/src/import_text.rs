//! `selat import --format csv|text`: the IOC lists analysts paste from e-mails. Extraction is
//! `selat_misp::extract`; the known-benign check is `selat_core::benign` (built-in ranges and
//! names, plus `--warninglists`). Benign values are reported line by line and left out unless
//! `--include-benign`; never dropped silently.

use std::io::Read;

use anyhow::Context;
use selat_core::benign::{self, BenignFlag, Warninglists};
use selat_core::ingest::IngestOptions;
use selat_core::node::Node;
use selat_misp::extract::{self, Ioc, IocKind};
use selat_stix::Timestamp;

use crate::import::{Args, Totals, ingest_objects};
use crate::inputs::Input;

/// Largest CSV or text list read, in bytes.
pub const MAX_LIST_BYTES: usize = 256 * 1024 * 1024;

fn flags(value: &IocKind, text: &str, lists: &Warninglists) -> Vec<BenignFlag> {
    // A network is as benign as its address.
    let subject = if *value == IocKind::Cidr { text.split('/').next().unwrap_or(text) } else { text };
    let mut out = benign::built_in(subject);
    out.extend(lists.flags(subject));
    out
}

/// The time a list is dated: its file's modification time (so importing the same file again
/// stores nothing new), or now for standard input.
fn dated(input: &Input) -> String {
    let modified = match input {
        Input::File(path) => std::fs::metadata(path).and_then(|m| m.modified()).ok(),
        Input::Stdin => None,
    };
    let micros = modified
        .and_then(|t| t.duration_since(std::time::UNIX_EPOCH).ok())
        .map_or_else(selat_stix::timestamp::now_micros, |d| i64::try_from(d.as_micros()).unwrap_or(i64::MAX));
    Timestamp { micros: micros - micros.rem_euclid(1000), fraction_digits: 3 }.format(3)
}

pub async fn import_list(
    node: &Node,
    input: &Input,
    mut reader: Box<dyn Read + Send>,
    args: &Args,
    options: &IngestOptions,
    totals: &mut Totals,
) -> anyhow::Result<()> {
    let name = input.name();
    let mut bytes = Vec::new();
    (&mut reader)
        .take(MAX_LIST_BYTES as u64 + 1)
        .read_to_end(&mut bytes)
        .with_context(|| format!("reading {name}"))?;
    if bytes.len() > MAX_LIST_BYTES {
        println!("{name}: unreadable: more than MAX_LIST_BYTES ({MAX_LIST_BYTES}) bytes");
        totals.unreadable += 1;
        return Ok(());
    }
    let text = String::from_utf8_lossy(&bytes);
    let found = extract::extract(&text);
    for problem in &found.problems {
        println!("{name}: {problem}");
    }
    let lists = match &args.warninglists {
        Some(dir) => {
            Warninglists::load(dir).with_context(|| format!("loading warninglists from {}", dir.display()))?
        }
        None => Warninglists::default(),
    };
    let mut kept: Vec<Ioc> = Vec::with_capacity(found.iocs.len());
    let mut benign_count = 0;
    for ioc in found.iocs {
        let flags = flags(&ioc.kind, &ioc.value, &lists);
        if let Some(flag) = flags.first() {
            benign_count += 1;
            let fate = if args.include_benign { "kept (--include-benign)" } else { "left out" };
            println!(
                "{name}: line {}: {} {} is known-benign ({}: {} {}): {fate}",
                ioc.line,
                ioc.kind.as_str(),
                ioc.value,
                flag.source,
                flag.name,
                flag.matched
            );
            if !args.include_benign {
                continue;
            }
        }
        kept.push(ioc);
    }
    println!(
        "{name}: {} lines, {} values found, {benign_count} known-benign, {} indicators at TLP:{}",
        found.lines,
        kept.len() + if args.include_benign { 0 } else { benign_count },
        kept.len(),
        args.tlp.as_str().to_uppercase()
    );
    let indicators = extract::indicators(&kept, args.tlp, &dated(input));
    if !indicators.is_empty() {
        ingest_objects(node, &name, &indicators, options, totals).await?;
    }
    Ok(())
}
