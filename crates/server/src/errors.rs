//! The one mapping from domain errors to [`ErrorCode`], and the TAXII error response.
//!
//! Every error of a TAXII endpoint is a TAXII error message (§3.6.1) with the TAXII media type
//! and `http_status` equal to the response's status. Internal errors are logged with their cause
//! under a fresh `error_id`; the client sees only the generic 500 and that id.

use std::fmt::Display;

use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use selat_core::accounts::AuthError;
use selat_core::node::NodeError;
use selat_core::submissions::SubmitError;
use selat_taxii::{CursorError, ErrorCode, QueryError, TAXII_MEDIA_TYPE};
use serde_json::{Map, Value};

use crate::limits::RETRY_AFTER_SECS;

/// The `WWW-Authenticate` challenge of every 401 (§1.6.9): both schemes the server takes.
pub const WWW_AUTHENTICATE: &str = r#"Basic realm="selat", Bearer realm="selat""#;

/// Marks a response as an already-rendered TAXII error, so the safety net leaves it alone.
#[derive(Debug, Clone, Copy)]
pub struct TaxiiErrorBody;

/// An error of the TAXII surface, on its way to becoming a response.
#[derive(Debug)]
pub struct ApiError {
    code: ErrorCode,
    description: Option<String>,
    details: Option<Map<String, Value>>,
    error_id: Option<String>,
}

impl ApiError {
    pub fn new(code: ErrorCode) -> Self {
        Self { code, description: None, details: None, error_id: None }
    }

    pub fn described(code: ErrorCode, description: impl Into<String>) -> Self {
        Self { description: Some(description.into()), ..Self::new(code) }
    }

    /// A 500: `cause` goes to the log with `context` and a fresh error id, never to the client.
    pub fn internal(context: &str, cause: &dyn Display) -> Self {
        let error_id = uuid::Uuid::new_v4().to_string();
        tracing::error!(error_id = %error_id, cause = %cause, "{context}");
        Self { error_id: Some(error_id), ..Self::new(ErrorCode::Internal) }
    }

    /// The error for an HTTP status that no handler described (axum's own 405, a rejection).
    pub fn for_status(status: StatusCode) -> Self {
        let code = match status.as_u16() {
            401 => ErrorCode::Unauthorized,
            403 => ErrorCode::Forbidden,
            404 => ErrorCode::NotFound,
            405 => ErrorCode::MethodNotAllowed,
            406 => ErrorCode::NotAcceptable,
            413 => ErrorCode::PayloadTooLarge,
            415 => ErrorCode::UnsupportedMediaType,
            422 => ErrorCode::InvalidEnvelope,
            429 => ErrorCode::RateLimited,
            503 => ErrorCode::QueueFull,
            400..=499 => ErrorCode::BadRequest,
            _ => return Self::internal("unexplained error response", &status),
        };
        Self::new(code)
    }
}

impl IntoResponse for ApiError {
    fn into_response(self) -> Response {
        let mut error = self.code.to_error(self.description, self.details);
        if let Some(id) = self.error_id {
            error = error.with_error_id(id);
        }
        let status =
            StatusCode::from_u16(self.code.http_status()).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR);
        let body = serde_json::to_string(&error).unwrap_or_default();
        let mut response = (status, body).into_response();
        let headers = response.headers_mut();
        headers.insert(header::CONTENT_TYPE, HeaderValue::from_static(TAXII_MEDIA_TYPE));
        match self.code {
            ErrorCode::Unauthorized => {
                headers.insert(header::WWW_AUTHENTICATE, HeaderValue::from_static(WWW_AUTHENTICATE));
            }
            ErrorCode::QueueFull => {
                headers.insert(header::RETRY_AFTER, HeaderValue::from(RETRY_AFTER_SECS));
            }
            _ => {}
        }
        response.extensions_mut().insert(TaxiiErrorBody);
        response
    }
}

impl From<QueryError> for ApiError {
    fn from(e: QueryError) -> Self {
        let error = e.to_error();
        Self { description: error.description, details: error.details, ..Self::new(e.error_code()) }
    }
}

impl From<CursorError> for ApiError {
    fn from(e: CursorError) -> Self {
        let error = e.to_error();
        Self { description: error.description, details: error.details, ..Self::new(e.error_code()) }
    }
}

impl From<selat_store::Error> for ApiError {
    fn from(e: selat_store::Error) -> Self {
        match e {
            selat_store::Error::CollectionNotFound(_) => Self::new(ErrorCode::CollectionNotFound),
            selat_store::Error::TooManyFilterValues { .. } => {
                Self::described(ErrorCode::InvalidFilter, e.to_string())
            }
            e => Self::internal("store operation failed", &e),
        }
    }
}

impl From<NodeError> for ApiError {
    fn from(e: NodeError) -> Self {
        match e {
            NodeError::Store(e) => e.into(),
            e => Self::internal("node operation failed", &e),
        }
    }
}

impl From<AuthError> for ApiError {
    /// Every credential failure is the same 401, whatever the reason (logged at debug by the
    /// caller); only a failing store is a 500.
    fn from(e: AuthError) -> Self {
        match e {
            AuthError::Store(e) => e.into(),
            _ => Self::new(ErrorCode::Unauthorized),
        }
    }
}

impl From<SubmitError> for ApiError {
    fn from(e: SubmitError) -> Self {
        match e {
            SubmitError::QueueFull => Self::described(
                ErrorCode::QueueFull,
                "too many requests are waiting to be stored; retry later",
            ),
            SubmitError::NotAnEnvelope(_) => Self::described(ErrorCode::InvalidEnvelope, e.to_string()),
            SubmitError::TooManyObjects { .. } => Self::described(ErrorCode::TooManyObjects, e.to_string()),
            SubmitError::Stopped => {
                Self::described(ErrorCode::QueueFull, "the server is shutting down; retry later")
            }
            SubmitError::Node(e) => e.into(),
        }
    }
}
