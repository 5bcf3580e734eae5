//! `selat export [--collection C] [--type T] [--as ORG] [--out F] [--format F]`: one valid
//! bundle, streamed page by page, or MISP events or a MISP feed (`export_misp`); with `--as`,
//! only what that organisation may see.

use std::fs::File;
use std::io::{BufWriter, Write};
use std::path::PathBuf;
use std::process::ExitCode;

use anyhow::Context;
use selat_stix::bundle::BundleWriter;
use selat_store::{Audience, ScanQuery, Store};

use crate::DataArgs;

/// Rows fetched per store round trip while exporting.
const EXPORT_PAGE_ROWS: usize = 1000;

#[derive(Debug, clap::Args)]
pub struct Args {
    #[command(flatten)]
    data: DataArgs,
    /// Only objects in this collection (id or alias), in `date_added` order.
    #[arg(long, value_name = "C")]
    collection: Option<String>,
    /// Only objects of this STIX type.
    #[arg(long = "type", value_name = "T")]
    object_type: Option<String>,
    /// Every stored version, not only the latest of each object.
    #[arg(long)]
    all_versions: bool,
    /// Only what this organisation (short name) may see, as the access rule decides; without
    /// it, the operator's export of everything the store holds.
    #[arg(long = "as", value_name = "ORG")]
    as_org: Option<String>,
    /// Write to this file instead of standard output (`misp`: a file for one event or a
    /// directory for one `<uuid>.json` each; `misp-feed`: the feed directory).
    #[arg(long, value_name = "F")]
    out: Option<PathBuf>,
    /// `stix` (one bundle), `misp` (MISP event JSON) or `misp-feed` (a MISP feed directory).
    #[arg(long, value_enum, default_value_t = Format::Stix)]
    format: Format,
}

/// What `selat export` writes.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
enum Format {
    Stix,
    Misp,
    MispFeed,
}

pub async fn run(args: &Args) -> anyhow::Result<ExitCode> {
    let node = args.data.open().await?;
    let collection = match &args.collection {
        Some(name) => Some(node.collection_named(name, false).await?.0.id),
        None => None,
    };
    let audience = match &args.as_org {
        None => Audience::Unrestricted,
        Some(short) => {
            let org =
                node.organisation(short).await?.with_context(|| format!("no organisation {short:?}"))?;
            let public = match &collection {
                Some(id) => node.collection_access(id).await?.public,
                None => false,
            };
            node.org_audience(Some(&org), public).await?
        }
    };
    if args.format != Format::Stix {
        let out = args.out.as_deref().context("--format misp and misp-feed need --out")?;
        anyhow::ensure!(
            !args.all_versions,
            "--all-versions exports STIX only: MISP events hold the latest versions"
        );
        let shape = if args.format == Format::Misp {
            crate::export_misp::Shape::Events
        } else {
            crate::export_misp::Shape::Feed
        };
        crate::export_misp::export(&node, audience, collection, args.object_type.clone(), shape, out).await?;
        return Ok(ExitCode::SUCCESS);
    }
    let out: Box<dyn Write> = match &args.out {
        Some(path) => Box::new(File::create(path).with_context(|| format!("creating {}", path.display()))?),
        None => Box::new(std::io::stdout().lock()),
    };
    let mut writer = BundleWriter::new(BufWriter::with_capacity(1 << 20, out))?;
    let mut query = ScanQuery {
        after: None,
        limit: EXPORT_PAGE_ROWS,
        latest_only: !args.all_versions,
        object_type: args.object_type.clone(),
        collection,
        audience,
    };
    loop {
        let page = node.store.scan(&query).await?;
        for row in &page.rows {
            writer.write_object(&row.json)?;
        }
        match page.next_after {
            Some(next) => query.after = Some(next),
            None => break,
        }
    }
    let count = writer.count();
    writer.finish()?;
    eprintln!("exported {count} objects");
    Ok(ExitCode::SUCCESS)
}
