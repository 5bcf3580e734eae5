//! The router: every TAXII 2.1 endpoint of the node's API root, the REST root `/api/v1/`
//! (`crate::api`), `/healthz` and `/metrics`.
//!
//! Handlers translate: they pick the parts of the request, call `access`, `paging`, `submit` or
//! `removal`, and render the result; they hold no business logic.

mod collections;
mod discovery;
mod health;
mod objects;
mod status;

use axum::Router;
use axum::extract::DefaultBodyLimit;
use axum::middleware::{from_fn, from_fn_with_state};
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use selat_taxii::ErrorCode;
use tower_http::catch_panic::CatchPanicLayer;

use crate::errors::ApiError;
use crate::observe::{negotiate, observe, taxii_errors};
use crate::state::AppState;

const DISCOVERY: &str = "/taxii2/";
const API_ROOT: &str = "/taxii2/selat/";
const STATUS: &str = "/taxii2/selat/status/{status_id}/";
const COLLECTIONS: &str = "/taxii2/selat/collections/";
const COLLECTION: &str = "/taxii2/selat/collections/{collection_id}/";
const OBJECTS: &str = "/taxii2/selat/collections/{collection_id}/objects/";
const OBJECT: &str = "/taxii2/selat/collections/{collection_id}/objects/{object_id}/";
const VERSIONS: &str = "/taxii2/selat/collections/{collection_id}/objects/{object_id}/versions/";
const MANIFEST: &str = "/taxii2/selat/collections/{collection_id}/manifest/";
const OTHER_ROOT: &str = "/taxii2/{api_root}/";
const OTHER_ROOT_PATHS: &str = "/taxii2/{api_root}/{*rest}";
const HEALTHZ: &str = "/healthz";
const METRICS: &str = "/metrics";
const API_AUDIT: &str = "/api/v1/audit";
const API_OPENAPI: &str = "/api/v1/openapi.json";
const API_GROUPS: &str = "/api/v1/groups";
const API_MEMBER_STATES: &str = "/api/v1/member-states";
const API_MEMBER_STATE: &str = "/api/v1/member-states/{iso2}";
const API_ORGANISATIONS: &str = "/api/v1/organisations";
const API_GROUP_MEMBERS: &str = "/api/v1/groups/{group_id}/members";
const API_CORRELATIONS: &str = "/api/v1/correlations";
const API_OBJECT_CORRELATIONS: &str = "/api/v1/objects/{object_id}/correlations";
const API_MATCH: &str = "/api/v1/match";
const API_PEERS: &str = "/api/v1/peers";

/// Every route template: the only values the metrics' `route` label takes (besides `unmatched`).
pub(crate) const ROUTES: &[&str] = &[
    DISCOVERY,
    API_ROOT,
    STATUS,
    COLLECTIONS,
    COLLECTION,
    OBJECTS,
    OBJECT,
    VERSIONS,
    MANIFEST,
    OTHER_ROOT,
    OTHER_ROOT_PATHS,
    HEALTHZ,
    METRICS,
    API_AUDIT,
    API_OPENAPI,
    API_GROUPS,
    API_GROUP_MEMBERS,
    API_MEMBER_STATES,
    API_MEMBER_STATE,
    API_ORGANISATIONS,
    API_CORRELATIONS,
    API_OBJECT_CORRELATIONS,
    API_MATCH,
    API_PEERS,
];

/// The whole HTTP application over `state`.
pub fn app(state: AppState) -> Router {
    let taxii = Router::new()
        .route(DISCOVERY, get(discovery::discovery))
        .route(API_ROOT, get(discovery::api_root))
        .route(STATUS, get(status::status))
        .route(COLLECTIONS, get(collections::list))
        .route(COLLECTION, get(collections::one))
        .route(OBJECTS, get(objects::get_objects).post(objects::add_objects))
        .route(OBJECT, get(objects::get_object).delete(objects::delete_object))
        .route(VERSIONS, get(objects::versions))
        .route(MANIFEST, get(objects::manifest))
        .route(OTHER_ROOT, get(discovery::unknown_api_root))
        .route(OTHER_ROOT_PATHS, get(discovery::unknown_api_root).post(discovery::unknown_api_root))
        .layer(from_fn(taxii_errors))
        .layer(from_fn(negotiate));
    Router::new()
        .merge(taxii)
        .route(HEALTHZ, get(health::healthz))
        .route(METRICS, get(health::metrics))
        .route(API_AUDIT, get(crate::api::audit))
        .route(API_OPENAPI, get(crate::api::openapi))
        .route(API_GROUPS, get(crate::api::groups::list).post(crate::api::groups::create))
        .route(API_MEMBER_STATES, get(crate::api::region::member_states))
        .route(API_MEMBER_STATE, get(crate::api::region::member_state))
        .route(API_ORGANISATIONS, get(crate::api::region::organisations_list))
        .route(API_GROUP_MEMBERS, axum::routing::put(crate::api::groups::set_members))
        .route(API_CORRELATIONS, get(crate::api::correlations::by_value))
        .route(API_OBJECT_CORRELATIONS, get(crate::api::correlations::by_object))
        .route(API_MATCH, axum::routing::post(crate::api::matching::post))
        .route(API_PEERS, get(crate::api::peers::list))
        .fallback(not_found)
        .layer(DefaultBodyLimit::disable())
        .layer(from_fn_with_state(state.clone(), observe))
        .layer(CatchPanicLayer::custom(panicked))
        .with_state(state)
}

async fn not_found() -> ApiError {
    ApiError::new(ErrorCode::NotFound)
}

/// A handler panicked: the cause is logged, the client gets the generic 500.
fn panicked(cause: Box<dyn std::any::Any + Send + 'static>) -> Response {
    let text = cause
        .downcast_ref::<String>()
        .map(String::as_str)
        .or_else(|| cause.downcast_ref::<&str>().copied())
        .unwrap_or("unknown panic");
    ApiError::internal("a request handler panicked", &text).into_response()
}
