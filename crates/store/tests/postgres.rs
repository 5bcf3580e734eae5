//! The conformance suite on the PostgreSQL backend: each behaviour on a fresh database.
//!
//! Runs when `SELAT_TEST_POSTGRES_URL` names a server (e.g.
//! `postgres://postgres@127.0.0.1:5432/test`, as a role that may create databases); each test
//! creates its own `selat_test_*` database there and drops it at the end. Without the variable
//! every test says once that it is skipped and passes, unless `SELAT_REQUIRE_POSTGRES=1`, which
//! makes a missing server a failure (for CI machines that have one).

use std::future::Future;
use std::io::Write;
use std::sync::Once;

use selat_store::{Backend, NewVersion, PgOptions, PgStore, PgTestDatabase, Store, conformance};

const URL_VAR: &str = "SELAT_TEST_POSTGRES_URL";
const REQUIRE_VAR: &str = "SELAT_REQUIRE_POSTGRES";

/// The server to test against, or `None` to skip.
fn admin_url() -> Option<String> {
    if let Ok(url) = std::env::var(URL_VAR)
        && !url.is_empty()
    {
        return Some(url);
    }
    assert_ne!(std::env::var(REQUIRE_VAR).as_deref(), Ok("1"), "{REQUIRE_VAR}=1 but {URL_VAR} is not set");
    static SAID: Once = Once::new();
    SAID.call_once(|| {
        // Written past the test harness's capture, so it shows in a normal `cargo test` run.
        let line = format!("tests/postgres.rs: skipped, {URL_VAR} is not set (a PostgreSQL URL)\n");
        let _ = std::io::stderr().write_all(line.as_bytes());
    });
    None
}

/// Runs `check` on a store over a fresh database, then drops the database, also when the check
/// panics (the panic is raised again afterwards).
async fn on_fresh_database<F, Fut>(check: F)
where
    F: FnOnce(PgStore) -> Fut,
    Fut: Future<Output = ()> + Send + 'static,
{
    let Some(admin) = admin_url() else { return };
    let db = PgTestDatabase::create(&admin).await.expect("create a fresh database");
    let store = PgStore::connect(db.url()).await.expect("connect to the fresh database");
    let outcome = tokio::spawn(check(store.clone())).await;
    store.close().await;
    db.drop_database().await.expect("drop the test database");
    if let Err(e) = outcome {
        std::panic::resume_unwind(e.into_panic());
    }
}

macro_rules! conformance_tests {
    ($($name:ident),* $(,)?) => {$(
        #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
        async fn $name() {
            on_fresh_database(conformance::$name).await;
        }
    )*};
}

conformance_tests!(
    collections_create_get_list,
    limits_are_enforced,
    observable_index_finds_visible_holders,
    observable_index_limits,
    latest_versions_through_audience,
    idempotent_reinsert,
    not_owner_refused,
    sco_copies_per_owner,
    version_is_modified_created_or_date_added,
    concurrent_writers_date_added_strictly_increasing,
    concurrent_writers_two_readers_see_every_entry_once,
    concurrent_writers_across_collections,
    page_limits_and_more,
    version_filters,
    filters_with_multiple_values,
    manifest_matches_objects,
    object_and_versions,
    remove_from_collection,
    remove_one_owners_copy,
    page_stops_at_scan_bound,
    export_scan_covers_everything_once,
    counts_objects_and_versions,
    activity_counts_by_owner_and_day,
    directory_organisations_and_users,
    directory_login_bookkeeping,
    directory_tokens,
    directory_statuses,
    directory_settings,
    directory_sharing_groups,
    audience_filters_pages,
    older_versions_follow_the_latest,
    observable_copies_merge,
    sparse_visibility_pages_cheaply,
    removal_reaches_viewers,
    audit_append_and_chain,
    audit_concurrent_appends_do_not_fork,
    audit_query_filters,
    federation_cursors,
    federation_rounds_and_refusals,
    federation_origins,
);

/// [`Backend`] passes calls through: a few behaviours of each trait on `Backend::Postgres`.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn backend_delegates_to_postgres() {
    on_fresh_database(|store: PgStore| async move {
        let backend = Backend::from(store);
        assert_eq!(backend.kind(), "postgres");
        conformance::collections_create_get_list(backend.clone()).await;
        conformance::idempotent_reinsert(backend.clone()).await;
        conformance::directory_tokens(backend.clone()).await;
        conformance::audit_append_and_chain(backend).await;
    })
    .await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn durable_across_reopen() {
    let Some(admin) = admin_url() else { return };
    let db = PgTestDatabase::create(&admin).await.expect("create a fresh database");
    let url = db.url().to_owned();
    let outcome = tokio::spawn(conformance::durable_across_reopen(move || {
        let url = url.clone();
        async move { PgStore::connect(&url).await.expect("connect to the same database") }
    }))
    .await;
    db.drop_database().await.expect("drop the test database");
    if let Err(e) = outcome {
        std::panic::resume_unwind(e.into_panic());
    }
}

/// Past `maintenance_after_rows` rows written, the store refreshes its tables' statistics itself
/// (autovacuum may be off, as on the machines this runs on): without that, a page after a bulk
/// load reads a label's whole range.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn statistics_are_refreshed_after_bulk_writes() {
    let Some(admin) = admin_url() else { return };
    let db = PgTestDatabase::create(&admin).await.expect("create a fresh database");
    let options = PgOptions { maintenance_after_rows: 50, ..PgOptions::default() };
    let store = PgStore::connect_with(db.url(), &options).await.expect("connect");
    let analysed = || async {
        let sql = "SELECT count(*) FROM pg_stat_user_tables \
                   WHERE relname = 'entry_labels' AND last_analyze IS NOT NULL";
        let pool = sqlx::PgPool::connect(db.url()).await.expect("connect to look");
        let n: i64 = sqlx::query_scalar(sql).fetch_one(&pool).await.expect("statistics");
        pool.close().await;
        n == 1
    };
    let version = |n: u32| {
        let id = format!("indicator--00000000-0000-4000-8000-{n:012}");
        NewVersion {
            json: format!(r#"{{"id":"{id}","type":"indicator"}}"#),
            id,
            object_type: "indicator".to_owned(),
            spec_version: "2.1".to_owned(),
            created_us: Some(1_700_000_000_000_000),
            modified_us: Some(1_700_000_000_000_000),
            created_by_ref: None,
            revoked: false,
            tlp: Some("green".to_owned()),
            scope: "community".to_owned(),
            confidence: None,
            is_sco: false,
            owner: "identity--00000000-0000-4000-8000-000000000001".to_owned(),
            audience: vec!["community".to_owned()],
            observables: Vec::new(),
        }
    };
    let batch: Vec<NewVersion> = (0..40).map(version).collect();
    store.ingest(&batch, None).await.expect("first batch");
    tokio::time::sleep(std::time::Duration::from_millis(500)).await;
    let before = analysed().await;
    let batch: Vec<NewVersion> = (40..80).map(version).collect();
    store.ingest(&batch, None).await.expect("second batch");
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(20);
    let mut after = false;
    while !after && std::time::Instant::now() < deadline {
        tokio::time::sleep(std::time::Duration::from_millis(100)).await;
        after = analysed().await;
    }
    store.close().await;
    db.drop_database().await.expect("drop the test database");
    assert!(!before, "40 rows, under the threshold of 50: no maintenance yet");
    assert!(after, "80 rows, past the threshold of 50: the store analysed its tables");
}
