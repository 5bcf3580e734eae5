//! The REST root `/api/v1/`: who may read the audit log, and the OpenAPI document.

use reqwest::Method;
use serde_json::Value;

use crate::support::*;
use selat_core::org::Role;
use selat_server::Limits;

async fn api(server: &Server, path: &str, auth: Auth<'_>) -> (u16, Value) {
    let reply = server.send(Method::GET, path, auth, &[("accept", "application/json")], None).await;
    assert_eq!(reply.header("content-type"), Some("application/json"), "{path}: {reply:?}");
    (reply.status.as_u16(), reply.json())
}

fn operations(body: &Value) -> Vec<String> {
    body["entries"].as_array().unwrap().iter().map(|e| e["operation"].as_str().unwrap().to_owned()).collect()
}

fn concern(body: &Value, org: &str) -> bool {
    body["entries"]
        .as_array()
        .unwrap()
        .iter()
        .all(|e| e["subject_orgs"].as_array().unwrap().iter().any(|o| o == org))
}

#[tokio::test]
async fn org_admins_read_their_own_entries_and_hub_admins_all() {
    let mut fixture = Fixture::new().await;
    let server = fixture.start(Limits::default()).await;
    let node = server.node.clone();
    let mut admin_tokens = Vec::new();
    for (user, org) in [("sg-admin", "SG"), ("my-admin", "MY")] {
        node.create_user(user, org, Role::OrgAdmin, PASSWORD).await.unwrap();
        admin_tokens
            .push(node.issue_token(org, Role::OrgAdmin, Some(user), "test", None).await.unwrap().text);
    }
    let (sg_admin, my_admin) = (&admin_tokens[0], &admin_tokens[1]);
    server.add(&fixture.shared, &fixture.tokens.sg_analyst, &[indicator(), indicator()]).await;
    let failed = server
        .send(
            Method::GET,
            "/taxii2/selat/collections/",
            Auth::Basic("sg-analyst", "wrong password!"),
            &[],
            None,
        )
        .await;
    assert_eq!(failed.status.as_u16(), 401);
    node.audit().flush().await.unwrap();

    let path = "/api/v1/audit?limit=1000";
    let (status, anonymous) = api(&server, path, Auth::None).await;
    assert_eq!((status, anonymous["error"].as_str()), (401, Some("unauthorized")), "{anonymous}");
    let (status, bad) = api(&server, path, Auth::Token("selat_0000000000000000_AAAA")).await;
    assert_eq!((status, &bad), (401, &anonymous), "a bad credential is the same 401 as none");
    for token in [&fixture.tokens.sg_analyst, &fixture.tokens.sg_viewer] {
        let (status, body) = api(&server, path, Auth::Token(token)).await;
        assert_eq!((status, body["error"].as_str()), (403, Some("forbidden")), "{body}");
        assert!(body["detail"].is_string(), "{body}");
    }
    // The bad token above is audited too: flush, so every read below sees the same log.
    node.audit().flush().await.unwrap();

    let (status, sg) = api(&server, path, Auth::Token(sg_admin)).await;
    assert_eq!(status, 200, "{sg}");
    assert!(concern(&sg, "SG"), "an org-admin sees only entries concerning its organisation: {sg}");
    let sg_ops = operations(&sg);
    for op in ["admin.org.create", "admin.user.create", "taxii.objects.add", "auth.failure"] {
        assert!(sg_ops.iter().any(|o| o == op), "{op} missing from {sg_ops:?}");
    }
    let add =
        sg["entries"].as_array().unwrap().iter().find(|e| e["operation"] == "taxii.objects.add").unwrap();
    assert_eq!((add["count"].as_i64(), add["actor"].as_str()), (Some(2), Some("SG/analyst sg-analyst")));
    let (status, _) = api(&server, "/api/v1/audit?org=MY", Auth::Token(sg_admin)).await;
    assert_eq!(status, 403, "an org-admin may not ask for another organisation");
    let (status, mine) = api(&server, "/api/v1/audit?org=SG&limit=1000", Auth::Token(sg_admin)).await;
    assert_eq!((status, &mine["entries"]), (200, &sg["entries"]));
    let (_, my) = api(&server, path, Auth::Token(my_admin)).await;
    assert!(concern(&my, "MY") && !operations(&my).contains(&"taxii.objects.add".to_owned()), "{my}");

    let hub = &fixture.tokens.hub_admin;
    let (status, all) = api(&server, path, Auth::Token(hub)).await;
    assert_eq!(status, 200);
    let total = all["entries"].as_array().unwrap().len();
    assert!(total > sg["entries"].as_array().unwrap().len(), "a hub-admin sees every organisation's");
    assert_eq!(all["next"], Value::Null);
    let (_, only_my) = api(&server, "/api/v1/audit?org=MY&limit=1000", Auth::Token(hub)).await;
    assert_eq!(only_my["entries"], my["entries"]);
    let (_, failures) = api(&server, "/api/v1/audit?operation=auth.failure", Auth::Token(hub)).await;
    assert_eq!(operations(&failures), ["auth.failure", "auth.failure"], "a wrong password, a bad token");

    let mut seen = 0;
    let mut next = String::new();
    loop {
        let page_path = format!("/api/v1/audit?limit=3{next}");
        let (status, page) = api(&server, &page_path, Auth::Token(hub)).await;
        assert_eq!(status, 200, "{page}");
        seen += page["entries"].as_array().unwrap().len();
        match page["next"].as_str() {
            Some(after) => next = format!("&after={after}"),
            None => break,
        }
    }
    assert_eq!(seen, total, "pages by `next` cover every entry once");

    for bad in ["limit=0", "limit=ten", "after=-1", "since=yesterday"] {
        let (status, body) = api(&server, &format!("/api/v1/audit?{bad}"), Auth::Token(hub)).await;
        assert_eq!((status, body["error"].as_str()), (400, Some("bad_request")), "{bad}: {body}");
    }
    server.stop().await;
}

#[tokio::test]
async fn openapi_document_describes_the_api_and_is_valid() {
    let mut fixture = Fixture::new().await;
    let server = fixture.start(Limits::default()).await;
    let (status, document) = api(&server, "/api/v1/openapi.json", Auth::None).await;
    assert_eq!(status, 200);
    assert_eq!(document["openapi"], "3.1.0");
    for path in [
        "/audit",
        "/openapi.json",
        "/member-states",
        "/member-states/{iso2}",
        "/organisations",
        "/sectors",
        "/incidents",
        "/incidents/{incident_id}",
        "/incidents/{incident_id}/tasks",
        "/incidents/{incident_id}/timeline",
        "/incidents/{incident_id}/assistance-requests",
        "/contacts",
        "/contacts/{contact_id}",
        "/contact-checks",
        "/contact-checks/{campaign_id}",
        "/contact-checks/ack/{token}",
        "/notification-preferences",
        "/advisories",
        "/statistics/intelligence",
        "/statistics/sightings",
        "/statistics/directory",
        "/peers",
    ] {
        assert!(document["paths"][path]["get"].is_object(), "{path} missing");
    }
    for path in [
        "/incidents",
        "/incidents/{incident_id}/transitions",
        "/incidents/{incident_id}/escalations",
        "/incidents/{incident_id}/merge",
        "/incidents/{incident_id}/links",
        "/incidents/{incident_id}/assistance-requests/{request_id}/answers",
        "/contacts",
        "/contact-checks",
        "/contact-checks/ack/{token}",
        "/advisories",
        "/norms",
        "/peers/{name}/sync",
    ] {
        assert!(document["paths"][path]["post"].is_object(), "POST {path} missing");
    }
    for path in ["/capacity/programmes", "/capacity/needs", "/norms/assessments", "/meetings", "/decisions"] {
        let params = document["paths"][path]["get"]["parameters"].as_array().unwrap();
        assert!(
            params.iter().any(|p| p["name"] == "next") && params.iter().any(|p| p["name"] == "limit"),
            "{path} pages"
        );
    }
    server.stop().await;
    let Some(python) = selat_testdata::python("openapi_document_describes_the_api_and_is_valid") else {
        return;
    };
    let file = fixture.dir.path().join("openapi.json");
    std::fs::write(&file, document.to_string()).unwrap();
    let script = "import json, sys\nfrom openapi_spec_validator import validate\n\
                  validate(json.load(open(sys.argv[1])))\nprint('valid')";
    let out = std::process::Command::new(python).args(["-c", script]).arg(&file).output().unwrap();
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(out.status.success(), "openapi-spec-validator refuses the document: {stderr}");
}

/// The region as data: the eleven Member States today and the ten of the 2016 AMCC, each with its
/// organisation and sector leads on this node; the organisations registered; errors for bad
/// dates, unknown states and anonymous callers.
#[tokio::test]
async fn member_states_and_organisations_are_listed() {
    let mut fixture = Fixture::new().await;
    let server = fixture.start(Limits::default()).await;
    let sector_lead = selat_core::org::Organisation {
        short_name: "SG-BANKING".into(),
        name: "Singapore banking sector lead".into(),
        kind: selat_core::org::OrgKind::SectorLead,
        parent: Some("SG".into()),
        identity: "identity--5e0d7d43-2f7e-4d0b-9a3c-3f1b8b6b0a01".into(),
        member_since: None,
    };
    server.node.create_organisation(&sector_lead).await.unwrap();
    let token = Auth::Token(&fixture.tokens.my_analyst);

    let (status, all) = api(&server, "/api/v1/member-states", token).await;
    assert_eq!(status, 200, "{all}");
    assert_eq!(all["next"], Value::Null);
    let codes: Vec<&str> =
        all["items"].as_array().unwrap().iter().map(|m| m["iso2"].as_str().unwrap()).collect();
    assert_eq!(codes.len(), 11, "{codes:?}");
    assert!(codes.contains(&"TL"), "Timor-Leste is a member today");
    let sg = all["items"].as_array().unwrap().iter().find(|m| m["iso2"] == "SG").unwrap();
    assert_eq!(sg["iso3"], "SGP");
    assert_eq!(sg["cert"], "SingCERT");
    assert_eq!(sg["time_zones"], serde_json::json!(["Asia/Singapore"]));
    assert!(sg["organisation"].as_str().unwrap().starts_with("identity--"), "{sg}");
    assert_eq!(sg["sector_leads"], serde_json::json!(["SG-BANKING"]));
    let vn = all["items"].as_array().unwrap().iter().find(|m| m["iso2"] == "VN").unwrap();
    assert_eq!(vn["organisation"], Value::Null, "VN is not registered on this node");

    let (status, amcc) = api(&server, "/api/v1/member-states?as_of=2016-10-11", token).await;
    assert_eq!(status, 200, "{amcc}");
    let in_2016: Vec<&str> =
        amcc["items"].as_array().unwrap().iter().map(|m| m["iso2"].as_str().unwrap()).collect();
    assert_eq!(in_2016.len(), 10);
    assert!(!in_2016.contains(&"TL"), "Timor-Leste joined in 2025");

    let (status, one) = api(&server, "/api/v1/member-states/sg", token).await;
    assert_eq!((status, one["name"].as_str()), (200, Some("Singapore")), "{one}");
    for (path, code) in [
        ("/api/v1/member-states/JP", 404),
        ("/api/v1/member-states?as_of=2016-13-01", 400),
        ("/api/v1/member-states?as_of=yesterday", 400),
        ("/api/v1/member-states?since=2016", 400),
    ] {
        let (status, body) = api(&server, path, token).await;
        assert_eq!(status, code, "{path}: {body}");
        assert!(body["detail"].as_str().is_some_and(|d| !d.is_empty()), "{path}: {body}");
    }
    let (status, _) = api(&server, "/api/v1/member-states", Auth::None).await;
    assert_eq!(status, 401);

    let (status, orgs) = api(&server, "/api/v1/organisations", token).await;
    assert_eq!(status, 200, "{orgs}");
    let lead = orgs["items"].as_array().unwrap().iter().find(|o| o["short_name"] == "SG-BANKING").unwrap();
    assert_eq!((lead["kind"].as_str(), lead["parent"].as_str()), (Some("sector-lead"), Some("SG")), "{lead}");
    assert_eq!(orgs["items"].as_array().unwrap().len(), 4, "SG, MY, ASEAN and SG-BANKING: {orgs}");
    let (status, _) = api(&server, "/api/v1/organisations", Auth::None).await;
    assert_eq!(status, 401);
    server.stop().await;
}
