//! The background loop of `selat serve`: one task per peer, so a peer that is down slows no
//! other. After a round that caught up, a task waits the sync interval (shortened by up to 20 %
//! at random, so nodes started together do not keep hitting the hub together) or until the node stores new
//! objects, whichever comes first: the near-real-time path, so a push lags by the round's own
//! time, not by the interval. After a failed round it backs off exponentially (jittered, up to
//! [`MAX_BACKOFF`]) and ignores wake-ups until a round succeeds. A round that stopped at its
//! bound (more to do) is followed by the next at once. An operator's request for a round
//! ([`super::NodeFederation::request_round`], `POST /api/v1/peers/{name}/sync`) cuts any wait
//! short, back-off included: the operator says the peer is back.

use std::sync::Arc;
use std::time::Duration;

use tokio::task::JoinHandle;

use super::config::FederationConfig;
use super::engine::run_round;
use crate::node::Node;

/// Longest wait after failed rounds.
pub const MAX_BACKOFF: Duration = Duration::from_secs(300);

/// Starts one loop per configured peer. The loops run until the handles are aborted (or the
/// runtime ends).
pub fn spawn(node: Arc<Node>, config: Arc<FederationConfig>) -> Vec<JoinHandle<()>> {
    config
        .peers
        .iter()
        .map(|peer| tokio::spawn(peer_loop(node.clone(), config.clone(), peer.name.clone())))
        .collect()
}

async fn peer_loop(node: Arc<Node>, config: Arc<FederationConfig>, peer: String) {
    let mut stored = node.federation().stored_signal();
    let requested = node.federation().round_requests(&peer);
    let interval = Duration::from_secs(config.sync_interval_s);
    let mut failures: u32 = 0;
    loop {
        // Changes until now are covered by the round about to start.
        stored.mark_unchanged();
        let (ok, caught_up) = match run_round(&node, &config, Some(&peer)).await {
            Ok(report) => report.peers.first().map_or((true, true), |p| (p.error.is_none(), p.caught_up)),
            Err(e) => {
                tracing::error!(peer = %peer, error = %e, "federation round could not run");
                (false, false)
            }
        };
        failures = if ok { 0 } else { failures.saturating_add(1) };
        if ok && !caught_up {
            continue;
        }
        let delay = if ok {
            spread(interval, random_unit())
        } else {
            jittered(backoff(interval, failures), random_unit())
        };
        if ok {
            tokio::select! {
                () = tokio::time::sleep(delay) => {}
                () = requested.notified() => {}
                changed = stored.changed() => if changed.is_err() { return },
            }
        } else {
            tokio::select! {
                () = tokio::time::sleep(delay) => {}
                () = requested.notified() => failures = 0,
            }
        }
    }
}

/// The wait after `failures` failed rounds in a row: the interval doubled per failure, at most
/// [`MAX_BACKOFF`] (and never less than the interval).
pub fn backoff(interval: Duration, failures: u32) -> Duration {
    let factor = 2u32.saturating_pow(failures.min(16));
    interval.saturating_mul(factor).min(MAX_BACKOFF.max(interval))
}

/// The interval shortened by up to a fifth (`unit` in `0.0..=1.0`): nodes started together
/// drift apart, and a pull link's lag stays within the interval (DESIGN's target is the poll
/// interval + 1 s), which a longer wait would break.
pub fn spread(interval: Duration, unit: f64) -> Duration {
    interval.mul_f64(0.8 + 0.2 * unit.clamp(0.0, 1.0))
}

/// A back-off `delay` scaled by a factor between 0.8 and 1.2 (`unit` in `0.0..=1.0`).
pub fn jittered(delay: Duration, unit: f64) -> Duration {
    delay.mul_f64(0.8 + 0.4 * unit.clamp(0.0, 1.0))
}

fn random_unit() -> f64 {
    let mut bytes = [0u8; 4];
    // Jitter needs no strong randomness; without the OS source the delay is simply not spread.
    if getrandom::fill(&mut bytes).is_err() {
        return 0.5;
    }
    f64::from(u32::from_le_bytes(bytes)) / f64::from(u32::MAX)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn backoff_doubles_up_to_the_cap() {
        let s = Duration::from_secs;
        let cases = [(0, 5), (1, 10), (2, 20), (5, 160), (6, 300), (40, 300)];
        for (failures, want) in cases {
            assert_eq!(backoff(s(5), failures), s(want), "{failures} failures");
        }
        assert_eq!(backoff(s(600), 3), s(600), "never below the interval");
    }

    #[test]
    fn the_interval_is_spread_but_never_lengthened() {
        let d = Duration::from_secs(10);
        assert_eq!(spread(d, 0.0), Duration::from_secs(8));
        assert_eq!(spread(d, 1.0), Duration::from_secs(10));
        assert_eq!(spread(d, 9.0), Duration::from_secs(10));
    }

    #[test]
    fn jitter_stays_within_a_fifth() {
        let d = Duration::from_secs(10);
        assert_eq!(jittered(d, 0.0), Duration::from_secs(8));
        assert_eq!(jittered(d, 1.0), Duration::from_secs(12));
        assert_eq!(jittered(d, 7.0), Duration::from_secs(12));
    }
}
