//! Small SQL-building pieces shared by the SQLite modules.

use sqlx::{QueryBuilder, Sqlite};

/// Bound parameters per statement. SQLite's limit (`SQLITE_MAX_VARIABLE_NUMBER`) is 32,766 since
/// 3.32; staying under it with a margin lets a statement add a few fixed parameters.
pub(super) const MAX_PARAMS: usize = 32_000;

/// Pushes `column IN (?, ?, …)` binding `values`. The caller keeps `values` non-empty and under
/// [`MAX_PARAMS`].
pub(super) fn push_in<T>(qb: &mut QueryBuilder<Sqlite>, column: &str, values: &[T])
where
    T: for<'q> sqlx::Encode<'q, Sqlite> + sqlx::Type<Sqlite> + Clone,
{
    debug_assert!(!values.is_empty() && values.len() < MAX_PARAMS);
    qb.push(column).push(" IN (");
    let mut list = qb.separated(", ");
    for value in values {
        list.push_bind(value.clone());
    }
    qb.push(")");
}

/// The 64-bit key of an id (FNV-1a), for the compact id indexes. Collisions only cost a look-up a
/// few extra rows: every query on it also compares the id itself.
pub(super) fn id_key(id: &str) -> i64 {
    let mut hash: u64 = 0xcbf2_9ce4_8422_2325;
    for byte in id.bytes() {
        hash ^= u64::from(byte);
        hash = hash.wrapping_mul(0x0100_0000_01b3);
    }
    hash as i64
}

/// Pushes `id_key IN (…) AND id IN (…)` for `ids` on a table alias prefix (`""` or `"e."`); the
/// caller keeps `ids` under half of [`MAX_PARAMS`].
pub(super) fn push_ids(qb: &mut QueryBuilder<Sqlite>, prefix: &str, ids: &[&str]) {
    let keys: Vec<i64> = ids.iter().map(|id| id_key(id)).collect();
    push_in(qb, &format!("{prefix}id_key"), &keys);
    qb.push(" AND ");
    push_in(qb, &format!("{prefix}id"), ids);
}
