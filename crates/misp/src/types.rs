//! The one table of MISP attribute types and their STIX form: which cyber-observable a value is,
//! and at which property path (the same path a STIX pattern compares). Import reads it forwards
//! (type → SCO and pattern), export backwards (SCO or pattern → type). A composite MISP type
//! (`filename|sha256`) has one path per `|`-separated part.
//!
//! Types not in the table (`text`, `comment`, `other`, `port`, …) become STIX `note`s on import.

use serde_json::{Map, Value, json};

/// Which SCO type a row's values go into.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ScoType {
    /// `ipv4-addr` or `ipv6-addr`, by the value.
    Ip,
    Named(&'static str),
}

/// One MISP attribute type.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct AttributeType {
    pub misp_type: &'static str,
    /// MISP's default category for the type (what export writes when the source said none).
    pub category: &'static str,
    pub sco: ScoType,
    /// One property path per `|`-separated part of the value.
    pub paths: &'static [&'static str],
}

const fn row(
    misp_type: &'static str,
    category: &'static str,
    sco: ScoType,
    paths: &'static [&'static str],
) -> AttributeType {
    AttributeType { misp_type, category, sco, paths }
}

use ScoType::{Ip, Named};

/// The table. For export, the first row that fits an observable wins, so the preferred MISP type
/// for each path comes first (`ip-dst` before `ip-src`, `domain` before `hostname`, …).
pub const ATTRIBUTE_TYPES: &[AttributeType] = &[
    row("ip-dst", "Network activity", Ip, &["value"]),
    row("ip-src", "Network activity", Ip, &["value"]),
    row("domain", "Network activity", Named("domain-name"), &["value"]),
    row("hostname", "Network activity", Named("domain-name"), &["value"]),
    row("url", "Network activity", Named("url"), &["value"]),
    row("link", "External analysis", Named("url"), &["value"]),
    row("uri", "Network activity", Named("url"), &["value"]),
    row("email-src", "Payload delivery", Named("email-addr"), &["value"]),
    row("email-dst", "Network activity", Named("email-addr"), &["value"]),
    row("email", "Payload delivery", Named("email-addr"), &["value"]),
    row("email-subject", "Payload delivery", Named("email-message"), &["subject"]),
    row("filename|md5", "Payload delivery", Named("file"), &["name", "hashes.MD5"]),
    row("filename|sha1", "Payload delivery", Named("file"), &["name", "hashes.'SHA-1'"]),
    row("filename|sha256", "Payload delivery", Named("file"), &["name", "hashes.'SHA-256'"]),
    row("filename|sha512", "Payload delivery", Named("file"), &["name", "hashes.'SHA-512'"]),
    row("md5", "Payload delivery", Named("file"), &["hashes.MD5"]),
    row("sha1", "Payload delivery", Named("file"), &["hashes.'SHA-1'"]),
    row("sha256", "Payload delivery", Named("file"), &["hashes.'SHA-256'"]),
    row("sha512", "Payload delivery", Named("file"), &["hashes.'SHA-512'"]),
    row("ssdeep", "Payload delivery", Named("file"), &["hashes.SSDEEP"]),
    row("tlsh", "Payload delivery", Named("file"), &["hashes.TLSH"]),
    row("filename", "Payload delivery", Named("file"), &["name"]),
    row("regkey|value", "Persistence mechanism", Named("windows-registry-key"), &["key", "values[*].data"]),
    row("regkey", "Persistence mechanism", Named("windows-registry-key"), &["key"]),
    row("ip-dst|port", "Network activity", Named("network-traffic"), &["dst_ref.value", "dst_port"]),
    row("ip-src|port", "Network activity", Named("network-traffic"), &["src_ref.value", "src_port"]),
    row("domain|ip", "Network activity", Named("domain-name"), &["value", "resolves_to_refs[*].value"]),
    row("mac-address", "Network activity", Named("mac-addr"), &["value"]),
    row("mutex", "Artifacts dropped", Named("mutex"), &["name"]),
    row("x509-fingerprint-sha1", "Network activity", Named("x509-certificate"), &["hashes.'SHA-1'"]),
];

/// The attribute types export writes for content with no STIX observable: a `note`'s text.
pub const TEXT_TYPE: &str = "text";

/// The row of a MISP type, if the table has one.
pub fn attribute_type(misp_type: &str) -> Option<&'static AttributeType> {
    ATTRIBUTE_TYPES.iter().find(|t| t.misp_type == misp_type)
}

/// MISP's default category for a type outside the table.
pub fn default_category(misp_type: &str) -> &'static str {
    match attribute_type(misp_type) {
        Some(row) => row.category,
        None => match misp_type {
            "comment" | "text" | "other" => "Other",
            "port" => "Network activity",
            "vulnerability" => "External analysis",
            _ => "Other",
        },
    }
}

impl AttributeType {
    /// The SCO type for one value of this row.
    pub fn sco_type(&self, value: &str) -> &'static str {
        match self.sco {
            Ip if value.contains(':') => "ipv6-addr",
            Ip => "ipv4-addr",
            Named(name) => name,
        }
    }

    /// Splits a value into this row's parts; `None` when the number of parts is wrong or one
    /// is empty.
    pub fn parts(&self, value: &str) -> Option<Vec<String>> {
        let parts: Vec<&str> =
            if self.paths.len() == 1 { vec![value] } else { value.splitn(self.paths.len(), '|').collect() };
        let well_formed = parts.len() == self.paths.len()
            && parts.iter().all(|p| !p.trim().is_empty())
            && (self.sco != Ip || is_address_or_network(parts[0]))
            && self.paths.iter().zip(&parts).all(|(path, part)| part_ok(path, part));
        well_formed
            .then(|| self.paths.iter().zip(parts).map(|(path, part)| self.normalise(path, part)).collect())
    }

    /// The spelling STIX requires of a part: a registry key starts with the hive's full name
    /// (`HKEY_CURRENT_USER`, not MISP's usual `HKCU`; the OASIS schema refuses the short forms).
    fn normalise(&self, path: &str, part: &str) -> String {
        if self.sco == Named("windows-registry-key") && path == "key" {
            let (hive, rest) = part.split_once('\\').unwrap_or((part, ""));
            let full = match hive.to_ascii_uppercase().as_str() {
                "HKLM" => "HKEY_LOCAL_MACHINE",
                "HKCU" => "HKEY_CURRENT_USER",
                "HKCR" => "HKEY_CLASSES_ROOT",
                "HKU" => "HKEY_USERS",
                "HKCC" => "HKEY_CURRENT_CONFIG",
                _ => return part.to_owned(),
            };
            return if part.contains('\\') { format!("{full}\\{rest}") } else { full.to_owned() };
        }
        part.to_owned()
    }

    /// The value as STIX spells it (see [`AttributeType::parts`]), joined again.
    pub fn normalised(&self, value: &str) -> Option<String> {
        self.parts(value).map(|parts| parts.join("|"))
    }

    /// The SCO (without `id`) that carries `value`, or `None` when the value does not split.
    /// Rows whose value spans two objects (an address a traffic or a domain refers to) have a
    /// pattern but no single SCO: `None`.
    pub fn sco(&self, value: &str) -> Option<Map<String, Value>> {
        if self.paths.iter().any(|p| is_reference(p)) {
            return None;
        }
        let parts = self.parts(value)?;
        let mut sco = Map::new();
        sco.insert("type".into(), json!(self.sco_type(&parts[0])));
        sco.insert("spec_version".into(), json!("2.1"));
        for (path, part) in self.paths.iter().zip(&parts) {
            set_path(&mut sco, path, part);
        }
        if self.sco == Named("email-message") {
            sco.insert("is_multipart".into(), json!(false));
        }
        Some(sco)
    }

    /// The STIX pattern that tests for `value`: one observation, one comparison per part.
    pub fn pattern(&self, value: &str) -> Option<String> {
        let parts = self.parts(value)?;
        let sco_type = self.sco_type(&parts[0]);
        let tests: Vec<String> = self
            .paths
            .iter()
            .zip(&parts)
            .map(|(path, part)| match path.ends_with("_port") {
                true => format!("{sco_type}:{path} = {part}"),
                false => format!("{sco_type}:{path} = '{}'", escape_pattern_string(part)),
            })
            .collect();
        Some(format!("[{}]", tests.join(" AND ")))
    }
}

/// A path through a reference (`dst_ref.value`, `resolves_to_refs[*].value`).
fn is_reference(path: &str) -> bool {
    path.contains("_ref.") || path.contains("_refs[")
}

/// What a part must be at a path: a port number, or (through a reference) an address.
fn part_ok(path: &str, part: &str) -> bool {
    if path.ends_with("_port") {
        return part.trim().parse::<u16>().is_ok();
    }
    !is_reference(path) || part.trim().parse::<std::net::IpAddr>().is_ok()
}

/// An IP address, or a network in CIDR notation.
fn is_address_or_network(text: &str) -> bool {
    let (address, prefix) = text.split_once('/').map_or((text, None), |(a, p)| (a, Some(p)));
    match address.parse::<std::net::IpAddr>() {
        Ok(ip) => {
            prefix.is_none_or(|p| p.parse::<u8>().is_ok_and(|p| p <= if ip.is_ipv4() { 32 } else { 128 }))
        }
        Err(_) => false,
    }
}

/// A string literal's body in a STIX pattern.
pub fn escape_pattern_string(text: &str) -> String {
    text.replace('\\', "\\\\").replace('\'', "\\'")
}

/// The hash algorithm a `hashes.X` path names, unquoted.
fn hash_name(path: &str) -> Option<&str> {
    path.strip_prefix("hashes.").map(|name| name.trim_matches('\''))
}

/// Sets the property a path names on an SCO (`value`, `hashes.'SHA-256'`, `values[*].data`).
fn set_path(sco: &mut Map<String, Value>, path: &str, part: &str) {
    if let Some(name) = hash_name(path) {
        let hashes = sco.entry("hashes").or_insert_with(|| json!({}));
        hashes[name] = json!(part);
    } else if let Some(inner) = path.strip_prefix("values[*].") {
        sco.insert("values".into(), json!([{ inner: part }]));
    } else {
        sco.insert(path.into(), json!(part));
    }
}

/// The text at a path of an SCO, if present.
pub fn get_path<'a>(sco: &'a Value, path: &str) -> Option<&'a str> {
    if let Some(name) = hash_name(path) {
        let hashes = sco.get("hashes")?.as_object()?;
        // Hash names are case-insensitive in practice (`sha256`, `SHA-256`).
        let fold = |s: &str| s.replace('-', "").to_ascii_uppercase();
        return hashes.iter().find(|(k, _)| fold(k) == fold(name)).and_then(|(_, v)| v.as_str());
    }
    if let Some(inner) = path.strip_prefix("values[*].") {
        return sco.get("values")?.as_array()?.first()?.get(inner)?.as_str();
    }
    sco.get(path)?.as_str()
}

/// The MISP type and value an SCO stands for: the table's first row whose SCO type matches and
/// all of whose paths the SCO has, preferring `preferred` (the type the MISP extension kept) and
/// rows with more parts (`filename|sha256` over `sha256`).
pub fn attribute_of_sco(sco: &Value, preferred: Option<&str>) -> Option<(&'static str, String)> {
    let sco_type = sco.get("type")?.as_str()?;
    let fits = |row: &&AttributeType| {
        let type_ok = match row.sco {
            Ip => sco_type == "ipv4-addr" || sco_type == "ipv6-addr",
            Named(name) => name == sco_type,
        };
        type_ok && row.paths.iter().all(|p| get_path(sco, p).is_some())
    };
    let row = preferred.and_then(attribute_type).filter(fits).or_else(|| {
        ATTRIBUTE_TYPES.iter().filter(fits).max_by_key(|r| (r.paths.len(), usize::MAX - index_of(r)))
    })?;
    let parts: Vec<&str> = row.paths.iter().filter_map(|p| get_path(sco, p)).collect();
    Some((row.misp_type, parts.join("|")))
}

fn index_of(row: &AttributeType) -> usize {
    ATTRIBUTE_TYPES.iter().position(|r| r == row).unwrap_or(usize::MAX)
}

/// The MISP type and value of a set of `(object type, property path, value)` equality tests,
/// when they are exactly one row's paths on one object type; `preferred` as for
/// [`attribute_of_sco`].
pub fn attribute_of_tests(
    tests: &[(String, String, String)],
    preferred: Option<&str>,
) -> Option<(&'static str, String)> {
    let object_type = &tests.first()?.0;
    if tests.iter().any(|t| &t.0 != object_type) {
        return None;
    }
    let mut sco = Map::new();
    sco.insert("type".into(), json!(object_type));
    for (_, path, value) in tests {
        set_path(&mut sco, &normalise_path(path), value);
    }
    let sco = Value::Object(sco);
    let (misp_type, value) = attribute_of_sco(&sco, preferred)?;
    let row = attribute_type(misp_type)?;
    (row.paths.len() == tests.len()).then_some((misp_type, value))
}

/// The table's spelling of a pattern path: `hashes.'MD5'` and `hashes.MD5` are one path,
/// `values[0].data` is `values[*].data`.
fn normalise_path(path: &str) -> String {
    if let Some(name) = hash_name(path) {
        return format!("hashes.{name}");
    }
    if path.starts_with("values[") && path.ends_with("].data") {
        return "values[*].data".into();
    }
    path.to_owned()
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A value of each part a row has, for the table's own test.
    fn sample_part(row: &AttributeType, path: &str) -> &'static str {
        const SHA512: &str = "cf83e1357eefb8bdf1542850d66d8007d620e4050b5715dc83f4a921d36ce9ce47d0d13c5d85f2b0ff8318d2877eec2f63b931bd47417a81a538327af927da3e";
        match path {
            "value" if row.sco == Ip => "198.51.100.7",
            "value" if row.misp_type.starts_with("email") => "eve@example.org",
            "value" if row.misp_type.starts_with("mac") => "00:11:22:33:44:55",
            "value" if matches!(row.sco, Named("url")) => "http://example.org/a",
            "value" => "example.org",
            p if p.ends_with("_port") => "8443",
            p if is_reference(p) => "203.0.113.5",
            p if p.contains("MD5") => "d41d8cd98f00b204e9800998ecf8427e",
            p if p.contains("SHA-1") => "da39a3ee5e6b4b0d3255bfef95601890afd80709",
            p if p.contains("SHA-256") => "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855",
            p if p.contains("SHA-512") => SHA512,
            p if p.contains("SSDEEP") => "3:AXGBicFlgVNhBGcL6wCrFQEv:AXGHsNhxLsr2C",
            p if p.contains("TLSH") => "T1A0",
            _ => "sample",
        }
    }

    #[test]
    fn every_row_round_trips_through_its_sco_and_its_pattern() {
        for row in ATTRIBUTE_TYPES {
            let value: String = row.paths.iter().map(|p| sample_part(row, p)).collect::<Vec<_>>().join("|");
            if row.paths.iter().any(|p| is_reference(p)) {
                assert_eq!(row.sco(&value), None, "{row:?} spans two objects");
            } else {
                let sco = Value::Object(row.sco(&value).unwrap());
                let back = attribute_of_sco(&sco, Some(row.misp_type));
                assert_eq!(back, Some((row.misp_type, value.clone())), "{row:?}");
            }
            let pattern = row.pattern(&value).unwrap();
            let parsed = selat_pattern::parse(&pattern).unwrap_or_else(|e| panic!("{pattern}: {e}"));
            let errors = selat_pattern::validate(&pattern);
            assert!(errors.is_empty(), "{pattern}: {errors:?}");
            let tests: Vec<(String, String, String)> = parsed
                .observables()
                .into_iter()
                .map(|o| match o.value {
                    selat_pattern::ast::Literal::Str(s) => (o.object_type, o.property_path, s),
                    selat_pattern::ast::Literal::Int(i) => (o.object_type, o.property_path, i.to_string()),
                    other => panic!("{other:?}"),
                })
                .collect();
            let back = attribute_of_tests(&tests, Some(row.misp_type));
            assert_eq!(back, Some((row.misp_type, value)), "{pattern}");
        }
        assert_eq!(
            attribute_type("ip-dst|port").unwrap().pattern("203.0.113.5|http"),
            None,
            "a port is a number"
        );
    }

    #[test]
    fn export_prefers_the_first_and_the_fullest_row() {
        let file = json!({"type": "file", "name": "a.exe", "hashes": {"SHA-256": "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"}});
        assert_eq!(attribute_of_sco(&file, None).unwrap().0, "filename|sha256");
        assert_eq!(attribute_of_sco(&file, Some("sha256")).unwrap().0, "sha256");
        assert_eq!(
            attribute_of_sco(&json!({"type": "ipv6-addr", "value": "2001:db8::1"}), None).unwrap().0,
            "ip-dst"
        );
        assert_eq!(
            attribute_of_sco(&json!({"type": "domain-name", "value": "a.b"}), Some("hostname")).unwrap().0,
            "hostname"
        );
        assert_eq!(
            attribute_of_sco(&json!({"type": "domain-name", "value": "a.b"}), Some("md5")).unwrap().0,
            "domain"
        );
        assert_eq!(attribute_type("text"), None);
        assert_eq!(row_count_unique(), ATTRIBUTE_TYPES.len(), "one row per MISP type");
    }

    fn row_count_unique() -> usize {
        ATTRIBUTE_TYPES.iter().map(|r| r.misp_type).collect::<std::collections::HashSet<_>>().len()
    }

    #[test]
    fn registry_hives_get_their_full_names() {
        let row = attribute_type("regkey|value").unwrap();
        assert_eq!(
            row.normalised(r"HKCU\Software\Run|x.exe").unwrap(),
            r"HKEY_CURRENT_USER\Software\Run|x.exe"
        );
        assert_eq!(row.normalised(r"hklm|1").unwrap(), "HKEY_LOCAL_MACHINE|1");
        assert_eq!(row.normalised(r"Software\Run|1").unwrap(), r"Software\Run|1");
        assert_eq!(attribute_type("ip-dst").unwrap().parts("300.1.1.1"), None);
    }

    #[test]
    fn pattern_strings_are_escaped() {
        let row = attribute_type("regkey").unwrap();
        assert_eq!(
            row.pattern(r"HKLM\Software\it's").unwrap(),
            r"[windows-registry-key:key = 'HKEY_LOCAL_MACHINE\\Software\\it\'s']"
        );
    }
}
