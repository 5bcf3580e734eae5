//! Known-benign values, flagged in correlation answers (never hidden: a flag tells the analyst
//! why a value correlates with everything, it does not decide for them).
//!
//! Two sources:
//! - built in: the special-purpose address ranges (RFC 1918 private networks, the RFC 6890
//!   registries that superseded RFC 5735 and RFC 5156: loopback, link-local, documentation,
//!   benchmarking, multicast, …) and the special-use domain names (RFC 2606, RFC 6761, RFC 6762,
//!   RFC 8375), written here;
//! - optionally, a directory of MISP warninglists the operator configures (`warninglists = DIR`:
//!   `DIR/lists/<name>/list.json`, or `DIR/<name>/list.json`), of the types `string`,
//!   `hostname`, `cidr` and `substring`; `regex` lists are counted and skipped.
//!
//! Lists are bounded ([`MAX_WARNINGLISTS`], [`MAX_WARNINGLIST_BYTES`], [`MAX_WARNINGLIST_ENTRIES`]).

use std::collections::{BTreeMap, HashSet};
use std::net::IpAddr;
use std::path::{Path, PathBuf};

use serde::{Deserialize, Serialize};

/// Most warninglists loaded from one directory.
pub const MAX_WARNINGLISTS: usize = 1000;
/// Largest `list.json` read, in bytes.
pub const MAX_WARNINGLIST_BYTES: u64 = 64 * 1024 * 1024;
/// Most entries over all loaded warninglists.
pub const MAX_WARNINGLIST_ENTRIES: usize = 10_000_000;

/// Why a value is flagged as known-benign.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct BenignFlag {
    /// `built-in` or `warninglist`.
    pub source: &'static str,
    /// The range's or the list's name, e.g. `RFC 1918 private network`.
    pub name: String,
    /// What matched: the range (`10.0.0.0/8`) or the list entry.
    pub matched: String,
}

/// IPv4 special-purpose ranges (RFC 6890 and the RFCs it collects).
const IPV4_RANGES: &[(&str, &str)] = &[
    ("0.0.0.0/8", "\"this network\" (RFC 1122, RFC 6890)"),
    ("10.0.0.0/8", "RFC 1918 private network"),
    ("100.64.0.0/10", "shared address space (RFC 6598)"),
    ("127.0.0.0/8", "loopback (RFC 1122)"),
    ("169.254.0.0/16", "link-local (RFC 3927)"),
    ("172.16.0.0/12", "RFC 1918 private network"),
    ("192.0.0.0/24", "IETF protocol assignments (RFC 6890)"),
    ("192.0.2.0/24", "documentation TEST-NET-1 (RFC 5737)"),
    ("192.88.99.0/24", "6to4 relay anycast (RFC 3068)"),
    ("192.168.0.0/16", "RFC 1918 private network"),
    ("198.18.0.0/15", "benchmarking (RFC 2544)"),
    ("198.51.100.0/24", "documentation TEST-NET-2 (RFC 5737)"),
    ("203.0.113.0/24", "documentation TEST-NET-3 (RFC 5737)"),
    ("224.0.0.0/4", "multicast (RFC 5771)"),
    ("240.0.0.0/4", "reserved (RFC 1112)"),
    ("255.255.255.255/32", "limited broadcast (RFC 919)"),
];

/// IPv6 special-purpose ranges (RFC 6890 and the RFCs it collects).
const IPV6_RANGES: &[(&str, &str)] = &[
    ("::/128", "unspecified address (RFC 4291)"),
    ("::1/128", "loopback (RFC 4291)"),
    ("64:ff9b::/96", "IPv4-IPv6 translation (RFC 6052)"),
    ("100::/64", "discard-only (RFC 6666)"),
    ("2001:db8::/32", "documentation (RFC 3849)"),
    ("fc00::/7", "unique local (RFC 4193)"),
    ("fe80::/10", "link-local (RFC 4291)"),
    ("ff00::/8", "multicast (RFC 4291)"),
];

/// Special-use domain names: each name and every name under it.
const DOMAINS: &[(&str, &str)] = &[
    ("example", "example domain (RFC 2606)"),
    ("example.com", "example domain (RFC 2606)"),
    ("example.net", "example domain (RFC 2606)"),
    ("example.org", "example domain (RFC 2606)"),
    ("test", "testing domain (RFC 2606)"),
    ("invalid", "invalid domain (RFC 2606)"),
    ("localhost", "localhost (RFC 6761)"),
    ("local", "multicast DNS (RFC 6762)"),
    ("home.arpa", "home network (RFC 8375)"),
];

/// What a value may be a case of: an address, a host name, or neither.
enum Subject {
    Ip(IpAddr),
    Host(String),
    Other,
}

/// The address or host a value names: itself, a URL's host, an e-mail address's domain.
fn subject(value: &str) -> Subject {
    let value = value.trim();
    let host = if let Some((_, rest)) = value.split_once("://") {
        let authority = rest.split(['/', '?', '#']).next().unwrap_or_default();
        let authority = authority.rsplit_once('@').map_or(authority, |(_, h)| h);
        if let Some(v6) = authority.strip_prefix('[') {
            v6.split(']').next().unwrap_or_default()
        } else {
            authority.split(':').next().unwrap_or_default()
        }
    } else if let Some((_, domain)) = value.rsplit_once('@') {
        domain
    } else {
        value
    };
    if let Ok(ip) = host.parse::<IpAddr>() {
        return Subject::Ip(ip);
    }
    let host = host.trim_end_matches('.').to_ascii_lowercase();
    let hostname = host.contains('.') || DOMAINS.iter().any(|(d, _)| *d == host);
    if hostname && host.bytes().all(|b| b.is_ascii_alphanumeric() || matches!(b, b'.' | b'-' | b'_')) {
        Subject::Host(host)
    } else {
        Subject::Other
    }
}

/// The built-in flags of a value.
pub fn built_in(value: &str) -> Vec<BenignFlag> {
    let flag = |range: &str, name: &str| BenignFlag {
        source: "built-in",
        name: name.to_owned(),
        matched: range.to_owned(),
    };
    match subject(value) {
        Subject::Ip(ip) => {
            let ranges = if ip.is_ipv4() { IPV4_RANGES } else { IPV6_RANGES };
            ranges
                .iter()
                .filter(|(range, _)| parse_network(range).is_some_and(|net| net.contains(ip)))
                .map(|(range, name)| flag(range, name))
                .collect()
        }
        Subject::Host(host) => DOMAINS
            .iter()
            .filter(|(domain, _)| host == *domain || host.ends_with(&format!(".{domain}")))
            .map(|(domain, name)| flag(domain, name))
            .collect(),
        Subject::Other => Vec::new(),
    }
}

/// A network: an address and a prefix length.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
struct Network {
    bits: u128,
    v6: bool,
    prefix: u8,
}

impl Network {
    fn contains(self, ip: IpAddr) -> bool {
        let (bits, v6) = ip_bits(ip);
        v6 == self.v6 && mask(bits, self.prefix, v6) == self.bits
    }
}

fn ip_bits(ip: IpAddr) -> (u128, bool) {
    match ip {
        IpAddr::V4(v4) => (u128::from(u32::from(v4)), false),
        IpAddr::V6(v6) => (u128::from(v6), true),
    }
}

fn mask(bits: u128, prefix: u8, v6: bool) -> u128 {
    let width: u32 = if v6 { 128 } else { 32 };
    let prefix = u32::from(prefix).min(width);
    if prefix == 0 {
        return 0;
    }
    let keep = u128::MAX << (width - prefix);
    let keep = if v6 { keep } else { keep & u128::from(u32::MAX) };
    bits & keep
}

/// `a.b.c.d/n`, `x::/n` or a bare address (a host network).
fn parse_network(text: &str) -> Option<Network> {
    let (address, prefix) = match text.trim().split_once('/') {
        Some((a, p)) => (a, Some(p.parse::<u8>().ok()?)),
        None => (text.trim(), None),
    };
    let ip: IpAddr = address.parse().ok()?;
    let (bits, v6) = ip_bits(ip);
    let width = if v6 { 128 } else { 32 };
    let prefix = prefix.unwrap_or(width);
    if prefix > width {
        return None;
    }
    Some(Network { bits: mask(bits, prefix, v6), v6, prefix })
}

/// The entries of one warninglist, by its `type`.
#[derive(Debug)]
enum Entries {
    /// `string`: the value itself, compared without case.
    Strings(HashSet<String>),
    /// `hostname`: a host name and every name under it.
    Hostnames(HashSet<String>),
    /// `cidr`: addresses in any of the networks, one set per prefix length.
    Networks(BTreeMap<(bool, u8), HashSet<u128>>),
    /// `substring`: the value contains the entry.
    Substrings(Vec<String>),
}

#[derive(Debug)]
struct Warninglist {
    name: String,
    entries: Entries,
}

/// The operator's MISP warninglists, loaded once.
#[derive(Debug, Default)]
pub struct Warninglists {
    lists: Vec<Warninglist>,
    /// Lists of a type this reader does not apply (`regex`), by name.
    pub skipped: Vec<String>,
    /// Entries that did not parse (a `cidr` entry that is no network), over all lists.
    pub bad_entries: usize,
}

/// Why the warninglists could not be loaded.
#[derive(Debug, thiserror::Error)]
pub enum WarninglistError {
    /// The directory or a file could not be read.
    #[error("{path}: {source}")]
    Io { path: PathBuf, source: std::io::Error },
    /// A `list.json` is not a MISP warninglist.
    #[error("{path}: not a MISP warninglist: {source}")]
    Json { path: PathBuf, source: serde_json::Error },
    /// A limit was passed; say which.
    #[error("{path}: {what}")]
    TooLarge { path: PathBuf, what: String },
}

#[derive(Deserialize)]
struct ListFile {
    name: String,
    #[serde(rename = "type", default = "default_type")]
    list_type: String,
    list: Vec<String>,
}

fn default_type() -> String {
    "string".to_owned()
}

impl Warninglists {
    /// Loads every `list.json` under `dir/lists/*/` (or `dir/*/`).
    pub fn load(dir: &Path) -> Result<Self, WarninglistError> {
        let root = if dir.join("lists").is_dir() { dir.join("lists") } else { dir.to_owned() };
        let io = |path: &Path| {
            let path = path.to_owned();
            move |source| WarninglistError::Io { path, source }
        };
        let mut files: Vec<PathBuf> = std::fs::read_dir(&root)
            .map_err(io(&root))?
            .filter_map(Result::ok)
            .map(|e| e.path().join("list.json"))
            .filter(|p| p.is_file())
            .collect();
        files.sort();
        if files.len() > MAX_WARNINGLISTS {
            let what =
                format!("{} warninglists, more than MAX_WARNINGLISTS ({MAX_WARNINGLISTS})", files.len());
            return Err(WarninglistError::TooLarge { path: root, what });
        }
        let mut loaded = Warninglists::default();
        let mut total = 0usize;
        for path in files {
            let size = std::fs::metadata(&path).map_err(io(&path))?.len();
            if size > MAX_WARNINGLIST_BYTES {
                let what = format!("{size} bytes, more than MAX_WARNINGLIST_BYTES ({MAX_WARNINGLIST_BYTES})");
                return Err(WarninglistError::TooLarge { path, what });
            }
            let bytes = std::fs::read(&path).map_err(io(&path))?;
            let file: ListFile = serde_json::from_slice(&bytes)
                .map_err(|source| WarninglistError::Json { path: path.clone(), source })?;
            total += file.list.len();
            if total > MAX_WARNINGLIST_ENTRIES {
                let what =
                    format!("more than MAX_WARNINGLIST_ENTRIES ({MAX_WARNINGLIST_ENTRIES}) entries in all");
                return Err(WarninglistError::TooLarge { path, what });
            }
            loaded.add(file);
        }
        Ok(loaded)
    }

    fn add(&mut self, file: ListFile) {
        let lower =
            |list: Vec<String>| list.into_iter().map(|e| e.trim().trim_end_matches('.').to_ascii_lowercase());
        let entries = match file.list_type.as_str() {
            "string" => Entries::Strings(lower(file.list).collect()),
            "hostname" => Entries::Hostnames(lower(file.list).collect()),
            "substring" => Entries::Substrings(lower(file.list).filter(|e| !e.is_empty()).collect()),
            "cidr" => {
                let mut networks: BTreeMap<(bool, u8), HashSet<u128>> = BTreeMap::new();
                for entry in &file.list {
                    match parse_network(entry) {
                        Some(net) => {
                            networks.entry((net.v6, net.prefix)).or_default().insert(net.bits);
                        }
                        None => self.bad_entries += 1,
                    }
                }
                Entries::Networks(networks)
            }
            _ => {
                self.skipped.push(file.name);
                return;
            }
        };
        self.lists.push(Warninglist { name: file.name, entries });
    }

    /// How many lists are applied.
    pub fn len(&self) -> usize {
        self.lists.len()
    }

    /// Whether no list is applied.
    pub fn is_empty(&self) -> bool {
        self.lists.is_empty()
    }

    /// The lists `value` is on, each with the entry that matched.
    pub fn flags(&self, value: &str) -> Vec<BenignFlag> {
        let subject = subject(value);
        let lowered = value.trim().to_ascii_lowercase();
        let mut out = Vec::new();
        for list in &self.lists {
            if let Some(matched) = list.matches(&lowered, &subject) {
                out.push(BenignFlag { source: "warninglist", name: list.name.clone(), matched });
            }
        }
        out
    }
}

impl Warninglist {
    fn matches(&self, lowered: &str, subject: &Subject) -> Option<String> {
        match (&self.entries, subject) {
            (Entries::Strings(set), _) if set.contains(lowered) => Some(lowered.to_owned()),
            (Entries::Strings(set), Subject::Host(host)) => set.get(host).cloned(),
            (Entries::Hostnames(set), Subject::Host(host)) => {
                let mut name = host.as_str();
                loop {
                    if set.contains(name) {
                        return Some(name.to_owned());
                    }
                    name = name.split_once('.')?.1;
                }
            }
            (Entries::Networks(networks), Subject::Ip(ip)) => {
                let (bits, v6) = ip_bits(*ip);
                networks.iter().filter(|((family, _), _)| *family == v6).find_map(|(&(_, prefix), set)| {
                    let masked = mask(bits, prefix, v6);
                    set.contains(&masked).then(|| format!("{}/{prefix}", format_network(masked, v6)))
                })
            }
            (Entries::Substrings(list), _) => list.iter().find(|e| lowered.contains(e.as_str())).cloned(),
            _ => None,
        }
    }
}

fn format_network(bits: u128, v6: bool) -> String {
    if v6 {
        std::net::Ipv6Addr::from(bits).to_string()
    } else {
        std::net::Ipv4Addr::from(bits as u32).to_string()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn names(flags: &[BenignFlag]) -> Vec<&str> {
        flags.iter().map(|f| f.matched.as_str()).collect()
    }

    #[test]
    fn built_in_ranges_and_names() {
        let cases: &[(&str, &[&str])] = &[
            ("10.1.2.3", &["10.0.0.0/8"]),
            ("172.31.255.255", &["172.16.0.0/12"]),
            ("172.32.0.1", &[]),
            ("192.168.1.1", &["192.168.0.0/16"]),
            ("127.0.0.1", &["127.0.0.0/8"]),
            ("198.51.100.7", &["198.51.100.0/24"]),
            ("100.64.0.1", &["100.64.0.0/10"]),
            ("8.8.8.8", &[]),
            ("::1", &["::1/128"]),
            ("2001:db8::5", &["2001:db8::/32"]),
            ("fe80::1", &["fe80::/10"]),
            ("2606:4700::1111", &[]),
            ("www.example.com", &["example.com"]),
            ("printer.local", &["local"]),
            ("evil.example.co", &[]),
            ("http://10.0.0.5:8080/x", &["10.0.0.0/8"]),
            ("http://[::1]/", &["::1/128"]),
            ("admin@test", &["test"]),
            ("d41d8cd98f00b204e9800998ecf8427e", &[]),
        ];
        for (value, expected) in cases {
            assert_eq!(names(&built_in(value)), *expected, "{value}");
        }
    }

    #[test]
    fn warninglist_types() {
        let mut lists = Warninglists::default();
        let file = |name: &str, t: &str, list: &[&str]| ListFile {
            name: name.to_owned(),
            list_type: t.to_owned(),
            list: list.iter().map(|e| (*e).to_owned()).collect(),
        };
        lists.add(file("resolvers", "cidr", &["8.8.8.8", "1.1.1.0/24", "2606:4700::/32", "not a network"]));
        lists.add(file("top", "string", &["Google.com"]));
        lists.add(file("hosts", "hostname", &["cdn.example.net"]));
        lists.add(file("sub", "substring", &["amazonaws"]));
        lists.add(file("re", "regex", &[".*"]));
        assert_eq!(lists.len(), 4);
        assert_eq!(lists.skipped, vec!["re".to_owned()]);
        assert_eq!(lists.bad_entries, 1);
        let cases: &[(&str, &[&str])] = &[
            ("8.8.8.8", &["8.8.8.8/32"]),
            ("1.1.1.200", &["1.1.1.0/24"]),
            ("2606:4700::1111", &["2606:4700::/32"]),
            ("8.8.4.4", &[]),
            ("google.com", &["google.com"]),
            ("a.cdn.example.net", &["cdn.example.net"]),
            ("example.net", &[]),
            ("s3.amazonaws.com", &["amazonaws"]),
        ];
        for (value, expected) in cases {
            assert_eq!(names(&lists.flags(value)), *expected, "{value}");
        }
    }

    #[test]
    fn shared_misp_warninglists_load() {
        let Some(data) = selat_testdata::shared_data("shared_misp_warninglists_load") else { return };
        let lists =
            Warninglists::load(&data.join("misp-warninglists")).expect("the shared warninglists load");
        assert!(lists.len() >= 4, "{} lists", lists.len());
        let on = |value: &str| lists.flags(value).into_iter().map(|f| f.name).collect::<Vec<_>>();
        assert!(on("10.9.8.7").iter().any(|n| n.contains("1918")), "{:?}", on("10.9.8.7"));
        assert!(on("1.0.0.1").iter().any(|n| n.contains("DNS")), "{:?}", on("1.0.0.1"));
        assert!(!on("google.com").is_empty(), "a top website");
        assert!(on("evil-unlisted-selat.example").is_empty());
    }
}
