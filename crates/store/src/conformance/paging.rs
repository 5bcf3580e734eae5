//! TAXII paging behaviours: limits, `more`, version and property filters, manifest, removal.

use super::{ALICE, BOB, T0, ingest_ok, keys, manifest_all, new_collection, sco, sdo};
use crate::error::Error;
use crate::model::{ManifestEntry, ObjectEntry, PageQuery, VersionFilter};
use crate::store::Store;
use crate::{MAX_PAGE_LIMIT, MAX_SCAN_PER_PAGE};

/// Pages hold at most `limit` entries, say `more` exactly when more follow, and chain without gap
/// or overlap through `next_added_after_us`.
pub async fn page_limits_and_more<S: Store>(store: S) {
    let coll = new_collection(&store, "limits").await;
    let batch: Vec<_> = (0..25).map(|n| sdo("indicator", n, ALICE, T0 + 1)).collect();
    ingest_ok(&store, &batch, Some(&coll)).await;

    let mut query = PageQuery::new(&coll, 10);
    let mut sizes = Vec::new();
    let mut ids = Vec::new();
    loop {
        let page = store.objects_page(&query).await.expect("objects page");
        sizes.push((page.entries.len(), page.more));
        assert_eq!(page.date_added_first_us(), page.entries.first().map(|e| e.date_added_us));
        assert_eq!(page.date_added_last_us(), page.entries.last().map(|e| e.date_added_us));
        if page.more {
            assert_eq!(page.next_added_after_us, page.date_added_last_us(), "next resumes after the page");
        }
        ids.extend(page.entries.iter().map(|e| e.id.clone()));
        if !page.more {
            break;
        }
        query.added_after_us = page.next_added_after_us;
    }
    assert_eq!(sizes, vec![(10, true), (10, true), (5, false)], "page sizes and more flags");
    let expected: Vec<String> = batch.iter().map(|n| n.id.clone()).collect();
    assert_eq!(ids, expected, "pages chain in date_added order, without gap or overlap");

    let one = store.objects_page(&PageQuery::new(&coll, 0)).await.expect("limit 0");
    assert_eq!((one.entries.len(), one.more), (1, true), "a zero limit gives one entry");
    let big = store.objects_page(&PageQuery::new(&coll, MAX_PAGE_LIMIT * 10)).await.expect("big limit");
    assert_eq!((big.entries.len(), big.more), (25, false), "a limit above the maximum is not an error");
    let past = PageQuery { added_after_us: Some(i64::MAX - 1), ..PageQuery::new(&coll, 10) };
    let empty = store.objects_page(&past).await.expect("page past the end");
    assert!(empty.entries.is_empty() && !empty.more && empty.date_added_first_us().is_none());
}

/// `last` (default), `first`, `all`, timestamps, and their unions, with versions arriving out of
/// order.
pub async fn version_filters<S: Store>(store: S) {
    let coll = new_collection(&store, "version filters").await;
    let a = |m: i64| sdo("indicator", 1, ALICE, T0 + m);
    // v2 arrives first, then v1 (older), then v3 (newer); b has one version.
    for batch in [vec![a(2)], vec![a(1), sdo("indicator", 2, ALICE, T0 + 7)], vec![a(3)]] {
        ingest_ok(&store, &batch, Some(&coll)).await;
    }
    let (id_a, id_b) = (a(1).id, sdo("indicator", 2, ALICE, 0).id);
    let check = |versions, expected| check_versions(&store, &coll, versions, expected);
    check(VersionFilter::default(), vec![(&id_b, 7), (&id_a, 3)]).await;
    check(VersionFilter::last(), vec![(&id_b, 7), (&id_a, 3)]).await;
    check(VersionFilter::first(), vec![(&id_a, 1), (&id_b, 7)]).await;
    check(VersionFilter::all(), vec![(&id_a, 2), (&id_a, 1), (&id_b, 7), (&id_a, 3)]).await;
    check(VersionFilter::at(vec![T0 + 2]), vec![(&id_a, 2)]).await;
    check(VersionFilter::at(vec![T0 + 2, T0 + 7]), vec![(&id_a, 2), (&id_b, 7)]).await;
    let first_last = VersionFilter { first: true, last: true, ..VersionFilter::default() };
    check(first_last, vec![(&id_a, 1), (&id_b, 7), (&id_a, 3)]).await;
    let at_and_last = VersionFilter { last: true, at_us: vec![T0 + 2], ..VersionFilter::default() };
    check(at_and_last, vec![(&id_a, 2), (&id_b, 7), (&id_a, 3)]).await;
    let all_and_first = VersionFilter { all: true, first: true, ..VersionFilter::default() };
    check(all_and_first, vec![(&id_a, 2), (&id_a, 1), (&id_b, 7), (&id_a, 3)]).await;
}

async fn check_versions<S: Store>(
    store: &S,
    coll: &str,
    versions: VersionFilter,
    expected: Vec<(&str, i64)>,
) {
    let query = PageQuery { versions: versions.clone(), ..PageQuery::new(coll, 100) };
    let found = keys(&manifest_all(store, &query).await);
    let expected: Vec<(String, i64)> = expected.into_iter().map(|(id, v)| (id.to_owned(), T0 + v)).collect();
    assert_eq!(found, expected, "version filter {versions:?}");
}

/// `types`, `ids` and `spec_versions` each match any of several values, and combine with AND.
pub async fn filters_with_multiple_values<S: Store>(store: S) {
    let coll = new_collection(&store, "filters").await;
    let mut old = sdo("malware", 3, ALICE, T0 + 1);
    old.spec_version = "2.0".to_owned();
    let batch = [
        sdo("indicator", 1, ALICE, T0 + 1),
        sdo("malware", 2, ALICE, T0 + 1),
        old,
        sdo("report", 4, ALICE, T0 + 1),
    ];
    ingest_ok(&store, &batch, Some(&coll)).await;
    let ids = |entries: Vec<ManifestEntry>| entries.into_iter().map(|e| e.id).collect::<Vec<_>>();
    let id = |n: usize| batch[n].id.clone();
    let base = PageQuery::new(&coll, 100);

    let types = PageQuery { types: vec!["indicator".into(), "malware".into()], ..base.clone() };
    assert_eq!(ids(manifest_all(&store, &types).await), vec![id(0), id(1), id(2)], "types: any of two");
    let by_id = PageQuery { ids: vec![id(3), id(0), "indicator--nowhere".into()], ..base.clone() };
    assert_eq!(
        ids(manifest_all(&store, &by_id).await),
        vec![id(0), id(3)],
        "ids: any of three, date_added order"
    );
    let spec = PageQuery { spec_versions: vec!["2.0".into()], ..base.clone() };
    assert_eq!(ids(manifest_all(&store, &spec).await), vec![id(2)], "spec_version 2.0 only");
    let both = PageQuery { spec_versions: vec!["2.0".into(), "2.1".into()], ..base.clone() };
    assert_eq!(ids(manifest_all(&store, &both).await).len(), 4, "spec_version: any of two");
    let combined =
        PageQuery { types: vec!["malware".into()], spec_versions: vec!["2.1".into()], ..base.clone() };
    assert_eq!(ids(manifest_all(&store, &combined).await), vec![id(1)], "filters combine with AND");
    let ids_and_types = PageQuery { types: vec!["report".into()], ids: vec![id(0), id(3)], ..base };
    assert_eq!(ids(manifest_all(&store, &ids_and_types).await), vec![id(3)], "ids AND types");
}

/// Manifest entries are the objects page without JSON; objects are served byte-exact.
pub async fn manifest_matches_objects<S: Store>(store: S) {
    let coll = new_collection(&store, "manifest").await;
    let mut odd = sdo("note", 1, ALICE, T0 + 1);
    odd.json = "{\"id\":\"note--x\", \"content\":\"caf\u{e9} \\u00e9 \u{1F600}\",\"n\":1.50}".to_owned();
    let batch = [odd, sdo("indicator", 2, ALICE, T0 + 1), sdo("indicator", 2, ALICE, T0 + 2)];
    ingest_ok(&store, &batch, Some(&coll)).await;
    for versions in [VersionFilter::last(), VersionFilter::all()] {
        let query = PageQuery { versions, ..PageQuery::new(&coll, 100) };
        let objects = store.objects_page(&query).await.expect("objects");
        let manifest = store.manifest_page(&query).await.expect("manifest");
        assert_eq!(objects.more, manifest.more);
        let from_objects: Vec<_> = objects
            .entries
            .iter()
            .map(|o| (o.date_added_us, o.id.clone(), o.version_us, o.spec_version.clone()))
            .collect();
        let from_manifest: Vec<_> = manifest
            .entries
            .iter()
            .map(|m| (m.date_added_us, m.id.clone(), m.version_us, m.spec_version.clone()))
            .collect();
        assert_eq!(from_objects, from_manifest, "manifest = objects without JSON");
    }
    let page = store.objects_page(&PageQuery::new(&coll, 1)).await.expect("first object");
    assert_eq!(page.entries[0].json, batch[0].json, "JSON is served byte-exact");
    let manifest = store.manifest_page(&PageQuery::new(&coll, 1)).await.expect("manifest");
    assert_eq!(manifest.entries[0].media_type(), "application/stix+json;version=2.1");
}

/// One object's entries (objects/{id}/) and versions (objects/{id}/versions/).
pub async fn object_and_versions<S: Store>(store: S) {
    let coll = new_collection(&store, "object").await;
    let versions: Vec<_> = (1..=5).map(|m| sdo("indicator", 1, ALICE, T0 + m)).collect();
    ingest_ok(&store, &versions, Some(&coll)).await;
    ingest_ok(&store, &[sdo("indicator", 2, ALICE, T0 + 9)], Some(&coll)).await;
    let id = versions[0].id.clone();

    let latest = store.objects_page(&PageQuery::object(&coll, &id, 10)).await.expect("object");
    let found: Vec<_> = latest.entries.iter().map(|e| (e.id.as_str(), e.version_us)).collect();
    assert_eq!(found, vec![(id.as_str(), T0 + 5)], "objects/{{id}}/ gives the latest version by default");

    let mut query = PageQuery::object(&coll, &id, 2);
    query.versions = VersionFilter::first();
    let listed = store.versions_page(&query).await.expect("versions page");
    assert_eq!(listed.entries.len(), 2, "versions ignore the version filter and obey the limit");
    assert!(listed.more, "more versions follow");
    let all = manifest_all(
        &store,
        &PageQuery { versions: VersionFilter::all(), ..PageQuery::object(&coll, &id, 2) },
    )
    .await;
    let found: Vec<i64> = all.iter().map(|e| e.version_us).collect();
    assert_eq!(found, (1..=5).map(|m| T0 + m).collect::<Vec<_>>(), "every version, paged by two");
    let missing =
        store.objects_page(&PageQuery::object(&coll, "indicator--nowhere", 10)).await.expect("missing");
    assert!(missing.entries.is_empty() && !missing.more, "an unknown id gives an empty page");
}

/// Removing an object takes all its versions out of one collection only.
pub async fn remove_from_collection<S: Store>(store: S) {
    let (one, two) = (new_collection(&store, "one").await, new_collection(&store, "two").await);
    let versions = [sdo("indicator", 1, ALICE, T0 + 1), sdo("indicator", 1, ALICE, T0 + 2)];
    let other = sdo("indicator", 2, ALICE, T0 + 1);
    for coll in [&one, &two] {
        ingest_ok(&store, &versions, Some(coll)).await;
        ingest_ok(&store, std::slice::from_ref(&other), Some(coll)).await;
    }
    let removed = store.remove_object(&one, &versions[0].id, None).await.expect("remove");
    assert_eq!(removed, 2, "both versions leave the collection");
    let all = |coll: &str| PageQuery { versions: VersionFilter::all(), ..PageQuery::new(coll, 100) };
    let left: Vec<String> = manifest_all(&store, &all(&one)).await.into_iter().map(|e| e.id).collect();
    assert_eq!(left, vec![other.id.clone()], "only the other object is left");
    assert_eq!(manifest_all(&store, &all(&two)).await.len(), 3, "the other collection is untouched");
    assert_eq!(store.counts(None).await.expect("counts").versions, 3, "the versions stay stored");
    assert_eq!(store.remove_object(&one, &versions[0].id, None).await.expect("remove again"), 0);

    let back = ingest_ok(&store, &versions[..1], Some(&one)).await;
    assert!(super::stored(&back[0]), "a removed version can be added again");
    let unknown = store.remove_object(&uuid::Uuid::new_v4().to_string(), &other.id, None).await;
    assert!(matches!(unknown, Err(Error::CollectionNotFound(_))), "unknown collection: {unknown:?}");
}

/// A filter that hides more than `MAX_SCAN_PER_PAGE` entries gives short pages with `more` and a
/// cursor past the hidden entries, never an unbounded scan or a lost entry.
pub async fn page_stops_at_scan_bound<S: Store>(store: S) {
    let coll = new_collection(&store, "scan bound").await;
    let hidden = u32::try_from(MAX_SCAN_PER_PAGE).expect("small") + 10;
    let batch: Vec<_> = (0..hidden).map(|n| sdo("indicator", n, ALICE, T0 + 1)).collect();
    for chunk in batch.chunks(crate::MAX_BATCH_LEN) {
        ingest_ok(&store, chunk, Some(&coll)).await;
    }
    let wanted = sdo("malware", 1, ALICE, T0 + 1);
    ingest_ok(&store, std::slice::from_ref(&wanted), Some(&coll)).await;

    let query = PageQuery { types: vec!["malware".into()], ..PageQuery::new(&coll, 10) };
    let first = store.manifest_page(&query).await.expect("first page");
    assert!(first.entries.is_empty() && first.more, "the first page stops at the scan bound");
    assert!(first.next_added_after_us.is_some(), "and says where to resume");
    let found = manifest_all(&store, &query).await;
    assert_eq!(keys(&found), vec![(wanted.id, T0 + 1)], "the entry past the bound is found");
    let by_id = PageQuery { ids: vec![batch[5].id.clone()], ..PageQuery::new(&coll, 10) };
    let page = store.manifest_page(&by_id).await.expect("id page");
    assert_eq!((page.entries.len(), page.more), (1, false), "an id filter needs no scan");
}

/// Removing one owner's copy of an observable leaves the other owner's copy, which becomes the
/// collection's latest version of the id again.
pub async fn remove_one_owners_copy<S: Store>(store: S) {
    let coll = new_collection(&store, "one owner's copy").await;
    ingest_ok(&store, &[sco(7, ALICE, "10.0.0.7")], Some(&coll)).await;
    ingest_ok(&store, &[sco(7, BOB, "10.0.0.7")], Some(&coll)).await;
    let id = sco(7, ALICE, "10.0.0.7").id;
    let before = latest_entries(&store, &coll).await;
    assert_eq!(before.len(), 1, "one latest version of the id");
    assert_eq!(before[0].owner.as_deref(), Some(BOB), "Bob's copy came last");
    let nobody = "identity--33333333-3333-4333-8333-333333333333";
    assert_eq!(store.remove_object(&coll, &id, Some(nobody)).await.expect("remove nobody's"), 0);
    assert_eq!(store.remove_object(&coll, &id, Some(BOB)).await.expect("remove Bob's"), 1);
    let after = latest_entries(&store, &coll).await;
    assert_eq!(after.len(), 1, "Alice's copy is the latest now: {after:?}");
    assert_eq!(after[0].owner.as_deref(), Some(ALICE));
    let all = PageQuery { versions: VersionFilter::all(), ..PageQuery::new(&coll, 10) };
    assert_eq!(manifest_all(&store, &all).await.len(), 1, "only Alice's entry is left");
    assert_eq!(store.remove_object(&coll, &id, None).await.expect("remove the rest"), 1);
    assert!(latest_entries(&store, &coll).await.is_empty());
}

async fn latest_entries<S: Store>(store: &S, coll: &str) -> Vec<ObjectEntry> {
    store.objects_page(&PageQuery::new(coll, 10)).await.expect("page").entries
}
