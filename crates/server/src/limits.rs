//! Every limit of the HTTP surface, configurable where an operator would want it (DESIGN.md
//! "Reliability and security": 100 MB per body, 10,000 objects per POST, 1,000 objects per page).

use selat_core::submissions::{DEFAULT_MAX_OBJECTS_PER_POST, DEFAULT_QUEUE_DEPTH, SubmissionLimits};
use serde::Deserialize;

/// Largest request body by default; advertised as the API root's `max_content_length`.
pub const DEFAULT_MAX_BODY_BYTES: u64 = 100 * 1000 * 1000;
/// Objects (or manifest records, or versions) per page by default.
pub const DEFAULT_PAGE_SIZE: usize = 1000;
/// Most bytes read and thrown away after a body passed the limit, so that the client sees the 413
/// instead of a reset connection; a body declared larger than limit + this is not read at all.
pub const MAX_DRAIN_BYTES: u64 = 16 * 1024 * 1024;
/// `Retry-After` of a 503 when the submission queue is full, in seconds.
pub const RETRY_AFTER_SECS: u64 = 2;

/// The configurable limits; `Default` is what a node runs with.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct Limits {
    /// Largest request body in bytes (413 beyond it).
    pub max_body_bytes: u64,
    /// Items per page when the client asks for more or for no `limit`; at most
    /// [`selat_store::MAX_PAGE_LIMIT`].
    pub page_size: usize,
    /// Add Objects requests waiting for the worker; past it a POST gets 503 with `Retry-After`.
    pub queue_depth: usize,
    /// Objects in one POST (422 beyond it).
    pub max_objects_per_post: u64,
    /// Failed logins in a row that lock an account.
    pub max_failed_logins: u32,
    /// How long a locked account stays locked, in seconds.
    pub lockout_secs: u64,
}

impl Default for Limits {
    fn default() -> Self {
        Self {
            max_body_bytes: DEFAULT_MAX_BODY_BYTES,
            page_size: DEFAULT_PAGE_SIZE,
            queue_depth: DEFAULT_QUEUE_DEPTH,
            max_objects_per_post: DEFAULT_MAX_OBJECTS_PER_POST,
            max_failed_logins: selat_core::accounts::DEFAULT_MAX_FAILED_LOGINS,
            lockout_secs: selat_core::accounts::DEFAULT_LOCKOUT_SECS,
        }
    }
}

impl Limits {
    /// The same limits with every value brought into its valid range.
    pub fn clamped(self) -> Self {
        Self {
            max_body_bytes: self.max_body_bytes.max(1),
            page_size: self.page_size.clamp(1, selat_store::MAX_PAGE_LIMIT),
            queue_depth: self.queue_depth.max(1),
            max_objects_per_post: self.max_objects_per_post.max(1),
            max_failed_logins: self.max_failed_logins.max(1),
            lockout_secs: self.lockout_secs,
        }
    }

    /// What the submission worker applies to each request.
    pub fn submission(&self) -> SubmissionLimits {
        SubmissionLimits { max_objects: self.max_objects_per_post, ..SubmissionLimits::default() }
    }
}
