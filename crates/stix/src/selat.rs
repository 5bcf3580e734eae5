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

/// Shorthand for the JSON Schema texts below.
macro_rules! schema {
    ($title:literal, $props:literal, $required:literal) => {
        concat!(
            r#"{"$schema":"https://json-schema.org/draft/2020-12/schema","title":""#,
            $title,
            r#"","type":"object","properties":"#,
            $props,
            r#","required":"#,
            $required,
            "}"
        )
    };
}

/// A point of contact in the directory of principals: an `identity` (individual) with its role,
/// organisation, languages, hours and channels.
pub const POINT_OF_CONTACT: SelatExtension = SelatExtension {
    id: "extension-definition--6d0e8a4b-2c1f-4b7e-8a5d-3f9c1e7b2a60",
    name: "selat-point-of-contact",
    kind: ExtensionKind::PropertyExtension,
    object_type: None,
    description: "A principal or point of contact of an organisation: role (ministerial principal, senior official, technical, diplomatic or policy point of contact), languages, office hours and time zone, 24/7 or not, and how to reach them.",
    schema: schema!(
        "selat-point-of-contact",
        r#"{"extension_type":{"const":"property-extension"},"role":{"enum":["ministerial-principal","senior-official","technical-poc","diplomatic-poc","policy-poc"]},"organisation":{"type":"string","minLength":1},"member_state":{"type":"string","pattern":"^[A-Z]{2}$"},"languages":{"type":"array","items":{"type":"string"}},"office_hours":{"type":"string"},"time_zone":{"type":"string"},"always_on":{"type":"boolean"},"channels":{"type":"array","minItems":1,"items":{"type":"object","properties":{"kind":{"enum":["email","phone","webhook","other"]},"value":{"type":"string","minLength":1}},"required":["kind","value"]}}}"#,
        r#"["extension_type","role","organisation","channels"]"#
    ),
};

/// A contact-check campaign: who started it, for which member states, and when its links expire.
pub const CONTACT_CHECK_CAMPAIGN: SelatExtension = SelatExtension {
    id: "extension-definition--1f7c3e9a-5b2d-4a8e-9c6f-0d4b8e2a7c31",
    name: "selat-contact-check-campaign",
    kind: ExtensionKind::NewSdo,
    object_type: Some("x-selat-contact-check-campaign"),
    description: "A campaign of reachability checks of points of contact (a directory re-confirmation).",
    schema: schema!(
        "x-selat-contact-check-campaign",
        r#"{"type":{"const":"x-selat-contact-check-campaign"},"name":{"type":"string","minLength":1},"member_states":{"type":"array","items":{"type":"string","pattern":"^[A-Z]{2}$"}},"started":{"type":"string"},"expires":{"type":"string"}}"#,
        r#"["name","started","expires"]"#
    ),
};

/// One reachability check of one contact, and its answer (or silence).
pub const CONTACT_CHECK: SelatExtension = SelatExtension {
    id: "extension-definition--8b4e2d6f-3a1c-4f9b-8e7d-5c2a0f6b9d14",
    name: "selat-contact-check",
    kind: ExtensionKind::NewSdo,
    object_type: Some("x-selat-contact-check"),
    description: "A reachability check sent to a point of contact: when it was sent and over which channels, when its link expires, and when it was answered with the response time.",
    schema: schema!(
        "x-selat-contact-check",
        r#"{"type":{"const":"x-selat-contact-check"},"contact_ref":{"type":"string","pattern":"^identity--"},"campaign_ref":{"type":"string","pattern":"^x-selat-contact-check-campaign--"},"sent":{"type":"string"},"expires":{"type":"string"},"channels":{"type":"array","items":{"enum":["email","webhook"]}},"answered":{"type":"string"},"response_time_s":{"type":"number","minimum":0}}"#,
        r#"["contact_ref","campaign_ref","sent","expires"]"#
    ),
};

/// Selat's view of a cross-border incident, on a STIX `incident`.
pub const INCIDENT: SelatExtension = SelatExtension {
    id: "extension-definition--4c9a7e1d-6b3f-4d2a-8f5e-1a7c3b9e5d28",
    name: "selat-incident",
    kind: ExtensionKind::PropertyExtension,
    object_type: None,
    description: "A cross-border incident: reporter, severity (CISA NCISS), class (Reference Security Incident Taxonomy), affected member states and sectors, PAP, and the report it escalates. Its status, tasks, notes and assistance requests are separate objects owned by whoever contributes them.",
    schema: schema!(
        "selat-incident",
        r#"{"extension_type":{"const":"property-extension"},"reporter_ref":{"type":"string","pattern":"^identity--"},"severity":{"enum":["emergency","severe","high","medium","low","baseline-minor","baseline-negligible"]},"incident_class":{"enum":["abusive-content","malicious-code","information-gathering","intrusion-attempts","intrusions","availability","information-content-security","fraud","vulnerable","other","test"]},"affected_states":{"type":"array","items":{"type":"string","pattern":"^[A-Z]{2}$"}},"affected_sectors":{"type":"array","items":{"type":"string"}},"pap":{"enum":["clear","green","amber","red"]},"escalated_from_ref":{"type":"string","pattern":"^incident--"},"addressed_to":{"type":"array","items":{"type":"string"}}}"#,
        r#"["extension_type","reporter_ref","severity","incident_class"]"#
    ),
};

/// A task on an incident, modelled on the OASIS Incident Core Extension's `task`, owned by the
/// organisation that does it.
pub const INCIDENT_TASK: SelatExtension = SelatExtension {
    id: "extension-definition--9e3b5d7f-2a4c-4e6b-8d1f-7c5a3e9b1d46",
    name: "selat-incident-task",
    kind: ExtensionKind::NewSdo,
    object_type: Some("x-selat-task"),
    description: "A task on an incident, owned by the organisation that does it, with its due date and status (after the OASIS Incident Core Extension's task: name, description, outcome, priority).",
    schema: schema!(
        "x-selat-task",
        r#"{"type":{"const":"x-selat-task"},"incident_ref":{"type":"string","pattern":"^incident--"},"name":{"type":"string","minLength":1},"description":{"type":"string"},"due":{"type":"string"},"status":{"enum":["open","in-progress","done","cancelled"]},"outcome":{"enum":["pending","ongoing","completed","cancelled"]},"priority":{"type":"integer","minimum":0,"maximum":100}}"#,
        r#"["incident_ref","name","status","outcome"]"#
    ),
};

/// A change of an incident's status, by the organisation allowed to make it.
pub const STATUS_CHANGE: SelatExtension = SelatExtension {
    id: "extension-definition--2d8f4b6a-7c1e-4a3d-9b5f-6e0c2a8d4f73",
    name: "selat-status-change",
    kind: ExtensionKind::NewSdo,
    object_type: Some("x-selat-status-change"),
    description: "A change of an incident's status (reported, triaged, coordinating, contained, closed), with its reason; a duplicate closed into another incident names it in merged_into_ref.",
    schema: schema!(
        "x-selat-status-change",
        r#"{"type":{"const":"x-selat-status-change"},"incident_ref":{"type":"string","pattern":"^incident--"},"status_from":{"enum":["reported","triaged","coordinating","contained","closed"]},"status_to":{"enum":["reported","triaged","coordinating","contained","closed"]},"reason":{"type":"string"},"merged_into_ref":{"type":"string","pattern":"^incident--"}}"#,
        r#"["incident_ref","status_from","status_to"]"#
    ),
};

/// A request for assistance to a named member state (UN GGE norm h).
pub const ASSISTANCE_REQUEST: SelatExtension = SelatExtension {
    id: "extension-definition--5f1a9c3e-8d2b-4f7a-a6c4-2b8e0d5f3a19",
    name: "selat-assistance-request",
    kind: ExtensionKind::NewSdo,
    object_type: Some("x-selat-assistance-request"),
    description: "A request for assistance on an incident to a named member state (UN GGE 2015 norm h), with its deadline.",
    schema: schema!(
        "x-selat-assistance-request",
        r#"{"type":{"const":"x-selat-assistance-request"},"incident_ref":{"type":"string","pattern":"^incident--"},"requested_of_ref":{"type":"string","pattern":"^identity--"},"request":{"type":"string","minLength":1},"deadline":{"type":"string"}}"#,
        r#"["incident_ref","requested_of_ref","request","deadline"]"#
    ),
};

/// The answer of the state an assistance request names.
pub const ASSISTANCE_ANSWER: SelatExtension = SelatExtension {
    id: "extension-definition--7a5c1e3b-9f4d-4b2e-8c6a-4d0f2b7e9c52",
    name: "selat-assistance-answer",
    kind: ExtensionKind::NewSdo,
    object_type: Some("x-selat-assistance-answer"),
    description: "The answer to a request for assistance, by the member state it names: accepted, declined or completed, with a text.",
    schema: schema!(
        "x-selat-assistance-answer",
        r#"{"type":{"const":"x-selat-assistance-answer"},"request_ref":{"type":"string","pattern":"^x-selat-assistance-request--"},"incident_ref":{"type":"string","pattern":"^incident--"},"answer":{"enum":["accepted","declined","completed"]},"text":{"type":"string"}}"#,
        r#"["request_ref","incident_ref","answer"]"#
    ),
};

/// What an organisation chooses to be told, and where.
pub const NOTIFICATION_PREFERENCES: SelatExtension = SelatExtension {
    id: "extension-definition--3b7d9f1c-4e6a-4c8b-9a2d-8f4b6d0e2c85",
    name: "selat-notification-preferences",
    kind: ExtensionKind::NewSdo,
    object_type: Some("x-selat-notification-preferences"),
    description: "The notices an organisation receives (new incident or escalation addressed to it, assistance request, deadline due, sighting of its own indicator) and where: e-mail addresses and a webhook.",
    schema: schema!(
        "x-selat-notification-preferences",
        r#"{"type":{"const":"x-selat-notification-preferences"},"events":{"type":"array","items":{"enum":["incident","escalation","assistance-request","deadline-due","sighting"]}},"emails":{"type":"array","items":{"type":"string"}},"webhook":{"type":"string"}}"#,
        r#"["events"]"#
    ),
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

/// A norm of responsible state behaviour with its checklist items: the eleven UN GGE 2015 norms
/// (letters a-k) that every node seeds, and any the secretariat adds (l onwards).
pub const NORM: SelatExtension = SelatExtension {
    id: "extension-definition--5f54dd13-a513-4466-a263-89398d8e9654",
    name: "selat-norm",
    kind: ExtensionKind::NewSdo,
    object_type: Some("x-selat-norm"),
    description: "A norm of responsible state behaviour in cyberspace: its letter (a-k for the eleven UN GGE 2015 norms of A/70/174 para 13, seeded on every node; l onwards for norms the community adds), its text, its source, and its checklist items (id, text, whether illustrative).",
    schema: schema!(
        "x-selat-norm",
        r#"{"type":{"const":"x-selat-norm"},"letter":{"type":"string","pattern":"^[a-z]$"},"text":{"type":"string","minLength":1},"source":{"type":"string"},"items":{"type":"array","items":{"type":"object","properties":{"id":{"type":"string","pattern":"^[a-z]\\.[0-9]+$"},"text":{"type":"string","minLength":1},"illustrative":{"type":"boolean"}},"required":["id","text"]}}}"#,
        r#"["letter","text"]"#
    ),
};

/// A member state's implementation status of a UN GGE 2015 norm (or a checklist item of it) for a
/// reporting period, owned by that state.
pub const NORM_ASSESSMENT: SelatExtension = SelatExtension {
    id: "extension-definition--df1fd6a9-bd7c-4876-98cb-02ecdd7350d9",
    name: "selat-norm-assessment",
    kind: ExtensionKind::NewSdo,
    object_type: Some("x-selat-norm-assessment"),
    description: "A member state's implementation status of a norm (x-selat-norm, by letter: a-k the eleven UN GGE 2015 norms of A/70/174 para 13, l onwards those the community adds) or of a checklist item of it, for a reporting period, with its evidence. Only the state itself records it.",
    schema: schema!(
        "x-selat-norm-assessment",
        r#"{"type":{"const":"x-selat-norm-assessment"},"member_state":{"type":"string","pattern":"^[A-Z]{2}$"},"norm":{"type":"string","pattern":"^[a-z]$"},"item":{"type":"string","pattern":"^[a-z]\\.[0-9]+$"},"status":{"enum":["not-started","in-progress","implemented","not-applicable"]},"period":{"type":"string","pattern":"^[0-9]{4}(-(H[12]|Q[1-4]))?$"},"evidence":{"type":"string"}}"#,
        r#"["member_state","norm","status","period"]"#
    ),
};

/// A capacity-building programme, owned by the organisation that records it (a provider).
pub const CAPACITY_PROGRAMME: SelatExtension = SelatExtension {
    id: "extension-definition--7cf76a01-9ab5-43a4-840f-4233670feb83",
    name: "selat-capacity-programme",
    kind: ExtensionKind::NewSdo,
    object_type: Some("x-selat-capacity-programme"),
    description: "A capacity-building programme: title, GFCE themes, providers and funders, beneficiary member states, format, dates (an absent end is open-ended), seats, status and a source link.",
    schema: schema!(
        "x-selat-capacity-programme",
        r#"{"type":{"const":"x-selat-capacity-programme"},"title":{"type":"string","minLength":1},"themes":{"type":"array","minItems":1,"items":{"enum":["policy-and-strategy","incident-management-and-cip","cybercrime","culture-and-skills","standards"]}},"providers":{"type":"array","items":{"type":"string"}},"funders":{"type":"array","items":{"type":"string"}},"beneficiary_states":{"type":"array","minItems":1,"items":{"type":"string","pattern":"^[A-Z]{2}$"}},"format":{"enum":["in-person","online","hybrid"]},"start":{"type":"string"},"end":{"type":"string"},"seats":{"type":"integer","minimum":0},"status":{"enum":["planned","ongoing","completed","cancelled"]},"source":{"type":"string"}}"#,
        r#"["title","themes","beneficiary_states","start","status"]"#
    ),
};

/// A member state's capacity-building need, owned by that state.
pub const CAPACITY_NEED: SelatExtension = SelatExtension {
    id: "extension-definition--3f82cafc-fa00-46a3-80e0-90da62790292",
    name: "selat-capacity-need",
    kind: ExtensionKind::NewSdo,
    object_type: Some("x-selat-capacity-need"),
    description: "A member state's capacity-building need: the GFCE theme, its priority and a description.",
    schema: schema!(
        "x-selat-capacity-need",
        r#"{"type":{"const":"x-selat-capacity-need"},"member_state":{"type":"string","pattern":"^[A-Z]{2}$"},"theme":{"enum":["policy-and-strategy","incident-management-and-cip","cybercrime","culture-and-skills","standards"]},"priority":{"enum":["high","medium","low"]},"description":{"type":"string"}}"#,
        r#"["member_state","theme","priority"]"#
    ),
};

/// A meeting of a regional series (AMCC, TELMIN, ADGMIN, ADGSOM, Cyber-CC, ARF ISM).
pub const MEETING: SelatExtension = SelatExtension {
    id: "extension-definition--eaef1a4f-f055-4bda-990d-837c454db470",
    name: "selat-meeting",
    kind: ExtensionKind::NewSdo,
    object_type: Some("x-selat-meeting"),
    description: "A meeting of a regional series: its number in the series, date, venue, chair, the member states that took part, and its documents.",
    schema: schema!(
        "x-selat-meeting",
        r#"{"type":{"const":"x-selat-meeting"},"series":{"enum":["AMCC","TELMIN","ADGMIN","ADGSOM","CYBER-CC","ARF-ISM"]},"number":{"type":"integer","minimum":1},"date":{"type":"string"},"venue":{"type":"string"},"chair":{"type":"string"},"participating_states":{"type":"array","items":{"type":"string","pattern":"^[A-Z]{2}$"}},"documents":{"type":"array","items":{"type":"object","properties":{"title":{"type":"string"},"url":{"type":"string"}},"required":["title"]}}}"#,
        r#"["series","number","date"]"#
    ),
};

/// A decision of a meeting, the body or organisation that must act on it, and its follow-up.
pub const DECISION: SelatExtension = SelatExtension {
    id: "extension-definition--31d288b3-e54b-4af3-9bfc-eca16e2a9086",
    name: "selat-decision",
    kind: ExtensionKind::NewSdo,
    object_type: Some("x-selat-decision"),
    description: "A decision of a meeting: its text, kind (agree, recommend, task, note), the body (a meeting series) or organisation that must act, the due date, and the earlier decisions it carries over or closes.",
    schema: schema!(
        "x-selat-decision",
        r#"{"type":{"const":"x-selat-decision"},"meeting_ref":{"type":"string","pattern":"^x-selat-meeting--"},"number":{"type":"integer","minimum":1},"text":{"type":"string","minLength":1},"kind":{"enum":["agree","recommend","task","note"]},"owner_body":{"enum":["AMCC","TELMIN","ADGMIN","ADGSOM","CYBER-CC","ARF-ISM"]},"owner_ref":{"type":"string","pattern":"^identity--"},"due":{"type":"string"},"carries_over_ref":{"type":"string","pattern":"^x-selat-decision--"},"closes_refs":{"type":"array","items":{"type":"string","pattern":"^x-selat-decision--"}}}"#,
        r#"["meeting_ref","number","text","kind"]"#
    ),
};

/// A change of a decision's status by the secretariat or the organisation that owns it.
pub const DECISION_STATUS: SelatExtension = SelatExtension {
    id: "extension-definition--63f03984-7cae-458a-9aaf-1febe3953f15",
    name: "selat-decision-status",
    kind: ExtensionKind::NewSdo,
    object_type: Some("x-selat-decision-status"),
    description: "A change of a decision's status (open, in-progress, closed) with its reason, by the secretariat or the organisation that must act on it.",
    schema: schema!(
        "x-selat-decision-status",
        r#"{"type":{"const":"x-selat-decision-status"},"decision_ref":{"type":"string","pattern":"^x-selat-decision--"},"status":{"enum":["open","in-progress","closed"]},"reason":{"type":"string"}}"#,
        r#"["decision_ref","status"]"#
    ),
};

/// A provider's offer of one of its programmes for a member state's need.
pub const CAPACITY_OFFER: SelatExtension = SelatExtension {
    id: "extension-definition--3a9e198a-db80-4335-b4e1-bd9606329fb0",
    name: "selat-capacity-offer",
    kind: ExtensionKind::NewSdo,
    object_type: Some("x-selat-capacity-offer"),
    description: "A provider proposes one of its programmes for a member state's capacity-building need.",
    schema: schema!(
        "x-selat-capacity-offer",
        r#"{"type":{"const":"x-selat-capacity-offer"},"need_ref":{"type":"string","pattern":"^x-selat-capacity-need--"},"programme_ref":{"type":"string","pattern":"^x-selat-capacity-programme--"},"note":{"type":"string"}}"#,
        r#"["need_ref","programme_ref"]"#
    ),
};

/// The answer of the state whose need an offer is for.
pub const CAPACITY_OFFER_ANSWER: SelatExtension = SelatExtension {
    id: "extension-definition--e06d50b2-428c-493b-8fdd-cd708e83d5d9",
    name: "selat-capacity-offer-answer",
    kind: ExtensionKind::NewSdo,
    object_type: Some("x-selat-capacity-offer-answer"),
    description: "The member state's answer to an offer for its need: accepted or declined.",
    schema: schema!(
        "x-selat-capacity-offer-answer",
        r#"{"type":{"const":"x-selat-capacity-offer-answer"},"offer_ref":{"type":"string","pattern":"^x-selat-capacity-offer--"},"answer":{"enum":["accepted","declined"]}}"#,
        r#"["offer_ref","answer"]"#
    ),
};

/// Every extension definition Selat ships.
pub const SELAT_EXTENSIONS: [SelatExtension; 21] = [
    DISTRIBUTION,
    SHARING_GROUP,
    POINT_OF_CONTACT,
    CONTACT_CHECK_CAMPAIGN,
    CONTACT_CHECK,
    INCIDENT,
    INCIDENT_TASK,
    STATUS_CHANGE,
    ASSISTANCE_REQUEST,
    ASSISTANCE_ANSWER,
    NOTIFICATION_PREFERENCES,
    MISP,
    NORM,
    NORM_ASSESSMENT,
    CAPACITY_PROGRAMME,
    CAPACITY_NEED,
    MEETING,
    DECISION,
    DECISION_STATUS,
    CAPACITY_OFFER,
    CAPACITY_OFFER_ANSWER,
];

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
