//! [`MatchIndex`]: many indicators compiled for matching a stream of observations.
//!
//! An indicator whose pattern is one `[...]` without qualifiers, made of `OR`ed tests of the
//! forms `type:key.key = 'string'`, `type:key.key IN ('string', ...)` and `type:key.key ISSUBSET
//! 'cidr'` (no `NOT`, no list steps, no `*_ref(s)`/`*_hex`/`*_bin` keys), is *compiled*: its
//! strings go into one hash map per `(type, key path)`, its networks into a prefix table per
//! `(type, key path)` (one hash map per prefix length, so a look-up costs one probe per distinct
//! length). Every other indicator (several observations, qualifiers, `AND` inside `[...]`,
//! other operators) is evaluated with [`Pattern::matches`], but only for observations holding
//! an object of a type its pattern names: no other can match it. A pattern whose evaluation
//! fails whatever the data (an invalid regular expression, `WITHIN 0 SECONDS`) is found at build
//! time and reported as that error for every observation.
//!
//! The verdicts are exactly [`Pattern::matches`]'s, indicator by indicator (tested against the
//! evaluator over the shared matcher cases and generated cases), with one reservation: the
//! evaluator's work budget ([`crate::eval::MAX_MATCH_STEPS`]) is not spent by compiled
//! indicators, so an input large enough to exhaust it matches here where the evaluator gives up.
//!
//! `ipv4-addr:value = '10.0.0.0/8'` is a string equality, as the specification and the
//! evaluator say: it matches the observed value `10.0.0.0/8`, not the addresses inside; use
//! `ISSUBSET` for those.

use crate::ast::{
    ComparisonExpr, ComparisonOp, Literal, ObservationExpr, ObservationKind, PathStep, Pattern,
};
use crate::eval::net::{self, Network};
use crate::eval::select::all_roots;
use crate::eval::{MatchError, load_observations, object_type};
use serde_json::Value;
use std::collections::{BTreeMap, HashMap, HashSet};

/// The most indicators one index holds (indexes are `u32`).
pub const MAX_INDEX_INDICATORS: usize = u32::MAX as usize;

/// Many indicators, compiled (see the [module docs](crate::index)).
#[derive(Debug)]
pub struct MatchIndex<Id> {
    ids: Vec<Id>,
    /// Compiled tests by object type, then by key path.
    by_type: HashMap<String, Vec<PathTable>>,
    /// Indicators evaluated in full, with the object types their patterns name.
    evaluated: Vec<Evaluated>,
    /// Indicators whose evaluation fails whatever the data, with that error.
    broken: Vec<(u32, MatchError)>,
    compiled_count: usize,
}

#[derive(Debug)]
struct Evaluated {
    indicator: u32,
    pattern: Pattern,
    types: Vec<String>,
}

/// The compiled tests on one `(type, key path)`.
#[derive(Debug, Default)]
struct PathTable {
    keys: Vec<String>,
    strings: HashMap<String, Vec<u32>>,
    networks: NetworkTable,
}

/// Networks by width (32 or 128), then prefix length, then masked address.
#[derive(Debug, Default)]
struct NetworkTable {
    by_width: BTreeMap<u32, BTreeMap<u32, HashMap<u128, Vec<u32>>>>,
    /// Every indicator with a network here: evaluated in full when an observed value is not an
    /// address, since the evaluator then fails with that error.
    indicators: Vec<u32>,
    /// Every pattern compiled here, kept for that case.
    patterns: Vec<Pattern>,
}

impl NetworkTable {
    fn insert(&mut self, network: Network, indicator: u32) {
        let by_prefix = self.by_width.entry(network.width).or_default();
        by_prefix
            .entry(network.prefix)
            .or_default()
            .entry(network.masked(network.prefix))
            .or_default()
            .push(indicator);
    }

    /// The indicators whose networks contain `inner`.
    fn containing(&self, inner: Network, out: &mut Vec<u32>) {
        let Some(by_prefix) = self.by_width.get(&inner.width) else { return };
        for (&prefix, table) in by_prefix.range(..=inner.prefix) {
            if let Some(found) = table.get(&inner.masked(prefix)) {
                out.extend_from_slice(found);
            }
        }
    }
}

/// Which indicators matched one input, and which could not be evaluated on it.
#[derive(Debug, PartialEq)]
pub struct Matches<'a, Id> {
    /// The indicators that matched, in the order they were given to [`MatchIndex::build`].
    pub matched: Vec<&'a Id>,
    /// The indicators whose evaluation failed on this input (the evaluator's error), in order.
    pub errors: Vec<(&'a Id, MatchError)>,
}

/// One compiled test.
enum Compiled {
    Strings(Vec<String>, Vec<String>),
    Network(Vec<String>, Network),
}

impl<Id> MatchIndex<Id> {
    /// Compiles `indicators` (an id and a parsed pattern each; [`crate::parse_syntax`] or
    /// [`crate::parse`]). Ids need not be unique: each entry is one indicator.
    ///
    /// # Panics
    /// With more than [`MAX_INDEX_INDICATORS`] indicators.
    pub fn build<'p>(indicators: impl IntoIterator<Item = (Id, &'p Pattern)>) -> MatchIndex<Id> {
        let mut index = MatchIndex {
            ids: Vec::new(),
            by_type: HashMap::new(),
            evaluated: Vec::new(),
            broken: Vec::new(),
            compiled_count: 0,
        };
        for (id, pattern) in indicators {
            assert!(index.ids.len() < MAX_INDEX_INDICATORS, "more than {MAX_INDEX_INDICATORS} indicators");
            let indicator = index.ids.len() as u32;
            index.ids.push(id);
            index.add(indicator, pattern);
        }
        index
    }

    fn add(&mut self, indicator: u32, pattern: &Pattern) {
        if let Some(tests) = compile(pattern) {
            self.compiled_count += 1;
            for (object_type, test) in tests {
                let keys = match &test {
                    Compiled::Strings(keys, _) | Compiled::Network(keys, _) => keys,
                };
                let tables = self.by_type.entry(object_type).or_default();
                let position = match tables.iter().position(|t| &t.keys == keys) {
                    Some(position) => position,
                    None => {
                        tables.push(PathTable { keys: keys.clone(), ..PathTable::default() });
                        tables.len() - 1
                    }
                };
                let table = &mut tables[position];
                match test {
                    Compiled::Strings(_, values) => {
                        for value in values {
                            let ids = table.strings.entry(value).or_default();
                            if ids.last() != Some(&indicator) {
                                ids.push(indicator);
                            }
                        }
                    }
                    Compiled::Network(_, network) => {
                        table.networks.insert(network, indicator);
                        if table.networks.indicators.last() != Some(&indicator) {
                            table.networks.indicators.push(indicator);
                            table.networks.patterns.push(pattern.clone());
                        }
                    }
                }
            }
            return;
        }
        // Errors that do not depend on the data show on an empty input: every comparison and
        // qualifier is checked before any observation is looked at.
        match pattern.matches(&[]) {
            Err(error) => self.broken.push((indicator, error)),
            Ok(_) => {
                self.evaluated.push(Evaluated { indicator, pattern: pattern.clone(), types: types(pattern) })
            }
        }
    }

    /// How many indicators the index holds.
    pub fn len(&self) -> usize {
        self.ids.len()
    }

    /// Whether the index holds no indicator.
    pub fn is_empty(&self) -> bool {
        self.ids.is_empty()
    }

    /// How many indicators are compiled to look-ups (the rest are evaluated in full).
    pub fn compiled_count(&self) -> usize {
        self.compiled_count
    }

    /// The id of an indicator by its position in [`MatchIndex::build`]'s input.
    pub fn id(&self, indicator: usize) -> Option<&Id> {
        self.ids.get(indicator)
    }

    /// Matches every indicator against one input of the form [`Pattern::matches`] takes
    /// (bundles or bare objects, holding observed-data and the objects they refer to). Fails,
    /// for every indicator at once as the evaluator would, when the observed-data is invalid.
    pub fn match_observation(&self, input: &[Value]) -> Result<Matches<'_, Id>, MatchError> {
        let observations = load_observations(input)?;
        let mut hits: Vec<u32> = Vec::new();
        let mut recheck: Vec<(u32, &Pattern)> = Vec::new();
        let mut types_present: HashSet<&str> = HashSet::new();
        for observation in &observations {
            for (_, root) in all_roots(observation) {
                let Some(root_type) = object_type(root) else { continue };
                types_present.insert(root_type);
                for table in self.by_type.get(root_type).map(Vec::as_slice).unwrap_or_default() {
                    table.lookup(root, &mut hits, &mut recheck);
                }
            }
        }
        // An indicator to recheck is evaluated in full instead of trusting its look-ups.
        let rechecked: HashSet<u32> = recheck.iter().map(|(i, _)| *i).collect();
        hits.retain(|i| !rechecked.contains(i));
        let mut errors: Vec<(u32, MatchError)> = self.broken.clone();
        let full = self
            .evaluated
            .iter()
            .filter(|e| e.types.iter().any(|t| types_present.contains(t.as_str())))
            .map(|e| (e.indicator, &e.pattern))
            .chain(recheck.into_iter().filter(|(i, _)| rechecked.contains(i)));
        let mut seen = HashSet::new();
        for (indicator, pattern) in full {
            if !seen.insert(indicator) {
                continue;
            }
            match pattern.matches_loaded(&observations) {
                Ok(result) if result.matched => hits.push(indicator),
                Ok(_) => {}
                Err(error) => errors.push((indicator, error)),
            }
        }
        hits.sort_unstable();
        hits.dedup();
        errors.sort_by_key(|(i, _)| *i);
        Ok(Matches {
            matched: hits.iter().map(|&i| &self.ids[i as usize]).collect(),
            errors: errors.into_iter().map(|(i, e)| (&self.ids[i as usize], e)).collect(),
        })
    }

    /// The fast path for a bare value: the *compiled* indicators that match an object of
    /// `object_type` whose `value` property is `value` (e.g. `("ipv4-addr", "10.1.2.3")`), in
    /// build order. Indicators evaluated in full are not consulted (a bare value has no
    /// observation around it to evaluate them on); use [`MatchIndex::match_observation`] for
    /// every verdict.
    pub fn match_value(&self, object_type: &str, value: &str) -> Vec<&Id> {
        let mut hits = Vec::new();
        for table in self.by_type.get(object_type).map(Vec::as_slice).unwrap_or_default() {
            if table.keys.len() != 1 || table.keys[0] != "value" {
                continue;
            }
            if let Some(found) = table.strings.get(value) {
                hits.extend_from_slice(found);
            }
            // A value that is not an address matches no network (the evaluator would fail).
            if !table.networks.indicators.is_empty()
                && let Ok(inner) = net::parse_network(value, false)
            {
                table.networks.containing(inner, &mut hits);
            }
        }
        hits.sort_unstable();
        hits.dedup();
        hits.iter().map(|&i| &self.ids[i as usize]).collect()
    }
}

impl PathTable {
    fn lookup<'s>(&'s self, root: &Value, hits: &mut Vec<u32>, recheck: &mut Vec<(u32, &'s Pattern)>) {
        let mut value = root;
        for key in &self.keys {
            match value.get(key) {
                Some(next) => value = next,
                None => return,
            }
        }
        let Value::String(text) = value else { return };
        if let Some(found) = self.strings.get(text.as_str()) {
            hits.extend_from_slice(found);
        }
        if self.networks.indicators.is_empty() {
            return;
        }
        match net::parse_network(text, false) {
            Ok(inner) => self.networks.containing(inner, hits),
            Err(_) => recheck.extend(self.networks.indicators.iter().copied().zip(&self.networks.patterns)),
        }
    }
}

/// The compiled tests of `pattern` (object type and test), or `None` when it must be evaluated.
fn compile(pattern: &Pattern) -> Option<Vec<(String, Compiled)>> {
    let mut expr: &ObservationExpr = &pattern.expr;
    loop {
        if !expr.qualifiers.is_empty() {
            return None;
        }
        match &expr.kind {
            ObservationKind::Group(inner) => expr = inner,
            ObservationKind::Comparison(comparison) => {
                let mut out = Vec::new();
                return compile_or(comparison, &mut out).then_some(out);
            }
            _ => return None,
        }
    }
}

fn compile_or(expr: &ComparisonExpr, out: &mut Vec<(String, Compiled)>) -> bool {
    let comparison = match expr {
        ComparisonExpr::Or(items) => return items.iter().all(|item| compile_or(item, out)),
        ComparisonExpr::And(_) => return false,
        ComparisonExpr::Test(comparison) => comparison,
    };
    if comparison.negated {
        return false;
    }
    let mut keys = Vec::with_capacity(comparison.path.steps.len());
    for step in &comparison.path.steps {
        match step {
            // These keys make the evaluator decode or dereference the value.
            PathStep::Key(key)
                if !["_ref", "_refs", "_hex", "_bin"].iter().any(|suffix| key.ends_with(suffix)) =>
            {
                keys.push(key.clone());
            }
            _ => return false,
        }
    }
    let strings = |literals: &[Literal]| -> Option<Vec<String>> {
        literals.iter().map(|l| if let Literal::Str(s) = l { Some(s.clone()) } else { None }).collect()
    };
    let test = match &comparison.op {
        ComparisonOp::Eq(literal) => match strings(std::slice::from_ref(literal)) {
            Some(values) => Compiled::Strings(keys, values),
            None => return false,
        },
        ComparisonOp::In(literals) => match strings(literals) {
            Some(values) => Compiled::Strings(keys, values),
            None => return false,
        },
        ComparisonOp::IsSubset(cidr) => match net::parse_network(cidr, true) {
            Ok(network) => Compiled::Network(keys, network),
            Err(_) => return false,
        },
        _ => return false,
    };
    out.push((comparison.path.object_type.clone(), test));
    true
}

/// The object types a pattern's paths start from.
fn types(pattern: &Pattern) -> Vec<String> {
    let mut out: Vec<String> = Vec::new();
    let mut observations = vec![&pattern.expr];
    let mut comparisons = Vec::new();
    while let Some(expr) = observations.pop() {
        match &expr.kind {
            ObservationKind::Comparison(c) => comparisons.push(c),
            ObservationKind::Group(inner) => observations.push(inner),
            ObservationKind::And(items) | ObservationKind::Or(items) | ObservationKind::FollowedBy(items) => {
                observations.extend(items)
            }
        }
    }
    while let Some(expr) = comparisons.pop() {
        match expr {
            ComparisonExpr::And(items) | ComparisonExpr::Or(items) => comparisons.extend(items),
            ComparisonExpr::Test(c) => {
                if !out.contains(&c.path.object_type) {
                    out.push(c.path.object_type.clone());
                }
            }
        }
    }
    out
}
