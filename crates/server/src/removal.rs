//! Delete an Object (§5.7): the owner organisation or a hub-admin removes an object from one
//! collection, for everyone on the node. The versions stay stored (and in other collections).
//!
//! Two stopgaps until the store grows the queries (see the crate's report):
//! - who owns an object in a collection is found by scanning that collection's versions of the
//!   object's type, at most [`MAX_OWNER_SCAN_ROWS`] of them: the store has no "owners of id"
//!   query yet;
//! - the store removes every version of an id at once, so a DELETE that selects only some
//!   versions (`match[version]` other than `all`, or `match[spec_version]`) is refused with 400.

use selat_core::org::Principal;
use selat_store::{Audience, ScanQuery, Store};
use selat_taxii::{ErrorCode, ObjectsQuery, VersionFilter};

use crate::errors::ApiError;
use crate::limits::MAX_OWNER_SCAN_ROWS;
use crate::paging::{object_exists, object_not_found};
use crate::state::AppState;

/// Removes `object_id` from `collection` for `principal`, who must own it or be a hub-admin.
pub async fn remove(
    state: &AppState,
    principal: &Principal,
    collection: &str,
    object_id: &str,
    query: &ObjectsQuery,
    audience: &Audience,
) -> Result<(), ApiError> {
    if !object_exists(state, collection, object_id, audience).await? {
        return Err(object_not_found());
    }
    if query.versions() != [VersionFilter::All] || !query.match_spec_version.is_empty() {
        return Err(ApiError::described(
            ErrorCode::BadRequest,
            "this server deletes every version of an object at once; omit match[version] and match[spec_version]",
        ));
    }
    if !principal.at_least(selat_core::org::Role::HubAdmin) {
        let owners = owners(state, collection, object_id).await?;
        if owners.is_empty() || owners.iter().any(|o| o != &principal.org.identity) {
            return Err(ApiError::described(
                ErrorCode::Forbidden,
                "only the organisation that owns this object, or a hub-admin, may delete it",
            ));
        }
    }
    let removed = state.node().store.remove_object(collection, object_id).await?;
    tracing::info!(collection, object = object_id, removed, by = %principal.label(), "object deleted");
    Ok(())
}

/// The owners of every version of `object_id` in `collection` (bounded scan, see module docs).
async fn owners(state: &AppState, collection: &str, object_id: &str) -> Result<Vec<String>, ApiError> {
    let object_type = object_id.split_once("--").map_or(object_id, |(t, _)| t);
    let mut query = ScanQuery {
        after: None,
        limit: selat_store::MAX_SCAN_LIMIT,
        latest_only: false,
        object_type: Some(object_type.to_owned()),
        collection: Some(collection.to_owned()),
        audience: Audience::Unrestricted,
    };
    let (mut owners, mut scanned) = (Vec::<String>::new(), 0usize);
    loop {
        let page = state.node().store.scan(&query).await?;
        scanned += page.rows.len();
        for row in page.rows.into_iter().filter(|r| r.id == object_id) {
            if !owners.contains(&row.owner) {
                owners.push(row.owner);
            }
        }
        match page.next_after {
            Some(after) if scanned < MAX_OWNER_SCAN_ROWS => query.after = Some(after),
            Some(_) => {
                tracing::warn!(collection, object = object_id, "owner scan stopped at its limit");
                return Ok(owners);
            }
            None => return Ok(owners),
        }
    }
}
