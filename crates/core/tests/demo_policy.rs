//! What `selat serve --demo` shows at policy level: the eleven norms with assessments by several
//! states over two periods, the AMCC of 2016 with its six decisions and their status, and
//! programmes and needs with at least one gap and one overlap.

use selat_core::coordination::meetings::{DecisionFilter, DecisionStatus};
use selat_core::coordination::norms::NORMS;
use selat_core::demo;
use selat_core::node::Node;
use selat_core::org::{Principal, Role};

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn demo_region_shows_norms_capacity_and_decisions() {
    let dir = tempfile::tempdir().unwrap();
    let node = Node::open(dir.path()).await.unwrap();
    demo::seed(&node, "http://127.0.0.1:8470/").await.unwrap().expect("a fresh node seeds");
    let org = node.organisation("MY").await.unwrap().unwrap();
    let my = Principal { org, role: Role::Analyst, username: None, token_id: None };

    assert_eq!(NORMS.len(), 11);
    let matrix = node.norm_matrix(&my, None).await.unwrap();
    assert_eq!(matrix.rows.len(), 11);
    let reporting = matrix.rows.iter().filter(|r| r.cells.iter().any(|c| c.status.is_some())).count();
    assert!(reporting >= 6, "{reporting} states report");
    let progress = node.norm_progress(&my, "2025", "2026").await.unwrap();
    assert!(progress.states.iter().any(|s| s.implemented_to > s.implemented_from), "{progress:?}");
    assert!(
        progress.states.iter().all(|s| s.implemented_to >= s.implemented_from),
        "never worse: {progress:?}"
    );
    assert!(progress.states.iter().filter(|s| s.norms.iter().any(|n| n.from.is_some())).count() >= 6);

    let meetings = node.meetings(&my).await.unwrap();
    let amcc = meetings.iter().find(|m| m.series == "AMCC" && m.date == "2016-10-11").unwrap();
    assert_eq!(amcc.participating_states.len(), 10, "ten states in 2016");
    let filter = DecisionFilter { meeting: Some(amcc.id.clone()), ..DecisionFilter::default() };
    let decisions = node.decisions(&my, &filter).await.unwrap();
    assert_eq!(decisions.len(), 6);
    let telmin = &decisions[3];
    assert_eq!((telmin.owner.as_deref(), telmin.owner_kind.as_deref()), (Some("TELMIN"), Some("body")));
    assert_eq!(telmin.status, DecisionStatus::Closed, "closed by the TELMIN decision");
    assert!(telmin.closed_by.is_some());
    assert_eq!(decisions[4].status, DecisionStatus::CarriedOver);
    assert_eq!(decisions[5].status, DecisionStatus::Closed);
    let overdue = DecisionFilter { overdue: Some(true), ..DecisionFilter::default() };
    assert!(!node.decisions(&my, &overdue).await.unwrap().is_empty());

    assert_eq!(node.programmes(&my).await.unwrap().len(), 5);
    let gaps = node.capacity_gaps(&my).await.unwrap();
    assert_eq!(gaps.len(), 3, "{gaps:?}");
    let overlaps = node.capacity_overlaps(&my).await.unwrap();
    assert_eq!(overlaps.len(), 1, "{overlaps:?}");
    assert_eq!(overlaps[0].states, ["KH", "LA", "MM", "TL"]);
}
