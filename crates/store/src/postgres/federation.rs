//! [`Federation`] on PostgreSQL: the same statements as on SQLite, over the one pool.

use super::PgStore;
use crate::error::Result;
use crate::federation::{
    Direction, Federation, MAX_ORIGINS_PER_CALL, MAX_REFUSALS_KEPT, MAX_REFUSALS_PER_ROUND, OriginRow,
    PeerCursorRow, PeerRefusalRow, PeerRoundRow, PeerStateRow, check_len,
};

impl Federation for PgStore {
    async fn peer_cursor(
        &self,
        peer: &str,
        collection_id: &str,
        direction: Direction,
    ) -> Result<Option<i64>> {
        let sql =
            "SELECT cursor_us FROM peer_cursors WHERE peer = $1 AND collection_id = $2 AND direction = $3";
        Ok(sqlx::query_scalar(sql)
            .bind(peer)
            .bind(collection_id)
            .bind(direction.as_str())
            .fetch_optional(&self.pool)
            .await?)
    }

    async fn set_peer_cursor(
        &self,
        peer: &str,
        collection_id: &str,
        direction: Direction,
        cursor_us: i64,
        now_us: i64,
    ) -> Result<()> {
        let sql = "INSERT INTO peer_cursors (peer, collection_id, direction, cursor_us, updated_us) \
                   VALUES ($1, $2, $3, $4, $5) ON CONFLICT (peer, collection_id, direction) \
                   DO UPDATE SET cursor_us = excluded.cursor_us, updated_us = excluded.updated_us";
        sqlx::query(sql)
            .bind(peer)
            .bind(collection_id)
            .bind(direction.as_str())
            .bind(cursor_us)
            .bind(now_us)
            .execute(&self.pool)
            .await?;
        Ok(())
    }

    async fn forget_peer_cursors(
        &self,
        peer: &str,
        collection_id: Option<&str>,
        direction: Option<Direction>,
    ) -> Result<u64> {
        let sql = "DELETE FROM peer_cursors WHERE peer = $1 AND ($2::text IS NULL OR collection_id = $2) \
                   AND ($3::text IS NULL OR direction = $3)";
        let done = sqlx::query(sql)
            .bind(peer)
            .bind(collection_id)
            .bind(direction.map(Direction::as_str))
            .execute(&self.pool)
            .await?;
        Ok(done.rows_affected())
    }

    async fn peer_cursors(&self) -> Result<Vec<PeerCursorRow>> {
        let sql = "SELECT peer, collection_id, direction, cursor_us, updated_us FROM peer_cursors \
                   ORDER BY peer, collection_id, direction";
        Ok(sqlx::query_as(sql).fetch_all(&self.pool).await?)
    }

    async fn record_peer_round(&self, round: &PeerRoundRow) -> Result<()> {
        check_len("peer refusals", round.refusals.len(), MAX_REFUSALS_PER_ROUND)?;
        let mut tx = self.pool.begin().await?;
        let success_us = round.error.is_none().then_some(round.at_us);
        let error_us = round.error.as_ref().map(|_| round.at_us);
        let sql = "INSERT INTO peer_states (peer, rounds, last_attempt_us, last_success_us, last_error, \
                   last_error_us, sent_total, received_total, refused_total, skipped_total, lag_us) \
                   VALUES ($1, 1, $2, $3, $4, $5, $6, $7, $8, $9, $10) ON CONFLICT (peer) DO UPDATE SET \
                   rounds = peer_states.rounds + 1, last_attempt_us = excluded.last_attempt_us, \
                   last_success_us = COALESCE(excluded.last_success_us, peer_states.last_success_us), \
                   last_error = COALESCE(excluded.last_error, peer_states.last_error), \
                   last_error_us = COALESCE(excluded.last_error_us, peer_states.last_error_us), \
                   sent_total = peer_states.sent_total + excluded.sent_total, \
                   received_total = peer_states.received_total + excluded.received_total, \
                   refused_total = peer_states.refused_total + excluded.refused_total, \
                   skipped_total = peer_states.skipped_total + excluded.skipped_total, \
                   lag_us = excluded.lag_us";
        sqlx::query(sql)
            .bind(&round.peer)
            .bind(round.at_us)
            .bind(success_us)
            .bind(&round.error)
            .bind(error_us)
            .bind(round.sent)
            .bind(round.received)
            .bind(round.refused)
            .bind(round.skipped)
            .bind(round.lag_us)
            .execute(&mut *tx)
            .await?;
        for refusal in &round.refusals {
            sqlx::query(
                "INSERT INTO peer_refusals (peer, at_us, direction, object_id, version, reason) \
                 VALUES ($1, $2, $3, $4, $5, $6)",
            )
            .bind(&round.peer)
            .bind(refusal.at_us)
            .bind(&refusal.direction)
            .bind(&refusal.object_id)
            .bind(&refusal.version)
            .bind(&refusal.reason)
            .execute(&mut *tx)
            .await?;
        }
        if !round.refusals.is_empty() {
            let prune = "DELETE FROM peer_refusals WHERE peer = $1 AND seq <= \
                         (SELECT seq FROM peer_refusals WHERE peer = $1 ORDER BY seq DESC LIMIT 1 OFFSET $2)";
            sqlx::query(prune).bind(&round.peer).bind(MAX_REFUSALS_KEPT as i64).execute(&mut *tx).await?;
        }
        tx.commit().await?;
        Ok(())
    }

    async fn peer_states(&self) -> Result<Vec<PeerStateRow>> {
        let sql = "SELECT peer, rounds, last_attempt_us, last_success_us, last_error, last_error_us, \
                   sent_total, received_total, refused_total, skipped_total, lag_us \
                   FROM peer_states ORDER BY peer";
        Ok(sqlx::query_as(sql).fetch_all(&self.pool).await?)
    }

    async fn peer_refusals(&self, peer: &str, limit: usize) -> Result<Vec<PeerRefusalRow>> {
        let sql = "SELECT peer, at_us, direction, object_id, version, reason FROM peer_refusals \
                   WHERE peer = $1 ORDER BY seq DESC LIMIT $2";
        let limit = limit.min(MAX_REFUSALS_KEPT) as i64;
        Ok(sqlx::query_as(sql).bind(peer).bind(limit).fetch_all(&self.pool).await?)
    }

    async fn record_origins(&self, rows: &[OriginRow]) -> Result<()> {
        check_len("object origins", rows.len(), MAX_ORIGINS_PER_CALL)?;
        if rows.is_empty() {
            return Ok(());
        }
        let mut tx = self.pool.begin().await?;
        for row in rows {
            sqlx::query(
                "INSERT INTO object_origins (id, version_us, owner, peer, received_us) \
                 VALUES ($1, $2, $3, $4, $5) ON CONFLICT (id, version_us, owner) DO NOTHING",
            )
            .bind(&row.id)
            .bind(row.version_us)
            .bind(&row.owner)
            .bind(&row.peer)
            .bind(row.received_us)
            .execute(&mut *tx)
            .await?;
        }
        tx.commit().await?;
        Ok(())
    }

    async fn origins(&self, id: &str) -> Result<Vec<OriginRow>> {
        let sql = "SELECT id, version_us, owner, peer, received_us FROM object_origins \
                   WHERE id = $1 ORDER BY version_us, owner";
        Ok(sqlx::query_as(sql).bind(id).fetch_all(&self.pool).await?)
    }
}
