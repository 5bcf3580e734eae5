//! A node's data directory: the store (the embedded SQLite file in the directory, or a PostgreSQL
//! database) and the node's identity (`node.json`, always in the directory).

use std::path::{Path, PathBuf};

use selat_store::{Backend, Collection, Directory, NewCollection, Store};

use crate::accounts::LoginPolicy;
use crate::audit::Auditor;
use serde::{Deserialize, Serialize};

/// File name of the embedded store inside the data directory.
pub const STORE_FILE: &str = "selat.db";
/// File name of the node's settings inside the data directory.
pub const NODE_FILE: &str = "node.json";

/// What went wrong opening a node.
#[derive(Debug, thiserror::Error)]
pub enum NodeError {
    /// The data directory or a file in it could not be read or written.
    #[error("{path}: {source}")]
    Io { path: PathBuf, source: std::io::Error },
    /// `node.json` is not what this version of Selat writes.
    #[error("{path}: not a Selat node file: {source}")]
    Settings { path: PathBuf, source: serde_json::Error },
    /// No collection has this id or alias.
    #[error("no collection {name:?}; known: {known}")]
    UnknownCollection { name: String, known: String },
    /// `database` is neither empty nor a `postgres://` URL. The value is not repeated: it may
    /// hold a password.
    #[error("the database setting is not a postgres:// URL (leave it unset for the embedded SQLite store)")]
    UnsupportedDatabase,
    /// The store could not be opened or migrated.
    #[error("opening the store: {0}")]
    Store(#[from] selat_store::Error),
}

/// The node's persistent settings.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, Eq)]
pub struct NodeSettings {
    /// The organisation that owns what this node's operator imports without `--as`.
    pub home_org: String,
}

/// An open node: its directory, settings and store.
pub struct Node {
    pub dir: PathBuf,
    pub settings: NodeSettings,
    pub store: Backend,
    /// Set by the server from its configuration; read at every password check.
    login_policy: std::sync::RwLock<LoginPolicy>,
    /// The audit log's writer (one background task per node).
    audit: Auditor,
    /// The operator's MISP warninglists (none until configured), for correlation's benign flags.
    warninglists: std::sync::RwLock<std::sync::Arc<crate::benign::Warninglists>>,
    /// The coordination collection's id, once made (see `coordination`).
    pub(crate) coordination: tokio::sync::OnceCell<String>,
    /// Serialises coordination workflow steps (see `Node::coordination_step`).
    pub(crate) coordination_lock: tokio::sync::Mutex<()>,
    coordination_settings: std::sync::RwLock<CoordinationSettings>,
    /// Where notices go (e-mail, webhooks); no SMTP relay until the server configures one.
    outbox: std::sync::RwLock<Option<crate::notify::Outbox>>,
    /// Federation settings in force and the signal that wakes the pushers.
    federation: crate::federation::NodeFederation,
    /// The last TOTP step accepted per user, so that a code is good once (see `accounts`).
    pub(crate) totp_steps: std::sync::Mutex<std::collections::HashMap<String, u64>>,
}

/// The node's settings for coordination work, set by the server from its configuration.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CoordinationSettings {
    /// The node's public base URL, for links in notices (`http://127.0.0.1:8470`).
    pub base_url: String,
    /// A contact not verified for this many days is stale.
    pub stale_after_days: u32,
}

impl Default for CoordinationSettings {
    fn default() -> Self {
        CoordinationSettings {
            base_url: "http://127.0.0.1:8470".to_owned(),
            stale_after_days: crate::coordination::contacts::DEFAULT_STALE_AFTER_DAYS,
        }
    }
}

impl Node {
    /// Opens (creating if needed) the node in `dir`, with the embedded SQLite store.
    pub async fn open(dir: &Path) -> Result<Self, NodeError> {
        Self::open_with(dir, None).await
    }

    /// Opens (creating if needed) the node in `dir`; its store is the PostgreSQL database
    /// `database` names (`postgres://…`), else the SQLite file in `dir`. Either way `dir` holds
    /// `node.json`. Pending migrations are applied.
    pub async fn open_with(dir: &Path, database: Option<&str>) -> Result<Self, NodeError> {
        std::fs::create_dir_all(dir).map_err(|source| NodeError::Io { path: dir.to_owned(), source })?;
        let settings = load_or_create_settings(&dir.join(NODE_FILE))?;
        let store = open_store(dir, database).await?;
        let audit = Auditor::start(store.clone());
        Ok(Self {
            dir: dir.to_owned(),
            settings,
            store,
            login_policy: Default::default(),
            audit,
            warninglists: Default::default(),
            coordination: tokio::sync::OnceCell::new(),
            coordination_lock: tokio::sync::Mutex::new(()),
            coordination_settings: Default::default(),
            outbox: Default::default(),
            federation: Default::default(),
            totp_steps: Default::default(),
        })
    }

    pub fn coordination_settings(&self) -> CoordinationSettings {
        self.coordination_settings.read().map(|s| s.clone()).unwrap_or_default()
    }

    pub fn set_coordination_settings(&self, settings: CoordinationSettings) {
        if let Ok(mut current) = self.coordination_settings.write() {
            *current = settings;
        }
    }

    /// The notice queue: the one the server configured, else one without an SMTP relay.
    pub fn outbox(&self) -> crate::notify::Outbox {
        if let Some(outbox) = self.outbox.read().ok().and_then(|o| o.clone()) {
            return outbox;
        }
        let mut slot = self.outbox.write().unwrap_or_else(std::sync::PoisonError::into_inner);
        slot.get_or_insert_with(|| {
            crate::notify::Outbox::start(&crate::notify::MailSettings::default())
                .expect("no relay needs no checks")
        })
        .clone()
    }

    pub fn set_outbox(&self, outbox: crate::notify::Outbox) {
        if let Ok(mut slot) = self.outbox.write() {
            *slot = Some(outbox);
        }
    }

    /// The audit log: record entries, flush, query, verify.
    pub fn audit(&self) -> &Auditor {
        &self.audit
    }

    /// Federation: the configuration in force (set by `serve` and `sync`) and the stored-objects
    /// signal.
    pub fn federation(&self) -> &crate::federation::NodeFederation {
        &self.federation
    }

    /// The MISP warninglists correlation flags values with (empty until set).
    pub fn warninglists(&self) -> std::sync::Arc<crate::benign::Warninglists> {
        self.warninglists.read().map(|w| w.clone()).unwrap_or_default()
    }

    /// Sets the warninglists (the server loads them from its `warninglists` directory).
    pub fn set_warninglists(&self, lists: crate::benign::Warninglists) {
        if let Ok(mut current) = self.warninglists.write() {
            *current = std::sync::Arc::new(lists);
        }
    }

    pub fn login_policy(&self) -> LoginPolicy {
        self.login_policy.read().map(|p| *p).unwrap_or_default()
    }

    pub fn set_login_policy(&self, policy: LoginPolicy) {
        if let Ok(mut current) = self.login_policy.write() {
            *current = policy;
        }
    }

    /// A secret of this node (e.g. the cursor-signing key): 32 random bytes made on first use and
    /// kept in the store, so cursors stay valid across restarts.
    pub async fn secret(&self, name: &str) -> Result<Vec<u8>, NodeError> {
        let mut fresh = [0u8; 32];
        getrandom::fill(&mut fresh).map_err(|e| NodeError::Io {
            path: self.dir.clone(),
            source: std::io::Error::other(e.to_string()),
        })?;
        Ok(self.store.setting_or_insert(&format!("secret:{name}"), &fresh).await?)
    }
}

impl Node {
    /// The collection whose id or alias is `name`; with `create`, an unknown name becomes a new
    /// collection with that alias and title. Returns whether it was created.
    pub async fn collection_named(&self, name: &str, create: bool) -> Result<(Collection, bool), NodeError> {
        let collections = self.store.collections().await?;
        if let Some(found) = collections.iter().find(|c| c.id == name || c.alias.as_deref() == Some(name)) {
            return Ok((found.clone(), false));
        }
        if !create {
            let known = collections
                .iter()
                .map(|c| c.alias.clone().unwrap_or_else(|| c.id.clone()))
                .collect::<Vec<_>>();
            return Err(NodeError::UnknownCollection { name: name.to_owned(), known: known.join(", ") });
        }
        let new = NewCollection {
            id: uuid::Uuid::new_v4().to_string(),
            title: name.to_owned(),
            description: None,
            alias: Some(name.to_owned()),
            media_types: vec!["application/stix+json;version=2.1".to_owned()],
        };
        Ok((self.store.create_collection(&new).await?, true))
    }
}

/// The store `database` names (see [`Node::open_with`]).
pub async fn open_store(dir: &Path, database: Option<&str>) -> Result<Backend, NodeError> {
    match database.map(str::trim).filter(|d| !d.is_empty()) {
        None => Ok(Backend::open_sqlite(dir.join(STORE_FILE)).await?),
        Some(url) if selat_store::is_postgres_url(url) => Ok(Backend::connect_postgres(url).await?),
        Some(_) => Err(NodeError::UnsupportedDatabase),
    }
}

fn load_or_create_settings(path: &Path) -> Result<NodeSettings, NodeError> {
    let io = |source| NodeError::Io { path: path.to_owned(), source };
    match std::fs::read(path) {
        Ok(bytes) => serde_json::from_slice(&bytes)
            .map_err(|source| NodeError::Settings { path: path.to_owned(), source }),
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => {
            let settings = NodeSettings { home_org: selat_stix::id::new_v4("identity") };
            let text = serde_json::to_vec_pretty(&settings).expect("settings serialize");
            // Write then rename, so a crash never leaves a half-written settings file.
            let tmp = path.with_extension("json.tmp");
            std::fs::write(&tmp, text).map_err(io)?;
            std::fs::rename(&tmp, path).map_err(io)?;
            Ok(settings)
        }
        Err(e) => Err(io(e)),
    }
}
