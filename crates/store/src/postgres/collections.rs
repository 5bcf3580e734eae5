//! TAXII collections in PostgreSQL.

use sqlx::PgPool;

use crate::MAX_COLLECTIONS;
use crate::error::{Error, Result};
use crate::model::{Collection, NewCollection};
use crate::now_us;

type CollectionRow = (String, String, Option<String>, Option<String>, Vec<String>, i64);

pub(super) async fn create(pool: &PgPool, new: &NewCollection) -> Result<Collection> {
    uuid::Uuid::parse_str(&new.id).map_err(|_| Error::InvalidCollectionId(new.id.clone()))?;
    let created_us = now_us();
    let sql = "INSERT INTO collections (id, title, description, alias, media_types, created_us) \
               VALUES ($1, $2, $3, $4, $5, $6)";
    let inserted = sqlx::query(sql)
        .bind(&new.id)
        .bind(&new.title)
        .bind(&new.description)
        .bind(&new.alias)
        .bind(&new.media_types)
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

pub(super) async fn get(pool: &PgPool, id: &str) -> Result<Option<Collection>> {
    let sql = "SELECT id, title, description, alias, media_types, created_us FROM collections \
               WHERE id = $1";
    let row: Option<CollectionRow> = sqlx::query_as(sql).bind(id).fetch_optional(pool).await?;
    Ok(row.map(collection))
}

/// Every collection, by creation order; at most [`MAX_COLLECTIONS`].
pub(super) async fn list(pool: &PgPool) -> Result<Vec<Collection>> {
    let sql = "SELECT id, title, description, alias, media_types, created_us FROM collections \
               ORDER BY key LIMIT $1";
    let rows: Vec<CollectionRow> = sqlx::query_as(sql).bind(MAX_COLLECTIONS as i64).fetch_all(pool).await?;
    Ok(rows.into_iter().map(collection).collect())
}

fn collection(row: CollectionRow) -> Collection {
    let (id, title, description, alias, media_types, created_us) = row;
    Collection { id, title, description, alias, media_types, created_us }
}
