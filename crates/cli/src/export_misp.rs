//! `selat export --format misp|misp-feed --out FILE|DIR`: what the viewer may see (the same
//! audience as a STIX export), grouped into MISP events by `selat_misp::to_misp`, written as one
//! event to a file, one `<uuid>.json` per event into a directory, or a MISP feed directory
//! (`manifest.json`, `<uuid>.json`, `hashes.csv`).

use std::collections::HashMap;
use std::path::Path;

use anyhow::Context;
use selat_core::node::Node;
use selat_misp::event::{Event, Org, SharingGroup};
use selat_misp::to_misp::{ExportOptions, event_document, events_from_stix};
use selat_store::{Audience, ScanQuery, Store};

/// Most objects gathered into MISP events in one export (they are grouped in memory).
pub const MAX_MISP_EXPORT_OBJECTS: usize = 1_000_000;
/// Rows fetched per store round trip.
const PAGE_ROWS: usize = 1000;

/// What to write.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Shape {
    /// One event to a file, or one file per event into an existing directory.
    Events,
    /// A MISP feed directory.
    Feed,
}

/// Reads the visible latest versions and writes them as MISP.
pub async fn export(
    node: &Node,
    audience: Audience,
    collection: Option<String>,
    object_type: Option<String>,
    shape: Shape,
    out: &Path,
) -> anyhow::Result<()> {
    let mut query =
        ScanQuery { after: None, limit: PAGE_ROWS, latest_only: true, object_type, collection, audience };
    let mut objects = Vec::new();
    let mut owners: HashMap<String, String> = HashMap::new();
    loop {
        let page = node.store.scan(&query).await?;
        for row in &page.rows {
            anyhow::ensure!(
                objects.len() < MAX_MISP_EXPORT_OBJECTS,
                "more than MAX_MISP_EXPORT_OBJECTS ({MAX_MISP_EXPORT_OBJECTS}) objects: narrow the export with --collection or --type"
            );
            objects.push(serde_json::from_str::<serde_json::Value>(&row.json)?);
            owners.insert(row.id.clone(), row.owner.clone());
        }
        match page.next_after {
            Some(next) => query.after = Some(next),
            None => break,
        }
    }
    let orgs = node.organisations().await?;
    let org_of = |identity: &str| {
        orgs.iter().find(|o| o.identity == identity).map(|o| Org {
            name: o.name.clone(),
            uuid: identity.split_once("--").map_or(identity, |(_, u)| u).to_owned(),
        })
    };
    let home = &node.settings.home_org;
    let default_orgc = org_of(home).unwrap_or_else(|| Org {
        name: "Selat".into(),
        uuid: home.split_once("--").map_or(home.as_str(), |(_, u)| u).to_owned(),
    });
    let groups = node.sharing_groups().await.context("reading sharing groups")?;
    let owner_org = |id: &str| owners.get(id).and_then(|owner| org_of(owner));
    let sharing_group = |id: &str| {
        groups.iter().find(|g| g.id == id).map(|g| SharingGroup {
            uuid: g.id.split_once("--").map_or(g.id.as_str(), |(_, u)| u).to_owned(),
            name: g.name.clone(),
        })
    };
    let today = selat_stix::Timestamp::now_millis().format(0);
    let options = ExportOptions {
        default_orgc,
        owner_org: &owner_org,
        sharing_group: &sharing_group,
        loose_info: format!("Selat export {}", &today[..10]),
    };
    let exported = events_from_stix(&objects, &options);
    for line in &exported.skipped {
        eprintln!("not exported: {line}");
    }
    let events: Vec<Event> = selat_misp::to_misp::sorted(exported.events).into_values().collect();
    match shape {
        Shape::Events => write_events(&events, out)?,
        Shape::Feed => write_feed(&events, out)?,
    }
    let attributes: usize = events
        .iter()
        .map(|e| e.attributes.len() + e.objects.iter().map(|o| o.attributes.len()).sum::<usize>())
        .sum();
    eprintln!(
        "exported {} objects as {} MISP events ({attributes} attributes), {} objects without a MISP form",
        objects.len(),
        events.len(),
        exported.skipped.len()
    );
    Ok(())
}

fn write_json(path: &Path, value: &serde_json::Value) -> anyhow::Result<()> {
    let text = serde_json::to_vec_pretty(value)?;
    std::fs::write(path, text).with_context(|| format!("writing {}", path.display()))
}

fn write_events(events: &[Event], out: &Path) -> anyhow::Result<()> {
    if out.is_dir() {
        for event in events {
            write_json(&out.join(format!("{}.json", event.uuid)), &event_document(event))?;
        }
        return Ok(());
    }
    match events {
        [] => anyhow::bail!("nothing to export as MISP: no event"),
        [event] => write_json(out, &event_document(event)),
        _ => anyhow::bail!(
            "{} events: --out {} must be an existing directory to hold one <uuid>.json per event",
            events.len(),
            out.display()
        ),
    }
}

fn write_feed(events: &[Event], out: &Path) -> anyhow::Result<()> {
    std::fs::create_dir_all(out).with_context(|| format!("creating {}", out.display()))?;
    for event in events {
        write_json(&out.join(format!("{}.json", event.uuid)), &event_document(event))?;
    }
    write_json(&out.join("manifest.json"), &selat_misp::feed::manifest(events))?;
    let hashes = out.join("hashes.csv");
    std::fs::write(&hashes, selat_misp::feed::hashes_csv(events))
        .with_context(|| format!("writing {}", hashes.display()))
}
