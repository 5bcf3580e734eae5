//! Turns pattern text into tokens, following the lexer rules of the STIX 2.1 ANTLR grammar
//! (`STIXPattern.g4`): case-sensitive upper-case keywords, lower-case `true`/`false`, identifiers
//! with and without hyphens, `t'...'`/`b'...'`/`h'...'` literals, `/* */` and `//` comments.
//!
//! Where the grammar's lexer would fall back to shorter tokens that no parser rule can accept
//! (e.g. `t'not-a-timestamp'` becoming the identifier `t` and a string), this lexer reports the
//! malformed literal directly, which gives a clearer message for the same verdict.

use crate::error::{PatternError, PatternErrorKind};
use crate::timestamp::Timestamp;

/// A reserved word of the patterning language.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Keyword {
    And,
    Or,
    Not,
    FollowedBy,
    Like,
    Matches,
    IsSuperset,
    IsSubset,
    Exists,
    Last,
    In,
    Start,
    Stop,
    Seconds,
    Within,
    Repeats,
    Times,
}

impl Keyword {
    fn from_word(word: &str) -> Option<Keyword> {
        Some(match word {
            "AND" => Keyword::And,
            "OR" => Keyword::Or,
            "NOT" => Keyword::Not,
            "FOLLOWEDBY" => Keyword::FollowedBy,
            "LIKE" => Keyword::Like,
            "MATCHES" => Keyword::Matches,
            "ISSUPERSET" => Keyword::IsSuperset,
            "ISSUBSET" => Keyword::IsSubset,
            "EXISTS" => Keyword::Exists,
            "LAST" => Keyword::Last,
            "IN" => Keyword::In,
            "START" => Keyword::Start,
            "STOP" => Keyword::Stop,
            "SECONDS" => Keyword::Seconds,
            "WITHIN" => Keyword::Within,
            "REPEATS" => Keyword::Repeats,
            "TIMES" => Keyword::Times,
            _ => return None,
        })
    }
}

/// Whether the lexer reads `word` as a keyword or boolean rather than an identifier (so a
/// property of that name must be quoted).
pub(crate) fn is_reserved_word(word: &str) -> bool {
    Keyword::from_word(word).is_some() || word == "true" || word == "false"
}

/// What a token is.
#[derive(Debug, Clone, PartialEq)]
pub(crate) enum TokenKind {
    LBracket,
    RBracket,
    LParen,
    RParen,
    Colon,
    Dot,
    Comma,
    Asterisk,
    Eq,
    NotEq,
    Lt,
    Le,
    Gt,
    Ge,
    Keyword(Keyword),
    Bool(bool),
    /// An identifier; `hyphen` tells `IdentifierWithHyphen` (object types only) apart.
    Ident {
        text: String,
        hyphen: bool,
    },
    /// An integer; `negative` tells `IntNegLiteral` (written with `-`) apart.
    Int {
        value: i128,
        negative: bool,
    },
    Float {
        value: f64,
        negative: bool,
    },
    Str(String),
    Binary(Vec<u8>),
    Timestamp(Timestamp),
    Eof,
}

impl TokenKind {
    /// How the token is named in "expected ..., found ..." messages.
    pub(crate) fn describe(&self) -> String {
        match self {
            TokenKind::Keyword(k) => format!("keyword {}", keyword_text(*k)),
            TokenKind::Bool(b) => format!("boolean {b}"),
            TokenKind::Ident { text, .. } => format!("identifier '{text}'"),
            TokenKind::Int { .. } => "integer".to_owned(),
            TokenKind::Float { .. } => "float".to_owned(),
            TokenKind::Str(_) => "string literal".to_owned(),
            TokenKind::Binary(_) => "binary literal".to_owned(),
            TokenKind::Timestamp(_) => "timestamp literal".to_owned(),
            TokenKind::Eof => "end of pattern".to_owned(),
            other => format!("'{}'", punct_text(other)),
        }
    }
}

fn keyword_text(k: Keyword) -> &'static str {
    match k {
        Keyword::And => "AND",
        Keyword::Or => "OR",
        Keyword::Not => "NOT",
        Keyword::FollowedBy => "FOLLOWEDBY",
        Keyword::Like => "LIKE",
        Keyword::Matches => "MATCHES",
        Keyword::IsSuperset => "ISSUPERSET",
        Keyword::IsSubset => "ISSUBSET",
        Keyword::Exists => "EXISTS",
        Keyword::Last => "LAST",
        Keyword::In => "IN",
        Keyword::Start => "START",
        Keyword::Stop => "STOP",
        Keyword::Seconds => "SECONDS",
        Keyword::Within => "WITHIN",
        Keyword::Repeats => "REPEATS",
        Keyword::Times => "TIMES",
    }
}

fn punct_text(kind: &TokenKind) -> &'static str {
    match kind {
        TokenKind::LBracket => "[",
        TokenKind::RBracket => "]",
        TokenKind::LParen => "(",
        TokenKind::RParen => ")",
        TokenKind::Colon => ":",
        TokenKind::Dot => ".",
        TokenKind::Comma => ",",
        TokenKind::Asterisk => "*",
        TokenKind::Eq => "=",
        TokenKind::NotEq => "!=",
        TokenKind::Lt => "<",
        TokenKind::Le => "<=",
        TokenKind::Gt => ">",
        TokenKind::Ge => ">=",
        _ => "?",
    }
}

/// A token and where it is.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct Token {
    pub(crate) kind: TokenKind,
    pub(crate) start: usize,
    pub(crate) end: usize,
}

/// Splits `source` into tokens, ending with one `Eof` token.
pub(crate) fn tokenize(source: &str) -> Result<Vec<Token>, PatternError> {
    let mut lexer = Lexer { source, pos: 0 };
    let mut tokens = Vec::new();
    loop {
        lexer.skip_trivia()?;
        let start = lexer.pos;
        let Some(c) = lexer.peek() else {
            tokens.push(Token { kind: TokenKind::Eof, start, end: start });
            return Ok(tokens);
        };
        let kind = lexer.token(c)?;
        tokens.push(Token { kind, start, end: lexer.pos });
    }
}

struct Lexer<'a> {
    source: &'a str,
    pos: usize,
}

/// The grammar's `WS` rule: ASCII and the listed Unicode spaces.
fn is_whitespace(c: char) -> bool {
    matches!(
        c,
        ' ' | '\t' | '\r' | '\n' | '\u{000B}' | '\u{000C}' | '\u{0085}' | '\u{00A0}' | '\u{1680}' | '\u{2000}'
            ..='\u{200A}' | '\u{2028}' | '\u{2029}' | '\u{202F}' | '\u{205F}' | '\u{3000}'
    )
}

impl Lexer<'_> {
    fn peek(&self) -> Option<char> {
        self.source[self.pos..].chars().next()
    }

    fn peek_at(&self, skip: usize) -> Option<char> {
        self.source[self.pos..].chars().nth(skip)
    }

    fn rest(&self) -> &str {
        &self.source[self.pos..]
    }

    fn error(&self, offset: usize, message: impl Into<String>) -> PatternError {
        PatternError::at(self.source, offset, PatternErrorKind::Lexical, message)
    }

    fn skip_trivia(&mut self) -> Result<(), PatternError> {
        loop {
            let rest = self.rest();
            if let Some(c) = rest.chars().next().filter(|c| is_whitespace(*c)) {
                self.pos += c.len_utf8();
            } else if let Some(body) = rest.strip_prefix("/*") {
                let Some(end) = body.find("*/") else {
                    return Err(self.error(self.pos, "unterminated comment"));
                };
                self.pos += 2 + end + 2;
            } else if rest.starts_with("//") {
                let end = rest.find(['\r', '\n']).unwrap_or(rest.len());
                self.pos += end;
            } else {
                return Ok(());
            }
        }
    }

    fn token(&mut self, c: char) -> Result<TokenKind, PatternError> {
        let two = |s: &str| self.rest().starts_with(s);
        let (kind, len) = match c {
            '[' => (TokenKind::LBracket, 1),
            ']' => (TokenKind::RBracket, 1),
            '(' => (TokenKind::LParen, 1),
            ')' => (TokenKind::RParen, 1),
            ':' => (TokenKind::Colon, 1),
            ',' => (TokenKind::Comma, 1),
            '*' => (TokenKind::Asterisk, 1),
            '=' if two("==") => (TokenKind::Eq, 2),
            '=' => (TokenKind::Eq, 1),
            '!' if two("!=") => (TokenKind::NotEq, 2),
            '<' if two("<>") => (TokenKind::NotEq, 2),
            '<' if two("<=") => (TokenKind::Le, 2),
            '<' => (TokenKind::Lt, 1),
            '>' if two(">=") => (TokenKind::Ge, 2),
            '>' => (TokenKind::Gt, 1),
            '.' if !self.peek_at(1).is_some_and(|d| d.is_ascii_digit()) => (TokenKind::Dot, 1),
            '\'' => return self.string().map(TokenKind::Str),
            '.' | '+' | '-' | '0'..='9' => return self.number(),
            'a'..='z' | 'A'..='Z' | '_' => return self.word(),
            other => {
                return Err(self.error(self.pos, format!("unexpected character {other:?}")));
            }
        };
        self.pos += len;
        Ok(kind)
    }

    /// A quoted string; the current character is the opening quote. Only `\'` and `\\` are
    /// escapes, as in the grammar.
    fn string(&mut self) -> Result<String, PatternError> {
        let open = self.pos;
        self.pos += 1;
        let mut out = String::new();
        loop {
            let Some(c) = self.peek() else {
                return Err(self.error(open, "unterminated string literal"));
            };
            self.pos += c.len_utf8();
            match c {
                '\'' => return Ok(out),
                '\\' => match self.peek() {
                    Some(e @ ('\'' | '\\')) => {
                        out.push(e);
                        self.pos += 1;
                    }
                    _ => {
                        return Err(self.error(
                            self.pos - 1,
                            "invalid escape in string literal: only \\' and \\\\ are allowed",
                        ));
                    }
                },
                other => out.push(other),
            }
        }
    }

    /// `IntPosLiteral`, `IntNegLiteral`, `FloatPosLiteral`, `FloatNegLiteral`.
    fn number(&mut self) -> Result<TokenKind, PatternError> {
        let start = self.pos;
        let bytes = self.source.as_bytes();
        let mut i = self.pos;
        let negative = bytes[i] == b'-';
        if matches!(bytes[i], b'+' | b'-') {
            i += 1;
        }
        let int_start = i;
        while i < bytes.len() && bytes[i].is_ascii_digit() {
            i += 1;
        }
        let int_digits = &self.source[int_start..i];
        let has_fraction = i + 1 < bytes.len() && bytes[i] == b'.' && bytes[i + 1].is_ascii_digit();
        if has_fraction {
            i += 1;
            while i < bytes.len() && bytes[i].is_ascii_digit() {
                i += 1;
            }
            self.pos = i;
            let value: f64 =
                self.source[start..i].parse().map_err(|_| self.error(start, "invalid float literal"))?;
            return Ok(TokenKind::Float { value, negative });
        }
        if int_digits.is_empty() {
            return Err(self.error(start, "a sign must be followed by a number"));
        }
        if int_digits.len() > 1 && int_digits.starts_with('0') {
            return Err(self.error(start, "integer literal with a leading zero"));
        }
        self.pos = i;
        let value: i128 =
            self.source[start..i].parse().map_err(|_| self.error(start, "integer literal out of range"))?;
        Ok(TokenKind::Int { value, negative })
    }

    /// Keywords, booleans, identifiers, and the prefixed literals `t'..'`, `b'..'`, `h'..'`.
    fn word(&mut self) -> Result<TokenKind, PatternError> {
        let start = self.pos;
        let source = self.source;
        let rest = &source[start..];
        if let Some(prefix @ ('t' | 'b' | 'h')) = rest.chars().next()
            && rest[1..].starts_with('\'')
        {
            return self.prefixed_literal(prefix);
        }
        let len =
            rest.find(|c: char| !(c.is_ascii_alphanumeric() || c == '_' || c == '-')).unwrap_or(rest.len());
        let text = &rest[..len];
        self.pos = start + len;
        let hyphen = text.contains('-');
        if !hyphen {
            if let Some(keyword) = Keyword::from_word(text) {
                return Ok(TokenKind::Keyword(keyword));
            }
            match text {
                "true" => return Ok(TokenKind::Bool(true)),
                "false" => return Ok(TokenKind::Bool(false)),
                _ => {}
            }
        }
        Ok(TokenKind::Ident { text: text.to_owned(), hyphen })
    }

    fn prefixed_literal(&mut self, prefix: char) -> Result<TokenKind, PatternError> {
        let start = self.pos;
        let body_start = start + 2;
        let Some(close) = self.source[body_start..].find('\'') else {
            return Err(self.error(start, "unterminated literal"));
        };
        let body = &self.source[body_start..body_start + close];
        self.pos = body_start + close + 1;
        match prefix {
            't' => Timestamp::parse(body)
                .map(TokenKind::Timestamp)
                .map_err(|e| self.error(start, format!("invalid timestamp literal t'{body}': {e}"))),
            'b' => decode_base64(body)
                .map(TokenKind::Binary)
                .ok_or_else(|| self.error(start, format!("invalid base64 literal b'{body}'"))),
            _ => decode_hex(body)
                .map(TokenKind::Binary)
                .ok_or_else(|| self.error(start, format!("invalid hex literal h'{body}'"))),
        }
    }
}

/// Decodes `h'...'`: an even number of hex digits (possibly none).
pub(crate) fn decode_hex(text: &str) -> Option<Vec<u8>> {
    if !text.len().is_multiple_of(2) {
        return None;
    }
    text.as_bytes()
        .chunks(2)
        .map(|pair| {
            let hi = (pair[0] as char).to_digit(16)?;
            let lo = (pair[1] as char).to_digit(16)?;
            u8::try_from(hi * 16 + lo).ok()
        })
        .collect()
}

fn base64_value(c: u8) -> Option<u32> {
    Some(u32::from(match c {
        b'A'..=b'Z' => c - b'A',
        b'a'..=b'z' => c - b'a' + 26,
        b'0'..=b'9' => c - b'0' + 52,
        b'+' => 62,
        b'/' => 63,
        _ => return None,
    }))
}

/// Decodes standard, padded base64 as the grammar's `BinaryLiteral` spells it: groups of four,
/// at least one group, `=` only as padding at the very end.
pub(crate) fn decode_base64(text: &str) -> Option<Vec<u8>> {
    let bytes = text.as_bytes();
    if bytes.is_empty() || !bytes.len().is_multiple_of(4) {
        return None;
    }
    let mut out = Vec::with_capacity(bytes.len() / 4 * 3);
    let groups = bytes.len() / 4;
    for (index, group) in bytes.chunks(4).enumerate() {
        let last = index + 1 == groups;
        let padding = group.iter().rev().take_while(|&&c| c == b'=').count();
        if padding > 2 || (padding > 0 && !last) {
            return None;
        }
        let mut acc = 0u32;
        for &c in &group[..4 - padding] {
            acc = (acc << 6) | base64_value(c)?;
        }
        acc <<= 6 * padding;
        let decoded = acc.to_be_bytes();
        out.extend_from_slice(&decoded[1..4 - padding]);
    }
    Some(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn kinds(source: &str) -> Result<Vec<TokenKind>, usize> {
        tokenize(source).map(|tokens| tokens.into_iter().map(|t| t.kind).collect()).map_err(|e| e.offset)
    }

    fn ident(text: &str, hyphen: bool) -> TokenKind {
        TokenKind::Ident { text: text.to_owned(), hyphen }
    }

    #[test]
    fn token_cases() {
        use TokenKind as T;
        let cases: Vec<(&str, Result<Vec<TokenKind>, usize>)> = vec![
            ("", Ok(vec![T::Eof])),
            ("  /* c */ // x\n", Ok(vec![T::Eof])),
            ("==", Ok(vec![T::Eq, T::Eof])),
            ("<> != <= >= < >", Ok(vec![T::NotEq, T::NotEq, T::Le, T::Ge, T::Lt, T::Gt, T::Eof])),
            ("AND and", Ok(vec![T::Keyword(Keyword::And), ident("and", false), T::Eof])),
            ("ANDx", Ok(vec![ident("ANDx", false), T::Eof])),
            ("x-y z_1", Ok(vec![ident("x-y", true), ident("z_1", false), T::Eof])),
            ("true false True", Ok(vec![T::Bool(true), T::Bool(false), ident("True", false), T::Eof])),
            (
                "5 -4 +3 -0",
                Ok(vec![
                    T::Int { value: 5, negative: false },
                    T::Int { value: -4, negative: true },
                    T::Int { value: 3, negative: false },
                    T::Int { value: 0, negative: true },
                    T::Eof,
                ]),
            ),
            (
                ".5 -1.25",
                Ok(vec![
                    T::Float { value: 0.5, negative: false },
                    T::Float { value: -1.25, negative: true },
                    T::Eof,
                ]),
            ),
            ("a.b", Ok(vec![ident("a", false), T::Dot, ident("b", false), T::Eof])),
            (r"'it\'s \\ ok'", Ok(vec![T::Str(r"it's \ ok".to_owned()), T::Eof])),
            ("h'ffD8' h''", Ok(vec![T::Binary(vec![0xff, 0xd8]), T::Binary(vec![]), T::Eof])),
            ("b'AQIDBA=='", Ok(vec![T::Binary(vec![1, 2, 3, 4]), T::Eof])),
            ("b'YWxpY2U='", Ok(vec![T::Binary(b"alice".to_vec()), T::Eof])),
            ("h ' x'", Ok(vec![ident("h", false), T::Str(" x".to_owned()), T::Eof])),
            ("'abc", Err(0)),
            (r"'a\b'", Err(2)),
            ("b'===='", Err(0)),
            ("b''", Err(0)),
            ("b'QQ=A'", Err(0)),
            ("h'abc'", Err(0)),
            ("h'zz'", Err(0)),
            ("x t'2024-02-30T00:00:00Z'", Err(2)),
            ("007", Err(0)),
            ("- 5", Err(0)),
            ("a ? b", Err(2)),
            ("/* open", Err(0)),
            ("é", Err(0)),
        ];
        for (source, expected) in cases {
            assert_eq!(kinds(source), expected, "source {source:?}");
        }
    }
}
