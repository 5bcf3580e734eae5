//! Export scans and counts in SQLite.

use sqlx::sqlite::SqliteRow;
use sqlx::{QueryBuilder, Row, Sqlite, SqlitePool};

use super::page::push_latest_visible;
use super::sql::push_in;
use crate::error::Result;
use crate::model::split_labels;
use crate::model::{ActivityQuery, ActivityRow, Counts, DAY_US, ScanPage, ScanQuery, StoredVersion};

/// A version's audience labels, one string separated by newlines (labels hold none).
const AUDIENCE: &str = "(SELECT group_concat(label, char(10)) FROM (SELECT label FROM object_labels WHERE seq = v.seq ORDER BY label))";

const COLUMNS: &str = "v.seq, v.id, v.version_us, v.owner, v.object_type, v.spec_version, \
                       v.created_us, v.modified_us, v.created_by_ref, v.revoked, v.tlp, v.scope, \
                       v.confidence, v.is_sco, v.is_latest, v.stored_us, v.json";

/// A page of every stored version by `seq`; the cursor is the last `seq`.
pub(super) async fn all(pool: &SqlitePool, query: &ScanQuery) -> Result<ScanPage> {
    let limit = query.limit_applied();
    let mut qb = QueryBuilder::new(format!(
        "SELECT {COLUMNS}, NULL AS date_added_us, {AUDIENCE} FROM object_versions AS v"
    ));
    qb.push(" WHERE v.seq > ").push_bind(query.after.unwrap_or(0));
    if query.latest_only {
        qb.push(" AND v.is_latest = 1");
    }
    if let Some(object_type) = &query.object_type {
        qb.push(" AND v.object_type = ").push_bind(object_type.as_str());
    }
    push_audience(&mut qb, query);
    qb.push(format!(" ORDER BY v.seq LIMIT {limit}"));
    let rows = fetch(pool, &mut qb).await?;
    let next_after = if rows.len() < limit { None } else { rows.last().map(|r| r.seq) };
    Ok(ScanPage { rows, next_after })
}

/// A page of one collection's versions by `date_added`; the cursor is the last `date_added`.
pub(super) async fn collection(pool: &SqlitePool, key: i64, query: &ScanQuery) -> Result<ScanPage> {
    let limit = query.limit_applied();
    let mut qb = QueryBuilder::new(format!(
        "SELECT {COLUMNS}, e.date_added_us, {AUDIENCE} FROM collection_entries AS e \
         JOIN object_versions AS v ON v.seq = e.seq WHERE e.collection_key = "
    ));
    qb.push_bind(key).push(" AND e.date_added_us > ").push_bind(query.after.unwrap_or(i64::MIN));
    if query.latest_only {
        qb.push(" AND e.is_last = 1");
    }
    if let Some(object_type) = &query.object_type {
        qb.push(" AND e.object_type = ").push_bind(object_type.as_str());
    }
    push_audience(&mut qb, query);
    qb.push(format!(" ORDER BY e.date_added_us LIMIT {limit}"));
    let rows = fetch(pool, &mut qb).await?;
    let next_after = if rows.len() < limit { None } else { rows.last().and_then(|r| r.date_added_us) };
    Ok(ScanPage { rows, next_after })
}

/// Only versions the query's audience may see (own labels and the latest version's).
fn push_audience(qb: &mut QueryBuilder<Sqlite>, query: &ScanQuery) {
    let Some(labels) = query.audience.labels() else { return };
    if labels.is_empty() {
        qb.push(" AND 0");
        return;
    }
    qb.push(" AND EXISTS (SELECT 1 FROM object_labels AS ol WHERE ol.seq = v.seq AND ");
    push_in(qb, "ol.label", labels);
    qb.push(") AND ");
    push_latest_visible(qb, "v", labels);
}

async fn fetch(pool: &SqlitePool, qb: &mut QueryBuilder<Sqlite>) -> Result<Vec<StoredVersion>> {
    let rows = qb.build().fetch_all(pool).await?;
    Ok(rows.iter().map(stored_version).collect::<Result<_, _>>()?)
}

fn stored_version(row: &SqliteRow) -> Result<StoredVersion, sqlx::Error> {
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

pub(super) async fn counts(pool: &SqlitePool) -> Result<Counts> {
    let sql =
        "SELECT (SELECT COUNT(DISTINCT id) FROM object_versions), (SELECT COUNT(*) FROM object_versions)";
    let (objects, versions): (i64, i64) = sqlx::query_as(sql).fetch_one(pool).await?;
    Ok(Counts { objects: objects as u64, versions: versions as u64 })
}

pub(super) async fn collection_counts(pool: &SqlitePool, key: i64) -> Result<Counts> {
    let sql = "SELECT COUNT(DISTINCT id), COUNT(*) FROM collection_entries WHERE collection_key = ?";
    let (objects, versions): (i64, i64) = sqlx::query_as(sql).bind(key).fetch_one(pool).await?;
    Ok(Counts { objects: objects as u64, versions: versions as u64 })
}

/// The latest version of each `(id, owner)` of `id` that `audience` may see, by `seq`.
pub(super) async fn latest_versions(
    pool: &SqlitePool,
    id: &str,
    audience: &crate::model::Audience,
) -> Result<Vec<StoredVersion>> {
    let mut qb = QueryBuilder::new(format!(
        "SELECT {COLUMNS}, NULL AS date_added_us, {AUDIENCE} FROM object_versions AS v \
         INDEXED BY object_versions_id WHERE v.id_key = "
    ));
    qb.push_bind(super::sql::id_key(id)).push(" AND v.id = ").push_bind(id).push(" AND v.is_latest = 1");
    if let Some(labels) = audience.labels() {
        if labels.is_empty() {
            return Ok(Vec::new());
        }
        qb.push(" AND EXISTS (SELECT 1 FROM object_labels AS ol WHERE ol.seq = v.seq AND ");
        push_in(&mut qb, "ol.label", labels);
        qb.push(")");
    }
    qb.push(format!(" ORDER BY v.seq LIMIT {}", crate::MAX_LATEST_COPIES));
    fetch(pool, &mut qb).await
}

/// Objects each owner added per day (see [`ActivityQuery`]): the latest version of each
/// `(id, owner)` the audience may see (being latest, its own labels decide), dated by the first
/// version of that `(id, owner)` stored.
pub(super) async fn activity(
    pool: &SqlitePool,
    exclude_key: Option<i64>,
    query: &ActivityQuery,
) -> Result<Vec<ActivityRow>> {
    query.check_range()?;
    let mut qb = QueryBuilder::new("SELECT owner, first_us / ");
    qb.push(DAY_US.to_string()).push(
        " AS day, COUNT(*) FROM (SELECT v.owner AS owner, \
         (SELECT MIN(f.stored_us) FROM object_versions AS f INDEXED BY object_versions_id \
          WHERE f.id_key = v.id_key AND f.id = v.id AND f.owner = v.owner) AS first_us \
         FROM object_versions AS v WHERE v.is_latest = 1",
    );
    if let Some(object_type) = &query.object_type {
        qb.push(" AND v.object_type = ").push_bind(object_type.as_str());
    }
    if let Some(key) = exclude_key {
        qb.push(
            " AND NOT EXISTS (SELECT 1 FROM collection_entries AS e INDEXED BY collection_entries_object \
                  WHERE e.collection_key = ",
        )
        .push_bind(key)
        .push(" AND e.id_key = v.id_key AND e.id = v.id)");
    }
    if let Some(labels) = query.audience.labels() {
        if labels.is_empty() {
            return Ok(Vec::new());
        }
        qb.push(" AND EXISTS (SELECT 1 FROM object_labels AS ol WHERE ol.seq = v.seq AND ");
        push_in(&mut qb, "ol.label", labels);
        qb.push(")");
    }
    qb.push(") WHERE first_us >= ").push_bind(query.from_us).push(" AND first_us < ").push_bind(query.to_us);
    qb.push(" GROUP BY owner, day ORDER BY owner, day");
    let rows: Vec<(String, i64, i64)> = qb.build_query_as().fetch_all(pool).await?;
    Ok(rows
        .into_iter()
        .map(|(owner, day, objects)| ActivityRow { owner, day, objects: objects as u64 })
        .collect())
}
