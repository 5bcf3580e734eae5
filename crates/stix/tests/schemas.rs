//! Holds the tables of `selat_stix::spec` against the OASIS STIX 2.1 JSON schemas: every schema
//! has a table with the same named properties (following `allOf`/`oneOf`/`anyOf` to the core
//! schemas), the same `required` list and the same closed enumerations; predefined SCO extensions
//! likewise. All disagreements are reported at once; the few deliberate ones are listed in
//! `EXCEPTIONS` with the reason.

use std::collections::BTreeSet;
use std::path::{Path, PathBuf};

use selat_stix::spec::{self, EmbeddedSpec, PropertySpec, ValueType};
use serde_json::Value;

/// `(type or extension, property, what)`: where the tables follow the specification text rather
/// than the schema.
const EXCEPTIONS: &[(&str, &str, &str, &str)] = &[
    (
        "malware",
        "is_family",
        "enum",
        "the schema splits is_family into `oneOf [false] / [true]`; it is a plain boolean",
    ),
    (
        "email-message",
        "is_multipart",
        "enum",
        "the schema splits is_multipart by value; it is a plain boolean",
    ),
    ("network-traffic", "is_active", "enum", "the schema splits is_active by value; it is a plain boolean"),
    (
        "incident",
        "kill_chain_phases",
        "property",
        "§4.6 incident (CS03) has kill_chain_phases; the schema predates it",
    ),
    (
        "email-message",
        "is_multipart",
        "required",
        "§6.6: `is_multipart` is required; the schema has it only inside `oneOf`",
    ),
    (
        "marking-definition",
        "spec_version",
        "required",
        "§7.2.1: spec_version is required on 2.1 marking definitions",
    ),
    ("marking-definition", "id", "required", "§7.2.1: id is required"),
    ("marking-definition", "created", "required", "§7.2.1: created is required"),
    ("marking-definition", "type", "required", "§7.2.1: type is required"),
    (
        "marking-definition",
        "created",
        "enum",
        "the constants of the TLP 1.0 definitions; validate checks them (TLP_MARKINGS)",
    ),
    (
        "marking-definition",
        "definition_type",
        "enum",
        "`tlp` is one branch of the TLP 1.0 definitions; validate checks them",
    ),
];

thread_local! {
    static USED: std::cell::RefCell<BTreeSet<usize>> = const { std::cell::RefCell::new(BTreeSet::new()) };
}

fn load(path: &Path) -> Value {
    serde_json::from_str(&std::fs::read_to_string(path).unwrap()).unwrap()
}

/// Property names and required names of a schema object, following object-level `$ref`s.
fn collect(schema: &Value, base: &Path, names: &mut BTreeSet<String>, required: &mut BTreeSet<String>) {
    if let Some(r) = schema.get("$ref").and_then(Value::as_str)
        && !r.starts_with('#')
    {
        let path = base.join(r);
        let dir = path.parent().unwrap().to_path_buf();
        collect(&load(&path), &dir, names, required);
    }
    if let Some(props) = schema.get("properties").and_then(Value::as_object) {
        names.extend(props.keys().cloned());
    }
    for r in schema.get("required").and_then(Value::as_array).into_iter().flatten() {
        required.insert(r.as_str().unwrap().to_owned());
    }
    for part in schema.get("allOf").and_then(Value::as_array).into_iter().flatten() {
        collect(part, base, names, required);
    }
    // Alternatives contribute names, not requirements.
    for key in ["oneOf", "anyOf"] {
        for part in schema.get(key).and_then(Value::as_array).into_iter().flatten() {
            let mut ignored = BTreeSet::new();
            collect(part, base, names, &mut ignored);
        }
    }
}

/// Closed enumerations of the schema's properties: name → values.
fn schema_enums(schema: &Value, root: &Value, out: &mut Vec<(String, BTreeSet<String>)>) {
    let mut visit = |props: &serde_json::Map<String, Value>| {
        for (name, p) in props {
            if matches!(name.as_str(), "type" | "spec_version") {
                continue;
            }
            let p = match p.get("$ref").and_then(Value::as_str).and_then(|r| r.strip_prefix("#/definitions/"))
            {
                Some(def) => &root["definitions"][def],
                None => p,
            };
            let p = if p.get("type").and_then(Value::as_str) == Some("array") { &p["items"] } else { p };
            let p = match p.get("$ref").and_then(Value::as_str).and_then(|r| r.strip_prefix("#/definitions/"))
            {
                Some(def) => &root["definitions"][def],
                None => p,
            };
            if let Some(values) = p.get("enum").and_then(Value::as_array) {
                out.push((
                    name.clone(),
                    values.iter().map(|v| v.to_string().trim_matches('"').to_owned()).collect(),
                ));
            }
        }
    };
    if let Some(props) = schema.get("properties").and_then(Value::as_object) {
        visit(props);
    }
    for key in ["allOf", "oneOf", "anyOf"] {
        for part in schema.get(key).and_then(Value::as_array).into_iter().flatten() {
            if let Some(props) = part.get("properties").and_then(Value::as_object) {
                visit(props);
            }
        }
    }
}

fn table_enum(props: &[&'static PropertySpec], name: &str) -> Option<BTreeSet<String>> {
    let p = props.iter().find(|p| p.name == name)?;
    let vt = match p.value {
        ValueType::List(inner) => *inner,
        other => other,
    };
    match vt {
        ValueType::Enum(v) => Some(v.values.iter().map(|s| (*s).to_owned()).collect()),
        _ => None,
    }
}

fn excepted(owner: &str, prop: &str, what: &str) -> bool {
    let found = EXCEPTIONS.iter().position(|(o, p, w, _)| *o == owner && *p == prop && *w == what);
    if let Some(i) = found {
        USED.with(|u| u.borrow_mut().insert(i));
    }
    found.is_some()
}

/// Compares one schema object with one table; pushes each disagreement.
fn compare(
    owner: &str,
    schema: &Value,
    root: &Value,
    base: &Path,
    table: &[&'static PropertySpec],
    failures: &mut Vec<String>,
) {
    let (mut names, mut required) = (BTreeSet::new(), BTreeSet::new());
    collect(schema, base, &mut names, &mut required);
    let table_names: BTreeSet<String> = table.iter().map(|p| p.name.to_owned()).collect();
    let table_required: BTreeSet<String> =
        table.iter().filter(|p| p.required).map(|p| p.name.to_owned()).collect();
    for n in names.symmetric_difference(&table_names) {
        if !excepted(owner, n, "property") {
            let side = if table_names.contains(n) { "only in the table" } else { "only in the schema" };
            failures.push(format!("{owner}: property `{n}` {side}"));
        }
    }
    for n in required.symmetric_difference(&table_required) {
        if !excepted(owner, n, "required") {
            let side = if table_required.contains(n) {
                "required only in the table"
            } else {
                "required only in the schema"
            };
            failures.push(format!("{owner}: `{n}` {side}"));
        }
    }
    let mut enums = Vec::new();
    schema_enums(schema, root, &mut enums);
    for (name, values) in enums {
        if excepted(owner, &name, "enum") {
            continue;
        }
        match table_enum(table, &name) {
            Some(t) if t == values => {}
            other => failures.push(format!(
                "{owner}: `{name}` enumeration {values:?} in the schema, {other:?} in the table"
            )),
        }
    }
}

fn schema_files(dir: &Path) -> Vec<PathBuf> {
    let mut files = Vec::new();
    for sub in ["sdos", "sros", "observables"] {
        files.extend(selat_testdata::files_with_suffix(&dir.join(sub), ".json"));
    }
    for name in ["marking-definition", "language-content", "extension-definition"] {
        files.push(dir.join("common").join(format!("{name}.json")));
    }
    files
}

fn check_extensions(spec: &spec::ObjectSpec, schema: &Value, base: &Path, failures: &mut Vec<String>) {
    let Some(defs) = schema.get("definitions").and_then(Value::as_object) else { return };
    for (def_name, def) in defs {
        if !def_name.ends_with("extensions-dictionary") {
            continue;
        }
        for (pattern, ext_schema) in def["patternProperties"].as_object().into_iter().flatten() {
            let name = pattern.trim_start_matches('^').trim_end_matches('$');
            let Some(ext) = spec.extension(name) else {
                failures.push(format!("{}: no table for extension {name}", spec.type_name));
                continue;
            };
            let props: Vec<&'static PropertySpec> = embedded_props(ext);
            compare(name, ext_schema, schema, base, &props, failures);
        }
    }
}

fn embedded_props(ext: &'static EmbeddedSpec) -> Vec<&'static PropertySpec> {
    ext.properties.iter().collect()
}

#[test]
fn tables_match_the_oasis_schemas() {
    let Some(dir) = selat_testdata::shared_data("tables_match_the_oasis_schemas") else { return };
    let dir = dir.join("stix2-json-schemas/schemas");
    let files = schema_files(&dir);
    assert_eq!(files.len(), 19 + 2 + 18 + 3);
    let mut failures = Vec::new();
    for file in &files {
        let type_name = file.file_stem().unwrap().to_str().unwrap();
        let Some(spec) = spec::object_spec(type_name) else {
            failures.push(format!("{type_name}: no table"));
            continue;
        };
        let schema = load(file);
        let base = file.parent().unwrap();
        let table: Vec<&'static PropertySpec> = spec.all_properties().collect();
        compare(type_name, &schema, &schema, base, &table, &mut failures);
        check_extensions(spec, &schema, base, &mut failures);
    }
    // A stale exception (one no disagreement needs) is a defect too.
    let used = USED.with(|u| u.borrow().clone());
    for (i, exception) in EXCEPTIONS.iter().enumerate() {
        if !used.contains(&i) {
            failures.push(format!("stale exception {exception:?}"));
        }
    }
    assert!(failures.is_empty(), "{} disagreements:\n{}", failures.len(), failures.join("\n"));
}
