//! The `Store` trait every backend implements.

use std::future::Future;

use crate::error::Result;
use crate::model::{
    ActivityQuery, ActivityRow, Audience, Collection, Counts, ManifestEntry, NewCollection, NewVersion,
    ObjectEntry, ObservableHit, ObservableQuery, Outcome, Page, PageQuery, ScanPage, ScanQuery,
    StoredVersion, VersionFilter,
};

/// A Selat object store.
///
/// Methods return `Send` futures so callers can use a store generically from spawned tasks. The
/// trait is not object-safe; a caller that must pick a backend at run time wraps the backends in an
/// enum.
pub trait Store: Send + Sync {
    /// Creates a collection. Fails with `CollectionExists` when the id or alias is taken.
    fn create_collection(&self, new: &NewCollection) -> impl Future<Output = Result<Collection>> + Send;

    /// The collection with this id, if any.
    fn collection(&self, id: &str) -> impl Future<Output = Result<Option<Collection>>> + Send;

    /// Every collection, by creation time.
    fn collections(&self) -> impl Future<Output = Result<Vec<Collection>>> + Send;

    /// Stores a batch in one transaction, adding each object to `collection` when given.
    /// Returns one outcome per input, in order. Nothing is stored when an error is returned; once
    /// it returns `Ok`, the batch is durable.
    fn ingest(
        &self,
        batch: &[NewVersion],
        collection: Option<&str>,
    ) -> impl Future<Output = Result<Vec<Outcome>>> + Send;

    /// A page of object entries of a collection, by `date_added`.
    fn objects_page(&self, query: &PageQuery) -> impl Future<Output = Result<Page<ObjectEntry>>> + Send;

    /// The same page as [`objects_page`](Self::objects_page) without the objects' JSON.
    fn manifest_page(&self, query: &PageQuery) -> impl Future<Output = Result<Page<ManifestEntry>>> + Send;

    /// The versions of the objects the query selects (usually one id, see [`PageQuery::object`]),
    /// every version whatever `query.versions` says (TAXII `objects/{id}/versions/`).
    fn versions_page(&self, query: &PageQuery) -> impl Future<Output = Result<Page<ManifestEntry>>> + Send {
        let query = PageQuery { versions: VersionFilter::all(), ..query.clone() };
        async move { self.manifest_page(&query).await }
    }

    /// Removes every version of `id` from one collection — only `owner`'s copy when given (two
    /// owners may hold copies of an observable) — and returns how many entries went. The versions
    /// stay stored (and in other collections).
    fn remove_object(
        &self,
        collection: &str,
        id: &str,
        owner: Option<&str>,
    ) -> impl Future<Output = Result<u64>> + Send;

    /// One keyset page of an export scan; repeat with `after = next_after` until it is `None`.
    fn scan(&self, query: &ScanQuery) -> impl Future<Output = Result<ScanPage>> + Send;

    /// Objects and versions in the store, or in one collection.
    fn counts(&self, collection: Option<&str>) -> impl Future<Output = Result<Counts>> + Send;

    /// The observable index: for each value of the query, the latest versions carrying it that
    /// the query's audience may see (their own labels; being latest, no other version decides),
    /// newest first, at most the query's limit per value. Sorted by value. A value no visible
    /// version carries has no row: nothing hints at what the audience may not see.
    fn observable_holders(
        &self,
        query: &ObservableQuery,
    ) -> impl Future<Output = Result<Vec<ObservableHit>>> + Send;

    /// The latest version of each `(id, owner)` of `id` (several only for cyber-observables) that
    /// `audience` may see, at most [`MAX_LATEST_COPIES`](crate::MAX_LATEST_COPIES).
    fn latest_versions(
        &self,
        id: &str,
        audience: &Audience,
    ) -> impl Future<Output = Result<Vec<StoredVersion>>> + Send;

    /// How many objects each owner added per day in a range, as the query's audience sees them
    /// (see [`ActivityQuery`]), sorted by owner and day; days without any have no row. Fails with
    /// [`Error::ActivityRange`](crate::Error::ActivityRange) past
    /// [`MAX_ACTIVITY_DAYS`](crate::MAX_ACTIVITY_DAYS).
    fn activity(&self, query: &ActivityQuery) -> impl Future<Output = Result<Vec<ActivityRow>>> + Send;
}
