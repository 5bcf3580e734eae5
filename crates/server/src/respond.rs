//! TAXII responses: the TAXII media type on every body, and the `X-TAXII-Date-Added-First`/
//! `-Last` headers (§3.4) on the paged endpoints.

use axum::http::{HeaderName, HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use selat_taxii::{TAXII_MEDIA_TYPE, format_timestamp};
use serde::Serialize;

use crate::errors::ApiError;
use crate::paging::{DateRange, RenderedPage};

pub const DATE_ADDED_FIRST: HeaderName = HeaderName::from_static("x-taxii-date-added-first");
pub const DATE_ADDED_LAST: HeaderName = HeaderName::from_static("x-taxii-date-added-last");

/// A TAXII resource serialized as the body.
pub fn resource<T: Serialize>(status: StatusCode, value: &T) -> Result<Response, ApiError> {
    let body =
        serde_json::to_string(value).map_err(|e| ApiError::internal("serializing a TAXII resource", &e))?;
    Ok(body_response(status, body))
}

/// A rendered page with its date headers (absent when the page is empty).
pub fn page(page: RenderedPage) -> Response {
    let mut response = body_response(StatusCode::OK, page.body);
    let DateRange { first_us, last_us } = page.dates;
    for (name, micros) in [(DATE_ADDED_FIRST, first_us), (DATE_ADDED_LAST, last_us)] {
        if let Some(value) = micros.and_then(|us| HeaderValue::from_str(&format_timestamp(us)).ok()) {
            response.headers_mut().insert(name, value);
        }
    }
    response
}

fn body_response(status: StatusCode, body: String) -> Response {
    let mut response = (status, body).into_response();
    response.headers_mut().insert(header::CONTENT_TYPE, HeaderValue::from_static(TAXII_MEDIA_TYPE));
    response
}
