//! Throwaway: durable ingest throughput and page latency on a fresh SQLite file.
use std::time::Instant;

use selat_store::{NewCollection, NewVersion, PageQuery, SqliteStore, Store};

fn object(n: u64) -> NewVersion {
    let id = format!("indicator--{:08x}-0000-4000-8000-{:012x}", n >> 20, n);
    let json = format!(
        r#"{{"created":"2024-01-01T00:00:00.000Z","created_by_ref":"identity--11111111-1111-4111-8111-111111111111","id":"{id}","indicator_types":["malicious-activity"],"modified":"2024-01-01T00:00:00.000Z","name":"Bad IP {n}","object_marking_refs":["marking-definition--bab4a63c-aed9-4cf5-a766-dfca5abac2bb"],"pattern":"[ipv4-addr:value = '10.{}.{}.{}']","pattern_type":"stix","spec_version":"2.1","type":"indicator","valid_from":"2024-01-01T00:00:00Z"}}"#,
        (n >> 16) & 255,
        (n >> 8) & 255,
        n & 255
    );
    NewVersion {
        id,
        object_type: "indicator".into(),
        spec_version: "2.1".into(),
        created_us: Some(1_704_067_200_000_000),
        modified_us: Some(1_704_067_200_000_000),
        created_by_ref: Some("identity--11111111-1111-4111-8111-111111111111".into()),
        revoked: false,
        tlp: Some("green".into()),
        scope: "community".into(),
        confidence: Some(80),
        is_sco: false,
        owner: "identity--11111111-1111-4111-8111-111111111111".into(),
        json,
    }
}

#[tokio::main(flavor = "multi_thread", worker_threads = 2)]
async fn main() {
    let total: u64 = std::env::args().nth(1).and_then(|a| a.parse().ok()).unwrap_or(200_000);
    let path = std::env::args().nth(2).unwrap_or_else(|| "/tmp/selat-bench.db".into());
    for suffix in ["", "-wal", "-shm"] {
        let _ = std::fs::remove_file(format!("{path}{suffix}"));
    }
    let store = SqliteStore::open(&path).await.unwrap();
    let coll = uuid::Uuid::new_v4().to_string();
    let new = NewCollection {
        id: coll.clone(),
        title: "bench".into(),
        description: None,
        alias: None,
        media_types: vec![],
    };
    store.create_collection(&new).await.unwrap();
    let start = Instant::now();
    let mut window = Instant::now();
    let mut n = 0;
    while n < total {
        let batch: Vec<_> = (n..n + 1000).map(object).collect();
        store.ingest(&batch, Some(&coll)).await.unwrap();
        n += 1000;
        if n % 100_000 == 0 {
            let rate = 100_000.0 / window.elapsed().as_secs_f64();
            println!("{n} objects, last 100k at {rate:.0}/s");
            window = Instant::now();
        }
    }
    let secs = start.elapsed().as_secs_f64();
    println!(
        "ingest: {total} objects in {secs:.2}s = {:.0} objects/s (batches of 1000, into a collection)",
        total as f64 / secs
    );

    let again: Vec<_> = (0..1000).map(object).collect();
    let t = Instant::now();
    store.ingest(&again, Some(&coll)).await.unwrap();
    println!("re-ingest of 1000 present objects: {:?}", t.elapsed());

    if std::env::var_os("SKIP_PAGING").is_some() {
        return;
    }
    let mut query = PageQuery::new(&coll, 100);
    let mut lat = Vec::new();
    let t = Instant::now();
    let mut served = 0;
    loop {
        let p0 = Instant::now();
        let page = store.objects_page(&query).await.unwrap();
        lat.push(p0.elapsed());
        served += page.entries.len();
        if !page.more {
            break;
        }
        query.added_after_us = page.next_added_after_us;
    }
    let secs = t.elapsed().as_secs_f64();
    lat.sort();
    println!(
        "paging: {served} objects in 100-object pages in {secs:.2}s = {:.0} objects/s; p50 {:?} p99 {:?} max {:?}",
        served as f64 / secs,
        lat[lat.len() / 2],
        lat[lat.len() * 99 / 100],
        lat[lat.len() - 1]
    );
}
