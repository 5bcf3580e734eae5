//! `selat match --indicators BUNDLE [INPUT|-]` or `selat match --data DIR --as ORG [INPUT|-]`:
//! matches observations against the indicators of a STIX file, or against the latest versions of
//! the indicators stored in a node that organisation `ORG` may see (read through the access rule,
//! like `selat export --as`), printing one JSON line per (observation, indicator) match.
//!
//! Input, one observation a line (blank lines skipped), recognised line by line:
//! - a JSON object: a cyber-observable object (observed now, once), an `observed-data` (with
//!   the objects it refers to only if they are on the same line, i.e. a `bundle`), or a bundle;
//! - `type,value` (CSV; a `type,value` header is skipped): `type` is an SCO type with a `value`
//!   property (`ipv4-addr`, `ipv6-addr`, `domain-name`, `url`, `email-addr`, `mac-addr`), a hash
//!   algorithm (`md5`, `sha1`, `sha256`, `sha512`, `SHA-256`, ...: a `file` with that hash) or
//!   `file` (a file name);
//! - a plain value, its type detected: IPv4 or IPv6 address or CIDR, URL (`://`), e-mail
//!   address (`@`), MD5/SHA-1/SHA-256/SHA-512 by hex length, else a domain name.
//!
//! Output: `{"line": n, "observation": {...}, "indicator": id, "created_by_ref": id|null,
//! "tlp": "clear"|"green"|"amber"|"amber+strict"|"red"|null}` where `observation` is `{"type",
//! "value"}` for values and `{"id"}` for JSON objects. Verdicts are the evaluator's
//! (`selat_pattern::MatchIndex`). Revoked indicators and those whose `valid_until` has passed
//! are skipped unless `--include-expired`; indicators whose `pattern_type` is not `stix`, or
//! whose pattern does not parse, are counted on standard error as not matchable. `opinion`s in
//! the file are shown with the matches of the indicators they are about (`"opinions"`, when there
//! are any); `--suppress-disputed` drops the matches of indicators one disputes. With
//! `--sightings --sighted-by IDENTITY`, one STIX bundle of `sighting` objects (one per indicator
//! matched, `selat_core::sighting`) is printed instead of match lines. Exit code: 0,
//! or 1 when some lines could not be read as observations or some matches failed, 2 when an
//! input cannot be read.

use std::borrow::Cow;
use std::collections::BTreeMap;
use std::io::{BufRead, BufReader, IsTerminal, Write};
use std::net::IpAddr;
use std::path::PathBuf;
use std::process::ExitCode;

use anyhow::Context;
use selat_core::matching::{
    Indicators, Lifecycle, MAX_OPINIONS_PER_MATCH, OpinionRef, Seen, lifecycle, observed_once, seen_in,
};
use selat_core::sighting::{SightingBuilder, SightingOptions};
use selat_pattern::{MatchError, MatchIndex, Matches, Pattern};
use selat_stix::bundle::BundleReader;
use selat_stix::meta::Scope;
use selat_stix::tlp::Tlp;
use serde_json::{Value, json};

use crate::inputs::Input;
use crate::match_line::{LineScanner, Member, Node};
use crate::pattern_cmd::{MAX_LINE_BYTES, read_line};

/// How many per-line problems are printed on standard error before only counting them.
const MAX_PROBLEMS_SHOWN: u64 = 20;

#[derive(Debug, clap::Args)]
pub struct Args {
    /// A STIX file holding the indicators (bundle, array, single object or NDJSON), and any
    /// `opinion` objects about them.
    #[arg(long, value_name = "BUNDLE", required_unless_present = "data", conflicts_with = "data")]
    indicators: Option<PathBuf>,
    /// A node's data directory: match against the indicators (and opinions) stored there that
    /// the organisation `--as` names may see.
    #[arg(long, value_name = "DIR", requires = "as_org")]
    data: Option<PathBuf>,
    /// With --data: keep objects in PostgreSQL (`postgres://…`), as the node does.
    #[arg(long, value_name = "URL", requires = "data")]
    database: Option<String>,
    /// With --data: the organisation (short name) whose view of the node is matched against.
    #[arg(long = "as", value_name = "ORG", requires = "data")]
    as_org: Option<String>,
    /// Observations: JSON lines, `type,value` CSV or plain values; `-` for standard input.
    #[arg(value_name = "INPUT", default_value = "-")]
    input: PathBuf,
    /// Also match revoked indicators and those past their `valid_until`.
    #[arg(long)]
    include_expired: bool,
    /// Drop the matches of indicators that an `opinion` disputes (`disagree`, `strongly-disagree`).
    #[arg(long)]
    suppress_disputed: bool,
    /// Print one STIX bundle of `sighting` objects (one per indicator matched) instead of match lines.
    #[arg(long, requires = "sighted_by")]
    sightings: bool,
    /// With --sightings: the identity where the indicators were sighted (`where_sighted_refs`,
    /// and the sightings' `created_by_ref`).
    #[arg(long, value_name = "IDENTITY", requires = "sightings")]
    sighted_by: Option<String>,
    /// With --sightings: the sightings' TLP (`clear`, `green`, `amber`, `amber+strict`, `red`).
    #[arg(long, requires = "sightings")]
    tlp: Option<String>,
    /// With --sightings: the sightings' distribution scope (`organisation`, `national`, `community`).
    #[arg(long, requires = "sightings")]
    scope: Option<String>,
}

/// What is printed with each match about its indicator.
pub(crate) struct IndicatorInfo {
    pub(crate) id: Value,
    pub(crate) created_by_ref: Value,
    pub(crate) tlp: Value,
    /// The opinions about it (an array, disagreement first), or null.
    pub(crate) opinions: Value,
    /// An opinion disputes it.
    pub(crate) disputed: bool,
}

/// Why indicators were left out of the index, for the summary.
#[derive(Default)]
struct Skipped {
    revoked: u64,
    expired: u64,
    /// Not matchable, by `pattern_type`.
    other_pattern_types: BTreeMap<String, u64>,
    unparsable: u64,
    not_indicators: u64,
}

/// What `match_lines` does besides printing match lines.
pub(crate) struct Extras {
    /// Drop matches of disputed indicators.
    pub(crate) suppress_disputed: bool,
    /// Collect sightings instead of printing match lines.
    pub(crate) sightings: Option<SightingBuilder>,
    /// When plain values and SCOs were observed.
    pub(crate) now: selat_stix::Timestamp,
}

impl Extras {
    pub(crate) fn plain(now: selat_stix::Timestamp) -> Self {
        Extras { suppress_disputed: false, sightings: None, now }
    }
}

pub fn run(args: &Args) -> anyhow::Result<ExitCode> {
    let now = selat_stix::Timestamp::now_millis();
    let sighting_options = sighting_options(args)?;
    let (infos, patterns, skipped) = match (&args.indicators, &args.data) {
        (Some(path), _) => load_indicators(path, args.include_expired, now)?,
        (None, Some(data)) => load_from_node(args, data, now)?,
        (None, None) => anyhow::bail!("give --indicators BUNDLE or --data DIR --as ORG"),
    };
    report_skipped(&skipped);
    let index = MatchIndex::build(patterns.iter().enumerate());
    drop(patterns);
    eprintln!(
        "{} indicators indexed ({} compiled to look-ups, {} evaluated only when a look-up hits)",
        index.len(),
        index.compiled_count(),
        index.anchored_count()
    );
    let input = if args.input.as_os_str() == "-" { Input::Stdin } else { Input::File(args.input.clone()) };
    let (reader, _) = input.open()?;
    let observed_at = now.format(3);
    let stdout = std::io::stdout();
    let interactive = stdout.is_terminal();
    let mut out = std::io::BufWriter::new(stdout.lock());
    let mut extras = Extras {
        suppress_disputed: args.suppress_disputed,
        sightings: sighting_options.as_ref().map(|_| SightingBuilder::new()),
        now,
    };
    let tally =
        match_lines(BufReader::new(reader), &index, &infos, &observed_at, &mut out, interactive, &mut extras)
            .with_context(|| format!("reading {}", input.name()))?;
    if let (Some(builder), Some(options)) = (&extras.sightings, &sighting_options) {
        let objects = builder.finish(options);
        let bundle = json!({"type": "bundle", "id": selat_stix::id::new_v4("bundle"), "objects": objects});
        serde_json::to_writer(&mut out, &bundle)?;
        out.write_all(b"\n")?;
        out.flush()?;
        eprintln!("{} sightings", objects.len());
    }
    eprintln!(
        "{} observations, {} matches ({} of disputed indicators suppressed); {} lines not understood, {} evaluation errors",
        tally.observations, tally.matches, tally.suppressed, tally.unreadable, tally.errors
    );
    let failed = tally.unreadable > 0 || tally.errors > 0;
    Ok(if failed { ExitCode::from(1) } else { ExitCode::SUCCESS })
}

/// The sightings' options from `--sighted-by`, `--tlp` and `--scope`, each checked.
fn sighting_options(args: &Args) -> anyhow::Result<Option<SightingOptions>> {
    let Some(sighted_by) = args.sighted_by.as_deref().filter(|_| args.sightings) else { return Ok(None) };
    match selat_stix::id::Identifier::parse(sighted_by) {
        Ok(id) if id.object_type == "identity" => {}
        _ => anyhow::bail!("--sighted-by {sighted_by:?}: expected an identity id (identity--<uuid>)"),
    }
    let tlp = args
        .tlp
        .as_deref()
        .map(|name| {
            Tlp::from_name(name)
                .with_context(|| format!("--tlp {name:?}: one of clear, green, amber, amber+strict, red"))
        })
        .transpose()?;
    let scope = args
        .scope
        .as_deref()
        .map(|name| {
            Scope::from_name(name)
                .filter(|s| matches!(s, Scope::Organisation | Scope::National | Scope::Community))
                .with_context(|| format!("--scope {name:?}: one of organisation, national, community"))
        })
        .transpose()?;
    Ok(Some(SightingOptions { sighted_by: sighted_by.to_owned(), tlp, scope }))
}

fn load_indicators(
    path: &PathBuf,
    include_expired: bool,
    now: selat_stix::Timestamp,
) -> anyhow::Result<(Vec<IndicatorInfo>, Vec<Pattern>, Skipped)> {
    let file = std::fs::File::open(path).with_context(|| format!("opening {}", path.display()))?;
    let mut loader = Loader::new(include_expired, now);
    for raw in BundleReader::new(BufReader::new(file)) {
        loader.add(raw.and_then(|r| r.parse()).with_context(|| format!("reading {}", path.display()))?);
    }
    Ok(loader.finish())
}

/// Rows per page when reading a node's indicators.
const NODE_PAGE_ROWS: usize = 1000;

/// The latest versions of the indicators and opinions in a node that `--as` may see.
fn load_from_node(
    args: &Args,
    data: &std::path::Path,
    now: selat_stix::Timestamp,
) -> anyhow::Result<(Vec<IndicatorInfo>, Vec<Pattern>, Skipped)> {
    let short = args.as_org.as_deref().context("--data needs --as ORG")?;
    let runtime = tokio::runtime::Builder::new_current_thread().enable_all().build()?;
    runtime.block_on(async {
        let node = selat_core::node::Node::open_with(data, args.database.as_deref())
            .await
            .with_context(|| format!("opening the node in {}", data.display()))?;
        let org = node.organisation(short).await?.with_context(|| format!("no organisation {short:?}"))?;
        let audience = node.org_audience(Some(&org), false).await?;
        let mut loader = Loader::new(args.include_expired, now);
        for object_type in ["indicator", "opinion"] {
            let mut query = selat_store::ScanQuery {
                after: None,
                limit: NODE_PAGE_ROWS,
                latest_only: true,
                object_type: Some(object_type.to_owned()),
                collection: None,
                audience: audience.clone(),
            };
            loop {
                let page = selat_store::Store::scan(&node.store, &query).await?;
                for row in &page.rows {
                    loader.add(serde_json::from_str(&row.json).context("a stored object is not JSON")?);
                }
                match page.next_after {
                    Some(next) => query.after = Some(next),
                    None => break,
                }
            }
        }
        Ok(loader.finish())
    })
}

/// Indicators (compiled) and opinions as they are read, one object at a time.
struct Loader {
    include_expired: bool,
    now: selat_stix::Timestamp,
    infos: Vec<IndicatorInfo>,
    patterns: Vec<Pattern>,
    skipped: Skipped,
    opinions: Vec<Value>,
}

impl Loader {
    fn new(include_expired: bool, now: selat_stix::Timestamp) -> Self {
        Loader {
            include_expired,
            now,
            infos: Vec::new(),
            patterns: Vec::new(),
            skipped: Skipped::default(),
            opinions: Vec::new(),
        }
    }

    fn add(&mut self, object: Value) {
        match object.get("type").and_then(Value::as_str) {
            Some("indicator") => {}
            Some("opinion") => {
                self.opinions.push(object);
                return;
            }
            _ => {
                self.skipped.not_indicators += 1;
                return;
            }
        }
        match lifecycle(&object, self.now, self.include_expired) {
            Lifecycle::Matchable(pattern) => {
                self.patterns.push(*pattern);
                self.infos.push(IndicatorInfo {
                    id: object.get("id").cloned().unwrap_or(Value::Null),
                    created_by_ref: object.get("created_by_ref").cloned().unwrap_or(Value::Null),
                    tlp: selat_stix::tlp::effective_tlp(&object).map_or(Value::Null, |t| json!(t.as_str())),
                    opinions: Value::Null,
                    disputed: false,
                });
            }
            Lifecycle::Revoked => self.skipped.revoked += 1,
            Lifecycle::Expired => self.skipped.expired += 1,
            Lifecycle::OtherPatternType(kind) => {
                *self.skipped.other_pattern_types.entry(kind).or_default() += 1;
            }
            Lifecycle::Unparsable => self.skipped.unparsable += 1,
        }
    }

    /// Opinions may come before or after their indicators: attached once everything is read.
    fn finish(mut self) -> (Vec<IndicatorInfo>, Vec<Pattern>, Skipped) {
        let compiled = Indicators::build(self.opinions.iter(), self.now, self.include_expired);
        for info in &mut self.infos {
            let Some(list) = info.id.as_str().and_then(|id| compiled.opinions.get(id)) else { continue };
            info.disputed = list.iter().any(OpinionRef::disagrees);
            info.opinions = json!(list.iter().take(MAX_OPINIONS_PER_MATCH).collect::<Vec<_>>());
        }
        (self.infos, self.patterns, self.skipped)
    }
}

fn report_skipped(skipped: &Skipped) {
    if skipped.revoked + skipped.expired > 0 {
        eprintln!(
            "skipped {} revoked and {} expired indicators (--include-expired matches them)",
            skipped.revoked, skipped.expired
        );
    }
    let other: u64 = skipped.other_pattern_types.values().sum();
    if other + skipped.unparsable > 0 {
        let kinds: Vec<String> =
            skipped.other_pattern_types.iter().map(|(k, n)| format!("{k} {n}")).collect();
        eprintln!(
            "{} indicators not matchable: {} with a pattern_type other than stix ({}), {} with a pattern that does not parse",
            other + skipped.unparsable,
            other,
            if kinds.is_empty() { "none".to_owned() } else { kinds.join(", ") },
            skipped.unparsable
        );
    }
}

#[derive(Debug, Default)]
pub(crate) struct Tally {
    pub(crate) observations: u64,
    pub(crate) matches: u64,
    pub(crate) unreadable: u64,
    pub(crate) errors: u64,
    /// Matches of disputed indicators dropped (`--suppress-disputed`).
    pub(crate) suppressed: u64,
}

/// Matches every line of `reader`, writing one JSON line per match to `out` (flushed after
/// each line when `flush_each`, for an interactive reader).
pub(crate) fn match_lines(
    mut reader: impl BufRead,
    index: &MatchIndex<usize>,
    infos: &[IndicatorInfo],
    observed_at: &str,
    out: &mut impl Write,
    flush_each: bool,
    extras: &mut Extras,
) -> anyhow::Result<Tally> {
    let mut tally = Tally::default();
    let mut line = Vec::new();
    let mut number = 0u64;
    let mut scanner = LineScanner::default();
    loop {
        line.clear();
        let Some(complete) = read_line(&mut reader, &mut line)? else { break };
        number += 1;
        let observation = if complete {
            std::str::from_utf8(&line).map_err(|_| "line is not UTF-8".to_owned()).and_then(|text| {
                let text = text.trim();
                // Blank lines and a CSV header hold no observation.
                if text.is_empty() || text.eq_ignore_ascii_case("type,value") {
                    Ok(None)
                } else {
                    observation(text, index, observed_at, &mut scanner).map(Some)
                }
            })
        } else {
            Err(format!("line longer than {MAX_LINE_BYTES} bytes"))
        };
        let (shown, input) = match observation {
            Ok(Some(found)) => found,
            Ok(None) => continue,
            Err(problem) => {
                tally.unreadable += 1;
                note(tally.unreadable, &format!("line {number}: {problem}"));
                continue;
            }
        };
        tally.observations += 1;
        let matches = match input {
            Ok(matches) => matches,
            Err(error) => {
                tally.errors += 1;
                note(tally.errors, &format!("line {number}: {error}"));
                continue;
            }
        };
        let mut label = None;
        for &(&indicator, ref error) in &matches.errors {
            tally.errors += 1;
            note(tally.errors, &format!("line {number}: indicator {}: {error}", infos[indicator].id));
        }
        let mut seen = None;
        for &&indicator in &matches.matched {
            let info = &infos[indicator];
            if info.disputed && extras.suppress_disputed {
                tally.suppressed += 1;
                continue;
            }
            tally.matches += 1;
            if let Some(builder) = &mut extras.sightings {
                let seen = seen.get_or_insert_with(|| line_seen(&line, extras.now));
                let id = info.id.as_str().unwrap_or_default();
                builder.record(id, seen.first, seen.last, seen.count, seen.observed_data.as_deref());
                continue;
            }
            let row = MatchRow {
                line: number,
                observation: label.get_or_insert_with(|| shown.to_value()),
                indicator: &info.id,
                created_by_ref: &info.created_by_ref,
                tlp: &info.tlp,
                opinions: (!info.opinions.is_null()).then_some(&info.opinions),
            };
            serde_json::to_writer(&mut *out, &row)?;
            out.write_all(b"\n")?;
        }
        if flush_each {
            out.flush()?;
        }
    }
    out.flush()?;
    Ok(tally)
}

/// One output line, its fields in this order.
#[derive(serde::Serialize)]
struct MatchRow<'a> {
    line: u64,
    observation: &'a Value,
    indicator: &'a Value,
    created_by_ref: &'a Value,
    tlp: &'a Value,
    /// The opinions about the indicator, when there are any.
    #[serde(skip_serializing_if = "Option::is_none")]
    opinions: Option<&'a Value>,
}

/// When a matched line was observed, how often, and in which `observed-data`: from the
/// `observed-data` (or bundle) on the line, else once, now.
fn line_seen(line: &[u8], now: selat_stix::Timestamp) -> Seen {
    let once = Seen { first: now, last: now, count: 1, observed_data: None };
    let Ok(object) = serde_json::from_slice::<Value>(line) else { return once };
    match object.get("type").and_then(Value::as_str) {
        Some("observed-data" | "bundle") => seen_in(&object, now),
        _ => once,
    }
}

fn note(count: u64, message: &str) {
    if count <= MAX_PROBLEMS_SHOWN {
        eprintln!("selat match: {message}");
    } else if count == MAX_PROBLEMS_SHOWN + 1 {
        eprintln!("selat match: more problems; only counting them from here");
    }
}

/// How an observation is shown in the output: the id of a JSON object (kept borrowed until a
/// match needs it: most lines match nothing), or a built label.
enum Shown<'a> {
    Id(Option<&'a str>),
    Label(Value),
}

impl Shown<'_> {
    fn to_value(&self) -> Value {
        match self {
            Shown::Id(id) => json!({"id": id}),
            Shown::Label(label) => label.clone(),
        }
    }
}

type Verdicts<'i> = Result<Matches<'i, usize>, MatchError>;

/// The observation on one line, and the index's verdicts on it. A JSON line holding one SCO
/// (the common case of a stream) is read light and answered by look-ups when they alone decide
/// ([`MatchIndex::match_object`]); anything else is matched as a whole observation.
fn observation<'t, 'i>(
    text: &'t str,
    index: &'i MatchIndex<usize>,
    observed_at: &str,
    scanner: &mut LineScanner,
) -> Result<(Shown<'t>, Verdicts<'i>), String> {
    if text.starts_with('{') {
        let light = match scanner.scan(text) {
            Some(scanned) => light_match(&scanned, scanned.get("id"), index),
            None => Node::parse(text).ok().and_then(|node| match node.get("id") {
                None => light_match(&node, None, index),
                Some(Node::Str(Cow::Borrowed(id))) => light_match(&node, Some(Member::Str(id)), index),
                // An escaped id was copied out of the line: shown as a built label.
                Some(Node::Str(Cow::Owned(id))) => light_match(&node, None, index)
                    .map(|(_, verdicts)| (Shown::Label(json!({"id": id})), verdicts)),
                Some(_) => None,
            }),
        };
        if let Some(found) = light {
            return Ok(found);
        }
        let object: Value = serde_json::from_str(text).map_err(|e| format!("invalid JSON: {e}"))?;
        let Some(kind) = object.get("type").and_then(Value::as_str) else {
            return Err("JSON object without a \"type\"".to_owned());
        };
        let label = json!({"id": object.get("id").cloned().unwrap_or(Value::Null)});
        // One SCO: evaluated on its own where that gives the same verdicts, without the wrapper.
        if let Some(verdicts) = index.match_sco(&object, observed_at) {
            return Ok((Shown::Label(label), verdicts));
        }
        let input = match kind {
            "bundle" | "observed-data" => vec![object],
            _ => vec![observed_once(object, observed_at)],
        };
        return Ok((Shown::Label(label), index.match_observation(&input)));
    }
    let (kind, value) = match text.split_once(',') {
        Some((kind, value)) if csv_type(kind.trim()).is_some() => {
            (csv_type(kind.trim()), unquote(value.trim()))
        }
        _ => (detect_type(text), text),
    };
    let Some(kind) = kind else {
        return Err(format!("cannot tell what kind of value {text:?} is"));
    };
    let label = json!({"type": kind.label(), "value": value});
    let sco = kind.object(value);
    let verdicts = match index.match_object(&sco) {
        Some(matches) => Ok(matches),
        None => index.match_observation(&[observed_once(sco, observed_at)]),
    };
    Ok((Shown::Label(label), verdicts))
}

/// The fast path for a line read light holding one SCO (`id`: its member `id`, as read): the
/// verdicts when look-ups alone decide them ([`MatchIndex::match_object`]).
fn light_match<'t, 'i>(
    object: &impl selat_pattern::index::Object,
    id: Option<Member<'t>>,
    index: &'i MatchIndex<usize>,
) -> Option<(Shown<'t>, Verdicts<'i>)> {
    let kind = object.object_type()?;
    if kind == "bundle" || kind == "observed-data" {
        return None;
    }
    let shown = match id {
        None => Shown::Id(None),
        Some(Member::Str(id)) => Shown::Id(Some(id)),
        Some(_) => return None,
    };
    Some((shown, Ok(index.match_object(object)?)))
}

fn unquote(text: &str) -> &str {
    text.strip_prefix('"').and_then(|t| t.strip_suffix('"')).unwrap_or(text)
}

/// What a value is: an SCO type with a `value` property, a file hash, or a file name.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum ValueKind {
    Sco(&'static str),
    Hash(&'static str),
    FileName,
}

impl ValueKind {
    fn label(self) -> &'static str {
        match self {
            ValueKind::Sco(kind) => kind,
            ValueKind::Hash(algorithm) => algorithm,
            ValueKind::FileName => "file",
        }
    }

    fn object(self, value: &str) -> Value {
        match self {
            ValueKind::Sco(kind) => json!({"type": kind, "value": value}),
            ValueKind::Hash(algorithm) => json!({"type": "file", "hashes": {algorithm: value}}),
            ValueKind::FileName => json!({"type": "file", "name": value}),
        }
    }
}

fn csv_type(name: &str) -> Option<ValueKind> {
    const VALUE_TYPES: [&str; 6] = ["ipv4-addr", "ipv6-addr", "domain-name", "url", "email-addr", "mac-addr"];
    if let Some(kind) = VALUE_TYPES.iter().find(|t| name.eq_ignore_ascii_case(t)) {
        return Some(ValueKind::Sco(kind));
    }
    let algorithm = match name.to_ascii_lowercase().replace('-', "").as_str() {
        "md5" => "MD5",
        "sha1" => "SHA-1",
        "sha256" => "SHA-256",
        "sha512" => "SHA-512",
        "file" => return Some(ValueKind::FileName),
        _ => return None,
    };
    Some(ValueKind::Hash(algorithm))
}

fn detect_type(value: &str) -> Option<ValueKind> {
    let address = value.split_once('/').map_or(value, |(address, _)| address);
    match address.parse::<IpAddr>() {
        Ok(IpAddr::V4(_)) => return Some(ValueKind::Sco("ipv4-addr")),
        Ok(IpAddr::V6(_)) => return Some(ValueKind::Sco("ipv6-addr")),
        Err(_) => {}
    }
    if value.contains("://") {
        return Some(ValueKind::Sco("url"));
    }
    if value.contains('@') {
        return Some(ValueKind::Sco("email-addr"));
    }
    if value.bytes().all(|b| b.is_ascii_hexdigit()) {
        return match value.len() {
            32 => Some(ValueKind::Hash("MD5")),
            40 => Some(ValueKind::Hash("SHA-1")),
            64 => Some(ValueKind::Hash("SHA-256")),
            128 => Some(ValueKind::Hash("SHA-512")),
            _ => None,
        };
    }
    let domain_like = value.contains('.')
        && !value.starts_with('.')
        && value.bytes().all(|b| b.is_ascii_alphanumeric() || matches!(b, b'.' | b'-' | b'_'));
    domain_like.then_some(ValueKind::Sco("domain-name"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn types_are_detected() {
        let cases: &[(&str, Option<ValueKind>)] = &[
            ("10.0.0.1", Some(ValueKind::Sco("ipv4-addr"))),
            ("10.0.0.0/8", Some(ValueKind::Sco("ipv4-addr"))),
            ("2001:db8::1", Some(ValueKind::Sco("ipv6-addr"))),
            ("https://evil.example/x,y", Some(ValueKind::Sco("url"))),
            ("a@evil.example", Some(ValueKind::Sco("email-addr"))),
            ("d41d8cd98f00b204e9800998ecf8427e", Some(ValueKind::Hash("MD5"))),
            ("da39a3ee5e6b4b0d3255bfef95601890afd80709", Some(ValueKind::Hash("SHA-1"))),
            ("evil.example", Some(ValueKind::Sco("domain-name"))),
            ("deadbeef", None),
            ("hello world", None),
        ];
        for (value, expected) in cases {
            assert_eq!(detect_type(value), *expected, "{value}");
        }
        assert_eq!(csv_type("SHA-256"), Some(ValueKind::Hash("SHA-256")));
        assert_eq!(csv_type("type"), None);
        let index = MatchIndex::build(std::iter::empty::<(usize, &Pattern)>());
        let at = "2024-01-01T00:00:00.000Z";
        let (shown, _) =
            observation("https://a.example/?q=1,2", &index, at, &mut LineScanner::default()).unwrap();
        assert_eq!(shown.to_value(), json!({"type": "url", "value": "https://a.example/?q=1,2"}));
        let (shown, _) =
            observation("md5,\"d41d8cd98f00b204e9800998ecf8427e\"", &index, at, &mut LineScanner::default())
                .unwrap();
        assert_eq!(shown.to_value(), json!({"type": "MD5", "value": "d41d8cd98f00b204e9800998ecf8427e"}));
        // The light path shows the id as the full path would, escaped or not.
        for (line, id) in [
            (r#"{"type":"url","id":"url--1"}"#, json!("url--1")),
            (r#"{"type":"url","id":"u\u0072l"}"#, json!("url")),
            (r#"{"type":"url"}"#, Value::Null),
            (r#"{"type":"url","id":7}"#, json!(7)),
        ] {
            let (shown, _) = observation(line, &index, at, &mut LineScanner::default()).unwrap();
            assert_eq!(shown.to_value(), json!({"id": id}), "{line}");
        }
    }
}
