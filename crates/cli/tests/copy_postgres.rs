//! `selat copy` from a SQLite data directory into a fresh PostgreSQL database: everything the
//! node held is there afterwards, byte for byte, and a node served over the copy answers.
//!
//! Runs when `SELAT_TEST_POSTGRES_URL` names a server (as a role that may create databases);
//! skipped with one line otherwise, unless `SELAT_REQUIRE_POSTGRES=1` makes that a failure.

mod support;

use std::io::{BufRead as _, BufReader, Write as _};
use std::path::Path;
use std::process::{Child, Command, Stdio};
use std::time::Duration;

use selat_store::{
    Directory, Federation, ManifestEntry, PageQuery, PgStore, PgTestDatabase, ScanQuery, SqliteStore, Store,
    StoredVersion, VersionFilter,
};
use support::{run, run_with_stdin};

const URL_VAR: &str = "SELAT_TEST_POSTGRES_URL";
const REQUIRE_VAR: &str = "SELAT_REQUIRE_POSTGRES";

fn admin_url() -> Option<String> {
    if let Ok(url) = std::env::var(URL_VAR)
        && !url.is_empty()
    {
        return Some(url);
    }
    assert_ne!(std::env::var(REQUIRE_VAR).as_deref(), Ok("1"), "{REQUIRE_VAR}=1 but {URL_VAR} is not set");
    let line = format!("tests/copy_postgres.rs: skipped, {URL_VAR} is not set (a PostgreSQL URL)\n");
    let _ = std::io::stderr().write_all(line.as_bytes());
    None
}

/// The SQLite node: 3,000 generated objects in `shared`, a public collection (an access setting),
/// an organisation, a user and a token. Returns the token.
fn seed(dir: &Path) -> String {
    let data = dir.join("data");
    let data = data.to_str().unwrap();
    let mix = dir.join("mix.json");
    let out = run(&["bench", "generate", "--objects", "3000", "--out", mix.to_str().unwrap()]);
    assert_eq!(out.code, 0, "{out}");
    let out = run(&["import", mix.to_str().unwrap(), "--data", data, "--collection", "shared"]);
    assert_eq!(support::summary_counts(&out.stdout), [3000, 3000, 0, 0], "{out}");
    // A second version of some objects, so entries have first/last flags to carry.
    let out = run(&["import", mix.to_str().unwrap(), "--data", data, "--collection", "again"]);
    assert_eq!(out.code, 0, "{out}");
    let admin = |args: &[&str]| {
        let out = run(&[&["admin", "--data", data], args].concat());
        assert_eq!(out.code, 0, "{out}");
        out.stdout
    };
    admin(&["org", "add", "SG", "--name", "CSA Singapore", "--kind", "member-state"]);
    admin(&["org", "add", "SG-BANKING", "--name", "SG banking", "--kind", "sector-lead", "--parent", "SG"]);
    admin(&["collection", "add", "advisories", "--title", "Advisories", "--public"]);
    let out = run_with_stdin(
        &[
            "admin",
            "--data",
            data,
            "user",
            "add",
            "alice",
            "--org",
            "SG",
            "--role",
            "analyst",
            "--password-stdin",
        ],
        b"correct-horse-battery-staple\n",
    );
    assert_eq!(out.code, 0, "{out}");
    let token =
        admin(&["token", "issue", "--org", "SG", "--role", "analyst", "--user", "alice", "--label", "ci"]);
    token.lines().find(|l| l.starts_with("selat_")).expect("a token line").trim().to_owned()
}

#[test]
fn copy_moves_a_node_to_postgres() {
    let Some(admin) = admin_url() else { return };
    let dir = tempfile::tempdir().unwrap();
    let token = seed(dir.path());
    let data = dir.path().join("data");
    let runtime = tokio::runtime::Runtime::new().unwrap();
    runtime.block_on(add_versions_out_of_order(&data));
    let db = runtime.block_on(PgTestDatabase::create(&admin)).expect("a fresh database");
    let outcome = std::panic::catch_unwind(|| {
        let out = run(&["copy", "--from", data.to_str().unwrap(), "--to", db.url(), "--sample", "500"]);
        assert_eq!(out.code, 0, "{out}");
        assert!(out.stdout.contains("object versions: 3004"), "{out}");
        let sampled: u64 = out
            .stdout
            .split("; ")
            .find_map(|part| part.strip_suffix(" sampled entries byte-for-byte equal\n")?.parse().ok())
            .unwrap_or_else(|| panic!("no sample line: {out}"));
        assert!((500..=510).contains(&sampled), "about --sample entries compared: {out}");
        runtime.block_on(same_contents(&data, db.url()));
        let again = run(&["copy", "--from", data.to_str().unwrap(), "--to", db.url()]);
        assert_eq!(again.code, 2, "a second copy into a non-empty database is refused: {again}");
        assert!(again.stderr.contains("not empty"), "{again}");
        served_node_answers(&data, db.url(), &token);
        runtime.block_on(ingest_continues_after_the_copy(db.url()));
    });
    runtime.block_on(db.drop_database()).expect("drop the test database");
    if let Err(panic) = outcome {
        std::panic::resume_unwind(panic);
    }
}

/// Two versions of one indicator, the later one added first (so first/last flags are not simply
/// date_added order), and an SCO held by two owners, into `shared`.
async fn add_versions_out_of_order(data: &Path) {
    let store = SqliteStore::open(data.join("selat.db")).await.unwrap();
    let shared = store
        .collections()
        .await
        .unwrap()
        .into_iter()
        .find(|c| c.alias.as_deref() == Some("shared"))
        .unwrap();
    let later = version("indicator--00000000-0000-4000-8000-0000000000f1", false, OWNER_A, 2_000_000);
    let earlier = version("indicator--00000000-0000-4000-8000-0000000000f1", false, OWNER_A, 1_000_000);
    let sco_a = version("ipv4-addr--00000000-0000-5000-8000-0000000000f2", true, OWNER_A, 0);
    let sco_b = version("ipv4-addr--00000000-0000-5000-8000-0000000000f2", true, OWNER_B, 0);
    for batch in [vec![later, sco_a], vec![earlier, sco_b]] {
        let outcomes = store.ingest(&batch, Some(&shared.id)).await.unwrap();
        assert!(outcomes.iter().all(|o| matches!(o, selat_store::Outcome::Stored { .. })), "{outcomes:?}");
    }
    store.set_peer_cursor("hub", &shared.id, selat_store::Direction::Pull, 1_234, 5_678).await.unwrap();
    store.close().await;
}

const OWNER_A: &str = "identity--11111111-1111-4111-8111-111111111111";
const OWNER_B: &str = "identity--22222222-2222-4222-8222-222222222222";

/// An object version; an SCO has no timestamps, anything else is `modified` at `modified_us`.
fn version(id: &str, is_sco: bool, owner: &str, modified_us: i64) -> selat_store::NewVersion {
    let object_type = id.split("--").next().unwrap().to_owned();
    let stamp = (!is_sco).then_some(modified_us);
    selat_store::NewVersion {
        json: format!(r#"{{"id":"{id}","type":"{object_type}","modified":{modified_us},"owner":"{owner}"}}"#),
        audience: vec![format!("org:{owner}")],
        observables: Vec::new(),
        id: id.to_owned(),
        object_type,
        spec_version: "2.1".into(),
        created_us: stamp,
        modified_us: stamp,
        created_by_ref: None,
        revoked: false,
        tlp: None,
        scope: "community".into(),
        confidence: None,
        is_sco,
        owner: owner.to_owned(),
    }
}

/// Every manifest entry of a collection under a version filter, following `next`.
async fn manifest_all<S: Store>(store: &S, collection: &str, versions: VersionFilter) -> Vec<ManifestEntry> {
    let mut query = PageQuery { versions, ..PageQuery::new(collection, 1000) };
    let mut out = Vec::new();
    loop {
        let page = store.manifest_page(&query).await.unwrap();
        out.extend(page.entries);
        if !page.more {
            return out;
        }
        query.added_after_us = page.next_added_after_us;
    }
}

/// The store API sees the same directory, collections, versions and entries on both sides.
async fn same_contents(data: &Path, url: &str) {
    let source = SqliteStore::open(data.join("selat.db")).await.unwrap();
    let target = PgStore::connect(url).await.unwrap();
    assert_eq!(source.organisations().await.unwrap(), target.organisations().await.unwrap());
    assert_eq!(source.users(None).await.unwrap(), target.users(None).await.unwrap());
    assert_eq!(source.tokens(None).await.unwrap(), target.tokens(None).await.unwrap());
    let settings = source.settings().await.unwrap();
    assert!(settings.iter().any(|(k, _)| k.starts_with("collection-access:")), "{settings:?}");
    assert_eq!(settings, target.settings().await.unwrap(), "settings, access rules among them");
    let cursors = source.peer_cursors().await.unwrap();
    assert_eq!(cursors.len(), 1);
    assert_eq!(cursors, target.peer_cursors().await.unwrap(), "federation cursors");
    let collections = source.collections().await.unwrap();
    assert_eq!(collections.len(), 3);
    let strip =
        |c: &selat_store::Collection| (c.id.clone(), c.title.clone(), c.alias.clone(), c.media_types.clone());
    let target_collections = target.collections().await.unwrap();
    assert_eq!(
        collections.iter().map(strip).collect::<Vec<_>>(),
        target_collections.iter().map(strip).collect::<Vec<_>>()
    );
    assert_eq!(source.counts(None).await.unwrap(), target.counts(None).await.unwrap());
    let (from, to) = (scan_all(&source, None).await, scan_all(&target, None).await);
    assert_same(&without_seq(from), &without_seq(to), "every version");
    for c in &collections {
        assert_eq!(source.counts(Some(&c.id)).await.unwrap(), target.counts(Some(&c.id)).await.unwrap());
        let (from, to) = (scan_all(&source, Some(&c.id)).await, scan_all(&target, Some(&c.id)).await);
        assert_same(&without_seq(from), &without_seq(to), &format!("entries of {}", c.title));
        let query = ScanQuery {
            latest_only: true,
            collection: Some(c.id.clone()),
            limit: 10_000,
            ..ScanQuery::default()
        };
        let (a, b) = (source.scan(&query).await.unwrap().rows, target.scan(&query).await.unwrap().rows);
        assert_same(&without_seq(a), &without_seq(b), &format!("last entries of {}", c.title));
        for versions in [VersionFilter::first(), VersionFilter::last(), VersionFilter::all()] {
            let (a, b) = (
                manifest_all(&source, &c.id, versions.clone()).await,
                manifest_all(&target, &c.id, versions.clone()).await,
            );
            assert_eq!(
                a,
                b,
                "{} pages of {}",
                if versions.first {
                    "first"
                } else if versions.last {
                    "last"
                } else {
                    "all"
                },
                c.title
            );
        }
    }
    same_observable_index(&source, &target).await;
    source.close().await;
    target.close().await;
}

/// The observable index is rebuilt on the target: every value of the latest versions finds the
/// same holders on both sides.
async fn same_observable_index(source: &SqliteStore, target: &PgStore) {
    let mut values = std::collections::BTreeSet::new();
    for row in scan_all(source, None).await.into_iter().filter(|r| r.is_latest) {
        let object: serde_json::Value = serde_json::from_str(&row.json).unwrap();
        values.extend(selat_core::observables::extract(&object).values.into_iter().map(|o| o.value));
    }
    assert!(values.len() > 100, "the generated mix carries observable values: {}", values.len());
    let values: Vec<String> = values.into_iter().take(selat_store::MAX_OBSERVABLE_QUERY_VALUES).collect();
    let query = selat_store::ObservableQuery {
        values,
        limit_per_value: 1000,
        audience: selat_store::Audience::Unrestricted,
    };
    let holders = |hits: Vec<selat_store::ObservableHit>| {
        let mut out: Vec<(String, String, String, String)> =
            hits.into_iter().map(|h| (h.value, h.kind, h.id, h.owner)).collect();
        out.sort();
        out
    };
    let from = holders(source.observable_holders(&query).await.unwrap());
    assert!(!from.is_empty());
    assert_eq!(from, holders(target.observable_holders(&query).await.unwrap()), "the observable index");
}

async fn scan_all<S: Store>(store: &S, collection: Option<&str>) -> Vec<StoredVersion> {
    let mut query =
        ScanQuery { limit: 1000, collection: collection.map(str::to_owned), ..ScanQuery::default() };
    let mut rows = Vec::new();
    loop {
        let page = store.scan(&query).await.unwrap();
        rows.extend(page.rows);
        match page.next_after {
            Some(after) => query.after = Some(after),
            None => return rows,
        }
    }
}

/// Equal lists, or a failure naming the first difference (not two lists of thousands).
fn assert_same<T: PartialEq + std::fmt::Debug>(source: &[T], target: &[T], what: &str) {
    if let Some(i) = (0..source.len().min(target.len())).find(|&i| source[i] != target[i]) {
        panic!("{what}: first difference at {i}: source {:?}, target {:?}", source[i], target[i]);
    }
    assert_eq!(source.len(), target.len(), "{what}: lengths");
}

fn without_seq(rows: Vec<StoredVersion>) -> Vec<StoredVersion> {
    rows.into_iter().map(|r| StoredVersion { seq: 0, ..r }).collect()
}

/// After the copy, an ingest into a copied collection gets a `date_added` above every copied one.
async fn ingest_continues_after_the_copy(url: &str) {
    let target = PgStore::connect(url).await.unwrap();
    let shared = target
        .collections()
        .await
        .unwrap()
        .into_iter()
        .find(|c| c.alias.as_deref() == Some("shared"))
        .unwrap();
    let last = scan_all(&target, Some(&shared.id)).await.last().and_then(|r| r.date_added_us).unwrap();
    let id = "indicator--00000000-0000-4000-8000-00000000c0b1".to_owned();
    let new = selat_store::NewVersion {
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
    };
    let outcome = target.ingest(&[new], Some(&shared.id)).await.unwrap();
    let selat_store::Outcome::Stored { date_added_us: Some(added) } = outcome[0] else {
        panic!("{outcome:?}")
    };
    assert!(added > last, "date_added {added} after the copied {last}");
    target.close().await;
}

/// `selat serve` with `database = URL` in its config file serves the copied objects to the copied
/// token.
fn served_node_answers(data: &Path, url: &str, token: &str) {
    let config = data.with_file_name("selat.toml");
    std::fs::write(&config, format!("listen = \"127.0.0.1:0\"\ndatabase = \"{url}\"\n")).unwrap();
    let mut child = Command::new(env!("CARGO_BIN_EXE_selat"))
        .args(["serve", "--data"])
        .arg(data)
        .arg("--config")
        .arg(&config)
        .env_remove("SELAT_LISTEN")
        .env_remove("SELAT_DATABASE")
        .env("SELAT_LOG", "warn")
        .stdout(Stdio::piped())
        .stderr(Stdio::inherit())
        .spawn()
        .expect("selat serve starts");
    let result = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| fetch_shared(&mut child, token)));
    let _ = Command::new("kill").arg("-TERM").arg(child.id().to_string()).status();
    for _ in 0..300 {
        if let Ok(Some(_)) = child.try_wait() {
            break;
        }
        std::thread::sleep(Duration::from_millis(100));
    }
    let _ = child.kill();
    let _ = child.wait();
    if let Err(panic) = result {
        std::panic::resume_unwind(panic);
    }
}

fn fetch_shared(child: &mut Child, token: &str) {
    let mut line = String::new();
    let mut stdout = BufReader::new(child.stdout.take().unwrap());
    stdout.read_line(&mut line).unwrap();
    std::thread::spawn(move || std::io::copy(&mut stdout, &mut std::io::sink()));
    let base =
        line.split_whitespace().find(|w| w.starts_with("http://")).expect("a URL").trim_end_matches('/');
    let runtime = tokio::runtime::Runtime::new().unwrap();
    runtime.block_on(async {
        let client = selat_taxii::client::http_client().build().unwrap();
        let get = |path: String| {
            client
                .get(format!("{base}/taxii2/selat/{path}"))
                .bearer_auth(token)
                .header("Accept", "application/taxii+json;version=2.1")
                .send()
        };
        let collections: serde_json::Value = get("collections/".into()).await.unwrap().json().await.unwrap();
        let shared = collections["collections"]
            .as_array()
            .unwrap()
            .iter()
            .find(|c| c["alias"] == "shared")
            .unwrap_or_else(|| panic!("no shared collection in {collections}"))["id"]
            .as_str()
            .unwrap()
            .to_owned();
        let page = get(format!("collections/{shared}/objects/?limit=100")).await.unwrap();
        assert_eq!(page.status(), 200);
        let page: serde_json::Value = page.json().await.unwrap();
        assert_eq!(page["objects"].as_array().map(Vec::len), Some(100), "a full first page");
        assert_eq!(page["more"], true);
    });
}

/// `selat migrate` applies every migration to a fresh database and says which, then finds nothing
/// pending; on a fresh data directory it creates the SQLite store the same way.
#[test]
fn migrate_applies_pending_migrations_and_says_which() {
    let dir = tempfile::tempdir().unwrap();
    let data = dir.path().join("data");
    let data = data.to_str().unwrap();
    let first = run(&["migrate", "--data", data]);
    assert_eq!(first.code, 0, "{first}");
    assert!(
        first.stdout.contains("applied 0001 initial") && first.stdout.contains("applied 0002 directory"),
        "{first}"
    );
    let again = run(&["migrate", "--data", data]);
    assert!(again.stdout.contains("no migration pending"), "{again}");
    let other = run(&["migrate", "--data", data, "--database", "mysql://root:hunter2@db/selat"]);
    assert_eq!(other.code, 2, "{other}");
    assert!(other.stderr.contains("not a postgres:// URL") && !other.stderr.contains("hunter2"), "{other}");

    let Some(admin) = admin_url() else { return };
    let runtime = tokio::runtime::Runtime::new().unwrap();
    let db = runtime.block_on(PgTestDatabase::create(&admin)).expect("a fresh database");
    let first = run(&["migrate", "--data", data, "--database", db.url()]);
    let again = run(&["migrate", "--data", data, "--database", db.url()]);
    runtime.block_on(db.drop_database()).expect("drop the test database");
    assert_eq!(first.code, 0, "{first}");
    assert!(
        first.stdout.contains("applied 0001 initial") && first.stdout.contains("applied 0002 directory"),
        "{first}"
    );
    assert!(
        !first.stdout.contains("postgres://"),
        "the URL (it may hold a password) is not printed: {first}"
    );
    assert!(again.stdout.contains("no migration pending"), "{again}");
}

/// `import`, `export` and `admin` take `--database`: a node kept in PostgreSQL from the start.
#[test]
fn import_export_and_admin_work_on_postgres() {
    let Some(admin) = admin_url() else { return };
    let runtime = tokio::runtime::Runtime::new().unwrap();
    let db = runtime.block_on(PgTestDatabase::create(&admin)).expect("a fresh database");
    let dir = tempfile::tempdir().unwrap();
    let data = dir.path().join("data");
    let data = data.to_str().unwrap();
    let mix = dir.path().join("mix.json");
    let exported = dir.path().join("export.json");
    let url = db.url().to_owned();
    let generate = run(&["bench", "generate", "--objects", "500", "--out", mix.to_str().unwrap()]);
    let import =
        ["import", mix.to_str().unwrap(), "--data", data, "--database", &url, "--collection", "shared"];
    let first = run(&import);
    let again = run(&import);
    let org = run(&[
        "admin",
        "--data",
        data,
        "--database",
        &url,
        "org",
        "add",
        "SG",
        "--name",
        "SG",
        "--kind",
        "member-state",
    ]);
    let orgs = run(&["admin", "--data", data, "--database", &url, "org", "list"]);
    let export = run(&[
        "export",
        "--data",
        data,
        "--database",
        &url,
        "--collection",
        "shared",
        "--out",
        exported.to_str().unwrap(),
    ]);
    let sqlite_file_made = dir.path().join("data/selat.db").exists();
    runtime.block_on(db.drop_database()).expect("drop the test database");
    assert_eq!(generate.code, 0, "{generate}");
    assert_eq!((first.code, again.code), (0, 0), "{first}\n{again}");
    assert!(first.stdout.contains("read 500, stored 500"), "{first}");
    assert!(again.stdout.contains("stored 0, already present 500"), "{again}");
    assert_eq!(org.code, 0, "{org}");
    assert!(orgs.stdout.starts_with("SG\tmember-state"), "{orgs}");
    assert_eq!(export.code, 0, "{export}");
    let bundle: serde_json::Value = serde_json::from_slice(&std::fs::read(&exported).unwrap()).unwrap();
    assert_eq!(bundle["objects"].as_array().map(Vec::len), Some(500));
    assert!(!sqlite_file_made, "with --database nothing goes to the SQLite file");
}
