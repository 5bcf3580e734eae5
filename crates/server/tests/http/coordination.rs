//! Coordination over REST: the incident workflow with every refusal the issue names, the
//! directory and contact checks over a real SMTP sink (aiosmtpd) and a real webhook listener,
//! notifications, sectors, advisories and their Atom feed, and every record readable over TAXII
//! by whoever may see it, valid for the OASIS validator, beside its extension definition.

use std::time::Duration;

use reqwest::Method;
use selat_core::node::Node;
use selat_core::org::{OrgKind, Organisation, Role};
use selat_server::Limits;
use serde_json::{Value, json};
use tokio::io::{AsyncReadExt, AsyncWriteExt};

use crate::support::{Auth, Fixture, PASSWORD, Server};

/// A JSON request to the REST API: status and body (`null` for an empty one).
pub(crate) async fn call(
    server: &Server,
    method: Method,
    path: &str,
    token: Option<&str>,
    body: Option<Value>,
) -> (u16, Value) {
    let auth = token.map_or(Auth::None, Auth::Token);
    let mut headers = vec![("accept", "application/json")];
    if body.is_some() {
        headers.push(("content-type", "application/json"));
    }
    let reply = server.send(method, path, auth, &headers, body.map(|b| b.to_string().into_bytes())).await;
    let value = if reply.text.is_empty() { Value::Null } else { reply.json() };
    (reply.status.as_u16(), value)
}

pub(crate) async fn get(server: &Server, path: &str, token: &str) -> (u16, Value) {
    call(server, Method::GET, path, Some(token), None).await
}

pub(crate) async fn post(server: &Server, path: &str, token: &str, body: Value) -> (u16, Value) {
    call(server, Method::POST, path, Some(token), Some(body)).await
}

/// Registers an organisation and an account of `role` in it; returns the account's token.
pub(crate) async fn member(
    node: &Node,
    short: &str,
    kind: OrgKind,
    parent: Option<&str>,
    role: Role,
) -> String {
    if node.organisation(short).await.unwrap().is_none() {
        let org = Organisation {
            short_name: short.to_owned(),
            name: format!("{short} organisation"),
            kind,
            parent: parent.map(str::to_owned),
            identity: format!("identity--{}", uuid::Uuid::new_v4()),
            member_since: None,
        };
        node.create_organisation(&org).await.unwrap();
    }
    let user = format!("{}-{}", short.to_lowercase(), role.as_str());
    node.create_user(&user, short, role, PASSWORD).await.unwrap();
    node.issue_token(short, role, Some(&user), "test", None).await.unwrap().text
}

fn status_of(incident: &Value) -> &str {
    incident["status"].as_str().unwrap_or_default()
}

fn incident(name: &str, tlp: &str, share_with: Value) -> Value {
    json!({"name": name, "description": "Phishing against banks", "severity": "high",
        "incident_class": "fraud", "affected_states": ["SG"], "affected_sectors": ["banking and finance"],
        "tlp": tlp, "pap": "amber", "share_with": share_with})
}

/// The whole incident workflow, with each refusal leaving the incident as it was.
#[tokio::test]
async fn incidents_move_through_their_workflow_and_refusals_change_nothing() {
    let mut fixture = Fixture::new().await;
    let server = fixture.start(Limits::default()).await;
    let node = server.node.clone();
    let bank = member(&node, "SG-BANKING", OrgKind::SectorLead, Some("SG"), Role::Analyst).await;
    let energy = member(&node, "SG-ENERGY", OrgKind::SectorLead, Some("SG"), Role::Analyst).await;
    let th = member(&node, "TH", OrgKind::MemberState, None, Role::Analyst).await;
    let t = fixture.tokens.clone();

    // A sector lead reports to its member state.
    let (status, report) =
        post(&server, "/api/v1/incidents", &bank, incident("Bank phishing", "amber", json!("national")))
            .await;
    assert_eq!(status, 201, "{report}");
    assert_eq!((status_of(&report), report["reporter"].as_str()), ("reported", Some("SG-BANKING")));
    let national = report["id"].as_str().unwrap().to_owned();
    let path = format!("/api/v1/incidents/{national}");
    assert_eq!(get(&server, &path, &t.my_analyst).await.0, 404, "national stays in SG");
    assert_eq!(get(&server, &path, &energy).await.0, 200, "SG's sector leads see it");

    // Refusals: a sector lead closing what it does not own; an invalid transition; a viewer.
    let transitions = format!("{path}/transitions");
    let (status, body) = post(&server, &transitions, &energy, json!({"status": "closed"})).await;
    assert_eq!((status, body["error"].as_str()), (403, Some("forbidden")), "{body}");
    let (status, body) = post(&server, &transitions, &t.sg_analyst, json!({"status": "coordinating"})).await;
    assert_eq!((status, body["error"].as_str()), (409, Some("conflict")), "{body}");
    assert!(body["detail"].as_str().unwrap().contains("triaged"), "{body}");
    let (status, _) = post(&server, &transitions, &t.sg_viewer, json!({"status": "triaged"})).await;
    assert_eq!(status, 403);
    let (status, body) = post(&server, &transitions, &t.sg_analyst, json!({"status": "bogus"})).await;
    assert_eq!(status, 400, "{body}");
    assert_eq!(status_of(&get(&server, &path, &bank).await.1), "reported", "nothing changed");

    // The member state triages and escalates to the region: a new incident of its own.
    let (status, triaged) =
        post(&server, &transitions, &t.sg_analyst, json!({"status": "triaged", "reason": "confirmed"})).await;
    assert_eq!((status, status_of(&triaged)), (200, "triaged"), "{triaged}");
    let (status, escalated) =
        post(&server, &format!("{path}/escalations"), &t.sg_analyst, json!({"to": "region"})).await;
    assert_eq!(status, 200, "{escalated}");
    let regional = escalated["id"].as_str().unwrap().to_owned();
    assert_ne!(regional, national);
    assert_eq!(escalated["escalated_from"].as_str(), Some(national.as_str()));
    assert_eq!(escalated["addressed_to"], json!(["region"]));
    let rpath = format!("/api/v1/incidents/{regional}");
    assert_eq!(get(&server, &rpath, &t.my_analyst).await.0, 200, "the region sees the escalation");
    assert_eq!(get(&server, &path, &t.my_analyst).await.0, 404, "not the sector lead's report");
    let (_, listed) = get(&server, "/api/v1/incidents", &t.my_analyst).await;
    let ids: Vec<&str> =
        listed["items"].as_array().unwrap().iter().map(|i| i["id"].as_str().unwrap()).collect();
    assert_eq!((ids, &listed["next"]), (vec![regional.as_str()], &Value::Null));

    // An assistance request to a state that cannot see the incident is refused.
    let (status, body) = post(
        &server,
        &format!("{path}/assistance-requests"),
        &t.sg_analyst,
        json!({"to": "MY", "request": "help", "deadline": "2030-01-01"}),
    )
    .await;
    assert_eq!((status, body["error"].as_str()), (409, Some("conflict")), "{body}");

    // Tasks: each organisation owns its own; only the owner updates one.
    let (status, sg_task) = post(
        &server,
        &format!("{rpath}/tasks"),
        &t.sg_analyst,
        json!({"name": "Take down phishing domains", "due": "2030-01-15"}),
    )
    .await;
    assert_eq!((status, sg_task["owner"].as_str()), (201, Some("SG")), "{sg_task}");
    let task_path = format!("{rpath}/tasks/{}", sg_task["id"].as_str().unwrap());
    let (status, body) =
        call(&server, Method::PATCH, &task_path, Some(&t.my_analyst), Some(json!({"status": "done"}))).await;
    assert_eq!(status, 403, "{body}");
    let (status, done) =
        call(&server, Method::PATCH, &task_path, Some(&t.sg_analyst), Some(json!({"status": "done"}))).await;
    assert_eq!((status, done["status"].as_str()), (200, Some("done")), "{done}");

    // Assistance: asked of MY; the secretariat cannot answer for MY; MY can.
    let (status, request) = post(
        &server,
        &format!("{rpath}/assistance-requests"),
        &t.sg_analyst,
        json!({"to": "MY", "request": "Block the sender domains", "deadline": "2030-02-01"}),
    )
    .await;
    assert_eq!(
        (status, request["status"].as_str(), request["to"].as_str()),
        (201, Some("open"), Some("MY")),
        "{request}"
    );
    let answers = format!("{rpath}/assistance-requests/{}/answers", request["id"].as_str().unwrap());
    for other in [&th, &t.asean_analyst] {
        let (status, body) = post(&server, &answers, other, json!({"answer": "accepted"})).await;
        assert_eq!((status, body["error"].as_str()), (403, Some("forbidden")), "{body}");
        assert!(body["detail"].as_str().unwrap().contains("addressed to MY"), "{body}");
    }
    let (_, unanswered) = get(&server, &format!("{rpath}/assistance-requests"), &t.sg_analyst).await;
    assert_eq!(unanswered["items"][0]["status"], "open", "the refusals changed nothing");
    let (status, answered) =
        post(&server, &answers, &t.my_analyst, json!({"answer": "accepted", "text": "on it"})).await;
    assert_eq!((status, answered["status"].as_str()), (201, Some("accepted")), "{answered}");

    // Links to intelligence the linker may see; nothing else.
    let indicator = crate::support::indicator();
    server.add(&fixture.shared, &t.my_analyst, std::slice::from_ref(&indicator)).await;
    let links = format!("{rpath}/links");
    let (status, linked) =
        post(&server, &links, &t.my_analyst, json!({"object_refs": [indicator["id"]]})).await;
    assert_eq!((status, linked["links"].clone()), (200, json!([indicator["id"]])), "{linked}");
    for bad in
        [json!(["indicator--00000000-0000-4000-8000-000000000000"]), json!(["not an id\u{0}"]), json!([])]
    {
        let (status, body) = post(&server, &links, &t.my_analyst, json!({"object_refs": bad})).await;
        assert_eq!(status, 400, "{bad}: {body}");
    }

    // A note; then the secretariat and the state move it on to closed.
    assert_eq!(
        post(&server, &format!("{rpath}/timeline"), &t.my_analyst, json!({"text": "MY sees the same kit"}))
            .await
            .0,
        201
    );
    let rtransitions = format!("{rpath}/transitions");
    for (token, to) in
        [(&t.asean_analyst, "triaged"), (&t.sg_analyst, "coordinating"), (&t.asean_analyst, "contained")]
    {
        let (status, body) = post(&server, &rtransitions, token, json!({"status": to})).await;
        assert_eq!((status, status_of(&body)), (200, to), "{body}");
    }
    let (status, body) = post(&server, &rtransitions, &t.my_analyst, json!({"status": "closed"})).await;
    assert_eq!(status, 403, "MY is neither reporter, SG nor the secretariat: {body}");

    // A duplicate from MY merged into SG's incident keeps its timeline there.
    let (_, duplicate) = post(
        &server,
        "/api/v1/incidents",
        &t.my_analyst,
        incident("Same phishing", "green", json!("region")),
    )
    .await;
    let dup = duplicate["id"].as_str().unwrap().to_owned();
    let merge = format!("/api/v1/incidents/{dup}/merge");
    assert_eq!(
        post(&server, &merge, &t.sg_analyst, json!({"into": regional})).await.0,
        403,
        "SG does not handle MY's report"
    );
    let (status, merged) =
        post(&server, &merge, &t.asean_analyst, json!({"into": regional, "reason": "duplicate"})).await;
    assert_eq!(status, 200, "{merged}");
    assert_eq!(merged["merged"], json!([dup]));
    let timeline = merged["timeline"].as_array().unwrap();
    assert!(timeline.iter().any(|e| e["incident"] == dup.as_str() && e["kind"] == "reported"), "{merged}");
    assert!(timeline.iter().any(|e| e["kind"] == "note"));
    assert!(timeline.iter().any(|e| e["kind"] == "assistance-answer"));
    let (_, dup_now) = get(&server, &format!("/api/v1/incidents/{dup}"), &t.my_analyst).await;
    assert_eq!((status_of(&dup_now), dup_now["merged_into"].as_str()), ("closed", Some(regional.as_str())));
    let (status, body) = post(&server, &rtransitions, &t.sg_analyst, json!({"status": "closed"})).await;
    assert_eq!((status, status_of(&body)), (200, "closed"), "{body}");

    // TLP:RED reaches only the states it names.
    let (status, body) =
        post(&server, "/api/v1/incidents", &t.sg_analyst, incident("Red", "red", json!("region"))).await;
    assert_eq!(status, 400, "RED must name its recipients: {body}");
    let (status, red) =
        post(&server, "/api/v1/incidents", &t.sg_analyst, incident("Red", "red", json!(["TH"]))).await;
    assert_eq!(status, 201, "{red}");
    let red_path = format!("/api/v1/incidents/{}", red["id"].as_str().unwrap());
    assert_eq!(get(&server, &red_path, &t.my_analyst).await.0, 404, "MY is not named");
    assert_eq!(get(&server, &red_path, &t.asean_analyst).await.0, 404, "nor is the secretariat");
    assert_eq!(get(&server, &red_path, &th).await.0, 200, "TH is named");
    server.stop().await;
}

/// Every coordination record is readable over TAXII by whoever may see it, the extension
/// definitions are served in the same collection, and the OASIS validator accepts them all.
#[tokio::test]
async fn coordination_records_are_stix_over_taxii_and_valid() {
    let mut fixture = Fixture::new().await;
    let server = fixture.start(Limits::default()).await;
    let t = fixture.tokens.clone();
    let (_, shared) =
        post(&server, "/api/v1/incidents", &t.sg_analyst, incident("Shared", "amber", json!("region"))).await;
    let id = shared["id"].as_str().unwrap();
    let (_, own) =
        post(&server, "/api/v1/incidents", &t.sg_analyst, incident("Own", "amber", json!("organisation")))
            .await;
    post(&server, &format!("/api/v1/incidents/{id}/tasks"), &t.my_analyst, json!({"name": "Check MY banks"}))
        .await;
    post(&server, &format!("/api/v1/incidents/{id}/timeline"), &t.sg_analyst, json!({"text": "note"})).await;
    post(
        &server,
        &format!("/api/v1/incidents/{id}/transitions"),
        &t.sg_analyst,
        json!({"status": "triaged"}),
    )
    .await;
    let contact = json!({"name": "Duty officer", "role": "technical-poc", "channels": [{"kind": "email", "value": "duty@example.org"}], "languages": ["en", "ms"], "always_on": true});
    assert_eq!(post(&server, "/api/v1/contacts", &t.my_analyst, contact).await.0, 201);
    let (status, _) =
        post(&server, "/api/v1/contact-checks", &t.asean_analyst, json!({"name": "check"})).await;
    assert_eq!(status, 201);
    let (_, request) = post(
        &server,
        &format!("/api/v1/incidents/{id}/assistance-requests"),
        &t.sg_analyst,
        json!({"to": "MY", "request": "help", "deadline": "2030-01-01"}),
    )
    .await;
    let answers =
        format!("/api/v1/incidents/{id}/assistance-requests/{}/answers", request["id"].as_str().unwrap());
    assert_eq!(
        post(&server, &answers, &t.my_analyst, json!({"answer": "declined", "text": "no capacity"})).await.0,
        201
    );
    let indicator = crate::support::indicator();
    server.add(&fixture.shared, &t.my_analyst, std::slice::from_ref(&indicator)).await;
    let links = format!("/api/v1/incidents/{id}/links");
    assert_eq!(post(&server, &links, &t.my_analyst, json!({"object_refs": [indicator["id"]]})).await.0, 200);
    let my_admin = member(&server.node, "MY", OrgKind::MemberState, None, Role::OrgAdmin).await;
    let prefs = json!({"events": ["incident"], "emails": ["soc@my.example.org"]});
    assert_eq!(
        call(&server, Method::PUT, "/api/v1/notification-preferences", Some(&my_admin), Some(prefs)).await.0,
        200
    );
    let (status, advisory) =
        post(&server, "/api/v1/advisories", &t.sg_analyst, json!({"name": "A", "description": "B"})).await;
    assert_eq!(status, 201, "{advisory}");

    let collection = selat_core::coordination::collection_id();
    let objects = |token: &str| {
        let path = format!("/taxii2/selat/collections/{collection}/objects/?limit=1000");
        let server = &server;
        let token = token.to_owned();
        async move { server.get(&path, &token).await.ok_json()["objects"].as_array().cloned().unwrap_or_default() }
    };
    let seen_by_my = objects(&t.my_analyst).await;
    let has = |objects: &[Value], id: &str| objects.iter().any(|o| o["id"] == id);
    assert!(has(&seen_by_my, id), "MY reads the shared incident over TAXII");
    assert!(!has(&seen_by_my, own["id"].as_str().unwrap()), "but not SG's organisation-only one");
    let types: std::collections::BTreeSet<&str> =
        seen_by_my.iter().filter_map(|o| o["type"].as_str()).collect();
    for wanted in [
        "incident",
        "x-selat-task",
        "note",
        "x-selat-status-change",
        "identity",
        "extension-definition",
        "x-selat-contact-check-campaign",
        "x-selat-contact-check",
        "x-selat-assistance-request",
        "x-selat-assistance-answer",
        "relationship",
        "x-selat-notification-preferences",
    ] {
        assert!(types.contains(wanted), "{wanted} missing from {types:?}");
    }
    let definitions = seen_by_my.iter().filter(|o| o["type"] == "extension-definition").count();
    assert_eq!(definitions, selat_stix::selat::SELAT_EXTENSIONS.len());
    for object in &seen_by_my {
        for ext in object["extensions"].as_object().into_iter().flat_map(|e| e.keys()) {
            assert!(
                ext == selat_stix::validate::TLP2_EXTENSION || has(&seen_by_my, ext),
                "{ext} is not served beside {}",
                object["id"]
            );
        }
    }
    let public = server
        .send(Method::GET, &server.objects_path(&fixture.public), Auth::None, &[], None)
        .await
        .ok_json();
    let public_advisory =
        public["objects"].as_array().unwrap().iter().find(|o| o["id"] == advisory["id"]).cloned().unwrap();
    // Nobody writes the coordination collection over TAXII: the services enforce the rules.
    let reply = server
        .post_raw(&collection, &t.sg_analyst, crate::support::envelope(std::slice::from_ref(&shared)))
        .await;
    assert_eq!(reply.status.as_u16(), 403, "{}", reply.text);
    server.stop().await;

    let Some(python) = selat_testdata::python("coordination_records_are_stix_over_taxii_and_valid") else {
        return;
    };
    let file = fixture.dir.path().join("coordination.json");
    let mut everything = seen_by_my.clone();
    everything.push(public_advisory);
    let bundle =
        json!({"type": "bundle", "id": format!("bundle--{}", uuid::Uuid::new_v4()), "objects": everything});
    std::fs::write(&file, bundle.to_string()).unwrap();
    let script = "import sys\nfrom stix2validator import validate_file, print_results\n\
                  r = validate_file(sys.argv[1])\nprint_results(r)\nsys.exit(0 if r.is_valid else 1)";
    let out = std::process::Command::new(python).args(["-c", script]).arg(&file).output().unwrap();
    assert!(
        out.status.success(),
        "stix2-validator: {}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
}

/// A webhook receiver: answers 200 to every POST and hands on each body.
async fn webhook_listener() -> (String, tokio::sync::mpsc::Receiver<Value>) {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let url = format!("http://{}/hook", listener.local_addr().unwrap());
    let (tx, rx) = tokio::sync::mpsc::channel(64);
    tokio::spawn(async move {
        while let Ok((mut socket, _)) = listener.accept().await {
            let tx = tx.clone();
            tokio::spawn(async move {
                let mut buffer = Vec::new();
                let mut chunk = [0u8; 4096];
                loop {
                    let n = socket.read(&mut chunk).await.unwrap_or(0);
                    if n == 0 {
                        break;
                    }
                    buffer.extend_from_slice(&chunk[..n]);
                    let text = String::from_utf8_lossy(&buffer).to_string();
                    if let Some((head, body)) = text.split_once("\r\n\r\n") {
                        let length = head
                            .lines()
                            .find_map(|l| {
                                l.to_ascii_lowercase()
                                    .strip_prefix("content-length:")
                                    .map(|v| v.trim().parse::<usize>().unwrap_or(0))
                            })
                            .unwrap_or(0);
                        if body.len() >= length {
                            let _ = tx.send(serde_json::from_str(body).unwrap_or(Value::Null)).await;
                            break;
                        }
                    }
                }
                let _ = socket
                    .write_all(b"HTTP/1.1 200 OK\r\ncontent-length: 0\r\nconnection: close\r\n\r\n")
                    .await;
            });
        }
    });
    (url, rx)
}

async fn next_hook(rx: &mut tokio::sync::mpsc::Receiver<Value>) -> Value {
    tokio::time::timeout(Duration::from_secs(30), rx.recv()).await.expect("a webhook call arrives").unwrap()
}

/// Contact checks over a real SMTP sink and a webhook: each contact's own link, answered once,
/// refused when reused, altered or expired; the directory's verification and staleness; the
/// campaign's results per state; notices an organisation chose.
#[tokio::test]
async fn contact_checks_are_answered_once_through_the_mailed_link() {
    let Some(python) = selat_testdata::python("contact_checks_are_answered_once_through_the_mailed_link")
    else {
        return;
    };
    let mut fixture = Fixture::new().await;
    let sink = selat_testdata::smtp::SmtpSink::start(&python, fixture.dir.path());
    let port = sink.port;
    let server = fixture
        .start_with(|config| {
            config.mail = selat_core::notify::MailSettings {
                smtp_url: Some(format!("smtp://127.0.0.1:{port}")),
                from: "selat@example.org".to_owned(),
            };
        })
        .await;
    let t = fixture.tokens.clone();
    let (hook, mut hooks) = webhook_listener().await;

    let contact = |name: &str, email: &str| {
        json!({"name": name, "role": "technical-poc", "time_zone": "Asia/Singapore",
        "office_hours": "09:00-18:00", "languages": ["en"], "channels": [{"kind": "email", "value": email}, {"kind": "webhook", "value": hook}]})
    };
    let (status, sg_contact) =
        post(&server, "/api/v1/contacts", &t.sg_analyst, contact("SG duty officer", "duty@sg.example.org"))
            .await;
    assert_eq!(status, 201, "{sg_contact}");
    assert_eq!(
        (sg_contact["stale"].as_bool(), sg_contact["member_state"].as_str()),
        (Some(true), Some("SG")),
        "never verified"
    );
    let (status, my_contact) = post(&server, "/api/v1/contacts", &t.my_analyst, json!({"name": "MY policy lead", "role": "policy-poc", "channels": [{"kind": "phone", "value": "+60 3 0000 0000"}]})).await;
    assert_eq!(status, 201, "{my_contact}");
    let sg_id = sg_contact["id"].as_str().unwrap();
    let (status, _) = call(
        &server,
        Method::PUT,
        &format!("/api/v1/contacts/{sg_id}"),
        Some(&t.my_analyst),
        Some(contact("x", "x@example.org")),
    )
    .await;
    assert_eq!(status, 403, "MY does not maintain SG's contacts");
    let (status, body) = post(
        &server,
        "/api/v1/contacts",
        &t.sg_analyst,
        json!({"name": "x", "role": "boss", "channels": [{"kind": "email", "value": "a@b.c"}]}),
    )
    .await;
    assert_eq!(status, 400, "{body}");
    let (status, body) = post(
        &server,
        "/api/v1/contact-checks",
        &t.my_analyst,
        json!({"name": "MY checks SG", "member_states": ["SG"]}),
    )
    .await;
    assert_eq!(status, 400, "a state checks only its own contacts: {body}");

    // The secretariat checks SG's contacts: one e-mail and one webhook call with the link.
    let (status, campaign) = post(
        &server,
        "/api/v1/contact-checks",
        &t.asean_analyst,
        json!({"name": "2026 re-confirmation", "member_states": ["SG"], "valid_days": 7}),
    )
    .await;
    assert_eq!((status, campaign["sent"].as_u64()), (201, Some(1)), "{campaign}");
    let messages = sink.messages(1).await;
    assert!(messages[0].contains("duty@sg.example.org"), "{}", messages[0]);
    let link = selat_testdata::smtp::link_in(&messages[0]).expect("a link in the message");
    let hooked = next_hook(&mut hooks).await;
    assert_eq!(
        (hooked["event"].as_str(), hooked["ack_url"].as_str()),
        (Some("contact-check"), Some(link.as_str()))
    );
    // The link is the web page a person confirms on; API clients use the same token at the
    // REST endpoint.
    let page_path = link.strip_prefix(&server.base).expect("the link points at this node").to_owned();
    let token = page_path
        .strip_prefix(selat_core::coordination::contacts::ACK_LINK_PATH)
        .expect("the link is the acknowledgement page")
        .to_owned();
    let path = format!("/api/v1/contact-checks/ack/{token}");
    let page = server.send(Method::GET, &page_path, Auth::None, &[("accept", "text/html")], None).await;
    assert_eq!(page.status, 200, "{}", page.text);
    assert!(page.text.contains("id=\"ack-submit\"") && page.text.contains("name=\"csrf\""), "{}", page.text);

    // Following the link shows the check; confirming answers it, once.
    let (status, shown) = call(&server, Method::GET, &path, None, None).await;
    assert_eq!((status, shown["answered"].clone()), (200, Value::Null), "{shown}");
    let page = server.send(Method::GET, &path, Auth::None, &[("accept", "text/html")], None).await;
    assert!(page.text.contains("<form method=\"post\">"), "{}", page.text);
    let (status, answered) = call(&server, Method::POST, &path, None, None).await;
    assert_eq!(status, 200, "{answered}");
    assert!(
        answered["answered"].is_string() && answered["response_time_s"].as_f64().unwrap() >= 0.0,
        "{answered}"
    );
    let (status, again) = call(&server, Method::POST, &path, None, None).await;
    assert_eq!((status, again["error"].as_str()), (409, Some("conflict")), "single use: {again}");
    let mut altered = path.clone();
    let last = altered.pop().unwrap();
    altered.push(if last == 'A' { 'B' } else { 'A' });
    assert_eq!(call(&server, Method::POST, &altered, None, None).await.0, 404, "an altered token");
    let key = server.node.secret("contact-check").await.unwrap();
    let check_id = answered["check"].as_str().unwrap();
    let expired =
        selat_core::coordination::contacts::token(&key, check_id, "2020-01-01T00:00:00.000Z").unwrap();
    let (status, body) =
        call(&server, Method::POST, &format!("/api/v1/contact-checks/ack/{expired}"), None, None).await;
    assert_eq!((status, body["error"].as_str()), (410, Some("expired")), "{body}");

    // The directory shows the verification; MY's unchecked contact stays stale.
    let (_, sg_now) = get(&server, &format!("/api/v1/contacts/{sg_id}"), &t.my_analyst).await;
    assert_eq!(
        (sg_now["stale"].as_bool(), sg_now["checks_answered"].as_u64()),
        (Some(false), Some(1)),
        "{sg_now}"
    );
    assert!(sg_now["median_response_s"].as_f64().is_some() && sg_now["last_verified"].is_string());
    assert_eq!(sg_now["checks"].as_array().unwrap().len(), 1);
    let (_, stale) = get(&server, "/api/v1/contacts?stale=true", &t.sg_analyst).await;
    let stale: Vec<&str> =
        stale["items"].as_array().unwrap().iter().map(|c| c["name"].as_str().unwrap()).collect();
    assert_eq!(stale, ["MY policy lead"]);
    let (_, campaigns) = get(&server, "/api/v1/contact-checks", &t.sg_analyst).await;
    let result = &campaigns["items"][0]["per_state"]["SG"];
    assert_eq!((result["sent"].as_u64(), result["answered"].as_u64()), (Some(1), Some(1)), "{campaigns}");

    // Notices: MY chooses incidents and assistance requests, by e-mail and webhook.
    let my_admin = member(&server.node, "MY", OrgKind::MemberState, None, Role::OrgAdmin).await;
    let prefs = json!({"events": ["incident", "escalation", "assistance-request", "deadline-due", "sighting"], "emails": ["soc@my.example.org"], "webhook": hook});
    assert_eq!(
        call(
            &server,
            Method::PUT,
            "/api/v1/notification-preferences",
            Some(&t.my_analyst),
            Some(prefs.clone())
        )
        .await
        .0,
        403
    );
    let (status, saved) =
        call(&server, Method::PUT, "/api/v1/notification-preferences", Some(&my_admin), Some(prefs.clone()))
            .await;
    assert_eq!((status, &saved), (200, &prefs));
    let (_, org_only) = post(
        &server,
        "/api/v1/incidents",
        &t.sg_analyst,
        incident("SG only", "amber", json!("organisation")),
    )
    .await;
    let (_, regional) = post(
        &server,
        "/api/v1/incidents",
        &t.sg_analyst,
        incident("For the region", "amber", json!("region")),
    )
    .await;
    let notice = next_hook(&mut hooks).await;
    assert_eq!(
        (notice["event"].as_str(), notice["object"].as_str()),
        (Some("incident"), regional["id"].as_str()),
        "not {org_only}"
    );
    let request = format!("/api/v1/incidents/{}/assistance-requests", regional["id"].as_str().unwrap());
    let (_, asked) = post(
        &server,
        &request,
        &t.sg_analyst,
        json!({"to": "MY", "request": "help", "deadline": "2030-01-01"}),
    )
    .await;
    let notice = next_hook(&mut hooks).await;
    assert_eq!(
        (notice["event"].as_str(), notice["object"].as_str()),
        (Some("assistance-request"), asked["id"].as_str())
    );
    // A sector lead's national report is escalated by SG to MY: MY is told of the escalation only.
    let lead = member(&server.node, "SG-BANKING", OrgKind::SectorLead, Some("SG"), Role::Analyst).await;
    let (_, national) =
        post(&server, "/api/v1/incidents", &lead, incident("National", "amber", json!("national"))).await;
    let escalations = format!("/api/v1/incidents/{}/escalations", national["id"].as_str().unwrap());
    let (status, escalated) = post(&server, &escalations, &t.sg_analyst, json!({"to": ["MY"]})).await;
    assert_eq!((status, escalated["addressed_to"].clone()), (200, json!(["MY"])), "{escalated}");
    let notice = next_hook(&mut hooks).await;
    assert_eq!(
        (notice["event"].as_str(), notice["object"].as_str()),
        (Some("escalation"), escalated["id"].as_str())
    );

    // A deadline passes unanswered: both sides are told, once.
    let (_, late) = post(
        &server,
        &request,
        &t.sg_analyst,
        json!({"to": "MY", "request": "logs", "deadline": "2020-01-01"}),
    )
    .await;
    let notice = next_hook(&mut hooks).await;
    assert_eq!(notice["event"].as_str(), Some("assistance-request"));
    assert_eq!(server.node.notify_deadlines_due().await.unwrap(), 1);
    let notice = next_hook(&mut hooks).await;
    assert_eq!(
        (notice["event"].as_str(), notice["object"].as_str()),
        (Some("deadline-due"), late["id"].as_str())
    );
    assert_eq!(server.node.notify_deadlines_due().await.unwrap(), 0, "told once");
    // SG sights MY's indicator: MY is told.
    let indicator = crate::support::indicator();
    server.add(&fixture.shared, &t.my_analyst, std::slice::from_ref(&indicator)).await;
    let sighting = json!({"type": "sighting", "spec_version": "2.1", "id": format!("sighting--{}", uuid::Uuid::new_v4()),
        "created": "2026-11-01T00:00:00.000Z", "modified": "2026-11-01T00:00:00.000Z", "count": 1,
        "sighting_of_ref": indicator["id"], "object_marking_refs": ["marking-definition--bab4a63c-aed9-4cf5-a766-dfca5abac2bb"]});
    server.add(&fixture.shared, &t.sg_analyst, std::slice::from_ref(&sighting)).await;
    let notice = next_hook(&mut hooks).await;
    assert_eq!(
        (notice["event"].as_str(), notice["object"].as_str()),
        (Some("sighting"), sighting["id"].as_str())
    );
    let mails = sink.messages(3).await;
    assert!(mails.iter().filter(|m| m.contains("soc@my.example.org")).count() >= 2, "{mails:?}");
    server.stop().await;
}

/// Advisories: published by a member state, read by anyone over REST, TAXII and Atom.
#[tokio::test]
async fn advisories_are_public_and_in_the_atom_feed() {
    let mut fixture = Fixture::new().await;
    let server = fixture.start(Limits::default()).await;
    let t = fixture.tokens.clone();
    let lead = member(&server.node, "SG-BANKING", OrgKind::SectorLead, Some("SG"), Role::Analyst).await;
    let advisory = json!({"name": "Phishing <kit> & banks", "description": "Update your filters.", "labels": ["phishing"]});
    assert_eq!(
        post(&server, "/api/v1/advisories", &lead, advisory.clone()).await.0,
        403,
        "sector leads warn through their state"
    );
    assert_eq!(call(&server, Method::POST, "/api/v1/advisories", None, Some(advisory.clone())).await.0, 401);
    let (status, published) = post(&server, "/api/v1/advisories", &t.sg_analyst, advisory).await;
    assert_eq!(status, 201, "{published}");
    let id = published["id"].as_str().unwrap();
    let (status, listed) = call(&server, Method::GET, "/api/v1/advisories", None, None).await;
    assert_eq!((status, listed["items"][0]["id"].as_str()), (200, Some(id)), "{listed}");
    let taxii = server
        .send(Method::GET, &server.objects_path(&fixture.public), Auth::None, &[], None)
        .await
        .ok_json();
    assert!(taxii["objects"].as_array().unwrap().iter().any(|o| o["id"] == id), "{taxii}");
    let feed =
        server.send(Method::GET, "/feeds/advisories.atom", Auth::None, &[("accept", "*/*")], None).await;
    assert_eq!(feed.status.as_u16(), 200);
    assert_eq!(feed.header("content-type"), Some("application/atom+xml; charset=utf-8"));
    assert!(feed.text.contains("<title>Phishing &lt;kit&gt; &amp; banks</title>"), "{}", feed.text);
    assert!(feed.text.contains(&format!("/objects/{id}/")), "{}", feed.text);
    server.stop().await;
    let Some(python) = selat_testdata::python("advisories_are_public_and_in_the_atom_feed") else { return };
    let script = "import sys, xml.etree.ElementTree as ET\nroot = ET.fromstring(sys.stdin.read())\n\
                  ns = '{http://www.w3.org/2005/Atom}'\nassert root.tag == ns + 'feed'\n\
                  print(len(root.findall(ns + 'entry')))";
    let mut child = std::process::Command::new(python)
        .args(["-c", script])
        .stdin(std::process::Stdio::piped())
        .stdout(std::process::Stdio::piped())
        .spawn()
        .unwrap();
    use std::io::Write as _;
    child.stdin.take().unwrap().write_all(feed.text.as_bytes()).unwrap();
    let out = child.wait_with_output().unwrap();
    assert_eq!(String::from_utf8_lossy(&out.stdout).trim(), "1", "the feed parses as Atom with one entry");
}

/// Schemathesis, driven by the OpenAPI document, sends generated requests to every operation for
/// a bounded time: none may get a 5xx. The seed is printed; `SELAT_SCHEMATHESIS_SEED` replays one.
#[tokio::test]
async fn the_rest_api_survives_schema_driven_fuzzing() {
    let Some(python) = selat_testdata::python("the_rest_api_survives_schema_driven_fuzzing") else { return };
    let mut fixture = Fixture::new().await;
    let server = fixture.start(Limits::default()).await;
    let t = fixture.tokens.clone();
    let (_, seeded) =
        post(&server, "/api/v1/incidents", &t.sg_analyst, incident("Seed", "green", json!("region"))).await;
    assert!(seeded["id"].is_string(), "{seeded}");
    let seed = std::env::var("SELAT_SCHEMATHESIS_SEED").unwrap_or_else(|_| {
        (std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).unwrap().as_nanos()
            % 1_000_000_007)
            .to_string()
    });
    println!("schemathesis seed {seed} (SELAT_SCHEMATHESIS_SEED replays it)");
    let schemathesis = python.with_file_name("schemathesis");
    let mut command = std::process::Command::new(schemathesis);
    command
        .current_dir(fixture.dir.path())
        .args(["run", &server.url("/api/v1/openapi.json"), "--url", &server.url("/api/v1")])
        .args(["-H", &format!("Authorization: Bearer {}", t.hub_admin)])
        .args([
            "--checks",
            "not_a_server_error",
            "--max-examples",
            "15",
            "--max-time",
            "45",
            "--workers",
            "1",
        ])
        .args(["--generation-database", "none", "--no-color", "--seed", &seed]);
    // The server runs on this test's runtime: wait for the fuzzer off it.
    let out =
        tokio::task::spawn_blocking(move || command.output()).await.unwrap().expect("schemathesis runs");
    let stdout = String::from_utf8_lossy(&out.stdout);
    println!(
        "{}",
        stdout.lines().rev().take(12).collect::<Vec<_>>().into_iter().rev().collect::<Vec<_>>().join("\n")
    );
    assert!(
        out.status.success(),
        "schemathesis found failures (seed {seed}):\n{stdout}\n{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(stdout.contains("passed"), "{stdout}");
    server.stop().await;
}

/// Sectors: the statutory lists with their sector leads.
#[tokio::test]
async fn sectors_list_statutory_sectors_and_sector_leads() {
    let mut fixture = Fixture::new().await;
    let server = fixture.start(Limits::default()).await;
    member(&server.node, "SG-BANKING", OrgKind::SectorLead, Some("SG"), Role::Analyst).await;
    let (status, sectors) = get(&server, "/api/v1/sectors", &fixture.tokens.my_analyst).await;
    assert_eq!(status, 200, "{sectors}");
    let items = sectors["items"].as_array().unwrap();
    assert_eq!(items.iter().filter(|s| s["member_state"] == "SG").count(), 11);
    let banking =
        items.iter().find(|s| s["member_state"] == "SG" && s["sector"] == "banking and finance").unwrap();
    assert_eq!(banking["sector_lead"], "SG-BANKING");
    assert_eq!(call(&server, Method::GET, "/api/v1/sectors", None, None).await.0, 401);
    let (status, page) = get(&server, "/api/v1/organisations/sg", &fixture.tokens.my_analyst).await;
    assert_eq!((status, page["organisation"]["short_name"].as_str()), (200, Some("SG")), "{page}");
    assert_eq!(page["sectors"].as_array().unwrap().len(), 11);
    assert_eq!(page["sector_leads"][0]["short_name"], "SG-BANKING");
    let (status, lead) = get(&server, "/api/v1/organisations/SG-BANKING", &fixture.tokens.my_analyst).await;
    assert_eq!(
        (status, lead["member_state"].as_str(), lead["sectors"].as_array().map(Vec::len)),
        (200, Some("SG"), Some(1)),
        "{lead}"
    );
    assert_eq!(get(&server, "/api/v1/organisations/NOPE", &fixture.tokens.my_analyst).await.0, 404);
    server.stop().await;
}

/// The REST guard: a NUL anywhere (path, query, JSON string) is a 400 before any handler runs, on
/// either backend; a body over MAX_REST_BODY_BYTES is a 413. Schemathesis found the first on
/// PostgreSQL, whose text cannot hold a NUL.
#[tokio::test]
async fn rest_requests_with_a_nul_or_an_oversized_body_are_refused() {
    let mut fixture = Fixture::new().await;
    let server = fixture.start(Limits::default()).await;
    let t = fixture.tokens.clone();
    let (status, body) = get(&server, "/api/v1/audit?org=S%00G", &t.hub_admin).await;
    assert_eq!((status, body["error"].as_str()), (400, Some("bad_request")), "{body}");
    assert_eq!(get(&server, "/api/v1/incidents/incident--%00", &t.sg_analyst).await.0, 400);
    let (status, body) = post(&server, "/api/v1/groups", &t.hub_admin, json!({"name": "a\u{0}b"})).await;
    assert_eq!((status, body["error"].as_str()), (400, Some("bad_request")), "{body}");
    let (status, _) =
        post(&server, "/api/v1/groups", &t.hub_admin, json!({"name": "a\\u0000 is text here"})).await;
    assert_ne!(status, 400, "an escaped backslash before u0000 is not a NUL");
    let huge = json!({"text": "x".repeat(selat_server::MAX_REST_BODY_BYTES)});
    let (_, incident) =
        post(&server, "/api/v1/incidents", &t.sg_analyst, incident("I", "green", json!("region"))).await;
    let timeline = format!("/api/v1/incidents/{}/timeline", incident["id"].as_str().unwrap());
    let (status, body) = post(&server, &timeline, &t.sg_analyst, huge).await;
    assert_eq!((status, body["error"].as_str()), (413, Some("too_large")), "{body}");
    assert_eq!(
        get(&server, &timeline, &t.sg_analyst).await.1["items"].as_array().unwrap().len(),
        1,
        "nothing added"
    );
    server.stop().await;
}
