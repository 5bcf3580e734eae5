//! MISP event → STIX 2.1 objects.
//!
//! - the event becomes a `report` (`name` = `info`, `object_refs` = everything below);
//! - an attribute with `to_ids` whose type the table maps becomes an `indicator` (its pattern from
//!   [`crate::types`]); one without `to_ids` an `observed-data` with its SCO; a type the table
//!   does not map (`text`, `comment`, …) a `note` about the report; an object's references
//!   `relationship`s between what the two ends became;
//! - a MISP object becomes one `observed-data` over its attributes' SCOs (`ip-port` one
//!   `network-traffic`, `file` one `file`), its to-IDS attributes indicators as above;
//! - galaxy clusters (`misp-galaxy:` tags and `Galaxy` blocks) become the SDO they stand for where
//!   one fits (malware, tool, threat actor, intrusion set, attack pattern); a `vulnerability`
//!   attribute a `vulnerability`; an indicator's MISP sightings (type 0) STIX `sighting`s;
//! - `tlp:` tags become the TLP 2.0 marking (the most restrictive; `tlp:unclear`, `tlp:ex:chr` and
//!   unknown ones AMBER, the tag kept), no tag AMBER;
//! - distribution and sharing group become Selat's distribution extension, never wider than MISP
//!   said; what STIX has no place for goes into the MISP extension ([`MISP_EXTENSION_ID`]).
//!
//! Ids are the MISP uuids where they are UUIDv4, else derived from them, so a re-import is
//! idempotent; timestamps come from the event (`created` its date, `modified` the attribute's or
//! event's `timestamp`).

use selat_stix::Timestamp;
use selat_stix::meta::{DISTRIBUTION_EXTENSION_ID, Scope, scope_of};
use selat_stix::tlp::{Tlp, effective_tlp};
use serde_json::{Map, Value, json};

use crate::event::{Attribute, Event, Object, Org, Tag};
use crate::types::{self, AttributeType};
use crate::{MISP_EXTENSION_ID, MispError, derived_uuid, stix_uuid};

/// How the importing node sees the event's creator (`Orgc`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum OrgcRole {
    /// Orgc is the importing organisation itself (this identity): `created_by_ref` names it.
    Owner(String),
    /// Orgc is another organisation registered on the node: naming it in `created_by_ref` would
    /// be forged, so it is kept in the MISP extension only.
    OtherRegistered,
    /// Orgc is not registered here: an `identity` for it becomes `created_by_ref`.
    Unregistered,
}

/// What the caller knows that the event does not say.
pub struct ImportContext<'a> {
    /// Who Orgc is on this node.
    pub orgc: &'a dyn Fn(&Org) -> OrgcRole,
    /// The Selat sharing group (`x-selat-sharing-group--…`) a MISP sharing group (uuid, name)
    /// maps to, if any. Unmapped, a distribution 4 narrows to `organisation`.
    pub sharing_group: &'a dyn Fn(&str, &str) -> Option<String>,
    /// The MISP distribution level assumed for an event that states none (feeds strip it).
    pub default_distribution: u8,
}

/// What one event became.
#[derive(Debug, Default)]
pub struct Converted {
    /// The report first, then everything it refers to.
    pub objects: Vec<Value>,
    /// What could not be taken as it was (and what was done instead), each naming the event and
    /// attribute.
    pub problems: Vec<String>,
    pub counts: Counts,
}

/// How many of each thing an event held and what they became.
#[derive(Debug, Default, Clone, Copy, PartialEq, Eq)]
pub struct Counts {
    pub attributes: usize,
    pub objects: usize,
    pub object_attributes: usize,
    pub tags: usize,
    pub indicators: usize,
    pub observed_data: usize,
    pub notes: usize,
    pub galaxies: usize,
    /// Objects' references that became STIX relationships.
    pub relationships: usize,
    /// `vulnerability` attributes that became STIX vulnerabilities.
    pub vulnerabilities: usize,
    /// MISP sightings (type 0) that became STIX sightings.
    pub sightings: usize,
    /// Deleted attributes and objects, left out.
    pub deleted: usize,
}

/// The sharing one event (or attribute) has: TLP, scope, and what the extension keeps of it.
#[derive(Debug, Clone, PartialEq)]
struct Marking {
    tlp: Tlp,
    /// The tag that decided the TLP, when it was one the level reads back as.
    tlp_tag: Option<String>,
    /// The MISP distribution level (0–4) as given.
    level: Option<u8>,
    scope: Scope,
    group_ref: Option<String>,
    group_uuid: Option<String>,
}

/// The rank of a distribution level from narrowest to widest: 0 organisation, 4 sharing group, 1
/// community, 2 connected communities, 3 all.
fn breadth(level: u8) -> u8 {
    match level {
        0 => 0,
        4 => 1,
        1 => 2,
        2 => 3,
        _ => 4,
    }
}

/// The TLP of a set of tags and the tags the extension keeps: `tlp:` tags read as TLP 2.0 (the
/// most restrictive wins); `tlp:unclear`, `tlp:ex:chr` and unknown `tlp:` tags are AMBER and kept.
fn tlp_of(tags: &[Tag]) -> (Option<Tlp>, Option<String>, Vec<String>) {
    let mut best: Option<(Tlp, Option<String>)> = None;
    let mut kept = Vec::new();
    for tag in tags {
        let name = tag.name.trim();
        let Some(level) = name.strip_prefix("tlp:").or_else(|| name.strip_prefix("TLP:")) else { continue };
        let (tlp, exact) = match Tlp::from_name(level) {
            Some(tlp) => (tlp, true),
            None => {
                kept.push(name.to_owned());
                (Tlp::Amber, false)
            }
        };
        if best.as_ref().is_none_or(|(b, _)| tlp > *b) {
            best = Some((tlp, exact.then(|| name.to_owned())));
        }
    }
    match best {
        Some((tlp, tag)) => (Some(tlp), tag, kept),
        None => (None, None, kept),
    }
}

/// Tags that are neither TLP nor galaxy: kept in the extension as they were (PAP, taxonomies…).
fn other_tags(tags: &[Tag]) -> Vec<String> {
    tags.iter()
        .map(|t| t.name.trim())
        .filter(|n| !n.to_ascii_lowercase().starts_with("tlp:") && !n.starts_with("misp-galaxy:"))
        .map(str::to_owned)
        .collect()
}

fn parse_level(text: Option<&str>) -> Option<u8> {
    text.and_then(|t| t.trim().parse::<u8>().ok()).filter(|l| *l <= 5)
}

/// Seconds since the epoch as a STIX timestamp.
fn from_unix(text: Option<&str>) -> Option<String> {
    let secs: i64 = text?.trim().parse().ok()?;
    (secs > 0 && secs < 253_402_300_800)
        .then(|| Timestamp { micros: secs * 1_000_000, fraction_digits: 3 }.format(3))
}

/// `YYYY-MM-DD` as a STIX timestamp at midnight.
fn from_date(text: Option<&str>) -> Option<String> {
    let text = text?.trim();
    let stamp = format!("{}T00:00:00.000Z", text.get(..10)?);
    Timestamp::parse(&stamp).ok().map(|_| stamp)
}

struct EventScope<'e> {
    event: &'e Event,
    report_id: String,
    created: String,
    modified: String,
    marking: Marking,
    created_by: Option<String>,
    orgc_kept: Option<Value>,
}

/// Converts one event. An error means nothing of the event can be taken (no uuid, no date or
/// timestamp); a problem with one attribute is reported in [`Converted::problems`] and the rest
/// converted.
pub fn event_to_stix(event: &Event, ctx: &ImportContext) -> Result<Converted, MispError> {
    let at = |message: String| MispError::Event { at: format!("event {}", event.uuid), message };
    let event_ts = from_unix(event.timestamp.as_deref());
    let created = from_date(event.date.as_deref())
        .or_else(|| event_ts.clone())
        .ok_or_else(|| at("neither a `date` nor a `timestamp`: no time to give the objects".into()))?;
    let modified = event_ts.filter(|m| *m >= created).unwrap_or_else(|| created.clone());
    let mut out = Converted::default();
    let problem_at = format!("event {}", event.uuid);
    let marking = event_marking(event, ctx, &mut out.problems, &problem_at);
    let (created_by, orgc_kept, identity) = orgc(event, ctx, &marking);
    let scope = EventScope {
        event,
        report_id: format!("report--{}", stix_uuid(&event.uuid)),
        created,
        modified,
        marking,
        created_by,
        orgc_kept,
    };
    if let Some(identity) = identity {
        out.objects.push(identity);
    }
    for attribute in &event.attributes {
        out.counts.attributes += 1;
        if attribute.deleted == Some(true) {
            out.counts.deleted += 1;
            continue;
        }
        convert_attribute(&scope, attribute, None, ctx, &mut out);
    }
    for object in &event.objects {
        out.counts.objects += 1;
        if object.deleted == Some(true) {
            out.counts.deleted += 1;
            continue;
        }
        convert_object(&scope, object, ctx, &mut out);
    }
    let unmapped_galaxies = galaxies(&scope, &mut out);
    references(&scope, &mut out);
    // One SCO for one value: an address both an attribute and an object's is emitted once.
    let mut seen = std::collections::HashSet::new();
    out.objects.retain(|o| seen.insert(o.get("id").and_then(Value::as_str).unwrap_or_default().to_owned()));
    out.counts.tags = event.tags.len();
    let refs: Vec<Value> = out.objects.iter().filter_map(|o| o.get("id").cloned()).collect();
    if refs.is_empty() {
        return Err(at("no attribute, object or galaxy to import".into()));
    }
    let report = report(&scope, refs, unmapped_galaxies);
    out.objects.insert(0, report);
    Ok(out)
}

fn event_marking(event: &Event, ctx: &ImportContext, problems: &mut Vec<String>, at: &str) -> Marking {
    let (tlp, tlp_tag, _) = tlp_of(&event.tags);
    let level = parse_level(event.distribution.as_deref());
    let effective = match level {
        Some(5) | None => ctx.default_distribution,
        Some(l) => l,
    };
    let group = event.sharing_group.as_ref();
    let group_uuid = group.map(|g| g.uuid.clone()).filter(|u| !u.is_empty());
    let mut marking = Marking {
        tlp: tlp.unwrap_or(Tlp::Amber),
        tlp_tag,
        level,
        scope: Scope::Organisation,
        group_ref: None,
        group_uuid: group_uuid.clone(),
    };
    apply_level(
        &mut marking,
        effective,
        group.map(|g| (g.uuid.as_str(), g.name.as_str())),
        ctx,
        problems,
        at,
    );
    marking
}

/// Sets scope (and group) from a MISP distribution level, never wider than it: 0 → organisation,
/// 1–3 → community, 4 → the mapped group or organisation; RED → organisation.
fn apply_level(
    marking: &mut Marking,
    level: u8,
    group: Option<(&str, &str)>,
    ctx: &ImportContext,
    problems: &mut Vec<String>,
    at: &str,
) {
    marking.group_ref = None;
    marking.scope = match level {
        0 => Scope::Organisation,
        1..=3 => Scope::Community,
        _ => match group.and_then(|(uuid, name)| (ctx.sharing_group)(uuid, name)) {
            Some(group_ref) => {
                marking.group_ref = Some(group_ref);
                Scope::Group
            }
            None => {
                let named = group.map_or("(none given)".to_owned(), |(u, n)| format!("{n:?} ({u})"));
                problems.push(format!(
                    "{at}: sharing group {named} maps to no Selat sharing group: scope narrowed to organisation"
                ));
                Scope::Organisation
            }
        },
    };
    if marking.tlp == Tlp::Red && marking.scope != Scope::Organisation {
        marking.scope = Scope::Organisation;
        marking.group_ref = None;
    }
}

/// The attribute's (or object's) own marking: its TLP tags and distribution can narrow the
/// event's, never widen it.
fn narrowed(
    base: &Marking,
    tags: &[Tag],
    distribution: Option<&str>,
    group: Option<(&str, &str)>,
    ctx: &ImportContext,
    problems: &mut Vec<String>,
    at: &str,
) -> Marking {
    let mut marking = base.clone();
    let (tlp, tlp_tag, _) = tlp_of(tags);
    if let Some(tlp) = tlp.filter(|t| *t > base.tlp) {
        marking.tlp = tlp;
        marking.tlp_tag = tlp_tag;
    }
    let level = parse_level(distribution).filter(|l| *l != 5);
    let base_level = match base.scope {
        Scope::Organisation => 0,
        Scope::Group => 4,
        _ => 1,
    };
    if let Some(level) = level {
        marking.level = Some(level);
        if breadth(level) < breadth(base_level) {
            marking.group_uuid = group.map(|(u, _)| u.to_owned()).filter(|u| !u.is_empty());
            apply_level(&mut marking, level, group, ctx, problems, at);
        }
    }
    if marking.tlp == Tlp::Red {
        marking.scope = Scope::Organisation;
        marking.group_ref = None;
    }
    marking
}

/// The Orgc handling (DESIGN.md "Data"): `created_by_ref`, the extension's `orgc`, and the
/// `identity` to emit for an unregistered Orgc.
fn orgc(
    event: &Event,
    ctx: &ImportContext,
    marking: &Marking,
) -> (Option<String>, Option<Value>, Option<Value>) {
    let Some(org) = event.orgc.as_ref().filter(|o| !o.uuid.is_empty() || !o.name.is_empty()) else {
        return (None, None, None);
    };
    let kept = json!({"uuid": org.uuid, "name": org.name});
    match (ctx.orgc)(org) {
        OrgcRole::Owner(identity) => (Some(identity), None, None),
        OrgcRole::OtherRegistered => (None, Some(kept), None),
        OrgcRole::Unregistered => {
            let seed = if org.uuid.is_empty() { format!("orgc-name:{}", org.name) } else { org.uuid.clone() };
            let id = format!("identity--{}", stix_uuid(&seed));
            let name = if org.name.trim().is_empty() { org.uuid.clone() } else { org.name.clone() };
            let mut identity = json!({
                "type": "identity", "spec_version": "2.1", "id": id,
                // An identity stands for the organisation, not the event: one version, whatever
                // event names it first.
                "created": IDENTITY_CREATED, "modified": IDENTITY_CREATED,
                "name": name, "identity_class": "organization",
            });
            let mut ext = json!({"orgc": kept});
            mark(&mut identity, marking, &mut ext);
            (Some(id), None, Some(identity))
        }
    }
}

/// `created`/`modified` of the identities made for MISP organisations: fixed, so every event from
/// one organisation yields the same object version.
pub const IDENTITY_CREATED: &str = "2000-01-01T00:00:00.000Z";

/// Adds TLP marking, distribution extension and MISP extension (`ext`, completed with the
/// marking's MISP fields) to an object.
fn mark(object: &mut Value, marking: &Marking, ext: &mut Value) {
    object["object_marking_refs"] = json!([marking.tlp.marking_id()]);
    let mut distribution = json!({"extension_type": "property-extension", "scope": marking.scope.as_str()});
    if let Some(group) = &marking.group_ref {
        distribution["sharing_group_ref"] = json!(group);
    }
    if let Some(level) = marking.level {
        ext["distribution"] = json!(level);
    }
    if let Some(uuid) = &marking.group_uuid {
        ext["sharing_group_uuid"] = json!(uuid);
    }
    if let Some(tag) = &marking.tlp_tag {
        ext["tlp_tag"] = json!(tag);
    }
    ext["extension_type"] = json!("property-extension");
    object["extensions"] = json!({DISTRIBUTION_EXTENSION_ID: distribution, MISP_EXTENSION_ID: ext.take()});
}

/// An SCO gets the marking and distribution, but no MISP extension: it is shared by value.
fn mark_sco(sco: &mut Map<String, Value>, marking: &Marking) {
    sco.insert("object_marking_refs".into(), json!([marking.tlp.marking_id()]));
    let mut distribution = json!({"extension_type": "property-extension", "scope": marking.scope.as_str()});
    if let Some(group) = &marking.group_ref {
        distribution["sharing_group_ref"] = json!(group);
    }
    sco.insert("extensions".into(), json!({DISTRIBUTION_EXTENSION_ID: distribution}));
}

fn sdo(scope: &EventScope, object_type: &str, uuid: &str, modified: &str) -> Value {
    let mut object = json!({
        "type": object_type, "spec_version": "2.1",
        "id": format!("{object_type}--{}", stix_uuid(uuid)),
        "created": scope.created, "modified": modified,
    });
    if let Some(by) = &scope.created_by {
        object["created_by_ref"] = json!(by);
    }
    object
}

/// The MISP extension's common part for an object from this event.
fn base_ext(scope: &EventScope, uuid: &str) -> Value {
    let mut ext = json!({"event_uuid": scope.event.uuid, "uuid": uuid});
    if let Some(orgc) = &scope.orgc_kept {
        ext["orgc"] = orgc.clone();
    }
    ext
}

fn attribute_modified(scope: &EventScope, timestamp: Option<&str>) -> String {
    from_unix(timestamp).filter(|m| *m >= scope.created).unwrap_or_else(|| scope.modified.clone())
}

/// One attribute (of the event, or of an object when `object_uuid` is set) into an indicator,
/// an observed-data with its SCO, or a note.
fn convert_attribute(
    scope: &EventScope,
    attribute: &Attribute,
    object_uuid: Option<&str>,
    ctx: &ImportContext,
    out: &mut Converted,
) {
    let at =
        format!("event {} attribute {} ({})", scope.event.uuid, attribute.uuid, attribute.attribute_type);
    if attribute.uuid.is_empty() {
        out.problems.push(format!("{at}: no uuid: left out"));
        return;
    }
    let group = attribute.sharing_group.as_ref().map(|g| (g.uuid.as_str(), g.name.as_str()));
    let marking = narrowed(
        &scope.marking,
        &attribute.tags,
        attribute.distribution.as_deref(),
        group,
        ctx,
        &mut out.problems,
        &at,
    );
    let modified = attribute_modified(scope, attribute.timestamp.as_deref());
    let mut ext = base_ext(scope, &attribute.uuid);
    ext["attribute_type"] = json!(attribute.attribute_type);
    if let Some(category) = &attribute.category {
        ext["category"] = json!(category);
    }
    ext["to_ids"] = json!(attribute.to_ids.unwrap_or(false));
    if let Some(comment) = attribute.comment.as_ref().filter(|c| !c.is_empty()) {
        ext["comment"] = json!(comment);
    }
    if let Some(object_uuid) = object_uuid {
        ext["object_uuid"] = json!(object_uuid);
    }
    let (_, _, unknown_tlp) = tlp_of(&attribute.tags);
    let mut tags = other_tags(&attribute.tags);
    // An attribute's galaxy tags make no SDO of their own: kept as tags.
    tags.extend(
        attribute
            .tags
            .iter()
            .map(|t| t.name.trim())
            .filter(|n| n.starts_with("misp-galaxy:"))
            .map(str::to_owned),
    );
    tags.extend(unknown_tlp);
    if !tags.is_empty() {
        ext["tags"] = json!(tags);
    }
    let row = types::attribute_type(&attribute.attribute_type);
    if row.and_then(|r| r.normalised(&attribute.value)).is_some_and(|n| n != attribute.value) {
        // STIX spells it differently (a registry hive's full name): keep MISP's spelling.
        ext["value"] = json!(attribute.value);
    }
    let to_ids = attribute.to_ids == Some(true);
    let built = match row {
        Some(row) if to_ids => indicator(scope, attribute, row, &modified, &marking, ext.clone()),
        Some(row) if object_uuid.is_none() => {
            observed(scope, attribute, row, &modified, &marking, ext.clone()).map(|mut objects| {
                let first = objects.remove(0);
                out.objects.extend(objects);
                first
            })
        }
        // An object's non-IDS attributes live in the object's observed-data.
        Some(_) => return,
        None if attribute.attribute_type == "vulnerability" && object_uuid.is_none() => {
            vulnerability(scope, attribute, &modified, &marking, ext.clone())
        }
        None => Err(String::new()),
    };
    match built {
        Ok(object) => {
            match object["type"].as_str() {
                Some("indicator") => {
                    out.counts.indicators += 1;
                    sightings(scope, attribute, &object, &marking, out, &at);
                }
                Some("vulnerability") => out.counts.vulnerabilities += 1,
                _ => out.counts.observed_data += 1,
            }
            out.objects.push(object);
        }
        Err(why) if object_uuid.is_some() && row.is_some() => {
            out.problems.push(format!("{at}: {why}: kept in its object only"));
        }
        Err(why) => {
            if !why.is_empty() {
                out.problems.push(format!("{at}: {why}: kept as a note"));
            }
            out.objects.push(note(scope, attribute, &modified, &marking, ext));
            out.counts.notes += 1;
        }
    }
}

/// An indicator's MISP sightings of type 0 as STIX `sighting`s (who saw it kept in the MISP
/// extension: that organisation is not the owner, and naming it would be forged if registered);
/// false-positive and expiration sightings have no STIX form here and are reported.
fn sightings(
    scope: &EventScope,
    attribute: &Attribute,
    indicator: &Value,
    marking: &Marking,
    out: &mut Converted,
    at: &str,
) {
    for sighting in &attribute.sightings {
        let kind = sighting.sighting_type.as_deref().unwrap_or("0");
        let Some(seen) = from_unix(sighting.date_sighting.as_deref()) else {
            out.problems.push(format!("{at}: sighting {} has no date: left out", sighting.uuid));
            continue;
        };
        if kind != "0" || sighting.uuid.is_empty() {
            out.problems
                .push(format!("{at}: sighting {} of type {kind} is not mapped: left out", sighting.uuid));
            continue;
        }
        let mut object = json!({
            "type": "sighting", "spec_version": "2.1",
            "id": format!("sighting--{}", stix_uuid(&sighting.uuid)),
            "created": seen, "modified": seen, "first_seen": seen, "last_seen": seen, "count": 1,
            "sighting_of_ref": indicator["id"],
        });
        let mut ext = base_ext(scope, &sighting.uuid);
        if let Some(org) = &sighting.organisation {
            ext["sighted_by"] = json!({"uuid": org.uuid, "name": org.name});
        }
        if let Some(source) = sighting.source.as_ref().filter(|s| !s.is_empty()) {
            ext["source"] = json!(source);
        }
        mark(&mut object, marking, &mut ext);
        match checked(object) {
            Ok(object) => {
                out.objects.push(object);
                out.counts.sightings += 1;
            }
            Err(why) => out.problems.push(format!("{at}: sighting {}: {why}", sighting.uuid)),
        }
    }
}

fn checked(object: Value) -> Result<Value, String> {
    let errors: Vec<String> = selat_stix::validate::validate_object(&object)
        .into_iter()
        .filter(|d| d.is_error())
        .map(|d| d.to_string())
        .collect();
    if errors.is_empty() { Ok(object) } else { Err(format!("not valid as STIX ({})", errors.join("; "))) }
}

fn indicator(
    scope: &EventScope,
    attribute: &Attribute,
    row: &AttributeType,
    modified: &str,
    marking: &Marking,
    mut ext: Value,
) -> Result<Value, String> {
    let pattern = row.pattern(&attribute.value).ok_or("the value does not split into the type's parts")?;
    let mut object = sdo(scope, "indicator", &attribute.uuid, modified);
    object["name"] = json!(truncate(&attribute.value, 256));
    if let Some(comment) = attribute.comment.as_ref().filter(|c| !c.is_empty()) {
        object["description"] = json!(comment);
    }
    object["pattern"] = json!(pattern);
    object["pattern_type"] = json!("stix");
    object["valid_from"] = json!(scope.created);
    object["indicator_types"] = json!(["malicious-activity"]);
    mark(&mut object, marking, &mut ext);
    checked(object)
}

/// An observed-data over one SCO: returns `[observed-data, sco]`.
fn observed(
    scope: &EventScope,
    attribute: &Attribute,
    row: &AttributeType,
    modified: &str,
    marking: &Marking,
    mut ext: Value,
) -> Result<Vec<Value>, String> {
    row.parts(&attribute.value).ok_or("the value does not split into the type's parts")?;
    let mut sco = row
        .sco(&attribute.value)
        .ok_or("the value spans two observables (an address and what refers to it)")?;
    let sco = finish_sco(&mut sco, marking)?;
    let mut object = sdo(scope, "observed-data", &attribute.uuid, modified);
    object["first_observed"] = json!(modified);
    object["last_observed"] = json!(modified);
    object["number_observed"] = json!(1);
    object["object_refs"] = json!([sco["id"]]);
    mark(&mut object, marking, &mut ext);
    Ok(vec![checked(object)?, sco])
}

/// Gives an SCO its deterministic id and marking, and checks it.
fn finish_sco(sco: &mut Map<String, Value>, marking: &Marking) -> Result<Value, String> {
    let id = selat_stix::sco_id::deterministic_id(&Value::Object(sco.clone()))
        .ok_or("no id-contributing property")?;
    sco.insert("id".into(), json!(id));
    mark_sco(sco, marking);
    checked(Value::Object(std::mem::take(sco)))
}

/// A `vulnerability` attribute (a CVE id, usually) as the STIX SDO of that name.
fn vulnerability(
    scope: &EventScope,
    attribute: &Attribute,
    modified: &str,
    marking: &Marking,
    mut ext: Value,
) -> Result<Value, String> {
    let name = attribute.value.trim();
    if name.is_empty() {
        return Err("an empty vulnerability".into());
    }
    let mut object = sdo(scope, "vulnerability", &attribute.uuid, modified);
    object["name"] = json!(name);
    if let Some(comment) = attribute.comment.as_ref().filter(|c| !c.is_empty()) {
        object["description"] = json!(comment);
    }
    if name.to_ascii_uppercase().starts_with("CVE-") {
        object["external_references"] =
            json!([{"source_name": "cve", "external_id": name.to_ascii_uppercase()}]);
    }
    mark(&mut object, marking, &mut ext);
    checked(object)
}

fn note(
    scope: &EventScope,
    attribute: &Attribute,
    modified: &str,
    marking: &Marking,
    mut ext: Value,
) -> Value {
    let mut object = sdo(scope, "note", &attribute.uuid, modified);
    object["abstract"] = json!(format!("MISP {} attribute", attribute.attribute_type));
    object["content"] = json!(if attribute.value.is_empty() { " " } else { attribute.value.as_str() });
    object["object_refs"] = json!([scope.report_id]);
    mark(&mut object, marking, &mut ext);
    object
}

fn truncate(text: &str, max_chars: usize) -> String {
    text.chars().take(max_chars).collect()
}

/// A MISP object: one observed-data over its SCOs (composed for `ip-port` and `file`, one per
/// attribute otherwise), with the object's attributes kept in the extension; its to-IDS
/// attributes also become indicators.
fn convert_object(scope: &EventScope, object: &Object, ctx: &ImportContext, out: &mut Converted) {
    let at = format!("event {} object {} ({})", scope.event.uuid, object.uuid, object.name);
    if object.uuid.is_empty() {
        out.problems.push(format!("{at}: no uuid: left out"));
        return;
    }
    let marking =
        narrowed(&scope.marking, &[], object.distribution.as_deref(), None, ctx, &mut out.problems, &at);
    let modified = attribute_modified(scope, object.timestamp.as_deref());
    let live: Vec<&Attribute> = object.attributes.iter().filter(|a| a.deleted != Some(true)).collect();
    out.counts.object_attributes += live.len();
    out.counts.deleted += object.attributes.len() - live.len();
    for attribute in &live {
        if attribute.to_ids == Some(true) {
            convert_attribute(scope, attribute, Some(&object.uuid), ctx, out);
        }
    }
    let mut scos = object_scos(object, &live);
    let mut refs = Vec::new();
    for sco in &mut scos {
        match finish_sco(sco, &marking) {
            Ok(sco) => {
                refs.push(sco["id"].clone());
                out.objects.push(sco);
            }
            Err(why) => {
                out.problems.push(format!("{at}: an observable {why}: kept in the object's extension only"))
            }
        }
    }
    let mut ext = base_ext(scope, &object.uuid);
    let attributes: Vec<Value> = live
        .iter()
        .map(|a| {
            let mut kept = json!({"uuid": a.uuid, "type": a.attribute_type, "object_relation": a.object_relation,
                "value": a.value, "to_ids": a.to_ids.unwrap_or(false)});
            for (key, value) in [("category", &a.category), ("comment", &a.comment), ("timestamp", &a.timestamp)] {
                if let Some(v) = value.as_ref().filter(|v| !v.is_empty()) {
                    kept[key] = json!(v);
                }
            }
            if !a.tags.is_empty() {
                kept["tags"] = json!(a.tags.iter().map(|t| t.name.as_str()).collect::<Vec<_>>());
            }
            kept
        })
        .collect();
    ext["object"] = json!({
        "name": object.name, "meta_category": object.meta_category, "description": object.description,
        "template_uuid": object.template_uuid, "template_version": object.template_version,
        "comment": object.comment, "timestamp": object.timestamp, "attributes": attributes,
    });
    let mut stix = if refs.is_empty() {
        // Nothing observable (e.g. only text): the object is a note about the report.
        let mut note = sdo(scope, "note", &object.uuid, &modified);
        note["abstract"] = json!(format!("MISP object {}", object.name));
        let text: Vec<String> = live
            .iter()
            .map(|a| format!("{}: {}", a.object_relation.as_deref().unwrap_or(&a.attribute_type), a.value))
            .collect();
        note["content"] = json!(if text.is_empty() { object.name.clone() } else { text.join("\n") });
        note["object_refs"] = json!([scope.report_id]);
        out.counts.notes += 1;
        note
    } else {
        let mut observed = sdo(scope, "observed-data", &object.uuid, &modified);
        observed["first_observed"] = json!(modified);
        observed["last_observed"] = json!(modified);
        observed["number_observed"] = json!(1);
        observed["object_refs"] = json!(refs);
        out.counts.observed_data += 1;
        observed
    };
    mark(&mut stix, &marking, &mut ext);
    out.objects.push(stix);
}

/// The SCOs of a MISP object's attributes (without ids or markings yet).
fn object_scos(object: &Object, attributes: &[&Attribute]) -> Vec<Map<String, Value>> {
    let relation = |name: &str| {
        attributes.iter().find(|a| a.object_relation.as_deref() == Some(name)).map(|a| a.value.trim())
    };
    match object.name.as_str() {
        "ip-port" => {
            let ip = relation("ip").or_else(|| relation("ip-dst")).or_else(|| relation("ip-src"));
            let port = relation("dst-port").and_then(|p| p.parse::<u16>().ok());
            if let Some(ip) = ip.filter(|ip| ip.parse::<std::net::IpAddr>().is_ok()) {
                let address = types::attribute_type("ip-dst").and_then(|row| row.sco(ip));
                if let Some(mut address) = address {
                    let Some(id) = selat_stix::sco_id::deterministic_id(&Value::Object(address.clone()))
                    else {
                        return Vec::new();
                    };
                    address.insert("id".into(), json!(id));
                    let protocol = if ip.contains(':') { "ipv6" } else { "ipv4" };
                    let mut traffic = Map::new();
                    traffic.insert("type".into(), json!("network-traffic"));
                    traffic.insert("spec_version".into(), json!("2.1"));
                    traffic.insert("dst_ref".into(), json!(id));
                    if let Some(port) = port {
                        traffic.insert("dst_port".into(), json!(port));
                    }
                    traffic.insert("protocols".into(), json!([protocol]));
                    // The address first: the traffic refers to it.
                    let mut bare = address;
                    bare.remove("id");
                    return vec![bare, traffic];
                }
            }
            per_attribute_scos(attributes)
        }
        "file" => {
            let mut file = Map::new();
            file.insert("type".into(), json!("file"));
            file.insert("spec_version".into(), json!("2.1"));
            let mut hashes = Map::new();
            for a in attributes {
                let hash = match a.attribute_type.as_str() {
                    "md5" => "MD5",
                    "sha1" => "SHA-1",
                    "sha256" => "SHA-256",
                    "sha512" => "SHA-512",
                    "ssdeep" => "SSDEEP",
                    "tlsh" => "TLSH",
                    _ => continue,
                };
                hashes.insert(hash.into(), json!(a.value.trim()));
            }
            if !hashes.is_empty() {
                file.insert("hashes".into(), Value::Object(hashes));
            }
            if let Some(name) = relation("filename") {
                file.insert("name".into(), json!(name));
            }
            if let Some(size) = relation("size-in-bytes").and_then(|s| s.parse::<u64>().ok()) {
                file.insert("size".into(), json!(size));
            }
            if file.len() > 2 { vec![file] } else { per_attribute_scos(attributes) }
        }
        _ => per_attribute_scos(attributes),
    }
}

fn per_attribute_scos(attributes: &[&Attribute]) -> Vec<Map<String, Value>> {
    attributes
        .iter()
        .filter_map(|a| types::attribute_type(&a.attribute_type).and_then(|row| row.sco(a.value.trim())))
        .collect()
}

/// The sharing of something that shows two objects at once: the stricter TLP, the narrower scope.
fn stricter(a: &Value, b: &Value) -> Marking {
    let tlp = effective_tlp(a).max(effective_tlp(b)).unwrap_or(Tlp::Amber);
    let scope_a = scope_of(a, Some(tlp));
    let scope_b = scope_of(b, Some(tlp));
    let group = |o: &Value| {
        o.pointer(&format!("/extensions/{DISTRIBUTION_EXTENSION_ID}/sharing_group_ref"))
            .and_then(Value::as_str)
            .map(str::to_owned)
    };
    let (scope, group_ref) = match (scope_a, scope_b) {
        (Scope::Community, Scope::Community) => (Scope::Community, None),
        (Scope::Group, Scope::Community) => (Scope::Group, group(a)),
        (Scope::Community, Scope::Group) => (Scope::Group, group(b)),
        (Scope::Group, Scope::Group) if group(a) == group(b) => (Scope::Group, group(a)),
        _ => (Scope::Organisation, None),
    };
    let scope = if tlp == Tlp::Red { Scope::Organisation } else { scope };
    let group_ref = if scope == Scope::Group { group_ref } else { None };
    Marking { tlp, tlp_tag: None, level: None, scope, group_ref, group_uuid: None }
}

/// A STIX relationship name: lower-case ASCII letters, digits and hyphens.
fn relationship_name(misp: &str) -> String {
    let name: String = misp
        .trim()
        .chars()
        .map(|c| if c.is_ascii_alphanumeric() { c.to_ascii_lowercase() } else { '-' })
        .collect();
    if name.trim_matches('-').is_empty() { "related-to".into() } else { name }
}

/// Objects' references to other objects and attributes of the event, as `relationship`s
/// between what each became (marked as the stricter of the two).
fn references(scope: &EventScope, out: &mut Converted) {
    let by_uuid: std::collections::HashMap<String, usize> = out
        .objects
        .iter()
        .enumerate()
        .filter(|(_, o)| o.get("created").is_some())
        .filter_map(|(i, o)| {
            Some((o.pointer(&format!("/extensions/{MISP_EXTENSION_ID}/uuid"))?.as_str()?.to_owned(), i))
        })
        .collect();
    let mut made = Vec::new();
    for object in scope.event.objects.iter().filter(|o| o.deleted != Some(true)) {
        for reference in &object.references {
            let at =
                format!("event {} object {} reference {}", scope.event.uuid, object.uuid, reference.uuid);
            let (Some(&from), Some(&to)) =
                (by_uuid.get(&object.uuid), by_uuid.get(&reference.referenced_uuid))
            else {
                out.problems.push(format!(
                    "{at}: {} is not in the event as imported: left out",
                    reference.referenced_uuid
                ));
                continue;
            };
            if reference.uuid.is_empty() {
                out.problems.push(format!("{at}: no uuid: left out"));
                continue;
            }
            let (source, target) = (&out.objects[from], &out.objects[to]);
            let marking = stricter(source, target);
            let modified = attribute_modified(scope, reference.timestamp.as_deref());
            let mut relationship = sdo(scope, "relationship", &reference.uuid, &modified);
            relationship["relationship_type"] = json!(relationship_name(&reference.relationship_type));
            relationship["source_ref"] = source["id"].clone();
            relationship["target_ref"] = target["id"].clone();
            let mut ext = base_ext(scope, &reference.uuid);
            ext["object_uuid"] = json!(object.uuid);
            ext["referenced_uuid"] = json!(reference.referenced_uuid);
            ext["relationship_type"] = json!(reference.relationship_type);
            if let Some(comment) = reference.comment.as_ref().filter(|c| !c.is_empty()) {
                ext["comment"] = json!(comment);
            }
            mark(&mut relationship, &marking, &mut ext);
            match checked(relationship) {
                Ok(r) => made.push(r),
                Err(why) => out.problems.push(format!("{at}: {why}")),
            }
        }
    }
    out.counts.relationships += made.len();
    out.objects.extend(made);
}

/// The STIX type a MISP galaxy's clusters are, where one fits.
fn galaxy_sdo_type(galaxy_type: &str) -> Option<&'static str> {
    Some(match galaxy_type {
        "threat-actor" | "mitre-threat-actor" => "threat-actor",
        "mitre-intrusion-set" | "mitre-enterprise-attack-intrusion-set" => "intrusion-set",
        "mitre-attack-pattern" | "mitre-enterprise-attack-attack-pattern" => "attack-pattern",
        "tool" | "mitre-tool" | "mitre-enterprise-attack-tool" => "tool",
        "banker"
        | "ransomware"
        | "rat"
        | "stealer"
        | "botnet"
        | "backdoor"
        | "malpedia"
        | "android"
        | "exploit-kit"
        | "mitre-malware"
        | "mitre-enterprise-attack-malware" => "malware",
        _ => return None,
    })
}

/// `misp-galaxy:TYPE="VALUE"` → (type, value).
fn parse_galaxy_tag(tag: &str) -> Option<(&str, &str)> {
    let rest = tag.strip_prefix("misp-galaxy:")?;
    let (galaxy_type, value) = rest.split_once('=')?;
    Some((galaxy_type, value.trim_matches('"')))
}

/// The galaxy SDOs of an event; returns the galaxy tags that have none, for the report to keep.
fn galaxies(scope: &EventScope, out: &mut Converted) -> Vec<String> {
    let mut unmapped = Vec::new();
    let mut seen = std::collections::BTreeMap::new();
    for galaxy in &scope.event.galaxies {
        for cluster in &galaxy.clusters {
            let tag = if cluster.tag_name.is_empty() {
                format!("misp-galaxy:{}=\"{}\"", galaxy.galaxy_type, cluster.value)
            } else {
                cluster.tag_name.clone()
            };
            seen.insert(tag, cluster.description.clone());
        }
    }
    for tag in scope.event.tag_names().filter(|t| t.starts_with("misp-galaxy:")) {
        seen.entry(tag.to_owned()).or_insert(None);
    }
    for (tag, description) in seen {
        let Some((value, sdo_type)) =
            parse_galaxy_tag(&tag).and_then(|(g, v)| Some((v, galaxy_sdo_type(g)?)))
        else {
            out.problems.push(format!(
                "event {}: galaxy tag {tag} has no STIX type: kept as a tag",
                scope.event.uuid
            ));
            unmapped.push(tag);
            continue;
        };
        let seed = format!("{}:{tag}", scope.event.uuid);
        let mut object = sdo(scope, sdo_type, &derived_uuid(&seed), &scope.modified);
        object["name"] = json!(value);
        if let Some(d) = description.filter(|d| !d.is_empty()) {
            object["description"] = json!(d);
        }
        if sdo_type == "malware" {
            object["is_family"] = json!(true);
        }
        let mut ext = base_ext(scope, &derived_uuid(&seed));
        ext["galaxy_tag"] = json!(tag);
        mark(&mut object, &scope.marking, &mut ext);
        match checked(object) {
            Ok(object) => {
                out.objects.push(object);
                out.counts.galaxies += 1;
            }
            Err(why) => {
                out.problems.push(format!("event {}: galaxy {tag}: {why}: kept as a tag", scope.event.uuid));
                unmapped.push(tag);
            }
        }
    }
    unmapped
}

fn report(scope: &EventScope, refs: Vec<Value>, unmapped_galaxies: Vec<String>) -> Value {
    let event = scope.event;
    let mut object = sdo(scope, "report", &event.uuid, &scope.modified);
    object["name"] = json!(if event.info.trim().is_empty() {
        format!("MISP event {}", event.uuid)
    } else {
        event.info.clone()
    });
    object["published"] =
        json!(from_unix(event.publish_timestamp.as_deref()).unwrap_or_else(|| scope.modified.clone()));
    object["report_types"] = json!(["threat-report"]);
    object["object_refs"] = json!(refs);
    let (_, _, unknown_tlp) = tlp_of(&event.tags);
    let mut tags = other_tags(&event.tags);
    tags.extend(unknown_tlp);
    tags.extend(unmapped_galaxies);
    if !tags.is_empty() {
        object["labels"] = json!(tags);
    }
    let mut ext = base_ext(scope, &event.uuid);
    if !tags.is_empty() {
        ext["tags"] = json!(tags);
    }
    let mut header = Map::new();
    for (key, value) in [
        ("date", &event.date),
        ("threat_level_id", &event.threat_level_id),
        ("analysis", &event.analysis),
        ("timestamp", &event.timestamp),
        ("publish_timestamp", &event.publish_timestamp),
    ] {
        if let Some(v) = value {
            header.insert(key.into(), json!(v));
        }
    }
    if let Some(published) = event.published {
        header.insert("published".into(), json!(published));
    }
    if let Some(name) = event.sharing_group.as_ref().map(|g| &g.name).filter(|n| !n.is_empty()) {
        ext["sharing_group_name"] = json!(name);
    }
    ext["event"] = Value::Object(header);
    mark(&mut object, &scope.marking, &mut ext);
    object
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tlp_tags() {
        let tags = |names: &[&str]| names.iter().map(|n| Tag { name: (*n).into() }).collect::<Vec<_>>();
        assert_eq!(tlp_of(&tags(&["tlp:white"])), (Some(Tlp::Clear), Some("tlp:white".into()), vec![]));
        assert_eq!(tlp_of(&tags(&["tlp:green", "tlp:amber+strict"])).0, Some(Tlp::AmberStrict));
        assert_eq!(tlp_of(&tags(&["tlp:unclear"])), (Some(Tlp::Amber), None, vec!["tlp:unclear".into()]));
        assert_eq!(tlp_of(&tags(&["tlp:ex:chr"])), (Some(Tlp::Amber), None, vec!["tlp:ex:chr".into()]));
        assert_eq!(tlp_of(&tags(&["tlp:ex:chr", "tlp:red"])).0, Some(Tlp::Red));
        assert_eq!(tlp_of(&tags(&["PAP:RED"])).0, None);
        assert_eq!(other_tags(&tags(&["PAP:RED", "tlp:red", "misp-galaxy:tool=\"X\""])), ["PAP:RED"]);
    }

    #[test]
    fn breadth_orders_levels() {
        let mut levels = [3, 2, 1, 4, 0];
        levels.sort_by_key(|l| breadth(*l));
        assert_eq!(levels, [0, 4, 1, 2, 3]);
    }

    #[test]
    fn timestamps() {
        assert_eq!(from_unix(Some("1465681801")).as_deref(), Some("2016-06-11T21:50:01.000Z"));
        assert_eq!(from_unix(Some("x")), None);
        assert_eq!(from_date(Some("2016-06-09")).as_deref(), Some("2016-06-09T00:00:00.000Z"));
        assert_eq!(from_date(Some("2016-13-09")), None);
    }
}
