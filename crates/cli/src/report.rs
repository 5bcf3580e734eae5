//! `selat report --period 2026 [--as ORG] --out report.html`: the regional report for a meeting of
//! ministers as one self-contained HTML page (prints to PDF), counting only what the reading
//! organisation may see.

use std::path::PathBuf;
use std::process::ExitCode;

use anyhow::Context;
use selat_core::org::{Principal, Role};

use crate::DataArgs;

#[derive(Debug, clap::Args)]
pub struct Args {
    #[command(flatten)]
    data: DataArgs,
    /// The year reported on.
    #[arg(long, value_name = "YEAR")]
    period: String,
    /// The organisation whose view the report is (short name): it counts only what that
    /// organisation may see.
    #[arg(long = "as", value_name = "ORG", default_value = "ASEAN")]
    as_org: String,
    /// The HTML file to write.
    #[arg(long, value_name = "F")]
    out: PathBuf,
}

pub async fn run(args: &Args) -> anyhow::Result<ExitCode> {
    let node = args.data.open().await?;
    let org = node
        .organisation(&args.as_org)
        .await?
        .with_context(|| format!("no organisation {:?}", args.as_org))?;
    let reader = Principal { org, role: Role::Viewer, username: None, token_id: None };
    let report = node.regional_report(&reader, &args.period).await.context("building the regional report")?;
    let html = selat_server::report::render(&report);
    std::fs::write(&args.out, html).with_context(|| format!("writing {}", args.out.display()))?;
    eprintln!("wrote {}", args.out.display());
    Ok(ExitCode::SUCCESS)
}
