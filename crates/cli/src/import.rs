//! `selat import PATH... [--data DIR] [--collection C] [--as ORG]`.

use std::io::IsTerminal;
use std::path::PathBuf;
use std::process::ExitCode;

use anyhow::Context;
use indicatif::{ProgressBar, ProgressStyle};
use selat_core::audit::AuditEntry;
use selat_core::ingest::{self, DEFAULT_BATCH_OBJECTS, IngestOptions, IngestReport, MAX_BATCH_OBJECTS};
use selat_core::node::Node;

use crate::DataArgs;
use crate::inputs::{self, Input};

#[derive(Debug, clap::Args)]
pub struct Args {
    /// STIX 2.1 bundles, arrays or NDJSON: files, directories (recursively) or `-` for stdin.
    #[arg(required = true, value_name = "PATH")]
    paths: Vec<PathBuf>,
    #[command(flatten)]
    data: DataArgs,
    /// Add the objects to this collection (its id or alias; an unknown alias is created).
    #[arg(long, value_name = "C")]
    collection: Option<String>,
    /// The owning organisation: its short name or identity id (default: the node's home
    /// organisation).
    #[arg(long = "as", value_name = "ORG")]
    as_org: Option<String>,
    /// Objects per store transaction.
    #[arg(long, default_value_t = DEFAULT_BATCH_OBJECTS as u64, value_parser = clap::value_parser!(u64).range(1..=MAX_BATCH_OBJECTS as u64))]
    batch: u64,
}

/// The totals over every input.
#[derive(Default)]
struct Totals {
    read: u64,
    stored: u64,
    already_present: u64,
    rejected: u64,
    unreadable: u64,
}

pub async fn run(args: &Args) -> anyhow::Result<ExitCode> {
    let inputs = inputs::expand(&args.paths)?;
    let node = args.data.open().await?;
    let owner = match &args.as_org {
        None => node.settings.home_org.clone(),
        Some(org) if org.starts_with("identity--") => org.clone(),
        Some(short) => {
            node.organisation(short).await?.with_context(|| format!("no organisation {short:?}"))?.identity
        }
    };
    let mut options = node.ingest_options(&owner).await?;
    options.batch_objects = args.batch as usize;
    if let Some(name) = &args.collection {
        let (collection, created) = node.collection_named(name, true).await?;
        if created {
            eprintln!("created collection {} ({})", collection.id, name);
        }
        options.collection = Some(collection.id);
    }
    let mut totals = Totals::default();
    for input in &inputs {
        import_one(&node, input, &options, &mut totals).await?;
    }
    audit_run(&node, &args.paths, &options, &totals).await?;
    println!(
        "read {}, stored {}, already present {}, rejected {}{}",
        totals.read,
        totals.stored,
        totals.already_present,
        totals.rejected,
        if totals.unreadable > 0 {
            format!(", unreadable inputs {}", totals.unreadable)
        } else {
            String::new()
        }
    );
    Ok(if totals.unreadable > 0 {
        ExitCode::from(2)
    } else if totals.rejected > 0 {
        ExitCode::from(1)
    } else {
        ExitCode::SUCCESS
    })
}

/// The one audit entry of an import run: what was read from where, into which collection, as
/// whom, and how many objects were stored.
async fn audit_run(
    node: &Node,
    paths: &[PathBuf],
    options: &IngestOptions,
    totals: &Totals,
) -> anyhow::Result<()> {
    let owner_org = node.organisation_by_identity(&options.owner).await?.map(|o| o.short_name);
    let paths: Vec<String> = paths.iter().map(|p| p.display().to_string()).collect();
    let detail = format!(
        "{} into {} as {}: read {}, stored {}, already present {}, rejected {}",
        paths.join(" "),
        options.collection.as_deref().unwrap_or("(no collection)"),
        options.owner,
        totals.read,
        totals.stored,
        totals.already_present,
        totals.rejected
    );
    let entry = AuditEntry::write(None, "import", detail, totals.stored, owner_org.as_deref());
    node.audit().record(entry).await;
    node.audit().flush().await.context("writing the audit log")?;
    Ok(())
}

async fn import_one(
    node: &Node,
    input: &Input,
    options: &IngestOptions,
    totals: &mut Totals,
) -> anyhow::Result<()> {
    let name = input.name();
    let (reader, len) = match input.open() {
        Ok(opened) => opened,
        Err(e) => {
            eprintln!("{name}: {e:#}");
            totals.unreadable += 1;
            return Ok(());
        }
    };
    let bar = progress_bar(&name, len);
    let report = ingest::ingest(&node.store, reader, options, |p| {
        bar.set_position(if len.is_some() { p.bytes } else { p.objects });
        bar.set_message(format!("{} objects", p.objects));
    })
    .await?;
    bar.finish_and_clear();
    print_report(&name, &report);
    totals.read += report.read;
    totals.stored += report.stored;
    totals.already_present += report.already_present;
    totals.rejected += report.rejected_total;
    if report.fatal.is_some() {
        totals.unreadable += 1;
    }
    Ok(())
}

fn progress_bar(name: &str, len: Option<u64>) -> ProgressBar {
    if !std::io::stderr().is_terminal() {
        return ProgressBar::hidden();
    }
    let bar = match len {
        Some(len) => ProgressBar::new(len).with_style(
            ProgressStyle::with_template("{prefix} [{bar:30}] {bytes}/{total_bytes} {msg} ({eta})")
                .expect("valid template")
                .progress_chars("=> "),
        ),
        None => ProgressBar::new_spinner(),
    };
    bar.with_prefix(name.to_owned())
}

fn print_report(name: &str, report: &IngestReport) {
    println!(
        "{name}: read {}, stored {}, already present {}, rejected {}",
        report.read, report.stored, report.already_present, report.rejected_total
    );
    for diagnostic in &report.envelope {
        println!("{name}: {diagnostic}");
    }
    for rejection in &report.rejected {
        let id = rejection.id.as_deref().unwrap_or("(no id)");
        for reason in &rejection.reasons {
            println!("{name}: rejected object {} {id} at {}: {reason}", rejection.index, rejection.at);
        }
    }
    if report.rejected_total > report.rejected.len() as u64 {
        println!("{name}: … and {} more rejections", report.rejected_total - report.rejected.len() as u64);
    }
    if let Some(fatal) = &report.fatal {
        println!("{name}: unreadable: {fatal}; the {} objects before it were handled", report.read);
    }
}
