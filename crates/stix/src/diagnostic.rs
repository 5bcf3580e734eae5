//! Diagnostics: what validation found, where, and how bad it is.
//!
//! A validator never stops at the first problem: it returns every [`Diagnostic`], each with the
//! JSON path of the value it is about, so a producer can fix a whole file in one pass.

use std::fmt;

/// How bad a finding is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Severity {
    /// A SHOULD of the specification, or an open vocabulary value outside the suggested list.
    Warning,
    /// A MUST of the specification: the object is not valid STIX 2.1.
    Error,
}

/// One finding about one place in a document.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Diagnostic {
    pub severity: Severity,
    /// JSONPath-style location, e.g. `$.objects[3].external_references[0].source_name`.
    pub path: String,
    /// Stable machine-readable code, e.g. `required-property`, `invalid-timestamp`.
    pub code: &'static str,
    /// What is wrong, for a person.
    pub message: String,
}

impl Diagnostic {
    pub fn error(path: impl Into<String>, code: &'static str, message: impl Into<String>) -> Self {
        Self { severity: Severity::Error, path: path.into(), code, message: message.into() }
    }

    pub fn warning(path: impl Into<String>, code: &'static str, message: impl Into<String>) -> Self {
        Self { severity: Severity::Warning, path: path.into(), code, message: message.into() }
    }

    pub fn is_error(&self) -> bool {
        self.severity == Severity::Error
    }

    /// The same finding, located under `prefix` (e.g. `$.objects[3]`).
    pub fn under(mut self, prefix: &str) -> Self {
        self.path = match self.path.strip_prefix('$') {
            Some(rest) => format!("{prefix}{rest}"),
            None => format!("{prefix}.{}", self.path),
        };
        self
    }
}

impl fmt::Display for Diagnostic {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let level = match self.severity {
            Severity::Error => "error",
            Severity::Warning => "warning",
        };
        write!(f, "{level}[{}] {}: {}", self.code, self.path, self.message)
    }
}

/// Builds JSON paths without allocating until a diagnostic is actually produced.
#[derive(Debug, Clone, Copy)]
pub enum PathSegment<'a> {
    Key(&'a str),
    Index(usize),
}

/// Renders `$` followed by the segments, quoting keys that are not plain identifiers.
pub fn render_path(segments: &[PathSegment<'_>]) -> String {
    let mut out = String::from("$");
    for segment in segments {
        match segment {
            PathSegment::Index(i) => {
                out.push('[');
                out.push_str(&i.to_string());
                out.push(']');
            }
            PathSegment::Key(k) if is_plain_key(k) => {
                out.push('.');
                out.push_str(k);
            }
            PathSegment::Key(k) => {
                out.push_str("['");
                out.push_str(&k.replace('\'', "\\'"));
                out.push_str("']");
            }
        }
    }
    out
}

fn is_plain_key(key: &str) -> bool {
    !key.is_empty() && key.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'_')
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn paths_render_and_rebase() {
        let p = render_path(&[
            PathSegment::Key("hashes"),
            PathSegment::Key("SHA-256"),
            PathSegment::Key("refs"),
            PathSegment::Index(2),
        ]);
        assert_eq!(p, "$.hashes['SHA-256'].refs[2]");
        let d = Diagnostic::error("$.created", "x", "y").under("$.objects[3]");
        assert_eq!(d.path, "$.objects[3].created");
    }
}
