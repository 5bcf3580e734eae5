//! TLP 2.0 (FIRST) as STIX 2.1 marking definitions, and the TLP 1.0 ids read as their TLP 2.0
//! equivalents (WHITE = CLEAR).

use serde_json::Value;

/// The extension-definition id of the OASIS TLP 2.0 marking definitions.
pub const TLP2_EXTENSION_ID: &str = "extension-definition--60a3c5c5-0d10-413e-aab3-9e08dde9e88d";

/// A TLP level, ordered from least to most restrictive.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Tlp {
    Clear,
    Green,
    Amber,
    AmberStrict,
    Red,
}

/// Every marking-definition id that is a TLP level: the TLP 2.0 OASIS ids first, then STIX 2.1
/// §7.2.1.4's TLP 1.0 ids.
pub const TLP_MARKINGS: [(&str, Tlp); 9] = [
    ("marking-definition--94868c89-83c2-464b-929b-a1a8aa3c8487", Tlp::Clear),
    ("marking-definition--bab4a63c-aed9-4cf5-a766-dfca5abac2bb", Tlp::Green),
    ("marking-definition--55d920b0-5e8b-4f79-9ee9-91f868d9b421", Tlp::Amber),
    ("marking-definition--939a9414-2ddd-4d32-a0cd-375ea402b003", Tlp::AmberStrict),
    ("marking-definition--e828b379-4e03-4974-9ac4-e53a884c97c1", Tlp::Red),
    ("marking-definition--613f2e26-407d-48c7-9eca-b8e91df99dc9", Tlp::Clear),
    ("marking-definition--34098fce-860f-48ae-8e50-ebd3cc5e41da", Tlp::Green),
    ("marking-definition--f88d31f6-486f-44da-b317-01333bde0b82", Tlp::Amber),
    ("marking-definition--5e57c739-391a-4eb3-b6be-7d15ca92d5ed", Tlp::Red),
];

impl Tlp {
    /// The level a marking-definition id stands for, if it is a TLP marking.
    pub fn from_marking_id(id: &str) -> Option<Self> {
        TLP_MARKINGS.iter().find(|(m, _)| *m == id).map(|(_, t)| *t)
    }

    /// The TLP 2.0 marking-definition id Selat writes for this level.
    pub fn marking_id(self) -> &'static str {
        TLP_MARKINGS.iter().find(|(_, t)| *t == self).map(|(m, _)| *m).unwrap_or_default()
    }

    /// Lower-case name as stored and as in MISP tags: `clear`, `amber+strict`, …
    pub fn as_str(self) -> &'static str {
        match self {
            Tlp::Clear => "clear",
            Tlp::Green => "green",
            Tlp::Amber => "amber",
            Tlp::AmberStrict => "amber+strict",
            Tlp::Red => "red",
        }
    }

    /// Reads a TLP name in either version, case-insensitively (`white` = `clear`).
    pub fn from_name(name: &str) -> Option<Self> {
        match name.to_ascii_lowercase().as_str() {
            "clear" | "white" => Some(Tlp::Clear),
            "green" => Some(Tlp::Green),
            "amber" => Some(Tlp::Amber),
            "amber+strict" => Some(Tlp::AmberStrict),
            "red" => Some(Tlp::Red),
            _ => None,
        }
    }
}

/// Every TLP level an object's `object_marking_refs` names, in order.
pub fn object_tlps(obj: &Value) -> Vec<Tlp> {
    refs(obj.get("object_marking_refs")).filter_map(Tlp::from_marking_id).collect()
}

/// The effective TLP: the most restrictive of the object-level and granular TLP markings, or
/// `None` when the object carries none (the access policy then treats it as AMBER).
pub fn effective_tlp(obj: &Value) -> Option<Tlp> {
    let object_level = refs(obj.get("object_marking_refs")).filter_map(Tlp::from_marking_id);
    let granular = obj
        .get("granular_markings")
        .and_then(Value::as_array)
        .into_iter()
        .flatten()
        .filter_map(|g| g.get("marking_ref").and_then(Value::as_str))
        .filter_map(Tlp::from_marking_id);
    object_level.chain(granular).max()
}

fn refs(value: Option<&Value>) -> impl Iterator<Item = &str> {
    value.and_then(Value::as_array).into_iter().flatten().filter_map(Value::as_str)
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn effective_is_most_restrictive() {
        let obj = json!({
            "object_marking_refs": [Tlp::Green.marking_id(), "marking-definition--613f2e26-407d-48c7-9eca-b8e91df99dc9"],
            "granular_markings": [{"marking_ref": Tlp::AmberStrict.marking_id(), "selectors": ["name"]}]
        });
        assert_eq!(effective_tlp(&obj), Some(Tlp::AmberStrict));
        assert_eq!(object_tlps(&obj), [Tlp::Green, Tlp::Clear]);
        assert_eq!(effective_tlp(&json!({})), None);
        assert_eq!(Tlp::from_name("WHITE"), Some(Tlp::Clear));
        for (id, tlp) in TLP_MARKINGS {
            assert_eq!(Tlp::from_marking_id(id), Some(tlp));
        }
    }
}
