//! `selat import` of MISP event JSON (detected by content) and `--format misp-feed DIR|URL`: the
//! conversion is `selat_misp::to_stix`; this module reads, resolves who is who on the node, and
//! ingests. A feed pull remembers, per feed, the `timestamp` of each event it took
//! (`DATA/misp-feeds/<hash of the source>.json`), so the next pull takes only changed events.

use std::collections::BTreeMap;
use std::io::{Cursor, Read};
use std::path::PathBuf;

use anyhow::Context;
use selat_core::ingest::IngestOptions;
use selat_core::node::Node;
use selat_core::org::Organisation;
use selat_core::sharing::SharingGroup;
use selat_misp::event::{Org, parse_events};
use selat_misp::to_stix::{ImportContext, OrgcRole, event_to_stix};
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};

use crate::import::{Args, Totals, ingest_objects};

/// Bytes read to decide whether an input is MISP JSON before streaming it as STIX.
const SNIFF_BYTES: usize = 64 * 1024;
/// Largest `manifest.json` read from a feed.
pub const MAX_MANIFEST_BYTES: usize = 64 * 1024 * 1024;

/// What an input turned out to be.
pub enum Sniffed {
    /// MISP event JSON, read whole (at most `selat_misp::MAX_EVENT_BYTES`).
    Misp(Vec<u8>),
    /// Anything else, to stream as STIX (the bytes read to decide are put back in front).
    Stix(Box<dyn Read + Send>),
}

/// Whether a JSON prefix has a MISP event's keys (`"Event":`, `"Attribute":`, `"info":`) outside
/// strings' escapes. A false positive costs a full parse, after which the input is still read as
/// STIX.
fn looks_like_misp(prefix: &[u8]) -> bool {
    ["\"Event\"", "\"Attribute\"", "\"info\""].iter().any(|key| {
        let key = key.as_bytes();
        prefix.windows(key.len()).enumerate().any(|(at, window)| {
            window == key
                && (at == 0 || prefix[at - 1] != b'\\')
                && prefix[at + key.len()..].iter().find(|b| !b.is_ascii_whitespace()) == Some(&b':')
        })
    })
}

/// Reads enough of an input to tell MISP from STIX (`force`: it is MISP, read it whole).
pub fn sniff(mut reader: Box<dyn Read + Send>, force: bool) -> anyhow::Result<Sniffed> {
    let mut prefix = Vec::with_capacity(SNIFF_BYTES);
    (&mut reader).take(SNIFF_BYTES as u64).read_to_end(&mut prefix)?;
    if !force && !looks_like_misp(&prefix) {
        return Ok(Sniffed::Stix(Box::new(Cursor::new(prefix).chain(reader))));
    }
    let limit = selat_misp::MAX_EVENT_BYTES;
    let mut bytes = prefix;
    (&mut reader).take((limit + 1 - bytes.len().min(limit)) as u64).read_to_end(&mut bytes)?;
    if bytes.len() > limit {
        if force {
            anyhow::bail!("more than MAX_EVENT_BYTES ({limit}) bytes of MISP JSON");
        }
        return Ok(Sniffed::Stix(Box::new(Cursor::new(bytes).chain(reader))));
    }
    let is_misp = force
        || serde_json::from_slice::<serde_json::Value>(&bytes).is_ok_and(|v| selat_misp::event::is_misp(&v));
    Ok(if is_misp { Sniffed::Misp(bytes) } else { Sniffed::Stix(Box::new(Cursor::new(bytes))) })
}

/// Who is who on the node, for Orgc and sharing groups.
struct Directory {
    owner: String,
    orgs: Vec<Organisation>,
    groups: Vec<SharingGroup>,
}

impl Directory {
    async fn load(node: &Node, owner: &str) -> anyhow::Result<Self> {
        Ok(Self {
            owner: owner.to_owned(),
            orgs: node.organisations().await?,
            groups: node.sharing_groups().await.context("reading sharing groups")?,
        })
    }

    /// Orgc is a registered organisation when its uuid is the uuid of one's identity, or its
    /// name is one's name or short name.
    fn orgc(&self, org: &Org) -> OrgcRole {
        let found = self.orgs.iter().find(|o| {
            (!org.uuid.is_empty() && o.identity.ends_with(&org.uuid))
                || (!org.name.is_empty()
                    && (o.name.eq_ignore_ascii_case(&org.name)
                        || o.short_name.eq_ignore_ascii_case(&org.name)))
        });
        match found {
            Some(o) if o.identity == self.owner => OrgcRole::Owner(o.identity.clone()),
            Some(_) => OrgcRole::OtherRegistered,
            None if org.uuid.is_empty() || !self.owner.ends_with(&org.uuid) => OrgcRole::Unregistered,
            None => OrgcRole::Owner(self.owner.clone()),
        }
    }

    /// A MISP sharing group maps to the Selat group with its uuid, else the one with its name,
    /// among the groups the owner belongs to (a group it is not in would hide the object from
    /// its own organisation's peers in MISP's sense and could reach organisations the event did
    /// not name).
    fn group(&self, uuid: &str, name: &str) -> Option<String> {
        let mine = || self.groups.iter().filter(|g| g.owner == self.owner || g.members.contains(&self.owner));
        mine()
            .find(|g| !uuid.is_empty() && g.id.ends_with(uuid))
            .or_else(|| mine().find(|g| !name.is_empty() && g.name == name))
            .map(|g| g.id.clone())
    }
}

/// Imports the events of one MISP document. Each event is converted and ingested on its own, so
/// a bad event costs only itself.
pub async fn import_events(
    node: &Node,
    name: &str,
    bytes: &[u8],
    args: &Args,
    options: &IngestOptions,
    totals: &mut Totals,
) -> anyhow::Result<()> {
    let events = match parse_events(bytes) {
        Ok(events) => events,
        Err(e) => {
            println!("{name}: unreadable: {e}");
            totals.unreadable += 1;
            return Ok(());
        }
    };
    let directory = Directory::load(node, &options.owner).await?;
    for event in &events {
        import_event(node, name, event, &directory, args, options, totals).await?;
    }
    Ok(())
}

/// Converts and ingests one event; true when every object was stored or already present.
async fn import_event(
    node: &Node,
    name: &str,
    event: &selat_misp::event::Event,
    directory: &Directory,
    args: &Args,
    options: &IngestOptions,
    totals: &mut Totals,
) -> anyhow::Result<bool> {
    let orgc = |org: &Org| directory.orgc(org);
    let group = |uuid: &str, group_name: &str| directory.group(uuid, group_name);
    let ctx =
        ImportContext { orgc: &orgc, sharing_group: &group, default_distribution: args.misp_distribution };
    let converted = match event_to_stix(event, &ctx) {
        Ok(converted) => converted,
        Err(e) => {
            println!("{name}: {e}");
            totals.unreadable += 1;
            return Ok(false);
        }
    };
    let c = converted.counts;
    println!(
        "{name}: MISP event {} {:?}: {} attributes, {} objects ({} attributes), {} tags, {} deleted left out → {} indicators, {} observed-data, {} notes, {} vulnerabilities, {} galaxy objects, {} sightings, {} relationships",
        event.uuid,
        event.info,
        c.attributes,
        c.objects,
        c.object_attributes,
        c.tags,
        c.deleted,
        c.indicators,
        c.observed_data,
        c.notes,
        c.vulnerabilities,
        c.galaxies,
        c.sightings,
        c.relationships
    );
    for problem in &converted.problems {
        println!("{name}: {problem}");
    }
    let label = format!("{name} (event {})", event.uuid);
    let report = ingest_objects(node, &label, &converted.objects, options, totals).await?;
    Ok(report.rejected_total == 0 && report.fatal.is_none())
}

/// What a feed pull remembers: each event's `timestamp` when it was taken.
#[derive(Debug, Default, Serialize, Deserialize)]
struct FeedState {
    source: String,
    events: BTreeMap<String, i64>,
}

fn state_path(node: &Node, source: &str) -> PathBuf {
    let digest = Sha256::digest(source.as_bytes());
    let hex: String = digest.iter().take(12).map(|b| format!("{b:02x}")).collect();
    node.dir.join("misp-feeds").join(format!("{hex}.json"))
}

fn save_state(path: &std::path::Path, state: &FeedState) -> anyhow::Result<()> {
    let dir = path.parent().context("a state file has a directory")?;
    std::fs::create_dir_all(dir).with_context(|| format!("creating {}", dir.display()))?;
    let tmp = path.with_extension("json.tmp");
    std::fs::write(&tmp, serde_json::to_vec_pretty(state)?)
        .with_context(|| format!("writing {}", tmp.display()))?;
    std::fs::rename(&tmp, path).with_context(|| format!("replacing {}", path.display()))?;
    Ok(())
}

/// Reads one file of a feed (a directory or an http(s) URL), at most `limit` bytes.
async fn fetch(source: &str, file: &str, limit: usize) -> anyhow::Result<Vec<u8>> {
    if source.starts_with("http://") || source.starts_with("https://") {
        let url = format!("{}/{file}", source.trim_end_matches('/'));
        let client = selat_taxii::client::http_client().build().context("building the HTTP client")?;
        let mut response = client.get(&url).send().await.with_context(|| format!("GET {url}"))?;
        anyhow::ensure!(response.status().is_success(), "GET {url}: HTTP {}", response.status());
        let mut body = Vec::new();
        while let Some(chunk) = response.chunk().await.with_context(|| format!("reading {url}"))? {
            body.extend_from_slice(&chunk);
            anyhow::ensure!(body.len() <= limit, "{url}: more than {limit} bytes");
        }
        return Ok(body);
    }
    let path = PathBuf::from(source).join(file);
    let len = std::fs::metadata(&path).with_context(|| format!("reading {}", path.display()))?.len();
    anyhow::ensure!(len <= limit as u64, "{}: {len} bytes, more than {limit}", path.display());
    std::fs::read(&path).with_context(|| format!("reading {}", path.display()))
}

/// `selat import --format misp-feed SOURCE`: takes the events of the feed's manifest that are new
/// or changed since the last pull of the same source.
pub async fn pull_feed(
    node: &Node,
    source: &str,
    args: &Args,
    options: &IngestOptions,
    totals: &mut Totals,
) -> anyhow::Result<()> {
    let manifest = match fetch(source, "manifest.json", MAX_MANIFEST_BYTES).await {
        Ok(bytes) => selat_misp::feed::parse_manifest(&bytes).map_err(anyhow::Error::from),
        Err(e) => Err(e),
    };
    let manifest = match manifest {
        Ok(manifest) => manifest,
        Err(e) => {
            println!("{source}: unreadable feed: {e:#}");
            totals.unreadable += 1;
            return Ok(());
        }
    };
    let path = state_path(node, source);
    let mut state: FeedState = match std::fs::read(&path) {
        Ok(bytes) => serde_json::from_slice(&bytes).with_context(|| format!("reading {}", path.display()))?,
        Err(_) => FeedState { source: source.to_owned(), ..FeedState::default() },
    };
    let directory = Directory::load(node, &options.owner).await?;
    let (mut taken, mut unchanged, mut failed) = (0usize, 0usize, 0usize);
    for (uuid, timestamp) in &manifest {
        if state.events.get(uuid).is_some_and(|seen| seen >= timestamp) {
            unchanged += 1;
            continue;
        }
        let name = format!("{source}/{uuid}.json");
        let events = match fetch(source, &format!("{uuid}.json"), selat_misp::MAX_EVENT_BYTES).await {
            Ok(bytes) => parse_events(&bytes).map_err(anyhow::Error::from),
            Err(e) => Err(e),
        };
        let events = match events {
            Ok(events) => events,
            Err(e) => {
                println!("{name}: unreadable: {e:#}");
                totals.unreadable += 1;
                failed += 1;
                continue;
            }
        };
        let mut whole = true;
        for event in &events {
            whole &= import_event(node, &name, event, &directory, args, options, totals).await?;
        }
        if whole {
            // Remembered only once stored: a failed event is tried again next time.
            state.events.insert(uuid.clone(), *timestamp);
            save_state(&path, &state)?;
            taken += 1;
        } else {
            failed += 1;
        }
    }
    println!(
        "{source}: MISP feed: {} events listed, {taken} taken, {unchanged} unchanged since the last pull, {failed} failed",
        manifest.len()
    );
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sniffs_misp_keys_only() {
        assert!(looks_like_misp(br#"{"Event": {"info": "x"}}"#));
        assert!(looks_like_misp(br#"[{"uuid": "u", "Attribute" : []}]"#));
        assert!(!looks_like_misp(
            br#"{"type": "bundle", "objects": [{"type": "note", "content": "\"Event\": no"}]}"#
        ));
        assert!(!looks_like_misp(br#"{"type": "bundle", "objects": []}"#));
    }
}
