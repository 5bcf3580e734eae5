//! The ingest flow: bytes → streaming bundle reader → validate → attach owner and sharing → one
//! transaction per batch.
//!
//! Reading, parsing and validating run on a blocking thread; storing runs on the caller's async
//! task; a bounded channel between them applies back-pressure, so memory stays flat whatever the
//! input size. Every object read ends as stored, already present, or rejected with its reasons;
//! a broken input stops the run but keeps every batch already committed.

use std::collections::HashSet;
use std::io::Read;
use std::sync::Arc;

use selat_stix::bundle::{BundleReader, Position, RawObject, ReadError, ReaderLimits};
use selat_stix::meta::ObjectMeta;
use selat_stix::{Diagnostic, Timestamp, canonical, validate};
use selat_store::{NewVersion, Outcome, Store};
use tokio::sync::mpsc;

use crate::policy::{self, Sharing};

/// Objects per store transaction by default. Larger batches amortise the random-insert cost of the
/// id index (measured: 1,000 → 5,000 objects per batch ingests about 1.6× faster).
pub const DEFAULT_BATCH_OBJECTS: usize = 5000;
/// Upper bound on the batch size an operator may configure.
pub const MAX_BATCH_OBJECTS: usize = 10_000;
/// Rejections kept with their reasons in a report; past this only the count grows, so a file of a
/// million bad objects cannot exhaust memory.
pub const MAX_REPORTED_REJECTIONS: usize = 1000;
/// Prepared batches waiting for the store; bounds memory and applies back-pressure.
const MAX_BATCHES_IN_FLIGHT: usize = 4;

/// How to ingest one input.
#[derive(Debug, Clone)]
pub struct IngestOptions {
    /// The organisation that owns every object stored (the caller, or `--as`).
    pub owner: String,
    /// Add every stored object to this collection (by id).
    pub collection: Option<String>,
    /// Objects per transaction, 1..=[`MAX_BATCH_OBJECTS`].
    pub batch_objects: usize,
    pub limits: ReaderLimits,
    /// Keep every object's outcome in the report (TAXII status needs them; bounded by
    /// `limits.max_objects` there).
    pub record_outcomes: bool,
    /// Accept only TLP:CLEAR objects of scope `community` (the public advisory collection).
    pub clear_community_only: bool,
    /// The owner belongs to no member state (the secretariat, a partner): `national` scope is
    /// refused, as it names no state.
    pub owner_outside_member_states: bool,
    /// Identity of the owner's member state (itself, or a sector lead's parent): whom `national`
    /// reaches. See [`Node::ingest_options`](crate::node::Node::ingest_options).
    pub owner_member_state: Option<String>,
    /// Identities of the registered organisations other than the owner: a `created_by_ref`
    /// naming one of them is forged and refused. Third-party content (MITRE ATT&CK, OASIS
    /// examples) names identities no organisation here holds, and keeps them.
    pub registered_others: Arc<HashSet<String>>,
    /// Registered organisations the submitter may also act for (a member state for its sector
    /// leads, DESIGN.md federation): an object whose `created_by_ref` names one is owned by it.
    pub acts_for: Arc<HashSet<String>>,
    /// Identities of the organisations this node serves, when federation says so: RED is
    /// stored only when its owner or one of its named recipients is among them (a hub never
    /// stores another node's RED). `None`: a node that does not federate serves everyone.
    pub red_hosts: Option<Arc<HashSet<String>>>,
    /// With [`IngestOptions::red_hosts`]: the sharing groups (ids) with a member this node
    /// serves. An object of scope `group` whose owner is not served here is stored only when its
    /// group is one of them: `group` travels like RED, to its members' nodes only.
    pub group_hosts: Option<Arc<HashSet<String>>>,
}

impl IngestOptions {
    pub fn new(owner: impl Into<String>) -> Self {
        Self {
            owner: owner.into(),
            collection: None,
            batch_objects: DEFAULT_BATCH_OBJECTS,
            limits: ReaderLimits::default(),
            record_outcomes: false,
            clear_community_only: false,
            owner_outside_member_states: false,
            owner_member_state: None,
            registered_others: Arc::default(),
            acts_for: Arc::default(),
            red_hosts: None,
            group_hosts: None,
        }
    }
}

/// An object that was not stored, and why.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Rejection {
    /// 0-based index of the object in its input.
    pub index: u64,
    /// Its `id`, when it had a readable one.
    pub id: Option<String>,
    /// Where it starts in the input.
    pub at: Position,
    /// Each reason: a validation error with its JSON path, a syntax error, or a store refusal.
    pub reasons: Vec<String>,
}

/// The result of ingesting one input.
#[derive(Debug, Default)]
pub struct IngestReport {
    pub read: u64,
    pub stored: u64,
    pub already_present: u64,
    /// The first [`MAX_REPORTED_REJECTIONS`] rejections, in input order.
    pub rejected: Vec<Rejection>,
    /// Every rejection, including those past the reported ones.
    pub rejected_total: u64,
    /// Validation warnings on stored objects.
    pub warnings: u64,
    /// Findings about the envelope (bundle `type`, `id`, not a bundle).
    pub envelope: Vec<Diagnostic>,
    /// Why reading stopped early, if it did. Objects before that point were handled normally.
    pub fatal: Option<ReadError>,
    /// Every object's outcome in input order, when [`IngestOptions::record_outcomes`] is set.
    pub outcomes: Vec<ObjectOutcome>,
}

/// What happened to one object (for TAXII status resources).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ObjectOutcome {
    pub index: u64,
    pub id: Option<String>,
    /// The object's version: its `modified`, else `created`, else the `date_added` it got.
    pub version: Option<String>,
    pub result: OutcomeKind,
}

/// The fate of one object.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum OutcomeKind {
    Stored,
    AlreadyPresent,
    Rejected(Vec<String>),
}

impl IngestReport {
    fn reject(&mut self, rejection: Rejection, record: bool) {
        if record {
            self.outcomes.push(ObjectOutcome {
                index: rejection.index,
                id: rejection.id.clone(),
                version: None,
                result: OutcomeKind::Rejected(rejection.reasons.clone()),
            });
        }
        self.rejected_total += 1;
        if self.rejected.len() < MAX_REPORTED_REJECTIONS {
            self.rejected.push(rejection);
        }
    }
}

/// What a caller may show while ingest runs.
#[derive(Debug, Clone, Copy, Default)]
pub struct Progress {
    pub objects: u64,
    pub bytes: u64,
}

/// Why ingest as a whole failed (as opposed to one object being rejected).
#[derive(Debug, thiserror::Error)]
pub enum IngestError {
    /// The store failed; batches committed before the failure stay stored.
    #[error("store: {0}")]
    Store(#[from] selat_store::Error),
    /// The reading thread died.
    #[error("the reader thread failed: {0}")]
    Reader(String),
}

/// One object made ready for the store, or the reasons it cannot be: validated, owned by
/// `options.owner`, with its audience labels (see [`policy::object_audience`]).
pub fn prepare(raw: &RawObject, options: &IngestOptions) -> Result<Prepared, Rejection> {
    let reject =
        |id: Option<String>, reasons: Vec<String>| Rejection { index: raw.index, id, at: raw.at, reasons };
    let value = raw.parse().map_err(|e| reject(None, vec![e.to_string()]))?;
    let id = value.get("id").and_then(|v| v.as_str()).map(str::to_owned);
    if !value.is_object() {
        return Err(reject(id, vec!["$: a STIX object must be a JSON object".to_owned()]));
    }
    let mut diagnostics = validate::validate_object(&value);
    diagnostics.extend(selat_stix::meta::distribution_diagnostics(&value));
    let errors: Vec<String> =
        diagnostics.iter().filter(|d| d.is_error()).map(Diagnostic::to_string).collect();
    if !errors.is_empty() {
        return Err(reject(id, errors));
    }
    let version_text = ["modified", "created"]
        .iter()
        .find_map(|k| value.get(*k).and_then(|v| v.as_str()))
        .map(str::to_owned);
    let meta = ObjectMeta::extract(&value)
        .ok_or_else(|| reject(id.clone(), vec!["$: object has no string `type` and `id`".to_owned()]))?;
    let owner = match meta.created_by_ref.as_deref() {
        Some(named) if options.acts_for.contains(named) => named.to_owned(),
        Some(named) if options.registered_others.contains(named) => {
            return Err(reject(
                id,
                vec![format!(
                    "foreign-owner: $.created_by_ref names {named}, a registered organisation the submitter may not act for (forged-created-by-ref)"
                )],
            ));
        }
        _ => options.owner.clone(),
    };
    if let Some(hosts) = &options.red_hosts
        && meta.tlp == Some(selat_stix::tlp::Tlp::Red)
        && !hosts.contains(&owner)
        && !meta.recipient_refs.iter().any(|r| hosts.contains(r))
    {
        return Err(reject(
            id,
            vec![
                "red-not-hosted: TLP:RED names no recipient this node serves, so it is not stored here"
                    .to_owned(),
            ],
        ));
    }
    if let (Some(hosts), Some(groups)) = (&options.red_hosts, &options.group_hosts)
        && meta.scope == selat_stix::meta::Scope::Group
        && !hosts.contains(&owner)
        && !meta.sharing_group_ref.as_ref().is_some_and(|g| groups.contains(g))
    {
        return Err(reject(
            id,
            vec![
                "group-not-hosted: its sharing group is not known here or has no member this node serves, so it is not stored here"
                    .to_owned(),
            ],
        ));
    }
    let json = String::from_utf8(canonical::compact(&raw.bytes))
        .map_err(|_| reject(id.clone(), vec!["$: object is not valid UTF-8".to_owned()]))?;
    let audience = policy::object_audience(&Sharing {
        owner: &owner,
        owner_member_state: options.owner_member_state.as_deref(),
        tlp: meta.tlp,
        scope: meta.scope,
        group: meta.sharing_group_ref.as_deref(),
        recipients: &meta.recipient_refs,
        public: false,
    });
    // Values past the index's limits are left out of the index, not the object out of the store.
    let observables = crate::observables::extract(&value);
    let left_out = usize::from(observables.left_out > 0);
    let version = NewVersion {
        id: meta.id,
        object_type: meta.object_type,
        spec_version: meta.spec_version,
        created_us: meta.created_us,
        modified_us: meta.modified_us,
        created_by_ref: meta.created_by_ref,
        revoked: meta.revoked,
        tlp: meta.tlp.map(|t| t.as_str().to_owned()),
        scope: meta.scope.as_str().to_owned(),
        confidence: meta.confidence,
        is_sco: meta.is_sco,
        owner,
        json,
        audience,
        observables: observables.values,
    };
    Ok(Prepared { version, version_text, warnings: diagnostics.len() + left_out })
}

/// An object ready for the store.
#[derive(Debug, Clone)]
pub struct Prepared {
    pub version: NewVersion,
    /// `modified`, else `created`, as the object wrote it.
    pub version_text: Option<String>,
    /// Validation warnings.
    pub warnings: usize,
}

/// What the reading thread hands the storing side.
enum Message {
    Batch(Batch),
    End { envelope: Vec<Diagnostic>, fatal: Option<ReadError> },
}

#[derive(Default)]
struct Batch {
    versions: Vec<NewVersion>,
    /// For each version: its index in the input, where it starts, and its version text.
    origins: Vec<(u64, Position, Option<String>)>,
    rejected: Vec<Rejection>,
    warnings: u64,
    read: u64,
    bytes: u64,
}

/// Ingests one input into `store`. See the module docs.
pub async fn ingest<S: Store, R: Read + Send + 'static>(
    store: &S,
    input: R,
    options: &IngestOptions,
    mut on_progress: impl FnMut(Progress),
) -> Result<IngestReport, IngestError> {
    let (tx, mut rx) = mpsc::channel(MAX_BATCHES_IN_FLIGHT);
    let reader_options = options.clone();
    let reader = std::thread::spawn(move || read_batches(input, &reader_options, &tx));
    let mut report = IngestReport::default();
    let mut progress = Progress::default();
    while let Some(message) = rx.recv().await {
        match message {
            Message::Batch(batch) => {
                progress.objects += batch.read;
                progress.bytes = batch.bytes;
                store_batch(store, batch, options, &mut report).await?;
                on_progress(progress);
            }
            Message::End { envelope, fatal } => {
                report.envelope = envelope;
                report.fatal = fatal;
            }
        }
    }
    reader.join().map_err(|_| IngestError::Reader("panicked".to_owned()))?;
    Ok(report)
}

async fn store_batch<S: Store>(
    store: &S,
    batch: Batch,
    options: &IngestOptions,
    report: &mut IngestReport,
) -> Result<(), IngestError> {
    let record = options.record_outcomes;
    report.read += batch.read;
    report.warnings += batch.warnings;
    for rejection in batch.rejected {
        report.reject(rejection, record);
    }
    if !batch.versions.is_empty() {
        let outcomes = store.ingest(&batch.versions, options.collection.as_deref()).await?;
        debug_assert_eq!(outcomes.len(), batch.versions.len());
        for ((outcome, version), (index, at, text)) in outcomes.iter().zip(&batch.versions).zip(batch.origins)
        {
            let (result, date_added) = match outcome {
                Outcome::Stored { date_added_us } => (OutcomeKind::Stored, *date_added_us),
                Outcome::AlreadyPresent => (OutcomeKind::AlreadyPresent, None),
                Outcome::Refused { reason } => {
                    let rejection = Rejection {
                        index,
                        id: Some(version.id.clone()),
                        at,
                        reasons: vec![reason.to_string()],
                    };
                    report.reject(rejection, record);
                    continue;
                }
            };
            match result {
                OutcomeKind::Stored => report.stored += 1,
                _ => report.already_present += 1,
            }
            if record {
                let version_text = text
                    .or_else(|| date_added.map(|us| Timestamp { micros: us, fraction_digits: 6 }.format(6)));
                report.outcomes.push(ObjectOutcome {
                    index,
                    id: Some(version.id.clone()),
                    version: version_text,
                    result,
                });
            }
        }
    }
    report.rejected.sort_by_key(|r| r.index);
    report.outcomes.sort_by_key(|o| o.index);
    Ok(())
}

/// Collection-level admission rules, after validation.
fn admit(prepared: Prepared, raw: &RawObject, options: &IngestOptions) -> Result<Prepared, Rejection> {
    let v = &prepared.version;
    if options.clear_community_only && (v.tlp.as_deref() != Some("clear") || v.scope != "community") {
        return Err(Rejection {
            index: raw.index,
            id: Some(v.id.clone()),
            at: raw.at,
            reasons: vec![
                "public-collection: this collection accepts only TLP:CLEAR objects of scope community".into(),
            ],
        });
    }
    if options.owner_outside_member_states && v.scope == "national" {
        return Err(Rejection {
            index: raw.index,
            id: Some(v.id.clone()),
            at: raw.at,
            reasons: vec!["national-scope: scope `national` names the owner's member state, and this owner belongs to none".into()],
        });
    }
    Ok(prepared)
}

/// The reading thread: fills batches and sends them; a closed channel ends it quietly.
fn read_batches<R: Read>(input: R, options: &IngestOptions, tx: &mpsc::Sender<Message>) {
    let batch_objects = options.batch_objects.clamp(1, MAX_BATCH_OBJECTS);
    let mut reader = BundleReader::with_limits(input, options.limits);
    let mut batch = Batch::default();
    let mut fatal = None;
    for item in reader.by_ref() {
        let raw = match item {
            Ok(raw) => raw,
            Err(e) => {
                fatal = Some(e);
                break;
            }
        };
        batch.read += 1;
        batch.bytes = raw.at.offset + raw.bytes.len() as u64;
        match prepare(&raw, options).and_then(|p| admit(p, &raw, options)) {
            Ok(prepared) => {
                batch.versions.push(prepared.version);
                batch.origins.push((raw.index, raw.at, prepared.version_text));
                batch.warnings += prepared.warnings as u64;
            }
            Err(rejection) => batch.rejected.push(rejection),
        }
        if batch.read as usize >= batch_objects
            && tx.blocking_send(Message::Batch(std::mem::take(&mut batch))).is_err()
        {
            return;
        }
    }
    if batch.read > 0 && tx.blocking_send(Message::Batch(batch)).is_err() {
        return;
    }
    let envelope = reader.envelope_diagnostics().to_vec();
    let _ = tx.blocking_send(Message::End { envelope, fatal });
}
