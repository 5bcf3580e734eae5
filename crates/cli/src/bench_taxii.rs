//! `selat bench taxii`: TAXII 2.1 throughput of Selat beside the OASIS reference server
//! (medallion, memory backend, from the test venv) over the same generated objects, and Selat
//! alone paging a 1,000,000-object collection.
//!
//! Both servers get the same requests from the same Rust client: POST envelopes, poll each status
//! until complete, then page the collection with `limit=100` following `next` to the end.

use std::net::SocketAddr;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::sync::Arc;
use std::time::{Duration, Instant};

use anyhow::{Context, bail};
use selat_core::access::CollectionAccess;
use selat_core::ingest;
use selat_core::node::Node;
use selat_core::org::{OrgKind, Organisation, Role};
use selat_server::{Application, ServerConfig};
use selat_store::{NewCollection, Store};

const TAXII: &str = "application/taxii+json;version=2.1";
/// Objects per POST in the comparison.
const POST_OBJECTS: usize = 500;
/// Objects per page when reading back.
const PAGE_LIMIT: usize = 100;

#[derive(Debug, clap::Args)]
pub struct TaxiiArgs {
    /// Collection sizes for the comparison with medallion (its paging grows with the square of
    /// the collection, so keep these small).
    #[arg(long, value_delimiter = ',', default_value = "1000,4000")]
    sizes: Vec<usize>,
    /// Objects in the large collection Selat pages alone (0 skips it).
    #[arg(long, default_value_t = 1_000_000)]
    large: u64,
    /// Concurrent readers paging the large collection (each reads its share of the pages).
    #[arg(long, default_value_t = 4)]
    readers: usize,
    /// Times each reader pages through the large collection (more passes, steadier percentiles
    /// when few pages are visible).
    #[arg(long, default_value_t = 1)]
    passes: usize,
    /// Percent of the large collection the reader may see: the rest is kept to its owner by the
    /// access rule (1 measures paging cost when most objects are invisible to the viewer).
    #[arg(long, default_value_t = 100)]
    visible_percent: u64,
    /// The large collection's store: a `postgres://` URL of an empty database (default: SQLite
    /// in a temporary directory).
    #[arg(long, value_name = "URL")]
    database: Option<String>,
    /// Keep the large collection's node in DIR, and page the one already there on later runs
    /// instead of loading it again (as that first run's `--large` and `--visible-percent` made it).
    #[arg(long, value_name = "DIR")]
    keep: Option<PathBuf>,
    /// The Python with medallion installed (the test venv); without it Selat runs alone.
    #[arg(long, default_value = ".venv/bin/python")]
    python: PathBuf,
}

/// One server under test: where its collection is and how to authenticate.
struct Target {
    name: &'static str,
    objects_url: String,
    status_url: String,
    auth: Auth,
}

enum Auth {
    Bearer(String),
    Basic(&'static str, &'static str),
}

impl Target {
    fn request(
        &self,
        client: &reqwest::Client,
        method: reqwest::Method,
        url: &str,
    ) -> reqwest::RequestBuilder {
        let builder = client.request(method, url).header("Accept", TAXII);
        match &self.auth {
            Auth::Bearer(token) => builder.bearer_auth(token),
            Auth::Basic(user, password) => builder.basic_auth(user, Some(password)),
        }
    }
}

/// Figures for one server at one size.
struct Figures {
    post_objects_per_s: f64,
    get_objects_per_s: f64,
}

pub async fn run(args: &TaxiiArgs) -> anyhow::Result<()> {
    let client = selat_taxii::client::http_client().pool_max_idle_per_host(4).build()?;
    let medallion_python = args.python.is_file().then(|| args.python.clone());
    if medallion_python.is_none() {
        println!("medallion: skipped, no Python at {} (scripts/test makes the venv)", args.python.display());
    }
    for &size in &args.sizes {
        let objects: Vec<String> = crate::bench::generated_objects(size as u64).collect();
        let (selat, _selat_dir) = start_selat().await?;
        let ours = measure(&client, &selat.0, &objects).await?;
        println!(
            "selat     {size:>6} objects: POST {:>9.0} objects/s, GET paging {:>9.0} objects/s",
            ours.post_objects_per_s, ours.get_objects_per_s
        );
        if let Some(python) = &medallion_python {
            let (target, mut child, _dir) = start_medallion(python)?;
            let theirs = measure(&client, &target, &objects).await;
            let _ = child.kill();
            let theirs = theirs?;
            println!(
                "medallion {size:>6} objects: POST {:>9.0} objects/s, GET paging {:>9.0} objects/s",
                theirs.post_objects_per_s, theirs.get_objects_per_s
            );
            println!(
                "ratio     {size:>6} objects: POST {:>6.1}x, GET paging {:>6.1}x",
                ours.post_objects_per_s / theirs.post_objects_per_s,
                ours.get_objects_per_s / theirs.get_objects_per_s
            );
        }
        selat.1.abort();
    }
    if args.large > 0 {
        large_collection(&client, args, args.readers.max(1)).await?;
    }
    Ok(())
}

/// POSTs every object in envelopes, waits for every status to complete, then pages it all back.
async fn measure(client: &reqwest::Client, target: &Target, objects: &[String]) -> anyhow::Result<Figures> {
    let started = Instant::now();
    let mut statuses = Vec::new();
    for chunk in objects.chunks(POST_OBJECTS) {
        let body = format!("{{\"objects\":[{}]}}", chunk.join(","));
        let response = target
            .request(client, reqwest::Method::POST, &target.objects_url)
            .header("Content-Type", TAXII)
            .body(body)
            .send()
            .await?;
        if response.status().as_u16() != 202 {
            bail!("{}: POST answered {}: {}", target.name, response.status(), response.text().await?);
        }
        let status: serde_json::Value = response.json().await?;
        statuses.push(status["id"].as_str().context("status id")?.to_owned());
    }
    for id in &statuses {
        wait_complete(client, target, id).await?;
    }
    let post_secs = started.elapsed().as_secs_f64();
    let started = Instant::now();
    let (count, _) = page_all(client, target, None).await?;
    if count != objects.len() {
        bail!("{}: paged {count} objects, posted {}", target.name, objects.len());
    }
    Ok(Figures {
        post_objects_per_s: objects.len() as f64 / post_secs,
        get_objects_per_s: count as f64 / started.elapsed().as_secs_f64(),
    })
}

async fn wait_complete(client: &reqwest::Client, target: &Target, id: &str) -> anyhow::Result<()> {
    let url = format!("{}{id}/", target.status_url);
    for _ in 0..60_000 {
        let status: serde_json::Value =
            target.request(client, reqwest::Method::GET, &url).send().await?.json().await?;
        if status["status"] == "complete" {
            return Ok(());
        }
        tokio::time::sleep(Duration::from_millis(5)).await;
    }
    bail!("{}: status {id} never completed", target.name)
}

/// Pages the whole collection with `next`; returns the object count and each page's latency.
async fn page_all(
    client: &reqwest::Client,
    target: &Target,
    max_pages: Option<usize>,
) -> anyhow::Result<(usize, Vec<Duration>)> {
    let mut next: Option<String> = None;
    let mut count = 0;
    let mut latencies = Vec::new();
    loop {
        let mut url = format!("{}?limit={PAGE_LIMIT}", target.objects_url);
        if let Some(cursor) = &next {
            url.push_str(&format!("&next={cursor}"));
        }
        let asked = Instant::now();
        let response = target.request(client, reqwest::Method::GET, &url).send().await?;
        let page: serde_json::Value = response.json().await?;
        latencies.push(asked.elapsed());
        count += page["objects"].as_array().map_or(0, Vec::len);
        next = page["next"].as_str().map(str::to_owned);
        let more = page["more"].as_bool().unwrap_or(false);
        if !more || next.is_none() || max_pages.is_some_and(|m| latencies.len() >= m) {
            return Ok((count, latencies));
        }
    }
}

/// A Selat node in a temporary directory with one analyst token and one collection, served on a
/// free port. Returns the target and the server task (and the directory, kept alive).
async fn start_selat() -> anyhow::Result<((Target, tokio::task::JoinHandle<()>), tempfile::TempDir)> {
    let dir = tempfile::tempdir()?;
    let node = Arc::new(Node::open(dir.path()).await?);
    let (collection, token) = bench_tenant(&node).await?;
    let (target, handle) = serve(node, dir.path(), &collection, &token).await?;
    Ok(((target, handle), dir))
}

async fn bench_tenant(node: &Node) -> anyhow::Result<(String, String)> {
    let org = Organisation {
        short_name: "BENCH".into(),
        name: "Benchmark member state".into(),
        kind: OrgKind::MemberState,
        parent: None,
        identity: selat_stix::id::new_v4("identity"),
        member_since: None,
    };
    node.create_organisation(&org).await?;
    let token = node.issue_token("BENCH", Role::Analyst, None, "bench", None).await?;
    let collection = NewCollection {
        id: uuid::Uuid::new_v4().to_string(),
        title: "bench".into(),
        description: None,
        alias: Some("bench".into()),
        media_types: vec!["application/stix+json;version=2.1".into()],
    };
    node.store.create_collection(&collection).await?;
    node.set_collection_access(&collection.id, CollectionAccess::SHARED).await?;
    Ok((collection.id, token.text))
}

async fn serve(
    node: Arc<Node>,
    dir: &Path,
    collection: &str,
    token: &str,
) -> anyhow::Result<(Target, tokio::task::JoinHandle<()>)> {
    let config = ServerConfig::new(SocketAddr::from(([127, 0, 0, 1], 0)), dir);
    let app = Application::build_with_node(config, node).await?;
    let base = app.base_url();
    let handle = tokio::spawn(async move {
        let _ = app.run_until_stopped().await;
    });
    let target = Target {
        name: "selat",
        objects_url: format!("{base}/taxii2/selat/collections/{collection}/objects/"),
        status_url: format!("{base}/taxii2/selat/status/"),
        auth: Auth::Bearer(token.to_owned()),
    };
    Ok((target, handle))
}

/// medallion with its memory backend and one empty writable collection, on a free port.
fn start_medallion(python: &Path) -> anyhow::Result<(Target, Child, tempfile::TempDir)> {
    let dir = tempfile::tempdir()?;
    let port = std::net::TcpListener::bind("127.0.0.1:0")?.local_addr()?.port();
    let base = format!("http://127.0.0.1:{port}");
    let collection = "91a7b528-80eb-42ed-a74d-c6fbd5a26116";
    let data = serde_json::json!({
        "/discovery": {"title": "bench", "default": format!("{base}/api1/"), "api_roots": [format!("{base}/api1/")]},
        "api1": {
            "information": {"title": "bench", "versions": [TAXII], "max_content_length": 104_857_600},
            "status": [],
            "collections": [{"id": collection, "title": "bench", "can_read": true, "can_write": true,
                "media_types": ["application/stix+json;version=2.1"], "objects": [], "manifest": []}]
        }
    });
    let data_path = dir.path().join("data.json");
    std::fs::write(&data_path, data.to_string())?;
    let config = serde_json::json!({
        "backend": {"module": "medallion.backends.memory_backend", "module_class": "MemoryBackend", "filename": data_path},
        "users": {"bench": "bench-password"},
        "taxii": {"max_page_size": PAGE_LIMIT}
    });
    let config_path = dir.path().join("config.json");
    std::fs::write(&config_path, config.to_string())?;
    let medallion = python.parent().map(|bin| bin.join("medallion")).context("venv bin")?;
    let child = Command::new(medallion)
        .args(["--host", "127.0.0.1", "--port", &port.to_string()])
        .arg(&config_path)
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .context("starting medallion")?;
    let deadline = Instant::now() + Duration::from_secs(30);
    while std::net::TcpStream::connect(("127.0.0.1", port)).is_err() {
        if Instant::now() > deadline {
            bail!("medallion did not start on port {port}");
        }
        std::thread::sleep(Duration::from_millis(100));
    }
    let target = Target {
        name: "medallion",
        objects_url: format!("{base}/api1/collections/{collection}/objects/"),
        status_url: format!("{base}/api1/status/"),
        auth: Auth::Basic("bench", "bench-password"),
    };
    Ok((target, child, dir))
}

/// Selat alone: a `large`-object collection (stored through the ingest pipeline, not HTTP), then
/// 100-object pages over HTTP: one reader through the whole collection, and `readers` readers at
/// once each following `next` for its share of the pages; objects/s served, p50 and p99 per page.
async fn large_collection(client: &reqwest::Client, args: &TaxiiArgs, readers: usize) -> anyhow::Result<()> {
    let temporary = tempfile::tempdir()?;
    let dir = match &args.keep {
        Some(keep) => {
            std::fs::create_dir_all(keep)?;
            keep.clone()
        }
        None => temporary.path().to_owned(),
    };
    let node = Arc::new(Node::open_with(&dir, args.database.as_deref()).await?);
    let (collection, token) = match kept_collection(&node).await? {
        Some(kept) => {
            println!("selat large: paging the collection kept in {}", dir.display());
            kept
        }
        None => load_large(&node, args, &dir).await?,
    };
    let (target, handle) = serve(node, &dir, &collection, &token).await?;
    let target = Arc::new(target);
    let passes = args.passes.max(1);
    let started = Instant::now();
    let (mut count, mut latencies) = (0, Vec::new());
    for _ in 0..passes {
        let (n, mut l) = page_all(client, &target, None).await?;
        count += n;
        latencies.append(&mut l);
    }
    report_paging("1 reader", count, latencies, started.elapsed());
    let pages_each = (count / passes).max(1).div_ceil(PAGE_LIMIT).div_ceil(readers);
    let started = Instant::now();
    let tasks: Vec<_> = (0..readers)
        .map(|_| {
            let (client, target) = (client.clone(), Arc::clone(&target));
            tokio::spawn(async move {
                let (mut count, mut latencies) = (0, Vec::new());
                for _ in 0..passes {
                    let (n, mut l) = page_all(&client, &target, Some(pages_each)).await?;
                    count += n;
                    latencies.append(&mut l);
                }
                anyhow::Ok((count, latencies))
            })
        })
        .collect();
    let (mut count, mut latencies) = (0, Vec::new());
    for task in tasks {
        let (n, mut l) = task.await??;
        count += n;
        latencies.append(&mut l);
    }
    report_paging(&format!("{readers} readers"), count, latencies, started.elapsed());
    handle.abort();
    Ok(())
}

/// The collection a previous run kept (see `--keep`), with a fresh token for its reader.
async fn kept_collection(node: &Node) -> anyhow::Result<Option<(String, String)>> {
    if node.organisation("BENCH").await?.is_none() {
        return Ok(None);
    }
    let collections = node.store.collections().await?;
    let kept =
        collections.iter().find(|c| c.alias.as_deref() == Some("bench")).context("bench collection")?;
    let reader = if node.organisation("READER").await?.is_some() { "READER" } else { "BENCH" };
    let token = node.issue_token(reader, Role::Analyst, None, "bench", None).await?.text;
    Ok(Some((kept.id.clone(), token)))
}

/// Makes the bench tenant and loads `--large` generated objects through the ingest pipeline, of
/// which the reader may see `--visible-percent`. Returns the collection and the reader's token.
async fn load_large(node: &Node, args: &TaxiiArgs, dir: &Path) -> anyhow::Result<(String, String)> {
    let large = args.large;
    let (collection, owner_token) = bench_tenant(node).await?;
    let input = dir.join("large.json");
    let out = std::io::BufWriter::new(std::fs::File::create(&input)?);
    let visible_percent = args.visible_percent.clamp(1, 100);
    let token = if visible_percent < 100 {
        crate::bench::generate_sparse(large, 100 / visible_percent, out)?;
        let reader = Organisation {
            short_name: "READER".into(),
            name: "Benchmark reader, another member state".into(),
            kind: OrgKind::MemberState,
            parent: None,
            identity: selat_stix::id::new_v4("identity"),
            member_since: None,
        };
        node.create_organisation(&reader).await?;
        node.issue_token("READER", Role::Analyst, None, "bench", None).await?.text
    } else {
        crate::bench::generate(large, out)?;
        owner_token
    };
    println!("selat large: the reader may see {visible_percent}% of {large} objects");
    let owner = node.organisation("BENCH").await?.context("bench org")?.identity;
    let mut options = node.ingest_options(&owner).await?;
    options.collection = Some(collection.clone());
    let loaded = Instant::now();
    let file = std::io::BufReader::new(std::fs::File::open(&input)?);
    let report = ingest::ingest(&node.store, file, &options, |_| {}).await?;
    println!("selat large: {} objects stored in {:.1} s", report.stored, loaded.elapsed().as_secs_f64());
    std::fs::remove_file(&input)?;
    Ok((collection, token))
}

fn report_paging(who: &str, count: usize, mut latencies: Vec<Duration>, elapsed: Duration) {
    latencies.sort();
    let pct = |p: f64| latencies[((latencies.len() as f64 * p) as usize).min(latencies.len() - 1)];
    let secs = elapsed.as_secs_f64();
    println!(
        "selat large, {who}: {count} objects in {} pages in {secs:.1} s = {:.0} objects/s; page p50 {:.2} ms, p99 {:.2} ms",
        latencies.len(),
        count as f64 / secs,
        pct(0.50).as_secs_f64() * 1e3,
        pct(0.99).as_secs_f64() * 1e3
    );
}
