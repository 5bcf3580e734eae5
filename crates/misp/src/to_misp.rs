//! STIX 2.1 objects → MISP events.
//!
//! Grouping: an object that came from a MISP event (its MISP extension keeps `event_uuid`) goes
//! back to that event; a `report` is an event holding its `object_refs`; what is left (loose
//! indicators, observed-data, SCOs, notes) goes into one event per export run, whose uuid derives
//! from the ids it holds. An object goes into one event only.
//!
//! Per object: an `indicator` is a to-IDS attribute (its pattern read back through the type
//! table, or one attribute per equality test when the pattern is not one row's shape); an
//! `observed-data` its SCOs' attributes, or the MISP object the extension kept; an SCO no
//! observed-data covers an attribute; a `note` a `text` attribute (or the type the extension
//! kept); a `vulnerability` a `vulnerability` attribute; malware, tools, threat actors,
//! intrusion sets and attack patterns `misp-galaxy:` tags.
//! Other types have no MISP form and are reported.
//!
//! Sharing: TLP becomes a `tlp:` tag (the original spelling when the extension kept one of the
//! same level); scope becomes distribution: `organisation`, `national` and `recipients` → 0 (MISP
//! has nothing narrower that includes them), `community` → the level the extension kept (1, 2 or
//! 3) else 1, `group` → 4 with the sharing group.

use std::collections::{BTreeMap, HashMap, HashSet};

use selat_stix::Timestamp;
use selat_stix::meta::{Scope, scope_of};
use selat_stix::tlp::{Tlp, effective_tlp};
use serde_json::{Value, json};

use crate::event::{Attribute, Event, Object, ObjectReference, Org, SharingGroup, Sighting, Tag};
use crate::types::{self, TEXT_TYPE};
use crate::{MISP_EXTENSION_ID, derived_uuid};

/// What the caller knows that the objects do not say.
pub struct ExportOptions<'a> {
    /// Orgc of an event whose objects name no creator: the exporting node's organisation.
    pub default_orgc: Org,
    /// The organisation that owns a stored object (by STIX id), when known.
    pub owner_org: &'a dyn Fn(&str) -> Option<Org>,
    /// The MISP sharing group (uuid, name) a Selat sharing group id stands for.
    pub sharing_group: &'a dyn Fn(&str) -> Option<SharingGroup>,
    /// `info` of the event holding loose objects.
    pub loose_info: String,
}

/// The events and what could not be exported.
#[derive(Debug, Default)]
pub struct Exported {
    pub events: Vec<Event>,
    /// One line per object left out, naming it and why.
    pub skipped: Vec<String>,
}

fn misp_ext(object: &Value) -> Option<&Value> {
    object.get("extensions")?.get(MISP_EXTENSION_ID)
}

fn ext_str<'a>(object: &'a Value, key: &str) -> Option<&'a str> {
    misp_ext(object)?.get(key)?.as_str()
}

fn type_of(object: &Value) -> &str {
    object.get("type").and_then(Value::as_str).unwrap_or_default()
}

fn id_of(object: &Value) -> &str {
    object.get("id").and_then(Value::as_str).unwrap_or_default()
}

fn uuid_of(id: &str) -> &str {
    id.split_once("--").map_or(id, |(_, u)| u)
}

fn unix(timestamp: Option<&str>) -> Option<String> {
    Timestamp::parse(timestamp?).ok().map(|t| t.micros.div_euclid(1_000_000).to_string())
}

const GALAXY_SDOS: [&str; 5] = ["malware", "tool", "threat-actor", "intrusion-set", "attack-pattern"];

fn is_sco(object: &Value) -> bool {
    object.get("created").is_none() && object.get("id").is_some()
}

/// Whether this type has a MISP form.
fn exportable(object: &Value) -> bool {
    matches!(type_of(object), "indicator" | "observed-data" | "note" | "vulnerability")
        || GALAXY_SDOS.contains(&type_of(object))
        || is_sco(object)
}

struct Bucket<'a> {
    uuid: String,
    report: Option<&'a Value>,
    members: Vec<&'a Value>,
}

/// Groups and converts. Objects should be the latest versions the viewer may see.
pub fn events_from_stix(objects: &[Value], options: &ExportOptions) -> Exported {
    let by_id: HashMap<&str, &Value> = objects.iter().map(|o| (id_of(o), o)).collect();
    let covered: HashSet<&str> = objects
        .iter()
        .filter(|o| type_of(o) == "observed-data")
        .flat_map(|o| o.get("object_refs").and_then(Value::as_array).into_iter().flatten())
        .filter_map(Value::as_str)
        .collect();
    let object_uuids: HashSet<&str> = objects
        .iter()
        .filter(|o| misp_ext(o).is_some_and(|e| e.get("object").is_some()))
        .filter_map(|o| ext_str(o, "uuid"))
        .collect();
    let mut out = Exported::default();
    let mut buckets: Vec<Bucket> = Vec::new();
    let mut index: HashMap<String, usize> = HashMap::new();
    let mut claimed: HashSet<&str> = HashSet::new();
    for report in objects.iter().filter(|o| type_of(o) == "report") {
        let uuid = ext_str(report, "uuid").unwrap_or(uuid_of(id_of(report))).to_owned();
        index.insert(uuid.clone(), buckets.len());
        buckets.push(Bucket { uuid, report: Some(report), members: Vec::new() });
    }
    // Objects of a MISP event go back to it, whether or not its report is visible.
    for object in objects.iter().filter(|o| type_of(o) != "report" && exportable(o)) {
        let Some(event_uuid) = ext_str(object, "event_uuid") else { continue };
        let at = *index.entry(event_uuid.to_owned()).or_insert_with(|| {
            buckets.push(Bucket { uuid: event_uuid.to_owned(), report: None, members: Vec::new() });
            buckets.len() - 1
        });
        buckets[at].members.push(object);
        claimed.insert(id_of(object));
    }
    for bucket in &mut buckets {
        let Some(report) = bucket.report else { continue };
        for r in report
            .get("object_refs")
            .and_then(Value::as_array)
            .into_iter()
            .flatten()
            .filter_map(Value::as_str)
        {
            if let Some(object) = by_id.get(r).filter(|o| exportable(o))
                && claimed.insert(r)
            {
                bucket.members.push(object);
            }
        }
    }
    let loose: Vec<&Value> = objects
        .iter()
        .filter(|o| type_of(o) != "report" && exportable(o) && !claimed.contains(id_of(o)))
        .collect();
    if !loose.is_empty() {
        let mut ids: Vec<&str> = loose.iter().map(|o| id_of(o)).collect();
        ids.sort_unstable();
        buckets.push(Bucket {
            uuid: derived_uuid(&format!("loose:{}", ids.join(","))),
            report: None,
            members: loose,
        });
    }
    let sightings = sightings_by_indicator(objects, &by_id);
    let carried = |o: &Value| {
        (type_of(o) == "relationship" && ext_str(o, "object_uuid").is_some_and(|u| object_uuids.contains(u)))
            || (type_of(o) == "sighting" && sighting_of(o).is_some_and(|i| sightings.contains_key(i)))
    };
    for object in objects.iter().filter(|o| type_of(o) != "report" && !exportable(o) && !carried(o)) {
        out.skipped.push(format!("{}: type {} has no MISP form", id_of(object), type_of(object)));
    }
    // Relationships an object's references became go back onto that object.
    let mut references: HashMap<&str, Vec<ObjectReference>> = HashMap::new();
    for r in objects.iter().filter(|o| type_of(o) == "relationship") {
        let (Some(object_uuid), Some(referenced), Some(uuid)) =
            (ext_str(r, "object_uuid"), ext_str(r, "referenced_uuid"), ext_str(r, "uuid"))
        else {
            continue;
        };
        references.entry(object_uuid).or_default().push(ObjectReference {
            uuid: uuid.to_owned(),
            object_uuid: object_uuid.to_owned(),
            referenced_uuid: referenced.to_owned(),
            relationship_type: ext_str(r, "relationship_type")
                .or_else(|| r.get("relationship_type").and_then(Value::as_str))
                .unwrap_or("related-to")
                .to_owned(),
            comment: ext_str(r, "comment").map(str::to_owned),
            timestamp: unix(r.get("modified").and_then(Value::as_str)),
        });
    }
    let context = Context {
        by_id: &by_id,
        covered: &covered,
        object_uuids: &object_uuids,
        references: &references,
        sightings: &sightings,
        options,
    };
    for bucket in &buckets {
        if let Some(event) = context.event(bucket, &mut out.skipped) {
            out.events.push(event);
        }
    }
    out
}

fn sighting_of(sighting: &Value) -> Option<&str> {
    sighting.get("sighting_of_ref").and_then(Value::as_str)
}

/// STIX sightings of the indicators being exported, as MISP sightings (type 0) of their
/// attributes; who sighted from the MISP extension when it kept it.
fn sightings_by_indicator<'a>(
    objects: &'a [Value],
    by_id: &HashMap<&'a str, &'a Value>,
) -> HashMap<&'a str, Vec<Sighting>> {
    let mut out: HashMap<&str, Vec<Sighting>> = HashMap::new();
    for s in objects.iter().filter(|o| type_of(o) == "sighting") {
        let Some(indicator) =
            sighting_of(s).filter(|i| by_id.get(i).is_some_and(|o| type_of(o) == "indicator"))
        else {
            continue;
        };
        let seen = s.get("last_seen").or_else(|| s.get("created")).and_then(Value::as_str);
        let organisation = misp_ext(s).and_then(|e| e.get("sighted_by")).map(|o| Org {
            uuid: o.get("uuid").and_then(Value::as_str).unwrap_or_default().to_owned(),
            name: o.get("name").and_then(Value::as_str).unwrap_or_default().to_owned(),
        });
        out.entry(indicator).or_default().push(Sighting {
            uuid: ext_str(s, "uuid").unwrap_or(uuid_of(id_of(s))).to_owned(),
            date_sighting: unix(seen),
            sighting_type: Some("0".into()),
            source: ext_str(s, "source").map(str::to_owned),
            organisation,
        });
    }
    out
}

struct Context<'a> {
    by_id: &'a HashMap<&'a str, &'a Value>,
    covered: &'a HashSet<&'a str>,
    object_uuids: &'a HashSet<&'a str>,
    /// Indicator id → the MISP sightings of the attribute it becomes.
    sightings: &'a HashMap<&'a str, Vec<Sighting>>,
    /// MISP object uuid → its references, from relationships.
    references: &'a HashMap<&'a str, Vec<ObjectReference>>,
    options: &'a ExportOptions<'a>,
}

/// A MISP distribution level and sharing group for an object's scope.
fn level_of(object: &Value, options: &ExportOptions) -> (u8, Option<SharingGroup>) {
    let tlp = effective_tlp(object);
    match scope_of(object, tlp) {
        Scope::Organisation | Scope::National | Scope::Recipients => (0, None),
        Scope::Community => {
            let kept = misp_ext(object).and_then(|e| e.get("distribution")).and_then(Value::as_u64);
            (kept.filter(|l| (1..=3).contains(l)).map_or(1, |l| l as u8), None)
        }
        Scope::Group => {
            let group_ref = object
                .get("extensions")
                .and_then(|e| e.get(selat_stix::meta::DISTRIBUTION_EXTENSION_ID))
                .and_then(|d| d.get("sharing_group_ref"))
                .and_then(Value::as_str)
                .unwrap_or_default();
            let group = (options.sharing_group)(group_ref).or_else(|| {
                ext_str(object, "sharing_group_uuid").map(|uuid| SharingGroup {
                    uuid: uuid.to_owned(),
                    name: ext_str(object, "sharing_group_name").unwrap_or_default().to_owned(),
                })
            });
            match group {
                Some(group) => (4, Some(group)),
                // A group MISP cannot name: narrower is the only safe choice.
                None => (0, None),
            }
        }
    }
}

fn tlp_tag(object: &Value, tlp: Tlp) -> String {
    match ext_str(object, "tlp_tag") {
        Some(kept) if kept.split_once(':').and_then(|(_, l)| Tlp::from_name(l)) == Some(tlp) => {
            kept.to_owned()
        }
        _ => format!("tlp:{}", tlp.as_str()),
    }
}

fn kept_tags(object: &Value) -> Vec<Tag> {
    misp_ext(object)
        .and_then(|e| e.get("tags"))
        .and_then(Value::as_array)
        .into_iter()
        .flatten()
        .filter_map(Value::as_str)
        .map(|name| Tag { name: name.to_owned() })
        .collect()
}

impl Context<'_> {
    fn event(&self, bucket: &Bucket, skipped: &mut Vec<String>) -> Option<Event> {
        let head = bucket.report.or_else(|| bucket.members.first().copied())?;
        let mut event = Event { uuid: bucket.uuid.clone(), ..Event::default() };
        let header = misp_ext(head).and_then(|e| e.get("event")).filter(|_| bucket.report.is_some());
        let header_str =
            |key: &str| header.and_then(|h| h.get(key)).and_then(Value::as_str).map(str::to_owned);
        let modified = head.get("modified").and_then(Value::as_str);
        event.info = match bucket.report {
            Some(report) => report.get("name").and_then(Value::as_str).unwrap_or("Selat report").to_owned(),
            None if bucket.members.iter().any(|m| ext_str(m, "event_uuid").is_some()) => {
                format!("MISP event {}", bucket.uuid)
            }
            None => self.options.loose_info.clone(),
        };
        event.date = header_str("date")
            .or_else(|| head.get("created").and_then(Value::as_str).map(|c| c[..10.min(c.len())].to_owned()));
        event.threat_level_id = header_str("threat_level_id").or(Some("4".into()));
        event.analysis = header_str("analysis").or(Some("2".into()));
        event.timestamp = header_str("timestamp").or_else(|| unix(modified));
        event.publish_timestamp = header_str("publish_timestamp")
            .or_else(|| unix(head.get("published").and_then(Value::as_str)))
            .or_else(|| unix(modified));
        event.published =
            Some(header.and_then(|h| h.get("published")).and_then(Value::as_bool).unwrap_or(true));
        // The event is as wide as its report says, or (without one) as its widest member, and
        // its TLP the least restrictive; narrower members carry their own level and tag.
        let (level, group, tlp) = match bucket.report {
            Some(report) => {
                let (level, group) = level_of(report, self.options);
                (level, group, effective_tlp(report).unwrap_or(Tlp::Amber))
            }
            None => {
                let widest = bucket
                    .members
                    .iter()
                    .map(|m| level_of(m, self.options))
                    .max_by_key(|(l, _)| breadth(*l))
                    .unwrap_or((0, None));
                let tlp = bucket
                    .members
                    .iter()
                    .map(|m| effective_tlp(m).unwrap_or(Tlp::Amber))
                    .min()
                    .unwrap_or(Tlp::Amber);
                (widest.0, widest.1, tlp)
            }
        };
        event.distribution = Some(level.to_string());
        event.sharing_group = group;
        event.orgc = Some(self.orgc(head));
        event.tags.push(Tag { name: tlp_tag(head, tlp) });
        if bucket.report.is_some() {
            event.tags.extend(kept_tags(head));
        }
        let frame = Frame { level, tlp };
        for member in &bucket.members {
            self.member(member, &frame, &mut event, skipped);
        }
        let mut seen = HashSet::new();
        event.tags.retain(|t| seen.insert(t.name.clone()));
        if event.attributes.is_empty()
            && event.objects.is_empty()
            && event.tags.len() <= 1
            && bucket.report.is_none()
        {
            return None;
        }
        Some(event)
    }

    /// Orgc: what the extension kept, else the `created_by_ref` identity, else the owner.
    fn orgc(&self, object: &Value) -> Org {
        let from = |v: &Value| Org {
            uuid: v.get("uuid").and_then(Value::as_str).unwrap_or_default().to_owned(),
            name: v.get("name").and_then(Value::as_str).unwrap_or_default().to_owned(),
        };
        if let Some(kept) = misp_ext(object).and_then(|e| e.get("orgc")) {
            return from(kept);
        }
        if let Some(identity) =
            object.get("created_by_ref").and_then(Value::as_str).and_then(|r| self.by_id.get(r))
        {
            if let Some(kept) = misp_ext(identity).and_then(|e| e.get("orgc")) {
                return from(kept);
            }
            return Org {
                uuid: uuid_of(id_of(identity)).to_owned(),
                name: identity.get("name").and_then(Value::as_str).unwrap_or_default().to_owned(),
            };
        }
        (self.options.owner_org)(id_of(object)).unwrap_or_else(|| self.options.default_orgc.clone())
    }

    fn member(&self, object: &Value, frame: &Frame, event: &mut Event, skipped: &mut Vec<String>) {
        let id = id_of(object);
        match type_of(object) {
            "indicator" => {
                if ext_str(object, "object_uuid").is_some_and(|u| self.object_uuids.contains(u)) {
                    return; // the MISP object it belongs to carries it
                }
                match self.indicator_attributes(object, frame) {
                    Ok(mut list) => {
                        if let (Some(first), Some(sightings)) = (list.first_mut(), self.sightings.get(id)) {
                            first.sightings = sightings.clone();
                        }
                        event.attributes.extend(list);
                    }
                    Err(why) => skipped.push(format!("{id}: {why}")),
                }
            }
            "observed-data" | "note" if misp_ext(object).is_some_and(|e| e.get("object").is_some()) => {
                match self.kept_object(object, frame) {
                    Some(o) => event.objects.push(o),
                    None => {
                        skipped.push(format!("{id}: the MISP object kept in its extension is unreadable"))
                    }
                }
            }
            "observed-data" => self.observed_attributes(object, frame, event, skipped),
            "vulnerability" => {
                let value = object.get("name").and_then(Value::as_str).unwrap_or_default().to_owned();
                let uuid = self.attribute_uuid(object);
                event.attributes.push(self.attribute(object, frame, "vulnerability", value, uuid, false));
            }
            "note" => {
                let misp_type = ext_str(object, "attribute_type").unwrap_or(TEXT_TYPE);
                let value = object.get("content").and_then(Value::as_str).unwrap_or_default().to_owned();
                let uuid = self.attribute_uuid(object);
                event.attributes.push(self.attribute(object, frame, misp_type, value, uuid, false));
            }
            t if GALAXY_SDOS.contains(&t) => {
                let name = object.get("name").and_then(Value::as_str).unwrap_or_default();
                let tag = ext_str(object, "galaxy_tag").map(str::to_owned).unwrap_or_else(|| {
                    let galaxy = match t {
                        "threat-actor" => "threat-actor",
                        "intrusion-set" => "mitre-intrusion-set",
                        "attack-pattern" => "mitre-attack-pattern",
                        "tool" => "mitre-tool",
                        _ => "mitre-malware",
                    };
                    format!("misp-galaxy:{galaxy}=\"{name}\"")
                });
                event.tags.push(Tag { name: tag });
            }
            _ if is_sco(object) => {
                if self.covered.contains(id) {
                    return;
                }
                match types::attribute_of_sco(object, None) {
                    Some((misp_type, value)) => {
                        let uuid = derived_uuid(id);
                        event.attributes.push(self.attribute(object, frame, misp_type, value, uuid, false));
                    }
                    None => skipped.push(format!("{id}: a {} has no MISP type", type_of(object))),
                }
            }
            other => skipped.push(format!("{id}: type {other} has no MISP form")),
        }
    }

    /// An observed-data's SCOs as attributes (not to-IDS); the first keeps the MISP uuid.
    fn observed_attributes(
        &self,
        object: &Value,
        frame: &Frame,
        event: &mut Event,
        skipped: &mut Vec<String>,
    ) {
        let id = id_of(object);
        let refs = object
            .get("object_refs")
            .and_then(Value::as_array)
            .into_iter()
            .flatten()
            .filter_map(Value::as_str);
        let mut first = true;
        for sco in refs.filter_map(|r| self.by_id.get(r)) {
            let preferred = first.then(|| ext_str(object, "attribute_type")).flatten();
            let Some((misp_type, value)) = types::attribute_of_sco(sco, preferred) else {
                skipped.push(format!("{id}: observable {} has no MISP type", id_of(sco)));
                continue;
            };
            let uuid = if first {
                self.attribute_uuid(object)
            } else {
                derived_uuid(&format!("{id}:{}", id_of(sco)))
            };
            first = false;
            event.attributes.push(self.attribute(object, frame, misp_type, value, uuid, false));
        }
    }

    fn attribute_uuid(&self, object: &Value) -> String {
        ext_str(object, "uuid").map_or_else(|| uuid_of(id_of(object)).to_owned(), str::to_owned)
    }

    fn indicator_attributes(&self, object: &Value, frame: &Frame) -> Result<Vec<Attribute>, String> {
        let pattern_type = object.get("pattern_type").and_then(Value::as_str).unwrap_or_default();
        if pattern_type != "stix" {
            return Err(format!("pattern_type {pattern_type:?} has no MISP form"));
        }
        let text = object.get("pattern").and_then(Value::as_str).unwrap_or_default();
        let pattern = selat_pattern::parse(text).map_err(|e| format!("pattern does not parse: {e}"))?;
        let tests: Vec<(String, String, String)> = pattern
            .observables()
            .into_iter()
            .filter_map(|o| match o.value {
                selat_pattern::ast::Literal::Str(s) => Some((o.object_type, o.property_path, s)),
                selat_pattern::ast::Literal::Int(i) => Some((o.object_type, o.property_path, i.to_string())),
                _ => None,
            })
            .collect();
        let preferred = ext_str(object, "attribute_type");
        if let Some((misp_type, value)) = types::attribute_of_tests(&tests, preferred) {
            let uuid = self.attribute_uuid(object);
            return Ok(vec![self.attribute(object, frame, misp_type, value, uuid, true)]);
        }
        let list: Vec<Attribute> = tests
            .iter()
            .enumerate()
            .filter_map(|(i, test)| {
                let (misp_type, value) = types::attribute_of_tests(std::slice::from_ref(test), None)?;
                let uuid = derived_uuid(&format!("{}:{i}", id_of(object)));
                Some(self.attribute(object, frame, misp_type, value, uuid, true))
            })
            .collect();
        if list.is_empty() { Err("no equality test of the pattern has a MISP type".into()) } else { Ok(list) }
    }

    fn attribute(
        &self,
        object: &Value,
        frame: &Frame,
        misp_type: &str,
        value: String,
        uuid: String,
        to_ids: bool,
    ) -> Attribute {
        let ext = misp_ext(object);
        // MISP's own spelling, where STIX's differs (see `types`), for the attribute it was.
        let value = match ext_str(object, "value") {
            Some(kept) if ext_str(object, "uuid") == Some(uuid.as_str()) => kept.to_owned(),
            _ => value,
        };
        let kept_to_ids = ext.and_then(|e| e.get("to_ids")).and_then(Value::as_bool);
        let category = ext_str(object, "category")
            .map_or_else(|| types::default_category(misp_type).to_owned(), str::to_owned);
        let comment = ext_str(object, "comment")
            .or_else(|| object.get("description").and_then(Value::as_str))
            .map(str::to_owned);
        let (level, group) = level_of(object, self.options);
        let tlp = effective_tlp(object).unwrap_or(Tlp::Amber);
        let mut tags = Vec::new();
        if tlp != frame.tlp {
            tags.push(Tag { name: tlp_tag(object, tlp) });
        }
        tags.extend(kept_tags(object));
        Attribute {
            uuid,
            attribute_type: misp_type.to_owned(),
            category: Some(category),
            value,
            to_ids: Some(kept_to_ids.unwrap_or(to_ids)),
            comment: Some(comment.unwrap_or_default()),
            distribution: Some(if level == frame.level { "5".into() } else { level.to_string() }),
            sharing_group: if level == frame.level { None } else { group },
            timestamp: unix(object.get("modified").and_then(Value::as_str)),
            tags,
            ..Attribute::default()
        }
    }

    /// The MISP object kept in an observed-data's (or note's) extension.
    fn kept_object(&self, object: &Value, frame: &Frame) -> Option<Object> {
        let kept = misp_ext(object)?.get("object")?;
        let text = |key: &str| kept.get(key).and_then(Value::as_str).map(str::to_owned);
        let (level, _) = level_of(object, self.options);
        let mut attributes = Vec::new();
        for a in kept.get("attributes")?.as_array()? {
            let text = |key: &str| a.get(key).and_then(Value::as_str).map(str::to_owned);
            let misp_type = text("type")?;
            attributes.push(Attribute {
                uuid: text("uuid")?,
                category: Some(
                    text("category").unwrap_or_else(|| types::default_category(&misp_type).to_owned()),
                ),
                attribute_type: misp_type,
                value: text("value")?,
                to_ids: a.get("to_ids").and_then(Value::as_bool),
                comment: text("comment"),
                object_relation: text("object_relation"),
                timestamp: text("timestamp"),
                distribution: Some("5".into()),
                tags: a
                    .get("tags")
                    .and_then(Value::as_array)
                    .into_iter()
                    .flatten()
                    .filter_map(Value::as_str)
                    .map(|name| Tag { name: name.to_owned() })
                    .collect(),
                ..Attribute::default()
            });
        }
        Some(Object {
            uuid: ext_str(object, "uuid")?.to_owned(),
            name: text("name")?,
            meta_category: text("meta_category"),
            description: text("description"),
            template_uuid: text("template_uuid"),
            template_version: text("template_version"),
            comment: text("comment"),
            timestamp: text("timestamp").or_else(|| unix(object.get("modified").and_then(Value::as_str))),
            distribution: Some(if level == frame.level { "5".into() } else { level.to_string() }),
            attributes,
            references: ext_str(object, "uuid")
                .and_then(|u| self.references.get(u))
                .cloned()
                .unwrap_or_default(),
            ..Object::default()
        })
    }
}

/// The event's own sharing, against which members say only what differs.
struct Frame {
    level: u8,
    tlp: Tlp,
}

/// Narrowest to widest: 0, 4, 1, 2, 3.
fn breadth(level: u8) -> u8 {
    match level {
        0 => 0,
        4 => 1,
        1 => 2,
        2 => 3,
        _ => 4,
    }
}

/// Events in a stable order (by uuid), for writing one file per event.
pub fn sorted(events: Vec<Event>) -> BTreeMap<String, Event> {
    events.into_iter().map(|e| (e.uuid.clone(), e)).collect()
}

/// The MISP document of one event: `{"Event": …}`.
pub fn event_document(event: &Event) -> Value {
    json!({"Event": event})
}
