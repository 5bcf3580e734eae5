//! Regional coordination at policy level over REST: norms and each state's assessments (only the
//! state itself records them), the matrix and progress; every refusal leaves things as they were.

use reqwest::Method;
use selat_core::org::{OrgKind, Role};
use selat_server::Limits;
use serde_json::{Value, json};

use crate::coordination::{call, get, member, post};
use crate::support::Fixture;

fn assessment(state: &str, norm: &str, status: &str, period: &str) -> Value {
    json!({"member_state": state, "norm": norm, "status": status, "period": period, "evidence": "National plan"})
}

fn cell<'a>(matrix: &'a Value, state: &str, norm: &str) -> &'a Value {
    let row = matrix["rows"].as_array().unwrap().iter().find(|r| r["member_state"] == state).unwrap();
    row["cells"].as_array().unwrap().iter().find(|c| c["norm"] == norm).unwrap()
}

/// Norms, assessments by their own state only, the matrix as of a period, and progress.
#[tokio::test]
async fn each_state_records_its_own_norm_assessments_and_the_matrix_shows_them() {
    let mut fixture = Fixture::new().await;
    let server = fixture.start(Limits::default()).await;
    let t = fixture.tokens.clone();
    let bank = member(&server.node, "SG-BANKING", OrgKind::SectorLead, Some("SG"), Role::Analyst).await;

    let (status, norms) = get(&server, "/api/v1/norms", &t.my_analyst).await;
    assert_eq!(status, 200, "{norms}");
    let norms = norms["items"].as_array().unwrap();
    assert_eq!(norms.len(), 11);
    assert_eq!((norms[6]["letter"].as_str(), norms[10]["letter"].as_str()), (Some("g"), Some("k")));
    assert!(norms.iter().all(|n| n["items"].as_array().unwrap().iter().all(|i| i["illustrative"] == true)));
    assert_eq!(call(&server, Method::GET, "/api/v1/norms", None, None).await.0, 401);

    let path = "/api/v1/norms/assessments";
    let (status, first) =
        post(&server, path, &t.sg_analyst, assessment("SG", "g", "in-progress", "2025")).await;
    assert_eq!(status, 201, "{first}");
    assert_eq!((first["recorded_by"].as_str(), first["tlp"].as_str()), (Some("SG"), Some("green")));
    let (status, g) = post(&server, path, &t.sg_analyst, assessment("SG", "g", "implemented", "2026")).await;
    assert_eq!(status, 201, "{g}");
    let mut again = assessment("SG", "g", "implemented", "2026");
    again["evidence"] = json!("Cybersecurity Act 2018, codes of practice");
    let (status, edited) = post(&server, path, &t.sg_analyst, again).await;
    assert_eq!((status, &edited["id"]), (201, &g["id"]), "the same assessment, a new version: {edited}");
    assert!(edited["modified"].as_str() > g["modified"].as_str());
    let item =
        json!({"member_state": "MY", "norm": "d", "item": "d.1", "status": "implemented", "period": "2026"});
    assert_eq!(post(&server, path, &t.my_analyst, item).await.0, 201);
    let item =
        json!({"member_state": "MY", "norm": "d", "item": "d.2", "status": "not-started", "period": "2026"});
    assert_eq!(post(&server, path, &t.my_analyst, item).await.0, 201);

    // Refusals: another state's assessment (a state, the secretariat, a sector lead), a viewer,
    // and malformed ones. None changes anything.
    let before = get(&server, path, &t.my_analyst).await.1;
    for (token, who) in [(&t.my_analyst, "MY"), (&t.asean_analyst, "ASEAN"), (&bank, "SG-BANKING")] {
        let (status, body) = post(&server, path, token, assessment("SG", "g", "not-started", "2026")).await;
        assert_eq!((status, body["error"].as_str()), (403, Some("forbidden")), "{who}: {body}");
        assert!(body["detail"].as_str().unwrap().contains("only SG"), "{body}");
    }
    let (status, _) = post(&server, path, &t.sg_viewer, assessment("SG", "a", "implemented", "2026")).await;
    assert_eq!(status, 403);
    for (bad, why) in [
        (assessment("SG", "z", "implemented", "2026"), "norm"),
        (assessment("SG", "g", "done", "2026"), "status"),
        (assessment("SG", "g", "implemented", "2026-13"), "period"),
        (
            json!({"member_state": "SG", "norm": "g", "item": "d.1", "status": "implemented", "period": "2026"}),
            "item",
        ),
        (
            json!({"member_state": "SG", "norm": "g", "status": "implemented", "period": "2026", "colour": 1}),
            "unknown",
        ),
    ] {
        let (status, body) = post(&server, path, &t.sg_analyst, bad).await;
        assert_eq!(status, 400, "{why}: {body}");
    }
    assert_eq!(get(&server, path, &t.my_analyst).await.1, before, "nothing changed");
    let (_, sg_only) = get(&server, &format!("{path}?member_state=SG&period=2026"), &t.my_analyst).await;
    let sg_only = sg_only["items"].as_array().unwrap();
    assert_eq!(sg_only.len(), 1);
    assert_eq!(sg_only[0]["evidence"], "Cybersecurity Act 2018, codes of practice");

    // The matrix: every member state of today × the eleven norms, as of a period.
    let (status, matrix) = get(&server, "/api/v1/norms/matrix", &t.my_analyst).await;
    assert_eq!(status, 200, "{matrix}");
    assert_eq!(matrix["rows"].as_array().unwrap().len(), 11, "Timor-Leste is the eleventh");
    assert_eq!(cell(&matrix, "SG", "g")["status"], "implemented");
    assert_eq!(cell(&matrix, "MY", "d")["status"], "in-progress", "derived from its items");
    assert_eq!(cell(&matrix, "TL", "a")["status"], Value::Null);
    assert_eq!(matrix["totals"]["none"], 11 * 11 - 2);
    let (_, earlier) = get(&server, "/api/v1/norms/matrix?period=2025", &t.my_analyst).await;
    assert_eq!(cell(&earlier, "SG", "g")["status"], "in-progress");
    assert_eq!(cell(&earlier, "MY", "d")["status"], Value::Null);
    assert_eq!(get(&server, "/api/v1/norms/matrix?period=last", &t.my_analyst).await.0, 400);

    let (status, progress) = get(&server, "/api/v1/norms/progress?from=2025&to=2026", &t.my_analyst).await;
    assert_eq!(status, 200, "{progress}");
    let sg = progress["states"].as_array().unwrap().iter().find(|s| s["member_state"] == "SG").unwrap();
    assert_eq!((sg["implemented_from"].as_u64(), sg["implemented_to"].as_u64()), (Some(0), Some(1)));
    assert_eq!(
        sg["norms"][6],
        json!({"norm": "g", "from": "in-progress", "to": "implemented", "changed": true})
    );
    assert_eq!(get(&server, "/api/v1/norms/progress?from=2025", &t.my_analyst).await.0, 400);
    server.stop().await;
}

/// Norms are records: the eleven seeded (a–k, the same ids on every node), and the secretariat
/// adds more (l onwards) that states assess and the matrix and progress show; nobody else adds.
#[tokio::test]
async fn the_secretariat_adds_norms_that_states_then_assess() {
    let mut fixture = Fixture::new().await;
    let server = fixture.start(Limits::default()).await;
    let t = fixture.tokens.clone();
    let (_, norms) = get(&server, "/api/v1/norms", &t.sg_analyst).await;
    let norms = norms["items"].as_array().unwrap().clone();
    let seeded_g = selat_core::coordination::norms::seeded_norm_id("g");
    assert_eq!((norms.len(), &norms[6]["letter"], &norms[6]["id"]), (11, &json!("g"), &json!(seeded_g)));

    let new = json!({"text": "Protect the public core of the internet.", "items": ["Name the national operators of the public core.", "Exercise with them yearly."], "source": "AMCC 2026"});
    for (token, who) in [(&t.my_analyst, "MY"), (&t.sg_analyst, "SG")] {
        let (status, body) = post(&server, "/api/v1/norms", token, new.clone()).await;
        assert_eq!((status, body["error"].as_str()), (403, Some("forbidden")), "{who}: {body}");
    }
    assert_eq!(post(&server, "/api/v1/norms", &t.asean_analyst, json!({"text": ""})).await.0, 400);
    assert_eq!(
        post(&server, "/api/v1/norms", &t.asean_analyst, json!({"text": "x", "colour": 1})).await.0,
        400
    );
    assert_eq!(get(&server, "/api/v1/norms", &t.sg_analyst).await.1["items"].as_array().unwrap().len(), 11);
    let (status, added) = post(&server, "/api/v1/norms", &t.asean_analyst, new).await;
    assert_eq!(status, 201, "{added}");
    assert_eq!((added["letter"].as_str(), added["recorded_by"].as_str()), (Some("l"), Some("ASEAN")));
    assert_eq!(
        added["items"][1],
        json!({"id": "l.2", "text": "Exercise with them yearly.", "illustrative": false})
    );
    let (_, next) = post(&server, "/api/v1/norms", &t.asean_analyst, json!({"text": "Another."})).await;
    assert_eq!(next["letter"], "m");

    let (_, norms) = get(&server, "/api/v1/norms", &t.my_analyst).await;
    let letters: Vec<&str> =
        norms["items"].as_array().unwrap().iter().map(|n| n["letter"].as_str().unwrap()).collect();
    assert_eq!(letters.join(""), "abcdefghijklm");
    let sg =
        json!({"member_state": "SG", "norm": "l", "item": "l.1", "status": "implemented", "period": "2026"});
    assert_eq!(post(&server, "/api/v1/norms/assessments", &t.sg_analyst, sg).await.0, 201);
    let bad = json!({"member_state": "SG", "norm": "n", "status": "implemented", "period": "2026"});
    assert_eq!(post(&server, "/api/v1/norms/assessments", &t.sg_analyst, bad).await.0, 400, "no norm n yet");
    let (_, matrix) = get(&server, "/api/v1/norms/matrix", &t.my_analyst).await;
    assert_eq!(matrix["norms"].as_array().unwrap().len(), 13);
    assert_eq!(cell(&matrix, "SG", "l")["status"], "implemented");
    let (_, progress) = get(&server, "/api/v1/norms/progress?from=2025&to=2026", &t.my_analyst).await;
    let sg = progress["states"].as_array().unwrap().iter().find(|s| s["member_state"] == "SG").unwrap();
    assert_eq!((sg["implemented_to"].as_u64(), &sg["norms"][11]["norm"]), (Some(1), &json!("l")));
    server.stop().await;
}

fn programme(
    title: &str,
    themes: &[&str],
    states: &[&str],
    start: &str,
    end: Option<&str>,
    status: &str,
) -> Value {
    let mut p = json!({"title": title, "themes": themes, "providers": ["Provider"], "funders": ["Funder"],
        "beneficiary_states": states, "format": "in-person", "start": start, "status": status, "seats": 30,
        "source": "https://example.org/programme"});
    if let Some(end) = end {
        p["end"] = json!(end);
    }
    p
}

/// Programmes and needs, gaps and overlaps known by construction, the matrix, and the refusals:
/// a provider editing another's programme, a state recording another's need.
#[tokio::test]
async fn capacity_gaps_overlaps_and_matrix_follow_programmes_and_needs() {
    let mut fixture = Fixture::new().await;
    let server = fixture.start(Limits::default()).await;
    let t = fixture.tokens.clone();
    let partner = member(&server.node, "JP", OrgKind::Partner, None, Role::Analyst).await;
    let progs = "/api/v1/capacity/programmes";
    // SG's CERT training for MY open-ended; JP's for MY and SG in 2030 overlaps it on cybercrime.
    let (status, sg_prog) = post(
        &server,
        progs,
        &t.sg_analyst,
        programme(
            "CERT training",
            &["incident-management-and-cip", "cybercrime"],
            &["MY"],
            "2026-01-01",
            None,
            "ongoing",
        ),
    )
    .await;
    assert_eq!(status, 201, "{sg_prog}");
    assert_eq!(sg_prog["recorded_by"], "SG");
    let (status, jp_prog) = post(
        &server,
        progs,
        &partner,
        programme(
            "Cybercrime investigators",
            &["cybercrime"],
            &["MY", "SG"],
            "2030-03-01",
            Some("2030-06-30"),
            "planned",
        ),
    )
    .await;
    assert_eq!(status, 201, "{jp_prog}");
    let (status, _) = post(
        &server,
        progs,
        &partner,
        programme(
            "Old standards course",
            &["standards"],
            &["MY"],
            "2020-01-01",
            Some("2020-12-31"),
            "completed",
        ),
    )
    .await;
    assert_eq!(status, 201);

    // Needs: MY cybercrime (met by the planned one), MY standards (a gap: only a completed one).
    let needs = "/api/v1/capacity/needs";
    let need = |theme: &str| json!({"member_state": "MY", "theme": theme, "priority": "high", "description": "Skills"});
    assert_eq!(post(&server, needs, &t.my_analyst, need("cybercrime")).await.0, 201);
    let (status, gap) = post(&server, needs, &t.my_analyst, need("standards")).await;
    assert_eq!(status, 201, "{gap}");

    // Refusals, each changing nothing.
    let before = get(&server, progs, &t.my_analyst).await.1;
    let sg_id = sg_prog["id"].as_str().unwrap();
    let edit = programme("Hijacked", &["standards"], &["MY"], "2026-01-01", None, "cancelled");
    let (status, body) =
        call(&server, Method::PUT, &format!("{progs}/{sg_id}"), Some(&partner), Some(edit.clone())).await;
    assert_eq!((status, body["error"].as_str()), (403, Some("forbidden")), "{body}");
    assert!(body["detail"].as_str().unwrap().contains("belongs to SG"), "{body}");
    let (status, body) = post(&server, needs, &t.sg_analyst, need("culture-and-skills")).await;
    assert_eq!(status, 403, "{body}");
    for (bad, why) in [
        (programme("x", &["cooking"], &["MY"], "2026-01-01", None, "ongoing"), "theme"),
        (programme("x", &["standards"], &["ZZ"], "2026-01-01", None, "ongoing"), "state"),
        (
            programme("x", &["standards"], &["MY"], "2026-01-01", Some("2025-01-01"), "ongoing"),
            "end before start",
        ),
        (programme("x", &["standards"], &["MY"], "1 May", None, "ongoing"), "date"),
    ] {
        assert_eq!(post(&server, progs, &t.sg_analyst, bad).await.0, 400, "{why}");
    }
    assert_eq!(get(&server, progs, &t.my_analyst).await.1, before, "nothing changed");
    assert_eq!(get(&server, needs, &t.my_analyst).await.1["items"].as_array().unwrap().len(), 2);

    // Its owner edits it.
    let mut edited = programme(
        "CERT training",
        &["incident-management-and-cip", "cybercrime"],
        &["MY"],
        "2026-01-01",
        None,
        "ongoing",
    );
    edited["seats"] = json!(40);
    let (status, body) =
        call(&server, Method::PUT, &format!("{progs}/{sg_id}"), Some(&t.sg_analyst), Some(edited)).await;
    assert_eq!((status, body["seats"].as_u64()), (200, Some(40)), "{body}");

    // Offers: a provider offers its own programme for MY's standards need; MY accepts; once the
    // programme is completed the offer is delivered. Others may not offer or answer.
    let standards_need = gap["id"].as_str().unwrap();
    let std_course = |status: &str| {
        programme("Standards course", &["standards"], &["MY"], "2021-01-01", Some("2021-02-01"), status)
    };
    let (_, jp_std) = post(&server, progs, &partner, std_course("completed")).await;
    let offers = format!("/api/v1/capacity/needs/{standards_need}/offers");
    let (status, body) = post(&server, &offers, &t.sg_analyst, json!({"programme": jp_std["id"]})).await;
    assert_eq!((status, body["error"].as_str()), (403, Some("forbidden")), "not SG's programme: {body}");
    let (status, body) = post(&server, &offers, &partner, json!({"programme": jp_prog["id"]})).await;
    assert_eq!(status, 400, "cybercrime does not meet a standards need: {body}");
    let (status, offer) =
        post(&server, &offers, &partner, json!({"programme": jp_std["id"], "note": "Seats held"})).await;
    assert_eq!((status, offer["status"].as_str()), (201, Some("proposed")), "{offer}");
    let answer = format!("/api/v1/capacity/offers/{}/answer", offer["id"].as_str().unwrap());
    assert_eq!(
        post(&server, &answer, &t.sg_analyst, json!({"answer": "accepted"})).await.0,
        403,
        "not SG's need"
    );
    let (status, accepted) = post(&server, &answer, &t.my_analyst, json!({"answer": "accepted"})).await;
    assert_eq!(
        (status, accepted["status"].as_str()),
        (200, Some("delivered")),
        "its programme is completed: {accepted}"
    );
    let (_, needs_now) = get(&server, needs, &t.my_analyst).await;
    let mine = needs_now["items"].as_array().unwrap().iter().find(|n| n["id"] == gap["id"]).unwrap();
    assert_eq!(mine["offers"][0]["status"], "delivered", "{mine}");

    let (_, gaps) = get(&server, "/api/v1/capacity/gaps", &t.asean_analyst).await;
    let gaps = gaps["items"].as_array().unwrap();
    assert_eq!(gaps.len(), 1, "{gaps:?}");
    assert_eq!(
        (gaps[0]["member_state"].as_str(), gaps[0]["theme"].as_str()),
        (Some("MY"), Some("standards"))
    );
    let (_, overlaps) = get(&server, "/api/v1/capacity/overlaps", &t.asean_analyst).await;
    let overlaps = overlaps["items"].as_array().unwrap();
    assert_eq!(overlaps.len(), 1, "{overlaps:?}");
    assert_eq!(
        (&overlaps[0]["themes"], &overlaps[0]["states"], &overlaps[0]["from"], &overlaps[0]["to"]),
        (&json!(["cybercrime"]), &json!(["MY"]), &json!("2030-03-01"), &json!("2030-06-30"))
    );
    let (status, matrix) = get(&server, "/api/v1/capacity/matrix", &t.asean_analyst).await;
    assert_eq!(status, 200, "{matrix}");
    let rows = matrix["items"].as_array().unwrap();
    assert_eq!(rows.len(), 11);
    let my = rows.iter().find(|r| r["member_state"] == "MY").unwrap();
    let standards = my["cells"].as_array().unwrap().iter().find(|c| c["theme"] == "standards").unwrap();
    assert_eq!(standards, &json!({"theme": "standards", "programmes": 0, "needs": 1, "gaps": 1}));
    let cyber = my["cells"].as_array().unwrap().iter().find(|c| c["theme"] == "cybercrime").unwrap();
    assert_eq!(cyber, &json!({"theme": "cybercrime", "programmes": 2, "needs": 1, "gaps": 0}));
    server.stop().await;
}

fn find<'a>(list: &'a Value, id: &Value) -> &'a Value {
    list["items"].as_array().unwrap().iter().find(|d| &d["id"] == id).unwrap()
}

/// Meetings and their decisions: a dated roll of states, decisions owned by a body or an
/// organisation, overdue ones, follow-up across meetings, and who may close what.
#[tokio::test]
async fn decisions_are_followed_up_across_meetings_and_closed_only_by_their_owner() {
    let mut fixture = Fixture::new().await;
    let server = fixture.start(Limits::default()).await;
    let t = fixture.tokens.clone();
    let bank = member(&server.node, "SG-BANKING", OrgKind::SectorLead, Some("SG"), Role::Analyst).await;
    let amcc = json!({"series": "AMCC", "number": 1, "date": "2016-10-11", "venue": "Shangri-La Hotel Singapore",
        "chair": "Singapore's Minister for Communications and Information",
        "documents": [{"title": "Chairman's statement", "url": "https://example.org/amcc-2016"}]});
    let (status, meeting) = post(&server, "/api/v1/meetings", &t.asean_analyst, amcc.clone()).await;
    assert_eq!(status, 201, "{meeting}");
    assert_eq!(
        meeting["participating_states"].as_array().unwrap().len(),
        10,
        "ten states in 2016: {meeting}"
    );
    assert!(!meeting["participating_states"].as_array().unwrap().contains(&json!("TL")));
    assert_eq!(post(&server, "/api/v1/meetings", &bank, amcc.clone()).await.0, 403, "a sector lead");
    assert_eq!(post(&server, "/api/v1/meetings", &t.sg_viewer, amcc.clone()).await.0, 403, "a viewer");
    let mut bad = amcc.clone();
    bad["series"] = json!("G20");
    assert_eq!(post(&server, "/api/v1/meetings", &t.asean_analyst, bad).await.0, 400);

    let decide = |number: u32, kind: &str, owner: Option<&str>, due: Option<&str>| {
        let mut d = json!({"meeting": meeting["id"], "number": number, "text": format!("Decision {number}"), "kind": kind});
        if let Some(owner) = owner {
            d["owner"] = json!(owner);
        }
        if let Some(due) = due {
            d["due"] = json!(due);
        }
        d
    };
    let (status, platform) = post(
        &server,
        "/api/v1/decisions",
        &t.asean_analyst,
        decide(4, "task", Some("TELMIN"), Some("2016-11-30")),
    )
    .await;
    assert_eq!(status, 201, "{platform}");
    assert_eq!((platform["owner"].as_str(), platform["owner_kind"].as_str()), (Some("TELMIN"), Some("body")));
    let (_, host) = post(
        &server,
        "/api/v1/decisions",
        &t.asean_analyst,
        decide(6, "agree", Some("SG"), Some("2017-09-30")),
    )
    .await;
    assert_eq!(
        (host["owner"].as_str(), host["owner_kind"].as_str()),
        (Some("SG"), Some("organisation")),
        "{host}"
    );
    let (_, norms) = post(
        &server,
        "/api/v1/decisions",
        &t.asean_analyst,
        decide(5, "task", Some("ADGSOM"), Some("2017-09-30")),
    )
    .await;
    let (_, noted) = post(&server, "/api/v1/decisions", &t.sg_analyst, decide(1, "note", None, None)).await;
    assert_eq!(noted["recorded_by"], "SG");
    let mut unknown = decide(2, "note", None, None);
    unknown["meeting"] = json!("x-selat-meeting--00000000-0000-4000-8000-000000000000");
    assert_eq!(post(&server, "/api/v1/decisions", &t.asean_analyst, unknown).await.0, 404);
    assert_eq!(
        post(&server, "/api/v1/decisions", &t.asean_analyst, decide(2, "decree", None, None)).await.0,
        400
    );
    assert_eq!(
        post(&server, "/api/v1/decisions", &t.asean_analyst, decide(2, "task", Some("NOBODY"), None)).await.0,
        400
    );

    let (status, overdue) = get(&server, "/api/v1/decisions?overdue=true", &t.my_analyst).await;
    assert_eq!(status, 200, "{overdue}");
    assert_eq!(overdue["items"].as_array().unwrap().len(), 3, "{overdue}");

    // MY may not close SG's decision, nor TELMIN's; nothing changes. SG closes its own.
    let host_status = format!("/api/v1/decisions/{}/status", host["id"].as_str().unwrap());
    let before = get(&server, "/api/v1/decisions", &t.my_analyst).await.1;
    let (status, body) = post(&server, &host_status, &t.my_analyst, json!({"status": "closed"})).await;
    assert_eq!((status, body["error"].as_str()), (403, Some("forbidden")), "{body}");
    assert!(body["detail"].as_str().unwrap().contains("owned by SG"), "{body}");
    let platform_status = format!("/api/v1/decisions/{}/status", platform["id"].as_str().unwrap());
    assert_eq!(post(&server, &platform_status, &t.sg_analyst, json!({"status": "closed"})).await.0, 403);
    assert_eq!(post(&server, &host_status, &t.sg_analyst, json!({"status": "done"})).await.0, 400);
    assert_eq!(get(&server, "/api/v1/decisions", &t.my_analyst).await.1, before, "nothing changed");
    let (status, closed) =
        post(&server, &host_status, &t.sg_analyst, json!({"status": "closed", "reason": "AMCC 2017 held"}))
            .await;
    assert_eq!(
        (status, closed["status"].as_str(), closed["overdue"].as_bool()),
        (200, Some("closed"), Some(false)),
        "{closed}"
    );

    // Follow-up: TELMIN closes decision 4; a later AMCC carries decision 5 over.
    let telmin =
        json!({"series": "TELMIN", "number": 16, "date": "2016-11-25", "venue": "Bandar Seri Begawan"});
    let (_, telmin) = post(&server, "/api/v1/meetings", &t.asean_analyst, telmin).await;
    let close = json!({"meeting": telmin["id"], "number": 1, "text": "Recommends a platform", "kind": "recommend",
        "closes": [platform["id"]]});
    assert_eq!(post(&server, "/api/v1/decisions", &t.asean_analyst, close).await.0, 201);
    let amcc2 = json!({"series": "AMCC", "number": 2, "date": "2017-09-19", "venue": "Singapore"});
    let (_, amcc2) = post(&server, "/api/v1/meetings", &t.asean_analyst, amcc2).await;
    let carry = json!({"meeting": amcc2["id"], "number": 1, "text": "Continue work on norms", "kind": "task",
        "owner": "ADGSOM", "due": "2018-09-30", "carries_over": norms["id"]});
    let (status, carried) = post(&server, "/api/v1/decisions", &t.asean_analyst, carry).await;
    assert_eq!(status, 201, "{carried}");
    let back = json!({"meeting": meeting["id"], "number": 9, "text": "x", "kind": "note", "closes": [carried["id"]]});
    assert_eq!(
        post(&server, "/api/v1/decisions", &t.asean_analyst, back).await.0,
        400,
        "an earlier meeting closing a later decision"
    );

    let (_, all) = get(&server, "/api/v1/decisions", &t.my_analyst).await;
    assert_eq!(find(&all, &platform["id"])["status"], "closed");
    assert!(find(&all, &platform["id"])["closed_by"].is_string());
    assert_eq!(find(&all, &norms["id"])["status"], "carried-over");
    assert_eq!(find(&all, &norms["id"])["carried_over_to"], carried["id"]);
    let (_, overdue) = get(&server, "/api/v1/decisions?overdue=true", &t.my_analyst).await;
    let overdue: Vec<&Value> = overdue["items"].as_array().unwrap().iter().collect();
    assert_eq!(overdue.len(), 1, "only the carried-over task, due 2018: {overdue:?}");
    assert_eq!(overdue[0]["id"], carried["id"]);
    let (_, meetings) = get(&server, "/api/v1/meetings", &t.my_analyst).await;
    assert_eq!(meetings["items"].as_array().unwrap().len(), 3);
    server.stop().await;
}

/// The report's intelligence, sightings and directory figures are the REST answers for the same
/// reader.
async fn assert_statistics_match(server: &crate::support::Server, html: &str, token: &str, year: &str) {
    let (status, intel) = get(server, &format!("/api/v1/statistics/intelligence?period={year}"), token).await;
    assert_eq!(status, 200, "{intel}");
    assert!(html.contains(&format!("{} objects shared by the member states", intel["total"])), "{intel}");
    assert_eq!(intel["states"].as_array().unwrap().len(), 11);
    for state in intel["states"].as_array().unwrap() {
        let row = format!(
            "<tr><td>{}</td><td class=\"n\">{}</td></tr>",
            state["member_state"].as_str().unwrap(),
            state["objects"]
        );
        assert!(html.contains(&row), "{row}");
        let weekly: u64 = state["weekly"].as_array().unwrap().iter().map(|w| w.as_u64().unwrap()).sum();
        assert_eq!(weekly, state["objects"].as_u64().unwrap(), "every object in a week of the period");
    }
    let (_, sightings) = get(server, &format!("/api/v1/statistics/sightings?period={year}"), token).await;
    assert!(html.contains(&format!("{} sightings reported", sightings["total"])), "{sightings}");
    let (status, directory) = get(server, "/api/v1/statistics/directory", token).await;
    assert_eq!(status, 200, "{directory}");
    let directory = directory["items"].as_array().unwrap();
    assert_eq!(directory.len(), 11);
    assert!(directory.iter().any(|d| d["contacts"].as_u64() > Some(0)), "{directory:?}");
    for d in directory {
        let row = format!(
            "<tr><td>{}</td><td class=\"n\">{}</td><td class=\"n\">{}</td><td class=\"n\">{}</td>",
            d["member_state"].as_str().unwrap(),
            d["contacts"],
            d["verified_recently"],
            d["stale"]
        );
        assert!(html.contains(&row), "{row}");
    }
}

/// Pages of a PDF that Chromium wrote: its page tree's `/Count`.
fn pdf_pages(pdf: &[u8]) -> usize {
    let text = String::from_utf8_lossy(pdf);
    text.match_indices("/Count ")
        .filter_map(|(at, _)| text[at + 7..].split(|c: char| !c.is_ascii_digit()).next()?.parse().ok())
        .max()
        .unwrap_or(0)
}

/// The regional report: one self-contained HTML page whose figures equal the REST answers,
/// counted through the reader's audience, that prints to seven A4 pages (one per section:
/// intelligence, sightings, incidents, norms, capacity, directory, decisions) in headless Chromium.
#[tokio::test]
async fn the_regional_report_shows_what_rest_shows_and_prints() {
    let mut fixture = Fixture::new().await;
    let server = fixture.start(Limits::default()).await;
    let t = fixture.tokens.clone();
    let path = "/api/v1/norms/assessments";
    assert_eq!(post(&server, path, &t.sg_analyst, assessment("SG", "g", "implemented", "2026")).await.0, 201);
    let progs = "/api/v1/capacity/programmes";
    let p1 = programme("CERT training", &["cybercrime"], &["MY"], "2026-01-01", None, "ongoing");
    let p2 =
        programme("Investigators", &["cybercrime"], &["MY"], "2026-03-01", Some("2026-06-30"), "ongoing");
    assert_eq!(post(&server, progs, &t.sg_analyst, p1).await.0, 201);
    assert_eq!(post(&server, progs, &t.sg_analyst, p2).await.0, 201);
    let need = json!({"member_state": "MY", "theme": "standards", "priority": "high"});
    assert_eq!(post(&server, "/api/v1/capacity/needs", &t.my_analyst, need).await.0, 201);
    let amcc = json!({"series": "AMCC", "number": 1, "date": "2016-10-11"});
    let (_, meeting) = post(&server, "/api/v1/meetings", &t.asean_analyst, amcc).await;
    let d = json!({"meeting": meeting["id"], "number": 4, "text": "Platform", "kind": "task", "owner": "TELMIN", "due": "2016-11-30"});
    assert_eq!(post(&server, "/api/v1/decisions", &t.asean_analyst, d).await.0, 201);
    // A RED incident only MY sees.
    let red = json!({"name": "Red one", "severity": "high", "incident_class": "fraud", "tlp": "red", "share_with": ["MY"]});
    assert_eq!(post(&server, "/api/v1/incidents", &t.my_analyst, red).await.0, 201);
    // Intelligence: two indicators and a sighting by SG that MY sees, a RED indicator of SG that
    // MY does not, one indicator by MY; contacts of both.
    let sg_indicator = crate::support::indicator();
    let sighting = json!({"type": "sighting", "spec_version": "2.1", "id": format!("sighting--{}", uuid::Uuid::new_v4()),
        "created": "2026-01-01T00:00:00.000Z", "modified": "2026-01-01T00:00:00.000Z", "sighting_of_ref": sg_indicator["id"]});
    let mut sg_red = crate::support::indicator();
    sg_red["object_marking_refs"] = json!(["marking-definition--e828b379-4e03-4974-9ac4-e53a884c97c1"]);
    let objects = [sg_indicator, crate::support::indicator(), sighting, sg_red];
    server.add(&fixture.shared, &t.sg_analyst, &objects).await;
    server.add(&fixture.shared, &t.my_analyst, &[crate::support::indicator()]).await;
    let contact = |name: &str| json!({"name": name, "role": "technical-poc", "channels": [{"kind": "email", "value": "duty@example.org"}]});
    assert_eq!(post(&server, "/api/v1/contacts", &t.sg_analyst, contact("SG duty officer")).await.0, 201);
    assert_eq!(post(&server, "/api/v1/contacts", &t.my_analyst, contact("MY duty officer")).await.0, 201);

    let year = &selat_stix::timestamp::Timestamp::now_millis().format(3)[..4].to_owned();
    let report = |token: String| {
        let server = &server;
        let year = year.clone();
        async move {
            let reply = server
                .send(
                    Method::GET,
                    &format!("/api/v1/reports/regional?period={year}"),
                    crate::support::Auth::Token(&token),
                    &[],
                    None,
                )
                .await;
            assert_eq!(reply.status.as_u16(), 200, "{}", reply.text);
            reply.text
        }
    };
    let html = report(t.my_analyst.clone()).await;
    let count = |list: &str, token: &str| {
        let server = &server;
        let (list, token) = (list.to_owned(), token.to_owned());
        async move { get(server, &list, &token).await.1["items"].as_array().unwrap().len() }
    };
    let gaps = count("/api/v1/capacity/gaps", &t.my_analyst).await;
    let overlaps = count("/api/v1/capacity/overlaps", &t.my_analyst).await;
    let overdue = count("/api/v1/decisions?overdue=true", &t.my_analyst).await;
    assert_eq!((gaps, overlaps, overdue), (1, 1, 1));
    assert!(html.contains(&format!("Gaps ({gaps})")), "{html}");
    assert!(html.contains(&format!("Overlaps ({overlaps})")));
    assert!(html.contains(&format!("Overdue ({overdue})")));
    assert!(html.contains("1 incidents reported"), "MY sees its RED incident");
    assert!(report(t.sg_analyst.clone()).await.contains("0 incidents reported"), "SG does not");
    let (_, matrix) = get(&server, &format!("/api/v1/norms/matrix?period={year}"), &t.my_analyst).await;
    let implemented = matrix["totals"]["implemented"].as_u64().unwrap_or(0) as usize;
    assert_eq!(html.matches(": implemented</title>").count(), implemented);
    assert!(html.matches("<tr><td>").count() >= 11);
    assert_statistics_match(&server, &html, &t.my_analyst, year).await;

    // Every figure counts only what the reader may see: SG's RED indicator counts for SG, not MY.
    let shared = |token: String| {
        let server = &server;
        let year = year.clone();
        async move {
            let (status, stats) =
                get(server, &format!("/api/v1/statistics/intelligence?period={year}"), &token).await;
            assert_eq!(status, 200, "{stats}");
            let states = stats["states"].as_array().unwrap().clone();
            let of = |s: &str| {
                states.iter().find(|r| r["member_state"] == s).unwrap()["objects"].as_u64().unwrap()
            };
            (of("SG"), of("MY"))
        }
    };
    let (sg_for_my, my_for_my) = shared(t.my_analyst.clone()).await;
    let (sg_for_sg, my_for_sg) = shared(t.sg_analyst.clone()).await;
    assert!(sg_for_my >= 3 && my_for_my >= 1, "SG's two indicators and sighting, MY's indicator");
    assert_eq!((sg_for_sg, my_for_sg), (sg_for_my + 1, my_for_my), "SG's RED indicator counts for SG only");
    assert_statistics_match(&server, &report(t.sg_analyst.clone()).await, &t.sg_analyst, year).await;
    let (_, sightings) =
        get(&server, &format!("/api/v1/statistics/sightings?period={year}"), &t.my_analyst).await;
    assert!(sightings["total"].as_u64().unwrap() >= 1, "{sightings}");
    assert_eq!(get(&server, "/api/v1/statistics/intelligence?period=soon", &t.my_analyst).await.0, 400);
    assert_eq!(get(&server, "/api/v1/statistics/sightings", &t.my_analyst).await.0, 400);
    assert_eq!(call(&server, Method::GET, "/api/v1/statistics/directory", None, None).await.0, 401);
    for external in ["<script", "<link", "src=", "url("] {
        assert!(!html.contains(external), "{external}");
    }
    assert_eq!(get(&server, "/api/v1/reports/regional?period=soon", &t.my_analyst).await.0, 400);
    assert_eq!(call(&server, Method::GET, "/api/v1/reports/regional?period=2026", None, None).await.0, 401);
    server.stop().await;

    let Ok(chromium) = which_chromium() else {
        println!("chromium is missing: the PDF page count is not checked");
        return;
    };
    let page = fixture.dir.path().join("report.html");
    let pdf = fixture.dir.path().join("report.pdf");
    std::fs::write(&page, &html).unwrap();
    let out = std::process::Command::new(chromium)
        .args(["--headless", "--no-sandbox", "--disable-gpu", "--no-pdf-header-footer"])
        .arg(format!("--print-to-pdf={}", pdf.display()))
        .arg(format!("file://{}", page.display()))
        .output()
        .expect("chromium runs");
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    assert_eq!(pdf_pages(&std::fs::read(&pdf).unwrap()), 7, "one page per section");
}

fn which_chromium() -> Result<std::path::PathBuf, ()> {
    ["/usr/bin/chromium", "/usr/bin/chromium-browser", "/usr/bin/google-chrome"]
        .iter()
        .map(std::path::PathBuf::from)
        .find(|p| p.exists())
        .ok_or(())
}

/// Lists page with opaque cursors: `?limit=` pages through a list larger than the limit, every
/// item once and in order, the last page's `next` null; a cursor this server did not give and a
/// limit of 0 are 400s; a limit above the maximum is a page of the maximum.
#[tokio::test]
async fn policy_lists_page_with_cursors() {
    let mut fixture = Fixture::new().await;
    let server = fixture.start(Limits::default()).await;
    let t = fixture.tokens.clone();
    let progs = "/api/v1/capacity/programmes";
    for n in 0..5 {
        let p = programme(&format!("Course {n}"), &["cybercrime"], &["MY"], "2026-01-01", None, "ongoing");
        assert_eq!(post(&server, progs, &t.sg_analyst, p).await.0, 201);
    }
    let (_, whole) = get(&server, progs, &t.my_analyst).await;
    let whole: Vec<Value> = whole["items"].as_array().unwrap().iter().map(|p| p["id"].clone()).collect();
    assert_eq!(whole.len(), 5, "the default limit holds them all");
    let mut seen = Vec::new();
    let mut path = format!("{progs}?limit=2");
    for _ in 0..10 {
        let (status, page) = get(&server, &path, &t.my_analyst).await;
        assert_eq!(status, 200, "{page}");
        let items = page["items"].as_array().unwrap();
        assert!(items.len() <= 2);
        seen.extend(items.iter().map(|p| p["id"].clone()));
        match page["next"].as_str() {
            Some(next) => path = format!("{progs}?limit=2&next={next}"),
            None => break,
        }
    }
    assert_eq!(seen, whole, "three pages, every programme once, in order");
    let (_, first) = get(&server, "/api/v1/meetings?limit=1", &t.my_analyst).await;
    assert_eq!(first["next"], Value::Null, "no meetings: one empty page");
    for bad in [format!("{progs}?next=bm9wZQ"), format!("{progs}?next=***"), format!("{progs}?limit=0")] {
        let (status, body) = get(&server, &bad, &t.my_analyst).await;
        assert_eq!((status, body["error"].as_str()), (400, Some("bad_request")), "{bad}: {body}");
    }
    let (status, big) = get(&server, &format!("{progs}?limit=1000000"), &t.my_analyst).await;
    assert_eq!((status, big["items"].as_array().unwrap().len()), (200, 5));
    for list in [
        "/api/v1/capacity/needs",
        "/api/v1/norms/assessments?norm=g",
        "/api/v1/decisions?overdue=true",
        "/api/v1/norms",
    ] {
        let sep = if list.contains('?') { '&' } else { '?' };
        let (status, body) = get(&server, &format!("{list}{sep}limit=1"), &t.my_analyst).await;
        assert_eq!(status, 200, "{list}: {body}");
    }
    let (_, norms) = get(&server, "/api/v1/norms?limit=4", &t.my_analyst).await;
    assert_eq!((norms["items"].as_array().unwrap().len(), norms["next"].is_string()), (4, true));
    server.stop().await;
}
