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
