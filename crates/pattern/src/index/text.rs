//! The `LIKE` and `MATCHES` side of [`MatchIndex`](super::MatchIndex), for one object path.
//!
//! Every expression is the evaluator's own compiled one (`eval::text`), so a verdict here is the
//! evaluator's. What the table adds is a way not to run thousands of them on every value:
//! - a `LIKE` operand's longest literal fragment (between `%` and `_`) must occur in any string
//!   it matches, and a `MATCHES` expression's prefix literals (`regex-syntax`'s extractor, as the
//!   `regex` crate's own prefilter) start any match, when that set is finite: one Aho-Corasick
//!   automaton over all of them finds the candidates, which are then confirmed by their
//!   expression;
//! - expressions with no usable literal (shorter than [`MIN_LITERAL_BYTES`], or none) are tested
//!   on every value: `MATCHES` ones through `regex::RegexSet`s of at most [`MAX_SET_REGEXES`]
//!   expressions (and [`MAX_REGEX_SET_BYTES`]), `LIKE` ones one by one.
//!
//! Values are NFC-normalised once (a no-op for ASCII), as the evaluator normalises both sides.

use super::Ids;
use crate::eval::text::{Like, Matches, nfc};
use aho_corasick::{AhoCorasick, MatchKind};
use regex_syntax::hir::literal::{ExtractKind, Extractor};
use std::collections::HashMap;

/// Literals shorter than this occur in too many values to be worth a candidate look-up.
pub const MIN_LITERAL_BYTES: usize = 3;

/// The most expressions one `RegexSet` holds: a set's lazy DFA grows with its expressions, so
/// a few moderate sets keep its cache effective.
pub const MAX_SET_REGEXES: usize = 256;

/// The most memory one compiled `RegexSet` may take; a chunk over it is tested one by one.
pub const MAX_REGEX_SET_BYTES: usize = 16 * crate::eval::MAX_REGEX_BYTES;

/// The most prefix literals kept for one `MATCHES` expression; more, and it goes to a set.
const MAX_LITERALS_PER_REGEX: usize = 64;

#[derive(Debug)]
enum Test {
    Like(Like),
    Matches(Matches),
}

#[derive(Debug)]
struct Entry {
    indicator: u32,
    test: Test,
}

impl Entry {
    fn holds(&self, normalized: &str) -> bool {
        match &self.test {
            Test::Like(like) => like.test_normalized(normalized),
            Test::Matches(matches) => matches.test_normalized(normalized),
        }
    }
}

/// The `LIKE` and `MATCHES` tests on one object path.
#[derive(Debug, Default)]
pub(super) struct TextTable {
    entries: Vec<Entry>,
    /// Literal → its position in `literals` (while building).
    literal_positions: HashMap<Vec<u8>, usize>,
    literals: Vec<Vec<u8>>,
    /// Per literal, the entries it is a necessary condition of.
    candidates: Vec<Ids>,
    searcher: Option<AhoCorasick>,
    /// Entries tested on every value, one by one.
    unfiltered: Vec<u32>,
    /// `MATCHES` entries without literals (while building), with their normalised source.
    unfiltered_regexes: Vec<(u32, String)>,
    /// Those, compiled: each set's expressions are the listed entries, in order.
    sets: Vec<(regex::RegexSet, Vec<u32>)>,
}

impl TextTable {
    pub(super) fn is_empty(&self) -> bool {
        self.entries.is_empty()
    }

    pub(super) fn add_like(&mut self, indicator: u32, operand: &str, like: Like) {
        let entry = self.push(indicator, Test::Like(like));
        let operand = nfc(operand);
        let longest = operand.split(['%', '_']).max_by_key(|f| f.len()).unwrap_or_default();
        if longest.len() >= MIN_LITERAL_BYTES {
            self.add_literal(longest.as_bytes(), entry);
        } else {
            self.unfiltered.push(entry);
        }
    }

    pub(super) fn add_matches(&mut self, indicator: u32, operand: &str, matches: Matches) {
        let entry = self.push(indicator, Test::Matches(matches));
        let source = nfc(operand);
        match prefix_literals(&source) {
            Some(literals) => {
                for literal in literals {
                    self.add_literal(&literal, entry);
                }
            }
            None => self.unfiltered_regexes.push((entry, source)),
        }
    }

    fn push(&mut self, indicator: u32, test: Test) -> u32 {
        self.entries.push(Entry { indicator, test });
        (self.entries.len() - 1) as u32
    }

    fn add_literal(&mut self, literal: &[u8], entry: u32) {
        let position = *self.literal_positions.entry(literal.to_vec()).or_insert_with(|| {
            self.literals.push(literal.to_vec());
            self.candidates.push(Ids::default());
            self.literals.len() - 1
        });
        self.candidates[position].push(entry);
    }

    /// Builds the automaton and the sets once every test is in.
    pub(super) fn finish(&mut self) {
        self.literal_positions = HashMap::new();
        if !self.literals.is_empty() {
            match AhoCorasick::builder().match_kind(MatchKind::Standard).build(&self.literals) {
                Ok(searcher) => self.searcher = Some(searcher),
                // Too large for the automaton: test every entry on every value instead.
                Err(_) => {
                    let mut all: Vec<u32> =
                        self.candidates.iter().flat_map(|c| c.as_slice()).copied().collect();
                    all.sort_unstable();
                    all.dedup();
                    self.unfiltered.extend(all);
                    self.candidates.clear();
                }
            }
            self.literals = Vec::new();
        }
        let regexes = std::mem::take(&mut self.unfiltered_regexes);
        for chunk in regexes.chunks(MAX_SET_REGEXES) {
            let set = regex::RegexSetBuilder::new(chunk.iter().map(|(_, source)| source))
                .size_limit(MAX_REGEX_SET_BYTES)
                .build();
            match set {
                Ok(set) => self.sets.push((set, chunk.iter().map(|(entry, _)| *entry).collect())),
                Err(_) => self.unfiltered.extend(chunk.iter().map(|(entry, _)| *entry)),
            }
        }
    }

    /// Appends the indicators whose test holds for `normalized` (an NFC-normalised value).
    pub(super) fn lookup(&self, normalized: &str, out: &mut Vec<u32>) {
        if let Some(searcher) = &self.searcher {
            let mut candidates: Vec<u32> = Vec::new();
            for found in searcher.find_overlapping_iter(normalized) {
                candidates.extend_from_slice(self.candidates[found.pattern().as_usize()].as_slice());
            }
            candidates.sort_unstable();
            candidates.dedup();
            let entries = candidates.into_iter().map(|e| &self.entries[e as usize]);
            out.extend(entries.filter(|e| e.holds(normalized)).map(|e| e.indicator));
        }
        for &entry in &self.unfiltered {
            let entry = &self.entries[entry as usize];
            if entry.holds(normalized) {
                out.push(entry.indicator);
            }
        }
        for (set, entries) in &self.sets {
            // `matches` allocates its answer; almost every value matches nothing.
            if !set.is_match(normalized) {
                continue;
            }
            for matched in set.matches(normalized).iter() {
                out.push(self.entries[entries[matched] as usize].indicator);
            }
        }
    }
}

/// Literals one of which starts every match of `source` (as the `regex` crate parses it), or
/// `None` when there is no such finite set of usable literals.
fn prefix_literals(source: &str) -> Option<Vec<Vec<u8>>> {
    let hir = regex_syntax::ParserBuilder::new().build().parse(source).ok()?;
    // Classes of more than a few characters end a literal rather than multiply the literals.
    let seq = Extractor::new().kind(ExtractKind::Prefix).limit_class(4).extract(&hir);
    let literals = seq.literals()?;
    let usable = !literals.is_empty()
        && literals.len() <= MAX_LITERALS_PER_REGEX
        && literals.iter().all(|l| l.as_bytes().len() >= MIN_LITERAL_BYTES);
    usable.then(|| literals.iter().map(|l| l.as_bytes().to_vec()).collect())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn prefix_literals_are_found_only_where_they_bound_every_match() {
        let cases: &[(&str, Option<&[&str]>)] = &[
            ("^https://evil", Some(&["https://evil"])),
            ("(abc|xyz)[0-9]+", Some(&["abc", "xyz"])),
            ("a+bcd", None),
            (".*evil", None),
            ("x?", None),
            ("ab", None),
        ];
        for (source, expected) in cases {
            let got = prefix_literals(source);
            let expected: Option<Vec<Vec<u8>>> =
                expected.map(|e| e.iter().map(|l| l.as_bytes().to_vec()).collect());
            assert_eq!(got, expected, "{source}");
        }
    }
}
