//! One defect per row: each invalid object carries exactly the diagnostic (code, path and
//! severity) named beside it. Objects are a valid base per type with one JSON merge patch
//! (RFC 7396: `null` removes a member). A second table holds valid objects, at least one of every
//! type, that must produce no error.

use selat_stix::Severity::{self, Error, Warning};
use selat_stix::validate::validate_object;
use serde_json::{Value, json};

const UUID: &str = "6b616fc1-1505-48e3-8b2c-0d19337bff38";
const TS: &str = "2016-04-06T20:03:00.000Z";
const IDENTITY: &str = "identity--023d105b-752e-4e3c-941c-7d3f3cb15e9e";
const TLP2_GREEN: &str = "marking-definition--bab4a63c-aed9-4cf5-a766-dfca5abac2bb";
const TLP2_RED: &str = "marking-definition--e828b379-4e03-4974-9ac4-e53a884c97c1";
const TLP1_WHITE: &str = "marking-definition--613f2e26-407d-48c7-9eca-b8e91df99dc9";
const TLP2_EXT: &str = "extension-definition--60a3c5c5-0d10-413e-aab3-9e08dde9e88d";
const SHA256: &str = "fe90a7e910cb3a4739bed9180e807e93fa70c90f25a8915476f5e4bfbac681db";

/// RFC 7396 JSON merge patch.
fn merge(target: &mut Value, patch: &Value) {
    let Value::Object(patch) = patch else {
        *target = patch.clone();
        return;
    };
    if !target.is_object() {
        *target = json!({});
    }
    let map = target.as_object_mut().unwrap();
    for (k, v) in patch {
        if v.is_null() {
            map.remove(k);
        } else {
            merge(map.entry(k.clone()).or_insert(Value::Null), v);
        }
    }
}

fn with(mut base: Value, patch: Value) -> Value {
    merge(&mut base, &patch);
    base
}

/// An SDO/SRO/meta object of `type_name` with the common properties and `own` ones.
fn sdo(type_name: &str, own: Value) -> Value {
    with(
        json!({"type": type_name, "spec_version": "2.1", "id": format!("{type_name}--{UUID}"), "created": TS, "modified": TS}),
        own,
    )
}

/// An SCO with its deterministic id (or a v4 one when it has none).
fn sco(own: Value) -> Value {
    let mut obj = with(json!({"spec_version": "2.1"}), own);
    let id = selat_stix::sco_id::deterministic_id(&obj)
        .unwrap_or_else(|| format!("{}--{UUID}", obj["type"].as_str().unwrap()));
    obj["id"] = json!(id);
    obj
}

fn valid_objects() -> Vec<(&'static str, Value)> {
    let ip = sco(json!({"type": "ipv4-addr", "value": "198.51.100.3"}));
    vec![
        (
            "attack-pattern",
            sdo(
                "attack-pattern",
                json!({"name": "Spearphishing", "kill_chain_phases": [{"kill_chain_name": "mitre-attack", "phase_name": "initial-access"}], "external_references": [{"source_name": "capec", "external_id": "CAPEC-163"}]}),
            ),
        ),
        (
            "campaign",
            sdo(
                "campaign",
                json!({"name": "Green Group", "first_seen": "2016-01-01T00:00:00Z", "last_seen": "2016-02-01T00:00:00Z"}),
            ),
        ),
        ("course-of-action", sdo("course-of-action", json!({"name": "Add TCP port 80 filter"}))),
        (
            "grouping",
            sdo(
                "grouping",
                json!({"context": "suspicious-activity", "object_refs": [format!("indicator--{UUID}")]}),
            ),
        ),
        (
            "identity",
            sdo(
                "identity",
                json!({"name": "ACME", "identity_class": "organization", "sectors": ["financial-services"]}),
            ),
        ),
        ("incident", sdo("incident", json!({"name": "Breach"}))),
        (
            "indicator",
            sdo(
                "indicator",
                json!({"name": "bad ip", "indicator_types": ["malicious-activity"], "pattern": "[ipv4-addr:value = '198.51.100.1']", "pattern_type": "stix", "valid_from": TS}),
            ),
        ),
        (
            "infrastructure",
            sdo("infrastructure", json!({"name": "C2", "infrastructure_types": ["command-and-control"]})),
        ),
        ("intrusion-set", sdo("intrusion-set", json!({"name": "Bobcat", "resource_level": "government"}))),
        ("location", sdo("location", json!({"latitude": 48.8566, "longitude": 2.3522, "precision": 100.0}))),
        (
            "malware",
            sdo(
                "malware",
                json!({"name": "Cryptolocker", "is_family": true, "malware_types": ["ransomware"]}),
            ),
        ),
        (
            "malware-analysis",
            sdo("malware-analysis", json!({"product": "anti-virus-scanner", "result": "malicious"})),
        ),
        ("note", sdo("note", json!({"content": "checked", "object_refs": [format!("campaign--{UUID}")]}))),
        (
            "observed-data",
            sdo(
                "observed-data",
                json!({"first_observed": TS, "last_observed": TS, "number_observed": 50, "object_refs": [ip["id"]]}),
            ),
        ),
        (
            "opinion",
            sdo(
                "opinion",
                json!({"opinion": "strongly-disagree", "object_refs": [format!("relationship--{UUID}")]}),
            ),
        ),
        (
            "report",
            sdo(
                "report",
                json!({"name": "Report", "published": TS, "report_types": ["campaign"], "object_refs": [format!("campaign--{UUID}")]}),
            ),
        ),
        (
            "threat-actor",
            sdo(
                "threat-actor",
                json!({"name": "Evil Org", "threat_actor_types": ["crime-syndicate"], "roles": ["agent"]}),
            ),
        ),
        ("tool", sdo("tool", json!({"name": "VNC", "tool_types": ["remote-access"]}))),
        (
            "vulnerability",
            sdo(
                "vulnerability",
                json!({"name": "CVE-2016-1234", "external_references": [{"source_name": "cve", "external_id": "CVE-2016-1234"}]}),
            ),
        ),
        (
            "relationship",
            sdo(
                "relationship",
                json!({"relationship_type": "indicates", "source_ref": format!("indicator--{UUID}"), "target_ref": format!("malware--{UUID}")}),
            ),
        ),
        (
            "sighting",
            sdo(
                "sighting",
                json!({"sighting_of_ref": format!("indicator--{UUID}"), "count": 2, "where_sighted_refs": [IDENTITY], "observed_data_refs": [format!("observed-data--{UUID}")]}),
            ),
        ),
        (
            "artifact",
            sco(
                json!({"type": "artifact", "mime_type": "image/jpeg", "payload_bin": "VBORw0KGgoAAAANSUhEUgAAADI=="}),
            ),
        ),
        ("autonomous-system", sco(json!({"type": "autonomous-system", "number": 15139}))),
        ("directory", sco(json!({"type": "directory", "path": "C:\\Windows\\System32"}))),
        (
            "domain-name",
            sco(json!({"type": "domain-name", "value": "example.com", "resolves_to_refs": [ip["id"]]})),
        ),
        ("email-addr", sco(json!({"type": "email-addr", "value": "john@example.com"}))),
        (
            "email-message",
            sco(
                json!({"type": "email-message", "is_multipart": true, "subject": "hi", "additional_header_fields": {"X-Mailer": "Mutt"}, "body_multipart": [{"content_type": "text/plain", "body": "hello"}, {"content_type": "image/png", "body_raw_ref": format!("artifact--{UUID}")}]}),
            ),
        ),
        (
            "file",
            sco(
                json!({"type": "file", "name": "foo.exe", "hashes": {"SHA-256": SHA256}, "extensions": {"windows-pebinary-ext": {"pe_type": "exe", "machine_hex": "014c", "sections": [{"name": ".text", "entropy": 7.8}]}, "ntfs-ext": {"sid": "S-1-5-21"}}}),
            ),
        ),
        ("ipv4-addr", ip.clone()),
        ("ipv6-addr", sco(json!({"type": "ipv6-addr", "value": "2001:db8::1"}))),
        ("mac-addr", sco(json!({"type": "mac-addr", "value": "d2:fb:49:24:37:18"}))),
        ("mutex", sco(json!({"type": "mutex", "name": "__CLEANSWEEP__"}))),
        (
            "network-traffic",
            sco(
                json!({"type": "network-traffic", "src_ref": ip["id"], "src_port": 2487, "protocols": ["ipv4", "tcp"], "start": TS, "end": TS, "extensions": {"tcp-ext": {"src_flags_hex": "00000002"}}}),
            ),
        ),
        (
            "process",
            sco(
                json!({"type": "process", "pid": 1221, "command_line": "a.exe", "extensions": {"windows-process-ext": {"aslr_enabled": true, "integrity_level": "high"}}}),
            ),
        ),
        ("software", sco(json!({"type": "software", "name": "Word", "vendor": "Microsoft"}))),
        ("url", sco(json!({"type": "url", "value": "https://example.com/research/index.html"}))),
        (
            "user-account",
            sco(
                json!({"type": "user-account", "user_id": "1001", "account_type": "unix", "extensions": {"unix-account-ext": {"gid": 1001, "shell": "/bin/sh"}}}),
            ),
        ),
        (
            "windows-registry-key",
            sco(
                json!({"type": "windows-registry-key", "key": "HKEY_LOCAL_MACHINE\\System\\Foo", "values": [{"name": "Foo", "data": "qwerty", "data_type": "REG_SZ"}]}),
            ),
        ),
        (
            "x509-certificate",
            sco(
                json!({"type": "x509-certificate", "serial_number": "01", "x509_v3_extensions": {"basic_constraints": "CA:TRUE"}}),
            ),
        ),
        (
            "language-content",
            sdo(
                "language-content",
                json!({"object_ref": format!("campaign--{UUID}"), "object_modified": TS, "contents": {"de": {"name": "Bank Angriff 1"}, "zh-Hans": {"name": "银行攻击 1"}}}),
            ),
        ),
        (
            "marking-definition statement",
            json!({"type": "marking-definition", "spec_version": "2.1", "id": format!("marking-definition--{UUID}"), "created": TS, "definition_type": "statement", "definition": {"statement": "Copyright 2019, Example Corp"}}),
        ),
        (
            "marking-definition TLP 1.0",
            json!({"type": "marking-definition", "spec_version": "2.1", "id": TLP1_WHITE, "created": "2017-01-20T00:00:00.000Z", "definition_type": "tlp", "name": "TLP:WHITE", "definition": {"tlp": "white"}}),
        ),
        (
            "marking-definition TLP 2.0",
            json!({"type": "marking-definition", "spec_version": "2.1", "id": TLP2_GREEN, "created": "2022-10-01T00:00:00.000Z", "name": "TLP:GREEN", "extensions": {TLP2_EXT: {"extension_type": "property-extension", "tlp_2_0": "green"}}}),
        ),
        (
            "extension-definition",
            sdo(
                "extension-definition",
                json!({"name": "Selat distribution", "schema": "https://example.org/schema.json", "version": "1.0.0", "extension_types": ["property-extension"]}),
            ),
        ),
        ("custom SDO-like type", sdo("x-example-widget", json!({"name": "w", "x_count": 3}))),
        (
            "custom SCO-like type",
            json!({"type": "x-example-thing", "id": format!("x-example-thing--{UUID}"), "value": "v"}),
        ),
        (
            "granular markings and TLP",
            sdo(
                "indicator",
                json!({"pattern": "[url:value = 'http://x.example/']", "pattern_type": "stix", "valid_from": TS, "description": "d", "labels": ["a", "b"], "external_references": [{"source_name": "x", "url": "https://example.com"}], "object_marking_refs": [TLP2_GREEN], "granular_markings": [{"marking_ref": TLP2_RED, "selectors": ["description", "labels.[1]", "external_references.[0].source_name"]}, {"lang": "en", "selectors": ["pattern"]}]}),
            ),
        ),
        (
            "property extension",
            sdo(
                "identity",
                json!({"name": "n", "extensions": {"extension-definition--b78d1732-3a01-46df-a4b4-719a2aab7a1d": {"extension_type": "property-extension", "scope": "community", "recipient_refs": [IDENTITY]}}}),
            ),
        ),
    ]
}

type Case = (&'static str, Value, &'static str, &'static str, Severity);

fn invalid_objects() -> Vec<Case> {
    let id = sdo("identity", json!({"name": "ACME"}));
    let ind = sdo(
        "indicator",
        json!({"pattern": "[ipv4-addr:value = '198.51.100.1']", "pattern_type": "stix", "valid_from": TS}),
    );
    let rel = sdo(
        "relationship",
        json!({"relationship_type": "uses", "source_ref": format!("malware--{UUID}"), "target_ref": format!("attack-pattern--{UUID}")}),
    );
    let sig = sdo("sighting", json!({"sighting_of_ref": format!("indicator--{UUID}")}));
    let od = sdo(
        "observed-data",
        json!({"first_observed": TS, "last_observed": TS, "number_observed": 1, "object_refs": [format!("ipv4-addr--{UUID}")]}),
    );
    let loc = sdo("location", json!({"region": "south-eastern-asia"}));
    let mal = sdo("malware", json!({"name": "m", "is_family": false}));
    let md = json!({"type": "marking-definition", "spec_version": "2.1", "id": format!("marking-definition--{UUID}"), "created": TS, "definition_type": "statement", "definition": {"statement": "s"}});
    let tlp_green = json!({"type": "marking-definition", "spec_version": "2.1", "id": TLP2_GREEN, "created": "2022-10-01T00:00:00.000Z", "name": "TLP:GREEN", "extensions": {TLP2_EXT: {"extension_type": "property-extension", "tlp_2_0": "green"}}});
    let file = sco(json!({"type": "file", "name": "a.exe"}));
    let nt = sco(
        json!({"type": "network-traffic", "src_ref": format!("ipv4-addr--{UUID}"), "protocols": ["tcp"]}),
    );
    let art = sco(json!({"type": "artifact", "payload_bin": "aGVsbG8="}));
    let email = sco(json!({"type": "email-message", "is_multipart": false, "body": "b"}));
    let extdef = sdo(
        "extension-definition",
        json!({"name": "e", "schema": "s", "version": "1", "extension_types": ["new-sdo"]}),
    );
    let pe = |patch: Value| {
        with(
            file.clone(),
            json!({"extensions": {"windows-pebinary-ext": with(json!({"pe_type": "exe", "machine_hex": "014c"}), patch)}}),
        )
    };
    let ext_id = "extension-definition--b78d1732-3a01-46df-a4b4-719a2aab7a1d";
    vec![
        // Object shape, type, id, spec_version.
        ("not an object", json!(["x"]), "not-an-object", "$", Error),
        ("type missing", with(id.clone(), json!({"type": null})), "required-property", "$.type", Error),
        (
            "type not a type name",
            with(id.clone(), json!({"type": "Identity"})),
            "invalid-type",
            "$.type",
            Error,
        ),
        ("id missing", with(id.clone(), json!({"id": null})), "required-property", "$.id", Error),
        ("id malformed", with(id.clone(), json!({"id": "identity--1234"})), "invalid-id", "$.id", Error),
        (
            "id of another type",
            with(id.clone(), json!({"id": format!("campaign--{UUID}")})),
            "id-type-mismatch",
            "$.id",
            Error,
        ),
        (
            "SDO id not UUIDv4",
            with(id.clone(), json!({"id": "identity--1621d4d4-b67d-11e3-9670-f01faf20d111"})),
            "uuid-version",
            "$.id",
            Warning,
        ),
        (
            "spec_version missing on an SDO",
            with(id.clone(), json!({"spec_version": null})),
            "required-property",
            "$.spec_version",
            Error,
        ),
        (
            "spec_version 2.0",
            with(id.clone(), json!({"spec_version": "2.0"})),
            "invalid-spec-version",
            "$.spec_version",
            Error,
        ),
        (
            "SCO spec_version 2.0",
            with(file.clone(), json!({"spec_version": "2.0"})),
            "invalid-spec-version",
            "$.spec_version",
            Error,
        ),
        // Timestamps.
        (
            "created malformed",
            with(id.clone(), json!({"created": "2022-101-27T13:49:54.326Z"})),
            "invalid-timestamp",
            "$.created",
            Error,
        ),
        (
            "created not a real date",
            with(
                id.clone(),
                json!({"created": "2023-02-29T12:00:00.000Z", "modified": "2023-03-01T00:00:00.000Z"}),
            ),
            "invalid-timestamp",
            "$.created",
            Error,
        ),
        (
            "created without milliseconds",
            with(id.clone(), json!({"created": "2016-04-06T20:03:00Z"})),
            "timestamp-precision",
            "$.created",
            Error,
        ),
        (
            "marking created without milliseconds",
            with(md.clone(), json!({"created": "2017-06-01T00:00:00Z"})),
            "timestamp-precision",
            "$.created",
            Warning,
        ),
        (
            "created missing",
            with(id.clone(), json!({"created": null})),
            "required-property",
            "$.created",
            Error,
        ),
        (
            "modified before created",
            with(id.clone(), json!({"modified": "2016-04-06T20:02:59.999Z"})),
            "modified-before-created",
            "$.modified",
            Error,
        ),
        (
            "campaign last_seen before first_seen",
            sdo(
                "campaign",
                json!({"name": "c", "first_seen": "2016-02-01T00:00:00Z", "last_seen": "2016-01-01T00:00:00Z"}),
            ),
            "timestamp-order",
            "$.last_seen",
            Error,
        ),
        (
            "indicator valid_until not after valid_from",
            with(ind.clone(), json!({"valid_until": TS})),
            "timestamp-order",
            "$.valid_until",
            Error,
        ),
        (
            "observed-data last before first",
            with(od.clone(), json!({"last_observed": "2016-04-06T20:02:00.000Z"})),
            "timestamp-order",
            "$.last_observed",
            Error,
        ),
        (
            "relationship stop_time not after start_time",
            with(rel.clone(), json!({"start_time": TS, "stop_time": TS})),
            "timestamp-order",
            "$.stop_time",
            Error,
        ),
        (
            "network-traffic end before start",
            with(nt.clone(), json!({"start": TS, "end": "2016-04-06T20:02:00Z"})),
            "timestamp-order",
            "$.end",
            Error,
        ),
        // Numbers.
        (
            "confidence above 100",
            with(id.clone(), json!({"confidence": 101})),
            "out-of-range",
            "$.confidence",
            Error,
        ),
        (
            "sighting count too large",
            with(sig.clone(), json!({"count": 1_000_000_000})),
            "out-of-range",
            "$.count",
            Error,
        ),
        (
            "number_observed zero",
            with(od.clone(), json!({"number_observed": 0})),
            "out-of-range",
            "$.number_observed",
            Error,
        ),
        (
            "number_observed a string",
            with(od.clone(), json!({"number_observed": "1"})),
            "invalid-type",
            "$.number_observed",
            Error,
        ),
        (
            "latitude out of range",
            with(loc.clone(), json!({"latitude": 91.0, "longitude": 0.0})),
            "out-of-range",
            "$.latitude",
            Error,
        ),
        (
            "port out of range",
            with(nt.clone(), json!({"src_port": 70000})),
            "out-of-range",
            "$.src_port",
            Error,
        ),
        (
            "revoked not a boolean",
            with(id.clone(), json!({"revoked": "yes"})),
            "invalid-type",
            "$.revoked",
            Error,
        ),
        ("labels not a list", with(id.clone(), json!({"labels": "x"})), "invalid-type", "$.labels", Error),
        // Required, forbidden and co-constraints.
        (
            "observed-data with neither objects nor object_refs",
            with(od.clone(), json!({"object_refs": null})),
            "required-property",
            "$.object_refs",
            Error,
        ),
        (
            "observed-data with both",
            with(od.clone(), json!({"objects": {"0": {"type": "ipv4-addr", "value": "1.2.3.4"}}})),
            "forbidden-property",
            "$.objects",
            Error,
        ),
        (
            "observed-data objects is deprecated",
            with(
                od.clone(),
                json!({"object_refs": null, "objects": {"0": {"type": "ipv4-addr", "value": "1.2.3.4"}}}),
            ),
            "deprecated-property",
            "$.objects",
            Warning,
        ),
        (
            "relationship without source_ref",
            with(rel.clone(), json!({"source_ref": null})),
            "required-property",
            "$.source_ref",
            Error,
        ),
        (
            "report with empty object_refs",
            sdo("report", json!({"name": "r", "published": TS, "object_refs": []})),
            "empty-list",
            "$.object_refs",
            Error,
        ),
        (
            "malware without is_family",
            with(mal.clone(), json!({"is_family": null})),
            "required-property",
            "$.is_family",
            Error,
        ),
        (
            "malware family without name",
            with(mal.clone(), json!({"is_family": true, "name": null})),
            "required-property",
            "$.name",
            Error,
        ),
        (
            "location with nothing to place it",
            with(loc.clone(), json!({"region": null, "city": "Paris"})),
            "required-any-of",
            "$",
            Error,
        ),
        (
            "latitude without longitude",
            with(loc.clone(), json!({"latitude": 1.0})),
            "required-property",
            "$.longitude",
            Error,
        ),
        (
            "precision without coordinates",
            with(loc.clone(), json!({"precision": 10.0})),
            "required-property",
            "$.latitude",
            Error,
        ),
        (
            "indicator without pattern",
            with(ind.clone(), json!({"pattern": null})),
            "required-property",
            "$.pattern",
            Error,
        ),
        (
            "malware-analysis without result or SCOs",
            sdo("malware-analysis", json!({"product": "p"})),
            "required-any-of",
            "$",
            Error,
        ),
        (
            "file with neither hashes nor name",
            sco(json!({"type": "file", "size": 10})),
            "required-any-of",
            "$",
            Error,
        ),
        (
            "process with no property of its own",
            json!({"type": "process", "id": format!("process--{UUID}")}),
            "required-any-of",
            "$",
            Error,
        ),
        (
            "active traffic with an end",
            with(nt.clone(), json!({"is_active": true, "end": TS})),
            "forbidden-property",
            "$.end",
            Error,
        ),
        (
            "single-part email with body_multipart",
            with(email.clone(), json!({"body": null, "body_multipart": [{"body": "x"}]})),
            "forbidden-property",
            "$.body_multipart",
            Error,
        ),
        (
            "artifact with payload_bin and url",
            with(art.clone(), json!({"url": "https://example.com/a", "hashes": {"SHA-256": SHA256}})),
            "forbidden-property",
            "$.url",
            Error,
        ),
        (
            "reserved property name",
            with(id.clone(), json!({"severity": "high"})),
            "forbidden-property",
            "$.severity",
            Error,
        ),
        (
            "marking definition without definition",
            with(md.clone(), json!({"definition": null})),
            "required-property",
            "$.definition",
            Error,
        ),
        (
            "statement marking without statement",
            with(md.clone(), json!({"definition": {"statement": null, "text": "s"}})),
            "invalid-marking-definition",
            "$.definition",
            Error,
        ),
        (
            "marking definition marking itself",
            with(md.clone(), json!({"object_marking_refs": [format!("marking-definition--{UUID}")]})),
            "invalid-marking-definition",
            "$.object_marking_refs",
            Error,
        ),
        (
            "language-content without contents",
            sdo("language-content", json!({"object_ref": format!("campaign--{UUID}")})),
            "required-property",
            "$.contents",
            Error,
        ),
        (
            "language-content with a bad language key",
            sdo(
                "language-content",
                json!({"object_ref": format!("campaign--{UUID}"), "contents": {"d": {"name": "x"}}}),
            ),
            "invalid-language",
            "$.contents.d",
            Error,
        ),
        (
            "extension-definition without schema",
            with(extdef.clone(), json!({"schema": null})),
            "required-property",
            "$.schema",
            Error,
        ),
        (
            "custom SDO-like object without modified",
            sdo("x-example-widget", json!({"modified": null})),
            "required-property",
            "$.modified",
            Error,
        ),
        // Enumerations and vocabularies.
        (
            "extension_types outside the enumeration",
            with(extdef.clone(), json!({"extension_types": ["new-thing"]})),
            "invalid-enum",
            "$.extension_types[0]",
            Error,
        ),
        (
            "encryption_algorithm outside the enumeration",
            with(art.clone(), json!({"encryption_algorithm": "ROT13"})),
            "invalid-enum",
            "$.encryption_algorithm",
            Error,
        ),
        (
            "opinion outside the enumeration",
            sdo("opinion", json!({"opinion": "meh", "object_refs": [format!("report--{UUID}")]})),
            "invalid-enum",
            "$.opinion",
            Error,
        ),
        (
            "registry value data_type outside the enumeration",
            sco(
                json!({"type": "windows-registry-key", "key": "k", "values": [{"name": "v", "data_type": "REG_WHATEVER"}]}),
            ),
            "invalid-enum",
            "$.values[0].data_type",
            Error,
        ),
        (
            "socket address_family outside the enumeration",
            with(nt.clone(), json!({"extensions": {"socket-ext": {"address_family": "AF_MARS"}}})),
            "invalid-enum",
            "$.extensions['socket-ext'].address_family",
            Error,
        ),
        (
            "identity_class outside the vocabulary",
            with(id.clone(), json!({"identity_class": "robot"})),
            "vocab-value",
            "$.identity_class",
            Warning,
        ),
        (
            "indicator_types outside the vocabulary",
            with(ind.clone(), json!({"indicator_types": ["weird"]})),
            "vocab-value",
            "$.indicator_types[0]",
            Warning,
        ),
        (
            "pattern_type outside the vocabulary",
            with(ind.clone(), json!({"pattern_type": "kql"})),
            "vocab-value",
            "$.pattern_type",
            Warning,
        ),
        (
            "relationship_type with capitals",
            with(rel.clone(), json!({"relationship_type": "Uses"})),
            "invalid-relationship-type",
            "$.relationship_type",
            Error,
        ),
        (
            "relationship_type the specification does not define",
            with(rel.clone(), json!({"relationship_type": "likes"})),
            "vocab-value",
            "$.relationship_type",
            Warning,
        ),
        // References.
        (
            "reference not an identifier",
            with(id.clone(), json!({"created_by_ref": "ACME"})),
            "invalid-reference",
            "$.created_by_ref",
            Error,
        ),
        (
            "created_by_ref to an indicator",
            with(id.clone(), json!({"created_by_ref": format!("indicator--{UUID}")})),
            "invalid-reference-type",
            "$.created_by_ref",
            Error,
        ),
        (
            "object_marking_refs to an identity",
            with(id.clone(), json!({"object_marking_refs": [IDENTITY]})),
            "invalid-reference-type",
            "$.object_marking_refs[0]",
            Error,
        ),
        (
            "relationship to a marking definition",
            with(rel.clone(), json!({"target_ref": TLP2_GREEN})),
            "invalid-reference-type",
            "$.target_ref",
            Error,
        ),
        (
            "sighting of an SCO",
            with(sig.clone(), json!({"sighting_of_ref": format!("file--{UUID}")})),
            "invalid-reference-type",
            "$.sighting_of_ref",
            Error,
        ),
        (
            "observed_data_refs to a report",
            with(sig.clone(), json!({"observed_data_refs": [format!("report--{UUID}")]})),
            "invalid-reference-type",
            "$.observed_data_refs[0]",
            Error,
        ),
        (
            "where_sighted_refs to malware",
            with(sig.clone(), json!({"where_sighted_refs": [format!("malware--{UUID}")]})),
            "invalid-reference-type",
            "$.where_sighted_refs[0]",
            Error,
        ),
        (
            "malware sample_refs to an address",
            with(mal.clone(), json!({"sample_refs": [format!("ipv4-addr--{UUID}")]})),
            "invalid-reference-type",
            "$.sample_refs[0]",
            Error,
        ),
        (
            "observed-data object_refs to an SDO",
            with(od.clone(), json!({"object_refs": [format!("malware--{UUID}")]})),
            "invalid-reference-type",
            "$.object_refs[0]",
            Error,
        ),
        (
            "traffic src_ref to a url",
            with(nt.clone(), json!({"src_ref": format!("url--{UUID}")})),
            "invalid-reference-type",
            "$.src_ref",
            Error,
        ),
        (
            "resolves_to_refs to a url",
            sco(
                json!({"type": "domain-name", "value": "example.com", "resolves_to_refs": [format!("url--{UUID}")]}),
            ),
            "invalid-reference-type",
            "$.resolves_to_refs[0]",
            Error,
        ),
        (
            "archive contains an address",
            with(
                file.clone(),
                json!({"extensions": {"archive-ext": {"contains_refs": [format!("ipv4-addr--{UUID}")]}}}),
            ),
            "invalid-reference-type",
            "$.extensions['archive-ext'].contains_refs[0]",
            Error,
        ),
        (
            "MIME part body_raw_ref to a url",
            sco(
                json!({"type": "email-message", "is_multipart": true, "body_multipart": [{"body_raw_ref": format!("url--{UUID}")}]}),
            ),
            "invalid-reference-type",
            "$.body_multipart[0].body_raw_ref",
            Error,
        ),
        (
            "custom _ref not an identifier",
            with(id.clone(), json!({"x_acme_owner_ref": ""})),
            "invalid-reference",
            "$.x_acme_owner_ref",
            Warning,
        ),
        // Granular markings and selectors.
        (
            "granular marking without selectors",
            with(id.clone(), json!({"granular_markings": [{"marking_ref": TLP2_GREEN}]})),
            "required-property",
            "$.granular_markings[0].selectors",
            Error,
        ),
        (
            "granular marking with marking_ref and lang",
            with(
                id.clone(),
                json!({"granular_markings": [{"marking_ref": TLP2_GREEN, "lang": "en", "selectors": ["name"]}]}),
            ),
            "invalid-granular-marking",
            "$.granular_markings[0]",
            Error,
        ),
        (
            "selector naming no property",
            with(
                id.clone(),
                json!({"granular_markings": [{"marking_ref": TLP2_GREEN, "selectors": ["name", "description"]}]}),
            ),
            "invalid-selector",
            "$.granular_markings[0].selectors[1]",
            Error,
        ),
        (
            "selector index out of range",
            with(
                id.clone(),
                json!({"labels": ["a"], "granular_markings": [{"marking_ref": TLP2_GREEN, "selectors": ["labels.[5]"]}]}),
            ),
            "invalid-selector",
            "$.granular_markings[0].selectors[0]",
            Error,
        ),
        // External references.
        (
            "external reference without source_name",
            with(id.clone(), json!({"external_references": [{"url": "https://example.com"}]})),
            "required-property",
            "$.external_references[0].source_name",
            Error,
        ),
        (
            "capec reference with a bad id",
            with(
                id.clone(),
                json!({"external_references": [{"source_name": "capec", "external_id": "163"}]}),
            ),
            "invalid-external-reference",
            "$.external_references[0].external_id",
            Error,
        ),
        (
            "cve reference without external_id",
            with(
                id.clone(),
                json!({"external_references": [{"source_name": "cve", "url": "https://cve.org"}]}),
            ),
            "invalid-external-reference",
            "$.external_references[0].external_id",
            Error,
        ),
        (
            "external reference with only source_name",
            with(id.clone(), json!({"external_references": [{"source_name": "x"}]})),
            "invalid-external-reference",
            "$.external_references[0]",
            Error,
        ),
        (
            "external reference url not a URI",
            with(
                id.clone(),
                json!({"external_references": [{"source_name": "x", "url": "https://example.com/a – b"}]}),
            ),
            "invalid-url",
            "$.external_references[0].url",
            Error,
        ),
        // Hashes, hex, binary, urls, dictionaries.
        (
            "MD5 of the wrong length",
            with(file.clone(), json!({"hashes": {"MD5": "abc"}})),
            "invalid-hash",
            "$.hashes.MD5",
            Error,
        ),
        (
            "SHA-256 not hex",
            with(file.clone(), json!({"hashes": {"SHA-256": "z".repeat(64)}})),
            "invalid-hash",
            "$.hashes['SHA-256']",
            Error,
        ),
        (
            "hash algorithm name too short",
            with(file.clone(), json!({"hashes": {"ab": "00"}})),
            "invalid-hash",
            "$.hashes.ab",
            Error,
        ),
        (
            "hash algorithm outside the vocabulary",
            with(file.clone(), json!({"hashes": {"FOO-HASH": "00"}})),
            "vocab-value",
            "$.hashes['FOO-HASH']",
            Warning,
        ),
        (
            "hex with an odd digit count",
            with(file.clone(), json!({"magic_number_hex": "FFD"})),
            "invalid-hex",
            "$.magic_number_hex",
            Error,
        ),
        (
            "payload_bin not base64",
            with(art.clone(), json!({"payload_bin": "not base64!"})),
            "invalid-binary",
            "$.payload_bin",
            Error,
        ),
        (
            "url value not a URI",
            sco(json!({"type": "url", "value": "example dot com"})),
            "invalid-url",
            "$.value",
            Error,
        ),
        (
            "dictionary key with a space",
            with(email.clone(), json!({"additional_header_fields": {"bad key": "v"}})),
            "dictionary-key",
            "$.additional_header_fields['bad key']",
            Error,
        ),
        (
            "lang not a language tag",
            with(id.clone(), json!({"lang": "english language"})),
            "invalid-language",
            "$.lang",
            Error,
        ),
        (
            "kill chain phase without phase_name",
            with(ind.clone(), json!({"kill_chain_phases": [{"kill_chain_name": "lockheed"}]})),
            "required-property",
            "$.kill_chain_phases[0].phase_name",
            Error,
        ),
        // Custom properties and extensions.
        (
            "custom property with capitals",
            with(id.clone(), json!({"x_Acme": 1})),
            "custom-property-name",
            "$.x_Acme",
            Error,
        ),
        (
            "custom property too short",
            with(id.clone(), json!({"xy": 1})),
            "custom-property-name",
            "$.xy",
            Error,
        ),
        (
            "extension name of no known form",
            with(id.clone(), json!({"extensions": {"acme": {"a_b": 1}}})),
            "invalid-extension-name",
            "$.extensions.acme",
            Error,
        ),
        (
            "extension without extension_type",
            with(id.clone(), json!({"extensions": {ext_id: {"scope": "community"}}})),
            "required-property",
            "$.extensions['extension-definition--b78d1732-3a01-46df-a4b4-719a2aab7a1d'].extension_type",
            Error,
        ),
        (
            "extension_type outside the enumeration",
            with(id.clone(), json!({"extensions": {ext_id: {"extension_type": "addon"}}})),
            "invalid-enum",
            "$.extensions['extension-definition--b78d1732-3a01-46df-a4b4-719a2aab7a1d'].extension_type",
            Error,
        ),
        (
            "empty extensions",
            with(id.clone(), json!({"extensions": {}})),
            "empty-dictionary",
            "$.extensions",
            Error,
        ),
        (
            "PE extension without pe_type",
            pe(json!({"pe_type": null})),
            "required-property",
            "$.extensions['windows-pebinary-ext'].pe_type",
            Error,
        ),
        (
            "PE section without name",
            pe(json!({"sections": [{"size": 10}]})),
            "required-property",
            "$.extensions['windows-pebinary-ext'].sections[0].name",
            Error,
        ),
        // SCO ids.
        (
            "SCO without id-contributing properties and a v5 id",
            json!({"type": "process", "id": "process--364fe3e5-b1f4-5ba3-b951-ee5983b3538d", "pid": 1}),
            "uuid-version",
            "$.id",
            Error,
        ),
        (
            "SCO with id-contributing properties and a v4 id",
            with(file.clone(), json!({"id": format!("file--{UUID}")})),
            "uuid-version",
            "$.id",
            Warning,
        ),
        (
            "SCO v5 id that is not the deterministic one",
            with(file.clone(), json!({"id": "file--364fe3e5-b1f4-5ba3-b951-ee5983b3538d"})),
            "sco-id-mismatch",
            "$.id",
            Warning,
        ),
        // TLP.
        (
            "TLP 2.0 GREEN id with red content",
            with(tlp_green.clone(), json!({"name": "TLP:RED", "extensions": {TLP2_EXT: {"tlp_2_0": "red"}}})),
            "tlp-redefined",
            "$.id",
            Error,
        ),
        (
            "TLP 1.0 WHITE id with green content",
            json!({"type": "marking-definition", "spec_version": "2.1", "id": TLP1_WHITE, "created": "2017-01-20T00:00:00.000Z", "definition_type": "tlp", "definition": {"tlp": "green"}}),
            "tlp-redefined",
            "$.id",
            Error,
        ),
        (
            "tlp marking that is not a standard one",
            with(md.clone(), json!({"definition_type": "tlp", "definition": {"tlp": "amber"}})),
            "nonstandard-tlp",
            "$.id",
            Error,
        ),
        (
            "two TLP markings",
            with(id.clone(), json!({"object_marking_refs": [TLP2_GREEN, TLP1_WHITE]})),
            "multiple-tlp",
            "$.object_marking_refs",
            Error,
        ),
    ]
}

#[test]
fn each_invalid_object_has_its_diagnostic() {
    let cases = invalid_objects();
    assert!(cases.len() >= 60, "{} cases", cases.len());
    let mut failures = Vec::new();
    for (name, obj, code, path, severity) in &cases {
        let found = validate_object(obj);
        if !found.iter().any(|d| d.code == *code && d.path == *path && d.severity == *severity) {
            let listed: Vec<String> = found.iter().map(ToString::to_string).collect();
            failures.push(format!("{name}: no {severity:?} {code} at {path}; found [{}]", listed.join("; ")));
        }
    }
    assert!(
        failures.is_empty(),
        "{} of {} cases failed:\n{}",
        failures.len(),
        cases.len(),
        failures.join("\n")
    );
}

/// The invalid objects differ from a valid base by one defect: the base itself has no error.
#[test]
fn valid_objects_have_no_error() {
    let objects = valid_objects();
    let mut covered: Vec<&str> = objects.iter().filter_map(|(_, o)| o["type"].as_str()).collect();
    covered.sort_unstable();
    covered.dedup();
    for spec in selat_stix::spec::all_specs() {
        assert!(covered.contains(&spec.type_name), "no valid {} object", spec.type_name);
    }
    let mut failures = Vec::new();
    for (name, obj) in &objects {
        for d in validate_object(obj).into_iter().filter(|d| d.is_error()) {
            failures.push(format!("{name}: {d}"));
        }
    }
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}

#[test]
fn bad_stix_pattern_is_an_error_at_pattern() {
    let obj =
        sdo("indicator", json!({"pattern": "[ipv4-addr:value = ", "pattern_type": "stix", "valid_from": TS}));
    let found = validate_object(&obj);
    assert!(
        found.iter().any(|d| d.code == "invalid-pattern" && d.path == "$.pattern" && d.is_error()),
        "{found:?}"
    );
    // Other pattern languages are not parsed.
    let yara = with(obj, json!({"pattern_type": "yara"}));
    assert!(!validate_object(&yara).iter().any(|d| d.code == "invalid-pattern"));
}
