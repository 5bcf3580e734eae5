//! The directory of points of contact (per organisation, with when each was last verified, its
//! median response time and whether it is stale), contact-check campaigns (list; start one where
//! the service allows) and the public acknowledgement page a contact lands on from the link in
//! its e-mail. The page needs no sign-in — the token in the path is the credential — but its form
//! carries the visit's CSRF token like every other. A GET never answers (mail scanners fetch
//! links); the button does, once.

use axum::Router;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::Response;
use axum::routing::get;
use selat_core::coordination::contacts::{Acknowledgement, CampaignView, ContactView, NewCampaign};
use serde::Deserialize;

use super::incidents::{given, refusal};
use super::{Chrome, Form, Viewer, Visit, one_or_many, render, see_other};
use crate::state::AppState;

pub(super) const DIRECTORY: &str = "/directory";
pub(super) const CONTACT_CHECKS: &str = "/contact-checks";
/// The page a contact-check e-mail links to (`selat_core::coordination::contacts::ACK_PATH`).
pub(super) const ACK: &str = "/contact-checks/ack/{token}";

pub(super) fn routes() -> Router<AppState> {
    Router::new()
        .route(DIRECTORY, get(directory))
        .route(CONTACT_CHECKS, get(campaigns).post(start))
        .route(ACK, get(ack_page).post(ack))
}

/// One organisation's contacts.
struct OrgContacts {
    organisation: String,
    member_state: String,
    contacts: Vec<ContactRow>,
}

struct ContactRow {
    contact: ContactView,
    median_response: String,
}

/// A response time in words a reader takes in at once.
pub(super) fn response_time(seconds: Option<f64>) -> String {
    match seconds {
        None => "—".to_owned(),
        Some(s) if s < 90.0 => format!("{s:.0} s"),
        Some(s) if s < 90.0 * 60.0 => format!("{:.0} min", s / 60.0),
        Some(s) if s < 48.0 * 3600.0 => format!("{:.1} h", s / 3600.0),
        Some(s) => format!("{:.1} days", s / 86_400.0),
    }
}

#[derive(askama::Template)]
#[template(path = "directory.html")]
struct DirectoryPage {
    chrome: Chrome,
    organisations: Vec<OrgContacts>,
    stale: usize,
}

async fn directory(State(state): State<AppState>, viewer: Viewer) -> Response {
    let contacts = match state.node().contacts(&viewer.principal, None, false).await {
        Ok(contacts) => contacts,
        Err(e) => return super::incidents::refusal_page(e),
    };
    let stale = contacts.iter().filter(|c| c.stale).count();
    // The service sorts by member state, organisation and name: group runs of one organisation.
    let mut organisations: Vec<OrgContacts> = Vec::new();
    for contact in contacts {
        let row = ContactRow { median_response: response_time(contact.median_response_s), contact };
        match organisations.last_mut() {
            Some(last) if last.organisation == row.contact.organisation => last.contacts.push(row),
            _ => organisations.push(OrgContacts {
                organisation: row.contact.organisation.clone(),
                member_state: row.contact.member_state.clone().unwrap_or_default(),
                contacts: vec![row],
            }),
        }
    }
    let page = DirectoryPage { chrome: viewer.chrome("Directory"), organisations, stale };
    viewer.respond(render(&page))
}

struct CampaignRow {
    campaign: CampaignView,
    per_state: Vec<(String, usize, usize, String)>,
}

#[derive(askama::Template)]
#[template(path = "contact_checks.html")]
struct CampaignsPage {
    chrome: Chrome,
    campaigns: Vec<CampaignRow>,
    states: Vec<String>,
    error: Option<String>,
    done: bool,
}

async fn campaigns(
    State(state): State<AppState>,
    viewer: Viewer,
    axum::extract::Query(done): axum::extract::Query<super::Done>,
) -> Response {
    show_campaigns(&state, &viewer, StatusCode::OK, None, done.shown()).await
}

async fn show_campaigns(
    state: &AppState,
    viewer: &Viewer,
    status: StatusCode,
    error: Option<String>,
    done: bool,
) -> Response {
    let campaigns = match state.node().contact_checks(&viewer.principal).await {
        Ok(campaigns) => campaigns,
        Err(e) => return super::incidents::refusal_page(e),
    };
    let states = match state.node().organisations().await {
        Ok(orgs) => orgs
            .into_iter()
            .filter(|o| o.kind == selat_core::org::OrgKind::MemberState)
            .map(|o| o.short_name)
            .collect(),
        Err(e) => return super::internal("listing organisations", &e),
    };
    let campaigns = campaigns
        .into_iter()
        .map(|campaign| CampaignRow {
            per_state: campaign
                .per_state
                .iter()
                .map(|(s, r)| (s.clone(), r.sent, r.answered, response_time(r.median_response_s)))
                .collect(),
            campaign,
        })
        .collect();
    let page = CampaignsPage { chrome: viewer.chrome("Contact checks"), campaigns, states, error, done };
    viewer.respond((status, render(&page)))
}

#[derive(Debug, Deserialize)]
struct CampaignForm {
    #[serde(default)]
    name: String,
    #[serde(default, deserialize_with = "one_or_many")]
    member_states: Vec<String>,
    valid_days: Option<String>,
}

async fn start(State(state): State<AppState>, viewer: Viewer, Form(form): Form<CampaignForm>) -> Response {
    let valid_days = match given(form.valid_days).map(|d| d.parse::<u32>()) {
        None => None,
        Some(Ok(days)) => Some(days),
        Some(Err(_)) => {
            let message = "Valid for: a whole number of days.".to_owned();
            return show_campaigns(&state, &viewer, StatusCode::BAD_REQUEST, Some(message), false).await;
        }
    };
    let new = NewCampaign { name: form.name, member_states: form.member_states, valid_days };
    match state.node().start_contact_checks(&viewer.principal, &new).await {
        Ok(_) => viewer.respond(see_other("/contact-checks?done=started")),
        Err(e) => match refusal(e) {
            Ok((status, message)) => show_campaigns(&state, &viewer, status, Some(message), false).await,
            Err(response) => *response,
        },
    }
}

#[derive(askama::Template)]
#[template(path = "ack.html")]
struct AckPage {
    chrome: Chrome,
    token: String,
    ack: Option<Acknowledgement>,
    /// After the button: what happened (confirmed, or why not).
    result: Option<String>,
}

async fn ack_page(State(state): State<AppState>, visit: Visit, Path(token): Path<String>) -> Response {
    let chrome = visit.chrome("Contact check", None);
    match state.node().acknowledgement(&token).await {
        Ok(ack) => visit.respond(render(&AckPage { chrome, token, ack: Some(ack), result: None })),
        Err(e) => match refusal(e) {
            Ok((status, message)) => {
                visit.respond((status, render(&AckPage { chrome, token, ack: None, result: Some(message) })))
            }
            Err(response) => *response,
        },
    }
}

#[derive(Debug, Deserialize)]
struct AckForm {}

async fn ack(
    State(state): State<AppState>,
    visit: Visit,
    Path(token): Path<String>,
    Form(_): Form<AckForm>,
) -> Response {
    let chrome = visit.chrome("Contact check", None);
    let (status, ack, result) = match state.node().acknowledge(&token).await {
        Ok(ack) => (StatusCode::OK, Some(ack), "Thank you: your contact details are confirmed.".to_owned()),
        Err(e) => match refusal(e) {
            Ok((status, message)) => (status, None, message),
            Err(response) => return *response,
        },
    };
    visit.respond((status, render(&AckPage { chrome, token, ack, result: Some(result) })))
}
