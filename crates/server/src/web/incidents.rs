//! Incident pages: the list (filtered by status and severity), the new-incident form and an
//! incident's workspace (timeline, tasks, status changes, notes, assistance requests, links).
//! Every rule — who may move an incident to which status, who updates a task, who answers a
//! request — is `selat_core::coordination::incidents`'s: the workspace offers the transitions the
//! service lists for the viewer, and a refusal is shown on the page with the service's message
//! and status, the incident unchanged.

use axum::Router;
use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use axum::response::Response;
use axum::routing::{get, post};
use selat_core::coordination::CoordinationError;
use selat_core::coordination::incidents::{
    AssistanceView, CLASSES, IncidentFilter, IncidentSummary, IncidentView, NewAnswer, NewAssistanceRequest,
    NewIncident, NewTask, SEVERITIES, ShareWith, TaskUpdate, TaskView,
};
use serde::Deserialize;

use super::{Chrome, Form, Viewer, internal, one_or_many, render, see_other};
use crate::state::AppState;

pub(super) const INCIDENTS: &str = "/incidents";
pub(super) const NEW_INCIDENT: &str = "/incidents/new";
pub(super) const INCIDENT: &str = "/incidents/{incident_id}";
pub(super) const TRANSITION: &str = "/incidents/{incident_id}/transition";
pub(super) const TASKS: &str = "/incidents/{incident_id}/tasks";
pub(super) const TASK: &str = "/incidents/{incident_id}/tasks/{task_id}";
pub(super) const NOTES: &str = "/incidents/{incident_id}/notes";
pub(super) const LINKS: &str = "/incidents/{incident_id}/links";
pub(super) const ASSISTANCE: &str = "/incidents/{incident_id}/assistance";
pub(super) const ANSWER: &str = "/incidents/{incident_id}/assistance/{request_id}";

/// Task statuses the update form offers (the service checks them again).
const TASK_STATUSES: [&str; 4] = ["open", "in-progress", "done", "cancelled"];
/// Answers to an assistance request the form offers.
const ANSWERS: [&str; 3] = ["accepted", "declined", "completed"];
/// Audiences of a new incident besides named member states.
const SHARE_WITH: [&str; 3] = ["organisation", "national", "region"];

pub(super) fn routes() -> Router<AppState> {
    Router::new()
        .route(INCIDENTS, get(list).post(create))
        .route(NEW_INCIDENT, get(new_form))
        .route(INCIDENT, get(workspace))
        .route(TRANSITION, post(transition))
        .route(TASKS, post(add_task))
        .route(TASK, post(update_task))
        .route(NOTES, post(add_note))
        .route(LINKS, post(link))
        .route(ASSISTANCE, post(request_assistance))
        .route(ANSWER, post(answer))
}

/// A service refusal as the page shows it: its status and message. Anything that is not a
/// refusal (the store failed, a defect) is a 500 whose cause goes to the log only (boxed: the
/// rare path should not make every result as large as a response).
pub(super) fn refusal(e: CoordinationError) -> Result<(StatusCode, String), Box<Response>> {
    Ok(match e {
        CoordinationError::Invalid(detail) => (StatusCode::BAD_REQUEST, detail),
        CoordinationError::NotFound(detail) => (StatusCode::NOT_FOUND, detail),
        CoordinationError::Forbidden(detail) => (StatusCode::FORBIDDEN, detail),
        CoordinationError::Conflict(detail) => (StatusCode::CONFLICT, detail),
        CoordinationError::Expired(detail) => (StatusCode::GONE, detail),
        e @ CoordinationError::TooMany(_) => (StatusCode::UNPROCESSABLE_ENTITY, e.to_string()),
        e => return Err(Box::new(internal("a coordination request", &e))),
    })
}

/// A refusal as a plain error page (for reads, where there is no form to show it beside).
pub(super) fn refusal_page(e: CoordinationError) -> Response {
    match refusal(e) {
        Ok((StatusCode::NOT_FOUND, _)) => super::not_found(),
        Ok((status, message)) => super::error_page(status, &message),
        Err(response) => *response,
    }
}

/// An optional form field: empty means absent.
pub(super) fn given(value: Option<String>) -> Option<String> {
    value.map(|v| v.trim().to_owned()).filter(|v| !v.is_empty())
}

#[derive(Debug, Default, Deserialize)]
struct ListParams {
    status: Option<String>,
    severity: Option<String>,
}

#[derive(askama::Template)]
#[template(path = "incidents.html")]
struct ListPage {
    chrome: Chrome,
    incidents: Vec<IncidentSummary>,
    status: String,
    severity: String,
    statuses: Vec<&'static str>,
    severities: Vec<&'static str>,
    error: Option<String>,
}

async fn list(State(state): State<AppState>, viewer: Viewer, Query(params): Query<ListParams>) -> Response {
    let filter = IncidentFilter {
        status: given(params.status.clone()),
        severity: given(params.severity.clone()),
        state: None,
    };
    let mut page = ListPage {
        chrome: viewer.chrome("Incidents"),
        incidents: Vec::new(),
        status: filter.status.clone().unwrap_or_default(),
        severity: filter.severity.clone().unwrap_or_default(),
        statuses: selat_core::coordination::incidents::Status::ALL.iter().map(|s| s.as_str()).collect(),
        severities: SEVERITIES.to_vec(),
        error: None,
    };
    let status = match state.node().incidents(&viewer.principal, &filter).await {
        Ok(incidents) => {
            page.incidents = incidents;
            StatusCode::OK
        }
        Err(e) => match refusal(e) {
            Ok((status, message)) => {
                page.error = Some(message);
                status
            }
            Err(response) => return *response,
        },
    };
    viewer.respond((status, render(&page)))
}

#[derive(askama::Template)]
#[template(path = "incident_new.html")]
struct NewPage {
    chrome: Chrome,
    severities: Vec<&'static str>,
    classes: Vec<&'static str>,
    share_with: Vec<&'static str>,
    states: Vec<String>,
    error: Option<String>,
    form: IncidentForm,
}

#[derive(Debug, Default, Clone, Deserialize)]
struct IncidentForm {
    #[serde(default)]
    name: String,
    description: Option<String>,
    #[serde(default)]
    severity: String,
    #[serde(default)]
    incident_class: String,
    #[serde(default, deserialize_with = "one_or_many")]
    affected_states: Vec<String>,
    #[serde(default)]
    tlp: String,
    #[serde(default)]
    share_with: String,
}

pub(super) async fn member_states(state: &AppState) -> Result<Vec<String>, Response> {
    let orgs = state.node().organisations().await.map_err(|e| internal("listing organisations", &e))?;
    Ok(orgs
        .into_iter()
        .filter(|o| o.kind == selat_core::org::OrgKind::MemberState)
        .map(|o| o.short_name)
        .collect())
}

async fn new_page(
    state: &AppState,
    viewer: &Viewer,
    form: IncidentForm,
    error: Option<String>,
) -> Result<NewPage, Response> {
    Ok(NewPage {
        chrome: viewer.chrome("New incident"),
        severities: SEVERITIES.to_vec(),
        classes: CLASSES.to_vec(),
        share_with: SHARE_WITH.to_vec(),
        states: member_states(state).await?,
        error,
        form,
    })
}

async fn new_form(State(state): State<AppState>, viewer: Viewer) -> Response {
    match new_page(&state, &viewer, IncidentForm::default(), None).await {
        Ok(page) => viewer.respond(render(&page)),
        Err(response) => response,
    }
}

async fn create(State(state): State<AppState>, viewer: Viewer, Form(form): Form<IncidentForm>) -> Response {
    let new = NewIncident {
        name: form.name.clone(),
        description: given(form.description.clone()),
        severity: form.severity.clone(),
        incident_class: form.incident_class.clone(),
        affected_states: form.affected_states.clone(),
        affected_sectors: Vec::new(),
        tlp: form.tlp.clone(),
        pap: None,
        share_with: ShareWith::Named(form.share_with.clone()),
    };
    let node = state.node();
    match node.create_incident(&viewer.principal, &new).await {
        Ok(view) => {
            if let Err(e) = node.notify_incident(&view.summary.id, "incident").await {
                tracing::warn!(error = %e, "queueing notices");
            }
            viewer.respond(see_other(&format!("/incidents/{}", view.summary.id)))
        }
        Err(e) => {
            let (status, message) = match refusal(e) {
                Ok(refused) => refused,
                Err(response) => return *response,
            };
            match new_page(&state, &viewer, form, Some(message)).await {
                Ok(page) => viewer.respond((status, render(&page))),
                Err(response) => response,
            }
        }
    }
}

/// A task as the workspace shows it: whether the viewer's organisation owns it (only then is
/// the update form offered; the service decides again).
struct TaskRow {
    task: TaskView,
    own: bool,
}

/// An assistance request, and whether it is addressed to the viewer's organisation.
struct RequestRow {
    request: AssistanceView,
    answerable: bool,
}

#[derive(askama::Template)]
#[template(path = "incident.html")]
struct Workspace {
    chrome: Chrome,
    incident: IncidentView,
    transitions: Vec<&'static str>,
    tasks: Vec<TaskRow>,
    requests: Vec<RequestRow>,
    states: Vec<String>,
    task_statuses: Vec<&'static str>,
    answers: Vec<&'static str>,
    error: Option<String>,
    done: Option<String>,
}

async fn workspace(
    State(state): State<AppState>,
    viewer: Viewer,
    Path(id): Path<String>,
    Query(done): Query<super::Done>,
) -> Response {
    let done = done.given().and_then(|d| done_message(&d));
    show(&state, &viewer, &id, StatusCode::OK, None, done).await
}

/// What a 303 back to the workspace says was done (only known words, never echoed text).
fn done_message(what: &str) -> Option<String> {
    Some(
        match what {
            "transition" => "Status changed.",
            "task" => "Task added.",
            "task-update" => "Task updated.",
            "note" => "Note added.",
            "links" => "Objects linked.",
            "assistance" => "Assistance requested.",
            "answer" => "Answer recorded.",
            _ => return None,
        }
        .to_owned(),
    )
}

/// The workspace with `status`; `error` is a refusal shown above the forms.
async fn show(
    state: &AppState,
    viewer: &Viewer,
    id: &str,
    status: StatusCode,
    error: Option<String>,
    done: Option<String>,
) -> Response {
    let incident = match state.node().incident(&viewer.principal, id).await {
        Ok(incident) => incident,
        Err(e) => return refusal_page(e),
    };
    let states = match member_states(state).await {
        Ok(states) => states,
        Err(response) => return response,
    };
    let own = &viewer.principal.org.short_name;
    let page = Workspace {
        chrome: viewer.chrome(incident.summary.name.clone()),
        transitions: incident.allowed_transitions.iter().map(|s| s.as_str()).collect(),
        tasks: incident.tasks.iter().map(|t| TaskRow { task: t.clone(), own: &t.owner == own }).collect(),
        requests: incident
            .assistance_requests
            .iter()
            .map(|r| RequestRow { request: r.clone(), answerable: &r.to == own })
            .collect(),
        incident,
        states,
        task_statuses: TASK_STATUSES.to_vec(),
        answers: ANSWERS.to_vec(),
        error,
        done,
    };
    viewer.respond((status, render(&page)))
}

/// After a form: back to the workspace (303), or the workspace with the refusal.
async fn after<T>(
    state: &AppState,
    viewer: &Viewer,
    id: &str,
    what: &str,
    result: Result<T, CoordinationError>,
) -> Response {
    match result {
        Ok(_) => viewer.respond(see_other(&format!("/incidents/{id}?done={what}"))),
        Err(e) => match refusal(e) {
            Ok((status, message)) => show(state, viewer, id, status, Some(message), None).await,
            Err(response) => *response,
        },
    }
}

#[derive(Debug, Deserialize)]
struct TransitionForm {
    #[serde(default)]
    to: String,
    reason: Option<String>,
}

async fn transition(
    State(state): State<AppState>,
    viewer: Viewer,
    Path(id): Path<String>,
    Form(form): Form<TransitionForm>,
) -> Response {
    let reason = given(form.reason);
    let result = state.node().transition_incident(&viewer.principal, &id, &form.to, reason.as_deref()).await;
    after(&state, &viewer, &id, "transition", result).await
}

#[derive(Debug, Deserialize)]
struct TaskForm {
    #[serde(default)]
    name: String,
    description: Option<String>,
    due: Option<String>,
}

async fn add_task(
    State(state): State<AppState>,
    viewer: Viewer,
    Path(id): Path<String>,
    Form(form): Form<TaskForm>,
) -> Response {
    let new = NewTask {
        name: form.name,
        description: given(form.description),
        due: given(form.due),
        priority: None,
    };
    let result = state.node().add_task(&viewer.principal, &id, &new).await;
    after(&state, &viewer, &id, "task", result).await
}

#[derive(Debug, Deserialize)]
struct TaskStatusForm {
    #[serde(default)]
    status: String,
}

async fn update_task(
    State(state): State<AppState>,
    viewer: Viewer,
    Path((id, task)): Path<(String, String)>,
    Form(form): Form<TaskStatusForm>,
) -> Response {
    let update = TaskUpdate { status: form.status };
    let result = state.node().update_task(&viewer.principal, &id, &task, &update).await;
    after(&state, &viewer, &id, "task-update", result).await
}

#[derive(Debug, Deserialize)]
struct NoteForm {
    #[serde(default)]
    text: String,
}

async fn add_note(
    State(state): State<AppState>,
    viewer: Viewer,
    Path(id): Path<String>,
    Form(form): Form<NoteForm>,
) -> Response {
    let result = state.node().add_note(&viewer.principal, &id, &form.text).await;
    after(&state, &viewer, &id, "note", result).await
}

#[derive(Debug, Deserialize)]
struct LinkForm {
    /// Object ids, one per line or separated by spaces or commas.
    #[serde(default)]
    object_refs: String,
}

async fn link(
    State(state): State<AppState>,
    viewer: Viewer,
    Path(id): Path<String>,
    Form(form): Form<LinkForm>,
) -> Response {
    let refs: Vec<String> = form
        .object_refs
        .split(|c: char| c.is_whitespace() || c == ',')
        .filter(|s| !s.is_empty())
        .map(str::to_owned)
        .collect();
    let result = state.node().link_incident(&viewer.principal, &id, &refs).await;
    after(&state, &viewer, &id, "links", result).await
}

#[derive(Debug, Deserialize)]
struct AssistanceForm {
    #[serde(default)]
    to: String,
    #[serde(default)]
    request: String,
    #[serde(default)]
    deadline: String,
}

async fn request_assistance(
    State(state): State<AppState>,
    viewer: Viewer,
    Path(id): Path<String>,
    Form(form): Form<AssistanceForm>,
) -> Response {
    let new = NewAssistanceRequest { to: form.to, request: form.request, deadline: form.deadline };
    let node = state.node();
    let result = node.request_assistance(&viewer.principal, &id, &new).await;
    if let Ok(view) = &result
        && let Err(e) = node.notify_assistance(&view.id).await
    {
        tracing::warn!(error = %e, "queueing notices");
    }
    after(&state, &viewer, &id, "assistance", result).await
}

#[derive(Debug, Deserialize)]
struct AnswerForm {
    #[serde(default)]
    answer: String,
    text: Option<String>,
}

async fn answer(
    State(state): State<AppState>,
    viewer: Viewer,
    Path((id, request)): Path<(String, String)>,
    Form(form): Form<AnswerForm>,
) -> Response {
    let new = NewAnswer { answer: form.answer, text: given(form.text) };
    let result = state.node().answer_assistance(&viewer.principal, &id, &request, &new).await;
    after(&state, &viewer, &id, "answer", result).await
}
