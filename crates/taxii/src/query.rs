//! The URL query parameters of the filtering endpoints (TAXII 2.1 §3.4).
//!
//! Decisions where the specification leaves room:
//! - Parameters this crate does not know (`foo=1`, `match[foo]=1`) are ignored: §3.4 lets a
//!   server ignore match fields it does not understand, and ignoring the rest keeps cache-busting
//!   and vendor parameters harmless. They still count towards [`MAX_QUERY_PARAMS`].
//! - A known parameter that the endpoint does not take (`match[id]` on Get an Object, anything
//!   but `match[version]`/`match[spec_version]` on Delete) is a 400, not silently ignored: the
//!   client asked for a filter the answer would not honour. The per-endpoint lists are the "URL
//!   Filtering Parameters" of §5.3, §5.4, §5.6, §5.7 and §5.8.
//! - Every known parameter may appear once: §3.4 says so of `added_after` and of each
//!   `match[<field>]`, and `limit` and `next` are "a single" value.
//! - Repeated values inside `match[id]`, `match[type]` and `match[spec_version]` are dropped;
//!   inside `match[version]` they are a 400, because §3.4.1 forbids them there.
//! - `match[version]` timestamps follow the STIX rules (any number of fraction digits) and
//!   match by instant, so `…01Z` and `…01.000Z` are the same version.
//! - `limit` above the server's page size is not an error (§3.4): it is recorded as sent and
//!   [`ObjectsQuery::page_size`] applies the server's cap. It must fit TAXII's integer type
//!   (§2), so at most [`MAX_LIMIT`].
//! - Without `match[version]` the Get endpoints return the latest version (§3.4.1); the versions
//!   endpoint lists every version; a Delete without it removes every version of the object (§5.7
//!   does not say, and removing the whole object is what a client asking to delete it means).
//! - The first problem found is reported, in query-string order: a 400 carries one clear message,
//!   and the size limits must stop the parse early anyway.

use std::fmt;

use sha2::{Digest, Sha256};

use crate::timestamp::{Timestamp, TimestampError};

/// Longest query string accepted, in bytes as received (before percent-decoding).
pub const MAX_QUERY_BYTES: usize = 8 * 1024;
/// Most `name=value` pairs in one query string, unknown ones included.
pub const MAX_QUERY_PARAMS: usize = 32;
/// Most comma-separated values in one `match[<field>]` parameter.
pub const MAX_FILTER_VALUES: usize = 100;
/// Largest `limit`: TAXII integers are at most 2^53 − 1 (§2, `integer`).
pub const MAX_LIMIT: u64 = (1 << 53) - 1;
/// Longest value quoted back in an error message.
const MAX_ECHO_CHARS: usize = 80;

/// An endpoint that takes filtering parameters.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Endpoint {
    /// `GET {api-root}/collections/{id}/objects/` (§5.4).
    Objects,
    /// `GET {api-root}/collections/{id}/manifest/` (§5.3).
    Manifest,
    /// `GET {api-root}/collections/{id}/objects/{object-id}/` (§5.6).
    Object,
    /// `GET {api-root}/collections/{id}/objects/{object-id}/versions/` (§5.8).
    ObjectVersions,
    /// `DELETE {api-root}/collections/{id}/objects/{object-id}/` (§5.7).
    DeleteObject,
}

impl Endpoint {
    /// Whether this endpoint takes `param`, per its "URL Filtering Parameters" list.
    fn allows(self, param: Param) -> bool {
        use Param::*;
        match self {
            Endpoint::Objects | Endpoint::Manifest => true,
            Endpoint::Object => !matches!(param, MatchId | MatchType),
            Endpoint::ObjectVersions => matches!(param, AddedAfter | Limit | Next | MatchSpecVersion),
            Endpoint::DeleteObject => matches!(param, MatchVersion | MatchSpecVersion),
        }
    }

    /// A stable byte for the filter digest; never reuse a value.
    fn digest_tag(self) -> u8 {
        match self {
            Endpoint::Objects => 1,
            Endpoint::Manifest => 2,
            Endpoint::Object => 3,
            Endpoint::ObjectVersions => 4,
            Endpoint::DeleteObject => 5,
        }
    }
}

impl fmt::Display for Endpoint {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Endpoint::Objects => "Get Objects (TAXII 2.1 §5.4)",
            Endpoint::Manifest => "Get Object Manifests (TAXII 2.1 §5.3)",
            Endpoint::Object => "Get an Object (TAXII 2.1 §5.6)",
            Endpoint::ObjectVersions => "Get Object Versions (TAXII 2.1 §5.8)",
            Endpoint::DeleteObject => "Delete an Object (TAXII 2.1 §5.7)",
        })
    }
}

/// The parameters this crate knows.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Param {
    AddedAfter,
    Limit,
    Next,
    MatchId,
    MatchType,
    MatchVersion,
    MatchSpecVersion,
}

impl Param {
    const ALL: [Param; 7] = [
        Param::AddedAfter,
        Param::Limit,
        Param::Next,
        Param::MatchId,
        Param::MatchType,
        Param::MatchVersion,
        Param::MatchSpecVersion,
    ];

    /// The name exactly as TAXII writes it; names are case-sensitive (§3.8).
    fn name(self) -> &'static str {
        match self {
            Param::AddedAfter => "added_after",
            Param::Limit => "limit",
            Param::Next => "next",
            Param::MatchId => "match[id]",
            Param::MatchType => "match[type]",
            Param::MatchVersion => "match[version]",
            Param::MatchSpecVersion => "match[spec_version]",
        }
    }

    fn from_name(name: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|p| p.name() == name)
    }
}

/// One value of `match[version]` (§3.4.1).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum VersionFilter {
    /// `first`: the earliest version of each object.
    First,
    /// `last`: the latest version of each object (the default of the Get endpoints).
    Last,
    /// `all`: every version; never combined with another value.
    All,
    /// The version whose `modified` (else `created`) is this instant.
    At(Timestamp),
}

/// The filters, paging and cursor of one request to a filtering endpoint.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ObjectsQuery {
    pub endpoint: Endpoint,
    /// Only objects added strictly after this instant.
    pub added_after: Option<Timestamp>,
    /// The client's page size, 1..=[`MAX_LIMIT`], possibly above the server's; see
    /// [`ObjectsQuery::page_size`].
    pub limit: Option<u64>,
    /// The opaque `next` value, to be read with [`crate::Cursor::decode`].
    pub next: Option<String>,
    /// STIX ids, any of which matches; empty means any id.
    pub match_id: Vec<String>,
    /// STIX types, any of which matches; empty means any type.
    pub match_type: Vec<String>,
    /// As sent; empty when absent. [`ObjectsQuery::versions`] applies the default.
    pub match_version: Vec<VersionFilter>,
    /// STIX `spec_version`s (`"2.1"`); empty means the latest the server has of each object.
    pub match_spec_version: Vec<String>,
}

/// Why a query string was refused; each becomes a 400 (§3.4: malformed parameters MUST).
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum QueryError {
    /// The query string is longer than [`MAX_QUERY_BYTES`]; send fewer or shorter filters.
    #[error("the query string is {bytes} bytes long; at most {max} are accepted")]
    TooLong { bytes: usize, max: usize },
    /// More than [`MAX_QUERY_PARAMS`] parameters; send fewer.
    #[error("the query string has more than {max} parameters")]
    TooManyParams { max: usize },
    /// A `match[<field>]` lists more than [`MAX_FILTER_VALUES`] values; split the request.
    #[error("`{param}` lists {count} values; at most {max} are accepted")]
    TooManyValues { param: &'static str, count: usize, max: usize },
    /// A parameter appears twice; send it once, with comma-separated values where it takes several.
    #[error("`{param}` appears more than once; send it once (TAXII 2.1 §3.4)")]
    Duplicate { param: &'static str },
    /// The endpoint does not take this parameter; drop it.
    #[error("`{param}` is not a filter of {endpoint}")]
    NotAllowed { param: &'static str, endpoint: Endpoint },
    /// The parameter, or one of its comma-separated values, is empty.
    #[error("`{param}` has an empty value")]
    Empty { param: &'static str },
    /// A value has the wrong form; `reason` says which form is expected.
    #[error("`{param}` value {value:?} is invalid: {reason}")]
    Invalid { param: &'static str, value: String, reason: &'static str },
}

impl QueryError {
    /// The parameter at fault, if the problem is one parameter's.
    pub fn param(&self) -> Option<&'static str> {
        match self {
            QueryError::TooLong { .. } | QueryError::TooManyParams { .. } => None,
            QueryError::TooManyValues { param, .. }
            | QueryError::Duplicate { param }
            | QueryError::NotAllowed { param, .. }
            | QueryError::Empty { param }
            | QueryError::Invalid { param, .. } => Some(param),
        }
    }

    fn invalid(param: Param, value: &str, reason: &'static str) -> Self {
        QueryError::Invalid {
            param: param.name(),
            value: value.chars().take(MAX_ECHO_CHARS).collect(),
            reason,
        }
    }
}

impl ObjectsQuery {
    /// No filters, no paging: what an empty query string means for `endpoint`.
    pub fn new(endpoint: Endpoint) -> Self {
        Self {
            endpoint,
            added_after: None,
            limit: None,
            next: None,
            match_id: Vec::new(),
            match_type: Vec::new(),
            match_version: Vec::new(),
            match_spec_version: Vec::new(),
        }
    }

    /// Parses the query string of a request (the part after `?`; a leading `?` is skipped),
    /// percent-decoding names and values.
    pub fn parse(query_string: &str, endpoint: Endpoint) -> Result<Self, QueryError> {
        let query = query_string.strip_prefix('?').unwrap_or(query_string);
        if query.len() > MAX_QUERY_BYTES {
            return Err(QueryError::TooLong { bytes: query.len(), max: MAX_QUERY_BYTES });
        }
        let mut parsed = Self::new(endpoint);
        let mut seen = Vec::with_capacity(Param::ALL.len());
        for (index, (name, value)) in form_urlencoded::parse(query.as_bytes()).enumerate() {
            if index == MAX_QUERY_PARAMS {
                return Err(QueryError::TooManyParams { max: MAX_QUERY_PARAMS });
            }
            let Some(param) = Param::from_name(&name) else {
                continue;
            };
            if !endpoint.allows(param) {
                return Err(QueryError::NotAllowed { param: param.name(), endpoint });
            }
            if seen.contains(&param) {
                return Err(QueryError::Duplicate { param: param.name() });
            }
            seen.push(param);
            if value.is_empty() {
                return Err(QueryError::Empty { param: param.name() });
            }
            parsed.set(param, &value)?;
        }
        Ok(parsed)
    }

    fn set(&mut self, param: Param, value: &str) -> Result<(), QueryError> {
        match param {
            Param::AddedAfter => self.added_after = Some(parse_instant(param, value)?),
            Param::Limit => self.limit = Some(parse_limit(value)?),
            Param::Next => self.next = Some(value.to_owned()),
            Param::MatchId => self.match_id = distinct(param, value, is_identifier, ID_FORM)?,
            Param::MatchType => self.match_type = distinct(param, value, is_type_name, TYPE_FORM)?,
            Param::MatchSpecVersion => {
                self.match_spec_version = distinct(param, value, is_spec_version, SPEC_VERSION_FORM)?
            }
            Param::MatchVersion => self.match_version = parse_versions(value)?,
        }
        Ok(())
    }

    /// The `match[version]` values in force: as sent, else the endpoint's default — `last` for
    /// the Get endpoints (§3.4.1), `all` for the versions endpoint and for Delete.
    pub fn versions(&self) -> &[VersionFilter] {
        if !self.match_version.is_empty() {
            return &self.match_version;
        }
        match self.endpoint {
            Endpoint::Objects | Endpoint::Manifest | Endpoint::Object => &[VersionFilter::Last],
            Endpoint::ObjectVersions | Endpoint::DeleteObject => &[VersionFilter::All],
        }
    }

    /// How many items to put on this page: the client's `limit` capped by the server's page
    /// size, or the server's page size when the client sent none.
    pub fn page_size(&self, server_max: u64) -> u64 {
        self.limit.map_or(server_max, |limit| limit.min(server_max))
    }

    /// A digest of what this query selects — the endpoint, the path's object id if any, and the
    /// normalized `match[…]` filters (sorted, repeated values dropped, `match[version]` defaulted)
    /// — but not `added_after`, `limit` or `next`, which a client may change from page to page.
    ///
    /// A server stores it in the [`crate::Cursor`] it issues and compares it when the cursor comes
    /// back, so a `next` is only ever used with the filters it was issued for.
    pub fn filter_digest(&self, object_id: Option<&str>) -> [u8; 16] {
        let mut hasher = Sha256::new();
        hasher.update(b"selat-taxii filter digest v1\0");
        hasher.update([self.endpoint.digest_tag()]);
        digest_strings(&mut hasher, object_id.into_iter());
        digest_strings(&mut hasher, normalized(&self.match_id).into_iter());
        digest_strings(&mut hasher, normalized(&self.match_type).into_iter());
        digest_strings(&mut hasher, normalized(&self.match_spec_version).into_iter());
        let mut versions = self.versions().to_vec();
        versions.sort_unstable();
        versions.dedup();
        hasher.update((versions.len() as u64).to_be_bytes());
        for version in versions {
            match version {
                VersionFilter::First => hasher.update([1]),
                VersionFilter::Last => hasher.update([2]),
                VersionFilter::All => hasher.update([3]),
                VersionFilter::At(at) => {
                    hasher.update([4]);
                    hasher.update(at.micros().to_be_bytes());
                }
            }
        }
        let full = hasher.finalize();
        let mut digest = [0u8; 16];
        digest.copy_from_slice(&full[..16]);
        digest
    }
}

/// Feeds a list of strings unambiguously: a count, then each string's length and bytes.
fn digest_strings<'s>(hasher: &mut Sha256, items: impl ExactSizeIterator<Item = &'s str>) {
    hasher.update((items.len() as u64).to_be_bytes());
    for item in items {
        hasher.update((item.len() as u64).to_be_bytes());
        hasher.update(item.as_bytes());
    }
}

fn normalized(values: &[String]) -> Vec<&str> {
    let mut sorted: Vec<&str> = values.iter().map(String::as_str).collect();
    sorted.sort_unstable();
    sorted.dedup();
    sorted
}

const TIMESTAMP_FORM: &str = "expected a UTC timestamp such as 2016-11-02T12:34:34.123456Z";
const CALENDAR_FORM: &str = "no such date and time";
const ID_FORM: &str = "expected a STIX identifier such as indicator--3600ad1b-fff1-4c98-bcc9-4de3bc2e2ffb";
const TYPE_FORM: &str = "expected a STIX type: 3-250 characters a-z, 0-9 and '-', starting with a letter";
const SPEC_VERSION_FORM: &str = "expected a STIX specification version such as 2.1";

fn parse_instant(param: Param, value: &str) -> Result<Timestamp, QueryError> {
    let micros = crate::timestamp::parse_timestamp(value).map_err(|e| match e {
        TimestampError::Syntax { .. } => QueryError::invalid(param, value, TIMESTAMP_FORM),
        TimestampError::Calendar { .. } => QueryError::invalid(param, value, CALENDAR_FORM),
    })?;
    Timestamp::from_micros(micros).ok_or_else(|| QueryError::invalid(param, value, CALENDAR_FORM))
}

fn parse_limit(value: &str) -> Result<u64, QueryError> {
    let invalid = |reason| QueryError::invalid(Param::Limit, value, reason);
    // Digits only: no sign, no spaces, no exponent. Sixteen digits already exceed MAX_LIMIT.
    if value.len() > 16 || !value.bytes().all(|b| b.is_ascii_digit()) {
        return Err(invalid("expected a whole number such as 100"));
    }
    match value.parse::<u64>() {
        Ok(0) => Err(invalid("must be greater than zero (TAXII 2.1 §3.4)")),
        Ok(limit) if limit <= MAX_LIMIT => Ok(limit),
        _ => Err(invalid("must be at most 9007199254740991 (TAXII 2.1 §2, integer)")),
    }
}

/// The comma-separated values of `value` (§3.4: "separated by a comma … without any spaces").
fn split_values(param: Param, value: &str) -> Result<Vec<&str>, QueryError> {
    let count = value.split(',').count();
    if count > MAX_FILTER_VALUES {
        return Err(QueryError::TooManyValues { param: param.name(), count, max: MAX_FILTER_VALUES });
    }
    let values: Vec<&str> = value.split(',').collect();
    if values.iter().any(|v| v.is_empty()) {
        return Err(QueryError::Empty { param: param.name() });
    }
    Ok(values)
}

/// The values of `value`, each checked by `valid`, first occurrences only, in the order sent.
fn distinct(
    param: Param,
    value: &str,
    valid: fn(&str) -> bool,
    form: &'static str,
) -> Result<Vec<String>, QueryError> {
    let mut kept: Vec<String> = Vec::new();
    for item in split_values(param, value)? {
        if !valid(item) {
            return Err(QueryError::invalid(param, item, form));
        }
        if !kept.iter().any(|k| k == item) {
            kept.push(item.to_owned());
        }
    }
    Ok(kept)
}

fn parse_versions(value: &str) -> Result<Vec<VersionFilter>, QueryError> {
    let param = Param::MatchVersion;
    let mut versions = Vec::new();
    for item in split_values(param, value)? {
        let version = match item {
            "first" => VersionFilter::First,
            "last" => VersionFilter::Last,
            "all" => VersionFilter::All,
            _ => VersionFilter::At(parse_instant(param, item).map_err(|_| {
                QueryError::invalid(param, item, "expected first, last, all or a STIX timestamp")
            })?),
        };
        if versions.contains(&version) {
            return Err(QueryError::invalid(param, item, "repeated; each value may appear once (§3.4.1)"));
        }
        versions.push(version);
    }
    if versions.len() > 1 && versions.contains(&VersionFilter::All) {
        return Err(QueryError::invalid(param, value, "`all` cannot be combined with other values (§3.4.1)"));
    }
    Ok(versions)
}

/// A STIX type name: 3–250 characters of `a-z`, `0-9` and `-`, starting with a letter, not ending
/// with `-`, no `--` (the id separator) — the rule `selat-stix` applies (STIX 2.1 §3.1 `type`).
pub fn is_type_name(name: &str) -> bool {
    let b = name.as_bytes();
    (3..=250).contains(&b.len())
        && b[0].is_ascii_lowercase()
        && b[b.len() - 1] != b'-'
        && b.iter().all(|&c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == b'-')
        && !name.contains("--")
}

/// A STIX identifier: `type--uuid`, the UUID in canonical 8-4-4-4-12 hex form with the RFC 4122
/// variant (STIX 2.1 §2.9), as `selat-stix` checks it.
pub fn is_identifier(id: &str) -> bool {
    let Some((object_type, uuid)) = id.rsplit_once("--") else {
        return false;
    };
    let u = uuid.as_bytes();
    is_type_name(object_type)
        && u.len() == 36
        && u.iter().enumerate().all(|(at, &c)| match at {
            8 | 13 | 18 | 23 => c == b'-',
            _ => c.is_ascii_hexdigit(),
        })
        && matches!(u[19], b'8' | b'9' | b'a' | b'b' | b'A' | b'B')
}

/// A specification version `major.minor` (`2.1`), each part 1–4 digits.
fn is_spec_version(version: &str) -> bool {
    let part = |p: &str| (1..=4).contains(&p.len()) && p.bytes().all(|b| b.is_ascii_digit());
    version.split_once('.').is_some_and(|(major, minor)| part(major) && part(minor))
}
