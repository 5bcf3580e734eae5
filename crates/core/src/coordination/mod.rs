//! Coordination records (DESIGN.md "Coordination records"): incidents, the directory of points of
//! contact and its reachability checks, and what organisations contribute to them, each a STIX
//! object of a type or extension Selat ships (`selat_stix::selat`).
//!
//! They live in the node's `coordination` collection, so they are stored, marked, versioned,
//! access-controlled and federated like any other object, and readable over TAXII by whoever may
//! see them. Nobody writes that collection over TAXII: the services here are the only writers,
//! because they enforce the workflows' rules (who may move an incident to which status, who may
//! answer which request) before storing anything. Work that several organisations do on one record
//! is made of separate objects, each owned by its contributor and pointing at the record; the
//! record's state is derived from them when it is read.

pub mod advisories;
pub mod capacity;
pub mod contacts;
pub mod incidents;
pub mod meetings;
pub mod norms;
pub mod notices;
pub mod report;
mod share;
pub mod statistics;

use std::io::Cursor;

use selat_store::{Audience, NewCollection, ScanQuery, Store};
use serde_json::Value;

pub use share::Sharing;

use crate::access::{CollectionAccess, ReadAccess, WriteAccess};
use crate::ingest;
use crate::node::{Node, NodeError};
use crate::org::{OrgKind, Organisation, Principal};

/// The alias of the collection that holds coordination records.
pub const COLLECTION_ALIAS: &str = "coordination";

/// Most records of one type read to answer one request. Coordination records are few (incidents
/// and contacts number in the thousands per year for a region); past this the request fails
/// with [`CoordinationError::TooMany`] instead of reading without bound.
pub const MAX_RECORDS_READ: usize = 100_000;

/// Longest free text (a description, a note, a request) in a coordination record, in bytes.
pub const MAX_TEXT_BYTES: usize = 16 * 1024;

/// The coordination collection's id, the same on every node (the first 16 bytes of SHA-256 of
/// `selat:coordination`, as a v4-format UUID), so peers pull and push it by the same id.
pub fn collection_id() -> String {
    crate::sighting::v4_from("selat:coordination").to_string()
}

/// Why a coordination request was refused. Each variant maps to one HTTP status.
#[derive(Debug, thiserror::Error)]
pub enum CoordinationError {
    /// The request is malformed: fix it and resend.
    #[error("{0}")]
    Invalid(String),
    /// No such record, or none the caller may see (the two are never told apart).
    #[error("{0}")]
    NotFound(String),
    /// The caller may see the record but not do this to it.
    #[error("{0}")]
    Forbidden(String),
    /// The record's state does not allow it (an invalid transition, an answered check).
    #[error("{0}")]
    Conflict(String),
    /// The link or token has expired.
    #[error("{0}")]
    Expired(String),
    /// More than [`MAX_RECORDS_READ`] records of one type.
    #[error("more than {MAX_RECORDS_READ} {0} records: narrow the request")]
    TooMany(String),
    /// The store refused a record the service built: a defect, logged.
    #[error("storing {id}: {reasons}")]
    Refused { id: String, reasons: String },
    #[error(transparent)]
    Node(#[from] NodeError),
    #[error(transparent)]
    Store(#[from] selat_store::Error),
    #[error(transparent)]
    Ingest(#[from] ingest::IngestError),
}

impl From<crate::accounts::AccountError> for CoordinationError {
    fn from(e: crate::accounts::AccountError) -> Self {
        CoordinationError::Invalid(e.to_string())
    }
}

/// A stored record: its owner's identity and the object.
#[derive(Debug, Clone)]
pub struct Record {
    pub owner: String,
    pub object: Value,
}

impl Record {
    pub fn id(&self) -> &str {
        self.object["id"].as_str().unwrap_or_default()
    }

    pub fn str(&self, key: &str) -> Option<&str> {
        self.object.get(key).and_then(Value::as_str)
    }

    /// A property of the Selat extension `ext` on this object.
    pub fn ext(&self, ext: &str, key: &str) -> Option<&Value> {
        self.object.get("extensions").and_then(|e| e.get(ext)).and_then(|e| e.get(key))
    }
}

impl Node {
    /// The coordination collection's id, creating the collection (members read it, nobody writes
    /// it over TAXII) and storing Selat's extension definitions and the eleven UN GGE norms in it
    /// on first use.
    pub async fn coordination_collection(&self) -> Result<String, CoordinationError> {
        let id = self
            .coordination
            .get_or_try_init(|| async {
                let id = collection_id();
                if self.store.collection(&id).await?.is_none() {
                    let new = NewCollection {
                        id: id.clone(),
                        title: "Regional coordination".to_owned(),
                        description: Some(
                            "Incidents, the directory of points of contact and contact checks, and \
                             Selat's extension definitions"
                                .to_owned(),
                        ),
                        alias: Some(COLLECTION_ALIAS.to_owned()),
                        media_types: vec!["application/stix+json;version=2.1".to_owned()],
                    };
                    match self.store.create_collection(&new).await {
                        Ok(_) | Err(selat_store::Error::CollectionExists(_)) => {}
                        Err(e) => return Err(CoordinationError::Store(e)),
                    }
                    let access = CollectionAccess {
                        read: ReadAccess::Members,
                        write: WriteAccess::Nobody,
                        public: false,
                    };
                    self.set_collection_access(&id, access).await?;
                }
                let definitions: Vec<Value> = selat_stix::selat::SELAT_EXTENSIONS
                    .iter()
                    .map(selat_stix::selat::extension_definition_object)
                    .collect();
                let owner = self.settings.home_org.clone();
                self.store_in(&id, &owner, &definitions).await?;
                // The eleven UN GGE norms, at fixed versions: seeding again stores nothing.
                self.store_in(&id, &owner, &norms::seeded_norms()).await?;
                Ok::<_, CoordinationError>(id)
            })
            .await?;
        Ok(id.clone())
    }

    /// Stores `objects`, owned by `owner` (an identity), in the coordination collection; each must
    /// store (a refusal is the service's defect and is reported as such).
    pub(crate) async fn put_records(&self, owner: &str, objects: &[Value]) -> Result<(), CoordinationError> {
        let collection = self.coordination_collection().await?;
        let mut objects = objects.to_vec();
        objects.iter_mut().for_each(drop_empty_lists);
        self.store_in(&collection, owner, &objects).await
    }

    async fn store_in(
        &self,
        collection: &str,
        owner: &str,
        objects: &[Value],
    ) -> Result<(), CoordinationError> {
        let mut options = self.ingest_options(owner).await?;
        options.collection = Some(collection.to_owned());
        let body: Vec<String> = objects.iter().map(Value::to_string).collect();
        let body = body.join("\n").into_bytes();
        let report = ingest::ingest(&self.store, Cursor::new(body), &options, |_| {}).await?;
        if let Some(fatal) = report.fatal {
            return Err(CoordinationError::Refused { id: String::new(), reasons: fatal.to_string() });
        }
        if let Some(first) = report.rejected.first() {
            return Err(CoordinationError::Refused {
                id: first.id.clone().unwrap_or_default(),
                reasons: first.reasons.join("; "),
            });
        }
        Ok(())
    }

    /// The latest version of every record of `object_type` that `audience` may see.
    pub(crate) async fn records(
        &self,
        audience: &Audience,
        object_type: &str,
    ) -> Result<Vec<Record>, CoordinationError> {
        let collection = self.coordination_collection().await?;
        let mut records = Vec::new();
        let mut after = None;
        loop {
            let query = ScanQuery {
                after,
                limit: selat_store::MAX_SCAN_LIMIT,
                latest_only: true,
                object_type: Some(object_type.to_owned()),
                collection: Some(collection.clone()),
                audience: audience.clone(),
            };
            let page = self.store.scan(&query).await?;
            for row in page.rows {
                if records.len() == MAX_RECORDS_READ {
                    return Err(CoordinationError::TooMany(object_type.to_owned()));
                }
                let object = serde_json::from_str(&row.json).map_err(|e| CoordinationError::Refused {
                    id: row.id.clone(),
                    reasons: format!("stored JSON does not parse: {e}"),
                })?;
                records.push(Record { owner: row.owner, object });
            }
            match page.next_after {
                Some(next) => after = Some(next),
                None => return Ok(records),
            }
        }
    }

    /// The latest version of record `id` that `audience` may see (for an SDO, one owner's).
    pub(crate) async fn record(
        &self,
        audience: &Audience,
        id: &str,
    ) -> Result<Option<Record>, CoordinationError> {
        let versions = self.store.latest_versions(id, audience).await?;
        let Some(row) = versions.into_iter().next() else { return Ok(None) };
        let object = serde_json::from_str(&row.json)
            .map_err(|e| CoordinationError::Refused { id: row.id.clone(), reasons: e.to_string() })?;
        Ok(Some(Record { owner: row.owner, object }))
    }

    /// Serialises the read-check-write of a workflow step on this node, so two concurrent
    /// requests cannot both pass a check that only one of them may pass (answering a single-use
    /// link, moving an incident out of a status).
    pub(crate) async fn coordination_step(&self) -> tokio::sync::MutexGuard<'_, ()> {
        self.coordination_lock.lock().await
    }
}

/// Removes every empty list from a record the services built (STIX forbids empty lists; an
/// absent property reads back as none).
fn drop_empty_lists(value: &mut Value) {
    match value {
        Value::Object(map) => {
            map.retain(|_, v| !matches!(v, Value::Array(a) if a.is_empty()));
            map.values_mut().for_each(drop_empty_lists);
        }
        Value::Array(items) => items.iter_mut().for_each(drop_empty_lists),
        _ => {}
    }
}

/// Who the organisations are: by identity and by short name.
#[derive(Debug, Clone)]
pub struct Roster {
    orgs: Vec<Organisation>,
}

impl Roster {
    pub async fn load(node: &Node) -> Result<Self, CoordinationError> {
        Ok(Roster { orgs: node.organisations().await? })
    }

    pub fn by_identity(&self, identity: &str) -> Option<&Organisation> {
        self.orgs.iter().find(|o| o.identity == identity)
    }

    pub fn by_name(&self, short_name: &str) -> Option<&Organisation> {
        self.orgs.iter().find(|o| o.short_name.eq_ignore_ascii_case(short_name))
    }

    /// The short name of the organisation holding `identity`, else the identity itself.
    pub fn name_of(&self, identity: &str) -> String {
        self.by_identity(identity).map_or_else(|| identity.to_owned(), |o| o.short_name.clone())
    }

    /// The member state organisation named by ISO 3166 alpha-2 `iso2`.
    pub fn member_state(&self, iso2: &str) -> Result<&Organisation, CoordinationError> {
        self.by_name(iso2).filter(|o| o.kind == OrgKind::MemberState).ok_or_else(|| {
            CoordinationError::Invalid(format!("{iso2:?} is not a member state registered on this node"))
        })
    }

    /// The member state an organisation belongs to (itself for a member state).
    pub fn state_of(&self, org: &Organisation) -> Option<&Organisation> {
        let name = org.member_state()?;
        self.by_name(name)
    }
}

/// The caller's audience over the coordination collection.
pub(crate) async fn audience_of(node: &Node, principal: &Principal) -> Result<Audience, CoordinationError> {
    Ok(node.audience(Some(principal), false).await?)
}

/// `text` if it is at most [`MAX_TEXT_BYTES`], else a 400 naming `field`.
pub(crate) fn bounded<'a>(field: &str, text: &'a str) -> Result<&'a str, CoordinationError> {
    if text.len() > MAX_TEXT_BYTES {
        return Err(CoordinationError::Invalid(format!("{field} is longer than {MAX_TEXT_BYTES} bytes")));
    }
    Ok(text)
}

/// `text` as an RFC 3339 timestamp (or a `YYYY-MM-DD` date, taken as its midnight UTC), in the
/// STIX form; a 400 naming `field` otherwise.
pub(crate) fn timestamp(field: &str, text: &str) -> Result<String, CoordinationError> {
    let full = if text.len() == 10 { format!("{text}T00:00:00Z") } else { text.to_owned() };
    selat_stix::timestamp::Timestamp::parse(&full).map(|t| t.format(3)).map_err(|_| {
        CoordinationError::Invalid(format!("{field} {text:?}: expected YYYY-MM-DD or an RFC 3339 time"))
    })
}

/// A new version's `modified`: now, but always after the previous one (STIX orders versions by
/// `modified`, to the millisecond here).
pub(crate) fn next_modified(previous: Option<&str>) -> String {
    let mut at = selat_stix::timestamp::Timestamp::now_millis();
    if let Some(prev) = previous.and_then(|p| selat_stix::timestamp::Timestamp::parse(p).ok())
        && at.micros <= prev.micros
    {
        at.micros = prev.micros - prev.micros.rem_euclid(1000) + 1000;
    }
    at.format(3)
}

/// Now, as STIX writes it.
pub(crate) fn now() -> String {
    selat_stix::timestamp::Timestamp::now_millis().format(3)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn empty_lists_are_dropped_at_every_depth() {
        let mut record =
            serde_json::json!({"a": [], "b": [1], "ext": {"x": {"c": [], "d": "e"}}, "f": [{"g": []}]});
        drop_empty_lists(&mut record);
        assert_eq!(record, serde_json::json!({"b": [1], "ext": {"x": {"d": "e"}}, "f": [{}]}));
    }
}
