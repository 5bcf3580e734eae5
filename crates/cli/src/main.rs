//! `selat`: the command line. Each subcommand lives in its own module; this file only parses
//! arguments and dispatches. Exit codes are part of the interface: 0 success, 1 some objects
//! rejected or invalid, 2 unreadable input or a failure before any work.

mod admin;
mod bench;
mod bench_federation;
mod bench_match;
mod bench_taxii;
mod copy;
mod export;
mod export_misp;
mod import;
mod import_misp;
mod import_text;
mod inputs;
mod match_cmd;
mod match_line;
mod migrate;
mod pattern_cmd;
mod report;
mod serve;
mod sync;
mod validate;

use std::path::PathBuf;
use std::process::ExitCode;

use clap::{Parser, Subcommand};

#[derive(Debug, Parser)]
#[command(
    name = "selat",
    version,
    about = "Regional cyber-threat sharing and coordination hub (STIX 2.1, TAXII 2.1)"
)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Debug, Subcommand)]
enum Command {
    /// Import STIX 2.1 bundles (files, directories, or `-` for standard input), streamed; MISP
    /// events and feeds; CSV and text IOC lists.
    Import(import::Args),
    /// Validate STIX 2.1 files; prints each diagnostic with its JSON path, exit 1 on any error.
    Validate(validate::Args),
    /// Export stored objects as one STIX 2.1 bundle, streamed.
    Export(export::Args),
    /// Organisations, users, tokens and collections.
    Admin(admin::Args),
    /// The regional report for a meeting of ministers: one self-contained HTML page.
    Report(report::Args),
    /// Serve TAXII 2.1 (and /healthz, /metrics) over the data directory until SIGINT or SIGTERM.
    Serve(serve::Args),
    /// Apply the store's pending schema migrations and say which.
    Migrate(migrate::Args),
    /// Move a node's store from SQLite to an empty PostgreSQL database, and verify the copy.
    Copy(copy::Args),
    /// Benchmarks behind the performance targets.
    #[command(subcommand)]
    Bench(bench::Command),
    /// STIX patterns: validate them, or match them against observed data (JSON lines).
    #[command(subcommand)]
    Pattern(pattern_cmd::Command),
    /// Match observations (JSON lines, `type,value` CSV or plain values) against the indicators
    /// of a STIX file: one JSON line per (observation, indicator) match.
    Match(match_cmd::Args),
    /// One federation round with the configured peers (or --peer P), then its report.
    Sync(sync::Args),
}

/// Where a node keeps its data; every command that touches the store takes it.
#[derive(Debug, clap::Args)]
struct DataArgs {
    /// The node's data directory.
    #[arg(long, env = "SELAT_DATA", default_value = "./selat-data")]
    data: PathBuf,
    /// Keep objects in PostgreSQL (`postgres://…`) instead of the data directory's SQLite file.
    #[arg(long, env = "SELAT_DATABASE")]
    database: Option<String>,
}

impl DataArgs {
    /// Opens the node these arguments name.
    async fn open(&self) -> anyhow::Result<selat_core::node::Node> {
        Ok(selat_core::node::Node::open_with(&self.data, self.database.as_deref()).await?)
    }
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    tracing_subscriber::fmt()
        .with_env_filter(
            tracing_subscriber::EnvFilter::try_from_env("SELAT_LOG").unwrap_or_else(|_| "warn".into()),
        )
        .with_writer(std::io::stderr)
        .init();
    let result = match cli.command {
        Command::Validate(args) => validate::run(&args),
        Command::Pattern(command) => pattern_cmd::run(&command),
        Command::Match(args) => match_cmd::run(&args),
        command => runtime().and_then(|rt| {
            rt.block_on(async move {
                match command {
                    Command::Import(args) => import::run(&args).await,
                    Command::Admin(args) => admin::run(&args).await,
                    Command::Export(args) => export::run(&args).await,
                    Command::Report(args) => report::run(&args).await,
                    Command::Bench(command) => bench::run(command).await,
                    Command::Serve(args) => serve::run(&args).await,
                    Command::Migrate(args) => migrate::run(&args).await,
                    Command::Copy(args) => copy::run(&args).await,
                    Command::Sync(args) => sync::run(&args).await,
                    Command::Validate(_) => unreachable!("handled above"),
                    Command::Pattern(_) => unreachable!("handled above"),
                    Command::Match(_) => unreachable!("handled above"),
                }
            })
        }),
    };
    match result {
        Ok(code) => code,
        Err(e) => {
            eprintln!("selat: {e:#}");
            ExitCode::from(2)
        }
    }
}

fn runtime() -> anyhow::Result<tokio::runtime::Runtime> {
    Ok(tokio::runtime::Builder::new_multi_thread().enable_all().build()?)
}
