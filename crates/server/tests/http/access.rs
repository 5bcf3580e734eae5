//! The access rule on every TAXII read path (DESIGN.md "Who may see an object"), with
//! `selat_core::policy::may_see` — itself held to DESIGN.md's table by a hand-written matrix —
//! as the oracle: a generated matrix of viewers × TLPs × scopes × creators, the version and
//! ownership rules, and a property test over random objects, versions and viewers.

use std::collections::{BTreeMap, BTreeSet};

use reqwest::Method;
use selat_core::org::{OrgKind, Organisation, Principal, Role};
use selat_core::policy::{Sharing, Viewer, may_see};
use selat_server::Limits;
use selat_stix::meta::Scope;
use selat_stix::tlp::Tlp;
use selat_store::{ScanQuery, Store};
use serde_json::{Value, json};

use crate::support::{Auth, Fixture, Server};

const DISTRIBUTION: &str = "extension-definition--b78d1732-3a01-46df-a4b4-719a2aab7a1d";
const TLPS: [Tlp; 5] = [Tlp::Clear, Tlp::Green, Tlp::Amber, Tlp::AmberStrict, Tlp::Red];
const SCOPES: [Scope; 5] =
    [Scope::Organisation, Scope::National, Scope::Community, Scope::Group, Scope::Recipients];

/// One organisation of the test world, with an analyst token.
struct Member {
    org: Organisation,
    member_state: Option<String>,
    token: String,
}

/// A server with organisations of every kind and relation, and a sharing group.
struct World {
    server: Server,
    members: BTreeMap<&'static str, Member>,
    /// The sharing group's id and member short names.
    group: (String, Vec<&'static str>),
    shared: String,
    public: String,
}

impl World {
    async fn new(fixture: &mut Fixture) -> World {
        let server = fixture.start(Limits::default()).await;
        let node = &server.node;
        for (short, kind, parent) in [
            ("SG-BANKING", OrgKind::SectorLead, Some("SG")),
            ("SG-ENERGY", OrgKind::SectorLead, Some("SG")),
            ("MY-BANKING", OrgKind::SectorLead, Some("MY")),
            ("TH", OrgKind::MemberState, None),
            ("VN", OrgKind::MemberState, None),
            ("JP", OrgKind::Partner, None),
        ] {
            let org = Organisation {
                short_name: short.into(),
                name: format!("{short} agency"),
                kind,
                parent: parent.map(Into::into),
                identity: format!("identity--{}", uuid::Uuid::new_v4()),
                member_since: None,
            };
            node.create_organisation(&org).await.unwrap();
        }
        let mut members = BTreeMap::new();
        for short in ["SG", "SG-BANKING", "SG-ENERGY", "MY", "MY-BANKING", "TH", "VN", "ASEAN", "JP"] {
            let org = node.organisation(short).await.unwrap().unwrap();
            let member_state = node.member_state_identity(&org).await.unwrap();
            let token = node.issue_token(short, Role::Analyst, None, "matrix", None).await.unwrap().text;
            members.insert(short, Member { org, member_state, token });
        }
        let group_members = vec!["SG-BANKING", "SG-ENERGY", "TH", "SG"];
        let admin = Principal {
            org: members["SG-BANKING"].org.clone(),
            role: Role::OrgAdmin,
            username: None,
            token_id: None,
        };
        let identities: Vec<String> = group_members.iter().map(|m| members[m].org.identity.clone()).collect();
        let group = node.create_sharing_group(&admin, None, "matrix group", None, &identities).await.unwrap();
        World {
            server,
            members,
            group: (group.id, group_members),
            shared: fixture.shared.clone(),
            public: fixture.public.clone(),
        }
    }

    fn identity(&self, short: &str) -> String {
        self.members[short].org.identity.clone()
    }

    /// What `may_see` says of `object` (by `creator`) for `viewer` (`None`: anonymous).
    fn expected(
        &self,
        viewer: Option<&str>,
        creator: &str,
        tlp: Option<Tlp>,
        scope: Scope,
        public: bool,
    ) -> bool {
        let groups = match viewer {
            Some(v) if self.group.1.contains(&v) => vec![self.group.0.clone()],
            _ => Vec::new(),
        };
        let viewer = viewer.map(|v| {
            let m = &self.members[v];
            Viewer { org: &m.org, member_state: m.member_state.as_deref(), groups: &groups }
        });
        let owner = &self.members[creator];
        let recipients = vec![self.identity("MY"), self.identity("JP")];
        let sharing = Sharing {
            owner: &owner.org.identity,
            owner_member_state: owner.member_state.as_deref(),
            tlp,
            scope,
            group: Some(self.group.0.as_str()),
            recipients: if scope == Scope::Recipients { &recipients } else { &[] },
            public,
        };
        may_see(viewer.as_ref(), &sharing)
    }

    /// An indicator under `tlp` (none: unmarked) and `scope`, by `creator`.
    fn object(
        &self,
        creator: &str,
        tlp: Option<Tlp>,
        scope: Scope,
        modified: &str,
        id: Option<&str>,
    ) -> Value {
        let id = id.map_or_else(|| format!("indicator--{}", uuid::Uuid::new_v4()), str::to_owned);
        let mut extension = json!({"extension_type": "property-extension", "scope": scope.as_str()});
        match scope {
            Scope::Group => extension["sharing_group_ref"] = json!(self.group.0),
            Scope::Recipients => {
                extension["recipient_refs"] = json!([self.identity("MY"), self.identity("JP")])
            }
            _ => {}
        }
        let mut object = json!({
            "type": "indicator", "spec_version": "2.1", "id": id,
            "created": "2024-01-01T00:00:00.000Z", "modified": modified,
            "created_by_ref": self.identity(creator),
            "name": format!("{creator} {tlp:?} {scope:?}"),
            "pattern": "[ipv4-addr:value = '198.51.100.7']", "pattern_type": "stix",
            "valid_from": "2024-01-01T00:00:00Z",
            "extensions": {DISTRIBUTION: extension}
        });
        if let Some(tlp) = tlp {
            object["object_marking_refs"] = json!([tlp.marking_id()]);
        }
        object
    }

    /// POSTs `objects` as `creator`, waits, and returns the status.
    async fn post(&self, collection: &str, creator: &str, objects: &[Value]) -> Value {
        let token = &self.members[creator].token;
        let pending = self.server.post_objects(collection, token, objects).await;
        self.server.wait_complete(pending["id"].as_str().unwrap(), token).await
    }

    fn auth(&self, viewer: Option<&str>) -> Auth<'_> {
        viewer.map_or(Auth::None, |v| Auth::Token(&self.members[v].token))
    }

    async fn get(&self, path: &str, viewer: Option<&str>) -> crate::support::Reply {
        self.server.send(Method::GET, path, self.auth(viewer), &[], None).await
    }

    /// Every entry of a listing endpoint (`objects` or `manifest`), following `next`: ids, and
    /// the `date_added` of each manifest record.
    async fn list(&self, collection: &str, endpoint: &str, viewer: Option<&str>, extra: &str) -> Vec<Value> {
        let base = format!("/taxii2/selat/collections/{collection}/{endpoint}/?limit=7{extra}");
        let (mut path, mut out) = (base.clone(), Vec::new());
        for _ in 0..1000 {
            let body = self.get(&path, viewer).await.ok_json();
            out.extend(body["objects"].as_array().cloned().unwrap_or_default());
            match body["next"].as_str() {
                Some(next) if body["more"] == json!(true) => path = format!("{base}&next={next}"),
                _ => return out,
            }
        }
        panic!("paging did not end");
    }
}

fn ids_of(records: &[Value]) -> BTreeSet<String> {
    records.iter().map(|r| r["id"].as_str().unwrap().to_owned()).collect()
}

/// Per read path: checks, leaks and wrongful denials.
#[derive(Default)]
struct Tally(BTreeMap<&'static str, (u32, Vec<String>, Vec<String>)>);

impl Tally {
    fn check(&mut self, path: &'static str, case: impl Fn() -> String, got: bool, want: bool) {
        let entry = self.0.entry(path).or_default();
        entry.0 += 1;
        match (got, want) {
            (true, false) => entry.1.push(case()),
            (false, true) => entry.2.push(case()),
            _ => {}
        }
    }

    fn assert_clean(&self) {
        let mut dirty = false;
        for (path, (checks, leaks, denials)) in &self.0 {
            println!(
                "{path:<22} {checks:>5} checks, {} leaks, {} wrongful denials",
                leaks.len(),
                denials.len()
            );
            if !leaks.is_empty() || !denials.is_empty() {
                dirty = true;
                println!("  leaks: {leaks:?}\n  denials: {denials:?}");
            }
        }
        assert!(!dirty, "the access rule does not hold on every read path");
    }
}

/// Every relation of viewer to creator × five TLPs × five scopes × two creators (a sector lead and
/// a member state), on every read path of the shared collection, plus the public collection and
/// anonymous callers: zero leaks and zero wrongful denials.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_matrix_holds_on_every_read_path() {
    let mut fixture = Fixture::new().await;
    let world = World::new(&mut fixture).await;
    let mut objects: Vec<(String, &str, Tlp, Scope)> = Vec::new();
    for creator in ["SG-BANKING", "SG"] {
        let mut batch = Vec::new();
        let mut refused = 0;
        for scope in SCOPES {
            for tlp in TLPS {
                let object = world.object(creator, Some(tlp), scope, "2024-01-01T00:00:00.000Z", None);
                if tlp == Tlp::Red && matches!(scope, Scope::National | Scope::Community | Scope::Group) {
                    refused += 1;
                } else {
                    objects.push((object["id"].as_str().unwrap().to_owned(), creator, tlp, scope));
                }
                batch.push(object);
            }
        }
        let status = world.post(&world.shared, creator, &batch).await;
        assert_eq!(status["failure_count"], json!(refused), "RED outside recipients/organisation: {status}");
        for failure in status["failures"].as_array().unwrap() {
            assert!(failure["message"].as_str().unwrap().contains("red-scope"), "{failure}");
        }
    }
    let clear = world.object("ASEAN", Some(Tlp::Clear), Scope::Community, "2024-01-01T00:00:00.000Z", None);
    let status = world.post(&world.public, "ASEAN", std::slice::from_ref(&clear)).await;
    assert_eq!(status["success_count"], json!(1), "{status}");
    let clear_id = clear["id"].as_str().unwrap().to_owned();

    let mut tally = Tally::default();
    let viewers: Vec<Option<&str>> = world.members.keys().copied().map(Some).chain([None]).collect();
    for &viewer in &viewers {
        let who = viewer.unwrap_or("anonymous");
        let want: BTreeSet<String> = objects
            .iter()
            .filter(|(_, creator, tlp, scope)| world.expected(viewer, creator, Some(*tlp), *scope, false))
            .map(|(id, ..)| id.clone())
            .collect();
        if viewer.is_none() {
            let listing = format!("/taxii2/selat/collections/{}/objects/", world.shared);
            world.get(&listing, None).await.assert_error(401, "unauthorized");
            for (id, ..) in &objects {
                let path = format!("/taxii2/selat/collections/{}/objects/{id}/", world.shared);
                let status = world.get(&path, None).await.status.as_u16();
                tally.check("object (anonymous)", || id.clone(), status != 401, false);
            }
        } else {
            let listed = world.list(&world.shared, "objects", viewer, "").await;
            let manifest = world.list(&world.shared, "manifest", viewer, "").await;
            let versions_all = world.list(&world.shared, "objects", viewer, "&match[version]=all").await;
            let typed = world.list(&world.shared, "manifest", viewer, "&match[type]=indicator").await;
            for (id, creator, tlp, scope) in &objects {
                let case = || format!("{who} sees {creator} {tlp:?} {scope:?}");
                let should = want.contains(id);
                tally.check("objects", case, ids_of(&listed).contains(id), should);
                tally.check("manifest", case, ids_of(&manifest).contains(id), should);
                tally.check("objects version=all", case, ids_of(&versions_all).contains(id), should);
                tally.check("manifest type filter", case, ids_of(&typed).contains(id), should);
                let one = world
                    .get(&format!("/taxii2/selat/collections/{}/objects/{id}/", world.shared), viewer)
                    .await;
                assert!(matches!(one.status.as_u16(), 200 | 404), "{}", one.text);
                if one.status.as_u16() == 404 {
                    one.assert_error(404, "object-not-found");
                }
                tally.check("object", case, one.status.as_u16() == 200, should);
                let versions_path =
                    format!("/taxii2/selat/collections/{}/objects/{id}/versions/", world.shared);
                let versions = world.get(&versions_path, viewer).await;
                tally.check("versions", case, versions.status.as_u16() == 200, should);
                let filtered = format!("/taxii2/selat/collections/{}/objects/?match[id]={id}", world.shared);
                let by_id = world.get(&filtered, viewer).await.ok_json();
                let found = by_id["objects"].as_array().is_some_and(|o| !o.is_empty());
                tally.check("objects id filter", case, found, should);
            }
            assert_eq!(listed.len(), want.len(), "{who}: counts equal what the rule computes");
            // The date headers of one unpaged page are those of the visible entries only.
            let page = world
                .get(&format!("/taxii2/selat/collections/{}/manifest/?limit=1000", world.shared), viewer)
                .await;
            let dates: Vec<&str> = manifest.iter().map(|r| r["date_added"].as_str().unwrap()).collect();
            let first = page.header("x-taxii-date-added-first").map(str::to_owned);
            let last = page.header("x-taxii-date-added-last").map(str::to_owned);
            let header_ok =
                first.as_deref() == dates.first().copied() && last.as_deref() == dates.last().copied();
            tally.check(
                "date headers",
                || format!("{who}: {first:?} {last:?} vs {dates:?}"),
                header_ok,
                true,
            );
            // Export as this organisation: the store scan with its audience.
            let node = &world.server.node;
            let org = &world.members[who].org;
            let audience = node.org_audience(Some(org), false).await.unwrap();
            let scan = ScanQuery {
                limit: 10_000,
                collection: Some(world.shared.clone()),
                audience,
                ..ScanQuery::default()
            };
            let exported: BTreeSet<String> =
                node.store.scan(&scan).await.unwrap().rows.into_iter().map(|r| r.id).collect();
            for (id, creator, tlp, scope) in &objects {
                let case = || format!("{who} exports {creator} {tlp:?} {scope:?}");
                tally.check("export --as", case, exported.contains(id), want.contains(id));
            }
        }
        // The public advisory collection: TLP:CLEAR community objects, for everyone.
        let public = world.list(&world.public, "objects", viewer, "").await;
        let expected = world.expected(viewer, "ASEAN", Some(Tlp::Clear), Scope::Community, true);
        tally.check("public objects", || who.to_owned(), ids_of(&public).contains(&clear_id), expected);
    }
    let metrics = world.get("/metrics", None).await;
    assert!(!metrics.text.contains("selat_objects_stored"), "no object counts in /metrics");
    tally.assert_clean();
    world.server.stop().await;
}

/// A version is visible only if both its own and the latest version's markings allow it.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn later_markings_govern_earlier_versions() {
    let mut fixture = Fixture::new().await;
    let world = World::new(&mut fixture).await;
    let v1 = "2024-01-01T00:00:00.000Z";
    let v2 = "2024-02-01T00:00:00.000Z";
    // Tightened: community GREEN, then organisation-only.
    let tightened = world.object("SG", Some(Tlp::Green), Scope::Community, v1, None);
    let id_t = tightened["id"].as_str().unwrap().to_owned();
    // Loosened: RED for SG alone, then GREEN for the community.
    let loosened = world.object("SG", Some(Tlp::Red), Scope::Organisation, v1, None);
    let id_l = loosened["id"].as_str().unwrap().to_owned();
    world.post(&world.shared, "SG", &[tightened, loosened]).await;
    let versions = |id: &str| format!("/taxii2/selat/collections/{}/objects/{id}/versions/", world.shared);
    let before = world.get(&versions(&id_t), Some("MY")).await.ok_json();
    assert_eq!(before["versions"].as_array().unwrap().len(), 1, "MY sees v1 while it is shared: {before}");
    world
        .post(
            &world.shared,
            "SG",
            &[
                world.object("SG", Some(Tlp::Green), Scope::Organisation, v2, Some(&id_t)),
                world.object("SG", Some(Tlp::Green), Scope::Community, v2, Some(&id_l)),
            ],
        )
        .await;
    world.get(&versions(&id_t), Some("MY")).await.assert_error(404, "object-not-found");
    let all = world.list(&world.shared, "objects", Some("MY"), "&match[version]=all").await;
    let seen: Vec<(String, String)> = all
        .iter()
        .map(|o| (o["id"].as_str().unwrap().to_owned(), o["modified"].as_str().unwrap().to_owned()))
        .collect();
    assert_eq!(seen, vec![(id_l.clone(), v2.to_owned())], "MY: the loosened object's new version only");
    let sg = world.get(&versions(&id_t), Some("SG")).await.ok_json();
    assert_eq!(sg["versions"].as_array().unwrap().len(), 2, "the creator keeps every version: {sg}");
    world.server.stop().await;
}

/// Only the owner adds versions (`not-owner`); a `created_by_ref` naming another registered
/// organisation is forged; third-party identities are kept.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn ownership_and_forged_creators_are_refused() {
    let mut fixture = Fixture::new().await;
    let world = World::new(&mut fixture).await;
    let original = world.object("SG", Some(Tlp::Green), Scope::Community, "2024-01-01T00:00:00.000Z", None);
    let id = original["id"].as_str().unwrap().to_owned();
    world.post(&world.shared, "SG", &[original]).await;
    let mut by_my =
        world.object("SG", Some(Tlp::Green), Scope::Community, "2024-03-01T00:00:00.000Z", Some(&id));
    by_my["created_by_ref"] = json!(world.identity("MY"));
    let status = world.post(&world.shared, "MY", &[by_my]).await;
    assert_eq!(status["failure_count"], json!(1), "{status}");
    assert!(status["failures"][0]["message"].as_str().unwrap().contains("not-owner"), "{status}");

    let forged = world.object("MY", Some(Tlp::Green), Scope::Community, "2024-01-01T00:00:00.000Z", None);
    let mut third_party =
        world.object("SG", Some(Tlp::Green), Scope::Community, "2024-01-01T00:00:00.000Z", None);
    third_party["created_by_ref"] = json!("identity--c78cb6e5-0c4b-4611-8297-d1b8b55e40b5");
    let own = world.object("SG", Some(Tlp::Green), Scope::Community, "2024-01-01T00:00:00.000Z", None);
    let status = world.post(&world.shared, "SG", &[forged.clone(), third_party, own]).await;
    assert_eq!(
        (status["success_count"].clone(), status["failure_count"].clone()),
        (json!(2), json!(1)),
        "{status}"
    );
    let failure = &status["failures"][0];
    assert_eq!(failure["id"], forged["id"]);
    assert!(failure["message"].as_str().unwrap().contains("forged-created-by-ref"), "{failure}");
    world.server.stop().await;
}

/// The same observable held by two owners under different markings: each viewer sees the copies
/// it may see, one result per (id, version); granular markings govern by the most restrictive TLP.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn observable_copies_and_granular_markings() {
    let mut fixture = Fixture::new().await;
    let world = World::new(&mut fixture).await;
    let address = |tlp: Tlp| {
        json!({"type": "ipv4-addr", "spec_version": "2.1",
               "id": "ipv4-addr--ff26c055-6336-5bc5-b98d-13d6226742dd", "value": "1.2.3.4",
               "object_marking_refs": [tlp.marking_id()]})
    };
    world.post(&world.shared, "SG", &[address(Tlp::Red)]).await;
    world.post(&world.shared, "MY", &[address(Tlp::Green)]).await;
    // Each copy is its owner's version of the observable: a viewer sees the copies it may see.
    let seen = |viewer: &'static str| {
        let world = &world;
        async move {
            let copies = world.list(&world.shared, "objects", Some(viewer), "&match[version]=all").await;
            let markings: Vec<Value> = copies
                .iter()
                .filter(|o| o["type"] == "ipv4-addr")
                .map(|o| o["object_marking_refs"][0].clone())
                .collect();
            markings
        }
    };
    let (red, green) = (json!(Tlp::Red.marking_id()), json!(Tlp::Green.marking_id()));
    assert_eq!(seen("TH").await, vec![green.clone()], "TH sees MY's GREEN copy only");
    assert_eq!(seen("MY").await, vec![green.clone()], "MY sees its own copy only");
    assert_eq!(seen("SG").await, vec![red, green.clone()], "SG sees its own RED copy and MY's");
    let latest = world.list(&world.shared, "objects", Some("TH"), "&match[type]=ipv4-addr").await;
    assert_eq!(latest.len(), 1, "under `last`, TH's latest visible copy: {latest:?}");

    let mut granular =
        world.object("SG", Some(Tlp::Green), Scope::Community, "2024-01-01T00:00:00.000Z", None);
    granular["description"] = json!("who reported it");
    granular["granular_markings"] =
        json!([{"marking_ref": Tlp::AmberStrict.marking_id(), "selectors": ["description"]}]);
    let id = granular["id"].as_str().unwrap().to_owned();
    world.post(&world.shared, "SG", &[granular]).await;
    let path = format!("/taxii2/selat/collections/{}/objects/{id}/", world.shared);
    assert_eq!(world.get(&path, Some("MY")).await.status.as_u16(), 200, "a member state is named");
    world.get(&path, Some("SG-BANKING")).await.assert_error(404, "object-not-found");

    // MY deletes its copy of the address: SG's RED copy, which MY may not see, neither stops it
    // (a 403 would tell MY that another copy exists) nor goes with it.
    let address_path = format!(
        "/taxii2/selat/collections/{}/objects/ipv4-addr--ff26c055-6336-5bc5-b98d-13d6226742dd/",
        world.shared
    );
    let deleted = world.server.send(Method::DELETE, &address_path, world.auth(Some("MY")), &[], None).await;
    assert_eq!(deleted.status.as_u16(), 200, "{}", deleted.text);
    world.get(&address_path, Some("MY")).await.assert_error(404, "object-not-found");
    world.get(&address_path, Some("TH")).await.assert_error(404, "object-not-found");
    let left = world.get(&address_path, Some("SG")).await.ok_json();
    let markings: Vec<&Value> =
        left["objects"].as_array().unwrap().iter().map(|o| &o["object_marking_refs"][0]).collect();
    assert_eq!(markings, vec![&json!(Tlp::Red.marking_id())], "SG's own copy stays, and is the latest");
    let refused = world.server.send(Method::DELETE, &address_path, world.auth(Some("TH")), &[], None).await;
    refused.assert_error(404, "object-not-found");
    world.server.stop().await;
}

/// A posted version: `modified`, TLP and scope.
type Posted = (String, Option<Tlp>, Scope);

/// A small seeded generator (xorshift64*), so failures name a seed to replay.
struct Rng(u64);

impl Rng {
    fn below(&mut self, n: usize) -> usize {
        self.0 ^= self.0 >> 12;
        self.0 ^= self.0 << 25;
        self.0 ^= self.0 >> 27;
        (self.0.wrapping_mul(0x2545_f491_4f6c_dd1d) >> 33) as usize % n
    }
}

/// Random objects with random markings, scopes and later versions posted through TAXII; for
/// every viewer, every page of objects and manifests (random page sizes, every version filter)
/// and every count equal what the rule computes on its own.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn random_objects_and_viewers_agree_with_the_rule() {
    let seed = std::env::var("SELAT_ACCESS_SEED").ok().and_then(|s| s.parse().ok()).unwrap_or(0x5e1a7_u64);
    println!("seed {seed} (replay with SELAT_ACCESS_SEED={seed})");
    let mut rng = Rng(seed | 1);
    let mut fixture = Fixture::new().await;
    let world = World::new(&mut fixture).await;
    let creators: Vec<&'static str> = world.members.keys().copied().collect();
    let tlps =
        [None, Some(Tlp::Clear), Some(Tlp::Green), Some(Tlp::Amber), Some(Tlp::AmberStrict), Some(Tlp::Red)];
    // (id, creator) -> versions (modified, tlp, scope), in posting order.
    let mut history: BTreeMap<String, (&str, Vec<Posted>)> = BTreeMap::new();
    for round in 0..3 {
        let mut batches: BTreeMap<&str, Vec<Value>> = BTreeMap::new();
        for n in 0..40 {
            let (tlp, scope) = loop {
                let tlp = tlps[rng.below(tlps.len())];
                let scope = SCOPES[rng.below(SCOPES.len())];
                let red_ok =
                    tlp != Some(Tlp::Red) || matches!(scope, Scope::Recipients | Scope::Organisation);
                if red_ok {
                    break (tlp, scope);
                }
            };
            let modified = format!("2024-0{}-{:02}T00:00:00.000Z", round + 1, n % 28 + 1);
            let existing: Vec<String> = history.keys().cloned().collect();
            let (id, creator) = if round > 0 && rng.below(2) == 0 && !existing.is_empty() {
                let id = existing[rng.below(existing.len())].clone();
                let creator = history[&id].0;
                (Some(id), creator)
            } else {
                (None, creators[rng.below(creators.len())])
            };
            if scope == Scope::National && world.members[creator].member_state.is_none() {
                continue;
            }
            let object = world.object(creator, tlp, scope, &modified, id.as_deref());
            let id = object["id"].as_str().unwrap().to_owned();
            let entry = history.entry(id).or_insert((creator, Vec::new()));
            if entry.1.iter().any(|(m, ..)| m == &modified) {
                continue;
            }
            entry.1.push((modified, tlp, scope));
            batches.entry(creator).or_default().push(object);
        }
        for (creator, batch) in batches {
            let status = world.post(&world.shared, creator, &batch).await;
            assert_eq!(status["failure_count"], json!(0), "seed {seed}: {status}");
        }
    }
    let mut checks = 0;
    for viewer in world.members.keys().copied() {
        // Expected (id, modified) for match[version]=all and =last.
        let mut all = BTreeSet::new();
        let mut last = BTreeSet::new();
        for (id, (creator, versions)) in &history {
            let latest = versions.iter().max_by(|a, b| a.0.cmp(&b.0)).unwrap();
            if !world.expected(Some(viewer), creator, latest.1, latest.2, false) {
                continue;
            }
            last.insert((id.clone(), latest.0.clone()));
            for (modified, tlp, scope) in versions {
                if world.expected(Some(viewer), creator, *tlp, *scope, false) {
                    all.insert((id.clone(), modified.clone()));
                }
            }
        }
        let limit = 1 + rng.below(20);
        for (filter, want) in [("&match[version]=all", &all), ("", &last)] {
            let extra = format!("{filter}&limit={limit}");
            let base = format!("/taxii2/selat/collections/{}/manifest/?{}", world.shared, &extra[1..]);
            let mut path = base.clone();
            let mut got = Vec::new();
            loop {
                let reply = world.get(&path, Some(viewer)).await;
                if reply.status.as_u16() == 204 || reply.text.is_empty() {
                    break;
                }
                let body = reply.ok_json();
                let page = body["objects"].as_array().cloned().unwrap_or_default();
                assert!(page.len() <= limit, "seed {seed}: page of {} over limit {limit}", page.len());
                got.extend(page.iter().map(|r| {
                    let version = r["version"].as_str().unwrap().replace(".000000Z", ".000Z");
                    (r["id"].as_str().unwrap().to_owned(), version)
                }));
                match body["next"].as_str() {
                    Some(next) if body["more"] == json!(true) => path = format!("{base}&next={next}"),
                    _ => break,
                }
            }
            let got_set: BTreeSet<(String, String)> = got.iter().cloned().collect();
            assert_eq!(got.len(), got_set.len(), "seed {seed}: {viewer} saw an entry twice");
            assert_eq!(&got_set, want, "seed {seed}: {viewer} {filter:?}");
            checks += 1;
        }
        let objects = world.list(&world.shared, "objects", Some(viewer), "&match[version]=all").await;
        assert_eq!(objects.len(), all.len(), "seed {seed}: {viewer}: objects count equals the rule's");
    }
    println!("{checks} viewer × filter checks over {} objects, all equal to the rule", history.len());
    world.server.stop().await;
}

/// A read that returns AMBER, AMBER+STRICT or RED material is one audit entry (caller, query,
/// count, ids hash, whose objects); a read of CLEAR and GREEN material only is not recorded.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn sensitive_reads_are_audited_once_per_request() {
    let mut fixture = Fixture::new().await;
    let world = World::new(&mut fixture).await;
    let green = world.object("SG", Some(Tlp::Green), Scope::Community, "2024-01-01T00:00:00.000Z", None);
    let amber = world.object("SG", Some(Tlp::Amber), Scope::Community, "2024-01-01T00:00:00.000Z", None);
    let green_id = green["id"].as_str().unwrap().to_owned();
    world.post(&world.shared, "SG", &[green, amber]).await;
    let reads = || {
        let node = world.server.node.clone();
        async move {
            node.audit().flush().await.unwrap();
            let filter = selat_core::audit::AuditFilter {
                operation: Some("taxii.objects.read".into()),
                limit: 100,
                ..Default::default()
            };
            node.audit().query(&filter).await.unwrap().entries
        }
    };
    let one = format!("/taxii2/selat/collections/{}/objects/{green_id}/", world.shared);
    assert_eq!(world.get(&one, Some("MY")).await.status.as_u16(), 200);
    assert!(reads().await.is_empty(), "a GREEN read is not recorded");
    let listing = world.list(&world.shared, "objects", Some("MY"), "").await;
    assert_eq!(listing.len(), 2);
    let entries = reads().await;
    assert_eq!(entries.len(), 1, "one entry per request, not per object: {entries:?}");
    let entry = &entries[0];
    assert_eq!(entry.actor_org.as_deref(), Some("MY"));
    assert_eq!((entry.count, entry.subject_orgs.clone()), (2, vec!["SG".to_owned()]));
    let ids: Vec<String> = listing.iter().map(|o| o["id"].as_str().unwrap().to_owned()).collect();
    assert_eq!(entry.ids_hash.as_deref(), Some(selat_core::audit::ids_hash(&ids).as_str()));
    assert!(entry.detail.contains(&world.shared), "{entry:?}");
    world.server.stop().await;
}

/// Sharing groups over REST: an org-admin creates one (its organisation a member), the members
/// see it, others do not; a group member then sees a `group` object and a non-member does not;
/// only the owner's org-admins (or hub-admins) change the members.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn sharing_groups_over_rest_decide_group_scope() {
    let mut fixture = Fixture::new().await;
    let mut world = World::new(&mut fixture).await;
    let node = world.server.node.clone();
    let admin = node.issue_token("VN", Role::OrgAdmin, None, "groups", None).await.unwrap().text;
    let my_identity = world.identity("MY");
    let body = json!({"name": "VN and MY", "members": [my_identity]}).to_string().into_bytes();
    let headers = [("content-type", "application/json"), ("accept", "application/json")];
    let created = world
        .server
        .send(Method::POST, "/api/v1/groups", Auth::Token(&admin), &headers, Some(body.clone()))
        .await;
    assert_eq!(created.status.as_u16(), 201, "{}", created.text);
    let group = created.json();
    let analyst = world
        .server
        .send(Method::POST, "/api/v1/groups", Auth::Token(&world.members["VN"].token), &headers, Some(body))
        .await;
    assert_eq!(analyst.status.as_u16(), 403, "analysts do not create groups: {}", analyst.text);
    // A group that spans nodes is created with the id it has on the other members' nodes.
    let spanning = "x-selat-sharing-group--0f8e7d6c-5b4a-4392-8a1b-0c9d8e7f6a5b";
    let with_id = |id: &str| json!({"id": id, "name": "VN and MY, across nodes"}).to_string().into_bytes();
    let create = |body: Vec<u8>| {
        let (server, admin) = (&world.server, &admin);
        async move { server.send(Method::POST, "/api/v1/groups", Auth::Token(admin), &headers, Some(body)).await }
    };
    let made = create(with_id(spanning)).await;
    assert_eq!((made.status.as_u16(), made.json()["id"].as_str()), (201, Some(spanning)), "{}", made.text);
    let again = create(with_id(spanning)).await;
    assert!(again.status.as_u16() == 409 && again.text.contains("exists already"), "{}", again.text);
    let upper = create(with_id(&spanning.to_uppercase())).await;
    assert_eq!(upper.status.as_u16(), 400, "{}", upper.text);
    let other_type = create(with_id("identity--0f8e7d6c-5b4a-4392-8a1b-0c9d8e7f6a5b")).await;
    assert!(
        other_type.status.as_u16() == 400 && other_type.text.contains("not a sharing group id"),
        "{}",
        other_type.text
    );
    let listed = |who: &'static str| {
        let world = &world;
        async move {
            let reply = world
                .server
                .send(Method::GET, "/api/v1/groups", Auth::Token(&world.members[who].token), &headers, None)
                .await;
            reply.json()["groups"].as_array().unwrap().len()
        }
    };
    assert_eq!((listed("MY").await, listed("JP").await), (1, 0), "members see the group, others do not");

    world.group = (group["id"].as_str().unwrap().to_owned(), vec!["VN", "MY"]);
    let object = world.object("VN", Some(Tlp::AmberStrict), Scope::Group, "2024-01-01T00:00:00.000Z", None);
    let id = object["id"].as_str().unwrap().to_owned();
    world.post(&world.shared, "VN", &[object]).await;
    let path = format!("/taxii2/selat/collections/{}/objects/{id}/", world.shared);
    assert_eq!(world.get(&path, Some("MY")).await.status.as_u16(), 200, "a group member sees it");
    world.get(&path, Some("TH")).await.assert_error(404, "object-not-found");
    world.get(&path, Some("MY-BANKING")).await.assert_error(404, "object-not-found");

    let members_path = format!("/api/v1/groups/{}/members", world.group.0);
    let replace = json!({"members": [world.identity("VN"), world.identity("TH")]}).to_string().into_bytes();
    let by_stranger = world
        .server
        .send(
            Method::PUT,
            &members_path,
            Auth::Token(&world.members["TH"].token),
            &headers,
            Some(replace.clone()),
        )
        .await;
    assert_eq!(by_stranger.status.as_u16(), 403, "{}", by_stranger.text);
    let replaced =
        world.server.send(Method::PUT, &members_path, Auth::Token(&admin), &headers, Some(replace)).await;
    assert_eq!(replaced.status.as_u16(), 200, "{}", replaced.text);
    assert_eq!(world.get(&path, Some("TH")).await.status.as_u16(), 200, "TH joined");
    world.get(&path, Some("MY")).await.assert_error(404, "object-not-found");
    let spec = world.server.send(Method::GET, "/api/v1/openapi.json", Auth::None, &[], None).await.json();
    assert!(
        spec["paths"]["/groups"]["post"].is_object()
            && spec["paths"]["/groups/{group_id}/members"]["put"].is_object()
    );
    world.server.stop().await;
}
