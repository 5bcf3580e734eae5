//! The coordination paths of the OpenAPI document (`api::coordination`): incidents and their
//! sub-resources, contacts, contact checks, notification preferences, sectors and advisories.

use serde_json::{Value, json};

/// One operation: its id, summary, parameters, request body schema, success status and schema,
/// and the error statuses it may answer.
pub(super) struct Op<'a> {
    pub(super) id: &'a str,
    pub(super) summary: &'a str,
    pub(super) params: Vec<Value>,
    pub(super) body: Option<Value>,
    pub(super) ok: (&'a str, Value),
    pub(super) errors: &'a [&'a str],
    pub(super) public: bool,
}

impl Op<'_> {
    pub(super) fn render(self) -> Value {
        let mut responses = json!({
            self.ok.0: {"description": "Done.", "content": {"application/json": {"schema": self.ok.1}}}
        });
        for status in self.errors.iter().chain(["500"].iter()) {
            responses[*status] = json!({
                "description": describe(status),
                "content": {"application/json": {"schema": {"$ref": "#/components/schemas/Error"}}}
            });
        }
        let mut op = json!({"operationId": self.id, "summary": self.summary, "parameters": self.params, "responses": responses});
        if let Some(schema) = self.body {
            op["requestBody"] =
                json!({"required": true, "content": {"application/json": {"schema": schema}}});
        }
        if self.public {
            op["security"] = json!([{}, {"bearer": []}, {"basic": []}]);
        }
        op
    }
}

fn describe(status: &str) -> &'static str {
    match status {
        "400" => "The request is malformed; `detail` says how.",
        "401" => "No or invalid credentials.",
        "403" => "The caller may see the record but not do this.",
        "404" => "No such record, or none the caller may see.",
        "409" => "The record's state does not allow it.",
        "410" => "The link has expired.",
        "422" => "Too many records to answer at once.",
        _ => "Internal error (logged with the id in `detail`).",
    }
}

pub(super) fn path_param(name: &str, pattern: &str) -> Value {
    json!({"name": name, "in": "path", "required": true, "schema": {"type": "string", "pattern": pattern}})
}

pub(super) fn query(name: &str, schema: Value) -> Value {
    json!({"name": name, "in": "query", "required": false, "schema": schema})
}

pub(super) fn list(item: &str) -> Value {
    json!({"type": "object", "required": ["items", "next"], "properties": {
        "items": {"type": "array", "items": {"$ref": format!("#/components/schemas/{item}")}},
        "next": {"type": "null", "description": "Always null: every list fits one page."}
    }})
}

pub(super) fn schema(name: &str) -> Value {
    json!({"$ref": format!("#/components/schemas/{name}")})
}

/// Adds the coordination paths and schemas to `document`.
pub(crate) fn add_coordination(document: &mut Value) {
    let incident = path_param("incident_id", "^incident--");
    let read = ["401"];
    let one = ["401", "404"];
    let write = ["400", "401", "403", "404", "409"];
    let paths = [
        (
            "/sectors",
            "get",
            Op {
                id: "listSectors",
                summary: "Critical-information-infrastructure sectors of every member state and their sector leads",
                params: vec![],
                body: None,
                ok: ("200", list("Sector")),
                errors: &read,
                public: false,
            },
        ),
        (
            "/incidents",
            "get",
            Op {
                id: "listIncidents",
                summary: "Incidents the caller may see, newest first",
                params: vec![
                    query(
                        "status",
                        json!({"enum": ["reported", "triaged", "coordinating", "contained", "closed"]}),
                    ),
                    query("severity", json!({"type": "string"})),
                    query("state", json!({"type": "string"})),
                ],
                body: None,
                ok: ("200", list("IncidentSummary")),
                errors: &["400", "401", "422"],
                public: false,
            },
        ),
        (
            "/incidents",
            "post",
            Op {
                id: "reportIncident",
                summary: "Report an incident, owned by the caller's organisation",
                params: vec![],
                body: Some(schema("NewIncident")),
                ok: ("201", schema("Incident")),
                errors: &["400", "401", "403"],
                public: false,
            },
        ),
        (
            "/incidents/{incident_id}",
            "get",
            Op {
                id: "getIncident",
                summary: "One incident with its tasks, assistance requests, links and timeline",
                params: vec![incident.clone()],
                body: None,
                ok: ("200", schema("Incident")),
                errors: &one,
                public: false,
            },
        ),
        (
            "/incidents/{incident_id}/transitions",
            "post",
            Op {
                id: "transitionIncident",
                summary: "Move an incident to another status (reported, triaged, coordinating, contained, closed)",
                params: vec![incident.clone()],
                body: Some(
                    json!({"type": "object", "required": ["status"], "additionalProperties": false, "properties": {"status": {"type": "string"}, "reason": {"type": "string"}}}),
                ),
                ok: ("200", schema("Incident")),
                errors: &write,
                public: false,
            },
        ),
        (
            "/incidents/{incident_id}/escalations",
            "post",
            Op {
                id: "escalateIncident",
                summary: "Escalate an incident to the region or to named member states",
                params: vec![incident.clone()],
                body: Some(
                    json!({"type": "object", "required": ["to"], "additionalProperties": false, "properties": {"to": schema("ShareWith")}}),
                ),
                ok: ("200", schema("Incident")),
                errors: &write,
                public: false,
            },
        ),
        (
            "/incidents/{incident_id}/merge",
            "post",
            Op {
                id: "mergeIncident",
                summary: "Close this incident as a duplicate merged into another; both timelines show there",
                params: vec![incident.clone()],
                body: Some(
                    json!({"type": "object", "required": ["into"], "additionalProperties": false, "properties": {"into": {"type": "string"}, "reason": {"type": "string"}}}),
                ),
                ok: ("200", schema("Incident")),
                errors: &write,
                public: false,
            },
        ),
        (
            "/incidents/{incident_id}/tasks",
            "get",
            Op {
                id: "listTasks",
                summary: "An incident's tasks",
                params: vec![incident.clone()],
                body: None,
                ok: ("200", list("Task")),
                errors: &one,
                public: false,
            },
        ),
        (
            "/incidents/{incident_id}/tasks",
            "post",
            Op {
                id: "addTask",
                summary: "Add a task the caller's organisation takes on",
                params: vec![incident.clone()],
                body: Some(
                    json!({"type": "object", "required": ["name"], "additionalProperties": false, "properties": {"name": {"type": "string"}, "description": {"type": "string"}, "due": {"type": "string"}, "priority": {"type": "integer", "minimum": 0, "maximum": 100}}}),
                ),
                ok: ("201", schema("Task")),
                errors: &write,
                public: false,
            },
        ),
        (
            "/incidents/{incident_id}/tasks/{task_id}",
            "patch",
            Op {
                id: "updateTask",
                summary: "Set a task's status (its owner only)",
                params: vec![incident.clone(), path_param("task_id", "^x-selat-task--")],
                body: Some(
                    json!({"type": "object", "required": ["status"], "additionalProperties": false, "properties": {"status": {"enum": ["open", "in-progress", "done", "cancelled"]}}}),
                ),
                ok: ("200", schema("Task")),
                errors: &write,
                public: false,
            },
        ),
        (
            "/incidents/{incident_id}/timeline",
            "get",
            Op {
                id: "getTimeline",
                summary: "An incident's timeline, merged duplicates' included",
                params: vec![incident.clone()],
                body: None,
                ok: ("200", list("TimelineEntry")),
                errors: &one,
                public: false,
            },
        ),
        (
            "/incidents/{incident_id}/timeline",
            "post",
            Op {
                id: "addNote",
                summary: "Add a note to the timeline",
                params: vec![incident.clone()],
                body: Some(
                    json!({"type": "object", "required": ["text"], "additionalProperties": false, "properties": {"text": {"type": "string"}}}),
                ),
                ok: ("201", schema("TimelineEntry")),
                errors: &write,
                public: false,
            },
        ),
        (
            "/incidents/{incident_id}/links",
            "post",
            Op {
                id: "linkObjects",
                summary: "Link indicators, observables or sightings the caller may see",
                params: vec![incident.clone()],
                body: Some(
                    json!({"type": "object", "required": ["object_refs"], "additionalProperties": false, "properties": {"object_refs": {"type": "array", "items": {"type": "string"}}}}),
                ),
                ok: ("200", schema("Incident")),
                errors: &write,
                public: false,
            },
        ),
        (
            "/incidents/{incident_id}/assistance-requests",
            "get",
            Op {
                id: "listAssistanceRequests",
                summary: "An incident's requests for assistance with their answers",
                params: vec![incident.clone()],
                body: None,
                ok: ("200", list("AssistanceRequest")),
                errors: &one,
                public: false,
            },
        ),
        (
            "/incidents/{incident_id}/assistance-requests",
            "post",
            Op {
                id: "requestAssistance",
                summary: "Ask a member state for assistance (norm h)",
                params: vec![incident.clone()],
                body: Some(
                    json!({"type": "object", "required": ["to", "request", "deadline"], "additionalProperties": false, "properties": {"to": {"type": "string"}, "request": {"type": "string"}, "deadline": {"type": "string"}}}),
                ),
                ok: ("201", schema("AssistanceRequest")),
                errors: &write,
                public: false,
            },
        ),
        (
            "/incidents/{incident_id}/assistance-requests/{request_id}/answers",
            "post",
            Op {
                id: "answerAssistance",
                summary: "Answer a request addressed to the caller's member state",
                params: vec![incident, path_param("request_id", "^x-selat-assistance-request--")],
                body: Some(
                    json!({"type": "object", "required": ["answer"], "additionalProperties": false, "properties": {"answer": {"enum": ["accepted", "declined", "completed"]}, "text": {"type": "string"}}}),
                ),
                ok: ("201", schema("AssistanceRequest")),
                errors: &write,
                public: false,
            },
        ),
        (
            "/contacts",
            "get",
            Op {
                id: "listContacts",
                summary: "The directory of principals and points of contact, with verification",
                params: vec![
                    query("state", json!({"type": "string"})),
                    query("stale", json!({"type": "boolean"})),
                ],
                body: None,
                ok: ("200", list("Contact")),
                errors: &["400", "401", "422"],
                public: false,
            },
        ),
        (
            "/contacts",
            "post",
            Op {
                id: "addContact",
                summary: "Add a contact the caller's organisation maintains",
                params: vec![],
                body: Some(schema("NewContact")),
                ok: ("201", schema("Contact")),
                errors: &["400", "401", "403"],
                public: false,
            },
        ),
        (
            "/contacts/{contact_id}",
            "get",
            Op {
                id: "getContact",
                summary: "One contact with its check history",
                params: vec![path_param("contact_id", "^identity--")],
                body: None,
                ok: ("200", schema("Contact")),
                errors: &one,
                public: false,
            },
        ),
        (
            "/contacts/{contact_id}",
            "put",
            Op {
                id: "replaceContact",
                summary: "Replace a contact (its maintaining organisation only)",
                params: vec![path_param("contact_id", "^identity--")],
                body: Some(schema("NewContact")),
                ok: ("200", schema("Contact")),
                errors: &write,
                public: false,
            },
        ),
        (
            "/contact-checks",
            "get",
            Op {
                id: "listContactCheckCampaigns",
                summary: "Contact-check campaigns with results per member state",
                params: vec![],
                body: None,
                ok: ("200", list("Campaign")),
                errors: &["401", "422"],
                public: false,
            },
        ),
        (
            "/contact-checks",
            "post",
            Op {
                id: "startContactChecks",
                summary: "Start a campaign: each contact gets a single-use, expiring link by e-mail and webhook",
                params: vec![],
                body: Some(
                    json!({"type": "object", "required": ["name"], "additionalProperties": false, "properties": {"name": {"type": "string"}, "member_states": {"type": "array", "items": {"type": "string"}}, "valid_days": {"type": "integer", "minimum": 1, "maximum": 90}}}),
                ),
                ok: ("201", schema("Campaign")),
                errors: &["400", "401", "403"],
                public: false,
            },
        ),
        (
            "/contact-checks/{campaign_id}",
            "get",
            Op {
                id: "getContactCheckCampaign",
                summary: "One campaign with its checks",
                params: vec![path_param("campaign_id", "^x-selat-contact-check-campaign--")],
                body: None,
                ok: ("200", schema("Campaign")),
                errors: &one,
                public: false,
            },
        ),
        (
            "/contact-checks/ack/{token}",
            "get",
            Op {
                id: "showContactCheck",
                summary: "What a check link is for (HTML for people, JSON on request); never answers it",
                params: vec![path_param("token", "^[A-Za-z0-9_-]+$")],
                body: None,
                ok: ("200", schema("Acknowledgement")),
                errors: &["404", "410"],
                public: true,
            },
        ),
        (
            "/contact-checks/ack/{token}",
            "post",
            Op {
                id: "answerContactCheck",
                summary: "Answer a check through its link: once, before it expires",
                params: vec![path_param("token", "^[A-Za-z0-9_-]+$")],
                body: None,
                ok: ("200", schema("Acknowledgement")),
                errors: &["404", "409", "410"],
                public: true,
            },
        ),
        (
            "/notification-preferences",
            "get",
            Op {
                id: "getNotificationPreferences",
                summary: "The notices the caller's organisation receives",
                params: vec![],
                body: None,
                ok: ("200", schema("Preferences")),
                errors: &read,
                public: false,
            },
        ),
        (
            "/notification-preferences",
            "put",
            Op {
                id: "setNotificationPreferences",
                summary: "Choose the organisation's notices (org-admins)",
                params: vec![],
                body: Some(schema("Preferences")),
                ok: ("200", schema("Preferences")),
                errors: &["400", "401", "403"],
                public: false,
            },
        ),
        (
            "/advisories",
            "get",
            Op {
                id: "listAdvisories",
                summary: "Public advisories (TLP:CLEAR), newest first; no credentials needed",
                params: vec![],
                body: None,
                ok: ("200", list("Advisory")),
                errors: &["401"],
                public: true,
            },
        ),
        (
            "/advisories",
            "post",
            Op {
                id: "publishAdvisory",
                summary: "Publish a TLP:CLEAR advisory to the public collection",
                params: vec![],
                body: Some(
                    json!({"type": "object", "required": ["name", "description"], "additionalProperties": false, "properties": {"name": {"type": "string"}, "description": {"type": "string"}, "published": {"type": "string"}, "labels": {"type": "array", "items": {"type": "string"}}, "object_refs": {"type": "array", "items": {"type": "string"}}}}),
                ),
                ok: ("201", schema("Advisory")),
                errors: &["400", "401", "403"],
                public: false,
            },
        ),
    ];
    for (path, method, op) in paths {
        document["paths"][path][method] = op.render();
    }
    add_schemas(document);
}

fn add_schemas(document: &mut Value) {
    let text = json!({"type": "string"});
    let maybe = json!({"type": ["string", "null"]});
    let texts = json!({"type": "array", "items": {"type": "string"}});
    let schemas = &mut document["components"]["schemas"];
    schemas["Sector"] = json!({"type": "object", "required": ["member_state", "sector", "sector_lead", "source"], "properties": {"member_state": text, "sector": text, "sector_lead": maybe, "source": maybe}});
    schemas["ShareWith"] = json!({"oneOf": [{"enum": ["organisation", "national", "region"]}, {"type": "array", "items": {"type": "string"}, "minItems": 1}]});
    schemas["NewIncident"] = json!({"type": "object", "required": ["name", "severity", "incident_class", "tlp", "share_with"], "additionalProperties": false, "properties": {
        "name": text, "description": text,
        "severity": {"enum": ["emergency", "severe", "high", "medium", "low", "baseline-minor", "baseline-negligible"]},
        "incident_class": {"enum": ["abusive-content", "malicious-code", "information-gathering", "intrusion-attempts", "intrusions", "availability", "information-content-security", "fraud", "vulnerable", "other", "test"]},
        "affected_states": texts, "affected_sectors": texts,
        "tlp": {"enum": ["clear", "green", "amber", "amber+strict", "red"]},
        "pap": {"enum": ["clear", "green", "amber", "red"]},
        "share_with": {"$ref": "#/components/schemas/ShareWith"}
    }});
    let status = json!({"enum": ["reported", "triaged", "coordinating", "contained", "closed"]});
    schemas["IncidentSummary"] = json!({"type": "object", "required": ["id", "name", "reporter", "status", "severity", "incident_class", "affected_states", "tlp", "scope", "created", "modified"], "properties": {
        "id": text, "name": text, "reporter": text, "status": status, "severity": text, "incident_class": text,
        "affected_states": texts, "tlp": text, "scope": text, "created": text, "modified": text
    }});
    schemas["Incident"] = json!({"allOf": [{"$ref": "#/components/schemas/IncidentSummary"}, {"type": "object", "required": ["tasks", "assistance_requests", "timeline", "allowed_transitions"], "properties": {
        "description": maybe, "affected_sectors": texts, "pap": maybe, "addressed_to": texts,
        "escalated_from": maybe, "merged_into": maybe, "merged": texts,
        "tasks": {"type": "array", "items": {"$ref": "#/components/schemas/Task"}},
        "assistance_requests": {"type": "array", "items": {"$ref": "#/components/schemas/AssistanceRequest"}},
        "links": texts,
        "timeline": {"type": "array", "items": {"$ref": "#/components/schemas/TimelineEntry"}},
        "allowed_transitions": {"type": "array", "items": status}
    }}]});
    schemas["Task"] = json!({"type": "object", "required": ["id", "incident", "owner", "name", "status"], "properties": {
        "id": text, "incident": text, "owner": text, "name": text, "description": maybe, "due": maybe,
        "status": {"enum": ["open", "in-progress", "done", "cancelled"]}, "created": text, "modified": text
    }});
    schemas["TimelineEntry"] = json!({"type": "object", "required": ["at", "kind", "by", "text", "ref", "incident"], "properties": {
        "at": text, "kind": text, "by": text, "text": text, "ref": text, "incident": text
    }});
    schemas["AssistanceRequest"] = json!({"type": "object", "required": ["id", "incident", "from", "to", "request", "deadline", "status", "answers"], "properties": {
        "id": text, "incident": text, "from": text, "to": text, "request": text, "deadline": text,
        "status": {"enum": ["open", "overdue", "accepted", "declined", "completed"]},
        "answers": {"type": "array", "items": {"type": "object"}}, "created": text
    }});
    let channel = json!({"type": "object", "required": ["kind", "value"], "additionalProperties": false, "properties": {"kind": {"enum": ["email", "phone", "webhook", "other"]}, "value": text}});
    schemas["NewContact"] = json!({"type": "object", "required": ["name", "role", "channels"], "additionalProperties": false, "properties": {
        "name": text, "role": {"enum": ["ministerial-principal", "senior-official", "technical-poc", "diplomatic-poc", "policy-poc"]},
        "organisation": text, "languages": texts, "office_hours": text, "time_zone": text, "always_on": {"type": "boolean"},
        "channels": {"type": "array", "minItems": 1, "items": channel}, "tlp": {"enum": ["clear", "green", "amber", "amber+strict"]}
    }});
    schemas["Contact"] = json!({"type": "object", "required": ["id", "name", "role", "organisation", "channels", "last_verified", "median_response_s", "stale"], "properties": {
        "id": text, "name": text, "role": text, "organisation": text, "member_state": maybe, "languages": texts,
        "office_hours": maybe, "time_zone": maybe, "always_on": {"type": "boolean"},
        "channels": {"type": "array", "items": channel}, "tlp": text, "maintained_by": text, "modified": text,
        "last_verified": maybe, "median_response_s": {"type": ["number", "null"]},
        "checks_sent": {"type": "integer"}, "checks_answered": {"type": "integer"}, "stale": {"type": "boolean"},
        "checks": {"type": "array", "items": {"type": "object"}}
    }});
    schemas["Campaign"] = json!({"type": "object", "required": ["id", "name", "started_by", "started", "expires", "sent", "answered", "per_state"], "properties": {
        "id": text, "name": text, "started_by": text, "started": text, "expires": text,
        "sent": {"type": "integer"}, "answered": {"type": "integer"}, "per_state": {"type": "object"},
        "checks": {"type": "array", "items": {"type": "object"}}
    }});
    schemas["Acknowledgement"] = json!({"type": "object", "required": ["check", "contact_name", "organisation", "campaign", "sent", "expires", "answered"], "properties": {
        "check": text, "contact_name": text, "organisation": text, "campaign": text, "sent": text, "expires": text,
        "answered": maybe, "response_time_s": {"type": ["number", "null"]}
    }});
    schemas["Preferences"] = json!({"type": "object", "required": ["events"], "additionalProperties": false, "properties": {
        "events": {"type": "array", "items": {"enum": ["incident", "escalation", "assistance-request", "deadline-due", "sighting"]}},
        "emails": texts, "webhook": maybe
    }});
    schemas["Advisory"] = json!({"type": "object", "required": ["id", "name", "description", "published", "modified", "author", "labels"], "properties": {
        "id": text, "name": text, "description": text, "published": text, "modified": text, "author": text, "labels": texts
    }});
}
