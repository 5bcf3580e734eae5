//! A real server on a real socket (port 0) over a fresh data directory, and a client for it.
//!
//! The node's store is SQLite in the data directory, or, with `SELAT_TEST_HTTP_BACKEND=postgres`,
//! a fresh PostgreSQL database per fixture on the server `SELAT_TEST_POSTGRES_URL` names (dropped
//! with the fixture). Run the suite once per backend.

use std::sync::Arc;
use std::time::{Duration, Instant};

use reqwest::header::{ACCEPT, AUTHORIZATION, HeaderMap};
use reqwest::{Method, StatusCode};
use selat_core::access::CollectionAccess;
use selat_core::node::Node;
use selat_core::org::{OrgKind, Organisation, Role};
use selat_server::{Application, Limits, ServerConfig};
use selat_store::PgTestDatabase;
use serde_json::{Value, json};
use tokio::sync::oneshot;
use tokio::task::JoinHandle;

pub const TAXII: &str = "application/taxii+json;version=2.1";
pub const PASSWORD: &str = "correct horse battery staple";
pub const TLP_CLEAR: &str = "marking-definition--94868c89-83c2-464b-929b-a1a8aa3c8487";

/// Tokens of the fixture's accounts.
#[derive(Debug, Clone)]
pub struct Tokens {
    pub sg_analyst: String,
    pub sg_viewer: String,
    pub my_analyst: String,
    pub asean_analyst: String,
    pub hub_admin: String,
}

/// A data directory with three organisations, their accounts and two collections.
pub struct Fixture {
    pub dir: tempfile::TempDir,
    pub tokens: Tokens,
    /// The members' collection (`shared`).
    pub shared: String,
    /// The public advisory collection (`public`).
    pub public: String,
    node: Option<Arc<Node>>,
    /// The fixture's PostgreSQL database, when the suite runs on that backend.
    database: Option<PgTestDatabase>,
}

/// Selects the backend of every fixture: `sqlite` (the default) or `postgres`.
const BACKEND_VAR: &str = "SELAT_TEST_HTTP_BACKEND";
/// The PostgreSQL server to create fixture databases on.
const POSTGRES_URL_VAR: &str = "SELAT_TEST_POSTGRES_URL";

/// A fresh PostgreSQL database when the suite runs on PostgreSQL, else `None` (SQLite).
async fn test_database() -> Option<PgTestDatabase> {
    match std::env::var(BACKEND_VAR).as_deref() {
        Err(_) | Ok("" | "sqlite") => None,
        Ok("postgres") => {
            let admin = std::env::var(POSTGRES_URL_VAR)
                .unwrap_or_else(|_| panic!("{BACKEND_VAR}=postgres needs {POSTGRES_URL_VAR}"));
            Some(PgTestDatabase::create(&admin).await.expect("a fresh PostgreSQL database"))
        }
        Ok(other) => panic!("{BACKEND_VAR}={other}: expected sqlite or postgres"),
    }
}

impl Drop for Fixture {
    fn drop(&mut self) {
        let Some(database) = self.database.take() else { return };
        // Drop runs inside the test's runtime, which cannot be blocked on: drop the database from
        // a thread with its own. A database left behind is removed by a later run after an hour.
        let dropped = std::thread::spawn(move || {
            let runtime = tokio::runtime::Builder::new_current_thread().enable_all().build().unwrap();
            runtime.block_on(database.drop_database())
        });
        let _ = dropped.join();
    }
}

impl Fixture {
    fn database_url(&self) -> Option<&str> {
        self.database.as_ref().map(PgTestDatabase::url)
    }

    pub async fn new() -> Fixture {
        let dir = tempfile::tempdir().unwrap();
        let database = test_database().await;
        let url = database.as_ref().map(PgTestDatabase::url);
        let node = Arc::new(Node::open_with(dir.path(), url).await.unwrap());
        for (short, kind) in
            [("SG", OrgKind::MemberState), ("MY", OrgKind::MemberState), ("ASEAN", OrgKind::Secretariat)]
        {
            node.create_organisation(&organisation(short, kind)).await.unwrap();
        }
        let users = [
            ("sg-analyst", "SG", Role::Analyst),
            ("sg-viewer", "SG", Role::Viewer),
            ("my-analyst", "MY", Role::Analyst),
            ("asean-analyst", "ASEAN", Role::Analyst),
            ("asean-admin", "ASEAN", Role::HubAdmin),
        ];
        let mut tokens = Vec::new();
        for (user, org, role) in users {
            node.create_user(user, org, role, PASSWORD).await.unwrap();
            tokens.push(node.issue_token(org, role, Some(user), "test", None).await.unwrap().text);
        }
        let shared = collection(&node, "shared", CollectionAccess::SHARED).await;
        let public = collection(&node, "public", CollectionAccess::PUBLIC).await;
        let tokens = Tokens {
            sg_analyst: tokens[0].clone(),
            sg_viewer: tokens[1].clone(),
            my_analyst: tokens[2].clone(),
            asean_analyst: tokens[3].clone(),
            hub_admin: tokens[4].clone(),
        };
        Fixture { dir, tokens, shared, public, node: Some(node), database }
    }

    /// Starts a server on this data directory (reusing the node that seeded it the first time).
    pub async fn start(&mut self, limits: Limits) -> Server {
        self.start_with(|config| config.limits = limits).await
    }

    /// Starts a server with the configuration `configure` leaves.
    pub async fn start_with(&mut self, configure: impl FnOnce(&mut ServerConfig)) -> Server {
        let node = match self.node.take() {
            Some(node) => node,
            None => Arc::new(Node::open_with(self.dir.path(), self.database_url()).await.unwrap()),
        };
        let mut config = ServerConfig::new("127.0.0.1:0".parse().unwrap(), self.dir.path());
        config.database = self.database_url().map(str::to_owned);
        configure(&mut config);
        let app = Application::build_with_node(config, node.clone()).await.unwrap();
        let base = app.base_url();
        let (stop, stopped) = oneshot::channel::<()>();
        let task = tokio::spawn(app.run_until(async move {
            let _ = stopped.await;
        }));
        Server {
            base,
            node,
            client: selat_taxii::client::http_client().build().unwrap(),
            stop: Some(stop),
            task: Some(task),
        }
    }
}

fn organisation(short: &str, kind: OrgKind) -> Organisation {
    Organisation {
        short_name: short.to_owned(),
        name: format!("{short} agency"),
        kind,
        parent: None,
        identity: format!("identity--{}", uuid::Uuid::new_v4()),
        member_since: None,
    }
}

async fn collection(node: &Node, alias: &str, access: CollectionAccess) -> String {
    let (collection, _) = node.collection_named(alias, true).await.unwrap();
    node.set_collection_access(&collection.id, access).await.unwrap();
    collection.id
}

/// A running server.
pub struct Server {
    pub base: String,
    pub node: Arc<Node>,
    pub client: reqwest::Client,
    stop: Option<oneshot::Sender<()>>,
    task: Option<JoinHandle<std::io::Result<()>>>,
}

/// A response, read whole.
#[derive(Debug)]
pub struct Reply {
    pub status: StatusCode,
    pub headers: HeaderMap,
    pub text: String,
}

impl Reply {
    pub fn json(&self) -> Value {
        serde_json::from_str(&self.text).unwrap_or_else(|e| panic!("not JSON ({e}): {}", self.text))
    }

    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers.get(name).and_then(|v| v.to_str().ok())
    }

    /// Asserts a TAXII error response: status, media type, `http_status` and `error_code`.
    pub fn assert_error(&self, status: u16, error_code: &str) {
        assert_eq!(self.status.as_u16(), status, "{}", self.text);
        assert_eq!(self.header("content-type"), Some(TAXII), "{self:?}");
        let body = self.json();
        assert_eq!(body["http_status"], json!(status.to_string()), "{body}");
        assert_eq!(body["error_code"], json!(error_code), "{body}");
        assert!(body["title"].is_string(), "{body}");
    }

    /// Asserts a successful TAXII response and returns its body.
    pub fn ok_json(&self) -> Value {
        assert_eq!(self.status, StatusCode::OK, "{}", self.text);
        assert_eq!(self.header("content-type"), Some(TAXII));
        self.json()
    }
}

/// Credentials for one request.
#[derive(Debug, Clone, Copy)]
pub enum Auth<'a> {
    None,
    Token(&'a str),
    Basic(&'a str, &'a str),
}

impl Server {
    pub fn url(&self, path: &str) -> String {
        format!("{}{path}", self.base)
    }

    pub fn objects_path(&self, collection: &str) -> String {
        format!("/taxii2/selat/collections/{collection}/objects/")
    }

    /// A request with the TAXII `Accept` header unless `headers` sets one.
    pub async fn send(
        &self,
        method: Method,
        path: &str,
        auth: Auth<'_>,
        headers: &[(&str, &str)],
        body: Option<Vec<u8>>,
    ) -> Reply {
        let mut request = self.client.request(method, self.url(path));
        if !headers.iter().any(|(name, _)| name.eq_ignore_ascii_case("accept")) {
            request = request.header(ACCEPT, TAXII);
        }
        for (name, value) in headers {
            request = request.header(*name, *value);
        }
        request = match auth {
            Auth::None => request,
            Auth::Token(token) => request.header(AUTHORIZATION, format!("Bearer {token}")),
            Auth::Basic(user, password) => request.basic_auth(user, Some(password)),
        };
        if let Some(body) = body {
            request = request.body(body);
        }
        let response = request.send().await.expect("the server answers");
        let (status, headers) = (response.status(), response.headers().clone());
        Reply { status, headers, text: response.text().await.unwrap() }
    }

    pub async fn get(&self, path: &str, token: &str) -> Reply {
        self.send(Method::GET, path, Auth::Token(token), &[], None).await
    }

    /// POSTs an envelope of `objects` and returns the 202's status resource.
    pub async fn post_objects(&self, collection: &str, token: &str, objects: &[Value]) -> Value {
        let reply = self.post_raw(collection, token, envelope(objects)).await;
        assert_eq!(reply.status, StatusCode::ACCEPTED, "{}", reply.text);
        assert_eq!(reply.header("content-type"), Some(TAXII));
        reply.json()
    }

    pub async fn post_raw(&self, collection: &str, token: &str, body: Vec<u8>) -> Reply {
        let headers = [("content-type", TAXII)];
        self.send(Method::POST, &self.objects_path(collection), Auth::Token(token), &headers, Some(body))
            .await
    }

    /// Polls a status until it is complete (at most 60 s) and returns it.
    pub async fn wait_complete(&self, status_id: &str, token: &str) -> Value {
        let deadline = Instant::now() + Duration::from_secs(60);
        loop {
            let status = self.get(&format!("/taxii2/selat/status/{status_id}/"), token).await.ok_json();
            if status["status"] == "complete" {
                return status;
            }
            assert!(Instant::now() < deadline, "status {status_id} still pending: {status}");
            tokio::time::sleep(Duration::from_millis(20)).await;
        }
    }

    /// POSTs and waits until stored; asserts every object succeeded.
    pub async fn add(&self, collection: &str, token: &str, objects: &[Value]) -> Value {
        let pending = self.post_objects(collection, token, objects).await;
        let status = self.wait_complete(pending["id"].as_str().unwrap(), token).await;
        assert_eq!(status["success_count"], json!(objects.len()), "{status}");
        status
    }

    /// Stops the server gracefully and waits for it (and its submission worker) to finish.
    pub async fn stop(mut self) {
        if let Some(stop) = self.stop.take() {
            let _ = stop.send(());
        }
        if let Some(task) = self.task.take() {
            task.await.unwrap().unwrap();
        }
    }
}

pub fn envelope(objects: &[Value]) -> Vec<u8> {
    serde_json::to_vec(&json!({ "objects": objects })).unwrap()
}

/// A valid STIX 2.1 indicator with a fresh id.
pub fn indicator() -> Value {
    indicator_version(&format!("indicator--{}", uuid::Uuid::new_v4()), "2024-01-01T00:00:00.000Z")
}

/// A version of indicator `id` with `modified` at `modified`.
pub fn indicator_version(id: &str, modified: &str) -> Value {
    json!({
        "type": "indicator",
        "spec_version": "2.1",
        "id": id,
        "created": "2024-01-01T00:00:00.000Z",
        "modified": modified,
        "name": "Bad address",
        "pattern": "[ipv4-addr:value = '198.51.100.7']",
        "pattern_type": "stix",
        "valid_from": "2024-01-01T00:00:00Z"
    })
}

/// A TLP:CLEAR advisory-style object the public collection accepts.
pub fn clear_indicator() -> Value {
    let mut object = indicator();
    object["object_marking_refs"] = json!([TLP_CLEAR]);
    object
}

/// The ids of an envelope's objects.
pub fn ids(envelope: &Value) -> Vec<String> {
    envelope["objects"]
        .as_array()
        .map(|objects| objects.iter().map(|o| o["id"].as_str().unwrap().to_owned()).collect())
        .unwrap_or_default()
}
