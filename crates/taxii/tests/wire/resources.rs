use std::path::Path;

use selat_taxii::{
    ApiRoot, Collection, Collections, Discovery, Envelope, EnvelopeWriter, Error, ErrorCode, Manifest,
    Status, StatusDetails, StatusState, Timestamp, Versions, write_envelope,
};
use serde::Serialize;
use serde::de::DeserializeOwned;
use serde_json::Value;
use serde_json::value::RawValue;

fn data(name: &str) -> String {
    let path = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/data").join(name);
    std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display()))
}

/// `file` reads as a `T` and writes back to the same JSON (keys in any order).
fn check<T: Serialize + DeserializeOwned>(file: &str) -> T {
    let text = data(file);
    let resource: T = serde_json::from_str(&text).unwrap_or_else(|e| panic!("{file}: {e}"));
    let written = serde_json::to_value(&resource).unwrap();
    let expected: Value = serde_json::from_str(&text).unwrap();
    assert_eq!(written, expected, "{file}");
    resource
}

#[test]
fn every_resource_round_trips() {
    let discovery: Discovery = check("discovery.json");
    assert_eq!(discovery.default.as_deref(), Some("https://hub.example.org/taxii2/selat/"));
    let minimal: Discovery = check("discovery-minimal.json");
    assert!(minimal.api_roots.is_empty());
    let api_root: ApiRoot = check("api-root.json");
    assert_eq!(api_root.max_content_length, 104_857_600);
    let collections: Collections = check("collections.json");
    assert_eq!(collections.collections[1].alias.as_deref(), Some("public-advisories"));
    let empty: Collections = check("collections-empty.json");
    assert!(empty.collections.is_empty());
    let collection: Collection = check("collection.json");
    assert!(collection.can_read && !collection.can_write);
    let envelope: Envelope = check("envelope.json");
    assert_eq!(
        (envelope.objects.len(), envelope.more, envelope.next.as_deref()),
        (2, true, Some("AQAAAAAAAAAq"))
    );
    let empty: Envelope = check("envelope-empty.json");
    assert!(empty.objects.is_empty() && !empty.more && empty.next.is_none());
    let manifest: Manifest = check("manifest.json");
    assert_eq!(manifest.objects[0].date_added.to_string(), "2016-11-04T03:04:05.100000Z");
    let versions: Versions = check("versions.json");
    assert_eq!(versions.versions.len(), 2);
    let status: Status = check("status.json");
    assert_eq!((status.status, status.pendings.len()), (StatusState::Pending, 2));
    let complete: Status = check("status-complete.json");
    assert_eq!(complete.status, StatusState::Complete);
    let error: Error = check("error.json");
    assert_eq!(error.http_status.as_deref(), Some("409"));
}

#[test]
fn empty_list_resources_are_empty_objects() {
    assert_eq!(serde_json::to_string(&Envelope::default()).unwrap(), "{}");
    assert_eq!(serde_json::to_string(&Manifest::default()).unwrap(), "{}");
    assert_eq!(serde_json::to_string(&Versions::default()).unwrap(), "{}");
    assert_eq!(serde_json::to_string(&Collections::default()).unwrap(), "{}");
    // An empty list from a peer is read as absent and never written back (§2, `list`).
    let envelope: Envelope = serde_json::from_str(r#"{"objects":[],"more":false}"#).unwrap();
    assert_eq!(serde_json::to_string(&envelope).unwrap(), "{}");
}

#[test]
fn envelope_objects_stay_byte_exact() {
    let object = r#"{"type":"x-test",  "id":"x-test--a", "n":7.50, "s":"\u00e9"}"#;
    let text = format!(r#"{{"objects":[{object}],"more":true,"next":"n1"}}"#);
    let envelope: Envelope = serde_json::from_str(&text).unwrap();
    assert_eq!(envelope.objects[0].get(), object);
    assert_eq!(serde_json::to_string(&envelope).unwrap(), text);
}

fn raw(text: &str) -> Box<RawValue> {
    RawValue::from_string(text.to_owned()).unwrap()
}

#[test]
fn envelope_writer_matches_serde() {
    let a = r#"{"type":"indicator","id":"indicator--1"}"#;
    let b = r#"{"type":"malware","id":"malware--2"}"#;
    let cases: &[(&[&str], bool, Option<&str>, &str)] = &[
        (&[], false, None, "{}"),
        (&[], true, None, r#"{"more":true}"#),
        (&[], true, Some("n"), r#"{"more":true,"next":"n"}"#),
        (&[a], false, None, r#"{"objects":[{"type":"indicator","id":"indicator--1"}]}"#),
        (
            &[a, b],
            true,
            Some("quote\"d"),
            r#"{"objects":[{"type":"indicator","id":"indicator--1"},{"type":"malware","id":"malware--2"}],"more":true,"next":"quote\"d"}"#,
        ),
    ];
    for &(objects, more, next, expected) in cases {
        let mut written = String::new();
        write_envelope(&mut written, objects.iter().copied(), more, next);
        assert_eq!(written, expected);
        let envelope = Envelope {
            objects: objects.iter().map(|o| raw(o)).collect(),
            more,
            next: next.map(str::to_owned),
        };
        assert_eq!(serde_json::to_string(&envelope).unwrap(), expected, "serde and writer agree");
        let read: Envelope = serde_json::from_str(&written).unwrap();
        assert_eq!((read.objects.len(), read.more, read.next.as_deref()), (objects.len(), more, next));
    }
}

#[test]
fn envelope_writer_appends_and_counts() {
    let mut out = String::from("prefix:");
    let mut writer = EnvelopeWriter::new(&mut out);
    assert!(writer.is_empty());
    writer.push(r#"{"a":1}"#);
    writer.push(r#"{"b":2}"#);
    assert_eq!(writer.len(), 2);
    writer.finish(false, None);
    assert_eq!(out, r#"prefix:{"objects":[{"a":1},{"b":2}]}"#);
}

/// Whether reading `text` as a `T` fails.
fn refuses<T: DeserializeOwned>(text: &str) -> bool {
    serde_json::from_str::<T>(text).is_err()
}

type Refuses = fn(&str) -> bool;

#[test]
fn reading_is_strict_where_the_spec_requires() {
    let refused: &[(&str, Refuses)] = &[
        // `version` of status-details is required by the normative table (§4.3.1).
        (
            r#"{"id":"s","status":"complete","total_count":1,"success_count":1,"successes":[{"id":"indicator--1"}],"failure_count":0,"pending_count":0}"#,
            refuses::<Status>,
        ),
        (
            r#"{"id":"s","status":"done","total_count":0,"success_count":0,"failure_count":0,"pending_count":0}"#,
            refuses::<Status>,
        ),
        (r#"{"id":"s","status":"pending","success_count":0,"failure_count":0,"pending_count":0}"#, |t| {
            serde_json::from_str::<Status>(t).is_err()
        }),
        (r#"{"id":"c","title":"t","can_write":true}"#, refuses::<Collection>),
        (r#"{"title":"t","max_content_length":1}"#, refuses::<ApiRoot>),
        (r#"{"description":"no title"}"#, refuses::<Discovery>),
        (r#"{"description":"no title"}"#, refuses::<Error>),
        // The spec's own manifest example has a malformed date_added (§5.3).
        (r#"{"objects":[{"id":"i","date_added":"2016-11-04T03:04:051Z","version":"v"}]}"#, |t| {
            serde_json::from_str::<Manifest>(t).is_err()
        }),
        (r#"{"more":"yes"}"#, refuses::<Envelope>),
    ];
    for (text, is_refused) in refused {
        assert!(is_refused(text), "{text}");
    }
}

#[test]
fn custom_properties_are_ignored_when_reading() {
    let discovery: Discovery = serde_json::from_str(r#"{"title":"t","x_example_com_tier":{"a":1}}"#).unwrap();
    assert_eq!(serde_json::to_string(&discovery).unwrap(), r#"{"title":"t"}"#);
}

#[test]
fn error_snapshot() {
    let error = ErrorCode::CollectionNotFound
        .to_error(Some("No collection 52892447-4d7e-4f70-b94d-d7f22742ff63 here.".into()), None)
        .with_error_id("0b7a6c0e-8d1f-4d7a-9a55-3f1e0f6f4b2c");
    assert_eq!(
        serde_json::to_string(&error).unwrap(),
        r#"{"title":"Collection not found","description":"No collection 52892447-4d7e-4f70-b94d-d7f22742ff63 here.","error_id":"0b7a6c0e-8d1f-4d7a-9a55-3f1e0f6f4b2c","error_code":"collection-not-found","http_status":"404"}"#
    );
}

#[test]
fn status_snapshot() {
    let status = Status {
        id: "2d086da7-4bdc-4f91-900e-d77486753710".into(),
        status: StatusState::Complete,
        request_timestamp: Timestamp::from_micros(1_478_090_074_123_450),
        total_count: 2,
        success_count: 1,
        successes: vec![StatusDetails {
            id: "indicator--c410e480-e42b-47d1-9476-85307c12bcbf".into(),
            version: "2018-05-27T12:02:41.312Z".into(),
            message: None,
        }],
        failure_count: 1,
        failures: vec![StatusDetails {
            id: "malware--664fa29d-bf65-4f28-a667-bdb76f29ec98".into(),
            version: "2018-05-28T14:03:42.543Z".into(),
            message: Some("not-owner".into()),
        }],
        pending_count: 0,
        pendings: vec![],
    };
    assert_eq!(
        serde_json::to_string(&status).unwrap(),
        concat!(
            r#"{"id":"2d086da7-4bdc-4f91-900e-d77486753710","status":"complete","#,
            r#""request_timestamp":"2016-11-02T12:34:34.123450Z","total_count":2,"success_count":1,"#,
            r#""successes":[{"id":"indicator--c410e480-e42b-47d1-9476-85307c12bcbf","version":"2018-05-27T12:02:41.312Z"}],"#,
            r#""failure_count":1,"failures":[{"id":"malware--664fa29d-bf65-4f28-a667-bdb76f29ec98","#,
            r#""version":"2018-05-28T14:03:42.543Z","message":"not-owner"}],"pending_count":0}"#
        )
    );
}
