use selat_taxii::timestamp::{MAX_MICROS, MIN_MICROS};
use selat_taxii::{Timestamp, TimestampError, format_timestamp, parse_timestamp};

/// `text` parses to `micros`, which formats as `canonical`, which parses back to `micros`.
fn check(text: &str, micros: i64, canonical: &str) {
    assert_eq!(parse_timestamp(text), Ok(micros), "parse {text}");
    assert_eq!(format_timestamp(micros), canonical, "format {micros}");
    assert_eq!(parse_timestamp(canonical), Ok(micros), "reparse {canonical}");
}

#[test]
fn round_trips() {
    let cases: &[(&str, i64, &str)] = &[
        ("1970-01-01T00:00:00.000000Z", 0, "1970-01-01T00:00:00.000000Z"),
        ("1969-12-31T23:59:59.999999Z", -1, "1969-12-31T23:59:59.999999Z"),
        ("2016-11-02T12:34:34.123456Z", 1_478_090_074_123_456, "2016-11-02T12:34:34.123456Z"),
        // Any fraction length on input: none, five digits (the §4.3 example), three (STIX).
        ("2016-11-02T12:34:34Z", 1_478_090_074_000_000, "2016-11-02T12:34:34.000000Z"),
        ("2016-11-02T12:34:34.12345Z", 1_478_090_074_123_450, "2016-11-02T12:34:34.123450Z"),
        ("2016-11-02T12:34:34.123Z", 1_478_090_074_123_000, "2016-11-02T12:34:34.123000Z"),
        // Digits past the sixth are truncated, never rounded up.
        ("2016-11-02T12:34:34.1234569999Z", 1_478_090_074_123_456, "2016-11-02T12:34:34.123456Z"),
        ("2000-02-29T00:00:00.000000Z", 951_782_400_000_000, "2000-02-29T00:00:00.000000Z"),
        ("1900-03-01T00:00:00.000001Z", -2_203_891_199_999_999, "1900-03-01T00:00:00.000001Z"),
        ("2038-01-19T03:14:08Z", 2_147_483_648_000_000, "2038-01-19T03:14:08.000000Z"),
        ("0000-01-01T00:00:00Z", MIN_MICROS, "0000-01-01T00:00:00.000000Z"),
        ("9999-12-31T23:59:59.999999Z", MAX_MICROS, "9999-12-31T23:59:59.999999Z"),
    ];
    for &(text, micros, canonical) in cases {
        check(text, micros, canonical);
    }
}

#[derive(Debug, PartialEq)]
enum Reject {
    Syntax,
    Calendar,
}

#[test]
fn rejects() {
    use Reject::*;
    let long_fraction = format!("2016-11-02T12:34:34.{}Z", "1".repeat(60));
    let cases: &[(&str, Reject)] = &[
        ("", Syntax),
        ("2016-11-02", Syntax),
        ("2016-11-02T12:34:34.123456", Syntax),
        ("2016-11-02T12:34:34.123456z", Syntax),
        ("2016-11-02t12:34:34Z", Syntax),
        ("2016-11-02 12:34:34Z", Syntax),
        ("2016-11-02T12:34:34.Z", Syntax),
        ("2016-11-02T12:34:34+00:00", Syntax),
        ("2016-11-02T12:34:34.000+00:00", Syntax),
        ("2016-11-02T12:34:34.12a4Z", Syntax),
        ("2016-1a-02T12:34:34Z", Syntax),
        ("+016-11-02T12:34:34Z", Syntax),
        ("20161-11-02T12:34:34Z", Syntax),
        ("2016-11-2T12:34:34Z", Syntax),
        ("2016/11/02T12:34:34Z", Syntax),
        ("２016-11-02T12:34:34Z", Syntax),
        // The manifest example of §5.3 itself: three digits of seconds.
        ("2016-11-04T03:04:051Z", Syntax),
        (&long_fraction, Syntax),
        ("2016-13-01T00:00:00Z", Calendar),
        ("2016-00-01T00:00:00Z", Calendar),
        ("2016-11-00T00:00:00Z", Calendar),
        ("2016-04-31T00:00:00Z", Calendar),
        ("2015-02-29T00:00:00Z", Calendar),
        ("1900-02-29T00:00:00Z", Calendar),
        ("2016-11-02T24:00:00Z", Calendar),
        ("2016-11-02T23:60:00Z", Calendar),
        // A leap second has no microsecond count of its own.
        ("2016-12-31T23:59:60Z", Calendar),
    ];
    for (text, expected) in cases {
        let got = match parse_timestamp(text) {
            Ok(micros) => panic!("{text:?} parsed as {micros}"),
            Err(TimestampError::Syntax { .. }) => Syntax,
            Err(TimestampError::Calendar { .. }) => Calendar,
        };
        assert_eq!(&got, expected, "{text:?}");
    }
}

#[test]
fn error_messages_are_bounded() {
    let huge = "9".repeat(10_000);
    let message = parse_timestamp(&huge).unwrap_err().to_string();
    assert!(message.len() < 200, "{message}");
}

#[test]
fn timestamp_serializes_as_taxii_string() {
    let at: Timestamp = "2016-11-02T12:34:34.12345Z".parse().unwrap();
    assert_eq!(at.micros(), 1_478_090_074_123_450);
    assert_eq!(serde_json::to_string(&at).unwrap(), r#""2016-11-02T12:34:34.123450Z""#);
    let back: Timestamp = serde_json::from_str(r#""2016-11-02T12:34:34.123450Z""#).unwrap();
    assert_eq!(back, at);
    assert!(serde_json::from_str::<Timestamp>(r#""2016-02-30T00:00:00Z""#).is_err());
    assert!(serde_json::from_str::<Timestamp>("1478090074").is_err());
    assert!(Timestamp::from_micros(0).unwrap() < at);
}
