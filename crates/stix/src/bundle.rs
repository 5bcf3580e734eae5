//! Streaming bundle reader and writer.
//!
//! [`BundleReader`] reads a bundle of any size object by object: a structural scanner finds each
//! element of the `objects` array in a sliding buffer and hands out its bytes, so memory is bounded
//! by the largest single object (at most [`ReaderLimits::max_object_bytes`]), never by the file.
//! The same reader accepts a bare object, a JSON array of objects and NDJSON (one object a line, or
//! any whitespace between objects). Each object's JSON itself is parsed later, by the caller, from
//! the slice; errors carry the line and column in the whole input.
//!
//! [`BundleWriter`] writes a valid bundle around already-canonical object texts.

use std::io::{self, Read, Write};

use crate::diagnostic::Diagnostic;

/// Largest single object accepted by default.
pub const MAX_OBJECT_BYTES: usize = 32 * 1024 * 1024;
/// Largest bundle-level property other than `objects` (`id`, `type`, …).
pub const MAX_ENVELOPE_VALUE_BYTES: usize = 64 * 1024;
/// Deepest nesting of arrays and objects inside one object.
pub const MAX_NESTING_DEPTH: usize = 128;
const READ_CHUNK_BYTES: usize = 1024 * 1024;

/// Limits on what one reader accepts. Each has a default and a specific error.
#[derive(Debug, Clone, Copy)]
pub struct ReaderLimits {
    pub max_object_bytes: usize,
    /// `None`: unlimited (the CLI streams millions); TAXII POST sets its per-request limit.
    pub max_objects: Option<u64>,
    pub max_nesting_depth: usize,
}

impl Default for ReaderLimits {
    fn default() -> Self {
        Self { max_object_bytes: MAX_OBJECT_BYTES, max_objects: None, max_nesting_depth: MAX_NESTING_DEPTH }
    }
}

/// Where something is in the input: 1-based line and column (in bytes), and the byte offset.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct Position {
    pub line: u64,
    pub column: u64,
    pub offset: u64,
}

impl std::fmt::Display for Position {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "line {} column {}", self.line, self.column)
    }
}

/// Why reading stopped. Everything handed out before the error stays valid.
#[derive(Debug, thiserror::Error)]
pub enum ReadError {
    /// The underlying stream failed.
    #[error("read failed: {0}")]
    Io(#[from] io::Error),
    /// The bytes are not JSON of the expected shape at this place.
    #[error("malformed JSON at {at}: {message}")]
    Syntax { at: Position, message: String },
    /// The input ended inside a value.
    #[error("input truncated at {at}: {message}")]
    Truncated { at: Position, message: String },
    /// One object is larger than the limit; raise `max_object_bytes` or split the object.
    #[error("object {index} starting at {at} exceeds the limit of {limit} bytes")]
    ObjectTooLarge { index: u64, at: Position, limit: usize },
    /// One object nests arrays/objects deeper than the limit.
    #[error("object {index} starting at {at} nests deeper than {limit} levels")]
    TooDeep { index: u64, at: Position, limit: usize },
    /// The input holds more objects than this reader accepts.
    #[error("more than {limit} objects in one input")]
    TooManyObjects { limit: u64 },
}

/// One object's bytes, as found in the input (whitespace and all), with where it started.
#[derive(Debug, Clone)]
pub struct RawObject {
    /// 0-based index in the input's sequence of objects.
    pub index: u64,
    pub at: Position,
    pub bytes: Vec<u8>,
}

impl RawObject {
    /// Parses the object's JSON, locating a syntax error in the whole input.
    pub fn parse(&self) -> Result<serde_json::Value, ReadError> {
        serde_json::from_slice(&self.bytes).map_err(|e| ReadError::Syntax {
            at: self.position_of(e.line() as u64, e.column() as u64),
            message: strip_serde_location(&e.to_string()),
        })
    }

    /// Translates a 1-based line/column inside this object into the whole input.
    pub fn position_of(&self, line: u64, column: u64) -> Position {
        if line <= 1 {
            Position { line: self.at.line, column: self.at.column + column.saturating_sub(1), offset: 0 }
        } else {
            Position { line: self.at.line + line - 1, column, offset: 0 }
        }
    }
}

fn strip_serde_location(message: &str) -> String {
    match message.rfind(" at line ") {
        Some(i) => message[..i].to_owned(),
        None => message.to_owned(),
    }
}

/// What shape the input turned out to have.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Shape {
    /// Nothing read yet, or empty input.
    Unknown,
    /// A `{"type": "bundle", "objects": [...]}` envelope.
    Bundle,
    /// A bare JSON array of objects.
    Array,
    /// One or more bare objects (a single object, or NDJSON).
    Objects,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum State {
    /// Between top-level values.
    TopLevel,
    /// Inside a bundle's `objects` array, before an element or `]`.
    InBundleArray {
        first: bool,
    },
    /// Inside a top-level array, before an element or `]`.
    InTopArray {
        first: bool,
    },
    /// Inside the bundle object, after its `objects` array: more keys may follow.
    AfterBundleArray,
    Done,
}

/// Streams objects out of a bundle, an array, or NDJSON. See the module docs.
pub struct BundleReader<R> {
    input: R,
    buf: Vec<u8>,
    pos: usize,
    eof: bool,
    /// Line/column bookkeeping of `buf[..pos]` relative to the whole input.
    consumed: u64,
    line: u64,
    line_start: u64,
    limits: ReaderLimits,
    state: State,
    shape: Shape,
    count: u64,
    envelope: Vec<(String, serde_json::Value)>,
    envelope_at: Position,
    diagnostics: Vec<Diagnostic>,
}

impl<R: Read> BundleReader<R> {
    pub fn new(input: R) -> Self {
        Self::with_limits(input, ReaderLimits::default())
    }

    pub fn with_limits(input: R, limits: ReaderLimits) -> Self {
        Self {
            input,
            buf: Vec::with_capacity(READ_CHUNK_BYTES),
            pos: 0,
            eof: false,
            consumed: 0,
            line: 1,
            line_start: 0,
            limits,
            state: State::TopLevel,
            shape: Shape::Unknown,
            count: 0,
            envelope: Vec::new(),
            envelope_at: Position::default(),
            diagnostics: Vec::new(),
        }
    }

    /// The input's shape, known once the first object has been read.
    pub fn shape(&self) -> Shape {
        self.shape
    }

    /// Objects handed out so far. (Not `count`: that name is `Iterator::count`, which consumes.)
    pub fn objects_read(&self) -> u64 {
        self.count
    }

    /// Findings about the envelope (bundle `type`, `id`, stray properties, not a bundle at all),
    /// complete once the iterator has returned `None`.
    pub fn envelope_diagnostics(&self) -> &[Diagnostic] {
        &self.diagnostics
    }

    fn next_object(&mut self) -> Result<Option<RawObject>, ReadError> {
        loop {
            match self.state {
                State::Done => return Ok(None),
                State::TopLevel => {
                    if !self.skip_whitespace()? {
                        self.finish_input();
                        return Ok(None);
                    }
                    match self.buf[self.pos] {
                        b'{' => {
                            if let Some(obj) = self.top_level_object()? {
                                return Ok(Some(obj));
                            }
                        }
                        b'[' if self.shape == Shape::Unknown => {
                            self.advance(1);
                            self.shape = Shape::Array;
                            self.state = State::InTopArray { first: true };
                        }
                        _ => {
                            return Err(
                                self.syntax("expected a JSON object, a bundle or an array of objects")
                            );
                        }
                    }
                }
                State::InBundleArray { first } | State::InTopArray { first } => {
                    if let Some(obj) = self.array_element(first)? {
                        return Ok(Some(obj));
                    }
                }
                State::AfterBundleArray => self.rest_of_bundle()?,
            }
        }
    }

    /// Reads a top-level `{`: either a bundle (switching to streaming its array) or a bare object.
    fn top_level_object(&mut self) -> Result<Option<RawObject>, ReadError> {
        if self.shape == Shape::Bundle || self.shape == Shape::Array {
            return Err(self.syntax("unexpected data after the end of the bundle"));
        }
        let start = self.here();
        let index = self.count;
        self.advance(1);
        let mut entries: Vec<(Vec<u8>, Vec<u8>)> = Vec::new();
        let mut first = true;
        loop {
            self.expect_whitespace_then_more("inside the top-level object")?;
            if self.buf[self.pos] == b'}' {
                self.advance(1);
                break;
            }
            if !first {
                self.expect_byte(b',')?;
                self.expect_whitespace_then_more("inside the top-level object")?;
            }
            first = false;
            let key = self.string_token()?;
            self.expect_whitespace_then_more("after a key")?;
            self.expect_byte(b':')?;
            self.expect_whitespace_then_more("after a key")?;
            if key == b"\"objects\"" && self.buf[self.pos] == b'[' && self.shape == Shape::Unknown {
                self.start_bundle(start, &entries)?;
                return Ok(None);
            }
            let value = self.value_bytes(index, start)?;
            entries.push((key, value));
        }
        self.shape = Shape::Objects;
        self.count_object()?;
        Ok(Some(RawObject { index, at: start, bytes: rebuild_object(&entries) }))
    }

    fn start_bundle(&mut self, start: Position, entries: &[(Vec<u8>, Vec<u8>)]) -> Result<(), ReadError> {
        self.advance(1);
        self.shape = Shape::Bundle;
        self.envelope_at = start;
        for (key, value) in entries {
            self.remember_envelope(key, value, start)?;
        }
        self.state = State::InBundleArray { first: true };
        Ok(())
    }

    fn remember_envelope(&mut self, key: &[u8], value: &[u8], at: Position) -> Result<(), ReadError> {
        let key: String = serde_json::from_slice(key).map_err(|e| self.syntax_at(at, &e.to_string()))?;
        let value: serde_json::Value =
            serde_json::from_slice(value).map_err(|e| self.syntax_at(at, &e.to_string()))?;
        self.envelope.push((key, value));
        Ok(())
    }

    /// One element of an array (bundle `objects` or a top-level array), or its closing `]`.
    fn array_element(&mut self, first: bool) -> Result<Option<RawObject>, ReadError> {
        self.expect_whitespace_then_more("inside the objects array")?;
        if self.buf[self.pos] == b']' {
            self.advance(1);
            self.state = match self.state {
                State::InBundleArray { .. } => State::AfterBundleArray,
                _ => State::TopLevel,
            };
            return Ok(None);
        }
        if !first {
            self.expect_byte(b',')?;
            self.expect_whitespace_then_more("inside the objects array")?;
        }
        self.state = match self.state {
            State::InBundleArray { .. } => State::InBundleArray { first: false },
            _ => State::InTopArray { first: false },
        };
        let at = self.here();
        if self.buf[self.pos] != b'{' {
            return Err(self.syntax("each element of `objects` must be a JSON object"));
        }
        let index = self.count;
        let bytes = self.value_bytes(index, at)?;
        self.count_object()?;
        Ok(Some(RawObject { index, at, bytes }))
    }

    /// The bundle's keys after `objects`, up to its closing brace.
    fn rest_of_bundle(&mut self) -> Result<(), ReadError> {
        loop {
            self.expect_whitespace_then_more("inside the bundle")?;
            if self.buf[self.pos] == b'}' {
                self.advance(1);
                self.state = State::TopLevel;
                return Ok(());
            }
            self.expect_byte(b',')?;
            self.expect_whitespace_then_more("inside the bundle")?;
            let at = self.here();
            let key = self.string_token()?;
            self.expect_whitespace_then_more("after a key")?;
            self.expect_byte(b':')?;
            self.expect_whitespace_then_more("after a key")?;
            let value = self.envelope_value_bytes(at)?;
            if key == b"\"objects\"" {
                return Err(self.syntax_at(at, "the bundle has a second `objects` property"));
            }
            self.remember_envelope(&key, &value, at)?;
        }
    }

    fn envelope_value_bytes(&mut self, at: Position) -> Result<Vec<u8>, ReadError> {
        let limit = MAX_ENVELOPE_VALUE_BYTES;
        let end = self.scan_value_end(limit, at, 0)?;
        let bytes = self.buf[self.pos..end].to_vec();
        self.advance(end - self.pos);
        Ok(bytes)
    }

    fn value_bytes(&mut self, index: u64, at: Position) -> Result<Vec<u8>, ReadError> {
        let end = self.scan_value_end(self.limits.max_object_bytes, at, index)?;
        let bytes = self.buf[self.pos..end].to_vec();
        self.advance(end - self.pos);
        Ok(bytes)
    }

    fn count_object(&mut self) -> Result<(), ReadError> {
        self.count += 1;
        match self.limits.max_objects {
            Some(limit) if self.count > limit => Err(ReadError::TooManyObjects { limit }),
            _ => Ok(()),
        }
    }

    /// End of input: the envelope's findings.
    fn finish_input(&mut self) {
        self.state = State::Done;
        let diags = match self.shape {
            Shape::Bundle => check_envelope(&self.envelope),
            Shape::Objects if self.count == 1 => vec![Diagnostic::warning(
                "$",
                "not-a-bundle",
                "the input is a single STIX object, not a bundle",
            )],
            _ => Vec::new(),
        };
        self.diagnostics = diags;
    }

    // ---- the byte-level machinery ----

    /// Reads more input into the buffer; false at end of input.
    fn fill(&mut self) -> Result<bool, ReadError> {
        if self.eof {
            return Ok(false);
        }
        if self.pos > 0 && self.pos >= self.buf.len() / 2 {
            self.buf.drain(..self.pos);
            self.pos = 0;
        }
        let old = self.buf.len();
        self.buf.resize(old + READ_CHUNK_BYTES, 0);
        let n = loop {
            match self.input.read(&mut self.buf[old..]) {
                Ok(n) => break n,
                Err(e) if e.kind() == io::ErrorKind::Interrupted => continue,
                Err(e) => {
                    self.buf.truncate(old);
                    return Err(e.into());
                }
            }
        };
        self.buf.truncate(old + n);
        self.eof = n == 0;
        Ok(n > 0)
    }

    /// Skips whitespace; false if the input ended.
    fn skip_whitespace(&mut self) -> Result<bool, ReadError> {
        loop {
            while self.pos < self.buf.len() {
                if !self.buf[self.pos].is_ascii_whitespace() {
                    return Ok(true);
                }
                self.advance(1);
            }
            if !self.fill()? {
                return Ok(false);
            }
        }
    }

    fn expect_whitespace_then_more(&mut self, context: &str) -> Result<(), ReadError> {
        if self.skip_whitespace()? {
            Ok(())
        } else {
            Err(ReadError::Truncated { at: self.here(), message: format!("input ended {context}") })
        }
    }

    fn expect_byte(&mut self, byte: u8) -> Result<(), ReadError> {
        if self.buf[self.pos] == byte {
            self.advance(1);
            Ok(())
        } else {
            Err(self.syntax(&format!("expected `{}`", byte as char)))
        }
    }

    /// A JSON string token (quotes included), for keys.
    fn string_token(&mut self) -> Result<Vec<u8>, ReadError> {
        if self.buf[self.pos] != b'"' {
            return Err(self.syntax("expected a string key"));
        }
        let at = self.here();
        let end = self.scan_value_end(MAX_ENVELOPE_VALUE_BYTES, at, self.count)?;
        let key = self.buf[self.pos..end].to_vec();
        self.advance(end - self.pos);
        Ok(key)
    }

    /// Finds the end (exclusive, as a buffer index) of the JSON value starting at `self.pos`,
    /// reading more input as needed, without consuming anything. Strings are skipped with their
    /// escapes; nesting is tracked. Full syntax is checked later by the JSON parser.
    fn scan_value_end(&mut self, limit: usize, at: Position, index: u64) -> Result<usize, ReadError> {
        let mut scan = Scan::default();
        let mut i = self.pos;
        loop {
            match scan.run(&self.buf[..], i, self.limits.max_nesting_depth) {
                ScanStep::End(end) if end - self.pos > limit => {
                    return Err(ReadError::ObjectTooLarge { index, at, limit });
                }
                ScanStep::End(end) => return Ok(end),
                ScanStep::TooDeep => {
                    return Err(ReadError::TooDeep { index, at, limit: self.limits.max_nesting_depth });
                }
                ScanStep::Bad(message) => return Err(self.syntax_at(at, message)),
                ScanStep::NeedMore(next) => {
                    if next - self.pos > limit {
                        return Err(ReadError::ObjectTooLarge { index, at, limit });
                    }
                    let before = self.pos;
                    if !self.fill()? {
                        if scan.is_complete_scalar() {
                            return Ok(self.buf.len());
                        }
                        return Err(ReadError::Truncated {
                            at: self.end_position(),
                            message: format!("input ended inside the value that starts at {at}"),
                        });
                    }
                    // `fill` may have moved the buffer's contents towards its start.
                    i = next - (before - self.pos);
                }
            }
        }
    }

    /// Consumes `n` bytes, keeping line bookkeeping.
    fn advance(&mut self, n: usize) {
        let slice = &self.buf[self.pos..self.pos + n];
        for nl in memchr::memchr_iter(b'\n', slice) {
            self.line += 1;
            self.line_start = self.consumed + nl as u64 + 1;
        }
        self.consumed += n as u64;
        self.pos += n;
    }

    fn here(&self) -> Position {
        Position { line: self.line, column: self.consumed - self.line_start + 1, offset: self.consumed }
    }

    fn end_position(&self) -> Position {
        let rest = &self.buf[self.pos..];
        let mut p = self.here();
        for nl in memchr::memchr_iter(b'\n', rest) {
            p.line += 1;
            p.column = (rest.len() - nl) as u64;
        }
        if memchr::memchr(b'\n', rest).is_none() {
            p.column += rest.len() as u64;
        }
        p.offset += rest.len() as u64;
        p
    }

    fn syntax(&self, message: &str) -> ReadError {
        self.syntax_at(self.here(), message)
    }

    fn syntax_at(&self, at: Position, message: &str) -> ReadError {
        ReadError::Syntax { at, message: message.to_owned() }
    }
}

impl<R: Read> Iterator for BundleReader<R> {
    type Item = Result<RawObject, ReadError>;

    fn next(&mut self) -> Option<Self::Item> {
        match self.next_object() {
            Ok(Some(obj)) => Some(Ok(obj)),
            Ok(None) => None,
            Err(e) => {
                self.state = State::Done;
                Some(Err(e))
            }
        }
    }
}

/// Resumable scanning state for one value.
#[derive(Debug, Default)]
struct Scan {
    started: bool,
    depth: usize,
    in_string: bool,
    escape: bool,
    scalar: bool,
}

enum ScanStep {
    End(usize),
    NeedMore(usize),
    TooDeep,
    Bad(&'static str),
}

impl Scan {
    fn run(&mut self, buf: &[u8], mut i: usize, max_depth: usize) -> ScanStep {
        while i < buf.len() {
            let b = buf[i];
            if self.in_string {
                if self.escape {
                    // The byte right after a backslash is escaped, whatever it is.
                    self.escape = false;
                    i += 1;
                    continue;
                }
                // Jump to the next quote or backslash.
                let Some(off) = memchr::memchr2(b'"', b'\\', &buf[i..]) else {
                    return ScanStep::NeedMore(buf.len());
                };
                i += off;
                if buf[i] == b'\\' {
                    self.escape = true;
                    i += 1;
                    continue;
                }
                self.in_string = false;
                i += 1;
                if self.depth == 0 {
                    return ScanStep::End(i);
                }
                continue;
            }
            if self.scalar {
                if matches!(b, b',' | b'}' | b']') || b.is_ascii_whitespace() {
                    return ScanStep::End(i);
                }
                i += 1;
                continue;
            }
            match b {
                b'"' => self.in_string = true,
                b'{' | b'[' => {
                    self.depth += 1;
                    if self.depth > max_depth {
                        return ScanStep::TooDeep;
                    }
                }
                b'}' | b']' => {
                    if self.depth == 0 {
                        return ScanStep::Bad("unexpected closing bracket");
                    }
                    self.depth -= 1;
                    if self.depth == 0 {
                        return ScanStep::End(i + 1);
                    }
                }
                _ if !self.started => self.scalar = true,
                _ => {}
            }
            self.started = true;
            i += 1;
        }
        ScanStep::NeedMore(buf.len())
    }

    fn is_complete_scalar(&self) -> bool {
        self.scalar
    }
}

/// Reassembles a small top-level object from its captured key and value texts.
fn rebuild_object(entries: &[(Vec<u8>, Vec<u8>)]) -> Vec<u8> {
    let mut out = Vec::with_capacity(entries.iter().map(|(k, v)| k.len() + v.len() + 2).sum::<usize>() + 2);
    out.push(b'{');
    for (i, (key, value)) in entries.iter().enumerate() {
        if i > 0 {
            out.push(b',');
        }
        out.extend_from_slice(key);
        out.push(b':');
        out.extend_from_slice(value);
    }
    out.push(b'}');
    out
}

/// The bundle envelope's own rules: `type` is `bundle`, `id` is `bundle--UUID`, and a STIX 2.1
/// bundle has no other properties (`spec_version` on a bundle is a STIX 2.0 habit).
pub fn check_envelope(entries: &[(String, serde_json::Value)]) -> Vec<Diagnostic> {
    let mut out = Vec::new();
    let get = |name: &str| entries.iter().find(|(k, _)| k == name).map(|(_, v)| v);
    match get("type") {
        None => out.push(Diagnostic::error("$.type", "required-property", "a bundle must have `type`")),
        Some(v) if v != "bundle" => {
            out.push(Diagnostic::error("$.type", "invalid-bundle", "a bundle's `type` must be \"bundle\""))
        }
        Some(_) => {}
    }
    match get("id").map(|v| v.as_str()) {
        None => out.push(Diagnostic::error("$.id", "required-property", "a bundle must have `id`")),
        Some(Some(id)) if crate::id::Identifier::parse(id).is_ok_and(|i| i.object_type == "bundle") => {}
        Some(_) => {
            out.push(Diagnostic::error("$.id", "invalid-id", "a bundle's `id` must be bundle--<UUID>"))
        }
    }
    for (key, _) in entries {
        match key.as_str() {
            "type" | "id" => {}
            "spec_version" => out.push(Diagnostic::error(
                "$.spec_version",
                "bundle-spec-version",
                "a STIX 2.1 bundle has no `spec_version` (that was STIX 2.0)",
            )),
            other => out.push(Diagnostic::error(
                format!("$.{other}"),
                "bundle-property",
                format!("`{other}` is not a property of a STIX 2.1 bundle"),
            )),
        }
    }
    out
}

/// Writes `{"type":"bundle","id":…,"objects":[…]}` around object texts, streaming.
pub struct BundleWriter<W: Write> {
    out: W,
    count: u64,
}

impl<W: Write> BundleWriter<W> {
    /// Starts a bundle with a fresh random id.
    pub fn new(mut out: W) -> io::Result<Self> {
        write!(out, "{{\"type\":\"bundle\",\"id\":\"{}\",\"objects\":[", crate::id::new_v4("bundle"))?;
        Ok(Self { out, count: 0 })
    }

    /// Appends one object; `json` must be one complete JSON object.
    pub fn write_object(&mut self, json: &str) -> io::Result<()> {
        debug_assert!(json.starts_with('{') && json.ends_with('}'));
        if self.count > 0 {
            self.out.write_all(b",\n")?;
        } else {
            self.out.write_all(b"\n")?;
        }
        self.out.write_all(json.as_bytes())?;
        self.count += 1;
        Ok(())
    }

    pub fn count(&self) -> u64 {
        self.count
    }

    /// Closes the bundle and returns the writer, flushed.
    pub fn finish(mut self) -> io::Result<W> {
        self.out.write_all(b"\n]}\n")?;
        self.out.flush()?;
        Ok(self.out)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn read_all(input: &[u8]) -> (Vec<String>, Option<ReadError>, Vec<Diagnostic>, Shape) {
        let mut reader = BundleReader::new(input);
        let mut objects = Vec::new();
        let mut error = None;
        for item in reader.by_ref() {
            match item {
                Ok(obj) => objects.push(String::from_utf8(obj.bytes).unwrap()),
                Err(e) => error = Some(e),
            }
        }
        (objects, error, reader.envelope_diagnostics().to_vec(), reader.shape())
    }

    #[test]
    fn bundle_streams_each_object() {
        let input = br#"{"type": "bundle", "id": "bundle--8e2e2d2b-17d4-4cbf-938f-98ee46b3cd3f",
            "objects": [ {"type": "a", "x": "}]\"{"}, {"type": "b", "n": [1, {"k": []}]} ]}"#;
        let (objects, error, diags, shape) = read_all(input);
        assert!(error.is_none(), "{error:?}");
        assert_eq!(shape, Shape::Bundle);
        assert_eq!(objects, [r#"{"type": "a", "x": "}]\"{"}"#, r#"{"type": "b", "n": [1, {"k": []}]}"#]);
        assert!(diags.is_empty(), "{diags:?}");
    }

    #[test]
    fn envelope_after_objects_and_traps() {
        let input = br#"{"objects": [{"type": "a"}], "spec_version": "2.1", "id": "bundle--8e2e2d2b-17d4-4cbf-938f-98ee46b3cd3f"}"#;
        let (objects, error, diags, _) = read_all(input);
        assert!(error.is_none());
        assert_eq!(objects.len(), 1);
        let codes: Vec<_> = diags.iter().map(|d| (d.path.as_str(), d.code)).collect();
        assert_eq!(codes, [("$.type", "required-property"), ("$.spec_version", "bundle-spec-version")]);
    }

    #[test]
    fn bare_object_array_and_ndjson() {
        let (objects, error, diags, shape) = read_all(br#"{"type": "campaign", "objects": {"0": 1}}"#);
        assert!(error.is_none());
        assert_eq!(shape, Shape::Objects);
        assert_eq!(objects, [r#"{"type":"campaign","objects":{"0": 1}}"#]);
        assert_eq!(diags[0].code, "not-a-bundle");
        let (objects, _, _, shape) = read_all(b"[{\"a\":1},\n{\"b\":2}]");
        assert_eq!((objects.len(), shape), (2, Shape::Array));
        let (objects, error, diags, _) = read_all(b"{\"a\":1}\n{\"b\":2}\n\n{\"c\":3}\n");
        assert!(error.is_none() && diags.is_empty());
        assert_eq!(objects.len(), 3);
    }

    #[test]
    fn errors_carry_line_and_column() {
        let (objects, error, _, _) = read_all(b"{\"type\":\"bundle\",\"objects\":[\n{\"a\":1},\n{\"b\":2}\n");
        assert_eq!(objects.len(), 2);
        assert!(matches!(error, Some(ReadError::Truncated { .. })), "{error:?}");
        let (_, error, _, _) = read_all(b"{\"type\":\"bundle\",\"objects\":[\n{\"a\":1} x");
        match error {
            Some(ReadError::Syntax { at, .. }) => assert_eq!((at.line, at.column), (2, 9)),
            other => panic!("{other:?}"),
        }
        let raw =
            BundleReader::new(&b"{\"objects\":[\n  {\"a\":1,\n   \"b\": tru}]}"[..]).next().unwrap().unwrap();
        match raw.parse() {
            Err(ReadError::Syntax { at, .. }) => assert_eq!(at.line, 3),
            other => panic!("{other:?}"),
        }
        let (_, error, _, _) = read_all(b"\"just a string\"");
        assert!(matches!(error, Some(ReadError::Syntax { .. })));
    }

    #[test]
    fn limits_are_enforced() {
        let big = format!("{{\"objects\":[{{\"a\":\"{}\"}}]}}", "x".repeat(5000));
        let limits = ReaderLimits { max_object_bytes: 1000, ..Default::default() };
        let err = BundleReader::with_limits(big.as_bytes(), limits).find_map(Result::err);
        assert!(matches!(err, Some(ReadError::ObjectTooLarge { limit: 1000, .. })), "{err:?}");
        let deep = format!("{{\"objects\":[{}{}]}}", "{\"a\":".repeat(500), "}".repeat(500));
        let err = BundleReader::new(deep.as_bytes()).find_map(Result::err);
        assert!(matches!(err, Some(ReadError::TooDeep { .. })), "{err:?}");
        let many = b"{\"objects\":[{},{},{}]}";
        let limits = ReaderLimits { max_objects: Some(2), ..Default::default() };
        let items: Vec<_> = BundleReader::with_limits(&many[..], limits).collect();
        assert_eq!(items.len(), 3);
        assert!(matches!(items[2], Err(ReadError::TooManyObjects { limit: 2 })));
    }

    /// A reader that hands out one byte at a time exercises every buffer boundary.
    #[test]
    fn byte_at_a_time_input() {
        struct Trickle<'a>(&'a [u8]);
        impl Read for Trickle<'_> {
            fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
                let Some((&b, rest)) = self.0.split_first() else { return Ok(0) };
                buf[0] = b;
                self.0 = rest;
                Ok(1)
            }
        }
        let input = br#"{"type":"bundle","id":"bundle--8e2e2d2b-17d4-4cbf-938f-98ee46b3cd3f","objects":[{"s":"a\\\"b"},{"t":[1,2]}]}"#;
        let got: Vec<_> = BundleReader::new(Trickle(input)).map(|r| r.unwrap().bytes).collect();
        assert_eq!(got, [br#"{"s":"a\\\"b"}"#.to_vec(), br#"{"t":[1,2]}"#.to_vec()]);
    }

    #[test]
    fn writer_makes_a_bundle() {
        let mut w = BundleWriter::new(Vec::new()).unwrap();
        w.write_object(r#"{"type":"x"}"#).unwrap();
        w.write_object(r#"{"type":"y"}"#).unwrap();
        let out = w.finish().unwrap();
        let v: serde_json::Value = serde_json::from_slice(&out).unwrap();
        assert_eq!(v["objects"].as_array().unwrap().len(), 2);
        assert_eq!(v["type"], "bundle");
    }
}
