//! The one generic STIX 2.1 checker: it reads the tables of [`crate::spec`] and reports every
//! diagnostic of one object, each with its JSON path (`$`, `$.external_references[0].url`,
//! `$.hashes['SHA-256']`).
//!
//! It covers the MUSTs that the OASIS `stix2-validator` checks (its JSON schemas and its
//! `musts.py`) as errors, and a few of its SHOULDs (`shoulds.py`) as warnings. It does no I/O and
//! allocates nothing for a valid object beyond what a warning needs: paths live in a fixed stack
//! of borrowed segments and are rendered only when a diagnostic is emitted.
//!
//! # Diagnostic codes
//! | code | severity | meaning |
//! | --- | --- | --- |
//! | `not-an-object` | error | the value is not a JSON object |
//! | `required-property` | error | a required property is missing (also: one a co-constraint requires) |
//! | `required-any-of` | error | none of a set of alternatives is present (e.g. location region/country/lat+long) |
//! | `forbidden-property` | error | a property the specification forbids here (reserved names, mutually exclusive ones) |
//! | `deprecated-property` | warning | a deprecated property (observed-data `objects`) |
//! | `invalid-type` | error | `type` is not a valid type name, or a value has the wrong JSON type |
//! | `invalid-id` | error | `id` is not `type--UUID` (RFC 4122 variant, version 1–5) |
//! | `id-type-mismatch` | error | the type part of `id` differs from `type` |
//! | `uuid-version` | warning/error | SDO/SRO/meta ids SHOULD be UUIDv4, SCO ids with id-contributing properties SHOULD be UUIDv5 (warnings); SCOs without them (and processes) MUST use UUIDv4 (error) |
//! | `sco-id-mismatch` | warning | a UUIDv5 SCO id differs from the deterministic one |
//! | `invalid-spec-version` | error | `spec_version` is not `"2.1"` |
//! | `invalid-timestamp` | error | not an RFC 3339 UTC timestamp, or not a real date |
//! | `timestamp-precision` | error/warning | `created`/`modified` coarser than milliseconds (error on SDOs/SROs/meta objects with a `modified`, warning on marking definitions) |
//! | `modified-before-created` | error | `modified` earlier than `created` |
//! | `timestamp-order` | error | e.g. `last_seen` before `first_seen`, `valid_until` not after `valid_from` |
//! | `out-of-range` | error | a number outside its bounds (confidence, count, number_observed, ports, latitude…) |
//! | `empty-list` | error | a list property with no items |
//! | `empty-dictionary` | error | a dictionary (or extension) with no entries |
//! | `dictionary-key` | error | a dictionary key longer than 250 characters or outside `[a-zA-Z0-9_-]` |
//! | `invalid-reference` | error/warning | a `*_ref`/`*_refs` value that is not an identifier (a warning for custom properties) |
//! | `invalid-reference-type` | error | a reference to a type the property does not allow |
//! | `invalid-enum` | error | a value outside a closed enumeration |
//! | `vocab-value` | warning | a value outside an open vocabulary (also hash algorithm and relationship type names) |
//! | `invalid-hash` | error | a hash key outside `[a-zA-Z0-9_-]{3,250}` or a value of the wrong form for its algorithm |
//! | `invalid-hex` / `invalid-binary` / `invalid-url` | error | malformed hex, base64 or URI |
//! | `invalid-external-reference` | error | an external reference with no `external_id`, `description` or `url`, or a malformed CVE/CAPEC id |
//! | `invalid-granular-marking` | error | a granular marking with neither or both of `marking_ref` and `lang` |
//! | `invalid-selector` | error | a granular-marking selector that does not resolve against the object |
//! | `custom-property-name` | error | a property name outside `[a-z0-9_]{3,250}` |
//! | `invalid-extension-name` | error | an `extensions` key that is neither a predefined extension, `*-ext`, nor `extension-definition--<uuid>` |
//! | `invalid-relationship-type` | error | `relationship_type` outside `[a-z0-9-]+` |
//! | `invalid-language` | error | `lang` (or a language-content key) not an RFC 5646 tag |
//! | `invalid-pattern` | error | a `stix` pattern the pattern parser rejects |
//! | `invalid-marking-definition` | error | a marking definition whose `definition` does not fit its `definition_type`, or that marks itself |
//! | `nonstandard-tlp` | error | a `tlp` marking definition that is not one of the standard ones (§7.2.1.4) |
//! | `tlp-redefined` | error | an object with a standard TLP marking id but other content |
//! | `multiple-tlp` | error | two TLP markings in `object_marking_refs` |

use serde_json::{Map, Value};

use crate::diagnostic::{Diagnostic, PathSegment, render_path};
use crate::id::{Identifier, type_of};
use crate::spec::{
    self, Constraint, EmbeddedSpec, HASH_ALGORITHM_OV, Kind, ObjectSpec, PropertySpec, Targets, ValueType,
    Vocabulary,
};
use crate::timestamp::{Timestamp, TimestampError};

/// How deep the checker descends into nested values; deeper values are not checked (STIX
/// objects nest a handful of levels at most).
pub const MAX_PATH_DEPTH: usize = 24;

/// Validates one STIX object and returns every diagnostic, errors and warnings.
pub fn validate_object(obj: &Value) -> Vec<Diagnostic> {
    let mut checker = Checker::new();
    checker.object(obj);
    checker.out
}

/// Whether the object validates with no error (warnings allowed).
pub fn is_valid(obj: &Value) -> bool {
    !validate_object(obj).iter().any(Diagnostic::is_error)
}

/// Checks a `stix` pattern's syntax with the `selat-pattern` parser.
pub fn check_stix_pattern(pattern: &str) -> Result<(), String> {
    selat_pattern::parse(pattern).map(drop).map_err(|e| e.to_string())
}

/// Compares an SCO's id with its deterministic id (STIX 2.1 §2.9: SHOULD, so a warning).
/// Returns nothing when the object is not a predefined SCO, has no id-contributing property, or
/// its id matches.
pub fn check_sco_id(obj: &Value) -> Option<Diagnostic> {
    let given = obj.get("id")?.as_str()?;
    let expected = crate::sco_id::deterministic_id(obj)?;
    (given != expected).then(|| {
        Diagnostic::warning(
            "$.id",
            "sco-id-mismatch",
            format!("deterministic id from the id-contributing properties is {expected}"),
        )
    })
}

/// The standard TLP marking definitions: id, TLP version (1 or 2) and colour.
pub const TLP_MARKINGS: &[(&str, u8, &str)] = &[
    ("marking-definition--613f2e26-407d-48c7-9eca-b8e91df99dc9", 1, "white"),
    ("marking-definition--34098fce-860f-48ae-8e50-ebd3cc5e41da", 1, "green"),
    ("marking-definition--f88d31f6-486f-44da-b317-01333bde0b82", 1, "amber"),
    ("marking-definition--5e57c739-391a-4eb3-b6be-7d15ca92d5ed", 1, "red"),
    ("marking-definition--94868c89-83c2-464b-929b-a1a8aa3c8487", 2, "clear"),
    ("marking-definition--bab4a63c-aed9-4cf5-a766-dfca5abac2bb", 2, "green"),
    ("marking-definition--55d920b0-5e8b-4f79-9ee9-91f868d9b421", 2, "amber"),
    ("marking-definition--939a9414-2ddd-4d32-a0cd-375ea402b003", 2, "amber+strict"),
    ("marking-definition--e828b379-4e03-4974-9ac4-e53a884c97c1", 2, "red"),
];

/// The TLP 2.0 extension definition (cti-stix-common-objects).
pub const TLP2_EXTENSION: &str = "extension-definition--60a3c5c5-0d10-413e-aab3-9e08dde9e88d";

fn tlp_marking(id: &str) -> Option<(u8, &'static str)> {
    TLP_MARKINGS.iter().find(|(tlp_id, ..)| *tlp_id == id).map(|&(_, v, c)| (v, c))
}

/// A stack of borrowed path segments; rendered only when a diagnostic is emitted.
struct Path<'a> {
    segments: [PathSegment<'a>; MAX_PATH_DEPTH],
    len: usize,
}

impl<'a> Path<'a> {
    fn render(&self, extra: Option<PathSegment<'_>>) -> String {
        match extra {
            None => render_path(&self.segments[..self.len]),
            Some(seg) => {
                let mut all: Vec<PathSegment<'_>> = self.segments[..self.len].to_vec();
                all.push(seg);
                render_path(&all)
            }
        }
    }
}

struct Checker<'a> {
    out: Vec<Diagnostic>,
    path: Path<'a>,
}

impl<'a> Checker<'a> {
    fn new() -> Self {
        Self { out: Vec::new(), path: Path { segments: [PathSegment::Index(0); MAX_PATH_DEPTH], len: 0 } }
    }

    /// Runs `f` one segment deeper, unless the depth limit is reached.
    fn within(&mut self, seg: PathSegment<'a>, f: impl FnOnce(&mut Self)) {
        if self.path.len == MAX_PATH_DEPTH {
            return;
        }
        self.path.segments[self.path.len] = seg;
        self.path.len += 1;
        f(self);
        self.path.len -= 1;
    }

    fn error(&mut self, code: &'static str, message: impl Into<String>) {
        let path = self.path.render(None);
        self.out.push(Diagnostic::error(path, code, message));
    }

    fn warning(&mut self, code: &'static str, message: impl Into<String>) {
        let path = self.path.render(None);
        self.out.push(Diagnostic::warning(path, code, message));
    }

    /// An error about the member `key` of the current object.
    fn error_at(&mut self, key: &str, code: &'static str, message: impl Into<String>) {
        let path = self.path.render(Some(PathSegment::Key(key)));
        self.out.push(Diagnostic::error(path, code, message));
    }

    fn warning_at(&mut self, key: &str, code: &'static str, message: impl Into<String>) {
        let path = self.path.render(Some(PathSegment::Key(key)));
        self.out.push(Diagnostic::warning(path, code, message));
    }

    // -----------------------------------------------------------------------------------------
    // The object.

    fn object(&mut self, obj: &'a Value) {
        let Some(map) = obj.as_object() else {
            self.error("not-an-object", "a STIX object must be a JSON object");
            return;
        };
        let type_name = self.type_property(map);
        let spec = type_name.and_then(spec::object_spec);
        let kind = spec.map_or_else(|| spec::kind_of_custom(obj), |s| s.kind);
        let id = self.id_property(map, type_name, kind);
        self.spec_version(map, kind);
        self.properties(map, spec, kind);
        self.created_modified(map, kind);
        if let Some(spec) = spec {
            self.constraints(map, spec.constraints);
        }
        if kind == Kind::Sco
            && let (Some(id), Some(spec)) = (id, spec)
        {
            self.sco_id(obj, map, spec, id);
        }
        match type_name {
            Some("indicator") => self.indicator(map),
            Some("relationship") => self.relationship(map),
            Some("marking-definition") => self.marking_definition(map),
            Some("language-content") => self.language_content(map),
            _ => {}
        }
        self.selectors(map);
        self.tlp_refs(map);
    }

    /// Checks `type`; returns the type name to pick the table by (from `id` when `type` is
    /// missing, so the rest of the object is still checked).
    fn type_property(&mut self, map: &'a Map<String, Value>) -> Option<&'a str> {
        let from_id = || {
            let t = type_of(map.get("id")?.as_str()?)?;
            crate::id::is_type_name(t).then_some(t)
        };
        match map.get("type") {
            None => {
                self.error_at("type", "required-property", "`type` is required");
                from_id()
            }
            Some(Value::String(t)) if crate::id::is_type_name(t) => Some(t.as_str()),
            Some(other) => {
                self.error_at("type", "invalid-type", format!("{other} is not a valid STIX type name"));
                from_id()
            }
        }
    }

    fn id_property(
        &mut self,
        map: &'a Map<String, Value>,
        type_name: Option<&str>,
        kind: Kind,
    ) -> Option<Identifier<'a>> {
        let Some(value) = map.get("id") else {
            self.error_at("id", "required-property", "`id` is required");
            return None;
        };
        let Some(text) = value.as_str() else {
            self.error_at("id", "invalid-id", "`id` must be a string");
            return None;
        };
        let id = match Identifier::parse(text) {
            Ok(id) => id,
            Err(e) => {
                self.error_at("id", "invalid-id", e.to_string());
                return None;
            }
        };
        if !(1..=5).contains(&id.version()) {
            self.error_at("id", "invalid-id", format!("UUID version {} is not 1 to 5", id.version()));
        }
        if let Some(t) = type_name
            && map.get("type").is_some()
            && id.object_type != t
        {
            self.error_at(
                "id",
                "id-type-mismatch",
                format!("id type `{}` differs from type `{t}`", id.object_type),
            );
        }
        if kind != Kind::Sco && id.version() != 4 {
            self.warning_at("id", "uuid-version", "ids of SDOs, SROs and meta objects should be UUIDv4");
        }
        Some(id)
    }

    fn spec_version(&mut self, map: &Map<String, Value>, kind: Kind) {
        match map.get("spec_version") {
            None if kind != Kind::Sco => {
                self.error_at("spec_version", "required-property", "`spec_version` is required");
            }
            None => {}
            Some(Value::String(v)) if v == "2.1" => {}
            Some(other) => {
                self.error_at("spec_version", "invalid-spec-version", format!("{other} is not \"2.1\""));
            }
        }
    }

    /// Every property against the table (or as a custom property), then the required ones.
    fn properties(&mut self, map: &'a Map<String, Value>, spec: Option<&'static ObjectSpec>, kind: Kind) {
        let common = spec::common_properties(kind);
        for (key, value) in map {
            if matches!(key.as_str(), "type" | "id" | "spec_version") {
                continue;
            }
            let prop = spec.and_then(|s| s.property(key)).or_else(|| common.iter().find(|p| p.name == key));
            if spec::RESERVED_PROPERTIES.contains(&key.as_str()) {
                self.error_at(key, "forbidden-property", format!("`{key}` is a reserved property name"));
            }
            if spec.is_some_and(|s| s.deprecated.contains(&key.as_str())) {
                self.warning_at(key, "deprecated-property", format!("`{key}` is deprecated"));
            }
            self.within(PathSegment::Key(key), |c| match prop {
                Some(p) if p.name == "extensions" => c.extensions(value, spec),
                Some(p) => c.value(value, &p.value),
                None => c.custom_property(key, value),
            });
        }
        let own = spec.map_or(&[][..], |s| s.properties);
        for p in common.iter().chain(own) {
            if p.required && !map.contains_key(p.name) && !matches!(p.name, "type" | "id" | "spec_version") {
                self.error_at(p.name, "required-property", format!("`{}` is required", p.name));
            }
        }
    }

    /// A property no table defines: its name must follow §3.1, and references must be ids.
    fn custom_property(&mut self, key: &str, value: &'a Value) {
        if !is_property_name(key) {
            self.error("custom-property-name", format!("`{key}` is not 3–250 characters of a–z, 0–9 and _"));
        }
        if key.ends_with("_ref") {
            self.custom_reference(value);
        } else if key.ends_with("_refs") {
            match value.as_array() {
                Some(items) => {
                    for (i, item) in items.iter().enumerate() {
                        self.within(PathSegment::Index(i), |c| c.custom_reference(item));
                    }
                }
                None => {
                    self.warning("invalid-reference", "a `_refs` property should be a list of identifiers")
                }
            }
        } else if key.ends_with("_hex") {
            self.value(value, &ValueType::Hex);
        } else if key.ends_with("_bin") {
            self.value(value, &ValueType::Binary);
        }
    }

    /// A custom `_ref` property that is not an identifier: a warning, because the OASIS
    /// validator does not check custom properties and real data (MITRE ATT&CK's empty
    /// `x_mitre_data_source_ref`) relies on that.
    fn custom_reference(&mut self, value: &Value) {
        let ok = value.as_str().is_some_and(|s| Identifier::parse(s).is_ok());
        if !ok {
            self.warning("invalid-reference", format!("{value} should be an identifier"));
        }
    }

    fn created_modified(&mut self, map: &Map<String, Value>, kind: Kind) {
        let parsed = |k: &str| map.get(k).and_then(Value::as_str).and_then(|s| Timestamp::parse(s).ok());
        let created = parsed("created");
        let modified = parsed("modified");
        for (key, ts) in [("created", created), ("modified", modified)] {
            let Some(ts) = ts else { continue };
            if ts.fraction_digits >= 3 {
                continue;
            }
            let message = format!("`{key}` must be precise to the nearest millisecond");
            if kind == Kind::MarkingDefinition {
                self.warning_at(key, "timestamp-precision", message);
            } else if kind != Kind::Sco {
                self.error_at(key, "timestamp-precision", message);
            }
        }
        if let (Some(c), Some(m)) = (created, modified)
            && m.micros < c.micros
        {
            self.error_at("modified", "modified-before-created", "`modified` is earlier than `created`");
        }
    }

    // -----------------------------------------------------------------------------------------
    // Values.

    fn value(&mut self, value: &'a Value, vt: &ValueType) {
        match vt {
            ValueType::String => self.expect_string(value).map_or((), drop),
            ValueType::Integer { min, max } => self.integer(value, *min, *max),
            ValueType::Float { min, max } => self.float(value, *min, *max),
            ValueType::Boolean => {
                if !value.is_boolean() {
                    self.error("invalid-type", "expected true or false");
                }
            }
            ValueType::Timestamp => self.timestamp(value),
            ValueType::Identifier(targets) => self.reference(value, targets),
            ValueType::List(inner) => self.list(value, inner),
            ValueType::Dictionary => self.dictionary(value),
            ValueType::Hashes => self.hashes(value, false),
            ValueType::Hex => self.pattern(value, is_hex, "invalid-hex", "hexadecimal octets"),
            ValueType::Binary => self.pattern(value, is_base64, "invalid-binary", "base64"),
            ValueType::Url => self.pattern(value, is_uri, "invalid-url", "an RFC 3986 URI"),
            ValueType::OpenVocab(v) => self.vocab(value, v, false),
            ValueType::Enum(v) => self.vocab(value, v, true),
            ValueType::KillChainPhase => self.kill_chain_phase(value),
            ValueType::ExternalReference => self.external_reference(value),
            ValueType::GranularMarking => self.granular_marking(value),
            ValueType::Embedded(spec) => self.embedded(value, spec),
            ValueType::Extensions => self.extensions(value, None),
            ValueType::Any => {}
        }
    }

    fn expect_string(&mut self, value: &'a Value) -> Option<&'a str> {
        let s = value.as_str();
        if s.is_none() {
            self.error("invalid-type", "expected a string");
        }
        s
    }

    fn expect_object(&mut self, value: &'a Value) -> Option<&'a Map<String, Value>> {
        let m = value.as_object();
        if m.is_none() {
            self.error("invalid-type", "expected an object");
        }
        m
    }

    fn integer(&mut self, value: &Value, min: Option<i64>, max: Option<i64>) {
        let n = match value {
            Value::Number(n) if n.is_i64() => n.as_i64(),
            // Beyond i64: only the upper bound can fail.
            Value::Number(n) if n.is_u64() => Some(i64::MAX),
            _ => {
                self.error("invalid-type", "expected an integer");
                return;
            }
        };
        let n = n.unwrap_or_default();
        if min.is_some_and(|m| n < m) || max.is_some_and(|m| n > m) {
            self.error("out-of-range", format!("{value} is outside {}", bounds(min, max)));
        }
    }

    fn float(&mut self, value: &Value, min: Option<f64>, max: Option<f64>) {
        let Some(n) = value.as_f64() else {
            self.error("invalid-type", "expected a number");
            return;
        };
        if min.is_some_and(|m| n < m) || max.is_some_and(|m| n > m) {
            self.error("out-of-range", format!("{value} is outside {min:?}..={max:?}"));
        }
    }

    fn timestamp(&mut self, value: &'a Value) {
        let Some(text) = self.expect_string(value) else { return };
        if let Err(e) = Timestamp::parse(text) {
            let message = match e {
                TimestampError::Format(_) | TimestampError::Calendar(_) => e.to_string(),
            };
            self.error("invalid-timestamp", message);
        }
    }

    fn reference(&mut self, value: &'a Value, targets: &Targets) {
        let Some(text) = value.as_str() else {
            self.error("invalid-reference", "a reference must be an identifier string");
            return;
        };
        match Identifier::parse(text) {
            Err(e) => self.error("invalid-reference", e.to_string()),
            Ok(id) if !targets.allows(id.object_type) => {
                let message = format!(
                    "`{}` may not be referenced here: expected {}",
                    id.object_type,
                    targets.describe()
                );
                self.error("invalid-reference-type", message);
            }
            Ok(_) => {}
        }
    }

    fn list(&mut self, value: &'a Value, inner: &ValueType) {
        let Some(items) = value.as_array() else {
            self.error("invalid-type", "expected a list");
            return;
        };
        if items.is_empty() {
            self.error("empty-list", "a list must not be empty");
        }
        for (i, item) in items.iter().enumerate() {
            self.within(PathSegment::Index(i), |c| c.value(item, inner));
        }
    }

    fn dictionary(&mut self, value: &'a Value) {
        let Some(map) = self.expect_object(value) else { return };
        if map.is_empty() {
            self.error("empty-dictionary", "a dictionary must not be empty");
        }
        for key in map.keys() {
            if !is_dictionary_key(key) {
                self.error_at(
                    key,
                    "dictionary-key",
                    "dictionary keys are at most 250 of a–z, A–Z, 0–9, - and _",
                );
            }
        }
    }

    /// A hashes dictionary; `spec_names_only` for external references (their keys must come from
    /// the vocabulary).
    fn hashes(&mut self, value: &'a Value, spec_names_only: bool) {
        let Some(map) = self.expect_object(value) else { return };
        if map.is_empty() {
            self.error("empty-dictionary", "hashes must not be empty");
        }
        for (algorithm, hash) in map {
            self.within(PathSegment::Key(algorithm), |c| c.hash(algorithm, hash, spec_names_only));
        }
    }

    fn hash(&mut self, algorithm: &str, hash: &'a Value, spec_names_only: bool) {
        let key_ok = (3..=250).contains(&algorithm.len())
            && algorithm.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_');
        if !key_ok {
            self.error("invalid-hash", "hash algorithm names are 3–250 of a–z, A–Z, 0–9, - and _");
        }
        let Some(text) = self.expect_string(hash) else { return };
        if !hash_value_ok(algorithm, text) {
            self.error("invalid-hash", format!("not a valid {algorithm} value"));
        }
        if !HASH_ALGORITHM_OV.contains(algorithm) {
            if spec_names_only {
                self.error("invalid-hash", "external reference hashes must use hash-algorithm-ov names");
            } else if !algorithm.starts_with("x_") {
                self.warning("vocab-value", format!("`{algorithm}` is not in hash-algorithm-ov"));
            }
        }
    }

    fn pattern(&mut self, value: &'a Value, ok: fn(&str) -> bool, code: &'static str, what: &str) {
        let Some(text) = self.expect_string(value) else { return };
        if !ok(text) {
            self.error(code, format!("not {what}"));
        }
    }

    fn vocab(&mut self, value: &'a Value, vocab: &Vocabulary, closed: bool) {
        let Some(text) = self.expect_string(value) else { return };
        if vocab.contains(text) {
            return;
        }
        if closed {
            self.error("invalid-enum", format!("{text:?} is not in {}", vocab.name));
        } else {
            self.warning("vocab-value", format!("{text:?} is not in {}", vocab.name));
        }
    }

    fn kill_chain_phase(&mut self, value: &'a Value) {
        let Some(map) = self.expect_object(value) else { return };
        for key in ["kill_chain_name", "phase_name"] {
            match map.get(key) {
                None => self.error_at(key, "required-property", format!("`{key}` is required")),
                Some(v) => self.within(PathSegment::Key(key), |c| c.value(v, &ValueType::String)),
            }
        }
    }

    fn external_reference(&mut self, value: &'a Value) {
        let Some(map) = self.expect_object(value) else { return };
        for (key, v) in map {
            self.within(PathSegment::Key(key), |c| match key.as_str() {
                "source_name" | "description" | "external_id" => c.value(v, &ValueType::String),
                "url" => c.value(v, &ValueType::Url),
                "hashes" => c.hashes(v, true),
                _ => c.custom_property(key, v),
            });
        }
        let Some(source) = map.get("source_name").and_then(Value::as_str) else {
            if !map.contains_key("source_name") {
                self.error_at("source_name", "required-property", "`source_name` is required");
            }
            return;
        };
        let external_id = map.get("external_id").and_then(Value::as_str);
        let id_ok = match source {
            "cve" => external_id.is_some_and(is_cve_id),
            "capec" => external_id.is_some_and(is_capec_id),
            _ => true,
        };
        if !id_ok {
            let message = format!("a `{source}` reference needs a well-formed `external_id`");
            self.error_at("external_id", "invalid-external-reference", message);
        }
        if !["external_id", "description", "url"].iter().any(|k| map.contains_key(*k)) {
            self.error("invalid-external-reference", "needs one of `external_id`, `description` or `url`");
        }
    }

    fn granular_marking(&mut self, value: &'a Value) {
        let Some(map) = self.expect_object(value) else { return };
        match map.get("selectors") {
            None => self.error_at("selectors", "required-property", "`selectors` is required"),
            Some(v) => self
                .within(PathSegment::Key("selectors"), |c| c.value(v, &ValueType::List(&ValueType::String))),
        }
        let marking_ref = map.get("marking_ref");
        let lang = map.get("lang");
        if let Some(v) = marking_ref {
            self.within(PathSegment::Key("marking_ref"), |c| {
                c.value(v, &ValueType::Identifier(Targets::Types(&["marking-definition"])));
            });
        }
        if let Some(v) = lang {
            self.within(PathSegment::Key("lang"), |c| c.value(v, &ValueType::String));
        }
        if marking_ref.is_some() == lang.is_some() {
            self.error("invalid-granular-marking", "exactly one of `marking_ref` and `lang` must be present");
        }
    }

    fn embedded(&mut self, value: &'a Value, spec: &'static EmbeddedSpec) {
        let Some(map) = self.expect_object(value) else { return };
        self.embedded_map(map, spec);
    }

    fn embedded_map(&mut self, map: &'a Map<String, Value>, spec: &'static EmbeddedSpec) {
        for (key, v) in map {
            self.within(PathSegment::Key(key), |c| match spec.property(key) {
                Some(p) => c.value(v, &p.value),
                None => c.custom_property(key, v),
            });
        }
        for p in spec.properties.iter().filter(|p| p.required) {
            if !map.contains_key(p.name) {
                self.error_at(p.name, "required-property", format!("`{}` is required", p.name));
            }
        }
        self.embedded_constraints(map, spec);
    }

    fn embedded_constraints(&mut self, map: &Map<String, Value>, spec: &'static EmbeddedSpec) {
        for constraint in spec.constraints {
            if let Constraint::AnySpecific = constraint {
                if !spec.properties.iter().any(|p| map.contains_key(p.name)) {
                    self.error(
                        "required-any-of",
                        format!("`{}` needs at least one of its properties", spec.name),
                    );
                }
            } else {
                self.constraint(map, constraint, &[]);
            }
        }
    }

    /// The `extensions` dictionary of an object whose table is `spec` (none: a custom type).
    fn extensions(&mut self, value: &'a Value, spec: Option<&'static ObjectSpec>) {
        let Some(map) = self.expect_object(value) else { return };
        if map.is_empty() {
            self.error("empty-dictionary", "`extensions` must not be empty");
        }
        for (name, ext) in map {
            self.within(PathSegment::Key(name), |c| c.extension(name, ext, spec));
        }
    }

    fn extension(&mut self, name: &str, ext: &'a Value, spec: Option<&'static ObjectSpec>) {
        if let Some(ext_spec) = spec.and_then(|s| s.extension(name)) {
            self.embedded(ext, ext_spec);
            return;
        }
        let Some(map) = self.expect_object(ext) else { return };
        if map.is_empty() {
            self.error("empty-dictionary", "an extension must not be empty");
        }
        if name.starts_with("extension-definition--") {
            if Identifier::parse(name).is_err() {
                self.error("invalid-extension-name", "not `extension-definition--` and a UUID");
            }
            match map.get("extension_type") {
                None => self.error_at("extension_type", "required-property", "`extension_type` is required"),
                Some(v) => self.within(PathSegment::Key("extension_type"), |c| {
                    c.value(v, &ValueType::Enum(&spec::EXTENSION_TYPE_ENUM));
                }),
            }
        } else if !(name.ends_with("-ext") && crate::id::is_type_name(name)) {
            self.error(
                "invalid-extension-name",
                "extension names are predefined, `*-ext` or `extension-definition--<uuid>`",
            );
        }
        for (key, v) in map {
            if key != "extension_type" {
                self.within(PathSegment::Key(key), |c| c.custom_property(key, v));
            }
        }
    }

    // -----------------------------------------------------------------------------------------
    // Co-constraints.

    fn constraints(&mut self, map: &Map<String, Value>, constraints: &[Constraint]) {
        let common = map.get("type").and_then(Value::as_str).and_then(spec::object_spec);
        let own = common.map_or(&[][..], |s| s.properties);
        for constraint in constraints {
            self.constraint(map, constraint, own);
        }
    }

    /// One co-constraint; `own` are the type's own properties (for [`Constraint::AnySpecific`]).
    fn constraint(&mut self, map: &Map<String, Value>, constraint: &Constraint, own: &[PropertySpec]) {
        let has = |k: &str| map.contains_key(k);
        match *constraint {
            Constraint::AnyOf(groups) if !groups.iter().any(|g| g.iter().all(|k| has(k))) => {
                let names: Vec<String> = groups.iter().map(|g| g.join("+")).collect();
                self.error("required-any-of", format!("needs one of {}", names.join(", ")));
            }
            Constraint::ExactlyOneOf(names) => match names.iter().filter(|k| has(k)).count() {
                0 => self.error_at(
                    names[0],
                    "required-property",
                    format!("one of {} is required", names.join(", ")),
                ),
                1 => {}
                _ => self.error_at(
                    names[1],
                    "forbidden-property",
                    format!("only one of {} may be present", names.join(", ")),
                ),
            },
            Constraint::Requires(a, b) if has(a) && !has(b) => {
                self.error_at(b, "required-property", format!("`{b}` is required when `{a}` is present"));
            }
            Constraint::Excludes(a, b) if has(a) && has(b) => {
                self.error_at(b, "forbidden-property", format!("`{b}` must not be present with `{a}`"));
            }
            Constraint::FlagRequires(flag, v, p) if map.get(flag) == Some(&Value::Bool(v)) && !has(p) => {
                self.error_at(p, "required-property", format!("`{p}` is required when `{flag}` is {v}"));
            }
            Constraint::FlagForbids(flag, v, p) if map.get(flag) == Some(&Value::Bool(v)) && has(p) => {
                self.error_at(
                    p,
                    "forbidden-property",
                    format!("`{p}` must not be present when `{flag}` is {v}"),
                );
            }
            Constraint::Order { later, earlier, strict } => self.order(map, later, earlier, strict),
            Constraint::AnySpecific if !has("extensions") && !own.iter().any(|p| has(p.name)) => {
                self.error("required-any-of", "needs at least one property of its type");
            }
            _ => {}
        }
    }

    fn order(&mut self, map: &Map<String, Value>, later: &str, earlier: &str, strict: bool) {
        let parsed = |k: &str| map.get(k).and_then(Value::as_str).and_then(|s| Timestamp::parse(s).ok());
        let (Some(l), Some(e)) = (parsed(later), parsed(earlier)) else { return };
        let bad = if strict { l.micros <= e.micros } else { l.micros < e.micros };
        if bad {
            let relation = if strict { "later than" } else { "later than or equal to" };
            self.error_at(later, "timestamp-order", format!("`{later}` must be {relation} `{earlier}`"));
        }
    }

    // -----------------------------------------------------------------------------------------
    // Type-specific rules the tables cannot say.

    fn sco_id(&mut self, obj: &Value, map: &Map<String, Value>, spec: &ObjectSpec, id: Identifier<'_>) {
        let derivable = spec.id_contributing.iter().any(|k| map.contains_key(*k));
        if !derivable {
            if id.version() != 4 {
                let message = "without id-contributing properties an SCO id must be UUIDv4";
                self.error_at("id", "uuid-version", message);
            }
        } else if id.version() != 5 {
            self.warning_at(
                "id",
                "uuid-version",
                "SCO ids should be UUIDv5 over the id-contributing properties",
            );
        } else if let Some(d) = check_sco_id(obj) {
            self.out.push(d.under(&self.path.render(None)));
        }
    }

    fn indicator(&mut self, map: &Map<String, Value>) {
        if map.get("pattern_type").and_then(Value::as_str) != Some("stix") {
            return;
        }
        let Some(pattern) = map.get("pattern").and_then(Value::as_str) else { return };
        if let Err(message) = check_stix_pattern(pattern) {
            self.error_at("pattern", "invalid-pattern", message);
        }
    }

    fn relationship(&mut self, map: &Map<String, Value>) {
        let Some(rt) = map.get("relationship_type").and_then(Value::as_str) else { return };
        if rt.is_empty() || !rt.bytes().all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-') {
            self.error_at(
                "relationship_type",
                "invalid-relationship-type",
                "only a–z, 0–9 and - are allowed",
            );
        } else if !spec::RELATIONSHIP_TYPES.contains(&rt) {
            self.warning_at(
                "relationship_type",
                "vocab-value",
                format!("`{rt}` is not a relationship type the specification defines"),
            );
        }
    }

    fn marking_definition(&mut self, map: &Map<String, Value>) {
        let id = map.get("id").and_then(Value::as_str).unwrap_or_default();
        let definition_type = map.get("definition_type").and_then(Value::as_str);
        let definition = map.get("definition");
        if !map.contains_key("extensions") || map.contains_key("definition_type") || definition.is_some() {
            for key in ["definition_type", "definition"] {
                if !map.contains_key(key) {
                    self.error_at(
                        key,
                        "required-property",
                        format!("`{key}` is required (or `extensions` alone)"),
                    );
                }
            }
        }
        match (definition_type, definition) {
            (Some("statement"), Some(d)) if !d.get("statement").is_some_and(Value::is_string) => {
                self.error_at(
                    "definition",
                    "invalid-marking-definition",
                    "a statement needs a `statement` string",
                );
            }
            (Some("tlp"), Some(d)) => {
                let colour = d.get("tlp").and_then(Value::as_str);
                if !matches!(colour, Some("white" | "green" | "amber" | "red")) {
                    self.error_at(
                        "definition",
                        "invalid-marking-definition",
                        "`tlp` must be white, green, amber or red",
                    );
                }
                if tlp_marking(id).is_none() {
                    self.error_at(
                        "id",
                        "nonstandard-tlp",
                        "TLP markings must be the standard marking definitions",
                    );
                }
            }
            (Some(other), _) => {
                self.warning_at(
                    "definition_type",
                    "vocab-value",
                    format!("`{other}` is neither statement nor tlp"),
                );
            }
            _ => {}
        }
        if let Some((version, colour)) = tlp_marking(id)
            && !tlp_content_matches(map, version, colour)
        {
            self.error_at(
                "id",
                "tlp-redefined",
                format!("this id is the standard TLP:{} marking, with other content", colour.to_uppercase()),
            );
        }
        self.self_marking(map, id);
    }

    fn self_marking(&mut self, map: &Map<String, Value>, id: &str) {
        let refs = map.get("object_marking_refs").and_then(Value::as_array);
        if refs.is_some_and(|r| r.iter().any(|v| v.as_str() == Some(id))) {
            self.error_at(
                "object_marking_refs",
                "invalid-marking-definition",
                "a marking definition must not mark itself",
            );
        }
        let granular = map.get("granular_markings").and_then(Value::as_array);
        if granular
            .is_some_and(|g| g.iter().any(|m| m.get("marking_ref").and_then(Value::as_str) == Some(id)))
        {
            self.error_at(
                "granular_markings",
                "invalid-marking-definition",
                "a marking definition must not mark itself",
            );
        }
    }

    fn language_content(&mut self, map: &'a Map<String, Value>) {
        let Some(contents) = map.get("contents").and_then(Value::as_object) else { return };
        self.within(PathSegment::Key("contents"), |c| {
            for (lang, props) in contents {
                if !is_language_tag(lang) {
                    c.error_at(lang, "invalid-language", format!("`{lang}` is not an RFC 5646 language tag"));
                }
                let Some(props) = props.as_object() else { continue };
                c.within(PathSegment::Key(lang), |c| {
                    for key in props.keys() {
                        if !is_property_name(key) {
                            c.error_at(
                                key,
                                "custom-property-name",
                                format!("`{key}` is not a property name"),
                            );
                        }
                    }
                });
            }
        });
    }

    /// `lang` and the granular-marking selectors, which need the whole object.
    fn selectors(&mut self, map: &'a Map<String, Value>) {
        if let Some(lang) = map.get("lang").and_then(Value::as_str)
            && !is_language_tag(lang)
        {
            self.error_at("lang", "invalid-language", format!("`{lang}` is not an RFC 5646 language tag"));
        }
        let Some(markings) = map.get("granular_markings").and_then(Value::as_array) else { return };
        for (i, marking) in markings.iter().enumerate() {
            let Some(selectors) = marking.get("selectors").and_then(Value::as_array) else { continue };
            for (j, selector) in selectors.iter().enumerate() {
                let Some(text) = selector.as_str() else { continue };
                if !selector_resolves(map, text) {
                    self.within(PathSegment::Key("granular_markings"), |c| {
                        c.within(PathSegment::Index(i), |c| {
                            c.within(PathSegment::Key("selectors"), |c| {
                                c.within(PathSegment::Index(j), |c| {
                                    c.error(
                                        "invalid-selector",
                                        format!("`{text}` selects nothing in this object"),
                                    );
                                });
                            });
                        });
                    });
                }
            }
        }
    }

    fn tlp_refs(&mut self, map: &Map<String, Value>) {
        let Some(refs) = map.get("object_marking_refs").and_then(Value::as_array) else { return };
        let tlp_count = refs.iter().filter(|r| r.as_str().and_then(tlp_marking).is_some()).count();
        if tlp_count > 1 {
            self.error_at("object_marking_refs", "multiple-tlp", "an object carries at most one TLP marking");
        }
    }
}

fn bounds(min: Option<i64>, max: Option<i64>) -> String {
    match (min, max) {
        (Some(a), Some(b)) => format!("{a}..={b}"),
        (Some(a), None) => format!("{a}.."),
        (None, Some(b)) => format!("..={b}"),
        (None, None) => "..".to_owned(),
    }
}

/// Whether a marking definition with a standard TLP id says what the standard one says.
fn tlp_content_matches(map: &Map<String, Value>, version: u8, colour: &str) -> bool {
    let name_ok = match map.get("name").and_then(Value::as_str) {
        None => true,
        Some(name) => name.strip_prefix("TLP:").is_some_and(|c| c.eq_ignore_ascii_case(colour)),
    };
    let content_ok = if version == 1 {
        map.get("definition_type").and_then(Value::as_str) == Some("tlp")
            && map.get("definition").and_then(|d| d.get("tlp")).and_then(Value::as_str) == Some(colour)
    } else {
        let ext = map.get("extensions").and_then(|e| e.get(TLP2_EXTENSION));
        ext.and_then(|e| e.get("tlp_2_0")).and_then(Value::as_str) == Some(colour)
            && map.get("definition_type").is_none()
    };
    name_ok && content_ok
}

/// Resolves a granular-marking selector (§7.2.3.1: `a.b.[2].c`) against the object.
fn selector_resolves(obj: &Map<String, Value>, selector: &str) -> bool {
    let mut segments = selector.split('.');
    let Some(first) = segments.next() else { return false };
    let Some(mut current) = obj.get(first) else { return false };
    for segment in segments {
        let next = match segment.strip_prefix('[').and_then(|s| s.strip_suffix(']')) {
            Some(index) => index.parse::<usize>().ok().and_then(|i| current.as_array()?.get(i)),
            None => current.as_object().and_then(|m| m.get(segment)),
        };
        match next {
            Some(v) => current = v,
            None => return false,
        }
    }
    true
}

/// §3.1 / §11.1 property names: 3–250 of `a-z`, `0-9` and `_`.
pub fn is_property_name(name: &str) -> bool {
    (3..=250).contains(&name.len())
        && name.bytes().all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'_')
}

fn is_dictionary_key(key: &str) -> bool {
    key.len() <= 250 && key.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_')
}

fn is_hex(s: &str) -> bool {
    !s.is_empty() && s.len().is_multiple_of(2) && s.bytes().all(|b| b.is_ascii_hexdigit())
}

fn is_base64(s: &str) -> bool {
    let b = s.as_bytes();
    if b.is_empty() || !b.len().is_multiple_of(4) {
        return false;
    }
    let body = b.strip_suffix(b"==").or_else(|| b.strip_suffix(b"=")).unwrap_or(b);
    body.iter().all(|&c| c.is_ascii_alphanumeric() || c == b'+' || c == b'/')
}

/// An RFC 3986 URI: a scheme, then only characters the grammar allows, `%` only before two hex
/// digits, at most one `#`.
fn is_uri(s: &str) -> bool {
    let Some((scheme, rest)) = s.split_once(':') else { return false };
    let scheme_ok = scheme.bytes().next().is_some_and(|b| b.is_ascii_alphabetic())
        && scheme.bytes().all(|b| b.is_ascii_alphanumeric() || matches!(b, b'+' | b'-' | b'.'));
    if !scheme_ok || rest.bytes().filter(|&b| b == b'#').count() > 1 {
        return false;
    }
    let b = rest.as_bytes();
    let mut i = 0;
    while i < b.len() {
        let c = b[i];
        if c == b'%' {
            let ok = b.get(i + 1).is_some_and(u8::is_ascii_hexdigit)
                && b.get(i + 2).is_some_and(u8::is_ascii_hexdigit);
            if !ok {
                return false;
            }
            i += 3;
            continue;
        }
        let allowed = c.is_ascii_alphanumeric() || b"-._~:/?#[]@!$&'()*+,;=".contains(&c);
        if !allowed {
            return false;
        }
        i += 1;
    }
    true
}

/// The value forms of the hash algorithms the specification names (as the OASIS schema has them).
fn hash_value_ok(algorithm: &str, value: &str) -> bool {
    let hex_len = |n: usize| value.len() == n && value.bytes().all(|b| b.is_ascii_hexdigit());
    match algorithm {
        "MD5" => hex_len(32),
        "SHA-1" => hex_len(40),
        "SHA-256" | "SHA3-256" => hex_len(64),
        "SHA-512" | "SHA3-512" => hex_len(128),
        "SSDEEP" => {
            (1..=128).contains(&value.len())
                && value.bytes().all(|b| b.is_ascii_alphanumeric() || matches!(b, b'/' | b'+' | b':' | b'.'))
        }
        "TLSH" => value.len() == 70 && value.bytes().all(|b| b.is_ascii_alphanumeric()),
        _ => true,
    }
}

fn is_cve_id(id: &str) -> bool {
    let Some(rest) = id.strip_prefix("CVE-") else { return false };
    let Some((year, number)) = rest.split_once('-') else { return false };
    let digits = |s: &str| !s.is_empty() && s.bytes().all(|b| b.is_ascii_digit());
    year.len() == 4
        && digits(year)
        && digits(number)
        && number.len() >= 4
        && (number.len() == 4 || !number.starts_with('0'))
}

fn is_capec_id(id: &str) -> bool {
    id.strip_prefix("CAPEC-").is_some_and(|n| !n.is_empty() && n.bytes().all(|b| b.is_ascii_digit()))
}

/// A loose RFC 5646 check: a 2–8 letter primary subtag, then `-`-separated 1–8 alphanumeric
/// subtags.
fn is_language_tag(tag: &str) -> bool {
    let mut parts = tag.split('-');
    let primary_ok = parts
        .next()
        .is_some_and(|p| (2..=8).contains(&p.len()) && p.bytes().all(|b| b.is_ascii_alphabetic()));
    primary_ok && parts.all(|p| (1..=8).contains(&p.len()) && p.bytes().all(|b| b.is_ascii_alphanumeric()))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn scalar_syntaxes() {
        assert!(is_uri("https://example.com/a%20b?q=1#frag"));
        assert!(!is_uri("https://www.zscaler.com/blogs/research/super-mario-run-malware-2-–-droidjack-rat"));
        assert!(!is_uri("no scheme"));
        assert!(!is_uri("http://x/%zz"));
        assert!(is_base64("aGVsbG8=") && !is_base64("aGVsbG8") && !is_base64("a$=="));
        assert!(is_hex("0aFF") && !is_hex("0aF"));
        assert!(is_cve_id("CVE-2016-1234") && is_cve_id("CVE-2016-12345") && !is_cve_id("CVE-2016-123"));
        assert!(!is_cve_id("CVE-2016-01234") && is_capec_id("CAPEC-163") && !is_capec_id("CAPEC-"));
        assert!(is_language_tag("en") && is_language_tag("zh-Hans-CN") && !is_language_tag("e"));
    }
}
