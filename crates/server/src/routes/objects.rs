//! Get Objects (§5.4), Add Objects (§5.5), Get an Object (§5.6), Delete an Object (§5.7), Get
//! Object Versions (§5.8) and Get Object Manifests (§5.3).

use axum::body::Body;
use axum::extract::{Path, RawQuery, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use selat_store::Audience;
use selat_taxii::{Endpoint, ObjectsQuery};

use crate::access::{self, Readable};
use crate::auth::Caller;
use crate::errors::ApiError;
use crate::paging::{self, Selection, object_exists, object_not_found};
use crate::state::AppState;
use crate::{removal, respond, submit};

/// The collection, the parsed query and the caller's audience of a request to a filtering
/// endpoint.
async fn select(
    state: &AppState,
    caller: &Caller,
    collection_id: &str,
    query: Option<String>,
    endpoint: Endpoint,
) -> Result<(Readable, ObjectsQuery, Audience), ApiError> {
    let readable = access::readable(state, caller, collection_id).await?;
    let query = ObjectsQuery::parse(query.as_deref().unwrap_or(""), endpoint)?;
    let audience = state.node().audience(caller.principal(), readable.access.public).await?;
    Ok((readable, query, audience))
}

pub async fn get_objects(
    State(state): State<AppState>,
    caller: Caller,
    Path(collection_id): Path<String>,
    RawQuery(query): RawQuery,
) -> Result<Response, ApiError> {
    let raw = query.clone().unwrap_or_default();
    let (readable, query, audience) =
        select(&state, &caller, &collection_id, query, Endpoint::Objects).await?;
    let selection = Selection {
        collection: &readable.collection.id,
        object_id: None,
        query,
        audience,
        caller: caller.principal(),
        raw_query: raw.as_str(),
    };
    Ok(respond::page(paging::objects(&state, &selection).await?))
}

pub async fn manifest(
    State(state): State<AppState>,
    caller: Caller,
    Path(collection_id): Path<String>,
    RawQuery(query): RawQuery,
) -> Result<Response, ApiError> {
    let raw = query.clone().unwrap_or_default();
    let (readable, query, audience) =
        select(&state, &caller, &collection_id, query, Endpoint::Manifest).await?;
    let selection = Selection {
        collection: &readable.collection.id,
        object_id: None,
        query,
        audience,
        caller: caller.principal(),
        raw_query: raw.as_str(),
    };
    Ok(respond::page(paging::manifest(&state, &selection).await?))
}

pub async fn get_object(
    State(state): State<AppState>,
    caller: Caller,
    Path((collection_id, object_id)): Path<(String, String)>,
    RawQuery(query): RawQuery,
) -> Result<Response, ApiError> {
    let raw = query.clone().unwrap_or_default();
    let (readable, query, audience) =
        select(&state, &caller, &collection_id, query, Endpoint::Object).await?;
    let selection = Selection {
        collection: &readable.collection.id,
        object_id: Some(&object_id),
        query,
        audience,
        caller: caller.principal(),
        raw_query: raw.as_str(),
    };
    let page = paging::objects(&state, &selection).await?;
    if page.entries == 0
        && !object_exists(&state, selection.collection, &object_id, &selection.audience).await?
    {
        return Err(object_not_found());
    }
    Ok(respond::page(page))
}

pub async fn versions(
    State(state): State<AppState>,
    caller: Caller,
    Path((collection_id, object_id)): Path<(String, String)>,
    RawQuery(query): RawQuery,
) -> Result<Response, ApiError> {
    let raw = query.clone().unwrap_or_default();
    let (readable, query, audience) =
        select(&state, &caller, &collection_id, query, Endpoint::ObjectVersions).await?;
    let selection = Selection {
        collection: &readable.collection.id,
        object_id: Some(&object_id),
        query,
        audience,
        caller: caller.principal(),
        raw_query: raw.as_str(),
    };
    let page = paging::versions(&state, &selection).await?;
    if page.entries == 0
        && !object_exists(&state, selection.collection, &object_id, &selection.audience).await?
    {
        return Err(object_not_found());
    }
    Ok(respond::page(page))
}

pub async fn delete_object(
    State(state): State<AppState>,
    caller: Caller,
    Path((collection_id, object_id)): Path<(String, String)>,
    RawQuery(query): RawQuery,
) -> Result<Response, ApiError> {
    let (readable, query, audience) =
        select(&state, &caller, &collection_id, query, Endpoint::DeleteObject).await?;
    let principal = caller.require()?;
    removal::remove(&state, principal, &readable.collection.id, &object_id, &query, &audience).await?;
    Ok(StatusCode::OK.into_response())
}

pub async fn add_objects(
    State(state): State<AppState>,
    caller: Caller,
    Path(collection_id): Path<String>,
    headers: HeaderMap,
    body: Body,
) -> Result<Response, ApiError> {
    let readable = access::readable(&state, &caller, &collection_id).await?;
    access::check_writable(&caller, &readable)?;
    let principal = caller.require()?;
    submit::check_content_type(&headers)?;
    let bytes = submit::read_body(&headers, body, state.limits().max_body_bytes).await?;
    let status = submit::submit(&state, principal, &readable, bytes).await?;
    respond::resource(StatusCode::ACCEPTED, &status)
}
