//! The REST root `/api/v1/`: plain JSON (not TAXII), described by the OpenAPI 3.1 document at
//! `/api/v1/openapi.json`.
//!
//! Errors here are `{"error": "<code>", "detail": "<what to do>"}` with the HTTP status; like the
//! TAXII surface, every credential failure is the same 401 and internal causes are only logged.

mod audit;
pub(crate) mod coordination;
pub(crate) mod correlations;
pub(crate) mod groups;
pub(crate) mod matching;
mod openapi;
mod openapi_coordination;
mod openapi_policy;
pub(crate) mod policy;
pub(crate) mod region;

use axum::Json;
use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use serde_json::json;

pub(crate) use audit::audit;
pub(crate) use openapi::openapi;

/// An error of the REST API, rendered as `{"error", "detail"}`.
#[derive(Debug)]
pub(crate) struct JsonError {
    status: StatusCode,
    error: &'static str,
    detail: String,
}

impl JsonError {
    pub(crate) fn new(status: StatusCode, error: &'static str, detail: impl Into<String>) -> Self {
        JsonError { status, error, detail: detail.into() }
    }

    /// No credentials, or credentials that do not check out: always the same body.
    pub(crate) fn unauthorized() -> Self {
        Self::new(StatusCode::UNAUTHORIZED, "unauthorized", "send valid credentials (Bearer token or Basic)")
    }

    pub(crate) fn forbidden(detail: impl Into<String>) -> Self {
        Self::new(StatusCode::FORBIDDEN, "forbidden", detail)
    }

    pub(crate) fn bad_request(detail: impl Into<String>) -> Self {
        Self::new(StatusCode::BAD_REQUEST, "bad_request", detail)
    }

    /// A 500: `cause` goes to the log under a fresh id, the client sees only the id.
    pub(crate) fn internal(context: &str, cause: &dyn std::fmt::Display) -> Self {
        let error_id = uuid::Uuid::new_v4().to_string();
        tracing::error!(error_id = %error_id, cause = %cause, "{context}");
        Self::new(StatusCode::INTERNAL_SERVER_ERROR, "internal", format!("internal error {error_id}"))
    }
}

impl IntoResponse for JsonError {
    fn into_response(self) -> Response {
        let mut response =
            (self.status, Json(json!({"error": self.error, "detail": self.detail}))).into_response();
        if self.status == StatusCode::UNAUTHORIZED {
            response
                .headers_mut()
                .insert(header::WWW_AUTHENTICATE, HeaderValue::from_static(crate::errors::WWW_AUTHENTICATE));
        }
        response
    }
}
