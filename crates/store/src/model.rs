//! The store's own types: what callers hand in and what queries hand back.
//!
//! These are row types, not wire types: TAXII and REST JSON live with their protocols and convert
//! to and from these at the boundary. Times are integer microseconds since the Unix epoch.

use crate::error::{Error, Result};
use crate::{MAX_FILTER_VALUES, MAX_PAGE_LIMIT, MAX_SCAN_LIMIT};

/// One STIX object version to store, with the columns queries need already computed by the caller.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NewVersion {
    /// The STIX id, e.g. `indicator--<uuid>`.
    pub id: String,
    /// The STIX `type`.
    pub object_type: String,
    /// The STIX `spec_version`, e.g. `2.1`.
    pub spec_version: String,
    /// `created`, in microseconds.
    pub created_us: Option<i64>,
    /// `modified`, in microseconds.
    pub modified_us: Option<i64>,
    /// `created_by_ref`, kept byte-exact.
    pub created_by_ref: Option<String>,
    /// `revoked`.
    pub revoked: bool,
    /// Effective TLP: `clear`, `green`, `amber`, `amber+strict`, `red`, or none.
    pub tlp: Option<String>,
    /// Distribution scope: `organisation`, `national`, `community`, `group` or `recipients`.
    pub scope: String,
    /// `confidence`.
    pub confidence: Option<i64>,
    /// A cyber-observable: its id is deterministic, so each owner keeps its own copy.
    pub is_sco: bool,
    /// The owning organisation's identity id.
    pub owner: String,
    /// The canonical compact JSON of the object, stored and served byte-exact.
    pub json: String,
    /// The audience labels of this version (see [`Audience`]): a viewer holding any of them may
    /// see it, if it may also see the latest version of the same `(id, owner)`. The access rule
    /// that computes them lives in `selat-core`; the store only matches them.
    pub audience: Vec<String>,
    /// The observable values this version carries (its own, its pattern's, what it sights), at
    /// most [`MAX_OBSERVABLES_PER_VERSION`](crate::MAX_OBSERVABLES_PER_VERSION): the entries of
    /// the observable index (value → versions). Extracting them is `selat-core`'s job.
    pub observables: Vec<Observable>,
}

/// One value of the observable index: `kind` says where it came from (`ipv4-addr`,
/// `file:hashes.SHA-256`, `sighting-of`, …), `value` is the normalised text looked up.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Observable {
    /// Where the value came from, e.g. `domain-name` or `file:name`.
    pub kind: String,
    /// The value, normalised by the extractor (lower-case hashes and domains, …).
    pub value: String,
}

impl Observable {
    /// An entry of the index.
    pub fn new(kind: impl Into<String>, value: impl Into<String>) -> Self {
        Observable { kind: kind.into(), value: value.into() }
    }
}

/// A look-up in the observable index: the latest versions this audience may see that carry one of
/// `values`, at most `limit_per_value` per value (newest first).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ObservableQuery {
    /// The values, at most [`MAX_OBSERVABLE_QUERY_VALUES`](crate::MAX_OBSERVABLE_QUERY_VALUES).
    pub values: Vec<String>,
    /// At most this many holders per value, clamped to
    /// [`MAX_HOLDERS_PER_VALUE`](crate::MAX_HOLDERS_PER_VALUE). Ask for one more than you show to
    /// learn whether there are more.
    pub limit_per_value: usize,
    /// Whose view.
    pub audience: Audience,
}

/// A version carrying a looked-up value.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ObservableHit {
    /// The value looked up.
    pub value: String,
    /// Where the version carries it (`ipv4-addr`, `file:hashes.MD5`, `sighting-of`, …).
    pub kind: String,
    /// The version: its id, owner, type, TLP, `created_by_ref`, `revoked` and JSON.
    pub id: String,
    /// The owning organisation's identity.
    pub owner: String,
    /// The STIX type.
    pub object_type: String,
    /// Effective TLP as stored.
    pub tlp: Option<String>,
    /// `created_by_ref`.
    pub created_by_ref: Option<String>,
    /// `revoked`.
    pub revoked: bool,
    /// The canonical JSON.
    pub json: String,
}

impl NewVersion {
    /// The version the object states itself: `modified`, else `created`. Without either, the
    /// store uses the time the content was first stored (TAXII 2.1 §3.4.1).
    pub fn stated_version_us(&self) -> Option<i64> {
        self.modified_us.or(self.created_us)
    }
}

/// What happened to one object of an ingest batch.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Outcome {
    /// Something was written: a new version, or a version stored earlier that is now added to the
    /// batch's collection. `date_added_us` is its `date_added` in that collection, if one was given.
    Stored {
        /// The entry's `date_added` in the collection.
        date_added_us: Option<i64>,
    },
    /// Nothing was written: this version (same id, version and owner, same content) is already
    /// stored, and already in the collection if one was given. Re-sending is safe.
    AlreadyPresent,
    /// The object was not stored; the reason says why.
    Refused {
        /// Why.
        reason: Refusal,
    },
}

/// Why an object version was refused.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Refusal {
    /// Another organisation owns this id; only the owner adds versions (SCOs excepted).
    NotOwner,
    /// The same owner already stored this `(id, version)` with different content; a new version
    /// needs a new `modified`.
    VersionConflict,
}

impl Refusal {
    /// The reason as it appears in TAXII status `failures` and reports.
    pub fn as_str(self) -> &'static str {
        match self {
            Refusal::NotOwner => "not-owner",
            Refusal::VersionConflict => "version-conflict",
        }
    }
}

impl std::fmt::Display for Refusal {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

/// A collection to create.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NewCollection {
    /// A UUID.
    pub id: String,
    /// Human-readable title.
    pub title: String,
    /// Optional description.
    pub description: Option<String>,
    /// Optional alias, unique among collections.
    pub alias: Option<String>,
    /// Media types served, e.g. `application/stix+json;version=2.1`.
    pub media_types: Vec<String>,
}

/// A stored TAXII collection.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Collection {
    /// A UUID.
    pub id: String,
    /// Human-readable title.
    pub title: String,
    /// Optional description.
    pub description: Option<String>,
    /// Optional alias.
    pub alias: Option<String>,
    /// Media types served.
    pub media_types: Vec<String>,
    /// When the collection was created.
    pub created_us: i64,
}

/// Which versions of each object a page returns: the union of the selected sets (TAXII 2.1
/// `match[version]`, a comma list of `first`, `last`, `all` and timestamps). No selector at all
/// means `last`, TAXII's default.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct VersionFilter {
    /// The latest version of each object in the collection.
    pub last: bool,
    /// The earliest version of each object in the collection.
    pub first: bool,
    /// Every version; makes the other selectors moot.
    pub all: bool,
    /// Versions with exactly these timestamps.
    pub at_us: Vec<i64>,
}

impl VersionFilter {
    /// Only the latest version of each object (the default).
    pub fn last() -> Self {
        VersionFilter { last: true, ..Self::default() }
    }

    /// Only the earliest version of each object.
    pub fn first() -> Self {
        VersionFilter { first: true, ..Self::default() }
    }

    /// Every version.
    pub fn all() -> Self {
        VersionFilter { all: true, ..Self::default() }
    }

    /// Versions with these timestamps.
    pub fn at(at_us: Vec<i64>) -> Self {
        VersionFilter { at_us, ..Self::default() }
    }

    /// The same filter with no selector replaced by TAXII's default, `last`.
    pub(crate) fn effective(&self) -> VersionFilter {
        let none = !self.last && !self.first && !self.all && self.at_us.is_empty();
        if none { VersionFilter::last() } else { self.clone() }
    }
}

/// Who a read is for: every stored object (the operator, `selat copy`, an unrestricted export) or
/// a viewer holding these audience labels.
///
/// An object version is visible to a viewer when the viewer holds one of the version's labels and
/// one of the labels of the latest version of the same `(id, owner)` (tightening the markings of
/// an object hides its older versions too). Two owners' copies of one cyber-observable `(id,
/// version)` in a collection are one result: the first copy the viewer may see. Invisible entries
/// are not returned, counted or hinted at; a page's cost is bounded by the entries the viewer may
/// see, not by those it may not.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub enum Audience {
    /// No restriction: every stored version.
    #[default]
    Unrestricted,
    /// Only versions carrying one of these labels. An empty list sees nothing.
    Labels(Vec<String>),
}

impl Audience {
    /// The labels, or `None` when unrestricted.
    pub fn labels(&self) -> Option<&[String]> {
        match self {
            Audience::Unrestricted => None,
            Audience::Labels(labels) => Some(labels),
        }
    }
}

/// One page of a collection, in `date_added` order (objects or manifest).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PageQuery {
    /// The collection's id.
    pub collection: String,
    /// Only entries added strictly after this time (TAXII `added_after`, or a `next` cursor).
    pub added_after_us: Option<i64>,
    /// At most this many entries; values above [`MAX_PAGE_LIMIT`] give a page of that size.
    pub limit: usize,
    /// Only these STIX types (any of them); empty means all.
    pub types: Vec<String>,
    /// Only these ids (any of them); empty means all.
    pub ids: Vec<String>,
    /// Only these spec versions (any of them); empty means all.
    pub spec_versions: Vec<String>,
    /// Which versions of each object.
    pub versions: VersionFilter,
    /// Whose view of the collection.
    pub audience: Audience,
}

impl PageQuery {
    /// The first page of `collection`, latest versions, with no other filter.
    pub fn new(collection: impl Into<String>, limit: usize) -> Self {
        PageQuery {
            collection: collection.into(),
            added_after_us: None,
            limit,
            types: Vec::new(),
            ids: Vec::new(),
            spec_versions: Vec::new(),
            versions: VersionFilter::default(),
            audience: Audience::Unrestricted,
        }
    }

    /// The same query as seen by a viewer holding `labels`.
    pub fn seen_by(self, labels: Vec<String>) -> Self {
        PageQuery { audience: Audience::Labels(labels), ..self }
    }

    /// The query of one object's entries (TAXII `objects/{id}/` and `objects/{id}/versions/`).
    pub fn object(collection: impl Into<String>, id: impl Into<String>, limit: usize) -> Self {
        PageQuery { ids: vec![id.into()], ..PageQuery::new(collection, limit) }
    }

    /// The limit the store applies: at least 1, at most [`MAX_PAGE_LIMIT`].
    pub(crate) fn limit_applied(&self) -> usize {
        self.limit.clamp(1, MAX_PAGE_LIMIT)
    }

    /// Refuses filters with more values than the store will put in one statement.
    pub(crate) fn check_limits(&self) -> Result<()> {
        check_filter("type", self.types.len())?;
        check_filter("id", self.ids.len())?;
        check_filter("spec_version", self.spec_versions.len())?;
        check_filter("version", self.versions.at_us.len())?;
        check_filter("audience label", self.audience.labels().map_or(0, <[String]>::len))
    }
}

impl ObservableQuery {
    /// The per-value limit the store applies: at least 1, at most
    /// [`MAX_HOLDERS_PER_VALUE`](crate::MAX_HOLDERS_PER_VALUE).
    pub(crate) fn limit_applied(&self) -> usize {
        self.limit_per_value.clamp(1, crate::MAX_HOLDERS_PER_VALUE)
    }

    /// Refuses more values, or longer ones, than one look-up takes.
    pub(crate) fn check_limits(&self) -> Result<()> {
        if self.values.len() > crate::MAX_OBSERVABLE_QUERY_VALUES {
            return Err(Error::TooManyFilterValues {
                filter: "observable value",
                len: self.values.len(),
                max: crate::MAX_OBSERVABLE_QUERY_VALUES,
            });
        }
        check_filter("audience label", self.audience.labels().map_or(0, <[String]>::len))
    }
}

fn check_filter(filter: &'static str, len: usize) -> Result<()> {
    if len > MAX_FILTER_VALUES {
        return Err(Error::TooManyFilterValues { filter, len, max: MAX_FILTER_VALUES });
    }
    Ok(())
}

/// An entry of a page that has a `date_added`.
pub trait Dated {
    /// The entry's `date_added` in its collection.
    fn date_added_us(&self) -> i64;
}

/// An object entry of a collection page, served straight from the stored JSON.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ObjectEntry {
    /// `date_added` in the collection.
    pub date_added_us: i64,
    /// The STIX id.
    pub id: String,
    /// The version (modified, else created, else first date_added).
    pub version_us: i64,
    /// The STIX spec version.
    pub spec_version: String,
    /// The canonical JSON, byte-exact as stored.
    pub json: String,
    /// Effective TLP as stored (`None`: unmarked, or not read by this query).
    pub tlp: Option<String>,
    /// The owning organisation's identity (`None`: not read by this query).
    pub owner: Option<String>,
}

/// A manifest entry of a collection page: the object's metadata without its JSON.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ManifestEntry {
    /// `date_added` in the collection.
    pub date_added_us: i64,
    /// The STIX id.
    pub id: String,
    /// The version.
    pub version_us: i64,
    /// The STIX spec version.
    pub spec_version: String,
    /// Effective TLP as stored (`None`: unmarked, or not read by this query).
    pub tlp: Option<String>,
    /// The owning organisation's identity (`None`: not read by this query).
    pub owner: Option<String>,
}

impl ManifestEntry {
    /// The TAXII media type of this entry, e.g. `application/stix+json;version=2.1`.
    pub fn media_type(&self) -> String {
        format!("application/stix+json;version={}", self.spec_version)
    }
}

impl Dated for ObjectEntry {
    fn date_added_us(&self) -> i64 {
        self.date_added_us
    }
}

impl Dated for ManifestEntry {
    fn date_added_us(&self) -> i64 {
        self.date_added_us
    }
}

/// Whether an entry's TLP makes it material whose reading the audit log records: AMBER,
/// AMBER+STRICT, RED, or none (treated as AMBER).
pub fn tlp_is_sensitive(tlp: Option<&str>) -> bool {
    !matches!(tlp, Some("clear" | "green"))
}

/// A page of entries in `date_added` order.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Page<T> {
    /// The entries, `date_added` strictly increasing.
    pub entries: Vec<T>,
    /// More entries may match after this page. A page can be shorter than the limit and still
    /// have more, when the store stopped after examining [`MAX_SCAN_PER_PAGE`](crate::MAX_SCAN_PER_PAGE)
    /// entries that the filters hid.
    pub more: bool,
    /// Where the next page starts (its `added_after`) when `more` is set.
    pub next_added_after_us: Option<i64>,
}

impl<T: Dated> Page<T> {
    /// `date_added` of the first entry (TAXII `X-TAXII-Date-Added-First`).
    pub fn date_added_first_us(&self) -> Option<i64> {
        self.entries.first().map(Dated::date_added_us)
    }

    /// `date_added` of the last entry (TAXII `X-TAXII-Date-Added-Last`).
    pub fn date_added_last_us(&self) -> Option<i64> {
        self.entries.last().map(Dated::date_added_us)
    }
}

/// How many objects each owner added per day: the latest version of each `(id, owner)` that the
/// audience may see, counted on the day its id was first stored by that owner, when that day falls
/// in `[from_us, to_us)`. A figure for a report or a dashboard, counted inside the query (never
/// fetched and filtered), so it costs one statement whatever the store holds.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ActivityQuery {
    /// Whose view: only objects this audience may see.
    pub audience: Audience,
    /// The first instant counted (microseconds since the Unix epoch).
    pub from_us: i64,
    /// The first instant past the range; at most [`MAX_ACTIVITY_DAYS`](crate::MAX_ACTIVITY_DAYS)
    /// days after `from_us`.
    pub to_us: i64,
    /// Only this STIX type.
    pub object_type: Option<String>,
    /// Leave out objects held in this collection (by id), e.g. the coordination records when
    /// counting intelligence.
    pub exclude_collection: Option<String>,
}

impl ActivityQuery {
    /// Refuses a range that ends before it starts or covers more than
    /// [`MAX_ACTIVITY_DAYS`](crate::MAX_ACTIVITY_DAYS).
    pub(crate) fn check_range(&self) -> crate::Result<()> {
        let days = (self.to_us - self.from_us).div_euclid(DAY_US);
        if self.to_us <= self.from_us || days > crate::MAX_ACTIVITY_DAYS {
            return Err(crate::Error::ActivityRange { days, max: crate::MAX_ACTIVITY_DAYS });
        }
        Ok(())
    }
}

/// A day in microseconds: the unit of [`ActivityRow::day`].
pub(crate) const DAY_US: i64 = 86_400_000_000;

/// Objects one owner added on one day (see [`ActivityQuery`]).
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
pub struct ActivityRow {
    /// The owning organisation.
    pub owner: String,
    /// Days since the Unix epoch (UTC).
    pub day: i64,
    /// Objects first stored that day.
    pub objects: u64,
}

/// One keyset page of an export scan over stored versions.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ScanQuery {
    /// Resume after this cursor: `None` for the start, else the previous page's `next_after`.
    pub after: Option<i64>,
    /// At most this many rows; values above [`MAX_SCAN_LIMIT`] give a page of that size.
    pub limit: usize,
    /// Only the latest version of each object (in the collection, when one is given).
    pub latest_only: bool,
    /// Only this STIX type.
    pub object_type: Option<String>,
    /// Only versions in this collection, in `date_added` order.
    pub collection: Option<String>,
    /// Whose view: only versions this audience may see.
    pub audience: Audience,
}

impl ScanQuery {
    /// The limit the store applies: at least 1, at most [`MAX_SCAN_LIMIT`].
    pub(crate) fn limit_applied(&self) -> usize {
        self.limit.clamp(1, MAX_SCAN_LIMIT)
    }
}

/// A page of an export scan.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ScanPage {
    /// The rows, in the scan's order.
    pub rows: Vec<StoredVersion>,
    /// The cursor for the next page, or `None` when the scan is complete.
    pub next_after: Option<i64>,
}

/// A stored object version with every column.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StoredVersion {
    /// The store's internal sequence number: increasing in insertion order, never reused.
    pub seq: i64,
    /// The STIX id.
    pub id: String,
    /// The version.
    pub version_us: i64,
    /// The owning organisation.
    pub owner: String,
    /// The STIX type.
    pub object_type: String,
    /// The STIX spec version.
    pub spec_version: String,
    /// `created`.
    pub created_us: Option<i64>,
    /// `modified`.
    pub modified_us: Option<i64>,
    /// `created_by_ref`.
    pub created_by_ref: Option<String>,
    /// `revoked`.
    pub revoked: bool,
    /// Effective TLP.
    pub tlp: Option<String>,
    /// Distribution scope.
    pub scope: String,
    /// `confidence`.
    pub confidence: Option<i64>,
    /// A cyber-observable.
    pub is_sco: bool,
    /// The latest version of this id for this owner.
    pub is_latest: bool,
    /// When this version was first stored.
    pub stored_us: i64,
    /// `date_added` in the scanned collection (collection scans only).
    pub date_added_us: Option<i64>,
    /// The canonical JSON.
    pub json: String,
    /// The audience labels of this version, sorted.
    pub audience: Vec<String>,
}

/// How much a store, or one collection, holds.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Counts {
    /// Distinct object ids.
    pub objects: u64,
    /// Object versions (each owner's copy of an SCO counts once).
    pub versions: u64,
}

/// Labels as a backend returns them aggregated: one string, newline-separated, or none.
pub(crate) fn split_labels(joined: Option<String>) -> Vec<String> {
    let mut labels: Vec<String> = joined.iter().flat_map(|j| j.split('\n')).map(str::to_owned).collect();
    labels.sort_unstable();
    labels
}
