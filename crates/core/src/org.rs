//! Organisations, roles and the authenticated principal.

use std::fmt;

/// What kind of organisation (DESIGN.md "Organisations and the access policy").
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum OrgKind {
    /// A Member State's national agency or CERT.
    MemberState,
    /// A sector lead under one member state (its client for `national`/`community` sharing).
    SectorLead,
    /// The regional coordinator.
    Secretariat,
    /// A dialogue partner.
    Partner,
}

impl OrgKind {
    pub const ALL: [OrgKind; 4] =
        [OrgKind::MemberState, OrgKind::SectorLead, OrgKind::Secretariat, OrgKind::Partner];

    pub fn as_str(self) -> &'static str {
        match self {
            OrgKind::MemberState => "member-state",
            OrgKind::SectorLead => "sector-lead",
            OrgKind::Secretariat => "secretariat",
            OrgKind::Partner => "partner",
        }
    }

    pub fn parse(text: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|k| k.as_str() == text)
    }
}

/// A user's or token's role, ordered by what it may do.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Role {
    Viewer,
    Analyst,
    OrgAdmin,
    HubAdmin,
}

impl Role {
    pub const ALL: [Role; 4] = [Role::Viewer, Role::Analyst, Role::OrgAdmin, Role::HubAdmin];

    pub fn as_str(self) -> &'static str {
        match self {
            Role::Viewer => "viewer",
            Role::Analyst => "analyst",
            Role::OrgAdmin => "org-admin",
            Role::HubAdmin => "hub-admin",
        }
    }

    pub fn parse(text: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|r| r.as_str() == text)
    }
}

impl fmt::Display for Role {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// An organisation known to this node.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Organisation {
    /// `SG`, `ASEAN`, `SG-BANKING`: unique, used in names and logs.
    pub short_name: String,
    pub name: String,
    pub kind: OrgKind,
    /// The member state a sector lead belongs to.
    pub parent: Option<String>,
    /// Its STIX `identity` id: what `created_by_ref` names.
    pub identity: String,
    pub member_since: Option<String>,
}

impl Organisation {
    pub(crate) fn from_row(row: selat_store::OrganisationRow) -> Option<Self> {
        Some(Self {
            kind: OrgKind::parse(&row.kind)?,
            short_name: row.short_name,
            name: row.name,
            parent: row.parent,
            identity: row.identity,
            member_since: row.member_since,
        })
    }

    /// The member state this organisation belongs to: itself, its parent, or none.
    pub fn member_state(&self) -> Option<&str> {
        match self.kind {
            OrgKind::MemberState => Some(&self.short_name),
            OrgKind::SectorLead => self.parent.as_deref(),
            OrgKind::Secretariat | OrgKind::Partner => None,
        }
    }
}

/// Who is making a request, once authenticated.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Principal {
    pub org: Organisation,
    pub role: Role,
    /// The user, for a password login or a token issued to a user.
    pub username: Option<String>,
    /// The token used, if any.
    pub token_id: Option<String>,
}

impl Principal {
    /// Whether this principal may act as `role` or more.
    pub fn at_least(&self, role: Role) -> bool {
        self.role >= role
    }

    /// A short label for logs and audit: `SG/analyst alice` or `SG/analyst token 1a2b…`.
    pub fn label(&self) -> String {
        match (&self.username, &self.token_id) {
            (Some(user), _) => format!("{}/{} {user}", self.org.short_name, self.role),
            (None, Some(token)) => format!("{}/{} token {token}", self.org.short_name, self.role),
            (None, None) => format!("{}/{}", self.org.short_name, self.role),
        }
    }
}
