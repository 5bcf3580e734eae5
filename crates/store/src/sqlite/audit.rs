//! [`AuditLog`] on SQLite. An append is one `BEGIN IMMEDIATE` transaction on the writer: read the
//! last batch, insert the entries (one multi-row statement) and the batch row. The write lock is
//! taken first, so two processes appending to one file queue instead of forking the chain.

use sqlx::{QueryBuilder, Sqlite};

use super::SqliteStore;
use crate::audit::{
    AuditBatchRow, AuditLog, AuditQuery, AuditRow, GENESIS_HASH, MAX_AUDIT_BATCH_LEN, MAX_AUDIT_PAGE,
    NewAuditEntry, Seal,
};
use crate::error::{Error, Result};
use crate::now_us;

macro_rules! entry_columns {
    () => {
        "seq, at_us, actor_org, actor, operation, subject_orgs, detail, count, ids_hash, outcome"
    };
}
macro_rules! batch_columns {
    () => {
        "batch, first_seq, last_seq, sealed_us, prev_hash, hash"
    };
}

impl AuditLog for SqliteStore {
    async fn append_audit(&self, entries: Vec<NewAuditEntry>, seal: Seal) -> Result<AuditBatchRow> {
        if entries.is_empty() || entries.len() > MAX_AUDIT_BATCH_LEN {
            return Err(Error::AuditBatchSize { len: entries.len(), max: MAX_AUDIT_BATCH_LEN });
        }
        let mut tx = self.writer.begin_with("BEGIN IMMEDIATE").await?;
        let last: Option<(i64, i64, String)> =
            sqlx::query_as("SELECT batch, last_seq, hash FROM audit_batches ORDER BY batch DESC LIMIT 1")
                .fetch_optional(&mut *tx)
                .await?;
        let (batch, last_seq, prev_hash) = last.unwrap_or((0, 0, GENESIS_HASH.to_owned()));
        let rows: Vec<AuditRow> =
            entries.into_iter().zip(last_seq + 1..).map(|(entry, seq)| AuditRow::new(seq, entry)).collect();
        let mut qb: QueryBuilder<Sqlite> =
            QueryBuilder::new(concat!("INSERT INTO audit_entries (", entry_columns!(), ") "));
        qb.push_values(&rows, |mut b, row| {
            b.push_bind(row.seq)
                .push_bind(row.at_us)
                .push_bind(row.actor_org.as_deref())
                .push_bind(row.actor.as_str())
                .push_bind(row.operation.as_str())
                .push_bind(row.subject_orgs.as_deref())
                .push_bind(row.detail.as_str())
                .push_bind(row.count)
                .push_bind(row.ids_hash.as_deref())
                .push_bind(row.outcome.as_str());
        });
        qb.build().execute(&mut *tx).await?;
        let sealed = AuditBatchRow {
            batch: batch + 1,
            first_seq: last_seq + 1,
            last_seq: last_seq + rows.len() as i64,
            sealed_us: now_us(),
            hash: seal(&prev_hash, &rows),
            prev_hash,
        };
        sqlx::query(concat!("INSERT INTO audit_batches (", batch_columns!(), ") VALUES (?, ?, ?, ?, ?, ?)"))
            .bind(sealed.batch)
            .bind(sealed.first_seq)
            .bind(sealed.last_seq)
            .bind(sealed.sealed_us)
            .bind(&sealed.prev_hash)
            .bind(&sealed.hash)
            .execute(&mut *tx)
            .await?;
        tx.commit().await?;
        Ok(sealed)
    }

    async fn audit_entries(&self, query: &AuditQuery) -> Result<Vec<AuditRow>> {
        // `instr` over `,list,`: short names hold no comma, and `instr` has no wildcards to escape.
        let sql = concat!(
            "SELECT ",
            entry_columns!(),
            " FROM audit_entries WHERE seq > ?1 \
             AND (?2 IS NULL OR instr(',' || subject_orgs || ',', ',' || ?2 || ',') > 0) \
             AND (?3 IS NULL OR at_us >= ?3) AND (?4 IS NULL OR operation = ?4) \
             ORDER BY seq LIMIT ?5"
        );
        Ok(sqlx::query_as(sql)
            .bind(query.after.unwrap_or(0))
            .bind(query.org.as_deref())
            .bind(query.since_us)
            .bind(query.operation.as_deref())
            .bind(query.clamped_limit())
            .fetch_all(&self.reader)
            .await?)
    }

    async fn audit_range(&self, first_seq: i64, last_seq: i64) -> Result<Vec<AuditRow>> {
        let sql = concat!(
            "SELECT ",
            entry_columns!(),
            " FROM audit_entries WHERE seq >= ? AND seq <= ? ORDER BY seq LIMIT ?"
        );
        Ok(sqlx::query_as(sql)
            .bind(first_seq)
            .bind(last_seq)
            .bind(MAX_AUDIT_PAGE as i64)
            .fetch_all(&self.reader)
            .await?)
    }

    async fn audit_batches(&self, after: i64, limit: usize) -> Result<Vec<AuditBatchRow>> {
        let sql = concat!(
            "SELECT ",
            batch_columns!(),
            " FROM audit_batches WHERE batch > ? ORDER BY batch LIMIT ?"
        );
        Ok(sqlx::query_as(sql)
            .bind(after)
            .bind(limit.clamp(1, MAX_AUDIT_PAGE) as i64)
            .fetch_all(&self.reader)
            .await?)
    }

    async fn audit_extent(&self) -> Result<(i64, i64)> {
        let sql = "SELECT COUNT(*), COALESCE(MAX(seq), 0) FROM audit_entries";
        Ok(sqlx::query_as(sql).fetch_one(&self.reader).await?)
    }
}
