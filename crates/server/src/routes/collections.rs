//! Get Collections (§5.1) and Get a Collection (§5.2), as the caller sees them.

use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::Response;
use selat_taxii::Collections;

use crate::access;
use crate::auth::Caller;
use crate::errors::ApiError;
use crate::respond;
use crate::state::AppState;

pub async fn list(State(state): State<AppState>, caller: Caller) -> Result<Response, ApiError> {
    let collections = Collections { collections: access::listed(&state, &caller).await? };
    respond::resource(StatusCode::OK, &collections)
}

pub async fn one(
    State(state): State<AppState>,
    caller: Caller,
    Path(collection_id): Path<String>,
) -> Result<Response, ApiError> {
    let readable = access::readable(&state, &caller, &collection_id).await?;
    respond::resource(StatusCode::OK, &access::to_wire(&caller, readable))
}
