//! The access rule inside the queries: audience labels on pages (both plans), manifests, scans,
//! the version rule, merged observable copies, sparse visibility, and removal.

use super::{ALICE, BOB, T0, ingest_ok, keys, manifest_all, new_collection, sco, sdo};
use crate::model::{Audience, NewVersion, PageQuery, ScanQuery, VersionFilter};
use crate::store::Store;

fn labelled(mut version: NewVersion, labels: &[&str]) -> NewVersion {
    version.audience = labels.iter().map(|l| (*l).to_owned()).collect();
    version
}

fn labels(list: &[&str]) -> Vec<String> {
    list.iter().map(|l| (*l).to_owned()).collect()
}

/// A viewer sees exactly the entries carrying one of its labels, on both page plans (range and
/// id filter), objects and manifest alike; no labels sees nothing; unrestricted sees all.
pub async fn audience_filters_pages<S: Store>(store: S) {
    let coll = new_collection(&store, "audience").await;
    let batch: Vec<_> = (0..30)
        .map(|n| {
            let tags: &[&str] = match n % 3 {
                0 => &["a"],
                1 => &["b"],
                _ => &["a", "b"],
            };
            labelled(sdo("indicator", n, ALICE, T0 + 1), tags)
        })
        .collect();
    ingest_ok(&store, &batch, Some(&coll)).await;
    let ids_with = |label: &str| -> Vec<String> {
        batch.iter().filter(|v| v.audience.iter().any(|l| l == label)).map(|v| v.id.clone()).collect()
    };
    for (viewer, expected) in [(vec!["a"], ids_with("a")), (vec!["b"], ids_with("b")), (vec!["c"], vec![])] {
        let query = PageQuery::new(&coll, 7).seen_by(labels(&viewer));
        let seen: Vec<String> = manifest_all(&store, &query).await.into_iter().map(|e| e.id).collect();
        assert_eq!(seen, expected, "viewer {viewer:?} sees its labels' entries, in order");
        let page = store.objects_page(&PageQuery::new(&coll, 1000).seen_by(labels(&viewer))).await.unwrap();
        let objects: Vec<String> = page.entries.into_iter().map(|e| e.id).collect();
        assert_eq!(objects, expected, "objects and manifest agree for {viewer:?}");
        for version in &batch {
            let one = PageQuery::object(&coll, &version.id, 10).seen_by(labels(&viewer));
            let found = !store.objects_page(&one).await.unwrap().entries.is_empty();
            assert_eq!(found, expected.contains(&version.id), "id plan agrees for {viewer:?} {}", version.id);
        }
    }
    let nobody = store.manifest_page(&PageQuery::new(&coll, 100).seen_by(Vec::new())).await.unwrap();
    assert!(nobody.entries.is_empty() && !nobody.more, "no labels, nothing");
    let all = manifest_all(&store, &PageQuery::new(&coll, 100)).await;
    assert_eq!(all.len(), 30, "unrestricted sees everything");
}

/// A version is visible only if the latest version of its `(id, owner)` is visible too:
/// tightening hides older versions, loosening never exposes an older, tighter one.
pub async fn older_versions_follow_the_latest<S: Store>(store: S) {
    let coll = new_collection(&store, "versions and markings").await;
    // Tightened: v1 shared with a and b, v2 only with b.
    let tight = |m, tags: &[&str]| labelled(sdo("report", 1, ALICE, T0 + m), tags);
    // Loosened: v1 only with a, v2 with a and b.
    let loose = |m, tags: &[&str]| labelled(sdo("report", 2, ALICE, T0 + m), tags);
    ingest_ok(&store, &[tight(1, &["a", "b"]), loose(1, &["a"])], Some(&coll)).await;
    ingest_ok(&store, &[tight(2, &["b"]), loose(2, &["a", "b"])], Some(&coll)).await;
    let (tight_id, loose_id) = (tight(1, &[]).id, loose(1, &[]).id);
    let every = |viewer: &[&str]| PageQuery {
        versions: VersionFilter::all(),
        ..PageQuery::new(&coll, 100).seen_by(labels(viewer))
    };
    let mut a = keys(&manifest_all(&store, &every(&["a"])).await);
    a.sort();
    assert_eq!(a, vec![(loose_id.clone(), T0 + 1), (loose_id.clone(), T0 + 2)], "a: tightened object gone");
    let mut b = keys(&manifest_all(&store, &every(&["b"])).await);
    b.sort();
    let mut want_b = vec![(tight_id.clone(), T0 + 1), (tight_id.clone(), T0 + 2), (loose_id.clone(), T0 + 2)];
    want_b.sort();
    assert_eq!(b, want_b, "b: only versions whose own markings allow it");
    for (viewer, id, expected) in [(&["a"][..], &tight_id, 0), (&["b"], &loose_id, 1), (&["b"], &tight_id, 2)]
    {
        let query = PageQuery {
            versions: VersionFilter::all(),
            ..PageQuery::object(&coll, id, 10).seen_by(labels(viewer))
        };
        let versions = store.versions_page(&query).await.unwrap().entries.len();
        assert_eq!(versions, expected, "versions of {id} seen by {viewer:?}");
    }
    let scan = ScanQuery { limit: 100, audience: Audience::Labels(labels(&["a"])), ..ScanQuery::default() };
    let scanned: Vec<(String, i64)> =
        store.scan(&scan).await.unwrap().rows.into_iter().map(|r| (r.id, r.version_us)).collect();
    assert_eq!(scanned.len(), 2, "export scans apply the same rule: {scanned:?}");
    assert!(scanned.iter().all(|(id, _)| id == &loose_id));
    let row = &store.scan(&ScanQuery { limit: 1, ..ScanQuery::default() }).await.unwrap().rows[0];
    assert_eq!(row.audience, labels(&["a", "b"]), "scans carry each version's labels, sorted");
}

/// The same observable held by two owners under different labels: each copy is its owner's
/// version (stamped when stored), so a viewer sees each copy it may see; under `last`, the latest
/// copy it may see — another owner's later copy it may not see hides nothing. Copies that share a
/// stated version are one result per `(id, version)`, the first the viewer may see.
pub async fn observable_copies_merge<S: Store>(store: S) {
    let coll = new_collection(&store, "observable copies").await;
    ingest_ok(&store, &[labelled(sco(1, ALICE, "198.51.100.7"), &["alice", "x"])], Some(&coll)).await;
    ingest_ok(&store, &[labelled(sco(1, BOB, "198.51.100.7"), &["bob", "y"])], Some(&coll)).await;
    let all_versions = PageQuery { versions: VersionFilter::all(), ..PageQuery::new(&coll, 100) };
    let every = store.objects_page(&all_versions).await.unwrap().entries;
    assert_eq!(every.len(), 2, "two copies, two entries");
    let (alice_at, bob_at) = (every[0].date_added_us, every[1].date_added_us);
    let last = |viewer: &[&str]| {
        let query = PageQuery::new(&coll, 100).seen_by(labels(viewer));
        let store = &store;
        async move {
            store
                .objects_page(&query)
                .await
                .unwrap()
                .entries
                .iter()
                .map(|e| e.date_added_us)
                .collect::<Vec<_>>()
        }
    };
    assert_eq!(last(&["x"]).await, vec![alice_at], "alice's copy is the latest x may see");
    assert_eq!(last(&["y"]).await, vec![bob_at]);
    assert_eq!(last(&["x", "y"]).await, vec![bob_at], "the latest of the two");
    assert!(last(&["z"]).await.is_empty());
    let first =
        PageQuery { versions: VersionFilter::first(), ..PageQuery::new(&coll, 100).seen_by(labels(&["y"])) };
    let first: Vec<i64> =
        store.objects_page(&first).await.unwrap().entries.iter().map(|e| e.date_added_us).collect();
    assert_eq!(first, vec![bob_at], "the earliest y may see");

    // Stated versions: the same (id, version) from two owners is one result.
    let stated = |owner: &str, tags: &[&str]| {
        let mut v = labelled(sco(2, owner, "203.0.113.9"), tags);
        v.modified_us = Some(T0);
        v
    };
    ingest_ok(&store, &[stated(ALICE, &["alice", "x"])], Some(&coll)).await;
    ingest_ok(&store, &[stated(BOB, &["bob", "y"])], Some(&coll)).await;
    let id = stated(ALICE, &[]).id;
    let one = PageQuery { versions: VersionFilter::all(), ..PageQuery::object(&coll, &id, 10) };
    assert_eq!(store.objects_page(&one).await.unwrap().entries.len(), 2, "the operator sees both entries");
    let both = store.objects_page(&one.clone().seen_by(labels(&["x", "y"]))).await.unwrap().entries;
    assert_eq!(both.len(), 1, "one result per (id, version)");
    let only_y = store.objects_page(&one.clone().seen_by(labels(&["y"]))).await.unwrap().entries;
    assert_eq!(only_y.len(), 1, "bob's copy alone");
    assert!(only_y[0].date_added_us > both[0].date_added_us, "y gets bob's, the later entry");
}

/// A viewer who may see 1% of a collection pages through exactly its entries, each once, in a
/// few pages, however many entries it may not see lie between.
pub async fn sparse_visibility_pages_cheaply<S: Store>(store: S) {
    let coll = new_collection(&store, "sparse").await;
    let batch: Vec<_> = (0..5000)
        .map(|n| {
            let tag = if n % 100 == 7 { "rare" } else { "common" };
            labelled(sdo("indicator", n, ALICE, T0 + 1), &[tag])
        })
        .collect();
    ingest_ok(&store, &batch, Some(&coll)).await;
    let mut query = PageQuery::new(&coll, 20).seen_by(labels(&["rare"]));
    let (mut seen, mut pages) = (Vec::new(), 0);
    loop {
        let page = store.manifest_page(&query).await.unwrap();
        pages += 1;
        seen.extend(page.entries.into_iter().map(|e| e.id));
        if !page.more {
            break;
        }
        query.added_after_us = page.next_added_after_us;
    }
    let expected: Vec<String> =
        batch.iter().filter(|v| v.audience[0] == "rare").map(|v| v.id.clone()).collect();
    assert_eq!(seen, expected, "every visible entry once, in order");
    assert!(pages <= 4, "50 entries in pages of 20 took {pages} pages");
}

/// Removing an object from a collection removes it from every viewer's pages too.
pub async fn removal_reaches_viewers<S: Store>(store: S) {
    let coll = new_collection(&store, "removal and audience").await;
    let batch: Vec<_> = (0..5).map(|n| labelled(sdo("indicator", n, ALICE, T0 + 1), &["a"])).collect();
    ingest_ok(&store, &batch, Some(&coll)).await;
    assert_eq!(store.remove_object(&coll, &batch[2].id, None).await.unwrap(), 1);
    let seen: Vec<String> = manifest_all(&store, &PageQuery::new(&coll, 2).seen_by(labels(&["a"])))
        .await
        .into_iter()
        .map(|e| e.id)
        .collect();
    let expected: Vec<String> = batch.iter().filter(|v| v.id != batch[2].id).map(|v| v.id.clone()).collect();
    assert_eq!(seen, expected);
}
