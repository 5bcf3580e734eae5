//! The declarative tables of STIX 2.1: one [`ObjectSpec`] per object type, read by the one
//! generic checker in [`crate::validate`].
//!
//! A table says which properties a type has, what each holds ([`ValueType`]), which are
//! required, which reference which object types, which take a vocabulary (open: a warning
//! outside it) or an enumeration (closed: an error outside it), the co-constraints the
//! specification states in prose ([`Constraint`]), and for cyber-observables the
//! id-contributing properties (STIX 2.1 §2.9 and each SCO's section).
//!
//! `tests/schemas.rs` holds these tables against the OASIS JSON schemas, so the two cannot
//! drift apart. Where the schemas and the specification text disagree the tables follow the
//! specification and the test lists the exception with its reason.

/// What family an object type belongs to; it decides the common properties.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Kind {
    /// STIX Domain Object (§4).
    Sdo,
    /// STIX Relationship Object (§5).
    Sro,
    /// STIX Cyber-observable Object (§6).
    Sco,
    /// `marking-definition` (§7.2).
    MarkingDefinition,
    /// `language-content` (§7.1).
    LanguageContent,
    /// `extension-definition` (§7.3).
    ExtensionDefinition,
}

/// A named list of values: an open vocabulary (suggested values) or a closed enumeration.
#[derive(Debug)]
pub struct Vocabulary {
    /// The specification's name, e.g. `malware-type-ov` or `encryption-algorithm-enum`.
    pub name: &'static str,
    pub values: &'static [&'static str],
}

impl Vocabulary {
    pub fn contains(&self, value: &str) -> bool {
        self.values.contains(&value)
    }
}

/// Which object types a reference property may point at.
#[derive(Debug, Clone, Copy)]
pub enum Targets {
    /// Any object type.
    Any,
    /// Exactly these types.
    Types(&'static [&'static str]),
    /// Any type except these.
    NotTypes(&'static [&'static str]),
    /// An SDO: a predefined SDO type, or a custom type (whose kind cannot be known from its id).
    Sdo,
    /// An SCO: a predefined SCO type, or a custom type.
    Sco,
    /// An SCO or an SRO (observed-data `object_refs`), or a custom type.
    ScoOrSro,
}

impl Targets {
    /// Whether an identifier of `object_type` may be referenced.
    pub fn allows(&self, object_type: &str) -> bool {
        let known = || object_spec(object_type).map(|s| s.kind);
        match self {
            Targets::Any => true,
            Targets::Types(types) => types.contains(&object_type),
            Targets::NotTypes(types) => !types.contains(&object_type),
            Targets::Sdo => matches!(known(), None | Some(Kind::Sdo)) && object_type != "bundle",
            Targets::Sco => matches!(known(), None | Some(Kind::Sco)) && object_type != "bundle",
            Targets::ScoOrSro => {
                matches!(known(), None | Some(Kind::Sco) | Some(Kind::Sro)) && object_type != "bundle"
            }
        }
    }

    /// For messages: what is allowed.
    pub fn describe(&self) -> String {
        match self {
            Targets::Any => "any object".to_owned(),
            Targets::Types(types) => types.join(" or "),
            Targets::NotTypes(types) => format!("any type but {}", types.join(", ")),
            Targets::Sdo => "an SDO".to_owned(),
            Targets::Sco => "an SCO".to_owned(),
            Targets::ScoOrSro => "an SCO or an SRO".to_owned(),
        }
    }
}

/// What a property holds.
#[derive(Debug, Clone, Copy)]
pub enum ValueType {
    String,
    /// A JSON integer within the inclusive bounds.
    Integer {
        min: Option<i64>,
        max: Option<i64>,
    },
    /// Any JSON number within the inclusive bounds.
    Float {
        min: Option<f64>,
        max: Option<f64>,
    },
    Boolean,
    /// An RFC 3339 UTC timestamp (§3.2).
    Timestamp,
    /// An identifier (§2.9) pointing at one of the allowed types.
    Identifier(Targets),
    /// A non-empty list.
    List(&'static ValueType),
    /// A non-empty dictionary with keys of at most 250 `[a-zA-Z0-9_-]` characters (§2.6).
    Dictionary,
    /// A hashes dictionary (§2.7); keys from `hash-algorithm-ov`.
    Hashes,
    /// Hexadecimal octets (§2.8).
    Hex,
    /// Base64 (§2.3).
    Binary,
    /// An RFC 3986 URI.
    Url,
    /// A string that should be one of the vocabulary's values (a warning otherwise).
    OpenVocab(&'static Vocabulary),
    /// A string that must be one of the enumeration's values (an error otherwise).
    Enum(&'static Vocabulary),
    KillChainPhase,
    ExternalReference,
    GranularMarking,
    /// An embedded object with its own table (e.g. an email MIME part, a PE section).
    Embedded(&'static EmbeddedSpec),
    /// The `extensions` dictionary (§7.3 and the predefined SCO extensions).
    Extensions,
    /// Anything (checked elsewhere, or free-form by the specification).
    Any,
}

/// One property of a table.
#[derive(Debug, Clone, Copy)]
pub struct PropertySpec {
    pub name: &'static str,
    pub value: ValueType,
    pub required: bool,
}

/// A rule about several properties at once, as the specification states it in prose.
#[derive(Debug, Clone, Copy)]
pub enum Constraint {
    /// At least one of the groups must be fully present (`[["region"], ["latitude", "longitude"]]`).
    AnyOf(&'static [&'static [&'static str]]),
    /// Exactly one of the properties must be present.
    ExactlyOneOf(&'static [&'static str]),
    /// When the first is present the second must be too.
    Requires(&'static str, &'static str),
    /// The two must not both be present.
    Excludes(&'static str, &'static str),
    /// When the boolean property has the value, the other property must be present.
    FlagRequires(&'static str, bool, &'static str),
    /// When the boolean property has the value, the other property must be absent.
    FlagForbids(&'static str, bool, &'static str),
    /// Timestamps in order: `later` >= `earlier` (or `>` when `strict`), when both are present.
    Order { later: &'static str, earlier: &'static str, strict: bool },
    /// At least one property besides the common ones (and `extensions` counts).
    AnySpecific,
}

/// The table of an embedded object or a predefined extension.
#[derive(Debug)]
pub struct EmbeddedSpec {
    pub name: &'static str,
    pub properties: &'static [PropertySpec],
    pub constraints: &'static [Constraint],
}

impl EmbeddedSpec {
    pub fn property(&self, name: &str) -> Option<&'static PropertySpec> {
        self.properties.iter().find(|p| p.name == name)
    }
}

/// The table of one object type.
#[derive(Debug)]
pub struct ObjectSpec {
    pub type_name: &'static str,
    pub kind: Kind,
    /// The type's own properties, beyond [`ObjectSpec::common`].
    pub properties: &'static [PropertySpec],
    /// Names that must not appear (the reserved names of §3.1 and §11.1).
    pub forbidden: &'static [&'static str],
    /// The properties whose values make up a deterministic SCO id, in the specification's order.
    pub id_contributing: &'static [&'static str],
    /// The predefined extensions this type may carry.
    pub extensions: &'static [&'static EmbeddedSpec],
    pub constraints: &'static [Constraint],
    /// Properties the specification deprecates (a warning when present).
    pub deprecated: &'static [&'static str],
}

impl ObjectSpec {
    /// The common properties of this type's kind.
    pub fn common(&self) -> &'static [PropertySpec] {
        common_properties(self.kind)
    }

    /// The property named `name`, own or common.
    pub fn property(&self, name: &str) -> Option<&'static PropertySpec> {
        self.properties.iter().chain(self.common()).find(|p| p.name == name)
    }

    /// Every property, common first.
    pub fn all_properties(&self) -> impl Iterator<Item = &'static PropertySpec> {
        self.common().iter().chain(self.properties)
    }

    /// The names of the required properties, common and own.
    pub fn required(&self) -> impl Iterator<Item = &'static str> {
        self.all_properties().filter(|p| p.required).map(|p| p.name)
    }

    /// The predefined extension `name` of this type.
    pub fn extension(&self, name: &str) -> Option<&'static EmbeddedSpec> {
        self.extensions.iter().copied().find(|e| e.name == name)
    }
}

/// The kind a custom object type (one without a table) behaves as: with `created` or `modified`
/// it is SDO-like, otherwise SCO-like (custom types of `new-sdo`/`new-sco` extension definitions
/// follow the same split, and the extension definition itself is not at hand here).
pub fn kind_of_custom(obj: &serde_json::Value) -> Kind {
    if obj.get("created").is_some() || obj.get("modified").is_some() { Kind::Sdo } else { Kind::Sco }
}

/// Whether `object_type` is one of the 18 predefined SCO types.
pub fn is_sco(object_type: &str) -> bool {
    object_spec(object_type).is_some_and(|s| s.kind == Kind::Sco)
}

/// The common properties of a kind (§3.2, §6.1 and the meta objects' own tables).
pub fn common_properties(kind: Kind) -> &'static [PropertySpec] {
    match kind {
        Kind::Sdo | Kind::Sro | Kind::LanguageContent | Kind::ExtensionDefinition => SDO_COMMON,
        Kind::Sco => SCO_COMMON,
        Kind::MarkingDefinition => MARKING_COMMON,
    }
}

/// The table for `object_type`, if it is a type the specification defines.
pub fn object_spec(object_type: &str) -> Option<&'static ObjectSpec> {
    ALL.iter().copied().find(|s| s.type_name == object_type)
}

/// Every table.
pub fn all_specs() -> &'static [&'static ObjectSpec] {
    ALL
}

/// The names §3.1 reserves: no object may carry them.
pub const RESERVED_PROPERTIES: &[&str] = &["severity", "action", "username", "phone_numbers"];

/// Relationship types the specification defines somewhere (a warning for others).
pub const RELATIONSHIP_TYPES: &[&str] = &[
    "analysis-of",
    "attributed-to",
    "authored-by",
    "based-on",
    "beacons-to",
    "belongs-to",
    "characterizes",
    "communicates-with",
    "compromises",
    "consists-of",
    "controls",
    "delivers",
    "derived-from",
    "downloads",
    "drops",
    "duplicate-of",
    "dynamic-analysis-of",
    "exfiltrates-to",
    "exploits",
    "has",
    "hosts",
    "impacts",
    "impersonates",
    "indicates",
    "investigates",
    "located-at",
    "mitigates",
    "originates-from",
    "owns",
    "related-to",
    "remediates",
    "resolves-to",
    "static-analysis-of",
    "targets",
    "uses",
    "variant-of",
];

// ---------------------------------------------------------------------------------------------
// Vocabularies (open, §10) and enumerations (closed).

macro_rules! vocab {
    ($ident:ident, $name:literal, [$($v:literal),* $(,)?]) => {
        pub static $ident: Vocabulary = Vocabulary { name: $name, values: &[$($v),*] };
    };
}

vocab!(
    ACCOUNT_TYPE_OV,
    "account-type-ov",
    [
        "facebook",
        "ldap",
        "nis",
        "openid",
        "radius",
        "skype",
        "tacacs",
        "twitter",
        "unix",
        "windows-local",
        "windows-domain",
    ]
);
vocab!(
    ATTACK_MOTIVATION_OV,
    "attack-motivation-ov",
    [
        "accidental",
        "coercion",
        "dominance",
        "ideology",
        "notoriety",
        "organizational-gain",
        "personal-gain",
        "personal-satisfaction",
        "revenge",
        "unpredictable",
    ]
);
vocab!(
    ATTACK_RESOURCE_LEVEL_OV,
    "attack-resource-level-ov",
    ["individual", "club", "contest", "team", "organization", "government",]
);
vocab!(
    GROUPING_CONTEXT_OV,
    "grouping-context-ov",
    ["suspicious-activity", "malware-analysis", "unspecified",]
);
vocab!(
    HASH_ALGORITHM_OV,
    "hash-algorithm-ov",
    ["MD5", "SHA-1", "SHA-256", "SHA-512", "SHA3-256", "SHA3-512", "SSDEEP", "TLSH",]
);
vocab!(
    IDENTITY_CLASS_OV,
    "identity-class-ov",
    ["individual", "group", "system", "organization", "class", "unknown",]
);
vocab!(
    IMPLEMENTATION_LANGUAGE_OV,
    "implementation-language-ov",
    [
        "applescript",
        "bash",
        "c",
        "c++",
        "c#",
        "go",
        "java",
        "javascript",
        "lua",
        "objective-c",
        "perl",
        "php",
        "powershell",
        "python",
        "ruby",
        "scala",
        "swift",
        "typescript",
        "visual-basic",
        "x86-32",
        "x86-64",
    ]
);
vocab!(
    INDICATOR_TYPE_OV,
    "indicator-type-ov",
    [
        "anomalous-activity",
        "anonymization",
        "benign",
        "compromised",
        "malicious-activity",
        "attribution",
        "unknown",
    ]
);
vocab!(
    INDUSTRY_SECTOR_OV,
    "industry-sector-ov",
    [
        "agriculture",
        "aerospace",
        "automotive",
        "chemical",
        "commercial",
        "communications",
        "construction",
        "defense",
        "education",
        "energy",
        "entertainment",
        "financial-services",
        "government",
        "emergency-services",
        "government-local",
        "government-national",
        "government-public-services",
        "government-regional",
        "healthcare",
        "hospitality-leisure",
        "infrastructure",
        "dams",
        "nuclear",
        "water",
        "insurance",
        "manufacturing",
        "mining",
        "non-profit",
        "pharmaceuticals",
        "retail",
        "technology",
        "telecommunications",
        "transportation",
        "utilities",
    ]
);
vocab!(
    INFRASTRUCTURE_TYPE_OV,
    "infrastructure-type-ov",
    [
        "amplification",
        "anonymization",
        "botnet",
        "command-and-control",
        "control-system",
        "exfiltration",
        "firewall",
        "hosting-malware",
        "hosting-target-lists",
        "phishing",
        "reconnaissance",
        "routers-switches",
        "staging",
        "workstation",
        "unknown",
    ]
);
vocab!(MALWARE_RESULT_OV, "malware-result-ov", ["malicious", "suspicious", "benign", "unknown"]);
vocab!(
    MALWARE_CAPABILITIES_OV,
    "malware-capabilities-ov",
    [
        "accesses-remote-machines",
        "anti-debugging",
        "anti-disassembly",
        "anti-emulation",
        "anti-memory-forensics",
        "anti-sandbox",
        "anti-vm",
        "captures-input-peripherals",
        "captures-output-peripherals",
        "captures-system-state-data",
        "cleans-traces-of-infection",
        "commits-fraud",
        "communicates-with-c2",
        "compromises-data-availability",
        "compromises-data-integrity",
        "compromises-system-availability",
        "controls-local-machine",
        "degrades-security-software",
        "degrades-system-updates",
        "determines-c2-server",
        "emails-spam",
        "escalates-privileges",
        "evades-av",
        "exfiltrates-data",
        "fingerprints-host",
        "hides-artifacts",
        "hides-executing-code",
        "infects-files",
        "infects-remote-machines",
        "installs-other-components",
        "persists-after-system-reboot",
        "prevents-artifact-access",
        "prevents-artifact-deletion",
        "probes-network-environment",
        "self-modifies",
        "steals-authentication-credentials",
        "violates-system-operational-integrity",
    ]
);
vocab!(
    MALWARE_TYPE_OV,
    "malware-type-ov",
    [
        "adware",
        "backdoor",
        "bot",
        "bootkit",
        "ddos",
        "downloader",
        "dropper",
        "exploit-kit",
        "keylogger",
        "ransomware",
        "remote-access-trojan",
        "resource-exploitation",
        "rogue-security-software",
        "rootkit",
        "screen-capture",
        "spyware",
        "trojan",
        "unknown",
        "virus",
        "webshell",
        "wiper",
        "worm",
    ]
);
vocab!(PATTERN_TYPE_OV, "pattern-type-ov", ["stix", "pcre", "sigma", "snort", "suricata", "yara"]);
vocab!(
    PROCESSOR_ARCHITECTURE_OV,
    "processor-architecture-ov",
    ["alpha", "arm", "ia-64", "mips", "powerpc", "sparc", "x86", "x86-64",]
);
vocab!(
    REGION_OV,
    "region-ov",
    [
        "africa",
        "eastern-africa",
        "middle-africa",
        "northern-africa",
        "southern-africa",
        "western-africa",
        "americas",
        "latin-america-caribbean",
        "south-america",
        "caribbean",
        "central-america",
        "northern-america",
        "asia",
        "central-asia",
        "eastern-asia",
        "southern-asia",
        "south-eastern-asia",
        "western-asia",
        "europe",
        "eastern-europe",
        "northern-europe",
        "southern-europe",
        "western-europe",
        "oceania",
        "australia-new-zealand",
        "melanesia",
        "micronesia",
        "polynesia",
        "antarctica",
    ]
);
vocab!(
    REPORT_TYPE_OV,
    "report-type-ov",
    [
        "attack-pattern",
        "campaign",
        "identity",
        "indicator",
        "intrusion-set",
        "malware",
        "observed-data",
        "threat-actor",
        "threat-report",
        "tool",
        "vulnerability",
    ]
);
vocab!(
    THREAT_ACTOR_TYPE_OV,
    "threat-actor-type-ov",
    [
        "activist",
        "competitor",
        "crime-syndicate",
        "criminal",
        "hacker",
        "insider-accidental",
        "insider-disgruntled",
        "nation-state",
        "sensationalist",
        "spy",
        "terrorist",
        "unknown",
    ]
);
vocab!(
    THREAT_ACTOR_ROLE_OV,
    "threat-actor-role-ov",
    [
        "agent",
        "director",
        "independent",
        "infrastructure-architect",
        "infrastructure-operator",
        "malware-author",
        "sponsor",
    ]
);
vocab!(
    THREAT_ACTOR_SOPHISTICATION_OV,
    "threat-actor-sophistication-ov",
    ["none", "minimal", "intermediate", "advanced", "expert", "innovator", "strategic",]
);
vocab!(
    TOOL_TYPE_OV,
    "tool-type-ov",
    [
        "denial-of-service",
        "exploitation",
        "information-gathering",
        "network-capture",
        "credential-exploitation",
        "remote-access",
        "vulnerability-scanning",
        "unknown",
    ]
);
vocab!(WINDOWS_PEBINARY_TYPE_OV, "windows-pebinary-type-ov", ["dll", "exe", "sys"]);

vocab!(
    ENCRYPTION_ALGORITHM_ENUM,
    "encryption-algorithm-enum",
    ["AES-256-GCM", "ChaCha20-Poly1305", "mime-type-indicated",]
);
vocab!(
    EXTENSION_TYPE_ENUM,
    "extension-type-enum",
    ["new-sdo", "new-sco", "new-sro", "property-extension", "toplevel-property-extension",]
);
vocab!(
    NETWORK_SOCKET_ADDRESS_FAMILY_ENUM,
    "network-socket-address-family-enum",
    ["AF_UNSPEC", "AF_INET", "AF_IPX", "AF_APPLETALK", "AF_NETBIOS", "AF_INET6", "AF_IRDA", "AF_BTH",]
);
vocab!(
    NETWORK_SOCKET_TYPE_ENUM,
    "network-socket-type-enum",
    ["SOCK_STREAM", "SOCK_DGRAM", "SOCK_RAW", "SOCK_RDM", "SOCK_SEQPACKET",]
);
vocab!(
    OPINION_ENUM,
    "opinion-enum",
    ["strongly-disagree", "disagree", "neutral", "agree", "strongly-agree",]
);
vocab!(WINDOWS_INTEGRITY_LEVEL_ENUM, "windows-integrity-level-enum", ["low", "medium", "high", "system",]);
vocab!(
    WINDOWS_REGISTRY_DATATYPE_ENUM,
    "windows-registry-datatype-enum",
    [
        "REG_NONE",
        "REG_SZ",
        "REG_EXPAND_SZ",
        "REG_BINARY",
        "REG_DWORD",
        "REG_DWORD_BIG_ENDIAN",
        "REG_DWORD_LITTLE_ENDIAN",
        "REG_LINK",
        "REG_MULTI_SZ",
        "REG_RESOURCE_LIST",
        "REG_FULL_RESOURCE_DESCRIPTION",
        "REG_RESOURCE_REQUIREMENTS_LIST",
        "REG_QWORD",
        "REG_INVALID_TYPE",
    ]
);
vocab!(
    WINDOWS_SERVICE_START_TYPE_ENUM,
    "windows-service-start-type-enum",
    [
        "SERVICE_AUTO_START",
        "SERVICE_BOOT_START",
        "SERVICE_DEMAND_START",
        "SERVICE_DISABLED",
        "SERVICE_SYSTEM_ALERT",
    ]
);
vocab!(
    WINDOWS_SERVICE_TYPE_ENUM,
    "windows-service-type-enum",
    [
        "SERVICE_KERNEL_DRIVER",
        "SERVICE_FILE_SYSTEM_DRIVER",
        "SERVICE_WIN32_OWN_PROCESS",
        "SERVICE_WIN32_SHARE_PROCESS",
    ]
);
vocab!(
    WINDOWS_SERVICE_STATUS_ENUM,
    "windows-service-status-enum",
    [
        "SERVICE_CONTINUE_PENDING",
        "SERVICE_PAUSE_PENDING",
        "SERVICE_PAUSED",
        "SERVICE_RUNNING",
        "SERVICE_START_PENDING",
        "SERVICE_STOP_PENDING",
        "SERVICE_STOPPED",
    ]
);

// ---------------------------------------------------------------------------------------------
// Building blocks, so each table reads as a list of `name: type`.

const fn opt(name: &'static str, value: ValueType) -> PropertySpec {
    PropertySpec { name, value, required: false }
}

const fn req(name: &'static str, value: ValueType) -> PropertySpec {
    PropertySpec { name, value, required: true }
}

const STR: ValueType = ValueType::String;
const BOOL: ValueType = ValueType::Boolean;
const TS: ValueType = ValueType::Timestamp;
const INT: ValueType = ValueType::Integer { min: None, max: None };
const UINT: ValueType = ValueType::Integer { min: Some(0), max: None };
const FLOAT: ValueType = ValueType::Float { min: None, max: None };
const HEX: ValueType = ValueType::Hex;
const HASHES: ValueType = ValueType::Hashes;
const DICT: ValueType = ValueType::Dictionary;
const STRS: ValueType = ValueType::List(&STR);
const ANY_REF: ValueType = ValueType::Identifier(Targets::Any);
const ANY_REFS: ValueType = ValueType::List(&ANY_REF);
const KILL_CHAIN: ValueType = ValueType::List(&ValueType::KillChainPhase);

const fn reference(types: &'static [&'static str]) -> ValueType {
    ValueType::Identifier(Targets::Types(types))
}

const fn open(v: &'static Vocabulary) -> ValueType {
    ValueType::OpenVocab(v)
}

const fn closed(v: &'static Vocabulary) -> ValueType {
    ValueType::Enum(v)
}

macro_rules! list_of {
    ($v:expr) => {
        ValueType::List(&$v)
    };
}

/// A reference list to the given types.
macro_rules! refs {
    ($($t:literal),+) => {
        ValueType::List(&ValueType::Identifier(Targets::Types(&[$($t),+])))
    };
}

const SDO_COMMON: &[PropertySpec] = &[
    req("type", STR),
    req("spec_version", STR),
    req("id", STR),
    opt("created_by_ref", reference(&["identity"])),
    req("created", TS),
    req("modified", TS),
    opt("revoked", BOOL),
    opt("labels", STRS),
    opt("confidence", ValueType::Integer { min: Some(0), max: Some(100) }),
    opt("lang", STR),
    opt("external_references", list_of!(ValueType::ExternalReference)),
    opt("object_marking_refs", refs!("marking-definition")),
    opt("granular_markings", list_of!(ValueType::GranularMarking)),
    opt("extensions", ValueType::Extensions),
];

const SCO_COMMON: &[PropertySpec] = &[
    req("type", STR),
    opt("spec_version", STR),
    req("id", STR),
    opt("object_marking_refs", refs!("marking-definition")),
    opt("granular_markings", list_of!(ValueType::GranularMarking)),
    opt("defanged", BOOL),
    opt("extensions", ValueType::Extensions),
];

const MARKING_COMMON: &[PropertySpec] = &[
    req("type", STR),
    req("spec_version", STR),
    req("id", STR),
    opt("created_by_ref", reference(&["identity"])),
    req("created", TS),
    opt("external_references", list_of!(ValueType::ExternalReference)),
    opt("object_marking_refs", refs!("marking-definition")),
    opt("granular_markings", list_of!(ValueType::GranularMarking)),
    opt("extensions", ValueType::Extensions),
];

const fn sdo(type_name: &'static str, properties: &'static [PropertySpec]) -> ObjectSpec {
    ObjectSpec {
        type_name,
        kind: Kind::Sdo,
        properties,
        forbidden: RESERVED_PROPERTIES,
        id_contributing: &[],
        extensions: &[],
        constraints: &[],
        deprecated: &[],
    }
}

const fn with_constraints(mut spec: ObjectSpec, constraints: &'static [Constraint]) -> ObjectSpec {
    spec.constraints = constraints;
    spec
}

const fn sco(
    type_name: &'static str,
    properties: &'static [PropertySpec],
    id_contributing: &'static [&'static str],
) -> ObjectSpec {
    ObjectSpec {
        type_name,
        kind: Kind::Sco,
        properties,
        forbidden: RESERVED_PROPERTIES,
        id_contributing,
        extensions: &[],
        constraints: &[],
        deprecated: &[],
    }
}

const fn with_extensions(mut spec: ObjectSpec, extensions: &'static [&'static EmbeddedSpec]) -> ObjectSpec {
    spec.extensions = extensions;
    spec
}

const fn seen(later: &'static str, earlier: &'static str) -> Constraint {
    Constraint::Order { later, earlier, strict: false }
}

// ---------------------------------------------------------------------------------------------
// SDOs (§4).

pub static ATTACK_PATTERN: ObjectSpec = sdo(
    "attack-pattern",
    &[req("name", STR), opt("description", STR), opt("aliases", STRS), opt("kill_chain_phases", KILL_CHAIN)],
);

pub static CAMPAIGN: ObjectSpec = with_constraints(
    sdo(
        "campaign",
        &[
            req("name", STR),
            opt("description", STR),
            opt("aliases", STRS),
            opt("first_seen", TS),
            opt("last_seen", TS),
            opt("objective", STR),
        ],
    ),
    &[seen("last_seen", "first_seen")],
);

pub static COURSE_OF_ACTION: ObjectSpec =
    sdo("course-of-action", &[req("name", STR), opt("description", STR)]);

pub static GROUPING: ObjectSpec = sdo(
    "grouping",
    &[
        opt("name", STR),
        opt("description", STR),
        req("context", open(&GROUPING_CONTEXT_OV)),
        req("object_refs", ANY_REFS),
    ],
);

pub static IDENTITY: ObjectSpec = sdo(
    "identity",
    &[
        req("name", STR),
        opt("description", STR),
        opt("roles", STRS),
        opt("identity_class", open(&IDENTITY_CLASS_OV)),
        opt("sectors", list_of!(open(&INDUSTRY_SECTOR_OV))),
        opt("contact_information", STR),
    ],
);

pub static INCIDENT: ObjectSpec =
    sdo("incident", &[req("name", STR), opt("description", STR), opt("kill_chain_phases", KILL_CHAIN)]);

pub static INDICATOR: ObjectSpec = with_constraints(
    sdo(
        "indicator",
        &[
            opt("name", STR),
            opt("description", STR),
            opt("indicator_types", list_of!(open(&INDICATOR_TYPE_OV))),
            req("pattern", STR),
            req("pattern_type", open(&PATTERN_TYPE_OV)),
            opt("pattern_version", STR),
            req("valid_from", TS),
            opt("valid_until", TS),
            opt("kill_chain_phases", KILL_CHAIN),
        ],
    ),
    &[Constraint::Order { later: "valid_until", earlier: "valid_from", strict: true }],
);

pub static INFRASTRUCTURE: ObjectSpec = with_constraints(
    sdo(
        "infrastructure",
        &[
            req("name", STR),
            opt("description", STR),
            opt("infrastructure_types", list_of!(open(&INFRASTRUCTURE_TYPE_OV))),
            opt("aliases", STRS),
            opt("kill_chain_phases", KILL_CHAIN),
            opt("first_seen", TS),
            opt("last_seen", TS),
        ],
    ),
    &[seen("last_seen", "first_seen")],
);

pub static INTRUSION_SET: ObjectSpec = with_constraints(
    sdo(
        "intrusion-set",
        &[
            req("name", STR),
            opt("description", STR),
            opt("aliases", STRS),
            opt("first_seen", TS),
            opt("last_seen", TS),
            opt("goals", STRS),
            opt("resource_level", open(&ATTACK_RESOURCE_LEVEL_OV)),
            opt("primary_motivation", open(&ATTACK_MOTIVATION_OV)),
            opt("secondary_motivations", list_of!(open(&ATTACK_MOTIVATION_OV))),
        ],
    ),
    &[seen("last_seen", "first_seen")],
);

pub static LOCATION: ObjectSpec = with_constraints(
    sdo(
        "location",
        &[
            opt("name", STR),
            opt("description", STR),
            opt("latitude", ValueType::Float { min: Some(-90.0), max: Some(90.0) }),
            opt("longitude", ValueType::Float { min: Some(-180.0), max: Some(180.0) }),
            opt("precision", ValueType::Float { min: Some(0.0), max: None }),
            opt("region", open(&REGION_OV)),
            opt("country", STR),
            opt("administrative_area", STR),
            opt("city", STR),
            opt("street_address", STR),
            opt("postal_code", STR),
        ],
    ),
    &[
        Constraint::AnyOf(&[&["region"], &["country"], &["latitude", "longitude"]]),
        Constraint::Requires("latitude", "longitude"),
        Constraint::Requires("longitude", "latitude"),
        Constraint::Requires("precision", "latitude"),
        Constraint::Requires("precision", "longitude"),
    ],
);

pub static MALWARE: ObjectSpec = with_constraints(
    sdo(
        "malware",
        &[
            opt("name", STR),
            opt("description", STR),
            opt("malware_types", list_of!(open(&MALWARE_TYPE_OV))),
            req("is_family", BOOL),
            opt("aliases", STRS),
            opt("kill_chain_phases", KILL_CHAIN),
            opt("first_seen", TS),
            opt("last_seen", TS),
            opt("operating_system_refs", refs!("software")),
            opt("architecture_execution_envs", list_of!(open(&PROCESSOR_ARCHITECTURE_OV))),
            opt("implementation_languages", list_of!(open(&IMPLEMENTATION_LANGUAGE_OV))),
            opt("capabilities", list_of!(open(&MALWARE_CAPABILITIES_OV))),
            opt("sample_refs", refs!("file", "artifact")),
        ],
    ),
    &[seen("last_seen", "first_seen"), Constraint::FlagRequires("is_family", true, "name")],
);

pub static MALWARE_ANALYSIS: ObjectSpec = with_constraints(
    sdo(
        "malware-analysis",
        &[
            req("product", STR),
            opt("version", STR),
            opt("host_vm_ref", reference(&["software"])),
            opt("operating_system_ref", reference(&["software"])),
            opt("installed_software_refs", refs!("software")),
            opt("configuration_version", STR),
            opt("modules", STRS),
            opt("analysis_engine_version", STR),
            opt("analysis_definition_version", STR),
            opt("submitted", TS),
            opt("analysis_started", TS),
            opt("analysis_ended", TS),
            opt("result_name", STR),
            opt("result", open(&MALWARE_RESULT_OV)),
            opt("analysis_sco_refs", list_of!(ValueType::Identifier(Targets::Sco))),
            opt("sample_ref", reference(&["file", "network-traffic", "artifact"])),
        ],
    ),
    &[Constraint::AnyOf(&[&["result"], &["analysis_sco_refs"]]), seen("analysis_ended", "analysis_started")],
);

pub static NOTE: ObjectSpec = sdo(
    "note",
    &[opt("abstract", STR), req("content", STR), opt("authors", STRS), req("object_refs", ANY_REFS)],
);

pub static OBSERVED_DATA: ObjectSpec = ObjectSpec {
    deprecated: &["objects"],
    ..with_constraints(
        sdo(
            "observed-data",
            &[
                req("first_observed", TS),
                req("last_observed", TS),
                req("number_observed", ValueType::Integer { min: Some(1), max: Some(999_999_999) }),
                opt("objects", ValueType::Any),
                opt("object_refs", list_of!(ValueType::Identifier(Targets::ScoOrSro))),
            ],
        ),
        &[Constraint::ExactlyOneOf(&["object_refs", "objects"]), seen("last_observed", "first_observed")],
    )
};

pub static OPINION: ObjectSpec = sdo(
    "opinion",
    &[
        opt("explanation", STR),
        opt("authors", STRS),
        req("opinion", closed(&OPINION_ENUM)),
        req("object_refs", ANY_REFS),
    ],
);

pub static REPORT: ObjectSpec = sdo(
    "report",
    &[
        req("name", STR),
        opt("description", STR),
        opt("report_types", list_of!(open(&REPORT_TYPE_OV))),
        req("published", TS),
        req("object_refs", ANY_REFS),
    ],
);

pub static THREAT_ACTOR: ObjectSpec = with_constraints(
    sdo(
        "threat-actor",
        &[
            req("name", STR),
            opt("description", STR),
            opt("threat_actor_types", list_of!(open(&THREAT_ACTOR_TYPE_OV))),
            opt("aliases", STRS),
            opt("first_seen", TS),
            opt("last_seen", TS),
            opt("roles", list_of!(open(&THREAT_ACTOR_ROLE_OV))),
            opt("goals", STRS),
            opt("sophistication", open(&THREAT_ACTOR_SOPHISTICATION_OV)),
            opt("resource_level", open(&ATTACK_RESOURCE_LEVEL_OV)),
            opt("primary_motivation", open(&ATTACK_MOTIVATION_OV)),
            opt("secondary_motivations", list_of!(open(&ATTACK_MOTIVATION_OV))),
            opt("personal_motivations", list_of!(open(&ATTACK_MOTIVATION_OV))),
        ],
    ),
    &[seen("last_seen", "first_seen")],
);

pub static TOOL: ObjectSpec = sdo(
    "tool",
    &[
        req("name", STR),
        opt("description", STR),
        opt("tool_types", list_of!(open(&TOOL_TYPE_OV))),
        opt("aliases", STRS),
        opt("kill_chain_phases", KILL_CHAIN),
        opt("tool_version", STR),
    ],
);

pub static VULNERABILITY: ObjectSpec = sdo("vulnerability", &[req("name", STR), opt("description", STR)]);

// ---------------------------------------------------------------------------------------------
// SROs (§5).

/// Relationship ends may not be other relationships, sightings or meta objects (§5.1).
const RELATIONSHIP_END: ValueType = ValueType::Identifier(Targets::NotTypes(&[
    "relationship",
    "sighting",
    "bundle",
    "marking-definition",
    "language-content",
    "extension-definition",
]));

pub static RELATIONSHIP: ObjectSpec = ObjectSpec {
    kind: Kind::Sro,
    ..with_constraints(
        sdo(
            "relationship",
            &[
                req("relationship_type", STR),
                opt("description", STR),
                req("source_ref", RELATIONSHIP_END),
                req("target_ref", RELATIONSHIP_END),
                opt("start_time", TS),
                opt("stop_time", TS),
            ],
        ),
        &[Constraint::Order { later: "stop_time", earlier: "start_time", strict: true }],
    )
};

pub static SIGHTING: ObjectSpec = ObjectSpec {
    kind: Kind::Sro,
    ..with_constraints(
        sdo(
            "sighting",
            &[
                opt("description", STR),
                opt("first_seen", TS),
                opt("last_seen", TS),
                opt("count", ValueType::Integer { min: Some(0), max: Some(999_999_999) }),
                req("sighting_of_ref", ValueType::Identifier(Targets::Sdo)),
                opt("observed_data_refs", refs!("observed-data")),
                opt("where_sighted_refs", refs!("identity", "location")),
                opt("summary", BOOL),
            ],
        ),
        &[seen("last_seen", "first_seen")],
    )
};

// ---------------------------------------------------------------------------------------------
// SCOs (§6) and their predefined extensions.

pub static ARTIFACT: ObjectSpec = with_constraints(
    sco(
        "artifact",
        &[
            opt("mime_type", STR),
            opt("payload_bin", ValueType::Binary),
            opt("url", ValueType::Url),
            opt("hashes", HASHES),
            opt("encryption_algorithm", closed(&ENCRYPTION_ALGORITHM_ENUM)),
            opt("decryption_key", STR),
        ],
        &["hashes", "payload_bin"],
    ),
    &[
        Constraint::Excludes("payload_bin", "url"),
        Constraint::Requires("url", "hashes"),
        Constraint::Requires("decryption_key", "encryption_algorithm"),
    ],
);

pub static AUTONOMOUS_SYSTEM: ObjectSpec =
    sco("autonomous-system", &[req("number", UINT), opt("name", STR), opt("rir", STR)], &["number"]);

pub static DIRECTORY: ObjectSpec = sco(
    "directory",
    &[
        req("path", STR),
        opt("path_enc", STR),
        opt("ctime", TS),
        opt("mtime", TS),
        opt("atime", TS),
        opt("contains_refs", refs!("file", "directory")),
    ],
    &["path"],
);

pub static DOMAIN_NAME: ObjectSpec = sco(
    "domain-name",
    &[req("value", STR), opt("resolves_to_refs", refs!("ipv4-addr", "ipv6-addr", "domain-name"))],
    &["value"],
);

pub static EMAIL_ADDR: ObjectSpec = sco(
    "email-addr",
    &[req("value", STR), opt("display_name", STR), opt("belongs_to_ref", reference(&["user-account"]))],
    &["value"],
);

pub static EMAIL_MIME_PART: EmbeddedSpec = EmbeddedSpec {
    name: "email-mime-part-type",
    properties: &[
        opt("body", STR),
        opt("body_raw_ref", reference(&["artifact", "file"])),
        opt("content_type", STR),
        opt("content_disposition", STR),
    ],
    constraints: &[Constraint::ExactlyOneOf(&["body", "body_raw_ref"])],
};

pub static EMAIL_MESSAGE: ObjectSpec = with_constraints(
    sco(
        "email-message",
        &[
            req("is_multipart", BOOL),
            opt("date", TS),
            opt("content_type", STR),
            opt("from_ref", reference(&["email-addr"])),
            opt("sender_ref", reference(&["email-addr"])),
            opt("to_refs", refs!("email-addr")),
            opt("cc_refs", refs!("email-addr")),
            opt("bcc_refs", refs!("email-addr")),
            opt("message_id", STR),
            opt("subject", STR),
            opt("received_lines", STRS),
            opt("additional_header_fields", DICT),
            opt("body", STR),
            opt("body_multipart", list_of!(ValueType::Embedded(&EMAIL_MIME_PART))),
            opt("raw_email_ref", reference(&["artifact"])),
        ],
        &["from_ref", "subject", "body"],
    ),
    &[
        Constraint::FlagForbids("is_multipart", true, "body"),
        Constraint::FlagForbids("is_multipart", false, "body_multipart"),
    ],
);

pub static ARCHIVE_EXT: EmbeddedSpec = EmbeddedSpec {
    name: "archive-ext",
    properties: &[req("contains_refs", refs!("file", "directory")), opt("comment", STR)],
    constraints: &[],
};

pub static NTFS_ALTERNATE_DATA_STREAM: EmbeddedSpec = EmbeddedSpec {
    name: "alternate-data-stream-type",
    properties: &[req("name", STR), opt("hashes", HASHES), opt("size", UINT)],
    constraints: &[],
};

pub static NTFS_EXT: EmbeddedSpec = EmbeddedSpec {
    name: "ntfs-ext",
    properties: &[
        opt("sid", STR),
        opt("alternate_data_streams", list_of!(ValueType::Embedded(&NTFS_ALTERNATE_DATA_STREAM))),
    ],
    constraints: &[Constraint::AnySpecific],
};

pub static PDF_EXT: EmbeddedSpec = EmbeddedSpec {
    name: "pdf-ext",
    properties: &[
        opt("version", STR),
        opt("is_optimized", BOOL),
        opt("document_info_dict", DICT),
        opt("pdfid0", STR),
        opt("pdfid1", STR),
    ],
    constraints: &[Constraint::AnySpecific],
};

pub static RASTER_IMAGE_EXT: EmbeddedSpec = EmbeddedSpec {
    name: "raster-image-ext",
    properties: &[
        opt("image_height", INT),
        opt("image_width", INT),
        opt("bits_per_pixel", INT),
        opt("exif_tags", DICT),
    ],
    constraints: &[Constraint::AnySpecific],
};

pub static WINDOWS_PE_OPTIONAL_HEADER: EmbeddedSpec = EmbeddedSpec {
    name: "windows-pe-optional-header-type",
    properties: &[
        opt("magic_hex", HEX),
        opt("major_linker_version", INT),
        opt("minor_linker_version", INT),
        opt("size_of_code", UINT),
        opt("size_of_initialized_data", UINT),
        opt("size_of_uninitialized_data", UINT),
        opt("address_of_entry_point", INT),
        opt("base_of_code", INT),
        opt("base_of_data", INT),
        opt("image_base", INT),
        opt("section_alignment", INT),
        opt("file_alignment", INT),
        opt("major_os_version", INT),
        opt("minor_os_version", INT),
        opt("major_image_version", INT),
        opt("minor_image_version", INT),
        opt("major_subsystem_version", INT),
        opt("minor_subsystem_version", INT),
        opt("win32_version_value_hex", HEX),
        opt("size_of_image", UINT),
        opt("size_of_headers", UINT),
        opt("checksum_hex", HEX),
        opt("subsystem_hex", HEX),
        opt("dll_characteristics_hex", HEX),
        opt("size_of_stack_reserve", UINT),
        opt("size_of_stack_commit", UINT),
        opt("size_of_heap_reserve", UINT),
        opt("size_of_heap_commit", UINT),
        opt("loader_flags_hex", HEX),
        opt("number_of_rva_and_sizes", INT),
        opt("hashes", HASHES),
    ],
    constraints: &[Constraint::AnySpecific],
};

pub static WINDOWS_PE_SECTION: EmbeddedSpec = EmbeddedSpec {
    name: "windows-pe-section-type",
    properties: &[req("name", STR), opt("size", UINT), opt("entropy", FLOAT), opt("hashes", HASHES)],
    constraints: &[],
};

pub static WINDOWS_PEBINARY_EXT: EmbeddedSpec = EmbeddedSpec {
    name: "windows-pebinary-ext",
    properties: &[
        req("pe_type", open(&WINDOWS_PEBINARY_TYPE_OV)),
        opt("imphash", STR),
        opt("machine_hex", HEX),
        opt("number_of_sections", UINT),
        opt("time_date_stamp", TS),
        opt("pointer_to_symbol_table_hex", HEX),
        opt("number_of_symbols", UINT),
        opt("size_of_optional_header", UINT),
        opt("characteristics_hex", HEX),
        opt("file_header_hashes", HASHES),
        opt("optional_header", ValueType::Embedded(&WINDOWS_PE_OPTIONAL_HEADER)),
        opt("sections", list_of!(ValueType::Embedded(&WINDOWS_PE_SECTION))),
    ],
    constraints: &[],
};

pub static FILE: ObjectSpec = with_constraints(
    with_extensions(
        sco(
            "file",
            &[
                opt("hashes", HASHES),
                opt("size", UINT),
                opt("name", STR),
                opt("name_enc", STR),
                opt("magic_number_hex", HEX),
                opt("mime_type", STR),
                opt("ctime", TS),
                opt("mtime", TS),
                opt("atime", TS),
                opt("parent_directory_ref", reference(&["directory"])),
                opt("contains_refs", list_of!(ValueType::Identifier(Targets::Sco))),
                opt("content_ref", reference(&["artifact"])),
            ],
            &["hashes", "name", "extensions", "parent_directory_ref"],
        ),
        &[&ARCHIVE_EXT, &NTFS_EXT, &PDF_EXT, &RASTER_IMAGE_EXT, &WINDOWS_PEBINARY_EXT],
    ),
    &[Constraint::AnyOf(&[&["hashes"], &["name"]])],
);

pub static IPV4_ADDR: ObjectSpec = sco(
    "ipv4-addr",
    &[
        req("value", STR),
        opt("resolves_to_refs", refs!("mac-addr")),
        opt("belongs_to_refs", refs!("autonomous-system")),
    ],
    &["value"],
);

pub static IPV6_ADDR: ObjectSpec = sco(
    "ipv6-addr",
    &[
        req("value", STR),
        opt("resolves_to_refs", refs!("mac-addr")),
        opt("belongs_to_refs", refs!("autonomous-system")),
    ],
    &["value"],
);

pub static MAC_ADDR: ObjectSpec = sco("mac-addr", &[req("value", STR)], &["value"]);

pub static MUTEX: ObjectSpec = sco("mutex", &[req("name", STR)], &["name"]);

pub static HTTP_REQUEST_EXT: EmbeddedSpec = EmbeddedSpec {
    name: "http-request-ext",
    properties: &[
        req("request_method", STR),
        req("request_value", STR),
        opt("request_version", STR),
        opt("request_header", DICT),
        opt("message_body_length", UINT),
        opt("message_body_data_ref", reference(&["artifact"])),
    ],
    constraints: &[],
};

pub static ICMP_EXT: EmbeddedSpec = EmbeddedSpec {
    name: "icmp-ext",
    properties: &[req("icmp_type_hex", HEX), req("icmp_code_hex", HEX)],
    constraints: &[],
};

pub static SOCKET_EXT: EmbeddedSpec = EmbeddedSpec {
    name: "socket-ext",
    properties: &[
        req("address_family", closed(&NETWORK_SOCKET_ADDRESS_FAMILY_ENUM)),
        opt("is_blocking", BOOL),
        opt("is_listening", BOOL),
        opt("options", DICT),
        opt("socket_type", closed(&NETWORK_SOCKET_TYPE_ENUM)),
        opt("socket_descriptor", UINT),
        opt("socket_handle", INT),
    ],
    constraints: &[],
};

pub static TCP_EXT: EmbeddedSpec = EmbeddedSpec {
    name: "tcp-ext",
    properties: &[opt("src_flags_hex", HEX), opt("dst_flags_hex", HEX)],
    constraints: &[Constraint::AnySpecific],
};

/// Network-traffic ends (§6.12 `src_ref`/`dst_ref`).
const TRAFFIC_END: ValueType = reference(&["ipv4-addr", "ipv6-addr", "mac-addr", "domain-name"]);
const PORT: ValueType = ValueType::Integer { min: Some(0), max: Some(65_535) };

pub static NETWORK_TRAFFIC: ObjectSpec = with_constraints(
    with_extensions(
        sco(
            "network-traffic",
            &[
                opt("start", TS),
                opt("end", TS),
                opt("is_active", BOOL),
                opt("src_ref", TRAFFIC_END),
                opt("dst_ref", TRAFFIC_END),
                opt("src_port", PORT),
                opt("dst_port", PORT),
                req("protocols", STRS),
                opt("src_byte_count", UINT),
                opt("dst_byte_count", UINT),
                opt("src_packets", UINT),
                opt("dst_packets", UINT),
                opt("ipfix", DICT),
                opt("src_payload_ref", reference(&["artifact"])),
                opt("dst_payload_ref", reference(&["artifact"])),
                opt("encapsulates_refs", refs!("network-traffic")),
                opt("encapsulated_by_ref", reference(&["network-traffic"])),
            ],
            &["start", "end", "src_ref", "dst_ref", "src_port", "dst_port", "protocols", "extensions"],
        ),
        &[&HTTP_REQUEST_EXT, &ICMP_EXT, &SOCKET_EXT, &TCP_EXT],
    ),
    &[
        Constraint::AnyOf(&[&["src_ref"], &["dst_ref"]]),
        Constraint::FlagForbids("is_active", true, "end"),
        seen("end", "start"),
    ],
);

pub static WINDOWS_PROCESS_EXT: EmbeddedSpec = EmbeddedSpec {
    name: "windows-process-ext",
    properties: &[
        opt("aslr_enabled", BOOL),
        opt("dep_enabled", BOOL),
        opt("priority", STR),
        opt("owner_sid", STR),
        opt("window_title", STR),
        opt("startup_info", DICT),
        opt("integrity_level", closed(&WINDOWS_INTEGRITY_LEVEL_ENUM)),
    ],
    constraints: &[Constraint::AnySpecific],
};

pub static WINDOWS_SERVICE_EXT: EmbeddedSpec = EmbeddedSpec {
    name: "windows-service-ext",
    properties: &[
        opt("service_name", STR),
        opt("descriptions", STRS),
        opt("display_name", STR),
        opt("group_name", STR),
        opt("start_type", closed(&WINDOWS_SERVICE_START_TYPE_ENUM)),
        opt("service_dll_refs", refs!("file")),
        opt("service_type", closed(&WINDOWS_SERVICE_TYPE_ENUM)),
        opt("service_status", closed(&WINDOWS_SERVICE_STATUS_ENUM)),
    ],
    constraints: &[Constraint::AnySpecific],
};

pub static PROCESS: ObjectSpec = with_constraints(
    with_extensions(
        sco(
            "process",
            &[
                opt("is_hidden", BOOL),
                opt("pid", INT),
                opt("created_time", TS),
                opt("cwd", STR),
                opt("command_line", STR),
                opt("environment_variables", DICT),
                opt("opened_connection_refs", refs!("network-traffic")),
                opt("creator_user_ref", reference(&["user-account"])),
                opt("image_ref", reference(&["file"])),
                opt("parent_ref", reference(&["process"])),
                opt("child_refs", refs!("process")),
            ],
            &[],
        ),
        &[&WINDOWS_PROCESS_EXT, &WINDOWS_SERVICE_EXT],
    ),
    &[Constraint::AnySpecific],
);

pub static SOFTWARE: ObjectSpec = sco(
    "software",
    &[
        req("name", STR),
        opt("cpe", STR),
        opt("swid", STR),
        opt("languages", STRS),
        opt("vendor", STR),
        opt("version", STR),
    ],
    &["name", "cpe", "swid", "vendor", "version"],
);

pub static URL: ObjectSpec = sco("url", &[req("value", ValueType::Url)], &["value"]);

pub static UNIX_ACCOUNT_EXT: EmbeddedSpec = EmbeddedSpec {
    name: "unix-account-ext",
    properties: &[opt("gid", INT), opt("groups", STRS), opt("home_dir", STR), opt("shell", STR)],
    constraints: &[Constraint::AnySpecific],
};

pub static USER_ACCOUNT: ObjectSpec = with_constraints(
    with_extensions(
        sco(
            "user-account",
            &[
                opt("user_id", STR),
                opt("credential", STR),
                opt("account_login", STR),
                opt("account_type", open(&ACCOUNT_TYPE_OV)),
                opt("display_name", STR),
                opt("is_service_account", BOOL),
                opt("is_privileged", BOOL),
                opt("can_escalate_privs", BOOL),
                opt("is_disabled", BOOL),
                opt("account_created", TS),
                opt("account_expires", TS),
                opt("credential_last_changed", TS),
                opt("account_first_login", TS),
                opt("account_last_login", TS),
            ],
            &["account_type", "user_id", "account_login"],
        ),
        &[&UNIX_ACCOUNT_EXT],
    ),
    &[Constraint::AnySpecific],
);

pub static WINDOWS_REGISTRY_VALUE: EmbeddedSpec = EmbeddedSpec {
    name: "windows-registry-value-type",
    properties: &[
        opt("name", STR),
        opt("data", STR),
        opt("data_type", closed(&WINDOWS_REGISTRY_DATATYPE_ENUM)),
    ],
    constraints: &[Constraint::AnySpecific],
};

pub static WINDOWS_REGISTRY_KEY: ObjectSpec = with_constraints(
    sco(
        "windows-registry-key",
        &[
            opt("key", STR),
            opt("values", list_of!(ValueType::Embedded(&WINDOWS_REGISTRY_VALUE))),
            opt("modified_time", TS),
            opt("creator_user_ref", reference(&["user-account"])),
            opt("number_of_subkeys", UINT),
        ],
        &["key", "values"],
    ),
    &[Constraint::AnySpecific],
);

pub static X509_V3_EXTENSIONS: EmbeddedSpec = EmbeddedSpec {
    name: "x509-v3-extensions-type",
    properties: &[
        opt("basic_constraints", STR),
        opt("name_constraints", STR),
        opt("policy_constraints", STR),
        opt("key_usage", STR),
        opt("extended_key_usage", STR),
        opt("subject_key_identifier", STR),
        opt("authority_key_identifier", STR),
        opt("subject_alternative_name", STR),
        opt("issuer_alternative_name", STR),
        opt("subject_directory_attributes", STR),
        opt("crl_distribution_points", STR),
        opt("inhibit_any_policy", STR),
        opt("private_key_usage_period_not_before", TS),
        opt("private_key_usage_period_not_after", TS),
        opt("certificate_policies", STR),
        opt("policy_mappings", STR),
    ],
    constraints: &[Constraint::AnySpecific],
};

pub static X509_CERTIFICATE: ObjectSpec = with_constraints(
    sco(
        "x509-certificate",
        &[
            opt("is_self_signed", BOOL),
            opt("hashes", HASHES),
            opt("version", STR),
            opt("serial_number", STR),
            opt("signature_algorithm", STR),
            opt("issuer", STR),
            opt("validity_not_before", TS),
            opt("validity_not_after", TS),
            opt("subject", STR),
            opt("subject_public_key_algorithm", STR),
            opt("subject_public_key_modulus", STR),
            opt("subject_public_key_exponent", UINT),
            opt("x509_v3_extensions", ValueType::Embedded(&X509_V3_EXTENSIONS)),
        ],
        &["hashes", "serial_number"],
    ),
    &[Constraint::AnySpecific, seen("validity_not_after", "validity_not_before")],
);

// ---------------------------------------------------------------------------------------------
// Meta objects (§7).

pub static LANGUAGE_CONTENT: ObjectSpec = ObjectSpec {
    kind: Kind::LanguageContent,
    ..sdo(
        "language-content",
        &[
            req("object_ref", ValueType::Identifier(Targets::NotTypes(&["bundle", "language-content"]))),
            opt("object_modified", TS),
            req("contents", DICT),
        ],
    )
};

pub static MARKING_DEFINITION: ObjectSpec = ObjectSpec {
    kind: Kind::MarkingDefinition,
    ..sdo(
        "marking-definition",
        &[opt("name", STR), opt("definition_type", STR), opt("definition", ValueType::Any)],
    )
};

pub static EXTENSION_DEFINITION: ObjectSpec = ObjectSpec {
    kind: Kind::ExtensionDefinition,
    ..sdo(
        "extension-definition",
        &[
            req("name", STR),
            opt("description", STR),
            req("schema", STR),
            req("version", STR),
            req("extension_types", list_of!(closed(&EXTENSION_TYPE_ENUM))),
            opt("extension_properties", STRS),
        ],
    )
};

static ALL: &[&ObjectSpec] = &[
    &ATTACK_PATTERN,
    &CAMPAIGN,
    &COURSE_OF_ACTION,
    &GROUPING,
    &IDENTITY,
    &INCIDENT,
    &INDICATOR,
    &INFRASTRUCTURE,
    &INTRUSION_SET,
    &LOCATION,
    &MALWARE,
    &MALWARE_ANALYSIS,
    &NOTE,
    &OBSERVED_DATA,
    &OPINION,
    &REPORT,
    &THREAT_ACTOR,
    &TOOL,
    &VULNERABILITY,
    &RELATIONSHIP,
    &SIGHTING,
    &ARTIFACT,
    &AUTONOMOUS_SYSTEM,
    &DIRECTORY,
    &DOMAIN_NAME,
    &EMAIL_ADDR,
    &EMAIL_MESSAGE,
    &FILE,
    &IPV4_ADDR,
    &IPV6_ADDR,
    &MAC_ADDR,
    &MUTEX,
    &NETWORK_TRAFFIC,
    &PROCESS,
    &SOFTWARE,
    &URL,
    &USER_ACCOUNT,
    &WINDOWS_REGISTRY_KEY,
    &X509_CERTIFICATE,
    &LANGUAGE_CONTENT,
    &MARKING_DEFINITION,
    &EXTENSION_DEFINITION,
];

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_type_has_one_table() {
        assert_eq!(ALL.len(), 19 + 2 + 18 + 3);
        for spec in ALL {
            assert!(crate::id::is_type_name(spec.type_name), "{}", spec.type_name);
            assert!(std::ptr::eq(object_spec(spec.type_name).unwrap(), *spec));
            for name in spec.id_contributing {
                assert!(spec.property(name).is_some(), "{}: {name}", spec.type_name);
            }
        }
        assert!(is_sco("file") && !is_sco("indicator") && !is_sco("x-custom"));
    }
}
