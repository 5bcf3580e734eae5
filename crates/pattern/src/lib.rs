//! `selat-pattern`: the STIX 2.1 patterning language — parsing, validation, observable
//! extraction and matching against observed data.
//!
//! Pure: no I/O, no async, no other Selat crate; every function is deterministic.
//!
//! # Modules
//! - [`lexer`](crate::lexer) (private): pattern text to tokens, following the lexer rules of the
//!   OASIS `STIXPattern.g4` grammar; malformed literals (`t'2024-02-30T..'`, `b'===='`) are
//!   rejected here.
//! - [`parser`](crate::parser) (private): recursive descent over the tokens, producing the
//!   [`ast`]; depth-limited by [`MAX_NESTING_DEPTH`].
//! - [`ast`]: the syntax tree ([`Pattern`], [`ObservationExpr`], [`ComparisonExpr`], ...).
//! - [`timestamp`]: strict STIX timestamps with calendar checks.
//! - `validate` (private): the semantic checks of the OASIS validator (hash value forms,
//!   duplicate qualifiers), all reported at once by [`validate`].
//! - [`observables`]: `type:path = value` tests for indexing ([`Pattern::observables`]).
//! - [`eval`]: the matcher, with the semantics of the OASIS `stix2-matcher` 3.0 for STIX 2.1
//!   ([`Pattern::matches`]).
//! - `print` (private): `Display` for [`Pattern`] and its parts, the canonical pattern text;
//!   parse → print → parse gives the same tree ([`Pattern::without_spans`]).
//! - [`index`]: [`MatchIndex`], many indicators compiled to hash look-ups and network tables
//!   for matching a stream of observations, with the evaluator's verdicts.
//! - [`error`]: the parse error, [`PatternError`].
//!
//! # Example
//! ```
//! let pattern = selat_pattern::parse("[ipv4-addr:value = '198.51.100.1']").unwrap();
//! let observables = pattern.observables();
//! assert_eq!(observables[0].object_type, "ipv4-addr");
//! assert!(selat_pattern::parse("[file:hashes.'SHA-256' = 'f00']").is_err());
//! ```

pub mod ast;
pub mod error;
pub mod eval;
pub mod index;
mod lexer;
pub mod observables;
mod parser;
mod print;
pub mod timestamp;
mod validate;

pub use ast::{
    Comparison, ComparisonExpr, ComparisonOp, Literal, ObjectPath, ObservationExpr, ObservationKind,
    PathStep, Pattern, Qualifier, Span,
};
pub use error::{PatternError, PatternErrorKind};
pub use eval::{MatchError, MatchResult};
pub use index::{MatchIndex, Matches};
pub use observables::Observable;
pub use timestamp::Timestamp;

/// The longest pattern accepted, in bytes. Real indicators are well under 4 KiB; this leaves
/// room for long `IN (...)` lists while bounding parse time and memory.
pub const MAX_PATTERN_BYTES: usize = 64 * 1024;

/// The deepest nesting of `(` and `[` accepted. The parser recurses once per level, so this
/// bounds its stack use; 64 is far beyond any hand-written pattern.
pub const MAX_NESTING_DEPTH: usize = 64;

/// Parses and validates a STIX 2.1 pattern.
///
/// Fails with the first problem found (its byte offset and column included) when the pattern is
/// too long, does not tokenise, does not follow the grammar, or breaks one of the semantic rules
/// the OASIS validator enforces. Use [`validate`] to get every semantic problem at once.
pub fn parse(pattern: &str) -> Result<Pattern, PatternError> {
    let (parsed, mut errors) = parse_with_diagnostics(pattern)?;
    if errors.is_empty() { Ok(parsed) } else { Err(errors.swap_remove(0)) }
}

/// Parses a pattern against the grammar only, without the OASIS validator's semantic checks:
/// what the OASIS matcher accepts. It accepts, for instance, `[a:b = 1] REPEATS 2 TIMES REPEATS
/// 2 TIMES`, which [`parse`] rejects as a duplicate qualifier. Use [`parse`] to vet indicators.
pub fn parse_syntax(pattern: &str) -> Result<Pattern, PatternError> {
    parse_with_diagnostics(pattern).map(|(parsed, _)| parsed)
}

/// Every problem with `pattern`: empty when it is valid. A syntax error stops parsing, so it is
/// reported alone; semantic problems (hash forms, duplicate qualifiers) are all reported.
pub fn validate(pattern: &str) -> Vec<PatternError> {
    match parse_with_diagnostics(pattern) {
        Ok((_, errors)) => errors,
        Err(error) => vec![error],
    }
}

fn parse_with_diagnostics(pattern: &str) -> Result<(Pattern, Vec<PatternError>), PatternError> {
    if pattern.len() > MAX_PATTERN_BYTES {
        return Err(PatternError {
            kind: PatternErrorKind::TooLong,
            message: format!(
                "pattern is {} bytes, more than the limit of {MAX_PATTERN_BYTES}",
                pattern.len()
            ),
            offset: MAX_PATTERN_BYTES,
            column: pattern.char_indices().take_while(|(i, _)| *i < MAX_PATTERN_BYTES).count(),
        });
    }
    let tokens = lexer::tokenize(pattern)?;
    let parsed = parser::parse_tokens(pattern, &tokens)?;
    let errors = validate::check(pattern, &parsed);
    Ok((parsed, errors))
}
