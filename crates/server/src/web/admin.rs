//! Administration at `/admin`, for org-admins (their own organisation) and hub-admins (every
//! organisation): organisations, users, API tokens (the text shown once, on the page that issued
//! it), sharing groups, and the federation peers with their sync status. Every rule is core's
//! (`accounts::may_administer`, the sharing-group checks); a refusal is shown with its reason and
//! changes nothing.

use axum::Router;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::Response;
use axum::routing::{get, post};
use selat_core::accounts::AccountError;
use selat_core::org::{OrgKind, Organisation, Role};
use selat_core::sharing::SharingError;
use serde::Deserialize;

use super::{Chrome, Form, Viewer, render};
use crate::state::AppState;

pub(super) const ADMIN: &str = "/admin";
pub(super) const ORGANISATIONS: &str = "/admin/organisations";
pub(super) const USERS: &str = "/admin/users";
pub(super) const TOKENS: &str = "/admin/tokens";
pub(super) const TOKEN_REVOKE: &str = "/admin/tokens/{token_id}/revoke";
pub(super) const GROUPS: &str = "/admin/groups";
pub(super) const GROUP_MEMBERS: &str = "/admin/groups/{group_id}/members";
pub(super) const PEER_SYNC: &str = "/admin/peers/{peer}/sync";

pub(super) fn routes() -> Router<AppState> {
    Router::new()
        .route(ADMIN, get(admin))
        .route(ORGANISATIONS, post(create_organisation))
        .route(USERS, post(create_user))
        .route(TOKENS, post(issue_token))
        .route(TOKEN_REVOKE, post(revoke_token))
        .route(GROUPS, post(create_group))
        .route(GROUP_MEMBERS, post(set_members))
        .route(PEER_SYNC, post(sync_peer))
}

#[derive(Debug, Clone)]
struct UserLine {
    username: String,
    org: String,
    role: String,
    state: String,
}

#[derive(Debug, Clone)]
struct TokenLine {
    id: String,
    org: String,
    role: String,
    username: String,
    label: String,
    state: String,
    active: bool,
}

#[derive(Debug, Clone)]
struct GroupLine {
    id: String,
    name: String,
    owner: String,
    members: Vec<String>,
    editable: bool,
}

#[derive(Debug, Clone)]
struct PeerLine {
    name: String,
    url: String,
    last_success: String,
    last_error: String,
    lag: String,
    counts: String,
}

#[derive(askama::Template)]
#[template(path = "admin.html")]
struct AdminPage {
    chrome: Chrome,
    hub_admin: bool,
    organisations: Vec<Organisation>,
    /// Organisations the viewer may administer: (short name, name).
    administered: Vec<(String, String)>,
    roles: Vec<&'static str>,
    users: Vec<UserLine>,
    tokens: Vec<TokenLine>,
    groups: Vec<GroupLine>,
    peers: Vec<PeerLine>,
    /// A token just issued: its id and its text, shown this once.
    issued: Option<(String, String)>,
    message: Option<String>,
    error: Option<String>,
}

/// What a form's handler leaves for the page it shows next.
#[derive(Default)]
struct Outcome {
    status: Option<StatusCode>,
    issued: Option<(String, String)>,
    message: Option<String>,
    error: Option<String>,
}

impl Outcome {
    fn done(message: impl Into<String>) -> Self {
        Outcome { message: Some(message.into()), ..Outcome::default() }
    }

    fn refused(status: StatusCode, error: impl Into<String>) -> Self {
        Outcome { status: Some(status), error: Some(error.into()), ..Outcome::default() }
    }

    /// A 500: the cause goes to the log under a fresh id, the page shows only the id.
    fn internal(context: &str, cause: &dyn std::fmt::Display) -> Self {
        let error_id = uuid::Uuid::new_v4();
        tracing::error!(error_id = %error_id, cause = %cause, "{context}");
        let shown = format!("Something went wrong on the server (error {error_id}).");
        Self::refused(StatusCode::INTERNAL_SERVER_ERROR, shown)
    }

    fn from_account(e: AccountError) -> Self {
        match e {
            AccountError::Forbidden(reason) => Self::refused(StatusCode::FORBIDDEN, reason),
            AccountError::Invalid(reason) => Self::refused(StatusCode::BAD_REQUEST, reason),
            AccountError::Credential(e) => Self::refused(StatusCode::BAD_REQUEST, e.to_string()),
            AccountError::Store(e) => Self::internal("administration", &e),
        }
    }

    fn from_sharing(e: SharingError) -> Self {
        match e {
            SharingError::Forbidden => {
                Self::refused(StatusCode::FORBIDDEN, SharingError::Forbidden.to_string())
            }
            SharingError::Node(e) => Self::internal("sharing groups", &e),
            other => Self::refused(StatusCode::BAD_REQUEST, other.to_string()),
        }
    }
}

async fn admin(State(state): State<AppState>, viewer: Viewer) -> Response {
    page(&state, &viewer, Outcome::default()).await
}

/// The page, after `outcome`; 403 for a viewer who administers nothing.
async fn page(state: &AppState, viewer: &Viewer, outcome: Outcome) -> Response {
    let by = &viewer.principal;
    if !by.at_least(Role::OrgAdmin) {
        return viewer.respond(super::error_page(
            StatusCode::FORBIDDEN,
            "Administration is for org-admins and hub-admins.",
        ));
    }
    let node = state.node();
    let hub_admin = by.at_least(Role::HubAdmin);
    let organisations = match node.organisations().await {
        Ok(orgs) => orgs,
        Err(e) => return super::internal("listing organisations", &e),
    };
    let (users, tokens) = match node.administered_accounts(by).await {
        Ok(accounts) => accounts,
        Err(e) => return super::internal("listing accounts", &e),
    };
    let groups = match node.sharing_groups().await {
        Ok(groups) => groups,
        Err(e) => return super::internal("listing sharing groups", &e),
    };
    let name_of = |identity: &str| {
        organisations
            .iter()
            .find(|o| o.identity == identity)
            .map_or(identity.to_owned(), |o| o.short_name.clone())
    };
    let own = &by.org.identity;
    let groups = groups
        .into_iter()
        .filter(|g| hub_admin || &g.owner == own || g.members.contains(own))
        .map(|g| GroupLine {
            editable: hub_admin || &g.owner == own,
            owner: name_of(&g.owner),
            members: g.members.iter().map(|m| name_of(m)).collect(),
            id: g.id,
            name: g.name,
        })
        .collect();
    let peers = if hub_admin {
        match node.peer_records().await {
            Ok(records) => records
                .into_iter()
                .map(|p| PeerLine {
                    url: p.url.unwrap_or_else(|| "(no longer configured)".into()),
                    last_success: p.last_success.unwrap_or_else(|| "never".into()),
                    last_error: match (p.last_error, p.last_error_at) {
                        (Some(error), Some(at)) => format!("{at}: {error}"),
                        (Some(error), None) => error,
                        _ => "none".into(),
                    },
                    lag: p.lag_ms.map_or_else(|| "–".into(), |ms| format!("{ms} ms")),
                    counts: format!("{} sent, {} received, {} refused", p.sent, p.received, p.refused),
                    name: p.name,
                })
                .collect(),
            Err(e) => return super::internal("listing peers", &e),
        }
    } else {
        Vec::new()
    };
    let stamp = |us: i64| selat_stix::timestamp::Timestamp { micros: us, fraction_digits: 0 }.format(0);
    let now = selat_stix::timestamp::now_micros();
    let administered = organisations
        .iter()
        .filter(|o| hub_admin || o.short_name == by.org.short_name)
        .map(|o| (o.short_name.clone(), o.name.clone()))
        .collect();
    let page = AdminPage {
        chrome: viewer.chrome("Administration"),
        hub_admin,
        administered,
        roles: [Role::Viewer, Role::Analyst, Role::OrgAdmin, Role::HubAdmin]
            .into_iter()
            .filter(|r| *r <= by.role)
            .map(Role::as_str)
            .collect(),
        users: users
            .into_iter()
            .map(|u| UserLine {
                state: if u.disabled {
                    "disabled".into()
                } else if u.locked_until_us.is_some_and(|l| l > now) {
                    "locked".into()
                } else if u.totp_secret.is_some() {
                    "active, second factor".into()
                } else {
                    "active".into()
                },
                username: u.username,
                org: u.org,
                role: u.role,
            })
            .collect(),
        tokens: tokens
            .into_iter()
            .map(|t| {
                let active = t.revoked_us.is_none() && t.expires_us.is_none_or(|e| e > now);
                TokenLine {
                    state: match (t.revoked_us, t.expires_us) {
                        (Some(at), _) => format!("revoked {}", stamp(at)),
                        (None, Some(at)) if at <= now => format!("expired {}", stamp(at)),
                        (None, Some(at)) => format!("active until {}", stamp(at)),
                        (None, None) => "active".into(),
                    },
                    active,
                    username: t.username.unwrap_or_default(),
                    id: t.id,
                    org: t.org,
                    role: t.role,
                    label: t.label,
                }
            })
            .collect(),
        groups,
        peers,
        organisations,
        issued: outcome.issued,
        message: outcome.message,
        error: outcome.error,
    };
    viewer.respond((outcome.status.unwrap_or(StatusCode::OK), render(&page)))
}

#[derive(Debug, Deserialize)]
struct NewOrganisation {
    short_name: String,
    name: String,
    kind: String,
    #[serde(default)]
    parent: String,
}

async fn create_organisation(
    State(state): State<AppState>,
    viewer: Viewer,
    Form(form): Form<NewOrganisation>,
) -> Response {
    let Some(kind) = OrgKind::parse(&form.kind) else {
        let outcome = Outcome::refused(StatusCode::BAD_REQUEST, format!("unknown kind {:?}", form.kind));
        return page(&state, &viewer, outcome).await;
    };
    let org = Organisation {
        short_name: form.short_name.trim().to_owned(),
        name: form.name.trim().to_owned(),
        kind,
        parent: Some(form.parent.trim().to_owned()).filter(|p| !p.is_empty()),
        identity: format!("identity--{}", uuid::Uuid::new_v4()),
        member_since: None,
    };
    let outcome = match state.node().admin_create_organisation(&viewer.principal, &org).await {
        Ok(()) => Outcome::done(format!("Organisation {} registered.", org.short_name)),
        Err(e) => Outcome::from_account(e),
    };
    page(&state, &viewer, outcome).await
}

#[derive(Debug, Deserialize)]
struct NewUser {
    username: String,
    org: String,
    role: String,
    password: String,
}

async fn create_user(State(state): State<AppState>, viewer: Viewer, Form(form): Form<NewUser>) -> Response {
    let Some(role) = Role::parse(&form.role) else {
        let outcome = Outcome::refused(StatusCode::BAD_REQUEST, format!("unknown role {:?}", form.role));
        return page(&state, &viewer, outcome).await;
    };
    let node = state.node();
    let username = form.username.trim();
    let outcome =
        match node.admin_create_user(&viewer.principal, username, &form.org, role, &form.password).await {
            Ok(()) => Outcome::done(format!("User {username} created in {}.", form.org)),
            Err(e) => Outcome::from_account(e),
        };
    page(&state, &viewer, outcome).await
}

#[derive(Debug, Deserialize)]
struct NewToken {
    org: String,
    role: String,
    #[serde(default)]
    username: String,
    label: String,
    #[serde(default)]
    valid_days: String,
}

/// Longest validity of a token issued on the page, in days.
pub const MAX_TOKEN_DAYS: i64 = 3_650;

async fn issue_token(State(state): State<AppState>, viewer: Viewer, Form(form): Form<NewToken>) -> Response {
    let Some(role) = Role::parse(&form.role) else {
        let outcome = Outcome::refused(StatusCode::BAD_REQUEST, format!("unknown role {:?}", form.role));
        return page(&state, &viewer, outcome).await;
    };
    let days = match form.valid_days.trim() {
        "" => None,
        text => match text.parse::<i64>() {
            Ok(days) if (1..=MAX_TOKEN_DAYS).contains(&days) => Some(days),
            _ => {
                let reason =
                    format!("valid for: a number of days from 1 to {MAX_TOKEN_DAYS}, or empty for no expiry");
                return page(&state, &viewer, Outcome::refused(StatusCode::BAD_REQUEST, reason)).await;
            }
        },
    };
    let expires_us = days.map(|d| selat_stix::timestamp::now_micros() + d * 86_400_000_000);
    let username = Some(form.username.trim()).filter(|u| !u.is_empty());
    let label = form.label.trim();
    let issued =
        state.node().admin_issue_token(&viewer.principal, &form.org, role, username, label, expires_us).await;
    let outcome = match issued {
        Ok(token) => Outcome {
            message: Some(format!("Token {} issued: copy it now, it is not shown again.", token.id)),
            issued: Some((token.id, token.text)),
            ..Outcome::default()
        },
        Err(e) => Outcome::from_account(e),
    };
    page(&state, &viewer, outcome).await
}

async fn revoke_token(
    State(state): State<AppState>,
    viewer: Viewer,
    Path(id): Path<String>,
    Form(_): Form<super::Empty>,
) -> Response {
    let outcome = match state.node().admin_revoke_token(&viewer.principal, &id).await {
        Ok(true) => Outcome::done(format!("Token {id} revoked.")),
        Ok(false) => Outcome::refused(StatusCode::NOT_FOUND, format!("No active token {id}.")),
        Err(e) => Outcome::from_account(e),
    };
    page(&state, &viewer, outcome).await
}

#[derive(Debug, Deserialize)]
struct NewGroup {
    name: String,
    #[serde(default)]
    description: String,
    #[serde(default, deserialize_with = "super::one_or_many")]
    members: Vec<String>,
}

async fn create_group(State(state): State<AppState>, viewer: Viewer, Form(form): Form<NewGroup>) -> Response {
    let description = Some(form.description.trim()).filter(|d| !d.is_empty());
    let created = state
        .node()
        .create_sharing_group(&viewer.principal, None, form.name.trim(), description, &form.members)
        .await;
    let outcome = match created {
        Ok(group) => Outcome::done(format!("Sharing group {} created.", group.name)),
        Err(e) => Outcome::from_sharing(e),
    };
    page(&state, &viewer, outcome).await
}

#[derive(Debug, Deserialize)]
struct Members {
    #[serde(default, deserialize_with = "super::one_or_many")]
    members: Vec<String>,
}

async fn set_members(
    State(state): State<AppState>,
    viewer: Viewer,
    Path(id): Path<String>,
    Form(form): Form<Members>,
) -> Response {
    let outcome = match state.node().set_sharing_group_members(&viewer.principal, &id, &form.members).await {
        Ok(group) => Outcome::done(format!("Members of {} saved.", group.name)),
        Err(e) => Outcome::from_sharing(e),
    };
    page(&state, &viewer, outcome).await
}

async fn sync_peer(
    State(state): State<AppState>,
    viewer: Viewer,
    Path(peer): Path<String>,
    Form(_): Form<super::Empty>,
) -> Response {
    let by = &viewer.principal;
    let outcome = if !by.at_least(Role::HubAdmin) {
        Outcome::refused(StatusCode::FORBIDDEN, "asking a peer for a round is for hub-admins")
    } else if state.node().federation().request_round(&peer) {
        let entry = selat_core::audit::AuditEntry::admin(
            Some(by),
            "federation.sync.request",
            format!("peer {peer}"),
            None,
        );
        state.node().audit().record(entry).await;
        Outcome::done(format!("A round with {peer} starts now."))
    } else {
        Outcome::refused(StatusCode::NOT_FOUND, format!("No configured peer {peer:?}."))
    };
    page(&state, &viewer, outcome).await
}

#[cfg(test)]
mod tests {
    use selat_core::accounts::may_administer;
    use selat_core::org::{OrgKind, Organisation, Principal, Role};

    fn principal(org: &str, role: Role) -> Principal {
        Principal {
            org: Organisation {
                short_name: org.into(),
                name: org.into(),
                kind: OrgKind::MemberState,
                parent: None,
                identity: "identity--8a8e8758-f92c-4058-ba38-f061cd42a0cf".into(),
                member_since: None,
            },
            role,
            username: None,
            token_id: None,
        }
    }

    #[test]
    fn org_admins_administer_their_own_organisation_up_to_their_own_role() {
        let admin = principal("SG", Role::OrgAdmin);
        assert!(may_administer(&admin, "SG", Some(Role::Analyst)).is_ok());
        assert!(may_administer(&admin, "SG", Some(Role::OrgAdmin)).is_ok());
        assert!(may_administer(&admin, "SG", Some(Role::HubAdmin)).is_err(), "not above its own role");
        assert!(may_administer(&admin, "MY", Some(Role::Viewer)).is_err(), "not another organisation");
        assert!(may_administer(&principal("SG", Role::Analyst), "SG", None).is_err(), "analysts do not");
        let hub = principal("ASEAN", Role::HubAdmin);
        assert!(may_administer(&hub, "MY", Some(Role::OrgAdmin)).is_ok());
    }
}
