//! `GET /api/v1/peers`: each federation peer with its totals (last success, lag, counts sent,
//! received, refused and skipped, the last error, the latest refusals with their reasons). For
//! hub-admins: the totals say how much crossed each link, RED included. Answers
//! `{"items": [...], "next": null}`; a node has at most `MAX_PEERS` peers, one page.
//!
//! `POST /api/v1/peers/{name}/sync`: asks the peer's background loop for a round now (cutting
//! short its wait or back-off), for hub-admins and org-admins; answers 202 at once (the round's
//! outcome shows in `GET /api/v1/peers`), 404 for a peer that is not configured.

use axum::Json;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use serde_json::json;

use super::JsonError;
use selat_core::audit::AuditEntry;
use selat_core::org::Role;

use crate::auth::Caller;
use crate::errors::ApiError;
use crate::state::AppState;

pub(crate) async fn list(
    State(state): State<AppState>,
    caller: Result<Caller, ApiError>,
) -> Result<Response, JsonError> {
    let caller = caller.map_err(|_| JsonError::unauthorized())?;
    caller.principal().ok_or_else(JsonError::unauthorized)?;
    if !caller.is_hub_admin() {
        return Err(JsonError::forbidden("the peers' totals are for hub-admins"));
    }
    let items = state.node().peer_records().await.map_err(|e| JsonError::internal("listing peers", &e))?;
    Ok(Json(json!({"items": items, "next": null})).into_response())
}

pub(crate) async fn sync(
    State(state): State<AppState>,
    caller: Result<Caller, ApiError>,
    Path(name): Path<String>,
) -> Result<Response, JsonError> {
    let caller = caller.map_err(|_| JsonError::unauthorized())?;
    let principal = caller.principal().ok_or_else(JsonError::unauthorized)?;
    if !principal.at_least(Role::OrgAdmin) {
        return Err(JsonError::forbidden("asking for a round is for hub-admins and org-admins"));
    }
    if !state.node().federation().request_round(&name) {
        return Err(JsonError::new(
            StatusCode::NOT_FOUND,
            "not_found",
            format!("no configured peer {name:?}"),
        ));
    }
    let entry = AuditEntry::admin(Some(principal), "federation.sync.request", format!("peer {name}"), None);
    state.node().audit().record(entry).await;
    Ok((StatusCode::ACCEPTED, Json(json!({"peer": name, "round": "requested"}))).into_response())
}
