//! The OASIS taxii2-client against the real `selat serve`: starts the binary on a free port over
//! a fresh data directory (accounts and collections made through `selat_core` first), then runs
//! the pytest suite in `crates/server/tests/python/` with the interpreter in `SELAT_TEST_PYTHON`.
//!
//! Without `SELAT_TEST_PYTHON` the test says it skips, unless `SELAT_REQUIRE_ORACLES=1`. It runs
//! once on the embedded SQLite store and once on a fresh PostgreSQL database when
//! `SELAT_TEST_POSTGRES_URL` names a server (skipped with one line otherwise, unless
//! `SELAT_REQUIRE_POSTGRES=1`).

use std::io::{BufRead, BufReader};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::Duration;

use selat_core::access::CollectionAccess;
use selat_core::node::Node;
use selat_core::org::{OrgKind, Organisation, Role};

const PASSWORD: &str = "correct horse battery staple";
/// Small, so that the oversized-body case sends only a little more than this.
const MAX_BODY_BYTES: u64 = 1_000_000;

struct Seeded {
    shared: String,
    public: String,
}

#[test]
fn taxii2_client_suite_passes_against_selat_serve() {
    run_suite(None);
}

#[test]
fn taxii2_client_suite_passes_on_postgres() {
    let Ok(admin) = std::env::var("SELAT_TEST_POSTGRES_URL") else {
        assert!(
            std::env::var("SELAT_REQUIRE_POSTGRES").as_deref() != Ok("1"),
            "SELAT_REQUIRE_POSTGRES=1 but SELAT_TEST_POSTGRES_URL is not set"
        );
        println!("skipped: SELAT_TEST_POSTGRES_URL is not set");
        return;
    };
    let runtime = tokio::runtime::Runtime::new().unwrap();
    let db = runtime.block_on(selat_store::PgTestDatabase::create(&admin)).expect("a fresh database");
    run_suite(Some(db.url()));
    runtime.block_on(db.drop_database()).unwrap();
}

/// The pytest suite against `selat serve` on a fresh data directory, its store the PostgreSQL
/// database `database` names, or SQLite.
fn run_suite(database: Option<&str>) {
    let Some(python) = std::env::var_os("SELAT_TEST_PYTHON") else {
        assert!(
            std::env::var("SELAT_REQUIRE_ORACLES").as_deref() != Ok("1"),
            "SELAT_REQUIRE_ORACLES=1 but SELAT_TEST_PYTHON is not set"
        );
        println!(
            "skipped: SELAT_TEST_PYTHON is not set (scripts/test sets it to the venv with taxii2-client)"
        );
        return;
    };
    let dir = tempfile::tempdir().unwrap();
    let seeded = tokio::runtime::Runtime::new().unwrap().block_on(seed(dir.path(), database));
    let config = dir.path().join("selat.toml");
    let database_line = database.map(|url| format!("database = \"{url}\"\n")).unwrap_or_default();
    std::fs::write(
        &config,
        format!("listen = \"127.0.0.1:0\"\n{database_line}\n[limits]\nmax_body_bytes = {MAX_BODY_BYTES}\n"),
    )
    .unwrap();
    let (mut server, base_url) = start_server(dir.path(), &config);

    let workspace = Path::new(env!("CARGO_MANIFEST_DIR")).join("../..");
    let output = Command::new(python)
        .args(["-m", "pytest", "-q", "-p", "no:cacheprovider", "crates/server/tests/python/"])
        .current_dir(&workspace)
        .env("SELAT_TAXII_URL", &base_url)
        .env("SELAT_TAXII_USER", "sg-analyst")
        .env("SELAT_TAXII_VIEWER", "sg-viewer")
        .env("SELAT_TAXII_PASSWORD", PASSWORD)
        .env("SELAT_TAXII_SHARED", &seeded.shared)
        .env("SELAT_TAXII_PUBLIC", &seeded.public)
        .env("SELAT_TAXII_MAX_CONTENT_LENGTH", MAX_BODY_BYTES.to_string())
        .output()
        .expect("the Python interpreter runs");
    let stopped = stop(&mut server);
    let text =
        format!("{}\n{}", String::from_utf8_lossy(&output.stdout), String::from_utf8_lossy(&output.stderr));
    println!("{text}");
    assert!(output.status.success(), "the taxii2-client suite failed:\n{text}");
    assert!(stopped, "selat serve did not stop cleanly on SIGTERM");
}

/// Organisations, users and the two collections, made directly on the data directory.
async fn seed(dir: &Path, database: Option<&str>) -> Seeded {
    let node = Node::open_with(dir, database).await.unwrap();
    let org = |short: &str, kind| Organisation {
        short_name: short.to_owned(),
        name: format!("{short} national agency"),
        kind,
        parent: None,
        identity: format!("identity--{}", uuid_v4()),
        member_since: None,
    };
    node.create_organisation(&org("SG", OrgKind::MemberState)).await.unwrap();
    node.create_organisation(&org("ASEAN", OrgKind::Secretariat)).await.unwrap();
    node.create_user("sg-analyst", "SG", Role::Analyst, PASSWORD).await.unwrap();
    node.create_user("sg-viewer", "SG", Role::Viewer, PASSWORD).await.unwrap();
    let (shared, _) = node.collection_named("shared", true).await.unwrap();
    node.set_collection_access(&shared.id, CollectionAccess::SHARED).await.unwrap();
    let (public, _) = node.collection_named("public", true).await.unwrap();
    node.set_collection_access(&public.id, CollectionAccess::PUBLIC).await.unwrap();
    Seeded { shared: shared.id, public: public.id }
}

/// A random v4 UUID from the kernel, without adding a dependency for it.
fn uuid_v4() -> String {
    let text = std::fs::read_to_string("/proc/sys/kernel/random/uuid").expect("a Linux kernel");
    text.trim().to_owned()
}

/// Starts `selat serve` and reads the base URL it prints once it listens.
fn start_server(data: &Path, config: &PathBuf) -> (Child, String) {
    let mut child = Command::new(env!("CARGO_BIN_EXE_selat"))
        .arg("serve")
        .arg("--data")
        .arg(data)
        .arg("--config")
        .arg(config)
        .env_remove("SELAT_LISTEN")
        .env_remove("SELAT_DATABASE")
        .env("SELAT_LOG", "warn")
        .stdout(Stdio::piped())
        .stderr(Stdio::inherit())
        .spawn()
        .expect("selat serve starts");
    let mut line = String::new();
    let mut stdout = BufReader::new(child.stdout.take().unwrap());
    stdout.read_line(&mut line).unwrap();
    // Keep reading (and dropping) what it prints, so its standard output stays open.
    std::thread::spawn(move || std::io::copy(&mut stdout, &mut std::io::sink()));
    let url = line
        .split_whitespace()
        .find(|w| w.starts_with("http://"))
        .unwrap_or_else(|| panic!("no URL in {line:?}"))
        .trim_end_matches('/')
        .to_owned();
    (child, url)
}

/// SIGTERM, then waits up to 30 s; true when the server exited with success.
fn stop(child: &mut Child) -> bool {
    let _ = Command::new("kill").arg("-TERM").arg(child.id().to_string()).status();
    for _ in 0..300 {
        if let Ok(Some(status)) = child.try_wait() {
            return status.success();
        }
        std::thread::sleep(Duration::from_millis(100));
    }
    let _ = child.kill();
    false
}
