//! Intelligence pages: search (by observable value or id, and by type, TLP, creator and date),
//! an object's page (its versions, relationships drawn as an SVG graph, sightings and who else
//! reported it), and the form that posts a new indicator or report with its TLP and distribution
//! chosen explicitly. Every read goes through the viewer's audience; an object the viewer may not
//! see is a 404 exactly like one that does not exist.

use std::collections::BTreeMap;

use axum::Router;
use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use axum::response::Response;
use axum::routing::get;
use selat_core::correlation::Correlation;
use selat_core::org::{Principal, Role};
use selat_stix::tlp::Tlp;
use selat_store::{Audience, Directory, PageQuery, ScanQuery, Store, VersionFilter};
use serde::Deserialize;
use serde_json::{Value, json};

use super::{Chrome, Form, Viewer, graph, render, see_other};
use crate::state::AppState;

pub(super) const SEARCH: &str = "/search";
pub(super) const OBJECT: &str = "/objects/{object_id}";
pub(super) const NEW_INDICATOR: &str = "/indicators/new";
pub(super) const INDICATORS: &str = "/indicators";
pub(super) const NEW_REPORT: &str = "/reports/new";
pub(super) const REPORTS: &str = "/reports";

pub(super) fn routes() -> Router<AppState> {
    Router::new()
        .route(SEARCH, get(search))
        .route(OBJECT, get(object))
        .route(NEW_INDICATOR, get(new_indicator))
        .route(INDICATORS, axum::routing::post(post_indicator))
        .route(NEW_REPORT, get(new_report))
        .route(REPORTS, axum::routing::post(post_report))
}

/// Results on one search page.
pub const SEARCH_PAGE_SIZE: usize = 50;
/// Entries a search examines per request before it stops and offers to go on.
pub const MAX_SEARCH_SCAN: usize = 5_000;
/// Relationships examined when drawing an object's graph (the newest in the store).
pub const MAX_GRAPH_SCAN: usize = 20_000;
/// Neighbours drawn around an object.
pub const MAX_GRAPH_NEIGHBOURS: usize = 24;
/// How long posting waits for the submission worker before showing the pending status.
const POST_WAIT: std::time::Duration = std::time::Duration::from_secs(5);

/// One line of a result list.
#[derive(Debug, Clone)]
pub(super) struct Row {
    pub id: String,
    pub object_type: String,
    pub name: String,
    pub tlp: TlpBadge,
    pub owner: String,
    pub added: String,
    pub revoked: bool,
}

/// A TLP badge in the FIRST colours: the CSS class and the label.
#[derive(Debug, Clone)]
pub(crate) struct TlpBadge {
    pub class: &'static str,
    pub label: &'static str,
}

impl TlpBadge {
    /// From a stored TLP name (`amber+strict`, …); unmarked objects are handled as AMBER by the
    /// policy, and say so.
    pub fn from_stored(tlp: Option<&str>) -> Self {
        match tlp.and_then(Tlp::from_name) {
            Some(Tlp::Clear) => TlpBadge { class: "tlp-clear", label: "TLP:CLEAR" },
            Some(Tlp::Green) => TlpBadge { class: "tlp-green", label: "TLP:GREEN" },
            Some(Tlp::Amber) => TlpBadge { class: "tlp-amber", label: "TLP:AMBER" },
            Some(Tlp::AmberStrict) => TlpBadge { class: "tlp-amber-strict", label: "TLP:AMBER+STRICT" },
            Some(Tlp::Red) => TlpBadge { class: "tlp-red", label: "TLP:RED" },
            None => TlpBadge { class: "tlp-none", label: "unmarked (as AMBER)" },
        }
    }
}

#[derive(Debug, Default, Deserialize)]
struct SearchParams {
    q: Option<String>,
    #[serde(rename = "type")]
    object_type: Option<String>,
    tlp: Option<String>,
    creator: Option<String>,
    since: Option<String>,
    after: Option<String>,
}

#[derive(askama::Template)]
#[template(path = "search.html")]
struct SearchPage {
    chrome: Chrome,
    q: String,
    object_type: String,
    tlp: String,
    creator: String,
    since: String,
    types: Vec<&'static str>,
    organisations: Vec<(String, String)>,
    value_hits: Vec<Row>,
    rows: Vec<Row>,
    more: Option<String>,
    error: Option<String>,
    searched: bool,
}

/// Types offered in the search form.
const SEARCH_TYPES: &[&str] = &[
    "indicator",
    "report",
    "malware",
    "threat-actor",
    "intrusion-set",
    "campaign",
    "attack-pattern",
    "vulnerability",
    "sighting",
    "observed-data",
    "identity",
    "tool",
    "infrastructure",
    "course-of-action",
    "note",
    "relationship",
];

async fn search(
    State(state): State<AppState>,
    viewer: Viewer,
    Query(params): Query<SearchParams>,
) -> Response {
    let q = params.q.clone().unwrap_or_default().trim().to_owned();
    let node = state.node();
    if selat_stix::id::Identifier::parse(&q).is_ok() {
        return viewer.respond(see_other(&format!("/objects/{q}")));
    }
    let organisations = match node.organisations().await {
        Ok(orgs) => orgs.into_iter().map(|o| (o.short_name, o.name)).collect::<Vec<_>>(),
        Err(e) => return super::internal("listing organisations", &e),
    };
    let audience = match node.audience(Some(&viewer.principal), false).await {
        Ok(audience) => audience,
        Err(e) => return super::internal("the viewer's audience", &e),
    };
    let mut page = SearchPage {
        chrome: Chrome { q: q.clone(), ..viewer.chrome("Intelligence") },
        q: q.clone(),
        object_type: params.object_type.clone().unwrap_or_default(),
        tlp: params.tlp.clone().unwrap_or_default(),
        creator: params.creator.clone().unwrap_or_default(),
        since: params.since.clone().unwrap_or_default(),
        types: SEARCH_TYPES.to_vec(),
        organisations,
        value_hits: Vec::new(),
        rows: Vec::new(),
        more: None,
        error: None,
        searched: false,
    };
    let filtered = [&params.object_type, &params.tlp, &params.creator, &params.since]
        .iter()
        .any(|p| p.as_deref().is_some_and(|v| !v.is_empty()));
    if !q.is_empty() {
        page.searched = true;
        match node.correlate_value(&q, &audience).await {
            Ok(answer) => page.value_hits = value_rows(&state, &answer).await,
            Err(selat_core::correlation::CorrelationError::Invalid(detail)) => page.error = Some(detail),
            Err(e) => return super::internal("searching a value", &e),
        }
    }
    if filtered || !q.is_empty() {
        page.searched = true;
        match listing(&state, &viewer.principal, &audience, &params, &q).await {
            Ok((rows, more)) => {
                let known: std::collections::HashSet<String> =
                    page.value_hits.iter().map(|r| r.id.clone()).collect();
                page.rows = rows.into_iter().filter(|r| !known.contains(&r.id)).collect();
                page.more = more.map(|after| continue_link(&params, &after));
            }
            Err(Listing::Invalid(detail)) => page.error = Some(detail),
            Err(Listing::Failed(e)) => return super::internal("searching", &e),
        }
    }
    viewer.respond(render(&page))
}

fn continue_link(params: &SearchParams, after: &str) -> String {
    let mut url = form_urlencoded::Serializer::new(String::new());
    for (key, value) in [
        ("q", &params.q),
        ("type", &params.object_type),
        ("tlp", &params.tlp),
        ("creator", &params.creator),
        ("since", &params.since),
    ] {
        if let Some(value) = value.as_deref().filter(|v| !v.is_empty()) {
            url.append_pair(key, value);
        }
    }
    url.append_pair("after", after);
    format!("{SEARCH}?{}", url.finish())
}

/// The objects that carry a searched value, as result rows.
async fn value_rows(state: &AppState, answer: &Correlation) -> Vec<Row> {
    let mut rows = Vec::new();
    for value in &answer.values {
        for holder in &value.objects {
            let name = object_name(state, &holder.id).await.unwrap_or_default();
            rows.push(Row {
                id: holder.id.clone(),
                object_type: holder.object_type.clone(),
                name,
                tlp: TlpBadge::from_stored(holder.tlp.as_deref()),
                owner: holder.owner.short_name.clone().unwrap_or_else(|| holder.owner.identity.clone()),
                added: String::new(),
                revoked: holder.revoked,
            });
        }
    }
    rows
}

/// An object's `name` (or its pattern's start), read unrestricted: only for objects the caller
/// already found through its audience.
async fn object_name(state: &AppState, id: &str) -> Option<String> {
    let versions = state.node().store.latest_versions(id, &Audience::Unrestricted).await.ok()?;
    let json: Value = serde_json::from_str(&versions.first()?.json).ok()?;
    Some(display_name(&json))
}

fn display_name(json: &Value) -> String {
    let text = |key: &str| json.get(key).and_then(Value::as_str).map(str::to_owned);
    text("name")
        .or_else(|| text("pattern"))
        .or_else(|| text("value"))
        .or_else(|| text("relationship_type"))
        .or_else(|| text("abstract"))
        .or_else(|| text("content"))
        .unwrap_or_default()
}

enum Listing {
    Invalid(String),
    Failed(selat_store::Error),
}

impl From<selat_store::Error> for Listing {
    fn from(e: selat_store::Error) -> Self {
        Listing::Failed(e)
    }
}

/// The filtered listing: every collection the viewer reads (bar the coordination records, which
/// have their own pages), oldest first from `since` or the `after` cursor, at most
/// [`SEARCH_PAGE_SIZE`] rows after examining at most [`MAX_SEARCH_SCAN`] entries. Returns the
/// cursor to go on from when there may be more.
async fn listing(
    state: &AppState,
    principal: &Principal,
    audience: &Audience,
    params: &SearchParams,
    q: &str,
) -> Result<(Vec<Row>, Option<String>), Listing> {
    let node = state.node();
    let start_us = match (params.after.as_deref(), params.since.as_deref().filter(|s| !s.is_empty())) {
        (Some(after), _) => {
            Some(after.parse::<i64>().map_err(|_| Listing::Invalid("after: not a cursor".into()))?)
        }
        (None, Some(since)) => Some(
            day_start_us(since)
                .ok_or_else(|| Listing::Invalid(format!("since: {since:?} is not a date (YYYY-MM-DD)")))?,
        ),
        (None, None) => None,
    };
    let tlp = match params.tlp.as_deref().filter(|t| !t.is_empty()) {
        Some(name) => Some(
            Tlp::from_name(name).ok_or_else(|| Listing::Invalid(format!("tlp: unknown level {name:?}")))?,
        ),
        None => None,
    };
    let creator = match params.creator.as_deref().filter(|c| !c.is_empty()) {
        Some(short) => Some(
            node.store
                .organisation(short)
                .await?
                .ok_or_else(|| Listing::Invalid(format!("creator: no organisation {short:?}")))?
                .identity,
        ),
        None => None,
    };
    let types: Vec<String> = params.object_type.iter().filter(|t| !t.is_empty()).cloned().collect();
    let labels = match audience {
        Audience::Labels(labels) => labels.clone(),
        Audience::Unrestricted => Vec::new(),
    };
    let coordination = node.coordination_collection().await.ok();
    // Owners by identity, read once for the whole page.
    let owners: std::collections::HashMap<String, String> =
        node.store.organisations().await?.into_iter().map(|o| (o.identity, o.short_name)).collect();
    let needle = q.to_lowercase();
    let mut rows = Vec::new();
    let mut resume: Option<i64> = None;
    for collection in node.store.collections().await? {
        if Some(&collection.id) == coordination.as_ref() {
            continue;
        }
        let access =
            node.collection_access(&collection.id).await.map_err(|e| Listing::Invalid(e.to_string()))?;
        if !access.can_read(Some(principal)) {
            continue;
        }
        let mut added_after = start_us;
        let mut examined = 0;
        loop {
            let mut query = PageQuery::new(collection.id.clone(), 500).seen_by(labels.clone());
            query.types = types.clone();
            query.added_after_us = added_after;
            let page = node.store.objects_page(&query).await?;
            for entry in &page.entries {
                examined += 1;
                let Ok(json) = serde_json::from_str::<Value>(&entry.json) else { continue };
                if tlp.is_some_and(|t| entry.tlp.as_deref() != Some(t.as_str())) {
                    continue;
                }
                if creator
                    .as_deref()
                    .is_some_and(|c| json.get("created_by_ref").and_then(Value::as_str) != Some(c))
                {
                    continue;
                }
                let name = display_name(&json);
                if !needle.is_empty() && !name.to_lowercase().contains(&needle) && !entry.id.contains(&needle)
                {
                    continue;
                }
                rows.push(Row {
                    id: entry.id.clone(),
                    object_type: entry.id.split("--").next().unwrap_or_default().to_owned(),
                    name,
                    tlp: TlpBadge::from_stored(entry.tlp.as_deref()),
                    owner: entry
                        .owner
                        .as_deref()
                        .map(|identity| owners.get(identity).cloned().unwrap_or_else(|| identity.to_owned()))
                        .unwrap_or_default(),
                    added: stamp(entry.date_added_us, 0),
                    revoked: json.get("revoked").and_then(Value::as_bool).unwrap_or(false),
                });
                if rows.len() >= SEARCH_PAGE_SIZE {
                    return Ok((rows, Some(entry.date_added_us.to_string())));
                }
            }
            match page.next_added_after_us {
                Some(next) if page.more && examined < MAX_SEARCH_SCAN => added_after = Some(next),
                Some(next) if page.more => {
                    resume = Some(next);
                    break;
                }
                _ => break,
            }
        }
    }
    Ok((rows, resume.map(|r| r.to_string())))
}

/// Midnight UTC of `YYYY-MM-DD`, in microseconds.
fn day_start_us(date: &str) -> Option<i64> {
    selat_stix::timestamp::Timestamp::parse(&format!("{date}T00:00:00Z")).ok().map(|t| t.micros)
}

/// RFC 3339 text of a time in microseconds, with `digits` fraction digits.
fn stamp(micros: i64, digits: u8) -> String {
    selat_stix::timestamp::Timestamp { micros, fraction_digits: digits }.format(digits)
}

async fn owner_name(state: &AppState, identity: Option<&str>) -> String {
    let Some(identity) = identity else { return String::new() };
    match state.node().organisation_by_identity(identity).await {
        Ok(Some(org)) => org.short_name,
        _ => identity.to_owned(),
    }
}

#[derive(askama::Template)]
#[template(path = "object.html")]
struct ObjectPage {
    chrome: Chrome,
    id: String,
    object_type: String,
    name: String,
    tlp: TlpBadge,
    owner: String,
    scope: String,
    revoked: bool,
    properties: Vec<(String, String)>,
    json: String,
    versions: Vec<(String, String)>,
    graph: String,
    sightings: Vec<SightingRow>,
    reported_by: Vec<String>,
    sighted_by: Vec<String>,
    values: Vec<(String, usize)>,
}

#[derive(Debug, Clone)]
struct SightingRow {
    id: String,
    owner: String,
    count: String,
    seen: String,
    tlp: TlpBadge,
}

async fn object(State(state): State<AppState>, viewer: Viewer, Path(id): Path<String>) -> Response {
    let node = state.node();
    if selat_stix::id::Identifier::parse(&id).is_err() {
        return viewer.respond(super::not_found());
    }
    let audience = match node.audience(Some(&viewer.principal), false).await {
        Ok(audience) => audience,
        Err(e) => return super::internal("the viewer's audience", &e),
    };
    let latest = match node.store.latest_versions(&id, &audience).await {
        Ok(latest) => latest,
        Err(e) => return super::internal("reading an object", &e),
    };
    let Some(version) = latest.into_iter().max_by_key(|v| v.version_us) else {
        return viewer.respond(super::not_found());
    };
    let json: Value = serde_json::from_str(&version.json).unwrap_or(Value::Null);
    let versions = match object_versions(&state, &viewer.principal, &audience, &id).await {
        Ok(versions) => versions,
        Err(e) => return super::internal("reading versions", &e),
    };
    let edges = match edges(&state, &audience, &id, &json).await {
        Ok(edges) => edges,
        Err(e) => return super::internal("reading relationships", &e),
    };
    let correlation = node.correlate_object(&id, &audience).await.ok();
    let org_names = |who: &selat_core::correlation::Who| {
        who.organisations
            .iter()
            .map(|o| o.short_name.clone().unwrap_or_else(|| o.identity.clone()))
            .collect::<Vec<_>>()
    };
    let (sightings, reported_by, sighted_by, values) = match &correlation {
        Some(c) => (
            c.sightings
                .iter()
                .map(|s| SightingRow {
                    id: s.id.clone(),
                    owner: s.owner.short_name.clone().unwrap_or_else(|| s.owner.identity.clone()),
                    count: s.count.map(|c| c.to_string()).unwrap_or_default(),
                    seen: [s.first_seen.clone(), s.last_seen.clone()]
                        .into_iter()
                        .flatten()
                        .collect::<Vec<_>>()
                        .join(" – "),
                    tlp: TlpBadge::from_stored(s.tlp.as_deref()),
                })
                .collect(),
            org_names(&c.reported_by),
            org_names(&c.sighted_by),
            c.values.iter().map(|v| (v.value.clone(), v.objects.len())).collect(),
        ),
        None => Default::default(),
    };
    let owner = owner_name(&state, Some(&version.owner)).await;
    // "Also": the owner itself is not news.
    let reported_by = reported_by.into_iter().filter(|org| *org != owner).collect();
    let page = ObjectPage {
        chrome: viewer.chrome(display_name(&json).chars().take(60).collect::<String>()),
        name: display_name(&json),
        object_type: version.object_type.clone(),
        tlp: TlpBadge::from_stored(version.tlp.as_deref()),
        owner,
        scope: version.scope.clone(),
        revoked: version.revoked,
        properties: properties(&json),
        json: serde_json::to_string_pretty(&json).unwrap_or_default(),
        versions,
        graph: graph::render(&id, &edges),
        sightings,
        reported_by,
        sighted_by,
        values,
        id,
    };
    viewer.respond(render(&page))
}

/// Top-level properties worth a line, as text (lists and objects as compact JSON).
fn properties(json: &Value) -> Vec<(String, String)> {
    let Some(map) = json.as_object() else { return Vec::new() };
    let skip = ["type", "id", "spec_version", "extensions", "object_marking_refs", "granular_markings"];
    map.iter()
        .filter(|(k, _)| !skip.contains(&k.as_str()))
        .map(|(k, v)| {
            let text = match v {
                Value::String(s) => s.clone(),
                other => other.to_string(),
            };
            (k.clone(), text)
        })
        .collect()
}

/// Every version of `id` the viewer may see, newest first: (modified, date added).
async fn object_versions(
    state: &AppState,
    principal: &Principal,
    audience: &Audience,
    id: &str,
) -> Result<Vec<(String, String)>, selat_store::Error> {
    let node = state.node();
    let labels = match audience {
        Audience::Labels(labels) => labels.clone(),
        Audience::Unrestricted => Vec::new(),
    };
    let mut versions = BTreeMap::new();
    for collection in node.store.collections().await? {
        let Ok(access) = node.collection_access(&collection.id).await else { continue };
        if !access.can_read(Some(principal)) {
            continue;
        }
        let mut query = PageQuery::object(collection.id.clone(), id, 100).seen_by(labels.clone());
        query.versions = VersionFilter::all();
        let page = node.store.versions_page(&query).await?;
        for entry in page.entries {
            versions
                .entry(entry.version_us)
                .or_insert((stamp(entry.version_us, 3), stamp(entry.date_added_us, 3)));
        }
    }
    Ok(versions.into_values().rev().collect())
}

/// The object's neighbourhood: its own references, and relationships and sightings that point
/// at it, each only as the viewer may see it.
async fn edges(
    state: &AppState,
    audience: &Audience,
    id: &str,
    json: &Value,
) -> Result<Vec<graph::Edge>, selat_store::Error> {
    let node = state.node();
    let mut edges = Vec::new();
    if let Some(map) = json.as_object() {
        for (key, value) in map {
            let Some(label) = key.strip_suffix("_refs").or_else(|| key.strip_suffix("_ref")) else {
                continue;
            };
            if key == "object_marking_refs" {
                continue;
            }
            let targets: Vec<&str> = match value {
                Value::String(s) => vec![s.as_str()],
                Value::Array(items) => items.iter().filter_map(Value::as_str).collect(),
                _ => Vec::new(),
            };
            for target in targets {
                if visible(state, audience, target).await? {
                    edges.push(graph::Edge::outgoing(label, target));
                }
            }
        }
    }
    let mut after = None;
    let mut examined = 0;
    while examined < MAX_GRAPH_SCAN && edges.len() < MAX_GRAPH_NEIGHBOURS {
        let query = ScanQuery {
            after,
            limit: 1_000,
            latest_only: true,
            object_type: Some("relationship".into()),
            collection: None,
            audience: audience.clone(),
        };
        let page = node.store.scan(&query).await?;
        for row in &page.rows {
            examined += 1;
            let Ok(rel) = serde_json::from_str::<Value>(&row.json) else { continue };
            let field = |k: &str| rel.get(k).and_then(Value::as_str).unwrap_or_default().to_owned();
            let (source, target, kind) =
                (field("source_ref"), field("target_ref"), field("relationship_type"));
            if target == id && visible(state, audience, &source).await? {
                edges.push(graph::Edge::incoming(&kind, &source));
            } else if source == id && visible(state, audience, &target).await? {
                edges.push(graph::Edge::outgoing(&kind, &target));
            }
        }
        match page.next_after {
            Some(next) => after = Some(next),
            None => break,
        }
    }
    edges.sort();
    edges.dedup();
    edges.truncate(MAX_GRAPH_NEIGHBOURS);
    Ok(edges)
}

async fn visible(state: &AppState, audience: &Audience, id: &str) -> Result<bool, selat_store::Error> {
    if id.starts_with("marking-definition--") {
        return Ok(false);
    }
    Ok(!state.node().store.latest_versions(id, audience).await?.is_empty())
}

/// A TLP level chosen in a form.
const TLP_CHOICES: &[(&str, &str)] = &[
    ("clear", "TLP:CLEAR — no limit on disclosure"),
    ("green", "TLP:GREEN — the community"),
    ("amber", "TLP:AMBER — recipients' organisations and their clients"),
    ("amber+strict", "TLP:AMBER+STRICT — recipients' organisations only"),
    ("red", "TLP:RED — named recipients only"),
];

/// A distribution scope chosen in a form.
const SCOPE_CHOICES: &[(&str, &str)] = &[
    ("organisation", "My organisation only"),
    ("national", "My member state (its national agency and sector leads)"),
    ("community", "The whole community"),
    ("group", "A sharing group"),
    ("recipients", "Named recipients"),
];

#[derive(askama::Template)]
#[template(path = "post.html")]
struct PostPage {
    chrome: Chrome,
    kind: &'static str,
    action: &'static str,
    tlps: &'static [(&'static str, &'static str)],
    scopes: &'static [(&'static str, &'static str)],
    groups: Vec<(String, String)>,
    organisations: Vec<(String, String)>,
    collections: Vec<(String, String)>,
    form: PostForm,
    error: Option<String>,
}

#[derive(Debug, Clone, Default, Deserialize)]
struct PostForm {
    #[serde(default)]
    name: String,
    #[serde(default)]
    description: String,
    #[serde(default)]
    pattern: String,
    #[serde(default)]
    indicator_types: String,
    #[serde(default)]
    object_refs: String,
    #[serde(default)]
    tlp: String,
    #[serde(default)]
    scope: String,
    #[serde(default)]
    group: String,
    #[serde(default, deserialize_with = "super::one_or_many")]
    recipients: Vec<String>,
    #[serde(default)]
    collection: String,
}

async fn new_indicator(State(state): State<AppState>, viewer: Viewer) -> Response {
    post_page(&state, &viewer, "indicator", PostForm::default(), None, StatusCode::OK).await
}

async fn new_report(State(state): State<AppState>, viewer: Viewer) -> Response {
    post_page(&state, &viewer, "report", PostForm::default(), None, StatusCode::OK).await
}

async fn post_page(
    state: &AppState,
    viewer: &Viewer,
    kind: &'static str,
    form: PostForm,
    error: Option<String>,
    status: StatusCode,
) -> Response {
    let node = state.node();
    let organisations = match node.organisations().await {
        Ok(orgs) => {
            orgs.into_iter().map(|o| (o.identity, format!("{} — {}", o.short_name, o.name))).collect()
        }
        Err(e) => return super::internal("listing organisations", &e),
    };
    let groups = match node.store.sharing_groups().await {
        Ok(groups) => groups.into_iter().map(|g| (g.id, g.name)).collect(),
        Err(e) => return super::internal("listing sharing groups", &e),
    };
    let collections = match writable_collections(state, &viewer.principal).await {
        Ok(collections) => collections,
        Err(e) => return super::internal("listing collections", &e),
    };
    let (title, action) = match kind {
        "report" => ("New report", REPORTS),
        _ => ("New indicator", INDICATORS),
    };
    let page = PostPage {
        chrome: viewer.chrome(title),
        kind,
        action,
        tlps: TLP_CHOICES,
        scopes: SCOPE_CHOICES,
        groups,
        organisations,
        collections,
        form,
        error,
    };
    viewer.respond((status, render(&page)))
}

/// Collections the viewer may post intelligence to: (id, title), the shared one first.
async fn writable_collections(
    state: &AppState,
    principal: &Principal,
) -> Result<Vec<(String, String)>, selat_core::node::NodeError> {
    let node = state.node();
    let coordination = node.coordination_collection().await.ok();
    let mut writable = Vec::new();
    for collection in node.store.collections().await? {
        if Some(&collection.id) == coordination.as_ref() {
            continue;
        }
        if node.collection_access(&collection.id).await?.can_write(Some(principal)) {
            let shared = collection.alias.as_deref() == Some("shared");
            writable.push((!shared, collection.id, collection.title));
        }
    }
    writable.sort();
    Ok(writable.into_iter().map(|(_, id, title)| (id, title)).collect())
}

async fn post_indicator(
    State(state): State<AppState>,
    viewer: Viewer,
    Form(form): Form<PostForm>,
) -> Response {
    post_object(state, viewer, "indicator", form).await
}

async fn post_report(State(state): State<AppState>, viewer: Viewer, Form(form): Form<PostForm>) -> Response {
    post_object(state, viewer, "report", form).await
}

async fn post_object(state: AppState, viewer: Viewer, kind: &'static str, form: PostForm) -> Response {
    if !viewer.principal.at_least(Role::Analyst) {
        let error = "Only analysts and administrators post intelligence.".to_owned();
        return post_page(&state, &viewer, kind, form, Some(error), StatusCode::FORBIDDEN).await;
    }
    let object = match build_object(&viewer.principal, kind, &form) {
        Ok(object) => object,
        Err(error) => {
            return post_page(&state, &viewer, kind, form, Some(error), StatusCode::BAD_REQUEST).await;
        }
    };
    let id = object["id"].as_str().unwrap_or_default().to_owned();
    match submit(&state, &viewer.principal, &form.collection, object).await {
        Ok(None) => viewer.respond(see_other(&format!("/objects/{id}"))),
        Ok(Some(error)) => post_page(&state, &viewer, kind, form, Some(error), StatusCode::BAD_REQUEST).await,
        Err(e) => super::internal("posting an object", &e),
    }
}

/// The STIX object a form describes, or what is wrong with the form.
fn build_object(principal: &Principal, kind: &str, form: &PostForm) -> Result<Value, String> {
    let name = form.name.trim();
    if name.is_empty() {
        return Err("Give it a name.".into());
    }
    let tlp = Tlp::from_name(&form.tlp).ok_or("Choose a TLP level.")?;
    let scope = SCOPE_CHOICES
        .iter()
        .find(|(s, _)| *s == form.scope)
        .ok_or("Choose who receives it (distribution).")?
        .0;
    let mut distribution = json!({"extension_type": "property-extension", "scope": scope});
    match scope {
        "group" if form.group.is_empty() => return Err("Choose the sharing group.".into()),
        "group" => distribution["sharing_group_ref"] = json!(form.group),
        "recipients" if form.recipients.is_empty() => return Err("Choose at least one recipient.".into()),
        "recipients" => distribution["recipient_refs"] = json!(form.recipients),
        _ => {}
    }
    let now = selat_stix::timestamp::Timestamp::now_millis().format(3);
    let mut object = json!({
        "type": kind,
        "spec_version": "2.1",
        "id": format!("{kind}--{}", uuid::Uuid::new_v4()),
        "created": now,
        "modified": now,
        "created_by_ref": principal.org.identity,
        "name": name,
        "object_marking_refs": [tlp.marking_id()],
        "extensions": {selat_stix::selat::DISTRIBUTION.id: distribution},
    });
    if !form.description.trim().is_empty() {
        object["description"] = json!(form.description.trim());
    }
    match kind {
        "indicator" => {
            let pattern = form.pattern.trim();
            if pattern.is_empty() {
                return Err(
                    "Give the indicator a STIX pattern, e.g. [ipv4-addr:value = '198.51.100.7'].".into()
                );
            }
            if let Err(e) = selat_stix::validate::check_stix_pattern(pattern) {
                return Err(format!("The pattern is not valid STIX patterning: {e}"));
            }
            object["pattern"] = json!(pattern);
            object["pattern_type"] = json!("stix");
            object["valid_from"] = json!(now);
            let types: Vec<&str> =
                form.indicator_types.split(',').map(str::trim).filter(|t| !t.is_empty()).collect();
            if !types.is_empty() {
                object["indicator_types"] = json!(types);
            }
        }
        _ => {
            let refs: Vec<&str> = form.object_refs.split_whitespace().collect();
            if refs.is_empty() {
                return Err("A report names the objects it is about: give at least one id.".into());
            }
            if let Some(bad) = refs.iter().find(|r| selat_stix::id::Identifier::parse(r).is_err()) {
                return Err(format!("{bad} is not a STIX id."));
            }
            object["object_refs"] = json!(refs);
            object["published"] = json!(now);
        }
    }
    Ok(object)
}

/// Posts one object through the submission queue (the same validation, policy checks and
/// durability as a TAXII POST) and waits up to [`POST_WAIT`] for it: `None` once stored, else
/// why it was refused.
async fn submit(
    state: &AppState,
    principal: &Principal,
    collection: &str,
    object: Value,
) -> Result<Option<String>, selat_core::node::NodeError> {
    let node = state.node();
    let writable = writable_collections(state, principal).await?;
    let Some((collection, _)) = writable.iter().find(|(id, _)| id == collection).or(writable.first()) else {
        return Ok(Some("There is no collection you may post to.".into()));
    };
    let access = node.collection_access(collection).await?;
    let body = serde_json::to_vec(&json!({"objects": [object]})).unwrap_or_default();
    let limits = state.limits().submission();
    let status = match state.queue().submit(node, principal, collection, access, body, limits).await {
        Ok(status) => status,
        Err(e) => return Ok(Some(format!("The server did not accept it: {e}"))),
    };
    let deadline = tokio::time::Instant::now() + POST_WAIT;
    loop {
        let current = selat_core::submissions::status_for(node, principal, &status.id).await?;
        if let Some(current) = current.filter(|s| s.pending_count == 0 && s.total_count > 0) {
            return Ok(current.failures.first().map(|f| {
                format!("Refused: {}", f.message.clone().unwrap_or_else(|| "no reason given".into()))
            }));
        }
        if tokio::time::Instant::now() >= deadline {
            return Ok(Some(format!("Still being stored (status {}); look for it shortly.", status.id)));
        }
        tokio::time::sleep(std::time::Duration::from_millis(50)).await;
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use selat_core::org::{OrgKind, Organisation};

    fn analyst() -> Principal {
        Principal {
            org: Organisation {
                short_name: "SG".into(),
                name: "Singapore".into(),
                kind: OrgKind::MemberState,
                parent: None,
                identity: "identity--8a8e8758-f92c-4058-ba38-f061cd42a0cf".into(),
                member_since: None,
            },
            role: Role::Analyst,
            username: Some("sg-analyst".into()),
            token_id: None,
        }
    }

    fn form(pattern: &str, tlp: &str, scope: &str) -> PostForm {
        PostForm {
            name: "C2 of the demo campaign".into(),
            pattern: pattern.into(),
            tlp: tlp.into(),
            scope: scope.into(),
            indicator_types: "malicious-activity, attribution".into(),
            ..PostForm::default()
        }
    }

    #[test]
    fn an_indicator_carries_its_tlp_and_distribution_and_validates() {
        let object = build_object(
            &analyst(),
            "indicator",
            &form("[ipv4-addr:value = '198.51.100.7']", "amber", "community"),
        )
        .expect("valid");
        assert_eq!(object["object_marking_refs"][0], Tlp::Amber.marking_id());
        assert_eq!(object["extensions"][selat_stix::selat::DISTRIBUTION.id]["scope"], "community");
        assert_eq!(object["indicator_types"], json!(["malicious-activity", "attribution"]));
        let report = selat_stix::validate::validate_object(&object);
        assert!(report.is_empty(), "{report:?}");
    }

    #[test]
    fn tlp_and_distribution_must_be_chosen_and_patterns_valid() {
        let principal = analyst();
        let pattern = "[ipv4-addr:value = '198.51.100.7']";
        assert!(
            build_object(&principal, "indicator", &form(pattern, "", "community"))
                .unwrap_err()
                .contains("TLP")
        );
        assert!(
            build_object(&principal, "indicator", &form(pattern, "amber", ""))
                .unwrap_err()
                .contains("distribution")
        );
        assert!(
            build_object(&principal, "indicator", &form("[ipv4-addr:value = ", "amber", "community"))
                .unwrap_err()
                .contains("pattern")
        );
        assert!(
            build_object(&principal, "indicator", &form(pattern, "red", "recipients"))
                .unwrap_err()
                .contains("recipient")
        );
        assert!(
            build_object(&principal, "report", &form(pattern, "green", "community"))
                .unwrap_err()
                .contains("id")
        );
    }
}
