//! TAXII collection pages in SQLite.
//!
//! Two plans, each a bounded amount of work whatever the collection size:
//! - with an id filter, the `collection_entries_object` index finds the listed ids' entries, which
//!   are sorted by `date_added` (bounded by the versions of at most `MAX_FILTER_VALUES` ids);
//! - otherwise one range scan of the primary key from `added_after`, stopping after
//!   [`MAX_SCAN_PER_PAGE`] entries, with the filters applied to the scanned entries. A page whose
//!   scan stopped there says `more` and where to resume, even if the filters hid every entry.
//!
//! For a viewer (an [`Audience`] of labels) a third plan replaces the range scan: the first
//! entries after `added_after` that carry one of the viewer's labels are read from
//! `entry_labels`, one short range per label, merged; only those candidates are then looked up
//! and filtered. Each candidate is one the viewer may see by its own labels, so a viewer who may
//! see 1% of a collection reads no more than one who may see all of it. The rest of the rule
//! (the latest version's labels, one result per observable `(id, version)`) is a bounded check
//! per candidate.
//!
//! The statements of a page run in one read transaction, so they see the same snapshot.
//!
//! `LIMIT`s are written into the statement text, never bound: SQLite evaluates a bound `LIMIT`
//! while planning, so each new binding would recompile the statement inside `sqlite3_step`
//! (measured: 8.5 % of a 4-reader paging run went to `sqlite3Reprepare`). The limits are
//! integers of this crate, a handful of distinct values, each a cached statement.

use sqlx::{QueryBuilder, Sqlite, SqliteConnection, SqlitePool};

use super::sql::{push_ids, push_in};
use crate::MAX_SCAN_PER_PAGE;
use crate::error::Result;
use crate::model::{ManifestEntry, ObjectEntry, Page, PageQuery};
use crate::visibility::{Row, candidate_window, manifest_entries, object_entries, viewer_page};

pub(super) async fn objects(pool: &SqlitePool, key: i64, query: &PageQuery) -> Result<Page<ObjectEntry>> {
    Ok(object_entries(rows(pool, key, query, true).await?))
}

pub(super) async fn manifest(pool: &SqlitePool, key: i64, query: &PageQuery) -> Result<Page<ManifestEntry>> {
    Ok(manifest_entries(rows(pool, key, query, false).await?))
}

async fn rows(pool: &SqlitePool, key: i64, query: &PageQuery, with_json: bool) -> Result<Page<Row>> {
    query.check_limits()?;
    let limit = query.limit_applied();
    let after = query.added_after_us.unwrap_or(i64::MIN);
    let mut tx = pool.begin().await?;
    if let (Some(labels), true) = (query.audience.labels(), query.ids.is_empty()) {
        let page = viewer_rows(&mut tx, key, query, labels, with_json).await?;
        tx.commit().await?;
        return Ok(page);
    }
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

/// A viewer's page without an id filter: candidates from `entry_labels`, then the entries among
/// them that pass the filters and the rest of the rule.
async fn viewer_rows(
    conn: &mut SqliteConnection,
    key: i64,
    query: &PageQuery,
    labels: &[String],
    with_json: bool,
) -> Result<Page<Row>> {
    let limit = query.limit_applied();
    if labels.is_empty() {
        return Ok(Page { entries: Vec::new(), more: false, next_added_after_us: None });
    }
    let window = candidate_window(query);
    let after = query.added_after_us.unwrap_or(i64::MIN);
    let mut qb = QueryBuilder::new("SELECT date_added_us FROM (");
    let mut union = qb.separated(" UNION ");
    for label in labels {
        union.push("SELECT * FROM (SELECT date_added_us FROM entry_labels WHERE collection_key = ");
        union.push_bind_unseparated(key);
        union.push_unseparated(" AND label = ").push_bind_unseparated(label.as_str());
        union.push_unseparated(" AND date_added_us > ").push_bind_unseparated(after);
        union.push_unseparated(format!(" ORDER BY date_added_us LIMIT {window}"));
        union.push_unseparated(")");
    }
    qb.push(format!(") ORDER BY date_added_us LIMIT {window}"));
    let candidates: Vec<i64> = qb.build_query_scalar().fetch_all(&mut *conn).await?;
    let mut entries: Vec<Row> = Vec::new();
    if !candidates.is_empty() {
        let json = if with_json { "v.json" } else { "NULL" };
        let mut qb = QueryBuilder::new(format!(
            "SELECT e.date_added_us, e.id, e.version_us, e.spec_version, {json}, v.tlp, v.owner \
             FROM collection_entries AS e JOIN object_versions AS v ON v.seq = e.seq \
             WHERE e.collection_key = "
        ));
        qb.push_bind(key);
        // One primary-key look-up per candidate.
        qb.push(" AND ");
        push_in(&mut qb, "e.date_added_us", &candidates);
        push_filters(&mut qb, query);
        push_rest_of_rule(&mut qb, labels);
        qb.push(format!(" ORDER BY e.date_added_us LIMIT {}", limit + 1));
        entries = qb.build_query_as().fetch_all(&mut *conn).await?;
    }
    Ok(viewer_page(entries, limit, |e| e.0, &candidates, window))
}

/// The page statement: entries of one collection after `added_after`, filtered, in `date_added`
/// order, at most `fetch` of them.
fn select(key: i64, query: &PageQuery, with_json: bool, fetch: usize) -> QueryBuilder<Sqlite> {
    let after = query.added_after_us.unwrap_or(i64::MIN);
    let json = if with_json { "v.json" } else { "NULL" };
    let joined = with_json || query.audience.labels().is_some();
    let tlp = if joined { "v.tlp, v.owner" } else { "NULL, NULL" };
    let mut qb = QueryBuilder::new(format!(
        "SELECT e.date_added_us, e.id, e.version_us, e.spec_version, {json}, {tlp} FROM "
    ));
    if query.ids.is_empty() {
        qb.push("(SELECT * FROM collection_entries WHERE collection_key = ")
            .push_bind(key)
            .push(" AND date_added_us > ")
            .push_bind(after)
            .push(format!(" ORDER BY date_added_us LIMIT {MAX_SCAN_PER_PAGE}) AS e"));
    } else {
        qb.push("collection_entries AS e INDEXED BY collection_entries_object");
    }
    let labels = query.audience.labels();
    if joined {
        qb.push(" JOIN object_versions AS v ON v.seq = e.seq");
    }
    qb.push(" WHERE e.collection_key = ").push_bind(key);
    qb.push(" AND e.date_added_us > ").push_bind(after);
    push_filters(&mut qb, query);
    if let Some(labels) = labels {
        if labels.is_empty() {
            qb.push(" AND 0");
        } else {
            qb.push(" AND EXISTS (SELECT 1 FROM object_labels AS ol WHERE ol.seq = e.seq AND ");
            push_in(&mut qb, "ol.label", labels);
            qb.push(")");
            push_rest_of_rule(&mut qb, labels);
        }
    }
    qb.push(format!(" ORDER BY e.date_added_us LIMIT {fetch}"));
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
    // For a viewer, `last` and `first` are the latest and earliest versions it may see: a later
    // version it may not see does not hide the one it may.
    let labels = query.audience.labels().filter(|l| !l.is_empty());
    qb.push(" AND (");
    let mut or = "";
    for (wanted, flag, later) in
        [(versions.last, "e.is_last = 1", true), (versions.first, "e.is_first = 1", false)]
    {
        if wanted {
            qb.push(or);
            match labels {
                None => {
                    qb.push(flag);
                }
                Some(labels) => push_no_visible_neighbour(qb, later, labels),
            }
            or = " OR ";
        }
    }
    if !versions.at_us.is_empty() {
        qb.push(or);
        push_in(qb, "e.version_us", &versions.at_us);
    }
    qb.push(")");
}

/// No entry of the same object in the collection with a later (`later`) or earlier version that
/// a viewer holding `labels` may see.
fn push_no_visible_neighbour(qb: &mut QueryBuilder<Sqlite>, later: bool, labels: &[String]) {
    let op = if later { ">" } else { "<" };
    qb.push(format!(
        "NOT EXISTS (SELECT 1 FROM collection_entries AS n INDEXED BY collection_entries_object \
         JOIN object_versions AS nv ON nv.seq = n.seq \
         WHERE n.collection_key = e.collection_key AND n.id_key = e.id_key AND n.id = e.id \
         AND n.version_us {op} e.version_us \
         AND EXISTS (SELECT 1 FROM object_labels AS nl WHERE nl.seq = n.seq AND "
    ));
    push_in(qb, "nl.label", labels);
    qb.push(") AND ");
    push_latest_visible(qb, "nv", labels);
    qb.push(")");
}

/// The access rule's checks beyond the entry's own labels, on `e` (the entry) and `v` (its
/// version): the latest version of the same `(id, owner)` must carry one of `labels` too, and an
/// observable another owner also holds is shown once per `(id, version)`, at the first copy the
/// viewer may see.
fn push_rest_of_rule(qb: &mut QueryBuilder<Sqlite>, labels: &[String]) {
    qb.push(" AND ");
    push_latest_visible(qb, "v", labels);
    qb.push(
        " AND NOT (v.is_sco = 1 AND EXISTS (SELECT 1 FROM collection_entries AS e2 \
         INDEXED BY collection_entries_object JOIN object_versions AS v2 ON v2.seq = e2.seq \
         WHERE e2.collection_key = e.collection_key AND e2.id_key = e.id_key AND e2.id = e.id \
         AND e2.version_us = e.version_us AND e2.date_added_us < e.date_added_us \
         AND EXISTS (SELECT 1 FROM object_labels AS l2 WHERE l2.seq = v2.seq AND ",
    );
    push_in(qb, "l2.label", labels);
    qb.push(") AND ");
    push_latest_visible(qb, "v2", labels);
    qb.push("))");
}

/// `version` (an alias of `object_versions`) is the latest of its `(id, owner)`, or that latest
/// version carries one of `labels`.
pub(super) fn push_latest_visible(qb: &mut QueryBuilder<Sqlite>, version: &str, labels: &[String]) {
    qb.push(format!(
        "({version}.is_latest = 1 OR EXISTS (SELECT 1 FROM object_versions AS lv \
         JOIN object_labels AS ll ON ll.seq = lv.seq \
         WHERE lv.id_key = {version}.id_key AND lv.id = {version}.id AND lv.owner = {version}.owner \
         AND lv.is_latest = 1 AND "
    ));
    push_in(qb, "ll.label", labels);
    qb.push("))");
}

/// How many entries the bounded scan from `after` covers, and the last one's `date_added`.
async fn scanned(conn: &mut SqliteConnection, key: i64, after: i64) -> Result<(i64, Option<i64>)> {
    let sql = format!(
        "SELECT COUNT(*), MAX(date_added_us) FROM (SELECT date_added_us FROM collection_entries \
         WHERE collection_key = ? AND date_added_us > ? ORDER BY date_added_us LIMIT {MAX_SCAN_PER_PAGE})"
    );
    let row: (i64, Option<i64>) =
        sqlx::query_as(sqlx::AssertSqlSafe(sql)).bind(key).bind(after).fetch_one(conn).await?;
    Ok(row)
}
