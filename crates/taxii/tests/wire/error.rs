use selat_taxii::{CursorError, Endpoint, ErrorCode, ObjectsQuery};
use serde_json::json;

/// The whole table, pinned: codes are a contract with clients and must not drift.
#[test]
fn table_snapshot() {
    let table: Vec<String> =
        ErrorCode::ALL.iter().map(|c| format!("{} {} {}", c.http_status(), c.code(), c.title())).collect();
    let expected = [
        "400 bad-request Bad request",
        "400 invalid-filter Invalid query parameter",
        "400 invalid-cursor Invalid next cursor",
        "401 unauthorized Authentication required",
        "403 forbidden Access denied",
        "404 api-root-not-found API root not found",
        "404 collection-not-found Collection not found",
        "404 object-not-found Object not found",
        "404 status-not-found Status not found",
        "404 not-found Not found",
        "405 method-not-allowed Method not allowed",
        "406 not-acceptable Not acceptable",
        "413 payload-too-large Request body too large",
        "415 unsupported-media-type Unsupported media type",
        "422 invalid-envelope Unprocessable envelope",
        "422 too-many-objects Too many objects",
        "429 rate-limited Too many requests",
        "500 internal Internal server error",
        "503 queue-full Server busy",
    ];
    assert_eq!(table, expected);
}

#[test]
fn every_code_is_well_formed_and_unique() {
    for (i, code) in ErrorCode::ALL.iter().enumerate() {
        assert!((400..=599).contains(&code.http_status()), "{code:?}");
        assert!(code.code().bytes().all(|b| b.is_ascii_lowercase() || b == b'-'), "{code:?}");
        assert!(!code.title().is_empty());
        assert_eq!(ErrorCode::from_code(code.code()), Some(*code));
        assert!(ErrorCode::ALL[..i].iter().all(|earlier| earlier.code() != code.code()), "{code:?} repeated");
        let error = code.to_error(None, None);
        assert_eq!(error.http_status, Some(code.http_status().to_string()));
        assert_eq!(error.error_code.as_deref(), Some(code.code()));
        assert_eq!(error.error_id, None, "ids come from the caller");
    }
    assert_eq!(ErrorCode::from_code("no-such-code"), None);
}

#[test]
fn internal_errors_never_show_their_cause() {
    let details = json!({"path": "/var/lib/selat/db"}).as_object().cloned();
    let error = ErrorCode::Internal.to_error(Some("disk I/O error at /var/lib/selat".into()), details);
    assert_eq!(
        serde_json::to_value(&error).unwrap(),
        json!({"title": "Internal server error", "error_code": "internal", "http_status": "500"})
    );
    // Other codes keep what the caller gives them.
    let details = json!({"retry_after_seconds": 5}).as_object().cloned();
    let busy = ErrorCode::QueueFull.to_error(Some("Try again shortly.".into()), details);
    assert_eq!(busy.details.unwrap()["retry_after_seconds"], 5);
}

#[test]
fn query_and_cursor_errors_render_as_taxii_errors() {
    let error = ObjectsQuery::parse("limit=0", Endpoint::Objects).unwrap_err().to_error();
    assert_eq!(
        serde_json::to_value(&error).unwrap(),
        json!({
            "title": "Invalid query parameter",
            "description": "`limit` value \"0\" is invalid: must be greater than zero (TAXII 2.1 §3.4)",
            "error_code": "invalid-filter",
            "http_status": "400",
            "details": {"parameter": "limit"}
        })
    );
    let too_long = ObjectsQuery::parse(&"x".repeat(9000), Endpoint::Objects).unwrap_err().to_error();
    assert_eq!(too_long.details, None);

    let error = CursorError::FiltersChanged.to_error();
    assert_eq!(error.error_code.as_deref(), Some("invalid-cursor"));
    assert_eq!(error.details.unwrap()["parameter"], "next");
}
