//! Each endpoint's success path: status, media type, resource shape, headers.

use reqwest::Method;
use serde_json::json;

use crate::support::*;
use selat_server::Limits;

#[tokio::test]
async fn discovery_and_api_root() {
    let mut fixture = Fixture::new().await;
    let limits = Limits { max_body_bytes: 123_456, ..Limits::default() };
    let server = fixture.start(limits).await;
    let discovery = server.send(Method::GET, "/taxii2/", Auth::None, &[], None).await.ok_json();
    assert_eq!(discovery["api_roots"], json!(["/taxii2/selat/"]));
    assert_eq!(discovery["default"], json!("/taxii2/selat/"));
    assert!(discovery["title"].is_string());
    let root = server.get("/taxii2/selat/", &fixture.tokens.sg_analyst).await.ok_json();
    assert_eq!(root["versions"], json!([TAXII]));
    assert_eq!(root["max_content_length"], json!(123_456));
    server.stop().await;
}

#[tokio::test]
async fn collections_say_truthfully_what_the_caller_may_do() {
    let mut fixture = Fixture::new().await;
    let server = fixture.start(Limits::default()).await;
    let t = fixture.tokens.clone();
    let seen = |body: serde_json::Value| {
        let mut seen: Vec<(String, bool, bool)> = body["collections"]
            .as_array()
            .unwrap()
            .iter()
            .map(|c| {
                (
                    c["alias"].as_str().unwrap().to_owned(),
                    c["can_read"].as_bool().unwrap(),
                    c["can_write"].as_bool().unwrap(),
                )
            })
            .collect();
        seen.sort();
        seen
    };
    let path = "/taxii2/selat/collections/";
    // Members read the coordination collection; only the coordination services write it.
    let coordination = || ("coordination".to_owned(), true, false);
    let analyst = seen(server.get(path, &t.sg_analyst).await.ok_json());
    assert_eq!(analyst, [coordination(), ("public".into(), true, false), ("shared".into(), true, true)]);
    let viewer = seen(server.get(path, &t.sg_viewer).await.ok_json());
    assert_eq!(viewer, [coordination(), ("public".into(), true, false), ("shared".into(), true, false)]);
    let secretariat = seen(server.get(path, &t.asean_analyst).await.ok_json());
    assert_eq!(secretariat, [coordination(), ("public".into(), true, true), ("shared".into(), true, true)]);
    let anonymous = seen(server.send(Method::GET, path, Auth::None, &[], None).await.ok_json());
    assert_eq!(anonymous, [("public".into(), true, false)]);

    let one = server.get(&format!("{path}{}/", fixture.shared), &t.sg_analyst).await.ok_json();
    assert_eq!(one["id"], json!(fixture.shared));
    assert_eq!(one["media_types"], json!(["application/stix+json;version=2.1"]));
    let by_alias = server.get(&format!("{path}shared/"), &t.sg_analyst).await.ok_json();
    assert_eq!(by_alias["id"], json!(fixture.shared));
    server.stop().await;
}

#[tokio::test]
async fn add_then_read_objects_manifest_and_versions() {
    let mut fixture = Fixture::new().await;
    let server = fixture.start(Limits::default()).await;
    let token = fixture.tokens.sg_analyst.clone();
    let first = indicator();
    let id = first["id"].as_str().unwrap().to_owned();
    let second = indicator_version(&id, "2024-02-01T00:00:00.000Z");
    let other = indicator();

    let pending = server.post_objects(&fixture.shared, &token, std::slice::from_ref(&first)).await;
    assert_eq!(pending["status"], json!("pending"));
    let status = server.wait_complete(pending["id"].as_str().unwrap(), &token).await;
    assert_eq!((status["success_count"].clone(), status["failure_count"].clone()), (json!(1), json!(0)));
    assert_eq!(status["successes"][0]["id"], json!(id));
    server.add(&fixture.shared, &token, &[second.clone(), other.clone()]).await;

    let objects_path = server.objects_path(&fixture.shared);
    let reply = server.get(&objects_path, &token).await;
    let envelope = reply.ok_json();
    // Latest versions only, by date_added: `second` was added before `other`.
    assert_eq!(ids(&envelope), [id.clone(), other["id"].as_str().unwrap().to_owned()]);
    assert_eq!(envelope["objects"][0]["modified"], json!("2024-02-01T00:00:00.000Z"));
    assert!(envelope.get("more").is_none(), "{envelope}");
    let first_added = reply.header("x-taxii-date-added-first").unwrap().to_owned();
    let last_added = reply.header("x-taxii-date-added-last").unwrap().to_owned();
    assert!(first_added < last_added, "{first_added} {last_added}");

    // Get an Object and its versions filters.
    let object_path = format!("{objects_path}{id}/");
    let latest = server.get(&object_path, &token).await.ok_json();
    assert_eq!(latest["objects"].as_array().unwrap().len(), 1);
    assert_eq!(latest["objects"][0]["modified"], json!("2024-02-01T00:00:00.000Z"));
    let all = server.get(&format!("{object_path}?match[version]=all"), &token).await.ok_json();
    assert_eq!(all["objects"].as_array().unwrap().len(), 2);
    let earliest = server.get(&format!("{object_path}?match[version]=first"), &token).await.ok_json();
    assert_eq!(earliest["objects"][0]["modified"], json!("2024-01-01T00:00:00.000Z"));
    let at =
        server.get(&format!("{object_path}?match[version]=2024-01-01T00:00:00Z"), &token).await.ok_json();
    assert_eq!(at["objects"][0]["modified"], json!("2024-01-01T00:00:00.000Z"));
    let none = server.get(&format!("{object_path}?match[version]=2030-01-01T00:00:00Z"), &token).await;
    assert_eq!(none.ok_json(), json!({}), "a filter that selects nothing is an empty envelope");
    assert!(none.header("x-taxii-date-added-first").is_none());

    let versions_reply = server.get(&format!("{object_path}versions/"), &token).await;
    let versions = versions_reply.ok_json();
    assert_eq!(versions["versions"], json!(["2024-01-01T00:00:00.000000Z", "2024-02-01T00:00:00.000000Z"]));
    assert!(versions_reply.header("x-taxii-date-added-last").is_some());

    let manifest_path = format!("/taxii2/selat/collections/{}/manifest/", fixture.shared);
    let manifest_reply = server.get(&manifest_path, &token).await;
    let manifest = manifest_reply.ok_json();
    let records = manifest["objects"].as_array().unwrap();
    assert_eq!(records.len(), 2);
    assert_eq!(records[0]["id"], json!(id));
    assert_eq!(records[0]["version"], json!("2024-02-01T00:00:00.000000Z"));
    assert_eq!(records[0]["media_type"], json!("application/stix+json;version=2.1"));
    assert!(records[0]["date_added"].as_str().unwrap().ends_with('Z'));
    assert!(manifest_reply.header("x-taxii-date-added-first").is_some());
    let all_versions = server.get(&format!("{manifest_path}?match[version]=all"), &token).await.ok_json();
    assert_eq!(all_versions["objects"].as_array().unwrap().len(), 3);
    server.stop().await;
}

#[tokio::test]
async fn type_id_and_spec_version_filters() {
    let mut fixture = Fixture::new().await;
    let server = fixture.start(Limits::default()).await;
    let token = fixture.tokens.sg_analyst.clone();
    let (a, b) = (indicator(), indicator());
    let malware = json!({
        "type": "malware", "spec_version": "2.1", "id": format!("malware--{}", uuid::Uuid::new_v4()),
        "created": "2024-01-01T00:00:00.000Z", "modified": "2024-01-01T00:00:00.000Z",
        "name": "Strait worm", "is_family": true
    });
    server.add(&fixture.shared, &token, &[a.clone(), b.clone(), malware.clone()]).await;
    let path = server.objects_path(&fixture.shared);
    let by_type = server.get(&format!("{path}?match[type]=malware"), &token).await.ok_json();
    assert_eq!(ids(&by_type), [malware["id"].as_str().unwrap()]);
    let two_types = server.get(&format!("{path}?match[type]=malware,indicator"), &token).await.ok_json();
    assert_eq!(ids(&two_types).len(), 3);
    let by_id =
        server.get(&format!("{path}?match[id]={}", b["id"].as_str().unwrap()), &token).await.ok_json();
    assert_eq!(ids(&by_id), [b["id"].as_str().unwrap()]);
    let spec = server.get(&format!("{path}?match[spec_version]=2.1"), &token).await.ok_json();
    assert_eq!(ids(&spec).len(), 3);
    let spec20 = server.get(&format!("{path}?match[spec_version]=2.0"), &token).await.ok_json();
    assert_eq!(spec20, json!({}));
    server.stop().await;
}

#[tokio::test]
async fn delete_is_for_the_owner_or_a_hub_admin() {
    let mut fixture = Fixture::new().await;
    let server = fixture.start(Limits::default()).await;
    let t = fixture.tokens.clone();
    let (mine, also_mine) = (indicator(), indicator());
    server.add(&fixture.shared, &t.sg_analyst, &[mine.clone(), also_mine.clone()]).await;
    let path = |o: &serde_json::Value| {
        format!("{}{}/", server.objects_path(&fixture.shared), o["id"].as_str().unwrap())
    };

    let foreign = server.send(Method::DELETE, &path(&mine), Auth::Token(&t.my_analyst), &[], None).await;
    foreign.assert_error(403, "forbidden");
    let partial = server
        .send(
            Method::DELETE,
            &format!("{}?match[version]=first", path(&mine)),
            Auth::Token(&t.sg_analyst),
            &[],
            None,
        )
        .await;
    partial.assert_error(400, "bad-request");
    let owner = server.send(Method::DELETE, &path(&mine), Auth::Token(&t.sg_analyst), &[], None).await;
    assert_eq!(owner.status.as_u16(), 200, "{}", owner.text);
    server.get(&path(&mine), &t.sg_analyst).await.assert_error(404, "object-not-found");
    server.get(&path(&mine), &t.my_analyst).await.assert_error(404, "object-not-found");
    let again = server.send(Method::DELETE, &path(&mine), Auth::Token(&t.sg_analyst), &[], None).await;
    again.assert_error(404, "object-not-found");

    let admin = server.send(Method::DELETE, &path(&also_mine), Auth::Token(&t.hub_admin), &[], None).await;
    assert_eq!(admin.status.as_u16(), 200, "{}", admin.text);
    assert_eq!(server.get(&server.objects_path(&fixture.shared), &t.sg_analyst).await.ok_json(), json!({}));
    server.stop().await;
}

#[tokio::test]
async fn public_collection_reads_anonymously_and_takes_clear_advisories() {
    let mut fixture = Fixture::new().await;
    let server = fixture.start(Limits::default()).await;
    let t = fixture.tokens.clone();
    let advisory = clear_indicator();
    server.add(&fixture.public, &t.asean_analyst, std::slice::from_ref(&advisory)).await;
    let path = server.objects_path(&fixture.public);
    let anonymous = server.send(Method::GET, &path, Auth::None, &[], None).await.ok_json();
    assert_eq!(ids(&anonymous), [advisory["id"].as_str().unwrap()]);
    // An AMBER object is refused by the public collection, and reported as a failure.
    let pending = server.post_objects(&fixture.public, &t.asean_analyst, &[indicator()]).await;
    let status = server.wait_complete(pending["id"].as_str().unwrap(), &t.asean_analyst).await;
    assert_eq!(
        (status["success_count"].clone(), status["failure_count"].clone()),
        (json!(0), json!(1)),
        "{status}"
    );
    server.stop().await;
}

#[tokio::test]
async fn status_is_seen_only_by_the_poster() {
    let mut fixture = Fixture::new().await;
    let server = fixture.start(Limits::default()).await;
    let t = fixture.tokens.clone();
    let pending = server.post_objects(&fixture.shared, &t.sg_analyst, &[indicator()]).await;
    let id = pending["id"].as_str().unwrap();
    assert!(uuid::Uuid::parse_str(id).is_ok());
    for key in ["total_count", "success_count", "failure_count", "pending_count"] {
        assert!(pending[key].is_u64(), "{key} in {pending}");
    }
    server.wait_complete(id, &t.sg_analyst).await;
    let path = format!("/taxii2/selat/status/{id}/");
    server.get(&path, &t.sg_viewer).await.ok_json();
    server.get(&path, &t.my_analyst).await.assert_error(404, "status-not-found");
    server.send(Method::GET, &path, Auth::None, &[], None).await.assert_error(401, "unauthorized");
    server
        .get("/taxii2/selat/status/00000000-0000-4000-8000-000000000000/", &t.sg_analyst)
        .await
        .assert_error(404, "status-not-found");
    server.stop().await;
}

#[tokio::test]
async fn health_and_metrics() {
    let mut fixture = Fixture::new().await;
    let server = fixture.start(Limits::default()).await;
    let object = indicator();
    server.add(&fixture.shared, &fixture.tokens.sg_analyst, std::slice::from_ref(&object)).await;
    let health = server.send(Method::GET, "/healthz", Auth::None, &[], None).await;
    assert_eq!((health.status.as_u16(), health.text.trim()), (200, "ok"));
    let metrics = server.send(Method::GET, "/metrics", Auth::None, &[], None).await;
    assert_eq!(metrics.status.as_u16(), 200);
    assert!(metrics.header("content-type").unwrap().starts_with("text/plain; version=0.0.4"));
    for expected in [
        "selat_http_requests_total{route=\"/taxii2/selat/collections/{collection_id}/objects/\",method=\"POST\",status=\"202\"} 1",
        "selat_http_request_duration_seconds_count{route=\"/taxii2/selat/status/{status_id}/\"}",
        "selat_submission_queue_depth 0",
    ] {
        assert!(metrics.text.contains(expected), "missing {expected:?} in\n{}", metrics.text);
    }
    for secret in [object["id"].as_str().unwrap(), &fixture.shared, "SG", "sg-analyst"] {
        assert!(!metrics.text.contains(secret), "metrics reveal {secret}");
    }
    server.stop().await;
}
