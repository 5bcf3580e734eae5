//! The one error type of the store.

/// What went wrong in a store operation, and what the caller can do about it.
///
/// Problems with a single object of an ingest batch are not errors: they come back as
/// [`Outcome::Refused`](crate::Outcome::Refused) beside the objects that were stored.
#[derive(Debug, thiserror::Error)]
pub enum Error {
    /// The database failed (I/O, corruption, a full disk, a lock held too long). Nothing of the
    /// operation was committed; the caller may retry, and should report it as an internal error.
    #[error("database error: {0}")]
    Database(#[from] sqlx::Error),

    /// The schema migrations could not be applied on open: the file may belong to a newer Selat, or
    /// be damaged. Do not write to it; restore it or upgrade.
    #[error("schema migration failed: {0}")]
    Migrate(#[from] sqlx::migrate::MigrateError),

    /// No collection has this id. Over TAXII this is a 404.
    #[error("collection not found: {0}")]
    CollectionNotFound(String),

    /// A collection with this id or alias exists already; pick another.
    #[error("collection already exists: {0}")]
    CollectionExists(String),

    /// A collection id must be a UUID (TAXII 2.1 §5.2); this one is not.
    #[error("collection id is not a UUID: {0}")]
    InvalidCollectionId(String),

    /// The batch holds more objects than [`MAX_BATCH_LEN`](crate::MAX_BATCH_LEN); split it.
    #[error("batch of {len} objects is over the limit of {max}")]
    BatchTooLarge {
        /// Objects in the refused batch.
        len: usize,
        /// The limit.
        max: usize,
    },

    /// A query filter lists more values than [`MAX_FILTER_VALUES`](crate::MAX_FILTER_VALUES);
    /// ask with fewer.
    #[error("filter `{filter}` lists {len} values, over the limit of {max}")]
    TooManyFilterValues {
        /// The filter's name (`type`, `id`, `spec_version`, `version`).
        filter: &'static str,
        /// Values given.
        len: usize,
        /// The limit.
        max: usize,
    },

    /// A federation call carries more rows than its limit
    /// ([`MAX_REFUSALS_PER_ROUND`](crate::federation::MAX_REFUSALS_PER_ROUND),
    /// [`MAX_ORIGINS_PER_CALL`](crate::federation::MAX_ORIGINS_PER_CALL)); record fewer.
    #[error("{what}: {len} rows in one call, over the limit of {max}")]
    TooManyRows {
        /// What the rows are (`peer refusals`, `object origins`).
        what: &'static str,
        /// Rows given.
        len: usize,
        /// The limit.
        max: usize,
    },

    /// An audit batch must hold 1..=[`MAX_AUDIT_BATCH_LEN`](crate::audit::MAX_AUDIT_BATCH_LEN)
    /// entries; split it or skip the append.
    #[error("audit batch of {len} entries is outside 1..={max}")]
    AuditBatchSize {
        /// Entries in the refused batch.
        len: usize,
        /// The limit.
        max: usize,
    },

    /// A version of an ingest batch carries more observable-index entries than
    /// [`MAX_OBSERVABLES_PER_VERSION`](crate::MAX_OBSERVABLES_PER_VERSION); the extractor must cap
    /// them. Nothing of the batch was stored.
    #[error("{id} carries {len} observable values, over the limit of {max}")]
    TooManyObservables {
        /// The version's id.
        id: String,
        /// Values given.
        len: usize,
        /// The limit.
        max: usize,
    },

    /// An observable value of an ingest batch is longer than
    /// [`MAX_OBSERVABLE_VALUE_BYTES`](crate::MAX_OBSERVABLE_VALUE_BYTES); the extractor must leave
    /// it out. Nothing of the batch was stored.
    #[error("{id} carries an observable value of {len} bytes, over the limit of {max}")]
    ObservableTooLong {
        /// The version's id.
        id: String,
        /// The value's length.
        len: usize,
        /// The limit.
        max: usize,
    },

    /// An activity count ([`Store::activity`](crate::Store::activity)) covers more than
    /// [`MAX_ACTIVITY_DAYS`](crate::MAX_ACTIVITY_DAYS) days, or ends before it starts; ask for a
    /// shorter range.
    #[error("an activity range of {days} days is not within 1..={max}")]
    ActivityRange {
        /// Days asked for.
        days: i64,
        /// The limit.
        max: i64,
    },

    /// A restore (`selat copy`) found rows that do not fit together, e.g. a collection entry
    /// whose version was not restored first. Nothing of the failing step was committed; the
    /// source store may have changed during the copy: copy again into a fresh database.
    #[error("restore mismatch: {what}")]
    RestoreMismatch {
        /// What did not fit.
        what: String,
    },
}

/// The store's result type.
pub type Result<T, E = Error> = std::result::Result<T, E>;
