//! The audit log through a real node: account actions and authentication failures are recorded,
//! entries reach the store in batches, and `verify` finds every kind of tampering an attacker with
//! the database could do. Runs on SQLite, and on PostgreSQL too when `SELAT_TEST_POSTGRES_URL` is
//! set (a fresh database per case).

use std::time::{Duration, Instant};

use selat_core::audit::{AuditEntry, AuditFilter, ids_hash};
use selat_core::node::Node;
use selat_core::org::{OrgKind, Organisation, Role};
use selat_store::PgTestDatabase;

/// A node in a fresh directory, on SQLite or on a fresh PostgreSQL database.
struct TestNode {
    node: Node,
    _dir: tempfile::TempDir,
    database: Option<PgTestDatabase>,
}

impl TestNode {
    async fn new(postgres: bool) -> Option<TestNode> {
        let dir = tempfile::tempdir().unwrap();
        let database = if postgres {
            let admin = std::env::var("SELAT_TEST_POSTGRES_URL").ok().filter(|u| !u.is_empty())?;
            Some(PgTestDatabase::create(&admin).await.expect("a fresh PostgreSQL database"))
        } else {
            None
        };
        let node = Node::open_with(dir.path(), database.as_ref().map(PgTestDatabase::url)).await.unwrap();
        Some(TestNode { node, _dir: dir, database })
    }

    /// Runs one statement on the node's database behind the store's back.
    async fn tamper(&self, sql: &'static str) {
        let affected = match &self.database {
            Some(db) => {
                let pool = sqlx::PgPool::connect(db.url()).await.unwrap();
                let done = sqlx::query(sql).execute(&pool).await.unwrap();
                pool.close().await;
                done.rows_affected()
            }
            None => {
                let path = self._dir.path().join(selat_core::node::STORE_FILE);
                let url = format!("sqlite://{}", path.display());
                let pool = sqlx::SqlitePool::connect(&url).await.unwrap();
                let done = sqlx::query(sql).execute(&pool).await.unwrap();
                pool.close().await;
                done.rows_affected()
            }
        };
        assert_eq!(affected, 1, "{sql}");
    }

    async fn finish(self) {
        self.node.store.close().await;
        if let Some(db) = self.database {
            db.drop_database().await.unwrap();
        }
    }
}

fn org(short: &str) -> Organisation {
    Organisation {
        short_name: short.to_owned(),
        name: format!("{short} agency"),
        kind: OrgKind::MemberState,
        parent: None,
        identity: format!("identity--{}", uuid::Uuid::new_v4()),
        member_since: None,
    }
}

/// Three batches of four entries: seq 1–4, 5–8, 9–12.
async fn three_batches(node: &Node) {
    for batch in 0..3 {
        for n in 0..4 {
            let entry = AuditEntry::admin(None, "admin.test", format!("batch {batch} entry {n}"), Some("SG"));
            node.audit().record(entry).await;
        }
        node.audit().flush().await.unwrap();
    }
    let report = node.audit().verify().await.unwrap();
    assert_eq!((report.entries, report.batches, report.problem), (12, 3, None));
}

/// Each way to tamper, and where `verify` must say the chain first breaks: (statement, batch,
/// seq, words in the message).
const TAMPERING: &[(&str, Option<i64>, Option<i64>, &str)] = &[
    ("UPDATE audit_entries SET detail = 'nothing to see' WHERE seq = 6", Some(2), None, "hash mismatch"),
    ("UPDATE audit_entries SET count = 99 WHERE seq = 12", Some(3), None, "hash mismatch"),
    ("UPDATE audit_entries SET actor = 'someone else' WHERE seq = 1", Some(1), None, "hash mismatch"),
    ("DELETE FROM audit_entries WHERE seq = 6", Some(2), Some(6), "missing"),
    ("DELETE FROM audit_entries WHERE seq = 8", Some(2), Some(8), "missing"),
    ("DELETE FROM audit_entries WHERE seq = 12", Some(3), Some(12), "missing"),
    ("UPDATE audit_batches SET hash = 'ff' WHERE batch = 2", Some(2), None, "hash mismatch"),
    ("UPDATE audit_batches SET prev_hash = hash WHERE batch = 2", Some(2), None, "prev_hash"),
    ("UPDATE audit_batches SET last_seq = 7 WHERE batch = 2", Some(2), None, "hash mismatch"),
    ("UPDATE audit_batches SET first_seq = 6 WHERE batch = 2", Some(2), Some(5), "expected to start at 5"),
    ("DELETE FROM audit_batches WHERE batch = 2", Some(2), None, "missing"),
    ("DELETE FROM audit_batches WHERE batch = 3", None, Some(9), "sealed by no batch"),
];

async fn verify_detects_tampering(postgres: bool) {
    for &(sql, batch, seq, words) in TAMPERING {
        let Some(test) = TestNode::new(postgres).await else {
            println!("skipped on PostgreSQL: SELAT_TEST_POSTGRES_URL is not set");
            return;
        };
        three_batches(&test.node).await;
        test.tamper(sql).await;
        let report = test.node.audit().verify().await.unwrap();
        let problem = report.problem.clone().unwrap_or_else(|| panic!("{sql}: not detected"));
        assert_eq!((problem.batch, problem.seq), (batch, seq), "{sql}: {problem}");
        assert!(problem.to_string().contains(words), "{sql}: {problem}");
        test.finish().await;
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn verify_detects_edited_and_deleted_rows_on_sqlite() {
    verify_detects_tampering(false).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn verify_detects_edited_and_deleted_rows_on_postgres() {
    verify_detects_tampering(true).await;
}

/// Account actions and authentication failures each leave one entry, with the subject
/// organisation set and no secret in it.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn accounts_and_authentication_failures_are_audited() {
    let test = TestNode::new(false).await.unwrap();
    let node = &test.node;
    node.create_organisation(&org("SG")).await.unwrap();
    node.create_organisation(&org("MY")).await.unwrap();
    let password = "a long enough passphrase";
    node.create_user("alice", "SG", Role::Analyst, password).await.unwrap();
    let token = node.issue_token("SG", Role::Analyst, Some("alice"), "siem", None).await.unwrap();
    assert!(node.authenticate_password("alice", "wrong password").await.is_err());
    assert!(node.authenticate_password("nobody", "whatever secret").await.is_err());
    let wrong_secret = format!("{}x", &token.text[..token.text.len() - 1]);
    assert!(node.authenticate_token(&wrong_secret).await.is_err());
    assert!(node.set_password("alice", "another long passphrase").await.unwrap());
    assert!(node.revoke_token(&token.id).await.unwrap());
    assert!(node.authenticate_token(&token.text).await.is_err(), "revoked");
    node.authenticate_password("alice", "another long passphrase").await.unwrap();
    node.audit().flush().await.unwrap();

    let all = node.audit().query(&AuditFilter::default()).await.unwrap().entries;
    let operations: Vec<&str> = all.iter().map(|e| e.operation.as_str()).collect();
    assert_eq!(
        operations,
        [
            "admin.org.create",
            "admin.org.create",
            "admin.user.create",
            "admin.token.issue",
            "auth.failure",
            "auth.failure",
            "auth.failure",
            "admin.user.password",
            "admin.token.revoke",
            "auth.failure",
        ]
    );
    let text = serde_json::to_string(&all).unwrap();
    for secret in [password, "wrong password", "whatever secret", &token.text, &wrong_secret] {
        assert!(!text.contains(secret), "a secret is in the audit log: {secret}");
    }
    let failures: Vec<_> = all.iter().filter(|e| e.operation == "auth.failure").collect();
    assert_eq!(failures[0].subject_orgs, ["SG"], "a failure on alice concerns SG");
    assert!(failures[1].subject_orgs.is_empty(), "an unknown user concerns the hub only");
    assert!(failures[3].detail.contains("revoked"), "{:?}", failures[3]);
    assert!(failures.iter().all(|e| e.outcome == "failed"));

    let sg = AuditFilter { org: Some("SG".into()), ..AuditFilter::default() };
    let sg_entries = node.audit().query(&sg).await.unwrap().entries;
    assert!(sg_entries.iter().all(|e| e.subject_orgs == ["SG"]), "{sg_entries:?}");
    assert_eq!(sg_entries.len(), 8);
    let my = AuditFilter { org: Some("MY".into()), ..AuditFilter::default() };
    assert_eq!(node.audit().query(&my).await.unwrap().entries.len(), 1);
    let report = node.audit().verify().await.unwrap();
    assert_eq!((report.entries, report.problem), (10, None));
    test.finish().await;
}

/// Entries reach the store within the flush interval without a flush; pages chain by `next`.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn entries_are_written_in_time_and_paged() {
    let test = TestNode::new(false).await.unwrap();
    let node = &test.node;
    let ids = ["indicator--1", "indicator--2"];
    let subjects = ["SG".to_owned(), "MY".to_owned(), "SG".to_owned()];
    let read = AuditEntry::read(
        None,
        "taxii.objects.read",
        "match[type]=indicator",
        2,
        Some(ids_hash(&ids)),
        &subjects,
    );
    node.audit().record(read).await;
    let deadline = Instant::now() + Duration::from_secs(10);
    let entries = loop {
        let page = node.audit().query(&AuditFilter::default()).await.unwrap();
        if !page.entries.is_empty() {
            break page.entries;
        }
        assert!(Instant::now() < deadline, "no entry written within 10 s");
        tokio::time::sleep(Duration::from_millis(50)).await;
    };
    assert_eq!(entries[0].subject_orgs, ["MY", "SG"]);
    assert_eq!(entries[0].actor, "anonymous");
    assert_eq!(entries[0].ids_hash.as_deref(), Some(ids_hash(&ids).as_str()));

    for n in 0..600 {
        node.audit().record(AuditEntry::admin(None, "admin.test", format!("{n}"), None)).await;
    }
    node.audit().flush().await.unwrap();
    let mut filter =
        AuditFilter { operation: Some("admin.test".into()), limit: 250, ..AuditFilter::default() };
    let mut seen = Vec::new();
    loop {
        let page = node.audit().query(&filter).await.unwrap();
        seen.extend(page.entries.iter().map(|e| e.detail.clone()));
        match page.next {
            Some(next) => filter.after = Some(next),
            None => break,
        }
    }
    assert_eq!(seen, (0..600).map(|n| n.to_string()).collect::<Vec<_>>());
    let report = node.audit().verify().await.unwrap();
    assert_eq!((report.entries, report.problem), (601, None));
    assert!(report.batches >= 3, "600 entries take at least three batches of 256");
    test.finish().await;
}
