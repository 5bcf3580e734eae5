//! The demo region (`selat serve --demo`): the eleven Member States, the secretariat, a dialogue
//! partner, sector leads, the shared and public collections, users of every role, and sample
//! intelligence written for the demo (`demo/intel.json`, carried in the binary).
//!
//! Identities and collections get deterministic v4-format UUIDs (the first 16 bytes of
//! SHA-256 of `selat-demo:` + the short name, version and variant bits set), so several demo nodes
//! agree on who is who; passwords and tokens are random per node.

use std::io::Write;
use std::path::{Path, PathBuf};

use serde::Serialize;
use serde_json::value::RawValue;
use sha2::{Digest, Sha256};

use crate::access::CollectionAccess;
use crate::accounts::AccountError;
use crate::auth;
use crate::ingest;
use crate::node::{Node, NodeError};
use crate::org::{OrgKind, Organisation, Role};
use crate::region::MEMBER_STATES;

mod coordination;
mod policy;

/// The sample intelligence: a fictional phishing campaign against banks of several states.
pub const INTEL: &str = include_str!("demo/intel.json");
/// Where the credentials go, inside the data directory.
pub const CREDENTIALS_FILE: &str = "demo-credentials.json";
/// Sector leads beyond banking and energy, for a few states.
const EXTRA_SECTORS: [(&str, &str, &str); 4] = [
    ("SG", "HEALTHCARE", "healthcare"),
    ("SG", "MARITIME", "transportation"),
    ("MY", "WATER", "utilities"),
    ("TH", "TELECOM", "telecommunications"),
];
/// The fixed `created` of demo identities, so every demo node writes the same objects.
const DEMO_EPOCH: &str = "2016-10-11T00:00:00.000Z";

/// Why seeding failed.
#[derive(Debug, thiserror::Error)]
pub enum DemoError {
    #[error(transparent)]
    Node(#[from] NodeError),
    #[error(transparent)]
    Account(#[from] AccountError),
    #[error("store: {0}")]
    Store(#[from] selat_store::Error),
    #[error("ingest: {0}")]
    Ingest(#[from] ingest::IngestError),
    #[error("coordination records: {0}")]
    Coordination(#[from] crate::coordination::CoordinationError),
    #[error("the demo intelligence was not stored whole: {0}")]
    Intel(String),
    #[error("writing {path}: {source}")]
    Io { path: PathBuf, source: std::io::Error },
}

/// The deterministic v4-format UUID of a demo name (`SG`, `shared`, …).
pub fn demo_uuid(name: &str) -> String {
    let digest = Sha256::digest(format!("selat-demo:{name}").as_bytes());
    let mut bytes = [0u8; 16];
    bytes.copy_from_slice(&digest[..16]);
    bytes[6] = (bytes[6] & 0x0f) | 0x40;
    bytes[8] = (bytes[8] & 0x3f) | 0x80;
    uuid::Uuid::from_bytes(bytes).to_string()
}

/// The identity id of a demo organisation.
pub fn demo_identity(short_name: &str) -> String {
    format!("identity--{}", demo_uuid(short_name))
}

/// `DATA/demo-credentials.json`, as DESIGN.md gives it.
#[derive(Debug, Clone, Serialize)]
pub struct DemoCredentials {
    pub base_url: String,
    pub api_root: String,
    pub collections: DemoCollections,
    pub orgs: Vec<DemoOrg>,
}

#[derive(Debug, Clone, Serialize)]
pub struct DemoCollections {
    pub shared: String,
    pub public: String,
}

#[derive(Debug, Clone, Serialize)]
pub struct DemoOrg {
    pub org: String,
    pub name: String,
    pub kind: String,
    pub parent: Option<String>,
    pub identity: String,
    pub username: String,
    pub password: String,
    pub token: String,
    pub users: Vec<DemoUser>,
}

#[derive(Debug, Clone, Serialize)]
pub struct DemoUser {
    pub role: String,
    pub username: String,
    pub password: String,
    pub token: String,
}

/// Every demo organisation, in the order the credentials list them.
pub fn demo_organisations() -> Vec<(Organisation, Vec<&'static str>)> {
    let mut out = Vec::new();
    let org = |short: String, name: String, kind, parent: Option<&str>, since: Option<&str>| Organisation {
        identity: demo_identity(&short),
        short_name: short,
        name,
        kind,
        parent: parent.map(str::to_owned),
        member_since: since.map(str::to_owned),
    };
    for state in &MEMBER_STATES {
        let name = format!("{} — {}", state.name, state.agency);
        out.push((
            org(state.alpha2.into(), name, OrgKind::MemberState, None, Some(state.member_since)),
            vec![],
        ));
    }
    out.push((org("ASEAN".into(), "ASEAN Secretariat".into(), OrgKind::Secretariat, None, None), vec![]));
    out.push((
        org("JP".into(), "Japan (ASEAN dialogue partner)".into(), OrgKind::Partner, None, None),
        vec![],
    ));
    for state in &MEMBER_STATES {
        let sectors = [("BANKING", "financial-services"), ("ENERGY", "energy")];
        let extra = EXTRA_SECTORS.iter().filter(|(s, _, _)| *s == state.alpha2).map(|(_, n, v)| (*n, *v));
        for (sector, vocab) in sectors.into_iter().chain(extra) {
            let name = format!("{} {} sector lead", state.name, sector.to_lowercase());
            let lead = org(
                format!("{}-{sector}", state.alpha2),
                name,
                OrgKind::SectorLead,
                Some(state.alpha2),
                None,
            );
            out.push((lead, vec![vocab]));
        }
    }
    out
}

/// The STIX identity object of an organisation, owned by itself.
fn identity_object(org: &Organisation, sectors: &[&str]) -> String {
    let mut object = serde_json::json!({
        "type": "identity", "spec_version": "2.1", "id": org.identity,
        "created": DEMO_EPOCH, "modified": DEMO_EPOCH, "created_by_ref": org.identity,
        "name": org.name, "identity_class": "organization",
        "description": format!("Selat organisation {} ({})", org.short_name, org.kind.as_str()),
        "object_marking_refs": [selat_stix::tlp::Tlp::Clear.marking_id()],
    });
    if !sectors.is_empty() {
        object["sectors"] = serde_json::json!(sectors);
    }
    object.to_string()
}

/// Seeds the demo region, unless the store already holds it (then returns `None`, keeping the
/// credentials file).
pub async fn seed(node: &Node, base_url: &str) -> Result<Option<DemoCredentials>, DemoError> {
    if node.organisation("ASEAN").await?.is_some() {
        return Ok(None);
    }
    let shared =
        create_collection(node, "shared", "Regional shared intelligence", CollectionAccess::SHARED).await?;
    let public = create_collection(node, "public", "Public advisories", CollectionAccess::PUBLIC).await?;
    let mut orgs = Vec::new();
    for (org, sectors) in demo_organisations() {
        node.create_organisation(&org).await?;
        ingest_texts(node, &org.identity, &shared, false, &[identity_object(&org, &sectors)]).await?;
        orgs.push(demo_accounts(node, &org).await?);
    }
    seed_intel(node, &shared, &public).await?;
    coordination::seed(node).await?;
    policy::seed(node).await?;
    let base = base_url.trim_end_matches('/');
    Ok(Some(DemoCredentials {
        base_url: base.to_owned(),
        api_root: format!("{base}/taxii2/selat/"),
        collections: DemoCollections { shared, public },
        orgs,
    }))
}

async fn create_collection(
    node: &Node,
    alias: &str,
    title: &str,
    access: CollectionAccess,
) -> Result<String, DemoError> {
    let id = demo_uuid(alias);
    let new = selat_store::NewCollection {
        id: id.clone(),
        title: title.to_owned(),
        description: None,
        alias: Some(alias.to_owned()),
        media_types: vec!["application/stix+json;version=2.1".to_owned()],
    };
    selat_store::Store::create_collection(&node.store, &new).await?;
    node.set_collection_access(&id, access).await?;
    Ok(id)
}

/// Users of every role for one organisation (a hub-admin too for the secretariat), each with a
/// random password and a token.
async fn demo_accounts(node: &Node, org: &Organisation) -> Result<DemoOrg, DemoError> {
    let mut roles = vec![Role::Analyst, Role::OrgAdmin, Role::Viewer];
    if org.kind == OrgKind::Secretariat {
        roles.push(Role::HubAdmin);
    }
    let mut users = Vec::new();
    for role in roles {
        let username = format!("{}-{}", org.short_name.to_lowercase(), role.as_str());
        let password = auth::random_password().map_err(AccountError::from)?;
        node.create_user(&username, &org.short_name, role, &password).await?;
        let token = node.issue_token(&org.short_name, role, Some(&username), "demo", None).await?;
        users.push(DemoUser { role: role.as_str().to_owned(), username, password, token: token.text });
    }
    let analyst = users.remove(0);
    Ok(DemoOrg {
        org: org.short_name.clone(),
        name: org.name.clone(),
        kind: org.kind.as_str().to_owned(),
        parent: org.parent.clone(),
        identity: org.identity.clone(),
        username: analyst.username,
        password: analyst.password,
        token: analyst.token,
        users,
    })
}

/// Stores the sample intelligence, each object owned by the organisation its `created_by_ref`
/// names (third-party objects, such as the OASIS TLP markings, by the secretariat); TLP:CLEAR
/// community reports also go to the public collection.
async fn seed_intel(node: &Node, shared: &str, public: &str) -> Result<(), DemoError> {
    #[derive(serde::Deserialize)]
    struct Bundle<'a> {
        #[serde(borrow)]
        objects: Vec<&'a RawValue>,
    }
    #[derive(serde::Deserialize)]
    struct Head {
        #[serde(rename = "type")]
        object_type: String,
        id: String,
        created_by_ref: Option<String>,
        #[serde(default)]
        object_refs: Vec<String>,
    }
    let bundle: Bundle = serde_json::from_str(INTEL).map_err(|e| DemoError::Intel(e.to_string()))?;
    let orgs = node.organisations().await?;
    let secretariat = demo_identity("ASEAN");
    let heads: Vec<Head> = bundle
        .objects
        .iter()
        .map(|raw| serde_json::from_str(raw.get()))
        .collect::<Result<_, _>>()
        .map_err(|e| DemoError::Intel(e.to_string()))?;
    let registered = |r: &Option<String>| r.clone().filter(|r| orgs.iter().any(|o| &o.identity == r));
    // Observables carry no `created_by_ref`: they belong to whoever observed them.
    let observer_of = |id: &str| {
        heads.iter().find(|h| h.object_type == "observed-data" && h.object_refs.iter().any(|r| r == id))
    };
    let mut by_owner: Vec<(String, Vec<String>)> = Vec::new();
    let mut advisories = Vec::new();
    for (raw, head) in bundle.objects.iter().zip(&heads) {
        let owner = registered(&head.created_by_ref)
            .or_else(|| observer_of(&head.id).and_then(|o| registered(&o.created_by_ref)))
            .unwrap_or_else(|| secretariat.clone());
        let text = raw.get().to_owned();
        let value: serde_json::Value =
            serde_json::from_str(&text).map_err(|e| DemoError::Intel(e.to_string()))?;
        let clear = selat_stix::tlp::effective_tlp(&value) == Some(selat_stix::tlp::Tlp::Clear)
            && selat_stix::meta::scope_of(&value, Some(selat_stix::tlp::Tlp::Clear))
                == selat_stix::meta::Scope::Community;
        if clear && head.object_type == "report" {
            advisories.push(text.clone());
        }
        match by_owner.iter_mut().find(|(o, _)| *o == owner) {
            Some((_, texts)) => texts.push(text),
            None => by_owner.push((owner, vec![text])),
        }
    }
    for (owner, texts) in &by_owner {
        ingest_texts(node, owner, shared, false, texts).await?;
    }
    ingest_texts(node, &secretariat, public, true, &advisories).await
}

/// Ingests object texts (as NDJSON) for one owner into one collection; every object must store.
async fn ingest_texts(
    node: &Node,
    owner: &str,
    collection: &str,
    public: bool,
    texts: &[String],
) -> Result<(), DemoError> {
    let mut options = node.ingest_options(owner).await?;
    options.collection = Some(collection.to_owned());
    options.clear_community_only = public;
    let body = texts.join("\n").into_bytes();
    let report = ingest::ingest(&node.store, std::io::Cursor::new(body), &options, |_| {}).await?;
    if report.rejected_total > 0 || report.fatal.is_some() {
        let first = report.rejected.first().map(|r| format!("{:?}: {}", r.id, r.reasons.join("; ")));
        return Err(DemoError::Intel(first.unwrap_or_else(|| format!("{:?}", report.fatal))));
    }
    Ok(())
}

/// Writes the credentials file with mode 0600 (readable by the node's operator only).
pub fn write_credentials(dir: &Path, credentials: &DemoCredentials) -> Result<PathBuf, DemoError> {
    let path = dir.join(CREDENTIALS_FILE);
    let io = |source| DemoError::Io { path: path.clone(), source };
    let mut options = std::fs::OpenOptions::new();
    options.write(true).create(true).truncate(true);
    #[cfg(unix)]
    std::os::unix::fs::OpenOptionsExt::mode(&mut options, 0o600);
    let mut file = options.open(&path).map_err(io)?;
    let text = serde_json::to_string_pretty(credentials).expect("credentials serialize");
    file.write_all(text.as_bytes()).and_then(|()| file.sync_all()).map_err(io)?;
    Ok(path)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn demo_ids_are_deterministic_v4() {
        let id = demo_uuid("SG");
        let parsed = uuid::Uuid::parse_str(&id).unwrap();
        assert_eq!(parsed.get_version_num(), 4);
        assert_eq!(parsed.get_variant(), uuid::Variant::RFC4122);
        assert_eq!(id, demo_uuid("SG"));
        assert_ne!(id, demo_uuid("MY"));
        let orgs = demo_organisations();
        assert_eq!(orgs.iter().filter(|(o, _)| o.kind == OrgKind::MemberState).count(), 11);
        assert!(orgs.iter().any(|(o, _)| o.short_name == "SG-BANKING" && o.parent.as_deref() == Some("SG")));
        assert!(orgs.iter().all(|(o, _)| o.identity == demo_identity(&o.short_name)));
    }
}
