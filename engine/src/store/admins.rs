//! Console administrators and their sessions.

use super::Store;
use crate::error::Result;
use crate::model::Admin;
use sqlx::Row;

/// An admin from a row with `id`, `username` and `role`.
pub(crate) fn admin_from_row(r: &sqlx::sqlite::SqliteRow) -> Result<Admin> {
    Ok(Admin::new(
        r.get("id"),
        r.get("username"),
        r.try_get("role")?,
    ))
}

impl Store {
    pub async fn count_admins(&self) -> Result<i64> {
        Ok(sqlx::query_scalar("SELECT COUNT(*) FROM admins")
            .fetch_one(&self.pool)
            .await?)
    }

    pub async fn insert_admin(
        &self,
        id: &str,
        username: &str,
        password_hash: &str,
        role: crate::model::AdminRole,
        now: super::Timestamp,
    ) -> Result<()> {
        sqlx::query("INSERT INTO admins (id, username, password_hash, role, created) VALUES (?, ?, ?, ?, ?)")
            .bind(id)
            .bind(username)
            .bind(password_hash)
            .bind(role.as_str())
            .bind(super::stamp(now))
            .execute(&self.pool)
            .await?;
        Ok(())
    }

    /// The admin and their password hash, by username (case-insensitive).
    pub async fn find_admin(&self, username: &str) -> Result<Option<(Admin, String)>> {
        let row =
            sqlx::query("SELECT id, username, role, password_hash FROM admins WHERE username = ?")
                .bind(username)
                .fetch_optional(&self.pool)
                .await?;
        row.map(|r| Ok((admin_from_row(&r)?, r.get("password_hash"))))
            .transpose()
    }

    pub async fn insert_session(
        &self,
        token_hash: &str,
        admin_id: &str,
        now: super::Timestamp,
        expires: super::Timestamp,
    ) -> Result<()> {
        sqlx::query("INSERT INTO admin_sessions (token_hash, admin_id, created, expires) VALUES (?, ?, ?, ?)")
            .bind(token_hash)
            .bind(admin_id)
            .bind(super::stamp(now))
            .bind(super::stamp(expires))
            .execute(&self.pool)
            .await?;
        Ok(())
    }

    /// The admin of an unexpired session.
    pub async fn session_admin(
        &self,
        token_hash: &str,
        now: super::Timestamp,
    ) -> Result<Option<Admin>> {
        let row = sqlx::query(
            "SELECT a.id, a.username, a.role FROM admin_sessions s JOIN admins a ON a.id = s.admin_id
             WHERE s.token_hash = ? AND s.expires > ?",
        )
        .bind(token_hash)
        .bind(super::stamp(now))
        .fetch_optional(&self.pool)
        .await?;
        row.as_ref().map(admin_from_row).transpose()
    }

    pub async fn delete_session(&self, token_hash: &str) -> Result<()> {
        sqlx::query("DELETE FROM admin_sessions WHERE token_hash = ?")
            .bind(token_hash)
            .execute(&self.pool)
            .await?;
        Ok(())
    }
}
