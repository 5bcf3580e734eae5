//! The submission queue: a full queue answers 503 with `Retry-After`.

use serde_json::Value;

use crate::support::*;
use selat_server::Limits;

#[tokio::test]
async fn a_full_queue_is_503_with_retry_after() {
    let mut fixture = Fixture::new().await;
    let server = fixture.start(Limits { queue_depth: 1, ..Limits::default() }).await;
    let token = fixture.tokens.sg_analyst.clone();
    // One large request keeps the worker busy for a while; small ones behind it fill the queue
    // (depth 1: at most two are accepted while the worker is busy, one held, one queued).
    let big: Vec<Value> = (0..10_000).map(|_| indicator()).collect();
    let first = server.post_objects(&fixture.shared, &token, &big).await;
    let mut accepted = vec![first["id"].as_str().unwrap().to_owned()];
    let mut refused = None;
    for _ in 0..5 {
        let reply = server.post_raw(&fixture.shared, &token, envelope(&[indicator()])).await;
        if reply.status.as_u16() == 503 {
            refused = Some(reply);
            break;
        }
        assert_eq!(reply.status.as_u16(), 202, "{}", reply.text);
        accepted.push(reply.json()["id"].as_str().unwrap().to_owned());
    }
    let refused = refused.expect("a 503 once the queue is full");
    refused.assert_error(503, "queue-full");
    let retry: u64 = refused.header("retry-after").expect("Retry-After").parse().unwrap();
    assert!(retry >= 1);
    assert!(accepted.len() <= 2, "depth 1 accepted {} requests", accepted.len());
    // Everything accepted is stored in the end.
    for id in &accepted {
        server.wait_complete(id, &token).await;
    }
    server.stop().await;
}
