//! The policy-level coordination paths of the OpenAPI document (`api::policy`): norms, norm
//! assessments, the norms matrix and progress.

use serde_json::{Value, json};

use super::openapi_coordination::{Op, list, path_param, query, schema};

/// Adds the policy paths and schemas to `document`.
pub(crate) fn add_policy(document: &mut Value) {
    let period = json!({"type": "string", "pattern": "^[0-9]{4}(-(H[12]|Q[1-4]))?$"});
    let paths = [
        (
            "/norms",
            "get",
            Op {
                id: "listNorms",
                summary: "The norms: the eleven UN GGE 2015 norms (A/70/174 para 13, a-k) with illustrative checklist items, and those the community added",
                params: vec![],
                body: None,
                ok: ("200", list("Norm")),
                errors: &["401"],
                public: false,
            },
        ),
        (
            "/norms",
            "post",
            Op {
                id: "addNorm",
                summary: "Add a norm the community agreed, lettered after the last one (the secretariat only)",
                params: vec![],
                body: Some(schema("NewNorm")),
                ok: ("201", schema("Norm")),
                errors: &["400", "401", "403", "409"],
                public: false,
            },
        ),
        (
            "/norms/assessments",
            "get",
            Op {
                id: "listNormAssessments",
                summary: "Norm assessments the caller may see",
                params: vec![
                    query("member_state", json!({"type": "string"})),
                    query("norm", json!({"type": "string"})),
                    query("period", json!({"type": "string"})),
                ],
                body: None,
                ok: ("200", list("NormAssessment")),
                errors: &["400", "401", "422"],
                public: false,
            },
        ),
        (
            "/norms/assessments",
            "post",
            Op {
                id: "recordNormAssessment",
                summary: "Record the caller's own state's assessment of a norm or checklist item for a period (again: a new version)",
                params: vec![],
                body: Some(schema("NewNormAssessment")),
                ok: ("201", schema("NormAssessment")),
                errors: &["400", "401", "403"],
                public: false,
            },
        ),
        (
            "/norms/matrix",
            "get",
            Op {
                id: "normsMatrix",
                summary: "Member state × norm, each cell the latest status as of a period",
                params: vec![query("period", period.clone())],
                body: None,
                ok: ("200", schema("NormMatrix")),
                errors: &["400", "401", "422"],
                public: false,
            },
        ),
        (
            "/norms/progress",
            "get",
            Op {
                id: "normsProgress",
                summary: "Each member state's status on each norm as of one period and as of another",
                params: vec![
                    json!({"name": "from", "in": "query", "required": true, "schema": period}),
                    json!({"name": "to", "in": "query", "required": true, "schema": period}),
                ],
                body: None,
                ok: ("200", schema("NormProgress")),
                errors: &["400", "401", "422"],
                public: false,
            },
        ),
    ];
    for (path, method, op) in paths {
        document["paths"][path][method] = op.render();
    }
    add_norm_schemas(document);
    add_capacity(document);
    add_meetings(document);
    let mut report = Op {
        id: "regionalReport",
        summary: "The regional report for a year: one self-contained HTML page (inline SVG, print stylesheet), counting only what the caller may see",
        params: vec![json!({"name": "period", "in": "query", "required": true, "schema": {"type": "string", "pattern": "^[0-9]{4}$"}})],
        body: None,
        ok: ("200", json!({"type": "string"})),
        errors: &["400", "401", "422"],
        public: false,
    }
    .render();
    report["responses"]["200"]["content"] = json!({"text/html": {"schema": {"type": "string"}}});
    document["paths"]["/reports/regional"]["get"] = report;
    add_statistics(document);
    add_paging(document);
}

/// The lists that page: `?limit=` and `?next=`, and a `next` cursor in the answer.
fn add_paging(document: &mut Value) {
    use super::cursor::{DEFAULT_LIST_LIMIT, MAX_LIST_LIMIT};
    let limit = json!({"type": "integer", "minimum": 1, "default": DEFAULT_LIST_LIMIT,
        "description": format!("Items per page; above {MAX_LIST_LIMIT} gives pages of {MAX_LIST_LIMIT}")});
    let next = json!({"type": "string", "description": "The previous page's `next`"});
    for path in
        ["/norms", "/norms/assessments", "/capacity/programmes", "/capacity/needs", "/meetings", "/decisions"]
    {
        let op = &mut document["paths"][path]["get"];
        if let Some(params) = op["parameters"].as_array_mut() {
            params.push(query("limit", limit.clone()));
            params.push(query("next", next.clone()));
        }
        let answer =
            &mut op["responses"]["200"]["content"]["application/json"]["schema"]["properties"]["next"];
        *answer = json!({"type": ["string", "null"], "description": "The cursor of the next page; null on the last"});
        op["responses"]["400"] = json!({
            "description": "The request is malformed (a cursor this server did not give, a limit of 0); `detail` says how.",
            "content": {"application/json": {"schema": {"$ref": "#/components/schemas/Error"}}}
        });
    }
}

/// The figures the regional report shows, each as the caller may see it.
fn add_statistics(document: &mut Value) {
    let year = json!({"name": "period", "in": "query", "required": true, "schema": {"type": "string", "pattern": "^[0-9]{4}$"}});
    let figure = |id, summary, params: Vec<Value>, ok: Value| Op {
        id,
        summary,
        params,
        body: None,
        ok: ("200", ok),
        errors: &["400", "401", "422"],
        public: false,
    };
    let paths = [
        (
            "/statistics/intelligence",
            figure(
                "intelligenceStatistics",
                "Objects each member state's organisations (its sector leads included) shared in a year, in total and per ISO week, counting only what the caller may see",
                vec![year.clone()],
                schema("IntelligenceStatistics"),
            ),
        ),
        (
            "/statistics/sightings",
            figure(
                "sightingStatistics",
                "Sightings added in a year, in total and per ISO week, counting only what the caller may see",
                vec![year],
                schema("SightingStatistics"),
            ),
        ),
        (
            "/statistics/directory",
            figure(
                "directoryHealth",
                "Each member state's points of contact the caller may see: how many, verified in the last 90 days, stale, median response time",
                vec![],
                list("DirectoryHealth"),
            ),
        ),
    ];
    for (path, op) in paths {
        document["paths"][path]["get"] = op.render();
    }
    let count = json!({"type": "integer", "minimum": 0});
    let weeks = json!({"type": "array", "items": {"type": "string", "pattern": "^[0-9]{4}-W[0-9]{2}$"}});
    let schemas = &mut document["components"]["schemas"];
    schemas["IntelligenceStatistics"] = json!({"type": "object", "required": ["period", "weeks", "states", "total"], "properties": {
        "period": {"type": "string"}, "weeks": weeks, "total": count,
        "states": {"type": "array", "items": {"type": "object", "required": ["member_state", "objects", "weekly"], "properties": {
            "member_state": {"type": "string"}, "objects": count, "weekly": {"type": "array", "items": count}}}}}});
    schemas["SightingStatistics"] = json!({"type": "object", "required": ["period", "total", "weeks"], "properties": {
        "period": {"type": "string"}, "total": count,
        "weeks": {"type": "array", "items": {"type": "object", "required": ["week", "objects"], "properties": {
            "week": {"type": "string"}, "objects": count}}}}});
    schemas["DirectoryHealth"] = json!({"type": "object", "required": ["member_state", "contacts", "verified_recently", "stale"], "properties": {
        "member_state": {"type": "string"}, "contacts": count, "verified_recently": count, "stale": count,
        "median_response_s": {"type": ["number", "null"]}}});
}

fn write(
    id: &'static str,
    summary: &'static str,
    params: Vec<Value>,
    new: &str,
    ok: (&'static str, &str),
) -> Op<'static> {
    Op {
        id,
        summary,
        params,
        body: Some(schema(new)),
        ok: (ok.0, schema(ok.1)),
        errors: &["400", "401", "403", "404"],
        public: false,
    }
}

fn add_meetings(document: &mut Value) {
    let series = json!({"enum": ["AMCC", "TELMIN", "ADGMIN", "ADGSOM", "CYBER-CC", "ARF-ISM"]});
    let status = json!({"enum": ["open", "in-progress", "carried-over", "closed"]});
    let paths = [
        ("/meetings", "get", read("listMeetings", "Meetings of the regional series, by date", "Meeting")),
        (
            "/meetings",
            "post",
            write(
                "recordMeeting",
                "Record a meeting (the secretariat or a member state)",
                vec![],
                "NewMeeting",
                ("201", "Meeting"),
            ),
        ),
        (
            "/decisions",
            "get",
            Op {
                id: "listDecisions",
                summary: "Decisions with their derived status; overdue=true: past due and neither closed nor carried over",
                params: vec![
                    query("overdue", json!({"type": "boolean"})),
                    query("meeting", json!({"type": "string"})),
                    query("status", status.clone()),
                ],
                body: None,
                ok: ("200", list("Decision")),
                errors: &["400", "401", "422"],
                public: false,
            },
        ),
        (
            "/decisions",
            "post",
            write(
                "recordDecision",
                "Record a decision of a meeting, possibly carrying over or closing earlier ones",
                vec![],
                "NewDecision",
                ("201", "Decision"),
            ),
        ),
        (
            "/decisions/{decision_id}/status",
            "post",
            write(
                "setDecisionStatus",
                "Change a decision's status: the secretariat or the organisation that must act on it",
                vec![path_param("decision_id", "^x-selat-decision--")],
                "NewDecisionStatus",
                ("200", "Decision"),
            ),
        ),
    ];
    for (path, method, op) in paths {
        document["paths"][path][method] = op.render();
    }
    let text = json!({"type": "string"});
    let maybe = json!({"type": ["string", "null"]});
    let texts = json!({"type": "array", "items": {"type": "string"}});
    let number = json!({"type": "integer", "minimum": 1, "maximum": 4_294_967_295_u64});
    let schemas = &mut document["components"]["schemas"];
    let document_schema = json!({"type": "object", "required": ["title"], "additionalProperties": false, "properties": {"title": text, "url": text}});
    schemas["NewMeeting"] = json!({"type": "object", "required": ["series", "number", "date"], "additionalProperties": false, "properties": {
        "series": series, "number": number, "date": {"type": "string", "format": "date"}, "venue": text, "chair": text,
        "participating_states": texts, "documents": {"type": "array", "items": document_schema}
    }});
    schemas["Meeting"] = json!({"type": "object", "required": ["id", "series", "number", "date", "participating_states"], "properties": {
        "id": text, "series": text, "series_name": text, "number": {"type": "integer"}, "date": text, "venue": maybe, "chair": maybe,
        "participating_states": texts, "documents": {"type": "array", "items": {"type": "object"}}, "recorded_by": text
    }});
    schemas["NewDecision"] = json!({"type": "object", "required": ["meeting", "number", "text", "kind"], "additionalProperties": false, "properties": {
        "meeting": text, "number": number, "text": text, "kind": {"enum": ["agree", "recommend", "task", "note"]},
        "owner": text, "due": {"type": "string", "format": "date"}, "carries_over": text, "closes": texts
    }});
    schemas["NewDecisionStatus"] = json!({"type": "object", "required": ["status"], "additionalProperties": false, "properties": {
        "status": {"enum": ["open", "in-progress", "closed"]}, "reason": text
    }});
    schemas["Decision"] = json!({"type": "object", "required": ["id", "meeting", "number", "text", "kind", "status", "overdue"], "properties": {
        "id": text, "meeting": text, "meeting_label": text, "meeting_date": text, "number": {"type": "integer"}, "text": text, "kind": text,
        "owner": maybe, "owner_kind": {"enum": ["body", "organisation", null]}, "due": maybe, "status": status, "overdue": {"type": "boolean"},
        "carries_over": maybe, "carried_over_to": maybe, "closes": texts, "closed_by": maybe, "recorded_by": text
    }});
}

fn read(id: &'static str, summary: &'static str, item: &str) -> Op<'static> {
    Op {
        id,
        summary,
        params: vec![],
        body: None,
        ok: ("200", list(item)),
        errors: &["401", "422"],
        public: false,
    }
}

fn add_capacity(document: &mut Value) {
    let paths = [
        (
            "/capacity/programmes",
            "get",
            read("listProgrammes", "Capacity-building programmes the caller may see", "Programme"),
        ),
        (
            "/capacity/programmes",
            "post",
            Op {
                id: "createProgramme",
                summary: "Record a programme, owned by the caller's organisation",
                params: vec![],
                body: Some(schema("NewProgramme")),
                ok: ("201", schema("Programme")),
                errors: &["400", "401", "403"],
                public: false,
            },
        ),
        (
            "/capacity/programmes/{programme_id}",
            "put",
            Op {
                id: "replaceProgramme",
                summary: "Replace a programme (a new version); only the organisation that recorded it",
                params: vec![path_param("programme_id", "^x-selat-capacity-programme--")],
                body: Some(schema("NewProgramme")),
                ok: ("200", schema("Programme")),
                errors: &["400", "401", "403", "404"],
                public: false,
            },
        ),
        (
            "/capacity/needs",
            "get",
            read("listNeeds", "Capacity-building needs, each with the programmes covering it", "Need"),
        ),
        (
            "/capacity/needs",
            "post",
            Op {
                id: "createNeed",
                summary: "Record a need of the caller's own member state",
                params: vec![],
                body: Some(schema("NewNeed")),
                ok: ("201", schema("Need")),
                errors: &["400", "401", "403"],
                public: false,
            },
        ),
        (
            "/capacity/needs/{need_id}/offers",
            "post",
            Op {
                id: "offerForNeed",
                summary: "A provider offers one of its own programmes for a need",
                params: vec![path_param("need_id", "^x-selat-capacity-need--")],
                body: Some(
                    json!({"type": "object", "required": ["programme"], "additionalProperties": false, "properties": {"programme": {"type": "string"}, "note": {"type": "string"}}}),
                ),
                ok: ("201", schema("Offer")),
                errors: &["400", "401", "403", "404"],
                public: false,
            },
        ),
        (
            "/capacity/offers/{offer_id}/answer",
            "post",
            Op {
                id: "answerOffer",
                summary: "The need's member state accepts or declines an offer",
                params: vec![path_param("offer_id", "^x-selat-capacity-offer--")],
                body: Some(
                    json!({"type": "object", "required": ["answer"], "additionalProperties": false, "properties": {"answer": {"enum": ["accepted", "declined"]}}}),
                ),
                ok: ("200", schema("Offer")),
                errors: &["400", "401", "403", "404"],
                public: false,
            },
        ),
        (
            "/capacity/gaps",
            "get",
            read("capacityGaps", "Needs that no current or planned programme covers", "Need"),
        ),
        (
            "/capacity/overlaps",
            "get",
            read(
                "capacityOverlaps",
                "Programmes of one theme whose beneficiaries and dates overlap",
                "Overlap",
            ),
        ),
        (
            "/capacity/matrix",
            "get",
            read("capacityMatrix", "Member state × GFCE theme: programmes, needs and gaps", "CoverageRow"),
        ),
    ];
    for (path, method, op) in paths {
        document["paths"][path][method] = op.render();
    }
    let text = json!({"type": "string"});
    let maybe = json!({"type": ["string", "null"]});
    let texts = json!({"type": "array", "items": {"type": "string"}});
    let theme = json!({"enum": ["policy-and-strategy", "incident-management-and-cip", "cybercrime", "culture-and-skills", "standards"]});
    let count = json!({"type": "integer"});
    let schemas = &mut document["components"]["schemas"];
    schemas["NewProgramme"] = json!({"type": "object", "required": ["title", "themes", "beneficiary_states", "start", "status"], "additionalProperties": false, "properties": {
        "title": text, "themes": {"type": "array", "minItems": 1, "items": theme}, "providers": texts, "funders": texts,
        "beneficiary_states": texts, "format": {"enum": ["in-person", "online", "hybrid"]},
        "start": {"type": "string", "format": "date"}, "end": {"type": "string", "format": "date"},
        "seats": {"type": "integer", "minimum": 0, "maximum": 4_294_967_295_u64},
        "status": {"enum": ["planned", "ongoing", "completed", "cancelled"]}, "source": text
    }});
    schemas["Programme"] = json!({"type": "object", "required": ["id", "title", "themes", "beneficiary_states", "start", "status", "recorded_by"], "properties": {
        "id": text, "title": text, "themes": texts, "providers": texts, "funders": texts, "beneficiary_states": texts,
        "format": maybe, "start": text, "end": maybe, "seats": {"type": ["integer", "null"]}, "status": text,
        "source": maybe, "recorded_by": text, "modified": text
    }});
    schemas["NewNeed"] = json!({"type": "object", "required": ["member_state", "theme", "priority"], "additionalProperties": false, "properties": {
        "member_state": text, "theme": theme, "priority": {"enum": ["high", "medium", "low"]}, "description": text
    }});
    schemas["Need"] = json!({"type": "object", "required": ["id", "member_state", "theme", "priority", "covered_by"], "properties": {
        "id": text, "member_state": text, "theme": text, "priority": text, "description": maybe, "covered_by": texts, "modified": text,
        "offers": {"type": "array", "items": {"$ref": "#/components/schemas/Offer"}}
    }});
    schemas["Offer"] = json!({"type": "object", "required": ["id", "need", "programme", "provider", "status"], "properties": {
        "id": text, "need": text, "programme": text, "provider": text, "note": maybe,
        "status": {"enum": ["proposed", "accepted", "declined", "delivered"]}
    }});
    schemas["Overlap"] = json!({"type": "object", "required": ["programmes", "titles", "themes", "states", "from", "to"], "properties": {
        "programmes": texts, "titles": texts, "themes": texts, "states": texts, "from": text, "to": maybe
    }});
    schemas["CoverageRow"] = json!({"type": "object", "required": ["member_state", "cells"], "properties": {
        "member_state": text,
        "cells": {"type": "array", "items": {"type": "object", "required": ["theme", "programmes", "needs", "gaps"], "properties": {"theme": text, "programmes": count, "needs": count, "gaps": count}}}
    }});
}

fn add_norm_schemas(document: &mut Value) {
    let text = json!({"type": "string"});
    let maybe = json!({"type": ["string", "null"]});
    let status = json!({"enum": ["not-started", "in-progress", "implemented", "not-applicable"]});
    let maybe_status = json!({"enum": ["not-started", "in-progress", "implemented", "not-applicable", null]});
    let schemas = &mut document["components"]["schemas"];
    schemas["Norm"] = json!({"type": "object", "required": ["id", "letter", "text", "items", "recorded_by"], "properties": {
        "id": text, "letter": {"type": "string", "pattern": "^[a-z]$"}, "text": text, "source": maybe, "recorded_by": text,
        "items": {"type": "array", "items": {"type": "object", "required": ["id", "text"], "properties": {"id": text, "text": text, "illustrative": {"type": "boolean"}}}}
    }});
    schemas["NewNorm"] = json!({"type": "object", "required": ["text"], "additionalProperties": false, "properties": {
        "text": {"type": "string", "minLength": 1}, "source": text,
        "items": {"type": "array", "maxItems": 20, "items": {"type": "string", "minLength": 1}}
    }});
    schemas["NewNormAssessment"] = json!({"type": "object", "required": ["member_state", "norm", "status", "period"], "additionalProperties": false, "properties": {
        "member_state": text, "norm": {"type": "string", "pattern": "^[a-z]$"}, "item": text,
        "status": status, "period": text, "evidence": text, "tlp": {"enum": ["clear", "green", "amber"]}
    }});
    schemas["NormAssessment"] = json!({"type": "object", "required": ["id", "member_state", "norm", "status", "period", "recorded_by"], "properties": {
        "id": text, "member_state": text, "norm": text, "item": maybe, "status": status, "period": text,
        "evidence": maybe, "recorded_by": text, "tlp": text, "created": text, "modified": text
    }});
    let cell = json!({"type": "object", "required": ["norm", "status", "period"], "properties": {"norm": text, "status": maybe_status, "period": maybe}});
    schemas["NormMatrix"] = json!({"type": "object", "required": ["period", "norms", "rows", "totals"], "properties": {
        "period": maybe, "norms": {"type": "array", "items": text},
        "rows": {"type": "array", "items": {"type": "object", "required": ["member_state", "cells"], "properties": {"member_state": text, "cells": {"type": "array", "items": cell}}}},
        "totals": {"type": "object", "additionalProperties": {"type": "integer"}}
    }});
    let change = json!({"type": "object", "required": ["norm", "from", "to", "changed"], "properties": {"norm": text, "from": maybe_status, "to": maybe_status, "changed": {"type": "boolean"}}});
    schemas["NormProgress"] = json!({"type": "object", "required": ["from", "to", "states"], "properties": {
        "from": text, "to": text,
        "states": {"type": "array", "items": {"type": "object", "required": ["member_state", "implemented_from", "implemented_to", "norms"], "properties": {
            "member_state": text, "implemented_from": {"type": "integer"}, "implemented_to": {"type": "integer"},
            "norms": {"type": "array", "items": change}
        }}}
    }});
}
