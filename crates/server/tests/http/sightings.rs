//! `POST /api/v1/match` (observations in, matches out, against the indicators the caller may see;
//! sightings stored on request) and the correlation endpoints, over a real socket.

use reqwest::Method;
use selat_core::org::{OrgKind, Organisation, Role};
use selat_server::Limits;
use serde_json::{Value, json};

use crate::support::*;

const GREEN: &str = "marking-definition--bab4a63c-aed9-4cf5-a766-dfca5abac2bb";
const DISTRIBUTION: &str = "extension-definition--b78d1732-3a01-46df-a4b4-719a2aab7a1d";

async fn api(
    server: &Server,
    method: Method,
    path: &str,
    token: Option<&str>,
    body: Option<Value>,
) -> (u16, Value) {
    let auth = token.map_or(Auth::None, Auth::Token);
    let headers = [("accept", "application/json"), ("content-type", "application/json")];
    let body = body.map(|b| serde_json::to_vec(&b).unwrap());
    let reply = server.send(method, path, auth, &headers, body).await;
    assert_eq!(reply.header("content-type"), Some("application/json"), "{path}: {reply:?}");
    (reply.status.as_u16(), reply.json())
}

fn ip_indicator(ip: &str, scope: &str) -> Value {
    let mut object = indicator();
    object["pattern"] = json!(format!("[ipv4-addr:value = '{ip}']"));
    object["object_marking_refs"] = json!([GREEN]);
    object["extensions"] = json!({DISTRIBUTION: {"extension_type": "property-extension", "scope": scope}});
    object
}

/// SG-BANKING (a sector lead of SG) with an analyst token.
async fn sector_lead(server: &Server) -> String {
    let org = Organisation {
        short_name: "SG-BANKING".into(),
        name: "SG banking CSIRT".into(),
        kind: OrgKind::SectorLead,
        parent: Some("SG".into()),
        identity: format!("identity--{}", uuid::Uuid::new_v4()),
        member_since: None,
    };
    server.node.create_organisation(&org).await.unwrap();
    server.node.issue_token("SG-BANKING", Role::Analyst, None, "sensor", None).await.unwrap().text
}

#[tokio::test]
async fn match_answers_only_from_visible_indicators_and_stores_sightings() {
    let mut fixture = Fixture::new().await;
    let server = fixture.start(Limits::default()).await;
    let sensor = sector_lead(&server).await;
    let community = ip_indicator("203.0.113.9", "community");
    let private = ip_indicator("203.0.113.9", "organisation");
    let mut yara = ip_indicator("203.0.113.9", "community");
    yara["pattern_type"] = json!("yara");
    yara["pattern"] = json!("rule x { condition: true }");
    server
        .add(&fixture.shared, &fixture.tokens.my_analyst, &[community.clone(), private.clone(), yara])
        .await;
    let request = json!({"observations": [{"type": "ipv4-addr", "value": "203.0.113.9"},
                                          {"type": "ipv4-addr", "value": "8.8.8.8"}]});
    let (status, answer) =
        api(&server, Method::POST, "/api/v1/match", Some(&sensor), Some(request.clone())).await;
    assert_eq!(status, 200, "{answer}");
    let matched: Vec<&str> =
        answer["matches"].as_array().unwrap().iter().map(|m| m["indicator"].as_str().unwrap()).collect();
    assert_eq!(
        matched,
        [community["id"].as_str().unwrap()],
        "MY's organisation-scoped indicator is not matched: {answer}"
    );
    assert_eq!(answer["matches"][0]["observation"], 0);
    assert_eq!(answer["not_matchable"], 1, "the YARA indicator is reported: {answer}");
    assert!(answer.get("sightings").is_none());

    // MY, the owner, matches both of its STIX indicators.
    let (_, mine) =
        api(&server, Method::POST, "/api/v1/match", Some(&fixture.tokens.my_analyst), Some(request.clone()))
            .await;
    assert_eq!(mine["matches"].as_array().unwrap().len(), 2, "{mine}");

    // Observed-data with its own times: the same matches make the same sighting.
    let observed = json!({"type": "bundle", "id": "bundle--00000000-0000-4000-8000-000000000001", "objects": [
        {"type": "observed-data", "spec_version": "2.1", "id": "observed-data--00000000-0000-4000-8000-000000000001",
         "created": "2024-03-01T00:00:00.000Z", "modified": "2024-03-01T00:00:00.000Z",
         "first_observed": "2024-03-01T00:00:00Z", "last_observed": "2024-03-01T06:00:00Z", "number_observed": 4,
         "object_refs": ["ipv4-addr--00000000-0000-5000-8000-000000000001"]},
        {"type": "ipv4-addr", "id": "ipv4-addr--00000000-0000-5000-8000-000000000001", "value": "203.0.113.9"}]});
    let mut store = json!({"observations": [observed]});
    store["store_sightings"] = json!(true);
    store["tlp"] = json!("green");
    store["scope"] = json!("community");
    store["collection"] = json!("shared");
    let (status, stored) =
        api(&server, Method::POST, "/api/v1/match", Some(&sensor), Some(store.clone())).await;
    assert_eq!(status, 200, "{stored}");
    assert_eq!(stored["sightings"]["stored"], 1, "{stored}");
    let (_, again) = api(&server, Method::POST, "/api/v1/match", Some(&sensor), Some(store)).await;
    assert_eq!(again["sightings"]["already_present"], 1, "the same sighting again is a no-op: {again}");

    // The sighting is in the indicator's correlation, for MY too (GREEN, community).
    let path = format!("/api/v1/objects/{}/correlations", community["id"].as_str().unwrap());
    let (status, correlation) =
        api(&server, Method::GET, &path, Some(&fixture.tokens.my_analyst), None).await;
    assert_eq!(status, 200, "{correlation}");
    assert_eq!(correlation["sighted_by"]["member_states"], json!(["SG"]), "{correlation}");
    assert_eq!(correlation["sighted_by"]["organisations"][0]["short_name"], "SG-BANKING");
    assert_eq!(correlation["sightings"][0]["count"], 4);
    assert_eq!(correlation["sightings"][0]["first_seen"], "2024-03-01T00:00:00.000Z");
}

#[tokio::test]
async fn match_and_correlation_errors() {
    let mut fixture = Fixture::new().await;
    let server = fixture.start(Limits::default()).await;
    let token = fixture.tokens.sg_analyst.clone();
    let (status, body) =
        api(&server, Method::POST, "/api/v1/match", None, Some(json!({"observations": []}))).await;
    assert_eq!((status, body["error"].as_str()), (401, Some("unauthorized")));
    for (request, says) in [
        (json!({"observations": [], "bogus": 1}), "unknown field"),
        (json!({"observations": [], "tlp": "green"}), "store_sightings"),
        (json!({"observations": [], "store_sightings": true, "tlp": "purple"}), "tlp"),
        (json!({"observations": [], "store_sightings": true, "scope": "group"}), "scope"),
        (json!({"observations": [], "store_sightings": true, "collection": "nope"}), "no collection"),
        (
            json!({"observations": vec![json!({"type": "ipv4-addr", "value": "1.1.1.1"}); 10_001]}),
            "MAX_MATCH_OBSERVATIONS",
        ),
    ] {
        let (status, body) = api(&server, Method::POST, "/api/v1/match", Some(&token), Some(request)).await;
        assert_eq!(status, 400, "{body}");
        assert!(body["detail"].as_str().unwrap().contains(says), "{says}: {body}");
    }
    let viewer = api(
        &server,
        Method::POST,
        "/api/v1/match",
        Some(&fixture.tokens.sg_viewer),
        Some(json!({"observations": [], "store_sightings": true})),
    )
    .await;
    assert_eq!(viewer.0, 400, "a viewer stores no sightings: {}", viewer.1);
    let huge = vec![b' '; 10 * 1024 * 1024 + 1];
    let headers = [("accept", "application/json"), ("content-type", "application/json")];
    let reply = server.send(Method::POST, "/api/v1/match", Auth::Token(&token), &headers, Some(huge)).await;
    assert_eq!(reply.status.as_u16(), 413, "{}", reply.text);
    assert_eq!(reply.json()["error"], "payload_too_large");

    let (status, _) = api(&server, Method::GET, "/api/v1/correlations?value=1.2.3.4", None, None).await;
    assert_eq!(status, 401);
    let (status, body) = api(&server, Method::GET, "/api/v1/correlations", Some(&token), None).await;
    assert_eq!(status, 400, "{body}");
    let (status, body) =
        api(&server, Method::GET, "/api/v1/objects/nonsense/correlations", Some(&token), None).await;
    assert_eq!(status, 400, "{body}");
    // An object SG may not see is a 404, as one that does not exist.
    let private = ip_indicator("192.0.2.77", "organisation");
    server.add(&fixture.shared, &fixture.tokens.my_analyst, std::slice::from_ref(&private)).await;
    let path = format!("/api/v1/objects/{}/correlations", private["id"].as_str().unwrap());
    let (status, hidden) = api(&server, Method::GET, &path, Some(&token), None).await;
    let (_, missing) = api(
        &server,
        Method::GET,
        "/api/v1/objects/indicator--00000000-0000-4000-8000-000000000000/correlations",
        Some(&token),
        None,
    )
    .await;
    assert_eq!(status, 404, "{hidden}");
    assert_eq!(hidden["error"], missing["error"]);
    let (status, mine) = api(&server, Method::GET, &path, Some(&fixture.tokens.my_analyst), None).await;
    assert_eq!(status, 200, "{mine}");
    assert_eq!(mine["values"][0]["benign"][0]["matched"], "192.0.2.0/24", "{mine}");
    let (_, by_value) =
        api(&server, Method::GET, "/api/v1/correlations?value=192.0.2.77", Some(&token), None).await;
    assert_eq!(by_value["values"], json!([]), "no hint of MY's organisation-scoped indicator: {by_value}");
}

#[tokio::test]
async fn warninglists_from_the_configuration_flag_values_and_a_bad_directory_stops_the_start() {
    let fixture = Fixture::new().await;
    let node =
        std::sync::Arc::new(selat_core::node::Node::open(&fixture.dir.path().join("other")).await.unwrap());
    let mut config =
        selat_server::ServerConfig::new("127.0.0.1:0".parse().unwrap(), fixture.dir.path().join("other"));
    config.warninglists = Some(fixture.dir.path().join("no-such-directory"));
    let failed = selat_server::Application::build_with_node(config.clone(), node.clone()).await;
    let message = failed.err().expect("a missing warninglists directory is an error").to_string();
    assert!(message.contains("warninglists") && message.contains("no-such-directory"), "{message}");

    let Some(data) = selat_testdata::shared_data("warninglists_from_the_configuration") else { return };
    config.warninglists = Some(data.join("misp-warninglists"));
    let app = selat_server::Application::build_with_node(config, node.clone()).await.unwrap();
    assert!(node.warninglists().len() >= 4, "loaded at start");
    drop(app);
    let audience = node.org_audience(None, false).await.unwrap();
    let answer = node.correlate_value("google.com", &audience).await.unwrap();
    assert!(answer.values.is_empty(), "no object carries it: nothing to flag");
    assert!(!node.warninglists().flags("google.com").is_empty());
}
