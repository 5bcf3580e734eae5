//! Federation bookkeeping: cursors, per-peer rounds and refusals, origins.

use crate::federation::{
    Direction, Federation, MAX_REFUSALS_KEPT, MAX_REFUSALS_PER_ROUND, OriginRow, PeerRefusalRow, PeerRoundRow,
};

const C1: &str = "11111111-1111-4111-8111-111111111111";

fn refusal(n: usize) -> PeerRefusalRow {
    PeerRefusalRow {
        peer: "hub".into(),
        at_us: 10,
        direction: "pull".into(),
        object_id: format!("indicator--00000000-0000-4000-8000-{n:012}"),
        version: "2024-01-01T00:00:00.000Z".into(),
        reason: format!("reason {n}"),
    }
}

/// Cursors are per peer, collection and direction, and replaced in place.
pub async fn federation_cursors<S: Federation>(store: S) {
    assert_eq!(store.peer_cursor("hub", C1, Direction::Pull).await.unwrap(), None);
    store.set_peer_cursor("hub", C1, Direction::Pull, 5, 100).await.unwrap();
    store.set_peer_cursor("hub", C1, Direction::Push, 7, 100).await.unwrap();
    store.set_peer_cursor("my", C1, Direction::Pull, 9, 100).await.unwrap();
    store.set_peer_cursor("hub", C1, Direction::Pull, 6, 101).await.unwrap();
    assert_eq!(store.peer_cursor("hub", C1, Direction::Pull).await.unwrap(), Some(6));
    assert_eq!(store.peer_cursor("hub", C1, Direction::Push).await.unwrap(), Some(7));
    assert_eq!(store.peer_cursor("my", C1, Direction::Pull).await.unwrap(), Some(9));
    assert_eq!(store.peer_cursor("my", C1, Direction::Push).await.unwrap(), None);
    let all: Vec<(String, String, i64, i64)> = store
        .peer_cursors()
        .await
        .unwrap()
        .into_iter()
        .map(|c| (c.peer, c.direction, c.cursor_us, c.updated_us))
        .collect();
    let want = [("hub", "pull", 6, 101), ("hub", "push", 7, 100), ("my", "pull", 9, 100)];
    let want: Vec<(String, String, i64, i64)> =
        want.iter().map(|(p, d, c, u)| (p.to_string(), d.to_string(), *c, *u)).collect();
    assert_eq!(all, want, "every cursor, by peer, collection and direction");

    // Forgetting: one direction of one collection, then the rest of a peer; others stay.
    assert_eq!(store.forget_peer_cursors("hub", Some(C1), Some(Direction::Push)).await.unwrap(), 1);
    assert_eq!(store.peer_cursor("hub", C1, Direction::Push).await.unwrap(), None);
    assert_eq!(store.peer_cursor("hub", C1, Direction::Pull).await.unwrap(), Some(6));
    assert_eq!(store.forget_peer_cursors("hub", Some("other"), None).await.unwrap(), 0);
    assert_eq!(store.forget_peer_cursors("hub", None, None).await.unwrap(), 1);
    assert_eq!(store.peer_cursor("hub", C1, Direction::Pull).await.unwrap(), None);
    assert_eq!(store.peer_cursor("my", C1, Direction::Pull).await.unwrap(), Some(9));
}

/// Rounds add up; a success keeps the last error; refusals are newest first and pruned.
pub async fn federation_rounds_and_refusals<S: Federation>(store: S) {
    let failed = PeerRoundRow {
        peer: "hub".into(),
        at_us: 1_000,
        error: Some("connection refused".into()),
        ..PeerRoundRow::default()
    };
    store.record_peer_round(&failed).await.unwrap();
    let ok = PeerRoundRow {
        peer: "hub".into(),
        at_us: 2_000,
        error: None,
        sent: 3,
        received: 4,
        refused: 2,
        skipped: 1,
        lag_us: Some(0),
        refusals: vec![refusal(1), refusal(2)],
    };
    store.record_peer_round(&ok).await.unwrap();
    store.record_peer_round(&PeerRoundRow { at_us: 3_000, ..ok.clone() }).await.unwrap();
    let states = store.peer_states().await.unwrap();
    assert_eq!(states.len(), 1);
    let hub = &states[0];
    assert_eq!((hub.rounds, hub.last_attempt_us, hub.last_success_us), (3, 3_000, Some(3_000)));
    assert_eq!((hub.last_error.as_deref(), hub.last_error_us), (Some("connection refused"), Some(1_000)));
    assert_eq!((hub.sent_total, hub.received_total, hub.refused_total, hub.skipped_total), (6, 8, 4, 2));
    let refusals = store.peer_refusals("hub", 3).await.unwrap();
    let reasons: Vec<&str> = refusals.iter().map(|r| r.reason.as_str()).collect();
    assert_eq!(reasons, ["reason 2", "reason 1", "reason 2"], "newest first, at most the limit");
    assert!(store.peer_refusals("other", 10).await.unwrap().is_empty());

    let too_many = PeerRoundRow { refusals: vec![refusal(0); MAX_REFUSALS_PER_ROUND + 1], ..ok.clone() };
    assert!(store.record_peer_round(&too_many).await.is_err(), "over MAX_REFUSALS_PER_ROUND");
    let full = PeerRoundRow { refusals: (0..MAX_REFUSALS_PER_ROUND).map(refusal).collect(), ..ok };
    store.record_peer_round(&full).await.unwrap();
    store.record_peer_round(&full).await.unwrap();
    let kept = store.peer_refusals("hub", usize::MAX).await.unwrap();
    assert_eq!(kept.len(), MAX_REFUSALS_KEPT, "pruned to the newest MAX_REFUSALS_KEPT");
    assert_eq!(kept[0].reason, format!("reason {}", MAX_REFUSALS_PER_ROUND - 1));
}

/// An origin is recorded once per version and owner: the first peer stays.
pub async fn federation_origins<S: Federation>(store: S) {
    let id = "indicator--00000000-0000-4000-8000-000000000001";
    let row = |version_us: i64, peer: &str| OriginRow {
        id: id.into(),
        version_us,
        owner: "identity--sg".into(),
        peer: peer.into(),
        received_us: version_us + 1,
    };
    store.record_origins(&[row(2, "hub"), row(1, "hub")]).await.unwrap();
    store.record_origins(&[row(2, "my"), row(3, "my")]).await.unwrap();
    store.record_origins(&[]).await.unwrap();
    let origins = store.origins(id).await.unwrap();
    let got: Vec<(i64, &str)> = origins.iter().map(|o| (o.version_us, o.peer.as_str())).collect();
    assert_eq!(got, [(1, "hub"), (2, "hub"), (3, "my")]);
    assert!(store.origins("indicator--other").await.unwrap().is_empty());
}
