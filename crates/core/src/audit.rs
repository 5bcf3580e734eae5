//! The audit log (DESIGN.md "Organisations and the access policy"): one entry per write, admin
//! action, authentication failure, and per read request that returns AMBER, AMBER+STRICT or RED
//! material, kept append-only in the store and chained in batches so that tampering shows.
//!
//! # Recording
//! [`Auditor::record`] puts an [`AuditEntry`] on a bounded channel ([`AUDIT_QUEUE_DEPTH`]) and
//! returns: it never waits for the database. One background task per node collects entries and
//! appends them as one batch (one transaction, one multi-row insert) when
//! [`AUDIT_BATCH_ENTRIES`] are pending or [`AUDIT_FLUSH_INTERVAL`] has passed. Only when the
//! channel is full — the database has fallen behind by thousands of entries — does `record`
//! wait for room: back-pressure rather than a lost entry. [`Auditor::flush`] writes everything
//! recorded before it and says whether that worked; call it before a process exits (the CLI does
//! after every command) and in tests. A batch that fails to append stays pending and is retried
//! at the next tick.
//!
//! # The chain
//! Batch `n` stores `prev_hash` (batch `n-1`'s hash, [`GENESIS_HASH`] for the first) and
//! `hash = SHA-256("selat-audit-v1\n" ‖ prev_hash ‖ encode(e) for each entry e in seq order)`,
//! where `encode` writes every field length-prefixed (see [`seal`]). The store numbers entries
//! and batches without gaps and appends one batch at a time, also across processes.
//! [`Auditor::verify`] recomputes the whole chain: an edited entry or batch row changes a hash, a
//! deleted entry leaves a gap in `seq`, a deleted batch a gap in the batch numbers or entries no
//! batch seals. Deleting the newest batches together with their entries leaves a shorter but
//! consistent chain; [`VerifyReport::head_hash`] is what an operator copies elsewhere to catch
//! that too.
//!
//! # Reading
//! [`Auditor::query`]: by subject organisation (what an org-admin may see), time, operation,
//! keyset `after` and limit; the HTTP API and `selat admin audit` decide who may ask for what.

use std::fmt;
use std::sync::Mutex;
use std::time::Duration;

use selat_stix::Timestamp;
use selat_stix::timestamp::now_micros;
use selat_store::audit::{GENESIS_HASH, MAX_AUDIT_BATCH_LEN, MAX_AUDIT_PAGE};
use selat_store::{AuditLog, AuditQuery, AuditRow, Backend, NewAuditEntry};
use serde::Serialize;
use sha2::{Digest, Sha256};
use tokio::sync::{mpsc, oneshot};

use crate::org::Principal;

/// Entries pending that make the writer append a batch at once.
pub const AUDIT_BATCH_ENTRIES: usize = 256;
/// Longest an entry waits before its batch is appended.
pub const AUDIT_FLUSH_INTERVAL: Duration = Duration::from_secs(1);
/// Entries waiting in the channel; past it [`Auditor::record`] waits for room.
pub const AUDIT_QUEUE_DEPTH: usize = 8_192;
/// Entries the writer holds when the store fails; past it it stops taking entries from the
/// channel until an append succeeds, so memory stays bounded and `record` feels the back-pressure.
pub const MAX_AUDIT_PENDING: usize = 65_536;
/// Batches read per step of [`Auditor::verify`].
const VERIFY_BATCHES_PER_READ: usize = 1_000;

const _: () = assert!(AUDIT_BATCH_ENTRIES <= MAX_AUDIT_BATCH_LEN);

/// How an audited action ended.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum AuditOutcome {
    /// Done (or, for a read, answered).
    Ok,
    /// Refused by the access rules.
    Denied,
    /// Attempted and failed (e.g. a bad credential, a store error).
    Failed,
}

impl AuditOutcome {
    pub fn as_str(self) -> &'static str {
        match self {
            AuditOutcome::Ok => "ok",
            AuditOutcome::Denied => "denied",
            AuditOutcome::Failed => "failed",
        }
    }
}

/// One audited request, before it is stored.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AuditEntry {
    pub at_us: i64,
    /// The acting organisation's short name; `None` for anonymous callers and the operator.
    pub actor_org: Option<String>,
    /// [`Principal::label`], `anonymous` or `operator` (the CLI on the node's machine).
    pub actor: String,
    /// Dotted: `taxii.objects.read`, `taxii.objects.add`, `import`, `auth.failure`,
    /// `admin.org.create`, `admin.user.create`, `admin.user.password`, `admin.token.issue`,
    /// `admin.token.revoke`, `federation.sync` (one per round with a peer).
    pub operation: String,
    /// Organisations whose objects or records this concerns (org-admins of these see the entry);
    /// empty = hub-admins only.
    pub subject_orgs: Vec<String>,
    /// The query, arguments or failure reason. Never a password, token or secret.
    pub detail: String,
    pub count: u64,
    /// [`ids_hash`] of the ids a read returned.
    pub ids_hash: Option<String>,
    pub outcome: AuditOutcome,
}

/// The label of an actor that is not a principal: an anonymous caller or the operator.
fn actor_of(principal: Option<&Principal>, nobody: &str) -> (Option<String>, String) {
    match principal {
        Some(p) => (Some(p.org.short_name.clone()), p.label()),
        None => (None, nobody.to_owned()),
    }
}

impl AuditEntry {
    fn new(principal: Option<&Principal>, nobody: &str, operation: &str, detail: String) -> Self {
        let (actor_org, actor) = actor_of(principal, nobody);
        AuditEntry {
            at_us: now_micros(),
            actor_org,
            actor,
            operation: operation.to_owned(),
            subject_orgs: Vec::new(),
            detail,
            count: 0,
            ids_hash: None,
            outcome: AuditOutcome::Ok,
        }
    }

    /// A read request that returned AMBER, AMBER+STRICT or RED material: one entry per request,
    /// not per object. `subject_orgs` are the organisations whose objects were returned (their
    /// org-admins see the entry); `ids_hash` is [`ids_hash`] of the returned ids.
    pub fn read(
        viewer: Option<&Principal>,
        operation: &str,
        query: impl Into<String>,
        count: u64,
        ids_hash: Option<String>,
        subject_orgs: &[String],
    ) -> Self {
        let mut entry = Self::new(viewer, "anonymous", operation, query.into());
        entry.count = count;
        entry.ids_hash = ids_hash;
        entry.subject_orgs = sorted_unique(subject_orgs);
        entry
    }

    /// A write by `writer` (None: the operator, e.g. `selat import`) of `count` objects owned by
    /// `subject_org`.
    pub fn write(
        writer: Option<&Principal>,
        operation: &str,
        detail: impl Into<String>,
        count: u64,
        subject_org: Option<&str>,
    ) -> Self {
        let mut entry = Self::new(writer, "operator", operation, detail.into());
        entry.count = count;
        entry.subject_orgs = subject_org.map(|o| vec![o.to_owned()]).unwrap_or_default();
        entry
    }

    /// An admin action by `admin` (None: the operator through `selat admin`) on a record of
    /// `subject_org` (None: hub-only, e.g. creating a secretariat-wide setting).
    pub fn admin(
        admin: Option<&Principal>,
        operation: &str,
        detail: impl Into<String>,
        subject_org: Option<&str>,
    ) -> Self {
        let mut entry = Self::new(admin, "operator", operation, detail.into());
        entry.count = 1;
        entry.subject_orgs = subject_org.map(|o| vec![o.to_owned()]).unwrap_or_default();
        entry
    }

    /// A failed authentication: `who` is the claimed username or token id (never the secret),
    /// `reason` why it failed. The subject is the account's organisation when it is known, so
    /// its org-admin sees attacks on its accounts.
    pub fn auth_failure(who: &str, reason: &str, subject_org: Option<&str>) -> Self {
        let mut entry = Self::new(None, "anonymous", "auth.failure", format!("{who}: {reason}"));
        entry.count = 1;
        entry.outcome = AuditOutcome::Failed;
        entry.subject_orgs = subject_org.map(|o| vec![o.to_owned()]).unwrap_or_default();
        entry
    }

    /// The same entry with another outcome.
    pub fn with_outcome(mut self, outcome: AuditOutcome) -> Self {
        self.outcome = outcome;
        self
    }

    fn into_new(self) -> NewAuditEntry {
        NewAuditEntry {
            at_us: self.at_us,
            actor_org: self.actor_org,
            actor: self.actor,
            operation: self.operation,
            subject_orgs: (!self.subject_orgs.is_empty()).then(|| self.subject_orgs.join(",")),
            detail: self.detail,
            count: i64::try_from(self.count).unwrap_or(i64::MAX),
            ids_hash: self.ids_hash,
            outcome: self.outcome.as_str().to_owned(),
        }
    }
}

fn sorted_unique(orgs: &[String]) -> Vec<String> {
    let mut orgs = orgs.to_vec();
    orgs.sort();
    orgs.dedup();
    orgs
}

/// SHA-256 (lowercase hex) of `ids` joined by `\n`: what a read entry keeps of the ids it
/// returned, so an investigator can check a suspected list without the log holding it.
pub fn ids_hash<S: AsRef<str>>(ids: &[S]) -> String {
    let mut hasher = Sha256::new();
    for (i, id) in ids.iter().enumerate() {
        if i > 0 {
            hasher.update(b"\n");
        }
        hasher.update(id.as_ref().as_bytes());
    }
    let digest: [u8; 32] = hasher.finalize().into();
    hex(&digest)
}

fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

/// The batch hash: SHA-256 over a version tag, `prev_hash` and every entry's canonical encoding
/// in `seq` order. Each field is written as an 8-byte big-endian length (or `u64::MAX` for an
/// absent value) followed by its bytes, integers as 8 bytes big-endian, so no two different
/// entries encode the same.
pub fn seal(prev_hash: &str, entries: &[AuditRow]) -> String {
    let mut hasher = Sha256::new();
    hasher.update(b"selat-audit-v1\n");
    hasher.update(prev_hash.as_bytes());
    let text = |hasher: &mut Sha256, value: Option<&str>| match value {
        Some(v) => {
            hasher.update((v.len() as u64).to_be_bytes());
            hasher.update(v.as_bytes());
        }
        None => hasher.update(u64::MAX.to_be_bytes()),
    };
    for e in entries {
        hasher.update(e.seq.to_be_bytes());
        hasher.update(e.at_us.to_be_bytes());
        text(&mut hasher, e.actor_org.as_deref());
        text(&mut hasher, Some(&e.actor));
        text(&mut hasher, Some(&e.operation));
        text(&mut hasher, e.subject_orgs.as_deref());
        text(&mut hasher, Some(&e.detail));
        hasher.update(e.count.to_be_bytes());
        text(&mut hasher, e.ids_hash.as_deref());
        text(&mut hasher, Some(&e.outcome));
    }
    let digest: [u8; 32] = hasher.finalize().into();
    hex(&digest)
}

/// A stored entry as the API and the CLI show it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct AuditRecord {
    pub seq: i64,
    /// RFC 3339, microseconds.
    pub at: String,
    pub actor_org: Option<String>,
    pub actor: String,
    pub operation: String,
    pub subject_orgs: Vec<String>,
    pub detail: String,
    pub count: i64,
    pub ids_hash: Option<String>,
    pub outcome: String,
}

impl From<AuditRow> for AuditRecord {
    fn from(row: AuditRow) -> Self {
        AuditRecord {
            seq: row.seq,
            at: Timestamp { micros: row.at_us, fraction_digits: 6 }.format(6),
            actor_org: row.actor_org,
            actor: row.actor,
            operation: row.operation,
            subject_orgs: row
                .subject_orgs
                .map(|s| s.split(',').map(str::to_owned).collect())
                .unwrap_or_default(),
            detail: row.detail,
            count: row.count,
            ids_hash: row.ids_hash,
            outcome: row.outcome,
        }
    }
}

/// Which entries to read.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct AuditFilter {
    /// Only entries concerning this organisation (what an org-admin is limited to).
    pub org: Option<String>,
    pub since_us: Option<i64>,
    pub operation: Option<String>,
    /// Only entries after this `seq`: the `next` of the previous page.
    pub after: Option<i64>,
    /// 1..=[`MAX_AUDIT_QUERY`]; 0 means the default, [`DEFAULT_AUDIT_QUERY`].
    pub limit: usize,
}

/// Entries one query returns by default.
pub const DEFAULT_AUDIT_QUERY: usize = 100;
/// Most entries one query returns.
pub const MAX_AUDIT_QUERY: usize = MAX_AUDIT_PAGE;

/// A page of entries and where the next one starts (`None`: this was the last).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AuditPage {
    pub entries: Vec<AuditRecord>,
    pub next: Option<i64>,
}

/// What [`Auditor::verify`] found.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct VerifyReport {
    /// Entries in the batches checked.
    pub entries: u64,
    /// Batches checked.
    pub batches: u64,
    /// The last good batch's hash: copy it elsewhere to detect a later truncation.
    pub head_hash: String,
    /// The first inconsistency, if any; checking stops there.
    pub problem: Option<ChainProblem>,
}

/// Where the chain first breaks.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ChainProblem {
    /// The batch number concerned, when there is one.
    pub batch: Option<i64>,
    /// The entry `seq` concerned, when one can be named.
    pub seq: Option<i64>,
    pub what: String,
}

impl fmt::Display for ChainProblem {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if let Some(batch) = self.batch {
            write!(f, "batch {batch}: ")?;
        }
        if let Some(seq) = self.seq {
            write!(f, "entry {seq}: ")?;
        }
        f.write_str(&self.what)
    }
}

/// Why the audit log could not be written or read.
#[derive(Debug, thiserror::Error)]
pub enum AuditError {
    /// The writer task is gone (the runtime is shutting down); entries recorded now are lost.
    #[error("the audit writer is not running")]
    Stopped,
    /// Appending failed (the writer's store error, as text); the entries stay queued and are
    /// retried at the next tick.
    #[error("appending to the audit log: {0}")]
    Append(String),
    /// Reading the log failed.
    #[error("audit store: {0}")]
    Store(#[from] selat_store::Error),
}

enum Message {
    Entry(Box<AuditEntry>),
    Flush(oneshot::Sender<Result<(), String>>),
}

/// The node's audit log: the sending side of the writer's channel, and the store for queries and
/// verification. See the module docs.
pub struct Auditor {
    tx: mpsc::Sender<Message>,
    store: Backend,
    worker: Mutex<Option<tokio::task::JoinHandle<()>>>,
}

impl fmt::Debug for Auditor {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Auditor").field("queued", &(AUDIT_QUEUE_DEPTH - self.tx.capacity())).finish()
    }
}

impl Auditor {
    /// Starts the writer task on the current tokio runtime.
    pub fn start(store: Backend) -> Self {
        let (tx, rx) = mpsc::channel(AUDIT_QUEUE_DEPTH);
        let worker = tokio::spawn(write_batches(store.clone(), rx));
        Auditor { tx, store, worker: Mutex::new(Some(worker)) }
    }

    /// Queues `entry`; waits only while the channel is full (see the module docs). An entry
    /// recorded after the writer stopped is logged as lost.
    pub async fn record(&self, entry: AuditEntry) {
        if self.tx.send(Message::Entry(Box::new(entry))).await.is_err() {
            tracing::error!("audit entry lost: the audit writer is not running");
        }
    }

    /// Writes every entry recorded before this call; returns once they are committed.
    pub async fn flush(&self) -> Result<(), AuditError> {
        let (reply, done) = oneshot::channel();
        self.tx.send(Message::Flush(reply)).await.map_err(|_| AuditError::Stopped)?;
        match done.await {
            Ok(Ok(())) => Ok(()),
            Ok(Err(cause)) => Err(AuditError::Append(cause)),
            Err(_) => Err(AuditError::Stopped),
        }
    }

    /// Flushes, then stops the writer (shutdown). Entries recorded afterwards are lost.
    pub async fn close(&self) -> Result<(), AuditError> {
        let flushed = self.flush().await;
        let worker = self.worker.lock().ok().and_then(|mut w| w.take());
        if let Some(worker) = worker {
            worker.abort();
        }
        flushed
    }

    /// Entries matching `filter`, oldest first, with the `after` of the next page.
    pub async fn query(&self, filter: &AuditFilter) -> Result<AuditPage, AuditError> {
        let limit = if filter.limit == 0 { DEFAULT_AUDIT_QUERY } else { filter.limit.min(MAX_AUDIT_QUERY) };
        let query = AuditQuery {
            org: filter.org.clone(),
            since_us: filter.since_us,
            operation: filter.operation.clone(),
            after: filter.after,
            limit: limit + 1,
        };
        let mut rows = self.store.audit_entries(&query).await?;
        let more = rows.len() > limit;
        rows.truncate(limit);
        let next = if more { rows.last().map(|r| r.seq) } else { None };
        Ok(AuditPage { entries: rows.into_iter().map(AuditRecord::from).collect(), next })
    }

    /// Recomputes the whole chain from the first batch; see the module docs for what it catches.
    pub async fn verify(&self) -> Result<VerifyReport, AuditError> {
        verify(&self.store).await
    }
}

/// The writer task: collects entries, appends batches, answers flushes.
async fn write_batches(store: Backend, mut rx: mpsc::Receiver<Message>) {
    let mut pending: Vec<AuditEntry> = Vec::new();
    // The first tick one interval from now: `interval` would fire at once and split the first batch.
    let start = tokio::time::Instant::now() + AUDIT_FLUSH_INTERVAL;
    let mut tick = tokio::time::interval_at(start, AUDIT_FLUSH_INTERVAL);
    tick.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
    loop {
        tokio::select! {
            message = rx.recv(), if pending.len() < MAX_AUDIT_PENDING => match message {
                Some(Message::Entry(entry)) => {
                    pending.push(*entry);
                    if pending.len() >= AUDIT_BATCH_ENTRIES {
                        let _ = append_pending(&store, &mut pending).await;
                    }
                }
                Some(Message::Flush(reply)) => {
                    let _ = reply.send(append_pending(&store, &mut pending).await);
                }
                None => {
                    let _ = append_pending(&store, &mut pending).await;
                    return;
                }
            },
            _ = tick.tick() => {
                if !pending.is_empty() {
                    let _ = append_pending(&store, &mut pending).await;
                }
            }
        }
    }
}

/// Appends every pending entry, [`AUDIT_BATCH_ENTRIES`] per batch; on a store failure logs it and
/// keeps what was not appended.
async fn append_pending(store: &Backend, pending: &mut Vec<AuditEntry>) -> Result<(), String> {
    while !pending.is_empty() {
        let take = pending.len().min(AUDIT_BATCH_ENTRIES);
        let batch: Vec<NewAuditEntry> = pending[..take].iter().cloned().map(AuditEntry::into_new).collect();
        if let Err(e) = store.append_audit(batch, seal).await {
            tracing::error!(error = %e, pending = pending.len(), "appending to the audit log failed; retrying");
            return Err(e.to_string());
        }
        pending.drain(..take);
    }
    Ok(())
}

async fn verify(store: &Backend) -> Result<VerifyReport, AuditError> {
    // Read the extent first: every entry it counts was committed with its batch, so the walk
    // below sees that batch, however many appends happen meanwhile.
    let (_, max_seq) = store.audit_extent().await?;
    let mut report =
        VerifyReport { entries: 0, batches: 0, head_hash: GENESIS_HASH.to_owned(), problem: None };
    let mut next_seq = 1;
    let mut after = 0;
    loop {
        let batches = store.audit_batches(after, VERIFY_BATCHES_PER_READ).await?;
        let Some(last) = batches.last() else { break };
        after = last.batch;
        for batch in batches {
            let problem =
                |seq: Option<i64>, what: String| ChainProblem { batch: Some(batch.batch), seq, what };
            if batch.batch != report.batches as i64 + 1 {
                let what = format!("batch {} is missing (deleted?)", report.batches + 1);
                report.problem =
                    Some(ChainProblem { batch: Some(report.batches as i64 + 1), seq: None, what });
                return Ok(report);
            }
            let len = batch.last_seq - batch.first_seq + 1;
            if batch.first_seq != next_seq || len < 1 || len > MAX_AUDIT_PAGE as i64 {
                let what = format!(
                    "covers entries {}..={}, expected to start at {next_seq} (a batch row was edited)",
                    batch.first_seq, batch.last_seq
                );
                report.problem = Some(problem(Some(next_seq), what));
                return Ok(report);
            }
            if batch.prev_hash != report.head_hash {
                let what =
                    "prev_hash differs from the previous batch's hash (a batch row was edited)".to_owned();
                report.problem = Some(problem(None, what));
                return Ok(report);
            }
            let rows = store.audit_range(batch.first_seq, batch.last_seq).await?;
            if let Some(missing) =
                (batch.first_seq..=batch.last_seq).zip(rows.iter()).find(|(s, r)| *s != r.seq)
            {
                report.problem = Some(problem(Some(missing.0), "entry is missing (deleted?)".to_owned()));
                return Ok(report);
            }
            if (rows.len() as i64) < len {
                let seq = batch.first_seq + rows.len() as i64;
                report.problem = Some(problem(Some(seq), "entry is missing (deleted?)".to_owned()));
                return Ok(report);
            }
            if seal(&batch.prev_hash, &rows) != batch.hash {
                let what = format!(
                    "hash mismatch: an entry of {}..={} or the batch row was edited",
                    batch.first_seq, batch.last_seq
                );
                report.problem = Some(problem(None, what));
                return Ok(report);
            }
            report.batches += 1;
            report.entries += rows.len() as u64;
            report.head_hash = batch.hash;
            next_seq = batch.last_seq + 1;
        }
    }
    if max_seq >= next_seq {
        let what =
            format!("entries {next_seq}..={max_seq} are sealed by no batch (a batch row was deleted?)");
        report.problem = Some(ChainProblem { batch: None, seq: Some(next_seq), what });
    }
    Ok(report)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ids_hash_is_sha256_of_ids_joined_by_newlines() {
        // printf 'a\nb' | sha256sum
        assert_eq!(ids_hash(&["a", "b"]), "7e18f737311b2dc3b2f269dd78396b0351f14fb66efa879f768cb23181883c78");
        assert_eq!(ids_hash(&["a", "b"]), ids_hash(&["a\nb"]));
        assert_eq!(ids_hash::<&str>(&[]), "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855");
    }
}
