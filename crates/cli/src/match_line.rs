//! One JSON line read light, for `selat match`'s fast path: objects and strings are kept (keys
//! and strings borrowed from the line when they hold no escape), every other value is checked
//! and dropped. It goes through serde_json's own parser with the same entry point
//! (`deserialize_any`, numbers included) as `serde_json::Value`, so it accepts exactly the
//! lines `Value` accepts; only the tree it builds is cheaper (no map, no number, one vector per
//! object).

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
}
