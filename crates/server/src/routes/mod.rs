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
const API_ORGANISATION: &str = "/api/v1/organisations/{short_name}";
const API_GROUP_MEMBERS: &str = "/api/v1/groups/{group_id}/members";
const API_CORRELATIONS: &str = "/api/v1/correlations";
const API_OBJECT_CORRELATIONS: &str = "/api/v1/objects/{object_id}/correlations";
const API_MATCH: &str = "/api/v1/match";
const API_SECTORS: &str = "/api/v1/sectors";
const API_INCIDENTS: &str = "/api/v1/incidents";
const API_INCIDENT: &str = "/api/v1/incidents/{incident_id}";
const API_INCIDENT_TRANSITIONS: &str = "/api/v1/incidents/{incident_id}/transitions";
const API_INCIDENT_ESCALATIONS: &str = "/api/v1/incidents/{incident_id}/escalations";
const API_INCIDENT_MERGE: &str = "/api/v1/incidents/{incident_id}/merge";
const API_INCIDENT_TASKS: &str = "/api/v1/incidents/{incident_id}/tasks";
const API_INCIDENT_TASK: &str = "/api/v1/incidents/{incident_id}/tasks/{task_id}";
const API_INCIDENT_TIMELINE: &str = "/api/v1/incidents/{incident_id}/timeline";
const API_INCIDENT_LINKS: &str = "/api/v1/incidents/{incident_id}/links";
const API_INCIDENT_ASSISTANCE: &str = "/api/v1/incidents/{incident_id}/assistance-requests";
const API_INCIDENT_ANSWERS: &str = "/api/v1/incidents/{incident_id}/assistance-requests/{request_id}/answers";
const API_CONTACTS: &str = "/api/v1/contacts";
const API_CONTACT: &str = "/api/v1/contacts/{contact_id}";
const API_CONTACT_CHECKS: &str = "/api/v1/contact-checks";
const API_CONTACT_CHECK: &str = "/api/v1/contact-checks/{campaign_id}";
const API_CONTACT_CHECK_ACK: &str = "/api/v1/contact-checks/ack/{token}";
const API_NOTIFICATIONS: &str = "/api/v1/notification-preferences";
const API_ADVISORIES: &str = "/api/v1/advisories";
const FEED_ADVISORIES: &str = "/feeds/advisories.atom";
const API_PEERS: &str = "/api/v1/peers";
const API_PEER_SYNC: &str = "/api/v1/peers/{name}/sync";
const API_NORMS: &str = "/api/v1/norms";
const API_NORM_ASSESSMENTS: &str = "/api/v1/norms/assessments";
const API_NORM_MATRIX: &str = "/api/v1/norms/matrix";
const API_NORM_PROGRESS: &str = "/api/v1/norms/progress";
const API_PROGRAMMES: &str = "/api/v1/capacity/programmes";
const API_PROGRAMME: &str = "/api/v1/capacity/programmes/{programme_id}";
const API_NEEDS: &str = "/api/v1/capacity/needs";
const API_CAPACITY_GAPS: &str = "/api/v1/capacity/gaps";
const API_CAPACITY_OVERLAPS: &str = "/api/v1/capacity/overlaps";
const API_CAPACITY_MATRIX: &str = "/api/v1/capacity/matrix";
const API_MEETINGS: &str = "/api/v1/meetings";
const API_DECISIONS: &str = "/api/v1/decisions";
const API_DECISION_STATUS: &str = "/api/v1/decisions/{decision_id}/status";
const API_REGIONAL_REPORT: &str = "/api/v1/reports/regional";
const API_STATISTICS_INTELLIGENCE: &str = "/api/v1/statistics/intelligence";
const API_STATISTICS_SIGHTINGS: &str = "/api/v1/statistics/sightings";
const API_STATISTICS_DIRECTORY: &str = "/api/v1/statistics/directory";
const API_NEED_OFFERS: &str = "/api/v1/capacity/needs/{need_id}/offers";
const API_OFFER_ANSWER: &str = "/api/v1/capacity/offers/{offer_id}/answer";

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
    API_ORGANISATION,
    API_CORRELATIONS,
    API_OBJECT_CORRELATIONS,
    API_MATCH,
    API_SECTORS,
    API_INCIDENTS,
    API_INCIDENT,
    API_INCIDENT_TRANSITIONS,
    API_INCIDENT_ESCALATIONS,
    API_INCIDENT_MERGE,
    API_INCIDENT_TASKS,
    API_INCIDENT_TASK,
    API_INCIDENT_TIMELINE,
    API_INCIDENT_LINKS,
    API_INCIDENT_ASSISTANCE,
    API_INCIDENT_ANSWERS,
    API_CONTACTS,
    API_CONTACT,
    API_CONTACT_CHECKS,
    API_CONTACT_CHECK,
    API_CONTACT_CHECK_ACK,
    API_NOTIFICATIONS,
    API_ADVISORIES,
    FEED_ADVISORIES,
    API_PEERS,
    API_PEER_SYNC,
    API_NORMS,
    API_NORM_ASSESSMENTS,
    API_NORM_MATRIX,
    API_NORM_PROGRESS,
    API_PROGRAMMES,
    API_PROGRAMME,
    API_NEEDS,
    API_CAPACITY_GAPS,
    API_CAPACITY_OVERLAPS,
    API_CAPACITY_MATRIX,
    API_MEETINGS,
    API_DECISIONS,
    API_DECISION_STATUS,
    API_REGIONAL_REPORT,
    API_STATISTICS_INTELLIGENCE,
    API_STATISTICS_SIGHTINGS,
    API_STATISTICS_DIRECTORY,
    API_NEED_OFFERS,
    API_OFFER_ANSWER,
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
    let rest = Router::new()
        .route(API_AUDIT, get(crate::api::audit))
        .route(API_OPENAPI, get(crate::api::openapi))
        .route(API_GROUPS, get(crate::api::groups::list).post(crate::api::groups::create))
        .route(API_MEMBER_STATES, get(crate::api::region::member_states))
        .route(API_MEMBER_STATE, get(crate::api::region::member_state))
        .route(API_ORGANISATIONS, get(crate::api::region::organisations_list))
        .route(API_ORGANISATION, get(crate::api::region::organisation_page))
        .route(API_GROUP_MEMBERS, axum::routing::put(crate::api::groups::set_members))
        .route(API_CORRELATIONS, get(crate::api::correlations::by_value))
        .route(API_OBJECT_CORRELATIONS, get(crate::api::correlations::by_object))
        .route(API_PEERS, get(crate::api::peers::list))
        .route(API_PEER_SYNC, axum::routing::post(crate::api::peers::sync))
        .merge(coordination_routes())
        .merge(policy_routes())
        .layer(from_fn(crate::api::guard));
    Router::new()
        .merge(taxii)
        .merge(rest)
        .route(HEALTHZ, get(health::healthz))
        .route(METRICS, get(health::metrics))
        .route(API_MATCH, axum::routing::post(crate::api::matching::post))
        .merge(crate::web::routes())
        .fallback(not_found)
        .layer(DefaultBodyLimit::disable())
        .layer(from_fn_with_state(state.clone(), observe))
        .layer(CatchPanicLayer::custom(panicked))
        .with_state(state)
}

/// Incidents, contacts, contact checks, notices, sectors and advisories (`api::coordination`).
fn coordination_routes() -> Router<AppState> {
    use crate::api::coordination as c;
    use axum::routing::post;
    Router::new()
        .route(API_SECTORS, get(c::sectors))
        .route(API_INCIDENTS, get(c::incidents).post(c::create_incident))
        .route(API_INCIDENT, get(c::incident))
        .route(API_INCIDENT_TRANSITIONS, post(c::transition))
        .route(API_INCIDENT_ESCALATIONS, post(c::escalate))
        .route(API_INCIDENT_MERGE, post(c::merge))
        .route(API_INCIDENT_TASKS, get(c::tasks).post(c::add_task))
        .route(API_INCIDENT_TASK, axum::routing::patch(c::update_task))
        .route(API_INCIDENT_TIMELINE, get(c::timeline).post(c::add_note))
        .route(API_INCIDENT_LINKS, post(c::link))
        .route(API_INCIDENT_ASSISTANCE, get(c::assistance_requests).post(c::request_assistance))
        .route(API_INCIDENT_ANSWERS, post(c::answer_assistance))
        .route(API_CONTACTS, get(c::contacts).post(c::create_contact))
        .route(API_CONTACT, get(c::contact).put(c::replace_contact))
        .route(API_CONTACT_CHECKS, get(c::contact_checks).post(c::start_contact_checks))
        .route(API_CONTACT_CHECK, get(c::contact_check))
        .route(API_CONTACT_CHECK_ACK, get(c::ack_page).post(c::ack))
        .route(API_NOTIFICATIONS, get(c::preferences).put(c::set_preferences))
        .route(API_ADVISORIES, get(c::advisories).post(c::publish_advisory))
        .route(FEED_ADVISORIES, get(c::atom))
}

/// Norms, capacity building, meetings and decisions, the regional report (`api::policy`).
fn policy_routes() -> Router<AppState> {
    use crate::api::policy as p;
    Router::new()
        .route(API_NORMS, get(p::norms).post(p::add_norm))
        .route(API_NORM_ASSESSMENTS, get(p::assessments).post(p::record_assessment))
        .route(API_NORM_MATRIX, get(p::norm_matrix))
        .route(API_NORM_PROGRESS, get(p::norm_progress))
        .route(API_PROGRAMMES, get(p::programmes).post(p::create_programme))
        .route(API_PROGRAMME, axum::routing::put(p::replace_programme))
        .route(API_NEEDS, get(p::needs).post(p::create_need))
        .route(API_CAPACITY_GAPS, get(p::gaps))
        .route(API_CAPACITY_OVERLAPS, get(p::overlaps))
        .route(API_CAPACITY_MATRIX, get(p::capacity_matrix))
        .route(API_MEETINGS, get(p::meetings).post(p::create_meeting))
        .route(API_DECISIONS, get(p::decisions).post(p::create_decision))
        .route(API_DECISION_STATUS, axum::routing::post(p::decision_status))
        .route(API_REGIONAL_REPORT, get(p::regional_report))
        .route(API_STATISTICS_INTELLIGENCE, get(p::intelligence_statistics))
        .route(API_STATISTICS_SIGHTINGS, get(p::sighting_statistics))
        .route(API_STATISTICS_DIRECTORY, get(p::directory_health))
        .route(API_NEED_OFFERS, axum::routing::post(p::offer))
        .route(API_OFFER_ANSWER, axum::routing::post(p::answer_offer))
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
