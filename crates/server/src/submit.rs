//! Add Objects (§5.5): the body is read up to the API root's `max_content_length` (413 beyond
//! it), checked to be an envelope, written durably with a pending status by
//! `selat_core::submissions`, and answered 202 with that status.

use axum::body::Body;
use axum::http::{HeaderMap, header};
use http_body_util::BodyExt;
use selat_core::org::Principal;
use selat_taxii::{ErrorCode, Status, TAXII_MEDIA_TYPE, content_type_is};

use crate::access::Readable;
use crate::errors::ApiError;
use crate::limits::MAX_DRAIN_BYTES;
use crate::state::AppState;

/// Refuses a body that is not the TAXII media type (415).
pub fn check_content_type(headers: &HeaderMap) -> Result<(), ApiError> {
    let content_type = headers.get(header::CONTENT_TYPE).and_then(|v| v.to_str().ok());
    if content_type_is(content_type, TAXII_MEDIA_TYPE) {
        return Ok(());
    }
    Err(ApiError::described(
        ErrorCode::UnsupportedMediaType,
        format!("send the envelope as {TAXII_MEDIA_TYPE}"),
    ))
}

/// Queues the request and returns its pending status resource.
pub async fn submit(
    state: &AppState,
    principal: &Principal,
    readable: &Readable,
    body: Vec<u8>,
) -> Result<Status, ApiError> {
    let limits = state.limits().submission();
    let status = state
        .queue()
        .submit(state.node(), principal, &readable.collection.id, readable.access, body, limits)
        .await?;
    tracing::debug!(status = %status.id, collection = %readable.collection.id, "request accepted");
    Ok(status)
}

/// The body, at most `limit` bytes. Past the limit the rest is read and dropped (up to
/// [`MAX_DRAIN_BYTES`]) so that the client reads the 413 rather than a reset connection.
pub async fn read_body(headers: &HeaderMap, body: Body, limit: u64) -> Result<Vec<u8>, ApiError> {
    let declared =
        headers.get(header::CONTENT_LENGTH).and_then(|v| v.to_str().ok()).and_then(|v| v.parse::<u64>().ok());
    if declared.is_some_and(|d| d > limit.saturating_add(MAX_DRAIN_BYTES)) {
        return Err(too_large(limit));
    }
    let mut body = body;
    let mut bytes = Vec::with_capacity(declared.unwrap_or(0).min(limit) as usize);
    let mut seen = 0u64;
    while let Some(frame) = body.frame().await {
        let frame = frame
            .map_err(|e| ApiError::described(ErrorCode::BadRequest, format!("reading the body: {e}")))?;
        let Ok(data) = frame.into_data() else { continue };
        seen += data.len() as u64;
        if seen > limit.saturating_add(MAX_DRAIN_BYTES) {
            return Err(too_large(limit));
        }
        if seen <= limit {
            bytes.extend_from_slice(&data);
        }
    }
    if seen > limit {
        return Err(too_large(limit));
    }
    Ok(bytes)
}

fn too_large(limit: u64) -> ApiError {
    ApiError::described(
        ErrorCode::PayloadTooLarge,
        format!("the body is larger than this API root's max_content_length of {limit} bytes"),
    )
}
