//! `selat-misp`: MISP events and feeds, and free-text IOC lists, to and from STIX 2.1.
//!
//! - [`event`]: MISP event JSON as serde types; [`event::parse_events`] reads `{"Event": …}`, a
//!   bare event, `{"response": [...]}` or a list, within the limits below.
//! - [`types`]: the one table of MISP attribute types and their STIX observable paths.
//! - [`to_stix`]: an event to STIX objects (report, indicators, observed-data and SCOs, notes,
//!   galaxy SDOs, TLP markings, distribution and the MISP extension).
//! - [`to_misp`]: STIX objects back into MISP events; [`feed`]: a MISP feed's `manifest.json`
//!   and `hashes.csv`.
//! - [`extract`]: IOCs from free text and CSV, defanged forms included.
//!
//! Pure: no I/O, no async runtime, no database; deterministic (ids derive from MISP uuids or
//! from the values, never from randomness or the clock).

pub mod event;
pub mod extract;
pub mod feed;
pub mod to_misp;
pub mod to_stix;
pub mod types;

use sha2::{Digest, Sha256};

/// The MISP extension (`selat_stix::selat::MISP`): where imported objects keep what STIX has no
/// place for. Defined once, in Selat's table of its own names.
pub const MISP_EXTENSION_ID: &str = selat_stix::selat::MISP.id;

/// Largest MISP document read (one event, or a list of them), in bytes of JSON.
pub const MAX_EVENT_BYTES: usize = 64 * 1024 * 1024;
/// Most events in one input (a list or `{"response": [...]}`).
pub const MAX_EVENTS_PER_INPUT: usize = 10_000;
/// Most attributes in one event, objects' attributes included.
pub const MAX_ATTRIBUTES_PER_EVENT: usize = 100_000;
/// Most objects in one event.
pub const MAX_OBJECTS_PER_EVENT: usize = 20_000;
/// Longest attribute value, in bytes.
pub const MAX_ATTRIBUTE_VALUE_BYTES: usize = 1024 * 1024;

/// Why MISP input could not be read.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum MispError {
    /// The document is not JSON; fix the file.
    #[error("not JSON: {0}")]
    Json(String),
    /// A limit was passed; the message names the `MAX_*` constant.
    #[error("too large: {0}")]
    TooLarge(String),
    /// One event is unusable; the others in the same input are not affected.
    #[error("{at}: {message}")]
    Event { at: String, message: String },
}

/// The UUID a STIX id uses for a MISP uuid: the uuid itself when it is an RFC 4122 version 4
/// UUID (what MISP generates), else one derived from it (STIX SDO ids should be version 4).
pub fn stix_uuid(misp_uuid: &str) -> String {
    match uuid::Uuid::parse_str(misp_uuid.trim()) {
        Ok(u) if u.get_version_num() == 4 && u.get_variant() == uuid::Variant::RFC4122 => {
            u.hyphenated().to_string()
        }
        _ => derived_uuid(misp_uuid),
    }
}

/// A version-4-format UUID derived from a seed: the first 16 bytes of SHA-256 of
/// `selat-misp:` + seed, with the version and variant bits set (as the demo region's ids are).
pub fn derived_uuid(seed: &str) -> String {
    let digest = Sha256::digest(format!("selat-misp:{seed}").as_bytes());
    let mut bytes = [0u8; 16];
    bytes.copy_from_slice(&digest[..16]);
    bytes[6] = (bytes[6] & 0x0f) | 0x40;
    bytes[8] = (bytes[8] & 0x3f) | 0x80;
    uuid::Uuid::from_bytes(bytes).hyphenated().to_string()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn uuids() {
        assert_eq!(stix_uuid("5758ebf5-c898-48e6-9fe9-5665c0a83866"), "5758ebf5-c898-48e6-9fe9-5665c0a83866");
        let derived = stix_uuid("not-a-uuid");
        assert_eq!(derived, derived_uuid("not-a-uuid"));
        let parsed = uuid::Uuid::parse_str(&derived).unwrap();
        assert_eq!((parsed.get_version_num(), parsed.get_variant()), (4, uuid::Variant::RFC4122));
        assert_ne!(derived_uuid("a"), derived_uuid("b"));
    }
}
