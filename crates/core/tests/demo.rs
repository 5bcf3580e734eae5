//! Seeding the demo region on a fresh node, and not again on a seeded one.

use selat_core::demo::{self, demo_identity, demo_uuid};
use selat_core::node::Node;
use selat_core::org::Role;
use selat_store::{PageQuery, Store};

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn demo_region_seeds_once_with_working_credentials() {
    let dir = tempfile::tempdir().unwrap();
    let node = Node::open(dir.path()).await.unwrap();
    let creds = demo::seed(&node, "http://127.0.0.1:8470/").await.unwrap().expect("a fresh node seeds");
    assert_eq!(creds.api_root, "http://127.0.0.1:8470/taxii2/selat/");
    assert_eq!(creds.collections.shared, demo_uuid("shared"));
    let states: Vec<_> =
        creds.orgs.iter().filter(|o| o.kind == "member-state").map(|o| o.org.as_str()).collect();
    assert_eq!(states.len(), 11, "{states:?}");
    assert!(states.contains(&"TL"));
    for org in &creds.orgs {
        assert_eq!(org.identity, demo_identity(&org.org));
        let principal = node.authenticate_token(&org.token).await.unwrap();
        assert_eq!((principal.org.short_name.as_str(), principal.role), (org.org.as_str(), Role::Analyst));
        let by_password = node.authenticate_password(&org.username, &org.password).await.unwrap();
        assert_eq!(by_password.org.short_name, org.org);
    }
    for short in ["SG-BANKING", "MY-ENERGY", "TL-BANKING"] {
        let lead = creds.orgs.iter().find(|o| o.org == short).unwrap_or_else(|| panic!("{short}"));
        assert_eq!((lead.kind.as_str(), lead.parent.as_deref()), ("sector-lead", Some(&short[..2])));
    }
    let asean = creds.orgs.iter().find(|o| o.org == "ASEAN").unwrap();
    assert!(asean.users.iter().any(|u| u.role == "hub-admin"));

    let page = node.store.objects_page(&PageQuery::new(&creds.collections.shared, 10_000)).await.unwrap();
    let intel: serde_json::Value = serde_json::from_str(demo::INTEL).unwrap();
    let intel_count = intel["objects"].as_array().unwrap().len();
    assert_eq!(
        page.entries.len(),
        intel_count + creds.orgs.len(),
        "every identity and intel object is shared"
    );
    let public = node.store.objects_page(&PageQuery::new(&creds.collections.public, 100)).await.unwrap();
    assert!(!public.entries.is_empty());
    assert!(public.entries.iter().all(|e| e.json.contains("94868c89-83c2-464b-929b-a1a8aa3c8487")));

    let path = demo::write_credentials(dir.path(), &creds).unwrap();
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        assert_eq!(std::fs::metadata(&path).unwrap().permissions().mode() & 0o777, 0o600);
    }
    assert!(
        demo::seed(&node, "http://127.0.0.1:8470/").await.unwrap().is_none(),
        "a seeded store seeds nothing"
    );
}

/// What `selat serve --demo` shows of coordination: the eleven states with sectors and sector
/// leads, contacts with check history (some stale), incidents in different states with tasks and
/// assistance requests (a RED one only its two states see), and advisories in the Atom feed.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn demo_region_shows_coordination_records() {
    use selat_core::coordination::incidents::{IncidentFilter, Status};
    let dir = tempfile::tempdir().unwrap();
    let node = Node::open(dir.path()).await.unwrap();
    demo::seed(&node, "http://127.0.0.1:8470/").await.unwrap().expect("a fresh node seeds");
    let as_analyst = |short: &str| {
        let node = &node;
        let short = short.to_owned();
        async move {
            let org = node.organisation(&short).await.unwrap().unwrap();
            selat_core::org::Principal { org, role: Role::Analyst, username: None, token_id: None }
        }
    };
    let (sg, my, th) = (as_analyst("SG").await, as_analyst("MY").await, as_analyst("TH").await);

    let orgs = node.organisations().await.unwrap();
    let sectors = selat_core::region::sector_records(&orgs);
    for state in selat_core::region::MEMBER_STATES {
        let led =
            sectors.iter().filter(|s| s.member_state == state.alpha2 && s.sector_lead.is_some()).count();
        assert!(led >= 2, "{} has {led} sectors with a lead", state.alpha2);
    }

    let contacts = node.contacts(&sg, None, false).await.unwrap();
    assert_eq!(contacts.len(), 23, "two per state and the secretariat's");
    let stale = contacts.iter().filter(|c| c.stale).count();
    assert!(stale > 0 && stale < contacts.len(), "some stale, some verified: {stale}");
    assert!(contacts.iter().all(|c| c.checks_sent == 2), "two campaigns of history");
    assert!(contacts.iter().any(|c| c.median_response_s.is_some() && !c.stale));
    let campaigns = node.contact_checks(&sg).await.unwrap();
    assert_eq!(campaigns.len(), 2);
    assert!(campaigns.iter().all(|c| c.per_state.len() == 12 && c.answered < c.sent));

    let seen_by_sg = node.incidents(&sg, &IncidentFilter::default()).await.unwrap();
    let statuses: std::collections::BTreeSet<Status> = seen_by_sg.iter().map(|i| i.status).collect();
    for status in [Status::Triaged, Status::Coordinating, Status::Contained, Status::Closed] {
        assert!(statuses.contains(&status), "no {status:?} incident: {statuses:?}");
    }
    let regional = seen_by_sg.iter().find(|i| i.status == Status::Coordinating).unwrap();
    let view = node.incident(&sg, &regional.id).await.unwrap();
    assert!(view.tasks.len() >= 2 && view.assistance_requests.len() >= 2, "{view:?}");
    assert_eq!(view.merged.len(), 1, "MY's duplicate is merged in");
    let red =
        |list: &[selat_core::coordination::incidents::IncidentSummary]| list.iter().any(|i| i.tlp == "red");
    assert!(!red(&seen_by_sg), "SG is not named on the RED incident");
    assert!(red(&node.incidents(&my, &IncidentFilter::default()).await.unwrap()));
    assert!(red(&node.incidents(&th, &IncidentFilter::default()).await.unwrap()));
    let requests = node.assistance_requests(&sg).await.unwrap();
    assert!(requests.iter().any(|r| r.status == "overdue"), "{requests:?}");

    let advisories = node.advisories().await.unwrap();
    assert!(!advisories.is_empty());
    let public = node.public_collection().await.unwrap();
    let feed = selat_core::coordination::advisories::atom_feed("http://127.0.0.1:8470", &public, &advisories);
    assert_eq!(feed.matches("<entry>").count(), advisories.len());
}

/// Every coordination record the demo seeds passes the OASIS validator.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn demo_coordination_records_validate() {
    let Some(python) = selat_testdata::python("demo_coordination_records_validate") else { return };
    let dir = tempfile::tempdir().unwrap();
    let node = Node::open(dir.path()).await.unwrap();
    demo::seed(&node, "http://127.0.0.1:8470/").await.unwrap().expect("a fresh node seeds");
    let collection = node.coordination_collection().await.unwrap();
    let mut query = selat_store::ScanQuery {
        after: None,
        limit: 10_000,
        latest_only: false,
        object_type: None,
        collection: Some(collection),
        audience: selat_store::Audience::Unrestricted,
    };
    let mut objects = Vec::new();
    loop {
        let page = node.store.scan(&query).await.unwrap();
        objects.extend(page.rows.iter().map(|r| serde_json::from_str::<serde_json::Value>(&r.json).unwrap()));
        match page.next_after {
            Some(next) => query.after = Some(next),
            None => break,
        }
    }
    assert!(objects.len() > 100, "{} records", objects.len());
    let file = dir.path().join("demo-coordination.json");
    let bundle = serde_json::json!({"type": "bundle", "id": "bundle--5d0b8e1c-2f3a-4b6d-9e8f-1a2b3c4d5e6f", "objects": objects});
    std::fs::write(&file, bundle.to_string()).unwrap();
    let script = "import sys\nfrom stix2validator import validate_file, print_results\n\
                  r = validate_file(sys.argv[1])\nprint_results(r)\nsys.exit(0 if r.is_valid else 1)";
    let out = std::process::Command::new(python).args(["-c", script]).arg(&file).output().unwrap();
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stdout));
}
