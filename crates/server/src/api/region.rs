//! The region as data over REST: `GET /api/v1/member-states` (the eleven ASEAN Member States, or
//! those that were members on `as_of`, with the organisation and sector leads each has on this
//! node), `GET /api/v1/member-states/{iso2}` and `GET /api/v1/organisations` (the organisations
//! registered here). Any signed-in caller may read them: they are the directory the region works
//! from, not shared intelligence. Lists answer `{"items": [...], "next": null}`: each fits one page.

use axum::Json;
use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use selat_core::region::{OrganisationRecord, member_state_records};
use serde::Deserialize;
use serde_json::json;

use super::JsonError;
use crate::auth::Caller;
use crate::errors::ApiError;
use crate::state::AppState;

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct MemberStatesQuery {
    /// `YYYY-MM-DD`: only the states that were members on that day.
    as_of: Option<String>,
}

fn signed_in(caller: Result<Caller, ApiError>) -> Result<(), JsonError> {
    let caller = caller.map_err(|_| JsonError::unauthorized())?;
    caller.principal().map(|_| ()).ok_or_else(JsonError::unauthorized)
}

/// `YYYY-MM-DD` with a real month and day, or a 400 that says so.
fn date(text: &str) -> Result<&str, JsonError> {
    let bytes = text.as_bytes();
    let digits = |r: std::ops::Range<usize>| bytes[r].iter().all(u8::is_ascii_digit);
    let shaped = bytes.len() == 10
        && bytes[4] == b'-'
        && bytes[7] == b'-'
        && digits(0..4)
        && digits(5..7)
        && digits(8..10);
    let month = text.get(5..7).and_then(|m| m.parse::<u32>().ok()).unwrap_or(0);
    let day = text.get(8..10).and_then(|d| d.parse::<u32>().ok()).unwrap_or(0);
    if shaped && (1..=12).contains(&month) && (1..=31).contains(&day) {
        Ok(text)
    } else {
        Err(JsonError::bad_request(format!("as_of {text:?}: expected a date as YYYY-MM-DD")))
    }
}

async fn organisations(state: &AppState) -> Result<Vec<selat_core::org::Organisation>, JsonError> {
    state.node().organisations().await.map_err(|e| JsonError::internal("listing organisations", &e))
}

pub(crate) async fn member_states(
    State(state): State<AppState>,
    caller: Result<Caller, ApiError>,
    query: Result<Query<MemberStatesQuery>, axum::extract::rejection::QueryRejection>,
) -> Result<Response, JsonError> {
    signed_in(caller)?;
    let Query(query) = query.map_err(|e| JsonError::bad_request(e.body_text()))?;
    let as_of = query.as_of.as_deref().map(date).transpose()?;
    let items = member_state_records(&organisations(&state).await?, as_of);
    Ok(Json(json!({"items": items, "next": null})).into_response())
}

pub(crate) async fn member_state(
    State(state): State<AppState>,
    caller: Result<Caller, ApiError>,
    Path(iso2): Path<String>,
) -> Result<Response, JsonError> {
    signed_in(caller)?;
    let items = member_state_records(&organisations(&state).await?, None);
    match items.into_iter().find(|m| m.iso2.eq_ignore_ascii_case(&iso2)) {
        Some(found) => Ok(Json(found).into_response()),
        None => Err(JsonError::new(
            StatusCode::NOT_FOUND,
            "not_found",
            format!("no ASEAN Member State {iso2:?} (ISO 3166-1 alpha-2)"),
        )),
    }
}

pub(crate) async fn organisations_list(
    State(state): State<AppState>,
    caller: Result<Caller, ApiError>,
) -> Result<Response, JsonError> {
    signed_in(caller)?;
    let items: Vec<OrganisationRecord> =
        organisations(&state).await?.iter().map(OrganisationRecord::from).collect();
    Ok(Json(json!({"items": items, "next": null})).into_response())
}

/// `GET /api/v1/organisations/{short_name}`: one organisation's page — who it is, its member
/// state's sectors and sector leads, and the contacts of it the caller may see.
pub(crate) async fn organisation_page(
    State(state): State<AppState>,
    caller: Result<Caller, ApiError>,
    Path(short_name): Path<String>,
) -> Result<Response, JsonError> {
    let caller = caller.map_err(|_| JsonError::unauthorized())?;
    let principal = caller.principal().ok_or_else(JsonError::unauthorized)?;
    let orgs = organisations(&state).await?;
    let org = orgs.iter().find(|o| o.short_name.eq_ignore_ascii_case(&short_name)).ok_or_else(|| {
        JsonError::new(
            StatusCode::NOT_FOUND,
            "not_found",
            format!("no organisation {short_name:?} on this node"),
        )
    })?;
    let state_code = org.member_state();
    let sectors: Vec<_> = selat_core::region::sector_records(&orgs)
        .into_iter()
        .filter(|s| Some(s.member_state) == state_code)
        .filter(|s| {
            org.kind != selat_core::org::OrgKind::SectorLead
                || s.sector_lead.as_deref() == Some(&org.short_name)
        })
        .collect();
    let sector_leads: Vec<OrganisationRecord> = orgs
        .iter()
        .filter(|o| o.parent.as_deref() == Some(&org.short_name))
        .map(OrganisationRecord::from)
        .collect();
    let contacts: Vec<_> = state
        .node()
        .contacts(principal, None, false)
        .await
        .map_err(super::coordination::coordination_error)?
        .into_iter()
        .filter(|c| c.organisation == org.short_name)
        .collect();
    Ok(Json(json!({
        "organisation": OrganisationRecord::from(org),
        "member_state": state_code,
        "sectors": sectors,
        "sector_leads": sector_leads,
        "contacts": contacts,
    }))
    .into_response())
}
