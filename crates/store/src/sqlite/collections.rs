//! TAXII collections in SQLite.

use sqlx::SqlitePool;

use crate::MAX_COLLECTIONS;
use crate::error::{Error, Result};
use crate::model::{Collection, NewCollection};
use crate::now_us;

type CollectionRow = (String, String, Option<String>, Option<String>, String, i64);

const COLUMNS: &str = "id, title, description, alias, media_types, created_us";

pub(super) async fn create(pool: &SqlitePool, new: &NewCollection) -> Result<Collection> {
    uuid::Uuid::parse_str(&new.id).map_err(|_| Error::InvalidCollectionId(new.id.clone()))?;
    let media_types = encode_media_types(&new.media_types);
    let created_us = now_us();
    let sql = "INSERT INTO collections (id, title, description, alias, media_types, created_us) \
               VALUES (?, ?, ?, ?, ?, ?)";
    let inserted = sqlx::query(sql)
        .bind(&new.id)
        .bind(&new.title)
        .bind(&new.description)
        .bind(&new.alias)
        .bind(media_types)
        .bind(created_us)
        .execute(pool)
        .await;
    match inserted {
        Ok(_) => Ok(Collection {
            id: new.id.clone(),
            title: new.title.clone(),
            description: new.description.clone(),
            alias: new.alias.clone(),
            media_types: new.media_types.clone(),
            created_us,
        }),
        Err(sqlx::Error::Database(e)) if e.is_unique_violation() => {
            Err(Error::CollectionExists(new.id.clone()))
        }
        Err(e) => Err(e.into()),
    }
}

pub(super) async fn get(pool: &SqlitePool, id: &str) -> Result<Option<Collection>> {
    let sql = format!("SELECT {COLUMNS} FROM collections WHERE id = ?");
    let row: Option<CollectionRow> =
        sqlx::query_as(sqlx::AssertSqlSafe(sql)).bind(id).fetch_optional(pool).await?;
    Ok(row.map(collection))
}

/// Every collection, by creation order; at most [`MAX_COLLECTIONS`].
pub(super) async fn list(pool: &SqlitePool) -> Result<Vec<Collection>> {
    let sql = format!("SELECT {COLUMNS} FROM collections ORDER BY key LIMIT {MAX_COLLECTIONS}");
    let rows: Vec<CollectionRow> = sqlx::query_as(sqlx::AssertSqlSafe(sql)).fetch_all(pool).await?;
    Ok(rows.into_iter().map(collection).collect())
}

fn collection(row: CollectionRow) -> Collection {
    let (id, title, description, alias, media_types, created_us) = row;
    Collection { id, title, description, alias, media_types: decode_media_types(&media_types), created_us }
}

/// Media types are kept as a JSON array of strings.
fn encode_media_types(media_types: &[String]) -> String {
    serde_json::Value::from(media_types.to_vec()).to_string()
}

fn decode_media_types(text: &str) -> Vec<String> {
    // Only this module writes the column, so anything unreadable is damage; an empty list lets
    // the collection still be listed and served.
    serde_json::from_str(text).unwrap_or_default()
}
