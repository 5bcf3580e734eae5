//! Selat's storage: the [`Store`] and [`Directory`] traits, the embedded SQLite backend
//! ([`SqliteStore`]), the PostgreSQL backend ([`PgStore`]), [`Backend`] (either, chosen at run
//! time) and the conformance suite every backend passes.
//!
//! Only this crate writes SQL. It depends on no other Selat crate: callers parse and validate STIX
//! and hand in [`NewVersion`]s with every column already computed; reads hand back the stored
//! canonical JSON byte-exact, never re-serialised.
//!
//! # Data model
//! - An object version is keyed by `(id, version, owner)`; version is `modified`, else `created`,
//!   else the time the content was first stored (TAXII 2.1 §3.4.1). Every version is kept; the
//!   latest of each `(id, owner)` is flagged.
//! - Only the owner of an id adds versions of it ([`Refusal::NotOwner`]). Cyber-observables are
//!   the exception: each owner keeps its own copy of the same id.
//! - Re-sending a version is a no-op ([`Outcome::AlreadyPresent`]), so ingest can be retried.
//! - A collection holds object versions, each with a `date_added` strictly increasing within the
//!   collection, assigned inside the write transaction. A reader paging with `added_after` never
//!   skips or repeats an entry, however writers interleave.
//!
//! # Costs
//! An ingest batch is one transaction of a handful of statements per ~1,900 objects (bulk look-ups
//! by `IN` lists, multi-row inserts); a batch of new objects does two look-ups and two inserts.
//! A page is at most two statements over an index range, bounded by [`MAX_SCAN_PER_PAGE`] entries.
//! Export scans are keyset-paged, so memory stays flat however much is exported.
//!
//! # Backends
//! The private `plan` module holds the ingest rules (ownership, idempotency, versions, first/last
//! bookkeeping, `date_added`), backend-neutral; a backend only does the look-ups and the writes.
//! Both backends implement [`Store`] and [`Directory`] (schemas in `migrations/sqlite/` and
//! `migrations/postgres/`, mirrored table for table) and pass [`conformance`] (cargo feature
//! `conformance`). [`Backend`] wraps either for a node that picks its database at run time.
//! [`AuditLog`] (module [`audit`]) is the append-only audit log, chained in sealed batches.

pub mod audit;
mod backend;
#[cfg(feature = "conformance")]
pub mod conformance;
pub mod directory;
mod error;
pub mod federation;
mod migration;
mod model;
mod plan;
mod postgres;
mod sqlite;
mod store;
mod visibility;

pub use audit::{AuditBatchRow, AuditLog, AuditQuery, AuditRow, NewAuditEntry};
pub use backend::{Backend, is_postgres_url};
pub use directory::{Directory, OrganisationRow, SharingGroupRow, StatusRow, TokenRow, UserRow};
pub use error::{Error, Result};
pub use federation::{
    Direction, Federation, OriginRow, PeerCursorRow, PeerRefusalRow, PeerRoundRow, PeerStateRow,
};
pub use migration::AppliedMigration;
pub use model::{
    ActivityQuery, ActivityRow, Audience, Collection, Counts, Dated, ManifestEntry, NewCollection,
    NewVersion, ObjectEntry, Observable, ObservableHit, ObservableQuery, Outcome, Page, PageQuery, Refusal,
    ScanPage, ScanQuery, StoredVersion, VersionFilter, tlp_is_sensitive,
};
#[cfg(feature = "conformance")]
pub use postgres::PgTestDatabase;
pub use postgres::{PgOptions, PgStore};
pub use sqlite::{SqliteOptions, SqliteStore};
pub use store::Store;

/// Most objects in one ingest batch (the default per TAXII POST, DESIGN "Reliability").
pub const MAX_BATCH_LEN: usize = 10_000;

/// Most entries in one page; a larger `limit` gives a page of this size (TAXII §3.4).
pub const MAX_PAGE_LIMIT: usize = 10_000;

/// Most collection entries one page examines. Past it, a page stops short with `more` set, so a
/// filter that hides most entries costs several cheap pages instead of one unbounded one.
pub const MAX_SCAN_PER_PAGE: usize = 20_000;

/// Most values in one filter list (`types`, `ids`, `spec_versions`, version timestamps).
pub const MAX_FILTER_VALUES: usize = 1_000;

/// Most rows in one export scan page.
pub const MAX_SCAN_LIMIT: usize = 10_000;

/// Longest range one activity count ([`Store::activity`]) covers, in days: a year and a little,
/// so its answer is at most this many rows per owner.
pub const MAX_ACTIVITY_DAYS: i64 = 400;

/// Most collections listed.
pub const MAX_COLLECTIONS: usize = 10_000;

/// Most observable-index entries one version carries; an ingest batch with a version over it is
/// refused ([`Error::TooManyObservables`]). Extractors cap what they hand in at this.
pub const MAX_OBSERVABLES_PER_VERSION: usize = 256;

/// Longest observable value indexed, in bytes; the extractor leaves longer values out, and a store
/// refuses them ([`Error::ObservableTooLong`]). Keeps every index key well inside PostgreSQL's
/// b-tree entry size.
pub const MAX_OBSERVABLE_VALUE_BYTES: usize = 1024;

/// Most values in one observable look-up ([`ObservableQuery`]).
pub const MAX_OBSERVABLE_QUERY_VALUES: usize = 256;

/// Most holders returned per value by one observable look-up.
pub const MAX_HOLDERS_PER_VALUE: usize = 1000;

/// Most latest versions of one id returned by [`Store::latest_versions`] (one per owner: only
/// cyber-observables have several).
pub const MAX_LATEST_COPIES: usize = 1000;

// A page that fetched `limit + 1` rows from the scan knows there are more; that needs the scan to
// reach past the largest limit.
const _: () = assert!(MAX_SCAN_PER_PAGE > MAX_PAGE_LIMIT);

/// The 64-bit key of an observable value (FNV-1a), the key of the observable index on both
/// backends. Collisions only cost a look-up a few extra rows: every query also compares the value.
pub(crate) fn value_key(value: &str) -> i64 {
    let mut hash: u64 = 0xcbf2_9ce4_8422_2325;
    for byte in value.bytes() {
        hash ^= u64::from(byte);
        hash = hash.wrapping_mul(0x0100_0000_01b3);
    }
    hash as i64
}

/// Refuses a batch with a version over the observable limits, before anything is written.
pub(crate) fn check_observables(batch: &[NewVersion]) -> Result<()> {
    for new in batch {
        if new.observables.len() > MAX_OBSERVABLES_PER_VERSION {
            return Err(Error::TooManyObservables {
                id: new.id.clone(),
                len: new.observables.len(),
                max: MAX_OBSERVABLES_PER_VERSION,
            });
        }
        if let Some(long) = new.observables.iter().find(|o| o.value.len() > MAX_OBSERVABLE_VALUE_BYTES) {
            return Err(Error::ObservableTooLong {
                id: new.id.clone(),
                len: long.value.len(),
                max: MAX_OBSERVABLE_VALUE_BYTES,
            });
        }
    }
    Ok(())
}

/// Now, in microseconds since the Unix epoch: the clock of `date_added`, `stored_us` and the
/// directory's timestamps, one for every backend.
pub(crate) fn now_us() -> i64 {
    let since = std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH);
    since.map_or(0, |d| i64::try_from(d.as_micros()).unwrap_or(i64::MAX))
}
