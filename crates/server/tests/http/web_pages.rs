//! The coordination and regional pages of the web UI over HTTP (incidents, the directory and its
//! acknowledgement page, capacity building, norms, meetings, advisories): every page renders for
//! an analyst, the public ones without sign-in; each form does its job once, and a refusal shows
//! the service's message with its status and leaves the record as it was.

use reqwest::StatusCode;
use selat_core::org::{OrgKind, Role};
use serde_json::json;

use crate::browser::{Browser, Page};
use crate::coordination::{get, member, post};
use crate::support::{Fixture, PASSWORD};

/// Posts `fields` with the CSRF token of `form`.
async fn submit(browser: &mut Browser<'_>, form: &Page, path: &str, fields: &[(&str, &str)]) -> Page {
    let csrf = form.csrf();
    let mut all = vec![("csrf", csrf.as_str())];
    all.extend_from_slice(fields);
    browser.post(path, &all).await
}

/// The options of the `<select>` whose id is `id`.
fn options(page: &Page, id: &str) -> Vec<String> {
    let start = page.text.find(&format!("id=\"{id}\"")).unwrap_or_else(|| panic!("no #{id}: {}", page.text));
    let select = &page.text[start..start + page.text[start..].find("</select>").unwrap()];
    select.split("<option value=\"").skip(1).map(|o| o[..o.find('"').unwrap()].to_owned()).collect()
}

#[tokio::test]
async fn every_coordination_page_renders_for_an_analyst_and_the_public_ones_without_sign_in() {
    let mut fixture = Fixture::new().await;
    let server = fixture.start_with(|_| {}).await;
    let mut sg = Browser::new(&server);
    assert_eq!(sg.sign_in("sg-analyst", PASSWORD).await.status, StatusCode::SEE_OTHER);
    for path in [
        "/incidents",
        "/incidents/new",
        "/directory",
        "/contact-checks",
        "/capacity",
        "/norms",
        "/meetings",
        "/advisories",
    ] {
        let page = sg.get(path).await;
        assert_eq!(page.status, StatusCode::OK, "{path}: {}", page.text);
        assert!(page.text.contains("<h1>") && page.text.contains("sg-analyst"), "{path}");
    }
    assert!(sg.get("/norms").await.text.contains("id=\"assessment-form\""), "SG assesses itself");

    let mut anonymous = Browser::new(&server);
    for path in ["/incidents", "/directory", "/capacity", "/norms", "/meetings", "/advisories"] {
        assert_eq!(anonymous.get(path).await.status, StatusCode::SEE_OTHER, "{path} needs a sign-in");
    }
    let public = anonymous.get("/advisories/public").await;
    assert_eq!(public.status, StatusCode::OK);
    assert!(public.text.contains("href=\"/feeds/advisories.atom\""), "{}", public.text);
    let missing = anonymous.get("/advisories/public/report--00000000-0000-4000-8000-000000000000").await;
    assert_eq!(missing.status, StatusCode::NOT_FOUND);
    server.stop().await;
}

#[tokio::test]
async fn an_incident_moves_only_where_the_viewer_may_take_it_and_a_refusal_changes_nothing() {
    let mut fixture = Fixture::new().await;
    let server = fixture.start_with(|_| {}).await;
    member(&server.node, "SG-BANKING", OrgKind::SectorLead, Some("SG"), Role::Analyst).await;

    // A sector lead reports to its member state.
    let mut bank = Browser::new(&server);
    bank.sign_in("sg-banking-analyst", PASSWORD).await;
    let form = bank.get("/incidents/new").await;
    let reported = submit(
        &mut bank,
        &form,
        "/incidents",
        &[
            ("name", "Bank phishing"),
            ("severity", "high"),
            ("incident_class", "fraud"),
            ("affected_states", "SG"),
            ("tlp", "amber"),
            ("share_with", "national"),
        ],
    )
    .await;
    assert_eq!(reported.status, StatusCode::SEE_OTHER, "{}", reported.text);
    let path = reported.location.unwrap();
    let id = path.strip_prefix("/incidents/").unwrap().to_owned();
    let page = bank.get(&path).await;
    assert_eq!(page.value_after("id=\"incident-status\">"), "reported");
    assert_eq!(options(&page, "transition-to"), ["closed"], "the reporter may only close it");

    // The sector lead may not triage: 403 with the service's reason, the status unchanged.
    let refused = submit(&mut bank, &page, &format!("{path}/transition"), &[("to", "triaged")]).await;
    assert_eq!(refused.status, StatusCode::FORBIDDEN, "{}", refused.text);
    assert!(refused.value_after("id=\"incident-error\">").contains("reported → triaged is for"));
    assert_eq!(refused.value_after("id=\"incident-status\">"), "reported");

    // Its member state triages it.
    let mut sg = Browser::new(&server);
    sg.sign_in("sg-analyst", PASSWORD).await;
    let page = sg.get(&path).await;
    assert_eq!(options(&page, "transition-to"), ["triaged", "closed"]);
    let moved = submit(&mut sg, &page, &format!("{path}/transition"), &[("to", "triaged")]).await;
    assert_eq!(moved.status, StatusCode::SEE_OTHER, "{}", moved.text);
    let page = sg.get(&path).await;
    assert_eq!(page.value_after("id=\"incident-status\">"), "triaged");
    assert_eq!(options(&page, "transition-to"), ["coordinating", "contained", "closed"]);

    // A transition the table does not have is a 409, the status unchanged.
    let back = submit(&mut sg, &page, &format!("{path}/transition"), &[("to", "reported")]).await;
    assert_eq!(back.status, StatusCode::CONFLICT, "{}", back.text);
    assert!(back.value_after("id=\"incident-error\">").contains("it can move to"), "{}", back.text);
    assert_eq!(back.value_after("id=\"incident-status\">"), "triaged");

    // SG adds a task and a note; the sector lead may not update SG's task.
    let added = submit(&mut sg, &page, &format!("{path}/tasks"), &[("name", "Block the lure domain")]).await;
    assert_eq!(added.status, StatusCode::SEE_OTHER, "{}", added.text);
    let noted = submit(&mut sg, &page, &format!("{path}/notes"), &[("text", "Lure seen at two banks")]).await;
    assert_eq!(noted.status, StatusCode::SEE_OTHER, "{}", noted.text);
    let page = sg.get(&path).await;
    assert!(page.text.contains("Block the lure domain") && page.text.contains("Lure seen at two banks"));
    let task = page.value_after(&format!("/incidents/{id}/tasks/"));
    assert!(task.starts_with("x-selat-task--"), "{task}");
    let not_own = bank.get(&path).await;
    assert!(!not_own.text.contains(&format!("/tasks/{task}")), "no update form on another's task");
    let refused = submit(&mut bank, &not_own, &format!("{path}/tasks/{task}"), &[("status", "done")]).await;
    assert_eq!(refused.status, StatusCode::FORBIDDEN, "{}", refused.text);
    assert!(refused.value_after("id=\"incident-error\">").contains("only it updates the task"));
    let done = submit(&mut sg, &page, &format!("{path}/tasks/{task}"), &[("status", "done")]).await;
    assert_eq!(done.status, StatusCode::SEE_OTHER, "{}", done.text);
    let page = sg.get(&format!("{path}?done=task-update")).await;
    assert!(page.text.contains("Task updated.") && page.text.contains("<td class=\"status\">done</td>"));

    let (_, listed) = get(&server, &format!("/api/v1/incidents/{id}"), &fixture.tokens.sg_analyst).await;
    assert_eq!(listed["status"], "triaged", "{listed}");
    let list = sg.get("/incidents?status=triaged").await;
    assert!(list.text.contains(&id), "{}", list.text);
    assert!(!sg.get("/incidents?status=closed").await.text.contains(&id));
    server.stop().await;
}

#[tokio::test]
async fn the_acknowledgement_page_answers_once_then_says_so_with_409() {
    let mut fixture = Fixture::new().await;
    let server = fixture.start_with(|_| {}).await;
    let t = fixture.tokens.clone();
    let contact = json!({"name": "Duty officer", "role": "technical-poc", "always_on": true,
        "channels": [{"kind": "email", "value": "duty@sg.example.org"}]});
    assert_eq!(post(&server, "/api/v1/contacts", &t.sg_analyst, contact).await.0, 201);
    let (status, campaign) = post(
        &server,
        "/api/v1/contact-checks",
        &t.asean_analyst,
        json!({"name": "web", "member_states": ["SG"]}),
    )
    .await;
    assert_eq!(status, 201, "{campaign}");
    let (_, campaign) = get(
        &server,
        &format!("/api/v1/contact-checks/{}", campaign["id"].as_str().unwrap()),
        &t.asean_analyst,
    )
    .await;
    let check = &campaign["checks"][0];
    let key = server.node.secret("contact-check").await.unwrap();
    let token_for = |expires: &str| {
        selat_core::coordination::contacts::token(&key, check["id"].as_str().unwrap(), expires).unwrap()
    };
    let path = format!("/contact-checks/ack/{}", token_for(check["expires"].as_str().unwrap()));

    let mut contact = Browser::new(&server);
    let page = contact.get(&path).await;
    assert_eq!(page.status, StatusCode::OK, "{}", page.text);
    assert!(page.text.contains("Duty officer") && page.text.contains("id=\"ack-submit\""), "{}", page.text);
    let answered = submit(&mut contact, &page, &path, &[]).await;
    assert_eq!(answered.status, StatusCode::OK, "{}", answered.text);
    assert!(answered.value_after("id=\"ack-result\">").contains("confirmed"));
    let again = submit(&mut contact, &page, &path, &[]).await;
    assert_eq!(again.status, StatusCode::CONFLICT, "{}", again.text);
    assert!(!again.value_after("id=\"ack-result\">").is_empty());
    let shown = contact.get(&path).await;
    assert!(shown.text.contains("This check was answered at") && !shown.text.contains("ack-submit"));

    let (_, directory) = get(&server, "/api/v1/contacts?state=SG", &t.sg_analyst).await;
    assert_eq!(directory["items"][0]["checks_answered"], 1, "answered once: {directory}");
    let expired = format!("/contact-checks/ack/{}", token_for("2020-01-01T00:00:00.000Z"));
    assert_eq!(contact.get(&expired).await.status, StatusCode::GONE);
    assert_eq!(submit(&mut contact, &page, &expired, &[]).await.status, StatusCode::GONE);
    let bad = contact.get("/contact-checks/ack/not-a-token").await;
    assert_eq!(bad.status, StatusCode::NOT_FOUND);
    let mut sg = Browser::new(&server);
    sg.sign_in("sg-analyst", PASSWORD).await;
    let directory = sg.get("/directory").await;
    assert!(
        directory.text.contains("Duty officer") && directory.text.contains("1 / 1"),
        "{}",
        directory.text
    );
    let campaigns = sg.get("/contact-checks").await;
    assert!(campaigns.text.contains("SG: 1 / 1"), "{}", campaigns.text);
    server.stop().await;
}

#[tokio::test]
async fn policy_forms_record_once_and_show_the_services_refusals() {
    let mut fixture = Fixture::new().await;
    let server = fixture.start_with(|_| {}).await;
    member(&server.node, "SG-ENERGY", OrgKind::SectorLead, Some("SG"), Role::Analyst).await;
    let mut sg = Browser::new(&server);
    sg.sign_in("sg-analyst", PASSWORD).await;

    // Norms: SG assesses itself; assessing MY is refused and MY's row stays unassessed.
    let norms = sg.get("/norms").await;
    assert!(!norms.text.contains("<td class=\"implemented\""), "no assessment yet");
    let fields = [("member_state", "SG"), ("norm", "a"), ("status", "implemented"), ("period", "2026")];
    let recorded = submit(&mut sg, &norms, "/norms/assessments", &fields).await;
    assert_eq!(recorded.status, StatusCode::SEE_OTHER, "{}", recorded.text);
    let fields = [("member_state", "MY"), ("norm", "b"), ("status", "not-started"), ("period", "2026")];
    let refused = submit(&mut sg, &norms, "/norms/assessments", &fields).await;
    assert_eq!(refused.status, StatusCode::FORBIDDEN, "{}", refused.text);
    assert!(refused.value_after("id=\"norms-error\">").contains("only MY records MY"));
    assert!(refused.text.contains("<td class=\"implemented\""), "SG's own cell");
    assert!(!refused.text.contains("<td class=\"not-started\""), "nothing recorded for MY");

    // Capacity: SG records its own need, not MY's.
    let capacity = sg.get("/capacity").await;
    let need = [
        ("member_state", "SG"),
        ("theme", "cybercrime"),
        ("priority", "high"),
        ("description", "Forensics lab"),
    ];
    let recorded = submit(&mut sg, &capacity, "/capacity/needs", &need).await;
    assert_eq!(recorded.status, StatusCode::SEE_OTHER, "{}", recorded.text);
    let other =
        [("member_state", "MY"), ("theme", "standards"), ("priority", "low"), ("description", "Not for SG")];
    let refused = submit(&mut sg, &capacity, "/capacity/needs", &other).await;
    assert_eq!(refused.status, StatusCode::FORBIDDEN, "{}", refused.text);
    assert!(refused.value_after("id=\"capacity-error\">").contains("only MY records its own needs"));
    assert!(refused.text.contains("Forensics lab") && !refused.text.contains("Not for SG"));

    // Advisories: a member state's analyst publishes; a sector lead may not.
    let advisories = sg.get("/advisories").await;
    let fields = [("name", "Lure campaign against banks"), ("description", "Block lure.example.")];
    let published = submit(&mut sg, &advisories, "/advisories", &fields).await;
    assert_eq!(published.status, StatusCode::SEE_OTHER, "{}", published.text);
    let mut energy = Browser::new(&server);
    energy.sign_in("sg-energy-analyst", PASSWORD).await;
    let form = energy.get("/advisories").await;
    let fields = [("name", "Sector lead's advisory"), ("description", "Should not appear.")];
    let refused = submit(&mut energy, &form, "/advisories", &fields).await;
    assert_eq!(refused.status, StatusCode::FORBIDDEN, "{}", refused.text);
    assert!(refused.value_after("id=\"advisory-error\">").contains("publish advisories"));
    let mut anonymous = Browser::new(&server);
    let public = anonymous.get("/advisories/public").await;
    assert!(public.text.contains("Lure campaign against banks") && !public.text.contains("Sector lead"));
    let link = public.value_after("<a href=\"/advisories/public/");
    let one = anonymous.get(&format!("/advisories/public/{link}")).await;
    assert_eq!(one.status, StatusCode::OK);
    assert!(one.text.contains("Block lure.example."), "{}", one.text);
    server.stop().await;
}
