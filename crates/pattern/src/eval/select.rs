//! Evaluating `[...]`: selecting values by object path and testing them, giving the
//! observations (and, in each, the root objects) that satisfy a comparison expression.
//!
//! As upstream: a path step that cannot be taken drops the value; `*_ref` and `*_refs`
//! properties are replaced by the objects they name (resolved within the same observation);
//! `*_hex` and `*_bin` properties are decoded to binary; `[*]` fans out over list elements. A
//! root object satisfies a test when any of its selected values does; `AND` needs the same root
//! object on both sides, `OR` either.

use super::compare::{self, Order};
use super::text::{Like, Matches};
use super::{Budget, MatchError, Observation, Val, net, object_id, object_type};
use crate::ast::{Comparison, ComparisonExpr, ComparisonOp, Literal, ObjectPath, PathStep};
use crate::lexer::{decode_base64, decode_hex};
use serde_json::Value;
use std::cmp::Ordering;
use std::collections::{BTreeSet, HashMap};

/// STIX 2.1 domain and relationship object types: upstream never matches an object path
/// against these, only against cyber-observable (and custom) objects.
pub(crate) const DOMAIN_OBJECT_TYPES: &[&str] = &[
    "attack-pattern",
    "bundle",
    "campaign",
    "course-of-action",
    "extension-definition",
    "grouping",
    "identity",
    "incident",
    "indicator",
    "infrastructure",
    "intrusion-set",
    "language-content",
    "location",
    "malware",
    "malware-analysis",
    "marking-definition",
    "note",
    "observed-data",
    "opinion",
    "relationship",
    "report",
    "threat-actor",
    "tool",
    "sighting",
    "vulnerability",
];

/// The observations satisfying a comparison expression, in upstream's order, each with the
/// indexes (into all its objects, see `roots`) of the root objects that satisfied it.
#[derive(Debug, Default)]
pub(super) struct ObsMap {
    pub(super) entries: Vec<(u32, BTreeSet<u32>)>,
}

impl ObsMap {
    fn and(self, other: ObsMap) -> ObsMap {
        let index: HashMap<u32, &BTreeSet<u32>> = other.entries.iter().map(|(o, r)| (*o, r)).collect();
        let entries = self
            .entries
            .into_iter()
            .filter_map(|(obs, roots)| {
                let theirs = index.get(&obs)?;
                let common: BTreeSet<u32> = roots.intersection(theirs).copied().collect();
                (!common.is_empty()).then_some((obs, common))
            })
            .collect();
        ObsMap { entries }
    }

    fn or(mut self, other: ObsMap) -> ObsMap {
        let mut index: HashMap<u32, usize> =
            self.entries.iter().enumerate().map(|(i, (o, _))| (*o, i)).collect();
        for (obs, roots) in other.entries {
            match index.get(&obs) {
                Some(&i) => self.entries[i].1.extend(roots),
                None => {
                    index.insert(obs, self.entries.len());
                    self.entries.push((obs, roots));
                }
            }
        }
        self
    }
}

/// Evaluates a comparison expression over every observation. Every comparison is evaluated
/// (no short-circuit), so errors surface whatever the data, as upstream.
pub(super) fn evaluate(
    expr: &ComparisonExpr,
    observations: &[Observation<'_>],
    budget: &mut Budget,
) -> Result<ObsMap, MatchError> {
    match expr {
        ComparisonExpr::Test(comparison) => test(comparison, observations, budget),
        ComparisonExpr::And(items) | ComparisonExpr::Or(items) => {
            let mut maps = Vec::with_capacity(items.len());
            for item in items {
                maps.push(evaluate(item, observations, budget)?);
            }
            let is_and = matches!(expr, ComparisonExpr::And(_));
            let mut maps = maps.into_iter();
            let first = maps.next().unwrap_or_default();
            Ok(maps.fold(first, |acc, m| if is_and { acc.and(m) } else { acc.or(m) }))
        }
    }
}

/// A comparison with its operand compiled.
enum Test<'c> {
    Eq(&'c Literal),
    NotEq(&'c Literal),
    Order(&'c Literal, fn(Ordering) -> bool),
    In(&'c [Literal]),
    Like(Like),
    Matches(Matches),
    IsSubset(&'c str),
    IsSuperset(&'c str),
    Exists,
}

fn check_literal(literal: &Literal) -> Result<(), MatchError> {
    match literal {
        Literal::Timestamp(t) if t.is_leap_second() => {
            Err(MatchError::UnsupportedTimestamp { value: t.to_string() })
        }
        _ => Ok(()),
    }
}

impl<'c> Test<'c> {
    fn new(op: &'c ComparisonOp) -> Result<Test<'c>, MatchError> {
        Ok(match op {
            ComparisonOp::Eq(l) => {
                check_literal(l)?;
                Test::Eq(l)
            }
            ComparisonOp::NotEq(l) => {
                check_literal(l)?;
                Test::NotEq(l)
            }
            ComparisonOp::Lt(l) | ComparisonOp::Le(l) | ComparisonOp::Gt(l) | ComparisonOp::Ge(l) => {
                check_literal(l)?;
                let holds: fn(Ordering) -> bool = match op {
                    ComparisonOp::Lt(_) => Ordering::is_lt,
                    ComparisonOp::Le(_) => Ordering::is_le,
                    ComparisonOp::Gt(_) => Ordering::is_gt,
                    _ => Ordering::is_ge,
                };
                Test::Order(l, holds)
            }
            ComparisonOp::In(items) => {
                items.iter().try_for_each(check_literal)?;
                compare::check_set(items)?;
                Test::In(items)
            }
            ComparisonOp::Like(operand) => Test::Like(Like::new(operand)?),
            ComparisonOp::Matches(operand) => Test::Matches(Matches::new(operand)?),
            ComparisonOp::IsSubset(operand) => Test::IsSubset(operand),
            ComparisonOp::IsSuperset(operand) => Test::IsSuperset(operand),
            ComparisonOp::Exists => Test::Exists,
        })
    }

    /// Whether `value` passes, before `NOT`; `None` when it fails whatever `NOT` says (an order
    /// comparison between types that have no order, as upstream).
    fn holds(&self, value: &Val<'_>) -> Result<Option<bool>, MatchError> {
        let string = |v: &Val<'_>| match v {
            Val::Json(Value::String(s)) => Some(s.clone()),
            _ => None,
        };
        Ok(Some(match self {
            Test::Eq(l) => compare::equals(value, l)?,
            Test::NotEq(l) => !compare::equals(value, l)?,
            Test::Order(l, holds) => match compare::order(value, l)? {
                Order::Incomparable => return Ok(None),
                Order::Unconvertible => false,
                Order::Ordered(o) => holds(o),
            },
            Test::In(items) => compare::in_set(value, items)?,
            Test::Like(like) => like.test(value),
            Test::Matches(matches) => matches.test(value),
            Test::IsSubset(subnet) => match string(value) {
                Some(s) => net::contained_in(&s, subnet)?,
                None => false,
            },
            Test::IsSuperset(inner) => match string(value) {
                Some(s) => net::contained_in(inner, &s)?,
                None => false,
            },
            Test::Exists => true,
        }))
    }
}

fn test(
    comparison: &Comparison,
    observations: &[Observation<'_>],
    budget: &mut Budget,
) -> Result<ObsMap, MatchError> {
    let prepared = Test::new(&comparison.op)?;
    let mut map = ObsMap::default();
    for (index, observation) in observations.iter().enumerate() {
        let mut passed = BTreeSet::new();
        for (root, values) in select(observation, &comparison.path, budget)? {
            if matches!(prepared, Test::Exists) {
                // EXISTS holds for a root object the path reaches a value in; NOT EXISTS for
                // one it reaches none in. (Upstream ignores NOT here; the spec does not.)
                if values.is_empty() == comparison.negated {
                    passed.insert(root);
                }
                continue;
            }
            for value in &values {
                budget.spend(1)?;
                let verdict = prepared.holds(value)?.is_some_and(|held| held != comparison.negated);
                if verdict {
                    passed.insert(root);
                    break;
                }
            }
        }
        if !passed.is_empty() {
            map.entries.push((index as u32, passed));
        }
    }
    Ok(map)
}

/// The objects of an observation an object path starts from: those of the path's type, one per
/// id (the last object with an id wins, in the place of the first), as upstream keys them. Each
/// comes with its index among *all* the observation's objects (of any type), so that `AND`
/// across two types never pairs two different objects that share a per-type position.
fn roots<'a>(observation: &Observation<'a>, object_type_name: &str) -> Vec<(u32, &'a Value)> {
    if DOMAIN_OBJECT_TYPES.contains(&object_type_name) {
        return Vec::new();
    }
    all_roots(observation)
        .into_iter()
        .filter(|(_, object)| object_type(object) == Some(object_type_name))
        .collect()
}

/// Every object of an observation an object path of some type can start from (see [`roots`]):
/// one per id, cyber-observable and custom types only.
pub(crate) fn all_roots<'a>(observation: &Observation<'a>) -> Vec<(u32, &'a Value)> {
    if observation.objects.len() <= SMALL_OBSERVATION {
        return small_roots(observation);
    }
    let mut order: Vec<&str> = Vec::new();
    let mut latest: HashMap<&str, &'a Value> = HashMap::new();
    for object in &observation.objects {
        let Some(id) = object_id(object) else {
            continue;
        };
        if latest.insert(id, object).is_none() {
            order.push(id);
        }
    }
    order
        .into_iter()
        .enumerate()
        .filter_map(|(index, id)| Some((index as u32, latest.get(id).copied()?)))
        .filter(|(_, object)| object_type(object).is_some_and(|t| !DOMAIN_OBJECT_TYPES.contains(&t)))
        .collect()
}

/// Up to this many objects, [`all_roots`] finds repeated ids by a linear scan rather than a
/// hash map (a single SCO observed once is the common case of a stream).
const SMALL_OBSERVATION: usize = 8;

/// [`all_roots`] for a few objects: the same roots in the same order, without a map.
fn small_roots<'a>(observation: &Observation<'a>) -> Vec<(u32, &'a Value)> {
    let mut latest: Vec<(&str, &'a Value)> = Vec::with_capacity(observation.objects.len());
    for object in &observation.objects {
        let Some(id) = object_id(object) else {
            continue;
        };
        match latest.iter_mut().find(|(seen, _)| *seen == id) {
            Some(slot) => slot.1 = object,
            None => latest.push((id, object)),
        }
    }
    latest
        .into_iter()
        .enumerate()
        .map(|(index, (_, object))| (index as u32, object))
        .filter(|(_, object)| object_type(object).is_some_and(|t| !DOMAIN_OBJECT_TYPES.contains(&t)))
        .collect()
}

/// The values an object path selects in one observation, per root object (by index); a root
/// the path reaches nothing in has no values.
fn select<'a>(
    observation: &Observation<'a>,
    path: &ObjectPath,
    budget: &mut Budget,
) -> Result<Vec<(u32, Vec<Val<'a>>)>, MatchError> {
    let mut out = Vec::new();
    for (index, root) in roots(observation, &path.object_type) {
        let mut values = vec![Val::Json(root)];
        for step in &path.steps {
            budget.spend(values.len() as u64)?;
            values = take_step(observation, values, step)?;
            if values.is_empty() {
                break;
            }
        }
        out.push((index, values));
    }
    Ok(out)
}

fn take_step<'a>(
    observation: &Observation<'a>,
    values: Vec<Val<'a>>,
    step: &PathStep,
) -> Result<Vec<Val<'a>>, MatchError> {
    let mut out = Vec::new();
    match step {
        PathStep::Key(key) => {
            for value in &values {
                if let Val::Json(Value::Object(map)) = value
                    && let Some(found) = map.get(key)
                {
                    out.push(decode_suffix(key, found)?);
                }
            }
            return dereference(observation, key, out);
        }
        PathStep::Index(index) => {
            let Ok(index) = usize::try_from(*index) else {
                return Ok(out);
            };
            for value in &values {
                match value {
                    Val::Json(Value::Array(items)) => out.extend(items.get(index).map(Val::Json)),
                    Val::List(items) => out.extend(items.get(index).copied().map(Val::Json)),
                    _ => {}
                }
            }
        }
        PathStep::AnyIndex => {
            for value in &values {
                match value {
                    Val::Json(Value::Array(items)) => out.extend(items.iter().map(Val::Json)),
                    Val::List(items) => out.extend(items.iter().copied().map(Val::Json)),
                    _ => {}
                }
            }
        }
    }
    Ok(out)
}

/// `*_hex` and `*_bin` properties hold binary data.
fn decode_suffix<'a>(key: &str, value: &'a Value) -> Result<Val<'a>, MatchError> {
    let encoding = if key.ends_with("_hex") {
        "hex"
    } else if key.ends_with("_bin") {
        "base64"
    } else {
        return Ok(Val::Json(value));
    };
    let invalid = || MatchError::InvalidBinary { property: key.to_owned(), encoding };
    let Value::String(text) = value else {
        return Err(invalid());
    };
    let decoded = if encoding == "hex" {
        decode_hex(text)
    } else {
        let compact: String = text.chars().filter(|c| !c.is_ascii_whitespace()).collect();
        if compact.is_empty() { Some(Vec::new()) } else { decode_base64(&compact) }
    };
    decoded.map(Val::Bytes).ok_or_else(invalid)
}

/// Replaces `*_ref` values by the object they name and `*_refs` lists by the objects they name,
/// within the observation; references that do not resolve are dropped.
fn dereference<'a>(
    observation: &Observation<'a>,
    key: &str,
    values: Vec<Val<'a>>,
) -> Result<Vec<Val<'a>>, MatchError> {
    let is_ref = key.ends_with("_ref");
    if !is_ref && !key.ends_with("_refs") {
        return Ok(values);
    }
    let invalid = || MatchError::InvalidReference { property: key.to_owned() };
    let resolve = |id: &str| -> Vec<&'a Value> {
        observation.objects.iter().copied().filter(|o| object_id(o) == Some(id)).collect()
    };
    let mut out = Vec::new();
    for value in values {
        match value {
            Val::Json(Value::String(id)) if is_ref => {
                out.extend(resolve(id).into_iter().map(Val::Json));
            }
            Val::Json(Value::Array(ids)) if !is_ref => {
                let mut objects = Vec::new();
                for id in ids {
                    let Value::String(id) = id else {
                        return Err(invalid());
                    };
                    objects.extend(resolve(id));
                }
                if !objects.is_empty() {
                    out.push(Val::List(objects));
                }
            }
            _ => return Err(invalid()),
        }
    }
    Ok(out)
}
