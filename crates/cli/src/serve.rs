//! `selat serve`: the HTTP server (TAXII 2.1, `/healthz`, `/metrics`) over a data directory.
//!
//! Settings come from, in order of precedence: the command line, `SELAT_…` environment
//! variables, the `--config` TOML file, then the defaults. The file takes the same scalar keys,
//! plus a `[limits]` table:
//!
//! ```toml
//! listen = "127.0.0.1:8470"   # SELAT_LISTEN
//! data = "/var/lib/selat"     # SELAT_DATA
//! database = "postgres://selat@db/selat"  # SELAT_DATABASE: unset = SQLite in the data directory
//! tls_cert = "cert.pem"       # SELAT_TLS_CERT (with tls_key)
//! tls_key = "key.pem"         # SELAT_TLS_KEY
//! warninglists = "/etc/selat/misp-warninglists"  # SELAT_WARNINGLISTS: known-benign values
//!
//! sync_interval_s = 5       # SELAT_SYNC_INTERVAL_S: seconds between federation rounds
//! hosts = ["ASEAN"]          # organisations this node serves (besides each peer's `hosts`)
//!
//! [[peers]]                  # from the file only; see selat_core::federation::config
//! name = "hub"
//! url = "https://hub.example/taxii2/selat/"
//! token = "…"
//! hosts = ["SG", "SG-*"]
//! pull = ["<collection id>"]
//! push = ["<collection id>"]
//!
//! [limits]
//! max_body_bytes = 100000000  # SELAT_MAX_BODY_BYTES: the API root's max_content_length
//! page_size = 1000            # SELAT_PAGE_SIZE: objects per page at most
//! queue_depth = 64            # SELAT_QUEUE_DEPTH: POSTs waiting to be stored
//! max_objects_per_post = 10000  # SELAT_MAX_OBJECTS_PER_POST
//! max_failed_logins = 5       # SELAT_MAX_FAILED_LOGINS: failed logins in a row that lock an account
//! lockout_secs = 900          # SELAT_LOCKOUT_SECS: how long the lock lasts
//! ```

use std::io::Write as _;
use std::net::SocketAddr;
use std::path::{Path, PathBuf};
use std::process::ExitCode;

use anyhow::Context as _;
use selat_core::federation::config::DEFAULT_SYNC_INTERVAL_S;
use selat_core::federation::{FederationConfig, HostPatterns, PeerConfig};
use selat_server::{Application, Limits, ServerConfig, TlsFiles};
use serde::Deserialize;

/// Where `selat serve` listens unless told otherwise.
pub const DEFAULT_LISTEN: &str = "127.0.0.1:8470";
/// The data directory unless told otherwise.
pub const DEFAULT_DATA: &str = "./selat-data";

#[derive(Debug, clap::Args)]
pub struct Args {
    /// The node's data directory [default: ./selat-data].
    #[arg(long, env = "SELAT_DATA")]
    data: Option<PathBuf>,
    /// The store: a postgres:// URL [default: the SQLite file in the data directory].
    #[arg(long, env = "SELAT_DATABASE", hide_env_values = true)]
    database: Option<String>,
    /// Address to listen on [default: 127.0.0.1:8470]; port 0 picks a free port.
    #[arg(long, env = "SELAT_LISTEN")]
    listen: Option<SocketAddr>,
    /// A TOML file with the same settings and a `[limits]` table.
    #[arg(long, env = "SELAT_CONFIG")]
    config: Option<PathBuf>,
    /// Seed the demo region on first start and write DATA/demo-credentials.json.
    #[arg(long)]
    demo: bool,
    /// PEM certificate chain: serve HTTPS (with --tls-key).
    #[arg(long, env = "SELAT_TLS_CERT", requires = "tls_key")]
    tls_cert: Option<PathBuf>,
    /// PEM private key of --tls-cert.
    #[arg(long, env = "SELAT_TLS_KEY", requires = "tls_cert")]
    tls_key: Option<PathBuf>,
    /// A directory of MISP warninglists: correlation flags values on them as known-benign.
    #[arg(long, env = "SELAT_WARNINGLISTS")]
    warninglists: Option<PathBuf>,
    /// SMTP relay for notices and contact checks, smtp://host[:port] [default: none].
    #[arg(long, env = "SELAT_SMTP_URL")]
    smtp_url: Option<String>,
    /// The From address of notices [default: selat@localhost].
    #[arg(long, env = "SELAT_MAIL_FROM")]
    mail_from: Option<String>,
    /// The base URL links in notices point at [default: the address served].
    #[arg(long, env = "SELAT_PUBLIC_URL")]
    public_url: Option<String>,
    /// Days after which an unverified contact is stale [default: 365].
    #[arg(long, env = "SELAT_CONTACT_STALE_AFTER_DAYS")]
    contact_stale_after_days: Option<u32>,
    /// Seconds between federation rounds with each peer [default: 60].
    #[arg(long, env = "SELAT_SYNC_INTERVAL_S")]
    sync_interval_s: Option<u64>,
    #[command(flatten)]
    limits: LimitArgs,
}

/// Limits, each overriding the config file's `[limits]` value.
#[derive(Debug, clap::Args)]
struct LimitArgs {
    /// Largest request body in bytes, advertised as max_content_length [default: 100000000].
    #[arg(long, env = "SELAT_MAX_BODY_BYTES")]
    max_body_bytes: Option<u64>,
    /// Most objects per page [default: 1000].
    #[arg(long, env = "SELAT_PAGE_SIZE")]
    page_size: Option<usize>,
    /// POSTs waiting to be stored before the server answers 503 [default: 64].
    #[arg(long, env = "SELAT_QUEUE_DEPTH")]
    queue_depth: Option<usize>,
    /// Most objects in one POST [default: 10000].
    #[arg(long, env = "SELAT_MAX_OBJECTS_PER_POST")]
    max_objects_per_post: Option<u64>,
    /// Failed logins in a row that lock an account [default: 5].
    #[arg(long, env = "SELAT_MAX_FAILED_LOGINS")]
    max_failed_logins: Option<u32>,
    /// Seconds a locked account stays locked [default: 900].
    #[arg(long, env = "SELAT_LOCKOUT_SECS")]
    lockout_secs: Option<u64>,
}

/// The `--config` file.
#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct FileConfig {
    listen: Option<SocketAddr>,
    pub(crate) data: Option<PathBuf>,
    pub(crate) database: Option<String>,
    tls_cert: Option<PathBuf>,
    tls_key: Option<PathBuf>,
    warninglists: Option<PathBuf>,
    smtp_url: Option<String>,
    mail_from: Option<String>,
    public_url: Option<String>,
    contact_stale_after_days: Option<u32>,
    #[serde(default)]
    limits: Limits,
    sync_interval_s: Option<u64>,
    hosts: Option<HostPatterns>,
    #[serde(default)]
    peers: Vec<PeerConfig>,
}

/// The federation settings of the file (the interval overridable), checked; `None` when the
/// file names no peers and no hosts.
pub(crate) fn federation_config(
    file: &FileConfig,
    sync_interval_s: Option<u64>,
) -> anyhow::Result<Option<FederationConfig>> {
    if file.peers.is_empty() && file.hosts.is_none() {
        return Ok(None);
    }
    let config = FederationConfig {
        sync_interval_s: sync_interval_s.or(file.sync_interval_s).unwrap_or(DEFAULT_SYNC_INTERVAL_S),
        hosts: file.hosts.clone().unwrap_or_default(),
        peers: file.peers.clone(),
    };
    config.check()?;
    Ok(Some(config))
}

pub async fn run(args: &Args) -> anyhow::Result<ExitCode> {
    let file = read_config(args.config.as_deref())?;
    let federation = federation_config(&file, args.sync_interval_s)?;
    let config = server_config(args, &file)?;
    let data_dir = config.data_dir.clone();
    let app = Application::build(config).await.context("starting the server")?;
    let base_url = app.base_url();
    if args.demo {
        seed_demo(&app, &data_dir, &base_url).await?;
    }
    let node = app.node();
    let peers = match federation {
        Some(federation) => {
            let federation = std::sync::Arc::new(federation);
            node.federation().set_config((*federation).clone());
            selat_core::federation::worker::spawn(node.clone(), federation)
        }
        None => Vec::new(),
    };
    say(&format!(
        "selat: serving {base_url}/ (TAXII 2.1 API root {base_url}{})",
        selat_server::API_ROOT_PATH
    ));
    app.run_until_stopped().await.context("serving")?;
    // A round cut short here resumes from its saved cursors on the next start.
    for peer in peers {
        peer.abort();
    }
    say("selat: stopped");
    Ok(ExitCode::SUCCESS)
}

/// Prints a line and flushes it; a closed standard output (the reader went away) must not stop a
/// running server, so write errors are ignored.
fn say(line: &str) {
    let mut out = std::io::stdout().lock();
    let _ = writeln!(out, "{line}").and_then(|()| out.flush());
}

pub(crate) fn read_config(path: Option<&Path>) -> anyhow::Result<FileConfig> {
    let Some(path) = path else { return Ok(FileConfig::default()) };
    let text = std::fs::read_to_string(path).with_context(|| format!("reading {}", path.display()))?;
    toml::from_str(&text).with_context(|| format!("reading {}", path.display()))
}

fn server_config(args: &Args, file: &FileConfig) -> anyhow::Result<ServerConfig> {
    let listen = match args.listen.or(file.listen) {
        Some(listen) => listen,
        None => DEFAULT_LISTEN.parse().context("the default listen address")?,
    };
    let data = args.data.clone().or_else(|| file.data.clone()).unwrap_or_else(|| PathBuf::from(DEFAULT_DATA));
    let tls = match (
        args.tls_cert.clone().or(file.tls_cert.clone()),
        args.tls_key.clone().or(file.tls_key.clone()),
    ) {
        (Some(cert), Some(key)) => Some(TlsFiles { cert, key }),
        (None, None) => None,
        _ => anyhow::bail!("TLS needs both a certificate (tls_cert) and a key (tls_key)"),
    };
    let l = &args.limits;
    let limits = Limits {
        max_body_bytes: l.max_body_bytes.unwrap_or(file.limits.max_body_bytes),
        page_size: l.page_size.unwrap_or(file.limits.page_size),
        queue_depth: l.queue_depth.unwrap_or(file.limits.queue_depth),
        max_objects_per_post: l.max_objects_per_post.unwrap_or(file.limits.max_objects_per_post),
        max_failed_logins: l.max_failed_logins.unwrap_or(file.limits.max_failed_logins),
        lockout_secs: l.lockout_secs.unwrap_or(file.limits.lockout_secs),
    };
    let database = args.database.clone().or_else(|| file.database.clone());
    let warninglists = args.warninglists.clone().or_else(|| file.warninglists.clone());
    let mail = selat_core::notify::MailSettings {
        smtp_url: args.smtp_url.clone().or_else(|| file.smtp_url.clone()),
        from: args
            .mail_from
            .clone()
            .or_else(|| file.mail_from.clone())
            .unwrap_or_else(|| "selat@localhost".to_owned()),
    };
    Ok(ServerConfig {
        listen,
        data_dir: data,
        database,
        limits,
        tls,
        warninglists,
        mail,
        public_url: args.public_url.clone().or_else(|| file.public_url.clone()),
        contact_stale_after_days: args
            .contact_stale_after_days
            .or(file.contact_stale_after_days)
            .unwrap_or(selat_core::coordination::contacts::DEFAULT_STALE_AFTER_DAYS),
    })
}

/// The demo organisations, one line each, as DESIGN.md says `--demo` prints them.
fn demo_table(credentials: &selat_core::demo::DemoCredentials) -> String {
    let mut out = format!(
        "base URL {}\nAPI root {}\ncollections: shared {} public {}\n",
        credentials.base_url,
        credentials.api_root,
        credentials.collections.shared,
        credentials.collections.public
    );
    out.push_str("org\tkind\tidentity\tanalyst login\tpassword\ttoken\n");
    for org in &credentials.orgs {
        out.push_str(&format!(
            "{}\t{}\t{}\t{}\t{}\t{}\n",
            org.org, org.kind, org.identity, org.username, org.password, org.token
        ));
    }
    out.push_str("(users of the other roles: see the credentials file)");
    out
}

/// Seeds the demo region unless the store holds it already, and writes its credentials file.
async fn seed_demo(app: &Application, data_dir: &Path, base_url: &str) -> anyhow::Result<()> {
    let node = app.node();
    match selat_core::demo::seed(&node, base_url).await.context("seeding the demo region")? {
        Some(credentials) => {
            let path = selat_core::demo::write_credentials(data_dir, &credentials)
                .context("writing the demo credentials")?;
            say(&demo_table(&credentials));
            say(&format!("selat: demo region seeded; logins and tokens also in {}", path.display()));
        }
        None => {
            say(&format!("selat: demo region already seeded; credentials kept in {}", data_dir.display()))
        }
    }
    Ok(())
}
