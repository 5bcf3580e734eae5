//! Batch ingest into PostgreSQL: lock the collection, bulk look-ups, [`plan`](crate::plan::plan),
//! bulk writes, one transaction; replanned when it loses a race to a writer into another
//! collection.
//!
//! Every statement binds whole arrays (`= ANY($1)`, `UNNEST`), so a batch costs the same handful
//! of statements whatever its size, and no parameter limit applies.

use std::collections::{HashMap, HashSet};

use sqlx::{PgConnection, PgPool};

use super::{MAX_INGEST_ATTEMPTS, scan};
use crate::MAX_BATCH_LEN;
use crate::error::{Error, Result};
use crate::model::{NewVersion, Outcome};
use crate::now_us;
use crate::plan::{self, EntryRow, Held, HeldCollection, HeldEntry, HeldVersion, Plan, SeqRef, VersionRow};

/// The collection a batch goes into, as read with its row locked.
struct TargetRow {
    key: i64,
    last_date_added_us: i64,
}

pub(super) async fn ingest(
    pool: &PgPool,
    batch: &[NewVersion],
    collection: Option<&str>,
) -> Result<Vec<Outcome>> {
    if batch.len() > MAX_BATCH_LEN {
        return Err(Error::BatchTooLarge { len: batch.len(), max: MAX_BATCH_LEN });
    }
    crate::check_observables(batch)?;
    let mut attempt = 1;
    loop {
        match ingest_once(pool, batch, collection).await {
            Err(Error::Database(e)) if lost_race(&e) && attempt < MAX_INGEST_ATTEMPTS => attempt += 1,
            done => return done,
        }
    }
}

/// A concurrent writer got there first: a unique violation (the same version, or a second latest
/// version of one copy) or a deadlock. The transaction is rolled back; replanning sees the winner.
fn lost_race(e: &sqlx::Error) -> bool {
    let sqlx::Error::Database(e) = e else { return false };
    matches!(e.code().as_deref(), Some("23505" | "40P01" | "40001"))
}

async fn ingest_once(pool: &PgPool, batch: &[NewVersion], collection: Option<&str>) -> Result<Vec<Outcome>> {
    let mut tx = pool.begin().await?;
    let target = match collection {
        Some(id) => Some(lock_collection(&mut tx, id).await?),
        None => None,
    };
    let held = held(&mut tx, batch, target.as_ref()).await?;
    // Read after the lock: `date_added` is also above every value committed before it.
    let plan = plan::plan(batch, &held, now_us());
    write(&mut tx, &plan, target.map(|t| t.key)).await?;
    tx.commit().await?;
    Ok(plan.outcomes)
}

/// Locks the collection's row until commit: writers into one collection go one at a time, in
/// commit order (see the module docs of `postgres`).
async fn lock_collection(conn: &mut PgConnection, id: &str) -> Result<TargetRow> {
    let sql = "SELECT key, last_date_added_us FROM collections WHERE id = $1 FOR NO KEY UPDATE";
    let row: Option<(i64, i64)> = sqlx::query_as(sql).bind(id).fetch_optional(conn).await?;
    let (key, last_date_added_us) = row.ok_or_else(|| Error::CollectionNotFound(id.to_owned()))?;
    Ok(TargetRow { key, last_date_added_us })
}

/// What the store holds for the batch's ids: their versions, and their entries in the target.
async fn held(conn: &mut PgConnection, batch: &[NewVersion], target: Option<&TargetRow>) -> Result<Held> {
    let mut seen = HashSet::new();
    let ids: Vec<&str> = batch.iter().map(|n| n.id.as_str()).filter(|id| seen.insert(*id)).collect();
    let mut versions = held_versions(conn, &ids).await?;
    let wanted = plan::seqs_needing_json(batch, &versions);
    if !wanted.is_empty() {
        let mut json = held_json(conn, &wanted).await?;
        for v in &mut versions {
            v.json = json.remove(&v.seq);
        }
    }
    // Only ids stored before can have entries: a batch of new objects skips this look-up.
    let mut seen = HashSet::new();
    let stored_ids: Vec<&str> =
        versions.iter().map(|v| v.id.as_str()).filter(|id| seen.insert(*id)).collect();
    let collection = match target {
        None => None,
        Some(t) => {
            let entries = if stored_ids.is_empty() {
                Vec::new()
            } else {
                held_entries(conn, t.key, &stored_ids).await?
            };
            Some(HeldCollection { last_date_added_us: t.last_date_added_us, entries })
        }
    };
    Ok(Held { versions, collection })
}

async fn held_versions(conn: &mut PgConnection, ids: &[&str]) -> Result<Vec<HeldVersion>> {
    if ids.is_empty() {
        return Ok(Vec::new());
    }
    let sql = "SELECT seq, id, owner, version_us, is_latest FROM object_versions WHERE id = ANY($1)";
    let rows: Vec<(i64, String, String, i64, bool)> = sqlx::query_as(sql).bind(ids).fetch_all(conn).await?;
    let versions = rows.into_iter().map(|(seq, id, owner, version_us, is_latest)| HeldVersion {
        seq,
        id,
        owner,
        version_us,
        is_latest,
        json: None,
    });
    Ok(versions.collect())
}

async fn held_json(conn: &mut PgConnection, seqs: &[i64]) -> Result<HashMap<i64, String>> {
    let sql = "SELECT seq, json FROM object_versions WHERE seq = ANY($1)";
    let rows: Vec<(i64, String)> = sqlx::query_as(sql).bind(seqs).fetch_all(conn).await?;
    Ok(rows.into_iter().collect())
}

async fn held_entries(conn: &mut PgConnection, key: i64, ids: &[&str]) -> Result<Vec<HeldEntry>> {
    let sql = "SELECT seq, id, version_us FROM collection_entries WHERE collection_key = $1 AND id = ANY($2)";
    let rows: Vec<(i64, String, i64)> = sqlx::query_as(sql).bind(key).bind(ids).fetch_all(conn).await?;
    Ok(rows.into_iter().map(|(seq, id, version_us)| HeldEntry { seq, id, version_us }).collect())
}

/// Writes a plan. Order matters: flags of stored rows are cleared before new rows carrying the
/// same flags are inserted (`object_versions_latest` checks each row as it goes in).
async fn write(conn: &mut PgConnection, plan: &Plan<'_>, key: Option<i64>) -> Result<()> {
    // Taken first, before any row lock, so a scan waiting for in-flight writers never waits on a
    // writer that waits on it.
    let seqs = scan::allocate_seqs(conn, plan.versions.len()).await?;
    let seq = |s: SeqRef| match s {
        SeqRef::Held(seq) => seq,
        SeqRef::New(i) => seqs[i],
    };
    clear_latest(conn, &plan.superseded).await?;
    insert_versions(conn, &plan.versions, &seqs).await?;
    let object_labels: Vec<(i64, &str)> = plan
        .versions
        .iter()
        .zip(&seqs)
        .flat_map(|(row, &seq)| row.new.audience.iter().map(move |label| (seq, label.as_str())))
        .collect();
    insert_labels(conn, None, &object_labels).await?;
    insert_observables(conn, &plan.versions, &seqs).await?;
    let Some(key) = key else { return Ok(()) };
    clear_flag(conn, key, Flag::Last, &plan.last_cleared).await?;
    clear_flag(conn, key, Flag::First, &plan.first_cleared).await?;
    insert_entries(conn, key, &plan.entries, seq).await?;
    let entry_labels: Vec<(i64, &str)> = plan
        .entries
        .iter()
        .flat_map(|row| row.new.audience.iter().map(move |label| (row.date_added_us, label.as_str())))
        .collect();
    insert_labels(conn, Some(key), &entry_labels).await?;
    if let Some(last) = plan.last_date_added_us {
        sqlx::query("UPDATE collections SET last_date_added_us = $1 WHERE key = $2")
            .bind(last)
            .bind(key)
            .execute(&mut *conn)
            .await?;
    }
    Ok(())
}

/// Inserts audience labels: `(seq, label)` rows into `object_labels` when `collection` is `None`,
/// else `(date_added, label)` rows of that collection into `entry_labels`.
async fn insert_labels(
    conn: &mut PgConnection,
    collection: Option<i64>,
    labels: &[(i64, &str)],
) -> Result<()> {
    let (numbers, labels): (Vec<i64>, Vec<&str>) = labels.iter().copied().unzip();
    if numbers.is_empty() {
        return Ok(());
    }
    match collection {
        None => {
            sqlx::query(
                "INSERT INTO object_labels (seq, label) SELECT * FROM UNNEST($1::bigint[], $2::text[])",
            )
            .bind(numbers)
            .bind(labels)
            .execute(conn)
            .await?;
        }
        Some(key) => {
            let sql = "INSERT INTO entry_labels (collection_key, date_added_us, label) \
                       SELECT $1, * FROM UNNEST($2::bigint[], $3::text[])";
            sqlx::query(sql).bind(key).bind(numbers).bind(labels).execute(conn).await?;
        }
    }
    Ok(())
}

/// Inserts the new versions' values into the observable index, one statement.
async fn insert_observables(conn: &mut PgConnection, rows: &[VersionRow<'_>], seqs: &[i64]) -> Result<()> {
    let mut keys = Vec::new();
    let mut numbers = Vec::new();
    let mut kinds = Vec::new();
    let mut values = Vec::new();
    for (row, &seq) in rows.iter().zip(seqs) {
        for o in &row.new.observables {
            keys.push(crate::value_key(&o.value));
            numbers.push(seq);
            kinds.push(o.kind.as_str());
            values.push(o.value.as_str());
        }
    }
    if keys.is_empty() {
        return Ok(());
    }
    let sql = "INSERT INTO observables (value_key, seq, kind, value) \
               SELECT * FROM UNNEST($1::bigint[], $2::bigint[], $3::text[], $4::text[])";
    sqlx::query(sql).bind(keys).bind(numbers).bind(kinds).bind(values).execute(conn).await?;
    Ok(())
}

async fn clear_latest(conn: &mut PgConnection, seqs: &[i64]) -> Result<()> {
    if seqs.is_empty() {
        return Ok(());
    }
    // Sorted, as every writer locks rows in the same order and two cannot deadlock on them.
    let mut seqs = seqs.to_vec();
    seqs.sort_unstable();
    sqlx::query("UPDATE object_versions SET is_latest = false WHERE seq = ANY($1)")
        .bind(&seqs)
        .execute(conn)
        .await?;
    Ok(())
}

#[derive(Debug, Clone, Copy)]
enum Flag {
    First,
    Last,
}

/// Clears `is_first` or `is_last` on the stored entries of `ids` in one collection.
async fn clear_flag(conn: &mut PgConnection, key: i64, flag: Flag, ids: &[&str]) -> Result<()> {
    if ids.is_empty() {
        return Ok(());
    }
    let sql = match flag {
        Flag::First => {
            "UPDATE collection_entries SET is_first = false \
             WHERE collection_key = $1 AND id = ANY($2) AND is_first"
        }
        Flag::Last => {
            "UPDATE collection_entries SET is_last = false \
             WHERE collection_key = $1 AND id = ANY($2) AND is_last"
        }
    };
    sqlx::query(sql).bind(key).bind(ids).execute(conn).await?;
    Ok(())
}

/// Inserts the new versions, `seqs[i]` for the i-th. Rows go in sorted by key: two writers that
/// insert overlapping keys then wait for each other in one order and never deadlock.
async fn insert_versions(conn: &mut PgConnection, rows: &[VersionRow<'_>], seqs: &[i64]) -> Result<()> {
    if rows.is_empty() {
        return Ok(());
    }
    debug_assert_eq!(rows.len(), seqs.len());
    let mut order: Vec<usize> = (0..rows.len()).collect();
    order
        .sort_unstable_by_key(|&i| (rows[i].new.id.as_str(), rows[i].version_us, rows[i].new.owner.as_str()));
    let mut c = VersionColumns::default();
    for i in order {
        c.push(&rows[i], seqs[i]);
    }
    let sql = "INSERT INTO object_versions (seq, id, version_us, owner, object_type, spec_version, \
               created_us, modified_us, created_by_ref, revoked, tlp, scope, confidence, is_sco, \
               is_latest, stored_us, json) \
               SELECT * FROM UNNEST($1::bigint[], $2::text[], $3::bigint[], $4::text[], $5::text[], \
               $6::text[], $7::bigint[], $8::bigint[], $9::text[], $10::boolean[], $11::text[], \
               $12::text[], $13::bigint[], $14::boolean[], $15::boolean[], $16::bigint[], $17::text[])";
    sqlx::query(sql)
        .bind(c.seq)
        .bind(c.id)
        .bind(c.version_us)
        .bind(c.owner)
        .bind(c.object_type)
        .bind(c.spec_version)
        .bind(c.created_us)
        .bind(c.modified_us)
        .bind(c.created_by_ref)
        .bind(c.revoked)
        .bind(c.tlp)
        .bind(c.scope)
        .bind(c.confidence)
        .bind(c.is_sco)
        .bind(c.is_latest)
        .bind(c.stored_us)
        .bind(c.json)
        .execute(conn)
        .await?;
    Ok(())
}

/// The columns of an `object_versions` insert, one array each, for `UNNEST`.
#[derive(Default)]
struct VersionColumns<'a> {
    seq: Vec<i64>,
    id: Vec<&'a str>,
    version_us: Vec<i64>,
    owner: Vec<&'a str>,
    object_type: Vec<&'a str>,
    spec_version: Vec<&'a str>,
    created_us: Vec<Option<i64>>,
    modified_us: Vec<Option<i64>>,
    created_by_ref: Vec<Option<&'a str>>,
    revoked: Vec<bool>,
    tlp: Vec<Option<&'a str>>,
    scope: Vec<&'a str>,
    confidence: Vec<Option<i64>>,
    is_sco: Vec<bool>,
    is_latest: Vec<bool>,
    stored_us: Vec<i64>,
    json: Vec<&'a str>,
}

impl<'a> VersionColumns<'a> {
    fn push(&mut self, row: &VersionRow<'a>, seq: i64) {
        let new = row.new;
        self.seq.push(seq);
        self.id.push(&new.id);
        self.version_us.push(row.version_us);
        self.owner.push(&new.owner);
        self.object_type.push(&new.object_type);
        self.spec_version.push(&new.spec_version);
        self.created_us.push(new.created_us);
        self.modified_us.push(new.modified_us);
        self.created_by_ref.push(new.created_by_ref.as_deref());
        self.revoked.push(new.revoked);
        self.tlp.push(new.tlp.as_deref());
        self.scope.push(&new.scope);
        self.confidence.push(new.confidence);
        self.is_sco.push(new.is_sco);
        self.is_latest.push(row.is_latest);
        self.stored_us.push(row.stored_us);
        self.json.push(&new.json);
    }
}

async fn insert_entries(
    conn: &mut PgConnection,
    key: i64,
    rows: &[EntryRow<'_>],
    seq: impl Fn(SeqRef) -> i64,
) -> Result<()> {
    if rows.is_empty() {
        return Ok(());
    }
    let sql = "INSERT INTO collection_entries (collection_key, date_added_us, seq, id, version_us, \
               object_type, spec_version, is_first, is_last) \
               SELECT $1, * FROM UNNEST($2::bigint[], $3::bigint[], $4::text[], $5::bigint[], \
               $6::text[], $7::text[], $8::boolean[], $9::boolean[])";
    sqlx::query(sql)
        .bind(key)
        .bind(rows.iter().map(|r| r.date_added_us).collect::<Vec<_>>())
        .bind(rows.iter().map(|r| seq(r.seq)).collect::<Vec<_>>())
        .bind(rows.iter().map(|r| r.new.id.as_str()).collect::<Vec<_>>())
        .bind(rows.iter().map(|r| r.version_us).collect::<Vec<_>>())
        .bind(rows.iter().map(|r| r.new.object_type.as_str()).collect::<Vec<_>>())
        .bind(rows.iter().map(|r| r.new.spec_version.as_str()).collect::<Vec<_>>())
        .bind(rows.iter().map(|r| r.is_first).collect::<Vec<_>>())
        .bind(rows.iter().map(|r| r.is_last).collect::<Vec<_>>())
        .execute(conn)
        .await?;
    Ok(())
}

/// Removes the entries of `id` (of `owner`'s copy, when given) from one collection, holding the
/// collection's row like an ingest does, so an ingest never plans first/last flags against
/// entries being removed; the entries left of `id` (another owner's copy) get their flags again.
pub(super) async fn remove_object(pool: &PgPool, key: i64, id: &str, owner: Option<&str>) -> Result<u64> {
    let mut tx = pool.begin().await?;
    sqlx::query("SELECT key FROM collections WHERE key = $1 FOR NO KEY UPDATE")
        .bind(key)
        .execute(&mut *tx)
        .await?;
    // `$3` NULL: every owner's entries.
    let labels = "DELETE FROM entry_labels WHERE (collection_key, label, date_added_us) IN \
                  (SELECT e.collection_key, l.label, e.date_added_us FROM collection_entries AS e \
                   JOIN object_versions AS v ON v.seq = e.seq JOIN object_labels AS l ON l.seq = e.seq \
                   WHERE e.collection_key = $1 AND e.id = $2 AND ($3::text IS NULL OR v.owner = $3))";
    sqlx::query(labels).bind(key).bind(id).bind(owner).execute(&mut *tx).await?;
    let entries = "DELETE FROM collection_entries WHERE collection_key = $1 AND date_added_us IN \
                   (SELECT e.date_added_us FROM collection_entries AS e JOIN object_versions AS v ON v.seq = e.seq \
                    WHERE e.collection_key = $1 AND e.id = $2 AND ($3::text IS NULL OR v.owner = $3))";
    let done = sqlx::query(entries).bind(key).bind(id).bind(owner).execute(&mut *tx).await?;
    if owner.is_some() && done.rows_affected() > 0 {
        let flags = "UPDATE collection_entries AS c SET is_first = (c.version_us = m.lo), is_last = (c.version_us = m.hi) \
                     FROM (SELECT min(version_us) AS lo, max(version_us) AS hi FROM collection_entries \
                           WHERE collection_key = $1 AND id = $2) AS m \
                     WHERE c.collection_key = $1 AND c.id = $2";
        sqlx::query(flags).bind(key).bind(id).execute(&mut *tx).await?;
    }
    tx.commit().await?;
    Ok(done.rows_affected())
}
