//! The policy-level coordination paths of the OpenAPI document (`api::policy`): norms, norm
//! assessments, the norms matrix and progress.

use serde_json::{Value, json};

use super::openapi_coordination::{Op, list, query, schema};

/// Adds the policy paths and schemas to `document`.
pub(crate) fn add_policy(document: &mut Value) {
    let period = json!({"type": "string", "pattern": "^[0-9]{4}(-(H[12]|Q[1-4]))?$"});
    let paths = [
        (
            "/norms",
            "get",
            Op {
                id: "listNorms",
                summary: "The eleven UN GGE 2015 norms (A/70/174 para 13) with illustrative checklist items",
                params: vec![],
                body: None,
                ok: ("200", list("Norm")),
                errors: &["401"],
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
}

fn add_norm_schemas(document: &mut Value) {
    let text = json!({"type": "string"});
    let maybe = json!({"type": ["string", "null"]});
    let status = json!({"enum": ["not-started", "in-progress", "implemented", "not-applicable"]});
    let maybe_status = json!({"enum": ["not-started", "in-progress", "implemented", "not-applicable", null]});
    let schemas = &mut document["components"]["schemas"];
    schemas["Norm"] = json!({"type": "object", "required": ["letter", "text", "items"], "properties": {
        "letter": text, "text": text, "source": text,
        "items": {"type": "array", "items": {"type": "object", "required": ["id", "text"], "properties": {"id": text, "text": text, "illustrative": {"type": "boolean"}}}}
    }});
    schemas["NewNormAssessment"] = json!({"type": "object", "required": ["member_state", "norm", "status", "period"], "additionalProperties": false, "properties": {
        "member_state": text, "norm": {"type": "string", "pattern": "^[a-k]$"}, "item": text,
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
