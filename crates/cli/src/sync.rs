//! `selat sync [--peer P] [--data DIR] [--config FILE]`: one federation round with the peers of
//! the configuration file (or one of them), then its report: per peer, what was received, sent,
//! refused (each refusal with its reason) and skipped, whether the link caught up, and any
//! error. Exit 0 when every peer's round succeeded (refused objects are reported, not failures),
//! 1 when one failed, 2 when the round could not run at all.

use std::path::PathBuf;
use std::process::ExitCode;

use anyhow::{Context as _, bail};
use selat_core::federation::{PeerReport, RoundReport, run_round};

use crate::serve::{DEFAULT_DATA, federation_config, read_config};

#[derive(Debug, clap::Args)]
pub struct Args {
    /// Only this peer (its `name` in the configuration file).
    #[arg(long)]
    peer: Option<String>,
    /// The node's data directory [default: the file's `data`, else ./selat-data].
    #[arg(long, env = "SELAT_DATA")]
    data: Option<PathBuf>,
    /// The store: a postgres:// URL [default: the file's `database`, else SQLite in the data directory].
    #[arg(long, env = "SELAT_DATABASE", hide_env_values = true)]
    database: Option<String>,
    /// The configuration file with the `[[peers]]`.
    #[arg(long, env = "SELAT_CONFIG")]
    config: Option<PathBuf>,
}

pub async fn run(args: &Args) -> anyhow::Result<ExitCode> {
    let Some(path) = args.config.as_deref() else {
        bail!("selat sync needs --config FILE (the peers come from the configuration file)");
    };
    let file = read_config(Some(path))?;
    let Some(federation) = federation_config(&file, None)? else {
        bail!("{}: no [[peers]] to sync with", path.display());
    };
    if federation.peers.is_empty() {
        bail!("{}: no [[peers]] to sync with", path.display());
    }
    let data = args.data.clone().or_else(|| file.data.clone()).unwrap_or_else(|| PathBuf::from(DEFAULT_DATA));
    let database = args.database.clone().or_else(|| file.database.clone());
    let node = selat_core::node::Node::open_with(&data, database.as_deref())
        .await
        .with_context(|| format!("opening the node in {}", data.display()))?;
    node.federation().set_config(federation.clone());
    let report = run_round(&node, &federation, args.peer.as_deref()).await;
    // Whatever happened, what was stored is in the audit log before the process exits.
    node.audit().flush().await.context("writing the audit log")?;
    let report = report?;
    print!("{}", render(&report));
    Ok(if report.ok() { ExitCode::SUCCESS } else { ExitCode::from(1) })
}

/// The report, one summary line per peer and one line per refusal.
pub fn render(report: &RoundReport) -> String {
    let mut out = String::new();
    for peer in &report.peers {
        out.push_str(&summary(peer));
        out.push('\n');
        for r in &peer.refusals {
            out.push_str(&format!(
                "  refused ({}) {} {}: {}\n",
                r.direction, r.object_id, r.version, r.reason
            ));
        }
        if peer.refused as usize > peer.refusals.len() {
            out.push_str(&format!("  … and {} more refusals\n", peer.refused as usize - peer.refusals.len()));
        }
    }
    out
}

fn summary(peer: &PeerReport) -> String {
    let state = match &peer.error {
        None if peer.caught_up => "ok, caught up".to_owned(),
        None => format!("ok, behind by {} ms (more next round)", peer.lag_us / 1000),
        Some(error) => format!("FAILED: {error}"),
    };
    format!(
        "peer {}: {state}; received {}, already present {}, sent {}, refused {}, skipped {}",
        peer.peer, peer.received, peer.already_present, peer.sent, peer.refused, peer.skipped
    )
}
