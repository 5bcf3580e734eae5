//! MISP interoperability end to end (issue 11): the PyMISP example events import with their
//! counts; MISP → Selat → MISP keeps values, types, TLP and distribution; the exported events and
//! feed load in PyMISP; CSV/text lists; feed pulls; the ATT&CK bundle imports whole and fast.

mod support;

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::process::Command;

use serde_json::Value;
use support::{run, summary_counts};

/// The PyMISP example events and what each holds: (file, attributes, objects, tags).
const EXAMPLES: [(&str, usize, usize, usize); 4] = [
    ("pymisp/tests/57c4445b-c548-4654-af0b-4be3950d210f.json", 9, 0, 4),
    ("pymisp/tests/misp_event.json", 2, 0, 2),
    ("pymisp/tests/reportlab_testfiles/sighting_1.json", 5, 0, 2),
    ("pymisp/tests/reportlab_testfiles/to_delete3.json", 48, 24, 5),
];

fn data_arg(dir: &Path) -> String {
    dir.join("data").to_str().unwrap().to_owned()
}

fn read_json(path: &Path) -> Value {
    serde_json::from_slice(&std::fs::read(path).unwrap())
        .unwrap_or_else(|e| panic!("{}: {e}", path.display()))
}

fn event_of(doc: &Value) -> &Value {
    doc.get("Event").unwrap_or(doc)
}

fn list<'a>(value: &'a Value, key: &str) -> Vec<&'a Value> {
    value.get(key).and_then(Value::as_array).map(|a| a.iter().collect()).unwrap_or_default()
}

fn text(value: &Value, key: &str) -> String {
    match value.get(key) {
        Some(Value::String(s)) => s.clone(),
        Some(Value::Null) | None => String::new(),
        Some(other) => other.to_string(),
    }
}

/// The TLP level of an event's tags (`white` read as `clear`; none as `amber`).
fn tlp_level(event: &Value) -> String {
    let order = ["clear", "green", "amber", "amber+strict", "red"];
    list(event, "Tag")
        .iter()
        .filter_map(|t| text(t, "name").strip_prefix("tlp:").map(str::to_owned))
        .map(|l| if l == "white" { "clear".to_owned() } else { l })
        .filter_map(|l| order.iter().position(|o| *o == l))
        .max()
        .map_or("amber".to_owned(), |i| order[i].to_owned())
}

/// (type, value) of the top-level attributes, and (object name, relation, type, value) of the
/// objects' attributes, sorted.
/// (type, value) of each top-level attribute; (object name, relation, type, value) of each
/// object attribute.
type Contents = (Vec<(String, String)>, Vec<(String, String, String, String)>);

fn contents(event: &Value) -> Contents {
    let mut attributes: Vec<(String, String)> =
        list(event, "Attribute").iter().map(|a| (text(a, "type"), text(a, "value"))).collect();
    attributes.sort();
    let mut objects = Vec::new();
    for object in list(event, "Object") {
        for a in list(object, "Attribute") {
            objects.push((
                text(object, "name"),
                text(a, "object_relation"),
                text(a, "type"),
                text(a, "value"),
            ));
        }
    }
    objects.sort();
    (attributes, objects)
}

/// The line `selat import` prints for one MISP event.
fn event_line<'a>(stdout: &'a str, uuid: &str) -> &'a str {
    stdout
        .lines()
        .find(|l| l.contains(&format!("MISP event {uuid}")))
        .unwrap_or_else(|| panic!("no line for {uuid}:\n{stdout}"))
}

fn import_examples(shared: &Path, data: &str) -> Vec<(PathBuf, Value)> {
    let mut out = Vec::new();
    for (file, attributes, objects, tags) in EXAMPLES {
        let path = shared.join(file);
        let doc = read_json(&path);
        let uuid = text(event_of(&doc), "uuid");
        let result = run(&["import", "--data", data, path.to_str().unwrap()]);
        assert_eq!(result.code, 0, "{file}: {result}");
        let line = event_line(&result.stdout, &uuid);
        let expected = format!("{attributes} attributes, {objects} objects");
        assert!(line.contains(&expected), "{file}: expected {expected:?} in {line:?}");
        assert!(line.contains(&format!(", {tags} tags")), "{file}: expected {tags} tags in {line:?}");
        let [read, stored, present, rejected] = summary_counts(&result.stdout);
        assert_eq!((rejected, read), (0, stored + present), "{file}: {result}");
        out.push((path, doc));
    }
    out
}

#[test]
fn the_pymisp_examples_import_with_their_counts_and_export_valid_stix() {
    let test = "the_pymisp_examples_import_with_their_counts_and_export_valid_stix";
    let Some(shared) = selat_testdata::shared_data(test) else { return };
    let dir = tempfile::tempdir().unwrap();
    let data = data_arg(dir.path());
    let sources = import_examples(&shared, &data);
    // MISP sightings (type 0) of to-IDS attributes become STIX sightings of their indicators.
    let sightings: usize = sources
        .iter()
        .flat_map(|(_, doc)| list(event_of(doc), "Attribute").into_iter().cloned().collect::<Vec<_>>())
        .filter(|a| a["to_ids"] == Value::Bool(true))
        .flat_map(|a| list(&a, "Sighting").into_iter().cloned().collect::<Vec<_>>())
        .filter(|s| matches!(text(s, "type").as_str(), "" | "0"))
        .count();
    assert!(sightings >= 1, "sighting_1.json carries sightings");
    // What each became, by STIX type, for the richest example: 48 attributes (the to-IDS ones
    // indicators, the links observed-data, the comment a note) and 24 ip-port objects.
    let bundle = dir.path().join("all.json");
    let out = run(&["export", "--data", &data, "--out", bundle.to_str().unwrap()]);
    assert_eq!(out.code, 0, "{out}");
    let objects = read_json(&bundle)["objects"].as_array().unwrap().clone();
    let mut by_type: BTreeMap<String, usize> = BTreeMap::new();
    for o in &objects {
        *by_type.entry(text(o, "type")).or_default() += 1;
    }
    assert_eq!(by_type.get("report"), Some(&4), "{by_type:?}");
    assert_eq!(by_type.get("network-traffic"), Some(&24), "one per ip-port object: {by_type:?}");
    assert_eq!(by_type.get("malware"), Some(&2), "the bankers Gozi and Qakbot: {by_type:?}");
    assert_eq!(by_type.get("tool"), Some(&1), "Emotet, in MISP's tool galaxy: {by_type:?}");
    assert_eq!(by_type.get("sighting"), Some(&sightings), "{by_type:?}");
    let out = run(&["validate", bundle.to_str().unwrap()]);
    assert_eq!(out.code, 0, "Selat's validator: {out}");
    // Re-import stores nothing new: ids and timestamps derive from the events.
    for (file, ..) in EXAMPLES {
        let out = run(&["import", "--data", &data, shared.join(file).to_str().unwrap()]);
        let [read, stored, present, rejected] = summary_counts(&out.stdout);
        assert_eq!((stored, rejected, present), (0, 0, read), "{file} again: {out}");
    }
    let Some(python) = selat_testdata::python(test) else { return };
    support::assert_oasis_valid(&python, &bundle);
}

#[test]
fn a_round_trip_misp_selat_misp_keeps_values_types_tlp_and_distribution() {
    let test = "a_round_trip_misp_selat_misp_keeps_values_types_tlp_and_distribution";
    let Some(shared) = selat_testdata::shared_data(test) else { return };
    let dir = tempfile::tempdir().unwrap();
    let data = data_arg(dir.path());
    let sources = import_examples(&shared, &data);
    let out_dir = dir.path().join("misp");
    std::fs::create_dir(&out_dir).unwrap();
    let out = run(&["export", "--data", &data, "--format", "misp", "--out", out_dir.to_str().unwrap()]);
    assert_eq!(out.code, 0, "{out}");
    for (path, doc) in &sources {
        let source = event_of(doc);
        let uuid = text(source, "uuid");
        let exported_path = out_dir.join(format!("{uuid}.json"));
        assert!(exported_path.is_file(), "{}: no {uuid}.json in the export: {out}", path.display());
        let exported_doc = read_json(&exported_path);
        let exported = event_of(&exported_doc);
        let live = |e: &Value| {
            let mut e = e.clone();
            if let Some(attributes) = e.get_mut("Attribute").and_then(Value::as_array_mut) {
                attributes.retain(|a| a.get("deleted") != Some(&Value::Bool(true)));
            }
            e
        };
        assert_eq!(contents(&live(source)), contents(exported), "{}: values and types", path.display());
        assert_eq!(tlp_level(source), tlp_level(exported), "{}: TLP", path.display());
        if source.get("distribution").is_some() {
            assert_eq!(
                text(source, "distribution"),
                text(exported, "distribution"),
                "{}: distribution",
                path.display()
            );
        }
        assert_eq!(text(source, "info"), text(exported, "info"), "{}", path.display());
        assert_eq!(
            text(&source["Orgc"], "name"),
            text(&exported["Orgc"], "name"),
            "{}: Orgc",
            path.display()
        );
        // Attributes keep their uuids, to_ids and (effective) distribution.
        let by_uuid: BTreeMap<String, &Value> =
            list(exported, "Attribute").into_iter().map(|a| (text(a, "uuid"), a)).collect();
        for a in list(source, "Attribute") {
            let e = by_uuid
                .get(&text(a, "uuid"))
                .unwrap_or_else(|| panic!("{}: attribute {} lost", path.display(), text(a, "uuid")));
            assert_eq!(
                a.get("to_ids").and_then(Value::as_bool).unwrap_or(false),
                e["to_ids"].as_bool().unwrap(),
                "{a}"
            );
            let level = |v: &Value| match text(v, "distribution").as_str() {
                "" | "5" => "inherit".to_owned(),
                other => other.to_owned(),
            };
            assert_eq!(level(a), level(e), "{}: attribute distribution {a}", path.display());
            if a["to_ids"] == Value::Bool(true) {
                let seen = |v: &Value| {
                    let mut dates: Vec<String> = list(v, "Sighting")
                        .iter()
                        .filter(|s| matches!(text(s, "type").as_str(), "" | "0"))
                        .map(|s| text(s, "date_sighting"))
                        .collect();
                    dates.sort();
                    dates
                };
                assert_eq!(seen(a), seen(e), "{}: sightings of {}", path.display(), text(a, "uuid"));
            }
        }
    }
    let Some(python) = selat_testdata::python(test) else { return };
    pymisp_loads_every_event(&python, &out_dir);
}

/// PyMISP's `MISPEvent().load_file` on every `<uuid>.json` of a directory, raising nothing; its
/// attribute and object counts must be those of the JSON.
fn pymisp_loads_every_event(python: &Path, dir: &Path) {
    let script = r#"
import json, pathlib, sys
from pymisp import MISPEvent
count = 0
for path in sorted(pathlib.Path(sys.argv[1]).glob('*.json')):
    if path.name == 'manifest.json':
        continue
    event = MISPEvent()
    event.load_file(str(path))
    raw = json.loads(path.read_text())['Event']
    assert len(event.attributes) == len(raw.get('Attribute', [])), path
    assert len(event.objects) == len(raw.get('Object', [])), path
    assert event.uuid == raw['uuid'], path
    count += 1
print(count)
"#;
    let out = Command::new(python).args(["-c", script, dir.to_str().unwrap()]).output().unwrap();
    assert!(out.status.success(), "PyMISP: {}", String::from_utf8_lossy(&out.stderr));
    let count: usize = String::from_utf8_lossy(&out.stdout).trim().parse().unwrap();
    assert!(count > 0, "no event loaded from {}", dir.display());
}

#[test]
fn the_exported_feed_is_what_pymisp_feed_tooling_makes_of_it_and_pulls_incrementally() {
    let test = "the_exported_feed_is_what_pymisp_feed_tooling_makes_of_it_and_pulls_incrementally";
    let Some(shared) = selat_testdata::shared_data(test) else { return };
    let dir = tempfile::tempdir().unwrap();
    let data = data_arg(dir.path());
    import_examples(&shared, &data);
    let feed = dir.path().join("feed");
    let out = run(&["export", "--data", &data, "--format", "misp-feed", "--out", feed.to_str().unwrap()]);
    assert_eq!(out.code, 0, "{out}");
    let manifest = read_json(&feed.join("manifest.json"));
    assert_eq!(manifest.as_object().unwrap().len(), 4, "{manifest}");
    for uuid in manifest.as_object().unwrap().keys() {
        assert!(feed.join(format!("{uuid}.json")).is_file(), "{uuid}");
    }
    assert!(std::fs::read_to_string(feed.join("hashes.csv")).unwrap().lines().count() > 50);

    // Pull it into another node: everything, then nothing, then only the changed event.
    let other = dir.path().join("other");
    let pull = || {
        run(&["import", "--data", other.to_str().unwrap(), "--format", "misp-feed", feed.to_str().unwrap()])
    };
    let out = pull();
    assert_eq!(out.code, 0, "{out}");
    assert!(out.stdout.contains("4 events listed, 4 taken, 0 unchanged"), "{out}");
    let out = pull();
    assert!(out.stdout.contains("4 events listed, 0 taken, 4 unchanged"), "{out}");
    let (uuid, _) = manifest.as_object().unwrap().iter().next().unwrap();
    let mut changed = manifest.clone();
    let stamp = changed[uuid]["timestamp"].as_i64().unwrap() + 60;
    changed[uuid]["timestamp"] = Value::from(stamp);
    let event_path = feed.join(format!("{uuid}.json"));
    let mut event = read_json(&event_path);
    event["Event"]["timestamp"] = Value::from(stamp.to_string());
    event["Event"]["info"] = Value::from("changed upstream");
    changed[uuid]["info"] = Value::from("changed upstream");
    std::fs::write(&event_path, serde_json::to_vec(&event).unwrap()).unwrap();
    std::fs::write(feed.join("manifest.json"), serde_json::to_vec(&changed).unwrap()).unwrap();
    let out = pull();
    assert!(out.stdout.contains("4 events listed, 1 taken, 3 unchanged"), "{out}");
    assert_eq!(summary_counts(&out.stdout)[3], 0, "{out}");

    let Some(python) = selat_testdata::python(test) else { return };
    // PyMISP's feed tooling (`pymisp.tools.feed.feed_meta_generator`) rebuilds manifest.json and
    // hashes.csv from the event files; ours must be what it makes of them. It has no reader of a
    // manifest, so the manifest is also loaded and every event it lists read with MISPEvent.
    let script = r#"
import json, pathlib, shutil, sys, tempfile
from pymisp import MISPEvent
from pymisp.tools.feed import feed_meta_generator
feed = pathlib.Path(sys.argv[1])
ours = json.loads((feed / 'manifest.json').read_text())
for uuid, entry in ours.items():
    event = MISPEvent()
    event.load_file(str(feed / f'{uuid}.json'))
    assert event.uuid == uuid
    assert event.info == entry['info'], (event.info, entry['info'])
with tempfile.TemporaryDirectory() as tmp:
    copy = pathlib.Path(tmp) / 'feed'
    shutil.copytree(feed, copy)
    (copy / 'manifest.json').unlink()
    (copy / 'hashes.csv').unlink()
    feed_meta_generator(copy)
    theirs = json.loads((copy / 'manifest.json').read_text())
    assert sorted(theirs) == sorted(ours), (sorted(theirs), sorted(ours))
    for uuid in ours:
        for key in ('info', 'date', 'timestamp', 'analysis', 'threat_level_id'):
            assert str(theirs[uuid][key]) == str(ours[uuid][key]), (uuid, key, theirs[uuid][key], ours[uuid][key])
        assert theirs[uuid]['Orgc']['name'] == ours[uuid]['Orgc']['name']
        assert theirs[uuid]['Orgc']['uuid'] == ours[uuid]['Orgc']['uuid']
        assert sorted(t['name'] for t in theirs[uuid]['Tag']) == sorted(t['name'] for t in ours[uuid]['Tag'])
    hashes = lambda p: sorted(pathlib.Path(p).read_text().split())
    assert hashes(copy / 'hashes.csv') == hashes(feed / 'hashes.csv')
print(len(ours))
"#;
    let out = Command::new(&python).args(["-c", script, feed.to_str().unwrap()]).output().unwrap();
    assert!(
        out.status.success(),
        "PyMISP feed tooling: {}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    pymisp_loads_every_event(&python, &feed);
}

#[test]
fn export_as_an_organisation_holds_only_what_it_may_see() {
    let test = "export_as_an_organisation_holds_only_what_it_may_see";
    let Some(shared) = selat_testdata::shared_data(test) else { return };
    let dir = tempfile::tempdir().unwrap();
    let data = data_arg(dir.path());
    for (short, name) in [("SG", "Singapore"), ("MY", "Malaysia")] {
        let out =
            run(&["admin", "--data", &data, "org", "add", short, "--name", name, "--kind", "member-state"]);
        assert_eq!(out.code, 0, "{out}");
    }
    // distribution 0: the importing organisation only.
    let private = shared.join("pymisp/tests/misp_event.json");
    let out = run(&["import", "--data", &data, "--as", "SG", private.to_str().unwrap()]);
    assert_eq!(out.code, 0, "{out}");
    // distribution 3 (all communities): community, the level kept.
    let shared_event = shared.join("pymisp/tests/reportlab_testfiles/sighting_1.json");
    let out = run(&["import", "--data", &data, "--as", "SG", shared_event.to_str().unwrap()]);
    assert_eq!(out.code, 0, "{out}");
    let uuids = |org: &str| {
        let out_dir = dir.path().join(format!("as-{org}"));
        std::fs::create_dir(&out_dir).unwrap();
        let out = run(&[
            "export",
            "--data",
            &data,
            "--as",
            org,
            "--format",
            "misp",
            "--out",
            out_dir.to_str().unwrap(),
        ]);
        assert_eq!(out.code, 0, "{out}");
        let mut names: Vec<String> = std::fs::read_dir(&out_dir)
            .unwrap()
            .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
            .collect();
        names.sort();
        names
    };
    assert_eq!(
        uuids("SG"),
        ["5758ebf5-c898-48e6-9fe9-5665c0a83866.json", "5b646415-7b48-40d5-86b4-c0070acd0835.json"]
    );
    assert_eq!(
        uuids("MY"),
        ["5b646415-7b48-40d5-86b4-c0070acd0835.json"],
        "MY sees only the community event"
    );
}

#[test]
fn csv_and_text_lists_become_indicators_and_benign_values_are_reported() {
    let test = "csv_and_text_lists_become_indicators_and_benign_values_are_reported";
    let dir = tempfile::tempdir().unwrap();
    let data = data_arg(dir.path());
    let list = dir.path().join("paste.txt");
    std::fs::write(
        &list,
        "From the CERT e-mail:\n\
         C2: hxxp://update-check[.]xyz/gate.php and 185.220.101[.]45\n\
         Internal host 10.20.30.40 talked to it (benign: private range)\n\
         Sender billing[@]secure-payments-portal[.]com, docs at example.com\n\
         SHA256 4a5e1e4baab89f3a32518a88c31bc87f618f76673e2cc77ab2127b7afdeda33b\n",
    )
    .unwrap();
    let out = run(&["import", "--data", &data, "--format", "text", "--tlp", "green", list.to_str().unwrap()]);
    assert_eq!(out.code, 0, "{out}");
    assert!(
        out.stdout.contains("line 3: ipv4 10.20.30.40 is known-benign (built-in: RFC 1918 private network"),
        "{out}"
    );
    assert!(out.stdout.contains("domain example.com is known-benign"), "{out}");
    assert!(out.stdout.contains("left out"), "{out}");
    assert!(out.stdout.contains("6 values found, 2 known-benign, 4 indicators at TLP:GREEN"), "{out}");
    assert_eq!(summary_counts(&out.stdout), [4, 4, 0, 0], "{out}");
    let again =
        run(&["import", "--data", &data, "--format", "text", "--tlp", "green", list.to_str().unwrap()]);
    assert_eq!(
        summary_counts(&again.stdout),
        [4, 0, 4, 0],
        "the same list again stores nothing new: {again}"
    );
    let with =
        run(&["import", "--data", &data, "--format", "text", "--include-benign", list.to_str().unwrap()]);
    assert!(with.stdout.contains("kept (--include-benign)"), "{with}");
    assert_eq!(summary_counts(&with.stdout)[0], 6, "{with}");

    let csv = dir.path().join("iocs.csv");
    std::fs::write(&csv, "type,value,comment\nip,194.26.192.77,scanner\nurl,hxxp://194.26.192[.]77/bins/mips,\ndomain,login-microsoftonline-verify.com,\"phishing, kit\"\n").unwrap();
    let out = run(&["import", "--data", &data, csv.to_str().unwrap()]);
    assert_eq!(out.code, 0, "{out}");
    assert_eq!(summary_counts(&out.stdout), [3, 3, 0, 0], ".csv is read as a list: {out}");

    let bundle = dir.path().join("out.json");
    let out = run(&["export", "--data", &data, "--out", bundle.to_str().unwrap()]);
    assert_eq!(out.code, 0, "{out}");
    let out = run(&["validate", bundle.to_str().unwrap()]);
    assert_eq!(out.code, 0, "{out}");
    let Some(python) = selat_testdata::python(test) else { return };
    support::assert_oasis_valid(&python, &bundle);
}

#[test]
fn the_attack_ics_bundle_imports_whole_through_format_detection_in_bounded_time() {
    let test = "the_attack_ics_bundle_imports_whole_through_format_detection_in_bounded_time";
    let Some(shared) = selat_testdata::shared_data(test) else { return };
    let dir = tempfile::tempdir().unwrap();
    let data = data_arg(dir.path());
    let ics = shared.join("attack-stix-data/ics-attack/ics-attack-18.1.json");
    let started = std::time::Instant::now();
    let out = run(&["import", "--data", &data, ics.to_str().unwrap()]);
    let elapsed = started.elapsed();
    assert_eq!(out.code, 0, "{out}");
    assert_eq!(summary_counts(&out.stdout), [1826, 1826, 0, 0], "{out}");
    println!("ATT&CK ICS 18.1: 1,826 objects imported in {:.2} s (debug build)", elapsed.as_secs_f64());
    // Bound for a debug build on a shared 2-core machine; a release build takes a fraction.
    assert!(elapsed.as_secs() < 60, "took {elapsed:?}");
}

#[test]
fn a_bad_misp_event_is_named_and_the_good_ones_are_kept() {
    let dir = tempfile::tempdir().unwrap();
    let data = data_arg(dir.path());
    let file = dir.path().join("events.json");
    let good = r#"{"Event": {"uuid": "0b5a4f0e-6f59-4f6c-9f5e-2f4c5d6e7f80", "info": "good", "date": "2026-11-01",
        "timestamp": "1793491200", "distribution": "1", "Tag": [{"name": "tlp:green"}, {"name": "PAP:AMBER"}],
        "Attribute": [{"uuid": "1c6b5a0f-7a60-4a7d-8a6f-3a5d6e7f8091", "type": "ip-dst", "category": "Network activity",
        "value": "203.0.113.9", "to_ids": true, "timestamp": "1793491200"}]}}"#;
    let bad = r#"{"Event": {"uuid": "2d7c6b1a-8b71-4b8e-9b7a-4b6e7f809102", "info": "no time at all",
        "Attribute": [{"uuid": "3e8d7c2b-9c82-4c9f-8c8b-5c7f8091a213", "type": "domain", "value": "x.example"}]}}"#;
    std::fs::write(&file, format!("[{good}, {bad}]")).unwrap();
    let out = run(&["import", "--data", &data, file.to_str().unwrap()]);
    assert_eq!(out.code, 2, "an unusable event makes the run exit 2: {out}");
    assert!(
        out.stdout.contains("event 2d7c6b1a-8b71-4b8e-9b7a-4b6e7f809102: neither a `date` nor a `timestamp`"),
        "{out}"
    );
    assert_eq!(
        summary_counts(&out.stdout),
        [2, 2, 0, 0],
        "the good event's report and indicator are stored: {out}"
    );
}

/// Serves the files of a directory over HTTP/1.1 on a loopback port, one connection at a time,
/// until the test ends. Returns the base URL.
fn serve_directory(dir: PathBuf) -> String {
    use std::io::{BufRead, BufReader, Write};
    let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let base = format!("http://{}", listener.local_addr().unwrap());
    std::thread::spawn(move || {
        for stream in listener.incoming() {
            let Ok(mut stream) = stream else { continue };
            let mut reader = BufReader::new(stream.try_clone().unwrap());
            let mut request = String::new();
            if reader.read_line(&mut request).is_err() {
                continue;
            }
            let mut header = String::new();
            while reader.read_line(&mut header).is_ok_and(|n| n > 2) {
                header.clear();
            }
            let path = request.split_whitespace().nth(1).unwrap_or("/").trim_start_matches('/');
            let file = dir.join(path);
            let (status, body) = match std::fs::read(&file) {
                Ok(body) if !path.contains("..") => ("200 OK", body),
                _ => ("404 Not Found", b"not found".to_vec()),
            };
            let head =
                format!("HTTP/1.1 {status}\r\nContent-Length: {}\r\nConnection: close\r\n\r\n", body.len());
            let _ = stream.write_all(head.as_bytes());
            let _ = stream.write_all(&body);
        }
    });
    base
}

#[test]
fn a_feed_is_pulled_over_http_too() {
    let test = "a_feed_is_pulled_over_http_too";
    let Some(shared) = selat_testdata::shared_data(test) else { return };
    let dir = tempfile::tempdir().unwrap();
    let data = data_arg(dir.path());
    import_examples(&shared, &data);
    let feed = dir.path().join("feed");
    let out = run(&["export", "--data", &data, "--format", "misp-feed", "--out", feed.to_str().unwrap()]);
    assert_eq!(out.code, 0, "{out}");
    let url = serve_directory(feed);
    let other = dir.path().join("other");
    let pull = || run(&["import", "--data", other.to_str().unwrap(), "--format", "misp-feed", &url]);
    let out = pull();
    assert_eq!(out.code, 0, "{out}");
    assert!(out.stdout.contains("4 events listed, 4 taken, 0 unchanged"), "{out}");
    let out = pull();
    assert!(out.stdout.contains("4 events listed, 0 taken, 4 unchanged"), "{out}");
    let missing = run(&[
        "import",
        "--data",
        other.to_str().unwrap(),
        "--format",
        "misp-feed",
        &format!("{url}/nothing-here"),
    ]);
    assert_eq!(missing.code, 2, "{missing}");
    assert!(missing.stdout.contains("unreadable feed") && missing.stdout.contains("404"), "{missing}");
    let tls = run(&[
        "import",
        "--data",
        other.to_str().unwrap(),
        "--format",
        "misp-feed",
        "https://127.0.0.1:9/feed",
    ]);
    assert_eq!(tls.code, 2, "{tls}");
    assert!(
        tls.stdout.contains("unreadable feed") && tls.stdout.contains("https://127.0.0.1:9/feed"),
        "{tls}"
    );
}

#[test]
fn native_stix_exports_as_misp_events_pymisp_loads() {
    let test = "native_stix_exports_as_misp_events_pymisp_loads";
    let Some(shared) = selat_testdata::shared_data(test) else { return };
    let dir = tempfile::tempdir().unwrap();
    let data = data_arg(dir.path());
    let examples = shared.join("cti-documentation/examples/example_json");
    for name in [
        "indicator-for-malicious-url.json",
        "malware-indicator-for-file-hash.json",
        "sighting-of-observed-data.json",
    ] {
        let out = run(&["import", "--data", &data, examples.join(name).to_str().unwrap()]);
        assert_eq!(out.code, 0, "{name}: {out}");
    }
    let out_dir = dir.path().join("misp");
    std::fs::create_dir(&out_dir).unwrap();
    let out = run(&["export", "--data", &data, "--format", "misp", "--out", out_dir.to_str().unwrap()]);
    assert_eq!(out.code, 0, "{out}");
    // No report among them: the loose objects make one event.
    let files: Vec<PathBuf> = std::fs::read_dir(&out_dir).unwrap().map(|e| e.unwrap().path()).collect();
    assert_eq!(files.len(), 1, "{files:?} {out}");
    let event = read_json(&files[0]);
    let (attributes, _) = contents(event_of(&event));
    assert!(attributes.contains(&("url".into(), "http://x4z9arb.cn/4712/".into())), "{attributes:?}");
    assert!(
        attributes
            .iter()
            .any(|(t, v)| t == "sha256"
                && v == "ef537f25c895bfa782526529a9b63d97aa631564d5d789c2b765448c8635fb6c"),
        "{attributes:?}"
    );
    assert!(
        list(event_of(&event), "Tag")
            .iter()
            .any(|t| text(t, "name") == "misp-galaxy:mitre-malware=\"Poison Ivy\""),
        "{event}"
    );
    let Some(python) = selat_testdata::python(test) else { return };
    pymisp_loads_every_event(&python, &out_dir);
}

#[test]
fn a_sharing_group_event_maps_to_the_selat_group_and_back() {
    let test = "a_sharing_group_event_maps_to_the_selat_group_and_back";
    let dir = tempfile::tempdir().unwrap();
    let data = data_arg(dir.path());
    for (short, name) in [("SG", "Singapore"), ("MY", "Malaysia"), ("TH", "Thailand")] {
        let out =
            run(&["admin", "--data", &data, "org", "add", short, "--name", name, "--kind", "member-state"]);
        assert_eq!(out.code, 0, "{out}");
    }
    let out =
        run(&["admin", "--data", &data, "group", "add", "ASEAN banking", "--owner", "SG", "--member", "MY"]);
    assert_eq!(out.code, 0, "{out}");
    let group_id = out.stdout.trim().to_owned();
    // MY's own MISP event, shared with the sharing group of the same name; Orgc is MY.
    let event = serde_json::json!({"Event": {
        "uuid": "4f1e2d3c-2b1a-4098-8765-43210fedcba9", "info": "Banking trojan C2", "date": "2026-11-20",
        "timestamp": "1795000000", "distribution": "4", "published": true,
        "SharingGroup": {"uuid": "0a0b0c0d-0e0f-4a1b-8c2d-3e4f5a6b7c8d", "name": "ASEAN banking"},
        "Orgc": {"uuid": "9a9b9c9d-9e9f-4a0b-8c1d-2e3f4a5b6c7d", "name": "Malaysia"},
        "Tag": [{"name": "tlp:amber"}, {"name": "PAP:GREEN"}],
        "Attribute": [{"uuid": "5a6b7c8d-9e0f-4a1b-8c2d-3e4f5a6b7c8e", "type": "ip-dst", "category": "Network activity",
            "value": "45.137.21.9", "to_ids": true, "timestamp": "1795000000"}]}});
    let file = dir.path().join("event.json");
    std::fs::write(&file, event.to_string()).unwrap();
    let out = run(&["import", "--data", &data, "--as", "MY", file.to_str().unwrap()]);
    assert_eq!(out.code, 0, "{out}");
    let export_as = |org: &str| {
        let out_file = dir.path().join(format!("{org}.json"));
        let out = run(&[
            "export",
            "--data",
            &data,
            "--as",
            org,
            "--format",
            "misp",
            "--out",
            out_file.to_str().unwrap(),
        ]);
        (out, out_file)
    };
    let (out, _) = export_as("TH");
    assert_ne!(out.code, 0, "TH is not in the group: nothing to export: {out}");
    let (out, path) = export_as("SG");
    assert_eq!(out.code, 0, "{out}");
    let back = read_json(&path);
    let back = event_of(&back);
    assert_eq!(text(back, "distribution"), "4", "{back}");
    assert_eq!(text(&back["SharingGroup"], "name"), "ASEAN banking", "{back}");
    assert!(group_id.ends_with(&text(&back["SharingGroup"], "uuid")), "{group_id} {back}");
    assert_eq!(text(&back["Orgc"], "name"), "Malaysia", "the owner's organisation: {back}");
    let tags: Vec<String> = list(back, "Tag").iter().map(|t| text(t, "name")).collect();
    assert!(tags.contains(&"tlp:amber".to_owned()) && tags.contains(&"PAP:GREEN".to_owned()), "{tags:?}");
    let Some(python) = selat_testdata::python(test) else { return };
    let dir_only = dir.path().join("sg");
    std::fs::create_dir(&dir_only).unwrap();
    std::fs::copy(&path, dir_only.join("4f1e2d3c-2b1a-4098-8765-43210fedcba9.json")).unwrap();
    pymisp_loads_every_event(&python, &dir_only);
}

#[test]
fn an_orgc_registered_here_as_another_organisation_is_kept_not_named() {
    let dir = tempfile::tempdir().unwrap();
    let data = data_arg(dir.path());
    for (short, name) in [("SG", "Singapore"), ("MY", "Malaysia")] {
        let out =
            run(&["admin", "--data", &data, "org", "add", short, "--name", name, "--kind", "member-state"]);
        assert_eq!(out.code, 0, "{out}");
    }
    // SG imports an event Malaysia created: SG owns the copy, Malaysia is not named as creator
    // (that would be forged), and MISP gets Malaysia back as Orgc.
    let event = serde_json::json!({"Event": {
        "uuid": "6e5d4c3b-2a19-4f8e-8d7c-6b5a49382716", "info": "Relayed from Malaysia", "date": "2026-11-21",
        "timestamp": "1795100000", "distribution": "1",
        "Orgc": {"uuid": "1f2e3d4c-5b6a-4798-8a9b-0c1d2e3f4a5b", "name": "Malaysia"},
        "Tag": [{"name": "tlp:green"}],
        "Attribute": [{"uuid": "7f6e5d4c-3b2a-4190-8f8e-7d6c5b4a3928", "type": "domain", "value": "relay.bad-actor.net",
            "to_ids": true, "timestamp": "1795100000"}]}});
    let file = dir.path().join("event.json");
    std::fs::write(&file, event.to_string()).unwrap();
    let out = run(&["import", "--data", &data, "--as", "SG", file.to_str().unwrap()]);
    assert_eq!(out.code, 0, "{out}");
    assert_eq!(summary_counts(&out.stdout), [2, 2, 0, 0], "{out}");
    let bundle = dir.path().join("stix.json");
    let out = run(&["export", "--data", &data, "--as", "SG", "--out", bundle.to_str().unwrap()]);
    assert_eq!(out.code, 0, "{out}");
    let objects = read_json(&bundle)["objects"].as_array().unwrap().clone();
    assert!(objects.iter().all(|o| o.get("created_by_ref").is_none()), "{objects:?}");
    let report = objects.iter().find(|o| o["type"] == "report").unwrap();
    let misp = &report["extensions"]["extension-definition--29780600-b251-40f4-b979-643d7cbbe50a"];
    assert_eq!(misp["orgc"]["name"], "Malaysia", "{report}");
    let back = dir.path().join("back.json");
    let out =
        run(&["export", "--data", &data, "--as", "SG", "--format", "misp", "--out", back.to_str().unwrap()]);
    assert_eq!(out.code, 0, "{out}");
    assert_eq!(text(&event_of(&read_json(&back))["Orgc"], "name"), "Malaysia");
}

/// A value of each part of a MISP type, for an event holding every type the table maps.
fn sample_value(row: &selat_misp::types::AttributeType) -> String {
    let part = |path: &str| match path {
        "value" if row.misp_type.starts_with("ip") => "198.51.100.7",
        "value" if row.misp_type.starts_with("email") => "eve@bad-actor.net",
        "value" if row.misp_type.starts_with("mac") => "00:11:22:33:44:55",
        "value" if ["url", "link", "uri"].contains(&row.misp_type) => "http://bad-actor.net/a",
        "value" => "bad-actor.net",
        "key" => r"HKLM\Software\Microsoft\Windows\CurrentVersion\Run",
        p if p.ends_with("_port") => "8443",
        p if p.contains("_ref") => "203.0.113.5",
        p if p.contains("MD5") => "d41d8cd98f00b204e9800998ecf8427e",
        p if p.contains("SHA-1") => "da39a3ee5e6b4b0d3255bfef95601890afd80709",
        p if p.contains("SHA-256") => "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855",
        p if p.contains("SHA-512") => {
            "cf83e1357eefb8bdf1542850d66d8007d620e4050b5715dc83f4a921d36ce9ce47d0d13c5d85f2b0ff8318d2877eec2f63b931bd47417a81a538327af927da3e"
        }
        p if p.contains("SSDEEP") => "3:AXGBicFlgVNhBGcL6wCrFQEv:AXGHsNhxLsr2C",
        p if p.contains("TLSH") => "T1A0",
        "subject" => "Your invoice",
        "name" => "invoice.exe",
        _ => "sample",
    };
    row.paths.iter().map(|p| part(p)).collect::<Vec<_>>().join("|")
}

#[test]
fn every_mapped_attribute_type_imports_as_valid_stix_and_comes_back() {
    let test = "every_mapped_attribute_type_imports_as_valid_stix_and_comes_back";
    let dir = tempfile::tempdir().unwrap();
    let data = data_arg(dir.path());
    let mut attributes = Vec::new();
    for (i, row) in selat_misp::types::ATTRIBUTE_TYPES.iter().enumerate() {
        for to_ids in [true, false] {
            attributes.push(serde_json::json!({
                "uuid": format!("00000000-0000-4000-8000-{:06}{:06}", i, u8::from(to_ids)),
                "type": row.misp_type, "category": row.category, "value": sample_value(row), "to_ids": to_ids,
                "timestamp": "1795200000"}));
        }
    }
    let event = serde_json::json!({"Event": {"uuid": "0f0e0d0c-0b0a-4909-8807-060504030201", "info": "every type",
        "date": "2026-11-22", "timestamp": "1795200000", "distribution": "1", "Orgc": {"uuid": "", "name": "Some CERT"},
        "Tag": [{"name": "tlp:green"}], "Attribute": attributes,
        "Object": [{"uuid": "1e2d3c4b-5a69-4788-9766-554433221100", "name": "ip-port", "meta-category": "network",
            "timestamp": "1795200000",
            "Attribute": [{"uuid": "2e3d4c5b-6a79-4889-8877-665544332211", "type": "ip-dst", "object_relation": "ip",
                "value": "203.0.113.77", "to_ids": true}],
            "ObjectReference": [{"uuid": "3e4d5c6b-7a89-4990-9988-776655443322",
                "referenced_uuid": "00000000-0000-4000-8000-000000000001", "relationship_type": "resolves-to"}]}]}});
    let file = dir.path().join("event.json");
    std::fs::write(&file, event.to_string()).unwrap();
    let out = run(&["import", "--data", &data, file.to_str().unwrap()]);
    assert_eq!(out.code, 0, "{out}");
    assert_eq!(summary_counts(&out.stdout)[3], 0, "{out}");
    let bundle = dir.path().join("stix.json");
    let out = run(&["export", "--data", &data, "--out", bundle.to_str().unwrap()]);
    assert_eq!(out.code, 0, "{out}");
    let out = run(&["validate", bundle.to_str().unwrap()]);
    assert_eq!(out.code, 0, "{out}");
    let back = dir.path().join("back.json");
    let out = run(&["export", "--data", &data, "--format", "misp", "--out", back.to_str().unwrap()]);
    assert_eq!(out.code, 0, "{out}");
    let back = read_json(&back);
    let mut got: Vec<(String, String, bool)> = list(event_of(&back), "Attribute")
        .iter()
        .map(|a| (text(a, "type"), text(a, "value"), a["to_ids"].as_bool().unwrap()))
        .collect();
    got.sort();
    let mut want: Vec<(String, String, bool)> = list(event_of(&event), "Attribute")
        .iter()
        .map(|a| (text(a, "type"), text(a, "value"), a["to_ids"].as_bool().unwrap()))
        .collect();
    want.sort();
    assert_eq!(got, want);
    let object = &list(event_of(&back), "Object")[0];
    let reference = &list(object, "ObjectReference")[0];
    assert_eq!(text(reference, "referenced_uuid"), "00000000-0000-4000-8000-000000000001", "{object}");
    let Some(python) = selat_testdata::python(test) else { return };
    support::assert_oasis_valid(&python, &bundle);
    let only = dir.path().join("only");
    std::fs::create_dir(&only).unwrap();
    std::fs::write(only.join("0f0e0d0c-0b0a-4909-8807-060504030201.json"), back.to_string()).unwrap();
    pymisp_loads_every_event(&python, &only);
}
