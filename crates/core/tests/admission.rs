//! Collection- and owner-level admission rules applied after validation.

use selat_core::ingest::{self, IngestOptions};
use selat_store::SqliteStore;

const EXT: &str = "extension-definition--b78d1732-3a01-46df-a4b4-719a2aab7a1d";

fn note(n: u32, scope: &str, tlp: &str) -> String {
    format!(
        r#"{{"type": "note", "spec_version": "2.1", "id": "note--{n:08x}-6f7f-459a-80ea-9c1f17b5891b", "created": "2016-04-06T20:07:09.000Z", "modified": "2016-04-06T20:07:09.000Z", "content": "c", "object_refs": ["malware--31b940d4-6f7f-459a-80ea-9c1f17b5891b"], "object_marking_refs": ["{tlp}"], "extensions": {{"{EXT}": {{"extension_type": "property-extension", "scope": "{scope}"}}}}}}"#
    )
}

const GREEN: &str = "marking-definition--bab4a63c-aed9-4cf5-a766-dfca5abac2bb";
const CLEAR: &str = "marking-definition--94868c89-83c2-464b-929b-a1a8aa3c8487";

async fn ingest_with(options: &IngestOptions, lines: Vec<String>) -> ingest::IngestReport {
    let dir = tempfile::tempdir().unwrap();
    let store = SqliteStore::open(dir.path().join("s.db")).await.unwrap();
    ingest::ingest(&store, std::io::Cursor::new(lines.join("\n").into_bytes()), options, |_| {})
        .await
        .unwrap()
}

#[tokio::test]
async fn national_scope_needs_an_owner_in_a_member_state() {
    let mut options = IngestOptions::new("identity--8e2e2d2b-17d4-4cbf-938f-98ee46b3cd3f");
    options.owner_outside_member_states = true;
    let report = ingest_with(&options, vec![note(1, "national", GREEN), note(2, "community", GREEN)]).await;
    assert_eq!((report.stored, report.rejected_total), (1, 1));
    assert!(report.rejected[0].reasons[0].starts_with("national-scope"), "{:?}", report.rejected);
    options.owner_outside_member_states = false;
    let report = ingest_with(&options, vec![note(1, "national", GREEN)]).await;
    assert_eq!((report.stored, report.rejected_total), (1, 0));
}

#[tokio::test]
async fn the_public_collection_takes_only_clear_community_objects() {
    let mut options = IngestOptions::new("identity--8e2e2d2b-17d4-4cbf-938f-98ee46b3cd3f");
    options.clear_community_only = true;
    let report = ingest_with(
        &options,
        vec![note(1, "community", CLEAR), note(2, "community", GREEN), note(3, "organisation", CLEAR)],
    )
    .await;
    assert_eq!((report.stored, report.rejected_total), (1, 2));
    assert!(report.rejected.iter().all(|r| r.reasons[0].starts_with("public-collection")));
}
