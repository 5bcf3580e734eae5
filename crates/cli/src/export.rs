//! `selat export [--collection C] [--type T] [--out F]`: one valid bundle, streamed page by page.

use std::fs::File;
use std::io::{BufWriter, Write};
use std::path::PathBuf;
use std::process::ExitCode;

use anyhow::Context;
use selat_stix::bundle::BundleWriter;
use selat_store::{ScanQuery, Store};

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
    /// Write to this file instead of standard output.
    #[arg(long, value_name = "F")]
    out: Option<PathBuf>,
}

pub async fn run(args: &Args) -> anyhow::Result<ExitCode> {
    let node = args.data.open().await?;
    let collection = match &args.collection {
        Some(name) => Some(node.collection_named(name, false).await?.0.id),
        None => None,
    };
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
