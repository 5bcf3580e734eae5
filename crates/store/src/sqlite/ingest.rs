//! Batch ingest into SQLite: bulk look-ups, [`plan`](crate::plan::plan), bulk writes, one
//! transaction.

use std::collections::{HashMap, HashSet};

use sqlx::{QueryBuilder, Sqlite, SqliteConnection, SqlitePool};

use super::sql::{MAX_PARAMS, id_key, push_ids, push_in};
use crate::MAX_BATCH_LEN;
use crate::error::{Error, Result};
use crate::model::{NewVersion, Observable, Outcome};
use crate::now_us;
use crate::plan::{self, EntryRow, Held, HeldCollection, HeldEntry, HeldVersion, Plan, SeqRef, VersionRow};

/// Columns of an `object_versions` insert.
const VERSION_COLUMNS: usize = 18;
/// Columns of a `collection_entries` insert.
const ENTRY_COLUMNS: usize = 10;

/// The collection a batch goes into, as read inside the write transaction.
struct TargetRow {
    key: i64,
    last_date_added_us: i64,
}

pub(super) async fn ingest(
    pool: &SqlitePool,
    batch: &[NewVersion],
    collection: Option<&str>,
) -> Result<Vec<Outcome>> {
    if batch.len() > MAX_BATCH_LEN {
        return Err(Error::BatchTooLarge { len: batch.len(), max: MAX_BATCH_LEN });
    }
    crate::check_observables(batch)?;
    // IMMEDIATE takes the write lock up front: the look-ups below cannot go stale before commit.
    let mut tx = pool.begin_with("BEGIN IMMEDIATE").await?;
    let target = match collection {
        Some(id) => Some(target_row(&mut tx, id).await?),
        None => None,
    };
    let held = held(&mut tx, batch, target.as_ref()).await?;
    let plan = plan::plan(batch, &held, now_us());
    write(&mut tx, &plan, target.map(|t| t.key)).await?;
    tx.commit().await?;
    Ok(plan.outcomes)
}

async fn target_row(conn: &mut SqliteConnection, id: &str) -> Result<TargetRow> {
    let sql = "SELECT key, last_date_added_us FROM collections WHERE id = ?";
    let row: Option<(i64, i64)> = sqlx::query_as(sql).bind(id).fetch_optional(conn).await?;
    let (key, last_date_added_us) = row.ok_or_else(|| Error::CollectionNotFound(id.to_owned()))?;
    Ok(TargetRow { key, last_date_added_us })
}

/// What the store holds for the batch's ids: their versions, and their entries in the target.
async fn held(conn: &mut SqliteConnection, batch: &[NewVersion], target: Option<&TargetRow>) -> Result<Held> {
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
        Some(t) => Some(HeldCollection {
            last_date_added_us: t.last_date_added_us,
            entries: held_entries(conn, t.key, &stored_ids).await?,
        }),
    };
    Ok(Held { versions, collection })
}

async fn held_versions(conn: &mut SqliteConnection, ids: &[&str]) -> Result<Vec<HeldVersion>> {
    let mut out = Vec::new();
    for chunk in ids.chunks(MAX_PARAMS / 2) {
        let mut qb = QueryBuilder::new(
            "SELECT seq, id, owner, version_us, is_latest FROM object_versions INDEXED BY object_versions_id WHERE ",
        );
        push_ids(&mut qb, "", chunk);
        let rows: Vec<(i64, String, String, i64, bool)> = qb.build_query_as().fetch_all(&mut *conn).await?;
        out.extend(rows.into_iter().map(|(seq, id, owner, version_us, is_latest)| HeldVersion {
            seq,
            id,
            owner,
            version_us,
            is_latest,
            json: None,
        }));
    }
    Ok(out)
}

async fn held_json(conn: &mut SqliteConnection, seqs: &[i64]) -> Result<HashMap<i64, String>> {
    let mut out = HashMap::new();
    for chunk in seqs.chunks(MAX_PARAMS) {
        let mut qb = QueryBuilder::new("SELECT seq, json FROM object_versions WHERE ");
        push_in(&mut qb, "seq", chunk);
        let rows: Vec<(i64, String)> = qb.build_query_as().fetch_all(&mut *conn).await?;
        out.extend(rows);
    }
    Ok(out)
}

async fn held_entries(conn: &mut SqliteConnection, key: i64, ids: &[&str]) -> Result<Vec<HeldEntry>> {
    let mut out = Vec::new();
    for chunk in ids.chunks(MAX_PARAMS / 2) {
        let mut qb = QueryBuilder::new(
            "SELECT seq, id, version_us FROM collection_entries INDEXED BY collection_entries_object \
             WHERE collection_key = ",
        );
        qb.push_bind(key).push(" AND ");
        push_ids(&mut qb, "", chunk);
        let rows: Vec<(i64, String, i64)> = qb.build_query_as().fetch_all(&mut *conn).await?;
        out.extend(rows.into_iter().map(|(seq, id, version_us)| HeldEntry { seq, id, version_us }));
    }
    Ok(out)
}

/// Writes a plan. Order matters: flags of stored rows are cleared before new rows carrying the
/// same flags are inserted.
async fn write(conn: &mut SqliteConnection, plan: &Plan<'_>, key: Option<i64>) -> Result<()> {
    let base: i64 =
        sqlx::query_scalar("SELECT COALESCE(MAX(seq), 0) FROM object_versions").fetch_one(&mut *conn).await?;
    let seq = |s: SeqRef| match s {
        SeqRef::Held(seq) => seq,
        SeqRef::New(i) => base + 1 + i as i64,
    };
    clear_latest(conn, &plan.superseded).await?;
    insert_versions(conn, &plan.versions, base + 1).await?;
    let object_labels: Vec<(i64, &str)> = plan
        .versions
        .iter()
        .enumerate()
        .flat_map(|(i, row)| row.new.audience.iter().map(move |label| (base + 1 + i as i64, label.as_str())))
        .collect();
    insert_labels(conn, None, &object_labels).await?;
    let observables: Vec<(i64, &Observable)> = plan
        .versions
        .iter()
        .enumerate()
        .flat_map(|(i, row)| row.new.observables.iter().map(move |o| (base + 1 + i as i64, o)))
        .collect();
    insert_observables(conn, &observables).await?;
    let Some(key) = key else { return Ok(()) };
    clear_flag(conn, key, "is_last", &plan.last_cleared).await?;
    clear_flag(conn, key, "is_first", &plan.first_cleared).await?;
    insert_entries(conn, key, &plan.entries, seq).await?;
    let entry_labels: Vec<(i64, &str)> = plan
        .entries
        .iter()
        .flat_map(|row| row.new.audience.iter().map(move |label| (row.date_added_us, label.as_str())))
        .collect();
    insert_labels(conn, Some(key), &entry_labels).await?;
    if let Some(last) = plan.last_date_added_us {
        sqlx::query("UPDATE collections SET last_date_added_us = ? WHERE key = ?")
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
    conn: &mut SqliteConnection,
    collection: Option<i64>,
    labels: &[(i64, &str)],
) -> Result<()> {
    for chunk in labels.chunks(MAX_PARAMS / 3) {
        let mut qb: QueryBuilder<Sqlite> = QueryBuilder::new(match collection {
            None => "INSERT INTO object_labels (seq, label) ",
            Some(_) => "INSERT INTO entry_labels (collection_key, date_added_us, label) ",
        });
        qb.push_values(chunk, |mut b, (n, label)| {
            if let Some(key) = collection {
                b.push_bind(key);
            }
            b.push_bind(*n).push_bind(*label);
        });
        qb.build().execute(&mut *conn).await?;
    }
    Ok(())
}

/// Inserts `(seq, observable)` rows into the observable index.
async fn insert_observables(conn: &mut SqliteConnection, rows: &[(i64, &Observable)]) -> Result<()> {
    for chunk in rows.chunks(MAX_PARAMS / 4) {
        let mut qb: QueryBuilder<Sqlite> =
            QueryBuilder::new("INSERT INTO observables (value_key, seq, kind, value) ");
        qb.push_values(chunk, |mut b, (seq, o)| {
            b.push_bind(crate::value_key(&o.value))
                .push_bind(*seq)
                .push_bind(o.kind.as_str())
                .push_bind(o.value.as_str());
        });
        qb.build().execute(&mut *conn).await?;
    }
    Ok(())
}

async fn clear_latest(conn: &mut SqliteConnection, seqs: &[i64]) -> Result<()> {
    for chunk in seqs.chunks(MAX_PARAMS) {
        let mut qb = QueryBuilder::new("UPDATE object_versions SET is_latest = 0 WHERE ");
        push_in(&mut qb, "seq", chunk);
        qb.build().execute(&mut *conn).await?;
    }
    Ok(())
}

/// Clears `is_first` or `is_last` on the stored entries of `ids` in one collection. Without the
/// index hint SQLite's planner scans the whole collection by primary key for an `IN` list.
async fn clear_flag(conn: &mut SqliteConnection, key: i64, flag: &str, ids: &[&str]) -> Result<()> {
    debug_assert!(flag == "is_first" || flag == "is_last");
    for chunk in ids.chunks(MAX_PARAMS / 2) {
        let mut qb = QueryBuilder::new(format!(
            "UPDATE collection_entries INDEXED BY collection_entries_object SET {flag} = 0 WHERE {flag} = 1"
        ));
        qb.push(" AND collection_key = ").push_bind(key).push(" AND ");
        push_ids(&mut qb, "", chunk);
        qb.build().execute(&mut *conn).await?;
    }
    Ok(())
}

async fn insert_versions(conn: &mut SqliteConnection, rows: &[VersionRow<'_>], first_seq: i64) -> Result<()> {
    let mut seq = first_seq;
    for chunk in rows.chunks(MAX_PARAMS / VERSION_COLUMNS) {
        let mut qb: QueryBuilder<Sqlite> = QueryBuilder::new(
            "INSERT INTO object_versions (seq, id, id_key, version_us, owner, object_type, spec_version, \
             created_us, modified_us, created_by_ref, revoked, tlp, scope, confidence, is_sco, \
             is_latest, stored_us, json) ",
        );
        qb.push_values(chunk, |mut b, row| {
            let new = row.new;
            b.push_bind(seq)
                .push_bind(new.id.as_str())
                .push_bind(id_key(&new.id))
                .push_bind(row.version_us)
                .push_bind(new.owner.as_str())
                .push_bind(new.object_type.as_str())
                .push_bind(new.spec_version.as_str())
                .push_bind(new.created_us)
                .push_bind(new.modified_us)
                .push_bind(new.created_by_ref.as_deref())
                .push_bind(new.revoked)
                .push_bind(new.tlp.as_deref())
                .push_bind(new.scope.as_str())
                .push_bind(new.confidence)
                .push_bind(new.is_sco)
                .push_bind(row.is_latest)
                .push_bind(row.stored_us)
                .push_bind(new.json.as_str());
            seq += 1;
        });
        qb.build().execute(&mut *conn).await?;
    }
    Ok(())
}

async fn insert_entries(
    conn: &mut SqliteConnection,
    key: i64,
    rows: &[EntryRow<'_>],
    seq: impl Fn(SeqRef) -> i64,
) -> Result<()> {
    for chunk in rows.chunks(MAX_PARAMS / ENTRY_COLUMNS) {
        let mut qb: QueryBuilder<Sqlite> = QueryBuilder::new(
            "INSERT INTO collection_entries (collection_key, date_added_us, seq, id, id_key, version_us, \
             object_type, spec_version, is_first, is_last) ",
        );
        qb.push_values(chunk, |mut b, row| {
            b.push_bind(key)
                .push_bind(row.date_added_us)
                .push_bind(seq(row.seq))
                .push_bind(row.new.id.as_str())
                .push_bind(id_key(&row.new.id))
                .push_bind(row.version_us)
                .push_bind(row.new.object_type.as_str())
                .push_bind(row.new.spec_version.as_str())
                .push_bind(row.is_first)
                .push_bind(row.is_last);
        });
        qb.build().execute(&mut *conn).await?;
    }
    Ok(())
}
