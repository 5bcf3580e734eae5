//! The access rule as the node applies it: a caller's audience (its organisation, member state
//! and sharing groups, as [`policy::viewer_audience`] labels), the owner context ingest labels
//! objects with, and the sharing groups themselves.
//!
//! Sharing groups (`x-selat-sharing-group`, DESIGN.md) are kept in the directory: a name, an
//! owner organisation and member organisations, all by identity id. Org-admins of the owner
//! manage a group; hub-admins manage any. A group's members are whom a `group` scope reaches —
//! never their sector leads.

use std::collections::HashSet;
use std::sync::Arc;

use selat_store::{Audience, Directory, SharingGroupRow};
use serde::Serialize;

use crate::ingest::IngestOptions;
use crate::node::{Node, NodeError};
use crate::org::{OrgKind, Organisation, Principal, Role};
use crate::policy::{self, Viewer};

/// Longest sharing-group name.
pub const MAX_GROUP_NAME_CHARS: usize = 200;
/// Most members of one sharing group.
pub const MAX_GROUP_MEMBERS: usize = 1000;

/// A sharing group as callers see it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct SharingGroup {
    pub id: String,
    pub name: String,
    pub description: Option<String>,
    /// Identity of the owning organisation.
    pub owner: String,
    /// Identities of the members.
    pub members: Vec<String>,
}

impl From<SharingGroupRow> for SharingGroup {
    fn from(row: SharingGroupRow) -> Self {
        Self {
            id: row.id,
            name: row.name,
            description: row.description,
            owner: row.owner,
            members: row.members,
        }
    }
}

impl SharingGroup {
    /// The group as a STIX `x-selat-sharing-group` object (DESIGN.md, `selat_stix::selat`).
    pub fn to_stix(&self, created: &str, modified: &str) -> serde_json::Value {
        let mut object = serde_json::json!({
            "type": GROUP_TYPE,
            "spec_version": "2.1",
            "id": self.id,
            "created": created,
            "modified": modified,
            "created_by_ref": self.owner,
            "name": self.name,
            "member_refs": self.members,
            "extensions": {
                selat_stix::selat::SHARING_GROUP.id: {"extension_type": "new-sdo"}
            }
        });
        if let Some(description) = &self.description {
            object["description"] = serde_json::Value::String(description.clone());
        }
        object
    }
}

/// Why a sharing-group change was refused.
#[derive(Debug, thiserror::Error)]
pub enum SharingError {
    #[error("{0}")]
    Invalid(String),
    #[error("no sharing group {0}")]
    UnknownGroup(String),
    #[error("a sharing group {0} exists already")]
    Exists(String),
    #[error("only an org-admin of the owning organisation, or a hub-admin, may change this group")]
    Forbidden,
    #[error(transparent)]
    Node(#[from] NodeError),
}

/// The STIX type of a sharing group, as its extension definition names it.
const GROUP_TYPE: &str = match selat_stix::selat::SHARING_GROUP.object_type {
    Some(object_type) => object_type,
    None => panic!("the sharing group extension defines a new SDO type"),
};

/// A group id given by an operator: `x-selat-sharing-group--` and a lower-case RFC 4122 UUID.
fn check_group_id(id: &str) -> Result<(), SharingError> {
    let parsed = selat_stix::id::Identifier::parse(id).ok();
    if parsed.is_some_and(|p| p.object_type == GROUP_TYPE) && id == id.to_ascii_lowercase() {
        return Ok(());
    }
    Err(SharingError::Invalid(format!(
        "{id:?} is not a sharing group id ({GROUP_TYPE}-- and a lower-case RFC 4122 UUID)"
    )))
}

impl From<selat_store::Error> for SharingError {
    fn from(e: selat_store::Error) -> Self {
        SharingError::Node(NodeError::Store(e))
    }
}

impl Node {
    /// The audience labels of a caller (`None`: anonymous) reading through a collection that is
    /// the public advisory collection or not: what the store matches inside its queries.
    pub async fn audience(
        &self,
        principal: Option<&Principal>,
        public_collection: bool,
    ) -> Result<Audience, NodeError> {
        self.org_audience(principal.map(|p| &p.org), public_collection).await
    }

    /// The audience labels of an organisation (`None`: anonymous); see [`Node::audience`].
    pub async fn org_audience(
        &self,
        org: Option<&Organisation>,
        public_collection: bool,
    ) -> Result<Audience, NodeError> {
        let Some(org) = org else {
            return Ok(Audience::Labels(policy::viewer_audience(None, public_collection)));
        };
        let state = self.member_state_identity(org).await?;
        let groups = self.store.sharing_groups_of(&org.identity).await?;
        let viewer = Viewer { org, member_state: state.as_deref(), groups: &groups };
        Ok(Audience::Labels(policy::viewer_audience(Some(&viewer), public_collection)))
    }

    /// The identity of an organisation's member state: its own for a member state, its parent's
    /// for a sector lead, none for the secretariat and partners.
    pub async fn member_state_identity(&self, org: &Organisation) -> Result<Option<String>, NodeError> {
        Ok(match org.kind {
            OrgKind::MemberState => Some(org.identity.clone()),
            OrgKind::SectorLead => match &org.parent {
                Some(parent) => self.organisation(parent).await?.map(|p| p.identity),
                None => None,
            },
            OrgKind::Secretariat | OrgKind::Partner => None,
        })
    }

    /// Ingest options for objects owned by `owner` (an identity id): its member state, whether
    /// it belongs to none, and the other registered organisations (whom its `created_by_ref`
    /// may not name). An owner this node does not know (an operator's home organisation) gets
    /// no member state.
    pub async fn ingest_options(&self, owner: &str) -> Result<IngestOptions, NodeError> {
        let orgs = self.organisations().await?;
        let mut options = IngestOptions::new(owner.to_owned());
        if let Some(org) = orgs.iter().find(|o| o.identity == owner) {
            options.owner_member_state = match org.kind {
                OrgKind::MemberState => Some(org.identity.clone()),
                OrgKind::SectorLead => org
                    .parent
                    .as_ref()
                    .and_then(|p| orgs.iter().find(|o| &o.short_name == p))
                    .map(|p| p.identity.clone()),
                OrgKind::Secretariat | OrgKind::Partner => None,
            };
            options.owner_outside_member_states = org.member_state().is_none();
            // A member state acts for its sector leads (DESIGN.md federation): what it submits
            // naming one of them as creator is that sector lead's.
            if org.kind == OrgKind::MemberState {
                let leads = orgs.iter().filter(|o| {
                    o.kind == OrgKind::SectorLead && o.parent.as_deref() == Some(org.short_name.as_str())
                });
                options.acts_for = Arc::new(leads.map(|o| o.identity.clone()).collect());
            }
        }
        if let Some(config) = self.federation().config() {
            let hosts = config.node_hosts();
            let served: HashSet<String> =
                orgs.iter().filter(|o| hosts.matches(&o.short_name)).map(|o| o.identity.clone()).collect();
            let groups = self.store.sharing_groups().await?;
            let reached = groups.into_iter().filter(|g| g.members.iter().any(|m| served.contains(m)));
            options.group_hosts = Some(Arc::new(reached.map(|g| g.id).collect()));
            options.red_hosts = Some(Arc::new(served));
        }
        let others: HashSet<String> =
            orgs.into_iter().map(|o| o.identity).filter(|identity| identity != owner).collect();
        options.registered_others = Arc::new(others);
        Ok(options)
    }

    /// Creates a sharing group owned by `by`'s organisation, with `members` (identities of
    /// registered organisations; the owner is always a member). `id` is given for a group that
    /// spans nodes: each member's node creates it with the same id, so that objects marked for
    /// it travel between those nodes (a new id is made when `None`).
    pub async fn create_sharing_group(
        &self,
        by: &Principal,
        id: Option<&str>,
        name: &str,
        description: Option<&str>,
        members: &[String],
    ) -> Result<SharingGroup, SharingError> {
        if !by.at_least(Role::OrgAdmin) {
            return Err(SharingError::Forbidden);
        }
        let id = match id {
            Some(id) => {
                check_group_id(id)?;
                if self.store.sharing_group(id).await?.is_some() {
                    return Err(SharingError::Exists(id.to_owned()));
                }
                id.to_owned()
            }
            None => selat_stix::id::new_v4(GROUP_TYPE),
        };
        let name = name.trim();
        if name.is_empty() || name.chars().count() > MAX_GROUP_NAME_CHARS {
            return Err(SharingError::Invalid(format!(
                "a sharing group needs a name of 1 to {MAX_GROUP_NAME_CHARS} characters"
            )));
        }
        let mut all = members.to_vec();
        all.push(by.org.identity.clone());
        let members = self.check_members(&all).await?;
        let now = selat_stix::timestamp::now_micros();
        let row = SharingGroupRow {
            id,
            name: name.to_owned(),
            description: description.map(str::to_owned),
            owner: by.org.identity.clone(),
            members,
            created_us: now,
            modified_us: now,
        };
        self.store.create_sharing_group(&row).await?;
        Ok(row.into())
    }

    /// Every sharing group.
    pub async fn sharing_groups(&self) -> Result<Vec<SharingGroup>, SharingError> {
        Ok(self.store.sharing_groups().await?.into_iter().map(Into::into).collect())
    }

    /// Replaces a group's members, as `by` (an org-admin of the owner, or a hub-admin).
    pub async fn set_sharing_group_members(
        &self,
        by: &Principal,
        id: &str,
        members: &[String],
    ) -> Result<SharingGroup, SharingError> {
        let group =
            self.store.sharing_group(id).await?.ok_or_else(|| SharingError::UnknownGroup(id.into()))?;
        let owner_admin = by.at_least(Role::OrgAdmin) && by.org.identity == group.owner;
        if !owner_admin && !by.at_least(Role::HubAdmin) {
            return Err(SharingError::Forbidden);
        }
        let members = self.check_members(members).await?;
        let now = selat_stix::timestamp::now_micros();
        self.store.set_sharing_group_members(id, &members, now).await?;
        Ok(SharingGroup { members, ..group.into() })
    }

    /// Members sorted, deduplicated, each a registered organisation, within the limit.
    async fn check_members(&self, members: &[String]) -> Result<Vec<String>, SharingError> {
        let known: HashSet<String> = self.organisations().await?.into_iter().map(|o| o.identity).collect();
        let mut members = members.to_vec();
        members.sort_unstable();
        members.dedup();
        if members.len() > MAX_GROUP_MEMBERS {
            return Err(SharingError::Invalid(format!(
                "{} members: a sharing group has at most {MAX_GROUP_MEMBERS} (MAX_GROUP_MEMBERS)",
                members.len()
            )));
        }
        if let Some(unknown) = members.iter().find(|m| !known.contains(*m)) {
            return Err(SharingError::Invalid(format!("{unknown} is not a registered organisation")));
        }
        Ok(members)
    }
}
