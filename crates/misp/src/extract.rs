//! IOCs from free text and CSV: the lists analysts paste from e-mails and reports.
//!
//! Each line is refanged first (`hxxp`, `[.]`, `(dot)`, `[@]`, `[:]`, …), then split into
//! tokens on white space and the separators of CSV and prose (`,;|"'<>` and the backtick); each
//! token, trimmed of surrounding brackets and trailing punctuation, is classified: URL (http,
//! https, ftp, with a host that is a domain or an address), hash (hex of 32, 40, 64 or 128
//! digits), IPv4/IPv6 address (with a `:port` dropped), CIDR network, e-mail address, domain
//! name. CSV needs nothing more: a cell is a token.
//!
//! A domain needs two labels or more and an alphabetic last label of 2–24 letters (or a
//! `xn--` one) that is not a common file extension (`invoice.pdf` is a file name, not a host).
//!
//! Which values are known-benign is not decided here (see `selat_core::benign`).

use std::collections::HashSet;
use std::net::{IpAddr, Ipv4Addr, Ipv6Addr};
use std::sync::LazyLock;

use regex::Regex;
use selat_stix::meta::{DISTRIBUTION_EXTENSION_ID, Scope};
use selat_stix::tlp::Tlp;
use serde_json::{Value, json};

use crate::derived_uuid;
use crate::types;

/// Longest line read, in bytes; a longer line is reported by number and skipped.
pub const MAX_LINE_BYTES: usize = 64 * 1024;
/// Most distinct IOCs taken from one input; past it the rest is reported, not taken.
pub const MAX_IOCS_PER_INPUT: usize = 1_000_000;

/// What an IOC is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum IocKind {
    Ipv4,
    Ipv6,
    Cidr,
    Domain,
    Url,
    Email,
    Md5,
    Sha1,
    Sha256,
    Sha512,
}

impl IocKind {
    /// The name used in reports and test data.
    pub fn as_str(self) -> &'static str {
        match self {
            IocKind::Ipv4 => "ipv4",
            IocKind::Ipv6 => "ipv6",
            IocKind::Cidr => "cidr",
            IocKind::Domain => "domain",
            IocKind::Url => "url",
            IocKind::Email => "email",
            IocKind::Md5 => "md5",
            IocKind::Sha1 => "sha1",
            IocKind::Sha256 => "sha256",
            IocKind::Sha512 => "sha512",
        }
    }

    /// The MISP attribute type whose table row gives the pattern.
    pub fn misp_type(self) -> &'static str {
        match self {
            IocKind::Ipv4 | IocKind::Ipv6 | IocKind::Cidr => "ip-dst",
            IocKind::Domain => "domain",
            IocKind::Url => "url",
            IocKind::Email => "email-src",
            IocKind::Md5 => "md5",
            IocKind::Sha1 => "sha1",
            IocKind::Sha256 => "sha256",
            IocKind::Sha512 => "sha512",
        }
    }
}

/// One IOC and the 1-based line it was first seen on.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Ioc {
    pub kind: IocKind,
    pub value: String,
    pub line: usize,
}

/// What one input yielded.
#[derive(Debug, Default)]
pub struct Extraction {
    /// Distinct IOCs in order of first appearance.
    pub iocs: Vec<Ioc>,
    /// Lines skipped and limits hit, each naming the line.
    pub problems: Vec<String>,
    pub lines: usize,
}

static DOT: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(r"(?i)\s?(?:\[\s?(?:\.|dot)\s?\]|\(\s?(?:\.|dot)\s?\)|\{\s?(?:\.|dot)\s?\})\s?")
        .expect("valid regex")
});
static AT: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(r"(?i)\s?(?:\[\s?(?:@|at)\s?\]|\(\s?(?:@|at)\s?\)|\{\s?(?:@|at)\s?\})\s?")
        .expect("valid regex")
});
static SCHEME: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(r"(?i)\b(?:hxxp|hxtp|htxp|h\*\*p)(s?)(?:\[:\]|:)?(?:\[/\]|/)(?:\[/\]|/)").expect("valid regex")
});
static FTP: LazyLock<Regex> = LazyLock::new(|| Regex::new(r"(?i)\bfxp(s?)://").expect("valid regex"));

/// A line with its defanged forms restored.
pub fn refang(line: &str) -> String {
    let line = SCHEME.replace_all(line, "http$1://");
    let line = FTP.replace_all(&line, "ftp$1://");
    let line = line.replace("[://]", "://").replace("[:]", ":").replace("[/]", "/");
    let line = DOT.replace_all(&line, ".");
    AT.replace_all(&line, "@").into_owned()
}

/// File extensions that look like top-level domains in prose.
const FILE_EXTENSIONS: &[&str] = &[
    "exe", "dll", "sys", "bat", "cmd", "ps1", "vbs", "vbe", "js", "jse", "jar", "pdf", "doc", "docx", "docm",
    "xls", "xlsx", "xlsm", "ppt", "pptx", "rtf", "txt", "log", "csv", "json", "xml", "htm", "html", "php",
    "asp", "aspx", "jsp", "png", "jpg", "jpeg", "gif", "bmp", "tmp", "dat", "bin", "iso", "img", "lnk",
    "hta", "msi", "scr", "zip", "rar", "gz", "tar", "py", "sh", "elf", "apk", "cfg", "ini", "yaml", "yml",
];

fn is_label(label: &str) -> bool {
    !label.is_empty()
        && label.len() <= 63
        && !label.starts_with('-')
        && !label.ends_with('-')
        && label.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_')
}

/// Whether a host name looks like a real domain (see the module comment).
pub fn is_domain(host: &str) -> bool {
    let host = host.strip_suffix('.').unwrap_or(host);
    if host.len() > 253 {
        return false;
    }
    let labels: Vec<&str> = host.split('.').collect();
    if labels.len() < 2 || !labels.iter().all(|l| is_label(l)) {
        return false;
    }
    let tld = labels[labels.len() - 1].to_ascii_lowercase();
    let alphabetic = (2..=24).contains(&tld.len()) && tld.bytes().all(|b| b.is_ascii_alphabetic());
    (alphabetic || (tld.starts_with("xn--") && tld.len() > 5)) && !FILE_EXTENSIONS.contains(&tld.as_str())
}

fn is_hex(token: &str) -> bool {
    token.bytes().all(|b| b.is_ascii_hexdigit())
}

/// The host of a URL's authority (`user@host:port`, `[v6]:port`).
fn url_host(rest: &str) -> &str {
    let authority = rest.split(['/', '?', '#']).next().unwrap_or_default();
    let authority = authority.rsplit_once('@').map_or(authority, |(_, h)| h);
    match authority.strip_prefix('[') {
        Some(v6) => v6.split(']').next().unwrap_or_default(),
        None => authority.split(':').next().unwrap_or_default(),
    }
}

/// What a single token is, with its normalised value.
pub fn classify(token: &str) -> Option<(IocKind, String)> {
    if let Some((scheme, rest)) = token.split_once("://") {
        let scheme = scheme.to_ascii_lowercase();
        if !matches!(scheme.as_str(), "http" | "https" | "ftp" | "ftps" | "sftp") {
            return None;
        }
        // Prose around a URL: `(see http://x/a).` — a `)` is the URL's own only when it opened one.
        let mut rest = rest.trim_end_matches(['.', ',', ';', ':', '!', '?', ']', '}', '>']);
        while rest.ends_with(')') && !rest.contains('(') {
            rest = rest[..rest.len() - 1].trim_end_matches(['.', ',', ';', ':', '!', '?']);
        }
        let host = url_host(rest);
        let host_ok = is_domain(host) || host.parse::<IpAddr>().is_ok();
        return host_ok.then(|| (IocKind::Url, format!("{scheme}://{rest}")));
    }
    if is_hex(token) {
        let kind = match token.len() {
            32 => IocKind::Md5,
            40 => IocKind::Sha1,
            64 => IocKind::Sha256,
            128 => IocKind::Sha512,
            _ => return None,
        };
        return Some((kind, token.to_ascii_lowercase()));
    }
    if let Ok(ip) = token.parse::<IpAddr>() {
        let kind = if ip.is_ipv4() { IocKind::Ipv4 } else { IocKind::Ipv6 };
        return Some((kind, ip.to_string()));
    }
    if let Some((address, prefix)) = token.split_once('/') {
        let prefix: u8 = prefix.parse().ok()?;
        return match address.parse::<IpAddr>().ok()? {
            IpAddr::V4(_) if prefix <= 32 => Some((IocKind::Cidr, token.to_owned())),
            IpAddr::V6(v6) if prefix <= 128 => Some((IocKind::Cidr, format!("{v6}/{prefix}"))),
            _ => None,
        };
    }
    if let Some((address, port)) = token.rsplit_once(':')
        && port.parse::<u16>().is_ok()
    {
        if let Ok(v4) = address.parse::<Ipv4Addr>() {
            return Some((IocKind::Ipv4, v4.to_string()));
        }
        if let Some(v6) = address.strip_prefix('[').and_then(|a| a.strip_suffix(']'))
            && let Ok(v6) = v6.parse::<Ipv6Addr>()
        {
            return Some((IocKind::Ipv6, v6.to_string()));
        }
        if is_domain(address) {
            return Some((IocKind::Domain, address.to_ascii_lowercase()));
        }
        return None;
    }
    if let Some((local, domain)) = token.split_once('@') {
        let local_ok = !local.is_empty()
            && local.len() <= 64
            && local.bytes().all(|b| b.is_ascii_alphanumeric() || b"._%+-".contains(&b));
        return (local_ok && is_domain(domain))
            .then(|| (IocKind::Email, format!("{local}@{}", domain.to_ascii_lowercase())));
    }
    is_domain(token).then(|| (IocKind::Domain, token.trim_end_matches('.').to_ascii_lowercase()))
}

fn is_separator(c: char) -> bool {
    c.is_whitespace() || matches!(c, ',' | ';' | '|' | '"' | '\'' | '<' | '>' | '`')
}

/// The IOCs of one (already bounded) line, in order, duplicates included.
pub fn extract_line(line: &str) -> Vec<(IocKind, String)> {
    let line = refang(line);
    let mut out = Vec::new();
    for raw in line.split(is_separator).filter(|t| !t.is_empty()) {
        let token = raw.trim_start_matches(['(', '[', '{', '<']);
        // `key=value` as in logs (`dst=1.2.3.4`), unless the whole token is a value (a URL's
        // query has `=` too).
        let token = match token.split_once('=') {
            Some((_, value)) if classify(token).is_none() && !token.contains("://") => value,
            _ => token,
        };
        let mut token = token;
        // Strip trailing punctuation one character at a time: `1.2.3.4).` and `evil.com:` are
        // values followed by prose, but an IPv6 address may end in `:` and a URL in `)`.
        loop {
            if let Some(found) = classify(token) {
                out.push(found);
                break;
            }
            match token.chars().last() {
                Some(c) if ".,;:!?)]}>*".contains(c) => token = &token[..token.len() - c.len_utf8()],
                _ => break,
            }
        }
    }
    out
}

/// The distinct IOCs of a whole text (CSV or prose), line by line, bounded by
/// [`MAX_LINE_BYTES`] and [`MAX_IOCS_PER_INPUT`].
pub fn extract(text: &str) -> Extraction {
    let mut out = Extraction::default();
    let mut seen = HashSet::new();
    for (index, line) in text.lines().enumerate() {
        out.lines += 1;
        let number = index + 1;
        if line.len() > MAX_LINE_BYTES {
            out.problems.push(format!(
                "line {number}: {} bytes, longer than MAX_LINE_BYTES ({MAX_LINE_BYTES}): skipped",
                line.len()
            ));
            continue;
        }
        for (kind, value) in extract_line(line) {
            if seen.len() >= MAX_IOCS_PER_INPUT {
                out.problems.push(format!(
                    "line {number}: more than MAX_IOCS_PER_INPUT ({MAX_IOCS_PER_INPUT}) distinct values: the rest is not taken"
                ));
                return out;
            }
            if seen.insert((kind, value.clone())) {
                out.iocs.push(Ioc { kind, value, line: number });
            }
        }
    }
    out
}

/// One STIX indicator per IOC, marked `tlp`, scope `community` (`organisation` for RED).
/// `created` is the time the list is dated (the caller's file time): ids derive from it and the
/// value, so importing the same list again stores nothing new.
pub fn indicators(iocs: &[Ioc], tlp: Tlp, created: &str) -> Vec<Value> {
    let scope = if tlp == Tlp::Red { Scope::Organisation } else { Scope::Community };
    iocs.iter()
        .filter_map(|ioc| {
            let row = types::attribute_type(ioc.kind.misp_type())?;
            let pattern = row.pattern(&ioc.value)?;
            let seed = format!("text:{}:{}:{created}", ioc.kind.as_str(), ioc.value);
            Some(json!({
                "type": "indicator", "spec_version": "2.1",
                "id": format!("indicator--{}", derived_uuid(&seed)),
                "created": created, "modified": created,
                "name": ioc.value,
                "indicator_types": ["malicious-activity"],
                "pattern": pattern, "pattern_type": "stix", "valid_from": created,
                "object_marking_refs": [tlp.marking_id()],
                "extensions": {DISTRIBUTION_EXTENSION_ID: {"extension_type": "property-extension", "scope": scope.as_str()}},
            }))
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn refangs() {
        assert_eq!(refang("hxxps://evil[.]com/a"), "https://evil.com/a");
        assert_eq!(refang("hXXp[:]//bad(dot)org"), "http://bad.org");
        assert_eq!(refang("bob[@]evil[.]com"), "bob@evil.com");
        assert_eq!(refang("10.0.0[.]1"), "10.0.0.1");
        assert_eq!(refang("evil [dot] com"), "evil.com");
    }

    #[test]
    fn domains() {
        assert!(is_domain("evil.com"));
        assert!(is_domain("xn--80ak6aa92e.xn--p1ai"));
        assert!(!is_domain("invoice.pdf"));
        assert!(!is_domain("v1.2"));
        assert!(!is_domain("e.g"));
        assert!(!is_domain("-bad.com"));
    }
}
