//! [`Directory`] on SQLite. Writes go through the single writer connection, reads through the
//! read-only pool, as everywhere in this backend.

use super::SqliteStore;
use crate::directory::{Directory, OrganisationRow, SharingGroupRow, StatusRow, TokenRow, UserRow};
use crate::error::Result;

// Column lists as macros, so each statement stays one `&'static str` (sqlx audits dynamic SQL).
macro_rules! org_columns {
    () => {
        "short_name, name, kind, parent, identity, member_since, created_us"
    };
}
macro_rules! user_columns {
    () => {
        "username, org, role, password_hash, failed_logins, locked_until_us, totp_secret, created_us, disabled"
    };
}
macro_rules! token_columns {
    () => {
        "id, org, role, username, label, secret_sha256, created_us, expires_us, revoked_us"
    };
}
macro_rules! status_columns {
    () => {
        "id, collection_id, owner, request_us, updated_us, complete, resource, request"
    };
}

impl Directory for SqliteStore {
    async fn create_organisation(&self, org: &OrganisationRow) -> Result<()> {
        sqlx::query(concat!("INSERT INTO organisations (", org_columns!(), ") VALUES (?, ?, ?, ?, ?, ?, ?)"))
            .bind(&org.short_name)
            .bind(&org.name)
            .bind(&org.kind)
            .bind(&org.parent)
            .bind(&org.identity)
            .bind(&org.member_since)
            .bind(org.created_us)
            .execute(&self.writer)
            .await?;
        Ok(())
    }

    async fn organisation(&self, short_name: &str) -> Result<Option<OrganisationRow>> {
        let sql = concat!("SELECT ", org_columns!(), " FROM organisations WHERE short_name = ?");
        Ok(sqlx::query_as(sql).bind(short_name).fetch_optional(&self.reader).await?)
    }

    async fn organisations(&self) -> Result<Vec<OrganisationRow>> {
        let sql = concat!("SELECT ", org_columns!(), " FROM organisations ORDER BY short_name");
        Ok(sqlx::query_as(sql).fetch_all(&self.reader).await?)
    }

    async fn create_user(&self, user: &UserRow) -> Result<()> {
        sqlx::query(concat!("INSERT INTO users (", user_columns!(), ") VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)"))
            .bind(&user.username)
            .bind(&user.org)
            .bind(&user.role)
            .bind(&user.password_hash)
            .bind(user.failed_logins)
            .bind(user.locked_until_us)
            .bind(&user.totp_secret)
            .bind(user.created_us)
            .bind(user.disabled)
            .execute(&self.writer)
            .await?;
        Ok(())
    }

    async fn user(&self, username: &str) -> Result<Option<UserRow>> {
        let sql = concat!("SELECT ", user_columns!(), " FROM users WHERE username = ?");
        // The writer sees its own latest lock-out bookkeeping; a reader could lag by a commit.
        Ok(sqlx::query_as(sql).bind(username).fetch_optional(&self.writer).await?)
    }

    async fn users(&self, org: Option<&str>) -> Result<Vec<UserRow>> {
        let sql =
            concat!("SELECT ", user_columns!(), " FROM users WHERE ?1 IS NULL OR org = ?1 ORDER BY username");
        Ok(sqlx::query_as(sql).bind(org).fetch_all(&self.reader).await?)
    }

    async fn record_login(&self, username: &str, success: bool, locked_until_us: Option<i64>) -> Result<()> {
        let sql = if success {
            "UPDATE users SET failed_logins = 0, locked_until_us = NULL WHERE username = ?1"
        } else {
            "UPDATE users SET failed_logins = failed_logins + 1, \
             locked_until_us = COALESCE(?2, locked_until_us) WHERE username = ?1"
        };
        sqlx::query(sql).bind(username).bind(locked_until_us).execute(&self.writer).await?;
        Ok(())
    }

    async fn set_totp_secret(&self, username: &str, secret: Option<&str>) -> Result<bool> {
        let sql = "UPDATE users SET totp_secret = ? WHERE username = ?";
        let done = sqlx::query(sql).bind(secret).bind(username).execute(&self.writer).await?;
        Ok(done.rows_affected() == 1)
    }

    async fn set_password(&self, username: &str, password_hash: &str) -> Result<bool> {
        let sql = "UPDATE users SET password_hash = ?, failed_logins = 0, locked_until_us = NULL WHERE username = ?";
        let done = sqlx::query(sql).bind(password_hash).bind(username).execute(&self.writer).await?;
        Ok(done.rows_affected() == 1)
    }

    async fn create_token(&self, token: &TokenRow) -> Result<()> {
        sqlx::query(concat!(
            "INSERT INTO api_tokens (",
            token_columns!(),
            ") VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)"
        ))
        .bind(&token.id)
        .bind(&token.org)
        .bind(&token.role)
        .bind(&token.username)
        .bind(&token.label)
        .bind(&token.secret_sha256)
        .bind(token.created_us)
        .bind(token.expires_us)
        .bind(token.revoked_us)
        .execute(&self.writer)
        .await?;
        Ok(())
    }

    async fn token(&self, id: &str) -> Result<Option<TokenRow>> {
        let sql = concat!("SELECT ", token_columns!(), " FROM api_tokens WHERE id = ?");
        // A reader runs each query in a fresh snapshot, so a revocation committed before this
        // request is seen; reading here keeps authentication off the single writer connection.
        Ok(sqlx::query_as(sql).bind(id).fetch_optional(&self.reader).await?)
    }

    async fn tokens(&self, org: Option<&str>) -> Result<Vec<TokenRow>> {
        let sql = concat!(
            "SELECT ",
            token_columns!(),
            " FROM api_tokens WHERE ?1 IS NULL OR org = ?1 ORDER BY created_us, id"
        );
        Ok(sqlx::query_as(sql).bind(org).fetch_all(&self.reader).await?)
    }

    async fn revoke_token(&self, id: &str, now_us: i64) -> Result<bool> {
        let sql = "UPDATE api_tokens SET revoked_us = ? WHERE id = ? AND revoked_us IS NULL";
        let done = sqlx::query(sql).bind(now_us).bind(id).execute(&self.writer).await?;
        Ok(done.rows_affected() == 1)
    }

    async fn create_status(&self, status: &StatusRow) -> Result<()> {
        sqlx::query(concat!(
            "INSERT INTO taxii_statuses (",
            status_columns!(),
            ") VALUES (?, ?, ?, ?, ?, ?, ?, ?)"
        ))
        .bind(&status.id)
        .bind(&status.collection_id)
        .bind(&status.owner)
        .bind(status.request_us)
        .bind(status.updated_us)
        .bind(status.complete)
        .bind(&status.resource)
        .bind(&status.request)
        .execute(&self.writer)
        .await?;
        Ok(())
    }

    async fn status(&self, id: &str) -> Result<Option<StatusRow>> {
        let sql = "SELECT id, collection_id, owner, request_us, updated_us, complete, resource, NULL AS request \
                   FROM taxii_statuses WHERE id = ?";
        Ok(sqlx::query_as(sql).bind(id).fetch_optional(&self.writer).await?)
    }

    async fn pending_statuses(&self) -> Result<Vec<StatusRow>> {
        let sql = concat!(
            "SELECT ",
            status_columns!(),
            " FROM taxii_statuses INDEXED BY taxii_statuses_pending \
             WHERE complete = 0 ORDER BY request_us"
        );
        Ok(sqlx::query_as(sql).fetch_all(&self.writer).await?)
    }

    async fn update_status(&self, id: &str, resource: &str, complete: bool, now_us: i64) -> Result<()> {
        let sql = "UPDATE taxii_statuses SET resource = ?, complete = ?, updated_us = ?, \
                   request = CASE WHEN ? THEN NULL ELSE request END WHERE id = ?";
        sqlx::query(sql)
            .bind(resource)
            .bind(complete)
            .bind(now_us)
            .bind(complete)
            .bind(id)
            .execute(&self.writer)
            .await?;
        Ok(())
    }

    async fn purge_statuses(&self, before_us: i64) -> Result<u64> {
        let sql = "DELETE FROM taxii_statuses WHERE complete = 1 AND updated_us < ?";
        Ok(sqlx::query(sql).bind(before_us).execute(&self.writer).await?.rows_affected())
    }

    async fn create_sharing_group(&self, group: &SharingGroupRow) -> Result<()> {
        let mut tx = self.writer.begin_with("BEGIN IMMEDIATE").await?;
        let sql = "INSERT INTO sharing_groups (id, name, description, owner, created_us, modified_us) \
                   VALUES (?, ?, ?, ?, ?, ?)";
        sqlx::query(sql)
            .bind(&group.id)
            .bind(&group.name)
            .bind(&group.description)
            .bind(&group.owner)
            .bind(group.created_us)
            .bind(group.modified_us)
            .execute(&mut *tx)
            .await?;
        for member in &group.members {
            sqlx::query("INSERT INTO sharing_group_members (group_id, member) VALUES (?, ?)")
                .bind(&group.id)
                .bind(member)
                .execute(&mut *tx)
                .await?;
        }
        tx.commit().await?;
        Ok(())
    }

    async fn sharing_group(&self, id: &str) -> Result<Option<SharingGroupRow>> {
        let sql =
            "SELECT id, name, description, owner, created_us, modified_us FROM sharing_groups WHERE id = ?";
        let Some(row) = sqlx::query_as::<_, GroupColumns>(sql).bind(id).fetch_optional(&self.reader).await?
        else {
            return Ok(None);
        };
        let members = group_members(&self.reader, id).await?;
        Ok(Some(row.with_members(members)))
    }

    async fn sharing_groups(&self) -> Result<Vec<SharingGroupRow>> {
        let sql = "SELECT id, name, description, owner, created_us, modified_us FROM sharing_groups ORDER BY name, id";
        let rows: Vec<GroupColumns> = sqlx::query_as(sql).fetch_all(&self.reader).await?;
        let mut groups = Vec::with_capacity(rows.len());
        for row in rows {
            let members = group_members(&self.reader, &row.0).await?;
            groups.push(row.with_members(members));
        }
        Ok(groups)
    }

    async fn set_sharing_group_members(&self, id: &str, members: &[String], now_us: i64) -> Result<bool> {
        let mut tx = self.writer.begin_with("BEGIN IMMEDIATE").await?;
        let updated = sqlx::query("UPDATE sharing_groups SET modified_us = ? WHERE id = ?")
            .bind(now_us)
            .bind(id)
            .execute(&mut *tx)
            .await?;
        if updated.rows_affected() == 0 {
            return Ok(false);
        }
        sqlx::query("DELETE FROM sharing_group_members WHERE group_id = ?")
            .bind(id)
            .execute(&mut *tx)
            .await?;
        for member in members {
            sqlx::query(
                "INSERT INTO sharing_group_members (group_id, member) VALUES (?, ?) ON CONFLICT DO NOTHING",
            )
            .bind(id)
            .bind(member)
            .execute(&mut *tx)
            .await?;
        }
        tx.commit().await?;
        Ok(true)
    }

    async fn sharing_groups_of(&self, member: &str) -> Result<Vec<String>> {
        let sql = "SELECT group_id FROM sharing_group_members WHERE member = ? ORDER BY group_id";
        Ok(sqlx::query_scalar(sql).bind(member).fetch_all(&self.reader).await?)
    }

    async fn setting(&self, key: &str) -> Result<Option<Vec<u8>>> {
        Ok(sqlx::query_scalar("SELECT value FROM settings WHERE key = ?")
            .bind(key)
            .fetch_optional(&self.reader)
            .await?)
    }

    async fn settings(&self) -> Result<Vec<(String, Vec<u8>)>> {
        Ok(sqlx::query_as("SELECT key, value FROM settings ORDER BY key").fetch_all(&self.reader).await?)
    }

    async fn setting_or_insert(&self, key: &str, value: &[u8]) -> Result<Vec<u8>> {
        sqlx::query("INSERT INTO settings (key, value) VALUES (?, ?) ON CONFLICT (key) DO NOTHING")
            .bind(key)
            .bind(value)
            .execute(&self.writer)
            .await?;
        Ok(sqlx::query_scalar("SELECT value FROM settings WHERE key = ?")
            .bind(key)
            .fetch_one(&self.writer)
            .await?)
    }
}

/// A `sharing_groups` row without its members.
#[derive(sqlx::FromRow)]
struct GroupColumns(String, String, Option<String>, String, i64, i64);

impl GroupColumns {
    fn with_members(self, members: Vec<String>) -> SharingGroupRow {
        let GroupColumns(id, name, description, owner, created_us, modified_us) = self;
        SharingGroupRow { id, name, description, owner, members, created_us, modified_us }
    }
}

async fn group_members(pool: &sqlx::SqlitePool, id: &str) -> Result<Vec<String>> {
    let sql = "SELECT member FROM sharing_group_members WHERE group_id = ? ORDER BY member";
    Ok(sqlx::query_scalar(sql).bind(id).fetch_all(pool).await?)
}
