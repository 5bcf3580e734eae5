//! Get Status (§4.3): only the organisation that posted sees a status.

use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::Response;
use selat_core::submissions::status_for;
use selat_taxii::ErrorCode;

use crate::auth::Caller;
use crate::errors::ApiError;
use crate::respond;
use crate::state::AppState;

pub async fn status(
    State(state): State<AppState>,
    caller: Caller,
    Path(status_id): Path<String>,
) -> Result<Response, ApiError> {
    let principal = caller.require()?;
    let status = status_for(state.node(), principal, &status_id)
        .await?
        .ok_or_else(|| ApiError::new(ErrorCode::StatusNotFound))?;
    respond::resource(StatusCode::OK, &status)
}
