//! `selat import PATH... [--data DIR] [--collection C] [--as ORG] [--format F]`: STIX 2.1
//! (streamed), MISP event JSON and feeds (`import_misp`), CSV and text IOC lists
//! (`import_text`).

use std::io::IsTerminal;
use std::path::PathBuf;
use std::process::ExitCode;

use anyhow::Context;
use indicatif::{ProgressBar, ProgressStyle};
use selat_core::audit::AuditEntry;
use selat_core::ingest::{self, DEFAULT_BATCH_OBJECTS, IngestOptions, IngestReport, MAX_BATCH_OBJECTS};
use selat_core::node::Node;
use selat_stix::tlp::Tlp;

use crate::DataArgs;
use crate::inputs::{self, Input};

#[derive(Debug, clap::Args)]
pub struct Args {
    /// STIX 2.1 bundles, arrays or NDJSON, MISP event JSON, CSV or text lists: files,
    /// directories (recursively: their `.json`, `.jsonl` and `.ndjson` files) or `-` for stdin;
    /// with `--format misp-feed`, feed directories or `http://` URLs.
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
    /// What the inputs are: `auto` tells STIX from MISP event JSON by content and takes `.csv`
    /// and `.txt` files as IOC lists; `misp-feed` takes a MISP feed directory or `http://` URL.
    #[arg(long, value_enum, default_value_t = Format::Auto)]
    pub format: Format,
    /// TLP of the indicators made from a CSV or text list.
    #[arg(long, value_name = "T", default_value = "amber", value_parser = parse_tlp)]
    pub tlp: Tlp,
    /// Keep known-benign values (reserved ranges, special-use names, warninglists) found in a CSV
    /// or text list; by default they are reported and left out.
    #[arg(long)]
    pub include_benign: bool,
    /// MISP warninglists (`DIR/lists/<name>/list.json`) to check CSV and text values against,
    /// besides the built-in reserved ranges.
    #[arg(long, value_name = "DIR")]
    pub warninglists: Option<PathBuf>,
    /// The MISP distribution level (0–4) assumed for an event that states none, as feeds do
    /// (default 0: your organisation only, never wider than the event said).
    #[arg(long, value_name = "N", default_value_t = 0, value_parser = clap::value_parser!(u8).range(0..=4))]
    pub misp_distribution: u8,
}

/// What `selat import` reads.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum Format {
    Auto,
    Stix,
    Misp,
    MispFeed,
    Csv,
    Text,
}

fn parse_tlp(text: &str) -> Result<Tlp, String> {
    let name = text.strip_prefix("tlp:").or_else(|| text.strip_prefix("TLP:")).unwrap_or(text);
    Tlp::from_name(name).ok_or_else(|| format!("{text:?}: clear, green, amber, amber+strict or red"))
}

/// The totals over every input.
#[derive(Default)]
pub struct Totals {
    pub read: u64,
    pub stored: u64,
    pub already_present: u64,
    pub rejected: u64,
    pub unreadable: u64,
}

pub async fn run(args: &Args) -> anyhow::Result<ExitCode> {
    // Paths are checked before the node is opened, so a typo creates no data directory.
    let inputs = if args.format == Format::MispFeed { Vec::new() } else { inputs::expand(&args.paths)? };
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
    if args.format == Format::MispFeed {
        for source in &args.paths {
            crate::import_misp::pull_feed(&node, &source.to_string_lossy(), args, &options, &mut totals)
                .await?;
        }
    } else {
        for input in &inputs {
            import_one(&node, input, args, &options, &mut totals).await?;
        }
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
    args: &Args,
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
    let format = match args.format {
        Format::Auto => match input {
            Input::File(path) => match path.extension().and_then(|e| e.to_str()) {
                Some("csv") => Format::Csv,
                Some("txt") => Format::Text,
                _ => Format::Auto,
            },
            Input::Stdin => Format::Auto,
        },
        other => other,
    };
    let reader = match format {
        Format::Stix | Format::MispFeed => reader,
        Format::Csv | Format::Text => {
            return crate::import_text::import_list(node, input, reader, args, options, totals).await;
        }
        Format::Auto | Format::Misp => match crate::import_misp::sniff(reader, format == Format::Misp)? {
            crate::import_misp::Sniffed::Misp(bytes) => {
                return crate::import_misp::import_events(node, &name, &bytes, args, options, totals).await;
            }
            crate::import_misp::Sniffed::Stix(reader) => reader,
        },
    };
    ingest_reader(node, &name, reader, len, options, totals).await
}

/// Streams one STIX input into the store and adds its report to the totals.
pub async fn ingest_reader(
    node: &Node,
    name: &str,
    reader: Box<dyn std::io::Read + Send>,
    len: Option<u64>,
    options: &IngestOptions,
    totals: &mut Totals,
) -> anyhow::Result<()> {
    let bar = progress_bar(name, len);
    let report = ingest::ingest(&node.store, reader, options, |p| {
        bar.set_position(if len.is_some() { p.bytes } else { p.objects });
        bar.set_message(format!("{} objects", p.objects));
    })
    .await?;
    bar.finish_and_clear();
    print_report(name, &report);
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

/// Ingests objects made here (from MISP events or IOC lists) as one bundle, like any input.
pub async fn ingest_objects(
    node: &Node,
    name: &str,
    objects: &[serde_json::Value],
    options: &IngestOptions,
    totals: &mut Totals,
) -> anyhow::Result<selat_core::ingest::IngestReport> {
    let bundle = serde_json::json!({
        "type": "bundle",
        "id": selat_stix::id::new_v4("bundle"),
        "objects": objects,
    });
    let bytes = serde_json::to_vec(&bundle)?;
    let report = ingest::ingest(&node.store, std::io::Cursor::new(bytes), options, |_| {}).await?;
    print_report(name, &report);
    totals.read += report.read;
    totals.stored += report.stored;
    totals.already_present += report.already_present;
    totals.rejected += report.rejected_total;
    if report.fatal.is_some() {
        totals.unreadable += 1;
    }
    Ok(report)
}
