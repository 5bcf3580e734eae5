//! `selat bench match`: bulk matching of a stream of observations (JSON lines, one SCO a line)
//! against many generated indicators of mixed kinds, on one thread, through the same code as
//! `selat match` (`match_cmd::match_lines`), parsing included and output written to memory.
//!
//! Indicators (per 10,000): ipv4 `=` 2,500, ipv4 `ISSUBSET` 500 (/16 to /32), ipv6 `=` 300,
//! domain `=` 2,000, url `=` 1,500, e-mail `=` 500, MD5 600, SHA-1 400, SHA-256 1,000, file name
//! 300, `OR` of two e-mail properties 100, `LIKE` 150 (domain suffixes, url prefixes), `MATCHES`
//! 40 (url, with prefix literals) and 10 (domain, case-insensitive, none), `AND` of hash and
//! name 50, `FOLLOWEDBY` with `WITHIN` 50; plus [`EVALUATED_INDICATORS`] that only the evaluator
//! can decide (`network-traffic` ports). Observations: a share (`--hit-percent`) built from a
//! random indicator so that it matches it; the rest from value spaces no indicator uses (ipv4
//! 35 %, domain 20 %, url 20 %, file 14 %, e-mail 5 %, ipv6 5 %, network-traffic 1 %).
//!
//! Printed: pattern parse and index build times, RSS around the build and peak RSS (from
//! `/proc/self/status`), then matching time, observations/s and matches; finally a sample of
//! observations is re-checked against `Pattern::matches` (the matched indicators, the one each
//! was built from, and random others), which must agree.

use std::collections::{HashMap, HashSet};
use std::process::ExitCode;
use std::time::Instant;

use anyhow::{Context, bail};
use selat_core::matching::observed_once;
use selat_pattern::{MatchIndex, Pattern};
use serde_json::{Value, json};

use crate::bench::{rss_kib, splitmix, uuid_for};
use crate::match_cmd::{Extras, IndicatorInfo, match_lines};

/// Indicators that only the full evaluator decides (integer comparisons on a list property).
const EVALUATED_INDICATORS: u64 = 10;

/// Random indicators each sampled observation is also checked against.
const VERIFY_OTHERS: usize = 500;

#[derive(Debug, clap::Args)]
pub struct MatchArgs {
    /// Observations to match (JSON lines, one SCO each).
    #[arg(long, default_value_t = 2_000_000)]
    observations: u64,
    /// Indicators to generate and index.
    #[arg(long, default_value_t = 1_000_000)]
    indicators: u64,
    /// Seed of the generator.
    #[arg(long, default_value_t = 1)]
    seed: u64,
    /// Percentage of observations built to match an indicator.
    #[arg(long, default_value_t = 1.0)]
    hit_percent: f64,
    /// Observations re-checked against the plain evaluator after the timed run.
    #[arg(long, default_value_t = 200)]
    verify: usize,
}

/// The kinds of generated indicator, with their share per 10,000.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Kind {
    Ipv4,
    Cidr,
    Ipv6,
    Domain,
    Url,
    Email,
    Md5,
    Sha1,
    Sha256,
    FileName,
    EmailOr,
    LikeDomain,
    LikeUrl,
    MatchesUrl,
    MatchesDomain,
    HashAndName,
    FollowedBy,
    Evaluated,
}

const MIX: &[(Kind, u64)] = &[
    (Kind::Ipv4, 2500),
    (Kind::Cidr, 500),
    (Kind::Ipv6, 300),
    (Kind::Domain, 2000),
    (Kind::Url, 1500),
    (Kind::Email, 500),
    (Kind::Md5, 600),
    (Kind::Sha1, 400),
    (Kind::Sha256, 1000),
    (Kind::FileName, 300),
    (Kind::EmailOr, 100),
    (Kind::LikeDomain, 100),
    (Kind::LikeUrl, 50),
    (Kind::MatchesUrl, 40),
    (Kind::MatchesDomain, 10),
    (Kind::HashAndName, 50),
    (Kind::FollowedBy, 50),
];

/// Indicator `n`'s kind: the mix in blocks of 10,000, the evaluator-only ones last.
fn kind_of(n: u64, total: u64) -> Kind {
    if n >= total.saturating_sub(EVALUATED_INDICATORS) {
        return Kind::Evaluated;
    }
    let mut slot = splitmix(n ^ 0x5EED) % 10_000;
    for &(kind, share) in MIX {
        if slot < share {
            return kind;
        }
        slot -= share;
    }
    Kind::Ipv4
}

fn hex(words: u64, h: u64) -> String {
    (0..words).map(|i| format!("{:016x}", splitmix(h.wrapping_add(i)))).collect()
}

/// An IPv4 address in 1.0.0.0–126.255.255.255 (indicators) or 128.0.0.0–223.255.255.255 (misses).
fn ipv4(h: u64, hit: bool) -> [u64; 4] {
    let first = if hit { 1 + h % 126 } else { 128 + h % 96 };
    [first, (h >> 8) & 255, (h >> 16) & 255, (h >> 24) & 255]
}

fn dotted(a: [u64; 4]) -> String {
    format!("{}.{}.{}.{}", a[0], a[1], a[2], a[3])
}

fn cidr(h: u64) -> (u32, u32) {
    let prefix = [16, 20, 24, 24, 24, 28, 32][(h % 7) as usize];
    let a = ipv4(h >> 3, true);
    let address = (a[0] << 24 | a[1] << 16 | a[2] << 8 | a[3]) as u32;
    (address & (u32::MAX << (32 - prefix)), prefix)
}

/// The pattern of indicator `n`.
fn pattern(n: u64, kind: Kind, seed: u64) -> String {
    let h = splitmix(n ^ seed.rotate_left(32));
    match kind {
        Kind::Ipv4 => format!("[ipv4-addr:value = '{}']", dotted(ipv4(h, true))),
        Kind::Cidr => {
            let (address, prefix) = cidr(h);
            format!("[ipv4-addr:value ISSUBSET '{}/{prefix}']", std::net::Ipv4Addr::from(address))
        }
        Kind::Ipv6 => {
            format!("[ipv6-addr:value = '2001:db8:{:x}:{:x}::{:x}']", h & 0xffff, (h >> 16) & 0xffff, n)
        }
        Kind::Domain => format!("[domain-name:value = 'd{:x}.evil-{n}.example']", h & 0xffffff),
        Kind::Url => format!("[url:value = 'https://u{:x}.evil-{n}.example/p/{n}']", h & 0xffff),
        Kind::Email => format!("[email-addr:value = 'u{n}@m{:x}.evil.example']", h & 0xfff),
        Kind::Md5 => format!("[file:hashes.MD5 = '{}']", &hex(2, h)),
        Kind::Sha1 => format!("[file:hashes.'SHA-1' = '{}']", &hex(3, h)[..40]),
        Kind::Sha256 => format!("[file:hashes.'SHA-256' = '{}']", hex(4, h)),
        Kind::FileName => format!("[file:name = 'dropper-{n}.exe']"),
        Kind::EmailOr => {
            format!("[email-addr:value = 'boss{n}@ceo.example' OR email-addr:display_name = 'Boss {n}']")
        }
        Kind::LikeDomain => format!("[domain-name:value LIKE '%.like{n}.example']"),
        Kind::LikeUrl => format!("[url:value LIKE 'https://like{n}.example/%/login']"),
        Kind::MatchesUrl => format!("[url:value MATCHES '^https?://rx{n}[.]example/[a-z]+/']"),
        Kind::MatchesDomain => format!("[domain-name:value MATCHES '(?i)^mx[0-9]+[.]rx{n}[.]example$']"),
        Kind::HashAndName => {
            format!("[file:hashes.MD5 = '{}' AND file:name = 'payload-{n}.dll']", hex(2, h ^ 1))
        }
        Kind::FollowedBy => format!(
            "([domain-name:value = 'fb{n}.evil.example'] FOLLOWEDBY [url:value = 'https://fb{n}.evil.example/x']) WITHIN 600 SECONDS"
        ),
        Kind::Evaluated => {
            format!(
                "[network-traffic:dst_port = {} AND network-traffic:protocols[*] = 'tcp']",
                40_000 + n % 1000
            )
        }
    }
}

/// An SCO (without id) that indicator `n` matches (or, for `FOLLOWEDBY`, makes it evaluated).
fn hit(n: u64, kind: Kind, seed: u64, r: u64) -> Value {
    let h = splitmix(n ^ seed.rotate_left(32));
    let text = |t: &str, v: String| json!({"type": t, "value": v});
    let pattern = pattern(n, kind, seed);
    // The last quoted string: the value (`hashes.'SHA-256'` quotes a key before it).
    let quoted = || pattern.rsplit('\'').nth(1).unwrap_or_default().to_owned();
    match kind {
        Kind::Ipv4 => text("ipv4-addr", quoted()),
        Kind::Cidr => {
            let (address, prefix) = cidr(h);
            let host = if prefix == 32 { 0 } else { (r as u32) & (u32::MAX >> prefix) };
            text("ipv4-addr", std::net::Ipv4Addr::from(address | host).to_string())
        }
        Kind::Ipv6 | Kind::Domain | Kind::Url | Kind::Email => {
            let t = &pattern[1..pattern.find(':').unwrap_or(1)];
            text(t, quoted())
        }
        Kind::Md5 => json!({"type": "file", "hashes": {"MD5": quoted()}}),
        Kind::Sha1 => json!({"type": "file", "hashes": {"SHA-1": quoted()}}),
        Kind::Sha256 => json!({"type": "file", "hashes": {"SHA-256": quoted()}}),
        Kind::FileName => json!({"type": "file", "name": quoted()}),
        Kind::EmailOr => {
            json!({"type": "email-addr", "value": format!("x{r}@ceo.example"), "display_name": format!("Boss {n}")})
        }
        Kind::LikeDomain => text("domain-name", format!("h{:x}.like{n}.example", r & 0xffff)),
        Kind::LikeUrl => text("url", format!("https://like{n}.example/s{}/login", r % 100)),
        Kind::MatchesUrl => text("url", format!("http://rx{n}.example/dl/{r}")),
        Kind::MatchesDomain => text("domain-name", format!("MX{}.rx{n}.example", r % 10)),
        Kind::HashAndName => {
            json!({"type": "file", "name": format!("payload-{n}.dll"), "hashes": {"MD5": hex(2, h ^ 1)}})
        }
        Kind::FollowedBy => text("domain-name", format!("fb{n}.evil.example")),
        Kind::Evaluated => {
            json!({"type": "network-traffic", "dst_port": 40_000 + n % 1000, "protocols": ["tcp"]})
        }
    }
}

/// An SCO (without id) from value spaces no indicator uses.
fn miss(r: u64) -> Value {
    let h = splitmix(r);
    match r % 100 {
        0..35 => json!({"type": "ipv4-addr", "value": dotted(ipv4(h, false))}),
        35..55 => json!({"type": "domain-name", "value": format!("cdn{:x}.good.example", h & 0xffffff)}),
        55..75 => {
            json!({"type": "url", "value": format!("https://cdn{:x}.good.example/asset/{r}", h & 0xffff)})
        }
        75..89 => json!({"type": "file", "name": format!("report-{r}.pdf"), "size": h % 1_000_000,
            "hashes": {"MD5": hex(2, !h), "SHA-1": &hex(3, !h)[..40], "SHA-256": hex(4, !h)}}),
        89..94 => json!({"type": "email-addr", "value": format!("user{r}@good.example")}),
        94..99 => json!({"type": "ipv6-addr", "value": format!("2001:db9::{:x}", h & 0xffff)}),
        _ => json!({"type": "network-traffic", "dst_port": 443, "protocols": ["tcp"]}),
    }
}

/// The observation lines, and for each built to match, the indicator it was built from.
fn observations(args: &MatchArgs) -> (String, HashMap<u64, u64>) {
    let mut text = String::with_capacity(args.observations as usize * 140);
    let mut built_from = HashMap::new();
    let hit_per_million = (args.hit_percent * 10_000.0) as u64;
    for line in 0..args.observations {
        let r = splitmix(line ^ args.seed.rotate_left(16) ^ 0x0B5E_7FED);
        let mut sco = if r % 1_000_000 < hit_per_million && args.indicators > 0 {
            let n = splitmix(r) % args.indicators;
            built_from.insert(line + 1, n);
            hit(n, kind_of(n, args.indicators), args.seed, r >> 20)
        } else {
            miss(r)
        };
        let kind = sco["type"].as_str().unwrap_or("x").to_owned();
        sco["spec_version"] = json!("2.1");
        sco["id"] = json!(format!("{kind}--{}", uuid_for(9, line ^ args.seed)));
        text.push_str(&sco.to_string());
        text.push('\n');
    }
    (text, built_from)
}

pub fn run(args: &MatchArgs) -> anyhow::Result<ExitCode> {
    let rss_start = rss_kib("VmRSS");
    let started = Instant::now();
    let mut kinds: HashMap<&'static str, u64> = HashMap::new();
    let patterns: Vec<Pattern> = (0..args.indicators)
        .map(|n| {
            let kind = kind_of(n, args.indicators);
            *kinds.entry(kind_name(kind)).or_default() += 1;
            let text = pattern(n, kind, args.seed);
            selat_pattern::parse_syntax(&text).with_context(|| format!("generated pattern {text}"))
        })
        .collect::<anyhow::Result<_>>()?;
    let mut mix: Vec<_> = kinds.into_iter().collect();
    mix.sort();
    println!(
        "generated and parsed {} indicators in {:.2} s: {}",
        args.indicators,
        started.elapsed().as_secs_f64(),
        mix.iter().map(|(k, n)| format!("{k} {n}")).collect::<Vec<_>>().join(", ")
    );
    let rss_before = rss_kib("VmRSS");
    let started = Instant::now();
    let index = MatchIndex::build(patterns.iter().enumerate());
    let build_secs = started.elapsed().as_secs_f64();
    let rss_after = rss_kib("VmRSS");
    println!(
        "index build: {build_secs:.2} s ({} compiled to look-ups, {} anchored, {} evaluated in full); \
         RSS {} MiB before the build (parsed patterns held), {} MiB after: the index takes {} MiB",
        index.compiled_count(),
        index.anchored_count(),
        index.len() - index.compiled_count() - index.anchored_count(),
        rss_before / 1024,
        rss_after / 1024,
        rss_after.saturating_sub(rss_before) / 1024
    );
    let infos: Vec<IndicatorInfo> = (0..args.indicators)
        .map(|n| IndicatorInfo {
            id: json!(format!("indicator--{}", uuid_for(8, n))),
            created_by_ref: Value::Null,
            tlp: Value::Null,
            opinions: Value::Null,
            disputed: false,
        })
        .collect();

    let started = Instant::now();
    let (text, built_from) = observations(args);
    println!(
        "generated {} observations ({:.1} MB of JSON lines, {} built to match) in {:.2} s",
        args.observations,
        text.len() as f64 / 1e6,
        built_from.len(),
        started.elapsed().as_secs_f64()
    );
    let observed_at = "2026-01-01T00:00:00.000Z";
    let mut out = Vec::new();
    let started = Instant::now();
    let cpu_started = thread_cpu_ns();
    let mut extras = Extras::plain(selat_stix::Timestamp::now_millis());
    let tally = match_lines(text.as_bytes(), &index, &infos, observed_at, &mut out, false, &mut extras)?;
    let secs = started.elapsed().as_secs_f64();
    let cpu = thread_cpu_ns().zip(cpu_started).map(|(end, start)| end.saturating_sub(start) as f64 / 1e9);
    println!(
        "matched {} observations in {secs:.3} s = {:.0} observations/s ({:.0} MB/s), one thread, parsing included",
        tally.observations,
        tally.observations as f64 / secs,
        text.len() as f64 / 1e6 / secs
    );
    // On a shared machine the thread's CPU time is the steadier figure (waiting for a core is
    // not counted; cache contention still is).
    if let Some(cpu) = cpu.filter(|c| *c > 0.0) {
        println!(
            "CPU time of the matching thread: {cpu:.3} s = {:.0} observations per CPU-second",
            tally.observations as f64 / cpu
        );
    }
    println!(
        "matches: {} ({} lines not understood, {} evaluation errors)",
        tally.matches, tally.unreadable, tally.errors
    );
    println!("peak RSS (VmHWM): {} MiB (start {} MiB)", rss_kib("VmHWM") / 1024, rss_start / 1024);
    if tally.unreadable + tally.errors > 0 || tally.observations != args.observations {
        bail!("the generated observations should all be read and evaluated without error");
    }
    let checked = verify(args, &text, &out, &built_from, &patterns, &infos, observed_at)?;
    println!("verified {checked} (observation, indicator) verdicts against Pattern::matches: all agree");
    Ok(ExitCode::SUCCESS)
}

/// The time this thread has run on a CPU, in nanoseconds (Linux `schedstat`), if available.
fn thread_cpu_ns() -> Option<u64> {
    let text = std::fs::read_to_string("/proc/thread-self/schedstat").ok()?;
    text.split_whitespace().next()?.parse().ok()
}

fn kind_name(kind: Kind) -> &'static str {
    match kind {
        Kind::Ipv4 => "ipv4",
        Kind::Cidr => "ipv4-cidr",
        Kind::Ipv6 => "ipv6",
        Kind::Domain => "domain",
        Kind::Url => "url",
        Kind::Email => "email",
        Kind::Md5 => "md5",
        Kind::Sha1 => "sha1",
        Kind::Sha256 => "sha256",
        Kind::FileName => "file-name",
        Kind::EmailOr => "or",
        Kind::LikeDomain | Kind::LikeUrl => "like",
        Kind::MatchesUrl | Kind::MatchesDomain => "matches",
        Kind::HashAndName => "and",
        Kind::FollowedBy => "followedby",
        Kind::Evaluated => "evaluator-only",
    }
}

/// Re-checks sampled observations (half of them among those built to match) with the plain
/// evaluator: the indicators the run reported, the one each was built from, and random others.
/// Returns how many verdicts were compared.
fn verify(
    args: &MatchArgs,
    text: &str,
    out: &[u8],
    built_from: &HashMap<u64, u64>,
    patterns: &[Pattern],
    infos: &[IndicatorInfo],
    observed_at: &str,
) -> anyhow::Result<usize> {
    if patterns.is_empty() {
        return Ok(0);
    }
    let lines: Vec<&str> = text.lines().collect();
    let mut sample: Vec<u64> = built_from.keys().copied().collect();
    sample.sort_unstable();
    sample.truncate(args.verify / 2);
    let step = (lines.len() / (args.verify - sample.len()).max(1)).max(1);
    sample.extend((1..=lines.len() as u64).step_by(step).take(args.verify - sample.len()));
    let wanted: HashSet<u64> = sample.iter().copied().collect();
    let position: HashMap<&str, usize> =
        infos.iter().enumerate().filter_map(|(i, info)| Some((info.id.as_str()?, i))).collect();
    let mut reported: HashMap<u64, HashSet<usize>> = HashMap::new();
    for row in std::str::from_utf8(out)?.lines() {
        let row: Value = serde_json::from_str(row)?;
        let line = row["line"].as_u64().context("line")?;
        if wanted.contains(&line) {
            let id = row["indicator"].as_str().context("indicator")?;
            reported.entry(line).or_default().insert(position[id]);
        }
    }
    let mut compared = 0;
    for &line in &sample {
        let sco: Value = serde_json::from_str(lines[line as usize - 1])?;
        let input = [observed_once(sco, observed_at)];
        let empty = HashSet::new();
        let got = reported.get(&line).unwrap_or(&empty);
        let mut candidates: Vec<usize> = got.iter().copied().collect();
        candidates.extend(built_from.get(&line).map(|&n| n as usize));
        candidates.extend(
            (0..VERIFY_OTHERS).map(|k| (splitmix(line ^ k as u64) % args.indicators.max(1)) as usize),
        );
        for indicator in candidates {
            let expected = patterns[indicator].matches(&input).map(|r| r.matched).unwrap_or(false);
            if expected != got.contains(&indicator) {
                bail!(
                    "line {line}: indicator {indicator} ({}) reported {}, evaluator says {expected}",
                    patterns[indicator],
                    got.contains(&indicator)
                );
            }
            compared += 1;
        }
    }
    Ok(compared)
}
