//! API tokens: their hashes, who they act as, when they were last used.

use super::admins::admin_from_row;
use super::Store;
use crate::error::Result;
use crate::model::Admin;
use proto::console::ApiTokenView;
use sqlx::Row;

/// A token found by its value's hash.
pub struct TokenOwner {
    pub id: String,
    pub name: String,
    pub admin: Admin,
    pub last_used: Option<String>,
}

fn view(r: &sqlx::sqlite::SqliteRow) -> ApiTokenView {
    ApiTokenView {
        id: r.get("id"),
        name: r.get("name"),
        created_by: r.get("username"),
        created: r.get("created"),
        last_used: r.get("last_used"),
    }
}

impl Store {
    pub async fn insert_api_token(
        &self,
        id: &str,
        name: &str,
        hash: &str,
        admin_id: &str,
        now: super::Timestamp,
    ) -> Result<ApiTokenView> {
        sqlx::query(
            "INSERT INTO api_tokens (id, name, hash, admin_id, created) VALUES (?, ?, ?, ?, ?)",
        )
        .bind(id)
        .bind(name)
        .bind(hash)
        .bind(admin_id)
        .bind(super::stamp(now))
        .execute(&self.pool)
        .await?;
        self.api_token(id)
            .await?
            .map(|(token, _)| token)
            .ok_or_else(|| crate::Error::Internal(format!("API token {id} was not written")))
    }

    /// The token and the id of the admin it acts as.
    pub async fn api_token(&self, id: &str) -> Result<Option<(ApiTokenView, String)>> {
        let row = sqlx::query(
            "SELECT t.id, t.name, a.username, t.created, t.last_used, t.admin_id
             FROM api_tokens t JOIN admins a ON a.id = t.admin_id WHERE t.id = ?",
        )
        .bind(id)
        .fetch_optional(&self.pool)
        .await?;
        Ok(row.map(|r| (view(&r), r.get("admin_id"))))
    }

    /// Every token, newest first.
    pub async fn api_tokens(&self) -> Result<Vec<ApiTokenView>> {
        let rows = sqlx::query(
            "SELECT t.id, t.name, a.username, t.created, t.last_used
             FROM api_tokens t JOIN admins a ON a.id = t.admin_id ORDER BY t.created DESC, t.id",
        )
        .fetch_all(&self.pool)
        .await?;
        Ok(rows.iter().map(view).collect())
    }

    /// The token whose value hashes to `hash`, with the admin it acts as.
    pub async fn api_token_owner(&self, hash: &str) -> Result<Option<TokenOwner>> {
        let row = sqlx::query(
            "SELECT t.id AS token_id, t.name, t.last_used, a.id, a.username, a.role
             FROM api_tokens t JOIN admins a ON a.id = t.admin_id WHERE t.hash = ?",
        )
        .bind(hash)
        .fetch_optional(&self.pool)
        .await?;
        row.map(|r| {
            Ok(TokenOwner {
                id: r.get("token_id"),
                name: r.get("name"),
                admin: admin_from_row(&r)?,
                last_used: r.get("last_used"),
            })
        })
        .transpose()
    }

    pub async fn touch_api_token(&self, id: &str, now: super::Timestamp) -> Result<()> {
        sqlx::query("UPDATE api_tokens SET last_used = ? WHERE id = ?")
            .bind(super::stamp(now))
            .bind(id)
            .execute(&self.pool)
            .await?;
        Ok(())
    }

    /// Deletes the token; false when there was none.
    pub async fn delete_api_token(&self, id: &str) -> Result<bool> {
        let done = sqlx::query("DELETE FROM api_tokens WHERE id = ?")
            .bind(id)
            .execute(&self.pool)
            .await?;
        Ok(done.rows_affected() > 0)
    }
}
