//! `GET /api/v1/audit`: the audit log, to hub-admins (every entry, optionally one organisation's)
//! and org-admins (entries concerning their own organisation); everyone else gets 403, an
//! anonymous caller 401.

use axum::Json;
use axum::extract::{Query, State};
use axum::response::{IntoResponse, Response};
use selat_core::audit::{AuditFilter, AuditRecord, DEFAULT_AUDIT_QUERY, MAX_AUDIT_QUERY};
use selat_core::org::Role;
use serde::{Deserialize, Serialize};

use super::JsonError;
use crate::auth::Caller;
use crate::errors::ApiError;
use crate::state::AppState;

/// The query parameters, as text: each is checked here so a bad one gets a precise 400.
#[derive(Debug, Default, Deserialize)]
pub(crate) struct Params {
    org: Option<String>,
    since: Option<String>,
    operation: Option<String>,
    limit: Option<String>,
    after: Option<String>,
}

#[derive(Serialize)]
struct AuditResponse {
    entries: Vec<AuditRecord>,
    /// The `after` of the next page, or null on the last.
    next: Option<String>,
}

pub(crate) async fn audit(
    State(state): State<AppState>,
    caller: Result<Caller, ApiError>,
    params: Result<Query<Params>, axum::extract::rejection::QueryRejection>,
) -> Result<Response, JsonError> {
    // A bad credential is the same 401 as none: the reason is already audited by `accounts`.
    let caller = caller.map_err(|_| JsonError::unauthorized())?;
    let principal = caller.principal().ok_or_else(JsonError::unauthorized)?;
    let Query(params) = params.map_err(|e| JsonError::bad_request(e.body_text()))?;
    let mut filter = filter(&params)?;
    match principal.role {
        Role::HubAdmin => {}
        Role::OrgAdmin => {
            let own = &principal.org.short_name;
            if filter.org.as_ref().is_some_and(|org| org != own) {
                return Err(JsonError::forbidden(format!("an org-admin reads only {own}'s entries")));
            }
            filter.org = Some(own.clone());
        }
        Role::Viewer | Role::Analyst => {
            return Err(JsonError::forbidden("the audit log is for org-admins and hub-admins"));
        }
    }
    let page = state
        .node()
        .audit()
        .query(&filter)
        .await
        .map_err(|e| JsonError::internal("reading the audit log", &e))?;
    let body = AuditResponse { entries: page.entries, next: page.next.map(|n| n.to_string()) };
    Ok(Json(body).into_response())
}

fn filter(params: &Params) -> Result<AuditFilter, JsonError> {
    let since_us = match &params.since {
        Some(text) => Some(
            selat_taxii::parse_timestamp(text).map_err(|e| JsonError::bad_request(format!("since: {e}")))?,
        ),
        None => None,
    };
    let number = |name: &str, text: &Option<String>| -> Result<Option<i64>, JsonError> {
        text.as_deref()
            .map(|t| t.parse::<i64>().ok().filter(|n| *n >= 0))
            .map(|n| {
                n.ok_or_else(|| JsonError::bad_request(format!("{name}: expected a non-negative integer")))
            })
            .transpose()
    };
    let limit = match number("limit", &params.limit)? {
        None => DEFAULT_AUDIT_QUERY,
        Some(n) if n >= 1 => usize::try_from(n).unwrap_or(MAX_AUDIT_QUERY).min(MAX_AUDIT_QUERY),
        Some(_) => return Err(JsonError::bad_request(format!("limit: 1..={MAX_AUDIT_QUERY}"))),
    };
    Ok(AuditFilter {
        org: params.org.clone(),
        since_us,
        operation: params.operation.clone(),
        after: number("after", &params.after)?,
        limit,
    })
}
