//! Restoring another store's contents as they are (`selat copy`): object versions with their
//! owners, flags and first-stored times, and collection entries with their `date_added`.
//!
//! Ingest assigns `date_added` and decides versions itself; a copy must not, or cursors and
//! `added_after` positions that clients hold would point elsewhere. These writes trust their input
//! (rows read from a store that applied the ingest rules), so they are only for an empty target:
//! [`PgStore::restore_versions`] refuses a version that is already stored (a unique violation).

use sqlx::PgPool;

use super::{PgStore, scan};
use crate::MAX_SCAN_LIMIT;
use crate::error::{Error, Result};
use crate::model::{Observable, StoredVersion};

impl PgStore {
    /// Stores versions exactly as `rows` hold them (every column but `seq`, which this store
    /// gives out anew, in the order of `rows`). One transaction; at most
    /// [`MAX_SCAN_LIMIT`] rows, one export scan page. `observables` holds each row's entries of
    /// the observable index (one list per row, in order; a caller re-extracts them from the JSON,
    /// as ingest did). Returns how many were stored.
    pub async fn restore_versions(
        &self,
        rows: &[StoredVersion],
        observables: &[Vec<Observable>],
    ) -> Result<u64> {
        check_len(rows.len())?;
        if observables.len() != rows.len() {
            return Err(Error::RestoreMismatch {
                what: format!("{} versions but {} lists of observables", rows.len(), observables.len()),
            });
        }
        if rows.is_empty() {
            return Ok(0);
        }
        let mut tx = self.pool.begin().await?;
        let seqs = scan::allocate_seqs(&mut tx, rows.len()).await?;
        let sql = "INSERT INTO object_versions (seq, id, version_us, owner, object_type, spec_version, \
                   created_us, modified_us, created_by_ref, revoked, tlp, scope, confidence, is_sco, \
                   is_latest, stored_us, json) \
                   SELECT * FROM UNNEST($1::bigint[], $2::text[], $3::bigint[], $4::text[], $5::text[], \
                   $6::text[], $7::bigint[], $8::bigint[], $9::text[], $10::boolean[], $11::text[], \
                   $12::text[], $13::bigint[], $14::boolean[], $15::boolean[], $16::bigint[], $17::text[])";
        let column = |f: fn(&StoredVersion) -> &str| rows.iter().map(f).collect::<Vec<_>>();
        let done = sqlx::query(sql)
            .bind(&seqs)
            .bind(column(|r| &r.id))
            .bind(rows.iter().map(|r| r.version_us).collect::<Vec<_>>())
            .bind(column(|r| &r.owner))
            .bind(column(|r| &r.object_type))
            .bind(column(|r| &r.spec_version))
            .bind(rows.iter().map(|r| r.created_us).collect::<Vec<_>>())
            .bind(rows.iter().map(|r| r.modified_us).collect::<Vec<_>>())
            .bind(rows.iter().map(|r| r.created_by_ref.as_deref()).collect::<Vec<_>>())
            .bind(rows.iter().map(|r| r.revoked).collect::<Vec<_>>())
            .bind(rows.iter().map(|r| r.tlp.as_deref()).collect::<Vec<_>>())
            .bind(column(|r| &r.scope))
            .bind(rows.iter().map(|r| r.confidence).collect::<Vec<_>>())
            .bind(rows.iter().map(|r| r.is_sco).collect::<Vec<_>>())
            .bind(rows.iter().map(|r| r.is_latest).collect::<Vec<_>>())
            .bind(rows.iter().map(|r| r.stored_us).collect::<Vec<_>>())
            .bind(column(|r| &r.json))
            .execute(&mut *tx)
            .await?;
        let (label_seqs, labels): (Vec<i64>, Vec<&str>) = rows
            .iter()
            .zip(&seqs)
            .flat_map(|(r, &seq)| r.audience.iter().map(move |l| (seq, l.as_str())))
            .unzip();
        sqlx::query("INSERT INTO object_labels (seq, label) SELECT * FROM UNNEST($1::bigint[], $2::text[])")
            .bind(label_seqs)
            .bind(labels)
            .execute(&mut *tx)
            .await?;
        let mut index = (Vec::new(), Vec::new(), Vec::new(), Vec::new());
        for (list, &seq) in observables.iter().zip(&seqs) {
            for o in list.iter().take(crate::MAX_OBSERVABLES_PER_VERSION) {
                index.0.push(crate::value_key(&o.value));
                index.1.push(seq);
                index.2.push(o.kind.as_str());
                index.3.push(o.value.as_str());
            }
        }
        let sql = "INSERT INTO observables (value_key, seq, kind, value) \
                   SELECT * FROM UNNEST($1::bigint[], $2::bigint[], $3::text[], $4::text[])";
        sqlx::query(sql).bind(index.0).bind(index.1).bind(index.2).bind(index.3).execute(&mut *tx).await?;
        tx.commit().await?;
        Ok(done.rows_affected())
    }

    /// Adds to `collection` the entries of a collection scan of another store: each row's version
    /// (by id, version and owner, restored before) at the row's `date_added_us`. At most
    /// [`MAX_SCAN_LIMIT`] rows. First/last flags and the collection's last `date_added` are
    /// settled by [`finish_restore`](Self::finish_restore) once every entry is in.
    pub async fn restore_entries(&self, collection: &str, rows: &[StoredVersion]) -> Result<u64> {
        check_len(rows.len())?;
        if rows.is_empty() {
            return Ok(0);
        }
        let key = self.collection_key(collection).await?;
        let mut date_added = Vec::with_capacity(rows.len());
        for row in rows {
            date_added.push(row.date_added_us.ok_or_else(|| Error::RestoreMismatch {
                what: format!("{} {} has no date_added: not a collection scan row", row.id, row.version_us),
            })?);
        }
        let sql = "INSERT INTO collection_entries (collection_key, date_added_us, seq, id, version_us, \
                   object_type, spec_version, is_first, is_last) \
                   SELECT $1, e.date_added_us, v.seq, v.id, v.version_us, v.object_type, v.spec_version, \
                   false, false \
                   FROM UNNEST($2::bigint[], $3::text[], $4::bigint[], $5::text[]) \
                       AS e (date_added_us, id, version_us, owner) \
                   JOIN object_versions v ON v.id = e.id COLLATE \"C\" AND v.version_us = e.version_us \
                       AND v.owner = e.owner COLLATE \"C\"";
        let mut tx = self.pool.begin().await?;
        let done = sqlx::query(sql)
            .bind(key)
            .bind(&date_added)
            .bind(rows.iter().map(|r| r.id.as_str()).collect::<Vec<_>>())
            .bind(rows.iter().map(|r| r.version_us).collect::<Vec<_>>())
            .bind(rows.iter().map(|r| r.owner.as_str()).collect::<Vec<_>>())
            .execute(&mut *tx)
            .await?;
        let (label_dates, labels): (Vec<i64>, Vec<&str>) = rows
            .iter()
            .zip(&date_added)
            .flat_map(|(r, &at)| r.audience.iter().map(move |l| (at, l.as_str())))
            .unzip();
        if done.rows_affected() != rows.len() as u64 {
            return Err(Error::RestoreMismatch {
                what: format!(
                    "{} of {} entries of collection {collection} found their version",
                    done.rows_affected(),
                    rows.len()
                ),
            });
        }
        let labels_sql = "INSERT INTO entry_labels (collection_key, date_added_us, label) \
                          SELECT $1, * FROM UNNEST($2::bigint[], $3::text[])";
        sqlx::query(labels_sql).bind(key).bind(label_dates).bind(labels).execute(&mut *tx).await?;
        tx.commit().await?;
        Ok(done.rows_affected())
    }

    /// Settles a restored collection: each id's first and last version flags, and the last
    /// `date_added` given out, so the next ingest continues above every restored entry.
    pub async fn finish_restore(&self, collection: &str) -> Result<()> {
        let key = self.collection_key(collection).await?;
        finish(&self.pool, key).await
    }
}

async fn finish(pool: &PgPool, key: i64) -> Result<()> {
    let mut tx = pool.begin().await?;
    // Held like an ingest holds it, so no ingest plans against half-settled flags.
    sqlx::query("SELECT key FROM collections WHERE key = $1 FOR NO KEY UPDATE")
        .bind(key)
        .execute(&mut *tx)
        .await?;
    let flags = "UPDATE collection_entries c SET is_first = (c.version_us = m.lo), \
                 is_last = (c.version_us = m.hi) \
                 FROM (SELECT id, min(version_us) AS lo, max(version_us) AS hi FROM collection_entries \
                       WHERE collection_key = $1 GROUP BY id) m \
                 WHERE c.collection_key = $1 AND c.id = m.id";
    sqlx::query(flags).bind(key).execute(&mut *tx).await?;
    let last = "UPDATE collections SET last_date_added_us = GREATEST(last_date_added_us, \
                (SELECT COALESCE(max(date_added_us), 0) FROM collection_entries WHERE collection_key = $1)) \
                WHERE key = $1";
    sqlx::query(last).bind(key).execute(&mut *tx).await?;
    tx.commit().await?;
    Ok(())
}

fn check_len(len: usize) -> Result<()> {
    if len > MAX_SCAN_LIMIT {
        return Err(Error::BatchTooLarge { len, max: MAX_SCAN_LIMIT });
    }
    Ok(())
}
