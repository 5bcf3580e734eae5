//! Federation (issue 9): national nodes and the regional hub exchange what the markings allow,
//! over TAXII 2.1 (DESIGN.md "TAXII 2.1 and federation, the details that peers get wrong").
//!
//! - [`config`]: the `[[peers]]` of the configuration file, checked with every problem named.
//! - [`rules`]: the pure decisions, one function each: may this object leave for this peer
//!   ([`rules::may_leave`]); may this object received from a peer be stored, and under which
//!   owner ([`rules::accept_pulled`]).
//! - [`engine`]: one round with a peer: pull (a cursor on the peer's `date_added` per collection,
//!   idempotent upserts, origins recorded, bad objects set aside with their reasons) and push
//!   (our `date_added` cursor, each object confirmed by the peer's status resource).
//! - [`status`]: each peer as an operator sees it (configuration and totals).
//! - [`worker`]: the background loop of `selat serve`: one task per peer, interval with jitter,
//!   exponential back-off after failures, woken when the node stores objects.
//!
//! What a round did is kept in the store ([`selat_store::Federation`]), so `selat sync`, the
//! server's `/api/v1/peers` and `/metrics` read the same totals.

pub mod config;
pub mod engine;
pub mod rules;
pub mod status;
pub mod worker;

use std::collections::HashMap;
use std::sync::{Arc, Mutex, RwLock};

use tokio::sync::{Notify, watch};

pub use config::{ConfigError, FederationConfig, HostPatterns, PeerConfig};
pub use engine::{PeerReport, RoundReport, run_round};

/// What a node knows of federation while it runs: the configuration in force, the signal
/// that it stored new objects (which wakes the pushers) and the operators' requests for a round
/// now, per peer.
#[derive(Debug)]
pub struct NodeFederation {
    config: RwLock<Option<Arc<FederationConfig>>>,
    stored: watch::Sender<u64>,
    requested: Mutex<HashMap<String, Arc<Notify>>>,
}

impl Default for NodeFederation {
    fn default() -> Self {
        Self { config: RwLock::new(None), stored: watch::Sender::new(0), requested: Mutex::default() }
    }
}

impl NodeFederation {
    /// The configuration in force (`None`: a node without `[[peers]]` or `hosts`).
    pub fn config(&self) -> Option<Arc<FederationConfig>> {
        self.config.read().ok().and_then(|c| c.clone())
    }

    /// Puts a (checked) configuration in force.
    pub fn set_config(&self, config: FederationConfig) {
        if let Ok(mut current) = self.config.write() {
            *current = Some(Arc::new(config));
        }
    }

    /// Says the node stored new objects: every pusher wakes (changes coalesce, so a burst of
    /// stores is one wake-up, not a queue).
    pub fn notify_stored(&self) {
        self.stored.send_modify(|n| *n = n.wrapping_add(1));
    }

    /// A receiver that sees [`NodeFederation::notify_stored`].
    pub fn stored_signal(&self) -> watch::Receiver<u64> {
        self.stored.subscribe()
    }

    /// Asks the background loop of a configured peer for a round now, cutting short its wait
    /// or back-off (a request made during a round runs one more right after it; requests
    /// coalesce). False when no such peer is configured.
    pub fn request_round(&self, peer: &str) -> bool {
        if self.config().is_none_or(|c| c.peer(peer).is_none()) {
            return false;
        }
        self.round_requests(peer).notify_one();
        true
    }

    /// What the loop of `peer` waits on besides its timer (see [`NodeFederation::request_round`]).
    pub fn round_requests(&self, peer: &str) -> Arc<Notify> {
        let mut requested = self.requested.lock().unwrap_or_else(std::sync::PoisonError::into_inner);
        requested.entry(peer.to_owned()).or_default().clone()
    }
}
