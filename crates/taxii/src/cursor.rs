//! The `next` cursor (TAXII 2.1 §3.5): stateless and tamper-proof.
//!
//! A cursor says "continue this collection after `after_us`, with the filters whose digest is
//! `filter_digest`". The server keeps nothing: the cursor carries its position, signed with
//! HMAC-SHA256 under a server key, and is checked when it comes back. Because a collection's
//! `date_added` values strictly increase, the position alone resumes exactly, without skipping or
//! repeating, whatever was written in between.
//!
//! Wire form: URL-safe base64 without padding (so it needs no escaping in a query string) of
//!
//! | bytes | content |
//! | --- | --- |
//! | 1 | format version, [`CURSOR_FORMAT_VERSION`] |
//! | 8 | `after_us`, big-endian two's complement |
//! | 16 | `filter_digest` |
//! | 1 | length `n` of the collection id, at most [`MAX_COLLECTION_ID_BYTES`] |
//! | n | the collection id, UTF-8 |
//! | 32 | HMAC-SHA256 under the key of all the bytes above |
//!
//! The tag is checked (in constant time) before anything else is read from the payload, so a
//! forged or altered cursor is always [`CursorError::BadTag`], never a parse of attacker bytes.
//! `next` works together with the original query (§3.5): a server resumes after the later of
//! `after_us` and any `added_after` the client sends again.

use base64::Engine as _;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use hmac::{Hmac, KeyInit, Mac};
use sha2::Sha256;

/// The layout written by [`Cursor::encode`]; bump it when the layout changes.
pub const CURSOR_FORMAT_VERSION: u8 = 1;
/// Longest collection id a cursor can carry (collection ids are 36-character UUIDs).
pub const MAX_COLLECTION_ID_BYTES: usize = 255;
/// Longest `next` text [`Cursor::decode`] looks at.
pub const MAX_CURSOR_BYTES: usize = 512;

const TAG_BYTES: usize = 32;
const FIXED_BYTES: usize = 1 + 8 + 16 + 1;

type HmacSha256 = Hmac<Sha256>;

/// Where a page ended and what it was a page of.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Cursor {
    /// The collection the cursor pages through.
    pub collection_id: String,
    /// The `date_added`, in microseconds since the Unix epoch, of the last item served.
    pub after_us: i64,
    /// [`crate::ObjectsQuery::filter_digest`] of the request that was served.
    pub filter_digest: [u8; 16],
}

/// Why a `next` value was refused. Each is a 400 ([`crate::ErrorCode::InvalidCursor`]): the
/// client should restart from the first page, or keep the filters it paged with.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum CursorError {
    /// Longer than [`MAX_CURSOR_BYTES`]: not one this server issued.
    #[error("the `next` value is {bytes} characters long; this server's are at most {max}")]
    TooLong { bytes: usize, max: usize },
    /// Not URL-safe base64, or too short to hold a cursor: cut or mangled in transit.
    #[error("the `next` value is not a cursor issued by this server")]
    Malformed,
    /// The signature does not match: made with another key (another server, or a rotated key) or
    /// altered after it was issued.
    #[error("the `next` value was not issued by this server or has been altered")]
    BadTag,
    /// Signed by this server, but in a layout this version does not read.
    #[error("the `next` value has format version {0}, which this server does not read")]
    UnknownFormat(u8),
    /// Issued for another collection.
    #[error("the `next` value belongs to another collection")]
    WrongCollection,
    /// Issued for other `match[…]` filters (or another endpoint or object): resend the query the
    /// cursor came from.
    #[error("the `next` value was issued for different filters; send the original filters with it")]
    FiltersChanged,
}

impl Cursor {
    /// The signed, URL-safe text of this cursor.
    ///
    /// # Panics
    /// If `collection_id` is longer than [`MAX_COLLECTION_ID_BYTES`]: collection ids are chosen by
    /// the server (UUIDs), never by a client, so that is a bug in the caller.
    pub fn encode(&self, key: &[u8]) -> String {
        let id = self.collection_id.as_bytes();
        assert!(id.len() <= MAX_COLLECTION_ID_BYTES, "collection id of {} bytes", id.len());
        let mut bytes = Vec::with_capacity(FIXED_BYTES + id.len() + TAG_BYTES);
        bytes.push(CURSOR_FORMAT_VERSION);
        bytes.extend_from_slice(&self.after_us.to_be_bytes());
        bytes.extend_from_slice(&self.filter_digest);
        bytes.push(id.len() as u8);
        bytes.extend_from_slice(id);
        let tag = mac(key, &bytes).finalize().into_bytes();
        bytes.extend_from_slice(&tag);
        URL_SAFE_NO_PAD.encode(bytes)
    }

    /// Reads and authenticates a cursor made by [`Cursor::encode`] with the same key. It still
    /// has to be checked against the request with [`Cursor::check`].
    pub fn decode(text: &str, key: &[u8]) -> Result<Cursor, CursorError> {
        if text.len() > MAX_CURSOR_BYTES {
            return Err(CursorError::TooLong { bytes: text.len(), max: MAX_CURSOR_BYTES });
        }
        let bytes = URL_SAFE_NO_PAD.decode(text).map_err(|_| CursorError::Malformed)?;
        if bytes.len() < FIXED_BYTES + TAG_BYTES {
            return Err(CursorError::Malformed);
        }
        let (payload, tag) = bytes.split_at(bytes.len() - TAG_BYTES);
        mac(key, payload).verify_slice(tag).map_err(|_| CursorError::BadTag)?;
        // Authentic from here on: what follows only reads what `encode` wrote.
        if payload[0] != CURSOR_FORMAT_VERSION {
            return Err(CursorError::UnknownFormat(payload[0]));
        }
        let after_us = i64::from_be_bytes(payload[1..9].try_into().map_err(|_| CursorError::Malformed)?);
        let filter_digest: [u8; 16] = payload[9..25].try_into().map_err(|_| CursorError::Malformed)?;
        let id = &payload[FIXED_BYTES..];
        if id.len() != usize::from(payload[25]) {
            return Err(CursorError::Malformed);
        }
        let collection_id = String::from_utf8(id.to_vec()).map_err(|_| CursorError::Malformed)?;
        Ok(Cursor { collection_id, after_us, filter_digest })
    }

    /// Whether this cursor was issued for `collection_id` and for the filters with this digest.
    pub fn check(&self, collection_id: &str, filter_digest: &[u8; 16]) -> Result<(), CursorError> {
        if self.collection_id != collection_id {
            return Err(CursorError::WrongCollection);
        }
        if &self.filter_digest != filter_digest {
            return Err(CursorError::FiltersChanged);
        }
        Ok(())
    }

    /// [`Cursor::decode`] then [`Cursor::check`]: the position to resume after, in microseconds.
    pub fn resume_after(
        text: &str,
        key: &[u8],
        collection_id: &str,
        filter_digest: &[u8; 16],
    ) -> Result<i64, CursorError> {
        let cursor = Cursor::decode(text, key)?;
        cursor.check(collection_id, filter_digest)?;
        Ok(cursor.after_us)
    }
}

fn mac(key: &[u8], payload: &[u8]) -> HmacSha256 {
    let mut mac = <HmacSha256 as KeyInit>::new_from_slice(key)
        .expect("HMAC takes keys of any length (RFC 2104 hashes long ones)");
    mac.update(payload);
    mac
}
