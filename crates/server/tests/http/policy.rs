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
