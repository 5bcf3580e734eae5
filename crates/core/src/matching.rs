//! Matching observations against indicators, with the indicator lifecycle: which indicators
//! match (not revoked, not past `valid_until`, unless asked), which cannot (a `pattern_type`
//! other than `stix`, a pattern that does not parse: counted, never silently dropped), and the
//! `opinion`s that dispute an indicator (shown with each match; `suppress_disputed` drops the
//! match).
//!
//! [`Indicators`] is the pure part, shared by `selat match` (indicators from a file) and
//! [`Node::match_observations`] (`POST /api/v1/match`: the indicators and opinions the caller
//! may see, read through its audience).

use std::collections::{BTreeMap, HashMap};

use selat_pattern::{MatchIndex, Pattern};
use selat_stix::Timestamp;
use selat_store::{Audience, ScanQuery, Store};
use serde::Serialize;
use serde_json::{Value, json};

use crate::node::{Node, NodeError};
use crate::sighting::SightingBuilder;

/// Most indicators one `POST /api/v1/match` loads from the store.
pub const MAX_MATCH_INDICATORS: usize = 200_000;
/// Most opinions one `POST /api/v1/match` loads from the store.
pub const MAX_MATCH_OPINIONS: usize = 100_000;
/// Most observations in one `POST /api/v1/match`.
pub const MAX_MATCH_OBSERVATIONS: usize = 10_000;
/// Most opinions shown with one match.
pub const MAX_OPINIONS_PER_MATCH: usize = 20;

/// Why an indicator is left out of matching.
#[derive(Debug, Clone, PartialEq)]
pub enum Lifecycle {
    /// It matches, with this pattern.
    Matchable(Box<Pattern>),
    Revoked,
    Expired,
    /// Not a STIX pattern (Sigma, YARA, Snort, …): stored and exported, not matchable.
    OtherPatternType(String),
    /// A STIX pattern that does not parse.
    Unparsable,
}

/// Where `indicator` stands at `now`.
pub fn lifecycle(indicator: &Value, now: Timestamp, include_expired: bool) -> Lifecycle {
    if !include_expired && indicator.get("revoked").and_then(Value::as_bool) == Some(true) {
        return Lifecycle::Revoked;
    }
    let valid_until = indicator.get("valid_until").and_then(Value::as_str);
    let expired = valid_until.and_then(|t| Timestamp::parse(t).ok()).is_some_and(|t| t < now);
    if !include_expired && expired {
        return Lifecycle::Expired;
    }
    let pattern_type = indicator.get("pattern_type").and_then(Value::as_str).unwrap_or("stix");
    if pattern_type != "stix" {
        return Lifecycle::OtherPatternType(pattern_type.to_owned());
    }
    match indicator.get("pattern").and_then(Value::as_str).map(selat_pattern::parse_syntax) {
        Some(Ok(pattern)) => Lifecycle::Matchable(Box::new(pattern)),
        _ => Lifecycle::Unparsable,
    }
}

/// Indicators left out of matching, by reason.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct Skipped {
    pub revoked: u64,
    pub expired: u64,
    /// Not matchable, by `pattern_type`.
    pub other_pattern_types: BTreeMap<String, u64>,
    /// Not matchable: the STIX pattern does not parse.
    pub unparsable: u64,
}

impl Skipped {
    /// Indicators that can never match as they are (other pattern types, unparsable patterns).
    pub fn not_matchable(&self) -> u64 {
        self.other_pattern_types.values().sum::<u64>() + self.unparsable
    }
}

/// An opinion about an indicator, as shown with a match.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct OpinionRef {
    pub id: String,
    /// `strongly-disagree` … `strongly-agree`.
    pub opinion: String,
    pub created_by_ref: Option<String>,
}

impl OpinionRef {
    /// The opinion disputes the indicator (a false positive, says its author).
    pub fn disagrees(&self) -> bool {
        matches!(self.opinion.as_str(), "disagree" | "strongly-disagree")
    }
}

/// What a match shows of its indicator.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct IndicatorInfo {
    pub id: String,
    pub created_by_ref: Option<String>,
    pub tlp: Option<String>,
}

/// Indicators compiled for matching, with their opinions.
pub struct Indicators {
    pub infos: Vec<IndicatorInfo>,
    pub index: MatchIndex<usize>,
    pub skipped: Skipped,
    /// Opinions by the id of the object they are about.
    pub opinions: HashMap<String, Vec<OpinionRef>>,
}

impl Indicators {
    /// Compiles `objects` (indicators and opinions; anything else is ignored) as they stand at
    /// `now`.
    pub fn build<'a>(
        objects: impl IntoIterator<Item = &'a Value>,
        now: Timestamp,
        include_expired: bool,
    ) -> Self {
        let mut infos = Vec::new();
        let mut patterns = Vec::new();
        let mut skipped = Skipped::default();
        let mut opinions: HashMap<String, Vec<OpinionRef>> = HashMap::new();
        for object in objects {
            match object.get("type").and_then(Value::as_str) {
                Some("indicator") => {}
                Some("opinion") => {
                    add_opinion(object, &mut opinions);
                    continue;
                }
                _ => continue,
            }
            match lifecycle(object, now, include_expired) {
                Lifecycle::Matchable(pattern) => {
                    patterns.push(*pattern);
                    infos.push(indicator_info(object));
                }
                Lifecycle::Revoked => skipped.revoked += 1,
                Lifecycle::Expired => skipped.expired += 1,
                Lifecycle::OtherPatternType(kind) => {
                    *skipped.other_pattern_types.entry(kind).or_default() += 1
                }
                Lifecycle::Unparsable => skipped.unparsable += 1,
            }
        }
        let index = MatchIndex::build(patterns.iter().enumerate());
        Indicators { infos, index, skipped, opinions }
    }

    /// The opinions about indicator `n`, at most [`MAX_OPINIONS_PER_MATCH`].
    pub fn opinions_of(&self, n: usize) -> &[OpinionRef] {
        let list = self.opinions.get(&self.infos[n].id).map_or(&[][..], Vec::as_slice);
        &list[..list.len().min(MAX_OPINIONS_PER_MATCH)]
    }

    /// Whether an opinion disputes indicator `n`.
    pub fn disputed(&self, n: usize) -> bool {
        self.opinions.get(&self.infos[n].id).is_some_and(|list| list.iter().any(OpinionRef::disagrees))
    }
}

/// What a match shows of its indicator, from the indicator itself.
pub fn indicator_info(object: &Value) -> IndicatorInfo {
    let text = |key: &str| object.get(key).and_then(Value::as_str).map(str::to_owned);
    IndicatorInfo {
        id: text("id").unwrap_or_default(),
        created_by_ref: text("created_by_ref"),
        tlp: selat_stix::tlp::effective_tlp(object).map(|t| t.as_str().to_owned()),
    }
}

fn add_opinion(object: &Value, opinions: &mut HashMap<String, Vec<OpinionRef>>) {
    let text = |key: &str| object.get(key).and_then(Value::as_str).map(str::to_owned);
    let (Some(id), Some(opinion)) = (text("id"), text("opinion")) else { return };
    let refs = object.get("object_refs").and_then(Value::as_array).into_iter().flatten();
    for target in refs.filter_map(Value::as_str) {
        let list = opinions.entry(target.to_owned()).or_default();
        list.push(OpinionRef {
            id: id.clone(),
            opinion: opinion.clone(),
            created_by_ref: text("created_by_ref"),
        });
        // Disagreement first: it is what an analyst looking at a match needs to see.
        list.sort_by_key(|o| (!o.disagrees(), o.id.clone()));
    }
}

/// A bundle in which `sco` was observed once, at `observed_at` (the shape the evaluator reads).
pub fn observed_once(mut sco: Value, observed_at: &str) -> Value {
    if sco.get("id").is_none() {
        let kind = sco.get("type").and_then(Value::as_str).unwrap_or("x").to_owned();
        sco["id"] = json!(format!("{kind}--00000000-0000-4000-8000-000000000000"));
    }
    json!({"type": "bundle", "id": "bundle--00000000-0000-4000-8000-000000000000", "objects": [
        {"type": "observed-data", "id": "observed-data--00000000-0000-4000-8000-000000000000",
         "first_observed": observed_at, "last_observed": observed_at, "number_observed": 1,
         "object_refs": [sco["id"]]},
        sco]})
}

/// One match of `POST /api/v1/match`.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct MatchRow {
    /// The observation's index in the request.
    pub observation: usize,
    pub indicator: String,
    pub created_by_ref: Option<String>,
    pub tlp: Option<String>,
    /// Opinions about the indicator the caller may see, disagreement first.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub opinions: Vec<OpinionRef>,
    /// An opinion disputes the indicator.
    pub disputed: bool,
}

/// The answer of `POST /api/v1/match`.
#[derive(Debug, Clone, Default, PartialEq, Serialize)]
pub struct MatchAnswer {
    pub matches: Vec<MatchRow>,
    /// Indicators that matched none: revoked and expired (left out unless `include_expired`),
    /// and those that cannot match (`not_matchable`).
    pub skipped: Skipped,
    /// Indicators that cannot match as they are: other pattern types and unparsable patterns.
    pub not_matchable: u64,
    /// Matches dropped because an opinion disputes the indicator (`suppress_disputed`).
    pub suppressed: u64,
    /// Observations that could not be evaluated, each with its index and the reason.
    pub errors: Vec<ObservationError>,
    /// Indicators matched against.
    pub indicators: usize,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct ObservationError {
    pub observation: usize,
    pub error: String,
}

/// How to match.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct MatchOptions {
    pub include_expired: bool,
    pub suppress_disputed: bool,
}

/// Why matching failed as a whole.
#[derive(Debug, thiserror::Error)]
pub enum MatchingError {
    /// The request is malformed or over a limit; the message says how.
    #[error("{0}")]
    Invalid(String),
    #[error(transparent)]
    Node(#[from] NodeError),
}

impl From<selat_store::Error> for MatchingError {
    fn from(e: selat_store::Error) -> Self {
        MatchingError::Node(NodeError::Store(e))
    }
}

impl Node {
    /// The latest indicators and opinions `audience` may see, compiled.
    pub async fn visible_indicators(
        &self,
        audience: &Audience,
        include_expired: bool,
    ) -> Result<Indicators, MatchingError> {
        let mut objects = self.scan_type("indicator", audience, MAX_MATCH_INDICATORS).await?;
        objects.extend(self.scan_type("opinion", audience, MAX_MATCH_OPINIONS).await?);
        Ok(Indicators::build(objects.iter(), Timestamp::now_millis(), include_expired))
    }

    /// The latest visible objects of one type, at most `max` (an error past it: matching against
    /// a silently cut list would miss matches).
    async fn scan_type(
        &self,
        object_type: &str,
        audience: &Audience,
        max: usize,
    ) -> Result<Vec<Value>, MatchingError> {
        let mut query = ScanQuery {
            limit: selat_store::MAX_SCAN_LIMIT,
            latest_only: true,
            object_type: Some(object_type.to_owned()),
            audience: audience.clone(),
            ..ScanQuery::default()
        };
        let mut out = Vec::new();
        loop {
            let page = self.store.scan(&query).await?;
            for row in page.rows {
                if out.len() == max {
                    return Err(MatchingError::Invalid(format!(
                        "more than {max} {object_type} objects are visible: over the matching limit"
                    )));
                }
                if let Ok(value) = serde_json::from_str::<Value>(&row.json) {
                    out.push(value);
                }
            }
            match page.next_after {
                Some(after) => query.after = Some(after),
                None => return Ok(out),
            }
        }
    }

    /// Matches `observations` (SCOs, `observed-data` or bundles) against the indicators
    /// `audience` may see; each match is also recorded in `sightings`.
    pub async fn match_observations(
        &self,
        observations: &[Value],
        audience: &Audience,
        options: MatchOptions,
        sightings: &mut SightingBuilder,
    ) -> Result<MatchAnswer, MatchingError> {
        if observations.len() > MAX_MATCH_OBSERVATIONS {
            return Err(MatchingError::Invalid(format!(
                "{} observations, more than MAX_MATCH_OBSERVATIONS ({MAX_MATCH_OBSERVATIONS})",
                observations.len()
            )));
        }
        let indicators = self.visible_indicators(audience, options.include_expired).await?;
        Ok(match_all(&indicators, observations, options, Timestamp::now_millis(), sightings))
    }
}

/// Matches every observation (pure: the caller supplies indicators and the time).
pub fn match_all(
    indicators: &Indicators,
    observations: &[Value],
    options: MatchOptions,
    now: Timestamp,
    sightings: &mut SightingBuilder,
) -> MatchAnswer {
    let mut answer = MatchAnswer {
        not_matchable: indicators.skipped.not_matchable(),
        skipped: indicators.skipped.clone(),
        indicators: indicators.infos.len(),
        ..MatchAnswer::default()
    };
    let observed_at = now.format(3);
    for (n, observation) in observations.iter().enumerate() {
        let kind = observation.get("type").and_then(Value::as_str);
        let Some(kind) = kind else {
            answer.errors.push(ObservationError {
                observation: n,
                error: "not a STIX object with a \"type\"".to_owned(),
            });
            continue;
        };
        let (input, seen) = match kind {
            "bundle" | "observed-data" => (observation.clone(), seen_in(observation, now)),
            _ => (
                observed_once(observation.clone(), &observed_at),
                Seen { first: now, last: now, count: 1, observed_data: None },
            ),
        };
        let verdicts = match indicators.index.match_observation(std::slice::from_ref(&input)) {
            Ok(verdicts) => verdicts,
            Err(error) => {
                answer.errors.push(ObservationError { observation: n, error: error.to_string() });
                continue;
            }
        };
        for (indicator, error) in &verdicts.errors {
            let id = &indicators.infos[**indicator].id;
            answer
                .errors
                .push(ObservationError { observation: n, error: format!("indicator {id}: {error}") });
        }
        for &&i in &verdicts.matched {
            let disputed = indicators.disputed(i);
            if disputed && options.suppress_disputed {
                answer.suppressed += 1;
                continue;
            }
            let info = &indicators.infos[i];
            sightings.record(&info.id, seen.first, seen.last, seen.count, seen.observed_data.as_deref());
            answer.matches.push(MatchRow {
                observation: n,
                indicator: info.id.clone(),
                created_by_ref: info.created_by_ref.clone(),
                tlp: info.tlp.clone(),
                opinions: indicators.opinions_of(i).to_vec(),
                disputed,
            });
        }
    }
    answer
}

/// When, how often and in which `observed-data` an observation was seen.
pub struct Seen {
    pub first: Timestamp,
    pub last: Timestamp,
    pub count: u64,
    pub observed_data: Option<String>,
}

/// The times, count and id of an `observed-data` (or of the first one in a bundle); `now` and 1
/// where it says nothing.
pub fn seen_in(observation: &Value, now: Timestamp) -> Seen {
    let observed = if observation.get("type").and_then(Value::as_str) == Some("bundle") {
        observation.get("objects").and_then(Value::as_array).and_then(|objects| {
            objects.iter().find(|o| o.get("type").and_then(Value::as_str) == Some("observed-data"))
        })
    } else {
        Some(observation)
    };
    let time = |key: &str| {
        observed.and_then(|o| o.get(key)).and_then(Value::as_str).and_then(|t| Timestamp::parse(t).ok())
    };
    let first = time("first_observed").unwrap_or(now);
    Seen {
        first,
        last: time("last_observed").unwrap_or(first).max(first),
        count: observed.and_then(|o| o.get("number_observed")).and_then(Value::as_u64).unwrap_or(1).max(1),
        observed_data: observed.and_then(|o| o.get("id")).and_then(Value::as_str).map(str::to_owned),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn indicator(n: u32, pattern: &str, extra: Value) -> Value {
        let mut object = json!({
            "type": "indicator", "spec_version": "2.1",
            "id": format!("indicator--00000000-0000-4000-8000-00000000000{n}"),
            "created": "2024-01-01T00:00:00Z", "modified": "2024-01-01T00:00:00Z",
            "pattern_type": "stix", "pattern": pattern, "valid_from": "2024-01-01T00:00:00Z",
        });
        for (key, value) in extra.as_object().unwrap() {
            object[key] = value.clone();
        }
        object
    }

    fn opinion(n: u32, about: &str, opinion: &str) -> Value {
        json!({"type": "opinion", "spec_version": "2.1", "id": format!("opinion--00000000-0000-4000-8000-00000000000{n}"),
               "created": "2024-01-01T00:00:00Z", "modified": "2024-01-01T00:00:00Z",
               "opinion": opinion, "object_refs": [about]})
    }

    #[test]
    fn lifecycle_opinions_and_not_matchable() {
        let ip = "[ipv4-addr:value = '203.0.113.5']";
        let objects = [
            indicator(1, ip, json!({})),
            indicator(2, ip, json!({"revoked": true})),
            indicator(
                3,
                ip,
                json!({"valid_until": "2001-01-01T00:00:00Z", "valid_from": "2000-01-01T00:00:00Z"}),
            ),
            indicator(4, "rule x { condition: true }", json!({"pattern_type": "yara"})),
            indicator(5, "[broken", json!({})),
            indicator(6, ip, json!({})),
            opinion(1, "indicator--00000000-0000-4000-8000-000000000006", "strongly-disagree"),
            opinion(2, "indicator--00000000-0000-4000-8000-000000000001", "agree"),
        ];
        let now = Timestamp::parse("2024-06-01T00:00:00Z").unwrap();
        let observation = [json!({"type": "ipv4-addr", "value": "203.0.113.5"})];
        let run = |include_expired, suppress_disputed| {
            let indicators = Indicators::build(objects.iter(), now, include_expired);
            let mut sightings = SightingBuilder::new();
            let options = MatchOptions { include_expired, suppress_disputed };
            let answer = match_all(&indicators, &observation, options, now, &mut sightings);
            (answer, sightings)
        };
        let (answer, sightings) = run(false, false);
        let matched: Vec<&str> =
            answer.matches.iter().map(|m| &m.indicator[m.indicator.len() - 1..]).collect();
        assert_eq!(matched, ["1", "6"]);
        assert_eq!(answer.skipped.revoked, 1);
        assert_eq!(answer.skipped.expired, 1);
        assert_eq!(answer.not_matchable, 2, "YARA and an unparsable pattern are reported, not dropped");
        assert_eq!(answer.skipped.other_pattern_types.get("yara"), Some(&1));
        assert!(answer.matches[1].disputed);
        assert_eq!(answer.matches[1].opinions[0].opinion, "strongly-disagree");
        assert!(!answer.matches[0].disputed, "agreement disputes nothing");
        assert_eq!(sightings.len(), 2);
        let (answer, sightings) = run(false, true);
        assert_eq!(answer.matches.len(), 1);
        assert_eq!(answer.suppressed, 1);
        assert_eq!(sightings.len(), 1, "a suppressed match is no sighting");
        let (answer, _) = run(true, false);
        assert_eq!(answer.matches.len(), 4, "--include-expired matches revoked and expired ones too");
    }

    #[test]
    fn observed_data_gives_times_count_and_ref() {
        let now = Timestamp::parse("2024-06-01T00:00:00Z").unwrap();
        let od = json!({"type": "observed-data", "id": "observed-data--1", "first_observed": "2024-01-01T00:00:00Z",
                        "last_observed": "2024-01-02T00:00:00Z", "number_observed": 7, "object_refs": []});
        let seen = seen_in(&od, now);
        assert_eq!(seen.count, 7);
        assert_eq!(seen.first.format(0), "2024-01-01T00:00:00Z");
        assert_eq!(seen.last.format(0), "2024-01-02T00:00:00Z");
        assert_eq!(seen.observed_data.as_deref(), Some("observed-data--1"));
    }
}

/// What storing sightings did.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct StoredSightings {
    /// The sightings' ids, in order.
    pub ids: Vec<String>,
    pub stored: u64,
    pub already_present: u64,
    /// Each sighting refused, with its reasons.
    pub rejected: Vec<String>,
}

impl Node {
    /// Stores `sightings` owned by `by`'s organisation (an analyst or above), in `collection` (an
    /// id or alias the caller may write) when given. Audited as a write.
    pub async fn store_sightings(
        &self,
        by: &crate::org::Principal,
        sightings: &[Value],
        collection: Option<&str>,
    ) -> Result<StoredSightings, MatchingError> {
        if !by.at_least(crate::org::Role::Analyst) {
            return Err(MatchingError::Invalid(
                "storing sightings needs the analyst role or above".to_owned(),
            ));
        }
        let mut options = self.ingest_options(&by.org.identity).await?;
        if let Some(name) = collection {
            let (found, _) = self.collection_named(name, false).await.map_err(|e| match e {
                NodeError::UnknownCollection { name, .. } => {
                    MatchingError::Invalid(format!("no collection {name:?}"))
                }
                other => MatchingError::Node(other),
            })?;
            let access = self.collection_access(&found.id).await?;
            if !access.can_write(Some(by)) {
                return Err(MatchingError::Invalid(format!(
                    "collection {name:?} is not writable by the caller"
                )));
            }
            options.collection = Some(found.id);
            options.clear_community_only = access.public;
        }
        let bytes = serde_json::to_vec(sightings).map_err(|e| MatchingError::Invalid(e.to_string()))?;
        let report = crate::ingest::ingest(&self.store, std::io::Cursor::new(bytes), &options, |_| {})
            .await
            .map_err(|e| match e {
                crate::ingest::IngestError::Store(e) => MatchingError::Node(NodeError::Store(e)),
                other => MatchingError::Invalid(other.to_string()),
            })?;
        let detail = format!("{} sightings from matching", sightings.len());
        let entry = crate::audit::AuditEntry::write(
            Some(by),
            "match.sightings",
            detail,
            report.stored,
            Some(&by.org.short_name),
        );
        self.audit().record(entry).await;
        if report.stored > 0 {
            self.notify_sightings(sightings.iter().filter_map(|s| s.get("id").and_then(Value::as_str))).await;
        }
        Ok(StoredSightings {
            ids: sightings
                .iter()
                .filter_map(|s| s.get("id").and_then(Value::as_str))
                .map(str::to_owned)
                .collect(),
            stored: report.stored,
            already_present: report.already_present,
            rejected: report
                .rejected
                .iter()
                .map(|r| format!("{}: {}", r.id.as_deref().unwrap_or("?"), r.reasons.join("; ")))
                .collect(),
        })
    }
}
