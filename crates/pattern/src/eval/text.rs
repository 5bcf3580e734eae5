//! `LIKE` and `MATCHES`, compiled once per comparison.
//!
//! As upstream: both sides are NFC-normalised; `LIKE` must match the whole string (`%` any run,
//! `_` any one character, neither crossing a newline, as Python's `.`), `MATCHES` searches
//! anywhere. A binary value is tested against the expression read as bytes (each character
//! below U+0100 one byte) when the expression allows it; `LIKE` reads the binary value as UTF-8.
//! Regular expressions use the `regex` crate (linear time); the Python-only features it lacks
//! (look-around, back-references) are a [`MatchError::InvalidRegex`].

use super::{MAX_CACHED_REGEXES, MAX_REGEX_BYTES, MatchError, Val};
use serde_json::Value;
use std::collections::HashMap;
use std::sync::{LazyLock, Mutex};
use unicode_normalization::UnicodeNormalization;

pub(crate) fn nfc(text: &str) -> String {
    text.nfc().collect()
}

/// Compiled expressions by engine and source, kept between calls (up to [`MAX_CACHED_REGEXES`]):
/// compiling a Unicode expression costs far more than matching a small observation with it, and
/// the same indicators are matched again and again. A `regex` value is a cheap shared handle.
#[derive(Default)]
struct Cache {
    text: HashMap<String, regex::Regex>,
    bytes: HashMap<String, Option<regex::bytes::Regex>>,
}

static CACHE: LazyLock<Mutex<Cache>> = LazyLock::new(Mutex::default);

fn cache() -> std::sync::MutexGuard<'static, Cache> {
    // A panic while holding the lock leaves only a cache behind: still usable.
    CACHE.lock().unwrap_or_else(std::sync::PoisonError::into_inner)
}

fn build(source: &str, pattern: &str) -> Result<regex::Regex, MatchError> {
    if let Some(found) = cache().text.get(pattern) {
        return Ok(found.clone());
    }
    let regex = regex::RegexBuilder::new(pattern)
        .size_limit(MAX_REGEX_BYTES)
        .build()
        .map_err(|e| MatchError::InvalidRegex { pattern: source.to_owned(), reason: e.to_string() })?;
    let mut cache = cache();
    if cache.text.len() >= MAX_CACHED_REGEXES {
        cache.text.clear();
    }
    cache.text.insert(pattern.to_owned(), regex.clone());
    Ok(regex)
}

/// The expression over bytes, if every character is below U+0100; characters from U+0080 up are
/// written as `\xHH` so that they match one byte rather than their UTF-8 encoding.
fn build_binary(pattern: &str) -> Option<regex::bytes::Regex> {
    if let Some(found) = cache().bytes.get(pattern) {
        return found.clone();
    }
    let regex = compile_binary(pattern);
    let mut cache = cache();
    if cache.bytes.len() >= MAX_CACHED_REGEXES {
        cache.bytes.clear();
    }
    cache.bytes.insert(pattern.to_owned(), regex.clone());
    regex
}

fn compile_binary(pattern: &str) -> Option<regex::bytes::Regex> {
    let mut translated = String::with_capacity(pattern.len());
    for c in pattern.chars() {
        let code = u32::from(c);
        if code >= 0x100 {
            return None;
        }
        if code >= 0x80 {
            translated.push_str(&format!("\\x{code:02X}"));
        } else {
            translated.push(c);
        }
    }
    // An expression the byte engine rejects (e.g. a Unicode class) only stops binary values
    // from matching; the text expression already compiled.
    regex::bytes::RegexBuilder::new(&translated).unicode(false).size_limit(MAX_REGEX_BYTES).build().ok()
}

/// A compiled `LIKE` operand.
#[derive(Debug)]
pub(crate) struct Like {
    regex: regex::Regex,
    binary_allowed: bool,
}

impl Like {
    pub(crate) fn new(operand: &str) -> Result<Like, MatchError> {
        let operand = nfc(operand);
        let mut pattern = String::from("^");
        for c in operand.chars() {
            match c {
                '%' => pattern.push_str(".*"),
                '_' => pattern.push('.'),
                other => pattern.push_str(&regex::escape(other.encode_utf8(&mut [0; 4]))),
            }
        }
        // Python's `$`: the end, or just before a final newline.
        pattern.push_str("\\n?\\z");
        Ok(Like {
            regex: build(&operand, &pattern)?,
            binary_allowed: operand.chars().all(|c| u32::from(c) < 0x100),
        })
    }

    /// [`Like::test`] on a JSON string already NFC-normalised (the bulk index normalises once
    /// per value, not once per expression).
    pub(crate) fn test_normalized(&self, text: &str) -> bool {
        self.regex.is_match(text)
    }

    pub(super) fn test(&self, value: &Val<'_>) -> bool {
        match value {
            Val::Json(Value::String(s)) => self.regex.is_match(&nfc(s)),
            Val::Bytes(b) if self.binary_allowed => {
                std::str::from_utf8(b).is_ok_and(|s| self.regex.is_match(&nfc(s)))
            }
            _ => false,
        }
    }
}

/// A compiled `MATCHES` operand.
#[derive(Debug)]
pub(crate) struct Matches {
    regex: regex::Regex,
    binary: Option<regex::bytes::Regex>,
}

impl Matches {
    pub(crate) fn new(operand: &str) -> Result<Matches, MatchError> {
        let operand = nfc(operand);
        Ok(Matches { regex: build(&operand, &operand)?, binary: build_binary(&operand) })
    }

    /// [`Matches::test`] on a JSON string already NFC-normalised.
    pub(crate) fn test_normalized(&self, text: &str) -> bool {
        self.regex.is_match(text)
    }

    pub(super) fn test(&self, value: &Val<'_>) -> bool {
        match value {
            Val::Json(Value::String(s)) => self.regex.is_match(&nfc(s)),
            Val::Bytes(b) => self.binary.as_ref().is_some_and(|r| r.is_match(b)),
            _ => false,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_regex_cache_is_bounded_and_gives_the_same_expressions() {
        let holds = |m: &Matches, s: String| m.test(&Val::Json(&Value::String(s)));
        for n in 0..MAX_CACHED_REGEXES + 10 {
            let matches = Matches::new(&format!("^a{{{n}}}$")).unwrap();
            assert!(holds(&matches, "a".repeat(n)), "{n}");
            assert!(!holds(&matches, "a".repeat(n + 1)), "{n}");
            assert!(cache().text.len() <= MAX_CACHED_REGEXES);
        }
        // Served from the cache: the same verdicts.
        let again = Matches::new("^a{3}$").unwrap();
        assert!(holds(&again, "aaa".to_owned()) && !holds(&again, "aaaa".to_owned()));
        assert!(Matches::new("(?<=a)b").is_err(), "errors are not cached away");
        assert!(Matches::new("(?<=a)b").is_err());
    }
}
