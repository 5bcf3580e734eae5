//! `selat bench …`: the benchmarks behind DESIGN.md's targets, each printing its figures.
//!
//! `bench generate` writes the realistic mix the others use, so tests and benchmarks share one
//! generator: indicators of every common observable kind, observables with deterministic ids,
//! malware, relationships, sightings and reports with many refs.

use std::fs::File;
use std::io::{BufReader, BufWriter, Write};
use std::path::{Path, PathBuf};
use std::process::ExitCode;
use std::time::Instant;

use anyhow::Context;
use selat_core::ingest::{self, IngestOptions};
use selat_core::node::Node;
use selat_stix::bundle::{BundleReader, BundleWriter, RawObject};

#[derive(Debug, clap::Subcommand)]
pub enum Command {
    /// Parse+validate and durable import throughput, and memory, over a generated mix.
    Ingest(IngestArgs),
    /// TAXII 2.1 throughput beside medallion, and paging a 1,000,000-object collection.
    Taxii(crate::bench_taxii::TaxiiArgs),
    /// Bulk matching: generated SCOs (JSON lines) against generated indicators of mixed kinds,
    /// one thread, with index build time and memory.
    Match(crate::bench_match::MatchArgs),
    /// Write the generated mix as one bundle (for tests and other tools).
    Generate(GenerateArgs),
    /// Federation: replicate generated objects node → hub over a push link.
    Federation(crate::bench_federation::FederationArgs),
}

#[derive(Debug, clap::Args)]
pub struct IngestArgs {
    /// Objects to generate.
    #[arg(long, default_value_t = 1_000_000)]
    objects: u64,
    /// Working directory (default: a fresh temporary directory, removed afterwards).
    #[arg(long)]
    dir: Option<PathBuf>,
    /// Objects per store transaction.
    #[arg(long, default_value_t = ingest::DEFAULT_BATCH_OBJECTS)]
    batch: usize,
    /// Ingest into this (empty) PostgreSQL database instead of a fresh SQLite file.
    #[arg(long, env = "SELAT_DATABASE")]
    database: Option<String>,
}

#[derive(Debug, clap::Args)]
pub struct GenerateArgs {
    #[arg(long, default_value_t = 10_000)]
    objects: u64,
    #[arg(long)]
    out: PathBuf,
}

pub async fn run(command: Command) -> anyhow::Result<ExitCode> {
    match command {
        Command::Generate(args) => {
            let file = File::create(&args.out).with_context(|| format!("creating {}", args.out.display()))?;
            generate(args.objects, BufWriter::new(file))?;
            Ok(ExitCode::SUCCESS)
        }
        Command::Ingest(args) => bench_ingest(&args).await,
        Command::Taxii(args) => {
            crate::bench_taxii::run(&args).await?;
            Ok(ExitCode::SUCCESS)
        }
        Command::Match(args) => crate::bench_match::run(&args),
        Command::Federation(args) => {
            crate::bench_federation::run(&args).await?;
            Ok(ExitCode::SUCCESS)
        }
    }
}

async fn bench_ingest(args: &IngestArgs) -> anyhow::Result<ExitCode> {
    let temp;
    let dir = match &args.dir {
        Some(dir) => dir.clone(),
        None => {
            temp = tempfile::tempdir()?;
            temp.path().to_owned()
        }
    };
    std::fs::create_dir_all(&dir)?;
    let input = dir.join("bench-ingest.json");
    let file = File::create(&input)?;
    generate(args.objects, BufWriter::with_capacity(1 << 20, file))?;
    let bytes = std::fs::metadata(&input)?.len();
    println!("generated {} objects, {:.1} MB, in {}", args.objects, bytes as f64 / 1e6, input.display());

    let started = Instant::now();
    let scanned =
        BundleReader::new(BufReader::new(File::open(&input)?)).try_fold(0u64, |n, raw| raw.map(|_| n + 1))?;
    let secs = started.elapsed().as_secs_f64();
    println!("read (scan only): {scanned} objects in {secs:.2} s = {:.0} objects/s", scanned as f64 / secs);
    let cores = std::thread::available_parallelism().map_or(1, |n| n.get());
    for threads in [1, cores] {
        let (count, secs) = parse_validate(&input, threads)?;
        println!(
            "parse+validate: {count} objects in {secs:.2} s = {:.0} objects/s ({threads} worker threads + reader)",
            count as f64 / secs
        );
    }
    let rss_before_import = rss_kib("VmRSS");

    let node = Node::open_with(&dir.join("data"), args.database.as_deref()).await?;
    let mut options = node.ingest_options(&node.settings.home_org).await?;
    options.batch_objects = args.batch;
    let written_before = proc_io("wchar");
    let started = Instant::now();
    let mut rss_samples = Vec::new();
    let report = ingest::ingest(&node.store, BufReader::new(File::open(&input)?), &options, |p| {
        if p.objects % (args.objects / 10).max(1) < options.batch_objects as u64 {
            rss_samples.push((p.objects, rss_kib("VmRSS")));
        }
    })
    .await?;
    let secs = started.elapsed().as_secs_f64();
    println!(
        "durable import: {} stored ({} rejected, {} present) in {secs:.2} s = {:.0} objects/s",
        report.stored,
        report.rejected_total,
        report.already_present,
        report.read as f64 / secs
    );
    let written = proc_io("wchar").saturating_sub(written_before);
    println!(
        "bytes written during import: {:.0} MB ({:.1} KB per object, input {:.1} KB per object)",
        written as f64 / 1e6,
        written as f64 / 1e3 / report.read.max(1) as f64,
        bytes as f64 / 1e3 / args.objects.max(1) as f64
    );
    if let Some(r) = report.rejected.first() {
        println!("first rejection: {:?}", r.reasons);
    }
    println!("RSS before import: {} MiB", rss_before_import / 1024);
    for (objects, kib) in &rss_samples {
        println!("RSS at {objects:>9} objects: {} MiB", kib / 1024);
    }
    println!("peak RSS (VmHWM): {} MiB", rss_kib("VmHWM") / 1024);
    Ok(ExitCode::SUCCESS)
}

/// Reads the file once, handing chunks of raw objects to `threads` workers that parse, validate
/// and prepare them; returns the object count and seconds.
fn parse_validate(input: &Path, threads: usize) -> anyhow::Result<(u64, f64)> {
    const CHUNK: usize = 1024;
    let reader = BundleReader::new(BufReader::new(File::open(input)?));
    let options = IngestOptions::new("identity--00000000-0000-4000-8000-000000000000");
    let started = Instant::now();
    let (tx, rx) = std::sync::mpsc::sync_channel::<Vec<RawObject>>(threads * 2);
    let rx = std::sync::Mutex::new(rx);
    let count = std::thread::scope(|scope| -> anyhow::Result<u64> {
        let workers: Vec<_> = (0..threads)
            .map(|_| {
                scope.spawn(|| -> anyhow::Result<u64> {
                    let mut done = 0;
                    loop {
                        // Take the lock only to receive, so workers prepare chunks concurrently.
                        let received = rx.lock().expect("no worker panics").recv();
                        let Ok(chunk) = received else { break };
                        for raw in &chunk {
                            ingest::prepare(raw, &options).map_err(|r| {
                                anyhow::anyhow!("generated object {} rejected: {:?}", r.index, r.reasons)
                            })?;
                        }
                        done += chunk.len() as u64;
                    }
                    Ok(done)
                })
            })
            .collect();
        let mut chunk = Vec::with_capacity(CHUNK);
        for raw in reader {
            chunk.push(raw?);
            if chunk.len() == CHUNK
                && tx.send(std::mem::replace(&mut chunk, Vec::with_capacity(CHUNK))).is_err()
            {
                break;
            }
        }
        let _ = tx.send(chunk);
        drop(tx);
        workers.into_iter().map(|w| w.join().expect("no worker panics")).sum()
    })?;
    Ok((count, started.elapsed().as_secs_f64()))
}

/// A counter from `/proc/self/io` (0 where there is none).
fn proc_io(field: &str) -> u64 {
    let io = std::fs::read_to_string("/proc/self/io").unwrap_or_default();
    io.lines().find_map(|l| l.strip_prefix(field)?.strip_prefix(':')?.trim().parse().ok()).unwrap_or(0)
}

/// A figure from `/proc/self/status` in KiB (0 where there is none).
pub(crate) fn rss_kib(field: &str) -> u64 {
    let status = std::fs::read_to_string("/proc/self/status").unwrap_or_default();
    status
        .lines()
        .find_map(|l| l.strip_prefix(field)?.strip_prefix(':')?.trim().strip_suffix(" kB")?.parse().ok())
        .unwrap_or(0)
}

/// A deterministic v4-format UUID for generated object `n` of kind `kind`.
pub(crate) fn uuid_for(kind: u64, n: u64) -> String {
    let a = splitmix(kind.wrapping_mul(0x9E37_79B9_7F4A_7C15) ^ n);
    let b = splitmix(a ^ n.rotate_left(17));
    format!(
        "{:08x}-{:04x}-4{:03x}-{:x}{:03x}-{:012x}",
        a >> 32,
        (a >> 16) & 0xffff,
        a & 0xfff,
        8 + (b >> 62),
        (b >> 48) & 0xfff,
        b & 0xffff_ffff_ffff
    )
}

pub(crate) fn splitmix(mut x: u64) -> u64 {
    x = x.wrapping_add(0x9E37_79B9_7F4A_7C15);
    x = (x ^ (x >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
    x = (x ^ (x >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
    x ^ (x >> 31)
}

pub(crate) const IDENTITY: &str = "identity--7f1c2a3b-5d4e-4f60-8a7b-9c8d7e6f5a4b";
const TLP_GREEN: &str = "marking-definition--bab4a63c-aed9-4cf5-a766-dfca5abac2bb";
const TLP_AMBER: &str = "marking-definition--55d920b0-5e8b-4f79-9ee9-91f868d9b421";

/// Writes `count` objects as one bundle: out of every 20, 8 indicators, 4 observables, 2 malware,
/// 4 relationships, 1 sighting and 1 report with 20 refs.
pub fn generate(count: u64, out: impl Write) -> anyhow::Result<()> {
    let mut writer = BundleWriter::new(out)?;
    for object in generated_objects(count) {
        writer.write_object(&object)?;
    }
    writer.finish()?;
    Ok(())
}

/// The generated objects with every `every`-th one shared with the community and the rest kept to
/// their owner (distribution scope `organisation`): a collection a reader from another
/// organisation sees 1/`every` of.
pub fn generate_sparse(count: u64, every: u64, out: impl Write) -> anyhow::Result<()> {
    let mut writer = BundleWriter::new(out)?;
    for (n, text) in generated_objects(count).enumerate() {
        if (n as u64).is_multiple_of(every.max(1)) {
            writer.write_object(&text)?;
            continue;
        }
        let mut object: serde_json::Value = serde_json::from_str(&text)?;
        object["extensions"][selat_stix::meta::DISTRIBUTION_EXTENSION_ID] =
            serde_json::json!({"extension_type": "property-extension", "scope": "organisation"});
        writer.write_object(&object.to_string())?;
    }
    writer.finish()?;
    Ok(())
}

/// The generated objects' JSON texts, one at a time (the same as [`generate`] writes).
pub fn generated_objects(count: u64) -> impl Iterator<Item = String> {
    let base_ms: i64 = 1_700_000_000_000;
    (0..count).map(move |n| {
        let ts = selat_stix::Timestamp { micros: (base_ms + n as i64) * 1000, fraction_digits: 3 }.format(3);
        generated_object(n, &ts).to_string()
    })
}

fn generated_object(n: u64, ts: &str) -> serde_json::Value {
    use serde_json::json;
    let marking = if n.is_multiple_of(3) { TLP_AMBER } else { TLP_GREEN };
    let indicator_id = |k: u64| format!("indicator--{}", uuid_for(1, k));
    let malware_id = |k: u64| format!("malware--{}", uuid_for(2, k));
    let block = n / 20;
    match n % 20 {
        0..=7 => {
            let (pattern, name) = indicator_pattern(n);
            json!({"type": "indicator", "spec_version": "2.1", "id": indicator_id(n), "created": ts, "modified": ts,
                "created_by_ref": IDENTITY, "name": name, "indicator_types": ["malicious-activity"],
                "pattern": pattern, "pattern_type": "stix", "valid_from": ts,
                "object_marking_refs": [marking], "confidence": (n % 101) as i64})
        }
        8..=11 => observable(n),
        12 | 13 => {
            json!({"type": "malware", "spec_version": "2.1", "id": malware_id(n), "created": ts, "modified": ts,
            "created_by_ref": IDENTITY, "name": format!("Strait Stealer variant {n}"), "is_family": n.is_multiple_of(2),
            "malware_types": ["trojan", "spyware"], "object_marking_refs": [marking]})
        }
        14..=17 => {
            json!({"type": "relationship", "spec_version": "2.1", "id": format!("relationship--{}", uuid_for(3, n)),
            "created": ts, "modified": ts, "created_by_ref": IDENTITY, "relationship_type": "indicates",
            "source_ref": indicator_id(block * 20 + n % 8), "target_ref": malware_id(block * 20 + 12),
            "object_marking_refs": [marking]})
        }
        18 => {
            json!({"type": "sighting", "spec_version": "2.1", "id": format!("sighting--{}", uuid_for(4, n)),
            "created": ts, "modified": ts, "created_by_ref": IDENTITY, "count": (n % 50 + 1) as i64,
            "first_seen": ts, "last_seen": ts, "sighting_of_ref": indicator_id(block * 20),
            "where_sighted_refs": [IDENTITY], "object_marking_refs": [marking]})
        }
        _ => {
            let refs: Vec<String> =
                (0..20)
                    .map(|k| {
                        if k < 8 { indicator_id(block * 20 + k) } else { malware_id(block * 20 + 12 + k % 2) }
                    })
                    .collect();
            json!({"type": "report", "spec_version": "2.1", "id": format!("report--{}", uuid_for(5, n)),
                "created": ts, "modified": ts, "created_by_ref": IDENTITY, "name": format!("Weekly phishing report {block}"),
                "description": "Phishing against regional banks: lures, infrastructure and payloads.",
                "report_types": ["threat-report"], "published": ts, "object_refs": refs, "object_marking_refs": [marking]})
        }
    }
}

fn indicator_pattern(n: u64) -> (String, String) {
    let h = splitmix(n);
    match n % 5 {
        0 => (
            format!(
                "[ipv4-addr:value = '{}.{}.{}.{}']",
                11 + h % 200,
                (h >> 8) & 255,
                (h >> 16) & 255,
                (h >> 24) & 255
            ),
            "C2 address".to_owned(),
        ),
        1 => (
            format!("[domain-name:value = 'login-{:x}.bank-secure.example']", h & 0xffffff),
            "Phishing domain".to_owned(),
        ),
        2 => (
            format!("[url:value = 'https://pay-{:x}.example/verify?id={}']", h & 0xffff, n),
            "Phishing URL".to_owned(),
        ),
        3 => (
            format!(
                "[file:hashes.'SHA-256' = '{:016x}{:016x}{:016x}{:016x}']",
                h,
                splitmix(h),
                splitmix(h + 1),
                splitmix(h + 2)
            ),
            "Dropper".to_owned(),
        ),
        _ => (
            format!(
                "[email-addr:value = 'it-support{}@mail-{:x}.example'] AND [email-message:subject = 'Verify your account']",
                n,
                h & 0xfff
            ),
            "Lure sender".to_owned(),
        ),
    }
}

fn observable(n: u64) -> serde_json::Value {
    use serde_json::json;
    let h = splitmix(n ^ 0xabcdef);
    let mut object = match n % 4 {
        0 => {
            json!({"type": "ipv4-addr", "value": format!("{}.{}.{}.{}", 11 + h % 200, (h >> 8) & 255, (h >> 16) & 255, (h >> 24) & 255)})
        }
        1 => {
            json!({"type": "domain-name", "value": format!("cdn-{:x}-{n}.bank-secure.example", h & 0xffffff)})
        }
        2 => json!({"type": "url", "value": format!("https://pay-{:x}.example/verify?case={n}", h & 0xffff)}),
        _ => json!({"type": "file", "name": format!("invoice-{n}.pdf.exe"),
            "hashes": {"SHA-256": format!("{:016x}{:016x}{:016x}{:016x}", h, splitmix(h), splitmix(h + 1), splitmix(h + 2))}}),
    };
    let id = selat_stix::sco_id::deterministic_id(&object).unwrap_or_else(|| selat_stix::id::new_v4("x"));
    object["id"] = json!(id);
    object["spec_version"] = json!("2.1");
    object
}
