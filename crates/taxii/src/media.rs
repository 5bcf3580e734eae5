//! Media types and content negotiation (TAXII 2.1 §1.6.8 and §3.1, RFC 7231 §3.1.1 and §5.3.2).
//!
//! Decisions where the specification leaves room:
//! - A missing `Accept` header is acceptable: §3.1 says requests MUST send one, but it names no
//!   error for its absence, and RFC 7231 §5.3.2 reads absence as "any media type". An `Accept`
//!   header that is present but lists nothing usable (empty, or only malformed ranges) is not.
//! - A media type without the `version` parameter means "the latest version the server supports"
//!   (§1.6.8.2), which for Selat is 2.1: `application/taxii+json` matches
//!   [`TAXII_MEDIA_TYPE`]. A different `version` never matches.
//! - `*/*` and `application/*` match (a server MAY satisfy ranges not defined for an endpoint,
//!   §3.1), with RFC 7231 precedence: the most specific range that matches decides, so
//!   `application/taxii+json;q=0, */*` refuses TAXII.
//! - Types, subtypes and parameter names compare case-insensitively; the `version` value
//!   compares exactly after quotes are removed. Parameters other than `version` (`charset`, …)
//!   neither help nor hurt a match.
//! - A malformed range or `q` value makes that one range ignored, never the whole header.

/// The TAXII 2.1 media type (§1.6.8.2), for every TAXII request and response body.
pub const TAXII_MEDIA_TYPE: &str = "application/taxii+json;version=2.1";

/// The STIX 2.1 media type, as listed in a collection's `media_types` and manifest records.
pub const STIX_MEDIA_TYPE: &str = "application/stix+json;version=2.1";

/// Longest `Accept` or `Content-Type` value examined; a longer one matches nothing.
pub const MAX_MEDIA_HEADER_BYTES: usize = 4096;

/// Most media ranges of one `Accept` header examined; later ones are ignored.
pub const MAX_MEDIA_RANGES: usize = 64;

/// Whether a response of media type `wanted` (e.g. [`TAXII_MEDIA_TYPE`]) satisfies the request's
/// `Accept` header. `false` means the caller should answer 406 (Not Acceptable).
pub fn accept_allows(accept_header: Option<&str>, wanted: &str) -> bool {
    let Some(header) = accept_header else {
        return true;
    };
    let Some(wanted) = MediaType::parse(wanted) else {
        debug_assert!(false, "wanted media type {wanted:?} does not parse");
        return false;
    };
    if header.len() > MAX_MEDIA_HEADER_BYTES {
        return false;
    }
    // The most specific matching range decides (RFC 7231 §5.3.2); among equally specific ones
    // (a client repeating itself) the highest weight wins.
    let best = split_outside_quotes(header, b',')
        .take(MAX_MEDIA_RANGES)
        .filter_map(MediaType::parse)
        .filter_map(|range| range.specificity_for(&wanted).map(|s| (s, range.q_millis)))
        .max();
    matches!(best, Some((_, q)) if q > 0)
}

/// Whether a request's `Content-Type` names `wanted` (e.g. [`TAXII_MEDIA_TYPE`]). `false` — absent,
/// malformed, several types, another type or another `version` — means the caller should answer
/// 415 (Unsupported Media Type).
pub fn content_type_is(content_type: Option<&str>, wanted: &str) -> bool {
    let (Some(header), Some(wanted)) = (content_type, MediaType::parse(wanted)) else {
        return false;
    };
    if header.len() > MAX_MEDIA_HEADER_BYTES || split_outside_quotes(header, b',').nth(1).is_some() {
        return false;
    }
    match MediaType::parse(header) {
        // A wildcard is a range for Accept, never a content type.
        Some(given) if given.kind != "*" && given.subtype != "*" => {
            given.specificity_for(&wanted).is_some_and(|s| s >= Specificity::Exact)
        }
        _ => false,
    }
}

/// How closely a media range matches a media type; the order is RFC 7231's precedence.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
enum Specificity {
    Any,
    Subtypes,
    Exact,
    ExactVersion,
}

/// One media type or media range with the parameters negotiation looks at.
#[derive(Debug)]
struct MediaType<'a> {
    kind: &'a str,
    subtype: &'a str,
    version: Option<&'a str>,
    /// The weight in thousandths, 0..=1000 (RFC 7231 §5.3.1); 1000 when absent.
    q_millis: u16,
}

impl<'a> MediaType<'a> {
    /// `type/subtype *( ";" name=value )`, or `None` when the range is malformed.
    fn parse(text: &'a str) -> Option<Self> {
        let mut parts = split_outside_quotes(text, b';');
        let (kind, subtype) = parts.next()?.trim().split_once('/')?;
        if !is_token(kind) || !is_token(subtype) || (kind == "*" && subtype != "*") {
            return None;
        }
        let mut media = Self { kind, subtype, version: None, q_millis: 1000 };
        for param in parts.filter(|p| !p.trim().is_empty()) {
            let (name, value) = param.split_once('=')?;
            let (name, value) = (name.trim(), unquote(value.trim())?);
            if name.eq_ignore_ascii_case("q") {
                media.q_millis = parse_qvalue(value)?;
                // What follows the weight are accept-extensions, not media type parameters.
                break;
            }
            if name.eq_ignore_ascii_case("version") {
                media.version = Some(value);
            }
        }
        Some(media)
    }

    /// How specifically this range matches `wanted`, or `None` when it does not.
    fn specificity_for(&self, wanted: &MediaType<'_>) -> Option<Specificity> {
        if self.kind == "*" {
            return Some(Specificity::Any);
        }
        if !self.kind.eq_ignore_ascii_case(wanted.kind) {
            return None;
        }
        if self.subtype == "*" {
            return Some(Specificity::Subtypes);
        }
        if !self.subtype.eq_ignore_ascii_case(wanted.subtype) {
            return None;
        }
        match (self.version, wanted.version) {
            (Some(mine), Some(theirs)) if mine != theirs => None,
            (Some(_), _) => Some(Specificity::ExactVersion),
            (None, _) => Some(Specificity::Exact),
        }
    }
}

/// `qvalue = ( "0" [ "." 0*3DIGIT ] ) / ( "1" [ "." 0*3("0") ] )`, in thousandths.
fn parse_qvalue(text: &str) -> Option<u16> {
    let (whole, fraction) = text.split_once('.').unwrap_or((text, ""));
    if fraction.len() > 3 || !fraction.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    // "5" is 500 thousandths, "05" is 50: pad on the right to three digits.
    let thousandths = fraction
        .bytes()
        .chain(std::iter::repeat(b'0'))
        .take(3)
        .fold(0u16, |acc, b| acc * 10 + u16::from(b - b'0'));
    match whole {
        "0" => Some(thousandths),
        "1" if thousandths == 0 => Some(1000),
        _ => None,
    }
}

/// An RFC 7230 token (`tchar`s), which is what a type or subtype must be.
fn is_token(text: &str) -> bool {
    !text.is_empty() && text.bytes().all(|b| b.is_ascii_alphanumeric() || b"!#$%&'*+-.^_`|~".contains(&b))
}

/// A parameter value without its surrounding quotes, or `None` for an unterminated quote.
fn unquote(value: &str) -> Option<&str> {
    match value.strip_prefix('"') {
        Some(inner) => inner.strip_suffix('"'),
        None => Some(value),
    }
}

/// Splits `text` at `separator` bytes that are not inside a quoted string (RFC 7230 §3.2.6), so a
/// quoted parameter value may contain commas and semicolons.
fn split_outside_quotes(text: &str, separator: u8) -> impl Iterator<Item = &str> {
    let mut rest = Some(text);
    std::iter::from_fn(move || {
        let current = rest?;
        let (mut quoted, mut escaped) = (false, false);
        for (at, b) in current.bytes().enumerate() {
            match b {
                _ if escaped => escaped = false,
                b'\\' if quoted => escaped = true,
                b'"' => quoted = !quoted,
                _ if b == separator && !quoted => {
                    rest = Some(&current[at + 1..]);
                    return Some(&current[..at]);
                }
                _ => {}
            }
        }
        rest = None;
        Some(current)
    })
}
