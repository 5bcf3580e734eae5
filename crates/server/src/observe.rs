//! Middleware around every route: the request log (tracing), the metrics, the TAXII safety net
//! for errors no handler rendered, content negotiation and the query-string limits.

use std::time::Instant;

use axum::extract::{MatchedPath, Request, State};
use axum::http::header::ACCEPT;
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use selat_taxii::query::{MAX_QUERY_BYTES, MAX_QUERY_PARAMS};
use selat_taxii::{ErrorCode, TAXII_MEDIA_TYPE, accept_allows};
use tracing::Instrument as _;

use crate::errors::{ApiError, TaxiiErrorBody};
use crate::metrics::method_label;
use crate::state::AppState;

/// Logs each request (method, route template, status, latency, principal — never credentials)
/// and counts it in the metrics.
pub async fn observe(State(state): State<AppState>, request: Request, next: Next) -> Response {
    let route = route_label(&request);
    let method = method_label(request.method());
    let span = tracing::info_span!("request", method, route, principal = tracing::field::Empty);
    let started = Instant::now();
    let response = next.run(request).instrument(span.clone()).await;
    let elapsed = started.elapsed();
    let status = response.status().as_u16();
    state.metrics().record(route, method, status, elapsed);
    span.in_scope(|| {
        tracing::info!(status, latency_ms = elapsed.as_secs_f64() * 1000.0, "request");
    });
    response
}

/// Refuses what no TAXII endpoint serves: an `Accept` that excludes the TAXII media type (406,
/// §3.1), and query strings past the parameter limits (400, before anything parses them).
pub async fn negotiate(request: Request, next: Next) -> Response {
    let accept = request.headers().get(ACCEPT).map(|v| v.to_str().unwrap_or(""));
    if !accept_allows(accept, TAXII_MEDIA_TYPE) {
        return ApiError::described(
            ErrorCode::NotAcceptable,
            format!("this endpoint answers in {TAXII_MEDIA_TYPE}"),
        )
        .into_response();
    }
    if let Some(query) = request.uri().query() {
        let params = query.split('&').filter(|p| !p.is_empty()).count();
        if query.len() > MAX_QUERY_BYTES || params > MAX_QUERY_PARAMS {
            let text = format!("at most {MAX_QUERY_PARAMS} query parameters and {MAX_QUERY_BYTES} bytes");
            return ApiError::described(ErrorCode::InvalidFilter, text).into_response();
        }
    }
    next.run(request).await
}

/// Turns any error response no handler rendered (axum's 405, an extractor's rejection) into the
/// TAXII error message for its status.
pub async fn taxii_errors(request: Request, next: Next) -> Response {
    let response = next.run(request).await;
    let failed = response.status().is_client_error() || response.status().is_server_error();
    if !failed || response.extensions().get::<TaxiiErrorBody>().is_some() {
        return response;
    }
    let status = response.status();
    let allow = response.headers().get(axum::http::header::ALLOW).cloned();
    let mut rendered = ApiError::for_status(status).into_response();
    if let Some(allow) = allow {
        rendered.headers_mut().insert(axum::http::header::ALLOW, allow);
    }
    rendered
}

/// The route template as a label: a fixed set, so safe for metrics.
fn route_label(request: &Request) -> &'static str {
    let Some(path) = request.extensions().get::<MatchedPath>() else {
        return "unmatched";
    };
    crate::routes::ROUTES
        .iter()
        .chain(crate::web::PAGES)
        .chain(crate::web::FORMS)
        .copied()
        .find(|r| *r == path.as_str())
        .unwrap_or("other")
}
