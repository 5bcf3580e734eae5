//! Look-ups in the observable index (value → the latest versions carrying it), through the
//! access rule.

use sqlx::{QueryBuilder, Sqlite, SqlitePool};

use super::sql::{MAX_PARAMS, push_in};
use crate::error::Result;
use crate::model::{ObservableHit, ObservableQuery};

/// Most values per statement: SQLite caps a compound `SELECT` at 500 terms.
const MAX_VALUES_PER_STATEMENT: usize = 200;

type HitRow = (String, String, String, String, String, Option<String>, Option<String>, bool, String);

/// For each value, the newest `limit` latest versions carrying it that the audience may see:
/// one bounded index range per value, `UNION ALL`-ed into one statement per chunk of values.
pub(super) async fn holders(pool: &SqlitePool, query: &ObservableQuery) -> Result<Vec<ObservableHit>> {
    query.check_limits()?;
    let labels = query.audience.labels();
    if labels.is_some_and(<[String]>::is_empty) {
        return Ok(Vec::new());
    }
    let mut values: Vec<&str> = query.values.iter().map(String::as_str).collect();
    values.sort_unstable();
    values.dedup();
    let per_value_params = 3 + labels.map_or(0, <[String]>::len);
    let chunk = (MAX_PARAMS / per_value_params).clamp(1, MAX_VALUES_PER_STATEMENT);
    let limit = query.limit_applied() as i64;
    let mut out = Vec::new();
    for values in values.chunks(chunk) {
        let mut qb: QueryBuilder<Sqlite> = QueryBuilder::new(
            "SELECT h.value, h.kind, v.id, v.owner, v.object_type, v.tlp, v.created_by_ref, v.revoked, v.json \
             FROM (",
        );
        for (i, value) in values.iter().enumerate() {
            if i > 0 {
                qb.push(" UNION ALL ");
            }
            qb.push(
                "SELECT * FROM (SELECT o.value, o.kind, o.seq FROM observables AS o INDEXED BY observables_value \
                 JOIN object_versions AS ov ON ov.seq = o.seq WHERE o.value_key = ",
            );
            qb.push_bind(crate::value_key(value)).push(" AND o.value = ").push_bind(*value);
            qb.push(" AND ov.is_latest = 1");
            if let Some(labels) = labels {
                qb.push(" AND EXISTS (SELECT 1 FROM object_labels AS ol WHERE ol.seq = o.seq AND ");
                push_in(&mut qb, "ol.label", labels);
                qb.push(")");
            }
            qb.push(format!(" ORDER BY o.seq DESC LIMIT {limit})"));
        }
        qb.push(") AS h JOIN object_versions AS v ON v.seq = h.seq ORDER BY h.value, h.seq DESC");
        let rows: Vec<HitRow> = qb.build_query_as().fetch_all(pool).await?;
        out.extend(rows.into_iter().map(hit));
    }
    Ok(out)
}

fn hit(row: HitRow) -> ObservableHit {
    let (value, kind, id, owner, object_type, tlp, created_by_ref, revoked, json) = row;
    ObservableHit { value, kind, id, owner, object_type, tlp, created_by_ref, revoked, json }
}
