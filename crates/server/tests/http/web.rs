//! The web UI over HTTP, without a browser: sign-in with password, lock-out and TOTP, sessions,
//! CSRF on every form, the Content-Security-Policy of every page, and intelligence pages that
//! show only what the viewer may see. (`crates/cli/tests/browser.rs` drives Chromium.)

use std::time::{SystemTime, UNIX_EPOCH};

use reqwest::StatusCode;
use serde_json::json;

use crate::browser::Browser;
use crate::support::{Fixture, PASSWORD, indicator};

const CSP: &str = "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' data:; \
                   connect-src 'self'; form-action 'self'; frame-ancestors 'none'; base-uri 'none'";
const TLP_RED: &str = "marking-definition--e828b379-4e03-4974-9ac4-e53a884c97c1";

fn unix_now() -> u64 {
    SystemTime::now().duration_since(UNIX_EPOCH).unwrap().as_secs()
}

#[tokio::test]
async fn sign_in_with_a_password_then_a_totp_code_once_enrolled() {
    let mut fixture = Fixture::new().await;
    let server = fixture.start_with(|_| {}).await;
    let mut browser = Browser::new(&server);

    let anonymous = browser.get("/search").await;
    assert_eq!(anonymous.status, StatusCode::SEE_OTHER);
    assert_eq!(anonymous.location.as_deref(), Some("/login?next=%2Fsearch"));

    let wrong = browser.sign_in("sg-analyst", "not the password").await;
    assert_eq!(wrong.status, StatusCode::UNAUTHORIZED);
    let unknown = browser.sign_in("nobody", "not the password").await;
    assert_eq!(unknown.status, StatusCode::UNAUTHORIZED);
    assert_eq!(
        wrong.value_after("id=\"login-error\">"),
        unknown.value_after("id=\"login-error\">"),
        "one message"
    );

    let before = browser.cookie.clone();
    let signed_in = browser.sign_in("sg-analyst", PASSWORD).await;
    assert_eq!(signed_in.status, StatusCode::SEE_OTHER, "{}", signed_in.text);
    assert_eq!(signed_in.location.as_deref(), Some("/search"));
    assert_ne!(browser.cookie, before, "a new session id at sign-in");
    let page = browser.get("/search").await;
    assert_eq!(page.status, StatusCode::OK);
    assert!(
        page.text.contains("sg-analyst")
            && page.text.contains("SG agency (SG)")
            && page.text.contains("analyst")
    );
    assert!(
        page.text.contains("<input type=\"search\" id=\"header-q\" name=\"q\""),
        "the header's search box"
    );

    // Enrol a second factor: the page offers a secret; the code from it confirms.
    let account = browser.get("/account").await;
    let secret = account.value_after("<code id=\"totp-secret\">");
    let wrong_code = browser
        .post("/account/totp", &[("csrf", &account.csrf()), ("secret", &secret), ("code", "000000")])
        .await;
    assert!(wrong_code.text.contains("does not match"), "{}", wrong_code.text);
    let code = selat_core::totp::code_at(&secret, unix_now()).unwrap();
    let enrolled = browser
        .post("/account/totp", &[("csrf", &account.csrf()), ("secret", &secret), ("code", &code)])
        .await;
    assert!(enrolled.text.contains("Second factor enrolled"), "{}", enrolled.text);

    // Basic auth with the password alone no longer signs this user in.
    let basic = server
        .send(
            reqwest::Method::GET,
            "/api/v1/incidents",
            crate::support::Auth::Basic("sg-analyst", PASSWORD),
            &[],
            None,
        )
        .await;
    assert_eq!(basic.status, StatusCode::UNAUTHORIZED);

    let out = browser.post("/logout", &[("csrf", &enrolled.csrf())]).await;
    assert_eq!(out.location.as_deref(), Some("/login"));
    assert!(browser.cookie.is_none(), "the cookie is cleared");
    assert_eq!(browser.get("/search").await.status, StatusCode::SEE_OTHER, "signed out");

    let first = browser.sign_in("sg-analyst", PASSWORD).await;
    assert_eq!(first.location.as_deref(), Some("/login/code?next=%2Fsearch"));
    assert_eq!(browser.get("/search").await.status, StatusCode::SEE_OTHER, "not signed in before the code");
    let form = browser.get("/login/code?next=%2Fsearch").await;
    let reused =
        browser.post("/login/code", &[("csrf", &form.csrf()), ("code", &code), ("next", "/search")]).await;
    assert_eq!(reused.status, StatusCode::UNAUTHORIZED, "a code is good once");
    let next_code = selat_core::totp::code_at(&secret, unix_now() + 30).unwrap();
    let done = browser
        .post("/login/code", &[("csrf", &reused.csrf()), ("code", &next_code), ("next", "/search")])
        .await;
    assert_eq!(done.status, StatusCode::SEE_OTHER, "{}", done.text);
    assert_eq!(done.location.as_deref(), Some("/search"));
    assert_eq!(browser.get("/search").await.status, StatusCode::OK);
    server.stop().await;
}

#[tokio::test]
async fn repeated_failures_lock_the_account() {
    let mut fixture = Fixture::new().await;
    let server = fixture.start_with(|_| {}).await;
    let mut browser = Browser::new(&server);
    for _ in 0..selat_core::accounts::DEFAULT_MAX_FAILED_LOGINS {
        assert_eq!(browser.sign_in("my-analyst", "wrong password!").await.status, StatusCode::UNAUTHORIZED);
    }
    let locked = browser.sign_in("my-analyst", PASSWORD).await;
    assert_eq!(locked.status, StatusCode::UNAUTHORIZED, "locked even with the right password");
    assert!(locked.text.contains("locked"), "the message names the possibility");
    server.stop().await;
}

/// Every form route, with the fields its handler reads (ids are placeholders: the CSRF check
/// comes before anything else is looked at).
fn form_routes(object_id: &str) -> Vec<(String, Vec<(&'static str, String)>)> {
    selat_server::web_form_routes()
        .iter()
        .map(|route| {
            let path = route
                .split('/')
                .map(|part| if part.starts_with('{') { object_id.to_owned() } else { part.to_owned() })
                .collect::<Vec<_>>()
                .join("/");
            let fields = vec![
                ("username", "sg-analyst".to_owned()),
                ("password", PASSWORD.to_owned()),
                ("name", "should not be stored".to_owned()),
                ("pattern", "[ipv4-addr:value = '198.51.100.99']".to_owned()),
                ("tlp", "green".to_owned()),
                ("scope", "community".to_owned()),
            ];
            (path, fields)
        })
        .collect()
}

#[tokio::test]
async fn every_form_refuses_a_missing_or_wrong_csrf_token() {
    let mut fixture = Fixture::new().await;
    let server = fixture.start_with(|_| {}).await;
    let mut browser = Browser::new(&server);
    assert_eq!(browser.sign_in("sg-analyst", PASSWORD).await.status, StatusCode::SEE_OTHER);
    let routes = form_routes("indicator--6f2a1d3e-5b4c-4d3e-8f2a-1b2c3d4e5f60");
    assert!(routes.len() >= 7, "{routes:?}");
    for (path, fields) in &routes {
        let mut form: Vec<(&str, &str)> = fields.iter().map(|(k, v)| (*k, v.as_str())).collect();
        let missing = browser.post(path, &form).await;
        assert_eq!(missing.status, StatusCode::FORBIDDEN, "{path} without a token: {}", missing.text);
        assert!(missing.text.contains("CSRF"), "{path}");
        form.push(("csrf", "forged-token"));
        let wrong = browser.post(path, &form).await;
        assert_eq!(wrong.status, StatusCode::FORBIDDEN, "{path} with a wrong token");
    }
    // Still signed in, and nothing was posted.
    let page = browser.get("/search?q=should+not+be+stored").await;
    assert_eq!(page.status, StatusCode::OK);
    assert!(page.text.contains("id=\"no-results\""), "{}", page.text);
    println!("{} form routes refuse a missing or wrong CSRF token", routes.len());
    server.stop().await;
}

#[tokio::test]
async fn every_page_sets_a_policy_that_allows_no_inline_script_and_labels_its_controls() {
    let mut fixture = Fixture::new().await;
    let server = fixture.start_with(|_| {}).await;
    let object = indicator();
    server.add(&fixture.shared, &fixture.tokens.sg_analyst, std::slice::from_ref(&object)).await;
    let id = object["id"].as_str().unwrap();
    let mut browser = Browser::new(&server);
    let login = browser.get("/login").await;
    assert_eq!(login.csp.as_deref(), Some(CSP));
    assert_eq!(browser.sign_in("sg-analyst", PASSWORD).await.status, StatusCode::SEE_OTHER);
    let mut checked = 0;
    for route in selat_server::web_page_routes() {
        let path = route
            .replace("{object_id}", id)
            .replace("{token}", "not-a-token")
            .replace("{incident_id}", "incident--00000000-0000-4000-8000-000000000000")
            .replace("{advisory_id}", "report--00000000-0000-4000-8000-000000000000");
        if path.contains('{') {
            continue;
        }
        let page = browser.get(&path).await;
        assert!(
            page.status.is_success()
                || page.status.is_redirection()
                || page.status == StatusCode::NOT_FOUND
                || page.status == StatusCode::FORBIDDEN,
            "{path}: {}",
            page.status
        );
        assert_eq!(page.csp.as_deref(), Some(CSP), "{path}");
        if path.starts_with("/static/") {
            continue;
        }
        for forbidden in ["<script>", "<script type", " onclick=", " onload=", " style=\"", "javascript:"] {
            assert!(!page.text.contains(forbidden), "{path} holds {forbidden:?}");
        }
        assert_labelled(&path, &page.text);
        for src in page.text.split("src=\"").skip(1) {
            assert!(
                src.starts_with('/'),
                "{path}: a script or image from elsewhere: {}",
                &src[..40.min(src.len())]
            );
        }
        checked += 1;
    }
    assert!(checked >= 5, "{checked} pages");
    server.stop().await;
}

/// Every form control a person fills in has a label a screen reader announces: `<label for>` its
/// id, an `aria-label`, or (radio buttons and checkboxes) a `<label>` around it.
fn assert_labelled(path: &str, html: &str) {
    for tag in ["<input", "<select", "<textarea"] {
        for rest in html.split(tag).skip(1) {
            let element = &rest[..rest.find('>').unwrap_or(rest.len())];
            let kind = element.split("type=\"").nth(1).and_then(|t| t.split('"').next()).unwrap_or("text");
            if matches!(kind, "hidden" | "submit") || element.contains("aria-label=") {
                continue;
            }
            if matches!(kind, "radio" | "checkbox") && !element.contains(" id=\"") {
                continue;
            }
            let id = element
                .split(" id=\"")
                .nth(1)
                .and_then(|t| t.split('"').next())
                .unwrap_or_else(|| panic!("{path}: a {tag}> without an id or label: {element}"));
            assert!(html.contains(&format!("for=\"{id}\"")), "{path}: no <label for=\"{id}\">");
        }
    }
}

#[tokio::test]
async fn another_state_finds_no_trace_of_a_red_object() {
    let mut fixture = Fixture::new().await;
    let server = fixture.start_with(|_| {}).await;
    let mut red = indicator();
    red["name"] = json!("Operator panel, for SG's eyes");
    red["pattern"] = json!("[ipv4-addr:value = '192.0.2.77']");
    red["object_marking_refs"] = json!([TLP_RED]);
    server.add(&fixture.shared, &fixture.tokens.sg_analyst, std::slice::from_ref(&red)).await;
    let id = red["id"].as_str().unwrap();

    let mut sg = Browser::new(&server);
    sg.sign_in("sg-analyst", PASSWORD).await;
    let found = sg.get("/search?q=192.0.2.77").await;
    assert!(found.text.contains(id), "SG finds its own RED object: {}", found.text);
    let own = sg.get(&format!("/objects/{id}")).await;
    assert_eq!(own.status, StatusCode::OK);
    assert!(own.text.contains("tlp tlp-red") && own.text.contains("TLP:RED"), "the FIRST badge");

    let mut my = Browser::new(&server);
    my.sign_in("my-analyst", PASSWORD).await;
    for path in
        ["/search?q=192.0.2.77", "/search?q=Operator", "/search?type=indicator&tlp=red", "/search?creator=SG"]
    {
        let page = my.get(path).await;
        assert_eq!(page.status, StatusCode::OK);
        assert!(!page.text.contains(id) && !page.text.contains("Operator panel"), "{path} shows it to MY");
    }
    let direct = my.get(&format!("/objects/{id}")).await;
    assert_eq!(direct.status, StatusCode::NOT_FOUND);
    let absent = my.get("/objects/indicator--00000000-0000-4000-8000-000000000000").await;
    assert_eq!(absent.status, StatusCode::NOT_FOUND);
    assert_eq!(direct.text, absent.text, "a hidden object looks exactly like a missing one");
    server.stop().await;
}

#[tokio::test]
async fn an_indicator_posted_from_the_form_is_stored_with_its_tlp_and_distribution() {
    let mut fixture = Fixture::new().await;
    let server = fixture.start_with(|_| {}).await;
    let mut browser = Browser::new(&server);
    browser.sign_in("sg-analyst", PASSWORD).await;
    let form = browser.get("/indicators/new").await;
    assert!(!form.text.contains(" checked"), "no TLP or distribution is chosen for the user");
    let fields = [
        ("csrf", form.csrf()),
        ("name", "Lure host".to_owned()),
        ("pattern", "[domain-name:value = 'lure.example']".to_owned()),
        ("tlp", "amber".to_owned()),
        ("scope", "community".to_owned()),
        ("collection", fixture.shared.clone()),
    ];
    let fields: Vec<(&str, &str)> = fields.iter().map(|(k, v)| (*k, v.as_str())).collect();
    let posted = browser.post("/indicators", &fields).await;
    assert_eq!(posted.status, StatusCode::SEE_OTHER, "{}", posted.text);
    let location = posted.location.unwrap();
    let id = location.strip_prefix("/objects/").unwrap();
    let stored = server
        .get(
            &format!("/taxii2/selat/collections/{}/objects/{id}/", fixture.shared),
            &fixture.tokens.my_analyst,
        )
        .await;
    let object = &stored.ok_json()["objects"][0];
    assert_eq!(
        object["object_marking_refs"],
        json!(["marking-definition--55d920b0-5e8b-4f79-9ee9-91f868d9b421"])
    );
    assert_eq!(object["extensions"][selat_stix::selat::DISTRIBUTION.id]["scope"], "community");
    assert_eq!(object["created_by_ref"].as_str().map(|s| s.starts_with("identity--")), Some(true));

    let missing_tlp: Vec<(&str, &str)> = fields.iter().filter(|(k, _)| *k != "tlp").copied().collect();
    let refused = browser.post("/indicators", &missing_tlp).await;
    assert_eq!(refused.status, StatusCode::BAD_REQUEST);
    assert!(refused.text.contains("Choose a TLP level"), "{}", refused.text);
    server.stop().await;
}
