//! Ingest behaviours: idempotency, ownership, SCO copies, versions, concurrency, durability.

use std::collections::HashSet;
use std::future::Future;

use super::{ALICE, BOB, T0, ingest_ok, keys, manifest_all, new_collection, sco, sdo, stored};
use crate::model::{Outcome, PageQuery, Refusal, ScanQuery, VersionFilter};
use crate::store::Store;

/// Re-sending versions is a no-op reported as already present; the same key with other content
/// is refused; nothing is duplicated.
pub async fn idempotent_reinsert<S: Store>(store: S) {
    let coll = new_collection(&store, "idempotent").await;
    let batch: Vec<_> = (0..3).map(|n| sdo("indicator", n, ALICE, T0 + 1)).collect();
    let first = ingest_ok(&store, &batch, Some(&coll)).await;
    assert!(first.iter().all(stored), "first insert stores every object: {first:?}");

    let again = ingest_ok(&store, &batch, Some(&coll)).await;
    assert!(again.iter().all(|o| *o == Outcome::AlreadyPresent), "re-insert is a no-op: {again:?}");
    let dup = [sdo("indicator", 9, ALICE, T0 + 1), sdo("indicator", 9, ALICE, T0 + 1)];
    let within = ingest_ok(&store, &dup, None).await;
    assert_eq!(within[1], Outcome::AlreadyPresent, "a duplicate within one batch is already present");

    let mut changed = sdo("indicator", 0, ALICE, T0 + 1);
    changed.json = changed.json.replace("}", r#","name":"other"}"#);
    let conflict = ingest_ok(&store, &[changed], Some(&coll)).await;
    let refused = Outcome::Refused { reason: Refusal::VersionConflict };
    assert_eq!(conflict, vec![refused], "same (id, version, owner) with other content is refused");

    let counts = store.counts(None).await.expect("counts");
    assert_eq!((counts.objects, counts.versions), (4, 4), "nothing was duplicated");
    let entries = manifest_all(&store, &PageQuery::new(&coll, 100)).await;
    assert_eq!(entries.len(), 3, "the collection holds each version once");

    // An existing version sent to another collection is added there, and only once.
    let other = new_collection(&store, "second").await;
    let added = ingest_ok(&store, &batch[..1], Some(&other)).await;
    assert!(matches!(added[0], Outcome::Stored { date_added_us: Some(_) }), "added to a new collection");
    let again = ingest_ok(&store, &batch[..1], Some(&other)).await;
    assert_eq!(again[0], Outcome::AlreadyPresent, "and only once");
}

/// Only the owner of a (non-SCO) id adds versions; a batch mixing good and refused objects stores
/// the good ones.
pub async fn not_owner_refused<S: Store>(store: S) {
    let coll = new_collection(&store, "ownership").await;
    ingest_ok(&store, &[sdo("malware", 1, ALICE, T0 + 1)], Some(&coll)).await;

    let batch =
        [sdo("malware", 1, BOB, T0 + 2), sdo("malware", 2, BOB, T0 + 2), sdo("malware", 1, ALICE, T0 + 3)];
    let outcomes = ingest_ok(&store, &batch, Some(&coll)).await;
    assert_eq!(
        outcomes[0],
        Outcome::Refused { reason: Refusal::NotOwner },
        "another owner's version is refused"
    );
    assert_eq!(Refusal::NotOwner.as_str(), "not-owner", "the reason's wire text");
    assert!(stored(&outcomes[1]), "a new id of the other owner is stored: {outcomes:?}");
    assert!(stored(&outcomes[2]), "the owner's own new version is stored: {outcomes:?}");

    let versions = store.versions_page(&PageQuery::object(&coll, &batch[0].id, 100)).await.expect("versions");
    let found: Vec<i64> = versions.entries.iter().map(|e| e.version_us).collect();
    assert_eq!(found, vec![T0 + 1, T0 + 3], "the refused version is nowhere");

    let bob_first =
        ingest_ok(&store, &[sdo("malware", 3, BOB, T0 + 1), sdo("malware", 3, ALICE, T0 + 2)], None).await;
    let refused = Outcome::Refused { reason: Refusal::NotOwner };
    assert_eq!(bob_first[1], refused, "ownership set earlier in the same batch holds");
}

/// The same SCO from two owners is two copies; each owner's re-send is a no-op.
pub async fn sco_copies_per_owner<S: Store>(store: S) {
    let coll = new_collection(&store, "sco").await;
    let outcomes =
        ingest_ok(&store, &[sco(1, ALICE, "10.0.0.1"), sco(1, BOB, "10.0.0.1")], Some(&coll)).await;
    assert!(outcomes.iter().all(stored), "both owners' copies are stored: {outcomes:?}");
    let again = ingest_ok(&store, &[sco(1, BOB, "10.0.0.1")], Some(&coll)).await;
    assert_eq!(again[0], Outcome::AlreadyPresent, "a copy re-sent by its owner is a no-op");

    let counts = store.counts(None).await.expect("counts");
    assert_eq!((counts.objects, counts.versions), (1, 2), "one object id, two copies");
    let rows = store.scan(&ScanQuery { limit: 100, ..ScanQuery::default() }).await.expect("scan").rows;
    let owners: HashSet<&str> = rows.iter().map(|r| r.owner.as_str()).collect();
    assert_eq!(owners, HashSet::from([ALICE, BOB]), "each copy keeps its owner");
    assert!(rows.iter().all(|r| r.is_latest && r.is_sco), "each copy is its owner's latest");
}

/// The version is `modified`, else `created`, else the first `date_added`.
pub async fn version_is_modified_created_or_date_added<S: Store>(store: S) {
    let coll = new_collection(&store, "versions").await;
    let modified = sdo("indicator", 1, ALICE, T0 + 5);
    let mut created = sdo("marking-definition", 2, ALICE, 0);
    created.modified_us = None;
    let batch = [modified, created, sco(3, ALICE, "10.0.0.3")];
    let outcomes = ingest_ok(&store, &batch, Some(&coll)).await;
    let entries =
        manifest_all(&store, &PageQuery { versions: VersionFilter::all(), ..PageQuery::new(&coll, 100) })
            .await;
    assert_eq!(entries[0].version_us, T0 + 5, "version = modified");
    assert_eq!(entries[1].version_us, T0, "version = created without modified");
    assert_eq!(entries[2].version_us, entries[2].date_added_us, "version = date_added without either");
    assert_eq!(outcomes[2], Outcome::Stored { date_added_us: Some(entries[2].date_added_us) });

    let same = ingest_ok(&store, &[sco(3, ALICE, "10.0.0.3")], Some(&coll)).await;
    assert_eq!(same[0], Outcome::AlreadyPresent, "identical content without timestamps is already present");
    let changed = ingest_ok(&store, &[sco(3, ALICE, "10.0.0.33")], Some(&coll)).await;
    let Outcome::Stored { date_added_us: Some(added) } = changed[0] else {
        panic!("changed content without timestamps is a new version: {changed:?}");
    };
    let versions = store.versions_page(&PageQuery::object(&coll, &batch[2].id, 100)).await.expect("versions");
    let found: Vec<i64> = versions.entries.iter().map(|e| e.version_us).collect();
    assert_eq!(found, vec![entries[2].version_us, added], "the new version is its date_added");

    let loose_sco = sco(4, ALICE, "10.0.0.4");
    let loose = ingest_ok(&store, std::slice::from_ref(&loose_sco), None).await;
    assert_eq!(loose[0], Outcome::Stored { date_added_us: None }, "no collection, no date_added");
    let rows = store.scan(&ScanQuery { limit: 100, ..ScanQuery::default() }).await.expect("scan").rows;
    let row = rows.iter().find(|r| r.id == loose_sco.id).expect("the loose SCO");
    assert_eq!(row.version_us, row.stored_us, "outside a collection, version = time first stored");
}

/// Writers racing into one collection get strictly increasing `date_added`; a reader paging by
/// `added_after` meanwhile sees every entry exactly once.
pub async fn concurrent_writers_date_added_strictly_increasing<S: Store + Clone + 'static>(store: S) {
    const WRITERS: u32 = 4;
    const BATCHES: u32 = 15;
    const PER_BATCH: u32 = 40;
    let coll = new_collection(&store, "race").await;
    let mut writers = Vec::new();
    for w in 0..WRITERS {
        let (store, coll) = (store.clone(), coll.clone());
        writers.push(tokio::spawn(async move {
            for b in 0..BATCHES {
                let base = (w * BATCHES + b) * PER_BATCH;
                let batch: Vec<_> =
                    (base..base + PER_BATCH).map(|n| sdo("indicator", n, ALICE, T0 + 1)).collect();
                store.ingest(&batch, Some(&coll)).await.expect("concurrent ingest");
                tokio::task::yield_now().await;
            }
        }));
    }
    let reader = tokio::spawn(read_while_written(store.clone(), coll.clone(), writers));
    let seen = reader.await.expect("reader task");
    let total = (WRITERS * BATCHES * PER_BATCH) as usize;
    let unique: HashSet<&String> = seen.iter().map(|(id, _)| id).collect();
    assert_eq!(unique.len(), seen.len(), "the reader saw an entry twice");
    assert_eq!(seen.len(), total, "the reader missed entries");
    for pair in seen.windows(2) {
        assert!(pair[0].1 < pair[1].1, "date_added not strictly increasing: {pair:?}");
    }
}

/// Pages through `coll` until the writers are done and the last page is drained.
async fn read_while_written<S: Store>(
    store: S,
    coll: String,
    writers: Vec<tokio::task::JoinHandle<()>>,
) -> Vec<(String, i64)> {
    let mut seen = Vec::new();
    let mut query = PageQuery::new(&coll, 37);
    loop {
        // Checked before the page: an empty last page then proves every commit was read.
        let done = writers.iter().all(|w| w.is_finished());
        let page = store.manifest_page(&query).await.expect("page while writing");
        let drained = page.entries.is_empty() && !page.more;
        if let Some(next) = page.next_added_after_us.or(page.date_added_last_us()) {
            query.added_after_us = Some(next);
        }
        seen.extend(page.entries.into_iter().map(|e| (e.id, e.date_added_us)));
        if done && drained {
            break;
        }
        tokio::task::yield_now().await;
    }
    for w in writers {
        w.await.expect("writer task");
    }
    seen
}

/// Everything acknowledged is there after the store is closed and opened again; `date_added`
/// keeps increasing across the reopen.
pub async fn durable_across_reopen<S, F, Fut>(open: F)
where
    S: Store,
    F: Fn() -> Fut,
    Fut: Future<Output = S>,
{
    let (coll, before) = {
        let store = open().await;
        let coll = new_collection(&store, "durable").await;
        let batch: Vec<_> = (0..50).map(|n| sdo("report", n, ALICE, T0 + 1)).collect();
        ingest_ok(&store, &batch, Some(&coll)).await;
        let before = manifest_all(&store, &PageQuery::new(&coll, 1000)).await;
        (coll, before)
    };
    let store = open().await;
    assert!(store.collection(&coll).await.expect("collection").is_some(), "the collection survives");
    let after = manifest_all(&store, &PageQuery::new(&coll, 1000)).await;
    assert_eq!(after, before, "every acknowledged entry survives reopening");
    let outcomes = ingest_ok(&store, &[sdo("report", 99, ALICE, T0 + 1)], Some(&coll)).await;
    let Outcome::Stored { date_added_us: Some(added) } = outcomes[0] else { panic!("stored: {outcomes:?}") };
    let last = before.last().map(|e| e.date_added_us).unwrap_or_default();
    assert!(added > last, "date_added keeps increasing after reopen ({added} <= {last})");
    assert_eq!(keys(&after).len(), 50);
}

/// How a reader moves from one page to the next.
#[derive(Debug, Clone, Copy)]
enum Chain {
    /// `added_after` = the page's last `date_added` (`X-TAXII-Date-Added-Last`), as a client
    /// polling a collection does.
    AddedAfter,
    /// `next_added_after_us` while the page says `more`, then the last `date_added` to poll on.
    NextCursor,
}

/// Eight writers race into one collection while two readers page through it, one chaining
/// `added_after`, the other following `next` cursors: each reader sees every entry exactly once,
/// in strictly increasing `date_added`, with the `date_added` its writer was told.
pub async fn concurrent_writers_two_readers_see_every_entry_once<S: Store + Clone + 'static>(store: S) {
    const WRITERS: u32 = 8;
    const BATCHES: u32 = 10;
    const PER_BATCH: u32 = 50;
    let coll = new_collection(&store, "race, two readers").await;
    let done = std::sync::Arc::new(std::sync::atomic::AtomicBool::new(false));
    let mut writers = Vec::new();
    for w in 0..WRITERS {
        let (store, coll) = (store.clone(), coll.clone());
        writers.push(tokio::spawn(async move {
            let mut acked = Vec::new();
            for b in 0..BATCHES {
                let base = (w * BATCHES + b) * PER_BATCH;
                let batch: Vec<_> =
                    (base..base + PER_BATCH).map(|n| sdo("indicator", n, ALICE, T0 + 1)).collect();
                let outcomes = store.ingest(&batch, Some(&coll)).await.expect("concurrent ingest");
                for (new, outcome) in batch.into_iter().zip(outcomes) {
                    let Outcome::Stored { date_added_us: Some(added) } = outcome else {
                        panic!("a new object is stored with a date_added: {outcome:?}");
                    };
                    acked.push((new.id, added));
                }
                tokio::task::yield_now().await;
            }
            acked
        }));
    }
    let readers = [Chain::AddedAfter, Chain::NextCursor]
        .map(|chain| tokio::spawn(read_chained(store.clone(), coll.clone(), chain, done.clone())));
    let mut acked = std::collections::HashMap::new();
    for w in writers {
        let mine = w.await.expect("writer task");
        assert!(mine.windows(2).all(|p| p[0].1 < p[1].1), "one writer's date_added values increase");
        acked.extend(mine);
    }
    done.store(true, std::sync::atomic::Ordering::SeqCst);
    let total = (WRITERS * BATCHES * PER_BATCH) as usize;
    assert_eq!(acked.len(), total, "every object acknowledged once");
    for (reader, chain) in readers.into_iter().zip(["added_after", "next cursor"]) {
        let seen = reader.await.expect("reader task");
        let unique: HashSet<&String> = seen.iter().map(|(id, _)| id).collect();
        assert_eq!(unique.len(), seen.len(), "the {chain} reader saw an entry twice");
        assert_eq!(seen.len(), total, "the {chain} reader missed entries");
        for pair in seen.windows(2) {
            assert!(pair[0].1 < pair[1].1, "{chain}: date_added not strictly increasing: {pair:?}");
        }
        for (id, added) in &seen {
            assert_eq!(acked.get(id), Some(added), "{chain}: {id} has the date_added its writer was told");
        }
    }
}

/// Pages through `coll` by `chain` until `done` was set before a page that came back drained.
async fn read_chained<S: Store>(
    store: S,
    coll: String,
    chain: Chain,
    done: std::sync::Arc<std::sync::atomic::AtomicBool>,
) -> Vec<(String, i64)> {
    let mut seen = Vec::new();
    let mut after = None;
    loop {
        // Checked before the page: an empty last page then proves every commit was read.
        let finished = done.load(std::sync::atomic::Ordering::SeqCst);
        let (entries, more, next) = match chain {
            Chain::AddedAfter => {
                let query = PageQuery { added_after_us: after, ..PageQuery::new(&coll, 37) };
                let page = store.manifest_page(&query).await.expect("manifest page while writing");
                let entries: Vec<_> = page.entries.into_iter().map(|e| (e.id, e.date_added_us)).collect();
                (entries, page.more, page.next_added_after_us)
            }
            Chain::NextCursor => {
                let query = PageQuery { added_after_us: after, ..PageQuery::new(&coll, 64) };
                let page = store.objects_page(&query).await.expect("objects page while writing");
                assert!(page.entries.iter().all(|e| e.json.contains(&e.id)), "objects carry their JSON");
                let entries: Vec<_> = page.entries.into_iter().map(|e| (e.id, e.date_added_us)).collect();
                (entries, page.more, page.next_added_after_us)
            }
        };
        let last = entries.last().map(|e| e.1);
        after = match chain {
            // An empty page with `more` stopped at the scan bound: only its cursor moves on.
            Chain::AddedAfter => last.or(next).or(after),
            Chain::NextCursor if more => Some(next.expect("a page with more has a next cursor")),
            Chain::NextCursor => last.or(after),
        };
        let drained = entries.is_empty() && !more;
        seen.extend(entries);
        if finished && drained {
            return seen;
        }
        tokio::task::yield_now().await;
    }
}

/// Writers into different collections (and into none) race on the same ids, as federation and
/// local submitters do: every version is stored once, each copy keeps exactly one latest
/// version, each id keeps one owner, and every collection holds every version sent to it.
pub async fn concurrent_writers_across_collections<S: Store + Clone + 'static>(store: S) {
    const WRITERS: u32 = 8;
    const IDS: u32 = 40;
    const ROUNDS: i64 = 3;
    let mut collections = Vec::new();
    for w in 0..WRITERS {
        // The last writer ingests into no collection.
        let coll = if w + 1 < WRITERS { Some(new_collection(&store, "shared ids").await) } else { None };
        collections.push(coll);
    }
    let mut writers = Vec::new();
    for (w, coll) in (0..WRITERS).zip(collections.clone()) {
        let store = store.clone();
        let owner = if w % 2 == 0 { ALICE } else { BOB };
        writers.push(tokio::spawn(async move {
            let mut outcomes = Vec::new();
            for round in 1..=ROUNDS {
                // Each writer sends the ids in its own order, so the races differ.
                let mut batch: Vec<_> = (0..IDS).map(|n| sdo("indicator", n, ALICE, T0 + round)).collect();
                batch.extend((0..IDS / 4).map(|n| sdo("malware", n, owner, T0 + round)));
                batch.extend((0..IDS / 4).map(|n| sco(n, owner, &format!("10.0.1.{n}"))));
                let start = (w * 7) as usize % batch.len();
                batch.rotate_left(start);
                let got = store.ingest(&batch, coll.as_deref()).await.expect("concurrent ingest");
                outcomes.extend(batch.into_iter().zip(got));
                tokio::task::yield_now().await;
            }
            outcomes
        }));
    }
    let mut sent = Vec::new();
    for w in writers {
        sent.push(w.await.expect("writer task"));
    }
    check_shared_ids(&store, &collections, &sent, IDS, ROUNDS).await;
}

async fn check_shared_ids<S: Store>(
    store: &S,
    collections: &[Option<String>],
    sent: &[Vec<(crate::model::NewVersion, Outcome)>],
    ids: u32,
    rounds: i64,
) {
    let rows = super::scan::scan_all(store, ScanQuery { limit: 1000, ..ScanQuery::default() }).await;
    let keys: HashSet<(&str, i64, &str)> =
        rows.iter().map(|r| (r.id.as_str(), r.version_us, r.owner.as_str())).collect();
    assert_eq!(keys.len(), rows.len(), "no version is stored twice");
    let mut latest = std::collections::HashMap::new();
    let mut owners: std::collections::HashMap<&str, HashSet<&str>> = std::collections::HashMap::new();
    for r in &rows {
        if r.is_latest {
            *latest.entry((r.id.as_str(), r.owner.as_str())).or_insert(0) += 1;
        }
        owners.entry(r.id.as_str()).or_default().insert(r.owner.as_str());
    }
    let copies: HashSet<(&str, &str)> = rows.iter().map(|r| (r.id.as_str(), r.owner.as_str())).collect();
    assert!(copies.iter().all(|c| latest.get(c) == Some(&1)), "each copy has exactly one latest version");
    let indicators = rows.iter().filter(|r| r.object_type == "indicator").count();
    assert_eq!(indicators, ids as usize * rounds as usize, "each indicator version once");
    assert!(
        rows.iter().filter(|r| !r.is_sco).all(|r| owners[r.id.as_str()].len() == 1),
        "each non-SCO id has one owner"
    );
    let scos = rows.iter().filter(|r| r.is_sco).count();
    assert_eq!(scos, ids as usize / 4 * 2, "one copy of each SCO per owner, each content once");
    for (new, outcome) in sent.iter().flatten() {
        let own = owners[new.id.as_str()].contains(new.owner.as_str());
        let refused = *outcome == Outcome::Refused { reason: Refusal::NotOwner };
        assert_eq!(refused, !own, "{} from {}: {outcome:?}", new.id, new.owner);
    }
    for coll in collections.iter().flatten() {
        let all = PageQuery {
            versions: VersionFilter::all(),
            types: vec!["indicator".into()],
            ..PageQuery::new(coll, 500)
        };
        assert_eq!(
            manifest_all(store, &all).await.len(),
            ids as usize * rounds as usize,
            "every version sent"
        );
        for (versions, expected) in [(VersionFilter::first(), T0 + 1), (VersionFilter::last(), T0 + rounds)] {
            let query = PageQuery { versions, types: vec!["indicator".into()], ..PageQuery::new(coll, 500) };
            let found = manifest_all(store, &query).await;
            assert_eq!(found.len(), ids as usize, "one first and one last entry per id");
            assert!(found.iter().all(|e| e.version_us == expected), "first/last flags in {coll}");
        }
    }
}
