//! MISP event JSON as serde types, read leniently (MISP writes numbers as strings, PyMISP as
//! numbers; both are accepted) and written the way MISP's own feeds write them (numbers as
//! strings).
//!
//! Only what Selat maps is kept; other MISP fields (ids, `ShadowAttribute`, `RelatedEvent`, …)
//! are dropped on reading.

use serde::{Deserialize, Deserializer, Serialize};
use serde_json::Value;

use crate::{
    MAX_ATTRIBUTE_VALUE_BYTES, MAX_ATTRIBUTES_PER_EVENT, MAX_EVENT_BYTES, MAX_EVENTS_PER_INPUT,
    MAX_OBJECTS_PER_EVENT, MispError,
};

/// A MISP event.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct Event {
    #[serde(default, deserialize_with = "string")]
    pub uuid: String,
    #[serde(default, deserialize_with = "string")]
    pub info: String,
    #[serde(default, deserialize_with = "opt_string", skip_serializing_if = "Option::is_none")]
    pub date: Option<String>,
    #[serde(default, deserialize_with = "opt_string", skip_serializing_if = "Option::is_none")]
    pub threat_level_id: Option<String>,
    #[serde(default, deserialize_with = "opt_string", skip_serializing_if = "Option::is_none")]
    pub analysis: Option<String>,
    #[serde(default, deserialize_with = "opt_string", skip_serializing_if = "Option::is_none")]
    pub distribution: Option<String>,
    #[serde(default, deserialize_with = "opt_string", skip_serializing_if = "Option::is_none")]
    pub sharing_group_id: Option<String>,
    #[serde(default, deserialize_with = "opt_string", skip_serializing_if = "Option::is_none")]
    pub timestamp: Option<String>,
    #[serde(default, deserialize_with = "opt_string", skip_serializing_if = "Option::is_none")]
    pub publish_timestamp: Option<String>,
    #[serde(default, deserialize_with = "opt_bool", skip_serializing_if = "Option::is_none")]
    pub published: Option<bool>,
    #[serde(rename = "Orgc", default, skip_serializing_if = "Option::is_none")]
    pub orgc: Option<Org>,
    #[serde(rename = "Org", default, skip_serializing_if = "Option::is_none")]
    pub org: Option<Org>,
    #[serde(rename = "SharingGroup", default, skip_serializing_if = "Option::is_none")]
    pub sharing_group: Option<SharingGroup>,
    #[serde(rename = "Tag", default, deserialize_with = "list", skip_serializing_if = "Vec::is_empty")]
    pub tags: Vec<Tag>,
    #[serde(rename = "Galaxy", default, deserialize_with = "list", skip_serializing_if = "Vec::is_empty")]
    pub galaxies: Vec<Galaxy>,
    #[serde(rename = "Attribute", default, deserialize_with = "list", skip_serializing_if = "Vec::is_empty")]
    pub attributes: Vec<Attribute>,
    #[serde(rename = "Object", default, deserialize_with = "list", skip_serializing_if = "Vec::is_empty")]
    pub objects: Vec<Object>,
}

/// An organisation as MISP names it (`Org`, `Orgc`).
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Org {
    #[serde(default, deserialize_with = "string")]
    pub name: String,
    #[serde(default, deserialize_with = "string")]
    pub uuid: String,
}

/// A MISP sharing group, as far as Selat maps it.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct SharingGroup {
    #[serde(default, deserialize_with = "string")]
    pub uuid: String,
    #[serde(default, deserialize_with = "string")]
    pub name: String,
}

/// A tag (`tlp:amber`, `PAP:GREEN`, `misp-galaxy:banker="Gozi"`, …).
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Tag {
    #[serde(deserialize_with = "string")]
    pub name: String,
}

/// A galaxy and the clusters of it the event names.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct Galaxy {
    #[serde(rename = "type", default, deserialize_with = "string")]
    pub galaxy_type: String,
    #[serde(default, deserialize_with = "string")]
    pub name: String,
    #[serde(rename = "GalaxyCluster", default, deserialize_with = "list")]
    pub clusters: Vec<GalaxyCluster>,
}

/// One cluster of a galaxy (`Gozi` in `banker`).
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct GalaxyCluster {
    #[serde(default, deserialize_with = "string")]
    pub value: String,
    #[serde(default, deserialize_with = "string")]
    pub tag_name: String,
    #[serde(default, deserialize_with = "opt_string", skip_serializing_if = "Option::is_none")]
    pub description: Option<String>,
}

/// A MISP attribute, of the event or of an object.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct Attribute {
    #[serde(default, deserialize_with = "string")]
    pub uuid: String,
    #[serde(rename = "type", default, deserialize_with = "string")]
    pub attribute_type: String,
    #[serde(default, deserialize_with = "opt_string", skip_serializing_if = "Option::is_none")]
    pub category: Option<String>,
    #[serde(default, deserialize_with = "string")]
    pub value: String,
    #[serde(default, deserialize_with = "opt_bool", skip_serializing_if = "Option::is_none")]
    pub to_ids: Option<bool>,
    #[serde(default, deserialize_with = "opt_string", skip_serializing_if = "Option::is_none")]
    pub comment: Option<String>,
    #[serde(default, deserialize_with = "opt_string", skip_serializing_if = "Option::is_none")]
    pub object_relation: Option<String>,
    #[serde(default, deserialize_with = "opt_string", skip_serializing_if = "Option::is_none")]
    pub distribution: Option<String>,
    #[serde(default, deserialize_with = "opt_string", skip_serializing_if = "Option::is_none")]
    pub sharing_group_id: Option<String>,
    #[serde(rename = "SharingGroup", default, skip_serializing_if = "Option::is_none")]
    pub sharing_group: Option<SharingGroup>,
    #[serde(default, deserialize_with = "opt_string", skip_serializing_if = "Option::is_none")]
    pub timestamp: Option<String>,
    #[serde(default, deserialize_with = "opt_bool", skip_serializing_if = "Option::is_none")]
    pub deleted: Option<bool>,
    #[serde(rename = "Tag", default, deserialize_with = "list", skip_serializing_if = "Vec::is_empty")]
    pub tags: Vec<Tag>,
    #[serde(rename = "Sighting", default, deserialize_with = "list", skip_serializing_if = "Vec::is_empty")]
    pub sightings: Vec<Sighting>,
}

/// Someone saw an attribute's value (`type` 0), or says it is a false positive (1) or expired (2).
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Sighting {
    #[serde(default, deserialize_with = "string")]
    pub uuid: String,
    #[serde(default, deserialize_with = "opt_string", skip_serializing_if = "Option::is_none")]
    pub date_sighting: Option<String>,
    #[serde(
        rename = "type",
        default,
        deserialize_with = "opt_string",
        skip_serializing_if = "Option::is_none"
    )]
    pub sighting_type: Option<String>,
    #[serde(default, deserialize_with = "opt_string", skip_serializing_if = "Option::is_none")]
    pub source: Option<String>,
    #[serde(rename = "Organisation", default, skip_serializing_if = "Option::is_none")]
    pub organisation: Option<Org>,
}

/// A MISP object: a template name and its attributes.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct Object {
    #[serde(default, deserialize_with = "string")]
    pub uuid: String,
    #[serde(default, deserialize_with = "string")]
    pub name: String,
    #[serde(
        rename = "meta-category",
        default,
        deserialize_with = "opt_string",
        skip_serializing_if = "Option::is_none"
    )]
    pub meta_category: Option<String>,
    #[serde(default, deserialize_with = "opt_string", skip_serializing_if = "Option::is_none")]
    pub description: Option<String>,
    #[serde(default, deserialize_with = "opt_string", skip_serializing_if = "Option::is_none")]
    pub template_uuid: Option<String>,
    #[serde(default, deserialize_with = "opt_string", skip_serializing_if = "Option::is_none")]
    pub template_version: Option<String>,
    #[serde(default, deserialize_with = "opt_string", skip_serializing_if = "Option::is_none")]
    pub comment: Option<String>,
    #[serde(default, deserialize_with = "opt_string", skip_serializing_if = "Option::is_none")]
    pub distribution: Option<String>,
    #[serde(default, deserialize_with = "opt_string", skip_serializing_if = "Option::is_none")]
    pub sharing_group_id: Option<String>,
    #[serde(default, deserialize_with = "opt_string", skip_serializing_if = "Option::is_none")]
    pub timestamp: Option<String>,
    #[serde(default, deserialize_with = "opt_bool", skip_serializing_if = "Option::is_none")]
    pub deleted: Option<bool>,
    #[serde(rename = "Attribute", default, deserialize_with = "list", skip_serializing_if = "Vec::is_empty")]
    pub attributes: Vec<Attribute>,
    #[serde(
        rename = "ObjectReference",
        default,
        deserialize_with = "list",
        skip_serializing_if = "Vec::is_empty"
    )]
    pub references: Vec<ObjectReference>,
}

/// An object's reference to another object or attribute of the event.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct ObjectReference {
    #[serde(default, deserialize_with = "string")]
    pub uuid: String,
    #[serde(default, deserialize_with = "string")]
    pub object_uuid: String,
    #[serde(default, deserialize_with = "string")]
    pub referenced_uuid: String,
    #[serde(default, deserialize_with = "string")]
    pub relationship_type: String,
    #[serde(default, deserialize_with = "opt_string", skip_serializing_if = "Option::is_none")]
    pub comment: Option<String>,
    #[serde(default, deserialize_with = "opt_string", skip_serializing_if = "Option::is_none")]
    pub timestamp: Option<String>,
}

/// Whether a JSON value is MISP event JSON: `{"Event": …}`, a bare event, `{"response": [...]}`
/// or a list of those.
pub fn is_misp(value: &Value) -> bool {
    match value {
        Value::Array(items) => items.first().is_some_and(is_misp_event),
        Value::Object(map) => {
            map.contains_key("response") && map.get("type").is_none() || is_misp_event(value)
        }
        _ => false,
    }
}

fn is_misp_event(value: &Value) -> bool {
    let Some(map) = value.as_object() else { return false };
    if map.get("Event").is_some_and(Value::is_object) {
        return true;
    }
    // A bare event: no STIX `type`, and what only a MISP event has.
    map.get("type").is_none()
        && (map.contains_key("Attribute") || map.contains_key("Object") || map.contains_key("info"))
}

/// Reads every event of a MISP JSON document (see [`is_misp`]), checking the limits. The error
/// names the event (its index and uuid when readable) and what is wrong.
pub fn parse_events(bytes: &[u8]) -> Result<Vec<Event>, MispError> {
    if bytes.len() > MAX_EVENT_BYTES {
        return Err(MispError::TooLarge(format!(
            "{} bytes, more than MAX_EVENT_BYTES ({MAX_EVENT_BYTES})",
            bytes.len()
        )));
    }
    let value: Value = serde_json::from_slice(bytes).map_err(|e| MispError::Json(e.to_string()))?;
    events_of(value)
}

/// The events of an already parsed document.
pub fn events_of(value: Value) -> Result<Vec<Event>, MispError> {
    let items = match value {
        Value::Array(items) => items,
        Value::Object(mut map)
            if map.get("type").is_none() && map.get("response").is_some_and(Value::is_array) =>
        {
            match map.remove("response") {
                Some(Value::Array(items)) => items,
                _ => Vec::new(),
            }
        }
        other => vec![other],
    };
    if items.len() > MAX_EVENTS_PER_INPUT {
        return Err(MispError::TooLarge(format!(
            "{} events, more than MAX_EVENTS_PER_INPUT ({MAX_EVENTS_PER_INPUT})",
            items.len()
        )));
    }
    items.into_iter().enumerate().map(|(index, item)| event_of(index, item)).collect()
}

fn event_of(index: usize, item: Value) -> Result<Event, MispError> {
    let item = match item {
        Value::Object(mut map) if map.get("Event").is_some_and(Value::is_object) => {
            map.remove("Event").unwrap_or_default()
        }
        other => other,
    };
    let uuid = item.get("uuid").and_then(Value::as_str).unwrap_or("no uuid").to_owned();
    let at = format!("event {index} ({uuid})");
    if !is_misp_event(&item) {
        return Err(MispError::Event {
            at,
            message: "not a MISP event (no Attribute, Object or info)".into(),
        });
    }
    let event: Event = serde_json::from_value(item)
        .map_err(|e| MispError::Event { at: at.clone(), message: e.to_string() })?;
    check_limits(&event).map_err(|message| MispError::Event { at, message })?;
    Ok(event)
}

fn check_limits(event: &Event) -> Result<(), String> {
    if event.uuid.is_empty() {
        return Err("the event has no uuid".into());
    }
    if event.objects.len() > MAX_OBJECTS_PER_EVENT {
        return Err(format!(
            "{} objects, more than MAX_OBJECTS_PER_EVENT ({MAX_OBJECTS_PER_EVENT})",
            event.objects.len()
        ));
    }
    let attributes = event.attributes.len() + event.objects.iter().map(|o| o.attributes.len()).sum::<usize>();
    if attributes > MAX_ATTRIBUTES_PER_EVENT {
        return Err(format!(
            "{attributes} attributes, more than MAX_ATTRIBUTES_PER_EVENT ({MAX_ATTRIBUTES_PER_EVENT})"
        ));
    }
    let all = event.attributes.iter().chain(event.objects.iter().flat_map(|o| o.attributes.iter()));
    for attribute in all {
        if attribute.value.len() > MAX_ATTRIBUTE_VALUE_BYTES {
            return Err(format!(
                "attribute {}: a value of {} bytes, more than MAX_ATTRIBUTE_VALUE_BYTES ({MAX_ATTRIBUTE_VALUE_BYTES})",
                attribute.uuid,
                attribute.value.len()
            ));
        }
    }
    Ok(())
}

impl Event {
    /// The event's tags' names.
    pub fn tag_names(&self) -> impl Iterator<Item = &str> {
        self.tags.iter().map(|t| t.name.as_str())
    }
}

fn scalar_text(value: Value) -> Option<String> {
    match value {
        Value::Null => None,
        Value::String(s) => Some(s),
        Value::Number(n) => Some(n.to_string()),
        Value::Bool(b) => Some(if b { "1" } else { "0" }.to_owned()),
        other => Some(other.to_string()),
    }
}

fn opt_string<'de, D: Deserializer<'de>>(d: D) -> Result<Option<String>, D::Error> {
    Ok(scalar_text(Value::deserialize(d)?))
}

fn string<'de, D: Deserializer<'de>>(d: D) -> Result<String, D::Error> {
    Ok(scalar_text(Value::deserialize(d)?).unwrap_or_default())
}

fn opt_bool<'de, D: Deserializer<'de>>(d: D) -> Result<Option<bool>, D::Error> {
    use serde::de::Error;
    match Value::deserialize(d)? {
        Value::Null => Ok(None),
        Value::Bool(b) => Ok(Some(b)),
        Value::Number(n) => Ok(Some(n.as_i64() != Some(0))),
        Value::String(s) => match s.to_ascii_lowercase().as_str() {
            "1" | "true" => Ok(Some(true)),
            "0" | "false" | "" => Ok(Some(false)),
            _ => Err(D::Error::custom(format!("{s:?} is not a boolean"))),
        },
        other => Err(D::Error::custom(format!("{other} is not a boolean"))),
    }
}

/// A list that MISP sometimes writes as `null` or leaves out.
fn list<'de, D: Deserializer<'de>, T: Deserialize<'de>>(d: D) -> Result<Vec<T>, D::Error> {
    Ok(Option::<Vec<T>>::deserialize(d)?.unwrap_or_default())
}
