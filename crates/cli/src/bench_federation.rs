//! `selat bench federation`: replication throughput node → hub over a push link (DESIGN.md
//! target: 1,000,000 objects in at most 60 s). Two nodes in a temporary directory, the hub
//! served in-process on a free loopback port, the node's collection filled with the generated
//! mix (not timed), then rounds of `core::federation::run_round` until the link has caught up;
//! the hub's count is checked against the node's. Then the lag under a trickle of writes: the
//! node's background loop runs (a push link, woken by each store, as a TAXII POST wakes it),
//! and a puller node's loop pulls from the hub every `--pull-interval-s`; one object is stored
//! at the node every 200 ms (a steady pace, whatever the links do), and the time from its store
//! at the node to its store at the hub is the push lag; from its store at the hub to its store
//! at the puller, the pull lag.

use std::io::BufReader;
use std::net::SocketAddr;
use std::path::PathBuf;
use std::sync::Arc;
use std::time::Instant;

use anyhow::{Context, bail};
use selat_core::access::CollectionAccess;
use selat_core::federation::config::DEFAULT_PEER_TIMEOUT_S;
use selat_core::federation::{FederationConfig, HostPatterns, PeerConfig, run_round};
use selat_core::ingest;
use selat_core::node::Node;
use selat_core::org::{OrgKind, Organisation, Role};
use selat_server::{Application, ServerConfig};
use selat_store::{NewCollection, Store};

/// Rounds before the benchmark gives up (each moves up to 100 pages of 1,000 objects).
const MAX_ROUNDS: usize = 10_000;

#[derive(Debug, clap::Args)]
pub struct FederationArgs {
    /// Objects to generate on the node and replicate to the hub.
    #[arg(long, default_value_t = 1_000_000)]
    objects: u64,
    /// Working directory (default: a fresh temporary directory, removed afterwards).
    #[arg(long)]
    dir: Option<PathBuf>,
    /// Objects stored one by one, 200 ms apart, to measure the lag.
    #[arg(long, default_value_t = 50)]
    trickle: usize,
    /// The puller's sync interval, in seconds.
    #[arg(long, default_value_t = 5)]
    pull_interval_s: u64,
}

pub async fn run(args: &FederationArgs) -> anyhow::Result<()> {
    let temp;
    let dir = match &args.dir {
        Some(dir) => dir.clone(),
        None => {
            temp = tempfile::tempdir()?;
            temp.path().to_owned()
        }
    };
    let collection = uuid::Uuid::new_v4().to_string();
    let node = Arc::new(region_node(&dir.join("node"), &collection).await?);
    let hub = Arc::new(region_node(&dir.join("hub"), &collection).await?);
    let token = hub.issue_token("SG", Role::Analyst, None, "bench federation", None).await?;

    let input = dir.join("bench-federation.json");
    crate::bench::generate(args.objects, std::io::BufWriter::new(std::fs::File::create(&input)?))?;
    let mut options = node.ingest_options(crate::bench::IDENTITY).await?;
    options.collection = Some(collection.clone());
    let started = Instant::now();
    let report =
        ingest::ingest(&node.store, BufReader::new(std::fs::File::open(&input)?), &options, |_| {}).await?;
    println!(
        "node: {} objects stored in {:.1} s (not timed below), {} rejected",
        report.stored,
        started.elapsed().as_secs_f64(),
        report.rejected_total
    );

    let app = Application::build_with_node(
        ServerConfig::new(SocketAddr::from(([127, 0, 0, 1], 0)), dir.join("hub")),
        hub.clone(),
    )
    .await?;
    let api_root = format!("{}/taxii2/selat/", app.base_url());
    let (stop, stopped) = tokio::sync::oneshot::channel::<()>();
    let server = tokio::spawn(app.run_until(async move {
        let _ = stopped.await;
    }));
    let config = FederationConfig {
        sync_interval_s: 1,
        hosts: HostPatterns::default(),
        peers: vec![PeerConfig {
            name: "hub".into(),
            url: api_root,
            token: token.text,
            username: None,
            timeout_s: DEFAULT_PEER_TIMEOUT_S,
            ca_file: None,
            hosts: HostPatterns::new(["SG"]),
            peer_hosts: HostPatterns::default(),
            org: None,
            pull: Vec::new(),
            push: vec![collection.clone()],
        }],
    };
    config.check()?;
    node.federation().set_config(config.clone());

    let (sent, refused, skipped, secs) = push_until_caught_up(&node, &config).await?;
    let at_node = node.store.counts(Some(&collection)).await?;
    let at_hub = hub.store.counts(Some(&collection)).await?;
    println!(
        "push node → hub: {sent} object versions confirmed ({refused} refused, {skipped} held back) in {secs:.1} s = {:.0} objects/s; \
         1,000,000 at this rate: {:.0} s (target ≤ 60 s)",
        sent as f64 / secs,
        1e6 / (sent as f64 / secs)
    );
    println!("collection at the node: {at_node:?}; at the hub: {at_hub:?}");
    if at_node != at_hub {
        bail!("the hub does not hold what the node holds");
    }
    trickle(args, &dir, &node, &hub, &config, &collection).await?;
    let _ = stop.send(());
    server.await??;
    Ok(())
}

/// Rounds until the push link has caught up: versions confirmed, refused, held back, seconds.
async fn push_until_caught_up(
    node: &Node,
    config: &FederationConfig,
) -> anyhow::Result<(u64, u64, u64, f64)> {
    let started = Instant::now();
    let (mut sent, mut refused, mut skipped) = (0, 0, 0);
    for round in 1..=MAX_ROUNDS {
        let report = run_round(node, config, None).await?;
        let peer = report.peers.first().context("a report for the hub")?;
        if let Some(error) = &peer.error {
            bail!("round {round} failed: {error}");
        }
        (sent, refused, skipped) = (sent + peer.sent, refused + peer.refused, skipped + peer.skipped);
        if peer.caught_up {
            return Ok((sent, refused, skipped, started.elapsed().as_secs_f64()));
        }
    }
    bail!("not caught up after {MAX_ROUNDS} rounds (MAX_ROUNDS)")
}

/// The lag phase: see the module docs.
async fn trickle(
    args: &FederationArgs,
    dir: &std::path::Path,
    node: &Arc<Node>,
    hub: &Arc<Node>,
    config: &FederationConfig,
    collection: &str,
) -> anyhow::Result<()> {
    let puller = Arc::new(region_node(&dir.join("puller"), collection).await?);
    let token = hub.issue_token("SG", Role::Analyst, None, "bench federation puller", None).await?;
    let mut pull = config.peers[0].clone();
    (pull.token, pull.hosts, pull.push, pull.pull) =
        (token.text, HostPatterns::new(["PULLER"]), Vec::new(), vec![collection.to_owned()]);
    // The generated observables name no creator: the hub's organisation owns them here.
    pull.org = Some("SG".to_owned());
    let pull_config =
        FederationConfig { sync_interval_s: args.pull_interval_s, peers: vec![pull], ..config.clone() };
    pull_config.check()?;
    puller.federation().set_config(pull_config.clone());
    // The puller catches up on the bulk first, so its loop then only waits for the trickle.
    let started = Instant::now();
    let (mut received, mut refused) = (0, 0);
    loop {
        let report = run_round(&puller, &pull_config, None).await?;
        if let Some(error) = report.peers.iter().find_map(|p| p.error.as_ref()) {
            bail!("the puller's round failed: {error}");
        }
        received += report.peers.iter().map(|p| p.received).sum::<u64>();
        refused += report.peers.iter().map(|p| p.refused).sum::<u64>();
        if report.peers.iter().all(|p| p.caught_up) {
            break;
        }
    }
    let secs = started.elapsed().as_secs_f64();
    println!(
        "pull hub → puller: {received} object versions stored ({refused} refused) in {secs:.1} s = {:.0} objects/s",
        received as f64 / secs
    );
    let loops = [
        selat_core::federation::worker::spawn(node.clone(), Arc::new(config.clone())),
        selat_core::federation::worker::spawn(puller.clone(), Arc::new(pull_config)),
    ];
    let options = {
        let mut options = node.ingest_options(crate::bench::IDENTITY).await?;
        options.collection = Some(collection.to_owned());
        options
    };
    // The writes keep their own pace (one every TRICKLE_EVERY, whatever the links do), so the
    // lags are those of a steady trickle, not of one object at a time on an idle link.
    let (sent_tx, mut sent_rx) = tokio::sync::mpsc::unbounded_channel();
    let writer = {
        let (node, collection, count) = (node.clone(), collection.to_owned(), args.trickle);
        tokio::spawn(async move { write_trickle(&node, &collection, &options, count, sent_tx).await })
    };
    let give_up = std::time::Duration::from_secs(60 + 2 * args.pull_interval_s);
    let mut pending: Vec<Trickled> = Vec::new();
    let mut arrived: Vec<Trickled> = Vec::new();
    let mut writing = true;
    while writing || !pending.is_empty() {
        loop {
            match sent_rx.try_recv() {
                Ok((id, stored)) => pending.push(Trickled { id, stored, at_hub: None, at_puller: None }),
                Err(tokio::sync::mpsc::error::TryRecvError::Empty) => break,
                Err(tokio::sync::mpsc::error::TryRecvError::Disconnected) => {
                    writing = false;
                    break;
                }
            }
        }
        for object in &mut pending {
            object.look(&hub.store, &puller.store).await?;
            if object.stored.elapsed() > give_up {
                bail!("{} did not arrive within {} s", object.id, give_up.as_secs());
            }
        }
        let (done, waiting): (Vec<_>, Vec<_>) = pending.into_iter().partition(|o| o.at_puller.is_some());
        arrived.extend(done);
        pending = waiting;
        tokio::time::sleep(std::time::Duration::from_millis(2)).await;
    }
    writer.await??;
    for handle in loops.into_iter().flatten() {
        handle.abort();
    }
    let mut push_lags: Vec<_> = arrived.iter().filter_map(|o| o.at_hub).collect();
    let mut pull_lags: Vec<_> =
        arrived.iter().filter_map(|o| Some(o.at_puller?.saturating_sub(o.at_hub?))).collect();
    let mut end_to_end: Vec<_> = arrived.iter().filter_map(|o| o.at_puller).collect();
    print_lags("the push link (stored at the node → stored at the hub)", &mut push_lags, "≤ 1 s".to_owned());
    let pull_target = format!("≤ {} s (interval + 1 s)", args.pull_interval_s + 1);
    print_lags("the pull link (stored at the hub → stored at the puller)", &mut pull_lags, pull_target);
    print_lags("both links (stored at the node → stored at the puller)", &mut end_to_end, "none".to_owned());
    Ok(())
}

/// Time between two trickled writes.
const TRICKLE_EVERY: std::time::Duration = std::time::Duration::from_millis(200);

/// Stores `count` objects at the node, one every [`TRICKLE_EVERY`], each announced to the
/// pushers (as a TAXII POST does) and to `sent` with the instant it was stored.
async fn write_trickle(
    node: &Node,
    collection: &str,
    options: &ingest::IngestOptions,
    count: usize,
    sent: tokio::sync::mpsc::UnboundedSender<(String, Instant)>,
) -> anyhow::Result<()> {
    let mut every = tokio::time::interval(TRICKLE_EVERY);
    every.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
    for n in 0..count {
        every.tick().await;
        let (id, object) = trickle_object(n);
        let raw = selat_stix::bundle::RawObject {
            index: n as u64,
            at: Default::default(),
            bytes: object.into_bytes(),
        };
        let prepared = ingest::prepare(&raw, options).map_err(|r| anyhow::anyhow!("{:?}", r.reasons))?;
        node.store.ingest(&[prepared.version], Some(collection)).await?;
        let stored = Instant::now();
        node.federation().notify_stored();
        let _ = sent.send((id, stored));
    }
    Ok(())
}

/// A trickled object and how long after it was stored at the node it was seen at the hub and
/// at the puller (looked for every 2 ms).
struct Trickled {
    id: String,
    stored: Instant,
    at_hub: Option<std::time::Duration>,
    at_puller: Option<std::time::Duration>,
}

impl Trickled {
    async fn look(
        &mut self,
        hub: &selat_store::Backend,
        puller: &selat_store::Backend,
    ) -> anyhow::Result<()> {
        let holds = |store: &selat_store::Backend| {
            let store = store.clone();
            let id = self.id.clone();
            async move {
                store.latest_versions(&id, &selat_store::Audience::Unrestricted).await.map(|v| !v.is_empty())
            }
        };
        if self.at_hub.is_none() && holds(hub).await? {
            self.at_hub = Some(self.stored.elapsed());
        }
        // The puller can only have it once the hub has.
        if self.at_hub.is_some() && self.at_puller.is_none() && holds(puller).await? {
            self.at_puller = Some(self.stored.elapsed());
        }
        Ok(())
    }
}

/// A new indicator of SG's, as its id and JSON text.
fn trickle_object(n: usize) -> (String, String) {
    let id = format!("indicator--{}", uuid::Uuid::new_v4());
    let now = selat_stix::Timestamp::now_millis().format(3);
    let object = serde_json::json!({
        "type": "indicator", "spec_version": "2.1", "id": id, "created": now, "modified": now,
        "created_by_ref": crate::bench::IDENTITY, "name": format!("trickle {n}"),
        "pattern": format!("[ipv4-addr:value = '198.51.100.{}']", n % 250), "pattern_type": "stix",
        "valid_from": now,
        "object_marking_refs": [selat_stix::tlp::Tlp::Green.marking_id()]
    });
    (id, object.to_string())
}

/// p50, p99 and max of the lags.
fn print_lags(what: &str, lags: &mut [std::time::Duration], target: String) {
    lags.sort_unstable();
    let at = |q: f64| lags.get(((lags.len() as f64 * q) as usize).min(lags.len().saturating_sub(1))).copied();
    let ms = |d: Option<std::time::Duration>| d.map_or(f64::NAN, |d| d.as_secs_f64() * 1e3);
    println!(
        "lag over {what} ({} objects, one written every 200 ms): p50 {:.0} ms, p99 {:.0} ms, max {:.0} ms (target {target})",
        lags.len(),
        ms(at(0.5)),
        ms(at(0.99)),
        ms(lags.last().copied())
    );
}

/// A node with SG (the generated objects' creator) and the collection.
async fn region_node(dir: &std::path::Path, collection: &str) -> anyhow::Result<Node> {
    let node = Node::open(dir).await?;
    let org = Organisation {
        short_name: "SG".into(),
        name: "Benchmark member state".into(),
        kind: OrgKind::MemberState,
        parent: None,
        identity: crate::bench::IDENTITY.into(),
        member_since: None,
    };
    node.create_organisation(&org).await?;
    let new = NewCollection {
        id: collection.to_owned(),
        title: "shared".into(),
        description: None,
        alias: Some("shared".into()),
        media_types: vec!["application/stix+json;version=2.1".into()],
    };
    node.store.create_collection(&new).await?;
    node.set_collection_access(collection, CollectionAccess::SHARED).await?;
    Ok(node)
}
