//! Which schema migrations a store applied when it was opened (`selat migrate` prints them).

use std::collections::HashSet;

use sqlx::migrate::Migrator;

/// A schema migration applied when the store was opened.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AppliedMigration {
    /// The migration's number, e.g. 2 for `0002_directory.sql`.
    pub version: i64,
    /// Its name, e.g. `directory`.
    pub description: String,
}

/// The migrations of `migrator` that are not in `before` (the versions applied already).
pub(crate) fn newly_applied(migrator: &Migrator, before: &HashSet<i64>) -> Vec<AppliedMigration> {
    migrator
        .iter()
        .filter(|m| m.migration_type.is_up_migration() && !before.contains(&m.version))
        .map(|m| AppliedMigration { version: m.version, description: m.description.to_string() })
        .collect()
}
