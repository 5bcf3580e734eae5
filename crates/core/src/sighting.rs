//! Matches turned into STIX 2.1 `sighting` objects: one per indicator that matched, saying who
//! sighted it (`where_sighted_refs`), how often (`count`), when (`first_seen`/`last_seen`) and,
//! where the observations were `observed-data` objects, which (`observed_data_refs`).
//!
//! Ids are deterministic: a v4-format UUID from SHA-256 over what the sighting says (indicator,
//! sighter, count, times, markings), so the same matches of the same input give the same object
//! and re-sending it is a no-op; `created` is the first sighting, `modified` the last.

use std::collections::{BTreeMap, BTreeSet};

use selat_stix::Timestamp;
use selat_stix::meta::Scope;
use selat_stix::tlp::Tlp;
use serde_json::{Value, json};
use sha2::{Digest, Sha256};

/// Most `observed_data_refs` on one sighting; past it the count still grows.
pub const MAX_OBSERVED_DATA_REFS: usize = 1000;
/// Most indicators one builder keeps sightings for; past it matches are counted as dropped.
pub const MAX_SIGHTED_INDICATORS: usize = 1_000_000;
/// The largest `count` STIX allows on a sighting (§5.4).
pub const MAX_SIGHTING_COUNT: u64 = 999_999_999;

/// Who sighted, and how the sightings are marked.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SightingOptions {
    /// The identity where the indicator was sighted, and the sightings' `created_by_ref`.
    pub sighted_by: String,
    /// `object_marking_refs` (a TLP 2.0 marking); none leaves them unmarked (read as AMBER).
    pub tlp: Option<Tlp>,
    /// The distribution scope (the Selat extension); none leaves the default.
    pub scope: Option<Scope>,
}

#[derive(Debug, Clone)]
struct Tally {
    count: u64,
    first_seen: Timestamp,
    last_seen: Timestamp,
    observed_data: BTreeSet<String>,
}

/// Accumulates matches, one tally per indicator.
#[derive(Debug, Clone, Default)]
pub struct SightingBuilder {
    tallies: BTreeMap<String, Tally>,
    /// Matches not kept because [`MAX_SIGHTED_INDICATORS`] indicators were already tallied.
    pub dropped: u64,
}

impl SightingBuilder {
    pub fn new() -> Self {
        Self::default()
    }

    /// `indicator` matched `count` observations seen from `first_seen` to `last_seen`, in the
    /// `observed-data` object `observed_data` when there was one.
    pub fn record(
        &mut self,
        indicator: &str,
        first_seen: Timestamp,
        last_seen: Timestamp,
        count: u64,
        observed_data: Option<&str>,
    ) {
        if !self.tallies.contains_key(indicator) && self.tallies.len() >= MAX_SIGHTED_INDICATORS {
            self.dropped += 1;
            return;
        }
        let tally = self.tallies.entry(indicator.to_owned()).or_insert_with(|| Tally {
            count: 0,
            first_seen,
            last_seen,
            observed_data: BTreeSet::new(),
        });
        tally.count = tally.count.saturating_add(count).min(MAX_SIGHTING_COUNT);
        tally.first_seen = tally.first_seen.min(first_seen);
        tally.last_seen = tally.last_seen.max(last_seen);
        if let Some(id) = observed_data
            && tally.observed_data.len() < MAX_OBSERVED_DATA_REFS
        {
            tally.observed_data.insert(id.to_owned());
        }
    }

    /// Indicators sighted so far.
    pub fn len(&self) -> usize {
        self.tallies.len()
    }

    pub fn is_empty(&self) -> bool {
        self.tallies.is_empty()
    }

    /// One `sighting` per indicator, in indicator id order.
    pub fn finish(&self, options: &SightingOptions) -> Vec<Value> {
        self.tallies.iter().map(|(indicator, tally)| sighting(indicator, tally, options)).collect()
    }
}

fn sighting(indicator: &str, tally: &Tally, options: &SightingOptions) -> Value {
    let first_seen = tally.first_seen.format(3);
    let last_seen = tally.last_seen.format(3);
    let markings = options.tlp.map(Tlp::marking_id).unwrap_or_default();
    let scope = options.scope.map(Scope::as_str).unwrap_or_default();
    let refs: Vec<&str> = tally.observed_data.iter().map(String::as_str).collect();
    let said = format!(
        "selat-sighting:{indicator}\n{}\n{}\n{first_seen}\n{last_seen}\n{markings}\n{scope}\n{}",
        options.sighted_by,
        tally.count,
        refs.join(",")
    );
    let mut object = json!({
        "type": "sighting",
        "spec_version": "2.1",
        "id": format!("sighting--{}", v4_from(&said)),
        "created": first_seen,
        "modified": last_seen,
        "created_by_ref": options.sighted_by,
        "sighting_of_ref": indicator,
        "where_sighted_refs": [options.sighted_by],
        "count": tally.count,
        "first_seen": first_seen,
        "last_seen": last_seen,
    });
    if !refs.is_empty() {
        object["observed_data_refs"] = json!(refs);
    }
    if let Some(tlp) = options.tlp {
        object["object_marking_refs"] = json!([tlp.marking_id()]);
    }
    if let Some(scope) = options.scope {
        object["extensions"] = json!({
            selat_stix::meta::DISTRIBUTION_EXTENSION_ID: {
                "extension_type": "property-extension",
                "scope": scope.as_str(),
            }
        });
    }
    object
}

/// A v4-format UUID made from the first 16 bytes of SHA-256 of `text`, with the version and
/// variant bits set (as the demo's deterministic ids are).
pub(crate) fn v4_from(text: &str) -> uuid::Uuid {
    let digest = Sha256::digest(text.as_bytes());
    let mut bytes = [0u8; 16];
    bytes.copy_from_slice(&digest[..16]);
    uuid::Builder::from_random_bytes(bytes).into_uuid()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn at(text: &str) -> Timestamp {
        Timestamp::parse(text).unwrap()
    }

    #[test]
    fn one_sighting_per_indicator_with_count_and_times() {
        let mut builder = SightingBuilder::new();
        let ind = "indicator--00000000-0000-4000-8000-000000000001";
        builder.record(ind, at("2024-01-02T00:00:00Z"), at("2024-01-02T00:00:00Z"), 1, None);
        builder.record(
            ind,
            at("2024-01-01T00:00:00Z"),
            at("2024-01-03T00:00:00Z"),
            4,
            Some("observed-data--00000000-0000-4000-8000-000000000001"),
        );
        let options = SightingOptions {
            sighted_by: "identity--00000000-0000-4000-8000-0000000000aa".to_owned(),
            tlp: Some(Tlp::Green),
            scope: Some(Scope::National),
        };
        let out = builder.finish(&options);
        assert_eq!(out.len(), 1);
        let s = &out[0];
        assert_eq!(s["count"], 5);
        assert_eq!(s["first_seen"], "2024-01-01T00:00:00.000Z");
        assert_eq!(s["last_seen"], "2024-01-03T00:00:00.000Z");
        assert_eq!(s["observed_data_refs"], json!(["observed-data--00000000-0000-4000-8000-000000000001"]));
        assert_eq!(s["where_sighted_refs"], json!([options.sighted_by]));
        assert_eq!(s["object_marking_refs"], json!([Tlp::Green.marking_id()]));
        let id = s["id"].as_str().unwrap();
        assert_eq!(selat_stix::id::Identifier::parse(id).unwrap().version(), 4);
        assert_eq!(builder.finish(&options), out, "deterministic");
        let other = SightingOptions { tlp: Some(Tlp::Amber), ..options };
        assert_ne!(builder.finish(&other)[0]["id"], s["id"], "the markings are part of what it says");
        let diagnostics = selat_stix::validate::validate_object(s);
        assert!(diagnostics.iter().all(|d| !d.is_error()), "{diagnostics:?}");
    }
}
