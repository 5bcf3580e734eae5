//! [`AuditLog`] on PostgreSQL. An append is one transaction that first locks `audit_batches`
//! (`EXCLUSIVE`: readers go on, other appenders wait), so the last batch it reads is the last one
//! committed and concurrent appenders, in this process or another, never fork the chain. The
//! entries go in with one `UNNEST` statement.

use super::PgStore;
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

impl AuditLog for PgStore {
    async fn append_audit(&self, entries: Vec<NewAuditEntry>, seal: Seal) -> Result<AuditBatchRow> {
        if entries.is_empty() || entries.len() > MAX_AUDIT_BATCH_LEN {
            return Err(Error::AuditBatchSize { len: entries.len(), max: MAX_AUDIT_BATCH_LEN });
        }
        let mut tx = self.pool.begin().await?;
        sqlx::query("LOCK TABLE audit_batches IN EXCLUSIVE MODE").execute(&mut *tx).await?;
        let last: Option<(i64, i64, String)> =
            sqlx::query_as("SELECT batch, last_seq, hash FROM audit_batches ORDER BY batch DESC LIMIT 1")
                .fetch_optional(&mut *tx)
                .await?;
        let (batch, last_seq, prev_hash) = last.unwrap_or((0, 0, GENESIS_HASH.to_owned()));
        let rows: Vec<AuditRow> =
            entries.into_iter().zip(last_seq + 1..).map(|(entry, seq)| AuditRow::new(seq, entry)).collect();
        let column = |f: fn(&AuditRow) -> Option<&str>| rows.iter().map(f).collect::<Vec<_>>();
        let sql = concat!(
            "INSERT INTO audit_entries (",
            entry_columns!(),
            ") SELECT * FROM UNNEST($1::bigint[], $2::bigint[], $3::text[], $4::text[], $5::text[], \
             $6::text[], $7::text[], $8::bigint[], $9::text[], $10::text[])"
        );
        sqlx::query(sql)
            .bind(rows.iter().map(|r| r.seq).collect::<Vec<_>>())
            .bind(rows.iter().map(|r| r.at_us).collect::<Vec<_>>())
            .bind(column(|r| r.actor_org.as_deref()))
            .bind(column(|r| Some(r.actor.as_str())))
            .bind(column(|r| Some(r.operation.as_str())))
            .bind(column(|r| r.subject_orgs.as_deref()))
            .bind(column(|r| Some(r.detail.as_str())))
            .bind(rows.iter().map(|r| r.count).collect::<Vec<_>>())
            .bind(column(|r| r.ids_hash.as_deref()))
            .bind(column(|r| Some(r.outcome.as_str())))
            .execute(&mut *tx)
            .await?;
        let sealed = AuditBatchRow {
            batch: batch + 1,
            first_seq: last_seq + 1,
            last_seq: last_seq + rows.len() as i64,
            sealed_us: now_us(),
            hash: seal(&prev_hash, &rows),
            prev_hash,
        };
        let sql =
            concat!("INSERT INTO audit_batches (", batch_columns!(), ") VALUES ($1, $2, $3, $4, $5, $6)");
        sqlx::query(sql)
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
        // `strpos` over `,list,`: short names hold no comma, and `strpos` has no wildcards to escape.
        let sql = concat!(
            "SELECT ",
            entry_columns!(),
            " FROM audit_entries WHERE seq > $1 \
             AND ($2::text IS NULL OR strpos(',' || subject_orgs || ',', ',' || $2 || ',') > 0) \
             AND ($3::bigint IS NULL OR at_us >= $3) AND ($4::text IS NULL OR operation = $4) \
             ORDER BY seq LIMIT $5"
        );
        Ok(sqlx::query_as(sql)
            .bind(query.after.unwrap_or(0))
            .bind(query.org.as_deref())
            .bind(query.since_us)
            .bind(query.operation.as_deref())
            .bind(query.clamped_limit())
            .fetch_all(&self.pool)
            .await?)
    }

    async fn audit_range(&self, first_seq: i64, last_seq: i64) -> Result<Vec<AuditRow>> {
        let sql = concat!(
            "SELECT ",
            entry_columns!(),
            " FROM audit_entries WHERE seq >= $1 AND seq <= $2 ORDER BY seq LIMIT $3"
        );
        Ok(sqlx::query_as(sql)
            .bind(first_seq)
            .bind(last_seq)
            .bind(MAX_AUDIT_PAGE as i64)
            .fetch_all(&self.pool)
            .await?)
    }

    async fn audit_batches(&self, after: i64, limit: usize) -> Result<Vec<AuditBatchRow>> {
        let sql = concat!(
            "SELECT ",
            batch_columns!(),
            " FROM audit_batches WHERE batch > $1 ORDER BY batch LIMIT $2"
        );
        Ok(sqlx::query_as(sql)
            .bind(after)
            .bind(limit.clamp(1, MAX_AUDIT_PAGE) as i64)
            .fetch_all(&self.pool)
            .await?)
    }

    async fn audit_extent(&self) -> Result<(i64, i64)> {
        let sql = "SELECT COUNT(*), COALESCE(MAX(seq), 0::bigint) FROM audit_entries";
        Ok(sqlx::query_as(sql).fetch_one(&self.pool).await?)
    }
}
