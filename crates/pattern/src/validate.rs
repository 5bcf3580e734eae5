//! The semantic checks the OASIS validator (`stix2-patterns`, STIX 2.1 mode) applies after the
//! grammar, reported all at once:
//!
//! - a comparison on a known hash algorithm (`file:hashes.'SHA-256' = '...'`) must compare with
//!   a value of the algorithm's form (64 hex digits for SHA-256, ...). As upstream, the check
//!   reads the right-hand side as written, so `IN (...)` and non-string literals on a known hash
//!   fail it;
//! - the same qualifier kind (`WITHIN`, `REPEATS`, `START`/`STOP`) may not be applied twice
//!   directly to one `[...]`; a parenthesised group resets that, so
//!   `([a]) WITHIN 5 SECONDS WITHIN 6 SECONDS` is accepted, as upstream.
//!
//! Calendar validity of timestamps is checked by the lexer.

use crate::ast::{
    Comparison, ComparisonExpr, ComparisonOp, ObservationExpr, ObservationKind, PathStep, Pattern,
};
use crate::error::{PatternError, PatternErrorKind};
use std::mem::discriminant;

/// Every semantic problem in `pattern`, in source order.
pub(crate) fn check(source: &str, pattern: &Pattern) -> Vec<PatternError> {
    let mut errors = Vec::new();
    // An explicit stack instead of recursion: the tree is already depth-limited, but this keeps
    // the walk independent of that limit.
    let mut stack = vec![&pattern.expr];
    while let Some(expr) = stack.pop() {
        check_qualifiers(source, expr, &mut errors);
        match &expr.kind {
            ObservationKind::Comparison(comparison) => {
                check_comparisons(source, comparison, &mut errors);
            }
            ObservationKind::Group(inner) => stack.push(inner),
            ObservationKind::And(items) | ObservationKind::Or(items) | ObservationKind::FollowedBy(items) => {
                stack.extend(items.iter().rev())
            }
        }
    }
    errors.sort_by_key(|e| e.offset);
    errors
}

fn check_qualifiers(source: &str, expr: &ObservationExpr, errors: &mut Vec<PatternError>) {
    if !matches!(expr.kind, ObservationKind::Comparison(_)) {
        return;
    }
    for (index, qualifier) in expr.qualifiers.iter().enumerate() {
        let earlier = &expr.qualifiers[..index];
        if earlier.iter().any(|q| discriminant(q) == discriminant(qualifier)) {
            errors.push(PatternError::at(
                source,
                qualifier.span().start,
                PatternErrorKind::Semantic,
                format!("duplicate {} qualifier on the same observation expression", qualifier.keyword()),
            ));
        }
    }
}

fn check_comparisons(source: &str, expr: &ComparisonExpr, errors: &mut Vec<PatternError>) {
    let mut stack = vec![expr];
    while let Some(expr) = stack.pop() {
        match expr {
            ComparisonExpr::And(items) | ComparisonExpr::Or(items) => {
                stack.extend(items.iter().rev());
            }
            ComparisonExpr::Test(comparison) => check_hash(source, comparison, errors),
        }
    }
}

/// The hash algorithms the validator knows, by name with `-` removed and upper-cased.
fn hash_form_ok(algorithm: &str, value: &str) -> Option<bool> {
    let hex_len = |n: usize| value.len() == n && value.bytes().all(|b| b.is_ascii_hexdigit());
    Some(match algorithm {
        "MD5" => hex_len(32),
        // Upstream's MD6 expression is unanchored after its first alternative, so in effect it
        // only requires a 32-hex-digit prefix.
        "MD6" => value.len() >= 32 && value.bytes().take(32).all(|b| b.is_ascii_hexdigit()),
        "RIPEMD160" | "SHA1" => hex_len(40),
        "SHA224" | "SHA3224" => hex_len(56),
        "SHA256" | "SHA3256" => hex_len(64),
        "SHA384" | "SHA3384" => hex_len(96),
        "SHA512" | "SHA3512" | "WHIRLPOOL" => hex_len(128),
        "SSDEEP" => {
            (1..=128).contains(&value.len())
                && value.bytes().all(|b| b.is_ascii_alphanumeric() || matches!(b, b'/' | b'+' | b':' | b'.'))
        }
        _ => return None,
    })
}

fn check_hash(source: &str, comparison: &Comparison, errors: &mut Vec<PatternError>) {
    if matches!(comparison.op, ComparisonOp::Exists) {
        return;
    }
    let steps = &comparison.path.steps;
    let in_hashes = steps.iter().any(|s| matches!(s, PathStep::Key(k) if k == "hashes"));
    let Some(PathStep::Key(selector)) = steps.last() else {
        return;
    };
    if !in_hashes {
        return;
    }
    let algorithm = selector.to_uppercase().replace(['-', '\''], "");
    // The right-hand side as written, without quotes: a set keeps its parentheses and commas
    // and so never has the form of a hash, which is upstream's behaviour too.
    let span = comparison.value_span;
    let written = source.get(span.start..span.end).unwrap_or_default();
    let value: String = written.chars().filter(|&c| c != '\'').collect();
    if hash_form_ok(&algorithm, &value) == Some(false) {
        errors.push(PatternError::at(
            source,
            span.start,
            PatternErrorKind::Semantic,
            format!("'{value}' is not a valid {selector} hash"),
        ));
    }
}
