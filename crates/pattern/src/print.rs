//! The printer: a [`Pattern`] back to canonical pattern text.
//!
//! The text is canonical in that every pattern with the same syntax tree prints the same way:
//! one space around operators, upper-case keywords, `=`/`!=` (never `==`/`<>`), no comments,
//! strings with only `\'` and `\\` escaped, binary literals as `b'base64'` (`h''` when empty, as
//! base64 has no empty form), floats with a fractional part so they read back as floats.
//!
//! For any tree [`crate::parse_syntax`] produces, parsing the printed text gives the same tree
//! (spans aside, see [`Pattern::without_spans`]). Parentheses are written exactly where the tree
//! has them: comparison expressions carry no node for `( ... )`, so a nested `And` inside an
//! `And` (or `Or` inside `Or`, or `Or` inside `And`) is printed in parentheses; observation
//! expressions keep `( ... )` as [`ObservationKind::Group`]. Trees the parser cannot produce
//! (an `Or` directly inside an `And`, a qualifier on an `And`) are printed with the parentheses
//! their meaning needs, so they read back as an equivalent tree with a `Group` added.

use crate::ast::{
    Comparison, ComparisonExpr, ComparisonOp, Literal, ObjectPath, ObservationExpr, ObservationKind,
    PathStep, Pattern, Qualifier, Span,
};
use std::fmt::{self, Display, Formatter, Write as _};

impl Display for Pattern {
    fn fmt(&self, f: &mut Formatter<'_>) -> fmt::Result {
        self.expr.fmt(f)
    }
}

/// How tightly an observation operator binds: `AND` over `OR` over `FOLLOWEDBY`.
fn observation_rank(kind: &ObservationKind) -> u8 {
    match kind {
        ObservationKind::Comparison(_) | ObservationKind::Group(_) => 3,
        ObservationKind::And(_) => 2,
        ObservationKind::Or(_) => 1,
        ObservationKind::FollowedBy(_) => 0,
    }
}

impl Display for ObservationExpr {
    fn fmt(&self, f: &mut Formatter<'_>) -> fmt::Result {
        // Qualifiers bind to a `[...]` or `(...)` only, so anything else that carries them
        // needs parentheses.
        let wrap = !self.qualifiers.is_empty() && observation_rank(&self.kind) < 3;
        if wrap {
            f.write_char('(')?;
        }
        match &self.kind {
            ObservationKind::Comparison(comparison) => write!(f, "[{comparison}]")?,
            ObservationKind::Group(inner) => write!(f, "({inner})")?,
            ObservationKind::And(items) => observation_chain(f, items, "AND", 3)?,
            ObservationKind::Or(items) => observation_chain(f, items, "OR", 2)?,
            ObservationKind::FollowedBy(items) => observation_chain(f, items, "FOLLOWEDBY", 1)?,
        }
        if wrap {
            f.write_char(')')?;
        }
        for qualifier in &self.qualifiers {
            write!(f, " {qualifier}")?;
        }
        Ok(())
    }
}

/// `a KEYWORD b KEYWORD c`, parenthesising operands that bind less tightly than `min_rank`
/// (an operand with qualifiers parenthesises itself).
fn observation_chain(
    f: &mut Formatter<'_>,
    items: &[ObservationExpr],
    keyword: &str,
    min_rank: u8,
) -> fmt::Result {
    for (index, item) in items.iter().enumerate() {
        if index > 0 {
            write!(f, " {keyword} ")?;
        }
        if observation_rank(&item.kind) < min_rank && item.qualifiers.is_empty() {
            write!(f, "({item})")?;
        } else {
            item.fmt(f)?;
        }
    }
    Ok(())
}

impl Display for Qualifier {
    fn fmt(&self, f: &mut Formatter<'_>) -> fmt::Result {
        match self {
            Qualifier::Within { seconds, .. } => write!(f, "WITHIN {} SECONDS", Seconds(*seconds)),
            Qualifier::Repeats { times, .. } => write!(f, "REPEATS {times} TIMES"),
            Qualifier::StartStop { start, stop, .. } => write!(f, "START t'{start}' STOP t'{stop}'"),
        }
    }
}

/// A `WITHIN` duration: as an integer when it is one (the parser reads both forms to the same
/// `f64`), else as a float.
struct Seconds(f64);

impl Display for Seconds {
    fn fmt(&self, f: &mut Formatter<'_>) -> fmt::Result {
        // Below 1e38 an integral value fits the lexer's `i128` integers exactly as written.
        if self.0.fract() == 0.0 && self.0.abs() < 1e38 {
            write!(f, "{}", self.0)
        } else {
            Float(self.0).fmt(f)
        }
    }
}

/// A float that reads back as a float: Rust prints the shortest text that parses back to the
/// same `f64` and never an exponent, so only a missing fractional part needs adding.
struct Float(f64);

impl Display for Float {
    fn fmt(&self, f: &mut Formatter<'_>) -> fmt::Result {
        let value = self.0;
        if value.is_infinite() {
            // The grammar has no exponent, but a long enough literal overflows to infinity.
            let sign = if value < 0.0 { "-" } else { "" };
            return write!(f, "{sign}1{}.0", "0".repeat(309));
        }
        if value.is_nan() {
            // No literal parses to NaN; print zero rather than text that cannot be read.
            return f.write_str("0.0");
        }
        let text = value.to_string();
        f.write_str(&text)?;
        if !text.contains('.') {
            f.write_str(".0")?;
        }
        Ok(())
    }
}

/// How tightly a comparison operator binds: `AND` over `OR`.
fn comparison_rank(expr: &ComparisonExpr) -> u8 {
    match expr {
        ComparisonExpr::Test(_) => 2,
        ComparisonExpr::And(_) => 1,
        ComparisonExpr::Or(_) => 0,
    }
}

impl Display for ComparisonExpr {
    fn fmt(&self, f: &mut Formatter<'_>) -> fmt::Result {
        // An operand of the same operator is parenthesised too: the parser keeps `(a AND b) AND
        // c` as a nested `And`, and printing must give that tree back.
        let (items, keyword, min_rank) = match self {
            ComparisonExpr::Test(comparison) => return comparison.fmt(f),
            ComparisonExpr::And(items) => (items, "AND", 2),
            ComparisonExpr::Or(items) => (items, "OR", 1),
        };
        for (index, item) in items.iter().enumerate() {
            if index > 0 {
                write!(f, " {keyword} ")?;
            }
            if comparison_rank(item) < min_rank {
                write!(f, "({item})")?;
            } else {
                item.fmt(f)?;
            }
        }
        Ok(())
    }
}

impl Display for Comparison {
    fn fmt(&self, f: &mut Formatter<'_>) -> fmt::Result {
        let not = if self.negated { "NOT " } else { "" };
        match &self.op {
            ComparisonOp::Exists => return write!(f, "{not}EXISTS {}", self.path),
            op => write!(f, "{} {not}{} ", self.path, op.symbol())?,
        }
        match &self.op {
            ComparisonOp::Eq(v)
            | ComparisonOp::NotEq(v)
            | ComparisonOp::Lt(v)
            | ComparisonOp::Le(v)
            | ComparisonOp::Gt(v)
            | ComparisonOp::Ge(v) => v.fmt(f),
            ComparisonOp::In(items) => {
                f.write_char('(')?;
                for (index, item) in items.iter().enumerate() {
                    if index > 0 {
                        f.write_str(", ")?;
                    }
                    item.fmt(f)?;
                }
                f.write_char(')')
            }
            ComparisonOp::Like(text)
            | ComparisonOp::Matches(text)
            | ComparisonOp::IsSubset(text)
            | ComparisonOp::IsSuperset(text) => write_string(f, text),
            ComparisonOp::Exists => Ok(()),
        }
    }
}

impl Display for ObjectPath {
    fn fmt(&self, f: &mut Formatter<'_>) -> fmt::Result {
        write!(f, "{}:{}", self.object_type, self.property_path())
    }
}

/// Whether a property name can be written without quotes: an identifier without hyphens that
/// the lexer does not read as a keyword or boolean.
pub(crate) fn is_plain_name(name: &str) -> bool {
    let identifier = name.chars().next().is_some_and(|c| c.is_ascii_alphabetic() || c == '_')
        && name.chars().all(|c| c.is_ascii_alphanumeric() || c == '_');
    identifier && !crate::lexer::is_reserved_word(name)
}

/// Appends `.name` (or the first name, without a dot) in pattern syntax.
pub(crate) fn write_step(out: &mut String, index: usize, step: &PathStep) {
    match step {
        PathStep::Key(name) => {
            if index > 0 {
                out.push('.');
            }
            if is_plain_name(name) {
                out.push_str(name);
            } else {
                out.push('\'');
                out.push_str(&escape(name));
                out.push('\'');
            }
        }
        PathStep::Index(i) => {
            let _ = write!(out, "[{i}]");
        }
        PathStep::AnyIndex => out.push_str("[*]"),
    }
}

fn escape(text: &str) -> String {
    text.replace('\\', "\\\\").replace('\'', "\\'")
}

fn write_string(f: &mut Formatter<'_>, text: &str) -> fmt::Result {
    write!(f, "'{}'", escape(text))
}

impl Display for Literal {
    fn fmt(&self, f: &mut Formatter<'_>) -> fmt::Result {
        match self {
            Literal::Int(value) => write!(f, "{value}"),
            Literal::Float(value) => Float(*value).fmt(f),
            Literal::Str(text) => write_string(f, text),
            Literal::Bool(value) => write!(f, "{value}"),
            Literal::Binary(bytes) if bytes.is_empty() => f.write_str("h''"),
            Literal::Binary(bytes) => write!(f, "b'{}'", encode_base64(bytes)),
            Literal::Timestamp(t) => write!(f, "t'{t}'"),
        }
    }
}

fn encode_base64(bytes: &[u8]) -> String {
    const ALPHABET: &[u8; 64] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
    let mut out = String::with_capacity(bytes.len().div_ceil(3) * 4);
    for chunk in bytes.chunks(3) {
        let mut group = [0u8; 3];
        group[..chunk.len()].copy_from_slice(chunk);
        let acc = u32::from_be_bytes([0, group[0], group[1], group[2]]);
        for i in 0..4 {
            if i <= chunk.len() {
                out.push(char::from(ALPHABET[((acc >> (18 - 6 * i)) & 63) as usize]));
            } else {
                out.push('=');
            }
        }
    }
    out
}

impl Pattern {
    /// A copy with every span set to the empty span at 0: two patterns whose `without_spans()`
    /// are equal have the same syntax tree, whatever their spacing, comments and spellings.
    pub fn without_spans(&self) -> Pattern {
        Pattern { expr: observation_without_spans(&self.expr) }
    }
}

fn observation_without_spans(expr: &ObservationExpr) -> ObservationExpr {
    let kind = match &expr.kind {
        ObservationKind::Comparison(c) => ObservationKind::Comparison(comparison_without_spans(c)),
        ObservationKind::Group(inner) => ObservationKind::Group(Box::new(observation_without_spans(inner))),
        ObservationKind::And(items) => {
            ObservationKind::And(items.iter().map(observation_without_spans).collect())
        }
        ObservationKind::Or(items) => {
            ObservationKind::Or(items.iter().map(observation_without_spans).collect())
        }
        ObservationKind::FollowedBy(items) => {
            ObservationKind::FollowedBy(items.iter().map(observation_without_spans).collect())
        }
    };
    let qualifiers = expr
        .qualifiers
        .iter()
        .map(|q| match q.clone() {
            Qualifier::Within { seconds, .. } => Qualifier::Within { seconds, span: Span::default() },
            Qualifier::Repeats { times, .. } => Qualifier::Repeats { times, span: Span::default() },
            Qualifier::StartStop { start, stop, .. } => {
                Qualifier::StartStop { start, stop, span: Span::default() }
            }
        })
        .collect();
    ObservationExpr { kind, qualifiers, span: Span::default() }
}

fn comparison_without_spans(expr: &ComparisonExpr) -> ComparisonExpr {
    match expr {
        ComparisonExpr::And(items) => {
            ComparisonExpr::And(items.iter().map(comparison_without_spans).collect())
        }
        ComparisonExpr::Or(items) => ComparisonExpr::Or(items.iter().map(comparison_without_spans).collect()),
        ComparisonExpr::Test(c) => ComparisonExpr::Test(Comparison {
            span: Span::default(),
            value_span: Span::default(),
            ..c.clone()
        }),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn base64_matches_the_decoder() {
        for len in 0..10u8 {
            let bytes: Vec<u8> = (0..len).map(|i| i.wrapping_mul(97).wrapping_add(200)).collect();
            let text = encode_base64(&bytes);
            if len > 0 {
                assert_eq!(crate::lexer::decode_base64(&text), Some(bytes));
            }
        }
    }

    fn check(input: &str, printed: &str) {
        let pattern = crate::parse_syntax(input).unwrap_or_else(|e| panic!("{input}: {e}"));
        assert_eq!(pattern.to_string(), printed, "printing {input}");
    }

    #[test]
    fn canonical_text() {
        check("[a:b == 1]", "[a:b = 1]");
        check("[a:b <> +1 ]  // c", "[a:b != 1]");
        check("[a:b = .5 OR a:c = 2.0]", "[a:b = 0.5 OR a:c = 2.0]");
        check("[(a:b = 1 AND a:c = 2) AND a:d = 3]", "[(a:b = 1 AND a:c = 2) AND a:d = 3]");
        check("[a:b = 1 OR (a:c = 2 AND a:d = 3)]", "[a:b = 1 OR a:c = 2 AND a:d = 3]");
        check("[a:b = h'0102'] WITHIN 5.0 SECONDS", "[a:b = b'AQI='] WITHIN 5 SECONDS");
        check("[a:b = h'']", "[a:b = h'']");
        check(
            "[a:'AND'.'x-y'[*].c[-1] NOT IN ('it\\'s', true)]",
            "[a:'AND'.'x-y'[*].c[-1] NOT IN ('it\\'s', true)]",
        );
        check("[NOT EXISTS a:b]", "[NOT EXISTS a:b]");
        check(
            "([a:b = 1] AND [a:c = 2]) REPEATS 2 TIMES FOLLOWEDBY [a:d = t'2020-01-01T00:00:00.10Z']",
            "([a:b = 1] AND [a:c = 2]) REPEATS 2 TIMES FOLLOWEDBY [a:d = t'2020-01-01T00:00:00.10Z']",
        );
    }

    #[test]
    fn trees_the_parser_cannot_make_print_with_the_parentheses_they_need() {
        let leaf = crate::parse_syntax("[a:b = 1]").unwrap().expr;
        let or = ObservationExpr {
            kind: ObservationKind::Or(vec![leaf.clone(), leaf.clone()]),
            qualifiers: vec![Qualifier::Repeats { times: 2, span: Span::default() }],
            span: Span::default(),
        };
        let and = Pattern {
            expr: ObservationExpr {
                kind: ObservationKind::And(vec![or, leaf]),
                qualifiers: Vec::new(),
                span: Span::default(),
            },
        };
        assert_eq!(and.to_string(), "([a:b = 1] OR [a:b = 1]) REPEATS 2 TIMES AND [a:b = 1]");
    }
}
