//! A fresh, throwaway PostgreSQL database per test (cargo feature `conformance`).

use sqlx::{Connection, PgConnection};

use crate::error::Result;

/// Name prefix of test databases; only databases with it are ever dropped.
const PREFIX: &str = "selat_test_";

/// Test databases older than this are leftovers of a test that did not clean up (it panicked, or
/// was killed), and are dropped when the next one is created.
const LEFTOVER_AGE_S: u64 = 3_600;

/// A database created for one test, named `selat_test_<unix seconds>_<random>`.
///
/// Drop it with [`drop_database`](Self::drop_database) when the test is done; one that is not
/// dropped is removed by a later [`create`](Self::create) after an hour.
#[derive(Debug)]
pub struct PgTestDatabase {
    admin_url: String,
    name: String,
    url: String,
}

impl PgTestDatabase {
    /// Creates an empty database on the server of `admin_url` (a URL of any database there, as a
    /// role allowed to create databases), first dropping leftovers older than an hour.
    pub async fn create(admin_url: &str) -> Result<Self> {
        let mut admin = PgConnection::connect(admin_url).await?;
        drop_leftovers(&mut admin).await?;
        let name = format!("{PREFIX}{}_{}", unix_s(), uuid::Uuid::new_v4().simple());
        // The name is built here from digits and hex only: nothing to quote.
        let sql = format!("CREATE DATABASE {name}");
        sqlx::query(sqlx::AssertSqlSafe(sql)).execute(&mut admin).await?;
        admin.close().await?;
        let url = with_database(admin_url, &name);
        Ok(PgTestDatabase { admin_url: admin_url.to_owned(), name, url })
    }

    /// The URL of the new database.
    pub fn url(&self) -> &str {
        &self.url
    }

    /// The new database's name.
    pub fn name(&self) -> &str {
        &self.name
    }

    /// Drops the database, closing any connection still open to it.
    pub async fn drop_database(self) -> Result<()> {
        let mut admin = PgConnection::connect(&self.admin_url).await?;
        drop_named(&mut admin, &self.name).await?;
        admin.close().await?;
        Ok(())
    }
}

async fn drop_leftovers(admin: &mut PgConnection) -> Result<()> {
    let names: Vec<String> = sqlx::query_scalar("SELECT datname FROM pg_database WHERE datname LIKE $1")
        .bind(format!("{PREFIX}%"))
        .fetch_all(&mut *admin)
        .await?;
    let now = unix_s();
    for name in names {
        let created = name.strip_prefix(PREFIX).and_then(|rest| rest.split('_').next()?.parse::<u64>().ok());
        if created.is_some_and(|s| now.saturating_sub(s) > LEFTOVER_AGE_S) {
            drop_named(admin, &name).await?;
        }
    }
    Ok(())
}

async fn drop_named(admin: &mut PgConnection, name: &str) -> Result<()> {
    debug_assert!(name.starts_with(PREFIX) && name.bytes().all(|b| b == b'_' || b.is_ascii_alphanumeric()));
    let sql = format!("DROP DATABASE IF EXISTS {name} WITH (FORCE)");
    sqlx::query(sqlx::AssertSqlSafe(sql)).execute(admin).await?;
    Ok(())
}

/// `url` with its database replaced by `name`, keeping any query parameters.
fn with_database(url: &str, name: &str) -> String {
    let (base, params) = match url.split_once('?') {
        Some((base, params)) => (base, Some(params)),
        None => (url, None),
    };
    let authority_start = base.find("://").map_or(0, |i| i + 3);
    let server = match base[authority_start..].find('/') {
        Some(slash) => &base[..authority_start + slash],
        None => base,
    };
    match params {
        Some(params) => format!("{server}/{name}?{params}"),
        None => format!("{server}/{name}"),
    }
}

fn unix_s() -> u64 {
    let since = std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH);
    since.map_or(0, |d| d.as_secs())
}

#[cfg(test)]
mod tests {
    use super::with_database;

    #[test]
    fn the_database_of_a_url_is_replaced() {
        for (url, expected) in [
            ("postgres://postgres@127.0.0.1:5432/test", "postgres://postgres@127.0.0.1:5432/t1"),
            ("postgres://u:p@host/db?sslmode=disable", "postgres://u:p@host/t1?sslmode=disable"),
            ("postgres://host:5432", "postgres://host:5432/t1"),
            ("postgresql://host?user=x", "postgresql://host/t1?user=x"),
        ] {
            assert_eq!(with_database(url, "t1"), expected, "{url}");
        }
    }
}
