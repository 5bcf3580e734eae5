//! `GET /api/v1/peers`: each federation peer with its totals (last success, lag, counts sent,
//! received, refused and skipped, the last error, the latest refusals with their reasons). For
//! hub-admins: the totals say how much crossed each link, RED included. Answers
//! `{"items": [...], "next": null}`; a node has at most `MAX_PEERS` peers, one page.

use axum::Json;
use axum::extract::State;
use axum::response::{IntoResponse, Response};
use serde_json::json;

use super::JsonError;
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
