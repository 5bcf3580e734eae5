use base64::Engine as _;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use hmac::{Hmac, KeyInit, Mac};
use selat_taxii::cursor::{MAX_COLLECTION_ID_BYTES, MAX_CURSOR_BYTES};
use selat_taxii::{Cursor, CursorError};

const KEY: &[u8] = b"0123456789abcdef0123456789abcdef";
const COLLECTION: &str = "91a7b528-80eb-42ed-a74d-c6fbd5a26116";

fn cursor(after_us: i64) -> Cursor {
    Cursor { collection_id: COLLECTION.to_owned(), after_us, filter_digest: [7; 16] }
}

#[test]
fn round_trips() {
    let cases = [
        cursor(0),
        cursor(1_478_090_074_123_456),
        cursor(-1),
        cursor(i64::MIN),
        cursor(i64::MAX),
        Cursor { collection_id: String::new(), after_us: 5, filter_digest: [0; 16] },
        Cursor { collection_id: "ünïcödé-alias".into(), after_us: 5, filter_digest: [255; 16] },
        Cursor { collection_id: "c".repeat(MAX_COLLECTION_ID_BYTES), after_us: 9, filter_digest: [1; 16] },
    ];
    for original in cases {
        let text = original.encode(KEY);
        assert!(text.len() <= MAX_CURSOR_BYTES, "{} chars", text.len());
        assert!(text.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_'), "{text}");
        assert_eq!(text, original.encode(KEY), "deterministic");
        assert_eq!(Cursor::decode(&text, KEY), Ok(original.clone()));
    }
}

#[test]
#[should_panic(expected = "collection id")]
fn encode_refuses_an_overlong_collection_id() {
    let too_long = Cursor {
        collection_id: "c".repeat(MAX_COLLECTION_ID_BYTES + 1),
        after_us: 0,
        filter_digest: [0; 16],
    };
    too_long.encode(KEY);
}

#[test]
fn another_key_is_refused() {
    let text = cursor(42).encode(KEY);
    for other in [&b"0123456789abcdef0123456789abcdeF"[..], b"", b"short", &[0u8; 200]] {
        assert_eq!(Cursor::decode(&text, other), Err(CursorError::BadTag), "key {other:?}");
    }
}

/// Changing any single bit of the signed bytes, payload or tag, is caught.
#[test]
fn every_tampered_bit_is_refused() {
    let bytes = URL_SAFE_NO_PAD.decode(cursor(42).encode(KEY)).unwrap();
    for at in 0..bytes.len() {
        for bit in 0..8 {
            let mut tampered = bytes.clone();
            tampered[at] ^= 1 << bit;
            let text = URL_SAFE_NO_PAD.encode(&tampered);
            assert_eq!(Cursor::decode(&text, KEY), Err(CursorError::BadTag), "byte {at} bit {bit}");
        }
    }
}

#[test]
fn truncated_or_extended_text_is_refused() {
    let text = cursor(42).encode(KEY);
    for end in 0..text.len() {
        let got = Cursor::decode(&text[..end], KEY);
        assert!(matches!(got, Err(CursorError::Malformed | CursorError::BadTag)), "{end}: {got:?}");
    }
    let bytes = URL_SAFE_NO_PAD.decode(&text).unwrap();
    for extra in [&b"\0"[..], b"abc", &[0u8; 32]] {
        let extended = URL_SAFE_NO_PAD.encode([&bytes[..], extra].concat());
        assert_eq!(Cursor::decode(&extended, KEY), Err(CursorError::BadTag), "{extra:?}");
    }
}

#[test]
fn text_that_is_not_a_cursor_is_refused() {
    let valid = cursor(42).encode(KEY);
    let cases: Vec<(String, CursorError)> = vec![
        (String::new(), CursorError::Malformed),
        ("abc".into(), CursorError::Malformed),
        ("not base64!".into(), CursorError::Malformed),
        (format!("{valid}="), CursorError::Malformed),
        (valid.replace('-', "+").replace('_', "/") + "+/", CursorError::Malformed),
        ("123456789".into(), CursorError::Malformed),
        (
            "A".repeat(MAX_CURSOR_BYTES + 1),
            CursorError::TooLong { bytes: MAX_CURSOR_BYTES + 1, max: MAX_CURSOR_BYTES },
        ),
    ];
    for (text, expected) in cases {
        assert_eq!(Cursor::decode(&text, KEY), Err(expected), "{text:.40?}");
    }
}

/// Signs arbitrary payload bytes with `KEY`, as only the server could.
fn signed(payload: &[u8]) -> String {
    let mut mac = <Hmac<sha2::Sha256> as KeyInit>::new_from_slice(KEY).unwrap();
    mac.update(payload);
    let tag = mac.finalize().into_bytes();
    URL_SAFE_NO_PAD.encode([payload, &tag[..]].concat())
}

#[test]
fn authentic_but_unreadable_payloads_are_refused() {
    let mut layout = vec![1u8];
    layout.extend_from_slice(&42i64.to_be_bytes());
    layout.extend_from_slice(&[7; 16]);
    layout.push(3);
    layout.extend_from_slice(b"abc");
    assert_eq!(Cursor::decode(&signed(&layout), KEY).map(|c| c.collection_id), Ok("abc".to_owned()));

    let mut future = layout.clone();
    future[0] = 2;
    assert_eq!(Cursor::decode(&signed(&future), KEY), Err(CursorError::UnknownFormat(2)));
    let mut bad_length = layout.clone();
    bad_length[25] = 4;
    assert_eq!(Cursor::decode(&signed(&bad_length), KEY), Err(CursorError::Malformed));
    let mut bad_utf8 = layout.clone();
    bad_utf8[26] = 0xff;
    assert_eq!(Cursor::decode(&signed(&bad_utf8), KEY), Err(CursorError::Malformed));
}

#[test]
fn check_binds_collection_and_filters() {
    let issued = cursor(42);
    assert_eq!(issued.check(COLLECTION, &[7; 16]), Ok(()));
    assert_eq!(
        issued.check("52892447-4d7e-4f70-b94d-d7f22742ff63", &[7; 16]),
        Err(CursorError::WrongCollection)
    );
    assert_eq!(issued.check(COLLECTION, &[8; 16]), Err(CursorError::FiltersChanged));

    let text = issued.encode(KEY);
    assert_eq!(Cursor::resume_after(&text, KEY, COLLECTION, &[7; 16]), Ok(42));
    assert_eq!(Cursor::resume_after(&text, KEY, "other", &[7; 16]), Err(CursorError::WrongCollection));
    assert_eq!(Cursor::resume_after(&text, KEY, COLLECTION, &[0; 16]), Err(CursorError::FiltersChanged));
    assert_eq!(Cursor::resume_after(&text, b"other key", COLLECTION, &[7; 16]), Err(CursorError::BadTag));
}

/// The whole loop a server runs: digest the query, issue a cursor, read it back with the next
/// request, and refuse it once the client changes its filters.
#[test]
fn cursor_with_query_digest() {
    use selat_taxii::{Endpoint, ObjectsQuery};
    let first = ObjectsQuery::parse("match[type]=indicator&limit=2", Endpoint::Objects).unwrap();
    let next =
        Cursor { collection_id: COLLECTION.into(), after_us: 99, filter_digest: first.filter_digest(None) }
            .encode(KEY);

    let second =
        ObjectsQuery::parse(&format!("match[type]=indicator&limit=5&next={next}"), Endpoint::Objects)
            .unwrap();
    let text = second.next.as_deref().unwrap();
    assert_eq!(Cursor::resume_after(text, KEY, COLLECTION, &second.filter_digest(None)), Ok(99));

    let changed =
        ObjectsQuery::parse(&format!("match[type]=malware&next={next}"), Endpoint::Objects).unwrap();
    let text = changed.next.as_deref().unwrap();
    assert_eq!(
        Cursor::resume_after(text, KEY, COLLECTION, &changed.filter_digest(None)),
        Err(CursorError::FiltersChanged)
    );
}
