//! TAXII filters and `next` cursors to store pages, and pages back to TAXII resources.
//!
//! A page starts after the later of `added_after` and the position in `next` (§3.5: `next` works
//! together with the original query). `next` is a signed [`Cursor`] of the page's last
//! `date_added`, bound to the collection and to the filter digest, so it cannot be replayed with
//! other filters or on another collection. Reading never parses a stored object: envelopes are
//! written straight from the stored JSON.

use selat_core::audit::{AuditEntry, ids_hash};
use selat_core::org::Principal;
use selat_store::{
    Audience, Dated, ManifestEntry, ObjectEntry, Page, PageQuery, Store, VersionFilter, tlp_is_sensitive,
};
use selat_taxii::{
    Cursor, ErrorCode, Manifest, ManifestRecord, ObjectsQuery, Timestamp, Versions, format_timestamp,
    write_envelope,
};

use crate::errors::ApiError;
use crate::state::AppState;

/// What one request selects: a collection, an object in it (for the per-object endpoints), the
/// parsed query, and whose view it is (the caller's audience: the store applies the access rule
/// inside the page query, so what the caller may not see is never read, counted or hinted at).
#[derive(Debug)]
pub struct Selection<'a> {
    pub collection: &'a str,
    pub object_id: Option<&'a str>,
    pub query: ObjectsQuery,
    pub audience: Audience,
    /// Who asks (`None`: anonymous), and the query string as sent: what the audit log records of
    /// a read that returns AMBER, AMBER+STRICT or RED material.
    pub caller: Option<&'a Principal>,
    pub raw_query: &'a str,
}

/// The `date_added` of a page's first and last entries (`X-TAXII-Date-Added-First`/`-Last`).
#[derive(Debug, Clone, Copy, Default)]
pub struct DateRange {
    pub first_us: Option<i64>,
    pub last_us: Option<i64>,
}

impl DateRange {
    fn of<T: Dated>(page: &Page<T>) -> Self {
        Self { first_us: page.date_added_first_us(), last_us: page.date_added_last_us() }
    }
}

/// A rendered page: the JSON body and its date range.
#[derive(Debug)]
pub struct RenderedPage {
    pub body: String,
    pub dates: DateRange,
    pub entries: usize,
}

/// An envelope of objects (Get Objects, Get an Object).
pub async fn objects(state: &AppState, selection: &Selection<'_>) -> Result<RenderedPage, ApiError> {
    let page = state.node().store.objects_page(&page_query(state, selection)?).await?;
    let returned = page.entries.iter().map(|e| (e.id.as_str(), e.tlp.as_deref(), e.owner.as_deref()));
    audit_read(state, selection, "taxii.objects.read", returned).await?;
    let next = next_cursor(state, selection, &page);
    let mut body = String::new();
    write_envelope(
        &mut body,
        page.entries.iter().map(|e: &ObjectEntry| e.json.as_str()),
        page.more,
        next.as_deref(),
    );
    Ok(RenderedPage { body, dates: DateRange::of(&page), entries: page.entries.len() })
}

/// A manifest resource (Get Object Manifests).
pub async fn manifest(state: &AppState, selection: &Selection<'_>) -> Result<RenderedPage, ApiError> {
    let page = state.node().store.manifest_page(&page_query(state, selection)?).await?;
    let returned = page.entries.iter().map(|e| (e.id.as_str(), e.tlp.as_deref(), e.owner.as_deref()));
    audit_read(state, selection, "taxii.manifest.read", returned).await?;
    let resource = Manifest { objects: page.entries.iter().map(manifest_record).collect(), more: page.more };
    let body = with_next(&resource, next_cursor(state, selection, &page))?;
    Ok(RenderedPage { body, dates: DateRange::of(&page), entries: page.entries.len() })
}

/// A versions resource (Get Object Versions).
pub async fn versions(state: &AppState, selection: &Selection<'_>) -> Result<RenderedPage, ApiError> {
    let page = state.node().store.versions_page(&page_query(state, selection)?).await?;
    let returned = page.entries.iter().map(|e| (e.id.as_str(), e.tlp.as_deref(), e.owner.as_deref()));
    audit_read(state, selection, "taxii.versions.read", returned).await?;
    let versions = page.entries.iter().map(|e| format_timestamp(e.version_us)).collect();
    let resource = Versions { versions, more: page.more };
    let body = with_next(&resource, next_cursor(state, selection, &page))?;
    Ok(RenderedPage { body, dates: DateRange::of(&page), entries: page.entries.len() })
}

/// Whether the collection holds any version of `object_id` that `audience` may see, whatever the
/// filters.
pub async fn object_exists(
    state: &AppState,
    collection: &str,
    object_id: &str,
    audience: &Audience,
) -> Result<bool, ApiError> {
    let query = PageQuery {
        versions: VersionFilter::all(),
        audience: audience.clone(),
        ..PageQuery::object(collection, object_id, 1)
    };
    Ok(!state.node().store.manifest_page(&query).await?.entries.is_empty())
}

/// One audit entry for a read that returned AMBER, AMBER+STRICT, RED or unmarked material
/// (DESIGN.md): the caller, the operation, the query, the count, a hash of the ids returned and
/// the organisations whose objects they are. Reads of CLEAR and GREEN material only are not
/// recorded, so the common read costs nothing here.
async fn audit_read<'e>(
    state: &AppState,
    selection: &Selection<'_>,
    operation: &str,
    returned: impl Iterator<Item = (&'e str, Option<&'e str>, Option<&'e str>)>,
) -> Result<(), ApiError> {
    let returned: Vec<_> = returned.collect();
    if !returned.iter().any(|(_, tlp, _)| tlp_is_sensitive(*tlp)) {
        return Ok(());
    }
    let ids: Vec<&str> = returned.iter().map(|(id, ..)| *id).collect();
    let mut owners: Vec<&str> = returned.iter().filter_map(|(_, _, owner)| *owner).collect();
    owners.sort_unstable();
    owners.dedup();
    let orgs = state.node().organisations().await?;
    let subjects: Vec<String> = owners
        .iter()
        .filter_map(|owner| orgs.iter().find(|o| o.identity == *owner).map(|o| o.short_name.clone()))
        .collect();
    let detail = match selection.object_id {
        Some(id) => format!("collection {} object {id} ?{}", selection.collection, selection.raw_query),
        None => format!("collection {} ?{}", selection.collection, selection.raw_query),
    };
    let entry = AuditEntry::read(
        selection.caller,
        operation,
        detail,
        ids.len() as u64,
        Some(ids_hash(&ids)),
        &subjects,
    );
    state.node().audit().record(entry).await;
    Ok(())
}

/// The store query of a selection, with the position of its `next` cursor if it has one.
fn page_query(state: &AppState, selection: &Selection<'_>) -> Result<PageQuery, ApiError> {
    let query = &selection.query;
    let mut after = query.added_after.map(Timestamp::micros);
    if let Some(next) = &query.next {
        let digest = query.filter_digest(selection.object_id);
        let resume = Cursor::resume_after(next, state.cursor_key(), selection.collection, &digest)?;
        after = Some(after.map_or(resume, |a| a.max(resume)));
    }
    let page_size = state.limits().page_size as u64;
    let ids = match selection.object_id {
        Some(id) => vec![id.to_owned()],
        None => query.match_id.clone(),
    };
    Ok(PageQuery {
        collection: selection.collection.to_owned(),
        added_after_us: after,
        limit: usize::try_from(query.page_size(page_size)).unwrap_or(usize::MAX),
        types: query.match_type.clone(),
        ids,
        spec_versions: query.match_spec_version.clone(),
        versions: store_versions(query.versions()),
        audience: selection.audience.clone(),
    })
}

/// The `next` value of a page that has more: a cursor of where the store says the next page
/// starts (past entries the filters hid), else the page's last `date_added`.
fn next_cursor<T: Dated>(state: &AppState, selection: &Selection<'_>, page: &Page<T>) -> Option<String> {
    if !page.more {
        return None;
    }
    let after_us = page.next_added_after_us.or_else(|| page.date_added_last_us())?;
    let cursor = Cursor {
        collection_id: selection.collection.to_owned(),
        after_us,
        filter_digest: selection.query.filter_digest(selection.object_id),
    };
    Some(cursor.encode(state.cursor_key()))
}

/// TAXII `match[version]` values as the store's union of selectors.
pub fn store_versions(filters: &[selat_taxii::VersionFilter]) -> VersionFilter {
    let mut versions = VersionFilter::default();
    for filter in filters {
        match filter {
            selat_taxii::VersionFilter::First => versions.first = true,
            selat_taxii::VersionFilter::Last => versions.last = true,
            selat_taxii::VersionFilter::All => versions.all = true,
            selat_taxii::VersionFilter::At(at) => versions.at_us.push(at.micros()),
        }
    }
    versions
}

fn manifest_record(entry: &ManifestEntry) -> ManifestRecord {
    ManifestRecord {
        id: entry.id.clone(),
        date_added: Timestamp::from_micros(entry.date_added_us)
            .unwrap_or(Timestamp::from_micros(0).expect("epoch")),
        version: format_timestamp(entry.version_us),
        media_type: Some(entry.media_type()),
    }
}

/// A manifest or versions resource with `next` added when the page has more.
///
/// §5.3.1 and §5.8.1 list no `next` (a client may page them with `added_after` and the
/// `X-TAXII-Date-Added-Last` header, §3.5), but clients page every endpoint with it: medallion
/// sends it, and taxii2-client's `as_pages` re-requests the first page forever without it. It is
/// written after `more`, as in an envelope. Until `selat_taxii::Manifest`/`Versions` carry it,
/// it is appended here.
fn with_next<T: serde::Serialize>(resource: &T, next: Option<String>) -> Result<String, ApiError> {
    let mut body = serde_json::to_string(resource)
        .map_err(|e| ApiError::internal("serializing a TAXII resource", &e))?;
    if let Some(next) = next {
        debug_assert!(body.ends_with('}') && body.len() > 2, "a non-empty resource: {body}");
        body.pop();
        body.push_str(",\"next\":");
        body.push_str(&serde_json::Value::String(next).to_string());
        body.push('}');
    }
    Ok(body)
}

/// 404 for an object the collection does not hold (or the caller may not see).
pub fn object_not_found() -> ApiError {
    ApiError::new(ErrorCode::ObjectNotFound)
}
