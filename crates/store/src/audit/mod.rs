//! The audit log's rows and the [`AuditLog`] trait: append-only entries, appended in batches, each
//! batch sealed by a hash over the previous batch's hash and its own entries.
//!
//! The store keeps the chain consistent (one append at a time, `seq` and batch numbers without
//! gaps, the previous hash read inside the appending transaction); what the hash *is* belongs to
//! the caller (`selat-core`'s `audit`), which hands in a [`Seal`] and recomputes the chain to
//! verify it. Nothing here updates or deletes a row.

use std::future::Future;

use crate::error::Result;

/// Most entries in one appended batch; a caller with more appends several batches.
pub const MAX_AUDIT_BATCH_LEN: usize = 1_024;
/// Most rows one audit read returns.
pub const MAX_AUDIT_PAGE: usize = 10_000;
/// The `prev_hash` of the first batch: 64 zeros, the hex of an all-zero SHA-256.
pub const GENESIS_HASH: &str = "0000000000000000000000000000000000000000000000000000000000000000";

/// An entry on its way in; the store gives it its `seq`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NewAuditEntry {
    /// When it happened, microseconds since the Unix epoch.
    pub at_us: i64,
    /// The short name of the acting organisation; `None` for anonymous callers and the operator.
    pub actor_org: Option<String>,
    /// Who acted, e.g. `SG/analyst alice`, `anonymous`, `operator`.
    pub actor: String,
    /// What was done, dotted: `taxii.objects.read`, `admin.user.create`, `auth.failure`.
    pub operation: String,
    /// The organisations whose objects or records the entry concerns, comma-separated (what an
    /// org-admin filters on); `None` when only hub-admins may see it.
    pub subject_orgs: Option<String>,
    /// The query, the arguments or the failure reason. Never a secret.
    pub detail: String,
    /// Objects or records concerned.
    pub count: i64,
    /// SHA-256 (hex) of the ids returned, for reads.
    pub ids_hash: Option<String>,
    /// `ok`, `denied` or `failed`.
    pub outcome: String,
}

/// A stored entry.
#[derive(Debug, Clone, PartialEq, Eq, sqlx::FromRow)]
pub struct AuditRow {
    /// Position in the log: 1, 2, 3, … without gaps.
    pub seq: i64,
    pub at_us: i64,
    pub actor_org: Option<String>,
    pub actor: String,
    pub operation: String,
    pub subject_orgs: Option<String>,
    pub detail: String,
    pub count: i64,
    pub ids_hash: Option<String>,
    pub outcome: String,
}

impl AuditRow {
    /// The stored row of `entry` at `seq`.
    pub fn new(seq: i64, entry: NewAuditEntry) -> Self {
        AuditRow {
            seq,
            at_us: entry.at_us,
            actor_org: entry.actor_org,
            actor: entry.actor,
            operation: entry.operation,
            subject_orgs: entry.subject_orgs,
            detail: entry.detail,
            count: entry.count,
            ids_hash: entry.ids_hash,
            outcome: entry.outcome,
        }
    }
}

/// A batch: the seal over entries `first_seq..=last_seq`.
#[derive(Debug, Clone, PartialEq, Eq, sqlx::FromRow)]
pub struct AuditBatchRow {
    /// 1, 2, 3, … without gaps.
    pub batch: i64,
    pub first_seq: i64,
    pub last_seq: i64,
    pub sealed_us: i64,
    /// The previous batch's `hash`, or [`GENESIS_HASH`] for the first.
    pub prev_hash: String,
    /// What the [`Seal`] made of `prev_hash` and the batch's entries.
    pub hash: String,
}

/// Computes a batch's hash from the previous hash and the batch's entries in `seq` order. Called
/// inside the appending transaction, so it must be quick and must not block.
pub type Seal = fn(prev_hash: &str, entries: &[AuditRow]) -> String;

/// Which entries to read, oldest first.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct AuditQuery {
    /// Only entries whose subject organisations include this short name.
    pub org: Option<String>,
    /// Only entries at or after this time (microseconds).
    pub since_us: Option<i64>,
    /// Only entries of exactly this operation.
    pub operation: Option<String>,
    /// Only entries after this `seq` (keyset paging).
    pub after: Option<i64>,
    /// Most entries, 1..=[`MAX_AUDIT_PAGE`] (larger is clamped, 0 reads as 1).
    pub limit: usize,
}

impl AuditQuery {
    /// The limit the store applies.
    pub fn clamped_limit(&self) -> i64 {
        self.limit.clamp(1, MAX_AUDIT_PAGE) as i64
    }
}

/// The audit log of a store.
pub trait AuditLog: Send + Sync {
    /// Appends `entries` (at most [`MAX_AUDIT_BATCH_LEN`], at least one) as one batch, in one
    /// transaction: numbers them after the last batch, seals them with `seal` over the last
    /// batch's hash, and stores entries and batch row together. Appends from several processes
    /// are serialised, so the chain never forks.
    fn append_audit(
        &self,
        entries: Vec<NewAuditEntry>,
        seal: Seal,
    ) -> impl Future<Output = Result<AuditBatchRow>> + Send;

    /// Entries matching `query`, by `seq`.
    fn audit_entries(&self, query: &AuditQuery) -> impl Future<Output = Result<Vec<AuditRow>>> + Send;

    /// Entries with `first_seq <= seq <= last_seq`, by `seq`, at most [`MAX_AUDIT_PAGE`].
    fn audit_range(
        &self,
        first_seq: i64,
        last_seq: i64,
    ) -> impl Future<Output = Result<Vec<AuditRow>>> + Send;

    /// Batches after `after` (a batch number), by number, at most `limit` (≤ [`MAX_AUDIT_PAGE`]).
    fn audit_batches(
        &self,
        after: i64,
        limit: usize,
    ) -> impl Future<Output = Result<Vec<AuditBatchRow>>> + Send;

    /// How many entries there are and the highest `seq` (0 when empty): what a verifier compares
    /// with the last batch to find entries no batch seals.
    fn audit_extent(&self) -> impl Future<Output = Result<(i64, i64)>> + Send;
}
