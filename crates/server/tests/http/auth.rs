//! Authentication: Bearer tokens and HTTP Basic; every failure the same 401.

use reqwest::Method;

use crate::support::*;
use selat_core::org::Role;
use selat_server::Limits;

#[tokio::test]
async fn every_credential_failure_is_the_same_401() {
    let mut fixture = Fixture::new().await;
    let server = fixture.start(Limits::default()).await;
    let node = server.node.clone();
    let expired = node.issue_token("SG", Role::Analyst, None, "expired", Some(1)).await.unwrap().text;
    let revoked = node.issue_token("SG", Role::Analyst, None, "revoked", None).await.unwrap();
    assert!(node.revoke_token(&revoked.id).await.unwrap());
    let path = "/taxii2/selat/collections/";
    let mut bodies = Vec::new();
    for auth in [
        Auth::Token("selat_0000000000000000_AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA"),
        Auth::Token("not a token"),
        Auth::Token(&expired),
        Auth::Token(&revoked.text),
        Auth::Basic("sg-analyst", "wrong password!"),
        Auth::Basic("nobody-here", PASSWORD),
    ] {
        let reply = server.send(Method::GET, path, auth, &[], None).await;
        reply.assert_error(401, "unauthorized");
        assert!(reply.header("www-authenticate").unwrap().contains("Basic"), "{auth:?}");
        bodies.push(reply.text);
    }
    assert!(bodies.windows(2).all(|w| w[0] == w[1]), "401 bodies differ: {bodies:#?}");
    let digest = server.send(Method::GET, path, Auth::None, &[("authorization", "Digest abc")], None).await;
    digest.assert_error(401, "unauthorized");
    server.stop().await;
}

#[tokio::test]
async fn basic_and_bearer_act_for_the_organisation_with_the_role() {
    let mut fixture = Fixture::new().await;
    let server = fixture.start(Limits::default()).await;
    let path = server.objects_path(&fixture.shared);
    let basic = server.send(Method::GET, &path, Auth::Basic("sg-viewer", PASSWORD), &[], None).await;
    basic.ok_json();
    let headers = [("content-type", TAXII)];
    let body = Some(envelope(&[indicator()]));
    let viewer =
        server.send(Method::POST, &path, Auth::Basic("sg-viewer", PASSWORD), &headers, body.clone()).await;
    viewer.assert_error(403, "forbidden");
    let analyst = server.send(Method::POST, &path, Auth::Basic("sg-analyst", PASSWORD), &headers, body).await;
    assert_eq!(analyst.status.as_u16(), 202, "{}", analyst.text);
    server.stop().await;
}

#[tokio::test]
async fn anonymous_callers_read_only_the_public_collection() {
    let mut fixture = Fixture::new().await;
    let server = fixture.start(Limits::default()).await;
    for path in [
        server.objects_path(&fixture.shared),
        format!("/taxii2/selat/collections/{}/", fixture.shared),
        "/taxii2/selat/collections/00000000-0000-4000-8000-000000000000/objects/".to_owned(),
    ] {
        let reply = server.send(Method::GET, &path, Auth::None, &[], None).await;
        reply.assert_error(401, "unauthorized");
        assert!(reply.header("www-authenticate").is_some());
    }
    let public = server.send(Method::GET, &server.objects_path(&fixture.public), Auth::None, &[], None).await;
    public.ok_json();
    server.stop().await;
}

#[tokio::test]
async fn repeated_failed_logins_lock_the_account() {
    let mut fixture = Fixture::new().await;
    let server = fixture.start(Limits::default()).await;
    let path = "/taxii2/selat/collections/";
    server.send(Method::GET, path, Auth::Basic("my-analyst", PASSWORD), &[], None).await.ok_json();
    for _ in 0..selat_core::accounts::DEFAULT_MAX_FAILED_LOGINS {
        let reply =
            server.send(Method::GET, path, Auth::Basic("my-analyst", "not the password"), &[], None).await;
        reply.assert_error(401, "unauthorized");
    }
    let locked = server.send(Method::GET, path, Auth::Basic("my-analyst", PASSWORD), &[], None).await;
    locked.assert_error(401, "unauthorized");
    // The organisation's tokens are not locked with the user's password.
    server.get(path, &fixture.tokens.my_analyst).await.ok_json();
    server.stop().await;
}

/// The lock-out is configurable: two failures lock when the limit says two.
#[tokio::test]
async fn the_lockout_threshold_is_configurable() {
    let mut fixture = Fixture::new().await;
    let server = fixture.start(Limits { max_failed_logins: 2, ..Limits::default() }).await;
    let path = "/taxii2/selat/collections/";
    for _ in 0..2 {
        let reply =
            server.send(Method::GET, path, Auth::Basic("my-analyst", "not the password"), &[], None).await;
        reply.assert_error(401, "unauthorized");
    }
    let locked = server.send(Method::GET, path, Auth::Basic("my-analyst", PASSWORD), &[], None).await;
    locked.assert_error(401, "unauthorized");
    server.stop().await;
}
