//! A restart keeps statuses, cursors and every acknowledged object.

use std::collections::HashSet;

use serde_json::Value;

use crate::support::*;
use selat_server::Limits;

#[tokio::test]
async fn statuses_cursors_and_objects_survive_a_restart() {
    let mut fixture = Fixture::new().await;
    let token = fixture.tokens.sg_analyst.clone();
    let server = fixture.start(Limits::default()).await;
    let objects: Vec<Value> = (0..30).map(|_| indicator()).collect();
    let done = server.add(&fixture.shared, &token, &objects).await;
    // Accepted just before the stop: the graceful stop lets the worker store it.
    let late: Vec<Value> = (0..500).map(|_| indicator()).collect();
    let late_status = server.post_objects(&fixture.shared, &token, &late).await;
    let path = server.objects_path(&fixture.shared);
    let first_page = server.get(&format!("{path}?limit=10"), &token).await.ok_json();
    let next = first_page["next"].as_str().unwrap().to_owned();
    server.stop().await;

    let server = fixture.start(Limits::default()).await;
    let status_path = |id: &Value| format!("/taxii2/selat/status/{}/", id.as_str().unwrap());
    let status = server.get(&status_path(&done["id"]), &token).await.ok_json();
    assert_eq!(status["status"], "complete");
    let late_done = server.wait_complete(late_status["id"].as_str().unwrap(), &token).await;
    assert_eq!(late_done["success_count"], 500);
    let second_page = server.get(&format!("{path}?limit=10&next={next}"), &token).await.ok_json();
    let expected: Vec<String> =
        objects[10..20].iter().map(|o| o["id"].as_str().unwrap().to_owned()).collect();
    assert_eq!(ids(&second_page), expected);

    let mut all = HashSet::new();
    let mut url = format!("{path}?limit=1000");
    loop {
        let envelope = server.get(&url, &token).await.ok_json();
        all.extend(ids(&envelope));
        match envelope["next"].as_str() {
            Some(next) => url = format!("{path}?limit=1000&next={next}"),
            None => break,
        }
    }
    for object in objects.iter().chain(&late) {
        assert!(all.contains(object["id"].as_str().unwrap()), "lost {}", object["id"]);
    }
    server.stop().await;
}
