//! STIX identifiers: `type--UUID`.

use std::fmt;

/// The namespace of deterministic (UUIDv5) cyber-observable ids (STIX 2.1 §2.9).
pub const SCO_ID_NAMESPACE: uuid::Uuid = uuid::uuid!("00abedb4-aa42-466c-9c01-fed23315a9b7");

/// Why a string is not a STIX identifier.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum IdError {
    /// There is no `--` between the type and the UUID.
    #[error("identifier {0:?} has no `--` separating type and UUID")]
    NoSeparator(String),
    /// The type part is not a valid STIX type name.
    #[error("identifier {0:?} has an invalid object type part")]
    BadType(String),
    /// The UUID part is not an RFC 4122 UUID in canonical hyphenated lower/upper-case hex form.
    #[error("identifier {0:?} does not end in an RFC 4122 UUID")]
    BadUuid(String),
}

/// A parsed identifier, borrowing from its text.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct Identifier<'a> {
    pub object_type: &'a str,
    pub uuid: uuid::Uuid,
}

impl<'a> Identifier<'a> {
    /// Parses `type--uuid`. The UUID must be in the canonical 8-4-4-4-12 form with the RFC 4122
    /// variant; its version is reported, not checked here (SDOs need v4, SCOs v5 or v4).
    pub fn parse(text: &'a str) -> Result<Self, IdError> {
        let (object_type, uuid_text) =
            text.rsplit_once("--").ok_or_else(|| IdError::NoSeparator(text.to_owned()))?;
        if !is_type_name(object_type) {
            return Err(IdError::BadType(text.to_owned()));
        }
        if uuid_text.len() != 36 || uuid_text.as_bytes()[8] != b'-' {
            return Err(IdError::BadUuid(text.to_owned()));
        }
        let uuid = uuid::Uuid::try_parse(uuid_text).map_err(|_| IdError::BadUuid(text.to_owned()))?;
        if uuid.get_variant() != uuid::Variant::RFC4122 {
            return Err(IdError::BadUuid(text.to_owned()));
        }
        Ok(Self { object_type, uuid })
    }

    pub fn version(&self) -> usize {
        self.uuid.get_version_num()
    }
}

impl fmt::Display for Identifier<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}--{}", self.object_type, self.uuid)
    }
}

/// The object type of an identifier string, without validating the UUID.
pub fn type_of(id: &str) -> Option<&str> {
    id.rsplit_once("--").map(|(t, _)| t)
}

/// A STIX type name: 3–250 characters of lower-case ASCII letters, digits and hyphens, starting
/// with a letter, not ending with a hyphen, no `--` (STIX 2.1 §3.1 `type`).
pub fn is_type_name(name: &str) -> bool {
    let b = name.as_bytes();
    (3..=250).contains(&b.len())
        && b[0].is_ascii_lowercase()
        && b[b.len() - 1] != b'-'
        && b.iter().all(|&c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == b'-')
        && !name.contains("--")
}

/// A fresh random (v4) identifier for `object_type`.
pub fn new_v4(object_type: &str) -> String {
    format!("{object_type}--{}", uuid::Uuid::new_v4())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_and_rejects() {
        let id = Identifier::parse("indicator--8e2e2d2b-17d4-4cbf-938f-98ee46b3cd3f").unwrap();
        assert_eq!(id.object_type, "indicator");
        assert_eq!(id.version(), 4);
        for bad in [
            "indicator-8e2e2d2b-17d4-4cbf-938f-98ee46b3cd3f",
            "Indicator--8e2e2d2b-17d4-4cbf-938f-98ee46b3cd3f",
            "indicator--8e2e2d2b17d44cbf938f98ee46b3cd3f",
            "indicator--8e2e2d2b-17d4-4cbf-c38f-98ee46b3cd3f",
            "indicator--zz2e2d2b-17d4-4cbf-938f-98ee46b3cd3f",
        ] {
            assert!(Identifier::parse(bad).is_err(), "{bad} accepted");
        }
    }
}
