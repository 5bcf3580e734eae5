//! The PostgreSQL backend.
//!
//! Same tables and the same rules ([`plan`](crate::plan)) as the SQLite backend, but many writers:
//! a pool of connections, each ingest one `READ COMMITTED` transaction. What SQLite gets from its
//! single writer, this backend gets from three mechanisms:
//!
//! - **One collection, one writer at a time.** An ingest into a collection starts by locking the
//!   collection's row (`SELECT … FOR NO KEY UPDATE`, the lock the closing `UPDATE` of
//!   `last_date_added_us` takes anyway, so nothing stronger is held). A second writer into the same
//!   collection waits there, then reads everything after the first one committed: its look-ups are
//!   fresh, and the `date_added` it assigns is above every committed one. PostgreSQL makes a
//!   commit visible before it releases the transaction's locks, so `date_added` follows commit
//!   order and a reader paging by `added_after` never finds a smaller value appearing behind it.
//!   Writers into different collections take different rows and do not wait for each other.
//! - **Unique indexes catch the races between collections.** Two writers into different
//!   collections (or none) can plan against the same id at once. `object_versions_key` (one row
//!   per version and owner) and `object_versions_latest` (one latest row per copy, which also pins
//!   an id's owner) turn every such race into a unique violation; the losing batch is rolled back
//!   and replanned from scratch ([`MAX_INGEST_ATTEMPTS`]), so the rules are applied as if the
//!   batches had run one after the other.
//! - **A horizon for export scans.** `seq` comes from a sequence, so values are not handed out in
//!   commit order. Writers take them under a shared advisory lock; an export scan reads past the
//!   last value it knows to be final only after briefly taking that lock exclusively (see
//!   `scan.rs`), so a keyset scan by `seq` never skips a row committed later with a smaller value.
//!
//! Pages run in one `REPEATABLE READ READ ONLY` transaction, so their (at most two) statements see
//! one snapshot.

mod audit;
mod collections;
mod directory;
mod federation;
mod ingest;
mod observables;
mod page;
mod restore;
mod scan;
#[cfg(feature = "conformance")]
mod test_database;

use std::collections::{HashMap, HashSet};
use std::sync::atomic::{AtomicBool, AtomicI64, AtomicU64, Ordering};
use std::sync::{Arc, RwLock};
use std::time::Duration;

use sqlx::PgPool;
use sqlx::migrate::Migrate as _;
use sqlx::postgres::{PgConnectOptions, PgPoolOptions};

use crate::error::{Error, Result};
use crate::migration::{AppliedMigration, newly_applied};
use crate::model::{
    ActivityQuery, ActivityRow, Audience, Collection, Counts, ManifestEntry, NewCollection, NewVersion,
    ObjectEntry, ObservableHit, ObservableQuery, Outcome, Page, PageQuery, ScanPage, ScanQuery,
    StoredVersion,
};
use crate::store::Store;

#[cfg(feature = "conformance")]
pub use test_database::PgTestDatabase;

/// The embedded schema migrations.
static MIGRATOR: sqlx::migrate::Migrator = sqlx::migrate!("./migrations/postgres");

/// Most times one ingest batch is replanned after losing a race to a concurrent writer (a unique
/// violation or a deadlock). Each retry starts after the winner committed, so it sees the winner's
/// rows; more than a handful of losses in a row means something else is wrong.
const MAX_INGEST_ATTEMPTS: u32 = 8;

/// How to connect to a PostgreSQL store. `Default` suits a node.
#[derive(Debug, Clone)]
pub struct PgOptions {
    /// Most connections in the pool: concurrent ingests and pages.
    pub max_connections: u32,
    /// How long an operation waits for a free connection before failing.
    pub acquire_timeout: Duration,
    /// Rows written after which the store refreshes its tables' planner statistics and visibility
    /// maps itself (`VACUUM (ANALYZE)`, in the background). PostgreSQL's autovacuum does the same
    /// when it is on, but it may be off; without fresh statistics after a bulk load the planner
    /// takes a label's index range for a handful of rows and reads all of it. 0 turns this off.
    pub maintenance_after_rows: u64,
}

impl Default for PgOptions {
    fn default() -> Self {
        PgOptions {
            max_connections: 16,
            acquire_timeout: Duration::from_secs(30),
            maintenance_after_rows: 100_000,
        }
    }
}

/// Refreshes the statistics and visibility maps of the tables a page reads.
const MAINTENANCE: &str =
    "VACUUM (ANALYZE) object_versions, collection_entries, object_labels, entry_labels, observables";

/// A store in a PostgreSQL database. Cheap to clone: clones share the pool.
#[derive(Debug, Clone)]
pub struct PgStore {
    pool: PgPool,
    /// Collection id → internal key. Collections are never deleted, so entries never go stale.
    keys: Arc<RwLock<HashMap<String, i64>>>,
    /// The highest `seq` known to be final: every value at or below it is committed or never will
    /// be. It only grows, and holds across processes, so a cached value stays true.
    seq_final: Arc<AtomicI64>,
    /// The migrations this handle applied when it connected.
    applied: Arc<Vec<AppliedMigration>>,
    /// Rows stored since the tables were last maintained, and whether maintenance is running.
    written: Arc<AtomicU64>,
    maintaining: Arc<AtomicBool>,
    maintenance_after_rows: u64,
}

impl PgStore {
    /// Connects to the database at `url` (e.g. `postgres://selat@localhost/selat`) with default
    /// options and applies pending migrations.
    pub async fn connect(url: &str) -> Result<Self> {
        Self::connect_with(url, &PgOptions::default()).await
    }

    /// Connects to the database at `url` and applies pending migrations.
    pub async fn connect_with(url: &str, options: &PgOptions) -> Result<Self> {
        let connect: PgConnectOptions = url.parse()?;
        let pool = PgPoolOptions::new()
            .max_connections(options.max_connections.max(1))
            .acquire_timeout(options.acquire_timeout)
            .connect_with(connect)
            .await?;
        let applied = migrate(&pool).await?;
        Ok(PgStore {
            pool,
            keys: Arc::default(),
            seq_final: Arc::default(),
            applied: Arc::new(applied),
            written: Arc::default(),
            maintaining: Arc::default(),
            maintenance_after_rows: options.maintenance_after_rows,
        })
    }

    /// Refreshes the planner statistics and visibility maps of the tables pages read
    /// (`VACUUM (ANALYZE)`): after a bulk load, a restore, or when autovacuum is off.
    pub async fn maintain(&self) -> Result<()> {
        sqlx::query(MAINTENANCE).execute(&self.pool).await?;
        Ok(())
    }

    /// Counts `stored` rows and, past [`PgOptions::maintenance_after_rows`], starts maintenance in
    /// the background (one run at a time; a failure is logged, the next threshold retries).
    fn note_written(&self, stored: u64) {
        if self.maintenance_after_rows == 0 || stored == 0 {
            return;
        }
        let written = self.written.fetch_add(stored, Ordering::Relaxed) + stored;
        if written < self.maintenance_after_rows || self.maintaining.swap(true, Ordering::AcqRel) {
            return;
        }
        self.written.store(0, Ordering::Relaxed);
        let store = self.clone();
        tokio::spawn(async move {
            if let Err(cause) = store.maintain().await {
                tracing::warn!(%cause, "refreshing table statistics failed");
            }
            store.maintaining.store(false, Ordering::Release);
        });
    }

    /// The schema migrations applied when this store connected (none when it was up to date).
    pub fn applied_migrations(&self) -> &[AppliedMigration] {
        &self.applied
    }

    /// Closes the pool, waiting for connections in use to be returned.
    pub async fn close(&self) {
        self.pool.close().await;
    }

    /// The internal key of a collection, from the cache or the database.
    async fn collection_key(&self, id: &str) -> Result<i64> {
        if let Some(key) = self.keys.read().ok().and_then(|keys| keys.get(id).copied()) {
            return Ok(key);
        }
        let key: Option<i64> = sqlx::query_scalar("SELECT key FROM collections WHERE id = $1")
            .bind(id)
            .fetch_optional(&self.pool)
            .await?;
        let key = key.ok_or_else(|| Error::CollectionNotFound(id.to_owned()))?;
        if let Ok(mut keys) = self.keys.write() {
            keys.insert(id.to_owned(), key);
        }
        Ok(key)
    }
}

impl Store for PgStore {
    async fn create_collection(&self, new: &NewCollection) -> Result<Collection> {
        collections::create(&self.pool, new).await
    }

    async fn collection(&self, id: &str) -> Result<Option<Collection>> {
        collections::get(&self.pool, id).await
    }

    async fn collections(&self) -> Result<Vec<Collection>> {
        collections::list(&self.pool).await
    }

    async fn ingest(&self, batch: &[NewVersion], collection: Option<&str>) -> Result<Vec<Outcome>> {
        let outcomes = ingest::ingest(&self.pool, batch, collection).await?;
        self.note_written(outcomes.iter().filter(|o| matches!(o, Outcome::Stored { .. })).count() as u64);
        Ok(outcomes)
    }

    async fn objects_page(&self, query: &PageQuery) -> Result<Page<ObjectEntry>> {
        let key = self.collection_key(&query.collection).await?;
        page::objects(&self.pool, key, query).await
    }

    async fn manifest_page(&self, query: &PageQuery) -> Result<Page<ManifestEntry>> {
        let key = self.collection_key(&query.collection).await?;
        page::manifest(&self.pool, key, query).await
    }

    async fn remove_object(&self, collection: &str, id: &str, owner: Option<&str>) -> Result<u64> {
        let key = self.collection_key(collection).await?;
        ingest::remove_object(&self.pool, key, id, owner).await
    }

    async fn scan(&self, query: &ScanQuery) -> Result<ScanPage> {
        match &query.collection {
            None => scan::all(&self.pool, query, &self.seq_final).await,
            Some(id) => {
                let key = self.collection_key(id).await?;
                scan::collection(&self.pool, key, query).await
            }
        }
    }

    async fn counts(&self, collection: Option<&str>) -> Result<Counts> {
        match collection {
            None => scan::counts(&self.pool).await,
            Some(id) => {
                let key = self.collection_key(id).await?;
                scan::collection_counts(&self.pool, key).await
            }
        }
    }

    async fn observable_holders(&self, query: &ObservableQuery) -> Result<Vec<ObservableHit>> {
        observables::holders(&self.pool, query).await
    }

    async fn latest_versions(&self, id: &str, audience: &Audience) -> Result<Vec<StoredVersion>> {
        scan::latest_versions(&self.pool, id, audience).await
    }

    async fn activity(&self, query: &ActivityQuery) -> Result<Vec<ActivityRow>> {
        let exclude_key = match &query.exclude_collection {
            Some(id) => Some(self.collection_key(id).await?),
            None => None,
        };
        scan::activity(&self.pool, exclude_key, query).await
    }
}

/// Applies pending migrations and says which they were. Two processes starting at once may both
/// list a migration as pending; `run` serialises them on its lock, and only one applies it.
async fn migrate(pool: &PgPool) -> Result<Vec<AppliedMigration>> {
    let before: HashSet<i64> = {
        let mut conn = pool.acquire().await?;
        conn.ensure_migrations_table(&MIGRATOR.table_name).await?;
        conn.list_applied_migrations(&MIGRATOR.table_name).await?.iter().map(|m| m.version).collect()
    };
    MIGRATOR.run(pool).await?;
    Ok(newly_applied(&MIGRATOR, &before))
}
