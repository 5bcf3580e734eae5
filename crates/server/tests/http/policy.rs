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
