use selat_taxii::media::{MAX_MEDIA_HEADER_BYTES, MAX_MEDIA_RANGES};
use selat_taxii::{STIX_MEDIA_TYPE, TAXII_MEDIA_TYPE, accept_allows, content_type_is};

const TAXII: &str = TAXII_MEDIA_TYPE;
const STIX: &str = STIX_MEDIA_TYPE;

#[test]
fn accept_negotiation() {
    let cases: &[(Option<&str>, &str, bool)] = &[
        // RFC 7231 §5.3.2: no Accept header means any media type.
        (None, TAXII, true),
        (Some("application/taxii+json;version=2.1"), TAXII, true),
        // No version parameter: the latest version the server supports (§1.6.8.2).
        (Some("application/taxii+json"), TAXII, true),
        (Some("application/taxii+json;version=2.0"), TAXII, false),
        (Some("application/taxii+json; version=2.1"), TAXII, true),
        (Some(" application/taxii+json ; version=2.1 "), TAXII, true),
        (Some("Application/TAXII+JSON;Version=2.1"), TAXII, true),
        (Some("application/taxii+json;version=\"2.1\""), TAXII, true),
        (Some("application/taxii+json;charset=utf-8;version=2.1"), TAXII, true),
        (Some("application/taxii+json;;version=2.1"), TAXII, true),
        (Some("*/*"), TAXII, true),
        (Some("application/*"), TAXII, true),
        (Some("text/*"), TAXII, false),
        (Some("application/json"), TAXII, false),
        (Some("text/html, application/xhtml+xml, */*;q=0.8"), TAXII, true),
        // q=0 means "not acceptable"; the most specific matching range decides.
        (Some("application/taxii+json;version=2.1;q=0"), TAXII, false),
        (Some("application/taxii+json;q=0, */*"), TAXII, false),
        (Some("application/taxii+json;version=2.1;q=0, application/taxii+json"), TAXII, false),
        (Some("*/*;q=0, application/taxii+json"), TAXII, true),
        (Some("application/*;q=0, application/taxii+json;version=2.1;q=0.001"), TAXII, true),
        (Some("application/taxii+json;version=2.0, application/taxii+json;version=2.1;q=0.1"), TAXII, true),
        (Some("application/taxii+json;version=2.0, */*"), TAXII, true),
        (Some("application/taxii+json;q=1.0"), TAXII, true),
        (Some("application/taxii+json;q=1.000"), TAXII, true),
        // A malformed weight or range is ignored, not the whole header.
        (Some("application/taxii+json;q=2"), TAXII, false),
        (Some("application/taxii+json;q=1.5"), TAXII, false),
        (Some("application/taxii+json;q=0.0001"), TAXII, false),
        (Some("application/taxii+json;q=abc, */*;q=0.5"), TAXII, true),
        (Some("*/taxii+json"), TAXII, false),
        (Some("application/taxii+json;version=\"2.1"), TAXII, false),
        (Some("garbage"), TAXII, false),
        (Some(""), TAXII, false),
        (Some(" , "), TAXII, false),
        // Accept-extensions after q, with a quoted comma that must not split the header.
        (Some("application/taxii+json;version=2.1;q=0.5;ext=\"a,b\""), TAXII, true),
        // The manifest endpoint's Accept example (§5.3) names both types.
        (Some("application/taxii+json;version=2.1,application/stix+json;version=2.1"), STIX, true),
        (Some("application/taxii+json;version=2.1"), STIX, false),
        (Some("application/stix+json"), STIX, true),
    ];
    for &(accept, wanted, expected) in cases {
        assert_eq!(accept_allows(accept, wanted), expected, "Accept: {accept:?}, wanted {wanted}");
    }
}

#[test]
fn accept_limits() {
    let long = format!("{}, {TAXII}", "x/y;p=1".repeat(MAX_MEDIA_HEADER_BYTES / 7));
    assert!(!accept_allows(Some(&long), TAXII), "header over MAX_MEDIA_HEADER_BYTES");
    let many = format!("{}{TAXII}", "text/plain,".repeat(MAX_MEDIA_RANGES));
    assert!(!accept_allows(Some(&many), TAXII), "range past MAX_MEDIA_RANGES");
    let enough = format!("{}{TAXII}", "text/plain,".repeat(MAX_MEDIA_RANGES - 1));
    assert!(accept_allows(Some(&enough), TAXII), "last range within MAX_MEDIA_RANGES");
}

#[test]
fn content_type_matching() {
    let cases: &[(Option<&str>, &str, bool)] = &[
        (None, TAXII, false),
        (Some("application/taxii+json;version=2.1"), TAXII, true),
        (Some("application/taxii+json"), TAXII, true),
        (Some("application/taxii+json; charset=utf-8"), TAXII, true),
        (Some("APPLICATION/TAXII+JSON; VERSION=2.1"), TAXII, true),
        (Some("application/taxii+json;version=\"2.1\""), TAXII, true),
        (Some("application/taxii+json;version=2.0"), TAXII, false),
        (Some("application/json"), TAXII, false),
        (Some("application/stix+json;version=2.1"), TAXII, false),
        (Some("*/*"), TAXII, false),
        (Some("application/*"), TAXII, false),
        (Some("application/taxii+json, application/json"), TAXII, false),
        (Some(""), TAXII, false),
        (Some("application/taxii+json;version"), TAXII, false),
        (Some(STIX), STIX, true),
        (Some(TAXII), STIX, false),
    ];
    for &(content_type, wanted, expected) in cases {
        assert_eq!(content_type_is(content_type, wanted), expected, "Content-Type: {content_type:?}");
    }
}
