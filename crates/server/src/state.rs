//! What every handler shares.

use std::sync::Arc;

use selat_core::node::Node;
use selat_core::submissions::SubmissionQueue;

use crate::limits::Limits;
use crate::metrics::Metrics;

/// The state behind [`crate::app`]: the node, the submission queue, the cursor key, the limits
/// and the metrics. Cheap to clone.
#[derive(Clone)]
pub struct AppState {
    inner: Arc<Shared>,
}

struct Shared {
    node: Arc<Node>,
    queue: SubmissionQueue,
    cursor_key: Vec<u8>,
    limits: Limits,
    metrics: Metrics,
    /// The web UI's sessions.
    sessions: crate::web::session::Sessions,
    /// Served over TLS: session cookies are `Secure`.
    tls: std::sync::atomic::AtomicBool,
}

impl AppState {
    /// `cursor_key` signs `next` cursors: pass `node.secret("cursor")` so that cursors survive
    /// restarts.
    pub fn new(node: Arc<Node>, queue: SubmissionQueue, cursor_key: Vec<u8>, limits: Limits) -> Self {
        let shared = Shared {
            node,
            queue,
            cursor_key,
            limits: limits.clamped(),
            metrics: Metrics::default(),
            sessions: Default::default(),
            tls: Default::default(),
        };
        Self { inner: Arc::new(shared) }
    }

    pub fn node(&self) -> &Node {
        &self.inner.node
    }

    pub fn queue(&self) -> &SubmissionQueue {
        &self.inner.queue
    }

    pub fn cursor_key(&self) -> &[u8] {
        &self.inner.cursor_key
    }

    pub fn limits(&self) -> &Limits {
        &self.inner.limits
    }

    pub(crate) fn metrics(&self) -> &Metrics {
        &self.inner.metrics
    }

    pub(crate) fn sessions(&self) -> &crate::web::session::Sessions {
        &self.inner.sessions
    }

    /// Whether the server is served over TLS (set by [`crate::Application`]).
    pub fn serves_tls(&self) -> bool {
        self.inner.tls.load(std::sync::atomic::Ordering::Relaxed)
    }

    pub fn set_serves_tls(&self, tls: bool) {
        self.inner.tls.store(tls, std::sync::atomic::Ordering::Relaxed);
    }
}
