//! The audit log: appends number entries and batches without gaps and chain each batch to the
//! previous one; reads filter by organisation, time, operation and `seq`.

use crate::audit::{AuditLog, AuditQuery, AuditRow, GENESIS_HASH, MAX_AUDIT_BATCH_LEN, NewAuditEntry};

/// A stand-in for the real seal (SHA-256 in `selat-core`): FNV-1a over the previous hash and
/// every entry's `seq` and detail, so the chain and the order of entries show in the result.
fn test_seal(prev_hash: &str, entries: &[AuditRow]) -> String {
    let mut hash: u64 = 0xcbf2_9ce4_8422_2325;
    let mut eat = |bytes: &[u8]| {
        for byte in bytes {
            hash ^= u64::from(*byte);
            hash = hash.wrapping_mul(0x0100_0000_01b3);
        }
    };
    eat(prev_hash.as_bytes());
    for entry in entries {
        eat(&entry.seq.to_be_bytes());
        eat(entry.detail.as_bytes());
    }
    format!("{hash:016x}")
}

fn entry(at_us: i64, operation: &str, subjects: Option<&str>, detail: &str) -> NewAuditEntry {
    NewAuditEntry {
        at_us,
        actor_org: subjects.map(|s| s.split(',').next().unwrap_or(s).to_owned()),
        actor: "SG/analyst alice".to_owned(),
        operation: operation.to_owned(),
        subject_orgs: subjects.map(str::to_owned),
        detail: detail.to_owned(),
        count: 3,
        ids_hash: Some("ab".repeat(32)),
        outcome: "ok".to_owned(),
    }
}

fn query() -> AuditQuery {
    AuditQuery { limit: 100, ..AuditQuery::default() }
}

/// Appends give `seq` 1, 2, 3, … and batches 1, 2, …, each batch's `prev_hash` the hash before
/// it; entries come back whole; empty and oversized batches are refused.
pub async fn audit_append_and_chain<S: AuditLog>(store: S) {
    assert_eq!(store.audit_extent().await.expect("extent"), (0, 0));
    let first = vec![entry(10, "admin.user.create", None, "user a"), entry(11, "auth.failure", None, "x")];
    let b1 = store.append_audit(first.clone(), test_seal).await.expect("append");
    assert_eq!((b1.batch, b1.first_seq, b1.last_seq), (1, 1, 2));
    assert_eq!(b1.prev_hash, GENESIS_HASH);
    let b2 = store
        .append_audit(vec![entry(12, "taxii.objects.add", Some("SG"), "c")], test_seal)
        .await
        .expect("append");
    assert_eq!((b2.batch, b2.first_seq, b2.last_seq), (2, 3, 3));
    assert_eq!(b2.prev_hash, b1.hash, "each batch chains to the one before");
    let batches = store.audit_batches(0, 10).await.expect("batches");
    assert_eq!(batches, vec![b1.clone(), b2.clone()]);
    assert_eq!(store.audit_batches(1, 10).await.expect("batches after 1"), vec![b2.clone()]);
    let rows = store.audit_range(1, 3).await.expect("range");
    assert_eq!(rows.iter().map(|r| r.seq).collect::<Vec<_>>(), vec![1, 2, 3]);
    assert_eq!(rows[0], AuditRow::new(1, first[0].clone()), "an entry reads back whole");
    assert_eq!(b1.hash, test_seal(GENESIS_HASH, &rows[..2]), "the seal saw the stored rows");
    assert_eq!(store.audit_extent().await.expect("extent"), (3, 3));
    assert!(store.append_audit(Vec::new(), test_seal).await.is_err(), "an empty batch is refused");
    let too_many = vec![entry(1, "x", None, ""); MAX_AUDIT_BATCH_LEN + 1];
    assert!(store.append_audit(too_many, test_seal).await.is_err(), "an oversized batch is refused");
    assert_eq!(store.audit_extent().await.expect("extent"), (3, 3), "a refused batch stores nothing");
}

/// Concurrent appenders queue: batches stay numbered without gaps, each chained to the previous.
pub async fn audit_concurrent_appends_do_not_fork<S: AuditLog + Clone + 'static>(store: S) {
    let mut tasks = Vec::new();
    for task in 0..4 {
        let store = store.clone();
        tasks.push(tokio::spawn(async move {
            for n in 0..10 {
                let detail = format!("task {task} batch {n}");
                let batch = vec![entry(n, "admin.token.issue", None, &detail); 3];
                store.append_audit(batch, test_seal).await.expect("append");
            }
        }));
    }
    for task in tasks {
        task.await.expect("appender");
    }
    let batches = store.audit_batches(0, 100).await.expect("batches");
    assert_eq!(batches.len(), 40);
    let mut prev = GENESIS_HASH.to_owned();
    for (i, batch) in batches.iter().enumerate() {
        assert_eq!(batch.batch, i as i64 + 1);
        assert_eq!((batch.first_seq, batch.last_seq), (i as i64 * 3 + 1, i as i64 * 3 + 3));
        assert_eq!(batch.prev_hash, prev, "batch {} chains to the one before", batch.batch);
        let rows = store.audit_range(batch.first_seq, batch.last_seq).await.expect("range");
        assert_eq!(batch.hash, test_seal(&prev, &rows), "batch {} seals its own rows", batch.batch);
        prev = batch.hash.clone();
    }
    assert_eq!(store.audit_extent().await.expect("extent"), (120, 120));
}

/// Reads filter by subject organisation (a whole name in the list, not a prefix), time,
/// operation and `after`, oldest first, at most `limit`.
pub async fn audit_query_filters<S: AuditLog>(store: S) {
    let entries = vec![
        entry(100, "taxii.objects.read", Some("SG"), "1"),
        entry(200, "taxii.objects.read", Some("MY,SG"), "2"),
        entry(300, "taxii.objects.add", Some("SG-BANKING"), "3"),
        entry(400, "admin.org.create", None, "4"),
        entry(500, "taxii.objects.read", Some("MY"), "5"),
    ];
    store.append_audit(entries, test_seal).await.expect("append");
    let details = |rows: Vec<AuditRow>| rows.into_iter().map(|r| r.detail).collect::<Vec<_>>();
    let cases: Vec<(AuditQuery, Vec<&str>)> = vec![
        (query(), vec!["1", "2", "3", "4", "5"]),
        (AuditQuery { org: Some("SG".into()), ..query() }, vec!["1", "2"]),
        (AuditQuery { org: Some("MY".into()), ..query() }, vec!["2", "5"]),
        (AuditQuery { org: Some("SG-BANKING".into()), ..query() }, vec!["3"]),
        (AuditQuery { org: Some("S".into()), ..query() }, vec![]),
        (AuditQuery { org: Some("%".into()), ..query() }, vec![]),
        (AuditQuery { since_us: Some(300), ..query() }, vec!["3", "4", "5"]),
        (AuditQuery { operation: Some("taxii.objects.read".into()), ..query() }, vec!["1", "2", "5"]),
        (AuditQuery { operation: Some("taxii.objects".into()), ..query() }, vec![]),
        (AuditQuery { after: Some(2), ..query() }, vec!["3", "4", "5"]),
        (AuditQuery { limit: 2, ..query() }, vec!["1", "2"]),
        (AuditQuery { limit: 0, ..query() }, vec!["1"]),
        (
            AuditQuery {
                org: Some("MY".into()),
                operation: Some("taxii.objects.read".into()),
                since_us: Some(150),
                after: Some(2),
                limit: 10,
            },
            vec!["5"],
        ),
    ];
    for (q, expected) in cases {
        assert_eq!(details(store.audit_entries(&q).await.expect("query")), expected, "{q:?}");
    }
}
