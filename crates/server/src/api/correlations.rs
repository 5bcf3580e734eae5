//! Correlation over REST: `GET /api/v1/correlations?value=…` and
//! `GET /api/v1/objects/{id}/correlations`: which other objects, organisations and member states
//! reported or sighted a value or an object, computed at query time through the caller's
//! audience (`selat_core::correlation`). An object the caller may not see is a 404, exactly as an
//! object that does not exist.

use axum::Json;
use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use selat_core::audit::{AuditEntry, ids_hash};
use selat_core::correlation::{Correlation, CorrelationError};
use selat_core::org::Principal;
use serde::Deserialize;

use super::JsonError;
use crate::auth::Caller;
use crate::errors::ApiError;
use crate::state::AppState;

#[derive(Debug, Default, Deserialize)]
pub(crate) struct ValueParams {
    value: Option<String>,
}

fn correlation_error(e: CorrelationError) -> JsonError {
    match e {
        CorrelationError::NotFound(id) => {
            JsonError::new(StatusCode::NOT_FOUND, "not_found", format!("no object {id}"))
        }
        CorrelationError::Invalid(detail) => JsonError::bad_request(detail),
        CorrelationError::Node(e) => JsonError::internal("correlation", &e),
    }
}

pub(crate) async fn by_value(
    State(state): State<AppState>,
    caller: Result<Caller, ApiError>,
    params: Result<Query<ValueParams>, axum::extract::rejection::QueryRejection>,
) -> Result<Response, JsonError> {
    let caller = caller.map_err(|_| JsonError::unauthorized())?;
    let principal = caller.principal().ok_or_else(JsonError::unauthorized)?;
    let Query(params) = params.map_err(|e| JsonError::bad_request(e.body_text()))?;
    let value =
        params.value.ok_or_else(|| JsonError::bad_request("value: required (the value to correlate)"))?;
    let audience = state
        .node()
        .audience(Some(principal), false)
        .await
        .map_err(|e| JsonError::internal("audience", &e))?;
    let answer = state.node().correlate_value(&value, &audience).await.map_err(correlation_error)?;
    audit(&state, principal, &format!("value {value}"), &answer).await;
    Ok(Json(answer).into_response())
}

pub(crate) async fn by_object(
    State(state): State<AppState>,
    caller: Result<Caller, ApiError>,
    Path(id): Path<String>,
) -> Result<Response, JsonError> {
    let caller = caller.map_err(|_| JsonError::unauthorized())?;
    let principal = caller.principal().ok_or_else(JsonError::unauthorized)?;
    let audience = state
        .node()
        .audience(Some(principal), false)
        .await
        .map_err(|e| JsonError::internal("audience", &e))?;
    let answer = state.node().correlate_object(&id, &audience).await.map_err(correlation_error)?;
    audit(&state, principal, &format!("object {id}"), &answer).await;
    Ok(Json(answer).into_response())
}

/// One audit entry when the answer names AMBER, AMBER+STRICT, RED or unmarked material.
async fn audit(state: &AppState, principal: &Principal, query: &str, answer: &Correlation) {
    let holders = answer
        .values
        .iter()
        .flat_map(|v| v.objects.iter().map(|h| (h.id.as_str(), h.tlp.as_deref(), &h.owner)));
    let sightings = answer.sightings.iter().map(|s| (s.id.as_str(), s.tlp.as_deref(), &s.owner));
    let returned: Vec<_> = holders.chain(sightings).collect();
    if !returned.iter().any(|(_, tlp, _)| selat_store::tlp_is_sensitive(*tlp)) {
        return;
    }
    let ids: Vec<&str> = returned.iter().map(|(id, ..)| *id).collect();
    let subjects: Vec<String> = returned.iter().filter_map(|(.., owner)| owner.short_name.clone()).collect();
    let entry = AuditEntry::read(
        Some(principal),
        "correlate",
        query,
        ids.len() as u64,
        Some(ids_hash(&ids)),
        &subjects,
    );
    state.node().audit().record(entry).await;
}
