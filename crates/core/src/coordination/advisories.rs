//! Public advisories: a TLP:CLEAR `report` of scope `community`, published to the public
//! advisory collection, which anyone reads without credentials over TAXII, REST and the Atom
//! feed. Member states (to warn their industry) and the secretariat publish; the author's
//! organisation owns the advisory.

use selat_stix::meta::Scope;
use selat_stix::tlp::Tlp;
use selat_store::{Audience, ScanQuery, Store};
use serde::{Deserialize, Serialize};
use serde_json::{Value, json};

use super::{CoordinationError, Roster, Sharing, bounded, now, timestamp};
use crate::access::CollectionAccess;
use crate::node::Node;
use crate::org::{OrgKind, Principal, Role};

/// The alias of the public advisory collection.
pub const PUBLIC_ALIAS: &str = "public";
/// Most advisories a list or the feed holds (the newest).
pub const MAX_ADVISORIES_LISTED: usize = 500;
/// Most objects an advisory refers to.
pub const MAX_ADVISORY_REFS: usize = 1000;

/// An advisory as published.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct NewAdvisory {
    pub name: String,
    pub description: String,
    /// Default now.
    pub published: Option<String>,
    #[serde(default)]
    pub labels: Vec<String>,
    /// Objects it refers to (already public, or to be read by their own markings); default the
    /// author's identity, since a STIX report must refer to something.
    #[serde(default)]
    pub object_refs: Vec<String>,
}

/// An advisory as listed.
#[derive(Debug, Clone, Serialize)]
pub struct AdvisoryView {
    pub id: String,
    pub name: String,
    pub description: String,
    pub published: String,
    pub modified: String,
    pub author: String,
    pub labels: Vec<String>,
}

impl Node {
    /// The public collection's id, creating it (anyone reads, only TLP:CLEAR community objects
    /// enter) if the node has none.
    pub async fn public_collection(&self) -> Result<String, CoordinationError> {
        let (collection, created) = self.collection_named(PUBLIC_ALIAS, true).await?;
        if created {
            self.set_collection_access(&collection.id, CollectionAccess::PUBLIC).await?;
        }
        Ok(collection.id)
    }

    /// Publishes an advisory (member-state and secretariat analysts).
    pub async fn publish_advisory(
        &self,
        by: &Principal,
        new: &NewAdvisory,
    ) -> Result<AdvisoryView, CoordinationError> {
        let may =
            by.at_least(Role::Analyst) && matches!(by.org.kind, OrgKind::MemberState | OrgKind::Secretariat);
        if !may && !by.at_least(Role::HubAdmin) {
            return Err(CoordinationError::Forbidden(
                "member-state and secretariat analysts publish advisories".to_owned(),
            ));
        }
        let name = bounded("name", new.name.trim())?;
        let description = bounded("description", new.description.trim())?;
        if name.is_empty() || description.is_empty() {
            return Err(CoordinationError::Invalid("name and description are required".to_owned()));
        }
        if new.object_refs.len() > MAX_ADVISORY_REFS || new.labels.len() > MAX_ADVISORY_REFS {
            return Err(CoordinationError::Invalid(format!(
                "at most {MAX_ADVISORY_REFS} object_refs and labels"
            )));
        }
        for r in &new.object_refs {
            if selat_stix::Identifier::parse(r).is_err() {
                return Err(CoordinationError::Invalid(format!(
                    "object_refs: {r:?} is not a STIX identifier"
                )));
            }
        }
        let at = now();
        let published = match &new.published {
            Some(p) => timestamp("published", p)?,
            None => at.clone(),
        };
        let refs =
            if new.object_refs.is_empty() { vec![by.org.identity.clone()] } else { new.object_refs.clone() };
        let mut object = json!({
            "type": "report", "spec_version": "2.1", "id": selat_stix::id::new_v4("report"),
            "created": at, "modified": at, "created_by_ref": by.org.identity,
            "name": name, "description": description, "published": published,
            "report_types": ["threat-report"], "object_refs": refs,
        });
        if !new.labels.is_empty() {
            object["labels"] = json!(new.labels);
        }
        Sharing::new(Tlp::Clear, Scope::Community).apply(&mut object);
        let collection = self.public_collection().await?;
        let mut options = self.ingest_options(&by.org.identity).await?;
        options.collection = Some(collection);
        options.clear_community_only = true;
        let report = crate::ingest::ingest(
            &self.store,
            std::io::Cursor::new(object.to_string().into_bytes()),
            &options,
            |_| {},
        )
        .await?;
        if let Some(first) = report.rejected.first() {
            return Err(CoordinationError::Invalid(first.reasons.join("; ")));
        }
        let roster = Roster::load(self).await?;
        Ok(advisory_view(&roster, &object, &by.org.identity))
    }

    /// The newest advisories, newest first (anyone may read them).
    pub async fn advisories(&self) -> Result<Vec<AdvisoryView>, CoordinationError> {
        let collection = self.public_collection().await?;
        let audience = self.audience(None, true).await?;
        let roster = Roster::load(self).await?;
        let mut out = Vec::new();
        let mut after = None;
        loop {
            let query = ScanQuery {
                after,
                limit: selat_store::MAX_SCAN_LIMIT,
                latest_only: true,
                object_type: Some("report".to_owned()),
                collection: Some(collection.clone()),
                audience: audience.clone(),
            };
            let page = self.store.scan(&query).await?;
            for row in page.rows {
                if let Ok(object) = serde_json::from_str::<Value>(&row.json) {
                    out.push(advisory_view(&roster, &object, &row.owner));
                }
            }
            match page.next_after {
                Some(next) => after = Some(next),
                None => break,
            }
        }
        out.sort_by(|a, b| b.published.cmp(&a.published).then_with(|| a.id.cmp(&b.id)));
        out.truncate(MAX_ADVISORIES_LISTED);
        debug_assert!(matches!(audience, Audience::Labels(_)));
        Ok(out)
    }
}

fn advisory_view(roster: &Roster, object: &Value, owner: &str) -> AdvisoryView {
    let text = |key: &str| object.get(key).and_then(Value::as_str).unwrap_or_default().to_owned();
    AdvisoryView {
        id: text("id"),
        name: text("name"),
        description: text("description"),
        published: text("published"),
        modified: text("modified"),
        author: roster.by_identity(owner).map_or_else(|| text("created_by_ref"), |o| o.name.clone()),
        labels: object
            .get("labels")
            .and_then(Value::as_array)
            .map(|a| a.iter().filter_map(Value::as_str).map(str::to_owned).collect())
            .unwrap_or_default(),
    }
}

/// The Atom feed (RFC 4287) of `advisories`, linking each to its TAXII object URL.
pub fn atom_feed(base_url: &str, collection: &str, advisories: &[AdvisoryView]) -> String {
    let escape =
        |t: &str| t.replace('&', "&amp;").replace('<', "&lt;").replace('>', "&gt;").replace('"', "&quot;");
    let updated = advisories.iter().map(|a| a.modified.as_str()).max().unwrap_or("2016-10-11T00:00:00.000Z");
    let mut out = String::from(
        "<?xml version=\"1.0\" encoding=\"utf-8\"?>\n<feed xmlns=\"http://www.w3.org/2005/Atom\">\n",
    );
    out.push_str(&format!(
        "  <id>urn:uuid:{collection}</id>\n  <title>Selat public advisories</title>\n  <updated>{updated}</updated>\n  \
         <link rel=\"self\" href=\"{}/feeds/advisories.atom\"/>\n  <author><name>Selat</name></author>\n",
        escape(base_url)
    ));
    for a in advisories {
        let uuid = a.id.rsplit_once("--").map_or(a.id.as_str(), |(_, u)| u);
        out.push_str(&format!(
            "  <entry>\n    <id>urn:uuid:{uuid}</id>\n    <title>{}</title>\n    <updated>{}</updated>\n    \
             <published>{}</published>\n    <author><name>{}</name></author>\n    \
             <link rel=\"alternate\" type=\"application/taxii+json;version=2.1\" href=\"{}/taxii2/selat/collections/{collection}/objects/{}/\"/>\n    \
             <summary>{}</summary>\n{}  </entry>\n",
            escape(&a.name),
            escape(&a.modified),
            escape(&a.published),
            escape(&a.author),
            escape(base_url),
            escape(&a.id),
            escape(&a.description),
            a.labels.iter().map(|l| format!("    <category term=\"{}\"/>\n", escape(l))).collect::<String>(),
        ));
    }
    out.push_str("</feed>\n");
    out
}
