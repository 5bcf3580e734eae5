//! Look-ups in the observable index (value → the latest versions carrying it), through the
//! access rule.

use sqlx::PgPool;

use crate::error::Result;
use crate::model::{ObservableHit, ObservableQuery};

type HitRow = (String, String, String, String, String, Option<String>, Option<String>, bool, String);

/// For each value, the newest `limit` latest versions carrying it that the audience may see: one
/// statement, a bounded index range per value (`LATERAL … LIMIT`).
pub(super) async fn holders(pool: &PgPool, query: &ObservableQuery) -> Result<Vec<ObservableHit>> {
    query.check_limits()?;
    let mut values: Vec<&str> = query.values.iter().map(String::as_str).collect();
    values.sort_unstable();
    values.dedup();
    if values.is_empty() {
        return Ok(Vec::new());
    }
    let keys: Vec<i64> = values.iter().map(|v| crate::value_key(v)).collect();
    let labels = query.audience.labels().map(<[String]>::to_vec);
    let sql = "SELECT h.value, h.kind, v.id, v.owner, v.object_type, v.tlp, v.created_by_ref, v.revoked, v.json \
               FROM UNNEST($1::bigint[], $2::text[]) AS w(value_key, value) \
               CROSS JOIN LATERAL (SELECT o.value, o.kind, o.seq FROM observables AS o \
                   JOIN object_versions AS ov ON ov.seq = o.seq \
                   WHERE o.value_key = w.value_key AND o.value = w.value AND ov.is_latest \
                   AND ($3::text[] IS NULL OR EXISTS (SELECT 1 FROM object_labels AS ol \
                       WHERE ol.seq = o.seq AND ol.label = ANY($3))) \
                   ORDER BY o.seq DESC LIMIT $4) AS h \
               JOIN object_versions AS v ON v.seq = h.seq ORDER BY h.value, h.seq DESC";
    let rows: Vec<HitRow> = sqlx::query_as(sql)
        .bind(keys)
        .bind(values)
        .bind(labels)
        .bind(query.limit_applied() as i64)
        .fetch_all(pool)
        .await?;
    Ok(rows.into_iter().map(hit).collect())
}

fn hit(row: HitRow) -> ObservableHit {
    let (value, kind, id, owner, object_type, tlp, created_by_ref, revoked, json) = row;
    ObservableHit { value, kind, id, owner, object_type, tlp, created_by_ref, revoked, json }
}
