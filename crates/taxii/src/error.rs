//! The one table of errors the TAXII surface returns (TAXII 2.1 §3.6), after Meilisearch's
//! `make_error_codes!`: each code has its HTTP status, its title and a stable `error_code` string,
//! and renders as the TAXII error message ([`crate::Error`], §3.6.1).
//!
//! The HTTP layer chooses the code; this table fixes what the client sees for it. Choices made
//! against the specification:
//! - Too many objects in one POST is 422, not 413: §4.2.1 forbids a 413 for any body smaller than
//!   the API root's `max_content_length`, and §5.5 gives 422 for content that "could not be
//!   processed".
//! - A malformed POST body is 422 too (§5.5 names "a malformed body" under 422).
//! - A 401 response also needs a `WWW-Authenticate` header (§1.6.9); that is the caller's part.
//! - [`ErrorCode::Internal`] never carries a description or details: the cause goes to the log,
//!   the client gets the `error_id` to quote (STYLE.md, "Errors").

use serde_json::{Map, Value};

use crate::cursor::CursorError;
use crate::query::QueryError;
use crate::resources::Error;

macro_rules! error_codes {
    ($(
        $(#[doc = $doc:literal])*
        $variant:ident => $status:literal, $code:literal, $title:literal;
    )*) => {
        /// Every error of the TAXII surface; see the module documentation.
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
        pub enum ErrorCode {
            $( $(#[doc = $doc])* $variant, )*
        }

        impl ErrorCode {
            /// Every code, in table order.
            pub const ALL: &'static [ErrorCode] = &[$(ErrorCode::$variant,)*];

            /// The HTTP status code of the response.
            pub const fn http_status(self) -> u16 {
                match self { $(ErrorCode::$variant => $status,)* }
            }

            /// The stable `error_code` string (kebab-case); clients may rely on it.
            pub const fn code(self) -> &'static str {
                match self { $(ErrorCode::$variant => $code,)* }
            }

            /// The human readable `title`.
            pub const fn title(self) -> &'static str {
                match self { $(ErrorCode::$variant => $title,)* }
            }
        }
    };
}

error_codes! {
    /// The request is malformed in a way no more specific code covers.
    BadRequest => 400, "bad-request", "Bad request";
    /// A URL query parameter is malformed, repeated or not taken by the endpoint (§3.4).
    InvalidFilter => 400, "invalid-filter", "Invalid query parameter";
    /// The `next` value is not a cursor this server issued for this collection and these filters.
    InvalidCursor => 400, "invalid-cursor", "Invalid next cursor";
    /// No valid credentials were sent (§1.6.9).
    Unauthorized => 401, "unauthorized", "Authentication required";
    /// The client is known but may not do this (e.g. `can_write` is false, §5.5).
    Forbidden => 403, "forbidden", "Access denied";
    /// No such API root, or the client may not see it.
    ApiRootNotFound => 404, "api-root-not-found", "API root not found";
    /// No such collection, or the client may not see it.
    CollectionNotFound => 404, "collection-not-found", "Collection not found";
    /// No such object in the collection, or the client may not see it.
    ObjectNotFound => 404, "object-not-found", "Object not found";
    /// No such status resource, or it has expired (§4.3).
    StatusNotFound => 404, "status-not-found", "Status not found";
    /// No TAXII endpoint at this path.
    NotFound => 404, "not-found", "Not found";
    /// The endpoint exists but not with this HTTP method.
    MethodNotAllowed => 405, "method-not-allowed", "Method not allowed";
    /// The `Accept` header allows no media type the endpoint produces (§3.1).
    NotAcceptable => 406, "not-acceptable", "Not acceptable";
    /// The body exceeds the API root's `max_content_length` (§4.2.1).
    PayloadTooLarge => 413, "payload-too-large", "Request body too large";
    /// The `Content-Type` is not the TAXII media type (§5.5).
    UnsupportedMediaType => 415, "unsupported-media-type", "Unsupported media type";
    /// The body is not a TAXII envelope that can be processed (§5.5).
    InvalidEnvelope => 422, "invalid-envelope", "Unprocessable envelope";
    /// The envelope holds more objects than one request may add.
    TooManyObjects => 422, "too-many-objects", "Too many objects";
    /// The client has sent too many requests; retry after the `Retry-After` delay.
    RateLimited => 429, "rate-limited", "Too many requests";
    /// Something failed inside the server; the cause is in its log under the `error_id`.
    Internal => 500, "internal", "Internal server error";
    /// The queue of pending additions is full; retry later.
    QueueFull => 503, "queue-full", "Server busy";
}

impl ErrorCode {
    /// The code whose `error_code` string is `code`, e.g. for a client reading a Selat peer.
    pub fn from_code(code: &str) -> Option<Self> {
        Self::ALL.iter().copied().find(|c| c.code() == code)
    }

    /// The TAXII error message for this code. `error_id` is left empty: add one with
    /// [`Error::with_error_id`] (this crate makes no random numbers).
    pub fn to_error(self, description: Option<String>, details: Option<Map<String, Value>>) -> Error {
        let internal = self == ErrorCode::Internal;
        Error {
            title: self.title().to_owned(),
            description: if internal { None } else { description },
            error_id: None,
            error_code: Some(self.code().to_owned()),
            http_status: Some(self.http_status().to_string()),
            external_details: None,
            details: if internal { None } else { details },
        }
    }
}

fn parameter_details(param: &str) -> Map<String, Value> {
    Map::from_iter([("parameter".to_owned(), Value::String(param.to_owned()))])
}

impl QueryError {
    /// [`ErrorCode::InvalidFilter`].
    pub fn error_code(&self) -> ErrorCode {
        ErrorCode::InvalidFilter
    }

    /// The TAXII error message: this error's text, and `{"parameter": …}` when one is at fault.
    pub fn to_error(&self) -> Error {
        self.error_code().to_error(Some(self.to_string()), self.param().map(parameter_details))
    }
}

impl CursorError {
    /// [`ErrorCode::InvalidCursor`].
    pub fn error_code(&self) -> ErrorCode {
        ErrorCode::InvalidCursor
    }

    /// The TAXII error message, naming the `next` parameter.
    pub fn to_error(&self) -> Error {
        self.error_code().to_error(Some(self.to_string()), Some(parameter_details("next")))
    }
}
