//! Regional coordination at policy level over REST: the UN GGE 2015 norms (`/api/v1/norms`), each
//! member state's assessments of them, the state × norm matrix and the progress between two
//! periods; capacity building (`/api/v1/capacity/…`: programmes, needs, gaps, overlaps and the
//! state × theme matrix); meetings and decisions (`/api/v1/meetings`, `/api/v1/decisions`). The rules and the analysis live in `selat_core::coordination`; this module only speaks
//! HTTP.

use axum::Json;
use axum::extract::rejection::{JsonRejection, QueryRejection};
use axum::extract::{Path, Query, State};
use axum::response::{Html, IntoResponse};
use selat_core::coordination::capacity::{NewNeed, NewOffer, NewOfferAnswer, NewProgramme};
use selat_core::coordination::meetings::{
    DecisionFilter, DecisionStatus, NewDecision, NewDecisionStatus, NewMeeting,
};
use selat_core::coordination::norms::{AssessmentFilter, NewAssessment, NewNorm};
use serde::Deserialize;

use super::JsonError;
use super::coordination::{Answer, body, coordination_error, created, list, principal};
use super::cursor::{Paging, page};
use crate::auth::Caller;
use crate::errors::ApiError;
use crate::state::AppState;

fn query<T>(query: Result<Query<T>, QueryRejection>) -> Result<T, JsonError> {
    query.map(|Query(q)| q).map_err(|e| JsonError::bad_request(e.body_text()))
}

pub(crate) async fn norms(
    State(state): State<AppState>,
    caller: Result<Caller, ApiError>,
    paging: Result<Query<Paging>, QueryRejection>,
) -> Answer {
    let by = principal(caller)?;
    let paging = query(paging)?;
    page(state.node().norms(&by).await.map_err(coordination_error)?, &paging)
}

/// `GET /api/v1/norms/assessments`: the filter and the page.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct AssessmentQuery {
    member_state: Option<String>,
    norm: Option<String>,
    period: Option<String>,
    limit: Option<usize>,
    next: Option<String>,
}

/// A norm the secretariat adds.
pub(crate) async fn add_norm(
    State(state): State<AppState>,
    caller: Result<Caller, ApiError>,
    new: Result<Json<NewNorm>, JsonRejection>,
) -> Answer {
    let by = principal(caller)?;
    let new = body(new)?;
    Ok(created(state.node().add_norm(&by, &new).await.map_err(coordination_error)?))
}

pub(crate) async fn assessments(
    State(state): State<AppState>,
    caller: Result<Caller, ApiError>,
    asked: Result<Query<AssessmentQuery>, QueryRejection>,
) -> Answer {
    let by = principal(caller)?;
    let q = query(asked)?;
    let filter = AssessmentFilter { member_state: q.member_state, norm: q.norm, period: q.period };
    let paging = Paging { limit: q.limit, next: q.next };
    page(state.node().norm_assessments(&by, &filter).await.map_err(coordination_error)?, &paging)
}

pub(crate) async fn record_assessment(
    State(state): State<AppState>,
    caller: Result<Caller, ApiError>,
    new: Result<Json<NewAssessment>, JsonRejection>,
) -> Answer {
    let by = principal(caller)?;
    let new = body(new)?;
    Ok(created(state.node().record_norm_assessment(&by, &new).await.map_err(coordination_error)?))
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct AsOf {
    period: Option<String>,
}

pub(crate) async fn norm_matrix(
    State(state): State<AppState>,
    caller: Result<Caller, ApiError>,
    as_of: Result<Query<AsOf>, QueryRejection>,
) -> Answer {
    let by = principal(caller)?;
    let as_of = query(as_of)?;
    let matrix = state.node().norm_matrix(&by, as_of.period.as_deref()).await.map_err(coordination_error)?;
    Ok(Json(matrix).into_response())
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct Between {
    from: String,
    to: String,
}

pub(crate) async fn norm_progress(
    State(state): State<AppState>,
    caller: Result<Caller, ApiError>,
    between: Result<Query<Between>, QueryRejection>,
) -> Answer {
    let by = principal(caller)?;
    let b = query(between)?;
    let progress = state.node().norm_progress(&by, &b.from, &b.to).await.map_err(coordination_error)?;
    Ok(Json(progress).into_response())
}

pub(crate) async fn programmes(
    State(state): State<AppState>,
    caller: Result<Caller, ApiError>,
    paging: Result<Query<Paging>, QueryRejection>,
) -> Answer {
    let by = principal(caller)?;
    let paging = query(paging)?;
    page(state.node().programmes(&by).await.map_err(coordination_error)?, &paging)
}

pub(crate) async fn create_programme(
    State(state): State<AppState>,
    caller: Result<Caller, ApiError>,
    new: Result<Json<NewProgramme>, JsonRejection>,
) -> Answer {
    let by = principal(caller)?;
    let new = body(new)?;
    Ok(created(state.node().create_programme(&by, &new).await.map_err(coordination_error)?))
}

pub(crate) async fn replace_programme(
    State(state): State<AppState>,
    caller: Result<Caller, ApiError>,
    Path(id): Path<String>,
    new: Result<Json<NewProgramme>, JsonRejection>,
) -> Answer {
    let by = principal(caller)?;
    let new = body(new)?;
    Ok(Json(state.node().replace_programme(&by, &id, &new).await.map_err(coordination_error)?)
        .into_response())
}

pub(crate) async fn needs(
    State(state): State<AppState>,
    caller: Result<Caller, ApiError>,
    paging: Result<Query<Paging>, QueryRejection>,
) -> Answer {
    let by = principal(caller)?;
    let paging = query(paging)?;
    page(state.node().needs(&by).await.map_err(coordination_error)?, &paging)
}

pub(crate) async fn create_need(
    State(state): State<AppState>,
    caller: Result<Caller, ApiError>,
    new: Result<Json<NewNeed>, JsonRejection>,
) -> Answer {
    let by = principal(caller)?;
    let new = body(new)?;
    Ok(created(state.node().create_need(&by, &new).await.map_err(coordination_error)?))
}

pub(crate) async fn gaps(State(state): State<AppState>, caller: Result<Caller, ApiError>) -> Answer {
    let by = principal(caller)?;
    Ok(list(state.node().capacity_gaps(&by).await.map_err(coordination_error)?))
}

pub(crate) async fn overlaps(State(state): State<AppState>, caller: Result<Caller, ApiError>) -> Answer {
    let by = principal(caller)?;
    Ok(list(state.node().capacity_overlaps(&by).await.map_err(coordination_error)?))
}

pub(crate) async fn capacity_matrix(
    State(state): State<AppState>,
    caller: Result<Caller, ApiError>,
) -> Answer {
    let by = principal(caller)?;
    Ok(list(state.node().capacity_matrix(&by).await.map_err(coordination_error)?))
}

pub(crate) async fn meetings(
    State(state): State<AppState>,
    caller: Result<Caller, ApiError>,
    paging: Result<Query<Paging>, QueryRejection>,
) -> Answer {
    let by = principal(caller)?;
    let paging = query(paging)?;
    page(state.node().meetings(&by).await.map_err(coordination_error)?, &paging)
}

pub(crate) async fn create_meeting(
    State(state): State<AppState>,
    caller: Result<Caller, ApiError>,
    new: Result<Json<NewMeeting>, JsonRejection>,
) -> Answer {
    let by = principal(caller)?;
    let new = body(new)?;
    Ok(created(state.node().create_meeting(&by, &new).await.map_err(coordination_error)?))
}

pub(crate) async fn decisions(
    State(state): State<AppState>,
    caller: Result<Caller, ApiError>,
    asked: Result<Query<DecisionQuery>, QueryRejection>,
) -> Answer {
    let by = principal(caller)?;
    let q = query(asked)?;
    let filter = DecisionFilter { overdue: q.overdue, meeting: q.meeting, status: q.status };
    let paging = Paging { limit: q.limit, next: q.next };
    page(state.node().decisions(&by, &filter).await.map_err(coordination_error)?, &paging)
}

/// `GET /api/v1/decisions`: the filter and the page.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct DecisionQuery {
    overdue: Option<bool>,
    meeting: Option<String>,
    status: Option<DecisionStatus>,
    limit: Option<usize>,
    next: Option<String>,
}

pub(crate) async fn create_decision(
    State(state): State<AppState>,
    caller: Result<Caller, ApiError>,
    new: Result<Json<NewDecision>, JsonRejection>,
) -> Answer {
    let by = principal(caller)?;
    let new = body(new)?;
    Ok(created(state.node().create_decision(&by, &new).await.map_err(coordination_error)?))
}

pub(crate) async fn decision_status(
    State(state): State<AppState>,
    caller: Result<Caller, ApiError>,
    Path(id): Path<String>,
    new: Result<Json<NewDecisionStatus>, JsonRejection>,
) -> Answer {
    let by = principal(caller)?;
    let change = body(new)?;
    Ok(Json(state.node().set_decision_status(&by, &id, &change).await.map_err(coordination_error)?)
        .into_response())
}

/// `?period=YYYY` of the report and the statistics.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct ReportPeriod {
    period: String,
}

/// The regional report as one self-contained HTML page, counting what the caller may see.
pub(crate) async fn regional_report(
    State(state): State<AppState>,
    caller: Result<Caller, ApiError>,
    period: Result<Query<ReportPeriod>, QueryRejection>,
) -> Answer {
    let by = principal(caller)?;
    let period = query(period)?;
    let report = state.node().regional_report(&by, &period.period).await.map_err(coordination_error)?;
    Ok(Html(crate::report::render(&report)).into_response())
}

/// Intelligence shared per member state in a year, as the caller may see it.
pub(crate) async fn intelligence_statistics(
    State(state): State<AppState>,
    caller: Result<Caller, ApiError>,
    year: Result<Query<ReportPeriod>, QueryRejection>,
) -> Answer {
    let by = principal(caller)?;
    let year = query(year)?;
    let stats = state.node().intelligence_statistics(&by, &year.period).await.map_err(coordination_error)?;
    Ok(Json(stats).into_response())
}

/// Sightings added in a year, per ISO week, as the caller may see them.
pub(crate) async fn sighting_statistics(
    State(state): State<AppState>,
    caller: Result<Caller, ApiError>,
    year: Result<Query<ReportPeriod>, QueryRejection>,
) -> Answer {
    let by = principal(caller)?;
    let year = query(year)?;
    let stats = state.node().sighting_statistics(&by, &year.period).await.map_err(coordination_error)?;
    Ok(Json(stats).into_response())
}

/// Each member state's directory health, as the caller sees the directory.
pub(crate) async fn directory_health(
    State(state): State<AppState>,
    caller: Result<Caller, ApiError>,
) -> Answer {
    let by = principal(caller)?;
    Ok(list(state.node().directory_health(&by).await.map_err(coordination_error)?))
}

pub(crate) async fn offer(
    State(state): State<AppState>,
    caller: Result<Caller, ApiError>,
    Path(need): Path<String>,
    new: Result<Json<NewOffer>, JsonRejection>,
) -> Answer {
    let by = principal(caller)?;
    let new = body(new)?;
    Ok(created(state.node().offer_for_need(&by, &need, &new).await.map_err(coordination_error)?))
}

pub(crate) async fn answer_offer(
    State(state): State<AppState>,
    caller: Result<Caller, ApiError>,
    Path(offer): Path<String>,
    new: Result<Json<NewOfferAnswer>, JsonRejection>,
) -> Answer {
    let by = principal(caller)?;
    let new = body(new)?;
    Ok(Json(state.node().answer_offer(&by, &offer, &new).await.map_err(coordination_error)?).into_response())
}
