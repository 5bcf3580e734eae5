//! The administration page: scoped to the administrator's organisation (a hub-admin's to all),
//! never granting a role above the administrator's own, a token shown once, sharing groups, and
//! the peers for hub-admins. Each refusal shows its reason and changes nothing.

use reqwest::StatusCode;
use selat_core::org::Role;

use crate::browser::Browser;
use crate::support::{Auth, Fixture, PASSWORD};

fn field<'a>(form: &'a [(&'a str, String)]) -> Vec<(&'a str, &'a str)> {
    form.iter().map(|(k, v)| (*k, v.as_str())).collect()
}

#[tokio::test]
async fn administration_is_scoped_and_a_token_is_shown_once() {
    let mut fixture = Fixture::new().await;
    let server = fixture.start_with(|_| {}).await;
    server.node.create_user("sg-admin", "SG", Role::OrgAdmin, PASSWORD).await.unwrap();

    let mut analyst = Browser::new(&server);
    analyst.sign_in("sg-analyst", PASSWORD).await;
    assert_eq!(analyst.get("/admin").await.status, StatusCode::FORBIDDEN, "analysts administer nothing");

    let mut admin = Browser::new(&server);
    admin.sign_in("sg-admin", PASSWORD).await;
    let page = admin.get("/admin").await;
    assert_eq!(page.status, StatusCode::OK);
    assert!(page.text.contains("sg-analyst") && !page.text.contains("my-analyst"), "SG's users only");
    assert!(!page.text.contains("Register the organisation"), "only a hub-admin registers organisations");

    let user = |csrf: String, org: &str, role: &str| {
        vec![
            ("csrf", csrf),
            ("username", "sg-new".to_owned()),
            ("org", org.to_owned()),
            ("role", role.to_owned()),
            ("password", "a long enough password".to_owned()),
        ]
    };
    let other = admin.post("/admin/users", &field(&user(page.csrf(), "MY", "analyst"))).await;
    assert_eq!(other.status, StatusCode::FORBIDDEN, "{}", other.text);
    assert!(other.text.contains("administers SG only"), "{}", other.text);
    let above = admin.post("/admin/users", &field(&user(page.csrf(), "SG", "hub-admin"))).await;
    assert_eq!(above.status, StatusCode::FORBIDDEN);
    assert!(server.node.user_principal("sg-new").await.unwrap().is_none(), "nothing was created");
    let created = admin.post("/admin/users", &field(&user(page.csrf(), "SG", "analyst"))).await;
    assert_eq!(created.status, StatusCode::OK, "{}", created.text);
    assert!(created.text.contains("User sg-new created in SG"));

    // A token: its text on the page that issued it, and never again.
    let token_form = vec![
        ("csrf", page.csrf()),
        ("org", "SG".to_owned()),
        ("role", "analyst".to_owned()),
        ("label", "SIEM pull".to_owned()),
        ("valid_days", "30".to_owned()),
    ];
    let issued = admin.post("/admin/tokens", &field(&token_form)).await;
    assert_eq!(issued.status, StatusCode::OK, "{}", issued.text);
    let text = issued.value_after("<code id=\"issued-token\">");
    let works = server.send(reqwest::Method::GET, "/api/v1/incidents", Auth::Token(&text), &[], None).await;
    assert_eq!(works.status, StatusCode::OK, "the token works");
    let again = admin.get("/admin").await;
    assert!(!again.text.contains(&text) && !again.text.contains("issued-token"), "shown once");
    let id = again
        .text
        .split("/admin/tokens/")
        .skip(1)
        .map(|rest| rest.split('/').next().unwrap().to_owned())
        .find(|t| text.contains(t.as_str()))
        .expect("a revoke button for the new token");
    let revoked = admin.post(&format!("/admin/tokens/{id}/revoke"), &[("csrf", &again.csrf())]).await;
    assert!(revoked.text.contains("revoked"), "{}", revoked.text);
    let refused = server.send(reqwest::Method::GET, "/api/v1/incidents", Auth::Token(&text), &[], None).await;
    assert_eq!(refused.status, StatusCode::UNAUTHORIZED, "a revoked token");

    // A sharing group of SG's.
    let my = server.node.organisation("MY").await.unwrap().unwrap().identity;
    let group = admin
        .post("/admin/groups", &[("csrf", &again.csrf()), ("name", "Banking ISAC"), ("members", &my)])
        .await;
    assert!(group.text.contains("Sharing group Banking ISAC created"), "{}", group.text);
    let members = group.value_after("members: ");
    assert!(members.split(", ").any(|m| m == "MY"), "MY is a member: {members}");

    // The hub-admin sees every organisation, registers one, and sees the peers' section.
    let mut hub = Browser::new(&server);
    hub.sign_in("asean-admin", PASSWORD).await;
    let hub_page = hub.get("/admin").await;
    assert!(hub_page.text.contains("my-analyst") && hub_page.text.contains("Federation peers"));
    let registered = hub
        .post(
            "/admin/organisations",
            &[
                ("csrf", &hub_page.csrf()),
                ("short_name", "BN"),
                ("name", "Brunei CERT"),
                ("kind", "member-state"),
            ],
        )
        .await;
    assert!(registered.text.contains("Organisation BN registered"), "{}", registered.text);
    assert!(server.node.organisation("BN").await.unwrap().is_some());
    server.stop().await;
}
