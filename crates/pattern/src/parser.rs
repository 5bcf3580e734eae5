//! Recursive-descent parser for the STIX 2.1 patterning grammar.
//!
//! Precedence, loosest first, as in `STIXPattern.g4`:
//! observation level `FOLLOWEDBY` < `OR` < `AND` < qualifiers (postfix on `[...]`/`(...)`);
//! comparison level `OR` < `AND`. All binary operators are left-associative.
//!
//! Recursion happens only through `(` and `[`, and every such step is counted against
//! [`crate::MAX_NESTING_DEPTH`], so no input can exhaust the stack.

use crate::MAX_NESTING_DEPTH;
use crate::ast::{
    Comparison, ComparisonExpr, ComparisonOp, Literal, ObjectPath, ObservationExpr, ObservationKind,
    PathStep, Pattern, Qualifier, Span,
};
use crate::error::{PatternError, PatternErrorKind};
use crate::lexer::{Keyword, Token, TokenKind};

/// Parses tokens (ending in `Eof`) into a pattern. Only syntax is checked here; see `validate`.
pub(crate) fn parse_tokens(source: &str, tokens: &[Token]) -> Result<Pattern, PatternError> {
    debug_assert!(matches!(tokens.last().map(|t| &t.kind), Some(TokenKind::Eof)));
    let mut parser = Parser { source, tokens, pos: 0, depth: 0 };
    let expr = parser.observation_expressions()?;
    let next = parser.peek();
    if next.kind != TokenKind::Eof {
        return Err(parser.unexpected("AND, OR, FOLLOWEDBY, a qualifier or the end"));
    }
    Ok(Pattern { expr })
}

struct Parser<'a> {
    source: &'a str,
    tokens: &'a [Token],
    pos: usize,
    depth: usize,
}

impl Parser<'_> {
    fn peek(&self) -> &Token {
        // The last token is Eof and is never consumed, so `pos` stays in bounds.
        &self.tokens[self.pos.min(self.tokens.len() - 1)]
    }

    fn advance(&mut self) -> &Token {
        let index = self.pos.min(self.tokens.len() - 1);
        if self.tokens[index].kind != TokenKind::Eof {
            self.pos += 1;
        }
        &self.tokens[index]
    }

    fn at_keyword(&self, keyword: Keyword) -> bool {
        self.peek().kind == TokenKind::Keyword(keyword)
    }

    fn eat(&mut self, kind: &TokenKind) -> bool {
        if &self.peek().kind == kind {
            self.advance();
            true
        } else {
            false
        }
    }

    fn expect(&mut self, kind: &TokenKind, what: &str) -> Result<&Token, PatternError> {
        if &self.peek().kind == kind { Ok(self.advance()) } else { Err(self.unexpected(what)) }
    }

    fn unexpected(&self, expected: &str) -> PatternError {
        let token = self.peek();
        PatternError::at(
            self.source,
            token.start,
            PatternErrorKind::Syntax,
            format!("expected {expected}, found {}", token.kind.describe()),
        )
    }

    fn enter(&mut self) -> Result<(), PatternError> {
        self.depth += 1;
        if self.depth > MAX_NESTING_DEPTH {
            return Err(PatternError::at(
                self.source,
                self.peek().start,
                PatternErrorKind::TooDeep,
                format!("pattern nests deeper than {MAX_NESTING_DEPTH} levels"),
            ));
        }
        Ok(())
    }

    fn leave(&mut self) {
        debug_assert!(self.depth > 0);
        self.depth -= 1;
    }

    fn previous_end(&self) -> usize {
        self.pos.checked_sub(1).map_or(0, |index| self.tokens[index].end)
    }

    // ---- observation level -------------------------------------------------------------

    fn observation_expressions(&mut self) -> Result<ObservationExpr, PatternError> {
        self.observation_chain(Keyword::FollowedBy, |p| p.observation_or())
    }

    fn observation_or(&mut self) -> Result<ObservationExpr, PatternError> {
        self.observation_chain(Keyword::Or, |p| p.observation_and())
    }

    fn observation_and(&mut self) -> Result<ObservationExpr, PatternError> {
        self.observation_chain(Keyword::And, |p| p.qualified_observation())
    }

    /// `operand (keyword operand)*`, kept flat.
    fn observation_chain(
        &mut self,
        keyword: Keyword,
        mut operand: impl FnMut(&mut Self) -> Result<ObservationExpr, PatternError>,
    ) -> Result<ObservationExpr, PatternError> {
        let first = operand(self)?;
        if !self.at_keyword(keyword) {
            return Ok(first);
        }
        let start = first.span.start;
        let mut operands = vec![first];
        while self.at_keyword(keyword) {
            self.advance();
            operands.push(operand(self)?);
        }
        let span = Span { start, end: self.previous_end() };
        let kind = match keyword {
            Keyword::FollowedBy => ObservationKind::FollowedBy(operands),
            Keyword::Or => ObservationKind::Or(operands),
            _ => ObservationKind::And(operands),
        };
        Ok(ObservationExpr { kind, qualifiers: Vec::new(), span })
    }

    /// `[ comparison ]` or `( observation expressions )`, then any qualifiers.
    fn qualified_observation(&mut self) -> Result<ObservationExpr, PatternError> {
        let start = self.peek().start;
        let kind = match self.peek().kind {
            TokenKind::LBracket => {
                self.advance();
                self.enter()?;
                let comparison = self.comparison_or()?;
                self.leave();
                self.expect(&TokenKind::RBracket, "']', AND or OR")?;
                ObservationKind::Comparison(comparison)
            }
            TokenKind::LParen => {
                self.advance();
                self.enter()?;
                let inner = self.observation_expressions()?;
                self.leave();
                self.expect(&TokenKind::RParen, "')', AND, OR or FOLLOWEDBY")?;
                ObservationKind::Group(Box::new(inner))
            }
            _ => return Err(self.unexpected("'[' or '(' starting an observation expression")),
        };
        let span = Span { start, end: self.previous_end() };
        let mut qualifiers = Vec::new();
        while let Some(qualifier) = self.qualifier()? {
            qualifiers.push(qualifier);
        }
        Ok(ObservationExpr { kind, qualifiers, span })
    }

    fn qualifier(&mut self) -> Result<Option<Qualifier>, PatternError> {
        let start = self.peek().start;
        let qualifier = match self.peek().kind {
            TokenKind::Keyword(Keyword::Within) => {
                self.advance();
                let seconds = match self.peek().kind {
                    TokenKind::Int { value, negative: false } => value as f64,
                    TokenKind::Float { value, negative: false } => value,
                    _ => return Err(self.unexpected("a positive number of seconds after WITHIN")),
                };
                self.advance();
                self.expect(&TokenKind::Keyword(Keyword::Seconds), "SECONDS")?;
                Qualifier::Within { seconds, span: self.span_from(start) }
            }
            TokenKind::Keyword(Keyword::Repeats) => {
                self.advance();
                let TokenKind::Int { value, negative: false } = self.peek().kind else {
                    return Err(self.unexpected("a positive integer after REPEATS"));
                };
                self.advance();
                self.expect(&TokenKind::Keyword(Keyword::Times), "TIMES")?;
                Qualifier::Repeats {
                    times: u64::try_from(value).unwrap_or(u64::MAX),
                    span: self.span_from(start),
                }
            }
            TokenKind::Keyword(Keyword::Start) => {
                self.advance();
                let start_time = self.timestamp("a timestamp literal after START")?;
                self.expect(&TokenKind::Keyword(Keyword::Stop), "STOP")?;
                let stop_time = self.timestamp("a timestamp literal after STOP")?;
                Qualifier::StartStop { start: start_time, stop: stop_time, span: self.span_from(start) }
            }
            _ => return Ok(None),
        };
        Ok(Some(qualifier))
    }

    fn timestamp(&mut self, what: &str) -> Result<crate::timestamp::Timestamp, PatternError> {
        match self.peek().kind {
            TokenKind::Timestamp(t) => {
                self.advance();
                Ok(t)
            }
            _ => Err(self.unexpected(what)),
        }
    }

    fn span_from(&self, start: usize) -> Span {
        Span { start, end: self.previous_end() }
    }

    // ---- comparison level --------------------------------------------------------------

    fn comparison_or(&mut self) -> Result<ComparisonExpr, PatternError> {
        let first = self.comparison_and()?;
        if !self.at_keyword(Keyword::Or) {
            return Ok(first);
        }
        let mut operands = vec![first];
        while self.at_keyword(Keyword::Or) {
            self.advance();
            operands.push(self.comparison_and()?);
        }
        Ok(ComparisonExpr::Or(operands))
    }

    fn comparison_and(&mut self) -> Result<ComparisonExpr, PatternError> {
        let first = self.prop_test()?;
        if !self.at_keyword(Keyword::And) {
            return Ok(first);
        }
        let mut operands = vec![first];
        while self.at_keyword(Keyword::And) {
            self.advance();
            operands.push(self.prop_test()?);
        }
        Ok(ComparisonExpr::And(operands))
    }

    fn prop_test(&mut self) -> Result<ComparisonExpr, PatternError> {
        let start = self.peek().start;
        if self.eat(&TokenKind::LParen) {
            self.enter()?;
            let inner = self.comparison_or()?;
            self.leave();
            self.expect(&TokenKind::RParen, "')', AND or OR")?;
            return Ok(inner);
        }
        let negated_exists = self.at_keyword(Keyword::Not)
            && self.tokens.get(self.pos + 1).map(|t| &t.kind) == Some(&TokenKind::Keyword(Keyword::Exists));
        if negated_exists || self.at_keyword(Keyword::Exists) {
            if negated_exists {
                self.advance();
            }
            self.advance();
            let path = self.object_path()?;
            return Ok(ComparisonExpr::Test(Comparison {
                path,
                negated: negated_exists,
                op: ComparisonOp::Exists,
                span: self.span_from(start),
                value_span: Span::default(),
            }));
        }
        let path = self.object_path()?;
        let negated = self.eat(&TokenKind::Keyword(Keyword::Not));
        let (op, value_span) = self.operator()?;
        Ok(ComparisonExpr::Test(Comparison { path, negated, op, span: self.span_from(start), value_span }))
    }

    /// The operator and its operand, with where the operand is.
    fn operator(&mut self) -> Result<(ComparisonOp, Span), PatternError> {
        let kind = self.peek().kind.clone();
        let is_operator = matches!(
            kind,
            TokenKind::Eq
                | TokenKind::NotEq
                | TokenKind::Lt
                | TokenKind::Le
                | TokenKind::Gt
                | TokenKind::Ge
                | TokenKind::Keyword(
                    Keyword::In | Keyword::Like | Keyword::Matches | Keyword::IsSubset | Keyword::IsSuperset
                )
        );
        if !is_operator {
            return Err(self.unexpected(
                "a comparison operator (=, !=, <, <=, >, >=, IN, LIKE, MATCHES, ISSUBSET, ISSUPERSET)",
            ));
        }
        self.advance();
        let value_start = self.peek().start;
        let op = match kind {
            TokenKind::Eq => ComparisonOp::Eq(self.primitive_literal()?),
            TokenKind::NotEq => ComparisonOp::NotEq(self.primitive_literal()?),
            TokenKind::Lt => ComparisonOp::Lt(self.orderable_literal()?),
            TokenKind::Le => ComparisonOp::Le(self.orderable_literal()?),
            TokenKind::Gt => ComparisonOp::Gt(self.orderable_literal()?),
            TokenKind::Ge => ComparisonOp::Ge(self.orderable_literal()?),
            TokenKind::Keyword(Keyword::In) => ComparisonOp::In(self.set_literal()?),
            TokenKind::Keyword(keyword) => {
                let TokenKind::Str(text) = self.peek().kind.clone() else {
                    return Err(self.unexpected("a string literal"));
                };
                self.advance();
                match keyword {
                    Keyword::Like => ComparisonOp::Like(text),
                    Keyword::Matches => ComparisonOp::Matches(text),
                    Keyword::IsSubset => ComparisonOp::IsSubset(text),
                    _ => ComparisonOp::IsSuperset(text),
                }
            }
            _ => unreachable!("checked by is_operator above"),
        };
        Ok((op, self.span_from(value_start)))
    }

    fn orderable_literal(&mut self) -> Result<Literal, PatternError> {
        let literal = match &self.peek().kind {
            TokenKind::Int { value, .. } => Literal::Int(*value),
            TokenKind::Float { value, .. } => Literal::Float(*value),
            TokenKind::Str(text) => Literal::Str(text.clone()),
            TokenKind::Binary(bytes) => Literal::Binary(bytes.clone()),
            TokenKind::Timestamp(t) => Literal::Timestamp(*t),
            _ => return Err(self.unexpected("a literal (number, string, binary or timestamp)")),
        };
        self.advance();
        Ok(literal)
    }

    fn primitive_literal(&mut self) -> Result<Literal, PatternError> {
        if let TokenKind::Bool(value) = self.peek().kind {
            self.advance();
            return Ok(Literal::Bool(value));
        }
        self.orderable_literal()
    }

    fn set_literal(&mut self) -> Result<Vec<Literal>, PatternError> {
        self.expect(&TokenKind::LParen, "'(' starting a set")?;
        let mut items = Vec::new();
        if self.eat(&TokenKind::RParen) {
            return Ok(items);
        }
        loop {
            items.push(self.primitive_literal()?);
            if self.eat(&TokenKind::RParen) {
                return Ok(items);
            }
            self.expect(&TokenKind::Comma, "',' or ')' in a set")?;
        }
    }

    // ---- object paths ------------------------------------------------------------------

    fn object_path(&mut self) -> Result<ObjectPath, PatternError> {
        let TokenKind::Ident { text, .. } = self.peek().kind.clone() else {
            return Err(self.unexpected("an object type"));
        };
        self.advance();
        self.expect(&TokenKind::Colon, "':' after the object type")?;
        let first = self.property_name("a property name after ':'")?;
        let mut steps = vec![PathStep::Key(first)];
        loop {
            match self.peek().kind {
                TokenKind::Dot => {
                    self.advance();
                    steps.push(PathStep::Key(self.property_name("a property name after '.'")?));
                }
                TokenKind::LBracket => {
                    self.advance();
                    let step = match self.peek().kind {
                        TokenKind::Asterisk => PathStep::AnyIndex,
                        TokenKind::Int { value, .. } => match i64::try_from(value) {
                            Ok(index) => PathStep::Index(index),
                            Err(_) => return Err(self.unexpected("a list index in range")),
                        },
                        _ => return Err(self.unexpected("a list index or '*'")),
                    };
                    self.advance();
                    self.expect(&TokenKind::RBracket, "']' closing the list index")?;
                    steps.push(step);
                }
                _ => break,
            }
        }
        Ok(ObjectPath { object_type: text, steps })
    }

    /// A property name: an identifier without hyphens, or a quoted string.
    fn property_name(&mut self, what: &str) -> Result<String, PatternError> {
        let name = match &self.peek().kind {
            TokenKind::Ident { text, hyphen: false } => text.clone(),
            TokenKind::Str(text) => text.clone(),
            TokenKind::Ident { hyphen: true, .. } => {
                return Err(self.unexpected(&format!(
                    "{what} (names with '-' must be quoted, e.g. 'name-with-hyphen')"
                )));
            }
            _ => return Err(self.unexpected(what)),
        };
        self.advance();
        Ok(name)
    }
}
