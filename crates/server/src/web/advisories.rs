//! Advisories: the members' list with the publish form (the service decides who publishes:
//! member-state and secretariat analysts), and the public pages anyone reads without signing in
//! (`/advisories/public`, one advisory at `/advisories/public/{advisory_id}`), which link the
//! Atom feed. Advisories are TLP:CLEAR reports in the public collection; nothing else is shown.

use axum::Router;
use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use axum::response::Response;
use axum::routing::get;
use selat_core::coordination::advisories::{AdvisoryView, NewAdvisory};
use serde::Deserialize;

use super::incidents::{given, refusal, refusal_page};
use super::{Chrome, Form, Viewer, Visit, render, see_other};
use crate::state::AppState;

pub(super) const ADVISORIES: &str = "/advisories";
pub(super) const PUBLIC: &str = "/advisories/public";
pub(super) const PUBLIC_ONE: &str = "/advisories/public/{advisory_id}";
/// The Atom feed the public pages link (served by `crate::api::coordination::atom`).
const FEED: &str = "/feeds/advisories.atom";

pub(super) fn routes() -> Router<AppState> {
    Router::new()
        .route(ADVISORIES, get(members).post(publish))
        .route(PUBLIC, get(public))
        .route(PUBLIC_ONE, get(public_one))
}

#[derive(askama::Template)]
#[template(path = "advisories.html")]
struct MembersPage {
    chrome: Chrome,
    advisories: Vec<AdvisoryView>,
    error: Option<String>,
    done: bool,
    feed: &'static str,
}

async fn members(State(state): State<AppState>, viewer: Viewer, Query(done): Query<super::Done>) -> Response {
    show(&state, &viewer, StatusCode::OK, None, done.shown()).await
}

async fn show(
    state: &AppState,
    viewer: &Viewer,
    status: StatusCode,
    error: Option<String>,
    done: bool,
) -> Response {
    let advisories = match state.node().advisories().await {
        Ok(advisories) => advisories,
        Err(e) => return refusal_page(e),
    };
    let page = MembersPage { chrome: viewer.chrome("Advisories"), advisories, error, done, feed: FEED };
    viewer.respond((status, render(&page)))
}

#[derive(Debug, Deserialize)]
struct AdvisoryForm {
    #[serde(default)]
    name: String,
    #[serde(default)]
    description: String,
    /// Comma-separated labels.
    labels: Option<String>,
}

async fn publish(State(state): State<AppState>, viewer: Viewer, Form(form): Form<AdvisoryForm>) -> Response {
    let labels = given(form.labels)
        .map(|l| l.split(',').map(|s| s.trim().to_owned()).filter(|s| !s.is_empty()).collect())
        .unwrap_or_default();
    let new = NewAdvisory {
        name: form.name,
        description: form.description,
        published: None,
        labels,
        object_refs: Vec::new(),
    };
    match state.node().publish_advisory(&viewer.principal, &new).await {
        Ok(_) => viewer.respond(see_other("/advisories?done=published")),
        Err(e) => match refusal(e) {
            Ok((status, message)) => show(&state, &viewer, status, Some(message), false).await,
            Err(response) => *response,
        },
    }
}

#[derive(askama::Template)]
#[template(path = "advisories_public.html")]
struct PublicPage {
    chrome: Chrome,
    advisories: Vec<AdvisoryView>,
    feed: &'static str,
}

async fn public(State(state): State<AppState>, visit: Visit) -> Response {
    let advisories = match state.node().advisories().await {
        Ok(advisories) => advisories,
        Err(e) => return refusal_page(e),
    };
    let page = PublicPage { chrome: visit.chrome("Public advisories", None), advisories, feed: FEED };
    visit.respond(render(&page))
}

#[derive(askama::Template)]
#[template(path = "advisory_public.html")]
struct OnePage {
    chrome: Chrome,
    advisory: AdvisoryView,
    feed: &'static str,
}

async fn public_one(State(state): State<AppState>, visit: Visit, Path(id): Path<String>) -> Response {
    let advisories = match state.node().advisories().await {
        Ok(advisories) => advisories,
        Err(e) => return refusal_page(e),
    };
    let Some(advisory) = advisories.into_iter().find(|a| a.id == id) else {
        return super::not_found();
    };
    let page = OnePage { chrome: visit.chrome(advisory.name.clone(), None), advisory, feed: FEED };
    visit.respond(render(&page))
}
