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

use std::sync::{Arc, RwLock};

use tokio::sync::watch;

pub use config::{ConfigError, FederationConfig, HostPatterns, PeerConfig};
pub use engine::{PeerReport, RoundReport, run_round};

/// What a node knows of federation while it runs: the configuration in force and the signal
/// that it stored new objects (which wakes the pushers).
#[derive(Debug)]
pub struct NodeFederation {
    config: RwLock<Option<Arc<FederationConfig>>>,
    stored: watch::Sender<u64>,
}

impl Default for NodeFederation {
    fn default() -> Self {
        Self { config: RwLock::new(None), stored: watch::Sender::new(0) }
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
}
