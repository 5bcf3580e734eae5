//! The behaviours every [`Store`] backend must show, one async function each.
//!
//! Each function takes a fresh, empty store and panics with a message saying what broke.
//! A backend's test file calls every one of them on a fresh database (see `tests/sqlite.rs` and
//! `tests/postgres.rs`);
//! [`durable_across_reopen`] takes a function that opens the same database again.

mod audit;
mod collections;
mod directory;
mod federation;
mod ingest;
mod observables;
mod paging;
mod scan;
mod visibility;

use crate::model::{ManifestEntry, NewCollection, NewVersion, Outcome, Page, PageQuery};
use crate::store::Store;

pub use audit::{audit_append_and_chain, audit_concurrent_appends_do_not_fork, audit_query_filters};
pub use collections::{collections_create_get_list, limits_are_enforced};
pub use directory::{
    directory_login_bookkeeping, directory_organisations_and_users, directory_settings,
    directory_sharing_groups, directory_statuses, directory_tokens,
};
pub use federation::{federation_cursors, federation_origins, federation_rounds_and_refusals};
pub use ingest::{
    concurrent_writers_across_collections, concurrent_writers_date_added_strictly_increasing,
    concurrent_writers_two_readers_see_every_entry_once, durable_across_reopen, idempotent_reinsert,
    not_owner_refused, sco_copies_per_owner, version_is_modified_created_or_date_added,
};
pub use observables::{
    latest_versions_through_audience, observable_index_finds_visible_holders, observable_index_limits,
};
pub use paging::{
    filters_with_multiple_values, manifest_matches_objects, object_and_versions, page_limits_and_more,
    page_stops_at_scan_bound, remove_from_collection, remove_one_owners_copy, version_filters,
};
pub use scan::{
    activity_counts_by_owner_and_day, counts_objects_and_versions, export_scan_covers_everything_once,
};
pub use visibility::{
    audience_filters_pages, observable_copies_merge, older_versions_follow_the_latest,
    removal_reaches_viewers, sparse_visibility_pages_cheaply,
};

/// The owner most tests use.
const ALICE: &str = "identity--11111111-1111-4111-8111-111111111111";
/// A second organisation.
const BOB: &str = "identity--22222222-2222-4222-8222-222222222222";

/// 2024-01-01T00:00:00Z in microseconds: a base for stated versions.
const T0: i64 = 1_704_067_200_000_000;

/// A domain object (never an SCO) with a stated `modified`.
fn sdo(object_type: &str, n: u32, owner: &str, modified_us: i64) -> NewVersion {
    let id = format!("{object_type}--00000000-0000-4000-8000-{n:012}");
    let json = format!(r#"{{"id":"{id}","modified":{modified_us},"type":"{object_type}"}}"#);
    NewVersion {
        id,
        object_type: object_type.to_owned(),
        spec_version: "2.1".to_owned(),
        created_us: Some(T0),
        modified_us: Some(modified_us),
        created_by_ref: Some(owner.to_owned()),
        revoked: false,
        tlp: Some("green".to_owned()),
        scope: "community".to_owned(),
        confidence: Some(80),
        is_sco: false,
        owner: owner.to_owned(),
        json,
        audience: vec![format!("org:{owner}")],
        observables: Vec::new(),
    }
}

/// A cyber-observable without timestamps.
fn sco(n: u32, owner: &str, value: &str) -> NewVersion {
    let id = format!("ipv4-addr--00000000-0000-5000-8000-{n:012}");
    let json = format!(r#"{{"id":"{id}","type":"ipv4-addr","value":"{value}"}}"#);
    NewVersion {
        id,
        object_type: "ipv4-addr".to_owned(),
        spec_version: "2.1".to_owned(),
        created_us: None,
        modified_us: None,
        created_by_ref: None,
        revoked: false,
        tlp: Some("green".to_owned()),
        scope: "community".to_owned(),
        confidence: None,
        is_sco: true,
        owner: owner.to_owned(),
        json,
        audience: vec![format!("org:{owner}")],
        observables: Vec::new(),
    }
}

/// Creates a collection with a fresh id and returns the id.
async fn new_collection<S: Store>(store: &S, title: &str) -> String {
    let id = uuid::Uuid::new_v4().to_string();
    let new = NewCollection {
        id: id.clone(),
        title: title.to_owned(),
        description: None,
        alias: None,
        media_types: vec!["application/stix+json;version=2.1".to_owned()],
    };
    store.create_collection(&new).await.expect("create a collection");
    id
}

/// Ingests a batch that must succeed, returning its outcomes.
async fn ingest_ok<S: Store>(store: &S, batch: &[NewVersion], collection: Option<&str>) -> Vec<Outcome> {
    let outcomes = store.ingest(batch, collection).await.expect("ingest a batch");
    assert_eq!(outcomes.len(), batch.len(), "one outcome per input");
    outcomes
}

/// Every manifest entry the query selects, following `next` cursors.
async fn manifest_all<S: Store>(store: &S, query: &PageQuery) -> Vec<ManifestEntry> {
    let mut query = query.clone();
    let mut out = Vec::new();
    for _ in 0..10_000 {
        let page: Page<ManifestEntry> = store.manifest_page(&query).await.expect("manifest page");
        out.extend(page.entries);
        if !page.more {
            return out;
        }
        query.added_after_us = page.next_added_after_us;
        assert!(query.added_after_us.is_some(), "a page with more has a next cursor");
    }
    panic!("paging did not end after 10,000 pages");
}

/// (id, version) of each entry, in page order.
fn keys(entries: &[ManifestEntry]) -> Vec<(String, i64)> {
    entries.iter().map(|e| (e.id.clone(), e.version_us)).collect()
}

fn stored(outcome: &Outcome) -> bool {
    matches!(outcome, Outcome::Stored { .. })
}
