//! The syntax tree `parse` produces.
//!
//! Chains of the same binary operator are kept flat (`And(vec![a, b, c])`) rather than as a
//! left-deep binary tree: a 64 KiB pattern of `[a] AND [b] AND ...` would otherwise be thousands
//! of levels deep and every recursive walk (including `Drop`) would risk the stack. All the
//! operators are associative for matching purposes, and left-to-right order is preserved.

use crate::timestamp::Timestamp;

/// A byte range in the pattern text.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default)]
pub struct Span {
    /// First byte.
    pub start: usize,
    /// One past the last byte.
    pub end: usize,
}

/// A parsed, validated STIX 2.1 pattern.
#[derive(Debug, Clone, PartialEq)]
pub struct Pattern {
    /// The top-level observation expression.
    pub expr: ObservationExpr,
}

/// An observation expression with the qualifiers applied directly to it.
#[derive(Debug, Clone, PartialEq)]
pub struct ObservationExpr {
    /// What the expression is.
    pub kind: ObservationKind,
    /// `WITHIN`, `REPEATS`, `START`/`STOP`, innermost first. Only `Comparison` and `Group`
    /// expressions carry qualifiers: the grammar attaches them to `[...]` or `(...)`.
    pub qualifiers: Vec<Qualifier>,
    /// Where the expression is in the pattern text (without its qualifiers).
    pub span: Span,
}

/// The shape of an observation expression.
#[derive(Debug, Clone, PartialEq)]
pub enum ObservationKind {
    /// `[ comparison ]`: one observation whose objects satisfy the comparison.
    Comparison(ComparisonExpr),
    /// `( observation expression )`.
    Group(Box<ObservationExpr>),
    /// `a AND b AND ...`: all hold, on distinct observations.
    And(Vec<ObservationExpr>),
    /// `a OR b OR ...`: any holds.
    Or(Vec<ObservationExpr>),
    /// `a FOLLOWEDBY b FOLLOWEDBY ...`: each holds, in time order.
    FollowedBy(Vec<ObservationExpr>),
}

/// A qualifier on an observation expression.
#[derive(Debug, Clone, PartialEq)]
pub enum Qualifier {
    /// `WITHIN n SECONDS`; `seconds` is the literal as written (may be a float, may be 0: the
    /// grammar accepts it and matching rejects it, as the OASIS matcher does).
    Within {
        /// The duration in seconds.
        seconds: f64,
        /// Where the qualifier is.
        span: Span,
    },
    /// `REPEATS n TIMES` (saturated at `u64::MAX`; 0 parses and is rejected at match time).
    Repeats {
        /// The repeat count.
        times: u64,
        /// Where the qualifier is.
        span: Span,
    },
    /// `START t'...' STOP t'...'`.
    StartStop {
        /// Inclusive start.
        start: Timestamp,
        /// Exclusive stop.
        stop: Timestamp,
        /// Where the qualifier is.
        span: Span,
    },
}

impl Qualifier {
    /// Where the qualifier is in the pattern text.
    pub fn span(&self) -> Span {
        match self {
            Qualifier::Within { span, .. }
            | Qualifier::Repeats { span, .. }
            | Qualifier::StartStop { span, .. } => *span,
        }
    }

    /// The qualifier keyword, for messages.
    pub fn keyword(&self) -> &'static str {
        match self {
            Qualifier::Within { .. } => "WITHIN",
            Qualifier::Repeats { .. } => "REPEATS",
            Qualifier::StartStop { .. } => "START/STOP",
        }
    }
}

/// A comparison expression inside `[ ... ]`.
#[derive(Debug, Clone, PartialEq)]
pub enum ComparisonExpr {
    /// All hold, on the same object.
    And(Vec<ComparisonExpr>),
    /// Any holds.
    Or(Vec<ComparisonExpr>),
    /// One property test.
    Test(Comparison),
}

/// One property test: `path [NOT] op value`, or `[NOT] EXISTS path`.
#[derive(Debug, Clone, PartialEq)]
pub struct Comparison {
    /// The object path on the left.
    pub path: ObjectPath,
    /// Whether `NOT` precedes the operator (or `EXISTS`).
    pub negated: bool,
    /// The operator and its operand.
    pub op: ComparisonOp,
    /// Where the comparison is.
    pub span: Span,
    /// Where the right-hand side (literal or set) is; empty for `EXISTS`.
    pub value_span: Span,
}

/// A comparison operator with its right-hand side.
#[derive(Debug, Clone, PartialEq)]
pub enum ComparisonOp {
    /// `=` or `==`.
    Eq(Literal),
    /// `!=` or `<>`.
    NotEq(Literal),
    /// `<`.
    Lt(Literal),
    /// `<=`.
    Le(Literal),
    /// `>`.
    Gt(Literal),
    /// `>=`.
    Ge(Literal),
    /// `IN (...)`.
    In(Vec<Literal>),
    /// `LIKE '...'` (SQL-style `%` and `_` wildcards).
    Like(String),
    /// `MATCHES '...'` (a regular expression).
    Matches(String),
    /// `ISSUBSET '...'` (the property is an IP or CIDR inside this CIDR).
    IsSubset(String),
    /// `ISSUPERSET '...'` (the property is a CIDR containing this IP or CIDR).
    IsSuperset(String),
    /// `EXISTS path`: the path reaches a value.
    Exists,
}

impl ComparisonOp {
    /// The operator as written in a pattern (canonical spelling), for messages.
    pub fn symbol(&self) -> &'static str {
        match self {
            ComparisonOp::Eq(_) => "=",
            ComparisonOp::NotEq(_) => "!=",
            ComparisonOp::Lt(_) => "<",
            ComparisonOp::Le(_) => "<=",
            ComparisonOp::Gt(_) => ">",
            ComparisonOp::Ge(_) => ">=",
            ComparisonOp::In(_) => "IN",
            ComparisonOp::Like(_) => "LIKE",
            ComparisonOp::Matches(_) => "MATCHES",
            ComparisonOp::IsSubset(_) => "ISSUBSET",
            ComparisonOp::IsSuperset(_) => "ISSUPERSET",
            ComparisonOp::Exists => "EXISTS",
        }
    }
}

/// `type:prop.sub[*].x`: an object type and the steps into the object.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct ObjectPath {
    /// The object type, e.g. `file` or `x-acme-widget`.
    pub object_type: String,
    /// The steps; the first is always a [`PathStep::Key`].
    pub steps: Vec<PathStep>,
}

/// One step of an object path.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub enum PathStep {
    /// `.name` or `.'quoted-name'` (and the first property after `:`).
    Key(String),
    /// `[n]`; negative indexes parse (the grammar allows them) and fail at match time.
    Index(i64),
    /// `[*]`: any element of a list.
    AnyIndex,
}

/// A literal value in a comparison.
#[derive(Debug, Clone, PartialEq)]
pub enum Literal {
    /// An integer (`5`, `-4`, `+3`).
    Int(i128),
    /// A float (`12.5`, `.5`, `-1.0`).
    Float(f64),
    /// A string with its escapes (`\'`, `\\`) resolved.
    Str(String),
    /// `true` or `false`.
    Bool(bool),
    /// `b'base64'` or `h'hex'`, decoded.
    Binary(Vec<u8>),
    /// `t'2024-01-15T12:30:45Z'`.
    Timestamp(Timestamp),
}

impl Literal {
    /// The name of the literal's type, for messages.
    pub fn type_name(&self) -> &'static str {
        match self {
            Literal::Int(_) => "integer",
            Literal::Float(_) => "float",
            Literal::Str(_) => "string",
            Literal::Bool(_) => "boolean",
            Literal::Binary(_) => "binary",
            Literal::Timestamp(_) => "timestamp",
        }
    }
}
