//! Paging with `next` (signed, bound to collection and filters) and with `added_after`.

use std::collections::HashSet;

use serde_json::{Value, json};

use crate::support::*;
use selat_server::Limits;

async fn seeded(count: usize, page_size: usize) -> (Fixture, Server, Vec<String>) {
    let mut fixture = Fixture::new().await;
    let server = fixture.start(Limits { page_size, ..Limits::default() }).await;
    let objects: Vec<Value> = (0..count).map(|_| indicator()).collect();
    server.add(&fixture.shared, &fixture.tokens.sg_analyst, &objects).await;
    let ids = objects.iter().map(|o| o["id"].as_str().unwrap().to_owned()).collect();
    (fixture, server, ids)
}

fn encode(text: &str) -> String {
    text.bytes()
        .map(|b| match b {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'_' | b'.' | b'~' => (b as char).to_string(),
            _ => format!("%{b:02X}"),
        })
        .collect()
}

#[tokio::test]
async fn next_pages_through_everything_once_in_date_added_order() {
    let (fixture, server, ids) = seeded(25, 1000).await;
    let token = &fixture.tokens.sg_analyst;
    let path = server.objects_path(&fixture.shared);
    let (mut seen, mut pages, mut next) = (Vec::new(), 0, None::<String>);
    loop {
        let url = match &next {
            Some(cursor) => format!("{path}?limit=10&next={}", encode(cursor)),
            None => format!("{path}?limit=10"),
        };
        let envelope = server.get(&url, token).await.ok_json();
        pages += 1;
        seen.extend(ids_of(&envelope));
        match envelope["more"].as_bool() {
            Some(true) => next = Some(envelope["next"].as_str().expect("next with more").to_owned()),
            _ => {
                assert!(envelope.get("next").is_none());
                break;
            }
        }
    }
    assert_eq!(pages, 3);
    assert_eq!(seen, ids, "every object once, in the order they were added");
    server.stop().await;
}

#[tokio::test]
async fn cursors_are_bound_to_collection_and_filters() {
    let (fixture, server, _) = seeded(5, 1000).await;
    let token = &fixture.tokens.sg_analyst;
    let path = server.objects_path(&fixture.shared);
    let envelope = server.get(&format!("{path}?limit=2&match[type]=indicator"), token).await.ok_json();
    let next = encode(envelope["next"].as_str().unwrap());
    let resumed =
        server.get(&format!("{path}?limit=2&match[type]=indicator&next={next}"), token).await.ok_json();
    assert_eq!(ids_of(&resumed).len(), 2);
    // Other filters, the same cursor.
    server.get(&format!("{path}?limit=2&next={next}"), token).await.assert_error(400, "invalid-cursor");
    // Another collection.
    let public = server.objects_path(&fixture.public);
    server
        .get(&format!("{public}?match[type]=indicator&next={next}"), token)
        .await
        .assert_error(400, "invalid-cursor");
    // Another endpoint.
    let manifest =
        format!("/taxii2/selat/collections/{}/manifest/?match[type]=indicator&next={next}", fixture.shared);
    server.get(&manifest, token).await.assert_error(400, "invalid-cursor");
    // Altered.
    let mut altered = envelope["next"].as_str().unwrap().to_owned();
    let last = altered.pop().unwrap();
    altered.push(if last == 'A' { 'B' } else { 'A' });
    let url = format!("{path}?limit=2&match[type]=indicator&next={}", encode(&altered));
    server.get(&url, token).await.assert_error(400, "invalid-cursor");
    server.stop().await;
}

#[tokio::test]
async fn a_limit_above_the_page_size_gives_a_shorter_page() {
    let (fixture, server, ids) = seeded(12, 5).await;
    let token = &fixture.tokens.sg_analyst;
    let path = server.objects_path(&fixture.shared);
    let envelope = server.get(&format!("{path}?limit=1000"), token).await.ok_json();
    assert_eq!(ids_of(&envelope), ids[..5]);
    assert_eq!(envelope["more"], json!(true));
    let manifest = server
        .get(&format!("/taxii2/selat/collections/{}/manifest/?limit=1000", fixture.shared), token)
        .await;
    assert_eq!(manifest.ok_json()["objects"].as_array().unwrap().len(), 5);
    assert_eq!(manifest.json()["more"], json!(true));
    let next = manifest.json()["next"].as_str().expect("a manifest page with more has next").to_owned();
    let rest = format!("/taxii2/selat/collections/{}/manifest/?limit=1000&next={next}", fixture.shared);
    let rest = server.get(&rest, token).await.ok_json();
    let rest_ids: Vec<_> =
        rest["objects"].as_array().unwrap().iter().map(|r| r["id"].as_str().unwrap()).collect();
    assert_eq!(rest_ids, ids[5..10]);
    server.stop().await;
}

#[tokio::test]
async fn added_after_pages_with_the_date_added_headers() {
    let (fixture, server, ids) = seeded(12, 1000).await;
    let token = &fixture.tokens.sg_analyst;
    let manifest = format!("/taxii2/selat/collections/{}/manifest/", fixture.shared);
    let (mut seen, mut after) = (Vec::new(), None::<String>);
    loop {
        let url = match &after {
            Some(at) => format!("{manifest}?limit=5&added_after={at}"),
            None => format!("{manifest}?limit=5"),
        };
        let reply = server.get(&url, token).await;
        let body = reply.ok_json();
        let records = body["objects"].as_array().cloned().unwrap_or_default();
        if records.is_empty() {
            assert!(reply.header("x-taxii-date-added-last").is_none());
            break;
        }
        let last = reply.header("x-taxii-date-added-last").unwrap().to_owned();
        assert_eq!(records.last().unwrap()["date_added"], json!(last));
        seen.extend(records.iter().map(|r| r["id"].as_str().unwrap().to_owned()));
        after = Some(last);
    }
    assert_eq!(seen, ids);
    let unique: HashSet<_> = seen.iter().collect();
    assert_eq!(unique.len(), 12);
    server.stop().await;
}

fn ids_of(envelope: &Value) -> Vec<String> {
    ids(envelope)
}
