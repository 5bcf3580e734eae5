//! The federation settings of the configuration file:
//!
//! ```toml
//! sync_interval_s = 5
//! hosts = ["ASEAN"]                # organisations this node serves (besides each peer's `hosts`)
//!
//! [[peers]]
//! name = "hub"
//! url = "https://hub.example/taxii2/selat/"    # the peer's TAXII API root
//! token = "…"                                   # a token the peer issued to this node's organisation
//! hosts = ["SG", "SG-*"]                        # organisations this node serves, for which the token acts
//! pull = ["<the peer's collection id>"]         # pulled objects land in the local collection of the same id
//! push = ["<the peer's collection id>"]
//! org = "ASEAN"                                 # optional: owner of what the peer sends without a registered creator
//! peer_hosts = ["MY", "MY-*"]                   # optional: organisations the peer serves (RED goes only there)
//! username = "selat"                            # optional: HTTP Basic with `token` as password
//! timeout_s = 30                                # optional: seconds each request may take
//! ```
//!
//! Peers come from the file only. [`FederationConfig::check`] names every problem at once.

use std::collections::HashSet;
use std::fmt;

use serde::Deserialize;

/// Most peers of one node.
pub const MAX_PEERS: usize = 64;
/// Most collections a peer pulls or pushes (each list).
pub const MAX_PEER_COLLECTIONS: usize = 64;
/// Most patterns in one `hosts` or `peer_hosts` list.
pub const MAX_HOST_PATTERNS: usize = 256;
/// Longest sync interval, in seconds (a day).
pub const MAX_SYNC_INTERVAL_S: u64 = 86_400;
/// The sync interval unless configured.
pub const DEFAULT_SYNC_INTERVAL_S: u64 = 60;
/// Longest peer name.
pub const MAX_PEER_NAME_CHARS: usize = 64;
/// Each request to a peer gives up after this many seconds unless `timeout_s` says otherwise.
pub const DEFAULT_PEER_TIMEOUT_S: u64 = 30;
/// Longest `timeout_s`.
pub const MAX_PEER_TIMEOUT_S: u64 = 600;

/// Organisations by short name: `SG` names one, `SG-*` every name starting with `SG-`.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct HostPatterns {
    patterns: Vec<String>,
}

impl HostPatterns {
    /// Patterns as written; see [`HostPatterns::check`] for what is valid.
    pub fn new(patterns: impl IntoIterator<Item = impl Into<String>>) -> Self {
        Self { patterns: patterns.into_iter().map(Into::into).collect() }
    }

    /// The patterns as written.
    pub fn patterns(&self) -> &[String] {
        &self.patterns
    }

    pub fn is_empty(&self) -> bool {
        self.patterns.is_empty()
    }

    /// Whether `short_name` is one of these organisations.
    pub fn matches(&self, short_name: &str) -> bool {
        self.patterns.iter().any(|p| match p.strip_suffix('*') {
            Some(prefix) => short_name.starts_with(prefix),
            None => p == short_name,
        })
    }

    /// The same patterns and `other`'s.
    pub fn union(&self, other: &HostPatterns) -> HostPatterns {
        let mut patterns = self.patterns.clone();
        patterns.extend(other.patterns.iter().filter(|p| !self.patterns.contains(p)).cloned());
        HostPatterns { patterns }
    }

    /// Each problem of the patterns: a short name (letters, digits, `-`, `_`), optionally ending
    /// in `*` after at least one character.
    fn problems(&self, what: &str) -> Vec<String> {
        let mut problems = Vec::new();
        if self.patterns.len() > MAX_HOST_PATTERNS {
            problems.push(format!(
                "{what}: {} patterns, at most {MAX_HOST_PATTERNS} (MAX_HOST_PATTERNS)",
                self.patterns.len()
            ));
        }
        for pattern in &self.patterns {
            let name = pattern.strip_suffix('*').unwrap_or(pattern);
            let ok = !name.is_empty()
                && name.len() <= 64
                && name.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_');
            if !ok {
                problems.push(format!(
                    "{what}: {pattern:?} is not an organisation's short name, or a prefix of one followed by `*`"
                ));
            }
        }
        problems
    }
}

impl<'de> Deserialize<'de> for HostPatterns {
    fn deserialize<D: serde::Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        Ok(HostPatterns::new(Vec::<String>::deserialize(deserializer)?))
    }
}

/// One `[[peers]]` entry.
#[derive(Clone, PartialEq, Eq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct PeerConfig {
    /// Unique among the peers; names the peer in reports, metrics and `selat sync --peer`.
    pub name: String,
    /// The peer's TAXII API root URL.
    pub url: String,
    /// A token the peer issued to this node's organisation (with `username`: the password).
    /// Never printed.
    pub token: String,
    /// Send HTTP Basic as this user with `token` as password, instead of a bearer token (for
    /// servers that know only passwords, such as medallion).
    #[serde(default)]
    pub username: Option<String>,
    /// Seconds each request to the peer may take (default [`DEFAULT_PEER_TIMEOUT_S`]).
    #[serde(default = "default_timeout_s")]
    pub timeout_s: u64,
    /// PEM file of CA certificates trusted for this peer besides the platform's roots (a peer
    /// whose certificate a private CA signed).
    #[serde(default)]
    pub ca_file: Option<std::path::PathBuf>,
    /// The organisations this node serves for which the token acts on the peer: only objects
    /// they own are pushed to it.
    pub hosts: HostPatterns,
    /// The organisations the peer serves; RED goes to the peer only when it names one of them
    /// as recipient (a hub lists none: it never gets another node's RED).
    #[serde(default)]
    pub peer_hosts: HostPatterns,
    /// The peer's own organisation (short name, registered here): the owner of what it sends
    /// without a `created_by_ref` naming a registered organisation. Unset: such objects are
    /// refused (`unknown-owner`).
    #[serde(default)]
    pub org: Option<String>,
    /// The peer's collections to pull; each lands in the local collection of the same id.
    #[serde(default)]
    pub pull: Vec<String>,
    /// The peer's collections to push to, each from the local collection of the same id.
    #[serde(default)]
    pub push: Vec<String>,
}

fn default_timeout_s() -> u64 {
    DEFAULT_PEER_TIMEOUT_S
}

impl fmt::Debug for PeerConfig {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("PeerConfig")
            .field("name", &self.name)
            .field("url", &self.url)
            .field("token", &"<redacted>")
            .field("username", &self.username)
            .field("timeout_s", &self.timeout_s)
            .field("ca_file", &self.ca_file)
            .field("hosts", &self.hosts)
            .field("peer_hosts", &self.peer_hosts)
            .field("org", &self.org)
            .field("pull", &self.pull)
            .field("push", &self.push)
            .finish()
    }
}

/// Federation as a whole: the interval, this node's organisations and its peers.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FederationConfig {
    /// Seconds between rounds with a peer when nothing wakes it sooner.
    pub sync_interval_s: u64,
    /// Organisations this node serves, besides those in each peer's `hosts`.
    pub hosts: HostPatterns,
    pub peers: Vec<PeerConfig>,
}

impl Default for FederationConfig {
    fn default() -> Self {
        Self { sync_interval_s: DEFAULT_SYNC_INTERVAL_S, hosts: HostPatterns::default(), peers: Vec::new() }
    }
}

/// The configuration's problems, one per line.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("federation settings: {}", .problems.join("; "))]
pub struct ConfigError {
    pub problems: Vec<String>,
}

impl FederationConfig {
    /// Every organisation this node serves: `hosts` and each peer's `hosts`.
    pub fn node_hosts(&self) -> HostPatterns {
        self.peers.iter().fold(self.hosts.clone(), |all, p| all.union(&p.hosts))
    }

    /// The peer named `name`.
    pub fn peer(&self, name: &str) -> Option<&PeerConfig> {
        self.peers.iter().find(|p| p.name == name)
    }

    /// Checks everything and names every problem.
    pub fn check(&self) -> Result<(), ConfigError> {
        let mut problems = Vec::new();
        if !(1..=MAX_SYNC_INTERVAL_S).contains(&self.sync_interval_s) {
            problems.push(format!(
                "sync_interval_s = {}: expected 1 to {MAX_SYNC_INTERVAL_S} seconds (MAX_SYNC_INTERVAL_S)",
                self.sync_interval_s
            ));
        }
        problems.extend(self.hosts.problems("hosts"));
        if self.peers.len() > MAX_PEERS {
            problems.push(format!("{} peers: at most {MAX_PEERS} (MAX_PEERS)", self.peers.len()));
        }
        let mut names = HashSet::new();
        for peer in &self.peers {
            if !names.insert(peer.name.as_str()) {
                problems.push(format!("peer {:?}: the name is used twice", peer.name));
            }
            problems.extend(peer.problems());
        }
        if problems.is_empty() { Ok(()) } else { Err(ConfigError { problems }) }
    }
}

impl PeerConfig {
    fn problems(&self) -> Vec<String> {
        let at = format!("peer {:?}", self.name);
        let mut problems = Vec::new();
        let name_ok = !self.name.is_empty()
            && self.name.chars().count() <= MAX_PEER_NAME_CHARS
            && self.name.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_');
        if !name_ok {
            problems.push(format!("{at}: a name is 1 to {MAX_PEER_NAME_CHARS} letters, digits, `-` or `_`"));
        }
        if let Err(problem) = check_url(&self.url) {
            problems.push(format!("{at}: url {:?}: {problem}", self.url));
        }
        if !(1..=MAX_PEER_TIMEOUT_S).contains(&self.timeout_s) {
            problems.push(format!(
                "{at}: timeout_s = {}: expected 1 to {MAX_PEER_TIMEOUT_S} seconds (MAX_PEER_TIMEOUT_S)",
                self.timeout_s
            ));
        }
        if self.token.trim().is_empty() {
            problems
                .push(format!("{at}: token is empty (a token the peer issued to this node's organisation)"));
        }
        if self.hosts.is_empty() {
            problems.push(format!(
                "{at}: hosts is empty (the organisations this node serves, e.g. [\"SG\", \"SG-*\"])"
            ));
        }
        problems.extend(self.hosts.problems(&format!("{at}: hosts")));
        problems.extend(self.peer_hosts.problems(&format!("{at}: peer_hosts")));
        if self.pull.is_empty() && self.push.is_empty() {
            problems.push(format!("{at}: nothing to pull or push (list collection ids in pull and push)"));
        }
        for (key, list) in [("pull", &self.pull), ("push", &self.push)] {
            if list.len() > MAX_PEER_COLLECTIONS {
                problems.push(format!(
                    "{at}: {key} lists {} collections, at most {MAX_PEER_COLLECTIONS} (MAX_PEER_COLLECTIONS)",
                    list.len()
                ));
            }
            for id in list.iter().filter(|id| uuid::Uuid::parse_str(id).is_err()) {
                problems.push(format!("{at}: {key} {id:?} is not a collection id (a UUID)"));
            }
        }
        problems
    }
}

/// An API root URL: `https://host[:port]/path/`, or `http://` to a loopback host only
/// (DESIGN.md: plain HTTP crosses no network).
pub fn check_url(url: &str) -> Result<(), String> {
    let (scheme, rest) =
        url.split_once("://").ok_or_else(|| "not a URL (expected https://host/taxii2/…/)".to_owned())?;
    let authority = rest.split(['/', '?', '#']).next().unwrap_or_default();
    if authority.contains('@') {
        return Err("credentials in the URL; put the token in `token`".into());
    }
    let (host, port) = match authority.strip_prefix('[') {
        Some(v6) => match v6.split_once(']') {
            Some((host, after)) => (host, after.strip_prefix(':')),
            None => return Err("unclosed [ in the host".into()),
        },
        None => match authority.rsplit_once(':') {
            Some((host, port)) => (host, Some(port)),
            None => (authority, None),
        },
    };
    if host.is_empty() {
        return Err("no host".into());
    }
    if let Some(port) = port
        && port.parse::<u16>().is_err()
    {
        return Err(format!("port {port:?} is not a number"));
    }
    if !rest[authority.len()..].starts_with('/') || rest.contains(['?', '#']) {
        return Err("expected the API root's path, e.g. /taxii2/selat/, without a query".into());
    }
    match scheme {
        "https" => Ok(()),
        "http" if is_loopback(host) => Ok(()),
        "http" => Err("plain http:// only to a loopback address; use https://".into()),
        other => Err(format!("scheme {other:?}: expected https (or http to loopback)")),
    }
}

fn is_loopback(host: &str) -> bool {
    host.eq_ignore_ascii_case("localhost")
        || host.parse::<std::net::IpAddr>().is_ok_and(|ip| ip.is_loopback())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn peer() -> PeerConfig {
        PeerConfig {
            name: "hub".into(),
            url: "https://hub.example/taxii2/selat/".into(),
            token: "selat_x".into(),
            username: None,
            timeout_s: DEFAULT_PEER_TIMEOUT_S,
            ca_file: None,
            hosts: HostPatterns::new(["SG", "SG-*"]),
            peer_hosts: HostPatterns::default(),
            org: None,
            pull: vec!["0f0e5b7e-8c5e-4a57-9d1e-0c7e5e6f9a10".into()],
            push: vec![],
        }
    }

    #[test]
    fn urls() {
        let cases = [
            ("https://hub.example/taxii2/selat/", true),
            ("https://hub.example:8443/taxii2/selat/", true),
            ("http://127.0.0.1:8470/taxii2/selat/", true),
            ("http://localhost:8470/taxii2/selat/", true),
            ("http://[::1]:8470/taxii2/selat/", true),
            ("http://hub.example/taxii2/selat/", false),
            ("http://10.0.0.1/taxii2/selat/", false),
            ("ftp://hub.example/taxii2/", false),
            ("hub.example/taxii2/", false),
            ("https://user:pw@hub.example/taxii2/", false),
            ("https://hub.example", false),
            ("https://hub.example:x/taxii2/", false),
            ("https://hub.example/taxii2/?a=b", false),
            ("https:///taxii2/", false),
        ];
        for (url, ok) in cases {
            assert_eq!(check_url(url).is_ok(), ok, "{url}: {:?}", check_url(url));
        }
    }

    #[test]
    fn host_patterns() {
        let hosts = HostPatterns::new(["SG", "MY-*"]);
        for (name, want) in
            [("SG", true), ("SG-BANKING", false), ("MY", false), ("MY-ENERGY", true), ("MYX", false)]
        {
            assert_eq!(hosts.matches(name), want, "{name}");
        }
    }

    #[test]
    fn every_problem_is_named() {
        let good =
            FederationConfig { sync_interval_s: 5, hosts: HostPatterns::default(), peers: vec![peer()] };
        assert_eq!(good.check(), Ok(()));
        let mut bad = peer();
        bad.url = "http://hub.example/taxii2/selat/".into();
        bad.hosts = HostPatterns::default();
        bad.pull = vec!["not-a-uuid".into()];
        bad.token = " ".into();
        let config = FederationConfig {
            sync_interval_s: 0,
            hosts: HostPatterns::new(["*"]),
            peers: vec![bad, peer(), peer()],
        };
        let problems = config.check().unwrap_err().problems;
        for wanted in [
            "sync_interval_s = 0",
            "hosts: \"*\" is not",
            "url \"http://hub.example/taxii2/selat/\": plain http:// only to a loopback address",
            "hosts is empty",
            "token is empty",
            "pull \"not-a-uuid\" is not a collection id",
            "the name is used twice",
        ] {
            assert!(problems.iter().any(|p| p.contains(wanted)), "{wanted:?} not in {problems:#?}");
        }
    }

    #[test]
    fn the_token_is_never_printed() {
        assert!(!format!("{:?}", peer()).contains("selat_x"));
    }

    #[test]
    fn node_hosts_are_every_list() {
        let mut second = peer();
        second.name = "my".into();
        second.hosts = HostPatterns::new(["SG-BANKING"]);
        let config = FederationConfig {
            sync_interval_s: 5,
            hosts: HostPatterns::new(["ASEAN"]),
            peers: vec![peer(), second],
        };
        assert_eq!(config.node_hosts().patterns(), ["ASEAN", "SG", "SG-*", "SG-BANKING"]);
    }
}
