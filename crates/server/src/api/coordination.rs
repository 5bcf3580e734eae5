//! Coordination over REST: cross-border incidents (`/api/v1/incidents` with sub-resources for
//! tasks, timeline notes, assistance requests, transitions, escalation, merging and links), the
//! directory of points of contact (`/api/v1/contacts`) and contact checks
//! (`/api/v1/contact-checks`, with the acknowledgement link a contact follows without
//! credentials). The rules live in `selat_core::coordination`; this module only speaks HTTP.

use axum::Json;
use axum::extract::rejection::{JsonRejection, QueryRejection};
use axum::extract::{Path, Query, State};
use axum::http::{HeaderMap, StatusCode, header};
use axum::response::{Html, IntoResponse, Response};
use selat_core::coordination::CoordinationError;
use selat_core::coordination::contacts::{Acknowledgement, NewCampaign, NewContact};
use selat_core::coordination::incidents::{
    IncidentFilter, NewAnswer, NewAssistanceRequest, NewIncident, NewTask, ShareWith, TaskUpdate,
};
use selat_core::org::Principal;
use serde::Deserialize;
use serde::Serialize;
use serde_json::json;

use super::JsonError;
use crate::auth::Caller;
use crate::errors::ApiError;
use crate::state::AppState;

/// The REST error for a coordination refusal.
pub(crate) fn coordination_error(e: CoordinationError) -> JsonError {
    match e {
        CoordinationError::Invalid(detail) => JsonError::bad_request(detail),
        CoordinationError::NotFound(detail) => JsonError::new(StatusCode::NOT_FOUND, "not_found", detail),
        CoordinationError::Forbidden(detail) => JsonError::forbidden(detail),
        CoordinationError::Conflict(detail) => JsonError::new(StatusCode::CONFLICT, "conflict", detail),
        CoordinationError::Expired(detail) => JsonError::new(StatusCode::GONE, "expired", detail),
        e @ CoordinationError::TooMany(_) => {
            JsonError::new(StatusCode::UNPROCESSABLE_ENTITY, "too_many", e.to_string())
        }
        e => JsonError::internal("a coordination request", &e),
    }
}

pub(crate) fn principal(caller: Result<Caller, ApiError>) -> Result<Principal, JsonError> {
    let caller = caller.map_err(|_| JsonError::unauthorized())?;
    caller.0.ok_or_else(JsonError::unauthorized)
}

pub(crate) fn body<T>(body: Result<Json<T>, JsonRejection>) -> Result<T, JsonError> {
    body.map(|Json(b)| b).map_err(|e| JsonError::bad_request(e.body_text()))
}

pub(crate) fn list<T: Serialize>(items: Vec<T>) -> Response {
    Json(json!({"items": items, "next": null})).into_response()
}

pub(crate) fn created<T: Serialize>(value: T) -> Response {
    (StatusCode::CREATED, Json(value)).into_response()
}

pub(crate) type Answer = Result<Response, JsonError>;

/// Notices are a courtesy: failing to queue one is logged, never the request's failure.
fn notify(result: Result<usize, CoordinationError>) {
    if let Err(e) = result {
        tracing::warn!(error = %e, "queueing notices");
    }
}

pub(crate) async fn preferences(State(state): State<AppState>, caller: Result<Caller, ApiError>) -> Answer {
    let by = principal(caller)?;
    Ok(Json(state.node().notification_preferences(&by).await.map_err(coordination_error)?).into_response())
}

pub(crate) async fn set_preferences(
    State(state): State<AppState>,
    caller: Result<Caller, ApiError>,
    new: Result<Json<selat_core::coordination::notices::Preferences>, JsonRejection>,
) -> Answer {
    let by = principal(caller)?;
    let prefs = body(new)?;
    Ok(Json(state.node().set_notification_preferences(&by, &prefs).await.map_err(coordination_error)?)
        .into_response())
}

pub(crate) async fn incidents(
    State(state): State<AppState>,
    caller: Result<Caller, ApiError>,
    query: Result<Query<IncidentFilter>, QueryRejection>,
) -> Answer {
    let by = principal(caller)?;
    let Query(filter) = query.map_err(|e| JsonError::bad_request(e.body_text()))?;
    Ok(list(state.node().incidents(&by, &filter).await.map_err(coordination_error)?))
}

pub(crate) async fn create_incident(
    State(state): State<AppState>,
    caller: Result<Caller, ApiError>,
    new: Result<Json<NewIncident>, JsonRejection>,
) -> Answer {
    let by = principal(caller)?;
    let new = body(new)?;
    let view = state.node().create_incident(&by, &new).await.map_err(coordination_error)?;
    notify(state.node().notify_incident(&view.summary.id, "incident").await);
    Ok(created(view))
}

pub(crate) async fn incident(
    State(state): State<AppState>,
    caller: Result<Caller, ApiError>,
    Path(id): Path<String>,
) -> Answer {
    let by = principal(caller)?;
    Ok(Json(state.node().incident(&by, &id).await.map_err(coordination_error)?).into_response())
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct Transition {
    status: String,
    reason: Option<String>,
}

pub(crate) async fn transition(
    State(state): State<AppState>,
    caller: Result<Caller, ApiError>,
    Path(id): Path<String>,
    new: Result<Json<Transition>, JsonRejection>,
) -> Answer {
    let by = principal(caller)?;
    let t = body(new)?;
    let view = state
        .node()
        .transition_incident(&by, &id, &t.status, t.reason.as_deref())
        .await
        .map_err(coordination_error)?;
    Ok(Json(view).into_response())
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct Escalation {
    to: ShareWith,
}

pub(crate) async fn escalate(
    State(state): State<AppState>,
    caller: Result<Caller, ApiError>,
    Path(id): Path<String>,
    new: Result<Json<Escalation>, JsonRejection>,
) -> Answer {
    let by = principal(caller)?;
    let e = body(new)?;
    let view = state.node().escalate_incident(&by, &id, &e.to).await.map_err(coordination_error)?;
    notify(state.node().notify_incident(&view.summary.id, "escalation").await);
    Ok(Json(view).into_response())
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct Merge {
    into: String,
    reason: Option<String>,
}

pub(crate) async fn merge(
    State(state): State<AppState>,
    caller: Result<Caller, ApiError>,
    Path(id): Path<String>,
    new: Result<Json<Merge>, JsonRejection>,
) -> Answer {
    let by = principal(caller)?;
    let m = body(new)?;
    let view = state
        .node()
        .merge_incident(&by, &id, &m.into, m.reason.as_deref())
        .await
        .map_err(coordination_error)?;
    Ok(Json(view).into_response())
}

pub(crate) async fn tasks(
    State(state): State<AppState>,
    caller: Result<Caller, ApiError>,
    Path(id): Path<String>,
) -> Answer {
    let by = principal(caller)?;
    Ok(list(state.node().incident(&by, &id).await.map_err(coordination_error)?.tasks))
}

pub(crate) async fn add_task(
    State(state): State<AppState>,
    caller: Result<Caller, ApiError>,
    Path(id): Path<String>,
    new: Result<Json<NewTask>, JsonRejection>,
) -> Answer {
    let by = principal(caller)?;
    let new = body(new)?;
    Ok(created(state.node().add_task(&by, &id, &new).await.map_err(coordination_error)?))
}

pub(crate) async fn update_task(
    State(state): State<AppState>,
    caller: Result<Caller, ApiError>,
    Path((id, task)): Path<(String, String)>,
    new: Result<Json<TaskUpdate>, JsonRejection>,
) -> Answer {
    let by = principal(caller)?;
    let update = body(new)?;
    Ok(Json(state.node().update_task(&by, &id, &task, &update).await.map_err(coordination_error)?)
        .into_response())
}

pub(crate) async fn timeline(
    State(state): State<AppState>,
    caller: Result<Caller, ApiError>,
    Path(id): Path<String>,
) -> Answer {
    let by = principal(caller)?;
    Ok(list(state.node().incident(&by, &id).await.map_err(coordination_error)?.timeline))
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct Note {
    text: String,
}

pub(crate) async fn add_note(
    State(state): State<AppState>,
    caller: Result<Caller, ApiError>,
    Path(id): Path<String>,
    new: Result<Json<Note>, JsonRejection>,
) -> Answer {
    let by = principal(caller)?;
    let note = body(new)?;
    Ok(created(state.node().add_note(&by, &id, &note.text).await.map_err(coordination_error)?))
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct Links {
    object_refs: Vec<String>,
}

pub(crate) async fn link(
    State(state): State<AppState>,
    caller: Result<Caller, ApiError>,
    Path(id): Path<String>,
    new: Result<Json<Links>, JsonRejection>,
) -> Answer {
    let by = principal(caller)?;
    let links = body(new)?;
    Ok(Json(state.node().link_incident(&by, &id, &links.object_refs).await.map_err(coordination_error)?)
        .into_response())
}

pub(crate) async fn assistance_requests(
    State(state): State<AppState>,
    caller: Result<Caller, ApiError>,
    Path(id): Path<String>,
) -> Answer {
    let by = principal(caller)?;
    Ok(list(state.node().incident(&by, &id).await.map_err(coordination_error)?.assistance_requests))
}

pub(crate) async fn request_assistance(
    State(state): State<AppState>,
    caller: Result<Caller, ApiError>,
    Path(id): Path<String>,
    new: Result<Json<NewAssistanceRequest>, JsonRejection>,
) -> Answer {
    let by = principal(caller)?;
    let new = body(new)?;
    let view = state.node().request_assistance(&by, &id, &new).await.map_err(coordination_error)?;
    notify(state.node().notify_assistance(&view.id).await);
    Ok(created(view))
}

pub(crate) async fn answer_assistance(
    State(state): State<AppState>,
    caller: Result<Caller, ApiError>,
    Path((id, request)): Path<(String, String)>,
    new: Result<Json<NewAnswer>, JsonRejection>,
) -> Answer {
    let by = principal(caller)?;
    let new = body(new)?;
    let view = state.node().answer_assistance(&by, &id, &request, &new).await.map_err(coordination_error)?;
    Ok(created(view))
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct ContactQuery {
    state: Option<String>,
    stale: Option<bool>,
}

pub(crate) async fn contacts(
    State(state): State<AppState>,
    caller: Result<Caller, ApiError>,
    query: Result<Query<ContactQuery>, QueryRejection>,
) -> Answer {
    let by = principal(caller)?;
    let Query(q) = query.map_err(|e| JsonError::bad_request(e.body_text()))?;
    let items = state
        .node()
        .contacts(&by, q.state.as_deref(), q.stale.unwrap_or(false))
        .await
        .map_err(coordination_error)?;
    Ok(list(items))
}

pub(crate) async fn create_contact(
    State(state): State<AppState>,
    caller: Result<Caller, ApiError>,
    new: Result<Json<NewContact>, JsonRejection>,
) -> Answer {
    let by = principal(caller)?;
    let new = body(new)?;
    Ok(created(state.node().put_contact(&by, None, &new).await.map_err(coordination_error)?))
}

pub(crate) async fn contact(
    State(state): State<AppState>,
    caller: Result<Caller, ApiError>,
    Path(id): Path<String>,
) -> Answer {
    let by = principal(caller)?;
    Ok(Json(state.node().contact(&by, &id).await.map_err(coordination_error)?).into_response())
}

pub(crate) async fn replace_contact(
    State(state): State<AppState>,
    caller: Result<Caller, ApiError>,
    Path(id): Path<String>,
    new: Result<Json<NewContact>, JsonRejection>,
) -> Answer {
    let by = principal(caller)?;
    let new = body(new)?;
    Ok(Json(state.node().put_contact(&by, Some(&id), &new).await.map_err(coordination_error)?)
        .into_response())
}

pub(crate) async fn contact_checks(
    State(state): State<AppState>,
    caller: Result<Caller, ApiError>,
) -> Answer {
    let by = principal(caller)?;
    Ok(list(state.node().contact_checks(&by).await.map_err(coordination_error)?))
}

pub(crate) async fn start_contact_checks(
    State(state): State<AppState>,
    caller: Result<Caller, ApiError>,
    new: Result<Json<NewCampaign>, JsonRejection>,
) -> Answer {
    let by = principal(caller)?;
    let new = body(new)?;
    Ok(created(state.node().start_contact_checks(&by, &new).await.map_err(coordination_error)?))
}

pub(crate) async fn contact_check(
    State(state): State<AppState>,
    caller: Result<Caller, ApiError>,
    Path(id): Path<String>,
) -> Answer {
    let by = principal(caller)?;
    Ok(Json(state.node().contact_check(&by, &id).await.map_err(coordination_error)?).into_response())
}

/// Whether the client asked for JSON rather than the page a person sees.
fn wants_json(headers: &HeaderMap) -> bool {
    headers
        .get(header::ACCEPT)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|a| a.contains("application/json") && !a.contains("text/html"))
}

/// The page (or JSON) a contact lands on: what the check is, and a button that answers it. A GET
/// never answers: mail scanners fetch links, and a person must confirm.
pub(crate) async fn ack_page(
    State(state): State<AppState>,
    headers: HeaderMap,
    Path(token): Path<String>,
) -> Answer {
    let ack = state.node().acknowledgement(&token).await.map_err(coordination_error)?;
    if wants_json(&headers) {
        return Ok(Json(ack).into_response());
    }
    Ok(Html(ack_html(&ack, None)).into_response())
}

/// Answers the check (once, before it expires).
pub(crate) async fn ack(
    State(state): State<AppState>,
    headers: HeaderMap,
    Path(token): Path<String>,
) -> Answer {
    let ack = state.node().acknowledge(&token).await.map_err(coordination_error)?;
    if wants_json(&headers) {
        return Ok(Json(ack).into_response());
    }
    Ok(Html(ack_html(&ack, Some("Thank you: your contact details are confirmed."))).into_response())
}

fn ack_html(ack: &Acknowledgement, done: Option<&str>) -> String {
    let body = match (done, &ack.answered) {
        (Some(message), _) => format!("<p role=\"status\">{}</p>", crate::report::escape(message)),
        (None, Some(at)) => format!("<p>This check was answered at {}.</p>", crate::report::escape(at)),
        (None, None) => "<form method=\"post\"><button type=\"submit\">Confirm</button></form>".to_owned(),
    };
    format!(
        "<!doctype html><html lang=\"en\"><head><meta charset=\"utf-8\"><title>Selat contact check</title></head>\
         <body><main><h1>Contact check</h1><p>{} ({}) — sent {}, valid until {}.</p>{body}</main></body></html>",
        crate::report::escape(&ack.contact_name),
        crate::report::escape(&ack.organisation),
        crate::report::escape(&ack.sent),
        crate::report::escape(&ack.expires)
    )
}

pub(crate) async fn sectors(State(state): State<AppState>, caller: Result<Caller, ApiError>) -> Answer {
    principal(caller)?;
    let orgs =
        state.node().organisations().await.map_err(|e| JsonError::internal("listing organisations", &e))?;
    Ok(list(selat_core::region::sector_records(&orgs)))
}

/// Advisories are public: no credentials needed (a caller that sends bad ones still gets 401).
pub(crate) async fn advisories(State(state): State<AppState>, caller: Result<Caller, ApiError>) -> Answer {
    caller.map_err(|_| JsonError::unauthorized())?;
    Ok(list(state.node().advisories().await.map_err(coordination_error)?))
}

pub(crate) async fn publish_advisory(
    State(state): State<AppState>,
    caller: Result<Caller, ApiError>,
    new: Result<Json<selat_core::coordination::advisories::NewAdvisory>, JsonRejection>,
) -> Answer {
    let by = principal(caller)?;
    let new = body(new)?;
    Ok(created(state.node().publish_advisory(&by, &new).await.map_err(coordination_error)?))
}

/// `GET /feeds/advisories.atom`: the public advisories as an Atom feed.
pub(crate) async fn atom(State(state): State<AppState>) -> Answer {
    let node = state.node();
    let advisories = node.advisories().await.map_err(coordination_error)?;
    let collection = node.public_collection().await.map_err(coordination_error)?;
    let base = node.coordination_settings().base_url;
    let feed = selat_core::coordination::advisories::atom_feed(&base, &collection, &advisories);
    Ok(([(header::CONTENT_TYPE, "application/atom+xml; charset=utf-8")], feed).into_response())
}
