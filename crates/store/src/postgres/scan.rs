//! Export scans and counts in PostgreSQL, and the `seq` protocol that keeps scans by `seq` whole.
//!
//! `seq` comes from a sequence, and concurrent writers commit in any order: writer A may take
//! seq 10, writer B seq 11, B commits, a scan reads past 11, and A commits 10 behind it. Writers
//! into different collections must not wait for each other, so `seq` cannot be given out in
//! commit order; instead a scan reads only as far as values are *final* (committed, or never
//! will be):
//!
//! - a writer takes its values while holding the advisory lock [`SEQ_LOCK`] in shared mode, until
//!   its transaction ends; shared holders do not wait for each other;
//! - to learn how far values are final, a scan takes the same lock exclusively, which waits for
//!   every writer holding it to end, reads the sequence's last value, and lets go at once. Every
//!   value up to there was taken by a writer that has ended; any later writer takes larger ones.
//!
//! The bound only grows and is cached in the store, so a long export takes the lock once near its
//! end, not once a page. While a scan waits, new writers queue behind it for at most the time the
//! in-flight writers take to commit. Collection scans page by `date_added`, which the collection
//! lock already gives out in commit order, and need none of this.

use std::sync::atomic::{AtomicI64, Ordering};

use sqlx::postgres::PgRow;
use sqlx::{PgConnection, PgPool, Postgres, QueryBuilder, Row};

use super::page::push_latest_visible;
use crate::error::Result;
use crate::model::split_labels;
use crate::model::{ActivityQuery, ActivityRow, Counts, DAY_US, ScanPage, ScanQuery, StoredVersion};

/// The advisory lock key guarding `seq` values (advisory locks are per database). Any constant
/// works; this one is "selat" followed by "seq" in ASCII, unlikely to clash with another
/// application's key in the same database.
pub(super) const SEQ_LOCK: i64 = 0x7365_6c61_7473_6571;

/// A version's audience labels, one string separated by newlines (labels hold none).
const AUDIENCE: &str =
    "(SELECT string_agg(label, E'\\n' ORDER BY label) FROM object_labels WHERE seq = v.seq)";

const COLUMNS: &str = "v.seq, v.id, v.version_us, v.owner, v.object_type, v.spec_version, \
                       v.created_us, v.modified_us, v.created_by_ref, v.revoked, v.tlp, v.scope, \
                       v.confidence, v.is_sco, v.is_latest, v.stored_us, v.json";

/// Takes `n` new `seq` values, increasing, for the current transaction (see the module docs).
pub(super) async fn allocate_seqs(conn: &mut PgConnection, n: usize) -> Result<Vec<i64>> {
    if n == 0 {
        return Ok(Vec::new());
    }
    sqlx::query("SELECT pg_advisory_xact_lock_shared($1)").bind(SEQ_LOCK).execute(&mut *conn).await?;
    let sql = "SELECT nextval('object_versions_seq') FROM generate_series(1, $1)";
    let mut seqs: Vec<i64> = sqlx::query_scalar(sql).bind(n as i64).fetch_all(conn).await?;
    seqs.sort_unstable();
    debug_assert_eq!(seqs.len(), n);
    Ok(seqs)
}

/// The highest `seq` that is final now: waits for the writers holding values to end.
async fn final_seq(pool: &PgPool) -> Result<i64> {
    let mut tx = pool.begin().await?;
    sqlx::query("SELECT pg_advisory_xact_lock($1)").bind(SEQ_LOCK).execute(&mut *tx).await?;
    let sql = "SELECT CASE WHEN is_called THEN last_value ELSE 0 END FROM object_versions_seq";
    let last: i64 = sqlx::query_scalar(sql).fetch_one(&mut *tx).await?;
    tx.commit().await?;
    Ok(last)
}

/// A page of every stored version by `seq`; the cursor is the last `seq`. Reads only final
/// values; reaching the known bound, it learns the current one and reads again.
pub(super) async fn all(pool: &PgPool, query: &ScanQuery, seq_final: &AtomicI64) -> Result<ScanPage> {
    let limit = query.limit_applied();
    let after = query.after.unwrap_or(0);
    let known = seq_final.load(Ordering::Acquire);
    let mut rows = if after < known { all_rows(pool, query, after, known).await? } else { Vec::new() };
    if rows.len() < limit {
        let fresh = final_seq(pool).await?;
        seq_final.fetch_max(fresh, Ordering::AcqRel);
        if fresh > known {
            rows = all_rows(pool, query, after, fresh).await?;
        }
    }
    let next_after = if rows.len() < limit { None } else { rows.last().map(|r| r.seq) };
    Ok(ScanPage { rows, next_after })
}

async fn all_rows(pool: &PgPool, query: &ScanQuery, after: i64, upto: i64) -> Result<Vec<StoredVersion>> {
    let mut qb = QueryBuilder::new(format!(
        "SELECT {COLUMNS}, NULL::bigint AS date_added_us, {AUDIENCE} FROM object_versions AS v"
    ));
    qb.push(" WHERE v.seq > ").push_bind(after).push(" AND v.seq <= ").push_bind(upto);
    if query.latest_only {
        qb.push(" AND v.is_latest");
    }
    if let Some(object_type) = &query.object_type {
        qb.push(" AND v.object_type = ").push_bind(object_type.as_str());
    }
    push_audience(&mut qb, query);
    qb.push(" ORDER BY v.seq LIMIT ").push_bind(query.limit_applied() as i64);
    fetch(pool, &mut qb).await
}

/// A page of one collection's versions by `date_added`; the cursor is the last `date_added`.
pub(super) async fn collection(pool: &PgPool, key: i64, query: &ScanQuery) -> Result<ScanPage> {
    let limit = query.limit_applied();
    let mut qb = QueryBuilder::new(format!(
        "SELECT {COLUMNS}, e.date_added_us, {AUDIENCE} FROM collection_entries AS e \
         JOIN object_versions AS v ON v.seq = e.seq WHERE e.collection_key = "
    ));
    qb.push_bind(key).push(" AND e.date_added_us > ").push_bind(query.after.unwrap_or(i64::MIN));
    if query.latest_only {
        qb.push(" AND e.is_last");
    }
    if let Some(object_type) = &query.object_type {
        qb.push(" AND e.object_type = ").push_bind(object_type.as_str());
    }
    push_audience(&mut qb, query);
    qb.push(" ORDER BY e.date_added_us LIMIT ").push_bind(limit as i64);
    let rows = fetch(pool, &mut qb).await?;
    let next_after = if rows.len() < limit { None } else { rows.last().and_then(|r| r.date_added_us) };
    Ok(ScanPage { rows, next_after })
}

/// Only versions the query's audience may see (own labels and the latest version's).
fn push_audience(qb: &mut QueryBuilder<Postgres>, query: &ScanQuery) {
    let Some(labels) = query.audience.labels() else { return };
    qb.push(" AND EXISTS (SELECT 1 FROM object_labels AS ol WHERE ol.seq = v.seq AND ol.label = ANY(")
        .push_bind(labels.to_vec())
        .push(")) AND ");
    push_latest_visible(qb, "v", labels);
}

async fn fetch(pool: &PgPool, qb: &mut QueryBuilder<Postgres>) -> Result<Vec<StoredVersion>> {
    let rows = qb.build().fetch_all(pool).await?;
    Ok(rows.iter().map(stored_version).collect::<Result<_, _>>()?)
}

fn stored_version(row: &PgRow) -> Result<StoredVersion, sqlx::Error> {
    Ok(StoredVersion {
        seq: row.try_get(0)?,
        id: row.try_get(1)?,
        version_us: row.try_get(2)?,
        owner: row.try_get(3)?,
        object_type: row.try_get(4)?,
        spec_version: row.try_get(5)?,
        created_us: row.try_get(6)?,
        modified_us: row.try_get(7)?,
        created_by_ref: row.try_get(8)?,
        revoked: row.try_get(9)?,
        tlp: row.try_get(10)?,
        scope: row.try_get(11)?,
        confidence: row.try_get(12)?,
        is_sco: row.try_get(13)?,
        is_latest: row.try_get(14)?,
        stored_us: row.try_get(15)?,
        json: row.try_get(16)?,
        date_added_us: row.try_get(17)?,
        audience: split_labels(row.try_get(18)?),
    })
}

pub(super) async fn counts(pool: &PgPool) -> Result<Counts> {
    let sql =
        "SELECT (SELECT COUNT(DISTINCT id) FROM object_versions), (SELECT COUNT(*) FROM object_versions)";
    let (objects, versions): (i64, i64) = sqlx::query_as(sql).fetch_one(pool).await?;
    Ok(Counts { objects: objects as u64, versions: versions as u64 })
}

pub(super) async fn collection_counts(pool: &PgPool, key: i64) -> Result<Counts> {
    let sql = "SELECT COUNT(DISTINCT id), COUNT(*) FROM collection_entries WHERE collection_key = $1";
    let (objects, versions): (i64, i64) = sqlx::query_as(sql).bind(key).fetch_one(pool).await?;
    Ok(Counts { objects: objects as u64, versions: versions as u64 })
}

/// The latest version of each `(id, owner)` of `id` that `audience` may see, by `seq`.
pub(super) async fn latest_versions(
    pool: &PgPool,
    id: &str,
    audience: &crate::model::Audience,
) -> Result<Vec<StoredVersion>> {
    let mut qb = QueryBuilder::new(format!(
        "SELECT {COLUMNS}, NULL::bigint AS date_added_us, {AUDIENCE} FROM object_versions AS v WHERE v.id = "
    ));
    qb.push_bind(id).push(" AND v.is_latest");
    if let Some(labels) = audience.labels() {
        qb.push(" AND EXISTS (SELECT 1 FROM object_labels AS ol WHERE ol.seq = v.seq AND ol.label = ANY(")
            .push_bind(labels.to_vec())
            .push("))");
    }
    qb.push(" ORDER BY v.seq LIMIT ").push_bind(crate::MAX_LATEST_COPIES as i64);
    fetch(pool, &mut qb).await
}

/// Objects each owner added per day (see [`ActivityQuery`]): the latest version of each
/// `(id, owner)` the audience may see (being latest, its own labels decide), dated by the first
/// version of that `(id, owner)` stored.
pub(super) async fn activity(
    pool: &PgPool,
    exclude_key: Option<i64>,
    query: &ActivityQuery,
) -> Result<Vec<ActivityRow>> {
    query.check_range()?;
    let mut qb = QueryBuilder::new("SELECT owner, first_us / ");
    qb.push(DAY_US.to_string()).push(
        " AS day, COUNT(*) FROM (SELECT v.owner AS owner, \
         (SELECT MIN(f.stored_us) FROM object_versions AS f \
          WHERE f.id = v.id AND f.owner = v.owner) AS first_us \
         FROM object_versions AS v WHERE v.is_latest",
    );
    if let Some(object_type) = &query.object_type {
        qb.push(" AND v.object_type = ").push_bind(object_type.as_str());
    }
    if let Some(key) = exclude_key {
        qb.push(" AND NOT EXISTS (SELECT 1 FROM collection_entries AS e WHERE e.collection_key = ")
            .push_bind(key)
            .push(" AND e.id = v.id)");
    }
    if let Some(labels) = query.audience.labels() {
        qb.push(" AND EXISTS (SELECT 1 FROM object_labels AS ol WHERE ol.seq = v.seq AND ol.label = ANY(")
            .push_bind(labels.to_vec())
            .push("))");
    }
    qb.push(") AS latest WHERE first_us >= ")
        .push_bind(query.from_us)
        .push(" AND first_us < ")
        .push_bind(query.to_us);
    qb.push(" GROUP BY owner, day ORDER BY owner, day");
    let rows: Vec<(String, i64, i64)> = qb.build_query_as().fetch_all(pool).await?;
    Ok(rows
        .into_iter()
        .map(|(owner, day, objects)| ActivityRow { owner, day, objects: objects as u64 })
        .collect())
}
