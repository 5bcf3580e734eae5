//! `selat admin` on a data directory: organisations, users, tokens, collections.

mod support;

use support::{run, run_with_stdin};

#[test]
fn admin_manages_organisations_users_tokens_and_collections() {
    let dir = tempfile::tempdir().unwrap();
    let data = dir.path().to_str().unwrap();
    let admin = |args: &[&str]| {
        let mut all = vec!["admin", "--data", data];
        all.extend_from_slice(args);
        run(&all)
    };
    let out = admin(&[
        "org",
        "add",
        "SG",
        "--name",
        "Cyber Security Agency of Singapore",
        "--kind",
        "member-state",
    ]);
    assert_eq!(out.code, 0, "{out}");
    let out = admin(&[
        "org",
        "add",
        "SG-BANKING",
        "--name",
        "SG banking",
        "--kind",
        "sector-lead",
        "--parent",
        "SG",
    ]);
    assert_eq!(out.code, 0, "{out}");
    let out =
        admin(&["org", "add", "X-BANKING", "--name", "orphan", "--kind", "sector-lead", "--parent", "XX"]);
    assert_eq!(out.code, 2, "a sector lead needs an existing member state: {out}");
    let out = admin(&["org", "add", "ZZ", "--name", "z", "--kind", "planet"]);
    assert_ne!(out.code, 0, "{out}");
    assert!(out.stderr.contains("unknown kind"), "{out}");
    let out = admin(&["org", "list"]);
    assert!(out.stdout.contains("SG-BANKING\tsector-lead\tSG\tidentity--"), "{out}");

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
        b"a long enough passphrase\n",
    );
    assert_eq!(out.code, 0, "{out}");
    let out = admin(&["user", "add", "bob", "--org", "SG", "--role", "hub-admin"]);
    assert_eq!(out.code, 2, "only the secretariat has hub-admins: {out}");
    let out = admin(&["user", "add", "carol", "--org", "SG-BANKING", "--role", "viewer"]);
    assert_eq!(out.code, 0, "{out}");
    assert_eq!(
        out.stdout.trim().split('\t').nth(1).map(str::len),
        Some(24),
        "a generated password is shown once"
    );
    let out = admin(&["user", "list", "--org", "SG"]);
    assert_eq!(out.stdout.trim(), "alice\tSG\tanalyst", "{out}");

    let out =
        admin(&["token", "issue", "--org", "SG", "--role", "analyst", "--user", "alice", "--label", "siem"]);
    assert_eq!(out.code, 0, "{out}");
    let token = out.stdout.trim().to_owned();
    assert!(token.starts_with("selat_"), "{token}");
    let id = &token["selat_".len().."selat_".len() + 16];
    let out = admin(&["token", "list"]);
    assert!(out.stdout.contains(&format!("{id}\tSG\tanalyst\tactive\tsiem")), "{out}");
    assert!(!out.stdout.contains(&token), "a token is never shown again");
    assert_eq!(admin(&["token", "revoke", id]).code, 0);
    assert_eq!(admin(&["token", "revoke", id]).code, 2, "revoking twice is an error");
    assert!(admin(&["token", "list"]).stdout.contains(&format!("{id}\tSG\tanalyst\trevoked")));

    let out = admin(&["collection", "add", "advisories", "--title", "Public advisories", "--public"]);
    assert_eq!(out.code, 0, "{out}");
    let collection_id = out.stdout.split('\t').next().unwrap().to_owned();
    assert_eq!(uuid_version(&collection_id), Some('4'), "{collection_id}");
    let out = admin(&["collection", "list"]);
    assert!(out.stdout.contains(&format!("{collection_id}\tadvisories\tpublic\tPublic advisories")), "{out}");
}

fn uuid_version(id: &str) -> Option<char> {
    (id.len() == 36).then(|| id.chars().nth(14)).flatten()
}
