//! Selat's own STIX names, fixed in one table: every extension definition Selat ships and the
//! object types they define. ARCHITECTURE.md lists the same table; a test keeps the two equal.
//!
//! Ids are fixed here once and never change, so every node agrees on them without coordination.

use serde_json::{Value, json};

/// What an extension definition adds (STIX 2.1 `extension_types`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ExtensionKind {
    PropertyExtension,
    NewSdo,
}

impl ExtensionKind {
    pub fn as_str(self) -> &'static str {
        match self {
            ExtensionKind::PropertyExtension => "property-extension",
            ExtensionKind::NewSdo => "new-sdo",
        }
    }
}

/// One extension definition Selat ships.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct SelatExtension {
    /// `extension-definition--…`.
    pub id: &'static str,
    pub name: &'static str,
    pub kind: ExtensionKind,
    /// The object type it defines, for `new-sdo`.
    pub object_type: Option<&'static str>,
    pub description: &'static str,
    /// The JSON Schema of the extension's properties (STIX `schema` is free text or a URL; Selat
    /// ships the schema itself as text).
    pub schema: &'static str,
}

/// The identity that authors Selat's extension definitions.
pub const SELAT_IDENTITY: &str = "identity--0c3b4a6e-5e4c-4b8a-9f0e-2a7d3c1b9e54";

/// Distribution: who receives an object (DESIGN.md "Organisations and the access policy").
pub const DISTRIBUTION: SelatExtension = SelatExtension {
    id: "extension-definition--b78d1732-3a01-46df-a4b4-719a2aab7a1d",
    name: "selat-distribution",
    kind: ExtensionKind::PropertyExtension,
    object_type: None,
    description: "Who receives this object: its creator only, its creator's member state, the community, a sharing group, or named recipients. TLP decides what a recipient may pass on.",
    schema: r#"{"$schema":"https://json-schema.org/draft/2020-12/schema","title":"selat-distribution","type":"object","properties":{"extension_type":{"const":"property-extension"},"scope":{"enum":["organisation","national","community","group","recipients"]},"sharing_group_ref":{"type":"string","pattern":"^x-selat-sharing-group--"},"recipient_refs":{"type":"array","minItems":1,"items":{"type":"string","pattern":"^identity--"}}},"required":["extension_type","scope"],"allOf":[{"if":{"properties":{"scope":{"const":"group"}}},"then":{"required":["sharing_group_ref"]}},{"if":{"properties":{"scope":{"const":"recipients"}}},"then":{"required":["recipient_refs"]},"else":{"not":{"required":["recipient_refs"]}}}]}"#,
};

/// Sharing groups: a named set of member organisations, owned by the organisation that made it.
pub const SHARING_GROUP: SelatExtension = SelatExtension {
    id: "extension-definition--3f5a2b8c-6d1e-4c4f-9a7b-0e8d2c6f4a13",
    name: "selat-sharing-group",
    kind: ExtensionKind::NewSdo,
    object_type: Some("x-selat-sharing-group"),
    description: "A named sharing group: the organisations an object of scope `group` reaches.",
    schema: r#"{"$schema":"https://json-schema.org/draft/2020-12/schema","title":"x-selat-sharing-group","type":"object","properties":{"type":{"const":"x-selat-sharing-group"},"name":{"type":"string","minLength":1},"description":{"type":"string"},"member_refs":{"type":"array","minItems":1,"items":{"type":"string","pattern":"^identity--"}}},"required":["name","member_refs"]}"#,
};

/// MISP provenance: what an object imported from a MISP event keeps of it so that an export back
/// to MISP restores it (the event and attribute uuids, the attribute type and category, the MISP
/// distribution level and sharing group, `Orgc`, PAP and other tags). `selat-misp` writes and
/// reads it.
pub const MISP: SelatExtension = SelatExtension {
    id: "extension-definition--29780600-b251-40f4-b979-643d7cbbe50a",
    name: "selat-misp",
    kind: ExtensionKind::PropertyExtension,
    object_type: None,
    description: "Where this object came from in MISP, and what MISP said of it that STIX has no place for: event and attribute uuids, attribute type and category, distribution level and sharing group, the creating organisation (Orgc), and tags such as PAP.",
    schema: r#"{"$schema":"https://json-schema.org/draft/2020-12/schema","title":"selat-misp","type":"object","properties":{"extension_type":{"const":"property-extension"},"event_uuid":{"type":"string"},"uuid":{"type":"string"},"object_uuid":{"type":"string"},"referenced_uuid":{"type":"string"},"relationship_type":{"type":"string"},"attribute_type":{"type":"string"},"category":{"type":"string"},"value":{"type":"string"},"to_ids":{"type":"boolean"},"comment":{"type":"string"},"distribution":{"type":"integer","minimum":0,"maximum":5},"sharing_group_uuid":{"type":"string"},"sharing_group_name":{"type":"string"},"orgc":{"type":"object","properties":{"uuid":{"type":"string"},"name":{"type":"string"}}},"tags":{"type":"array","items":{"type":"string"}},"tlp_tag":{"type":"string"},"galaxy_tag":{"type":"string"},"sighted_by":{"type":"object","properties":{"uuid":{"type":"string"},"name":{"type":"string"}}},"source":{"type":"string"},"event":{"type":"object"},"object":{"type":"object"}},"required":["extension_type"]}"#,
};

/// Every extension definition Selat ships.
pub const SELAT_EXTENSIONS: [SelatExtension; 3] = [DISTRIBUTION, SHARING_GROUP, MISP];

/// The extension definition with this id, if Selat ships it.
pub fn extension(id: &str) -> Option<&'static SelatExtension> {
    SELAT_EXTENSIONS.iter().find(|e| e.id == id)
}

/// The STIX `extension-definition` object of a Selat extension, as nodes publish it.
pub fn extension_definition_object(ext: &SelatExtension) -> Value {
    let created = "2026-11-29T00:00:00.000Z";
    json!({
        "type": "extension-definition",
        "spec_version": "2.1",
        "id": ext.id,
        "created_by_ref": SELAT_IDENTITY,
        "created": created,
        "modified": created,
        "name": ext.name,
        "description": ext.description,
        "schema": ext.schema,
        "version": "1.0.0",
        "extension_types": [ext.kind.as_str()],
        "object_marking_refs": [crate::tlp::Tlp::Clear.marking_id()],
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn shipped_definitions_are_valid_stix_and_their_schemas_parse() {
        for ext in &SELAT_EXTENSIONS {
            let object = extension_definition_object(ext);
            let errors: Vec<_> =
                crate::validate::validate_object(&object).into_iter().filter(|d| d.is_error()).collect();
            assert!(errors.is_empty(), "{}: {errors:?}", ext.name);
            let schema: Value =
                serde_json::from_str(ext.schema).unwrap_or_else(|e| panic!("{}: {e}", ext.name));
            assert!(schema["properties"].is_object(), "{}: the schema names its properties", ext.name);
            assert!(crate::Identifier::parse(ext.id).is_ok_and(|i| i.object_type == "extension-definition"));
            assert_eq!(extension(ext.id), Some(ext));
        }
        assert_eq!(DISTRIBUTION.id, crate::meta::DISTRIBUTION_EXTENSION_ID);
    }

    #[test]
    fn architecture_lists_every_selat_name() {
        let doc = include_str!("../../../ARCHITECTURE.md");
        for ext in &SELAT_EXTENSIONS {
            assert!(doc.contains(ext.id), "ARCHITECTURE.md does not list {} ({})", ext.name, ext.id);
            if let Some(t) = ext.object_type {
                assert!(doc.contains(t), "ARCHITECTURE.md does not list {t}");
            }
        }
    }
}
