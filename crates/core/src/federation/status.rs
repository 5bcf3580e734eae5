//! What an operator sees of each peer: its configuration (never the token) beside the totals
//! the rounds recorded (`GET /api/v1/peers`, `/metrics`); and what an operator does to a link
//! besides asking for a round ([`super::NodeFederation::request_round`]): reset its cursors.

use selat_store::{Direction, Federation, PeerStateRow};
use serde::Serialize;

use crate::node::{Node, NodeError};

/// Refusals listed with each peer.
pub const PEER_REFUSALS_SHOWN: usize = 20;

/// One peer, as listed.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct PeerRecord {
    pub name: String,
    /// The API root (`None`: no longer configured, known from earlier rounds).
    pub url: Option<String>,
    pub configured: bool,
    pub pull: Vec<String>,
    pub push: Vec<String>,
    pub hosts: Vec<String>,
    pub rounds: i64,
    /// RFC 3339 times.
    pub last_attempt: Option<String>,
    pub last_success: Option<String>,
    pub last_error: Option<String>,
    pub last_error_at: Option<String>,
    /// How far behind the last round left the link, in milliseconds.
    pub lag_ms: Option<i64>,
    pub sent: i64,
    pub received: i64,
    pub refused: i64,
    pub skipped: i64,
    /// The latest refusals, newest first.
    pub refusals: Vec<RefusalRecord>,
}

/// A refused object version and why.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct RefusalRecord {
    pub at: String,
    /// `pull`: this node refused it; `push`: the peer did.
    pub direction: String,
    pub object_id: String,
    pub version: String,
    pub reason: String,
}

fn time(us: i64) -> String {
    selat_taxii::format_timestamp(us)
}

impl Node {
    /// Forgets the cursors of `peer` (of one collection, or all; one direction, or both), so the
    /// next round runs those links from the beginning: everything is offered or fetched again,
    /// and what the other side holds already is a no-op there. For a peer restored from an
    /// older backup, or for objects refused before a registration that now lets them pass.
    /// Audited; returns how many cursors were forgotten.
    pub async fn reset_peer_cursors(
        &self,
        peer: &str,
        collection: Option<&str>,
        direction: Option<Direction>,
    ) -> Result<u64, NodeError> {
        let forgotten = self.store.forget_peer_cursors(peer, collection, direction).await?;
        let detail = format!(
            "peer {peer}: {forgotten} cursors forgotten (collection {}, direction {})",
            collection.unwrap_or("all"),
            direction.map_or("both", Direction::as_str)
        );
        let entry = crate::audit::AuditEntry::admin(None, "federation.cursor.reset", detail, None);
        self.audit().record(entry).await;
        Ok(forgotten)
    }

    /// Every configured peer, then every peer known only from earlier rounds, with their totals.
    pub async fn peer_records(&self) -> Result<Vec<PeerRecord>, NodeError> {
        let states = self.store.peer_states().await?;
        let config = self.federation().config();
        let configured = config.as_ref().map(|c| c.peers.as_slice()).unwrap_or_default();
        let mut records = Vec::new();
        for peer in configured {
            let state = states.iter().find(|s| s.peer == peer.name);
            let mut record = self.peer_record(&peer.name, state).await?;
            record.url = Some(peer.url.clone());
            record.configured = true;
            record.pull = peer.pull.clone();
            record.push = peer.push.clone();
            record.hosts = peer.hosts.patterns().to_vec();
            records.push(record);
        }
        for state in states.iter().filter(|s| !configured.iter().any(|p| p.name == s.peer)) {
            records.push(self.peer_record(&state.peer, Some(state)).await?);
        }
        Ok(records)
    }

    async fn peer_record(&self, name: &str, state: Option<&PeerStateRow>) -> Result<PeerRecord, NodeError> {
        let refusals = match state {
            Some(_) => self.store.peer_refusals(name, PEER_REFUSALS_SHOWN).await?,
            None => Vec::new(),
        };
        Ok(PeerRecord {
            name: name.to_owned(),
            url: None,
            configured: false,
            pull: Vec::new(),
            push: Vec::new(),
            hosts: Vec::new(),
            rounds: state.map_or(0, |s| s.rounds),
            last_attempt: state.map(|s| time(s.last_attempt_us)),
            last_success: state.and_then(|s| s.last_success_us).map(time),
            last_error: state.and_then(|s| s.last_error.clone()),
            last_error_at: state.and_then(|s| s.last_error_us).map(time),
            lag_ms: state.and_then(|s| s.lag_us).map(|us| us / 1000),
            sent: state.map_or(0, |s| s.sent_total),
            received: state.map_or(0, |s| s.received_total),
            refused: state.map_or(0, |s| s.refused_total),
            skipped: state.map_or(0, |s| s.skipped_total),
            refusals: refusals
                .into_iter()
                .map(|r| RefusalRecord {
                    at: time(r.at_us),
                    direction: r.direction,
                    object_id: r.object_id,
                    version: r.version,
                    reason: r.reason,
                })
                .collect(),
        })
    }
}
