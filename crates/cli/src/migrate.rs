//! `selat migrate [--data DIR] [--database URL]`: applies the store's pending schema migrations
//! and says which. Every command that opens a store applies them too; this one does only that,
//! so an operator can upgrade a database (and see what changed) before starting the new version.

use std::path::PathBuf;
use std::process::ExitCode;

use anyhow::Context as _;
use selat_core::node;

#[derive(Debug, clap::Args)]
pub struct Args {
    /// The node's data directory (holds the SQLite store unless --database is given).
    #[arg(long, env = "SELAT_DATA", default_value = "./selat-data")]
    data: PathBuf,
    /// The store: a postgres:// URL [default: the SQLite file in the data directory].
    #[arg(long, env = "SELAT_DATABASE", hide_env_values = true)]
    database: Option<String>,
}

pub async fn run(args: &Args) -> anyhow::Result<ExitCode> {
    let database = args.database.as_deref().filter(|d| !d.trim().is_empty());
    if database.is_none() {
        std::fs::create_dir_all(&args.data)
            .with_context(|| format!("creating the data directory {}", args.data.display()))?;
    }
    let store = node::open_store(&args.data, database).await.context("opening the store")?;
    let place = match database {
        // The URL may hold a password: name the backend, not the URL.
        Some(_) => "the PostgreSQL database".to_owned(),
        None => args.data.join(node::STORE_FILE).display().to_string(),
    };
    let applied = store.applied_migrations();
    if applied.is_empty() {
        println!("{place}: schema up to date, no migration pending");
    }
    for migration in applied {
        println!("{place}: applied {:04} {}", migration.version, migration.description);
    }
    store.close().await;
    Ok(ExitCode::SUCCESS)
}
