//! `selat admin audit` on the real binary: admin actions and imports leave entries, printed as JSON
//! lines and filtered; `admin audit verify` exits 0 on an intact log and 1 once a row is edited or
//! deleted in the SQLite file.

mod support;

use serde_json::Value;
use support::run;

fn admin(data: &str, args: &[&str]) -> support::Output {
    let mut all = vec!["admin", "--data", data];
    all.extend_from_slice(args);
    run(&all)
}

/// A data directory with one organisation, a user, a token (issued, then revoked) and an import:
/// five audited commands.
fn seeded() -> tempfile::TempDir {
    let dir = tempfile::tempdir().unwrap();
    let data = dir.path().to_str().unwrap();
    for args in [
        &["org", "add", "SG", "--name", "Singapore", "--kind", "member-state"][..],
        &["user", "add", "alice", "--org", "SG", "--role", "org-admin"],
    ] {
        let out = admin(data, args);
        assert_eq!(out.code, 0, "{out}");
    }
    let out = admin(data, &["token", "issue", "--org", "SG", "--role", "analyst"]);
    assert_eq!(out.code, 0, "{out}");
    let id = &out.stdout.trim()["selat_".len().."selat_".len() + 16];
    assert_eq!(admin(data, &["token", "revoke", id]).code, 0);
    let bundle = dir.path().join("in.json");
    let object = r#"{"type":"identity","spec_version":"2.1","id":"identity--2d1c6ab3-5e4e-48ac-a32b-f0c01c2836a8","created":"2024-01-01T00:00:00.000Z","modified":"2024-01-01T00:00:00.000Z","name":"x","identity_class":"organization"}"#;
    std::fs::write(
        &bundle,
        format!(
            r#"{{"type":"bundle","id":"bundle--2d1c6ab3-5e4e-48ac-a32b-f0c01c2836a9","objects":[{object}]}}"#
        ),
    )
    .unwrap();
    let out = run(&["import", bundle.to_str().unwrap(), "--data", data]);
    assert_eq!(out.code, 0, "{out}");
    dir
}

fn entries(data: &str, args: &[&str]) -> Vec<Value> {
    let mut all = vec!["audit"];
    all.extend_from_slice(args);
    let out = admin(data, &all);
    assert_eq!(out.code, 0, "{out}");
    out.stdout.lines().map(|l| serde_json::from_str(l).unwrap_or_else(|e| panic!("{e}: {l}"))).collect()
}

#[test]
fn admin_actions_are_listed_and_the_chain_verifies() {
    let dir = seeded();
    let data = dir.path().to_str().unwrap();
    let all = entries(data, &[]);
    let operations: Vec<&str> = all.iter().map(|e| e["operation"].as_str().unwrap()).collect();
    assert_eq!(
        operations,
        ["admin.org.create", "admin.user.create", "admin.token.issue", "admin.token.revoke", "import"]
    );
    assert!(all.iter().all(|e| e["actor"] == "operator"), "{all:?}");
    assert_eq!(all[4]["count"], 1, "the import stored one object: {}", all[4]);
    assert_eq!(entries(data, &["--operation", "admin.user.create"]).len(), 1);
    assert_eq!(entries(data, &["--org", "SG"]).len(), 4);
    assert_eq!(entries(data, &["--limit", "2"]).len(), 2);
    assert_eq!(entries(data, &["--since", "2999-01-01T00:00:00Z"]).len(), 0);
    assert_ne!(admin(data, &["audit", "--since", "yesterday"]).code, 0, "a bad time is refused");

    let out = admin(data, &["audit", "verify"]);
    assert_eq!(out.code, 0, "{out}");
    assert!(out.stdout.contains("audit log intact: 5 entries in 5 batches"), "{out}");
}

/// Runs `sql` on the node's SQLite file behind the store's back.
fn tamper(dir: &tempfile::TempDir, sql: &'static str) {
    let path = dir.path().join("selat.db");
    tokio::runtime::Runtime::new().unwrap().block_on(async {
        let pool = sqlx::SqlitePool::connect(&format!("sqlite://{}", path.display())).await.unwrap();
        let done = sqlx::query(sql).execute(&pool).await.unwrap();
        assert_eq!(done.rows_affected(), 1, "{sql}");
        pool.close().await;
    });
}

#[test]
fn verify_exits_1_naming_an_edited_or_deleted_row() {
    for (sql, expected) in [
        ("UPDATE audit_entries SET detail = 'nothing happened' WHERE seq = 2", "batch 2: hash mismatch"),
        ("DELETE FROM audit_entries WHERE seq = 3", "batch 3: entry 3: entry is missing"),
        ("DELETE FROM audit_batches WHERE batch = 4", "batch 4 is missing"),
    ] {
        let dir = seeded();
        let data = dir.path().to_str().unwrap();
        tamper(&dir, sql);
        let out = admin(data, &["audit", "verify"]);
        assert_eq!(out.code, 1, "{sql}: {out}");
        assert!(out.stdout.contains(expected), "{sql}: {out}");
    }
}
