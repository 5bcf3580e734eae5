//! Every error is a TAXII error message with the TAXII media type and a matching `http_status`.

use reqwest::Method;

use crate::support::*;
use selat_server::Limits;

#[tokio::test]
async fn unknown_things_are_404s_of_their_kind() {
    let mut fixture = Fixture::new().await;
    let server = fixture.start(Limits::default()).await;
    let token = fixture.tokens.sg_analyst.clone();
    let cases = [
        ("/taxii2/other/", "api-root-not-found"),
        ("/taxii2/other/collections/", "api-root-not-found"),
        ("/taxii2/selat/nothing/", "not-found"),
        ("/nothing", "not-found"),
        ("/taxii2/selat/collections/00000000-0000-4000-8000-000000000000/", "collection-not-found"),
        ("/taxii2/selat/collections/nope/objects/", "collection-not-found"),
        ("/taxii2/selat/collections/nope/manifest/", "collection-not-found"),
    ];
    for (path, code) in cases {
        server.get(path, &token).await.assert_error(404, code);
    }
    let object =
        format!("{}indicator--00000000-0000-4000-8000-000000000000/", server.objects_path(&fixture.shared));
    server.get(&object, &token).await.assert_error(404, "object-not-found");
    server.get(&format!("{object}versions/"), &token).await.assert_error(404, "object-not-found");
    server
        .get(&format!("{}not-an-id/", server.objects_path(&fixture.shared)), &token)
        .await
        .assert_error(404, "object-not-found");
    server.stop().await;
}

#[tokio::test]
async fn negotiation_406_and_415() {
    let mut fixture = Fixture::new().await;
    let server = fixture.start(Limits::default()).await;
    let token = fixture.tokens.sg_analyst.clone();
    let path = server.objects_path(&fixture.shared);
    for accept in
        ["application/json", "application/taxii+json;version=2.0", "text/html", "application/taxii+json;q=0"]
    {
        let reply = server.send(Method::GET, &path, Auth::Token(&token), &[("accept", accept)], None).await;
        reply.assert_error(406, "not-acceptable");
    }
    for accept in ["application/taxii+json", "*/*", "application/*", "application/taxii+json;version=2.1"] {
        let reply = server.send(Method::GET, &path, Auth::Token(&token), &[("accept", accept)], None).await;
        assert_eq!(reply.status.as_u16(), 200, "{accept}: {}", reply.text);
    }
    for content_type in
        ["application/json", "application/stix+json;version=2.1", "application/taxii+json;version=2.0"]
    {
        let headers = [("content-type", content_type)];
        let reply = server
            .send(Method::POST, &path, Auth::Token(&token), &headers, Some(envelope(&[indicator()])))
            .await;
        reply.assert_error(415, "unsupported-media-type");
    }
    let no_type =
        server.send(Method::POST, &path, Auth::Token(&token), &[], Some(envelope(&[indicator()]))).await;
    no_type.assert_error(415, "unsupported-media-type");
    server.stop().await;
}

#[tokio::test]
async fn bad_query_parameters_are_400s() {
    let mut fixture = Fixture::new().await;
    let server = fixture.start(Limits::default()).await;
    let token = fixture.tokens.sg_analyst.clone();
    let path = server.objects_path(&fixture.shared);
    for query in [
        "limit=0",
        "limit=abc",
        "added_after=yesterday",
        "match[version]=sometimes",
        "match[type]=Not_A_Type",
        "match[id]=nope",
        "limit=1&limit=2",
        "match[spec_version]=two",
    ] {
        let reply = server.get(&format!("{path}?{query}"), &token).await;
        reply.assert_error(400, "invalid-filter");
        assert!(reply.json()["description"].is_string(), "{query}");
    }
    let many: Vec<String> = (0..40).map(|i| format!("p{i}=1")).collect();
    server.get(&format!("{path}?{}", many.join("&")), &token).await.assert_error(400, "invalid-filter");
    let object = format!("{path}indicator--00000000-0000-4000-8000-000000000000/");
    server.get(&format!("{object}?match[type]=indicator"), &token).await.assert_error(400, "invalid-filter");
    server.get(&format!("{path}?next=garbage"), &token).await.assert_error(400, "invalid-cursor");
    server.stop().await;
}

#[tokio::test]
async fn method_not_allowed_is_a_taxii_error() {
    let mut fixture = Fixture::new().await;
    let server = fixture.start(Limits::default()).await;
    let token = fixture.tokens.sg_analyst.clone();
    let reply =
        server.send(Method::PUT, &server.objects_path(&fixture.shared), Auth::Token(&token), &[], None).await;
    reply.assert_error(405, "method-not-allowed");
    assert!(reply.header("allow").unwrap().contains("POST"));
    let reply = server.send(Method::POST, "/taxii2/selat/collections/", Auth::Token(&token), &[], None).await;
    reply.assert_error(405, "method-not-allowed");
    server.stop().await;
}

#[tokio::test]
async fn post_errors_401_403_404_413_422() {
    let mut fixture = Fixture::new().await;
    let limits = Limits { max_body_bytes: 64 * 1024, max_objects_per_post: 5, ..Limits::default() };
    let server = fixture.start(limits).await;
    let t = fixture.tokens.clone();
    let body = envelope(&[indicator()]);
    server.post_raw(&fixture.shared, &t.sg_viewer, body.clone()).await.assert_error(403, "forbidden");
    server.post_raw(&fixture.public, &t.sg_analyst, body.clone()).await.assert_error(403, "forbidden");
    server.post_raw("nope", &t.sg_analyst, body.clone()).await.assert_error(404, "collection-not-found");
    let headers = [("content-type", TAXII)];
    let anonymous = server
        .send(Method::POST, &server.objects_path(&fixture.public), Auth::None, &headers, Some(body.clone()))
        .await;
    anonymous.assert_error(401, "unauthorized");

    let big: Vec<_> = (0..5)
        .map(|_| {
            let mut o = indicator();
            o["description"] = serde_json::json!("x".repeat(20_000));
            o
        })
        .collect();
    let too_large = server.post_raw(&fixture.shared, &t.sg_analyst, envelope(&big)).await;
    too_large.assert_error(413, "payload-too-large");
    let declared = declared_length_only(&server, &fixture.shared, &t.sg_analyst, 10_000_000_000).await;
    assert!(declared.starts_with("HTTP/1.1 413"), "{declared}");
    assert!(declared.contains("\"http_status\":\"413\""), "{declared}");

    let six: Vec<_> = (0..6).map(|_| indicator()).collect();
    server
        .post_raw(&fixture.shared, &t.sg_analyst, envelope(&six))
        .await
        .assert_error(422, "too-many-objects");
    for bad in [&b"not json"[..], b"[]", b"{\"objects\": 3}", b"{\"objects\": [1, 2]}"] {
        server
            .post_raw(&fixture.shared, &t.sg_analyst, bad.to_vec())
            .await
            .assert_error(422, "invalid-envelope");
    }
    server.stop().await;
}

/// Sends only the headers of a POST declaring `length` bytes, and reads what the server answers
/// without waiting for the body.
async fn declared_length_only(server: &Server, collection: &str, token: &str, length: u64) -> String {
    use tokio::io::{AsyncReadExt, AsyncWriteExt};
    let address = server.base.trim_start_matches("http://");
    let mut stream = tokio::net::TcpStream::connect(address).await.unwrap();
    let head = format!(
        "POST {} HTTP/1.1\r\nHost: {address}\r\nAuthorization: Bearer {token}\r\nContent-Type: {TAXII}\r\n\
         Accept: {TAXII}\r\nContent-Length: {length}\r\nConnection: close\r\n\r\n",
        server.objects_path(collection)
    );
    stream.write_all(head.as_bytes()).await.unwrap();
    let mut answer = Vec::new();
    let read =
        tokio::time::timeout(std::time::Duration::from_secs(10), stream.read_to_end(&mut answer)).await;
    assert!(read.is_ok(), "no answer within 10 s");
    String::from_utf8_lossy(&answer).into_owned()
}
