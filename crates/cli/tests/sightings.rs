//! Issue 6's acceptance line for sightings: `selat match --sightings` turns matches into STIX
//! sightings that stix2-validator accepts; posted over TAXII by a sector lead (SG-BANKING), they
//! show up in the correlation answer of the indicator for its member state and, per TLP and
//! scope, for the region ("sighted by SG-BANKING, SG"), and not for whom they exclude.

mod support;

use std::sync::Arc;
use std::time::{Duration, Instant};

use selat_core::access::CollectionAccess;
use selat_core::node::Node;
use selat_core::org::{OrgKind, Organisation, Role};
use selat_server::{Application, ServerConfig};
use serde_json::{Value, json};

const TAXII: &str = "application/taxii+json;version=2.1";
const GREEN: &str = "marking-definition--bab4a63c-aed9-4cf5-a766-dfca5abac2bb";
const INDICATOR: &str = "indicator--5b9cbbf8-3b61-4c0a-9f5e-7c2a4f3f0e11";

struct Region {
    base: String,
    shared: String,
    /// Analyst tokens by short name.
    tokens: Vec<(&'static str, String)>,
    identities: Vec<(&'static str, String)>,
}

impl Region {
    fn token(&self, short: &str) -> &str {
        &self.tokens.iter().find(|(s, _)| *s == short).unwrap().1
    }

    fn identity(&self, short: &str) -> &str {
        &self.identities.iter().find(|(s, _)| *s == short).unwrap().1
    }
}

async fn region(dir: &std::path::Path) -> (Region, tokio::sync::oneshot::Sender<()>) {
    let node = Arc::new(Node::open(dir).await.unwrap());
    let mut tokens = Vec::new();
    let mut identities = Vec::new();
    for (short, kind, parent) in [
        ("SG", OrgKind::MemberState, None),
        ("MY", OrgKind::MemberState, None),
        ("SG-BANKING", OrgKind::SectorLead, Some("SG")),
        ("SG-ENERGY", OrgKind::SectorLead, Some("SG")),
        ("MY-BANKING", OrgKind::SectorLead, Some("MY")),
    ] {
        let identity = format!("identity--{}", uuid::Uuid::new_v4());
        let org = Organisation {
            short_name: short.into(),
            name: short.into(),
            kind,
            parent: parent.map(Into::into),
            identity: identity.clone(),
            member_since: None,
        };
        node.create_organisation(&org).await.unwrap();
        tokens.push((short, node.issue_token(short, Role::Analyst, None, "test", None).await.unwrap().text));
        identities.push((short, identity));
    }
    let (shared, _) = node.collection_named("shared", true).await.unwrap();
    node.set_collection_access(&shared.id, CollectionAccess::SHARED).await.unwrap();
    let config = ServerConfig::new("127.0.0.1:0".parse().unwrap(), dir);
    let app = Application::build_with_node(config, node).await.unwrap();
    let base = app.base_url();
    let (stop, stopped) = tokio::sync::oneshot::channel::<()>();
    tokio::spawn(app.run_until(async move {
        let _ = stopped.await;
    }));
    (Region { base, shared: shared.id, tokens, identities }, stop)
}

/// POSTs objects over TAXII and waits until every one is stored.
async fn post(region: &Region, token: &str, objects: &[Value]) {
    let client = selat_taxii::client::http_client().build().unwrap();
    let url = format!("{}/taxii2/selat/collections/{}/objects/", region.base, region.shared);
    let reply = client
        .post(url)
        .bearer_auth(token)
        .header("accept", TAXII)
        .header("content-type", TAXII)
        .body(serde_json::to_vec(&json!({"objects": objects})).unwrap())
        .send()
        .await
        .unwrap();
    assert_eq!(reply.status().as_u16(), 202);
    let status: Value = reply.json().await.unwrap();
    let url = format!("{}/taxii2/selat/status/{}/", region.base, status["id"].as_str().unwrap());
    let deadline = Instant::now() + Duration::from_secs(60);
    loop {
        let status: Value = client
            .get(&url)
            .bearer_auth(token)
            .header("accept", TAXII)
            .send()
            .await
            .unwrap()
            .json()
            .await
            .unwrap();
        if status["status"] == "complete" {
            assert_eq!(status["success_count"], json!(objects.len()), "{status}");
            return;
        }
        assert!(Instant::now() < deadline, "{status}");
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
}

async fn correlation(region: &Region, short: &str) -> Value {
    let url = format!("{}/api/v1/objects/{INDICATOR}/correlations", region.base);
    let reply = selat_taxii::client::http_client()
        .build()
        .unwrap()
        .get(url)
        .bearer_auth(region.token(short))
        .send()
        .await
        .unwrap();
    assert_eq!(reply.status().as_u16(), 200);
    reply.json().await.unwrap()
}

/// `selat match --sightings` on `observations`, as `sighted_by`, with `--tlp`/`--scope`.
fn sightings(indicators: &str, sighted_by: &str, tlp: &str, scope: &str, observations: &str) -> Vec<Value> {
    let out = support::run_with_stdin(
        &[
            "match",
            "--indicators",
            indicators,
            "--sightings",
            "--sighted-by",
            sighted_by,
            "--tlp",
            tlp,
            "--scope",
            scope,
        ],
        observations.as_bytes(),
    );
    assert_eq!(out.code, 0, "{out}");
    let bundle: Value = serde_json::from_str(out.stdout.trim()).unwrap_or_else(|e| panic!("{e}: {out}"));
    assert_eq!(bundle["type"], "bundle");
    bundle["objects"].as_array().unwrap().clone()
}

/// stix2-validator's verdict on a bundle file, when the venv is there.
fn validate_with_oasis(path: &std::path::Path) {
    let Some(python) = selat_testdata::python("sightings validate with stix2-validator") else { return };
    support::assert_oasis_valid(&python, path);
}

fn sighted_by(answer: &Value) -> (Vec<String>, Vec<String>) {
    let names = |v: &Value| -> Vec<String> {
        v.as_array()
            .unwrap()
            .iter()
            .map(|o| o.as_str().map_or_else(|| o["short_name"].as_str().unwrap().to_owned(), str::to_owned))
            .collect()
    };
    (names(&answer["sighted_by"]["organisations"]), names(&answer["sighted_by"]["member_states"]))
}

fn counts(answer: &Value) -> Vec<u64> {
    let mut counts: Vec<u64> =
        answer["sightings"].as_array().unwrap().iter().map(|s| s["count"].as_u64().unwrap()).collect();
    counts.sort_unstable();
    counts
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn sightings_from_match_reach_the_member_state_and_per_tlp_the_region() {
    let dir = tempfile::tempdir().unwrap();
    let (region, stop) = region(&dir.path().join("node")).await;
    let indicator = json!({
        "type": "indicator", "spec_version": "2.1", "id": INDICATOR,
        "created": "2024-01-01T00:00:00.000Z", "modified": "2024-01-01T00:00:00.000Z",
        "created_by_ref": region.identity("MY"), "name": "Phishing relay",
        "pattern_type": "stix", "pattern": "[ipv4-addr:value = '45.77.10.3']",
        "valid_from": "2024-01-01T00:00:00Z", "object_marking_refs": [GREEN]
    });
    post(&region, region.token("MY"), std::slice::from_ref(&indicator)).await;
    let indicators = dir.path().join("indicators.json");
    std::fs::write(&indicators, json!({"type": "bundle", "id": "bundle--00000000-0000-4000-8000-0000000000b1", "objects": [indicator]}).to_string()).unwrap();
    let indicators = indicators.to_str().unwrap();
    let bank = region.identity("SG-BANKING").to_owned();

    // Seen twice on one sensor (kept for SG: AMBER+STRICT, national), once on another (for the
    // region: GREEN, community). Observed-data carries its own times.
    let observed = json!({"type": "bundle", "id": "bundle--00000000-0000-4000-8000-0000000000b2", "objects": [
        {"type": "observed-data", "spec_version": "2.1", "id": "observed-data--00000000-0000-4000-8000-0000000000b3",
         "created": "2024-03-01T00:00:00.000Z", "modified": "2024-03-01T00:00:00.000Z",
         "first_observed": "2024-03-01T00:00:00Z", "last_observed": "2024-03-01T01:00:00Z", "number_observed": 2,
         "object_refs": ["ipv4-addr--00000000-0000-5000-8000-0000000000b4"]},
        {"type": "ipv4-addr", "id": "ipv4-addr--00000000-0000-5000-8000-0000000000b4", "value": "45.77.10.3"}]});
    let national =
        sightings(indicators, &bank, "amber+strict", "national", &format!("{observed}\n8.8.8.8\n"));
    let community = sightings(indicators, &bank, "green", "community", "45.77.10.3\n");
    assert_eq!((national.len(), community.len()), (1, 1));
    assert_eq!(national[0]["count"], 2);
    assert_eq!(national[0]["first_seen"], "2024-03-01T00:00:00.000Z");
    assert_eq!(
        national[0]["observed_data_refs"],
        json!(["observed-data--00000000-0000-4000-8000-0000000000b3"])
    );
    assert_eq!(community[0]["count"], 1);
    for s in national.iter().chain(&community) {
        assert_eq!(s["sighting_of_ref"], INDICATOR);
        assert_eq!(s["where_sighted_refs"], json!([bank]));
    }
    let produced = dir.path().join("sightings.json");
    let all: Vec<Value> = national.iter().chain(&community).cloned().collect();
    std::fs::write(
        &produced,
        json!({"type": "bundle", "id": "bundle--00000000-0000-4000-8000-0000000000b5", "objects": all})
            .to_string(),
    )
    .unwrap();
    validate_with_oasis(&produced);

    post(&region, region.token("SG-BANKING"), &all).await;

    // Its member state sees both, and who sighted: "sighted by SG-BANKING, SG".
    let sg = correlation(&region, "SG").await;
    assert_eq!(counts(&sg), [1, 2], "{sg}");
    assert_eq!(sighted_by(&sg), (vec!["SG-BANKING".to_owned()], vec!["SG".to_owned()]), "{sg}");
    // The region sees the GREEN community sighting only.
    for short in ["MY", "MY-BANKING", "SG-ENERGY"] {
        let answer = correlation(&region, short).await;
        assert_eq!(counts(&answer), [1], "{short}: {answer}");
        assert_eq!(sighted_by(&answer), (vec!["SG-BANKING".to_owned()], vec!["SG".to_owned()]), "{short}");
    }

    // With only the AMBER+STRICT national sighting, the region learns of no sighting at all.
    let only_national = json!({"type": "bundle", "id": "bundle--00000000-0000-4000-8000-0000000000b6", "objects": [
        {"type": "observed-data", "spec_version": "2.1", "id": "observed-data--00000000-0000-4000-8000-0000000000b7",
         "created": "2024-04-01T00:00:00.000Z", "modified": "2024-04-01T00:00:00.000Z",
         "first_observed": "2024-04-01T00:00:00Z", "last_observed": "2024-04-01T00:00:00Z", "number_observed": 9,
         "object_refs": ["ipv4-addr--00000000-0000-5000-8000-0000000000b4"]},
        {"type": "ipv4-addr", "id": "ipv4-addr--00000000-0000-5000-8000-0000000000b4", "value": "45.77.10.3"}]});
    let energy = region.identity("SG-ENERGY").to_owned();
    let hidden = sightings(indicators, &energy, "amber+strict", "national", &format!("{only_national}\n"));
    post(&region, region.token("SG-ENERGY"), &hidden).await;
    let my = correlation(&region, "MY").await;
    assert_eq!(counts(&my), [1], "SG-ENERGY's national AMBER+STRICT sighting is not shown to MY: {my}");
    let organisations = sighted_by(&my).0;
    assert_eq!(organisations, ["SG-BANKING"], "nor is SG-ENERGY named: {my}");
    let sg = correlation(&region, "SG").await;
    assert_eq!(counts(&sg), [1, 2, 9], "{sg}");
    let _ = stop.send(());
}

#[test]
fn sightings_need_an_identity() {
    let dir = tempfile::tempdir().unwrap();
    let indicators = dir.path().join("i.json");
    std::fs::write(&indicators, "[]").unwrap();
    let path = indicators.to_str().unwrap();
    let out = support::run_with_stdin(&["match", "--indicators", path, "--sightings"], b"");
    assert_eq!(out.code, 2, "clap refuses --sightings without --sighted-by: {out}");
    let out = support::run_with_stdin(
        &["match", "--indicators", path, "--sightings", "--sighted-by", "SG-BANKING"],
        b"",
    );
    assert_ne!(out.code, 0, "{out}");
    assert!(out.stderr.contains("identity id"), "{out}");
    let identity = "identity--00000000-0000-4000-8000-000000000001";
    let out = support::run_with_stdin(
        &["match", "--indicators", path, "--sightings", "--sighted-by", identity, "--tlp", "purple"],
        b"",
    );
    assert!(out.stderr.contains("--tlp"), "{out}");
}
