//! Matching a pattern against observed data, with the semantics of the OASIS `stix2-matcher`
//! 3.0 in STIX 2.1 mode.
//!
//! # Input
//! [`Pattern::matches`] takes JSON values: bundles (their `objects` are pooled, as upstream
//! merges all the bundles it is given) and/or bare STIX objects. Every `observed-data` object
//! becomes an observation whose objects are the ones its `object_refs` name (resolved across
//! the whole input); its `first_observed`, `last_observed` and `number_observed` give its time
//! interval and how many times it was seen. STIX domain object types (`indicator`,
//! `observed-data`, ...) are never matched by an object path, as upstream.
//!
//! # How matching works
//! Each `[...]` is evaluated over every observation, giving the observations (and the objects in
//! them) that satisfy it ([`select`]). Observation operators then combine *bindings*: lists of
//! observation instances (an observation seen `number_observed` times has that many instances),
//! one per `[...]` used, never the same instance twice ([`bindings`]). The pattern matches when
//! at least one binding survives; the observed-data ids of the first one are reported, as
//! upstream reports the SDOs of its first binding.
//!
//! # Limits
//! [`MAX_OBSERVATIONS`], [`MAX_MATCH_STEPS`] (a work budget: combinations of `REPEATS` and
//! `AND` grow fast) and [`MAX_REGEX_BYTES`] each give a [`MatchError`] when exceeded.

mod bindings;
mod compare;
pub(crate) mod net;
pub(crate) mod select;
pub(crate) mod text;

use crate::ast::Pattern;
use crate::timestamp::Timestamp;
use serde_json::Value;
use std::collections::HashMap;

/// The most `observed-data` objects one call accepts.
pub const MAX_OBSERVATIONS: usize = 100_000;

/// The work budget of one call, in elementary steps (value tests, binding joins, disjointness
/// checks). Exhausting it is [`MatchError::TooComplex`] rather than an unbounded run.
pub const MAX_MATCH_STEPS: u64 = 20_000_000;

/// The most memory one compiled `LIKE`/`MATCHES` expression may take, in bytes.
pub const MAX_REGEX_BYTES: usize = 1 << 20;

/// The most compiled `LIKE`/`MATCHES` expressions kept between calls (per engine); the cache is
/// emptied when full. Python's `re` module, which the OASIS matcher uses, caches the same way.
pub const MAX_CACHED_REGEXES: usize = 1024;

/// The outcome of matching.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct MatchResult {
    /// Whether the pattern matched.
    pub matched: bool,
    /// The ids of the observed-data objects of the first match found, in input order; empty when
    /// there was no match.
    pub observed_data_ids: Vec<String>,
}

/// Why matching could not give a verdict (upstream raises `MatcherException` for these).
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum MatchError {
    /// An `observed-data` object lacks `object_refs`, `first_observed`, `last_observed` or
    /// `number_observed`, or has invalid values there; fix the input.
    #[error("invalid observed-data {id}: {reason}")]
    InvalidObservedData {
        /// The observed-data id (or `?`).
        id: String,
        /// What is wrong.
        reason: String,
    },
    /// A JSON string compared with a timestamp literal is not a STIX timestamp.
    #[error("invalid timestamp in JSON: {value:?}")]
    InvalidTimestamp {
        /// The string found.
        value: String,
    },
    /// A timestamp literal names a leap second (`:60`), which upstream cannot represent.
    #[error("unsupported timestamp literal {value} (leap second)")]
    UnsupportedTimestamp {
        /// The literal.
        value: String,
    },
    /// An `IN (...)` set mixes types (integers and floats may mix).
    #[error("IN set mixes literal types")]
    NonHomogeneousSet,
    /// `WITHIN` is not positive or `REPEATS` is zero.
    #[error("invalid qualifier: {0}")]
    InvalidQualifier(String),
    /// A `MATCHES` expression does not compile (or is too large).
    #[error("invalid regular expression {pattern:?}: {reason}")]
    InvalidRegex {
        /// The expression.
        pattern: String,
        /// The compiler's message.
        reason: String,
    },
    /// An `ISSUBSET`/`ISSUPERSET` operand or value is not an IP address or CIDR block.
    #[error("invalid IP address or CIDR block {value:?}")]
    InvalidAddress {
        /// The string found.
        value: String,
    },
    /// A `*_ref` value is not a string, or a `*_refs` value is not a list of strings.
    #[error("invalid reference in property {property:?}")]
    InvalidReference {
        /// The reference property.
        property: String,
    },
    /// A `*_hex` or `*_bin` property does not decode.
    #[error("property {property:?} is not valid {encoding}")]
    InvalidBinary {
        /// The property.
        property: String,
        /// `hex` or `base64`.
        encoding: &'static str,
    },
    /// More than [`MAX_OBSERVATIONS`] observed-data objects were given.
    #[error("more than {MAX_OBSERVATIONS} observed-data objects")]
    TooManyObservations,
    /// The work budget [`MAX_MATCH_STEPS`] ran out (too many combinations to try).
    #[error("pattern too expensive to match against this data (more than {MAX_MATCH_STEPS} steps)")]
    TooComplex,
}

/// A value selected by an object path.
#[derive(Debug, Clone)]
pub(crate) enum Val<'a> {
    /// A JSON value as found.
    Json(&'a Value),
    /// A `*_hex` / `*_bin` property, decoded.
    Bytes(Vec<u8>),
    /// The objects a `*_refs` list resolved to.
    List(Vec<&'a Value>),
}

/// One observed-data object and the objects it refers to.
#[derive(Debug)]
pub(crate) struct Observation<'a> {
    /// The observed-data id.
    id: String,
    /// The observed-data object followed by the objects its `object_refs` resolve to, in order
    /// (references are resolved against this list, as upstream).
    pub(crate) objects: Vec<&'a Value>,
    /// `first_observed` and `last_observed`, in microseconds.
    first_us: i128,
    last_us: i128,
    /// `number_observed` (at least 1).
    number_observed: u64,
}

impl<'a> Observation<'a> {
    /// One object observed once at `at` (a STIX timestamp), as in an observed-data wrapping
    /// only it, but without that observed-data among the objects: only a `*_ref(s)` naming the
    /// wrapper's id could reach it, so callers use this for patterns without references. The
    /// id reported for it is empty. `None` when `at` is not a STIX timestamp (or a leap second).
    pub(crate) fn once(object: &'a Value, at: &str) -> Option<Observation<'a>> {
        let at = Timestamp::parse(at).ok().filter(|t| !t.is_leap_second())?;
        let at_us = compare::micros(&at);
        Some(Observation {
            id: String::new(),
            objects: vec![object],
            first_us: at_us,
            last_us: at_us,
            number_observed: 1,
        })
    }
}

/// Counts work against [`MAX_MATCH_STEPS`].
#[derive(Debug)]
pub(crate) struct Budget {
    left: u64,
}

impl Budget {
    pub(crate) fn spend(&mut self, steps: u64) -> Result<(), MatchError> {
        self.left = self.left.checked_sub(steps).ok_or(MatchError::TooComplex)?;
        Ok(())
    }
}

impl Pattern {
    /// Matches this pattern against observed data (see the [module docs](crate::eval)).
    pub fn matches(&self, input: &[Value]) -> Result<MatchResult, MatchError> {
        let observations = load_observations(input)?;
        self.matches_loaded(&observations)
    }

    /// [`Pattern::matches`] on observations already loaded (the bulk index loads them once for
    /// every indicator).
    pub(crate) fn matches_loaded(&self, observations: &[Observation<'_>]) -> Result<MatchResult, MatchError> {
        let mut budget = Budget { left: MAX_MATCH_STEPS };
        let found = bindings::first_binding(self, observations, &mut budget)?;
        let Some(binding) = found else {
            return Ok(MatchResult::default());
        };
        // As upstream, an observation is reported through its first instance only.
        let mut indexes: Vec<u32> = binding.iter().filter(|inst| inst.1 == 0).map(|inst| inst.0).collect();
        indexes.sort_unstable();
        indexes.dedup();
        Ok(MatchResult {
            matched: true,
            observed_data_ids: indexes.iter().map(|&i| observations[i as usize].id.clone()).collect(),
        })
    }
}

pub(crate) fn object_type(object: &Value) -> Option<&str> {
    object.get("type").and_then(Value::as_str)
}

fn object_id(object: &Value) -> Option<&str> {
    object.get("id").and_then(Value::as_str)
}

/// Pools the objects of every bundle (and bare object) given, then builds one observation per
/// observed-data object.
pub(crate) fn load_observations(input: &[Value]) -> Result<Vec<Observation<'_>>, MatchError> {
    let mut objects: Vec<&Value> = Vec::new();
    for value in input {
        match value.get("objects") {
            Some(Value::Array(items)) if object_type(value) != Some("observed-data") => {
                objects.extend(items.iter());
            }
            _ => objects.push(value),
        }
    }
    let mut by_id: HashMap<&str, &Value> = HashMap::new();
    let mut observed_data = Vec::new();
    for object in &objects {
        if object_type(object) == Some("observed-data") {
            observed_data.push(*object);
        } else if let Some(id) = object_id(object) {
            by_id.insert(id, object);
        }
    }
    if observed_data.len() > MAX_OBSERVATIONS {
        return Err(MatchError::TooManyObservations);
    }
    observed_data.into_iter().map(|sdo| observation(sdo, &by_id)).collect()
}

fn observation<'a>(sdo: &'a Value, by_id: &HashMap<&str, &'a Value>) -> Result<Observation<'a>, MatchError> {
    let id = object_id(sdo).unwrap_or("?").to_owned();
    let invalid =
        |reason: &str| MatchError::InvalidObservedData { id: id.clone(), reason: reason.to_owned() };
    let Some(Value::Array(refs)) = sdo.get("object_refs") else {
        return Err(invalid("object_refs is missing or not a list"));
    };
    let number_observed = sdo
        .get("number_observed")
        .and_then(Value::as_u64)
        .filter(|n| *n >= 1)
        .ok_or_else(|| invalid("number_observed must be an integer of at least 1"))?;
    let time = |key: &str| -> Result<i128, MatchError> {
        let text =
            sdo.get(key).and_then(Value::as_str).ok_or_else(|| invalid(&format!("{key} is missing")))?;
        match Timestamp::parse(text) {
            Ok(t) if !t.is_leap_second() => Ok(compare::micros(&t)),
            _ => Err(invalid(&format!("{key} is not a STIX timestamp"))),
        }
    };
    let first_us = time("first_observed")?;
    let last_us = time("last_observed")?;
    if first_us > last_us {
        return Err(invalid("first_observed is later than last_observed"));
    }
    let mut objects = vec![sdo];
    objects.extend(refs.iter().filter_map(Value::as_str).filter_map(|r| by_id.get(r).copied()));
    Ok(Observation { id, objects, first_us, last_us, number_observed })
}
