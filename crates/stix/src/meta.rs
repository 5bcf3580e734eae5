//! The columns a store keeps beside an object's JSON, read once at ingest.

use serde_json::Value;

use crate::timestamp::Timestamp;
use crate::tlp::{Tlp, effective_tlp};

/// Selat's distribution extension (DESIGN.md "Organisations and the access policy").
pub const DISTRIBUTION_EXTENSION_ID: &str = crate::selat::DISTRIBUTION.id;

/// Who an object is distributed to.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Scope {
    Organisation,
    National,
    Community,
    Group,
    Recipients,
}

impl Scope {
    pub fn as_str(self) -> &'static str {
        match self {
            Scope::Organisation => "organisation",
            Scope::National => "national",
            Scope::Community => "community",
            Scope::Group => "group",
            Scope::Recipients => "recipients",
        }
    }

    pub fn from_name(name: &str) -> Option<Self> {
        [Scope::Organisation, Scope::National, Scope::Community, Scope::Group, Scope::Recipients]
            .into_iter()
            .find(|s| s.as_str() == name)
    }
}

/// What a store needs to know about an object without parsing its JSON again.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ObjectMeta {
    pub id: String,
    pub object_type: String,
    pub spec_version: String,
    pub created_us: Option<i64>,
    pub modified_us: Option<i64>,
    pub created_by_ref: Option<String>,
    pub revoked: bool,
    pub tlp: Option<Tlp>,
    pub scope: Scope,
    /// The sharing group a `group` scope names.
    pub sharing_group_ref: Option<String>,
    /// The identities a `recipients` scope names.
    pub recipient_refs: Vec<String>,
    pub confidence: Option<i64>,
    /// A cyber-observable: no `created`, a deterministic id, one copy per owner.
    pub is_sco: bool,
}

impl ObjectMeta {
    /// Reads the columns of a validated object; `None` when it has no string `type` and `id`.
    pub fn extract(obj: &Value) -> Option<Self> {
        let str_of = |key: &str| obj.get(key).and_then(Value::as_str);
        let micros_of = |key: &str| str_of(key).and_then(|t| Timestamp::parse(t).ok()).map(|t| t.micros);
        let tlp = effective_tlp(obj);
        Some(Self {
            id: str_of("id")?.to_owned(),
            object_type: str_of("type")?.to_owned(),
            spec_version: str_of("spec_version").unwrap_or("2.1").to_owned(),
            created_us: micros_of("created"),
            modified_us: micros_of("modified"),
            created_by_ref: str_of("created_by_ref").map(str::to_owned),
            revoked: obj.get("revoked").and_then(Value::as_bool).unwrap_or(false),
            tlp,
            scope: scope_of(obj, tlp),
            sharing_group_ref: distribution(obj)
                .and_then(|d| d.get("sharing_group_ref"))
                .and_then(Value::as_str)
                .map(str::to_owned),
            recipient_refs: distribution(obj)
                .and_then(|d| d.get("recipient_refs"))
                .and_then(Value::as_array)
                .map(|refs| refs.iter().filter_map(Value::as_str).map(str::to_owned).collect())
                .unwrap_or_default(),
            confidence: obj.get("confidence").and_then(Value::as_i64),
            // Every SDO, SRO and meta object has `created`; SCOs never do. That holds for custom
            // types defined by an extension-definition too, where no table can tell.
            is_sco: obj.get("created").is_none(),
        })
    }
}

/// The object's distribution extension, if it has one.
fn distribution(obj: &Value) -> Option<&Value> {
    obj.get("extensions").and_then(|e| e.get(DISTRIBUTION_EXTENSION_ID))
}

/// The distribution scope: the extension's `scope`, else `community`, but `organisation` for RED.
pub fn scope_of(obj: &Value, tlp: Option<Tlp>) -> Scope {
    let declared =
        distribution(obj).and_then(|d| d.get("scope")).and_then(Value::as_str).and_then(Scope::from_name);
    declared.unwrap_or(if tlp == Some(Tlp::Red) { Scope::Organisation } else { Scope::Community })
}

/// Selat's own rules for the distribution extension (DESIGN.md): a known `scope`; RED only with
/// `recipients` or `organisation`; `recipient_refs` only with `recipients` (and required there);
/// `sharing_group_ref` with `group`. Paths point into the extension.
pub fn distribution_diagnostics(obj: &Value) -> Vec<crate::Diagnostic> {
    use crate::Diagnostic;
    let base = format!("$.extensions['{DISTRIBUTION_EXTENSION_ID}']");
    let Some(ext) = obj.get("extensions").and_then(|e| e.get(DISTRIBUTION_EXTENSION_ID)) else {
        return Vec::new();
    };
    let mut out = Vec::new();
    let scope = match ext.get("scope").and_then(Value::as_str) {
        None => {
            out.push(Diagnostic::error(
                format!("{base}.scope"),
                "distribution-scope",
                "the distribution extension needs a `scope`",
            ));
            return out;
        }
        Some(text) => match Scope::from_name(text) {
            Some(scope) => scope,
            None => {
                out.push(Diagnostic::error(
                    format!("{base}.scope"),
                    "distribution-scope",
                    format!("unknown scope {text:?}: organisation, national, community, group or recipients"),
                ));
                return out;
            }
        },
    };
    let refs = ext.get("recipient_refs").and_then(Value::as_array);
    if effective_tlp(obj) == Some(Tlp::Red) && !matches!(scope, Scope::Recipients | Scope::Organisation) {
        out.push(Diagnostic::error(
            format!("{base}.scope"),
            "red-scope",
            "TLP:RED never leaves its named recipients: its scope must be `recipients` or `organisation`",
        ));
    }
    match (scope, refs) {
        (Scope::Recipients, Some(list))
            if !list.is_empty()
                && list.iter().all(|r| r.as_str().is_some_and(|r| r.starts_with("identity--"))) => {}
        (Scope::Recipients, _) => out.push(Diagnostic::error(
            format!("{base}.recipient_refs"),
            "recipient-refs",
            "scope `recipients` needs a non-empty `recipient_refs` list of identity ids",
        )),
        (_, Some(_)) => out.push(Diagnostic::error(
            format!("{base}.recipient_refs"),
            "recipient-refs",
            "`recipient_refs` is allowed only with scope `recipients`",
        )),
        (_, None) => {}
    }
    let group = ext.get("sharing_group_ref").and_then(Value::as_str);
    match (scope, group) {
        (Scope::Group, Some(g)) if g.starts_with("x-selat-sharing-group--") => {}
        (Scope::Group, _) => out.push(Diagnostic::error(
            format!("{base}.sharing_group_ref"),
            "sharing-group-ref",
            "scope `group` needs `sharing_group_ref` naming an x-selat-sharing-group",
        )),
        (_, Some(_)) => out.push(Diagnostic::error(
            format!("{base}.sharing_group_ref"),
            "sharing-group-ref",
            "`sharing_group_ref` is allowed only with scope `group`",
        )),
        (_, None) => {}
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn extracts_columns() {
        let obj = json!({
            "type": "indicator", "spec_version": "2.1",
            "id": "indicator--8e2e2d2b-17d4-4cbf-938f-98ee46b3cd3f",
            "created": "2016-10-11T09:30:00.000Z", "modified": "2016-10-12T09:30:00.000Z",
            "object_marking_refs": [Tlp::Red.marking_id()], "confidence": 80
        });
        let meta = ObjectMeta::extract(&obj).unwrap();
        assert_eq!(meta.tlp, Some(Tlp::Red));
        assert_eq!(meta.scope, Scope::Organisation);
        assert_eq!(meta.modified_us, Some(1_476_264_600_000_000));
        assert!(!meta.is_sco);
        let sco = json!({"type": "ipv4-addr", "id": "ipv4-addr--ff26c055-6336-5bc5-b98d-13d6226742dd", "value": "1.2.3.4",
            "extensions": {DISTRIBUTION_EXTENSION_ID: {"extension_type": "property-extension", "scope": "national"}}});
        let meta = ObjectMeta::extract(&sco).unwrap();
        assert!(meta.is_sco);
        assert_eq!((meta.scope, meta.spec_version.as_str()), (Scope::National, "2.1"));
    }

    #[test]
    fn distribution_rules() {
        let with = |tlp: Tlp, ext: serde_json::Value| json!({"object_marking_refs": [tlp.marking_id()], "extensions": {DISTRIBUTION_EXTENSION_ID: ext}});
        let codes = |obj: &serde_json::Value| {
            distribution_diagnostics(obj).iter().map(|d| d.code).collect::<Vec<_>>()
        };
        let ok_recipients = json!({"extension_type": "property-extension", "scope": "recipients", "recipient_refs": ["identity--8e2e2d2b-17d4-4cbf-938f-98ee46b3cd3f"]});
        assert!(codes(&with(Tlp::Red, ok_recipients)).is_empty());
        assert!(codes(&with(Tlp::Red, json!({"scope": "organisation"}))).is_empty());
        assert_eq!(codes(&with(Tlp::Red, json!({"scope": "community"}))), ["red-scope"]);
        assert_eq!(
            codes(&with(Tlp::Green, json!({"scope": "national", "recipient_refs": ["identity--x"]}))),
            ["recipient-refs"]
        );
        assert_eq!(codes(&with(Tlp::Green, json!({"scope": "recipients"}))), ["recipient-refs"]);
        assert_eq!(codes(&with(Tlp::Green, json!({"scope": "group"}))), ["sharing-group-ref"]);
        assert_eq!(codes(&with(Tlp::Green, json!({"scope": "everyone"}))), ["distribution-scope"]);
        let d = &distribution_diagnostics(&with(Tlp::Red, json!({"scope": "national"})))[0];
        assert_eq!(d.path, format!("$.extensions['{DISTRIBUTION_EXTENSION_ID}'].scope"));
        assert!(codes(&json!({"type": "x"})).is_empty(), "no extension, no finding");
    }
}
