//! Which collections the caller may see and write (`selat_core::access`), and the TAXII
//! collection resource as the caller sees it.
//!
//! A collection the caller may not read does not exist for it: 404, except that an anonymous
//! caller gets 401 (with `WWW-Authenticate`) for anything but a public collection, whether or not
//! it exists, so credentials are asked for without revealing what is there.

use selat_core::access::CollectionAccess;
use selat_store::{Collection, Store};
use selat_taxii::ErrorCode;

use crate::auth::Caller;
use crate::errors::ApiError;
use crate::state::AppState;

/// A collection the caller may read, with its access rules.
#[derive(Debug, Clone)]
pub struct Readable {
    pub collection: Collection,
    pub access: CollectionAccess,
}

/// The collection `id_or_alias` (TAXII lets an alias stand for the id in URLs), if the caller may
/// read it.
pub async fn readable(state: &AppState, caller: &Caller, id_or_alias: &str) -> Result<Readable, ApiError> {
    let not_found = || match caller.principal() {
        None => ApiError::new(ErrorCode::Unauthorized),
        Some(_) => ApiError::new(ErrorCode::CollectionNotFound),
    };
    let Some(collection) = find(state, id_or_alias).await? else {
        return Err(not_found());
    };
    let access = state.node().collection_access(&collection.id).await?;
    if !access.can_read(caller.principal()) {
        return Err(not_found());
    }
    Ok(Readable { collection, access })
}

/// Refuses a write the caller may not make: 401 when anonymous, else 403 (it can read the
/// collection, so its existence is no secret).
pub fn check_writable(caller: &Caller, readable: &Readable) -> Result<(), ApiError> {
    match caller.principal() {
        _ if readable.access.can_write(caller.principal()) => Ok(()),
        None => Err(ApiError::new(ErrorCode::Unauthorized)),
        Some(_) => {
            Err(ApiError::described(ErrorCode::Forbidden, "this collection does not accept your writes"))
        }
    }
}

/// Every collection the caller may read, as TAXII collection resources.
pub async fn listed(state: &AppState, caller: &Caller) -> Result<Vec<selat_taxii::Collection>, ApiError> {
    let mut listed = Vec::new();
    for collection in state.node().store.collections().await? {
        let access = state.node().collection_access(&collection.id).await?;
        if access.can_read(caller.principal()) {
            listed.push(to_wire(caller, Readable { collection, access }));
        }
    }
    Ok(listed)
}

/// The collection resource with `can_read`/`can_write` as they are for this caller.
pub fn to_wire(caller: &Caller, readable: Readable) -> selat_taxii::Collection {
    let Readable { collection, access } = readable;
    selat_taxii::Collection {
        id: collection.id,
        title: collection.title,
        description: collection.description,
        alias: collection.alias,
        can_read: access.can_read(caller.principal()),
        can_write: access.can_write(caller.principal()),
        media_types: collection.media_types,
    }
}

async fn find(state: &AppState, id_or_alias: &str) -> Result<Option<Collection>, ApiError> {
    let store = &state.node().store;
    if let Some(found) = store.collection(id_or_alias).await? {
        return Ok(Some(found));
    }
    Ok(store.collections().await?.into_iter().find(|c| c.alias.as_deref() == Some(id_or_alias)))
}
