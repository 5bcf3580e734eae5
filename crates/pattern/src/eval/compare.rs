//! Comparing a value selected from an object with a pattern literal, with the type rules of the
//! OASIS matcher (which are Python's): integers and floats compare with each other; strings with
//! strings; binary values with binary values, and with strings whose characters are all below
//! U+0100 (each character taken as one byte); booleans with booleans; timestamps with
//! timestamps, where a JSON string compared with a timestamp literal is read as a timestamp
//! (and is an error if it is not one). Any other pairing is "not equal" and "not ordered".
//! Timestamps compare at microsecond precision, as upstream.

use super::{MatchError, Val};
use crate::ast::Literal;
use crate::timestamp::Timestamp;
use serde_json::Value;
use std::cmp::Ordering;

/// A number as Python sees a JSON number or a numeric literal.
#[derive(Debug, Clone, Copy)]
enum Num {
    Int(i128),
    Float(f64),
}

impl Num {
    fn cmp(self, other: Num) -> Option<Ordering> {
        match (self, other) {
            (Num::Int(a), Num::Int(b)) => Some(a.cmp(&b)),
            (Num::Int(a), Num::Float(b)) => (a as f64).partial_cmp(&b),
            (Num::Float(a), Num::Int(b)) => a.partial_cmp(&(b as f64)),
            (Num::Float(a), Num::Float(b)) => a.partial_cmp(&b),
        }
    }
}

fn json_num(value: &Value) -> Option<Num> {
    let Value::Number(n) = value else {
        return None;
    };
    if let Some(i) = n.as_i64() {
        Some(Num::Int(i128::from(i)))
    } else if let Some(u) = n.as_u64() {
        Some(Num::Int(i128::from(u)))
    } else {
        n.as_f64().map(Num::Float)
    }
}

fn literal_num(literal: &Literal) -> Option<Num> {
    match literal {
        Literal::Int(i) => Some(Num::Int(*i)),
        Literal::Float(f) => Some(Num::Float(*f)),
        _ => None,
    }
}

/// The bytes of a string whose characters are all below U+0100, as the spec compares strings
/// with binary values; `None` when a character is outside that range.
pub(super) fn latin1(text: &str) -> Option<Vec<u8>> {
    text.chars().map(|c| u8::try_from(u32::from(c)).ok()).collect()
}

/// Microseconds since the epoch: upstream compares Python datetimes, which stop there.
pub(super) fn micros(t: &Timestamp) -> i128 {
    i128::from(t.epoch_seconds()) * 1_000_000 + i128::from(t.nanos() / 1_000)
}

/// Reads a JSON string as a timestamp for comparison with a timestamp literal.
pub(super) fn json_timestamp(text: &str) -> Result<i128, MatchError> {
    match Timestamp::parse(text) {
        Ok(t) if !t.is_leap_second() => Ok(micros(&t)),
        _ => Err(MatchError::InvalidTimestamp { value: text.to_owned() }),
    }
}

/// `value = literal`.
pub(super) fn equals(value: &Val<'_>, literal: &Literal) -> Result<bool, MatchError> {
    Ok(match (literal, value) {
        (Literal::Timestamp(t), Val::Json(Value::String(s))) => json_timestamp(s)? == micros(t),
        (Literal::Int(_) | Literal::Float(_), Val::Json(v)) => match (literal_num(literal), json_num(v)) {
            (Some(a), Some(b)) => a.cmp(b) == Some(Ordering::Equal),
            _ => false,
        },
        (Literal::Str(a), Val::Json(Value::String(b))) => a == b,
        (Literal::Str(a), Val::Bytes(b)) => latin1(a).is_some_and(|a| &a == b),
        (Literal::Binary(a), Val::Bytes(b)) => a == b,
        (Literal::Binary(a), Val::Json(Value::String(s))) => latin1(s).is_some_and(|s| &s == a),
        (Literal::Bool(a), Val::Json(Value::Bool(b))) => a == b,
        _ => false,
    })
}

/// The outcome of an order comparison.
pub(super) enum Order {
    /// The types cannot be ordered: the test is false, even under `NOT` (as upstream).
    Incomparable,
    /// A string with characters above U+00FF met a binary value: false, negated by `NOT`.
    Unconvertible,
    /// `value` compared with `literal`.
    Ordered(Ordering),
}

/// `value <=> literal`.
pub(super) fn order(value: &Val<'_>, literal: &Literal) -> Result<Order, MatchError> {
    let ordered = |o: Option<Ordering>| o.map_or(Order::Incomparable, Order::Ordered);
    Ok(match (literal, value) {
        (Literal::Timestamp(t), Val::Json(Value::String(s))) => {
            Order::Ordered(json_timestamp(s)?.cmp(&micros(t)))
        }
        (Literal::Int(_) | Literal::Float(_), Val::Json(v)) => match (json_num(v), literal_num(literal)) {
            (Some(a), Some(b)) => ordered(a.cmp(b)),
            _ => Order::Incomparable,
        },
        (Literal::Str(a), Val::Json(Value::String(b))) => Order::Ordered(b.as_str().cmp(a)),
        (Literal::Str(a), Val::Bytes(b)) => match latin1(a) {
            Some(a) => Order::Ordered(b.cmp(&a)),
            None => Order::Unconvertible,
        },
        (Literal::Binary(a), Val::Bytes(b)) => Order::Ordered(b.cmp(a)),
        (Literal::Binary(a), Val::Json(Value::String(s))) => match latin1(s) {
            Some(s) => Order::Ordered(s.cmp(a)),
            None => Order::Unconvertible,
        },
        _ => Order::Incomparable,
    })
}

/// Python's `==` between a value and a set member, as `value in set` uses it: booleans are the
/// integers 0 and 1 there, binary never equals a string, lists and objects equal nothing.
fn set_member_equals(value: &Val<'_>, member: &Literal, value_time: Option<i128>) -> bool {
    let as_num = |v: &Value| match v {
        Value::Bool(b) => Some(Num::Int(i128::from(*b))),
        other => json_num(other),
    };
    match (member, value) {
        (Literal::Timestamp(t), _) => value_time == Some(micros(t)),
        (Literal::Int(_) | Literal::Float(_), Val::Json(v)) => {
            matches!((literal_num(member), as_num(v)), (Some(a), Some(b)) if a.cmp(b) == Some(Ordering::Equal))
        }
        (Literal::Bool(m), Val::Json(v)) => {
            matches!(as_num(v), Some(b) if Num::Int(i128::from(*m)).cmp(b) == Some(Ordering::Equal))
        }
        (Literal::Str(a), Val::Json(Value::String(b))) => a == b,
        (Literal::Binary(a), Val::Bytes(b)) => a == b,
        _ => false,
    }
}

/// Checks that a set literal is of one type (integers and floats may mix), as upstream requires.
pub(super) fn check_set(items: &[Literal]) -> Result<(), MatchError> {
    let kind = |l: &Literal| match l {
        Literal::Int(_) | Literal::Float(_) => "number",
        other => other.type_name(),
    };
    let Some(first) = items.first() else {
        return Ok(());
    };
    if items.iter().all(|l| kind(l) == kind(first)) { Ok(()) } else { Err(MatchError::NonHomogeneousSet) }
}

/// `value IN (items)`; `items` has passed [`check_set`].
pub(super) fn in_set(value: &Val<'_>, items: &[Literal]) -> Result<bool, MatchError> {
    let timestamps = matches!(items.first(), Some(Literal::Timestamp(_)));
    let value_time = match value {
        Val::Json(Value::String(s)) if timestamps => Some(json_timestamp(s)?),
        _ => None,
    };
    Ok(items.iter().any(|member| set_member_equals(value, member, value_time)))
}
