//! The error a pattern that cannot be accepted produces.

/// What kind of problem a [`PatternError`] reports; lets callers branch without parsing messages.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum PatternErrorKind {
    /// The pattern is longer than [`crate::MAX_PATTERN_BYTES`]; split it or raise the limit.
    TooLong,
    /// Parentheses or brackets nest deeper than [`crate::MAX_NESTING_DEPTH`]; flatten the pattern.
    TooDeep,
    /// A character or literal cannot be tokenised (bad escape, unterminated string, bad timestamp).
    Lexical,
    /// The tokens do not follow the STIX 2.1 patterning grammar.
    Syntax,
    /// The pattern is grammatical but breaks a rule the OASIS validator enforces (hash length,
    /// duplicate qualifier).
    Semantic,
}

/// A pattern rejected by [`crate::parse`], with where the problem is.
///
/// `offset` is a byte offset into the pattern; `column` counts characters (0-based), like the
/// OASIS validator's `line 1:column` messages, so it can be shown under the pattern text.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{message} (at column {column})")]
pub struct PatternError {
    /// What kind of problem this is.
    pub kind: PatternErrorKind,
    /// A human-readable description.
    pub message: String,
    /// Byte offset of the problem in the pattern text.
    pub offset: usize,
    /// Character column (0-based) of the problem in the pattern text.
    pub column: usize,
}

impl PatternError {
    /// Builds an error at `offset` in `source`, computing the character column.
    pub(crate) fn at(
        source: &str,
        offset: usize,
        kind: PatternErrorKind,
        message: impl Into<String>,
    ) -> Self {
        let offset = offset.min(source.len());
        // `offset` always comes from a token boundary, so it is a char boundary; fall back to
        // counting bytes if it ever is not rather than panicking.
        let column = source.get(..offset).map_or(offset, |prefix| prefix.chars().count());
        PatternError { kind, message: message.into(), offset, column }
    }
}
