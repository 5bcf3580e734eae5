//! The conformance suite on the SQLite backend: each behaviour on a fresh file in a tempdir.

use std::path::PathBuf;

use selat_store::{Backend, SqliteStore, Store, conformance};

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

/// [`Backend`] passes calls through: a few behaviours of each trait on `Backend::Sqlite`.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn backend_delegates_to_sqlite() {
    let dir = tempfile::tempdir().expect("tempdir");
    let open = || Backend::open_sqlite(dir.path().join("selat.db"));
    conformance::collections_create_get_list(open().await.expect("open")).await;
    conformance::idempotent_reinsert(open().await.expect("open")).await;
    conformance::directory_tokens(open().await.expect("open")).await;
    conformance::audit_append_and_chain(open().await.expect("open")).await;
    let backend = open().await.expect("open");
    assert_eq!(backend.kind(), "sqlite");
    assert!(backend.applied_migrations().is_empty(), "migrated by the first open");
}

#[tokio::test]
async fn durable_across_reopen() {
    let dir = tempfile::tempdir().expect("tempdir");
    let path: PathBuf = dir.path().join("selat.db");
    conformance::durable_across_reopen(|| async {
        SqliteStore::open(&path).await.expect("open the same store")
    })
    .await;
}

/// Set in the child process of [`acknowledged_batches_survive_kill_9`]: the database to write.
const KILL_CHILD_DB: &str = "SELAT_STORE_TEST_KILL_CHILD_DB";
const KILL_BATCH: usize = 500;

/// A process that acknowledges batches is killed with SIGKILL mid-stream; every batch it
/// acknowledged is in the store when it is opened again.
#[test]
fn acknowledged_batches_survive_kill_9() {
    if let Some(path) = std::env::var_os(KILL_CHILD_DB) {
        return write_until_killed(PathBuf::from(path));
    }
    let dir = tempfile::tempdir().expect("tempdir");
    let path = dir.path().join("selat.db");
    let exe = std::env::current_exe().expect("test binary");
    let child = std::process::Command::new(exe)
        .args(["--exact", "acknowledged_batches_survive_kill_9", "--nocapture", "--test-threads=1"])
        .env(KILL_CHILD_DB, &path)
        .stdout(std::process::Stdio::piped())
        .spawn()
        .expect("spawn the writer");
    let mut child = KillOnDrop(child);
    let stdout = child.0.stdout.take().expect("child stdout");
    let mut acked = 0;
    for line in std::io::BufRead::lines(std::io::BufReader::new(stdout)) {
        let line = line.expect("child output");
        if let Some(n) = line.strip_prefix("acked ") {
            acked = n.parse().expect("batch number");
            if acked == 8 {
                break;
            }
        }
    }
    child.0.kill().expect("SIGKILL the writer");
    child.0.wait().expect("reap the writer");
    assert_eq!(acked, 8, "the writer acknowledged batches before it was killed");

    let runtime = tokio::runtime::Runtime::new().expect("runtime");
    let counts = runtime.block_on(async {
        let store = SqliteStore::open(&path).await.expect("reopen after kill -9");
        store.counts(None).await.expect("counts")
    });
    let durable = counts.versions as usize;
    assert!(durable >= acked * KILL_BATCH, "acknowledged {} objects, found {durable}", acked * KILL_BATCH);
    assert_eq!(durable % KILL_BATCH, 0, "a batch is stored whole or not at all");
}

struct KillOnDrop(std::process::Child);

impl Drop for KillOnDrop {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

/// The child: ingest batches forever, printing `acked N` after each commit.
fn write_until_killed(path: PathBuf) {
    use std::io::Write;
    let runtime = tokio::runtime::Runtime::new().expect("runtime");
    runtime.block_on(async {
        let store = SqliteStore::open(&path).await.expect("open");
        for n in 1.. {
            let batch: Vec<_> = (0..KILL_BATCH).map(|i| object(n * KILL_BATCH + i)).collect();
            store.ingest(&batch, None).await.expect("ingest");
            println!("acked {n}");
            std::io::stdout().flush().expect("flush");
        }
    });
}

fn object(n: usize) -> selat_store::NewVersion {
    let id = format!("indicator--00000000-0000-4000-8000-{n:012}");
    selat_store::NewVersion {
        json: format!(r#"{{"id":"{id}","type":"indicator"}}"#),
        audience: Vec::new(),
        observables: Vec::new(),
        id,
        object_type: "indicator".into(),
        spec_version: "2.1".into(),
        created_us: Some(1),
        modified_us: Some(1),
        created_by_ref: None,
        revoked: false,
        tlp: None,
        scope: "community".into(),
        confidence: None,
        is_sco: false,
        owner: "identity--11111111-1111-4111-8111-111111111111".into(),
    }
}
