//! [`Directory`] behaviours: organisations, users and their lock-out bookkeeping, tokens,
//! TAXII statuses and settings.

use crate::directory::{Directory, OrganisationRow, SharingGroupRow, StatusRow, TokenRow, UserRow};

fn org(short_name: &str, kind: &str, parent: Option<&str>, n: u32) -> OrganisationRow {
    OrganisationRow {
        short_name: short_name.to_owned(),
        name: format!("{short_name} agency"),
        kind: kind.to_owned(),
        parent: parent.map(str::to_owned),
        identity: format!("identity--00000000-0000-4000-8000-{n:012}"),
        member_since: Some("2016-10-11".to_owned()),
        created_us: 1_000 + i64::from(n),
    }
}

fn user(username: &str, org: &str, role: &str) -> UserRow {
    UserRow {
        username: username.to_owned(),
        org: org.to_owned(),
        role: role.to_owned(),
        password_hash: "$argon2id$v=19$first".to_owned(),
        failed_logins: 0,
        locked_until_us: None,
        totp_secret: None,
        created_us: 2_000,
        disabled: false,
    }
}

fn token(id: &str, org: &str, created_us: i64) -> TokenRow {
    TokenRow {
        id: id.to_owned(),
        org: org.to_owned(),
        role: "analyst".to_owned(),
        username: None,
        label: format!("token {id}"),
        secret_sha256: vec![7; 32],
        created_us,
        expires_us: Some(created_us + 1_000_000),
        revoked_us: None,
    }
}

/// Organisations and users are created, read back whole, listed in name order and filtered by
/// organisation; taken names and identities are refused.
pub async fn directory_organisations_and_users<S: Directory>(store: S) {
    let sg = org("SG", "member-state", None, 1);
    let bank = org("SG-BANKING", "sector-lead", Some("SG"), 2);
    let asean = org("ASEAN", "secretariat", None, 3);
    for o in [&sg, &bank, &asean] {
        store.create_organisation(o).await.expect("create an organisation");
    }
    assert!(store.create_organisation(&sg).await.is_err(), "a taken short name is refused");
    let same_identity = OrganisationRow { short_name: "XX".to_owned(), ..sg.clone() };
    assert!(store.create_organisation(&same_identity).await.is_err(), "a taken identity is refused");
    assert_eq!(store.organisation("SG-BANKING").await.expect("get").as_ref(), Some(&bank));
    assert_eq!(store.organisation("MY").await.expect("get missing"), None);
    let names: Vec<String> =
        store.organisations().await.expect("list").into_iter().map(|o| o.short_name).collect();
    assert_eq!(names, ["ASEAN", "SG", "SG-BANKING"], "organisations by short name");

    let mut alice = user("alice", "SG", "analyst");
    alice.totp_secret = Some("JBSWY3DPEHPK3PXP".to_owned());
    let bob = UserRow { disabled: true, ..user("bob", "SG-BANKING", "viewer") };
    let carol = user("carol", "SG", "org-admin");
    for u in [&carol, &alice, &bob] {
        store.create_user(u).await.expect("create a user");
    }
    assert!(store.create_user(&alice).await.is_err(), "a taken username is refused");
    assert_eq!(store.user("alice").await.expect("get").as_ref(), Some(&alice));
    assert_eq!(store.user("bob").await.expect("get").as_ref(), Some(&bob));
    assert_eq!(store.user("nobody").await.expect("get missing"), None);
    let all: Vec<String> = store.users(None).await.expect("all").into_iter().map(|u| u.username).collect();
    assert_eq!(all, ["alice", "bob", "carol"], "users by username");
    let sg_users: Vec<String> =
        store.users(Some("SG")).await.expect("of SG").into_iter().map(|u| u.username).collect();
    assert_eq!(sg_users, ["alice", "carol"], "users of one organisation");
}

/// Failures count up and set a lock only when one is given; a success, or a new password, clears
/// both. A password for an unknown user changes nothing.
pub async fn directory_login_bookkeeping<S: Directory>(store: S) {
    store.create_organisation(&org("SG", "member-state", None, 1)).await.expect("org");
    store.create_user(&user("alice", "SG", "analyst")).await.expect("user");
    let state = |u: Option<UserRow>| {
        let u = u.expect("alice exists");
        (u.failed_logins, u.locked_until_us)
    };
    store.record_login("alice", false, None).await.expect("failure");
    store.record_login("alice", false, None).await.expect("failure");
    assert_eq!(state(store.user("alice").await.expect("get")), (2, None));
    store.record_login("alice", false, Some(9_000)).await.expect("failure with lock");
    assert_eq!(state(store.user("alice").await.expect("get")), (3, Some(9_000)));
    store.record_login("alice", false, None).await.expect("failure without lock");
    assert_eq!(state(store.user("alice").await.expect("get")), (4, Some(9_000)), "a lock stays");
    store.record_login("alice", true, None).await.expect("success");
    assert_eq!(state(store.user("alice").await.expect("get")), (0, None), "a success clears");

    store.record_login("alice", false, Some(5_000)).await.expect("failure with lock");
    assert!(store.set_password("alice", "$argon2id$v=19$second").await.expect("set"));
    let alice = store.user("alice").await.expect("get").expect("alice");
    assert_eq!(
        (alice.password_hash.as_str(), alice.failed_logins, alice.locked_until_us),
        ("$argon2id$v=19$second", 0, None)
    );
    assert!(!store.set_password("nobody", "x").await.expect("set for nobody"), "no such user");

    assert!(store.set_totp_secret("alice", Some("JBSWY3DPEHPK3PXP")).await.expect("enrol"));
    let secret = store.user("alice").await.expect("get").expect("alice").totp_secret;
    assert_eq!(secret.as_deref(), Some("JBSWY3DPEHPK3PXP"));
    assert!(store.set_totp_secret("alice", None).await.expect("clear"));
    assert_eq!(store.user("alice").await.expect("get").expect("alice").totp_secret, None);
    assert!(!store.set_totp_secret("nobody", None).await.expect("for nobody"), "no such user");
}

/// Tokens are stored whole (the hash as bytes), listed by creation per organisation, and revoked
/// once.
pub async fn directory_tokens<S: Directory>(store: S) {
    store.create_organisation(&org("SG", "member-state", None, 1)).await.expect("org");
    store.create_organisation(&org("MY", "member-state", None, 2)).await.expect("org");
    store.create_user(&user("alice", "SG", "analyst")).await.expect("user");
    let first = TokenRow { username: Some("alice".to_owned()), ..token("00000000000000a1", "SG", 30) };
    let second = TokenRow {
        secret_sha256: (0..=31).collect(),
        expires_us: None,
        ..token("00000000000000b2", "SG", 40)
    };
    let other = token("00000000000000c3", "MY", 10);
    for t in [&second, &other, &first] {
        store.create_token(t).await.expect("create a token");
    }
    assert!(store.create_token(&first).await.is_err(), "a taken id is refused");
    assert_eq!(store.token(&second.id).await.expect("get").as_ref(), Some(&second));
    assert_eq!(store.token("ffffffffffffffff").await.expect("get missing"), None);
    let ids = |rows: Vec<TokenRow>| rows.into_iter().map(|t| t.id).collect::<Vec<_>>();
    assert_eq!(ids(store.tokens(Some("SG")).await.expect("of SG")), [first.id.clone(), second.id.clone()]);
    assert_eq!(
        ids(store.tokens(None).await.expect("all")),
        [other.id.clone(), first.id.clone(), second.id.clone()]
    );

    assert!(store.revoke_token(&first.id, 77).await.expect("revoke"));
    assert!(!store.revoke_token(&first.id, 88).await.expect("revoke again"), "revoked once");
    assert!(!store.revoke_token("ffffffffffffffff", 88).await.expect("revoke missing"));
    let revoked = store.token(&first.id).await.expect("get").expect("token");
    assert_eq!(revoked.revoked_us, Some(77), "the first revocation's time is kept");
}

/// A pending status keeps its body (listed oldest first); completing it drops the body; purge
/// removes only completed statuses older than the bound.
pub async fn directory_statuses<S: Directory>(store: S) {
    let status = |id: &str, request_us: i64| StatusRow {
        id: id.to_owned(),
        collection_id: "c0ffee00-0000-4000-8000-000000000000".to_owned(),
        owner: "SG".to_owned(),
        request_us,
        updated_us: request_us,
        complete: false,
        resource: format!(r#"{{"id":"{id}","status":"pending"}}"#),
        request: Some(format!(r#"{{"objects":[],"n":"{id}"}}"#).into_bytes()),
    };
    let (late, early, binary) = (status("s-late", 300), status("s-early", 100), status("s-binary", 200));
    let binary = StatusRow { request: Some((0..=255).collect()), ..binary };
    for s in [&late, &early, &binary] {
        store.create_status(s).await.expect("create a status");
    }
    assert!(store.create_status(&late).await.is_err(), "a taken id is refused");
    let pending = store.pending_statuses().await.expect("pending");
    assert_eq!(pending, [early.clone(), binary.clone(), late.clone()], "pending, oldest first, with bodies");
    let got = store.status("s-early").await.expect("get").expect("exists");
    assert_eq!((got.resource.as_str(), got.complete), (early.resource.as_str(), false));

    store.update_status("s-early", r#"{"status":"pending","n":1}"#, false, 150).await.expect("update");
    assert_eq!(
        store.pending_statuses().await.expect("pending")[0].request,
        early.request,
        "still has its body"
    );
    store.update_status("s-early", r#"{"status":"complete"}"#, true, 400).await.expect("complete");
    store.update_status("s-binary", r#"{"status":"complete"}"#, true, 600).await.expect("complete");
    let done = store.status("s-early").await.expect("get").expect("exists");
    assert_eq!(
        (done.resource.as_str(), done.complete, done.updated_us),
        (r#"{"status":"complete"}"#, true, 400)
    );
    assert_eq!(done.request, None, "a complete status has no body");
    let pending: Vec<String> =
        store.pending_statuses().await.expect("pending").into_iter().map(|s| s.id).collect();
    assert_eq!(pending, ["s-late"]);

    assert_eq!(store.purge_statuses(500).await.expect("purge"), 1, "only completed, older than 500");
    assert_eq!(store.status("s-early").await.expect("get"), None);
    assert!(store.status("s-binary").await.expect("get").is_some(), "completed later, kept");
    assert!(store.status("s-late").await.expect("get").is_some(), "pending, kept");
}

/// `setting_or_insert` keeps the first value; settings are binary-safe and listed by key.
pub async fn directory_settings<S: Directory>(store: S) {
    assert_eq!(store.setting("secret:cursor").await.expect("get missing"), None);
    let first: Vec<u8> = (0..=255).rev().collect();
    assert_eq!(store.setting_or_insert("secret:cursor", &first).await.expect("insert"), first);
    assert_eq!(store.setting_or_insert("secret:cursor", b"second").await.expect("keep"), first, "first kept");
    assert_eq!(store.setting("secret:cursor").await.expect("get"), Some(first.clone()));
    store.setting_or_insert("a-first", b"{}").await.expect("insert");
    assert_eq!(
        store.settings().await.expect("list"),
        [("a-first".to_owned(), b"{}".to_vec()), ("secret:cursor".to_owned(), first)],
        "settings by key"
    );
}

/// Sharing groups: created with members, listed, looked up by member, members replaced whole.
pub async fn directory_sharing_groups<S: Directory>(store: S) {
    let group = SharingGroupRow {
        id: "x-selat-sharing-group--0f4b2c6e-1d3a-4e5f-8a9b-0c1d2e3f4a5b".into(),
        name: "ASEAN banking".into(),
        description: Some("Banking sector leads".into()),
        owner: "identity--sg".into(),
        members: vec!["identity--my".into(), "identity--sg".into()],
        created_us: 10,
        modified_us: 10,
    };
    store.create_sharing_group(&group).await.expect("create a group");
    assert!(store.create_sharing_group(&group).await.is_err(), "ids are unique");
    assert_eq!(store.sharing_group(&group.id).await.unwrap(), Some(group.clone()));
    assert_eq!(store.sharing_groups().await.unwrap(), vec![group.clone()]);
    assert_eq!(store.sharing_groups_of("identity--my").await.unwrap(), vec![group.id.clone()]);
    assert!(store.sharing_groups_of("identity--th").await.unwrap().is_empty());
    let members = vec!["identity--sg".to_owned(), "identity--th".to_owned()];
    assert!(store.set_sharing_group_members(&group.id, &members, 20).await.unwrap());
    assert!(store.sharing_groups_of("identity--my").await.unwrap().is_empty(), "MY left");
    assert_eq!(store.sharing_groups_of("identity--th").await.unwrap(), vec![group.id.clone()]);
    let now = store.sharing_group(&group.id).await.unwrap().unwrap();
    assert_eq!((now.members, now.modified_us), (members, 20));
    assert!(!store.set_sharing_group_members("x-selat-sharing-group--none", &[], 30).await.unwrap());
}
