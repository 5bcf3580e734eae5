//! TAXII Add Objects as a domain service: the request body is written durably (in the store,
//! beside its status resource) before the caller is answered; a bounded queue feeds a worker
//! that stores the objects and completes the status with per-object successes and failures. A
//! restart resumes every request still pending.

use std::io::Cursor;
use std::sync::Arc;

use selat_stix::bundle::{BundleReader, ReadError, ReaderLimits, Shape};
use selat_stix::timestamp::now_micros;
use selat_store::{Directory, StatusRow};
use selat_taxii::{Status, StatusDetails, StatusState, Timestamp as TaxiiTimestamp};
use tokio::sync::mpsc;

use crate::access::CollectionAccess;
use crate::audit::{AuditEntry, AuditOutcome};
use crate::ingest::{self, OutcomeKind};
use crate::node::{Node, NodeError};
use crate::org::Principal;

/// Requests waiting for the worker by default; past it a POST gets 503 with Retry-After.
pub const DEFAULT_QUEUE_DEPTH: usize = 64;
/// Objects in one POST by default (DESIGN.md "Reliability").
pub const DEFAULT_MAX_OBJECTS_PER_POST: u64 = 10_000;
/// How long completed status resources are kept (TAXII: at least 24 hours).
pub const STATUS_RETENTION_US: i64 = 48 * 3600 * 1_000_000;

/// One accepted request on its way to the worker.
#[derive(Debug)]
pub struct Submission {
    pub status_id: String,
    pub collection_id: String,
    /// The poster's organisation identity: the owner of every object stored.
    pub owner: String,
    pub body: Vec<u8>,
    pub access: CollectionAccess,
    /// The poster's organisation (short name), the subject of the audit entry.
    pub poster_org: String,
    /// Who posted ([`Principal::label`]), for the audit entry; a request resumed after a restart
    /// knows only the organisation.
    pub poster: String,
}

/// Why a POST was not accepted.
#[derive(Debug, thiserror::Error)]
pub enum SubmitError {
    /// The queue is full; retry after a moment.
    #[error("the ingest queue is full")]
    QueueFull,
    /// The body is not a TAXII envelope (`{"objects": [...]}`) of JSON objects.
    #[error("the body is not a TAXII envelope: {0}")]
    NotAnEnvelope(String),
    /// The envelope holds more objects than one request may.
    #[error("the envelope holds more than {limit} objects")]
    TooManyObjects { limit: u64 },
    /// The worker is gone (shutting down).
    #[error("the ingest worker is not running")]
    Stopped,
    #[error(transparent)]
    Node(#[from] NodeError),
}

/// The sending side of the queue, held by the server.
#[derive(Debug, Clone)]
pub struct SubmissionQueue {
    tx: mpsc::Sender<Submission>,
}

/// Limits the worker applies to each request.
#[derive(Debug, Clone, Copy)]
pub struct SubmissionLimits {
    pub max_objects: u64,
    pub max_object_bytes: usize,
}

impl Default for SubmissionLimits {
    fn default() -> Self {
        Self {
            max_objects: DEFAULT_MAX_OBJECTS_PER_POST,
            max_object_bytes: selat_stix::bundle::MAX_OBJECT_BYTES,
        }
    }
}

/// Starts the worker: resumes pending requests first, then serves the queue until every sender
/// is dropped. Returns the queue and the worker's handle.
pub async fn start(
    node: Arc<Node>,
    depth: usize,
    limits: SubmissionLimits,
) -> Result<(SubmissionQueue, tokio::task::JoinHandle<()>), NodeError> {
    let pending = node.store.pending_statuses().await?;
    let (tx, mut rx) = mpsc::channel::<Submission>(depth.max(1));
    let worker = tokio::spawn(async move {
        for row in pending {
            let access = node.collection_access(&row.collection_id).await.unwrap_or(CollectionAccess::SHARED);
            let owner = match node.organisation(&row.owner).await {
                Ok(Some(org)) => org.identity,
                _ => row.owner.clone(),
            };
            let submission = Submission {
                poster: format!("{}/ (resumed request)", row.owner),
                poster_org: row.owner.clone(),
                status_id: row.id,
                collection_id: row.collection_id,
                owner,
                body: row.request.unwrap_or_default(),
                access,
            };
            process(&node, submission, limits).await;
        }
        let _ = node.store.purge_statuses(now_micros() - STATUS_RETENTION_US).await;
        while let Some(submission) = rx.recv().await {
            process(&node, submission, limits).await;
        }
    });
    Ok((SubmissionQueue { tx }, worker))
}

impl SubmissionQueue {
    /// Accepts a POST: reserves a queue slot, stores the body and a pending status durably, then
    /// queues the work. Returns the pending status resource.
    pub async fn submit(
        &self,
        node: &Node,
        principal: &Principal,
        collection_id: &str,
        access: CollectionAccess,
        body: Vec<u8>,
        limits: SubmissionLimits,
    ) -> Result<Status, SubmitError> {
        check_envelope(&body, limits)?;
        let permit = self.tx.try_reserve().map_err(|e| match e {
            mpsc::error::TrySendError::Full(()) => SubmitError::QueueFull,
            mpsc::error::TrySendError::Closed(()) => SubmitError::Stopped,
        })?;
        let now = now_micros();
        let status = pending_status(uuid::Uuid::new_v4().to_string(), now);
        let row = StatusRow {
            id: status.id.clone(),
            collection_id: collection_id.to_owned(),
            owner: principal.org.short_name.clone(),
            request_us: now,
            updated_us: now,
            complete: false,
            resource: serde_json::to_string(&status).expect("status serializes"),
            request: Some(body.clone()),
        };
        node.store.create_status(&row).await.map_err(NodeError::from)?;
        permit.send(Submission {
            status_id: status.id.clone(),
            collection_id: collection_id.to_owned(),
            owner: principal.org.identity.clone(),
            body,
            access,
            poster_org: principal.org.short_name.clone(),
            poster: principal.label(),
        });
        Ok(status)
    }

    /// Requests waiting (for `/metrics`).
    pub fn depth(&self) -> usize {
        self.tx.max_capacity() - self.tx.capacity()
    }
}

/// Checks the body's structure before it is accepted: an envelope whose `objects` are JSON
/// objects, at most `limits.max_objects` of them. The objects' contents are checked later, each on
/// its own, and reported in the status.
pub fn check_envelope(body: &[u8], limits: SubmissionLimits) -> Result<u64, SubmitError> {
    let reader_limits = ReaderLimits {
        max_objects: Some(limits.max_objects),
        max_object_bytes: limits.max_object_bytes,
        ..ReaderLimits::default()
    };
    let mut reader = BundleReader::with_limits(body, reader_limits);
    for item in reader.by_ref() {
        match item {
            Ok(_) => {}
            Err(ReadError::TooManyObjects { limit }) => return Err(SubmitError::TooManyObjects { limit }),
            Err(e) => return Err(SubmitError::NotAnEnvelope(e.to_string())),
        }
    }
    if reader.shape() != Shape::Bundle {
        return Err(SubmitError::NotAnEnvelope("expected a JSON object with an `objects` array".into()));
    }
    Ok(reader.objects_read())
}

fn pending_status(id: String, now_us: i64) -> Status {
    Status {
        id,
        status: StatusState::Pending,
        request_timestamp: TaxiiTimestamp::from_micros(now_us),
        total_count: 0,
        success_count: 0,
        successes: Vec::new(),
        failure_count: 0,
        failures: Vec::new(),
        pending_count: 0,
        pendings: Vec::new(),
    }
}

/// A status resource as the client may see it: only the poster's organisation.
pub async fn status_for(node: &Node, principal: &Principal, id: &str) -> Result<Option<Status>, NodeError> {
    let Some(row) = node.store.status(id).await? else { return Ok(None) };
    if row.owner != principal.org.short_name {
        return Ok(None);
    }
    Ok(serde_json::from_str(&row.resource).ok())
}

/// Stores one request's objects and completes its status. Failures of the store are logged and
/// leave the status pending, to be resumed on the next start.
async fn process(node: &Node, submission: Submission, limits: SubmissionLimits) {
    let status_id = submission.status_id.clone();
    match complete(node, submission, limits).await {
        Ok(()) => tracing::debug!(status = %status_id, "request stored"),
        Err(e) => {
            tracing::error!(status = %status_id, error = %e, "storing a TAXII request failed; it stays pending")
        }
    }
}

async fn complete(
    node: &Node,
    mut submission: Submission,
    limits: SubmissionLimits,
) -> Result<(), NodeError> {
    let mut options = node.ingest_options(&submission.owner).await?;
    options.collection = Some(submission.collection_id.clone());
    options.record_outcomes = true;
    options.clear_community_only = submission.access.public;
    options.limits = ReaderLimits {
        max_objects: Some(limits.max_objects),
        max_object_bytes: limits.max_object_bytes,
        ..ReaderLimits::default()
    };
    let report =
        ingest::ingest(&node.store, Cursor::new(std::mem::take(&mut submission.body)), &options, |_| {})
            .await
            .map_err(|e| NodeError::Io {
                path: node.dir.clone(),
                source: std::io::Error::other(e.to_string()),
            })?;
    let row_status = node.store.status(&submission.status_id).await?;
    let request_us = row_status.map_or_else(now_micros, |r| r.request_us);
    let mut status = pending_status(submission.status_id.clone(), request_us);
    status.status = StatusState::Complete;
    for outcome in &report.outcomes {
        let details = StatusDetails {
            id: outcome.id.clone().unwrap_or_default(),
            version: outcome.version.clone().unwrap_or_default(),
            message: match &outcome.result {
                OutcomeKind::Stored => None,
                OutcomeKind::AlreadyPresent => Some("already present".to_owned()),
                OutcomeKind::Rejected(reasons) => Some(reasons.join("; ")),
            },
        };
        match outcome.result {
            OutcomeKind::Rejected(_) => status.failures.push(details),
            _ => status.successes.push(details),
        }
    }
    if let Some(fatal) = &report.fatal {
        status.failures.push(StatusDetails {
            id: String::new(),
            version: String::new(),
            message: Some(fatal.to_string()),
        });
    }
    status.success_count = status.successes.len() as u64;
    status.failure_count = status.failures.len() as u64;
    status.total_count = status.success_count + status.failure_count;
    let resource = serde_json::to_string(&status).expect("status serializes");
    node.store.update_status(&submission.status_id, &resource, true, now_micros()).await?;
    node.audit().record(add_entry(&submission, &report)).await;
    let stored = report.outcomes.iter().filter(|o| o.result == OutcomeKind::Stored);
    node.notify_sightings(stored.filter_map(|o| o.id.as_deref())).await;
    if report.stored > 0 {
        node.federation().notify_stored();
    }
    Ok(())
}

/// The one audit entry of a TAXII Add Objects request.
fn add_entry(submission: &Submission, report: &ingest::IngestReport) -> AuditEntry {
    let detail = format!(
        "collection {} status {}: read {}, stored {}, already present {}, rejected {}",
        submission.collection_id,
        submission.status_id,
        report.read,
        report.stored,
        report.already_present,
        report.rejected_total
    );
    let mut entry =
        AuditEntry::write(None, "taxii.objects.add", detail, report.stored, Some(&submission.poster_org));
    entry.actor_org = Some(submission.poster_org.clone());
    entry.actor = submission.poster.clone();
    if report.fatal.is_some() {
        entry.outcome = AuditOutcome::Failed;
    }
    entry
}
