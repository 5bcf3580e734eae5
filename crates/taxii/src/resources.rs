//! The TAXII 2.1 resources as serde types, property names exactly as in the specification.
//!
//! Conventions, all from the specification:
//! - Optional properties are skipped when absent, and so are empty lists: "empty lists are
//!   prohibited in TAXII and MUST NOT be used as a substitute for omitting optional properties"
//!   (§2, `list`). Reading, an empty list is taken as absent.
//! - `more: false` is skipped: "the absence of this property means the value is false" (§3.7,
//!   §5.3.1, §5.8.1). So an empty envelope, manifest or versions resource is `{}`, which is what
//!   §5.3.1 and §5.8.1 call "an empty object" and §5.4 "an empty envelope".
//! - Unknown (custom, §7.1) properties are ignored when reading.
//! - Key order carries no meaning in JSON (§1.5.2). The list resources put their list first and
//!   `more`/`next` after it, so that [`EnvelopeWriter`] can stream objects before it knows whether
//!   the page is the last one and still produce the same bytes as serializing an [`Envelope`].

use serde::{Deserialize, Serialize};
use serde_json::value::RawValue;

use crate::timestamp::Timestamp;

fn is_false(value: &bool) -> bool {
    !*value
}

/// The discovery resource (§4.1.1), served at `/taxii2/`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Discovery {
    /// A human readable plain text name for this server.
    pub title: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub description: Option<String>,
    /// Contact information for the server or its administrator.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub contact: Option<String>,
    /// The default API root; MUST be an item of `api_roots`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub default: Option<String>,
    /// HTTPS absolute URLs or `/`-rooted relative URLs of the advertised API roots.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub api_roots: Vec<String>,
}

/// The API root resource (§4.2.1).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ApiRoot {
    pub title: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub description: Option<String>,
    /// TAXII media types with their `version` parameter; MUST include [`crate::TAXII_MEDIA_TYPE`].
    pub versions: Vec<String>,
    /// Largest request body in octets; MUST be positive. Smaller bodies MUST NOT get a 413.
    pub max_content_length: u64,
}

/// The collections resource (§5.1.1): `{}` when there are none.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Collections {
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub collections: Vec<Collection>,
}

/// The collection resource (§5.2.1), as seen by the requesting client.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Collection {
    /// A v4 UUID.
    pub id: String,
    pub title: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub description: Option<String>,
    /// A name unique within the API root that may stand for `id` in URLs.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub alias: Option<String>,
    pub can_read: bool,
    pub can_write: bool,
    /// Absent means `["application/stix+json"]`.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub media_types: Vec<String>,
}

/// The envelope (§3.7): a page of objects, each kept as the exact JSON text it was stored as.
///
/// Reading a large envelope copies each object's text once and never builds a JSON tree of it.
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
pub struct Envelope {
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub objects: Vec<Box<RawValue>>,
    #[serde(default, skip_serializing_if = "is_false")]
    pub more: bool,
    /// The `next` URL parameter for the following page; only meaningful with `more`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub next: Option<String>,
}

/// Writes an envelope into a `String` from stored object texts, without parsing them.
///
/// Each text must be one complete JSON object (the store's canonical JSON); that is the caller's
/// invariant, checked here in debug builds only because checking it costs a parse.
///
/// ```
/// let mut body = String::new();
/// let mut writer = selat_taxii::EnvelopeWriter::new(&mut body);
/// writer.push(r#"{"type":"indicator"}"#);
/// writer.finish(true, Some("abc"));
/// assert_eq!(body, r#"{"objects":[{"type":"indicator"}],"more":true,"next":"abc"}"#);
/// ```
#[derive(Debug)]
pub struct EnvelopeWriter<'a> {
    out: &'a mut String,
    count: usize,
}

impl<'a> EnvelopeWriter<'a> {
    /// Starts an envelope at the end of `out`.
    pub fn new(out: &'a mut String) -> Self {
        out.push('{');
        Self { out, count: 0 }
    }

    /// Appends one object's JSON text.
    pub fn push(&mut self, object_json: &str) {
        debug_assert!(
            serde_json::from_str::<serde_json::Map<String, serde_json::Value>>(object_json).is_ok(),
            "not a JSON object: {object_json:.80}"
        );
        self.out.push_str(if self.count == 0 { "\"objects\":[" } else { "," });
        self.out.push_str(object_json);
        self.count += 1;
    }

    /// How many objects have been pushed.
    pub fn len(&self) -> usize {
        self.count
    }

    /// Whether no object has been pushed.
    pub fn is_empty(&self) -> bool {
        self.count == 0
    }

    /// The length `out` would have if `object_json` were pushed next and the envelope then
    /// finished without `more`: how a writer keeps a request body under a size limit.
    pub fn bytes_with(&self, object_json: &str) -> usize {
        const OPENING: usize = "\"objects\":[".len();
        const CLOSING: usize = "]}".len();
        let separator = if self.count == 0 { OPENING } else { 1 };
        self.out.len() + separator + object_json.len() + CLOSING
    }

    /// Closes the envelope. With no objects the `objects` key is omitted (§2: no empty lists);
    /// `more` is written only when true and `next` only together with `more` (§3.7).
    pub fn finish(self, more: bool, next: Option<&str>) {
        debug_assert!(more || next.is_none(), "`next` without `more`");
        if self.count > 0 {
            self.out.push(']');
        }
        if more {
            self.out.push_str(if self.count > 0 { ",\"more\":true" } else { "\"more\":true" });
            if let Some(next) = next {
                self.out.push_str(",\"next\":");
                self.out.push_str(&json_string(next));
            }
        }
        self.out.push('}');
    }
}

/// Writes a whole envelope from an iterator of stored object texts; see [`EnvelopeWriter`].
pub fn write_envelope<'o>(
    out: &mut String,
    objects: impl IntoIterator<Item = &'o str>,
    more: bool,
    next: Option<&str>,
) {
    let mut writer = EnvelopeWriter::new(out);
    for object in objects {
        writer.push(object);
    }
    writer.finish(more, next);
}

fn json_string(text: &str) -> String {
    // Serializing a str cannot fail.
    serde_json::to_string(text).unwrap_or_default()
}

/// The manifest resource (§5.3.1). It has no `next`: a client pages it with `added_after` set to
/// the `X-TAXII-Date-Added-Last` header (§3.5).
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Manifest {
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub objects: Vec<ManifestRecord>,
    #[serde(default, skip_serializing_if = "is_false")]
    pub more: bool,
}

/// One version of one object in a manifest (§5.3.1, `manifest-record`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ManifestRecord {
    /// The STIX `id`.
    pub id: String,
    pub date_added: Timestamp,
    /// The STIX `modified` (else `created`) exactly as the object writes it.
    pub version: String,
    /// One of the collection's `media_types`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub media_type: Option<String>,
}

/// The versions resource (§5.8.1). Like [`Manifest`], it has no `next`.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Versions {
    /// STIX versions (`modified` else `created`) exactly as the objects write them.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub versions: Vec<String>,
    #[serde(default, skip_serializing_if = "is_false")]
    pub more: bool,
}

/// Whether a status resource may still change (§4.3.1 `status`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum StatusState {
    /// The resource MAY be updated in the future.
    Pending,
    /// The resource will not be updated further.
    Complete,
}

/// The status resource (§4.3.1) of one Add Objects request.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Status {
    /// A v4 UUID.
    pub id: String,
    pub status: StatusState,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub request_timestamp: Option<Timestamp>,
    /// Objects in the request; 0 means processing has not started.
    pub total_count: u64,
    pub success_count: u64,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub successes: Vec<StatusDetails>,
    pub failure_count: u64,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub failures: Vec<StatusDetails>,
    pub pending_count: u64,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub pendings: Vec<StatusDetails>,
}

/// One object of a status resource (§4.3.1 `status-details`).
///
/// `version` is required by the property table even though one non-normative example (§5.5)
/// leaves it out; the table is normative (§1.2), so reading a status without it fails.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct StatusDetails {
    /// The STIX `id`.
    pub id: String,
    /// The STIX `modified`, else `created`.
    pub version: String,
    /// Why the object failed, or more about its state.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub message: Option<String>,
}

/// The error message (§3.6.1). Build it with [`crate::ErrorCode::to_error`].
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Error {
    pub title: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub description: Option<String>,
    /// Identifies this occurrence, e.g. to find it in the server's log.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub error_id: Option<String>,
    /// The application-specific code of this kind of error.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub error_code: Option<String>,
    /// The HTTP status as a string (`"404"`); MUST match the response's status.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub http_status: Option<String>,
    /// A URL with more about the error.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub external_details: Option<String>,
    /// Server-specific structured details.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub details: Option<serde_json::Map<String, serde_json::Value>>,
}

impl Error {
    /// The same error with `error_id` set (the caller makes the id, keeping this crate
    /// deterministic).
    pub fn with_error_id(mut self, error_id: impl Into<String>) -> Self {
        self.error_id = Some(error_id.into());
        self
    }

    /// The same error with `external_details` set.
    pub fn with_external_details(mut self, url: impl Into<String>) -> Self {
        self.external_details = Some(url.into());
        self
    }
}

#[cfg(test)]
mod tests {
    use super::EnvelopeWriter;

    #[test]
    fn bytes_with_is_the_length_of_the_finished_envelope() {
        let objects = [r#"{"type":"indicator"}"#, r#"{"type":"malware","id":"malware--1"}"#];
        let mut body = String::new();
        let mut writer = EnvelopeWriter::new(&mut body);
        let mut expected = Vec::new();
        for object in objects {
            expected.push(writer.bytes_with(object));
            writer.push(object);
        }
        writer.finish(false, None);
        assert_eq!(expected[1], body.len());
        let mut one = String::new();
        let mut writer = EnvelopeWriter::new(&mut one);
        writer.push(objects[0]);
        writer.finish(false, None);
        assert_eq!(expected[0], one.len());
    }
}
