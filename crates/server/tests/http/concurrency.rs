//! Writers POST 20,000 objects in random batches while one reader pages with `next` and another
//! with `added_after`; each reader must see every object exactly once.

use std::collections::HashSet;
use std::sync::Arc;
use std::time::{Duration, Instant};

use serde_json::Value;

use crate::support::*;
use selat_server::Limits;

const OBJECTS: usize = 20_000;
const WRITERS: usize = 4;
const MAX_BATCH: u64 = 400;

/// xorshift64*: random enough for batch sizes, and reproducible from the printed seed.
struct Random(u64);

impl Random {
    fn below(&mut self, n: u64) -> u64 {
        self.0 ^= self.0 >> 12;
        self.0 ^= self.0 << 25;
        self.0 ^= self.0 >> 27;
        self.0.wrapping_mul(0x2545_f491_4f6c_dd1d) % n
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn readers_see_every_object_exactly_once_while_writers_write() {
    let mut fixture = Fixture::new().await;
    let server = Arc::new(fixture.start(Limits::default()).await);
    let seed =
        std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).unwrap().as_nanos() as u64 | 1;
    println!("seed {seed}");
    let token = fixture.tokens.sg_analyst.clone();
    let shared = fixture.shared.clone();

    let writers: Vec<_> = (0..WRITERS)
        .map(|w| {
            let (server, token, shared) = (server.clone(), token.clone(), shared.clone());
            tokio::spawn(
                async move { write(&server, &shared, &token, OBJECTS / WRITERS, seed + w as u64).await },
            )
        })
        .collect();
    let by_next = tokio::spawn(read(server.clone(), shared.clone(), token.clone(), true, seed));
    let by_added_after = tokio::spawn(read(server.clone(), shared.clone(), token.clone(), false, seed + 99));
    let mut written = HashSet::new();
    for writer in writers {
        written.extend(writer.await.unwrap());
    }
    assert_eq!(written.len(), OBJECTS);
    for reader in [by_next, by_added_after] {
        let seen = reader.await.unwrap();
        assert_eq!(seen, written);
    }
    Arc::into_inner(server).expect("readers and writers are done").stop().await;
}

/// Posts `count` fresh objects in random batches, retrying on 503; returns their ids.
async fn write(server: &Server, collection: &str, token: &str, count: usize, seed: u64) -> Vec<String> {
    let mut random = Random(seed);
    let mut ids = Vec::with_capacity(count);
    while ids.len() < count {
        let size = (1 + random.below(MAX_BATCH) as usize).min(count - ids.len());
        let batch: Vec<Value> = (0..size).map(|_| indicator()).collect();
        let body = envelope(&batch);
        loop {
            let reply = server.post_raw(collection, token, body.clone()).await;
            match reply.status.as_u16() {
                202 => break,
                503 => tokio::time::sleep(Duration::from_millis(50)).await,
                other => panic!("POST answered {other}: {}", reply.text),
            }
        }
        ids.extend(batch.iter().map(|o| o["id"].as_str().unwrap().to_owned()));
    }
    ids
}

/// Reads the collection until it has seen [`OBJECTS`] ids, failing on any id seen twice. With
/// `use_next` it follows `next` and, at the end of what is there, resumes with `added_after` from
/// the last page's header; otherwise it pages with `added_after` only.
async fn read(
    server: Arc<Server>,
    collection: String,
    token: String,
    use_next: bool,
    seed: u64,
) -> HashSet<String> {
    let mut random = Random(seed);
    let path = server.objects_path(&collection);
    let (mut seen, mut after, mut next) = (HashSet::new(), None::<String>, None::<String>);
    let deadline = Instant::now() + Duration::from_secs(240);
    while seen.len() < OBJECTS {
        assert!(Instant::now() < deadline, "saw only {} objects", seen.len());
        let mut url = format!("{path}?limit={}", 1 + random.below(1000));
        if let Some(at) = &after {
            url.push_str(&format!("&added_after={at}"));
        }
        if let Some(cursor) = &next {
            url.push_str(&format!("&next={cursor}"));
        }
        let reply = server.get(&url, &token).await;
        let envelope = reply.ok_json();
        for id in ids(&envelope) {
            assert!(seen.insert(id.clone()), "{id} seen twice (next: {use_next})");
        }
        next = if use_next { envelope["next"].as_str().map(str::to_owned) } else { None };
        if next.is_none()
            && let Some(last) = reply.header("x-taxii-date-added-last")
        {
            after = Some(last.to_owned());
        }
        if envelope["more"] != true {
            tokio::time::sleep(Duration::from_millis(10)).await;
        }
    }
    seen
}
