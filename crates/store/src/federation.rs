//! What syncing with peers did (issue 9): a cursor per peer, collection and direction, per-peer
//! totals and the latest refusals with their reasons, and the origin of every object version
//! received from a peer.
//!
//! Row types only. Which peers exist is configuration (`selat-core`'s `federation`); what may
//! cross a link is decided there too. Kept as its own trait, beside [`Store`](crate::Store) and
//! [`Directory`](crate::Directory), so federation grows without touching them.

use std::future::Future;

use crate::error::Result;

/// Refusals kept per peer; older ones are pruned when a round records new ones (the totals keep
/// counting).
pub const MAX_REFUSALS_KEPT: usize = 1000;
/// Most refusals one round may record; a caller with more records the first ones and counts the
/// rest.
pub const MAX_REFUSALS_PER_ROUND: usize = 1000;
/// Most origin rows recorded in one call.
pub const MAX_ORIGINS_PER_CALL: usize = 10_000;

/// Which way objects travel on a link.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Direction {
    /// From the peer to this node (TAXII Get Objects).
    Pull,
    /// From this node to the peer (TAXII Add Objects).
    Push,
}

impl Direction {
    /// `pull` or `push`, as stored.
    pub fn as_str(self) -> &'static str {
        match self {
            Direction::Pull => "pull",
            Direction::Push => "push",
        }
    }

    /// The direction stored as `text`.
    pub fn parse(text: &str) -> Option<Self> {
        [Direction::Pull, Direction::Push].into_iter().find(|d| d.as_str() == text)
    }
}

/// A saved cursor.
#[derive(Debug, Clone, PartialEq, Eq, sqlx::FromRow)]
pub struct PeerCursorRow {
    pub peer: String,
    pub collection_id: String,
    /// `pull` or `push`.
    pub direction: String,
    pub cursor_us: i64,
    pub updated_us: i64,
}

/// One round with one peer, as recorded.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct PeerRoundRow {
    pub peer: String,
    /// When the round ended.
    pub at_us: i64,
    /// Why the round failed, or `None` when it succeeded.
    pub error: Option<String>,
    /// Object versions the peer confirmed (status `successes`).
    pub sent: i64,
    /// Object versions received from the peer and stored (or already held).
    pub received: i64,
    /// Object versions refused, by the peer or by this node.
    pub refused: i64,
    /// Object versions not sent or not taken because the rules keep them (not errors).
    pub skipped: i64,
    /// How far behind the link was left, in microseconds (`None`: unknown).
    pub lag_us: Option<i64>,
    /// The refusals behind `refused` (at most [`MAX_REFUSALS_PER_ROUND`]).
    pub refusals: Vec<PeerRefusalRow>,
}

/// A peer's totals.
#[derive(Debug, Clone, PartialEq, Eq, sqlx::FromRow)]
pub struct PeerStateRow {
    pub peer: String,
    pub rounds: i64,
    pub last_attempt_us: i64,
    pub last_success_us: Option<i64>,
    /// The last error, kept after later successes (with its time) so an operator sees it.
    pub last_error: Option<String>,
    pub last_error_us: Option<i64>,
    pub sent_total: i64,
    pub received_total: i64,
    pub refused_total: i64,
    pub skipped_total: i64,
    /// The lag the last round left.
    pub lag_us: Option<i64>,
}

/// An object version refused on a link, and why.
#[derive(Debug, Clone, PartialEq, Eq, sqlx::FromRow)]
pub struct PeerRefusalRow {
    pub peer: String,
    pub at_us: i64,
    /// `pull` (this node refused what the peer sent) or `push` (the peer refused it).
    pub direction: String,
    pub object_id: String,
    /// The object's version as the object or the peer wrote it (may be empty).
    pub version: String,
    pub reason: String,
}

/// Where an object version came from.
#[derive(Debug, Clone, PartialEq, Eq, sqlx::FromRow)]
pub struct OriginRow {
    pub id: String,
    pub version_us: i64,
    /// The owner it was stored under.
    pub owner: String,
    /// The peer it was first received from.
    pub peer: String,
    pub received_us: i64,
}

/// Cursors, per-peer totals and refusals, origins.
pub trait Federation: Send + Sync {
    /// The cursor of one link and collection, if a round saved one.
    fn peer_cursor(
        &self,
        peer: &str,
        collection_id: &str,
        direction: Direction,
    ) -> impl Future<Output = Result<Option<i64>>> + Send;

    /// Saves a cursor (replacing the one before).
    fn set_peer_cursor(
        &self,
        peer: &str,
        collection_id: &str,
        direction: Direction,
        cursor_us: i64,
        now_us: i64,
    ) -> impl Future<Output = Result<()>> + Send;

    /// Forgets the cursors of `peer`, of one collection or all, in one direction or both; the
    /// next round starts those links from the beginning (an operator's reset: the peer lost
    /// data, or objects it refused may now pass). Returns how many cursors were forgotten.
    fn forget_peer_cursors(
        &self,
        peer: &str,
        collection_id: Option<&str>,
        direction: Option<Direction>,
    ) -> impl Future<Output = Result<u64>> + Send;

    /// Every saved cursor, by peer, collection and direction (what `selat copy` carries, so a
    /// node moved to PostgreSQL resumes where it was instead of sending everything again).
    fn peer_cursors(&self) -> impl Future<Output = Result<Vec<PeerCursorRow>>> + Send;

    /// Adds one round to the peer's totals and records its refusals, in one transaction; keeps
    /// the newest [`MAX_REFUSALS_KEPT`] refusals of the peer. Fails with
    /// [`Error::TooManyRows`](crate::Error::TooManyRows) past [`MAX_REFUSALS_PER_ROUND`].
    fn record_peer_round(&self, round: &PeerRoundRow) -> impl Future<Output = Result<()>> + Send;

    /// Every peer that has had a round, by name.
    fn peer_states(&self) -> impl Future<Output = Result<Vec<PeerStateRow>>> + Send;

    /// A peer's latest refusals, newest first, at most `limit` (and [`MAX_REFUSALS_KEPT`]).
    fn peer_refusals(
        &self,
        peer: &str,
        limit: usize,
    ) -> impl Future<Output = Result<Vec<PeerRefusalRow>>> + Send;

    /// Records where versions came from; a version already recorded keeps its first origin.
    /// At most [`MAX_ORIGINS_PER_CALL`] rows.
    fn record_origins(&self, rows: &[OriginRow]) -> impl Future<Output = Result<()>> + Send;

    /// The recorded origins of an object's versions, by version.
    fn origins(&self, id: &str) -> impl Future<Output = Result<Vec<OriginRow>>> + Send;
}

/// Refuses a call over one of this module's limits.
pub(crate) fn check_len(what: &'static str, len: usize, max: usize) -> Result<()> {
    if len > max {
        return Err(crate::Error::TooManyRows { what, len, max });
    }
    Ok(())
}
