//! Sharing groups over REST: `GET /api/v1/groups` (the groups the caller's organisation owns or
//! belongs to; every group for a hub-admin), `POST /api/v1/groups` (an org-admin creates one
//! owned by its organisation, with a given `id` when the group spans nodes) and `PUT /api/v1/groups/{id}/members` (the owner's org-admins or a
//! hub-admin replace the members). Members are organisations' identity ids.

use axum::Json;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use selat_core::org::Role;
use selat_core::sharing::{SharingError, SharingGroup};
use serde::Deserialize;
use serde_json::json;

use super::JsonError;
use crate::auth::Caller;
use crate::errors::ApiError;
use crate::state::AppState;

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct NewGroup {
    /// For a group that spans nodes: the id it has on the other members' nodes.
    id: Option<String>,
    name: String,
    description: Option<String>,
    #[serde(default)]
    members: Vec<String>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct Members {
    members: Vec<String>,
}

fn sharing_error(e: SharingError) -> JsonError {
    match e {
        SharingError::Invalid(detail) => JsonError::bad_request(detail),
        SharingError::UnknownGroup(id) => {
            JsonError::new(StatusCode::NOT_FOUND, "not_found", format!("no sharing group {id}"))
        }
        SharingError::Exists(id) => {
            JsonError::new(StatusCode::CONFLICT, "conflict", format!("a sharing group {id} exists already"))
        }
        SharingError::Forbidden => JsonError::forbidden(SharingError::Forbidden.to_string()),
        SharingError::Node(e) => JsonError::internal("sharing groups", &e),
    }
}

pub(crate) async fn list(
    State(state): State<AppState>,
    caller: Result<Caller, ApiError>,
) -> Result<Response, JsonError> {
    let caller = caller.map_err(|_| JsonError::unauthorized())?;
    let principal = caller.principal().ok_or_else(JsonError::unauthorized)?;
    let groups = state.node().sharing_groups().await.map_err(sharing_error)?;
    let own = &principal.org.identity;
    let visible: Vec<SharingGroup> = groups
        .into_iter()
        .filter(|g| principal.at_least(Role::HubAdmin) || &g.owner == own || g.members.contains(own))
        .collect();
    Ok(Json(json!({ "groups": visible })).into_response())
}

pub(crate) async fn create(
    State(state): State<AppState>,
    caller: Result<Caller, ApiError>,
    body: Result<Json<NewGroup>, axum::extract::rejection::JsonRejection>,
) -> Result<Response, JsonError> {
    let caller = caller.map_err(|_| JsonError::unauthorized())?;
    let principal = caller.principal().ok_or_else(JsonError::unauthorized)?;
    let Json(new) = body.map_err(|e| JsonError::bad_request(e.body_text()))?;
    let group = state
        .node()
        .create_sharing_group(
            principal,
            new.id.as_deref(),
            &new.name,
            new.description.as_deref(),
            &new.members,
        )
        .await
        .map_err(sharing_error)?;
    Ok((StatusCode::CREATED, Json(group)).into_response())
}

pub(crate) async fn set_members(
    State(state): State<AppState>,
    caller: Result<Caller, ApiError>,
    Path(id): Path<String>,
    body: Result<Json<Members>, axum::extract::rejection::JsonRejection>,
) -> Result<Response, JsonError> {
    let caller = caller.map_err(|_| JsonError::unauthorized())?;
    let principal = caller.principal().ok_or_else(JsonError::unauthorized)?;
    let Json(members) = body.map_err(|e| JsonError::bad_request(e.body_text()))?;
    let group = state
        .node()
        .set_sharing_group_members(principal, &id, &members.members)
        .await
        .map_err(sharing_error)?;
    Ok(Json(group).into_response())
}
