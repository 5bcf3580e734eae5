//! TAXII collection pages in SQLite.
//!
//! Two plans, each a bounded amount of work whatever the collection size:
//! - with an id filter, the `collection_entries_object` index finds the listed ids' entries, which
//!   are sorted by `date_added` (bounded by the versions of at most `MAX_FILTER_VALUES` ids);
//! - otherwise one range scan of the primary key from `added_after`, stopping after
//!   [`MAX_SCAN_PER_PAGE`] entries, with the filters applied to the scanned entries. A page whose
//!   scan stopped there says `more` and where to resume, even if the filters hid every entry.
//!
//! Both statements of a page run in one read transaction, so they see the same snapshot.

use sqlx::{QueryBuilder, Sqlite, SqliteConnection, SqlitePool};

use super::sql::{push_ids, push_in};
use crate::MAX_SCAN_PER_PAGE;
use crate::error::Result;
use crate::model::{ManifestEntry, ObjectEntry, Page, PageQuery};

/// A page row: date_added, id, version, spec_version, json (objects pages only).
type Row = (i64, String, i64, String, Option<String>);

pub(super) async fn objects(pool: &SqlitePool, key: i64, query: &PageQuery) -> Result<Page<ObjectEntry>> {
    let page = rows(pool, key, query, true).await?;
    let entries = page.entries.into_iter().map(|(date_added_us, id, version_us, spec_version, json)| {
        ObjectEntry { date_added_us, id, version_us, spec_version, json: json.unwrap_or_default() }
    });
    Ok(Page { entries: entries.collect(), more: page.more, next_added_after_us: page.next_added_after_us })
}

pub(super) async fn manifest(pool: &SqlitePool, key: i64, query: &PageQuery) -> Result<Page<ManifestEntry>> {
    let page = rows(pool, key, query, false).await?;
    let entries = page.entries.into_iter().map(|(date_added_us, id, version_us, spec_version, _)| {
        ManifestEntry { date_added_us, id, version_us, spec_version }
    });
    Ok(Page { entries: entries.collect(), more: page.more, next_added_after_us: page.next_added_after_us })
}

async fn rows(pool: &SqlitePool, key: i64, query: &PageQuery, with_json: bool) -> Result<Page<Row>> {
    query.check_limits()?;
    let limit = query.limit_applied();
    let after = query.added_after_us.unwrap_or(i64::MIN);
    let mut tx = pool.begin().await?;
    let mut qb = select(key, query, with_json, limit + 1);
    let mut entries: Vec<Row> = qb.build_query_as().fetch_all(&mut *tx).await?;
    let page = if entries.len() > limit {
        entries.truncate(limit);
        let next = entries.last().map(|e| e.0);
        Page { entries, more: true, next_added_after_us: next }
    } else if query.ids.is_empty() {
        let (scanned, last) = scanned(&mut tx, key, after).await?;
        let stopped = scanned >= MAX_SCAN_PER_PAGE as i64;
        Page { entries, more: stopped, next_added_after_us: last.filter(|_| stopped) }
    } else {
        Page { entries, more: false, next_added_after_us: None }
    };
    tx.commit().await?;
    Ok(page)
}

/// The page statement: entries of one collection after `added_after`, filtered, in `date_added`
/// order, at most `fetch` of them.
fn select(key: i64, query: &PageQuery, with_json: bool, fetch: usize) -> QueryBuilder<Sqlite> {
    let after = query.added_after_us.unwrap_or(i64::MIN);
    let json = if with_json { "v.json" } else { "NULL" };
    let mut qb = QueryBuilder::new(format!(
        "SELECT e.date_added_us, e.id, e.version_us, e.spec_version, {json} FROM "
    ));
    if query.ids.is_empty() {
        qb.push("(SELECT * FROM collection_entries WHERE collection_key = ")
            .push_bind(key)
            .push(" AND date_added_us > ")
            .push_bind(after)
            .push(" ORDER BY date_added_us LIMIT ")
            .push_bind(MAX_SCAN_PER_PAGE as i64)
            .push(") AS e");
    } else {
        qb.push("collection_entries AS e INDEXED BY collection_entries_object");
    }
    if with_json {
        qb.push(" JOIN object_versions AS v ON v.seq = e.seq");
    }
    qb.push(" WHERE e.collection_key = ").push_bind(key);
    qb.push(" AND e.date_added_us > ").push_bind(after);
    push_filters(&mut qb, query);
    qb.push(" ORDER BY e.date_added_us LIMIT ").push_bind(fetch as i64);
    qb
}

fn push_filters(qb: &mut QueryBuilder<Sqlite>, query: &PageQuery) {
    if !query.ids.is_empty() {
        let ids: Vec<&str> = query.ids.iter().map(String::as_str).collect();
        qb.push(" AND ");
        push_ids(qb, "e.", &ids);
    }
    for (column, values) in [("e.object_type", &query.types), ("e.spec_version", &query.spec_versions)] {
        if !values.is_empty() {
            qb.push(" AND ");
            push_in(qb, column, values);
        }
    }
    let versions = query.versions.effective();
    if versions.all {
        return;
    }
    qb.push(" AND (");
    let mut any = qb.separated(" OR ");
    if versions.last {
        any.push("e.is_last = 1");
    }
    if versions.first {
        any.push("e.is_first = 1");
    }
    if !versions.at_us.is_empty() {
        any.push("");
        push_in(qb, "e.version_us", &versions.at_us);
    }
    qb.push(")");
}

/// How many entries the bounded scan from `after` covers, and the last one's `date_added`.
async fn scanned(conn: &mut SqliteConnection, key: i64, after: i64) -> Result<(i64, Option<i64>)> {
    let sql = "SELECT COUNT(*), MAX(date_added_us) FROM (SELECT date_added_us FROM collection_entries \
               WHERE collection_key = ? AND date_added_us > ? ORDER BY date_added_us LIMIT ?)";
    let row: (i64, Option<i64>) =
        sqlx::query_as(sql).bind(key).bind(after).bind(MAX_SCAN_PER_PAGE as i64).fetch_one(conn).await?;
    Ok(row)
}
