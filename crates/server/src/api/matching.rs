//! `POST /api/v1/match` for sensors: observations in (JSON), matches out, only against the
//! indicators the caller may see (read through its audience); with `"store_sightings": true` the
//! matches are also stored as STIX sightings owned by the caller (`selat_core::matching`).
//!
//! The body is bounded by [`MAX_MATCH_BODY_BYTES`] (413) and the observations by
//! `selat_core::matching::MAX_MATCH_OBSERVATIONS` (400).

use axum::Json;
use axum::body::Body;
use axum::extract::State;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use selat_core::matching::{MatchOptions, MatchingError};
use selat_core::sighting::{SightingBuilder, SightingOptions};
use selat_stix::meta::Scope;
use selat_stix::tlp::Tlp;
use serde::Deserialize;
use serde_json::{Value, json};

use super::JsonError;
use crate::auth::Caller;
use crate::errors::ApiError;
use crate::state::AppState;

/// Largest `POST /api/v1/match` body, in bytes.
pub const MAX_MATCH_BODY_BYTES: usize = 10 * 1024 * 1024;

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct MatchRequest {
    observations: Vec<Value>,
    #[serde(default)]
    include_expired: bool,
    #[serde(default)]
    suppress_disputed: bool,
    #[serde(default)]
    store_sightings: bool,
    /// The collection (id or alias) stored sightings go to; none keeps them out of collections.
    collection: Option<String>,
    /// TLP of stored sightings (`clear`, `green`, `amber`, `amber+strict`, `red`).
    tlp: Option<String>,
    /// Distribution scope of stored sightings (`organisation`, `national`, `community`).
    scope: Option<String>,
}

fn matching_error(e: MatchingError) -> JsonError {
    match e {
        MatchingError::Invalid(detail) => JsonError::bad_request(detail),
        MatchingError::Node(e) => JsonError::internal("matching", &e),
    }
}

pub(crate) async fn post(
    State(state): State<AppState>,
    caller: Result<Caller, ApiError>,
    body: Body,
) -> Result<Response, JsonError> {
    let caller = caller.map_err(|_| JsonError::unauthorized())?;
    let principal = caller.principal().ok_or_else(JsonError::unauthorized)?;
    let bytes = axum::body::to_bytes(body, MAX_MATCH_BODY_BYTES).await.map_err(|_| {
        JsonError::new(
            StatusCode::PAYLOAD_TOO_LARGE,
            "payload_too_large",
            format!("the body is larger than MAX_MATCH_BODY_BYTES ({MAX_MATCH_BODY_BYTES} bytes)"),
        )
    })?;
    let request: MatchRequest =
        serde_json::from_slice(&bytes).map_err(|e| JsonError::bad_request(format!("body: {e}")))?;
    let sighting_options = sighting_options(&request, &principal.org.identity)?;
    let node = state.node();
    let audience =
        node.audience(Some(principal), false).await.map_err(|e| JsonError::internal("audience", &e))?;
    let options = MatchOptions {
        include_expired: request.include_expired,
        suppress_disputed: request.suppress_disputed,
    };
    let mut builder = SightingBuilder::new();
    let answer = node
        .match_observations(&request.observations, &audience, options, &mut builder)
        .await
        .map_err(matching_error)?;
    audit(&state, principal, &answer).await;
    let mut body = serde_json::to_value(&answer).map_err(|e| JsonError::internal("match answer", &e))?;
    if request.store_sightings {
        let sightings = builder.finish(&sighting_options);
        let stored = node
            .store_sightings(principal, &sightings, request.collection.as_deref())
            .await
            .map_err(matching_error)?;
        body["sightings"] = json!(stored);
    }
    Ok(Json(body).into_response())
}

/// One audit entry when matches name AMBER, AMBER+STRICT, RED or unmarked indicators.
async fn audit(
    state: &AppState,
    principal: &selat_core::org::Principal,
    answer: &selat_core::matching::MatchAnswer,
) {
    if !answer.matches.iter().any(|m| selat_store::tlp_is_sensitive(m.tlp.as_deref())) {
        return;
    }
    let ids: Vec<&str> = answer.matches.iter().map(|m| m.indicator.as_str()).collect();
    let orgs = state.node().organisations().await.unwrap_or_default();
    let subjects: Vec<String> = answer
        .matches
        .iter()
        .filter_map(|m| m.created_by_ref.as_deref())
        .filter_map(|creator| orgs.iter().find(|o| o.identity == creator).map(|o| o.short_name.clone()))
        .collect();
    let detail = format!("{} matches", answer.matches.len());
    let entry = selat_core::audit::AuditEntry::read(
        Some(principal),
        "match",
        detail,
        ids.len() as u64,
        Some(selat_core::audit::ids_hash(&ids)),
        &subjects,
    );
    state.node().audit().record(entry).await;
}

fn sighting_options(request: &MatchRequest, identity: &str) -> Result<SightingOptions, JsonError> {
    let tlp = match request.tlp.as_deref() {
        None => None,
        Some(name) => Some(Tlp::from_name(name).ok_or_else(|| {
            JsonError::bad_request(format!(
                "tlp: {name:?} is not one of clear, green, amber, amber+strict, red"
            ))
        })?),
    };
    let scope = match request.scope.as_deref() {
        None => None,
        Some(name) => Some(
            Scope::from_name(name)
                .filter(|s| matches!(s, Scope::Organisation | Scope::National | Scope::Community))
                .ok_or_else(|| {
                    JsonError::bad_request(format!(
                        "scope: {name:?} is not one of organisation, national, community"
                    ))
                })?,
        ),
    };
    if (request.tlp.is_some() || request.scope.is_some() || request.collection.is_some())
        && !request.store_sightings
    {
        return Err(JsonError::bad_request(
            "tlp, scope and collection apply to stored sightings: set store_sightings",
        ));
    }
    Ok(SightingOptions { sighted_by: identity.to_owned(), tlp, scope })
}
