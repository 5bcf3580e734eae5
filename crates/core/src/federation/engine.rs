//! One round with a peer: pull each configured collection, then push each, recording what
//! happened. A round is bounded ([`MAX_PAGES_PER_ROUND`] pages per collection and direction); a
//! round that stops at the bound says so (`caught_up` false) and the worker starts the next one
//! at once. Every step is idempotent: a round cut short (a crash, a timeout) is simply run again
//! from the saved cursors.

use std::collections::{HashMap, VecDeque};
use std::time::Duration;

use selat_stix::bundle::{Position, RawObject};
use selat_stix::meta::ObjectMeta;
use selat_stix::timestamp::now_micros;
use selat_store::federation::MAX_REFUSALS_PER_ROUND;
use selat_store::{
    Audience, Direction, Directory, Federation, NewVersion, OriginRow, Outcome, PageQuery, PeerRefusalRow,
    PeerRoundRow, Store, VersionFilter,
};
use selat_taxii::client::{Client, ClientError, Credentials, ObjectsRequest};
use selat_taxii::{EnvelopeWriter, Status, StatusState};
use serde_json::value::RawValue;

use super::config::{FederationConfig, HostPatterns, PeerConfig};
use super::rules::{self, Incoming, Outgoing, Refuse, Registered};
use crate::audit::{AuditEntry, AuditOutcome};
use crate::ingest::{self, IngestOptions};
use crate::node::{Node, NodeError};
use crate::org::Organisation;

/// Objects asked for per page of a pull.
pub const PULL_PAGE_OBJECTS: usize = 1000;
/// Pulled objects stored in one batch, at least (pages are gathered up to it, and the cursor
/// moves once the batch is stored): the store writes fewer, larger transactions.
pub const PULL_BATCH_OBJECTS: usize = 5000;
/// Objects per TAXII Add Objects request of a push, at most (under a Selat peer's default of
/// 10,000 per POST). Measured: 1,000 per request moved a million objects in 101 s, 5,000 in
/// 51 s (the peer writes a fifth of the transactions; docs/benchmarks.md).
pub const PUSH_BATCH_OBJECTS: usize = 5000;
/// Bytes per Add Objects request of a push, at most; lower when the peer's API root advertises
/// a smaller `max_content_length`. An object that alone would exceed it is refused here, with
/// its size in the reason, and the push goes on past it.
pub const MAX_PUSH_BODY_BYTES: u64 = 16 * 1024 * 1024;
/// Add Objects requests of a push awaiting their status at once, per link and collection: the
/// peer stores one batch while the next travels. The peer's bounded submission queue (64 by
/// default) holds them; a full queue is a 503, and the round backs off.
pub const MAX_PUSH_IN_FLIGHT: usize = 4;
/// Pages per collection and direction in one round: bounds a round's work and memory; a
/// round stopped here leaves `caught_up` false and the next starts at once.
pub const MAX_PAGES_PER_ROUND: usize = 100;
/// How long a push waits for the peer's status resource to become `complete`; past it the
/// round fails and the batch is sent again next round (re-sending is a no-op at the peer).
pub const MAX_STATUS_WAIT: Duration = Duration::from_secs(60);
/// Longest wait between two reads of a pending status.
const MAX_STATUS_POLL: Duration = Duration::from_secs(1);

/// An Add Objects request awaiting its status (`None`: nothing of the page could leave), and
/// the `date_added` of its page's last entry.
struct InFlight {
    status: Option<Status>,
    last_us: i64,
}

/// The output of `future`, if there is one to await.
async fn settle<T>(future: Option<impl Future<Output = T>>) -> Option<T> {
    match future {
        Some(future) => Some(future.await),
        None => None,
    }
}

/// What one round with one peer did.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct PeerReport {
    pub peer: String,
    /// Object versions received and stored.
    pub received: u64,
    /// Object versions received that were stored already (re-sent pages, overlaps).
    pub already_present: u64,
    /// Object versions the peer confirmed in its status resources.
    pub sent: u64,
    /// Object versions refused: by this node (pulled) or by the peer (pushed).
    pub refused: u64,
    /// Object versions the rules keep off the link (held back from a push, or our own objects
    /// coming back in a pull): expected, not errors.
    pub skipped: u64,
    /// Every collection was followed to its end.
    pub caught_up: bool,
    /// How far behind the link was left, in microseconds (0 when caught up).
    pub lag_us: i64,
    /// Why the round stopped early; what it did before stays done.
    pub error: Option<String>,
    /// The first [`MAX_REFUSALS_PER_ROUND`] refusals with their reasons.
    pub refusals: Vec<PeerRefusalRow>,
}

/// What one round did, per peer.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct RoundReport {
    pub peers: Vec<PeerReport>,
}

impl RoundReport {
    /// Whether every peer's round succeeded.
    pub fn ok(&self) -> bool {
        self.peers.iter().all(|p| p.error.is_none())
    }
}

/// Why a round could not start (a peer's own failures are in its report, not here).
#[derive(Debug, thiserror::Error)]
pub enum RoundError {
    #[error("no peer {0:?} in the configuration")]
    UnknownPeer(String),
    #[error(transparent)]
    Node(#[from] NodeError),
}

impl From<selat_store::Error> for RoundError {
    fn from(e: selat_store::Error) -> Self {
        RoundError::Node(NodeError::Store(e))
    }
}

/// One round with every configured peer, or with `only` that one, each recorded in the store.
pub async fn run_round(
    node: &Node,
    config: &FederationConfig,
    only: Option<&str>,
) -> Result<RoundReport, RoundError> {
    if let Some(name) = only
        && config.peer(name).is_none()
    {
        return Err(RoundError::UnknownPeer(name.to_owned()));
    }
    let groups = node.store.sharing_groups().await?.into_iter().map(|g| (g.id, g.members));
    let registered = Registered::new(node.organisations().await?).with_groups(groups);
    let hosted = config.node_hosts();
    let mut report = RoundReport::default();
    for peer in config.peers.iter().filter(|p| only.is_none_or(|name| p.name == name)) {
        let peer_report = sync_peer(node, peer, &registered, &hosted).await;
        node.store.record_peer_round(&round_row(&peer_report)).await?;
        node.audit().record(audit_entry(&peer_report)).await;
        report.peers.push(peer_report);
    }
    Ok(report)
}

/// One audit entry per round with a peer: what it wrote here (received versions) and what left
/// (sent), for hub-admins (the subjects are many organisations, so none is named).
fn audit_entry(report: &PeerReport) -> AuditEntry {
    let detail = format!(
        "peer {}: received {}, already present {}, sent {}, refused {}, skipped {}{}",
        report.peer,
        report.received,
        report.already_present,
        report.sent,
        report.refused,
        report.skipped,
        report.error.as_ref().map(|e| format!("; failed: {e}")).unwrap_or_default()
    );
    let mut entry = AuditEntry::write(None, "federation.sync", detail, report.received, None);
    entry.actor = format!("peer {}", report.peer);
    if report.error.is_some() {
        entry.outcome = AuditOutcome::Failed;
    }
    entry
}

fn round_row(report: &PeerReport) -> PeerRoundRow {
    let count = |n: u64| i64::try_from(n).unwrap_or(i64::MAX);
    PeerRoundRow {
        peer: report.peer.clone(),
        at_us: now_micros(),
        error: report.error.clone(),
        sent: count(report.sent),
        received: count(report.received),
        refused: count(report.refused),
        skipped: count(report.skipped),
        lag_us: Some(report.lag_us),
        refusals: report.refusals.clone(),
    }
}

/// One round with one peer: every pull, then every push. A collection that fails (the peer
/// refuses it, a page times out) does not keep the others from syncing; the report keeps every
/// failure, and the round counts as failed.
async fn sync_peer(
    node: &Node,
    peer: &PeerConfig,
    registered: &Registered,
    hosted: &HostPatterns,
) -> PeerReport {
    let mut link = match Link::new(node, peer, registered, hosted) {
        Ok(link) => link,
        Err(e) => {
            return PeerReport { peer: peer.name.clone(), error: Some(e), ..PeerReport::default() };
        }
    };
    link.report.caught_up = true;
    for collection in &peer.pull {
        if let Err(e) = link.pull(collection).await {
            link.fail(format!("pull {collection}: {e}"));
        }
    }
    for collection in &peer.push {
        if let Err(e) = link.push(collection).await {
            link.fail(format!("push {collection}: {e}"));
        }
    }
    link.report
}

/// Why one collection's pull or push stopped.
#[derive(Debug, thiserror::Error)]
enum LinkError {
    #[error("{doing}: {error}")]
    Peer { error: ClientError, doing: &'static str },
    #[error("{0}")]
    Node(#[from] NodeError),
    #[error("{0}")]
    Other(String),
}

impl From<selat_store::Error> for LinkError {
    fn from(e: selat_store::Error) -> Self {
        LinkError::Node(NodeError::Store(e))
    }
}

/// A round's state with one peer.
struct Link<'a> {
    node: &'a Node,
    peer: &'a PeerConfig,
    client: Client,
    registered: &'a Registered,
    hosted: &'a HostPatterns,
    peer_org: Option<&'a Organisation>,
    /// Ingest options per owner, made once per round.
    options: HashMap<String, IngestOptions>,
    /// The request size limit of a push, read from the peer once per round.
    max_push_bytes: Option<u64>,
    report: PeerReport,
}

impl<'a> Link<'a> {
    fn new(
        node: &'a Node,
        peer: &'a PeerConfig,
        registered: &'a Registered,
        hosted: &'a HostPatterns,
    ) -> Result<Self, String> {
        let credentials = match &peer.username {
            Some(username) => Credentials::Basic { username, password: &peer.token },
            None => Credentials::Bearer(&peer.token),
        };
        let timeout = Duration::from_secs(peer.timeout_s);
        let ca = match &peer.ca_file {
            Some(path) => {
                Some(std::fs::read(path).map_err(|e| format!("reading ca_file {}: {e}", path.display()))?)
            }
            None => None,
        };
        let client =
            Client::with_ca(&peer.url, credentials, timeout, ca.as_deref()).map_err(|e| e.to_string())?;
        let peer_org =
            match &peer.org {
                Some(short) => Some(registered.by_short_name(short).ok_or_else(|| {
                    format!("org {short:?} is not an organisation registered on this node")
                })?),
                None => None,
            };
        let report = PeerReport { peer: peer.name.clone(), ..PeerReport::default() };
        Ok(Self {
            node,
            peer,
            client,
            registered,
            hosted,
            peer_org,
            options: HashMap::new(),
            max_push_bytes: None,
            report,
        })
    }

    /// Records a collection's failure; several join with `; `.
    fn fail(&mut self, error: String) {
        tracing::warn!(peer = %self.peer.name, error = %error, "federation round failed");
        self.report.error = Some(match self.report.error.take() {
            Some(before) => format!("{before}; {error}"),
            None => error,
        });
        self.report.caught_up = false;
    }

    fn refuse(&mut self, direction: Direction, object_id: &str, version: &str, reason: String) {
        self.report.refused += 1;
        if self.report.refusals.len() < MAX_REFUSALS_PER_ROUND {
            self.report.refusals.push(PeerRefusalRow {
                peer: self.peer.name.clone(),
                at_us: now_micros(),
                direction: direction.as_str().to_owned(),
                object_id: object_id.to_owned(),
                version: version.to_owned(),
                reason,
            });
        }
    }

    /// Leaves the link `caught_up` false with the lag of `cursor_us`.
    fn behind(&mut self, cursor_us: Option<i64>) {
        self.report.caught_up = false;
        let lag = cursor_us.map_or(0, |c| now_micros().saturating_sub(c).max(0));
        self.report.lag_us = self.report.lag_us.max(lag);
    }

    /// Pulls one collection from its cursor, page by page, storing the pages in batches of
    /// about [`PULL_BATCH_OBJECTS`] and saving the cursor after each batch is stored. The next
    /// page is asked for while a batch is stored.
    async fn pull(&mut self, collection: &str) -> Result<(), LinkError> {
        let node = self.node;
        let store = &node.store;
        if store.collection(collection).await?.is_none() {
            return Err(LinkError::Other(format!(
                "no local collection {collection} for what is pulled (create it with the peer's id)"
            )));
        }
        let start = store.peer_cursor(&self.peer.name, collection, Direction::Pull).await?;
        let client = self.client.clone();
        // `next` continues the query it came from, so every request keeps the round's start.
        let fetch = |next: Option<String>| {
            let client = &client;
            async move {
                let request = ObjectsRequest { added_after_us: start, next, limit: PULL_PAGE_OBJECTS };
                client
                    .get_objects(collection, &request)
                    .await
                    .map_err(|error| LinkError::Peer { error, doing: "getting objects" })
            }
        };
        let mut cursor = start;
        let mut page = fetch(None).await?;
        // Objects of pages received and not yet stored, and the `date_added` of the last.
        let mut held: Vec<Box<RawValue>> = Vec::new();
        let mut held_last: Option<i64> = None;
        for pages in 1..=MAX_PAGES_PER_ROUND {
            let more = page.envelope.more;
            let next =
                match more {
                    false => None,
                    true => Some(page.envelope.next.clone().ok_or_else(|| {
                        LinkError::Other("the peer says `more` but sends no `next`".into())
                    })?),
                };
            held.append(&mut page.envelope.objects);
            held_last = page.date_added_last_us.or(held_last);
            let following = next.filter(|_| pages < MAX_PAGES_PER_ROUND).map(|next| fetch(Some(next)));
            let following = match held.len() >= PULL_BATCH_OBJECTS || following.is_none() {
                true => {
                    let (taken, following) = tokio::join!(self.take(collection, &held), settle(following));
                    taken?;
                    held.clear();
                    if let Some(last) = held_last {
                        cursor = Some(last);
                        store
                            .set_peer_cursor(&self.peer.name, collection, Direction::Pull, last, now_micros())
                            .await?;
                    }
                    following
                }
                false => settle(following).await,
            };
            if !more {
                return Ok(());
            }
            match following {
                Some(fetched) => page = fetched?,
                None => break,
            }
        }
        self.behind(cursor);
        Ok(())
    }

    /// Stores pulled objects: each object the rules accept, under its owner; the rest set
    /// aside with their reasons.
    async fn take(&mut self, collection: &str, objects: &[Box<RawValue>]) -> Result<(), LinkError> {
        let started = std::time::Instant::now();
        let mut batch: Vec<NewVersion> = Vec::with_capacity(objects.len());
        for (index, object) in objects.iter().enumerate() {
            if let Some(version) = self.admit(index as u64, object.get()).await? {
                batch.push(version);
            }
        }
        if batch.is_empty() {
            return Ok(());
        }
        let admitted = started.elapsed();
        let mut outcomes = Vec::with_capacity(batch.len());
        for chunk in batch.chunks(selat_store::MAX_BATCH_LEN) {
            outcomes.extend(self.node.store.ingest(chunk, Some(collection)).await?);
        }
        let ingested = started.elapsed();
        let now = now_micros();
        let mut origins = Vec::new();
        for (outcome, version) in outcomes.into_iter().zip(&batch) {
            match outcome {
                Outcome::Stored { date_added_us } => {
                    self.report.received += 1;
                    let version_us = version.stated_version_us().or(date_added_us).unwrap_or(now);
                    origins.push(OriginRow {
                        id: version.id.clone(),
                        version_us,
                        owner: version.owner.clone(),
                        peer: self.peer.name.clone(),
                        received_us: now,
                    });
                }
                Outcome::AlreadyPresent => self.report.already_present += 1,
                Outcome::Refused { reason } => {
                    let stated = version.stated_version_us().map(selat_taxii::format_timestamp);
                    self.refuse(
                        Direction::Pull,
                        &version.id,
                        &stated.unwrap_or_default(),
                        reason.to_string(),
                    );
                }
            }
        }
        self.node.store.record_origins(&origins).await?;
        tracing::debug!(
            peer = %self.peer.name,
            objects = objects.len(),
            admit_ms = admitted.as_millis() as u64,
            ingest_ms = (ingested - admitted).as_millis() as u64,
            origins_ms = (started.elapsed() - ingested).as_millis() as u64,
            "pulled batch stored"
        );
        Ok(())
    }

    /// One pulled object made ready for the store, or set aside (counted, with its reason).
    async fn admit(&mut self, index: u64, text: &str) -> Result<Option<NewVersion>, LinkError> {
        let value: serde_json::Value = match serde_json::from_str(text) {
            Ok(value) => value,
            Err(e) => {
                self.refuse(Direction::Pull, "", "", format!("not JSON: {e}"));
                return Ok(None);
            }
        };
        let Some(meta) = ObjectMeta::extract(&value) else {
            self.refuse(Direction::Pull, "", "", "$: object has no string `type` and `id`".into());
            return Ok(None);
        };
        let version_text = value.get("modified").or_else(|| value.get("created")).and_then(|v| v.as_str());
        let version_text = version_text.unwrap_or_default().to_owned();
        let incoming = Incoming {
            created_by_ref: meta.created_by_ref.as_deref(),
            tlp: meta.tlp,
            scope: meta.scope,
            recipients: &meta.recipient_refs,
            group: meta.sharing_group_ref.as_deref(),
        };
        let owner = match rules::accept_pulled(&incoming, self.peer_org, self.hosted, self.registered) {
            Ok(owner) => owner.to_owned(),
            // Our own objects come back from a hub on every pull: expected, never stored again.
            Err(Refuse::HostedOwner) => {
                self.report.skipped += 1;
                return Ok(None);
            }
            Err(refuse) => {
                self.refuse(Direction::Pull, &meta.id, &version_text, refuse.as_str().to_owned());
                return Ok(None);
            }
        };
        let creator_registered =
            meta.created_by_ref.as_deref().is_some_and(|r| self.registered.get(r).is_some());
        if !creator_registered && self.held_already(&meta.id, text).await? {
            self.report.already_present += 1;
            return Ok(None);
        }
        let options = self.options_for(&owner).await?;
        let raw = RawObject { index, at: Position::default(), bytes: text.as_bytes().to_vec() };
        match ingest::prepare(&raw, options) {
            Ok(prepared) => Ok(Some(prepared.version)),
            Err(rejection) => {
                self.refuse(Direction::Pull, &meta.id, &version_text, rejection.reasons.join("; "));
                Ok(None)
            }
        }
    }

    /// Whether this node holds this very content already, under any owner. Only for objects
    /// without a registered creator: they take the sending peer's organisation as owner, so the
    /// same object reaching this node over two links (or coming back after we sent it) would
    /// otherwise be a second copy under another owner (an observable) or a `not-owner`
    /// refusal. Costs one look-up per such object.
    async fn held_already(&self, id: &str, text: &str) -> Result<bool, LinkError> {
        let held = self.node.store.latest_versions(id, &Audience::Unrestricted).await?;
        if held.is_empty() {
            return Ok(false);
        }
        let canonical = selat_stix::canonical::compact(text.as_bytes());
        Ok(held.iter().any(|v| v.json.as_bytes() == canonical.as_slice()))
    }

    async fn options_for(&mut self, owner: &str) -> Result<&IngestOptions, LinkError> {
        if !self.options.contains_key(owner) {
            let options = self.node.ingest_options(owner).await?;
            self.options.insert(owner.to_owned(), options);
        }
        Ok(&self.options[owner])
    }

    /// Pushes one collection from its cursor: each page's objects that may leave, in one Add
    /// Objects request of at most [`Link::max_push_bytes`] (what does not fit is read again for
    /// the next request). Up to [`MAX_PUSH_IN_FLIGHT`] requests await their status at once (the
    /// peer stores one while the next travels and the node reads the page after); the cursor
    /// moves past a page only once its status, and every earlier one, is complete.
    async fn push(&mut self, collection: &str) -> Result<(), LinkError> {
        let store = &self.node.store;
        let mut cursor = store.peer_cursor(&self.peer.name, collection, Direction::Push).await?;
        let max_bytes = self.max_push_bytes().await?;
        let mut read_from = cursor;
        let mut in_flight: VecDeque<InFlight> = VecDeque::with_capacity(MAX_PUSH_IN_FLIGHT);
        let mut more = true;
        for _ in 0..MAX_PAGES_PER_ROUND {
            let query = PageQuery {
                added_after_us: read_from,
                versions: VersionFilter::all(),
                ..PageQuery::new(collection, PUSH_BATCH_OBJECTS)
            };
            let started = std::time::Instant::now();
            let page = store.objects_page(&query).await?;
            let read = started.elapsed();
            let mut body = String::new();
            let mut envelope = EnvelopeWriter::new(&mut body);
            // The `date_added` of the last entry this request takes; the rest of a page that
            // would not fit under `max_bytes` is read again for the next request.
            let mut last = None;
            for entry in &page.entries {
                if !self.leaves(entry.owner.as_deref().unwrap_or_default(), &entry.json) {
                    self.report.skipped += 1;
                } else if envelope.bytes_with(&entry.json) as u64 <= max_bytes {
                    envelope.push(&entry.json);
                } else if envelope.is_empty() {
                    let version = selat_taxii::format_timestamp(entry.version_us);
                    let reason = format!(
                        "{} bytes in a request: more than the peer takes ({max_bytes} bytes, its max_content_length)",
                        envelope.bytes_with(&entry.json)
                    );
                    self.refuse(Direction::Push, &entry.id, &version, reason);
                } else {
                    break;
                }
                last = Some(entry.date_added_us);
            }
            let Some(last) = last else {
                more = false;
                break;
            };
            let rest_of_page = page.date_added_last_us() != Some(last);
            let any = !envelope.is_empty();
            envelope.finish(false, None);
            let filtered = started.elapsed();
            let status = match any {
                true => Some(
                    self.client
                        .add_objects(collection, body)
                        .await
                        .map_err(|error| LinkError::Peer { error, doing: "adding objects" })?,
                ),
                false => None,
            };
            tracing::debug!(
                peer = %self.peer.name,
                read_ms = read.as_millis() as u64,
                filter_ms = (filtered - read).as_millis() as u64,
                post_ms = (started.elapsed() - filtered).as_millis() as u64,
                "page pushed"
            );
            in_flight.push_back(InFlight { status, last_us: last });
            read_from = Some(last);
            if in_flight.len() >= MAX_PUSH_IN_FLIGHT {
                cursor = Some(self.confirm_oldest(collection, &mut in_flight).await?);
            }
            if !page.more && !rest_of_page {
                more = false;
                break;
            }
        }
        while !in_flight.is_empty() {
            cursor = Some(self.confirm_oldest(collection, &mut in_flight).await?);
        }
        if more {
            self.behind(cursor);
        }
        Ok(())
    }

    /// The most bytes one Add Objects request to this peer may have: [`MAX_PUSH_BODY_BYTES`],
    /// or the peer's `max_content_length` when smaller (read once per round).
    async fn max_push_bytes(&mut self) -> Result<u64, LinkError> {
        if let Some(bytes) = self.max_push_bytes {
            return Ok(bytes);
        }
        let root = self
            .client
            .api_root_information()
            .await
            .map_err(|error| LinkError::Peer { error, doing: "reading the API root" })?;
        let bytes = root.max_content_length.clamp(1, MAX_PUSH_BODY_BYTES);
        self.max_push_bytes = Some(bytes);
        Ok(bytes)
    }

    /// Waits for the oldest request in flight to complete, counts what the peer confirmed and
    /// refused, and moves the cursor past its page; returns the new cursor.
    async fn confirm_oldest(
        &mut self,
        collection: &str,
        in_flight: &mut VecDeque<InFlight>,
    ) -> Result<i64, LinkError> {
        let Some(InFlight { status, last_us }) = in_flight.pop_front() else {
            return Err(LinkError::Other("no push in flight (a bug)".into()));
        };
        if let Some(status) = status {
            let waited = std::time::Instant::now();
            let status = self.complete(status).await?;
            tracing::debug!(peer = %self.peer.name, status_ms = waited.elapsed().as_millis() as u64, "push confirmed");
            self.report.sent += status.success_count.max(status.successes.len() as u64);
            for failure in &status.failures {
                let reason = failure.message.clone().unwrap_or_else(|| "refused (no reason given)".into());
                self.refuse(Direction::Push, &failure.id, &failure.version, reason);
            }
        }
        self.node
            .store
            .set_peer_cursor(&self.peer.name, collection, Direction::Push, last_us, now_micros())
            .await?;
        Ok(last_us)
    }

    /// Whether a stored version may leave for this peer.
    fn leaves(&self, owner: &str, json: &str) -> bool {
        let Ok(value) = serde_json::from_str::<serde_json::Value>(json) else { return false };
        let Some(meta) = ObjectMeta::extract(&value) else { return false };
        let object = Outgoing {
            owner,
            tlp: meta.tlp,
            scope: meta.scope,
            recipients: &meta.recipient_refs,
            group: meta.sharing_group_ref.as_deref(),
            // The pull rule never stores a peer's object under an owner this node serves
            // (`hosted-owner`), and the token acts only for such owners: an object that passes
            // `NotActedFor` was made here. Origins are kept for reports, not consulted per object.
            received: false,
        };
        rules::may_leave(&object, &self.peer.hosts, &self.peer.peer_hosts, self.registered).is_ok()
    }

    /// Polls a status resource until it is complete, at most [`MAX_STATUS_WAIT`].
    async fn complete(&self, mut status: Status) -> Result<Status, LinkError> {
        let started = std::time::Instant::now();
        let mut pause = Duration::from_millis(10);
        while status.status == StatusState::Pending {
            if started.elapsed() >= MAX_STATUS_WAIT {
                return Err(LinkError::Other(format!(
                    "status {} still pending after {} s (MAX_STATUS_WAIT); the batch is sent again next round",
                    status.id,
                    MAX_STATUS_WAIT.as_secs()
                )));
            }
            tokio::time::sleep(pause).await;
            pause = (pause * 2).min(MAX_STATUS_POLL);
            status = self
                .client
                .status(&status.id)
                .await
                .map_err(|error| LinkError::Peer { error, doing: "reading the status" })?;
        }
        Ok(status)
    }
}
