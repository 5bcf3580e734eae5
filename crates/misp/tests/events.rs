//! MISP event → STIX → MISP on hand-written events: distribution and sharing groups, TLP tags,
//! Orgc, objects and galaxies; every generated object valid.

use selat_misp::event::{Event, Org, SharingGroup, parse_events};
use selat_misp::to_misp::{ExportOptions, events_from_stix};
use selat_misp::to_stix::{ImportContext, OrgcRole, event_to_stix};
use selat_misp::{MISP_EXTENSION_ID, MispError};
use selat_stix::meta::{DISTRIBUTION_EXTENSION_ID, scope_of};
use selat_stix::tlp::{Tlp, effective_tlp};
use serde_json::{Value, json};

const GROUP_UUID: &str = "7e1f5c3a-2b4d-4e6f-8a9b-0c1d2e3f4a5b";
const SELAT_GROUP: &str = "x-selat-sharing-group--7e1f5c3a-2b4d-4e6f-8a9b-0c1d2e3f4a5b";
const OWNER: &str = "identity--11111111-2222-4333-8444-555555555555";

fn event(distribution: &str, tags: &[&str], orgc: &str) -> Value {
    json!({"Event": {
        "uuid": "6a1b2c3d-4e5f-4a6b-8c7d-9e0f1a2b3c4d", "info": "Phishing wave against banks",
        "date": "2026-10-01", "timestamp": "1790000000", "publish_timestamp": "1790000100",
        "distribution": distribution, "threat_level_id": "2", "analysis": "1", "published": true,
        "SharingGroup": {"uuid": GROUP_UUID, "name": "ASEAN banking"},
        "Orgc": {"uuid": orgc, "name": "Some CERT"},
        "Tag": tags.iter().map(|t| json!({"name": t})).collect::<Vec<_>>(),
        "Attribute": [
            {"uuid": "7b2c3d4e-5f6a-4b7c-8d9e-0f1a2b3c4d5e", "type": "domain", "category": "Network activity",
             "value": "secure-login.bank-verify.net", "to_ids": true, "timestamp": "1790000000", "distribution": "5"},
            {"uuid": "8c3d4e5f-6a7b-4c8d-9e0f-1a2b3c4d5e6f", "type": "filename|sha256", "category": "Payload delivery",
             "value": "inv.exe|4a5e1e4baab89f3a32518a88c31bc87f618f76673e2cc77ab2127b7afdeda33b", "to_ids": false,
             "timestamp": "1790000000", "distribution": "0", "Tag": [{"name": "tlp:red"}]},
            {"uuid": "9d4e5f6a-7b8c-4d9e-8f0a-2b3c4d5e6f70", "type": "comment", "category": "Other",
             "value": "Seen in three member states", "to_ids": false, "timestamp": "1790000000"},
            {"uuid": "ae5f6a7b-8c9d-4e0f-9a1b-3c4d5e6f7081", "type": "ip-src", "category": "Network activity",
             "value": "not-an-ip", "to_ids": true, "timestamp": "1790000000"},
            {"uuid": "bf6a7b8c-9d0e-4f1a-8b2c-4d5e6f708192", "type": "url", "value": "http://gone.example/x",
             "to_ids": true, "deleted": true}
        ],
        "Object": [{
            "uuid": "c07b8c9d-0e1f-4a2b-9c3d-5e6f708192a3", "name": "ip-port", "meta-category": "network",
            "template_uuid": "9f8cea74-16fe-4968-a2b4-026676949ac6", "template_version": "4", "timestamp": "1790000000",
            "Attribute": [
                {"uuid": "d18c9d0e-1f2a-4b3c-8d4e-6f708192a3b4", "type": "ip-dst", "object_relation": "ip",
                 "value": "45.137.21.9", "to_ids": true, "category": "Network activity", "Tag": [{"name": "PAP:GREEN"}]},
                {"uuid": "e29d0e1f-2a3b-4c4d-9e5f-708192a3b4c5", "type": "port", "object_relation": "dst-port",
                 "value": "8443", "to_ids": false, "category": "Network activity"}
            ],
            "ObjectReference": [
                {"uuid": "0b1c2d3e-4f5a-4b6c-8d7e-8f9a0b1c2d3e", "referenced_uuid": "f1a2b3c4-d5e6-4f7a-8b9c-0d1e2f3a4b5c",
                 "relationship_type": "Communicates With"},
                {"uuid": "1c2d3e4f-5a6b-4c7d-9e8f-9a0b1c2d3e4f", "referenced_uuid": "7b2c3d4e-5f6a-4b7c-8d9e-0f1a2b3c4d5e",
                 "relationship_type": "related-to"},
                {"uuid": "2d3e4f5a-6b7c-4d8e-8f9a-0b1c2d3e4f5a", "referenced_uuid": "00000000-dead-4bee-8f00-000000000000",
                 "relationship_type": "related-to"}
            ]
        }, {
            "uuid": "f1a2b3c4-d5e6-4f7a-8b9c-0d1e2f3a4b5c", "name": "file", "meta-category": "file", "timestamp": "1790000000",
            "Attribute": [
                {"uuid": "a3b4c5d6-e7f8-4a9b-8c0d-1e2f3a4b5c6d", "type": "filename", "object_relation": "filename",
                 "value": "dropper.bin", "to_ids": false},
                {"uuid": "b4c5d6e7-f8a9-4b0c-9d1e-2f3a4b5c6d7e", "type": "sha256", "object_relation": "sha256",
                 "value": "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855", "to_ids": false}
            ]
        }],
        "Galaxy": [{"type": "banker", "name": "Banker", "GalaxyCluster": [
            {"value": "Gozi", "tag_name": "misp-galaxy:banker=\"Gozi\"", "description": "A banking trojan."}]}]
    }})
}

fn convert(doc: &Value, role: OrgcRole, groups: bool) -> (Vec<Value>, Vec<String>) {
    let events = parse_events(doc.to_string().as_bytes()).unwrap();
    let orgc = move |_: &Org| role.clone();
    let group = |uuid: &str, _: &str| (groups && uuid == GROUP_UUID).then(|| SELAT_GROUP.to_owned());
    let ctx = ImportContext { orgc: &orgc, sharing_group: &group, default_distribution: 0 };
    let converted = event_to_stix(&events[0], &ctx).unwrap();
    for object in &converted.objects {
        let mut diagnostics = selat_stix::validate::validate_object(object);
        diagnostics.extend(selat_stix::meta::distribution_diagnostics(object));
        let errors: Vec<_> = diagnostics.iter().filter(|d| d.is_error()).collect();
        assert!(errors.is_empty(), "{object}: {errors:?}");
    }
    (converted.objects, converted.problems)
}

fn by_type<'a>(objects: &'a [Value], t: &str) -> Vec<&'a Value> {
    objects.iter().filter(|o| o["type"] == t).collect()
}

fn scope(object: &Value) -> &'static str {
    scope_of(object, effective_tlp(object)).as_str()
}

fn ext(object: &Value) -> &Value {
    &object["extensions"][MISP_EXTENSION_ID]
}

#[test]
fn distribution_levels_map_to_scopes_never_wider() {
    // (MISP level, group mapped, scope of the report, level kept)
    let cases = [
        ("0", true, "organisation", Some(0)),
        ("1", true, "community", Some(1)),
        ("2", true, "community", Some(2)),
        ("3", true, "community", Some(3)),
        ("4", true, "group", Some(4)),
        ("4", false, "organisation", Some(4)),
        ("5", true, "organisation", Some(5)),
    ];
    for (level, mapped, want, kept) in cases {
        let (objects, problems) = convert(&event(level, &["tlp:green"], "x"), OrgcRole::Unregistered, mapped);
        let report = by_type(&objects, "report")[0];
        assert_eq!(scope(report), want, "distribution {level}, group mapped {mapped}");
        assert_eq!(ext(report)["distribution"].as_u64(), kept.map(|k: u64| k), "distribution {level}");
        if want == "group" {
            assert_eq!(report["extensions"][DISTRIBUTION_EXTENSION_ID]["sharing_group_ref"], SELAT_GROUP);
            assert_eq!(ext(report)["sharing_group_uuid"], GROUP_UUID);
        }
        if level == "4" && !mapped {
            assert!(problems.iter().any(|p| p.contains("maps to no Selat sharing group")), "{problems:?}");
        }
        // The attribute that said 0 is organisation whatever the event said; none is wider than
        // the event.
        for object in objects.iter().filter(|o| o.get("created").is_some()) {
            let s = scope(object);
            assert!(want != "organisation" || s == "organisation", "{level}: {object}");
        }
    }
}

#[test]
fn attributes_objects_tags_and_galaxies() {
    let (objects, problems) = convert(
        &event(
            "3",
            &["tlp:ex:chr", "PAP:AMBER", "misp-galaxy:tool=\"Emotet\"", "misp-galaxy:sector=\"Finance\""],
            "x",
        ),
        OrgcRole::Unregistered,
        true,
    );
    let count = |t: &str| by_type(&objects, t).len();
    // domain, and the object's to-IDS ip: indicators; the bad ip-src a note with a problem.
    assert_eq!(count("indicator"), 2, "{objects:#?}");
    assert_eq!(count("note"), 2, "the comment, and the ip-src that is no address");
    assert!(
        problems
            .iter()
            .any(|p| p.contains("ae5f6a7b-8c9d-4e0f-9a1b-3c4d5e6f7081") && p.contains("kept as a note")),
        "{problems:?}"
    );
    assert_eq!(count("observed-data"), 3, "filename|sha256, the ip-port object and the file object");
    assert_eq!(count("relationship"), 2, "the third reference names nothing in the event");
    assert!(
        problems.iter().any(|p| p.contains("00000000-dead-4bee-8f00-000000000000") && p.contains("left out")),
        "{problems:?}"
    );
    let names: Vec<&str> =
        by_type(&objects, "relationship").iter().map(|r| r["relationship_type"].as_str().unwrap()).collect();
    assert!(names.contains(&"communicates-with") && names.contains(&"related-to"), "{names:?}");
    assert_eq!(count("network-traffic"), 1);
    assert_eq!(count("malware"), 1);
    assert_eq!(count("tool"), 1);
    assert_eq!(count("identity"), 1, "the unregistered Orgc");
    let report = by_type(&objects, "report")[0];
    assert_eq!(effective_tlp(report), Some(Tlp::Amber), "tlp:ex:chr is AMBER");
    assert_eq!(ext(report)["tags"], json!(["PAP:AMBER", "tlp:ex:chr", "misp-galaxy:sector=\"Finance\""]));
    assert!(problems.iter().any(|p| p.contains("sector") && p.contains("kept as a tag")), "{problems:?}");
    assert_eq!(report["object_refs"].as_array().unwrap().len(), objects.len() - 1);
    let file = by_type(&objects, "file")[0];
    assert_eq!(effective_tlp(file), Some(Tlp::Red), "the attribute's own tlp:red");
    assert_eq!(scope(file), "organisation");
    let indicator =
        by_type(&objects, "indicator").into_iter().find(|i| ext(i)["attribute_type"] == "domain").unwrap();
    assert_eq!(indicator["pattern"], "[domain-name:value = 'secure-login.bank-verify.net']");
    assert_eq!(indicator["id"], "indicator--7b2c3d4e-5f6a-4b7c-8d9e-0f1a2b3c4d5e");
    assert_eq!(indicator["created_by_ref"], by_type(&objects, "identity")[0]["id"]);
    assert!(
        !objects.iter().any(|o| o.to_string().contains("gone.example")),
        "deleted attributes are left out"
    );
}

#[test]
fn orgc_is_created_by_ref_or_kept_in_the_extension() {
    let doc = event("1", &[], OWNER.trim_start_matches("identity--"));
    let (objects, _) = convert(&doc, OrgcRole::Owner(OWNER.into()), true);
    assert!(by_type(&objects, "identity").is_empty());
    assert_eq!(by_type(&objects, "report")[0]["created_by_ref"], OWNER);
    let (objects, _) = convert(&doc, OrgcRole::OtherRegistered, true);
    let report = by_type(&objects, "report")[0];
    assert!(report.get("created_by_ref").is_none(), "a registered other organisation is never named");
    assert_eq!(ext(report)["orgc"]["name"], "Some CERT");
    assert_eq!(effective_tlp(report), Some(Tlp::Amber), "no TLP tag: AMBER");
}

#[test]
fn a_round_trip_restores_the_event() {
    let doc = event(
        "2",
        &["tlp:green", "PAP:AMBER", "tlp:ex:chr", "misp-galaxy:sector=\"Finance\""],
        "5f0c0c0c-1d1d-4e2e-8f3f-404040404040",
    );
    let (objects, _) = convert(&doc, OrgcRole::Unregistered, true);
    let owner = |_: &str| None;
    let group = |id: &str| {
        (id == SELAT_GROUP).then(|| SharingGroup { uuid: GROUP_UUID.into(), name: "ASEAN banking".into() })
    };
    let options = ExportOptions {
        default_orgc: Org { name: "Selat".into(), uuid: "x".into() },
        owner_org: &owner,
        sharing_group: &group,
        loose_info: "loose".into(),
    };
    let exported = events_from_stix(&objects, &options);
    assert_eq!(exported.events.len(), 1, "{:?}", exported.skipped);
    let back: &Event = &exported.events[0];
    let source = &parse_events(doc.to_string().as_bytes()).unwrap()[0];
    assert_eq!(back.uuid, source.uuid);
    assert_eq!(back.info, source.info);
    assert_eq!(back.distribution.as_deref(), Some("2"));
    assert_eq!(back.orgc.as_ref().unwrap().name, "Some CERT");
    let tags: Vec<&str> = back.tags.iter().map(|t| t.name.as_str()).collect();
    for tag in ["tlp:ex:chr", "PAP:AMBER", "misp-galaxy:banker=\"Gozi\"", "misp-galaxy:sector=\"Finance\""] {
        assert!(tags.contains(&tag), "{tag} in {tags:?}");
    }
    // With tlp:ex:chr (AMBER) beside tlp:green, AMBER is the level, so the event says tlp:amber.
    assert!(tags.contains(&"tlp:amber"), "{tags:?}");
    let values = |e: &Event| {
        let mut v: Vec<(String, String, bool)> = e
            .attributes
            .iter()
            .filter(|a| a.deleted != Some(true))
            .map(|a| (a.attribute_type.clone(), a.value.clone(), a.to_ids.unwrap_or(false)))
            .collect();
        v.sort();
        v
    };
    assert_eq!(values(back), values(source));
    let red = back.attributes.iter().find(|a| a.attribute_type == "filename|sha256").unwrap();
    assert_eq!(red.distribution.as_deref(), Some("0"));
    assert!(red.tags.iter().any(|t| t.name == "tlp:red"), "{red:?}");
    assert_eq!(back.objects.len(), 2);
    assert_eq!(back.objects[0].attributes.len(), 2);
    let mut references: Vec<(String, String)> = back.objects[0]
        .references
        .iter()
        .map(|r| (r.referenced_uuid.clone(), r.relationship_type.clone()))
        .collect();
    references.sort();
    assert_eq!(
        references,
        [
            ("7b2c3d4e-5f6a-4b7c-8d9e-0f1a2b3c4d5e".to_owned(), "related-to".to_owned()),
            ("f1a2b3c4-d5e6-4f7a-8b9c-0d1e2f3a4b5c".to_owned(), "Communicates With".to_owned()),
        ]
    );
    assert_eq!(back.objects[0].uuid, source.objects[0].uuid);
    let ip = back.objects[0].attributes.iter().find(|a| a.attribute_type == "ip-dst").unwrap();
    assert_eq!(ip.tags, [selat_misp::event::Tag { name: "PAP:GREEN".into() }]);
}

#[test]
fn limits_and_bad_input_name_the_event() {
    let err = parse_events(b"{\"Event\": {\"info\": \"x\", \"Attribute\": []}}").unwrap_err();
    assert!(matches!(&err, MispError::Event { message, .. } if message.contains("no uuid")), "{err}");
    let err = parse_events(b"[1]").unwrap_err();
    assert!(err.to_string().starts_with("event 0 (no uuid): not a MISP event"), "{err}");
    let big = "a".repeat(selat_misp::MAX_ATTRIBUTE_VALUE_BYTES + 1);
    let doc = json!({"uuid": "6a1b2c3d-4e5f-4a6b-8c7d-9e0f1a2b3c4d", "info": "x",
        "Attribute": [{"uuid": "u1", "type": "text", "value": big}]});
    let err = parse_events(doc.to_string().as_bytes()).unwrap_err();
    assert!(
        err.to_string().contains("attribute u1") && err.to_string().contains("MAX_ATTRIBUTE_VALUE_BYTES"),
        "{err}"
    );
    assert!(matches!(parse_events(b"{"), Err(MispError::Json(_))));
    let huge = vec![b' '; selat_misp::MAX_EVENT_BYTES + 1];
    let err = parse_events(&huge).unwrap_err();
    assert!(matches!(&err, MispError::TooLarge(m) if m.contains("MAX_EVENT_BYTES")), "{err}");
}

#[test]
fn composite_network_types_are_patterns_or_notes_and_come_back() {
    let doc = json!({"uuid": "1a2b3c4d-5e6f-4a7b-8c9d-0e1f2a3b4c5d", "info": "C2 list", "date": "2026-11-02",
    "distribution": "1", "Tag": [{"name": "tlp:green"}],
    "Attribute": [
        {"uuid": "2b3c4d5e-6f7a-4b8c-9d0e-1f2a3b4c5d6e", "type": "ip-dst|port", "value": "45.137.21.9|8443", "to_ids": true},
        {"uuid": "3c4d5e6f-7a8b-4c9d-8e1f-2a3b4c5d6e7f", "type": "ip-src|port", "value": "2001:db8::7|22", "to_ids": false},
        {"uuid": "4d5e6f7a-8b9c-4d0e-9f2a-3b4c5d6e7f80", "type": "domain|ip", "value": "c2.bad-actor.net|45.137.21.9", "to_ids": true},
        {"uuid": "5e6f7a8b-9c0d-4e1f-8a3b-4c5d6e7f8091", "type": "vulnerability", "value": "CVE-2024-3400", "to_ids": false}
    ]});
    let (objects, problems) = convert(&doc, OrgcRole::Unregistered, true);
    let patterns: Vec<&str> =
        by_type(&objects, "indicator").iter().map(|i| i["pattern"].as_str().unwrap()).collect();
    assert!(
        patterns
            .contains(&"[network-traffic:dst_ref.value = '45.137.21.9' AND network-traffic:dst_port = 8443]"),
        "{patterns:?}"
    );
    assert!(
        patterns.contains(&"[domain-name:value = 'c2.bad-actor.net' AND domain-name:resolves_to_refs[*].value = '45.137.21.9']"),
        "{patterns:?}"
    );
    assert_eq!(by_type(&objects, "note").len(), 1, "the non-IDS ip-src|port: {problems:?}");
    assert!(problems.iter().any(|p| p.contains("spans two observables")), "{problems:?}");
    let owner = |_: &str| None;
    let group = |_: &str| None;
    let options = ExportOptions {
        default_orgc: Org { name: "Selat".into(), uuid: "x".into() },
        owner_org: &owner,
        sharing_group: &group,
        loose_info: "loose".into(),
    };
    let back = &events_from_stix(&objects, &options).events[0];
    let mut values: Vec<(String, String, bool)> = back
        .attributes
        .iter()
        .map(|a| (a.attribute_type.clone(), a.value.clone(), a.to_ids.unwrap()))
        .collect();
    values.sort();
    assert_eq!(
        values,
        [
            ("domain|ip".into(), "c2.bad-actor.net|45.137.21.9".into(), true),
            ("ip-dst|port".into(), "45.137.21.9|8443".into(), true),
            ("ip-src|port".into(), "2001:db8::7|22".into(), false),
            ("vulnerability".into(), "CVE-2024-3400".into(), false),
        ]
    );
    let vulnerability = by_type(&objects, "vulnerability")[0];
    assert_eq!(vulnerability["external_references"][0]["external_id"], "CVE-2024-3400");
}
