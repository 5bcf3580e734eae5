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
