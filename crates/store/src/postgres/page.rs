//! TAXII collection pages in PostgreSQL.
//!
//! The same two plans as the SQLite backend, each a bounded amount of work whatever the collection
//! size:
//! - with an id filter, `collection_entries_object` finds the listed ids' entries, which are sorted
//!   by `date_added` (bounded by the versions of at most `MAX_FILTER_VALUES` ids);
//! - otherwise one range scan of the primary key from `added_after`, stopping after
//!   [`MAX_SCAN_PER_PAGE`] entries, with the filters applied to the scanned entries. A page whose
//!   scan stopped there says `more` and where to resume, even if the filters hid every entry.
//!
//! For a viewer, the third plan of the SQLite backend (see there): candidates from `entry_labels`,
//! one short range per label the viewer holds, then only those entries looked up and filtered.
//!
//! The statements of a page run in one `REPEATABLE READ` transaction, so they see one snapshot:
//! the count of scanned entries never includes an entry committed after the page was read.

use sqlx::{PgConnection, PgPool, Postgres, QueryBuilder};

use crate::MAX_SCAN_PER_PAGE;
use crate::error::Result;
use crate::model::{ManifestEntry, ObjectEntry, Page, PageQuery};
use crate::visibility::{Row, candidate_window, manifest_entries, object_entries, viewer_page};

pub(super) async fn objects(pool: &PgPool, key: i64, query: &PageQuery) -> Result<Page<ObjectEntry>> {
    Ok(object_entries(rows(pool, key, query, true).await?))
}

pub(super) async fn manifest(pool: &PgPool, key: i64, query: &PageQuery) -> Result<Page<ManifestEntry>> {
    Ok(manifest_entries(rows(pool, key, query, false).await?))
}

async fn rows(pool: &PgPool, key: i64, query: &PageQuery, with_json: bool) -> Result<Page<Row>> {
    query.check_limits()?;
    let limit = query.limit_applied();
    let after = query.added_after_us.unwrap_or(i64::MIN);
    // Generic plans: a page's statements are planned once per connection, not once per page with
    // the page's values (planning the viewer's statements took longer than running them). Their
    // shape already fixes the plan: one index range per label, one look-up per candidate.
    let mut tx = pool
        .begin_with("BEGIN ISOLATION LEVEL REPEATABLE READ, READ ONLY; SET LOCAL plan_cache_mode = force_generic_plan")
        .await?;
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
    conn: &mut PgConnection,
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
    // One index range per label (LATERAL), merged.
    let sql = "SELECT c.date_added_us FROM UNNEST($2::text[]) AS x(label), LATERAL \
               (SELECT date_added_us FROM entry_labels WHERE collection_key = $1 AND label = x.label \
                AND date_added_us > $3 ORDER BY date_added_us LIMIT $4) AS c \
               GROUP BY c.date_added_us ORDER BY c.date_added_us LIMIT $4";
    let candidates: Vec<i64> = sqlx::query_scalar(sql)
        .bind(key)
        .bind(labels)
        .bind(after)
        .bind(window as i64)
        .fetch_all(&mut *conn)
        .await?;
    // The rule rarely hides a candidate, so the first `limit + 1` candidates usually fill the
    // page: look those up first, and the rest of the window only when they did not.
    let mut entries: Vec<Row> = Vec::new();
    let (first, rest) = candidates.split_at(candidates.len().min(limit + 1));
    for chunk in [first, rest] {
        if chunk.is_empty() || entries.len() > limit {
            break;
        }
        let fetch = limit + 1 - entries.len();
        entries.append(&mut candidate_rows(conn, key, query, labels, with_json, chunk, fetch).await?);
    }
    Ok(viewer_page(entries, limit, |e| e.0, &candidates, window))
}

/// The entries among `candidates` that pass the filters and the rest of the rule, in `date_added`
/// order, at most `fetch` of them.
async fn candidate_rows(
    conn: &mut PgConnection,
    key: i64,
    query: &PageQuery,
    labels: &[String],
    with_json: bool,
    candidates: &[i64],
    fetch: usize,
) -> Result<Vec<Row>> {
    // One primary-key look-up per candidate, in a LATERAL subquery that the planner cannot turn
    // into a scan of the collection in `date_added` order (PostgreSQL 15 chooses that for
    // `date_added_us = ANY(…) ORDER BY date_added_us` and reads half the collection to find a
    // page); the JSON is read only for the rows of the page.
    let json = if with_json { "(SELECT json FROM object_versions WHERE seq = p.seq)" } else { "NULL::text" };
    let mut qb = QueryBuilder::new(format!(
        "SELECT p.date_added_us, p.id, p.version_us, p.spec_version, {json}, p.tlp, p.owner FROM \
         (SELECT r.* FROM UNNEST("
    ));
    qb.push_bind(candidates.to_vec()).push(
        "::bigint[]) AS c(date_added_us), LATERAL \
         (SELECT e.date_added_us, e.id, e.version_us, e.spec_version, e.seq, v.tlp, v.owner \
         FROM collection_entries AS e JOIN object_versions AS v ON v.seq = e.seq \
         WHERE e.collection_key = ",
    );
    qb.push_bind(key).push(" AND e.date_added_us = c.date_added_us");
    push_filters(&mut qb, query);
    push_rest_of_rule(&mut qb, labels);
    qb.push(" LIMIT 1) AS r ORDER BY r.date_added_us LIMIT ").push_bind(fetch as i64);
    qb.push(") AS p ORDER BY p.date_added_us");
    Ok(qb.build_query_as().fetch_all(&mut *conn).await?)
}

/// The page statement: entries of one collection after `added_after`, filtered, in `date_added`
/// order, at most `fetch` of them.
fn select(key: i64, query: &PageQuery, with_json: bool, fetch: usize) -> QueryBuilder<Postgres> {
    let after = query.added_after_us.unwrap_or(i64::MIN);
    let json = if with_json { "v.json" } else { "NULL::text" };
    let joined = with_json || query.audience.labels().is_some();
    let tlp = if joined { "v.tlp, v.owner" } else { "NULL::text, NULL::text" };
    let mut qb = QueryBuilder::new(format!(
        "SELECT e.date_added_us, e.id, e.version_us, e.spec_version, {json}, {tlp} FROM "
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
        qb.push("collection_entries AS e");
    }
    let labels = query.audience.labels();
    if joined {
        qb.push(" JOIN object_versions AS v ON v.seq = e.seq");
    }
    qb.push(" WHERE e.collection_key = ").push_bind(key);
    qb.push(" AND e.date_added_us > ").push_bind(after);
    push_filters(&mut qb, query);
    if let Some(labels) = labels {
        qb.push(" AND EXISTS (SELECT 1 FROM object_labels AS ol WHERE ol.seq = e.seq AND ol.label = ANY(")
            .push_bind(labels.to_vec())
            .push("))");
        push_rest_of_rule(&mut qb, labels);
    }
    qb.push(" ORDER BY e.date_added_us LIMIT ").push_bind(fetch as i64);
    qb
}

fn push_filters(qb: &mut QueryBuilder<Postgres>, query: &PageQuery) {
    for (column, values) in
        [("e.id", &query.ids), ("e.object_type", &query.types), ("e.spec_version", &query.spec_versions)]
    {
        if !values.is_empty() {
            qb.push(format_args!(" AND {column} = ANY(")).push_bind(values.clone()).push(")");
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
    for (wanted, flag, later) in [(versions.last, "e.is_last", true), (versions.first, "e.is_first", false)] {
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
        qb.push(or).push("e.version_us = ANY(").push_bind(versions.at_us.clone()).push(")");
    }
    qb.push(")");
}

/// No entry of the same object in the collection with a later (`later`) or earlier version that
/// a viewer holding `labels` may see.
fn push_no_visible_neighbour(qb: &mut QueryBuilder<Postgres>, later: bool, labels: &[String]) {
    let op = if later { ">" } else { "<" };
    qb.push(format!(
        "NOT EXISTS (SELECT 1 FROM collection_entries AS n JOIN object_versions AS nv ON nv.seq = n.seq \
         WHERE n.collection_key = e.collection_key AND n.id = e.id AND n.version_us {op} e.version_us \
         AND EXISTS (SELECT 1 FROM object_labels AS nl WHERE nl.seq = n.seq AND nl.label = ANY("
    ));
    qb.push_bind(labels.to_vec()).push(")) AND ");
    push_latest_visible(qb, "nv", labels);
    qb.push(")");
}

/// The access rule's checks beyond the entry's own labels, on `e` (the entry) and `v` (its
/// version): the latest version of the same `(id, owner)` must carry one of `labels` too, and an
/// observable another owner also holds is shown once per `(id, version)`, at the first copy the
/// viewer may see.
fn push_rest_of_rule(qb: &mut QueryBuilder<Postgres>, labels: &[String]) {
    qb.push(" AND ");
    push_latest_visible(qb, "v", labels);
    qb.push(
        " AND NOT (v.is_sco AND EXISTS (SELECT 1 FROM collection_entries AS e2 \
         JOIN object_versions AS v2 ON v2.seq = e2.seq \
         WHERE e2.collection_key = e.collection_key AND e2.id = e.id \
         AND e2.version_us = e.version_us AND e2.date_added_us < e.date_added_us \
         AND EXISTS (SELECT 1 FROM object_labels AS l2 WHERE l2.seq = v2.seq AND l2.label = ANY(",
    );
    qb.push_bind(labels.to_vec()).push(")) AND ");
    push_latest_visible(qb, "v2", labels);
    qb.push("))");
}

/// `version` (an alias of `object_versions`) is the latest of its `(id, owner)`, or that latest
/// version carries one of `labels`.
pub(super) fn push_latest_visible(qb: &mut QueryBuilder<Postgres>, version: &str, labels: &[String]) {
    qb.push(format!(
        "({version}.is_latest OR EXISTS (SELECT 1 FROM object_versions AS lv \
         JOIN object_labels AS ll ON ll.seq = lv.seq \
         WHERE lv.id = {version}.id AND lv.owner = {version}.owner AND lv.is_latest AND ll.label = ANY("
    ));
    qb.push_bind(labels.to_vec()).push(")))");
}

/// How many entries the bounded scan from `after` covers, and the last one's `date_added`.
async fn scanned(conn: &mut PgConnection, key: i64, after: i64) -> Result<(i64, Option<i64>)> {
    let sql = "SELECT COUNT(*), MAX(date_added_us) FROM (SELECT date_added_us FROM collection_entries \
               WHERE collection_key = $1 AND date_added_us > $2 ORDER BY date_added_us LIMIT $3) AS s";
    let row: (i64, Option<i64>) =
        sqlx::query_as(sql).bind(key).bind(after).bind(MAX_SCAN_PER_PAGE as i64).fetch_one(conn).await?;
    Ok(row)
}
