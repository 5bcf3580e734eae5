//! Correlation: for an object or a value, which other objects, organisations and member states
//! also reported or sighted it.
//!
//! Computed at query time from the observable index (`selat_store::Store::observable_holders`),
//! always through the caller's audience: a version the caller may not see is not read, so a value
//! only such versions carry gives an empty answer, exactly as a value nobody holds. No table of
//! pairs is stored, so nothing grows as the square of the data.
//!
//! A value that too many objects carry (a public resolver, a top domain) is capped at
//! [`MAX_CORRELATION_HOLDERS`] with a visible note; values on a known-benign list are flagged
//! (`crate::benign`), never hidden.

use std::collections::{BTreeMap, BTreeSet, HashMap};

use selat_store::{Audience, ObservableHit, ObservableQuery, Store};
use serde::Serialize;
use serde_json::Value;

use crate::benign::{self, BenignFlag};
use crate::node::{Node, NodeError};
use crate::observables::{self, SIGHTING_OF};
use crate::org::Organisation;

/// Most objects shown per correlated value; past it the value is marked `more` with a note.
pub const MAX_CORRELATION_HOLDERS: usize = 50;
/// Most values of one object correlated; past it the rest are named in a note.
pub const MAX_CORRELATED_VALUES: usize = 64;
/// Most indicators whose sightings one answer looks up.
pub const MAX_SIGHTED_INDICATORS: usize = 256;
/// Most sightings listed in one answer.
pub const MAX_CORRELATION_SIGHTINGS: usize = 500;
/// Longest value accepted in a correlation query, in bytes (the index keeps none longer).
pub const MAX_QUERY_VALUE_BYTES: usize = selat_store::MAX_OBSERVABLE_VALUE_BYTES;

/// An organisation as a correlation answer names it.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Serialize)]
pub struct OrgRef {
    /// Its STIX identity.
    pub identity: String,
    /// Its short name (`SG`, `SG-BANKING`), when it is registered here.
    pub short_name: Option<String>,
    /// The short name of its member state (itself, or a sector lead's parent).
    pub member_state: Option<String>,
}

/// Organisations, and the member states they belong to.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct Who {
    pub organisations: Vec<OrgRef>,
    /// Short names of the member states of `organisations`, sorted.
    pub member_states: Vec<String>,
}

/// An object carrying a correlated value.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Holder {
    pub id: String,
    #[serde(rename = "type")]
    pub object_type: String,
    /// Where it carries the value (`ipv4-addr`, `file:hashes.MD5`, …).
    pub kinds: Vec<String>,
    pub owner: OrgRef,
    pub tlp: Option<String>,
    pub revoked: bool,
}

/// One correlated value.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct ValueReport {
    pub value: String,
    /// Other objects carrying it, newest first, at most [`MAX_CORRELATION_HOLDERS`].
    pub objects: Vec<Holder>,
    /// More objects carry it than are shown.
    pub more: bool,
    /// Known-benign lists the value is on.
    pub benign: Vec<BenignFlag>,
}

/// A sighting of the object (or of an indicator carrying the value).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct SightingReport {
    pub id: String,
    pub sighting_of_ref: String,
    /// The organisation that reported the sighting.
    pub owner: OrgRef,
    /// `where_sighted_refs`, as organisations where registered.
    pub where_sighted: Vec<OrgRef>,
    pub count: Option<u64>,
    pub first_seen: Option<String>,
    pub last_seen: Option<String>,
    pub tlp: Option<String>,
}

/// The answer.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct Correlation {
    /// The object asked about, for an object query.
    pub object: Option<String>,
    /// Each value correlated, sorted.
    pub values: Vec<ValueReport>,
    /// Sightings of the object, or of the indicators that carry the values.
    pub sightings: Vec<SightingReport>,
    /// Who owns the other objects carrying the values.
    pub reported_by: Who,
    /// Who reported the sightings, and where they were sighted.
    pub sighted_by: Who,
    /// Limits reached, said plainly.
    pub notes: Vec<String>,
}

/// Why a correlation query failed.
#[derive(Debug, thiserror::Error)]
pub enum CorrelationError {
    /// No object with this id that the caller may see (the same answer as no object at all).
    #[error("no object {0}")]
    NotFound(String),
    /// The query is malformed; the message says how.
    #[error("{0}")]
    Invalid(String),
    #[error(transparent)]
    Node(#[from] NodeError),
}

impl From<selat_store::Error> for CorrelationError {
    fn from(e: selat_store::Error) -> Self {
        CorrelationError::Node(NodeError::Store(e))
    }
}

impl Node {
    /// What else carries the values of object `id`, and who sighted it, as `audience` sees it.
    pub async fn correlate_object(
        &self,
        id: &str,
        audience: &Audience,
    ) -> Result<Correlation, CorrelationError> {
        if let Err(e) = selat_stix::id::Identifier::parse(id) {
            return Err(CorrelationError::Invalid(e.to_string()));
        }
        let copies = self.store.latest_versions(id, audience).await?;
        if copies.is_empty() {
            return Err(CorrelationError::NotFound(id.to_owned()));
        }
        let mut values = BTreeSet::new();
        for copy in &copies {
            if let Ok(object) = serde_json::from_str::<Value>(&copy.json) {
                values.extend(observables::extract(&object).values.into_iter().map(|o| o.value));
            }
        }
        let mut notes = Vec::new();
        if values.len() > MAX_CORRELATED_VALUES {
            notes.push(format!(
                "{id} carries {} values; the first {MAX_CORRELATED_VALUES} are correlated (MAX_CORRELATED_VALUES)",
                values.len()
            ));
        }
        let mut values: Vec<String> = values.into_iter().take(MAX_CORRELATED_VALUES).collect();
        values.push(id.to_owned());
        let mut answer = self.correlate(values, Some(id), audience).await?;
        answer.notes.splice(0..0, notes);
        Ok(answer)
    }

    /// What carries `value` (as typed: each normalised form of it is looked up), and who
    /// sighted the indicators that carry it, as `audience` sees it.
    pub async fn correlate_value(
        &self,
        value: &str,
        audience: &Audience,
    ) -> Result<Correlation, CorrelationError> {
        let value = value.trim();
        if value.is_empty() {
            return Err(CorrelationError::Invalid("value: empty".to_owned()));
        }
        if value.contains('\0') {
            return Err(CorrelationError::Invalid("value: contains a NUL character".to_owned()));
        }
        if value.len() > MAX_QUERY_VALUE_BYTES {
            return Err(CorrelationError::Invalid(format!(
                "value: {} bytes, more than MAX_QUERY_VALUE_BYTES ({MAX_QUERY_VALUE_BYTES})",
                value.len()
            )));
        }
        self.correlate(observables::lookup_forms(value), None, audience).await
    }

    async fn correlate(
        &self,
        values: Vec<String>,
        object: Option<&str>,
        audience: &Audience,
    ) -> Result<Correlation, CorrelationError> {
        let query = ObservableQuery {
            values,
            limit_per_value: MAX_CORRELATION_HOLDERS + 1,
            audience: audience.clone(),
        };
        let hits = self.store.observable_holders(&query).await?;
        let orgs = OrgIndex::new(self.organisations().await?);
        let (sightings, holders): (Vec<ObservableHit>, Vec<ObservableHit>) =
            hits.into_iter().partition(|h| h.kind == SIGHTING_OF);
        let mut answer = Correlation { object: object.map(str::to_owned), ..Correlation::default() };
        answer.values = self.value_reports(&holders, object, &orgs, &mut answer.notes);
        // Sightings of the indicators that carry the values, besides those of the object itself.
        let mut indicators: Vec<String> = holders
            .iter()
            .filter(|h| h.object_type == "indicator" && Some(h.id.as_str()) != object)
            .map(|h| h.id.clone())
            .collect::<BTreeSet<_>>()
            .into_iter()
            .collect();
        if indicators.len() > MAX_SIGHTED_INDICATORS {
            answer.notes.push(format!(
                "{} indicators carry these values; sightings of the first {MAX_SIGHTED_INDICATORS} are shown (MAX_SIGHTED_INDICATORS)",
                indicators.len()
            ));
            indicators.truncate(MAX_SIGHTED_INDICATORS);
        }
        let mut all_sightings = sightings;
        if !indicators.is_empty() {
            let query = ObservableQuery {
                values: indicators,
                limit_per_value: MAX_CORRELATION_HOLDERS + 1,
                audience: audience.clone(),
            };
            let more = self.store.observable_holders(&query).await?;
            all_sightings.extend(more.into_iter().filter(|h| h.kind == SIGHTING_OF));
        }
        answer.sightings = sighting_reports(&all_sightings, &orgs, &mut answer.notes);
        answer.reported_by =
            orgs.who(answer.values.iter().flat_map(|v| v.objects.iter().map(|h| h.owner.clone())));
        answer.sighted_by = orgs.who(
            answer
                .sightings
                .iter()
                .flat_map(|s| std::iter::once(s.owner.clone()).chain(s.where_sighted.iter().cloned())),
        );
        Ok(answer)
    }

    fn value_reports(
        &self,
        holders: &[ObservableHit],
        object: Option<&str>,
        orgs: &OrgIndex,
        notes: &mut Vec<String>,
    ) -> Vec<ValueReport> {
        let mut by_value: BTreeMap<&str, Vec<&ObservableHit>> = BTreeMap::new();
        for hit in holders {
            by_value.entry(hit.value.as_str()).or_default().push(hit);
        }
        let lists = self.warninglists();
        let mut out = Vec::new();
        for (value, hits) in by_value {
            // Over the limit before the object itself is left out: the store returned limit + 1.
            let more = hits.len() > MAX_CORRELATION_HOLDERS;
            let mut objects: Vec<Holder> = Vec::new();
            for hit in hits.into_iter().take(MAX_CORRELATION_HOLDERS) {
                if Some(hit.id.as_str()) == object {
                    continue;
                }
                match objects.iter_mut().find(|h| h.id == hit.id && h.owner.identity == hit.owner) {
                    Some(holder) => holder.kinds.push(hit.kind.clone()),
                    None => objects.push(Holder {
                        id: hit.id.clone(),
                        object_type: hit.object_type.clone(),
                        kinds: vec![hit.kind.clone()],
                        owner: orgs.get(&hit.owner),
                        tlp: hit.tlp.clone(),
                        revoked: hit.revoked,
                    }),
                }
            }
            if more {
                notes.push(format!(
                    "more than {MAX_CORRELATION_HOLDERS} objects carry {value}; the newest are shown (MAX_CORRELATION_HOLDERS)"
                ));
            }
            let mut benign = benign::built_in(value);
            benign.extend(lists.flags(value));
            out.push(ValueReport { value: value.to_owned(), objects, more, benign });
        }
        out
    }
}

fn sighting_reports(hits: &[ObservableHit], orgs: &OrgIndex, notes: &mut Vec<String>) -> Vec<SightingReport> {
    let mut seen = BTreeSet::new();
    let mut out = Vec::new();
    for hit in hits {
        if !seen.insert((hit.id.as_str(), hit.owner.as_str())) {
            continue;
        }
        if out.len() == MAX_CORRELATION_SIGHTINGS {
            notes.push(format!(
                "more than {MAX_CORRELATION_SIGHTINGS} sightings; the first are shown (MAX_CORRELATION_SIGHTINGS)"
            ));
            break;
        }
        let object: Value = serde_json::from_str(&hit.json).unwrap_or(Value::Null);
        let text = |key: &str| object.get(key).and_then(Value::as_str).map(str::to_owned);
        let where_sighted = object
            .get("where_sighted_refs")
            .and_then(Value::as_array)
            .map(|refs| refs.iter().filter_map(Value::as_str).map(|r| orgs.get(r)).collect())
            .unwrap_or_default();
        out.push(SightingReport {
            id: hit.id.clone(),
            sighting_of_ref: hit.value.clone(),
            owner: orgs.get(&hit.owner),
            where_sighted,
            count: object.get("count").and_then(Value::as_u64),
            first_seen: text("first_seen"),
            last_seen: text("last_seen"),
            tlp: hit.tlp.clone(),
        });
    }
    out
}

/// The registered organisations by identity, for naming owners.
struct OrgIndex {
    by_identity: HashMap<String, Organisation>,
}

impl OrgIndex {
    fn new(orgs: Vec<Organisation>) -> Self {
        OrgIndex { by_identity: orgs.into_iter().map(|o| (o.identity.clone(), o)).collect() }
    }

    fn get(&self, identity: &str) -> OrgRef {
        let org = self.by_identity.get(identity);
        OrgRef {
            identity: identity.to_owned(),
            short_name: org.map(|o| o.short_name.clone()),
            member_state: org.and_then(|o| o.member_state()).map(str::to_owned),
        }
    }

    fn who(&self, refs: impl Iterator<Item = OrgRef>) -> Who {
        let organisations: BTreeSet<OrgRef> = refs.collect();
        let member_states: BTreeSet<String> =
            organisations.iter().filter_map(|o| o.member_state.clone()).collect();
        Who {
            organisations: organisations.into_iter().collect(),
            member_states: member_states.into_iter().collect(),
        }
    }
}
