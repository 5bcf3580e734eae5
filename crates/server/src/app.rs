//! [`Application`]: a node opened, its submission worker started, a listener bound; then served
//! until stopped, gracefully.

use std::future::Future;
use std::net::SocketAddr;
use std::path::PathBuf;
use std::sync::Arc;

use axum_server::tls_rustls::RustlsConfig;
use selat_core::node::{Node, NodeError};
use selat_core::submissions;
use tokio::net::TcpListener;
use tokio::task::JoinHandle;

use crate::limits::Limits;
use crate::routes::app;
use crate::state::AppState;

/// What [`Application::build`] needs.
#[derive(Debug, Clone)]
pub struct ServerConfig {
    /// Where to listen; port 0 picks a free port (tests).
    pub listen: SocketAddr,
    /// The node's data directory.
    pub data_dir: PathBuf,
    /// The node's store: a `postgres://` URL, or `None` for the SQLite file in `data_dir`.
    pub database: Option<String>,
    pub limits: Limits,
    /// Serve HTTPS with this certificate chain and key.
    pub tls: Option<TlsFiles>,
    /// A directory of MISP warninglists that correlation flags values with (`warninglists`).
    pub warninglists: Option<PathBuf>,
    /// The SMTP relay and sender of notices (contact checks, notifications).
    pub mail: selat_core::notify::MailSettings,
    /// The node's public base URL for links in notices; default the address served.
    pub public_url: Option<String>,
    /// A contact not verified for this many days is stale.
    pub contact_stale_after_days: u32,
}

/// PEM files of a TLS certificate chain and its private key.
#[derive(Debug, Clone)]
pub struct TlsFiles {
    pub cert: PathBuf,
    pub key: PathBuf,
}

impl ServerConfig {
    /// Defaults for `data_dir`, listening on `listen`.
    pub fn new(listen: SocketAddr, data_dir: impl Into<PathBuf>) -> Self {
        Self {
            listen,
            data_dir: data_dir.into(),
            database: None,
            limits: Limits::default(),
            tls: None,
            warninglists: None,
            mail: selat_core::notify::MailSettings::default(),
            public_url: None,
            contact_stale_after_days: selat_core::coordination::contacts::DEFAULT_STALE_AFTER_DAYS,
        }
    }
}

/// Why the server could not start.
#[derive(Debug, thiserror::Error)]
pub enum BuildError {
    /// The data directory or its store could not be opened.
    #[error("opening the node: {0}")]
    Node(#[from] NodeError),
    /// The listen address could not be bound (in use, or not this machine's).
    #[error("binding {addr}: {source}")]
    Bind { addr: SocketAddr, source: std::io::Error },
    /// The configured MISP warninglists could not be loaded.
    #[error("loading the warninglists: {0}")]
    Warninglists(#[from] selat_core::benign::WarninglistError),
    /// The TLS certificate or key could not be read or do not form a usable pair.
    #[error("loading TLS certificate {cert} and key {key}: {source}")]
    Tls { cert: PathBuf, key: PathBuf, source: std::io::Error },
    /// The coordination collection could not be made ready.
    #[error("preparing the coordination collection: {0}")]
    Coordination(#[from] selat_core::coordination::CoordinationError),
    /// The mail settings cannot be used.
    #[error("mail settings: {0}")]
    Mail(#[from] selat_core::notify::NotifyError),
}

/// How often the node looks for assistance deadlines that have passed.
pub const DEADLINE_SWEEP_INTERVAL: std::time::Duration = std::time::Duration::from_secs(60);

/// A bound, not yet serving, server.
pub struct Application {
    listener: TcpListener,
    local_addr: SocketAddr,
    state: AppState,
    node: Arc<Node>,
    worker: JoinHandle<()>,
    tls: Option<RustlsConfig>,
}

impl Application {
    /// Opens the node in `config.data_dir` (its store in `config.database` when set) and builds
    /// on it.
    pub async fn build(config: ServerConfig) -> Result<Self, BuildError> {
        let node = Arc::new(Node::open_with(&config.data_dir, config.database.as_deref()).await?);
        Self::build_with_node(config, node).await
    }

    /// Starts the submission worker (which first resumes requests left pending by a previous run)
    /// and binds the listener.
    pub async fn build_with_node(config: ServerConfig, node: Arc<Node>) -> Result<Self, BuildError> {
        let tls = match &config.tls {
            Some(files) => Some(tls_config(files).await?),
            None => None,
        };
        if let Some(dir) = &config.warninglists {
            let lists = selat_core::benign::Warninglists::load(dir)?;
            tracing::info!(
                lists = lists.len(),
                skipped = lists.skipped.len(),
                bad_entries = lists.bad_entries,
                "warninglists loaded"
            );
            node.set_warninglists(lists);
        }
        let limits = config.limits.clamped();
        node.set_login_policy(selat_core::accounts::LoginPolicy {
            max_failed_logins: limits.max_failed_logins,
            lockout_secs: limits.lockout_secs,
        });
        let cursor_key = node.secret("cursor").await?;
        let (queue, worker) =
            submissions::start(node.clone(), limits.queue_depth, limits.submission()).await?;
        let state = AppState::new(node.clone(), queue, cursor_key, limits);
        state.set_serves_tls(tls.is_some());
        let listener = TcpListener::bind(config.listen)
            .await
            .map_err(|source| BuildError::Bind { addr: config.listen, source })?;
        let local_addr =
            listener.local_addr().map_err(|source| BuildError::Bind { addr: config.listen, source })?;
        let scheme = if tls.is_some() { "https" } else { "http" };
        let public_url = config.public_url.clone().unwrap_or_else(|| format!("{scheme}://{local_addr}"));
        node.set_coordination_settings(selat_core::node::CoordinationSettings {
            base_url: public_url.trim_end_matches('/').to_owned(),
            stale_after_days: config.contact_stale_after_days,
        });
        node.set_outbox(selat_core::notify::Outbox::start(&config.mail)?);
        // Made before serving, so every collection list shows it from the first request.
        node.coordination_collection().await?;
        tokio::spawn(sweep_deadlines(Arc::downgrade(&node)));
        Ok(Self { listener, local_addr, state, node, worker, tls })
    }

    /// The address actually bound (the real port when 0 was asked for).
    pub fn local_addr(&self) -> SocketAddr {
        self.local_addr
    }

    /// `http://ADDR` (or `https://`), without a trailing slash.
    pub fn base_url(&self) -> String {
        let scheme = if self.tls.is_some() { "https" } else { "http" };
        format!("{scheme}://{}", self.local_addr)
    }

    /// The node served, e.g. to create accounts in tests or seed the demo.
    pub fn node(&self) -> Arc<Node> {
        self.node.clone()
    }

    /// Serves until SIGINT or SIGTERM; see [`Application::run_until`].
    pub async fn run_until_stopped(self) -> std::io::Result<()> {
        self.run_until(shutdown_signal()).await
    }

    /// Serves until `stop` completes, then stops accepting connections, lets in-flight requests
    /// finish, and waits for the submission worker to store every request it accepted.
    pub async fn run_until(self, stop: impl Future<Output = ()> + Send + 'static) -> std::io::Result<()> {
        let Application { listener, state, node, worker, tls, .. } = self;
        let service = app(state).into_make_service_with_connect_info::<SocketAddr>();
        match tls {
            None => axum::serve(listener, service).with_graceful_shutdown(stop).await?,
            Some(tls) => {
                let handle = axum_server::Handle::new();
                let stopper = handle.clone();
                tokio::spawn(async move {
                    stop.await;
                    stopper.graceful_shutdown(None);
                });
                axum_server::from_tcp_rustls(listener.into_std()?, tls)?
                    .handle(handle)
                    .serve(service)
                    .await?;
            }
        }
        // The router, and with it the last sender of the queue, is gone: the worker drains what
        // was accepted and ends.
        if let Err(e) = worker.await {
            tracing::error!(error = %e, "the submission worker failed");
        }
        // Every request is answered and every accepted POST stored: their entries are queued.
        if let Err(e) = node.audit().flush().await {
            tracing::error!(error = %e, "writing the audit log at shutdown failed");
        }
        Ok(())
    }
}

/// Notifies assistance deadlines as they pass, until the node is dropped.
async fn sweep_deadlines(node: std::sync::Weak<Node>) {
    let mut tick = tokio::time::interval(DEADLINE_SWEEP_INTERVAL);
    loop {
        tick.tick().await;
        let Some(node) = node.upgrade() else { return };
        if let Err(e) = node.notify_deadlines_due().await {
            tracing::warn!(error = %e, "looking for assistance deadlines due");
        }
    }
}

/// Completes on SIGINT (Ctrl-C) or, on Unix, SIGTERM.
pub async fn shutdown_signal() {
    let interrupt = async {
        if let Err(e) = tokio::signal::ctrl_c().await {
            tracing::error!(error = %e, "cannot listen for Ctrl-C");
            std::future::pending::<()>().await;
        }
    };
    #[cfg(unix)]
    let terminate = async {
        match tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
            Ok(mut signal) => {
                signal.recv().await;
            }
            Err(e) => {
                tracing::error!(error = %e, "cannot listen for SIGTERM");
                std::future::pending::<()>().await;
            }
        }
    };
    #[cfg(not(unix))]
    let terminate = std::future::pending::<()>();
    tokio::select! {
        () = interrupt => {}
        () = terminate => {}
    }
    tracing::info!("shutting down: finishing in-flight requests");
}

/// The TLS server configuration from PEM files (rustls with the *ring* provider).
async fn tls_config(files: &TlsFiles) -> Result<RustlsConfig, BuildError> {
    RustlsConfig::from_pem_file(&files.cert, &files.key).await.map_err(|source| BuildError::Tls {
        cert: files.cert.clone(),
        key: files.key.clone(),
        source,
    })
}
