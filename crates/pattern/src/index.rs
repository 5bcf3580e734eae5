//! [`MatchIndex`]: many indicators compiled for matching a stream of observations.
//!
//! An indicator whose pattern is one `[...]` without qualifiers, made of `OR`ed tests of the
//! forms `type:key.key = 'string'`, `type:key.key IN ('string', ...)`, `type:key.key ISSUBSET
//! 'cidr'`, `type:key.key LIKE '...'` and `type:key.key MATCHES '...'` (no `NOT`, no list steps,
//! no `*_ref(s)`/`*_hex`/`*_bin` keys), is *compiled*. Per `(type, key path)`:
//! - its strings go into one hash map;
//! - its networks into a prefix table ([`network`]: one hash map per prefix length, guarded by
//!   presence bitmaps, so a look-up costs a few bit tests and one probe per level present);
//! - its `LIKE`/`MATCHES` expressions into a text table ([`text`]: an Aho-Corasick automaton
//!   over their literals finds candidates, confirmed by the evaluator's own compiled expression;
//!   `RegexSet`s for expressions without literals).
//!
//! An indicator that cannot be compiled but whose evaluation cannot fail on any data (no
//! `ISSUBSET`/`ISSUPERSET`, no timestamp literals, no `*_ref(s)`/`*_hex`/`*_bin` keys) and that
//! has *anchors* — tests of the forms above, one of which must hold for it to match (`[a AND b]`:
//! `a`'s; `[a] FOLLOWEDBY [b]`: `a`'s; `[a OR b]`: both) — is *anchored*: its anchors are
//! indexed like compiled tests, and it is evaluated with [`Pattern::matches`] only when one
//! hits. Every other indicator is evaluated for every observation holding an object of a type
//! its pattern names: no other can match it. A pattern whose evaluation fails whatever the data
//! (an invalid regular expression, `WITHIN 0 SECONDS`) is found at build time and reported as
//! that error for every observation.
//!
//! The verdicts are exactly [`Pattern::matches`]'s, indicator by indicator (tested against the
//! evaluator over the shared matcher cases and generated cases), with one reservation: the
//! evaluator's work budget ([`crate::eval::MAX_MATCH_STEPS`]) is not spent by look-ups, so an
//! input large enough to exhaust it matches here where the evaluator gives up.
//!
//! `ipv4-addr:value = '10.0.0.0/8'` is a string equality, as the specification and the
//! evaluator say: it matches the observed value `10.0.0.0/8`, not the addresses inside; use
//! `ISSUBSET` for those.

mod network;
mod text;

pub use text::{MAX_REGEX_SET_BYTES, MAX_SET_REGEXES, MIN_LITERAL_BYTES};

use crate::ast::{
    ComparisonExpr, ComparisonOp, Literal, ObservationExpr, ObservationKind, PathStep, Pattern,
};
use crate::eval::net::{self, Network};
use crate::eval::select::{DOMAIN_OBJECT_TYPES, all_roots};
use crate::eval::text::{Like, Matches as MatchesTest, nfc};
use crate::eval::{MatchError, Observation, load_observations, object_type};
use network::NetworkTable;
use serde_json::Value;
use std::borrow::Cow;
use std::collections::{HashMap, HashSet};
use text::TextTable;

/// The most indicators one index holds (indexes are `u32`).
pub const MAX_INDEX_INDICATORS: usize = u32::MAX as usize;

/// Fast, randomly seeded hashing: look-ups are the hot path, and keys come from the input.
type State = foldhash::fast::RandomState;

/// An object the index can read: its type and the strings its key paths reach. Implemented for
/// JSON values; a caller with its own light representation of one object (a borrowed parse of
/// a JSON line) implements it to use [`MatchIndex::match_object`].
pub trait Object {
    /// The `type` property, if it is a string.
    fn object_type(&self) -> Option<&str>;
    /// The string reached by following `keys` (one object key a step), if it is a string.
    fn string_at(&self, keys: &[String]) -> Option<&str>;
}

impl Object for Value {
    fn object_type(&self) -> Option<&str> {
        object_type(self)
    }

    fn string_at(&self, keys: &[String]) -> Option<&str> {
        let mut value = self;
        for key in keys {
            value = value.get(key)?;
        }
        value.as_str()
    }
}

/// The indicators under one key: almost always one, so not a heap allocation each.
#[derive(Debug, Clone)]
enum Ids {
    One(u32),
    Many(Vec<u32>),
}

impl Default for Ids {
    fn default() -> Ids {
        Ids::Many(Vec::new())
    }
}

impl Ids {
    /// Adds `indicator` unless it was the last added (indicators are added in order).
    fn push(&mut self, indicator: u32) {
        match self {
            Ids::One(last) if *last == indicator => {}
            Ids::One(last) => *self = Ids::Many(vec![*last, indicator]),
            Ids::Many(list) if list.is_empty() => *self = Ids::One(indicator),
            Ids::Many(list) => {
                if list.last() != Some(&indicator) {
                    list.push(indicator);
                }
            }
        }
    }

    fn as_slice(&self) -> &[u32] {
        match self {
            Ids::One(one) => std::slice::from_ref(one),
            Ids::Many(list) => list,
        }
    }
}

/// Many indicators, compiled (see the [module docs](crate::index)).
#[derive(Debug)]
pub struct MatchIndex<Id> {
    ids: Vec<Id>,
    /// By object type: its compiled tests and anchors by key path, and whether an indicator
    /// evaluated in full names it (one probe answers both for an observation's type).
    by_type: HashMap<Box<str>, TypeTables, State>,
    /// Indicators evaluated in full, with the object types their patterns name.
    evaluated: Vec<Evaluated>,
    /// The patterns of anchored indicators and of compiled ones with networks (evaluated in full
    /// when an observed value is not an address, as the evaluator then fails).
    kept: HashMap<u32, Pattern, State>,
    /// Anchored indicators: a hit on them means "evaluate".
    anchored: HashSet<u32, State>,
    /// Indicators whose evaluation fails whatever the data, with that error.
    broken: Vec<(u32, MatchError)>,
    compiled_count: usize,
}

/// What the index holds for one object type.
#[derive(Debug, Default)]
struct TypeTables {
    tables: Vec<PathTable>,
    /// Some indicator evaluated in full names the type.
    evaluated: bool,
    /// A domain object type: no root of any object path, as in the evaluator.
    domain: bool,
}

impl TypeTables {
    fn new(object_type: &str) -> TypeTables {
        TypeTables { domain: DOMAIN_OBJECT_TYPES.contains(&object_type), ..TypeTables::default() }
    }
}

#[derive(Debug)]
struct Evaluated {
    indicator: u32,
    pattern: Pattern,
    types: Vec<String>,
    /// Its paths dereference (`*_ref`, `*_refs`): [`MatchIndex::match_sco`] declines for it.
    references: bool,
}

/// The compiled tests on one `(type, key path)`.
#[derive(Debug, Default)]
struct PathTable {
    keys: Vec<String>,
    strings: HashMap<Box<str>, Ids, State>,
    networks: NetworkTable,
    text: TextTable,
}

impl PathTable {
    fn lookup(&self, value: &str, found: &mut Found) {
        if let Some(ids) = self.strings.get(value) {
            found.hits.extend_from_slice(ids.as_slice());
        }
        if !self.networks.is_empty() {
            match net::parse_network(value, false) {
                Ok(inner) => self.networks.containing(inner, &mut found.hits),
                Err(_) => found.evaluate.extend_from_slice(&self.networks.indicators),
            }
        }
        if !self.text.is_empty() {
            // NFC leaves ASCII as it is.
            let normalized = if value.is_ascii() { Cow::Borrowed(value) } else { Cow::Owned(nfc(value)) };
            self.text.lookup(&normalized, &mut found.hits);
        }
    }
}

/// What the look-ups found for one input.
#[derive(Debug, Default)]
struct Found {
    /// Indicators whose compiled tests (or anchors) hold.
    hits: Vec<u32>,
    /// Indicators to evaluate in full instead of trusting their look-ups.
    evaluate: Vec<u32>,
}

/// Which indicators matched one input, and which could not be evaluated on it.
#[derive(Debug, PartialEq)]
pub struct Matches<'a, Id> {
    /// The indicators that matched, in the order they were given to [`MatchIndex::build`].
    pub matched: Vec<&'a Id>,
    /// The indicators whose evaluation failed on this input (the evaluator's error), in order.
    pub errors: Vec<(&'a Id, MatchError)>,
}

/// One compiled test (or anchor).
enum Compiled {
    Strings(Vec<String>, Vec<String>),
    Network(Vec<String>, Network),
    Like(Vec<String>, String, Like),
    Matches(Vec<String>, String, MatchesTest),
}

impl Compiled {
    fn keys(&self) -> &[String] {
        match self {
            Compiled::Strings(keys, _)
            | Compiled::Network(keys, _)
            | Compiled::Like(keys, ..)
            | Compiled::Matches(keys, ..) => keys,
        }
    }
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
            by_type: HashMap::default(),
            evaluated: Vec::new(),
            kept: HashMap::default(),
            anchored: HashSet::default(),
            broken: Vec::new(),
            compiled_count: 0,
        };
        for (id, pattern) in indicators {
            assert!(index.ids.len() < MAX_INDEX_INDICATORS, "more than {MAX_INDEX_INDICATORS} indicators");
            let indicator = index.ids.len() as u32;
            index.ids.push(id);
            index.add(indicator, pattern);
        }
        for table in index.by_type.values_mut().flat_map(|t| &mut t.tables) {
            table.text.finish();
        }
        index
    }

    fn add(&mut self, indicator: u32, pattern: &Pattern) {
        if let Some(tests) = compile(pattern) {
            self.compiled_count += 1;
            if tests.iter().any(|(_, test)| matches!(test, Compiled::Network(..))) {
                self.kept.insert(indicator, pattern.clone());
            }
            self.register(indicator, tests);
            return;
        }
        // Errors that do not depend on the data show on an empty input: every comparison and
        // qualifier is checked before any observation is looked at.
        if let Err(error) = pattern.matches(&[]) {
            self.broken.push((indicator, error));
            return;
        }
        if cannot_fail(pattern)
            && let Some(anchors) = anchors(&pattern.expr)
        {
            self.anchored.insert(indicator);
            self.kept.insert(indicator, pattern.clone());
            self.register(indicator, anchors);
            return;
        }
        let types = types(pattern);
        for object_type in &types {
            self.type_tables(object_type).evaluated = true;
        }
        let references = comparisons(pattern).iter().any(|c| {
            c.path
                .steps
                .iter()
                .any(|s| matches!(s, PathStep::Key(key) if key.ends_with("_ref") || key.ends_with("_refs")))
        });
        self.evaluated.push(Evaluated { indicator, pattern: pattern.clone(), types, references });
    }

    fn type_tables(&mut self, object_type: &str) -> &mut TypeTables {
        self.by_type.entry(object_type.into()).or_insert_with(|| TypeTables::new(object_type))
    }

    fn register(&mut self, indicator: u32, tests: Vec<(String, Compiled)>) {
        for (object_type, test) in tests {
            let tables = &mut self.type_tables(&object_type).tables;
            let position = match tables.iter().position(|t| t.keys == test.keys()) {
                Some(position) => position,
                None => {
                    tables.push(PathTable { keys: test.keys().to_vec(), ..PathTable::default() });
                    tables.len() - 1
                }
            };
            let table = &mut tables[position];
            match test {
                Compiled::Strings(_, values) => {
                    for value in values {
                        table.strings.entry(value.into_boxed_str()).or_default().push(indicator);
                    }
                }
                Compiled::Network(_, network) => table.networks.insert(network, indicator),
                Compiled::Like(_, operand, like) => table.text.add_like(indicator, &operand, like),
                Compiled::Matches(_, operand, matches) => {
                    table.text.add_matches(indicator, &operand, matches)
                }
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

    /// How many indicators are compiled to look-ups.
    pub fn compiled_count(&self) -> usize {
        self.compiled_count
    }

    /// How many indicators are anchored: evaluated in full only when a look-up hits.
    pub fn anchored_count(&self) -> usize {
        self.anchored.len()
    }

    /// The id of an indicator by its position in [`MatchIndex::build`]'s input.
    pub fn id(&self, indicator: usize) -> Option<&Id> {
        self.ids.get(indicator)
    }

    fn look_up(&self, root_type: &str, root: &(impl Object + ?Sized), found: &mut Found) {
        if let Some(types) = self.by_type.get(root_type) {
            look_up_in(&types.tables, root, found);
        }
    }

    /// Moves anchored hits to the indicators to evaluate, and drops from the hits every
    /// indicator to evaluate.
    fn settle(&self, found: &mut Found) {
        if !self.anchored.is_empty() {
            let Found { hits, evaluate } = found;
            hits.retain(|i| {
                let anchored = self.anchored.contains(i);
                if anchored {
                    evaluate.push(*i);
                }
                !anchored
            });
        }
        if !found.evaluate.is_empty() {
            found.evaluate.sort_unstable();
            found.evaluate.dedup();
            let evaluate: HashSet<u32> = found.evaluate.iter().copied().collect();
            found.hits.retain(|i| !evaluate.contains(i));
        }
    }

    /// Matches every indicator against one input of the form [`Pattern::matches`] takes
    /// (bundles or bare objects, holding observed-data and the objects they refer to). Fails,
    /// for every indicator at once as the evaluator would, when the observed-data is invalid.
    pub fn match_observation(&self, input: &[Value]) -> Result<Matches<'_, Id>, MatchError> {
        let observations = load_observations(input)?;
        let mut found = Found::default();
        let mut types_present: HashSet<&str> = HashSet::new();
        for observation in &observations {
            for (_, root) in all_roots(observation) {
                let Some(root_type) = object_type(root) else { continue };
                types_present.insert(root_type);
                self.look_up(root_type, root, &mut found);
            }
        }
        Ok(self.evaluate(&observations, found, |t| types_present.contains(t)))
    }

    /// The verdicts from the look-ups' `found` on `observations`, after evaluating in full the
    /// indicators to evaluate and those evaluated in full that name a type `present`.
    fn evaluate(
        &self,
        observations: &[Observation<'_>],
        mut found: Found,
        present: impl Fn(&str) -> bool,
    ) -> Matches<'_, Id> {
        self.settle(&mut found);
        let mut hits = found.hits;
        let mut errors: Vec<(u32, MatchError)> = self.broken.clone();
        let full = self
            .evaluated
            .iter()
            .filter(|e| e.types.iter().any(|t| present(t)))
            .map(|e| (e.indicator, &e.pattern))
            .chain(found.evaluate.iter().map(|i| (*i, &self.kept[i])));
        for (indicator, pattern) in full {
            match pattern.matches_loaded(observations) {
                Ok(result) if result.matched => hits.push(indicator),
                Ok(_) => {}
                Err(error) => errors.push((indicator, error)),
            }
        }
        self.matches(hits, errors)
    }

    /// Every verdict, as [`MatchIndex::match_observation`] gives them for one observed-data
    /// holding only `sco` (which has a string `id`), observed once at `observed_at`, without
    /// building that observed-data: for the objects [`MatchIndex::match_object`] declines. The
    /// indicators it must evaluate in full are evaluated on `sco` alone, which gives the same
    /// verdicts as long as none of them dereferences (only a reference could reach the
    /// observed-data around it). `None`, to build the observation and call
    /// [`MatchIndex::match_observation`], when some does, when `sco` has no string `type` or
    /// `id` or is a `bundle` or `observed-data`, or when `observed_at` is not a STIX timestamp.
    pub fn match_sco(&self, sco: &Value, observed_at: &str) -> Option<Result<Matches<'_, Id>, MatchError>> {
        let kind = object_type(sco)?;
        sco.get("id")?.as_str()?;
        if kind == "bundle" || kind == "observed-data" {
            return None;
        }
        if self.evaluated.iter().any(|e| e.references && e.types.iter().any(|t| t == kind)) {
            return None;
        }
        let observation = [Observation::once(sco, observed_at)?];
        // Domain objects are no root of any object path, as in the evaluator.
        let root = !DOMAIN_OBJECT_TYPES.contains(&kind);
        let mut found = Found::default();
        if root {
            self.look_up(kind, sco, &mut found);
        }
        Some(Ok(self.evaluate(&observation, found, |t| root && t == kind)))
    }

    fn matches(&self, mut hits: Vec<u32>, mut errors: Vec<(u32, MatchError)>) -> Matches<'_, Id> {
        hits.sort_unstable();
        hits.dedup();
        errors.sort_by_key(|(i, _)| *i);
        Matches {
            matched: hits.iter().map(|&i| &self.ids[i as usize]).collect(),
            errors: errors.into_iter().map(|(i, e)| (&self.ids[i as usize], e)).collect(),
        }
    }

    /// The fast path for a stream of single objects: the verdicts [`MatchIndex::match_observation`]
    /// gives for one observed-data holding only `object` (with an id), observed once, when they
    /// do not depend on the observation around it — that is, when only look-ups decide them.
    /// `None` when some indicator must be evaluated in full on it (an indicator evaluated in
    /// full names its type, an anchor hit, or a network test met a value that is not an
    /// address): then build the observation and call [`MatchIndex::match_observation`].
    pub fn match_object(&self, object: &(impl Object + ?Sized)) -> Option<Matches<'_, Id>> {
        let mut found = Found::default();
        // Domain objects are no root of any object path, as in the evaluator.
        if let Some(types) = object.object_type().and_then(|t| self.by_type.get(t))
            && !types.domain
        {
            if types.evaluated {
                return None;
            }
            look_up_in(&types.tables, object, &mut found);
            self.settle(&mut found);
            if !found.evaluate.is_empty() {
                return None;
            }
        }
        Some(self.matches(found.hits, self.broken.clone()))
    }

    /// The *compiled* indicators that match an object of `object_type` whose `value` property
    /// is `value` (e.g. `("ipv4-addr", "10.1.2.3")`), in build order. Indicators evaluated in
    /// full or anchored are not consulted (a bare value has no observation around it to
    /// evaluate them on), nor those whose network tests meet a value that is not an address;
    /// use [`MatchIndex::match_object`] or [`MatchIndex::match_observation`] for every verdict.
    pub fn match_value(&self, object_type: &str, value: &str) -> Vec<&Id> {
        let mut found = Found::default();
        for table in self.by_type.get(object_type).map(|t| t.tables.as_slice()).unwrap_or_default() {
            if table.keys.len() == 1 && table.keys[0] == "value" {
                table.lookup(value, &mut found);
            }
        }
        self.settle(&mut found);
        self.matches(found.hits, Vec::new()).matched
    }
}

/// Looks `object`'s values up in the tables of its type.
fn look_up_in(tables: &[PathTable], object: &(impl Object + ?Sized), found: &mut Found) {
    for table in tables {
        if let Some(value) = object.string_at(&table.keys) {
            table.lookup(value, found);
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
    match expr {
        ComparisonExpr::Or(items) => items.iter().all(|item| compile_or(item, out)),
        ComparisonExpr::And(_) => false,
        ComparisonExpr::Test(comparison) => match compile_test(comparison, true) {
            Some(test) => {
                out.push((comparison.path.object_type.clone(), test));
                true
            }
            None => false,
        },
    }
}

/// One test as a look-up, if it is one of the compiled forms (`networks`: `ISSUBSET` too).
fn compile_test(comparison: &crate::ast::Comparison, networks: bool) -> Option<Compiled> {
    if comparison.negated {
        return None;
    }
    let mut keys = Vec::with_capacity(comparison.path.steps.len());
    for step in &comparison.path.steps {
        match step {
            PathStep::Key(key) if !decoded_key(key) => keys.push(key.clone()),
            _ => return None,
        }
    }
    let strings = |literals: &[Literal]| -> Option<Vec<String>> {
        literals.iter().map(|l| if let Literal::Str(s) = l { Some(s.clone()) } else { None }).collect()
    };
    Some(match &comparison.op {
        ComparisonOp::Eq(literal) => Compiled::Strings(keys, strings(std::slice::from_ref(literal))?),
        ComparisonOp::In(literals) => Compiled::Strings(keys, strings(literals)?),
        ComparisonOp::IsSubset(cidr) if networks => {
            Compiled::Network(keys, net::parse_network(cidr, true).ok()?)
        }
        ComparisonOp::Like(operand) => Compiled::Like(keys, operand.clone(), Like::new(operand).ok()?),
        ComparisonOp::Matches(operand) => {
            Compiled::Matches(keys, operand.clone(), MatchesTest::new(operand).ok()?)
        }
        _ => return None,
    })
}

/// Keys whose values the evaluator decodes (`*_hex`, `*_bin`) or dereferences (`*_ref(s)`),
/// failing on bad data.
fn decoded_key(key: &str) -> bool {
    ["_ref", "_refs", "_hex", "_bin"].iter().any(|suffix| key.ends_with(suffix))
}

/// Tests one of which must hold (on an object of their type) for `expr` to match; `None` when
/// there are none (some branch has no test that can be looked up).
fn anchors(expr: &ObservationExpr) -> Option<Vec<(String, Compiled)>> {
    match &expr.kind {
        ObservationKind::Comparison(comparison) => comparison_anchors(comparison),
        ObservationKind::Group(inner) => anchors(inner),
        // Every item must match: any one item's anchors will do; take the cheapest.
        ObservationKind::And(items) | ObservationKind::FollowedBy(items) => {
            items.iter().filter_map(anchors).min_by_key(|a| anchor_cost(a))
        }
        ObservationKind::Or(items) => items
            .iter()
            .map(anchors)
            .collect::<Option<Vec<_>>>()
            .map(|all| all.into_iter().flatten().collect()),
    }
}

fn comparison_anchors(expr: &ComparisonExpr) -> Option<Vec<(String, Compiled)>> {
    match expr {
        ComparisonExpr::Test(comparison) => {
            compile_test(comparison, false).map(|test| vec![(comparison.path.object_type.clone(), test)])
        }
        ComparisonExpr::And(items) => {
            items.iter().filter_map(comparison_anchors).min_by_key(|a| anchor_cost(a))
        }
        ComparisonExpr::Or(items) => items
            .iter()
            .map(comparison_anchors)
            .collect::<Option<Vec<_>>>()
            .map(|all| all.into_iter().flatten().collect()),
    }
}

/// Expressions cost a scan and give candidates to confirm; strings are one probe.
fn anchor_cost(anchors: &[(String, Compiled)]) -> usize {
    anchors.iter().filter(|(_, test)| !matches!(test, Compiled::Strings(..))).count()
}

/// Whether evaluating `pattern` can never fail because of the data: no comparison parses
/// addresses or timestamps out of values, decodes or dereferences (errors that do not depend on
/// the data were ruled out by evaluating it on an empty input).
fn cannot_fail(pattern: &Pattern) -> bool {
    comparisons(pattern).iter().all(|c| {
        let timestamp = |l: &Literal| matches!(l, Literal::Timestamp(_));
        let op_safe = match &c.op {
            ComparisonOp::IsSubset(_) | ComparisonOp::IsSuperset(_) => false,
            ComparisonOp::Eq(l)
            | ComparisonOp::NotEq(l)
            | ComparisonOp::Lt(l)
            | ComparisonOp::Le(l)
            | ComparisonOp::Gt(l)
            | ComparisonOp::Ge(l) => !timestamp(l),
            ComparisonOp::In(items) => !items.iter().any(timestamp),
            ComparisonOp::Like(_) | ComparisonOp::Matches(_) | ComparisonOp::Exists => true,
        };
        let path_safe = c.path.steps.iter().all(|s| !matches!(s, PathStep::Key(key) if decoded_key(key)));
        op_safe && path_safe
    })
}

/// Every comparison of a pattern.
fn comparisons(pattern: &Pattern) -> Vec<&crate::ast::Comparison> {
    let mut out = Vec::new();
    let mut observations = vec![&pattern.expr];
    let mut expressions = Vec::new();
    while let Some(expr) = observations.pop() {
        match &expr.kind {
            ObservationKind::Comparison(c) => expressions.push(c),
            ObservationKind::Group(inner) => observations.push(inner),
            ObservationKind::And(items) | ObservationKind::Or(items) | ObservationKind::FollowedBy(items) => {
                observations.extend(items)
            }
        }
    }
    while let Some(expr) = expressions.pop() {
        match expr {
            ComparisonExpr::And(items) | ComparisonExpr::Or(items) => expressions.extend(items),
            ComparisonExpr::Test(c) => out.push(c),
        }
    }
    out
}

/// The object types a pattern's paths start from.
fn types(pattern: &Pattern) -> Vec<String> {
    let mut out: Vec<String> = Vec::new();
    for comparison in comparisons(pattern) {
        if !out.contains(&comparison.path.object_type) {
            out.push(comparison.path.object_type.clone());
        }
    }
    out
}
