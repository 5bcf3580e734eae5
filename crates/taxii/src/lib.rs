//! `selat-taxii`: the TAXII 2.1 wire layer — what goes over HTTP, and nothing that carries it.
//!
//! Shared by the server and by the federation client, so it depends on no HTTP framework, no async
//! runtime, no database and no other Selat crate — except the `client` module, behind the cargo
//! feature of that name, which brings reqwest. Every function is deterministic given its inputs
//! (no clock, no randomness): callers pass in "now", keys and error ids.
//!
//! What lives where (section numbers are those of the OASIS TAXII 2.1 specification):
//! - [`media`]: the TAXII and STIX media types and content negotiation on `Accept` and
//!   `Content-Type` (§1.6.8, §3.1); the caller turns a `false` into a 406 or a 415.
//! - [`timestamp`]: TAXII timestamps (`YYYY-MM-DDTHH:MM:SS.ssssssZ`, §2) to and from integer
//!   microseconds since the Unix epoch.
//! - [`resources`]: the TAXII resources as serde types — discovery, API root, collections,
//!   collection, envelope (raw, never re-parsed objects), manifest, versions, status, error — and
//!   [`resources::EnvelopeWriter`], which writes an envelope straight from stored JSON texts.
//! - [`query`]: the URL query parameters of the filtering endpoints (§3.4), with limits.
//! - [`cursor`]: the stateless, HMAC-signed `next` cursor (§3.5).
//! - `client` (cargo feature `client`): the federation's TAXII client over reqwest: get a page
//!   of objects, add objects, read a status. The only module that does I/O.
//! - [`error`]: the one table of error codes of the TAXII surface, each with its HTTP status,
//!   rendered as the TAXII error message (§3.6.1).

#[cfg(feature = "client")]
pub mod client;
pub mod cursor;
pub mod error;
pub mod media;
pub mod query;
pub mod resources;
pub mod timestamp;

pub use cursor::{Cursor, CursorError};
pub use error::ErrorCode;
pub use media::{STIX_MEDIA_TYPE, TAXII_MEDIA_TYPE, accept_allows, content_type_is};
pub use query::{Endpoint, ObjectsQuery, QueryError, VersionFilter};
pub use resources::{
    ApiRoot, Collection, Collections, Discovery, Envelope, EnvelopeWriter, Error, Manifest, ManifestRecord,
    Status, StatusDetails, StatusState, Versions, write_envelope,
};
pub use timestamp::{Timestamp, TimestampError, format_timestamp, parse_timestamp};
