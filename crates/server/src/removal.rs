//! Delete an Object (§5.7): the owner organisation removes its copy of an object from one
//! collection, or a hub-admin removes every copy, for everyone on the node. The versions stay
//! stored (and in other collections).
//!
//! Only two owners' copies of one observable make "its copy" differ from "the object": a caller
//! removes what it owns and never learns whether another organisation holds a copy it may not
//! see. The store removes every version of a copy at once, so a DELETE that selects only some
//! versions (`match[version]` other than `all`, or `match[spec_version]`) is refused with 400.

use selat_core::org::Principal;
use selat_store::{Audience, Store};
use selat_taxii::{ErrorCode, ObjectsQuery, VersionFilter};

use crate::errors::ApiError;
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
    let owner =
        (!principal.at_least(selat_core::org::Role::HubAdmin)).then_some(principal.org.identity.as_str());
    let removed = state.node().store.remove_object(collection, object_id, owner).await?;
    if removed == 0 {
        // The caller may see the object (checked above) but owns no copy of it here.
        return Err(ApiError::described(
            ErrorCode::Forbidden,
            "only the organisation that owns this object, or a hub-admin, may delete it",
        ));
    }
    tracing::info!(collection, object = object_id, removed, by = %principal.label(), "object deleted");
    Ok(())
}
