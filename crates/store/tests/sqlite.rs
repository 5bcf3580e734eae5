//! The conformance suite on the SQLite backend: each behaviour on a fresh file in a tempdir.

use std::path::PathBuf;

use selat_store::{SqliteStore, conformance};

/// A fresh store in its own directory (kept alive by the returned guard).
async fn fresh() -> (tempfile::TempDir, SqliteStore) {
    let dir = tempfile::tempdir().expect("tempdir");
    let store = SqliteStore::open(dir.path().join("selat.db")).await.expect("open a fresh store");
    (dir, store)
}

macro_rules! conformance_tests {
    ($($name:ident),* $(,)?) => {$(
        #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
        async fn $name() {
            let (_dir, store) = fresh().await;
            conformance::$name(store).await;
        }
    )*};
}

conformance_tests!(
    collections_create_get_list,
    limits_are_enforced,
    idempotent_reinsert,
    not_owner_refused,
    sco_copies_per_owner,
    version_is_modified_created_or_date_added,
    concurrent_writers_date_added_strictly_increasing,
    page_limits_and_more,
    version_filters,
    filters_with_multiple_values,
    manifest_matches_objects,
    object_and_versions,
    remove_from_collection,
    page_stops_at_scan_bound,
    export_scan_covers_everything_once,
    counts_objects_and_versions,
);

#[tokio::test]
async fn durable_across_reopen() {
    let dir = tempfile::tempdir().expect("tempdir");
    let path: PathBuf = dir.path().join("selat.db");
    conformance::durable_across_reopen(|| async {
        SqliteStore::open(&path).await.expect("open the same store")
    })
    .await;
}
