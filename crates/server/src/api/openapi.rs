//! `GET /api/v1/openapi.json`: the OpenAPI 3.1 description of every `/api/v1/` path. Served to
//! anyone: it describes the interface, not data. A test holds it to openapi-spec-validator.

use axum::Json;
use serde_json::{Value, json};

pub(crate) async fn openapi() -> Json<Value> {
    Json(document())
}

/// The document. Kept beside the handlers it describes; add a path here with every new route.
pub(crate) fn document() -> Value {
    let mut document = json!({
        "openapi": "3.1.0",
        "info": {
            "title": "Selat REST API",
            "version": env!("CARGO_PKG_VERSION"),
            "description": "Selat's REST JSON API. TAXII 2.1 is served separately under /taxii2/."
        },
        "servers": [{"url": "/api/v1"}],
        "security": [{"bearer": []}, {"basic": []}],
        "paths": {
            "/audit": {
                "get": {
                    "operationId": "listAuditEntries",
                    "summary": "Audit log entries, oldest first",
                    "description": "Hub-admins read every entry (optionally one organisation's); \
                        org-admins read the entries concerning their own organisation. Other \
                        roles get 403, anonymous callers 401.",
                    "parameters": [
                        query_param("org", "Only entries concerning this organisation (short name).",
                            json!({"type": "string"})),
                        query_param("since", "Only entries at or after this RFC 3339 UTC time.",
                            json!({"type": "string", "format": "date-time"})),
                        query_param("operation", "Only entries of exactly this operation.",
                            json!({"type": "string"})),
                        query_param("limit", "Most entries returned (default 100).",
                            json!({"type": "integer", "minimum": 1, "maximum": 10000})),
                        query_param("after", "The `next` of the previous page.",
                            json!({"type": "string", "pattern": "^[0-9]+$"})),
                    ],
                    "responses": {
                        "200": {
                            "description": "A page of entries.",
                            "content": {"application/json": {"schema": {"$ref": "#/components/schemas/AuditPage"}}}
                        },
                        "400": error_response("A parameter is malformed."),
                        "401": error_response("No or invalid credentials."),
                        "403": error_response("The caller may not read these entries."),
                        "500": error_response("Internal error (logged with the id in `detail`).")
                    }
                }
            },
            "/groups": {
                "get": {
                    "operationId": "listSharingGroups",
                    "summary": "Sharing groups the caller's organisation owns or belongs to (all for hub-admins)",
                    "responses": {
                        "200": {
                            "description": "The groups.",
                            "content": {"application/json": {"schema": {
                                "type": "object", "required": ["groups"],
                                "properties": {"groups": {"type": "array", "items": {"$ref": "#/components/schemas/SharingGroup"}}}
                            }}}
                        },
                        "401": error_response("No or invalid credentials."),
                        "500": error_response("Internal error (logged with the id in `detail`).")
                    }
                },
                "post": {
                    "operationId": "createSharingGroup",
                    "summary": "Create a sharing group owned by the caller's organisation (org-admins)",
                    "requestBody": {"required": true, "content": {"application/json": {"schema": {
                        "type": "object", "required": ["name"], "additionalProperties": false,
                        "properties": {
                            "id": {
                                "type": "string",
                                "description": "For a group that spans nodes: the id it has on the other members' nodes (default: a new id).",
                                "pattern": "^x-selat-sharing-group--[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$"
                            },
                            "name": {"type": "string", "minLength": 1, "maxLength": 200},
                            "description": {"type": ["string", "null"]},
                            "members": {"type": "array", "items": {"type": "string", "pattern": "^identity--"}}
                        }
                    }}}},
                    "responses": {
                        "201": {
                            "description": "The group (the owner is always a member).",
                            "content": {"application/json": {"schema": {"$ref": "#/components/schemas/SharingGroup"}}}
                        },
                        "400": error_response("A malformed body, an unknown member or a limit passed."),
                        "401": error_response("No or invalid credentials."),
                        "403": error_response("Only org-admins create sharing groups."),
                        "409": error_response("A group with this id exists already."),
                        "500": error_response("Internal error (logged with the id in `detail`).")
                    }
                }
            },
            "/groups/{group_id}/members": {
                "put": {
                    "operationId": "setSharingGroupMembers",
                    "summary": "Replace a group's members (the owner's org-admins, or hub-admins)",
                    "parameters": [{"name": "group_id", "in": "path", "required": true, "schema": {"type": "string"}}],
                    "requestBody": {"required": true, "content": {"application/json": {"schema": {
                        "type": "object", "required": ["members"], "additionalProperties": false,
                        "properties": {"members": {"type": "array", "items": {"type": "string", "pattern": "^identity--"}}}
                    }}}},
                    "responses": {
                        "200": {
                            "description": "The group with its new members.",
                            "content": {"application/json": {"schema": {"$ref": "#/components/schemas/SharingGroup"}}}
                        },
                        "400": error_response("A malformed body, an unknown member or a limit passed."),
                        "401": error_response("No or invalid credentials."),
                        "403": error_response("The caller may not change this group."),
                        "404": error_response("No such group."),
                        "500": error_response("Internal error (logged with the id in `detail`).")
                    }
                }
            },
            "/correlations": {
                "get": {
                    "operationId": "correlateValue",
                    "summary": "Which objects, organisations and member states reported or sighted a value",
                    "description": "Computed at query time through the caller's access: objects the caller may \
                        not see are neither shown nor counted. Values on a known-benign list (built-in \
                        private and reserved ranges, the operator's MISP warninglists) are flagged; a value \
                        carried by more than 50 objects is capped with a note.",
                    "parameters": [{"name": "value", "in": "query", "required": true,
                        "description": "The value (an address, domain, URL, e-mail address, hash, file name, …).",
                        "schema": {"type": "string", "minLength": 1, "maxLength": 1024}}],
                    "responses": {
                        "200": {
                            "description": "The correlation.",
                            "content": {"application/json": {"schema": {"$ref": "#/components/schemas/Correlation"}}}
                        },
                        "400": error_response("No value, or a value over the limit."),
                        "401": error_response("No or invalid credentials."),
                        "500": error_response("Internal error (logged with the id in `detail`).")
                    }
                }
            },
            "/objects/{object_id}/correlations": {
                "get": {
                    "operationId": "correlateObject",
                    "summary": "What else carries an object's values, and who sighted it",
                    "parameters": [{"name": "object_id", "in": "path", "required": true, "schema": {"type": "string"}}],
                    "responses": {
                        "200": {
                            "description": "The correlation.",
                            "content": {"application/json": {"schema": {"$ref": "#/components/schemas/Correlation"}}}
                        },
                        "400": error_response("Not a STIX id."),
                        "401": error_response("No or invalid credentials."),
                        "404": error_response("No object with this id that the caller may see."),
                        "500": error_response("Internal error (logged with the id in `detail`).")
                    }
                }
            },
            "/match": {
                "post": {
                    "operationId": "matchObservations",
                    "summary": "Match observations against the indicators the caller may see",
                    "description": "Revoked indicators and those past valid_until do not match unless \
                        include_expired; indicators whose pattern_type is not stix are counted in \
                        not_matchable. Opinions disputing an indicator are shown with each match and, with \
                        suppress_disputed, drop it. With store_sightings the matches are stored as STIX \
                        sightings owned by the caller (analysts and above). The body is at most 10 MiB \
                        (MAX_MATCH_BODY_BYTES) and 10,000 observations (MAX_MATCH_OBSERVATIONS).",
                    "requestBody": {"required": true, "content": {"application/json": {"schema": {
                        "type": "object", "required": ["observations"], "additionalProperties": false,
                        "properties": {
                            "observations": {"type": "array", "maxItems": 10000, "items": {"type": "object",
                                "description": "A STIX cyber-observable, an observed-data or a bundle."}},
                            "include_expired": {"type": "boolean", "default": false},
                            "suppress_disputed": {"type": "boolean", "default": false},
                            "store_sightings": {"type": "boolean", "default": false},
                            "collection": {"type": ["string", "null"], "description": "Id or alias of the collection stored sightings go to."},
                            "tlp": {"type": ["string", "null"], "enum": ["clear", "green", "amber", "amber+strict", "red", null]},
                            "scope": {"type": ["string", "null"], "enum": ["organisation", "national", "community", null]}
                        }
                    }}}},
                    "responses": {
                        "200": {
                            "description": "The matches.",
                            "content": {"application/json": {"schema": {"$ref": "#/components/schemas/MatchAnswer"}}}
                        },
                        "400": error_response("A malformed body, a bad option or a limit passed."),
                        "401": error_response("No or invalid credentials."),
                        "413": error_response("The body is larger than MAX_MATCH_BODY_BYTES."),
                        "500": error_response("Internal error (logged with the id in `detail`).")
                    }
                }
            },
            "/openapi.json": {
                "get": {
                    "operationId": "getOpenApi",
                    "summary": "This document",
                    "security": [],
                    "responses": {
                        "200": {
                            "description": "The OpenAPI 3.1 document.",
                            "content": {"application/json": {"schema": {"type": "object"}}}
                        }
                    }
                }
            }
        },
        "components": {
            "securitySchemes": {
                "bearer": {"type": "http", "scheme": "bearer"},
                "basic": {"type": "http", "scheme": "basic"}
            },
            "schemas": {
                "Error": {
                    "type": "object",
                    "required": ["error", "detail"],
                    "properties": {"error": {"type": "string"}, "detail": {"type": "string"}}
                },
                "SharingGroup": {
                    "type": "object",
                    "required": ["id", "name", "description", "owner", "members"],
                    "properties": {
                        "id": {"type": "string", "pattern": "^x-selat-sharing-group--"},
                        "name": {"type": "string"},
                        "description": {"type": ["string", "null"]},
                        "owner": {"type": "string", "pattern": "^identity--"},
                        "members": {"type": "array", "items": {"type": "string", "pattern": "^identity--"}}
                    }
                },
                "OrgRef": {
                    "type": "object",
                    "required": ["identity", "short_name", "member_state"],
                    "properties": {
                        "identity": {"type": "string", "pattern": "^identity--"},
                        "short_name": {"type": ["string", "null"]},
                        "member_state": {"type": ["string", "null"]}
                    }
                },
                "Who": {
                    "type": "object",
                    "required": ["organisations", "member_states"],
                    "properties": {
                        "organisations": {"type": "array", "items": {"$ref": "#/components/schemas/OrgRef"}},
                        "member_states": {"type": "array", "items": {"type": "string"}}
                    }
                },
                "Correlation": {
                    "type": "object",
                    "required": ["object", "values", "sightings", "reported_by", "sighted_by", "notes"],
                    "properties": {
                        "object": {"type": ["string", "null"]},
                        "values": {"type": "array", "items": {
                            "type": "object", "required": ["value", "objects", "more", "benign"],
                            "properties": {
                                "value": {"type": "string"},
                                "objects": {"type": "array", "items": {
                                    "type": "object", "required": ["id", "type", "kinds", "owner", "tlp", "revoked"],
                                    "properties": {
                                        "id": {"type": "string"}, "type": {"type": "string"},
                                        "kinds": {"type": "array", "items": {"type": "string"}},
                                        "owner": {"$ref": "#/components/schemas/OrgRef"},
                                        "tlp": {"type": ["string", "null"]}, "revoked": {"type": "boolean"}
                                    }
                                }},
                                "more": {"type": "boolean"},
                                "benign": {"type": "array", "items": {
                                    "type": "object", "required": ["source", "name", "matched"],
                                    "properties": {"source": {"type": "string", "enum": ["built-in", "warninglist"]},
                                        "name": {"type": "string"}, "matched": {"type": "string"}}
                                }}
                            }
                        }},
                        "sightings": {"type": "array", "items": {
                            "type": "object",
                            "required": ["id", "sighting_of_ref", "owner", "where_sighted", "count", "first_seen", "last_seen", "tlp"],
                            "properties": {
                                "id": {"type": "string"}, "sighting_of_ref": {"type": "string"},
                                "owner": {"$ref": "#/components/schemas/OrgRef"},
                                "where_sighted": {"type": "array", "items": {"$ref": "#/components/schemas/OrgRef"}},
                                "count": {"type": ["integer", "null"]},
                                "first_seen": {"type": ["string", "null"]}, "last_seen": {"type": ["string", "null"]},
                                "tlp": {"type": ["string", "null"]}
                            }
                        }},
                        "reported_by": {"$ref": "#/components/schemas/Who"},
                        "sighted_by": {"$ref": "#/components/schemas/Who"},
                        "notes": {"type": "array", "items": {"type": "string"}}
                    }
                },
                "MatchAnswer": {
                    "type": "object",
                    "required": ["matches", "skipped", "not_matchable", "suppressed", "errors", "indicators"],
                    "properties": {
                        "matches": {"type": "array", "items": {
                            "type": "object", "required": ["observation", "indicator", "created_by_ref", "tlp", "disputed"],
                            "properties": {
                                "observation": {"type": "integer"}, "indicator": {"type": "string"},
                                "created_by_ref": {"type": ["string", "null"]}, "tlp": {"type": ["string", "null"]},
                                "opinions": {"type": "array", "items": {"type": "object"}},
                                "disputed": {"type": "boolean"}
                            }
                        }},
                        "skipped": {"type": "object"},
                        "not_matchable": {"type": "integer"},
                        "suppressed": {"type": "integer"},
                        "errors": {"type": "array", "items": {"type": "object"}},
                        "indicators": {"type": "integer"},
                        "sightings": {"type": "object", "description": "With store_sightings: ids, stored, already_present, rejected."}
                    }
                },
                "AuditPage": {
                    "type": "object",
                    "required": ["entries", "next"],
                    "properties": {
                        "entries": {"type": "array", "items": {"$ref": "#/components/schemas/AuditEntry"}},
                        "next": {"type": ["string", "null"]}
                    }
                },
                "AuditEntry": {
                    "type": "object",
                    "required": ["seq", "at", "actor_org", "actor", "operation", "subject_orgs", "detail",
                        "count", "ids_hash", "outcome"],
                    "properties": {
                        "seq": {"type": "integer"},
                        "at": {"type": "string", "format": "date-time"},
                        "actor_org": {"type": ["string", "null"]},
                        "actor": {"type": "string"},
                        "operation": {"type": "string"},
                        "subject_orgs": {"type": "array", "items": {"type": "string"}},
                        "detail": {"type": "string"},
                        "count": {"type": "integer"},
                        "ids_hash": {"type": ["string", "null"]},
                        "outcome": {"type": "string", "enum": ["ok", "denied", "failed"]}
                    }
                }
            }
        }
    });
    add_region(&mut document);
    super::openapi_coordination::add_coordination(&mut document);
    add_peers(&mut document);
    super::openapi_policy::add_policy(&mut document);
    document
}

/// Federation peers and their totals (`api::peers`).
fn add_peers(document: &mut Value) {
    document["paths"]["/peers"] = json!({"get": {
        "operationId": "listPeers",
        "summary": "Federation peers with their totals (hub-admins)",
        "description": "Each configured peer (and each peer known only from earlier rounds): its API root, \
            collections, the organisations this node serves on the link, and what the rounds did: last \
            attempt and success, the last error, the lag, object versions sent, received, refused and \
            skipped, and the latest refusals with their reasons. Never the token.",
        "responses": {
            "200": {"description": "The peers.", "content": {"application/json": {"schema": {
                "type": "object", "required": ["items", "next"], "properties": {
                    "items": {"type": "array", "items": {"$ref": "#/components/schemas/Peer"}},
                    "next": {"type": "null", "description": "Always null: a node has at most 64 peers."}
                }
            }}}},
            "401": error_response("No or invalid credentials."),
            "403": error_response("Only hub-admins read the peers."),
            "500": error_response("Internal error (logged with the id in `detail`).")
        }
    }});
    document["paths"]["/peers/{name}/sync"] = json!({"post": {
        "operationId": "requestPeerRound",
        "summary": "Ask for a federation round with a peer now (hub-admins and org-admins)",
        "description": "Wakes the peer's background loop for a round now, cutting short its wait or its \
            back-off after failures (say, once the peer is back). Answers at once; what the round did \
            shows in `GET /peers`. Requests made during a round run one more round right after it.",
        "parameters": [{"name": "name", "in": "path", "required": true,
            "description": "The peer's name in the configuration file.", "schema": {"type": "string"}}],
        "responses": {
            "202": {"description": "The round is requested.", "content": {"application/json": {"schema": {
                "type": "object", "required": ["peer", "round"], "properties": {
                    "peer": {"type": "string"},
                    "round": {"type": "string", "enum": ["requested"]}
                }
            }}}},
            "401": error_response("No or invalid credentials."),
            "403": error_response("Only hub-admins and org-admins ask for rounds."),
            "404": error_response("No peer of that name is configured."),
            "500": error_response("Internal error (logged with the id in `detail`).")
        }
    }});
    let time = json!({"type": ["string", "null"], "format": "date-time"});
    document["components"]["schemas"]["Peer"] = json!({
        "type": "object",
        "required": ["name", "url", "configured", "pull", "push", "hosts", "rounds", "last_attempt",
            "last_success", "last_error", "last_error_at", "lag_ms", "sent", "received", "refused",
            "skipped", "refusals"],
        "properties": {
            "name": {"type": "string"},
            "url": {"type": ["string", "null"]},
            "configured": {"type": "boolean"},
            "pull": {"type": "array", "items": {"type": "string"}},
            "push": {"type": "array", "items": {"type": "string"}},
            "hosts": {"type": "array", "items": {"type": "string"}},
            "rounds": {"type": "integer"},
            "last_attempt": time, "last_success": time,
            "last_error": {"type": ["string", "null"]}, "last_error_at": time,
            "lag_ms": {"type": ["integer", "null"]},
            "sent": {"type": "integer"}, "received": {"type": "integer"},
            "refused": {"type": "integer"}, "skipped": {"type": "integer"},
            "refusals": {"type": "array", "items": {
                "type": "object", "required": ["at", "direction", "object_id", "version", "reason"],
                "properties": {
                    "at": {"type": "string", "format": "date-time"},
                    "direction": {"type": "string", "enum": ["pull", "push"]},
                    "object_id": {"type": "string"}, "version": {"type": "string"},
                    "reason": {"type": "string"}
                }
            }}
        }
    });
}

/// The region as data: member states and organisations (`api::region`).
fn add_region(document: &mut Value) {
    let list = |item: &str| {
        json!({"type": "object", "required": ["items", "next"], "properties": {
            "items": {"type": "array", "items": {"$ref": format!("#/components/schemas/{item}")}},
            "next": {"type": "null", "description": "Always null: every list fits one page."}
        }})
    };
    let unauthorized = error_response("No or invalid credentials.");
    let internal = error_response("Internal error (logged with the id in `detail`).");
    document["paths"]["/member-states"] = json!({"get": {
        "operationId": "listMemberStates",
        "summary": "The ASEAN Member States (or those that were members on `as_of`), with their organisation and sector leads on this node",
        "parameters": [query_param("as_of", "Only the states that were members on this day (YYYY-MM-DD).",
            json!({"type": "string", "pattern": "^[0-9]{4}-[0-9]{2}-[0-9]{2}$"}))],
        "responses": {
            "200": {"description": "The member states.", "content": {"application/json": {"schema": list("MemberState")}}},
            "400": error_response("`as_of` is not a date, or an unknown parameter."),
            "401": unauthorized.clone(),
            "500": internal.clone()
        }
    }});
    document["paths"]["/member-states/{iso2}"] = json!({"get": {
        "operationId": "getMemberState",
        "summary": "One Member State by its ISO 3166-1 alpha-2 code",
        "parameters": [{"name": "iso2", "in": "path", "required": true, "schema": {"type": "string"}}],
        "responses": {
            "200": {"description": "The member state.", "content": {"application/json": {"schema": {"$ref": "#/components/schemas/MemberState"}}}},
            "401": unauthorized.clone(),
            "404": error_response("No ASEAN Member State has that code."),
            "500": internal.clone()
        }
    }});
    document["paths"]["/organisations"] = json!({"get": {
        "operationId": "listOrganisations",
        "summary": "The organisations registered on this node",
        "responses": {
            "200": {"description": "The organisations.", "content": {"application/json": {"schema": list("Organisation")}}},
            "401": unauthorized,
            "500": internal
        }
    }});
    document["paths"]["/organisations/{short_name}"] = json!({"get": {
        "operationId": "getOrganisation",
        "summary": "One organisation's page: who it is, its state's sectors and sector leads, and the contacts of it the caller may see",
        "parameters": [{"name": "short_name", "in": "path", "required": true, "schema": {"type": "string"}}],
        "responses": {
            "200": {"description": "The organisation.", "content": {"application/json": {"schema": {
                "type": "object", "required": ["organisation", "member_state", "sectors", "sector_leads", "contacts"],
                "properties": {
                    "organisation": {"$ref": "#/components/schemas/Organisation"},
                    "member_state": {"type": ["string", "null"]},
                    "sectors": {"type": "array", "items": {"$ref": "#/components/schemas/Sector"}},
                    "sector_leads": {"type": "array", "items": {"$ref": "#/components/schemas/Organisation"}},
                    "contacts": {"type": "array", "items": {"$ref": "#/components/schemas/Contact"}}
                }}}}},
            "401": error_response("No or invalid credentials."),
            "404": error_response("No organisation of that short name."),
            "500": error_response("Internal error (logged with the id in `detail`).")
        }
    }});
    let text = json!({"type": "string"});
    let optional = json!({"type": ["string", "null"]});
    document["components"]["schemas"]["MemberState"] = json!({
        "type": "object",
        "required": ["iso2", "iso3", "iso_numeric", "name", "agency", "cert", "time_zones", "member_since",
            "verified", "organisation", "sector_leads"],
        "properties": {
            "iso2": text, "iso3": text, "iso_numeric": text, "name": text, "agency": text, "cert": text,
            "time_zones": {"type": "array", "items": text},
            "member_since": {"type": "string", "format": "date"},
            "verified": {"type": "boolean", "description": "Whether the agency and CERT names were confirmed from a primary source."},
            "organisation": {"type": ["string", "null"], "description": "The state's organisation (STIX identity) on this node."},
            "sector_leads": {"type": "array", "items": text}
        }
    });
    document["components"]["schemas"]["Organisation"] = json!({
        "type": "object",
        "required": ["short_name", "name", "kind", "parent", "identity", "member_since"],
        "properties": {
            "short_name": text, "name": text,
            "kind": {"enum": ["member-state", "sector-lead", "secretariat", "partner"]},
            "parent": optional, "identity": text, "member_since": optional
        }
    });
}

fn query_param(name: &str, description: &str, schema: Value) -> Value {
    json!({"name": name, "in": "query", "required": false, "description": description, "schema": schema})
}

fn error_response(description: &str) -> Value {
    json!({
        "description": description,
        "content": {"application/json": {"schema": {"$ref": "#/components/schemas/Error"}}}
    })
}
