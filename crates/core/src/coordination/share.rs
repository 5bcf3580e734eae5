//! How a coordination record is shared: its TLP and distribution, written onto the object as a
//! TLP 2.0 marking and Selat's distribution extension, and copied from a record to what others
//! contribute to it, so a contribution reaches exactly whoever sees the record.

use selat_stix::meta::{DISTRIBUTION_EXTENSION_ID, Scope};
use selat_stix::tlp::Tlp;
use serde_json::{Value, json};

use super::CoordinationError;

/// A record's TLP and distribution.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Sharing {
    pub tlp: Tlp,
    pub scope: Scope,
    /// The identities a `recipients` scope names.
    pub recipients: Vec<String>,
    /// The sharing group a `group` scope names.
    pub group: Option<String>,
}

impl Sharing {
    pub fn new(tlp: Tlp, scope: Scope) -> Self {
        Sharing { tlp, scope, recipients: Vec::new(), group: None }
    }

    /// Named recipients (identities), e.g. the member states an incident is addressed to.
    pub fn recipients(tlp: Tlp, recipients: Vec<String>) -> Self {
        Sharing { tlp, scope: Scope::Recipients, recipients, group: None }
    }

    /// Reads a record's sharing back (the rules `selat_stix::meta` applies when storing it).
    pub fn of(object: &Value) -> Self {
        let meta = selat_stix::meta::ObjectMeta::extract(object);
        let tlp = selat_stix::tlp::effective_tlp(object).unwrap_or(Tlp::Amber);
        match meta {
            Some(meta) => Sharing {
                tlp,
                scope: meta.scope,
                recipients: meta.recipient_refs,
                group: meta.sharing_group_ref,
            },
            None => Sharing::new(tlp, Scope::Organisation),
        }
    }

    /// The TLP by its name (`clear`, `green`, `amber`, `amber+strict`, `red`), else a 400.
    pub fn tlp_named(name: &str) -> Result<Tlp, CoordinationError> {
        Tlp::from_name(name).ok_or_else(|| {
            CoordinationError::Invalid(format!(
                "tlp {name:?}: expected one of clear, green, amber, amber+strict, red"
            ))
        })
    }

    /// The sharing of something `contributor` adds to a record shared as `self` and owned by
    /// `record_owner`: the same, with the record's owner among named recipients so it always sees
    /// what is added to its record.
    pub fn for_contribution(&self, record_owner: &str) -> Self {
        let mut sharing = self.clone();
        if sharing.scope == Scope::Recipients && !sharing.recipients.iter().any(|r| r == record_owner) {
            sharing.recipients.push(record_owner.to_owned());
        }
        sharing
    }

    /// Writes the marking and the distribution extension onto `object`.
    pub fn apply(&self, object: &mut Value) {
        object["object_marking_refs"] = json!([self.tlp.marking_id()]);
        let mut distribution = json!({"extension_type": "property-extension", "scope": self.scope.as_str()});
        if self.scope == Scope::Recipients {
            distribution["recipient_refs"] = json!(self.recipients);
        }
        if let Some(group) = &self.group {
            distribution["sharing_group_ref"] = json!(group);
        }
        if !object.get("extensions").is_some_and(Value::is_object) {
            object["extensions"] = json!({});
        }
        object["extensions"][DISTRIBUTION_EXTENSION_ID] = distribution;
    }
}
