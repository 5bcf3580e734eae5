//! Server Discovery (§4.1) and Get API Root Information (§4.2).

use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::Response;
use selat_taxii::{ApiRoot, Discovery, ErrorCode, TAXII_MEDIA_TYPE};

use crate::API_ROOT_PATH;
use crate::errors::ApiError;
use crate::respond;
use crate::state::AppState;

pub async fn discovery() -> Result<Response, ApiError> {
    let discovery = Discovery {
        title: "Selat".to_owned(),
        description: Some("Regional cyber-threat sharing hub (STIX 2.1 over TAXII 2.1)".to_owned()),
        contact: None,
        default: Some(API_ROOT_PATH.to_owned()),
        api_roots: vec![API_ROOT_PATH.to_owned()],
    };
    respond::resource(StatusCode::OK, &discovery)
}

pub async fn api_root(State(state): State<AppState>) -> Result<Response, ApiError> {
    let root = ApiRoot {
        title: "Selat".to_owned(),
        description: Some("This node's collections of STIX 2.1 objects".to_owned()),
        versions: vec![TAXII_MEDIA_TYPE.to_owned()],
        max_content_length: state.limits().max_body_bytes,
    };
    respond::resource(StatusCode::OK, &root)
}

/// Any path under `/taxii2/` that no endpoint serves: an unknown API root, or an unknown path
/// under this node's.
pub async fn unknown_api_root(Path(params): Path<Vec<(String, String)>>) -> ApiError {
    let root = params.iter().find(|(name, _)| name == "api_root").map(|(_, value)| value.as_str());
    if root == Some(API_ROOT_PATH.trim_matches('/').trim_start_matches("taxii2/")) {
        return ApiError::new(ErrorCode::NotFound);
    }
    ApiError::new(ErrorCode::ApiRootNotFound)
}
