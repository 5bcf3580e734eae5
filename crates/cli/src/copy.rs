//! `selat copy --from DATA_DIR --to postgres://…`: moves a node's store from SQLite to an empty
//! PostgreSQL database, then verifies the copy.
//!
//! What moves: the directory (organisations, users, tokens, settings — among them the cursor
//! secret, so `next` cursors that clients hold keep working — TAXII requests still pending, and
//! the federation cursors, so each peer link resumes where it was instead of resending all),
//! collections with their ids, titles and aliases (access rules are settings), every object
//! version with its owner and columns, and every collection entry at its original `date_added`,
//! so `added_after` positions stay where they were. Versions and entries move one export-scan
//! page per transaction. `node.json` stays in the data directory: afterwards serve the node with
//! `selat serve --data DATA_DIR --database postgres://…`.
//!
//! The source must not change during the copy (stop the node first). The verification compares
//! counts of the whole store and of each collection, and a sample of entries spread over every
//! collection byte for byte (JSON, version and `date_added`).

use std::io::IsTerminal as _;
use std::path::PathBuf;
use std::process::ExitCode;

use anyhow::{Context as _, bail};
use indicatif::{ProgressBar, ProgressStyle};
use selat_core::node::STORE_FILE;
use selat_store::{
    Direction, Directory, Federation, MAX_SCAN_LIMIT, OrganisationRow, PageQuery, PgStore, ScanQuery,
    SqliteStore, Store, StoredVersion, VersionFilter,
};

/// Entries compared byte for byte at the end, by default.
const DEFAULT_SAMPLE: usize = 1_000;

#[derive(Debug, clap::Args)]
pub struct Args {
    /// The data directory of the node to copy (its `selat.db`).
    #[arg(long, value_name = "DATA_DIR")]
    from: PathBuf,
    /// The PostgreSQL database to copy into (`postgres://…`); it must hold no Selat data yet.
    #[arg(long, value_name = "URL", env = "SELAT_DATABASE", hide_env_values = true)]
    to: String,
    /// Rows per transaction.
    #[arg(long, default_value_t = MAX_SCAN_LIMIT as u64, value_parser = clap::value_parser!(u64).range(1..=MAX_SCAN_LIMIT as u64))]
    batch: u64,
    /// Entries compared byte for byte after the copy.
    #[arg(long, default_value_t = DEFAULT_SAMPLE)]
    sample: usize,
}

pub async fn run(args: &Args) -> anyhow::Result<ExitCode> {
    let path = args.from.join(STORE_FILE);
    if !path.is_file() {
        bail!("{}: no store to copy", path.display());
    }
    if !selat_store::is_postgres_url(&args.to) {
        bail!("--to must be a postgres:// URL");
    }
    let source = SqliteStore::open(&path).await.with_context(|| format!("opening {}", path.display()))?;
    let target = PgStore::connect(&args.to).await.context("connecting to the target database")?;
    ensure_empty(&target).await?;
    let batch = args.batch as usize;
    let directory = copy_directory(&source, &target).await.context("copying the directory")?;
    println!("directory: {directory}");
    let versions = copy_versions(&source, &target, batch).await.context("copying object versions")?;
    println!("object versions: {versions}");
    let collections = source.collections().await?;
    let mut entries_total = 0;
    for collection in &collections {
        entries_total += source.counts(Some(&collection.id)).await?.versions;
    }
    // Every stride-th entry of every collection: about `--sample` entries, spread over all.
    let stride = (entries_total / args.sample.max(1) as u64).max(1);
    let mut sample = Vec::new();
    for collection in &collections {
        let entries = copy_collection(&source, &target, collection, batch, stride, &mut sample)
            .await
            .with_context(|| format!("copying collection {}", collection.id))?;
        println!("collection {} ({}): {entries} entries", collection.id, collection.title);
    }
    // A restore writes past the store's own maintenance threshold; the pages that follow need the
    // planner statistics to be fresh now, not whenever autovacuum (which may be off) gets there.
    target.maintain().await.context("refreshing the target's table statistics")?;
    let checked = verify(&source, &target, &sample).await.context("verifying the copy")?;
    println!(
        "verified: counts equal for the store and every collection; {checked} sampled entries byte-for-byte equal"
    );
    source.close().await;
    target.close().await;
    Ok(ExitCode::SUCCESS)
}

/// Refuses a target that holds anything: a copy restores rows as they are and must not mix.
async fn ensure_empty(target: &PgStore) -> anyhow::Result<()> {
    let versions = target.counts(None).await?.versions;
    let collections = target.collections().await?.len();
    let organisations = target.organisations().await?.len();
    if versions + collections as u64 + organisations as u64 > 0 {
        bail!(
            "the target database is not empty ({versions} object versions, {collections} collections, \
             {organisations} organisations): copy into a fresh database"
        );
    }
    Ok(())
}

/// Organisations (each after its parent), users, tokens, settings and pending TAXII requests.
async fn copy_directory(source: &SqliteStore, target: &PgStore) -> anyhow::Result<String> {
    let organisations = source.organisations().await?;
    for org in parents_first(organisations.clone()) {
        target.create_organisation(&org).await?;
    }
    let users = source.users(None).await?;
    for user in &users {
        target.create_user(user).await?;
    }
    let tokens = source.tokens(None).await?;
    for token in &tokens {
        target.create_token(token).await?;
    }
    let settings = source.settings().await?;
    for (key, value) in &settings {
        target.setting_or_insert(key, value).await?;
    }
    let pending = source.pending_statuses().await?;
    for status in &pending {
        target.create_status(status).await?;
    }
    let cursors = source.peer_cursors().await?;
    for c in &cursors {
        let direction = Direction::parse(&c.direction)
            .with_context(|| format!("peer {} cursor direction {:?}", c.peer, c.direction))?;
        target.set_peer_cursor(&c.peer, &c.collection_id, direction, c.cursor_us, c.updated_us).await?;
    }
    Ok(format!(
        "{} organisations, {} users, {} tokens, {} settings, {} pending TAXII requests, {} federation cursors",
        organisations.len(),
        users.len(),
        tokens.len(),
        settings.len(),
        pending.len(),
        cursors.len()
    ))
}

/// Organisations ordered so that each comes after its parent (a parent is referenced by key).
fn parents_first(mut rest: Vec<OrganisationRow>) -> Vec<OrganisationRow> {
    let mut ordered: Vec<OrganisationRow> = Vec::with_capacity(rest.len());
    while !rest.is_empty() {
        let before = rest.len();
        let (ready, waiting): (Vec<_>, Vec<_>) = rest.into_iter().partition(|o| {
            o.parent.as_deref().is_none_or(|p| ordered.iter().any(|done| done.short_name == p))
        });
        ordered.extend(ready);
        rest = waiting;
        if rest.len() == before {
            // A parent missing from the source: let the target's foreign key report it.
            ordered.append(&mut rest);
        }
    }
    ordered
}

/// Every stored version, in the source's insertion order, one scan page per transaction.
async fn copy_versions(source: &SqliteStore, target: &PgStore, batch: usize) -> anyhow::Result<u64> {
    let total = source.counts(None).await?.versions;
    let bar = progress_bar("versions", total);
    let mut query = ScanQuery { limit: batch, ..ScanQuery::default() };
    let mut copied = 0;
    loop {
        let page = source.scan(&query).await?;
        // The observable index is derived data: extracted again from each version's JSON.
        let observables: Vec<Vec<selat_store::Observable>> = page
            .rows
            .iter()
            .map(|row| {
                serde_json::from_str(&row.json)
                    .map(|value| selat_core::observables::extract(&value).values)
                    .unwrap_or_default()
            })
            .collect();
        copied += target.restore_versions(&page.rows, &observables).await?;
        bar.inc(page.rows.len() as u64);
        match page.next_after {
            Some(after) => query.after = Some(after),
            None => break,
        }
    }
    bar.finish_and_clear();
    Ok(copied)
}

/// A collection and its entries at their `date_added`; every `stride`-th entry also goes into
/// `sample` for the verification.
async fn copy_collection(
    source: &SqliteStore,
    target: &PgStore,
    collection: &selat_store::Collection,
    batch: usize,
    stride: u64,
    sample: &mut Vec<(String, StoredVersion)>,
) -> anyhow::Result<u64> {
    let new = selat_store::NewCollection {
        id: collection.id.clone(),
        title: collection.title.clone(),
        description: collection.description.clone(),
        alias: collection.alias.clone(),
        media_types: collection.media_types.clone(),
    };
    target.create_collection(&new).await?;
    let versions = source.counts(Some(&collection.id)).await?.versions;
    let bar = progress_bar(collection.alias.as_deref().unwrap_or(&collection.id), versions);
    let mut query =
        ScanQuery { limit: batch, collection: Some(collection.id.clone()), ..ScanQuery::default() };
    let mut copied = 0;
    loop {
        let page = source.scan(&query).await?;
        for (i, row) in page.rows.iter().enumerate() {
            if (copied + i as u64).is_multiple_of(stride) {
                sample.push((collection.id.clone(), row.clone()));
            }
        }
        copied += target.restore_entries(&collection.id, &page.rows).await?;
        bar.inc(page.rows.len() as u64);
        match page.next_after {
            Some(after) => query.after = Some(after),
            None => break,
        }
    }
    target.finish_restore(&collection.id).await?;
    bar.finish_and_clear();
    Ok(copied)
}

/// Counts of the whole store and of each collection equal, and each sampled entry found in the
/// target with the same JSON at the same `date_added`. Returns how many entries were compared.
async fn verify(
    source: &SqliteStore,
    target: &PgStore,
    sample: &[(String, StoredVersion)],
) -> anyhow::Result<usize> {
    let (from, to) = (source.counts(None).await?, target.counts(None).await?);
    if from != to {
        bail!("store counts differ: source {from:?}, target {to:?}");
    }
    for collection in source.collections().await? {
        let (from, to) =
            (source.counts(Some(&collection.id)).await?, target.counts(Some(&collection.id)).await?);
        if from != to {
            bail!("collection {} counts differ: source {from:?}, target {to:?}", collection.id);
        }
    }
    for (collection, row) in sample {
        let query = PageQuery {
            versions: VersionFilter::at(vec![row.version_us]),
            ..PageQuery::object(collection.clone(), row.id.clone(), 100)
        };
        let page = target.objects_page(&query).await?;
        let found =
            page.entries.iter().any(|e| e.json == row.json && Some(e.date_added_us) == row.date_added_us);
        if !found {
            bail!(
                "{} version {} in collection {collection}: not found byte-for-byte in the target",
                row.id,
                row.version_us
            );
        }
    }
    Ok(sample.len())
}

/// A bar on a terminal, nothing otherwise (logs and tests read the summary lines).
fn progress_bar(name: &str, len: u64) -> ProgressBar {
    if !std::io::stderr().is_terminal() {
        return ProgressBar::hidden();
    }
    let style = ProgressStyle::with_template("{prefix} [{bar:30}] {pos}/{len} ({per_sec}, {eta})")
        .unwrap_or_else(|_| ProgressStyle::default_bar())
        .progress_chars("=> ");
    ProgressBar::new(len).with_style(style).with_prefix(name.to_owned())
}
