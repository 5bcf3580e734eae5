//! One JSON line read light, for `selat match`'s fast path: objects and strings are kept (keys
//! and strings borrowed from the line when they hold no escape), every other value is checked
//! and dropped. It goes through serde_json's own parser with the same entry point
//! (`deserialize_any`, numbers included) as `serde_json::Value`, so it accepts exactly the
//! lines `Value` accepts; only the tree it builds is cheaper (no map, no number, one vector per
//! object).

//!
//! [`LineScanner`] is the faster first try: a hand-written scan of the common line (no escape,
//! no exponent, shallow) into spans of the line kept in one reused vector, so a line costs no
//! allocation. It accepts only lines that are valid JSON and declines every other line
//! (`None`), for [`Node::parse`] and then `serde_json::Value` to read or reject with their own
//! errors: a malformed line gets exactly the error it got before.

use std::borrow::Cow;
use std::fmt;

use serde::de::{Deserialize, Deserializer, MapAccess, SeqAccess, Visitor};

/// A JSON value with only what matching by object path needs.
#[derive(Debug, PartialEq)]
pub(crate) enum Node<'a> {
    Str(Cow<'a, str>),
    /// Members in the order written (a repeated key: the last one counts, as in `Value`).
    Object(Vec<(Cow<'a, str>, Node<'a>)>),
    /// A number, boolean, null or array.
    Other,
}

impl<'a> Node<'a> {
    pub(crate) fn parse(line: &'a str) -> serde_json::Result<Node<'a>> {
        serde_json::from_str(line)
    }

    pub(crate) fn get(&self, key: &str) -> Option<&Node<'a>> {
        match self {
            Node::Object(members) => members.iter().rev().find(|(k, _)| k == key).map(|(_, v)| v),
            _ => None,
        }
    }

    pub(crate) fn as_str(&self) -> Option<&str> {
        match self {
            Node::Str(text) => Some(text),
            _ => None,
        }
    }
}

impl selat_pattern::index::Object for Node<'_> {
    fn object_type(&self) -> Option<&str> {
        self.get("type")?.as_str()
    }

    fn string_at(&self, keys: &[String]) -> Option<&str> {
        let mut node = self;
        for key in keys {
            node = node.get(key)?;
        }
        node.as_str()
    }
}

impl<'de> Deserialize<'de> for Node<'de> {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Node<'de>, D::Error> {
        deserializer.deserialize_any(NodeVisitor)
    }
}

struct NodeVisitor;

impl<'de> Visitor<'de> for NodeVisitor {
    type Value = Node<'de>;

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("any JSON value")
    }
    fn visit_bool<E>(self, _: bool) -> Result<Node<'de>, E> {
        Ok(Node::Other)
    }
    fn visit_i64<E>(self, _: i64) -> Result<Node<'de>, E> {
        Ok(Node::Other)
    }
    fn visit_u64<E>(self, _: u64) -> Result<Node<'de>, E> {
        Ok(Node::Other)
    }
    fn visit_f64<E>(self, _: f64) -> Result<Node<'de>, E> {
        Ok(Node::Other)
    }
    fn visit_unit<E>(self) -> Result<Node<'de>, E> {
        Ok(Node::Other)
    }
    fn visit_borrowed_str<E>(self, text: &'de str) -> Result<Node<'de>, E> {
        Ok(Node::Str(Cow::Borrowed(text)))
    }
    fn visit_str<E>(self, text: &str) -> Result<Node<'de>, E> {
        Ok(Node::Str(Cow::Owned(text.to_owned())))
    }
    fn visit_string<E>(self, text: String) -> Result<Node<'de>, E> {
        Ok(Node::Str(Cow::Owned(text)))
    }
    fn visit_seq<A: SeqAccess<'de>>(self, mut items: A) -> Result<Node<'de>, A::Error> {
        while items.next_element::<Node<'de>>()?.is_some() {}
        Ok(Node::Other)
    }
    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Node<'de>, A::Error> {
        let mut members = Vec::new();
        while let Some(Key(key)) = map.next_key()? {
            members.push((key, map.next_value()?));
        }
        Ok(Node::Object(members))
    }
}

/// An object key, borrowed where it can be (serde's own `Cow<str>` always copies).
struct Key<'a>(Cow<'a, str>);

impl<'de> Deserialize<'de> for Key<'de> {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Key<'de>, D::Error> {
        deserializer.deserialize_str(KeyVisitor)
    }
}

struct KeyVisitor;

impl<'de> Visitor<'de> for KeyVisitor {
    type Value = Key<'de>;

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("an object key")
    }
    fn visit_borrowed_str<E>(self, text: &'de str) -> Result<Key<'de>, E> {
        Ok(Key(Cow::Borrowed(text)))
    }
    fn visit_str<E>(self, text: &str) -> Result<Key<'de>, E> {
        Ok(Key(Cow::Owned(text.to_owned())))
    }
    fn visit_string<E>(self, text: String) -> Result<Key<'de>, E> {
        Ok(Key(Cow::Owned(text)))
    }
}

/// The deepest nesting of objects and arrays [`LineScanner`] reads; a deeper line is declined
/// (serde_json, which reads it instead, allows 128 levels and errors past them).
pub(crate) const MAX_SCAN_DEPTH: usize = 32;

/// The most digits before or after a number's point that [`LineScanner`] reads; a longer
/// number, or one with an exponent, is declined (serde_json rejects some such numbers as out
/// of range, and the scanner does not decide which).
pub(crate) const MAX_SCAN_NUMBER_DIGITS: usize = 18;

/// What a member's value is.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Kind {
    Str,
    Object,
    /// A number, boolean, null or array.
    Other,
}

/// One object member: its key and, for a string, its value, as byte spans of the line.
#[derive(Debug, Clone, Copy)]
struct Entry {
    /// The entry of the object holding it (entry 0 is the line's object itself).
    parent: u32,
    key: (u32, u32),
    kind: Kind,
    value: (u32, u32),
}

/// Reads JSON lines into spans, reusing its vector from line to line (see the module docs).
#[derive(Debug, Default)]
pub(crate) struct LineScanner {
    entries: Vec<Entry>,
}

/// A line as [`LineScanner::scan`] read it.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Scanned<'e, 'l> {
    line: &'l str,
    entries: &'e [Entry],
}

/// A member's value, as [`Scanned::get`] finds it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Member<'l> {
    Str(&'l str),
    Object,
    Other,
}

impl LineScanner {
    /// The line's object, or `None` when the line is not one the scanner reads (not an object,
    /// not valid JSON, or outside the subset: escapes, exponents, long numbers, deep nesting).
    pub(crate) fn scan<'e, 'l>(&'e mut self, line: &'l str) -> Option<Scanned<'e, 'l>> {
        self.entries.clear();
        if u32::try_from(line.len()).is_err() {
            return None;
        }
        let bytes = line.as_bytes();
        let mut at = skip_ws(bytes, 0);
        if bytes.get(at) != Some(&b'{') {
            return None;
        }
        self.entries.push(Entry { parent: 0, key: (0, 0), kind: Kind::Object, value: (0, 0) });
        at = self.object(bytes, at, Some(0), 1)?;
        (skip_ws(bytes, at) == bytes.len()).then_some(Scanned { line, entries: &self.entries })
    }

    /// An object starting at `at` (its `{`), its members recorded under `parent` when it is
    /// reachable by keys alone; the position after its `}`.
    fn object(&mut self, bytes: &[u8], at: usize, parent: Option<u32>, depth: usize) -> Option<usize> {
        if depth > MAX_SCAN_DEPTH {
            return None;
        }
        let mut at = skip_ws(bytes, at + 1);
        if bytes.get(at) == Some(&b'}') {
            return Some(at + 1);
        }
        loop {
            if bytes.get(at) != Some(&b'"') {
                return None;
            }
            let key = string(bytes, at)?;
            at = skip_ws(bytes, key.1 + 1);
            if bytes.get(at) != Some(&b':') {
                return None;
            }
            at = skip_ws(bytes, at + 1);
            let key = (key.0 as u32, key.1 as u32);
            at = match (bytes.get(at)?, parent) {
                (b'"', Some(parent)) => {
                    let value = string(bytes, at)?;
                    let value = (value.0 as u32, value.1 as u32);
                    self.entries.push(Entry { parent, key, kind: Kind::Str, value });
                    value.1 as usize + 1
                }
                (b'{', Some(parent)) => {
                    let own = self.entries.len() as u32;
                    self.entries.push(Entry { parent, key, kind: Kind::Object, value: (0, 0) });
                    self.object(bytes, at, Some(own), depth + 1)?
                }
                (_, Some(parent)) => {
                    self.entries.push(Entry { parent, key, kind: Kind::Other, value: (0, 0) });
                    self.value(bytes, at, depth)?
                }
                (_, None) => self.value(bytes, at, depth)?,
            };
            at = skip_ws(bytes, at);
            match bytes.get(at)? {
                b',' => at = skip_ws(bytes, at + 1),
                b'}' => return Some(at + 1),
                _ => return None,
            }
        }
    }

    /// Any value starting at `at`, checked and not recorded; the position after it.
    fn value(&mut self, bytes: &[u8], at: usize, depth: usize) -> Option<usize> {
        match bytes.get(at)? {
            b'"' => string(bytes, at).map(|(_, end)| end + 1),
            b'{' => self.object(bytes, at, None, depth + 1),
            b'[' => self.array(bytes, at, depth + 1),
            b't' => literal(bytes, at, b"true"),
            b'f' => literal(bytes, at, b"false"),
            b'n' => literal(bytes, at, b"null"),
            _ => number(bytes, at),
        }
    }

    fn array(&mut self, bytes: &[u8], at: usize, depth: usize) -> Option<usize> {
        if depth > MAX_SCAN_DEPTH {
            return None;
        }
        let mut at = skip_ws(bytes, at + 1);
        if bytes.get(at) == Some(&b']') {
            return Some(at + 1);
        }
        loop {
            at = skip_ws(bytes, self.value(bytes, at, depth)?);
            match bytes.get(at)? {
                b',' => at = skip_ws(bytes, at + 1),
                b']' => return Some(at + 1),
                _ => return None,
            }
        }
    }
}

fn skip_ws(bytes: &[u8], mut at: usize) -> usize {
    while let Some(b' ' | b'\t' | b'\n' | b'\r') = bytes.get(at) {
        at += 1;
    }
    at
}

/// A string starting at `at` (its opening quote) without escapes or control characters: the
/// span of its contents (the closing quote is at the span's end).
fn string(bytes: &[u8], at: usize) -> Option<(usize, usize)> {
    let start = at + 1;
    let mut from = start;
    // Eight bytes at a time while eight remain, then byte by byte.
    while let Some(chunk) = bytes.get(from..from + 8) {
        let word = u64::from_le_bytes(chunk.try_into().ok()?);
        let special = special_bytes(word);
        if special != 0 {
            let end = from + (special.trailing_zeros() / 8) as usize;
            return (bytes[end] == b'"').then_some((start, end));
        }
        from += 8;
    }
    let end = from + bytes[from..].iter().position(|&b| is_special(b))?;
    (bytes[end] == b'"').then_some((start, end))
}

/// A byte that ends the plain part of a string: a quote, a backslash or a control character.
fn is_special(byte: u8) -> bool {
    byte == b'"' || byte == b'\\' || byte < 0x20
}

const LOW_BITS: u64 = 0x0101_0101_0101_0101;
const HIGH_BITS: u64 = 0x8080_8080_8080_8080;

/// The bytes of `word` (little-endian) that [`is_special`] flags, as their high bits; only the
/// lowest flag is exact (a borrow may flag bytes above a flagged one), which is all the caller
/// reads. Each test is "some byte is below n" (`(x - n·ones) & !x & highs`, exact at its
/// lowest flag for n ≤ 0x80): below 1 after xoring with `"` or `\`, or below 0x20.
fn special_bytes(word: u64) -> u64 {
    let below = |x: u64, n: u64| x.wrapping_sub(LOW_BITS * n) & !x & HIGH_BITS;
    below(word ^ (LOW_BITS * u64::from(b'"')), 1)
        | below(word ^ (LOW_BITS * u64::from(b'\\')), 1)
        | below(word, 0x20)
}

fn literal(bytes: &[u8], at: usize, word: &[u8]) -> Option<usize> {
    bytes[at..].starts_with(word).then_some(at + word.len())
}

/// `-?(0|[1-9][0-9]*)(\.[0-9]+)?`, each part at most [`MAX_SCAN_NUMBER_DIGITS`] digits.
fn number(bytes: &[u8], mut at: usize) -> Option<usize> {
    let digits = |at: usize| bytes[at..].iter().take_while(|b| b.is_ascii_digit()).count();
    if bytes.get(at) == Some(&b'-') {
        at += 1;
    }
    let whole = digits(at);
    if whole == 0 || whole > MAX_SCAN_NUMBER_DIGITS || (whole > 1 && bytes[at] == b'0') {
        return None;
    }
    at += whole;
    if bytes.get(at) == Some(&b'.') {
        let fraction = digits(at + 1);
        if fraction == 0 || fraction > MAX_SCAN_NUMBER_DIGITS {
            return None;
        }
        at += 1 + fraction;
    }
    match bytes.get(at) {
        Some(b'e' | b'E') => None,
        _ => Some(at),
    }
}

impl<'e, 'l> Scanned<'e, 'l> {
    fn text(&self, span: (u32, u32)) -> &'l str {
        &self.line[span.0 as usize..span.1 as usize]
    }

    /// The entry reached by `keys` from the line's object (the last of repeated keys, as in
    /// `Value`).
    fn find<'k>(&self, keys: impl IntoIterator<Item = &'k str>) -> Option<&'e Entry> {
        let entries = self.entries;
        let mut current = 0usize;
        for key in keys {
            if entries[current].kind != Kind::Object {
                return None;
            }
            // Members come after their object, in order: the last written counts.
            current = (current + 1..entries.len())
                .rev()
                .find(|&i| entries[i].parent as usize == current && self.text(entries[i].key) == key)?;
        }
        Some(&entries[current])
    }

    /// The value of the line's member `key`.
    pub(crate) fn get(&self, key: &str) -> Option<Member<'l>> {
        self.find([key]).map(|entry| match entry.kind {
            Kind::Str => Member::Str(self.text(entry.value)),
            Kind::Object => Member::Object,
            Kind::Other => Member::Other,
        })
    }
}

impl selat_pattern::index::Object for Scanned<'_, '_> {
    fn object_type(&self) -> Option<&str> {
        match self.get("type")? {
            Member::Str(kind) => Some(kind),
            _ => None,
        }
    }

    fn string_at(&self, keys: &[String]) -> Option<&str> {
        let entry = self.find(keys.iter().map(String::as_str))?;
        (entry.kind == Kind::Str).then(|| self.text(entry.value))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use selat_pattern::index::Object;

    #[test]
    fn accepts_what_value_accepts_and_reads_the_same_strings() {
        let lines = [
            r#"{"type":"ipv4-addr","id":"ipv4-addr--1","value":"10.0.0.1"}"#,
            r#"{"type":"file","hashes":{"MD5":"d41d8cd98f00b204e9800998ecf8427e"},"size":12,"x":[1,{"a":null}]}"#,
            r#"{"type":"url","value":"https:\/\/a.example\/\u00e9","value":"second"}"#,
            r#"{"type":"ipv4-addr","value":1e999}"#,
            r#"{"type":"ipv4-addr","value":"\ud800"}"#,
            r#"{"type":"ipv4-addr"} trailing"#,
            r#"{"type":"ipv4-addr","value":"a",}"#,
            r#"[1,2]"#,
        ];
        for line in lines {
            let value = serde_json::from_str::<serde_json::Value>(line);
            let node = Node::parse(line);
            assert_eq!(node.is_ok(), value.is_ok(), "{line}");
            let (Ok(node), Ok(value)) = (node, value) else { continue };
            for keys in [&["value"][..], &["hashes", "MD5"], &["type"], &["size"], &["x"]] {
                let keys: Vec<String> = keys.iter().map(|k| k.to_string()).collect();
                assert_eq!(node.string_at(&keys), value.string_at(&keys), "{line} {keys:?}");
            }
        }
        let node = Node::parse(r#"{"type":"domain-name","value":"a.example"}"#).unwrap();
        assert!(matches!(node.get("value"), Some(Node::Str(Cow::Borrowed("a.example")))), "borrowed");
    }

    /// Lines in the scanner's subset: it must read them, and read what `Value` reads.
    const ACCEPTED: &[&str] = &[
        r#"{"type":"ipv4-addr","id":"ipv4-addr--1","value":"10.0.0.1"}"#,
        r#" { "type" : "ipv4-addr" ,	"value" : "10.0.0.1" } "#,
        r#"{"type":"file","hashes":{"MD5":"d41d8cd98f00b204e9800998ecf8427e","SHA-1":"x"},"name":"a b"}"#,
        r#"{"type":"file","size":12,"neg":-0.5,"zero":0,"t":true,"f":false,"n":null,"x":[1,{"a":"b"},[]]}"#,
        r#"{"type":"domain-name","value":"bücher.example","x":"日本"}"#,
        r#"{"type":"url","value":"first","value":"second"}"#,
        r#"{"type":"file","hashes":{"MD5":"a"},"hashes":{"SHA-1":"b"}}"#,
        r#"{"type":"file","hashes":{"MD5":"a"},"hashes":5}"#,
        r#"{"type":"x","a":{"b":{"c":{"d":"deep"}}},"":""}"#,
        r#"{"type":"x","value":{"value":"inner"}}"#,
        r#"{"type":5,"value":"v"}"#,
        r#"{}"#,
    ];

    /// Lines outside the subset (escapes, exponents, long numbers, deep nesting) and malformed
    /// lines: the scanner declines them all, leaving them to `Node` and `Value`.
    const DECLINED: &[&str] = &[
        r#"{"type":"url","value":"https:\/\/a.example\/\u00e9"}"#,
        r#"{"type":"ipv4-addr","value":"\ud800"}"#,
        r#"{"ty\"pe":"x"}"#,
        r#"{"type":"ipv4-addr","value":1e999}"#,
        r#"{"type":"ipv4-addr","value":1E2}"#,
        r#"{"type":"x","n":1234567890123456789012}"#,
        r#"{"type":"x","a":[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]}"#,
        r#"{"type":"ipv4-addr"} trailing"#,
        r#"{"type":"ipv4-addr","value":"a",}"#,
        r#"{"type":"ipv4-addr","value":"a""#,
        r#"{"type":"ipv4-addr","value":"a"}}"#,
        r#"{"type":"x","n":01}"#,
        r#"{"type":"x","n":1.}"#,
        r#"{"type":"x","n":-}"#,
        r#"{"type":"x","n":+1}"#,
        r#"{"type":"x","a":[1,]}"#,
        r#"{"type":"x","a":[1 2]}"#,
        r#"{"type":"x","t":tru}"#,
        r#"{"type":"x","t":True}"#,
        r#"{"type":"x" "value":"a"}"#,
        r#"{"type":"x",}"#,
        r#"{type:"x"}"#,
        "{\"type\":\"x\",\"v\":\"tab\there\"}",
        r#"{"type":"x","v":'single'}"#,
        r#"[{"type":"x"}]"#,
        r#""type""#,
        r#"{"#,
        "",
    ];

    #[test]
    fn scanner_reads_what_value_reads_or_declines() {
        let paths: &[&[&str]] = &[
            &["type"],
            &["id"],
            &["value"],
            &["value", "value"],
            &["hashes", "MD5"],
            &["hashes", "SHA-1"],
            &["name"],
            &["size"],
            &["x"],
            &["a", "b", "c", "d"],
            &[""],
        ];
        let mut scanner = LineScanner::default();
        for (line, accepted) in ACCEPTED.iter().map(|l| (l, true)).chain(DECLINED.iter().map(|l| (l, false)))
        {
            let value = serde_json::from_str::<serde_json::Value>(line);
            let scanned = scanner.scan(line);
            assert_eq!(scanned.is_some(), accepted, "{line}");
            let Some(scanned) = scanned else { continue };
            let value =
                value.unwrap_or_else(|e| panic!("the scanner read a line Value rejects: {line}: {e}"));
            assert_eq!(scanned.object_type(), value.object_type(), "{line}");
            for keys in paths {
                let keys: Vec<String> = keys.iter().map(|k| k.to_string()).collect();
                assert_eq!(scanned.string_at(&keys), value.string_at(&keys), "{line} {keys:?}");
            }
            let id = match value.get("id") {
                None => None,
                Some(serde_json::Value::String(id)) => Some(Member::Str(id)),
                Some(serde_json::Value::Object(_)) => Some(Member::Object),
                Some(_) => Some(Member::Other),
            };
            assert_eq!(scanned.get("id"), id, "{line}");
        }
    }

    /// The eight-bytes-at-a-time string scan finds the first quote, backslash or control byte
    /// wherever it falls in or across words, as the byte-by-byte scan does, past multi-byte
    /// characters and bytes next to the special ones (0x1f/0x20, 0x21/0x22, 0x5b/0x5c/0x5d,
    /// 0x7f, 0xff), whatever the string's alignment in the line.
    #[test]
    fn string_scan_at_word_boundaries() {
        let plain = |bytes: &[u8], at: usize| {
            let start = at + 1;
            let end = start + bytes[start..].iter().position(|&b| is_special(b))?;
            (bytes[end] == b'"').then_some((start, end))
        };
        let fillers: &[&[u8]] =
            &[b"a", b" ", b"!", b"[", b"]", b"\x7f", "é".as_bytes(), "日".as_bytes(), b"\xff"];
        let enders: &[&[u8]] = &[b"\"", b"\\", b"\x1f", b"\0", b"\t", b"\n", b""];
        for lead in 0..9 {
            for filler in fillers {
                for count in 0..20 {
                    for ender in enders {
                        for tail in [&b""[..], b"\"", b"abcdefgh\"", b"\\\""] {
                            let mut line = vec![b' '; lead];
                            line.push(b'"');
                            for _ in 0..count {
                                line.extend_from_slice(filler);
                            }
                            line.extend_from_slice(ender);
                            line.extend_from_slice(tail);
                            assert_eq!(
                                string(&line, lead),
                                plain(&line, lead),
                                "{:?}",
                                String::from_utf8_lossy(&line)
                            );
                        }
                    }
                }
            }
        }
        // Every byte value alone, at every position of a word.
        for byte in 0..=255u8 {
            for position in 0..16 {
                let mut line = vec![b'"'];
                line.extend(std::iter::repeat_n(b'a', position));
                line.push(byte);
                line.extend_from_slice(b"bcdefghijklmnop\"");
                assert_eq!(string(&line, 0), plain(&line, 0), "byte {byte:#x} at {position}");
            }
        }
        // Whole lines: escapes and control characters at each offset are declined, and what is
        // read is what `Value` reads.
        let mut scanner = LineScanner::default();
        for offset in 0..18 {
            let text = "x".repeat(offset);
            for (line, read) in [
                (format!(r#"{{"type":"url","value":"{text}"}}"#), true),
                (format!(r#"{{"type":"url","value":"{text}é{text}"}}"#), true),
                (format!(r#"{{"type":"url","value":"{text}\/"}}"#), false),
                (format!("{{\"type\":\"url\",\"value\":\"{text}\u{1}\"}}"), false),
                (format!(r#"{{"type":"url","value":"{text}"#), false),
            ] {
                let scanned = scanner.scan(&line);
                assert_eq!(scanned.is_some(), read, "{line}");
                if let Some(scanned) = scanned {
                    let value: serde_json::Value = serde_json::from_str(&line).unwrap();
                    let keys = vec!["value".to_owned()];
                    assert_eq!(scanned.string_at(&keys), value.string_at(&keys), "{line}");
                }
            }
        }
    }

    /// The errors of malformed lines come from serde_json as before: every malformed line is
    /// declined, and `Node` rejects it as `Value` does.
    #[test]
    fn malformed_lines_are_left_to_serde_json() {
        let mut scanner = LineScanner::default();
        for line in DECLINED {
            let value = serde_json::from_str::<serde_json::Value>(line);
            assert!(scanner.scan(line).is_none(), "{line}");
            assert_eq!(Node::parse(line).is_ok(), value.is_ok(), "{line}");
        }
        // The deepest nesting read, and one level more.
        let deep =
            |levels: usize| format!("{{\"type\":\"x\",\"a\":{}1{}}}", "[".repeat(levels), "]".repeat(levels));
        assert!(scanner.scan(&deep(MAX_SCAN_DEPTH - 1)).is_some());
        assert!(scanner.scan(&deep(MAX_SCAN_DEPTH)).is_none());
    }
}
