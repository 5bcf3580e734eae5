//! Ingest planning: what one batch writes, decided from what the store already holds.
//!
//! Pure and backend-neutral. A backend looks up what it holds for the batch's ids ([`Held`]),
//! calls [`plan`], and writes the result in bulk inside the same transaction. Keeping the rules
//! here (ownership, idempotency, version numbers, latest/first/last bookkeeping, `date_added`
//! assignment) means every backend applies them identically.

use std::collections::{HashMap, HashSet};

use crate::model::{NewVersion, Outcome, Refusal};

/// A stored version of one of the batch's ids.
#[derive(Debug, Clone)]
pub(crate) struct HeldVersion {
    pub seq: i64,
    pub id: String,
    pub owner: String,
    pub version_us: i64,
    pub is_latest: bool,
    /// Fetched only for the versions [`seqs_needing_json`] names.
    pub json: Option<String>,
}

/// A stored entry, in the target collection, of one of the batch's ids.
#[derive(Debug, Clone)]
pub(crate) struct HeldEntry {
    pub seq: i64,
    pub id: String,
    pub version_us: i64,
}

/// The target collection as stored.
#[derive(Debug, Clone)]
pub(crate) struct HeldCollection {
    pub last_date_added_us: i64,
    pub entries: Vec<HeldEntry>,
}

/// What the store holds that bears on a batch.
#[derive(Debug, Clone, Default)]
pub(crate) struct Held {
    pub versions: Vec<HeldVersion>,
    pub collection: Option<HeldCollection>,
}

/// A version row: one stored earlier, or the n-th new row of this plan.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub(crate) enum SeqRef {
    Held(i64),
    New(usize),
}

/// A new version row to insert.
#[derive(Debug)]
pub(crate) struct VersionRow<'a> {
    pub new: &'a NewVersion,
    pub version_us: i64,
    pub stored_us: i64,
    pub is_latest: bool,
}

/// A new collection entry to insert.
#[derive(Debug)]
pub(crate) struct EntryRow<'a> {
    pub seq: SeqRef,
    pub date_added_us: i64,
    pub new: &'a NewVersion,
    pub version_us: i64,
    pub is_first: bool,
    pub is_last: bool,
}

/// Everything one batch writes.
#[derive(Debug, Default)]
pub(crate) struct Plan<'a> {
    pub outcomes: Vec<Outcome>,
    pub versions: Vec<VersionRow<'a>>,
    /// Stored versions that stop being the latest of their (id, owner).
    pub superseded: Vec<i64>,
    pub entries: Vec<EntryRow<'a>>,
    /// Ids whose stored entries in the collection lose `is_last` (a later version arrived).
    pub last_cleared: Vec<&'a str>,
    /// Ids whose stored entries in the collection lose `is_first` (an earlier version arrived).
    pub first_cleared: Vec<&'a str>,
    /// The collection's new last `date_added`, when entries were added.
    pub last_date_added_us: Option<i64>,
}

/// The stored versions whose JSON the plan must compare: those with the same (id, owner) as a
/// batch object and either the same version or a batch object without a stated version.
pub(crate) fn seqs_needing_json(batch: &[NewVersion], held: &[HeldVersion]) -> Vec<i64> {
    let wanted: HashSet<(&str, &str, Option<i64>)> =
        batch.iter().map(|n| (n.id.as_str(), n.owner.as_str(), n.stated_version_us())).collect();
    held.iter()
        .filter(|h| {
            let (id, owner) = (h.id.as_str(), h.owner.as_str());
            wanted.contains(&(id, owner, Some(h.version_us))) || wanted.contains(&(id, owner, None))
        })
        .map(|h| h.seq)
        .collect()
}

/// Plans a batch. `now_us` is read inside the write transaction, so `date_added` values assigned
/// here are strictly increasing across every committed batch of the collection.
pub(crate) fn plan<'a>(batch: &'a [NewVersion], held: &'a Held, now_us: i64) -> Plan<'a> {
    let mut planner = Planner::new(held, now_us);
    for new in batch {
        let outcome = planner.plan_one(new);
        planner.plan.outcomes.push(outcome);
    }
    planner.finish()
}

/// A version known for an (id, owner): stored or planned.
#[derive(Debug, Clone, Copy)]
struct Known<'a> {
    seq: SeqRef,
    version_us: i64,
    json: Option<&'a str>,
}

/// The versions of one (id, owner) copy.
#[derive(Debug, Default)]
struct Copy<'a> {
    versions: Vec<Known<'a>>,
    latest: Option<(SeqRef, i64)>,
}

/// Lowest and highest version of one id in the collection.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
struct Span {
    min: i64,
    max: i64,
}

impl Span {
    fn widen(span: Option<Span>, version_us: i64) -> Span {
        match span {
            None => Span { min: version_us, max: version_us },
            Some(s) => Span { min: s.min.min(version_us), max: s.max.max(version_us) },
        }
    }
}

/// The target collection while planning.
#[derive(Debug)]
struct Target<'a> {
    last_date_added_us: i64,
    members: HashSet<SeqRef>,
    /// Per id: the span stored before this batch, and the span after it.
    spans: HashMap<&'a str, (Option<Span>, Span)>,
}

impl<'a> Target<'a> {
    fn new(held: &'a HeldCollection) -> Self {
        let mut spans: HashMap<&str, (Option<Span>, Span)> = HashMap::new();
        for e in &held.entries {
            let (before, _) = spans.entry(e.id.as_str()).or_insert((None, Span { min: 0, max: 0 }));
            *before = Some(Span::widen(*before, e.version_us));
        }
        for (before, after) in spans.values_mut() {
            *after = before.expect("every stored span has a version");
        }
        Target {
            last_date_added_us: held.last_date_added_us,
            members: held.entries.iter().map(|e| SeqRef::Held(e.seq)).collect(),
            spans,
        }
    }

    /// The next `date_added`: after the last one, not before now, not below `floor`.
    fn next_date_added(&self, now_us: i64, floor: i64) -> i64 {
        now_us.max(self.last_date_added_us.saturating_add(1)).max(floor)
    }
}

struct Planner<'a> {
    now_us: i64,
    /// Owner of each non-SCO id seen.
    owners: HashMap<&'a str, &'a str>,
    copies: HashMap<(&'a str, &'a str), Copy<'a>>,
    target: Option<Target<'a>>,
    plan: Plan<'a>,
}

impl<'a> Planner<'a> {
    fn new(held: &'a Held, now_us: i64) -> Self {
        let mut owners = HashMap::new();
        let mut copies: HashMap<(&str, &str), Copy> = HashMap::new();
        for h in &held.versions {
            owners.entry(h.id.as_str()).or_insert(h.owner.as_str());
            let copy = copies.entry((h.id.as_str(), h.owner.as_str())).or_default();
            let seq = SeqRef::Held(h.seq);
            copy.versions.push(Known { seq, version_us: h.version_us, json: h.json.as_deref() });
            if h.is_latest {
                debug_assert!(copy.latest.is_none(), "two latest versions of {}", h.id);
                copy.latest = Some((seq, h.version_us));
            }
        }
        let target = held.collection.as_ref().map(Target::new);
        Planner { now_us, owners, copies, target, plan: Plan::default() }
    }

    fn plan_one(&mut self, new: &'a NewVersion) -> Outcome {
        if !new.is_sco && self.owners.get(new.id.as_str()).is_some_and(|o| *o != new.owner) {
            return Outcome::Refused { reason: Refusal::NotOwner };
        }
        let (seq, version_us, is_new) = match new.stated_version_us() {
            Some(version_us) => match self.find_version(new, version_us) {
                Some(k) if k.json.is_some_and(|j| j != new.json) => {
                    return Outcome::Refused { reason: Refusal::VersionConflict };
                }
                Some(k) => (k.seq, version_us, false),
                None => (self.add_version(new, version_us, self.now_us), version_us, true),
            },
            None => match self.find_content(new) {
                Some(k) => (k.seq, k.version_us, false),
                None => {
                    let version_us = self.stamp(new);
                    (self.add_version(new, version_us, version_us), version_us, true)
                }
            },
        };
        // A new version without a stated one takes its first date_added as version: make the
        // entry's date_added that same instant.
        let floor = if is_new && new.stated_version_us().is_none() { version_us } else { i64::MIN };
        match (is_new, self.add_entry(seq, new, version_us, floor)) {
            (false, None) => Outcome::AlreadyPresent,
            (_, date_added_us) => Outcome::Stored { date_added_us },
        }
    }

    fn find_version(&self, new: &NewVersion, version_us: i64) -> Option<Known<'a>> {
        let copy = self.copies.get(&(new.id.as_str(), new.owner.as_str()))?;
        copy.versions.iter().find(|k| k.version_us == version_us).copied()
    }

    fn find_content(&self, new: &NewVersion) -> Option<Known<'a>> {
        let copy = self.copies.get(&(new.id.as_str(), new.owner.as_str()))?;
        copy.versions.iter().find(|k| k.json == Some(new.json.as_str())).copied()
    }

    /// The version of new content without a stated version: now, after the copy's latest
    /// version, and (in a collection) after its last `date_added`, so it can be that too.
    fn stamp(&self, new: &NewVersion) -> i64 {
        let key = (new.id.as_str(), new.owner.as_str());
        let after_latest =
            self.copies.get(&key).and_then(|c| c.latest).map_or(i64::MIN, |l| l.1.saturating_add(1));
        let stamp = self.now_us.max(after_latest);
        match &self.target {
            Some(t) => t.next_date_added(self.now_us, stamp),
            None => stamp,
        }
    }

    fn add_version(&mut self, new: &'a NewVersion, version_us: i64, stored_us: i64) -> SeqRef {
        let seq = SeqRef::New(self.plan.versions.len());
        let copy = self.copies.entry((new.id.as_str(), new.owner.as_str())).or_default();
        let is_latest = match copy.latest {
            Some((_, latest_us)) if latest_us >= version_us => false,
            Some((SeqRef::Held(old), _)) => {
                self.plan.superseded.push(old);
                true
            }
            Some((SeqRef::New(old), _)) => {
                self.plan.versions[old].is_latest = false;
                true
            }
            None => true,
        };
        if is_latest {
            copy.latest = Some((seq, version_us));
        }
        copy.versions.push(Known { seq, version_us, json: Some(new.json.as_str()) });
        if !new.is_sco {
            self.owners.entry(new.id.as_str()).or_insert(new.owner.as_str());
        }
        self.plan.versions.push(VersionRow { new, version_us, stored_us, is_latest });
        seq
    }

    /// Adds the version to the target collection unless it is there already; returns its
    /// `date_added` when added.
    fn add_entry(&mut self, seq: SeqRef, new: &'a NewVersion, version_us: i64, floor: i64) -> Option<i64> {
        let target = self.target.as_mut()?;
        if !target.members.insert(seq) {
            return None;
        }
        let date_added_us = target.next_date_added(self.now_us, floor);
        target.last_date_added_us = date_added_us;
        let span = target.spans.entry(new.id.as_str()).or_insert((None, Span::widen(None, version_us)));
        span.1 = Span::widen(Some(span.1), version_us);
        let row = EntryRow { seq, date_added_us, new, version_us, is_first: false, is_last: false };
        self.plan.entries.push(row);
        Some(date_added_us)
    }

    /// Sets first/last flags once every version of the batch is known.
    fn finish(mut self) -> Plan<'a> {
        let Some(target) = self.target else { return self.plan };
        for entry in &mut self.plan.entries {
            let (_, after) = target.spans[entry.new.id.as_str()];
            entry.is_first = entry.version_us == after.min;
            entry.is_last = entry.version_us == after.max;
        }
        for (id, (before, after)) in &target.spans {
            let Some(before) = before else { continue };
            if after.max > before.max {
                self.plan.last_cleared.push(id);
            }
            if after.min < before.min {
                self.plan.first_cleared.push(id);
            }
        }
        if !self.plan.entries.is_empty() {
            self.plan.last_date_added_us = Some(target.last_date_added_us);
        }
        self.plan
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn version(id: &str, owner: &str, modified_us: Option<i64>, json: &str) -> NewVersion {
        NewVersion {
            id: id.into(),
            object_type: id.split("--").next().unwrap_or_default().into(),
            spec_version: "2.1".into(),
            created_us: None,
            modified_us,
            created_by_ref: None,
            revoked: false,
            tlp: None,
            scope: "community".into(),
            confidence: None,
            is_sco: id.starts_with("ipv4-addr"),
            owner: owner.into(),
            json: json.into(),
            audience: Vec::new(),
            observables: Vec::new(),
        }
    }

    fn in_collection(entries: Vec<HeldEntry>, last_date_added_us: i64) -> Held {
        Held { versions: Vec::new(), collection: Some(HeldCollection { last_date_added_us, entries }) }
    }

    #[test]
    fn date_added_is_after_last_even_when_the_clock_is_behind() {
        let batch =
            [version("indicator--a", "o", Some(1), "{}"), version("indicator--b", "o", Some(1), "{}")];
        let held = in_collection(Vec::new(), 5_000);
        let plan = plan(&batch, &held, 10);
        let added: Vec<i64> = plan.entries.iter().map(|e| e.date_added_us).collect();
        assert_eq!(added, vec![5_001, 5_002]);
        assert_eq!(plan.last_date_added_us, Some(5_002));
    }

    #[test]
    fn a_later_version_in_one_batch_takes_latest_and_last() {
        let batch =
            [version("indicator--a", "o", Some(2), "{2}"), version("indicator--a", "o", Some(1), "{1}")];
        let held = in_collection(Vec::new(), 0);
        let plan = plan(&batch, &held, 100);
        let latest: Vec<bool> = plan.versions.iter().map(|v| v.is_latest).collect();
        assert_eq!(latest, vec![true, false]);
        let flags: Vec<(bool, bool)> = plan.entries.iter().map(|e| (e.is_first, e.is_last)).collect();
        assert_eq!(flags, vec![(false, true), (true, false)]);
    }

    #[test]
    fn a_stored_last_entry_is_cleared_by_a_newer_version() {
        let entries = vec![HeldEntry { seq: 7, id: "indicator--a".into(), version_us: 1 }];
        let mut held = in_collection(entries, 50);
        held.versions.push(HeldVersion {
            seq: 7,
            id: "indicator--a".into(),
            owner: "o".into(),
            version_us: 1,
            is_latest: true,
            json: None,
        });
        let batch = [version("indicator--a", "o", Some(2), "{2}")];
        let plan = plan(&batch, &held, 100);
        assert_eq!(plan.superseded, vec![7]);
        assert_eq!(plan.last_cleared, vec!["indicator--a"]);
        assert!(plan.first_cleared.is_empty());
    }

    #[test]
    fn untimed_content_gets_its_date_added_as_version() {
        let batch = [version("ipv4-addr--x", "o", None, "{1}"), version("ipv4-addr--x", "o", None, "{2}")];
        let held = in_collection(Vec::new(), 500);
        let plan = plan(&batch, &held, 100);
        for (v, e) in plan.versions.iter().zip(&plan.entries) {
            assert_eq!(v.version_us, e.date_added_us);
        }
        assert_eq!(plan.versions[0].version_us, 501);
        assert_eq!(plan.versions[1].version_us, 502);
    }
}
