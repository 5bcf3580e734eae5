//! Correlation through the access rule: what each viewer learns about an indicator and a value
//! from the observable index, with sightings by a sector lead under different TLPs and scopes.

use selat_core::correlation::{Correlation, CorrelationError};
use selat_core::ingest;
use selat_core::node::Node;
use selat_core::org::{OrgKind, Organisation};
use serde_json::{Value, json};

const GREEN: &str = "marking-definition--bab4a63c-aed9-4cf5-a766-dfca5abac2bb";
const AMBER_STRICT: &str = "marking-definition--939a9414-2ddd-4d32-a0cd-375ea402b003";
const DISTRIBUTION: &str = "extension-definition--b78d1732-3a01-46df-a4b4-719a2aab7a1d";

const IND_MY: &str = "indicator--00000000-0000-4000-8000-0000000000a1";
const IND_SG: &str = "indicator--00000000-0000-4000-8000-0000000000a2";
const IND_PRIVATE: &str = "indicator--00000000-0000-4000-8000-0000000000a3";

fn identity(short: &str) -> String {
    let n =
        short.bytes().fold(0u64, |h, b| h.wrapping_mul(31).wrapping_add(u64::from(b))) % 1_000_000_000_000;
    format!("identity--00000000-0000-4000-8000-{n:012}")
}

fn org(short: &str, kind: OrgKind, parent: Option<&str>) -> Organisation {
    Organisation {
        short_name: short.to_owned(),
        name: short.to_owned(),
        kind,
        parent: parent.map(str::to_owned),
        identity: identity(short),
        member_since: None,
    }
}

fn marked(mut object: Value, tlp: &str, scope: &str) -> Value {
    object["object_marking_refs"] = json!([tlp]);
    object["extensions"] = json!({DISTRIBUTION: {"extension_type": "property-extension", "scope": scope}});
    object
}

fn indicator(id: &str, owner: &str, ip: &str) -> Value {
    json!({"type": "indicator", "spec_version": "2.1", "id": id, "created": "2024-01-01T00:00:00.000Z",
           "modified": "2024-01-01T00:00:00.000Z", "created_by_ref": identity(owner),
           "pattern_type": "stix", "pattern": format!("[ipv4-addr:value = '{ip}']"),
           "valid_from": "2024-01-01T00:00:00Z"})
}

fn sighting(n: u32, owner: &str, of: &str) -> Value {
    json!({"type": "sighting", "spec_version": "2.1", "id": format!("sighting--00000000-0000-4000-8000-00000000000{n}"),
           "created": "2024-02-01T00:00:00.000Z", "modified": "2024-02-01T00:00:00.000Z",
           "created_by_ref": identity(owner), "sighting_of_ref": of, "where_sighted_refs": [identity(owner)],
           "count": 3})
}

async fn publish(node: &Node, owner: &str, objects: Vec<Value>) {
    let options = node.ingest_options(&identity(owner)).await.unwrap();
    let bytes = serde_json::to_vec(&objects).unwrap();
    let report = ingest::ingest(&node.store, std::io::Cursor::new(bytes), &options, |_| {}).await.unwrap();
    assert_eq!(report.rejected_total, 0, "{:?}", report.rejected);
}

async fn seeded() -> (tempfile::TempDir, Node) {
    let dir = tempfile::tempdir().unwrap();
    let node = Node::open(dir.path()).await.unwrap();
    for (short, kind, parent) in [
        ("SG", OrgKind::MemberState, None),
        ("MY", OrgKind::MemberState, None),
        ("SG-BANKING", OrgKind::SectorLead, Some("SG")),
        ("MY-BANKING", OrgKind::SectorLead, Some("MY")),
    ] {
        node.create_organisation(&org(short, kind, parent)).await.unwrap();
    }
    publish(&node, "MY", vec![marked(indicator(IND_MY, "MY", "203.0.113.9"), GREEN, "community")]).await;
    publish(&node, "MY", vec![marked(indicator(IND_PRIVATE, "MY", "192.0.2.55"), GREEN, "organisation")])
        .await;
    publish(&node, "SG", vec![marked(indicator(IND_SG, "SG", "203.0.113.9"), AMBER_STRICT, "national")])
        .await;
    // SG-BANKING sighted MY's indicator: once for its member state only, once for the region.
    publish(
        &node,
        "SG-BANKING",
        vec![
            marked(sighting(1, "SG-BANKING", IND_MY), AMBER_STRICT, "national"),
            marked(sighting(2, "SG-BANKING", IND_MY), GREEN, "community"),
        ],
    )
    .await;
    (dir, node)
}

async fn as_org(node: &Node, short: &str) -> selat_store::Audience {
    let org = node.organisation(short).await.unwrap().unwrap();
    node.org_audience(Some(&org), false).await.unwrap()
}

fn sighting_ids(answer: &Correlation) -> Vec<String> {
    let mut ids: Vec<String> = answer.sightings.iter().map(|s| s.id[s.id.len() - 1..].to_owned()).collect();
    ids.sort();
    ids
}

fn holders(answer: &Correlation) -> Vec<String> {
    answer.values.iter().flat_map(|v| v.objects.iter().map(|h| h.id.clone())).collect()
}

fn names(who: &selat_core::correlation::Who) -> (Vec<String>, Vec<String>) {
    let orgs = who.organisations.iter().filter_map(|o| o.short_name.clone()).collect();
    (orgs, who.member_states.clone())
}

#[tokio::test]
async fn correlation_of_an_indicator_follows_the_access_rule() {
    let (_dir, node) = seeded().await;
    // SG sees both sightings, and its own indicator of the same value.
    let sg = node.correlate_object(IND_MY, &as_org(&node, "SG").await).await.unwrap();
    assert_eq!(sighting_ids(&sg), ["1", "2"]);
    assert_eq!(
        names(&sg.sighted_by),
        (vec!["SG-BANKING".to_owned()], vec!["SG".to_owned()]),
        "sighted by SG-BANKING, SG"
    );
    assert_eq!(holders(&sg), [IND_SG]);
    assert_eq!(names(&sg.reported_by), (vec!["SG".to_owned()], vec!["SG".to_owned()]));
    let ip = sg.values.iter().find(|v| v.value == "203.0.113.9").expect("the indicator's value");
    assert_eq!(ip.benign[0].matched, "203.0.113.0/24", "a documentation range is flagged");
    // MY, the indicator's owner, sees only the regional sighting, and not SG's national indicator.
    let my = node.correlate_object(IND_MY, &as_org(&node, "MY").await).await.unwrap();
    assert_eq!(sighting_ids(&my), ["2"]);
    assert_eq!(names(&my.sighted_by), (vec!["SG-BANKING".to_owned()], vec!["SG".to_owned()]));
    assert!(holders(&my).is_empty(), "{:?}", my.values);
    // A sector lead of MY: the GREEN sighting reaches it as a client; AMBER+STRICT does not.
    let my_banking = node.correlate_object(IND_MY, &as_org(&node, "MY-BANKING").await).await.unwrap();
    assert_eq!(sighting_ids(&my_banking), ["2"]);
    // SG's AMBER+STRICT national indicator does not exist for MY.
    let hidden = node.correlate_object(IND_SG, &as_org(&node, "MY").await).await;
    assert!(matches!(hidden, Err(CorrelationError::NotFound(_))), "{hidden:?}");
}

#[tokio::test]
async fn correlation_of_a_value_hints_at_nothing_hidden() {
    let (_dir, node) = seeded().await;
    let sg = node.correlate_value("203.0.113.9", &as_org(&node, "SG").await).await.unwrap();
    let mut seen = holders(&sg);
    seen.sort();
    assert_eq!(seen, [IND_MY, IND_SG]);
    assert_eq!(sighting_ids(&sg), ["1", "2"], "sightings of the indicators carrying the value");
    // Only MY's organisation-scoped indicator carries this value: others learn nothing of it.
    let outsider = node.correlate_value("192.0.2.55", &as_org(&node, "SG").await).await.unwrap();
    assert!(outsider.values.is_empty() && outsider.sightings.is_empty(), "{outsider:?}");
    let owner = node.correlate_value("192.0.2.55", &as_org(&node, "MY").await).await.unwrap();
    assert_eq!(holders(&owner), [IND_PRIVATE]);
    let bad = node.correlate_value(&"x".repeat(5000), &as_org(&node, "MY").await).await;
    assert!(matches!(bad, Err(CorrelationError::Invalid(_))), "{bad:?}");
}

#[tokio::test]
async fn an_over_correlating_value_is_capped_with_a_note_and_warninglists_flag_it() {
    let (_dir, node) = seeded().await;
    let many: Vec<Value> = (0..=selat_core::correlation::MAX_CORRELATION_HOLDERS)
        .map(|n| {
            let id = format!("indicator--00000000-0000-4000-8000-{:012}", 0xb00 + n);
            marked(indicator(&id, "MY", "1.0.0.1"), GREEN, "community")
        })
        .collect();
    publish(&node, "MY", many).await;
    let sg = node.correlate_value("1.0.0.1", &as_org(&node, "SG").await).await.unwrap();
    let value = &sg.values[0];
    assert!(value.more, "{value:?}");
    assert_eq!(value.objects.len(), selat_core::correlation::MAX_CORRELATION_HOLDERS);
    assert!(sg.notes.iter().any(|n| n.contains("MAX_CORRELATION_HOLDERS")), "{:?}", sg.notes);
    assert!(value.benign.is_empty(), "1.0.0.1 is in no built-in range");
    // The cap counts only what the viewer may see: as many holders SG may not see leave no trace.
    let hidden: Vec<Value> = (0..=selat_core::correlation::MAX_CORRELATION_HOLDERS)
        .map(|n| {
            let id = format!("indicator--00000000-0000-4000-8000-{:012}", 0xc00 + n);
            marked(indicator(&id, "MY", "1.0.0.2"), GREEN, "organisation")
        })
        .collect();
    publish(&node, "MY", hidden).await;
    let none = node.correlate_value("1.0.0.2", &as_org(&node, "SG").await).await.unwrap();
    assert!(none.values.is_empty() && none.notes.is_empty(), "{none:?}");
    let mine = node.correlate_value("1.0.0.2", &as_org(&node, "MY").await).await.unwrap();
    assert!(mine.values[0].more, "the owner sees them all, capped");

    let Some(data) = selat_testdata::shared_data("an_over_correlating_value_is_capped") else { return };
    let lists = selat_core::benign::Warninglists::load(&data.join("misp-warninglists")).unwrap();
    node.set_warninglists(lists);
    let flagged = node.correlate_value("1.0.0.1", &as_org(&node, "SG").await).await.unwrap();
    let flags: Vec<&str> = flagged.values[0].benign.iter().map(|f| f.source).collect();
    assert_eq!(flags, ["warninglist"], "a public resolver: {:?}", flagged.values[0].benign);
}
