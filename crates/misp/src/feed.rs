//! A MISP feed directory: `manifest.json` (one entry per event: `Orgc`, `Tag`, `info`, `date`,
//! `analysis`, `threat_level_id`, `timestamp`, as PyMISP's `MISPEvent.manifest` writes it),
//! `<uuid>.json` per event (`{"Event": …}`) and `hashes.csv` (`md5-of-value,event-uuid` per
//! attribute value; composite values hashed per part), what a MISP instance reads when it adds
//! the directory as a feed.

use std::collections::BTreeMap;

use md5::{Digest, Md5};
use serde_json::{Map, Value, json};

use crate::MispError;
use crate::event::Event;

/// Most events a feed manifest may list.
pub const MAX_MANIFEST_EVENTS: usize = 1_000_000;

/// The manifest entry of one event.
pub fn manifest_entry(event: &Event) -> Value {
    let orgc = event.orgc.clone().unwrap_or_default();
    let tags: Vec<Value> = event.tags.iter().map(|t| json!({"name": t.name})).collect();
    let number = |v: &Option<String>, default: i64| {
        v.as_deref().and_then(|s| s.parse::<i64>().ok()).unwrap_or(default)
    };
    json!({
        "Orgc": {"name": orgc.name, "uuid": orgc.uuid},
        "Tag": tags,
        "info": event.info,
        "date": event.date,
        "analysis": number(&event.analysis, 0),
        "threat_level_id": number(&event.threat_level_id, 4),
        "timestamp": number(&event.timestamp, 0),
    })
}

/// `manifest.json` for a set of events.
pub fn manifest(events: &[Event]) -> Value {
    let map: Map<String, Value> = events.iter().map(|e| (e.uuid.clone(), manifest_entry(e))).collect();
    Value::Object(map)
}

/// `hashes.csv`: the MD5 of each attribute value (each part of a composite one) and its event.
pub fn hashes_csv(events: &[Event]) -> String {
    let mut out = String::new();
    for event in events {
        let attributes =
            event.attributes.iter().chain(event.objects.iter().flat_map(|o| o.attributes.iter()));
        for attribute in attributes {
            let parts: Vec<&str> =
                if attribute.attribute_type.contains('|') || attribute.attribute_type == "malware-sample" {
                    attribute.value.split('|').collect()
                } else {
                    vec![attribute.value.as_str()]
                };
            for part in parts {
                let digest = Md5::digest(part.as_bytes());
                let hex: String = digest.iter().map(|b| format!("{b:02x}")).collect();
                out.push_str(&format!("{hex},{}\n", event.uuid));
            }
        }
    }
    out
}

/// A feed manifest read back: event uuid → its `timestamp`.
pub fn parse_manifest(bytes: &[u8]) -> Result<BTreeMap<String, i64>, MispError> {
    let value: Value =
        serde_json::from_slice(bytes).map_err(|e| MispError::Json(format!("manifest.json: {e}")))?;
    let map = value.as_object().ok_or_else(|| MispError::Json("manifest.json: not a JSON object".into()))?;
    if map.len() > MAX_MANIFEST_EVENTS {
        return Err(MispError::TooLarge(format!(
            "manifest.json lists {} events, more than MAX_MANIFEST_EVENTS ({MAX_MANIFEST_EVENTS})",
            map.len()
        )));
    }
    let mut out = BTreeMap::new();
    for (uuid, entry) in map {
        if uuid::Uuid::parse_str(uuid).is_err() {
            return Err(MispError::Event {
                at: format!("manifest.json entry {uuid:?}"),
                message: "not a uuid".into(),
            });
        }
        let timestamp = match entry.get("timestamp") {
            Some(Value::Number(n)) => n.as_i64(),
            Some(Value::String(s)) => s.parse().ok(),
            _ => None,
        }
        .unwrap_or(0);
        out.insert(uuid.clone(), timestamp);
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::event::{Attribute, Tag};

    #[test]
    fn manifest_and_hashes() {
        let event = Event {
            uuid: "5758ebf5-c898-48e6-9fe9-5665c0a83866".into(),
            info: "x".into(),
            date: Some("2016-06-09".into()),
            timestamp: Some("1465681801".into()),
            tags: vec![Tag { name: "tlp:green".into() }],
            attributes: vec![Attribute {
                attribute_type: "filename|md5".into(),
                value: "a|b".into(),
                ..Attribute::default()
            }],
            ..Event::default()
        };
        let manifest = manifest(std::slice::from_ref(&event));
        assert_eq!(manifest[&event.uuid]["timestamp"], 1465681801);
        assert_eq!(manifest[&event.uuid]["Tag"][0]["name"], "tlp:green");
        let csv = hashes_csv(std::slice::from_ref(&event));
        // md5("a"), md5("b")
        assert_eq!(
            csv,
            format!(
                "0cc175b9c0f1b6a831c399e269772661,{0}\n92eb5ffee6ae2fec3ad71c777531578f,{0}\n",
                event.uuid
            )
        );
        let read = parse_manifest(serde_json::to_string(&manifest).unwrap().as_bytes()).unwrap();
        assert_eq!(read.get(&event.uuid), Some(&1465681801));
        assert!(parse_manifest(b"{\"nope\": {}}").is_err());
    }
}
