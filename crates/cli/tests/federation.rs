//! Federation over real processes (issue 9): a hub, an SG node and an MY node, each a `selat
//! serve` on loopback with its own data directory, peered through their configuration files:
//! the SG and MY nodes push to and pull from the hub every second (SG's interval is long, so what
//! it stores must reach the hub through the wake-up path), and SG has a direct link to MY's node
//! for RED. Organisations and tokens are made through `selat_core` before each server starts;
//! what each organisation may see is read back with `selat export --as ORG`.

mod support;

use std::collections::{BTreeMap, HashMap};
use std::io::{BufRead, BufReader};
use std::path::{Path, PathBuf};
use std::process::{Child, Stdio};
use std::time::{Duration, Instant};

use selat_core::access::CollectionAccess;
use selat_core::node::Node;
use selat_core::org::{OrgKind, Organisation, Role};
use selat_store::{NewCollection, Store};
use serde_json::{Value, json};

/// The shared collection, with the same id on every node.
const SHARED: &str = "7e1d2c3b-4a5f-4e6d-8c7b-9a0b1c2d3e4f";
/// A sharing group of SG and MY, known by this id on both their nodes (and not on the hub).
const GROUP: &str = "x-selat-sharing-group--5b0e6a1c-2d3f-4e5a-9b6c-7d8e9f0a1b2c";
const DISTRIBUTION: &str = "extension-definition--b78d1732-3a01-46df-a4b4-719a2aab7a1d";
const TAXII: &str = "application/taxii+json;version=2.1";
/// How long the test waits for something to propagate.
const PATIENCE: Duration = Duration::from_secs(60);

const ORGS: [(&str, OrgKind, Option<&str>); 5] = [
    ("SG", OrgKind::MemberState, None),
    ("SG-BANKING", OrgKind::SectorLead, Some("SG")),
    ("MY", OrgKind::MemberState, None),
    ("MY-BANKING", OrgKind::SectorLead, Some("MY")),
    ("ASEAN", OrgKind::Secretariat, None),
];

/// The same identity for an organisation on every node (v4-format, from its name).
fn identity(short: &str) -> String {
    let n = short
        .bytes()
        .fold(0xcbf2_9ce4_8422_2325_u64, |h, b| (h ^ u64::from(b)).wrapping_mul(0x0100_0000_01b3));
    format!(
        "identity--{:08x}-{:04x}-4{:03x}-8{:03x}-{:012x}",
        n >> 32,
        (n >> 16) & 0xffff,
        n & 0xfff,
        (n >> 20) & 0xfff,
        n & 0xffff_ffff_ffff
    )
}

/// Registers the region's organisations and the shared collection, and issues tokens: one per
/// `(org, role)` asked for.
async fn seed(dir: &Path, tokens: &[(&str, Role)]) -> HashMap<String, String> {
    let node = Node::open(dir).await.unwrap();
    for (short, kind, parent) in ORGS {
        let org = Organisation {
            short_name: short.into(),
            name: format!("{short} agency"),
            kind,
            parent: parent.map(Into::into),
            identity: identity(short),
            member_since: None,
        };
        node.create_organisation(&org).await.unwrap();
    }
    let collection = NewCollection {
        id: SHARED.into(),
        title: "shared".into(),
        description: None,
        alias: Some("shared".into()),
        media_types: vec!["application/stix+json;version=2.1".into()],
    };
    node.store.create_collection(&collection).await.unwrap();
    node.set_collection_access(SHARED, CollectionAccess::SHARED).await.unwrap();
    let mut issued = HashMap::new();
    for (org, role) in tokens {
        let token = node.issue_token(org, *role, None, "federation test", None).await.unwrap();
        issued.insert(format!("{org}/{role}"), token.text);
    }
    node.audit().flush().await.unwrap();
    drop(node);
    // The group spans SG's and MY's nodes: each operator creates it with the same id. The hub
    // serves no member of the group, so it does not know it (nor ever stores its objects).
    if !dir.ends_with("hub") {
        let data = dir.to_str().unwrap();
        let out = support::run(&[
            "admin",
            "--data",
            data,
            "group",
            "add",
            "SG and MY",
            "--id",
            GROUP,
            "--owner",
            "SG",
            "--member",
            "MY",
        ]);
        assert_eq!((out.code, out.stdout.trim()), (0, GROUP), "{out}");
    }
    issued
}

/// A running `selat serve`.
struct Server {
    child: Child,
    base: String,
    data: PathBuf,
    config: PathBuf,
}

impl Server {
    fn start(data: &Path, config_text: &str) -> Server {
        Self::start_on(data, "127.0.0.1:0", config_text)
    }

    /// Starts on a given address (a restarted peer keeps its URL).
    fn start_on(data: &Path, listen: &str, config_text: &str) -> Server {
        let config = data.with_extension("toml");
        std::fs::write(&config, format!("listen = \"{listen}\"\n{config_text}")).unwrap();
        let mut child = support::selat()
            .arg("serve")
            .arg("--data")
            .arg(data)
            .arg("--config")
            .arg(&config)
            .env_remove("SELAT_LISTEN")
            .env_remove("SELAT_DATABASE")
            .env("SELAT_LOG", "warn")
            .stdout(Stdio::piped())
            .stderr(Stdio::inherit())
            .spawn()
            .expect("selat serve starts");
        let mut stdout = BufReader::new(child.stdout.take().unwrap());
        let mut line = String::new();
        stdout.read_line(&mut line).unwrap();
        std::thread::spawn(move || std::io::copy(&mut stdout, &mut std::io::sink()));
        let base = line
            .split_whitespace()
            .find(|w| w.starts_with("http://") || w.starts_with("https://"))
            .unwrap_or_else(|| panic!("no URL in {line:?}"))
            .trim_end_matches('/')
            .to_owned();
        Server { child, base, data: data.to_owned(), config }
    }

    fn api_root(&self) -> String {
        format!("{}/taxii2/selat/", self.base)
    }

    /// The shared collection's objects as `org` may see them (every stored one with `None`):
    /// `(id, modified, revoked)` per version.
    fn visible(&self, org: Option<&str>, all_versions: bool) -> Vec<(String, String, bool)> {
        let mut args = vec!["export", "--data", self.data.to_str().unwrap(), "--collection", SHARED];
        if let Some(org) = org {
            args.extend(["--as", org]);
        }
        if all_versions {
            args.push("--all-versions");
        }
        let out = support::run(&args);
        assert_eq!(out.code, 0, "{out}");
        let bundle: Value = serde_json::from_str(&out.stdout).unwrap();
        let objects = bundle["objects"].as_array().cloned().unwrap_or_default();
        objects
            .iter()
            .map(|o| {
                let modified = o["modified"].as_str().unwrap_or_default().to_owned();
                (o["id"].as_str().unwrap().to_owned(), modified, o["revoked"] == json!(true))
            })
            .collect()
    }

    fn ids(&self, org: Option<&str>) -> Vec<String> {
        self.visible(org, false).into_iter().map(|(id, _, _)| id).collect()
    }
}

impl Server {
    /// Kills the process with SIGKILL (no shutdown of any kind) and waits for it.
    fn kill_9(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }

    /// Every version of the shared collection the node stores, counted per `(id, modified)`;
    /// panics naming any held twice.
    fn versions_once(&self, name: &str) -> usize {
        let mut count: BTreeMap<(String, String), usize> = BTreeMap::new();
        for (id, modified, _) in self.visible(None, true) {
            *count.entry((id, modified)).or_default() += 1;
        }
        let repeated: Vec<_> = count.iter().filter(|(_, n)| **n > 1).collect();
        assert!(repeated.is_empty(), "{name} holds versions more than once: {repeated:?}");
        count.len()
    }
}

impl Drop for Server {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// An indicator of `creator`'s, marked `tlp`, of `scope` (RED to `recipients`; `group`: [`GROUP`]).
fn indicator(creator: &str, tlp: &str, scope: &str, recipients: &[&str]) -> Value {
    let mut extension = json!({"extension_type": "property-extension", "scope": scope});
    if scope == "recipients" {
        extension["recipient_refs"] = json!(recipients.iter().map(|r| identity(r)).collect::<Vec<_>>());
    }
    if scope == "group" {
        extension["sharing_group_ref"] = json!(GROUP);
    }
    json!({
        "type": "indicator", "spec_version": "2.1",
        "id": format!("indicator--{}", uuid::Uuid::new_v4()),
        "created": "2024-01-01T00:00:00.000Z", "modified": "2024-01-01T00:00:00.000Z",
        "created_by_ref": identity(creator),
        "name": format!("{creator} {tlp} {scope}"),
        "pattern": "[ipv4-addr:value = '198.51.100.7']", "pattern_type": "stix",
        "valid_from": "2024-01-01T00:00:00Z",
        "object_marking_refs": [selat_stix::tlp::Tlp::from_name(tlp).unwrap().marking_id()],
        "extensions": {DISTRIBUTION: extension}
    })
}

/// POSTs objects to a node's shared collection and waits for the status to complete.
async fn post(server: &Server, token: &str, objects: &[Value]) -> Value {
    let client = selat_taxii::client::http_client().build().unwrap();
    let url = format!("{}collections/{SHARED}/objects/", server.api_root());
    let response = client
        .post(url)
        .bearer_auth(token)
        .header("Accept", TAXII)
        .header("Content-Type", TAXII)
        .body(json!({"objects": objects}).to_string())
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 202, "{:?}", response.text().await);
    let mut status: Value = response.json().await.unwrap();
    let deadline = Instant::now() + PATIENCE;
    while status["status"] != "complete" {
        assert!(Instant::now() < deadline, "status never completed: {status}");
        tokio::time::sleep(Duration::from_millis(20)).await;
        let url = format!("{}status/{}/", server.api_root(), status["id"].as_str().unwrap());
        let response = client.get(url).bearer_auth(token).header("Accept", TAXII).send().await.unwrap();
        status = response.json().await.unwrap();
    }
    status
}

/// Waits until `done` holds, or fails saying `what`.
async fn wait_until(what: &str, mut done: impl FnMut() -> bool) -> Duration {
    let started = Instant::now();
    while !done() {
        assert!(started.elapsed() < PATIENCE, "waited {PATIENCE:?} for {what}");
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
    started.elapsed()
}

fn peer_toml(name: &str, url: &str, token: &str, hosts: &str, extra: &str) -> String {
    format!(
        "\n[[peers]]\nname = \"{name}\"\nurl = \"{url}\"\ntoken = \"{token}\"\nhosts = {hosts}\n{extra}\n"
    )
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn hub_and_two_nodes_share_what_the_markings_allow() {
    let dir = tempfile::tempdir().unwrap();
    let (hub_dir, sg_dir, my_dir) = (dir.path().join("hub"), dir.path().join("sg"), dir.path().join("my"));
    let hub_tokens = seed(&hub_dir, &[("SG", Role::Analyst), ("MY", Role::Analyst)]).await;
    let my_tokens =
        seed(&my_dir, &[("SG", Role::Analyst), ("MY", Role::Analyst), ("ASEAN", Role::HubAdmin)]).await;
    let sg_tokens =
        seed(&sg_dir, &[("SG", Role::Analyst), ("SG-BANKING", Role::Analyst), ("ASEAN", Role::HubAdmin)])
            .await;

    let hub = Server::start(&hub_dir, "hosts = [\"ASEAN\"]\n");
    let pull_push = format!("pull = [\"{SHARED}\"]\npush = [\"{SHARED}\"]\norg = \"ASEAN\"");
    let my = Server::start(
        &my_dir,
        &format!(
            "sync_interval_s = 1\n{}",
            peer_toml("hub", &hub.api_root(), &hub_tokens["MY/analyst"], "[\"MY\", \"MY-*\"]", &pull_push)
        ),
    );
    // SG's interval is long: what it stores reaches its peers through the wake-up, not the poll.
    let sg = Server::start(
        &sg_dir,
        &format!(
            "sync_interval_s = 600\n{}{}",
            peer_toml("hub", &hub.api_root(), &hub_tokens["SG/analyst"], "[\"SG\", \"SG-*\"]", &pull_push),
            peer_toml(
                "my",
                &my.api_root(),
                &my_tokens["SG/analyst"],
                "[\"SG\", \"SG-*\"]",
                &format!("push = [\"{SHARED}\"]\npeer_hosts = [\"MY\", \"MY-*\"]")
            )
        ),
    );

    // MY shares first, so that SG's first round (woken by its own objects) pulls it.
    // One of them names no creator: the hub holds it as MY's (the pusher's organisation), and
    // when it comes back in MY's pulls it must be seen as held already, not as the hub's.
    let from_my = indicator("MY", "green", "community", &[]);
    let mut anonymous = indicator("MY", "green", "community", &[]);
    anonymous.as_object_mut().unwrap().remove("created_by_ref");
    post(&my, &my_tokens["MY/analyst"], &[from_my.clone(), anonymous.clone()]).await;
    let my_id = from_my["id"].as_str().unwrap().to_owned();
    let anonymous_id = anonymous["id"].as_str().unwrap().to_owned();
    wait_until("MY's indicators at the hub", || {
        let at_hub = hub.ids(None);
        at_hub.contains(&my_id) && at_hub.contains(&anonymous_id)
    })
    .await;

    let green = indicator("SG", "green", "community", &[]);
    let amber = indicator("SG", "amber", "community", &[]);
    let strict = indicator("SG", "amber+strict", "community", &[]);
    let national = indicator("SG", "green", "national", &[]);
    let own = indicator("SG", "amber", "organisation", &[]);
    let red = indicator("SG", "red", "recipients", &["MY"]);
    let clear = indicator("SG", "clear", "community", &[]);
    let group = indicator("SG", "amber", "group", &[]);
    let status = post(
        &sg,
        &sg_tokens["SG/analyst"],
        &[
            green.clone(),
            amber.clone(),
            strict.clone(),
            national.clone(),
            own.clone(),
            red.clone(),
            clear.clone(),
            group.clone(),
        ],
    )
    .await;
    assert_eq!(status["success_count"], 8, "{status}");
    let sighting = json!({
        "type": "sighting", "spec_version": "2.1", "id": format!("sighting--{}", uuid::Uuid::new_v4()),
        "created": "2024-02-01T00:00:00.000Z", "modified": "2024-02-01T00:00:00.000Z",
        "created_by_ref": identity("SG-BANKING"), "sighting_of_ref": green["id"], "count": 3,
        "object_marking_refs": [selat_stix::tlp::Tlp::Amber.marking_id()],
        "extensions": {DISTRIBUTION: {"extension_type": "property-extension", "scope": "community"}}
    });
    let status = post(&sg, &sg_tokens["SG-BANKING/analyst"], std::slice::from_ref(&sighting)).await;
    assert_eq!(status["success_count"], 1, "{status}");
    let id = |o: &Value| o["id"].as_str().unwrap().to_owned();
    let (green_id, amber_id, strict_id, national_id, own_id, red_id, sighting_id) =
        (id(&green), id(&amber), id(&strict), id(&national), id(&own), id(&red), id(&sighting));
    let (clear_id, group_id) = (id(&clear), id(&group));

    let shared = [&green_id, &amber_id, &strict_id, &sighting_id, &clear_id];
    let lag = wait_until("SG's shareable objects at the hub", || {
        let at_hub = hub.ids(None);
        shared.iter().all(|i| at_hub.contains(i))
    })
    .await;
    assert!(lag < Duration::from_secs(30), "pushed in {lag:?}: the wake-up path, not the 600 s poll");
    wait_until("SG's objects, RED and the group's at MY's node", || {
        let at_my = my.ids(Some("MY"));
        shared.iter().all(|i| at_my.contains(i)) && at_my.contains(&red_id) && at_my.contains(&group_id)
    })
    .await;
    wait_until("MY's indicators at SG's node", || {
        let at_sg = sg.ids(Some("SG"));
        at_sg.contains(&my_id) && at_sg.contains(&anonymous_id)
    })
    .await;

    // One more round everywhere, so that anything wrongly allowed would have arrived too.
    tokio::time::sleep(Duration::from_secs(3)).await;
    let has = |ids: &[String], id: &String| ids.contains(id);
    let hub_all = hub.ids(None);
    for (what, id) in
        [("national", &national_id), ("organisation", &own_id), ("RED", &red_id), ("group", &group_id)]
    {
        assert!(!has(&hub_all, id), "{what} reached the hub");
    }
    let hub_asean = hub.ids(Some("ASEAN"));
    assert!(has(&hub_asean, &strict_id), "the secretariat sees AMBER+STRICT community");
    assert!(has(&hub_asean, &clear_id), "the secretariat sees CLEAR");
    let my_all = my.ids(None);
    assert!(!has(&my_all, &national_id) && !has(&my_all, &own_id), "national/organisation reached MY");
    let my_state = my.ids(Some("MY"));
    for id in [&green_id, &amber_id, &strict_id, &sighting_id, &red_id, &clear_id, &group_id] {
        assert!(has(&my_state, id), "MY misses {id}");
    }
    let my_lead = my.ids(Some("MY-BANKING"));
    for id in [&green_id, &amber_id, &sighting_id, &clear_id] {
        assert!(has(&my_lead, id), "MY-BANKING misses {id}");
    }
    assert!(!has(&my_lead, &strict_id), "AMBER+STRICT reached a sector lead");
    assert!(!has(&my_lead, &red_id), "RED reached a sector lead not named");
    assert!(!has(&my_lead, &group_id), "a group's object reached a sector lead not in the group");
    // CLEAR reaches everyone, SG's own sector lead included; the group's object is SG's own
    // there and reaches no sector lead.
    let sg_lead = sg.ids(Some("SG-BANKING"));
    assert!(has(&sg_lead, &clear_id) && !has(&sg_lead, &group_id), "{sg_lead:?}");

    // Versions and revocations propagate.
    let mut green_v2 = green.clone();
    green_v2["modified"] = json!("2024-03-01T00:00:00.000Z");
    green_v2["name"] = json!("SG green community, second version");
    let mut amber_revoked = amber.clone();
    amber_revoked["modified"] = json!("2024-03-01T00:00:00.000Z");
    amber_revoked["revoked"] = json!(true);
    post(&sg, &sg_tokens["SG/analyst"], &[green_v2, amber_revoked]).await;
    wait_until("the new version and the revocation at MY-BANKING", || {
        let latest = my.visible(Some("MY-BANKING"), false);
        latest.contains(&(green_id.clone(), "2024-03-01T00:00:00.000Z".into(), false))
            && latest.contains(&(amber_id.clone(), "2024-03-01T00:00:00.000Z".into(), true))
    })
    .await;

    // Nothing echoed: every node holds each version once, under one owner.
    tokio::time::sleep(Duration::from_secs(3)).await;
    for (name, server) in [("hub", &hub), ("SG", &sg), ("MY", &my)] {
        let mut count: BTreeMap<(String, String), usize> = BTreeMap::new();
        for (id, modified, _) in server.visible(None, true) {
            *count.entry((id, modified)).or_default() += 1;
        }
        let repeated: Vec<_> = count.iter().filter(|(_, n)| **n > 1).collect();
        assert!(repeated.is_empty(), "{name} holds versions more than once: {repeated:?}");
        let green_versions = count.keys().filter(|(id, _)| *id == green_id).count();
        assert_eq!(green_versions, 2, "{name}: both versions of the green indicator");
    }

    // The receiving side's own rules, straight over TAXII with SG's token at the hub.
    let forged = indicator("MY", "green", "community", &[]);
    let red_to_my = indicator("SG", "red", "recipients", &["MY"]);
    let status = post(&hub, &hub_tokens["SG/analyst"], &[forged.clone(), red_to_my]).await;
    let messages = status["failures"].to_string();
    assert!(messages.contains("foreign-owner"), "{status}");
    assert!(messages.contains("red-not-hosted"), "{status}");

    // `selat sync` runs one round and reports it.
    let out =
        support::run(&["sync", "--data", sg.data.to_str().unwrap(), "--config", sg.config.to_str().unwrap()]);
    assert_eq!(out.code, 0, "{out}");
    assert!(out.stdout.contains("peer hub: ok, caught up"), "{out}");
    assert!(out.stdout.contains("peer my: ok, caught up"), "{out}");
    let out = support::run(&[
        "sync",
        "--data",
        sg.data.to_str().unwrap(),
        "--config",
        sg.config.to_str().unwrap(),
        "--peer",
        "nope",
    ]);
    assert_eq!(out.code, 2, "{out}");
    assert!(out.stderr.contains("no peer \"nope\""), "{out}");

    // What each link did, over REST and in /metrics.
    let client = selat_taxii::client::http_client().build().unwrap();
    let peers: Value = client
        .get(format!("{}/api/v1/peers", sg.base))
        .bearer_auth(&sg_tokens["ASEAN/hub-admin"])
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let items = peers["items"].as_array().unwrap();
    let names: Vec<&str> = items.iter().map(|p| p["name"].as_str().unwrap()).collect();
    assert_eq!(names, ["hub", "my"], "{peers}");
    assert_eq!(peers["next"], Value::Null);
    let hub_peer = &items[0];
    assert!(hub_peer["sent"].as_i64().unwrap() >= 6, "{hub_peer}");
    assert!(hub_peer["received"].as_i64().unwrap() >= 1, "{hub_peer}");
    assert!(hub_peer["skipped"].as_i64().unwrap() >= 1, "national, organisation, RED and echoes: {hub_peer}");
    assert!(hub_peer["last_success"].is_string(), "{hub_peer}");
    assert!(hub_peer.get("token").is_none() && !peers.to_string().contains(&hub_tokens["SG/analyst"]));
    // Nothing relayed: MY never offered the hub SG's objects (the hub would refuse them as
    // foreign-owner), and no link refused anything.
    for (server, token) in [(&sg, &sg_tokens["ASEAN/hub-admin"]), (&my, &my_tokens["ASEAN/hub-admin"])] {
        let peers: Value = client
            .get(format!("{}/api/v1/peers", server.base))
            .bearer_auth(token)
            .send()
            .await
            .unwrap()
            .json()
            .await
            .unwrap();
        for peer in peers["items"].as_array().unwrap() {
            assert_eq!(peer["refused"], 0, "{peer}");
            assert_eq!(peer["last_error"], Value::Null, "{peer}");
        }
    }
    // The operator's view, and the audit log's one entry per round.
    let out = support::run(&[
        "admin",
        "--data",
        sg.data.to_str().unwrap(),
        "peer",
        "list",
        "--config",
        sg.config.to_str().unwrap(),
    ]);
    assert_eq!(out.code, 0, "{out}");
    let rows: Vec<&str> = out.stdout.lines().skip(1).map(|l| l.split('\t').next().unwrap()).collect();
    assert_eq!(rows, ["hub", "my"], "{out}");
    let out = support::run(&[
        "admin",
        "--data",
        my.data.to_str().unwrap(),
        "audit",
        "--operation",
        "federation.sync",
    ]);
    assert_eq!(out.code, 0, "{out}");
    assert!(out.stdout.contains("peer hub: received"), "{out}");
    let refused = client
        .get(format!("{}/api/v1/peers", sg.base))
        .bearer_auth(&sg_tokens["SG/analyst"])
        .send()
        .await
        .unwrap();
    assert_eq!(refused.status(), 403);
    let metrics = client.get(format!("{}/metrics", sg.base)).send().await.unwrap().text().await.unwrap();
    for line in ["selat_peer_objects_sent_total{peer=\"hub\"}", "selat_peer_up{peer=\"my\"} 1"] {
        assert!(metrics.contains(line), "{line} not in /metrics:\n{metrics}");
    }

    // A round now, on request: SG's interval is 600 s, so a new round within seconds is the
    // request's doing. Analysts may not ask; an unknown peer is a 404.
    let rounds = || async {
        let peers: Value = client
            .get(format!("{}/api/v1/peers", sg.base))
            .bearer_auth(&sg_tokens["ASEAN/hub-admin"])
            .send()
            .await
            .unwrap()
            .json()
            .await
            .unwrap();
        peers["items"][0]["rounds"].as_i64().unwrap()
    };
    let before = rounds().await;
    let ask = |peer: &str, token: &str| {
        client.post(format!("{}/api/v1/peers/{peer}/sync", sg.base)).bearer_auth(token.to_owned()).send()
    };
    assert_eq!(ask("hub", &sg_tokens["SG/analyst"]).await.unwrap().status(), 403);
    assert_eq!(ask("nope", &sg_tokens["ASEAN/hub-admin"]).await.unwrap().status(), 404);
    let asked = ask("hub", &sg_tokens["ASEAN/hub-admin"]).await.unwrap();
    assert_eq!(asked.status(), 202);
    let started = Instant::now();
    while rounds().await <= before {
        assert!(started.elapsed() < Duration::from_secs(20), "no round after the request");
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
}

#[test]
fn bad_peer_settings_are_named() {
    let dir = tempfile::tempdir().unwrap();
    let config = dir.path().join("selat.toml");
    let cases = [
        (
            "[[peers]]\nname = \"hub\"\nurl = \"http://hub.example/taxii2/selat/\"\ntoken = \"t\"\nhosts = [\"SG\"]\npull = [\"7e1d2c3b-4a5f-4e6d-8c7b-9a0b1c2d3e4f\"]\n",
            "plain http:// only to a loopback address",
        ),
        (
            "[[peers]]\nname = \"hub\"\nurl = \"https://hub.example/taxii2/selat/\"\ntoken = \"t\"\nhosts = []\npull = [\"7e1d2c3b-4a5f-4e6d-8c7b-9a0b1c2d3e4f\"]\n",
            "hosts is empty",
        ),
        (
            "[[peers]]\nname = \"hub\"\nurl = \"https://hub.example/taxii2/selat/\"\ntoken = \"t\"\nhosts = [\"SG\"]\npul = []\n",
            "unknown field `pul`",
        ),
    ];
    for (text, wanted) in cases {
        std::fs::write(&config, text).unwrap();
        let out = support::run(&[
            "sync",
            "--data",
            dir.path().join("d").to_str().unwrap(),
            "--config",
            config.to_str().unwrap(),
        ]);
        assert_eq!(out.code, 2, "{out}");
        assert!(out.stderr.contains(wanted), "{wanted:?} not in {out}");
    }
}

/// medallion (the OASIS reference TAXII server, memory backend) on a free port with one empty
/// writable collection of id [`SHARED`] and one user; returns it and its API root.
fn start_medallion(python: &Path, dir: &Path) -> (Child, String) {
    let port = std::net::TcpListener::bind("127.0.0.1:0").unwrap().local_addr().unwrap().port();
    let base = format!("http://127.0.0.1:{port}");
    let data = json!({
        "/discovery": {"title": "peer", "default": format!("{base}/api1/"), "api_roots": [format!("{base}/api1/")]},
        "api1": {
            "information": {"title": "peer", "versions": [TAXII], "max_content_length": 10_485_760},
            "status": [],
            "collections": [{"id": SHARED, "title": "shared", "can_read": true, "can_write": true,
                "media_types": ["application/stix+json;version=2.1"], "objects": [], "manifest": []}]
        }
    });
    let data_path = dir.join("medallion-data.json");
    std::fs::write(&data_path, data.to_string()).unwrap();
    let config = json!({
        "backend": {"module": "medallion.backends.memory_backend", "module_class": "MemoryBackend", "filename": data_path},
        "users": {"fed": "fed-password"},
        "taxii": {"max_page_size": 100}
    });
    let config_path = dir.join("medallion.json");
    std::fs::write(&config_path, config.to_string()).unwrap();
    let child = std::process::Command::new(python.parent().unwrap().join("medallion"))
        .args(["--host", "127.0.0.1", "--port", &port.to_string()])
        .arg(&config_path)
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .expect("medallion starts");
    let deadline = Instant::now() + Duration::from_secs(30);
    while std::net::TcpStream::connect(("127.0.0.1", port)).is_err() {
        assert!(Instant::now() < deadline, "medallion did not start");
        std::thread::sleep(Duration::from_millis(100));
    }
    (child, format!("{base}/api1/"))
}

/// Stops medallion when the test ends, however it ends.
struct Reap(Child);

impl Drop for Reap {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

/// Valid objects medallion also holds, past its page size of 100.
const MEDALLION_EXTRA: usize = 250;

/// Interop: a Selat node pulls from and pushes to medallion as a peer, with `selat sync`.
/// medallion accepts anything, so it also plays the peer that sends an invalid object: the
/// object is set aside with its reason, the rest of the page is stored, and the next round
/// neither takes it again nor stops on it.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn selat_pulls_from_and_pushes_to_medallion() {
    let Some(python) = selat_testdata::python("selat_pulls_from_and_pushes_to_medallion") else { return };
    let dir = tempfile::tempdir().unwrap();
    let (medallion, api_root) = start_medallion(&python, dir.path());
    let _medallion = Reap(medallion);
    let client = selat_taxii::client::http_client().build().unwrap();
    let objects_url = format!("{api_root}collections/{SHARED}/objects/");

    // What medallion holds first: an object without a creator (owned here by the peer's org),
    // MY's indicator, and an indicator without a pattern.
    let mut anonymous = indicator("MY", "green", "community", &[]);
    anonymous.as_object_mut().unwrap().remove("created_by_ref");
    let from_my = indicator("MY", "amber", "community", &[]);
    let mut bad = indicator("MY", "green", "community", &[]);
    bad.as_object_mut().unwrap().remove("pattern");
    // And enough more that a pull takes several of medallion's 100-object pages (`next`).
    let mut objects = vec![anonymous.clone(), from_my.clone(), bad.clone()];
    objects.extend((0..MEDALLION_EXTRA).map(|_| indicator("MY", "green", "community", &[])));
    let posted = client
        .post(&objects_url)
        .basic_auth("fed", Some("fed-password"))
        .header("Accept", TAXII)
        .header("Content-Type", TAXII)
        .body(json!({"objects": objects}).to_string())
        .send()
        .await
        .unwrap();
    assert!(posted.status().is_success(), "{:?}", posted.text().await);

    let data = dir.path().join("sg");
    let sg_tokens = seed(&data, &[("ASEAN", Role::HubAdmin)]).await;
    let green = indicator("SG", "green", "community", &[]);
    let national = indicator("SG", "green", "national", &[]);
    let bundle = dir.path().join("sg.json");
    let objects = json!({"type": "bundle", "id": format!("bundle--{}", uuid::Uuid::new_v4()), "objects": [green, national]});
    std::fs::write(&bundle, objects.to_string()).unwrap();
    let out = support::run(&[
        "import",
        "--data",
        data.to_str().unwrap(),
        "--collection",
        SHARED,
        "--as",
        "SG",
        bundle.to_str().unwrap(),
    ]);
    assert_eq!(out.code, 0, "{out}");

    let config = dir.path().join("sg.toml");
    std::fs::write(
        &config,
        peer_toml(
            "medallion",
            &api_root,
            "fed-password",
            "[\"SG\", \"SG-*\"]",
            &format!("username = \"fed\"\norg = \"ASEAN\"\npull = [\"{SHARED}\"]\npush = [\"{SHARED}\"]"),
        ),
    )
    .unwrap();
    let sync =
        || support::run(&["sync", "--data", data.to_str().unwrap(), "--config", config.to_str().unwrap()]);
    let first = sync();
    assert_eq!(first.code, 0, "{first}");
    assert!(
        first.stdout.contains(&format!(
            "peer medallion: ok, caught up; received {}, already present 0, sent 1, refused 1,",
            2 + MEDALLION_EXTRA
        )),
        "{first}"
    );
    let bad_id = bad["id"].as_str().unwrap();
    let refusal = first.stdout.lines().find(|l| l.contains(bad_id)).unwrap_or_else(|| panic!("{first}"));
    assert!(refusal.contains("refused (pull)") && refusal.contains("pattern"), "{refusal}");

    let taken = export_ids(&data, "ASEAN");
    assert!(
        taken.contains(&anonymous["id"].as_str().unwrap().to_owned()),
        "owned by the peer's org: {taken:?}"
    );
    assert!(export_ids(&data, "MY").contains(&from_my["id"].as_str().unwrap().to_owned()));
    assert!(!export_ids(&data, "SG").contains(&bad_id.to_owned()));

    // medallion holds what may leave (asked by id: its pages hold 100 objects).
    for (object, wanted) in [(&green, true), (&national, false)] {
        let url = format!("{objects_url}?match[id]={}", object["id"].as_str().unwrap());
        let page: Value = client
            .get(url)
            .basic_auth("fed", Some("fed-password"))
            .header("Accept", TAXII)
            .send()
            .await
            .unwrap()
            .json()
            .await
            .unwrap_or_default();
        let held = page["objects"].as_array().is_some_and(|o| !o.is_empty());
        assert_eq!(held, wanted, "{} at medallion: {page}", object["name"]);
    }

    let out = support::run(&["admin", "--data", data.to_str().unwrap(), "peer", "refusals", "medallion"]);
    assert_eq!(out.code, 0, "{out}");
    let refusal: Value =
        serde_json::from_str(out.stdout.lines().next().unwrap_or_default()).unwrap_or_default();
    assert_eq!(refusal["object_id"], bad["id"], "{out}");
    assert_eq!(refusal["direction"], "pull", "{out}");

    // The next round resumes from the cursors: nothing again, our own object coming back skipped.
    let second = sync();
    assert_eq!(second.code, 0, "{second}");
    assert!(
        second
            .stdout
            .contains("peer medallion: ok, caught up; received 0, already present 0, sent 0, refused 0,"),
        "{second}"
    );
    // Every other object arrived, once; the bad one is not here.
    let held = versions_once_in(&data, "SG");
    assert_eq!(held.len(), 2 + 2 + MEDALLION_EXTRA, "SG's two, medallion's valid ones");
    assert!(!held.contains(&bad_id.to_owned()));

    // The refusal and its reason, as an operator reads them over REST.
    let sg = Server::start(&data, &std::fs::read_to_string(&config).unwrap());
    let peers: Value = client
        .get(format!("{}/api/v1/peers", sg.base))
        .bearer_auth(&sg_tokens["ASEAN/hub-admin"])
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let peer = &peers["items"][0];
    assert_eq!((&peer["name"], &peer["refused"]), (&json!("medallion"), &json!(1)), "{peer}");
    let refusal = &peer["refusals"][0];
    assert_eq!((&refusal["object_id"], &refusal["direction"]), (&bad["id"], &json!("pull")), "{peer}");
    assert!(refusal["reason"].as_str().unwrap().contains("pattern"), "{peer}");
}

/// The ids of the shared collection `org` may see on the node in `data`.
fn export_ids(data: &Path, org: &str) -> Vec<String> {
    let out =
        support::run(&["export", "--data", data.to_str().unwrap(), "--collection", SHARED, "--as", org]);
    assert_eq!(out.code, 0, "{out}");
    let bundle: Value = serde_json::from_str(&out.stdout).unwrap();
    let objects = bundle["objects"].as_array().cloned().unwrap_or_default();
    objects.iter().map(|o| o["id"].as_str().unwrap().to_owned()).collect()
}

/// A free loopback port (bound, then released for the server that will use it).
fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0").unwrap().local_addr().unwrap().port()
}

/// The hub is down when the SG node stores its objects: rounds fail (reported, backing off),
/// and once the hub is up on the same address every shareable object arrives, once.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn objects_reach_a_hub_that_was_down() {
    let dir = tempfile::tempdir().unwrap();
    let (hub_dir, sg_dir) = (dir.path().join("hub"), dir.path().join("sg"));
    let hub_tokens = seed(&hub_dir, &[("SG", Role::Analyst)]).await;
    let sg_tokens = seed(&sg_dir, &[("SG", Role::Analyst), ("ASEAN", Role::HubAdmin)]).await;
    let hub_listen = format!("127.0.0.1:{}", free_port());
    let hub_root = format!("http://{hub_listen}/taxii2/selat/");
    let sg = Server::start(
        &sg_dir,
        &format!(
            "sync_interval_s = 1\n{}",
            peer_toml(
                "hub",
                &hub_root,
                &hub_tokens["SG/analyst"],
                "[\"SG\", \"SG-*\"]",
                &format!("push = [\"{SHARED}\"]")
            )
        ),
    );
    let shared = [indicator("SG", "green", "community", &[]), indicator("SG", "amber", "community", &[])];
    let national = indicator("SG", "green", "national", &[]);
    let mut objects = shared.to_vec();
    objects.push(national.clone());
    post(&sg, &sg_tokens["SG/analyst"], &objects).await;

    let client = selat_taxii::client::http_client().build().unwrap();
    let hub_peer = || async {
        let peers: Value = client
            .get(format!("{}/api/v1/peers", sg.base))
            .bearer_auth(&sg_tokens["ASEAN/hub-admin"])
            .send()
            .await
            .unwrap()
            .json()
            .await
            .unwrap();
        peers["items"][0].clone()
    };
    let started = Instant::now();
    let failed = loop {
        let peer = hub_peer().await;
        if peer["last_error"].is_string() {
            break peer;
        }
        assert!(started.elapsed() < PATIENCE, "no failed round reported: {peer}");
        tokio::time::sleep(Duration::from_millis(100)).await;
    };
    assert!(failed["last_error"].as_str().unwrap().contains("cannot connect"), "{failed}");
    tokio::time::sleep(Duration::from_secs(2)).await;

    let hub = Server::start_on(&hub_dir, &hub_listen, "hosts = [\"ASEAN\"]\n");
    let ids: Vec<String> = shared.iter().map(|o| o["id"].as_str().unwrap().to_owned()).collect();
    wait_until("SG's objects at the hub once it is up", || {
        let at_hub = hub.ids(None);
        ids.iter().all(|i| at_hub.contains(i))
    })
    .await;
    assert_eq!(hub.versions_once("hub"), 2, "exactly the two shareable objects");
    let peer = hub_peer().await;
    let (success, error) = (peer["last_success"].as_str().unwrap(), peer["last_error_at"].as_str().unwrap());
    assert!(success > error, "a success after the failures: {peer}");
    assert!(peer["sent"].as_i64().unwrap() >= 2, "{peer}");
}

/// What [`FaultProxy`] does with each new connection.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Fault {
    /// Forwards it to the real peer.
    None,
    /// Answers the request with HTTP 500 and closes.
    Answer500,
    /// Accepts it and never answers.
    Silent,
}

/// A TCP proxy in front of a real peer, playing a fault on every connection opened while the
/// fault is set (a connection keeps what it was given when it opened).
struct FaultProxy {
    port: u16,
    fault: std::sync::Arc<std::sync::Mutex<Fault>>,
}

impl FaultProxy {
    fn start(upstream: &str) -> FaultProxy {
        let upstream: std::net::SocketAddr =
            upstream.trim_start_matches("http://").trim_end_matches('/').parse().unwrap();
        let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
        let port = listener.local_addr().unwrap().port();
        let fault = std::sync::Arc::new(std::sync::Mutex::new(Fault::None));
        let current = fault.clone();
        std::thread::spawn(move || {
            let mut held = Vec::new();
            for stream in listener.incoming() {
                let Ok(stream) = stream else { return };
                match *current.lock().unwrap() {
                    Fault::None => forward(stream, upstream),
                    Fault::Answer500 => {
                        std::thread::spawn(move || answer_500(stream));
                    }
                    Fault::Silent => held.push(stream),
                }
            }
        });
        FaultProxy { port, fault }
    }

    fn set(&self, fault: Fault) {
        *self.fault.lock().unwrap() = fault;
    }

    fn api_root(&self) -> String {
        format!("http://127.0.0.1:{}/taxii2/selat/", self.port)
    }
}

/// Copies both ways between `client` and a new connection to `upstream`.
fn forward(client: std::net::TcpStream, upstream: std::net::SocketAddr) {
    let Ok(server) = std::net::TcpStream::connect(upstream) else { return };
    let (mut client_read, mut server_write) = (client.try_clone().unwrap(), server.try_clone().unwrap());
    let (mut server_read, mut client_write) = (server, client);
    std::thread::spawn(move || {
        let _ = std::io::copy(&mut client_read, &mut server_write);
        let _ = server_write.shutdown(std::net::Shutdown::Write);
    });
    std::thread::spawn(move || {
        let _ = std::io::copy(&mut server_read, &mut client_write);
        let _ = client_write.shutdown(std::net::Shutdown::Write);
    });
}

/// Reads one request (headers and a `content-length` body) and answers it with HTTP 500.
fn answer_500(mut stream: std::net::TcpStream) {
    use std::io::{Read, Write};
    let mut request = Vec::new();
    let mut chunk = [0u8; 8192];
    let body_length = loop {
        let Ok(n) = stream.read(&mut chunk) else { return };
        if n == 0 {
            return;
        }
        request.extend_from_slice(&chunk[..n]);
        if let Some(end) = request.windows(4).position(|w| w == b"\r\n\r\n") {
            let head = String::from_utf8_lossy(&request[..end]).to_ascii_lowercase();
            let length = head
                .lines()
                .find_map(|l| l.strip_prefix("content-length:"))
                .and_then(|v| v.trim().parse::<usize>().ok())
                .unwrap_or(0);
            break end + 4 + length;
        }
    };
    while request.len() < body_length {
        let Ok(n) = stream.read(&mut chunk) else { return };
        if n == 0 {
            return;
        }
        request.extend_from_slice(&chunk[..n]);
    }
    let body = "{\"title\": \"boom\"}";
    let answer = format!(
        "HTTP/1.1 500 Internal Server Error\r\ncontent-type: application/taxii+json;version=2.1\r\ncontent-length: {}\r\nconnection: close\r\n\r\n{body}",
        body.len()
    );
    let _ = stream.write_all(answer.as_bytes());
}

/// Stores `objects` in the shared collection of the (stopped) node in `data`, as `org`.
fn import(data: &Path, org: &str, objects: &[Value]) {
    let bundle = data.with_extension(format!("{}.json", uuid::Uuid::new_v4()));
    let text =
        json!({"type": "bundle", "id": format!("bundle--{}", uuid::Uuid::new_v4()), "objects": objects});
    std::fs::write(&bundle, text.to_string()).unwrap();
    let out = support::run(&[
        "import",
        "--data",
        data.to_str().unwrap(),
        "--collection",
        SHARED,
        "--as",
        org,
        bundle.to_str().unwrap(),
    ]);
    assert_eq!(out.code, 0, "{out}");
}

/// Every version of the shared collection the node in `data` stores, as ids; panics
/// naming any held twice.
fn versions_once_in(data: &Path, name: &str) -> Vec<String> {
    let out =
        support::run(&["export", "--data", data.to_str().unwrap(), "--collection", SHARED, "--all-versions"]);
    assert_eq!(out.code, 0, "{out}");
    let bundle: Value = serde_json::from_str(&out.stdout).unwrap();
    let mut count: BTreeMap<(String, String), usize> = BTreeMap::new();
    for o in bundle["objects"].as_array().cloned().unwrap_or_default() {
        let key =
            (o["id"].as_str().unwrap().to_owned(), o["modified"].as_str().unwrap_or_default().to_owned());
        *count.entry(key).or_default() += 1;
    }
    let repeated: Vec<_> = count.iter().filter(|(_, n)| **n > 1).collect();
    assert!(repeated.is_empty(), "{name} holds versions more than once: {repeated:?}");
    count.into_keys().map(|(id, _)| id).collect()
}

/// The SG node syncs with `selat sync` through a [`FaultProxy`] in front of a real hub: a first
/// round moves objects both ways; then, while the link plays `fault`, SG and MY store more, and
/// the round fails visibly (`said` in the report and the peer's last error), moving nothing;
/// once the link behaves, the next round brings every allowed object across, each version
/// exactly once on both sides, and the peer's status shows the error and then a later success.
async fn a_faulty_link_recovers(fault: Fault, said: &str) {
    let dir = tempfile::tempdir().unwrap();
    let (hub_dir, sg_dir) = (dir.path().join("hub"), dir.path().join("sg"));
    let hub_tokens = seed(&hub_dir, &[("SG", Role::Analyst), ("MY", Role::Analyst)]).await;
    seed(&sg_dir, &[]).await;
    let hub = Server::start(&hub_dir, "hosts = [\"ASEAN\"]\n");
    let proxy = FaultProxy::start(&hub.base);
    let config = dir.path().join("sg.toml");
    let extra = format!("timeout_s = 1\norg = \"ASEAN\"\npull = [\"{SHARED}\"]\npush = [\"{SHARED}\"]");
    let peer = peer_toml("hub", &proxy.api_root(), &hub_tokens["SG/analyst"], "[\"SG\", \"SG-*\"]", &extra);
    std::fs::write(&config, peer).unwrap();
    let sync =
        || support::run(&["sync", "--data", sg_dir.to_str().unwrap(), "--config", config.to_str().unwrap()]);
    let batch = |creator: &str| -> Vec<Value> {
        vec![indicator(creator, "green", "community", &[]), indicator(creator, "amber", "community", &[])]
    };
    let ids = |objects: &[Value]| -> Vec<String> {
        objects.iter().map(|o| o["id"].as_str().unwrap().to_owned()).collect()
    };

    let (sg_first, my_first) = (batch("SG"), batch("MY"));
    let national = indicator("SG", "green", "national", &[]);
    import(&sg_dir, "SG", &[sg_first.clone(), vec![national.clone()]].concat());
    post(&hub, &hub_tokens["MY/analyst"], &my_first).await;
    let out = sync();
    assert_eq!(out.code, 0, "{out}");

    proxy.set(fault);
    let (sg_then, my_then) = (batch("SG"), batch("MY"));
    import(&sg_dir, "SG", &sg_then);
    post(&hub, &hub_tokens["MY/analyst"], &my_then).await;
    let failed = sync();
    assert_eq!(failed.code, 1, "{failed}");
    assert!(failed.stdout.contains("peer hub: FAILED: pull") && failed.stdout.contains(said), "{failed}");
    assert!(failed.stdout.contains("received 0, already present 0, sent 0"), "{failed}");
    let status = peer_status(&sg_dir, "hub").await;
    assert!(status.last_error.as_deref().is_some_and(|e| e.contains(said)), "{status:?}");

    proxy.set(Fault::None);
    let recovered = sync();
    assert_eq!(recovered.code, 0, "{recovered}");
    assert!(
        recovered
            .stdout
            .contains("peer hub: ok, caught up; received 2, already present 0, sent 2, refused 0"),
        "{recovered}"
    );

    let at_hub = versions_once_in(&hub.data, "hub");
    let at_sg = versions_once_in(&sg_dir, "SG");
    let shared = [ids(&sg_first), ids(&sg_then), ids(&my_first), ids(&my_then)].concat();
    let mut wanted_at_hub = shared.clone();
    wanted_at_hub.sort_unstable();
    assert_eq!(at_hub, wanted_at_hub, "every shareable object at the hub, once, and nothing else");
    let mut wanted_at_sg = [shared, ids(std::slice::from_ref(&national))].concat();
    wanted_at_sg.sort_unstable();
    assert_eq!(at_sg, wanted_at_sg, "every object MY shared at SG's node, once");
    let status = peer_status(&sg_dir, "hub").await;
    let (success, error) = (status.last_success.clone().unwrap(), status.last_error_at.clone().unwrap());
    assert!(success > error, "the error, then a later success: {status:?}");
    assert_eq!((status.rounds, status.refused), (3, 0), "{status:?}");
    if fault == Fault::Answer500 {
        reset_cursors_send_nothing_twice(&sg_dir, &hub.data, &config, at_sg.len(), at_hub.len());
    }
}

/// `selat admin peer reset-cursor`: the next round runs the links from the beginning, and
/// neither side ends up holding anything twice. An unknown peer or collection is an error.
fn reset_cursors_send_nothing_twice(
    sg_dir: &Path,
    hub_dir: &Path,
    config: &Path,
    at_sg: usize,
    at_hub: usize,
) {
    let data = sg_dir.to_str().unwrap();
    let reset =
        |args: &[&str]| support::run(&[&["admin", "--data", data, "peer", "reset-cursor"], args].concat());
    let out = reset(&["hub", "--collection", SHARED, "--direction", "push"]);
    assert_eq!(out.code, 0, "{out}");
    assert!(out.stdout.contains("1 cursors of peer hub forgotten"), "{out}");
    let out = reset(&["hub"]);
    assert!(
        out.code == 0 && out.stdout.contains("1 cursors of peer hub forgotten"),
        "the pull cursor: {out}"
    );
    let out = reset(&["nope"]);
    assert_ne!(out.code, 0, "{out}");
    assert!(out.stderr.contains("no such cursor"), "{out}");
    let again = support::run(&["sync", "--data", data, "--config", config.to_str().unwrap()]);
    assert_eq!(again.code, 0, "{again}");
    assert!(
        again.stdout.contains("received 0, already present 4, sent 4,"),
        "everything offered and fetched again: {again}"
    );
    assert_eq!(versions_once_in(sg_dir, "SG").len(), at_sg);
    assert_eq!(versions_once_in(hub_dir, "hub").len(), at_hub);
    let audit = support::run(&["admin", "--data", data, "audit", "--operation", "federation.cursor.reset"]);
    assert!(audit.code == 0 && audit.stdout.contains("peer hub: 1 cursors forgotten"), "{audit}");
}

/// The peer's status as `/api/v1/peers` and `selat admin peer list` show it, read from the
/// (stopped) node in `data`.
async fn peer_status(data: &Path, name: &str) -> selat_core::federation::status::PeerRecord {
    let node = Node::open(data).await.unwrap();
    let records = node.peer_records().await.unwrap();
    records.into_iter().find(|p| p.name == name).unwrap_or_else(|| panic!("no peer {name}"))
}

/// A peer answering 500: the round fails with the status and the start of the answer, moves
/// nothing, and the link recovers once the peer behaves.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_peer_answering_500_fails_visibly_then_recovers() {
    a_faulty_link_recovers(Fault::Answer500, "HTTP 500: {\"title\": \"boom\"}").await;
}

/// A peer that accepts connections and never answers: the round gives up after the peer's
/// `timeout_s`, says so, and the link recovers once the peer answers again.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_peer_that_times_out_fails_visibly_then_recovers() {
    let started = Instant::now();
    a_faulty_link_recovers(Fault::Silent, "timed out").await;
    assert!(started.elapsed() < Duration::from_secs(60), "took {:?}", started.elapsed());
}

/// The SG node is killed (SIGKILL) while it pushes thousands of objects to the hub, and
/// restarted: the hub ends with every object exactly once, and so does MY's node, which pulls
/// them from the hub page by page (following `next`).
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_node_killed_mid_sync_resumes_without_loss_or_duplicates() {
    const OBJECTS: usize = 6000;
    let dir = tempfile::tempdir().unwrap();
    let (hub_dir, sg_dir, my_dir) = (dir.path().join("hub"), dir.path().join("sg"), dir.path().join("my"));
    let hub_tokens = seed(&hub_dir, &[("SG", Role::Analyst), ("MY", Role::Analyst)]).await;
    seed(&my_dir, &[]).await;
    seed(&sg_dir, &[]).await;
    let objects: Vec<Value> = (0..OBJECTS).map(|_| indicator("SG", "green", "community", &[])).collect();
    let bundle = dir.path().join("bulk.json");
    std::fs::write(
        &bundle,
        json!({"type": "bundle", "id": format!("bundle--{}", uuid::Uuid::new_v4()), "objects": objects})
            .to_string(),
    )
    .unwrap();
    let out = support::run(&[
        "import",
        "--data",
        sg_dir.to_str().unwrap(),
        "--collection",
        SHARED,
        "--as",
        "SG",
        bundle.to_str().unwrap(),
    ]);
    assert_eq!(out.code, 0, "{out}");

    let hub = Server::start(&hub_dir, "hosts = [\"ASEAN\"]\n");
    let sg_config = format!(
        "sync_interval_s = 1\n{}",
        peer_toml(
            "hub",
            &hub.api_root(),
            &hub_tokens["SG/analyst"],
            "[\"SG\", \"SG-*\"]",
            &format!("push = [\"{SHARED}\"]")
        )
    );
    let mut sg = Server::start(&sg_dir, &sg_config);
    // Kill the SG node as soon as the hub holds some of its objects.
    let client = selat_taxii::client::http_client().build().unwrap();
    let probe = format!("{}collections/{SHARED}/objects/?limit=1", hub.api_root());
    let started = Instant::now();
    loop {
        let page: Value = client
            .get(&probe)
            .bearer_auth(&hub_tokens["SG/analyst"])
            .header("Accept", TAXII)
            .send()
            .await
            .unwrap()
            .json()
            .await
            .unwrap_or_default();
        if page["objects"].as_array().is_some_and(|o| !o.is_empty()) {
            break;
        }
        assert!(started.elapsed() < PATIENCE, "nothing reached the hub");
        tokio::time::sleep(Duration::from_millis(10)).await;
    }
    sg.kill_9();
    let at_kill = hub.versions_once("hub");
    println!("SG killed with {at_kill} of {OBJECTS} objects at the hub");
    let _sg = Server::start(&sg_dir, &sg_config);
    let my = Server::start(
        &my_dir,
        &format!(
            "sync_interval_s = 1\n{}",
            peer_toml(
                "hub",
                &hub.api_root(),
                &hub_tokens["MY/analyst"],
                "[\"MY\", \"MY-*\"]",
                &format!("pull = [\"{SHARED}\"]")
            )
        ),
    );
    wait_until("every object at the hub and at MY's node", || {
        hub.versions_once("hub") == OBJECTS && my.versions_once("MY") == OBJECTS
    })
    .await;
}

/// A push keeps every request under the peer's advertised `max_content_length`: the hub here
/// takes 3,000 bytes, so the node splits its eleven small indicators over several requests,
/// and refuses (with the reason, never blocking the rest) the one indicator too large to send.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_push_keeps_each_request_under_the_peers_max_content_length() {
    const MAX_BODY_BYTES: usize = 3000;
    let dir = tempfile::tempdir().unwrap();
    let (hub_dir, sg_dir) = (dir.path().join("hub"), dir.path().join("sg"));
    let hub_tokens = seed(&hub_dir, &[("SG", Role::Analyst)]).await;
    seed(&sg_dir, &[]).await;
    let small: Vec<Value> = (0..11).map(|_| indicator("SG", "green", "community", &[])).collect();
    let mut large = indicator("SG", "green", "community", &[]);
    large["description"] = json!("x".repeat(MAX_BODY_BYTES));
    import(&sg_dir, "SG", &[small.clone(), vec![large.clone()]].concat());
    let hub = Server::start(
        &hub_dir,
        &format!("hosts = [\"ASEAN\"]\n[limits]\nmax_body_bytes = {MAX_BODY_BYTES}\n"),
    );
    let config = dir.path().join("sg.toml");
    let extra = format!("push = [\"{SHARED}\"]");
    std::fs::write(&config, peer_toml("hub", &hub.api_root(), &hub_tokens["SG/analyst"], "[\"SG\"]", &extra))
        .unwrap();
    let data = sg_dir.to_str().unwrap();
    let out = support::run(&["sync", "--data", data, "--config", config.to_str().unwrap()]);
    assert_eq!(out.code, 0, "{out}");
    assert!(out.stdout.contains("sent 11, refused 1,"), "{out}");

    let mut at_hub = versions_once_in(&hub.data, "hub");
    let mut wanted: Vec<String> = small.iter().map(|o| o["id"].as_str().unwrap().to_owned()).collect();
    at_hub.sort_unstable();
    wanted.sort_unstable();
    assert_eq!(at_hub, wanted, "every small indicator at the hub, and not the large one");
    // The hub's audit log (written in the background) has one entry per Add Objects request.
    let hub_data = hub.data.to_str().unwrap();
    wait_until("eleven indicators in several requests at the hub", || {
        let audit = support::run(&["admin", "--data", hub_data, "audit", "--operation", "taxii.objects.add"]);
        audit.stdout.lines().count() >= 3
    })
    .await;
    let refusals = support::run(&["admin", "--data", data, "peer", "refusals", "hub"]);
    let large_id = large["id"].as_str().unwrap();
    assert!(
        refusals.stdout.contains(large_id)
            && refusals.stdout.contains(&format!("more than the peer takes ({MAX_BODY_BYTES} bytes")),
        "{refusals}"
    );
    let again = support::run(&["sync", "--data", data, "--config", config.to_str().unwrap()]);
    assert!(again.stdout.contains("sent 0, refused 0,"), "the cursor moved past all twelve: {again}");
}

/// A collection that fails on a link (here: pulled into a collection this node lacks) is reported
/// and the round counts as failed, but the link's other collections still sync.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_failing_collection_does_not_stop_the_others() {
    let Some(python) = selat_testdata::python("a_failing_collection_does_not_stop_the_others") else {
        return;
    };
    let dir = tempfile::tempdir().unwrap();
    let (medallion, api_root) = start_medallion(&python, dir.path());
    let _medallion = Reap(medallion);
    let from_my = indicator("MY", "green", "community", &[]);
    let posted = selat_taxii::client::http_client()
        .build()
        .unwrap()
        .post(format!("{api_root}collections/{SHARED}/objects/"))
        .basic_auth("fed", Some("fed-password"))
        .header("Accept", TAXII)
        .header("Content-Type", TAXII)
        .body(json!({"objects": [from_my]}).to_string())
        .send()
        .await
        .unwrap();
    assert!(posted.status().is_success());
    let data = dir.path().join("sg");
    seed(&data, &[]).await;
    let missing = "0b9c1d2e-3f40-4a5b-8c6d-7e8f9a0b1c2d";
    let config = dir.path().join("sg.toml");
    let extra = format!("username = \"fed\"\npull = [\"{missing}\", \"{SHARED}\"]");
    std::fs::write(&config, peer_toml("medallion", &api_root, "fed-password", "[\"SG\"]", &extra)).unwrap();
    let out = support::run(&["sync", "--data", data.to_str().unwrap(), "--config", config.to_str().unwrap()]);
    assert_eq!(out.code, 1, "{out}");
    assert!(out.stdout.contains(&format!("FAILED: pull {missing}: no local collection")), "{out}");
    assert!(out.stdout.contains("received 1,"), "the other collection synced: {out}");
}

/// `selat bench federation` runs end to end on a small count (the figures themselves come from
/// a release build, see docs/benchmarks.md).
#[test]
fn bench_federation_replicates_everything() {
    let out = support::run(&[
        "bench",
        "federation",
        "--objects",
        "2000",
        "--trickle",
        "5",
        "--pull-interval-s",
        "1",
    ]);
    assert_eq!(out.code, 0, "{out}");
    assert!(out.stdout.contains("push node → hub: 2000 object versions confirmed (0 refused"), "{out}");
    assert!(out.stdout.contains("pull hub → puller: 2000 object versions stored (0 refused)"), "{out}");
    for link in ["the push link", "the pull link", "both links"] {
        let line = out.stdout.lines().find(|l| l.starts_with(&format!("lag over {link}")));
        assert!(line.is_some_and(|l| l.contains("(5 objects, one written every 200 ms)")), "{link}: {out}");
    }
}

/// A test CA and a server certificate it signed for 127.0.0.1, made by the `openssl` command:
/// `(ca, cert, key)`, or `None` (the test says it skips) when the command is missing. (A
/// self-signed certificate will not do: rustls refuses a CA certificate used as a server's.)
fn test_pki(dir: &Path) -> Option<(PathBuf, PathBuf, PathBuf)> {
    let path = |name: &str| dir.join(name);
    let ext = path("leaf.ext");
    std::fs::write(&ext, "subjectAltName=IP:127.0.0.1\nbasicConstraints=CA:FALSE\n").unwrap();
    let ec = ["-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1", "-nodes"];
    let run = |args: &[&str]| {
        std::process::Command::new("openssl").args(args).output().is_ok_and(|o| o.status.success())
    };
    let p = |name: &str| path(name).to_str().unwrap().to_owned();
    let (ca_key, ca, key, csr, cert) =
        (p("ca.key"), p("ca.pem"), p("leaf.key"), p("leaf.csr"), p("leaf.pem"));
    let mut made = run(&[
        &["req", "-x509", "-days", "1", "-subj", "/CN=Selat test CA"][..],
        &ec,
        &["-keyout", &ca_key, "-out", &ca],
    ]
    .concat());
    made = made
        && run(&[&["req", "-subj", "/CN=localhost"][..], &ec, &["-keyout", &key, "-out", &csr]].concat());
    made = made
        && run(&[
            "x509",
            "-req",
            "-in",
            &csr,
            "-CA",
            &ca,
            "-CAkey",
            &ca_key,
            "-CAcreateserial",
            "-days",
            "1",
            "-out",
            &cert,
            "-extfile",
            ext.to_str().unwrap(),
        ]);
    if !made {
        println!("skipped: the openssl command is needed to make a test CA and certificate");
        return None;
    }
    Some((path("ca.pem"), path("leaf.pem"), path("leaf.key")))
}

/// A hub served over HTTPS: a node that trusts the hub's CA (`ca_file`) pushes to it; without
/// the CA the round fails on the certificate, so the peer is verified, not just encrypted.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_node_pushes_to_a_hub_over_https_trusting_its_ca() {
    let dir = tempfile::tempdir().unwrap();
    let Some((ca, cert, key)) = test_pki(dir.path()) else { return };
    let (hub_dir, sg_dir, doubt_dir) =
        (dir.path().join("hub"), dir.path().join("sg"), dir.path().join("doubt"));
    let hub_tokens = seed(&hub_dir, &[("SG", Role::Analyst)]).await;
    let sg_tokens = seed(&sg_dir, &[("SG", Role::Analyst)]).await;
    seed(&doubt_dir, &[]).await;
    let tls =
        format!("tls_cert = \"{}\"\ntls_key = \"{}\"\nhosts = [\"ASEAN\"]\n", cert.display(), key.display());
    let hub = Server::start(&hub_dir, &tls);
    assert!(hub.base.starts_with("https://"), "{}", hub.base);
    let peer = |ca: &str| {
        peer_toml(
            "hub",
            &hub.api_root(),
            &hub_tokens["SG/analyst"],
            "[\"SG\", \"SG-*\"]",
            &format!("push = [\"{SHARED}\"]\n{ca}"),
        )
    };
    let sg = Server::start(
        &sg_dir,
        &format!("sync_interval_s = 1\n{}", peer(&format!("ca_file = \"{}\"", ca.display()))),
    );
    let shared = indicator("SG", "green", "community", &[]);
    post(&sg, &sg_tokens["SG/analyst"], std::slice::from_ref(&shared)).await;
    let id = shared["id"].as_str().unwrap().to_owned();
    let started = Instant::now();
    while !hub.ids(None).contains(&id) {
        if started.elapsed() > PATIENCE {
            let config = sg_dir.with_extension("toml");
            let out = support::run(&[
                "sync",
                "--data",
                sg_dir.to_str().unwrap(),
                "--config",
                config.to_str().unwrap(),
            ]);
            panic!("SG's indicator never reached the hub over https; a round now says: {out}");
        }
        tokio::time::sleep(Duration::from_millis(200)).await;
    }

    // The same link without the CA: the certificate is refused and the round says so.
    let config = doubt_dir.with_extension("toml");
    std::fs::write(&config, peer(&format!("pull = [\"{SHARED}\"]"))).unwrap();
    let out =
        support::run(&["sync", "--data", doubt_dir.to_str().unwrap(), "--config", config.to_str().unwrap()]);
    assert_eq!(out.code, 1, "{out}");
    assert!(
        out.stdout.to_lowercase().contains("certificate")
            || out.stderr.to_lowercase().contains("certificate"),
        "{out}"
    );
}
