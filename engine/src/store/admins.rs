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

    pub async fn insert_session(&self, session: &NewSession<'_>) -> Result<()> {
        sqlx::query(
            "INSERT INTO admin_sessions (token_hash, id, admin_id, created, last_seen, expires, ip_address, user_agent)
             VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
        )
        .bind(session.token_hash)
        .bind(session.id)
        .bind(session.admin_id)
        .bind(super::stamp(session.now))
        .bind(super::stamp(session.now))
        .bind(super::stamp(session.expires))
        .bind(session.ip_address)
        .bind(session.user_agent)
        .execute(&self.pool)
        .await?;
        Ok(())
    }

    /// The admin of a session that has neither expired nor been idle since
    /// `idle_since`, and when it was last used.
    pub async fn session_admin(
        &self,
        token_hash: &str,
        now: super::Timestamp,
        idle_since: super::Timestamp,
    ) -> Result<Option<(Admin, String)>> {
        let row = sqlx::query(
            "SELECT a.id, a.username, a.role, s.last_seen FROM admin_sessions s JOIN admins a ON a.id = s.admin_id
             WHERE s.token_hash = ? AND s.expires > ? AND s.last_seen > ?",
        )
        .bind(token_hash)
        .bind(super::stamp(now))
        .bind(super::stamp(idle_since))
        .fetch_optional(&self.pool)
        .await?;
        row.map(|r| Ok((admin_from_row(&r)?, r.get("last_seen"))))
            .transpose()
    }

    /// Notes that a session was used now.
    pub async fn touch_session(&self, token_hash: &str, now: super::Timestamp) -> Result<()> {
        sqlx::query("UPDATE admin_sessions SET last_seen = ? WHERE token_hash = ?")
            .bind(super::stamp(now))
            .bind(token_hash)
            .execute(&self.pool)
            .await?;
        Ok(())
    }

    /// An admin's live sessions, the most recently used first.
    pub async fn admin_sessions(
        &self,
        admin_id: &str,
        now: super::Timestamp,
        idle_since: super::Timestamp,
    ) -> Result<Vec<SessionRow>> {
        let rows = sqlx::query(
            "SELECT id, token_hash, created, last_seen, expires, ip_address, user_agent FROM admin_sessions
             WHERE admin_id = ? AND expires > ? AND last_seen > ? ORDER BY last_seen DESC",
        )
        .bind(admin_id)
        .bind(super::stamp(now))
        .bind(super::stamp(idle_since))
        .fetch_all(&self.pool)
        .await?;
        Ok(rows
            .iter()
            .map(|r| SessionRow {
                id: r.get("id"),
                token_hash: r.get("token_hash"),
                created: r.get("created"),
                last_seen: r.get("last_seen"),
                expires: r.get("expires"),
                ip_address: r.get("ip_address"),
                user_agent: r.get("user_agent"),
            })
            .collect())
    }

    pub async fn delete_session(&self, token_hash: &str) -> Result<()> {
        sqlx::query("DELETE FROM admin_sessions WHERE token_hash = ?")
            .bind(token_hash)
            .execute(&self.pool)
            .await?;
        Ok(())
    }

    /// Ends an admin's session by its id; whether there was one.
    pub async fn delete_session_by_id(&self, admin_id: &str, id: &str) -> Result<bool> {
        let done = sqlx::query("DELETE FROM admin_sessions WHERE admin_id = ? AND id = ?")
            .bind(admin_id)
            .bind(id)
            .execute(&self.pool)
            .await?;
        Ok(done.rows_affected() > 0)
    }

    /// Ends every session of an admin but one; how many ended.
    pub async fn delete_other_sessions(&self, admin_id: &str, keep_hash: &str) -> Result<u64> {
        let done = sqlx::query("DELETE FROM admin_sessions WHERE admin_id = ? AND token_hash <> ?")
            .bind(admin_id)
            .bind(keep_hash)
            .execute(&self.pool)
            .await?;
        Ok(done.rows_affected())
    }

    /// Deletes sessions that expired or were idle too long; how many.
    pub async fn purge_sessions(
        &self,
        now: super::Timestamp,
        idle_since: super::Timestamp,
    ) -> Result<u64> {
        let done = sqlx::query("DELETE FROM admin_sessions WHERE expires <= ? OR last_seen <= ?")
            .bind(super::stamp(now))
            .bind(super::stamp(idle_since))
            .execute(&self.pool)
            .await?;
        Ok(done.rows_affected())
    }
}

/// A session about to be opened.
pub struct NewSession<'a> {
    pub token_hash: &'a str,
    pub id: &'a str,
    pub admin_id: &'a str,
    pub now: super::Timestamp,
    pub expires: super::Timestamp,
    pub ip_address: Option<&'a str>,
    pub user_agent: Option<&'a str>,
}

/// A stored session, as its admin sees it.
#[derive(Debug, Clone)]
pub struct SessionRow {
    pub id: String,
    pub token_hash: String,
    pub created: String,
    pub last_seen: String,
    pub expires: String,
    pub ip_address: Option<String>,
    pub user_agent: Option<String>,
}
