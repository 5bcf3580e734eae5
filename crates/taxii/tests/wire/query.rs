use selat_taxii::query::{MAX_FILTER_VALUES, MAX_QUERY_BYTES, MAX_QUERY_PARAMS};
use selat_taxii::{Endpoint, ObjectsQuery, QueryError, VersionFilter};

use Endpoint::*;

const ID1: &str = "indicator--3600ad1b-fff1-4c98-bcc9-4de3bc2e2ffb";
const ID2: &str = "sighting--4600ad1b-fff1-4c58-bcc9-4de3bc5e2ffd";

/// A one-line rendering of a parsed query, fields in a fixed order, absent ones left out.
fn summary(q: &ObjectsQuery) -> String {
    let mut parts = Vec::new();
    if let Some(at) = q.added_after {
        parts.push(format!("added_after={at}"));
    }
    if let Some(limit) = q.limit {
        parts.push(format!("limit={limit}"));
    }
    if let Some(next) = &q.next {
        parts.push(format!("next={next}"));
    }
    if !q.match_id.is_empty() {
        parts.push(format!("id={}", q.match_id.join(",")));
    }
    if !q.match_type.is_empty() {
        parts.push(format!("type={}", q.match_type.join(",")));
    }
    if !q.match_version.is_empty() {
        let versions: Vec<String> = q
            .match_version
            .iter()
            .map(|v| match v {
                VersionFilter::First => "first".to_owned(),
                VersionFilter::Last => "last".to_owned(),
                VersionFilter::All => "all".to_owned(),
                VersionFilter::At(at) => at.to_string(),
            })
            .collect();
        parts.push(format!("version={}", versions.join(",")));
    }
    if !q.match_spec_version.is_empty() {
        parts.push(format!("spec={}", q.match_spec_version.join(",")));
    }
    parts.join(" ")
}

fn check(query: &str, endpoint: Endpoint, expected: &str) {
    match ObjectsQuery::parse(query, endpoint) {
        Ok(parsed) => {
            assert_eq!(parsed.endpoint, endpoint);
            assert_eq!(summary(&parsed), expected, "{query:?} on {endpoint:?}");
        }
        Err(e) => panic!("{query:?} on {endpoint:?} refused: {e}"),
    }
}

#[test]
fn valid_queries() {
    let all_ids = format!("match[id]={ID1},{ID2}");
    let manifest_full = format!(
        "added_after=2016-11-02T12:34:34.123456Z&limit=50&next=abc&match[id]={ID1}&match[type]=indicator\
         &match[version]=all&match[spec_version]=2.1"
    );
    let cases: &[(&str, Endpoint, String)] = &[
        ("", Objects, String::new()),
        ("?", Objects, String::new()),
        (
            "added_after=2016-11-02T12:34:34.123456Z",
            Objects,
            "added_after=2016-11-02T12:34:34.123456Z".into(),
        ),
        ("added_after=2016-11-02T12%3A34%3A34Z", Objects, "added_after=2016-11-02T12:34:34.000000Z".into()),
        ("limit=10", Objects, "limit=10".into()),
        ("limit=0010", Objects, "limit=10".into()),
        // Above any server's page size is still valid (§3.4); the server caps it.
        ("limit=9007199254740991", Objects, "limit=9007199254740991".into()),
        ("next=abc-_123", Objects, "next=abc-_123".into()),
        ("match[type]=indicator,malware", Objects, "type=indicator,malware".into()),
        ("match%5Btype%5D=indicator", Objects, "type=indicator".into()),
        ("match[type]=indicator,indicator,malware", Objects, "type=indicator,malware".into()),
        ("match[type]=x-mitre-tactic", Objects, "type=x-mitre-tactic".into()),
        (&all_ids, Objects, format!("id={ID1},{ID2}")),
        (
            "match[version]=first,2018-03-02T01:01:01.123Z,last",
            Objects,
            "version=first,2018-03-02T01:01:01.123000Z,last".into(),
        ),
        ("match[version]=all", Objects, "version=all".into()),
        (
            "match[version]=2016-03-23T01:01:01.000Z,2018-03-02T01:01:01.123Z",
            Objects,
            "version=2016-03-23T01:01:01.000000Z,2018-03-02T01:01:01.123000Z".into(),
        ),
        ("match[spec_version]=2.0,2.1", Objects, "spec=2.0,2.1".into()),
        // Unknown parameters and match fields are ignored (§3.4); names are case-sensitive.
        ("match[foo]=bar&x=1&_=123&match[type]=indicator", Objects, "type=indicator".into()),
        ("MATCH[type]=xx&Limit=0", Objects, String::new()),
        ("limit=1&limit2=3", Objects, "limit=1".into()),
        (
            &manifest_full,
            Manifest,
            format!(
                "added_after=2016-11-02T12:34:34.123456Z limit=50 next=abc id={ID1} type=indicator \
                 version=all spec=2.1"
            ),
        ),
        (
            "match[version]=last,first&match[spec_version]=2.1&limit=5&next=x",
            Object,
            "limit=5 next=x version=last,first spec=2.1".into(),
        ),
        (
            "added_after=2020-01-01T00:00:00Z&limit=2&next=n&match[spec_version]=2.1",
            ObjectVersions,
            "added_after=2020-01-01T00:00:00.000000Z limit=2 next=n spec=2.1".into(),
        ),
        ("match[version]=2016-01-01T01:01:01Z", DeleteObject, "version=2016-01-01T01:01:01.000000Z".into()),
    ];
    for (query, endpoint, expected) in cases {
        check(query, *endpoint, expected);
    }
}

#[test]
fn limits_are_inclusive() {
    let unknown = vec!["x=1"; MAX_QUERY_PARAMS].join("&");
    check(&unknown, Objects, "");
    let types: Vec<String> = (0..MAX_FILTER_VALUES).map(|i| format!("type-{i:03}")).collect();
    let at_limit = format!("match[type]={}", types.join(","));
    assert_eq!(ObjectsQuery::parse(&at_limit, Objects).unwrap().match_type.len(), MAX_FILTER_VALUES);
    let mut padded = format!("next={}", "a".repeat(MAX_QUERY_BYTES));
    padded.truncate(MAX_QUERY_BYTES);
    assert!(ObjectsQuery::parse(&padded, Objects).is_ok());
}

/// The variant of an error, for tables.
fn kind(e: &QueryError) -> &'static str {
    match e {
        QueryError::TooLong { .. } => "TooLong",
        QueryError::TooManyParams { .. } => "TooManyParams",
        QueryError::TooManyValues { .. } => "TooManyValues",
        QueryError::Duplicate { .. } => "Duplicate",
        QueryError::NotAllowed { .. } => "NotAllowed",
        QueryError::Empty { .. } => "Empty",
        QueryError::Invalid { .. } => "Invalid",
    }
}

#[test]
fn invalid_queries() {
    let too_long = format!("next={}", "a".repeat(MAX_QUERY_BYTES));
    let too_many = vec!["x=1"; MAX_QUERY_PARAMS + 1].join("&");
    let types: Vec<String> = (0..=MAX_FILTER_VALUES).map(|i| format!("type-{i:03}")).collect();
    let too_many_values = format!("match[type]={}", types.join(","));
    let long_type = format!("match[type]=a{}", "b".repeat(250));
    let with_id = format!("match[id]={ID1}");
    let cases: &[(&str, Endpoint, &str, Option<&str>)] = &[
        (&too_long, Objects, "TooLong", None),
        (&too_many, Objects, "TooManyParams", None),
        (&too_many_values, Objects, "TooManyValues", Some("match[type]")),
        ("limit=1&limit=2", Objects, "Duplicate", Some("limit")),
        ("next=a&next=b", Objects, "Duplicate", Some("next")),
        (
            "added_after=2016-01-01T00:00:00Z&added_after=2017-01-01T00:00:00Z",
            Objects,
            "Duplicate",
            Some("added_after"),
        ),
        ("match[type]=indicator&match[type]=malware", Objects, "Duplicate", Some("match[type]")),
        ("match%5Btype%5D=indicator&match[type]=malware", Manifest, "Duplicate", Some("match[type]")),
        ("match[version]=last&match[version]=first", Object, "Duplicate", Some("match[version]")),
        (&with_id, Object, "NotAllowed", Some("match[id]")),
        ("match[type]=indicator", Object, "NotAllowed", Some("match[type]")),
        ("match[version]=all", ObjectVersions, "NotAllowed", Some("match[version]")),
        ("match[type]=indicator", ObjectVersions, "NotAllowed", Some("match[type]")),
        ("limit=1", DeleteObject, "NotAllowed", Some("limit")),
        ("next=x", DeleteObject, "NotAllowed", Some("next")),
        ("added_after=2016-01-01T00:00:00Z", DeleteObject, "NotAllowed", Some("added_after")),
        ("limit=", Objects, "Empty", Some("limit")),
        ("limit", Objects, "Empty", Some("limit")),
        ("next=", Objects, "Empty", Some("next")),
        ("added_after=", Objects, "Empty", Some("added_after")),
        ("match[type]=", Objects, "Empty", Some("match[type]")),
        ("match[type]=indicator,", Objects, "Empty", Some("match[type]")),
        ("match[type]=,indicator", Objects, "Empty", Some("match[type]")),
        ("match[spec_version]=2.1,,2.0", Objects, "Empty", Some("match[spec_version]")),
        ("added_after=2016-11-02", Objects, "Invalid", Some("added_after")),
        ("added_after=2016-02-30T00:00:00Z", Objects, "Invalid", Some("added_after")),
        ("added_after=yesterday", Objects, "Invalid", Some("added_after")),
        // In a query string `+` is a space, so an offset never survives.
        ("added_after=2016-11-02T12:34:34+00:00", Objects, "Invalid", Some("added_after")),
        ("limit=0", Objects, "Invalid", Some("limit")),
        ("limit=-1", Objects, "Invalid", Some("limit")),
        ("limit=%2B1", Objects, "Invalid", Some("limit")),
        ("limit=%201", Objects, "Invalid", Some("limit")),
        ("limit=1.5", Objects, "Invalid", Some("limit")),
        ("limit=1e3", Objects, "Invalid", Some("limit")),
        ("limit=abc", Objects, "Invalid", Some("limit")),
        ("limit=9007199254740992", Objects, "Invalid", Some("limit")),
        ("limit=99999999999999999999", Objects, "Invalid", Some("limit")),
        ("match[type]=Indicator", Objects, "Invalid", Some("match[type]")),
        ("match[type]=in", Objects, "Invalid", Some("match[type]")),
        ("match[type]=x--y", Objects, "Invalid", Some("match[type]")),
        ("match[type]=-abc", Objects, "Invalid", Some("match[type]")),
        ("match[type]=abc-", Objects, "Invalid", Some("match[type]")),
        ("match[type]=1abc", Objects, "Invalid", Some("match[type]")),
        ("match[type]=indi%20cator", Objects, "Invalid", Some("match[type]")),
        ("match[type]=indicator!", Objects, "Invalid", Some("match[type]")),
        (&long_type, Objects, "Invalid", Some("match[type]")),
        ("match[id]=indicator", Objects, "Invalid", Some("match[id]")),
        ("match[id]=indicator--123", Objects, "Invalid", Some("match[id]")),
        ("match[id]=indicator--3600ad1b-fff1-4c98-7cc9-4de3bc2e2ffb", Objects, "Invalid", Some("match[id]")),
        ("match[id]=indicator--3600ad1b-fff1-4c98-bcc9-4de3bc2e2ffg", Objects, "Invalid", Some("match[id]")),
        ("match[id]=indicator--3600ad1bfff14c98bcc94de3bc2e2ffb0000", Objects, "Invalid", Some("match[id]")),
        ("match[id]=Indicator--3600ad1b-fff1-4c98-bcc9-4de3bc2e2ffb", Objects, "Invalid", Some("match[id]")),
        ("match[id]=--3600ad1b-fff1-4c98-bcc9-4de3bc2e2ffb", Objects, "Invalid", Some("match[id]")),
        ("match[version]=latest", Objects, "Invalid", Some("match[version]")),
        ("match[version]=FIRST", Objects, "Invalid", Some("match[version]")),
        ("match[version]=first,first", Objects, "Invalid", Some("match[version]")),
        ("match[version]=all,last", Objects, "Invalid", Some("match[version]")),
        ("match[version]=last,all", Objects, "Invalid", Some("match[version]")),
        // The same instant written twice is the same version, repeated (§3.4.1).
        (
            "match[version]=2016-01-01T01:01:01.000Z,2016-01-01T01:01:01Z",
            Objects,
            "Invalid",
            Some("match[version]"),
        ),
        ("match[version]=2016-13-01T00:00:00Z", Objects, "Invalid", Some("match[version]")),
        ("match[spec_version]=2", Objects, "Invalid", Some("match[spec_version]")),
        ("match[spec_version]=2.", Objects, "Invalid", Some("match[spec_version]")),
        ("match[spec_version]=.1", Objects, "Invalid", Some("match[spec_version]")),
        ("match[spec_version]=v2.1", Objects, "Invalid", Some("match[spec_version]")),
        ("match[spec_version]=2.1.0", Objects, "Invalid", Some("match[spec_version]")),
        ("match[spec_version]=12345.1", Objects, "Invalid", Some("match[spec_version]")),
        // The first problem in query-string order is the one reported.
        ("limit=0&match[type]=X", Objects, "Invalid", Some("limit")),
    ];
    for &(query, endpoint, expected_kind, expected_param) in cases {
        match ObjectsQuery::parse(query, endpoint) {
            Ok(parsed) => panic!("{query:.60?} on {endpoint:?} accepted as {}", summary(&parsed)),
            Err(e) => {
                assert_eq!((kind(&e), e.param()), (expected_kind, expected_param), "{query:.60?}: {e}");
                assert!(e.to_string().len() < 300, "unbounded message for {query:.60?}");
            }
        }
    }
}

#[test]
fn messages_name_the_parameter_and_the_expected_form() {
    let e = ObjectsQuery::parse("limit=0", Objects).unwrap_err();
    assert_eq!(e.to_string(), "`limit` value \"0\" is invalid: must be greater than zero (TAXII 2.1 §3.4)");
    let e = ObjectsQuery::parse("match[id]=x", Object).unwrap_err();
    assert_eq!(e.to_string(), "`match[id]` is not a filter of Get an Object (TAXII 2.1 §5.6)");
}

#[test]
fn version_defaults_per_endpoint() {
    let cases = [
        (Objects, VersionFilter::Last),
        (Manifest, VersionFilter::Last),
        (Object, VersionFilter::Last),
        (ObjectVersions, VersionFilter::All),
        (DeleteObject, VersionFilter::All),
    ];
    for (endpoint, default) in cases {
        assert_eq!(ObjectsQuery::parse("", endpoint).unwrap().versions(), &[default], "{endpoint:?}");
    }
    let sent = ObjectsQuery::parse("match[version]=first", Objects).unwrap();
    assert_eq!(sent.versions(), &[VersionFilter::First]);
}

#[test]
fn page_size_caps_the_client_limit() {
    let cases =
        [("", 1000, 1000), ("limit=5", 1000, 5), ("limit=5000", 1000, 1000), ("limit=1000", 1000, 1000)];
    for (query, server_max, expected) in cases {
        assert_eq!(ObjectsQuery::parse(query, Objects).unwrap().page_size(server_max), expected, "{query}");
    }
}

fn digest(query: &str, endpoint: Endpoint, object_id: Option<&str>) -> [u8; 16] {
    ObjectsQuery::parse(query, endpoint).unwrap().filter_digest(object_id)
}

#[test]
fn filter_digest_ignores_order_repeats_paging_and_defaults() {
    let same: &[(&str, &str)] = &[
        ("match[type]=indicator,malware", "match[type]=malware,indicator"),
        ("match[type]=indicator,malware", "match[type]=malware,indicator,malware"),
        ("match[version]=first,last", "match[version]=last,first"),
        ("", "match[version]=last"),
        ("match[type]=indicator", "match[type]=indicator&limit=7&next=abc&added_after=2020-01-01T00:00:00Z"),
        ("match[version]=2016-01-01T01:01:01Z", "match[version]=2016-01-01T01:01:01.000Z"),
        ("match[spec_version]=2.0,2.1", "match[spec_version]=2.1,2.0&x=1"),
    ];
    for (a, b) in same {
        assert_eq!(digest(a, Objects, None), digest(b, Objects, None), "{a:?} vs {b:?}");
    }
}

#[test]
fn filter_digest_separates_what_differs() {
    let base = digest("match[type]=indicator", Objects, None);
    let different = [
        digest("match[type]=malware", Objects, None),
        digest("match[type]=indicator,malware", Objects, None),
        digest("match[type]=indicator&match[version]=all", Objects, None),
        digest("match[type]=indicator&match[spec_version]=2.1", Objects, None),
        digest(&format!("match[type]=indicator&match[id]={ID1}"), Objects, None),
        digest("match[type]=indicator", Manifest, None),
        digest("match[type]=indicator", Objects, Some(ID1)),
    ];
    for (i, other) in different.iter().enumerate() {
        assert_ne!(&base, other, "case {i}");
    }
    assert_ne!(digest("", Object, Some(ID1)), digest("", Object, Some(ID2)));
    assert_ne!(digest("", Objects, None), digest("", Objects, Some("")));

    // Field and item boundaries are part of the digest (built by hand: these skip validation).
    let mut by_type = ObjectsQuery::new(Objects);
    by_type.match_type = vec!["abc".into()];
    let mut by_spec = ObjectsQuery::new(Objects);
    by_spec.match_spec_version = vec!["abc".into()];
    assert_ne!(by_type.filter_digest(None), by_spec.filter_digest(None));
    let mut split_one = ObjectsQuery::new(Objects);
    split_one.match_type = vec!["ab".into(), "c".into()];
    let mut split_two = ObjectsQuery::new(Objects);
    split_two.match_type = vec!["a".into(), "bc".into()];
    assert_ne!(split_one.filter_digest(None), split_two.filter_digest(None));
}
