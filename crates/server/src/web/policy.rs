//! The regional policy pages over `selat_core::coordination`'s services: capacity building
//! (gaps, overlaps, the state × theme coverage matrix, programmes and needs; record a need, a
//! programme or an offer), norms (the regional state × norm matrix and the viewer's own state's
//! assessment form) and meetings (series, meetings, decisions with the overdue ones marked, and
//! the decision status form). Who may do what is the services' rule; a refusal is shown on the
//! page with their message and status, nothing recorded.

use axum::Router;
use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use axum::response::Response;
use axum::routing::{get, post};
use selat_core::coordination::CoordinationError;
use selat_core::coordination::capacity::{
    CoverageRow, FORMATS, NeedView, NewNeed, NewOffer, NewProgramme, Overlap, PRIORITIES, PROGRAMME_STATUSES,
    ProgrammeView, THEMES,
};
use selat_core::coordination::meetings::{
    DecisionFilter, DecisionView, MeetingView, NewDecisionStatus, SERIES,
};
use selat_core::coordination::norms::{NORMS, NewAssessment, NormMatrix, NormStatus};
use selat_core::org::{OrgKind, Role};
use serde::Deserialize;

use super::incidents::{given, refusal};
use super::{Chrome, Form, Viewer, one_or_many, render, see_other};
use crate::state::AppState;

pub(super) const CAPACITY: &str = "/capacity";
pub(super) const NEEDS: &str = "/capacity/needs";
pub(super) const PROGRAMMES: &str = "/capacity/programmes";
pub(super) const OFFERS: &str = "/capacity/needs/{need_id}/offers";
pub(super) const NORMS_PAGE: &str = "/norms";
pub(super) const ASSESSMENTS: &str = "/norms/assessments";
pub(super) const MEETINGS: &str = "/meetings";
pub(super) const DECISION_STATUS: &str = "/decisions/{decision_id}/status";

pub(super) fn routes() -> Router<AppState> {
    Router::new()
        .route(CAPACITY, get(capacity))
        .route(NEEDS, post(record_need))
        .route(PROGRAMMES, post(record_programme))
        .route(OFFERS, post(offer))
        .route(NORMS_PAGE, get(norms))
        .route(ASSESSMENTS, post(assess))
        .route(MEETINGS, get(meetings))
        .route(DECISION_STATUS, post(decision_status))
}

/// After a form: 303 to `page?done=…`, or the page again with the service's refusal.
async fn after<T, F, Fut>(
    viewer: &Viewer,
    page: &str,
    result: Result<T, CoordinationError>,
    show: F,
) -> Response
where
    F: FnOnce(StatusCode, Option<String>) -> Fut,
    Fut: std::future::Future<Output = Response>,
{
    match result {
        Ok(_) => viewer.respond(see_other(&format!("{page}?done=1"))),
        Err(e) => match refusal(e) {
            Ok((status, message)) => show(status, Some(message)).await,
            Err(response) => *response,
        },
    }
}

fn ok_or_page<T>(result: Result<T, CoordinationError>) -> Result<T, Box<Response>> {
    result.map_err(|e| Box::new(super::incidents::refusal_page(e)))
}

struct NeedRow {
    need: NeedView,
    /// Offers are made by a provider for one of its own programmes: the form lists those.
    offerable: bool,
}

#[derive(askama::Template)]
#[template(path = "capacity.html")]
struct CapacityPage {
    chrome: Chrome,
    themes: Vec<&'static str>,
    matrix: Vec<CoverageRow>,
    gaps: Vec<NeedView>,
    overlaps: Vec<Overlap>,
    programmes: Vec<ProgrammeView>,
    needs: Vec<NeedRow>,
    own_programmes: Vec<ProgrammeView>,
    states: Vec<String>,
    own_state: String,
    priorities: Vec<&'static str>,
    formats: Vec<&'static str>,
    programme_statuses: Vec<&'static str>,
    error: Option<String>,
    done: bool,
}

async fn capacity(
    State(state): State<AppState>,
    viewer: Viewer,
    Query(done): Query<super::Done>,
) -> Response {
    show_capacity(&state, &viewer, StatusCode::OK, None, done.shown()).await
}

async fn show_capacity(
    state: &AppState,
    viewer: &Viewer,
    status: StatusCode,
    error: Option<String>,
    done: bool,
) -> Response {
    match capacity_page(state, viewer, error, done).await {
        Ok(page) => viewer.respond((status, render(&page))),
        Err(response) => *response,
    }
}

async fn capacity_page(
    state: &AppState,
    viewer: &Viewer,
    error: Option<String>,
    done: bool,
) -> Result<CapacityPage, Box<Response>> {
    let node = state.node();
    let by = &viewer.principal;
    let programmes = ok_or_page(node.programmes(by).await)?;
    let own_name = by.org.short_name.clone();
    let own_programmes: Vec<ProgrammeView> =
        programmes.iter().filter(|p| p.recorded_by == own_name).cloned().collect();
    let needs = ok_or_page(node.needs(by).await)?
        .into_iter()
        .map(|need| NeedRow { need, offerable: !own_programmes.is_empty() })
        .collect();
    Ok(CapacityPage {
        chrome: viewer.chrome("Capacity building"),
        themes: THEMES.to_vec(),
        matrix: ok_or_page(node.capacity_matrix(by).await)?,
        gaps: ok_or_page(node.capacity_gaps(by).await)?,
        overlaps: ok_or_page(node.capacity_overlaps(by).await)?,
        programmes,
        needs,
        own_programmes,
        states: super::incidents::member_states(state).await.map_err(Box::new)?,
        own_state: own_state(viewer),
        priorities: PRIORITIES.to_vec(),
        formats: FORMATS.to_vec(),
        programme_statuses: PROGRAMME_STATUSES.to_vec(),
        error,
        done,
    })
}

/// The viewer's own member state: its organisation's, or its parent's for a sector lead.
fn own_state(viewer: &Viewer) -> String {
    let org = &viewer.principal.org;
    match org.kind {
        OrgKind::MemberState => org.short_name.clone(),
        OrgKind::SectorLead => org.parent.clone().unwrap_or_default(),
        _ => String::new(),
    }
}

#[derive(Debug, Deserialize)]
struct NeedForm {
    #[serde(default)]
    member_state: String,
    #[serde(default)]
    theme: String,
    #[serde(default)]
    priority: String,
    description: Option<String>,
}

async fn record_need(State(state): State<AppState>, viewer: Viewer, Form(form): Form<NeedForm>) -> Response {
    let new = NewNeed {
        member_state: form.member_state,
        theme: form.theme,
        priority: form.priority,
        description: given(form.description),
    };
    let result = state.node().create_need(&viewer.principal, &new).await;
    after(&viewer, CAPACITY, result, |s, e| show_capacity(&state, &viewer, s, e, false)).await
}

#[derive(Debug, Deserialize)]
struct ProgrammeForm {
    #[serde(default)]
    title: String,
    #[serde(default, deserialize_with = "one_or_many")]
    themes: Vec<String>,
    #[serde(default, deserialize_with = "one_or_many")]
    beneficiary_states: Vec<String>,
    format: Option<String>,
    #[serde(default)]
    start: String,
    end: Option<String>,
    #[serde(default)]
    status: String,
}

async fn record_programme(
    State(state): State<AppState>,
    viewer: Viewer,
    Form(form): Form<ProgrammeForm>,
) -> Response {
    let new = NewProgramme {
        title: form.title,
        themes: form.themes,
        providers: Vec::new(),
        funders: Vec::new(),
        beneficiary_states: form.beneficiary_states,
        format: given(form.format),
        start: form.start,
        end: given(form.end),
        seats: None,
        status: form.status,
        source: None,
    };
    let result = state.node().create_programme(&viewer.principal, &new).await;
    after(&viewer, CAPACITY, result, |s, e| show_capacity(&state, &viewer, s, e, false)).await
}

#[derive(Debug, Deserialize)]
struct OfferForm {
    #[serde(default)]
    programme: String,
    note: Option<String>,
}

async fn offer(
    State(state): State<AppState>,
    viewer: Viewer,
    Path(need): Path<String>,
    Form(form): Form<OfferForm>,
) -> Response {
    let new = NewOffer { programme: form.programme, note: given(form.note) };
    let result = state.node().offer_for_need(&viewer.principal, &need, &new).await;
    after(&viewer, CAPACITY, result, |s, e| show_capacity(&state, &viewer, s, e, false)).await
}

/// A matrix cell as the page shows it: the status's CSS class (selat.css) and its words.
struct NormCell {
    class: &'static str,
    label: &'static str,
    period: String,
}

#[derive(askama::Template)]
#[template(path = "norms.html")]
struct NormsPage {
    chrome: Chrome,
    matrix: NormMatrix,
    rows: Vec<(String, Vec<NormCell>)>,
    norms: Vec<(&'static str, &'static str)>,
    statuses: Vec<&'static str>,
    own_state: String,
    may_assess: bool,
    error: Option<String>,
    done: bool,
}

async fn norms(State(state): State<AppState>, viewer: Viewer, Query(done): Query<super::Done>) -> Response {
    show_norms(&state, &viewer, StatusCode::OK, None, done.shown()).await
}

async fn show_norms(
    state: &AppState,
    viewer: &Viewer,
    status: StatusCode,
    error: Option<String>,
    done: bool,
) -> Response {
    let matrix = match state.node().norm_matrix(&viewer.principal, None).await {
        Ok(matrix) => matrix,
        Err(e) => return super::incidents::refusal_page(e),
    };
    let rows = matrix
        .rows
        .iter()
        .map(|row| {
            let cells = row
                .cells
                .iter()
                .map(|cell| NormCell {
                    class: cell.status.map_or("none", NormStatus::as_str),
                    label: cell.status.map_or("not assessed", NormStatus::as_str),
                    period: cell.period.clone().unwrap_or_default(),
                })
                .collect();
            (row.member_state.clone(), cells)
        })
        .collect();
    let own_state = match viewer.principal.org.kind {
        OrgKind::MemberState => viewer.principal.org.short_name.clone(),
        _ => String::new(),
    };
    let page = NormsPage {
        chrome: viewer.chrome("Norms"),
        rows,
        matrix,
        norms: NORMS.iter().map(|n| (n.letter, n.text)).collect(),
        statuses: NormStatus::ALL.iter().map(|s| s.as_str()).collect(),
        may_assess: !own_state.is_empty() && viewer.principal.at_least(Role::Analyst),
        own_state,
        error,
        done,
    };
    viewer.respond((status, render(&page)))
}

#[derive(Debug, Deserialize)]
struct AssessmentForm {
    #[serde(default)]
    member_state: String,
    #[serde(default)]
    norm: String,
    item: Option<String>,
    #[serde(default)]
    status: String,
    #[serde(default)]
    period: String,
    evidence: Option<String>,
}

async fn assess(State(state): State<AppState>, viewer: Viewer, Form(form): Form<AssessmentForm>) -> Response {
    let new = NewAssessment {
        member_state: form.member_state,
        norm: form.norm,
        item: given(form.item),
        status: form.status,
        period: form.period,
        evidence: given(form.evidence),
        tlp: None,
    };
    let result = state.node().record_norm_assessment(&viewer.principal, &new).await;
    after(&viewer, NORMS_PAGE, result, |s, e| show_norms(&state, &viewer, s, e, false)).await
}

#[derive(askama::Template)]
#[template(path = "meetings.html")]
struct MeetingsPage {
    chrome: Chrome,
    series: Vec<(&'static str, &'static str)>,
    meetings: Vec<MeetingView>,
    decisions: Vec<DecisionView>,
    overdue: usize,
    may_write: bool,
    error: Option<String>,
    done: bool,
}

async fn meetings(
    State(state): State<AppState>,
    viewer: Viewer,
    Query(done): Query<super::Done>,
) -> Response {
    show_meetings(&state, &viewer, StatusCode::OK, None, done.shown()).await
}

async fn show_meetings(
    state: &AppState,
    viewer: &Viewer,
    status: StatusCode,
    error: Option<String>,
    done: bool,
) -> Response {
    let node = state.node();
    let by = &viewer.principal;
    let meetings = match node.meetings(by).await {
        Ok(meetings) => meetings,
        Err(e) => return super::incidents::refusal_page(e),
    };
    let decisions = match node.decisions(by, &DecisionFilter::default()).await {
        Ok(decisions) => decisions,
        Err(e) => return super::incidents::refusal_page(e),
    };
    let page = MeetingsPage {
        chrome: viewer.chrome("Meetings and decisions"),
        series: SERIES.iter().map(|s| (s.code, s.name)).collect(),
        overdue: decisions.iter().filter(|d| d.overdue).count(),
        meetings,
        decisions,
        may_write: by.at_least(Role::Analyst),
        error,
        done,
    };
    viewer.respond((status, render(&page)))
}

#[derive(Debug, Deserialize)]
struct DecisionStatusForm {
    #[serde(default)]
    status: String,
    reason: Option<String>,
}

async fn decision_status(
    State(state): State<AppState>,
    viewer: Viewer,
    Path(id): Path<String>,
    Form(form): Form<DecisionStatusForm>,
) -> Response {
    let change = NewDecisionStatus { status: form.status, reason: given(form.reason) };
    let result = state.node().set_decision_status(&viewer.principal, &id, &change).await;
    after(&viewer, MEETINGS, result, |s, e| show_meetings(&state, &viewer, s, e, false)).await
}
