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
pub use migration::AppliedMigration;
pub use model::{
    Audience, Collection, Counts, Dated, ManifestEntry, NewCollection, NewVersion, ObjectEntry, Outcome,
    Page, PageQuery, Refusal, ScanPage, ScanQuery, StoredVersion, VersionFilter, tlp_is_sensitive,
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

/// Most collections listed.
pub const MAX_COLLECTIONS: usize = 10_000;

// A page that fetched `limit + 1` rows from the scan knows there are more; that needs the scan to
// reach past the largest limit.
const _: () = assert!(MAX_SCAN_PER_PAGE > MAX_PAGE_LIMIT);

/// Now, in microseconds since the Unix epoch: the clock of `date_added`, `stored_us` and the
/// directory's timestamps, one for every backend.
pub(crate) fn now_us() -> i64 {
    let since = std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH);
    since.map_or(0, |d| i64::try_from(d.as_micros()).unwrap_or(i64::MAX))
}
