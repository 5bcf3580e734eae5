//! Export scans and counts.

use std::collections::HashSet;

use super::{ALICE, BOB, T0, ingest_ok, new_collection, sco, sdo};
use crate::model::{ScanQuery, StoredVersion};
use crate::store::Store;

/// Every row of a scan, following its cursor.
pub(super) async fn scan_all<S: Store>(store: &S, query: ScanQuery) -> Vec<StoredVersion> {
    let mut query = query;
    let mut rows = Vec::new();
    for _ in 0..100_000 {
        let page = store.scan(&query).await.expect("scan page");
        assert!(page.rows.len() <= query.limit, "a scan page obeys its limit");
        rows.extend(page.rows);
        match page.next_after {
            None => return rows,
            Some(after) => query.after = Some(after),
        }
    }
    panic!("scan did not end");
}

/// A keyset scan visits every stored version exactly once, in sequence order, whatever the page
/// size; the latest-only, type and collection scans visit exactly their subsets.
pub async fn export_scan_covers_everything_once<S: Store>(store: S) {
    let coll = new_collection(&store, "export").await;
    let mut batch = Vec::new();
    for n in 0..120 {
        let object_type = if n % 3 == 0 { "malware" } else { "indicator" };
        batch.extend((1..=(n % 3 + 1)).map(|m| sdo(object_type, n, ALICE, T0 + i64::from(m))));
    }
    let (in_coll, outside) = batch.split_at(100);
    ingest_ok(&store, in_coll, Some(&coll)).await;
    ingest_ok(&store, outside, None).await;
    ingest_ok(&store, &[sco(1, ALICE, "10.0.0.1"), sco(1, BOB, "10.0.0.1")], None).await;
    let versions = batch.len() + 2;

    let rows = scan_all(&store, ScanQuery { limit: 37, ..ScanQuery::default() }).await;
    assert_eq!(rows.len(), versions, "every version once");
    assert!(rows.windows(2).all(|w| w[0].seq < w[1].seq), "in sequence order");
    let keys: HashSet<(&str, i64, &str)> =
        rows.iter().map(|r| (r.id.as_str(), r.version_us, r.owner.as_str())).collect();
    assert_eq!(keys.len(), versions, "no version twice");
    let json: HashSet<&str> = rows.iter().map(|r| r.json.as_str()).collect();
    assert!(batch.iter().all(|n| json.contains(n.json.as_str())), "every JSON is there");

    let latest = scan_all(&store, ScanQuery { limit: 10, latest_only: true, ..ScanQuery::default() }).await;
    assert_eq!(latest.len(), 120 + 2, "one latest per (id, owner)");
    assert!(latest.iter().all(|r| r.is_latest), "latest only");
    let malware = ScanQuery { limit: 7, object_type: Some("malware".into()), ..ScanQuery::default() };
    let malware = scan_all(&store, malware).await;
    assert_eq!(malware.len(), 40, "every malware version");
    assert!(malware.iter().all(|r| r.object_type == "malware"));

    let in_collection = ScanQuery { limit: 9, collection: Some(coll.clone()), ..ScanQuery::default() };
    let rows = scan_all(&store, in_collection.clone()).await;
    assert_eq!(rows.len(), in_coll.len(), "every version in the collection once");
    assert!(rows.windows(2).all(|w| w[0].date_added_us < w[1].date_added_us), "in date_added order");
    let last = scan_all(&store, ScanQuery { latest_only: true, ..in_collection }).await;
    let ids: HashSet<&str> = in_coll.iter().map(|n| n.id.as_str()).collect();
    assert_eq!(last.len(), ids.len(), "latest in the collection: one per id");
}

/// Counts of objects (distinct ids) and versions, overall and per collection.
pub async fn counts_objects_and_versions<S: Store>(store: S) {
    let coll = new_collection(&store, "counts").await;
    assert_eq!(store.counts(None).await.expect("counts").versions, 0, "a fresh store is empty");
    let batch = [
        sdo("indicator", 1, ALICE, T0 + 1),
        sdo("indicator", 1, ALICE, T0 + 2),
        sdo("indicator", 2, ALICE, T0 + 1),
    ];
    ingest_ok(&store, &batch[..2], Some(&coll)).await;
    ingest_ok(&store, &batch[2..], None).await;
    let all = store.counts(None).await.expect("counts");
    assert_eq!((all.objects, all.versions), (2, 3), "overall");
    let one = store.counts(Some(&coll)).await.expect("collection counts");
    assert_eq!((one.objects, one.versions), (1, 2), "in the collection");
}

/// Objects per owner over an activity query, checking each row's day is in its range.
async fn activity_totals<S: Store>(store: &S, query: &crate::model::ActivityQuery) -> Vec<(String, u64)> {
    use crate::model::DAY_US;
    let mut totals = std::collections::BTreeMap::new();
    for row in store.activity(query).await.expect("activity") {
        assert!((query.from_us / DAY_US..=query.to_us / DAY_US).contains(&row.day), "a day in range");
        *totals.entry(row.owner).or_insert(0) += row.objects;
    }
    totals.into_iter().collect()
}

/// Objects per owner and day: each `(id, owner)` once (however many versions), only what the
/// audience may see by the latest version's labels, by type, outside a collection, inside the
/// range; a range past [`MAX_ACTIVITY_DAYS`](crate::MAX_ACTIVITY_DAYS) is refused.
pub async fn activity_counts_by_owner_and_day<S: Store>(store: S) {
    use crate::model::{ActivityQuery, Audience, DAY_US};
    let coordination = new_collection(&store, "coordination").await;
    let mut tightened = sdo("indicator", 4, ALICE, T0 + 2);
    tightened.audience = vec!["org:nobody".to_owned()];
    ingest_ok(
        &store,
        &[
            sdo("indicator", 1, ALICE, T0 + 1),
            sdo("indicator", 1, ALICE, T0 + 2),
            sdo("indicator", 2, ALICE, T0 + 1),
            sdo("indicator", 4, ALICE, T0 + 1),
            tightened,
            sdo("malware", 3, BOB, T0 + 1),
            sco(1, ALICE, "10.0.0.1"),
            sco(1, BOB, "10.0.0.1"),
        ],
        None,
    )
    .await;
    ingest_ok(&store, &[sdo("note", 5, ALICE, T0 + 1)], Some(&coordination)).await;
    let now = crate::now_us();
    let all = ActivityQuery { from_us: now - DAY_US, to_us: now + DAY_US, ..ActivityQuery::default() };
    let pairs = |list: &[(&str, u64)]| list.iter().map(|(o, n)| ((*o).to_owned(), *n)).collect::<Vec<_>>();
    assert_eq!(activity_totals(&store, &all).await, pairs(&[(ALICE, 5), (BOB, 2)]), "each (id, owner) once");
    let outside = ActivityQuery { exclude_collection: Some(coordination.clone()), ..all.clone() };
    assert_eq!(
        activity_totals(&store, &outside).await,
        pairs(&[(ALICE, 4), (BOB, 2)]),
        "not that collection"
    );
    let malware = ActivityQuery { object_type: Some("malware".into()), ..all.clone() };
    assert_eq!(activity_totals(&store, &malware).await, pairs(&[(BOB, 1)]), "one type");
    let alice = ActivityQuery { audience: Audience::Labels(vec![format!("org:{ALICE}")]), ..all.clone() };
    assert_eq!(
        activity_totals(&store, &alice).await,
        pairs(&[(ALICE, 4)]),
        "the latest version's labels decide"
    );
    let none = ActivityQuery { audience: Audience::Labels(Vec::new()), ..all.clone() };
    assert!(activity_totals(&store, &none).await.is_empty(), "an empty audience sees nothing");
    let before = ActivityQuery { from_us: T0, to_us: T0 + DAY_US, ..all.clone() };
    assert!(activity_totals(&store, &before).await.is_empty(), "nothing added in another range");
    let long = ActivityQuery { to_us: all.from_us + 401 * DAY_US, ..all.clone() };
    assert!(matches!(store.activity(&long).await, Err(crate::Error::ActivityRange { .. })), "too long");
    let backwards = ActivityQuery { to_us: all.from_us, ..all };
    assert!(matches!(store.activity(&backwards).await, Err(crate::Error::ActivityRange { .. })), "empty");
}
