//! The REST root `/api/v1/`: plain JSON (not TAXII), described by the OpenAPI 3.1 document at
//! `/api/v1/openapi.json`.
//!
//! Errors here are `{"error": "<code>", "detail": "<what to do>"}` with the HTTP status; like the
//! TAXII surface, every credential failure is the same 401 and internal causes are only logged.

mod audit;
pub(crate) mod coordination;
pub(crate) mod correlations;
pub(crate) mod cursor;
pub(crate) mod groups;
pub(crate) mod matching;
mod openapi;
mod openapi_coordination;
mod openapi_policy;
pub(crate) mod peers;
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

/// Largest body of a REST request (`POST /api/v1/match` has its own, larger, limit).
pub const MAX_REST_BODY_BYTES: usize = 1024 * 1024;

/// The guard in front of the REST API (bar `POST /api/v1/match`): a body of at most
/// [`MAX_REST_BODY_BYTES`] (413), and no NUL character (U+0000) anywhere in the path, the query or
/// a JSON string (400) — valid JSON, but not text PostgreSQL stores or compares.
pub(crate) async fn guard(request: axum::extract::Request, next: axum::middleware::Next) -> Response {
    let nul =
        || JsonError::bad_request("a NUL character (U+0000) is not accepted in a request").into_response();
    let uri = request.uri();
    let encoded_nul = |text: &str| text.as_bytes().windows(3).any(|w| w.eq_ignore_ascii_case(b"%00"));
    if encoded_nul(uri.path()) || uri.query().is_some_and(encoded_nul) {
        return nul();
    }
    let (parts, body) = request.into_parts();
    let Ok(bytes) = axum::body::to_bytes(body, MAX_REST_BODY_BYTES).await else {
        return JsonError::new(
            StatusCode::PAYLOAD_TOO_LARGE,
            "too_large",
            format!("the body is larger than MAX_REST_BODY_BYTES ({MAX_REST_BODY_BYTES})"),
        )
        .into_response();
    };
    let escaped = bytes.windows(6).any(|w| w.eq_ignore_ascii_case(b"\\u0000"));
    if bytes.contains(&0)
        || (escaped && serde_json::from_slice::<serde_json::Value>(&bytes).is_ok_and(|v| holds_nul(&v)))
    {
        return nul();
    }
    next.run(axum::extract::Request::from_parts(parts, axum::body::Body::from(bytes))).await
}

fn holds_nul(value: &serde_json::Value) -> bool {
    match value {
        serde_json::Value::String(s) => s.contains('\0'),
        serde_json::Value::Array(items) => items.iter().any(holds_nul),
        serde_json::Value::Object(map) => map.iter().any(|(k, v)| k.contains('\0') || holds_nul(v)),
        _ => false,
    }
}
