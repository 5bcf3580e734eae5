//! Pages of REST lists: `?limit=` (at most [`MAX_LIST_LIMIT`], [`DEFAULT_LIST_LIMIT`] when absent)
//! and `?next=`, the opaque cursor the previous page answered in `next` (`null` on the last page).
//!
//! A list is computed whole (as the reader may see it, in its stable order), so a cursor needs no
//! server memory: it carries the position reached and the id of the last item served. Resuming
//! after that id (found by position first, else by search) keeps a page from repeating or skipping
//! items when records were added before it in the meantime; if the item is gone, the position
//! decides. The text is base64url, opaque to clients: a cursor that does not decode is a 400.

use axum::Json;
use axum::response::IntoResponse;
use base64::Engine as _;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use serde::{Deserialize, Serialize};
use serde_json::{Value, json};

use super::JsonError;
use super::coordination::Answer;

/// Items in a page when the request names no `limit`.
pub const DEFAULT_LIST_LIMIT: usize = 100;
/// Most items in one page; a larger `limit` gives a page of this size (as TAXII does).
pub const MAX_LIST_LIMIT: usize = 1000;
/// Longest cursor accepted, in bytes (a position and a STIX id, encoded).
const MAX_CURSOR_BYTES: usize = 256;
/// What every cursor starts with, so that a later format can be told apart.
const CURSOR_VERSION: &str = "c1";

/// `?limit=` and `?next=`.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct Paging {
    pub(crate) limit: Option<usize>,
    pub(crate) next: Option<String>,
}

/// Where a cursor resumes: after `position` items, the last of which was `id`.
#[derive(Debug, Clone, PartialEq, Eq)]
struct Cursor {
    position: usize,
    id: String,
}

fn encode(cursor: &Cursor) -> String {
    URL_SAFE_NO_PAD.encode(format!("{CURSOR_VERSION}\n{}\n{}", cursor.position, cursor.id))
}

fn decode(text: &str) -> Result<Cursor, JsonError> {
    let malformed = || JsonError::bad_request("next: not a cursor this server gave; start again without it");
    if text.len() > MAX_CURSOR_BYTES {
        return Err(malformed());
    }
    let bytes = URL_SAFE_NO_PAD.decode(text).map_err(|_| malformed())?;
    let text = String::from_utf8(bytes).map_err(|_| malformed())?;
    let mut parts = text.splitn(3, '\n');
    let (Some(CURSOR_VERSION), Some(position), Some(id)) = (parts.next(), parts.next(), parts.next()) else {
        return Err(malformed());
    };
    let position = position.parse().map_err(|_| malformed())?;
    Ok(Cursor { position, id: id.to_owned() })
}

fn id_of(item: &Value) -> &str {
    item.get("id").and_then(Value::as_str).unwrap_or_default()
}

/// Where the page after `cursor` starts in `items`.
fn resume(items: &[Value], cursor: &Cursor) -> usize {
    let at = cursor.position.min(items.len());
    if at > 0 && id_of(&items[at - 1]) == cursor.id {
        return at;
    }
    items.iter().position(|i| id_of(i) == cursor.id).map_or(at, |found| found + 1)
}

/// One page of `items` (the whole list, in its order) as `{"items": [...], "next": …}`.
pub(crate) fn page<T: Serialize>(items: Vec<T>, paging: &Paging) -> Answer {
    let limit = match paging.limit {
        Some(0) => return Err(JsonError::bad_request("limit: at least 1")),
        Some(n) => n.min(MAX_LIST_LIMIT),
        None => DEFAULT_LIST_LIMIT,
    };
    let start = match &paging.next {
        Some(text) => Some(decode(text)?),
        None => None,
    };
    let items: Vec<Value> = items
        .into_iter()
        .map(serde_json::to_value)
        .collect::<Result<_, _>>()
        .map_err(|e| JsonError::internal("serialising a list", &e))?;
    let from = start.as_ref().map_or(0, |c| resume(&items, c));
    let to = (from + limit).min(items.len());
    let next =
        (to < items.len()).then(|| encode(&Cursor { position: to, id: id_of(&items[to - 1]).to_owned() }));
    let served: Vec<&Value> = items[from..to].iter().collect();
    Ok(Json(json!({"items": served, "next": next})).into_response())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn items(n: usize) -> Vec<Value> {
        (0..n).map(|i| json!({"id": format!("x--{i}")})).collect()
    }

    #[test]
    fn cursors_round_trip_and_resume_after_their_item() {
        let cursor = Cursor { position: 3, id: "x--2".into() };
        assert_eq!(decode(&encode(&cursor)).unwrap(), cursor);
        let list = items(6);
        assert_eq!(resume(&list, &cursor), 3);
        let mut grown = list.clone();
        grown.insert(0, json!({"id": "x--new"}));
        assert_eq!(resume(&grown, &cursor), 4, "an item added before the cursor is not served twice");
        assert_eq!(resume(&items(2), &cursor), 2, "gone: the position decides, within the list");
    }

    #[test]
    fn malformed_cursors_are_refused() {
        let long = "A".repeat(MAX_CURSOR_BYTES + 1);
        let position = URL_SAFE_NO_PAD.encode("c1\nx\ny");
        for bad in ["", "***", "bm90IGEgY3Vyc29y", position.as_str(), long.as_str()] {
            assert!(decode(bad).is_err(), "{bad:?}");
        }
    }
}
