//! Apps.

use super::Store;
use crate::error::{Error, Result};
use crate::model::{App, AppKind};

const APP_COLUMNS: &str = "a.id, a.name, a.kind, a.status, a.created,
    (SELECT COUNT(*) FROM app_assignments x WHERE x.app_id = a.id) AS assigned_users,
    (SELECT COUNT(*) FROM import_queue q WHERE q.app_id = a.id) AS unconfirmed";

pub(crate) async fn insert_app(
    conn: &mut sqlx::SqliteConnection,
    id: &str,
    name: &str,
    kind: AppKind,
    now: super::Timestamp,
) -> Result<()> {
    sqlx::query("INSERT INTO apps (id, name, kind, created) VALUES (?, ?, ?, ?)")
        .bind(id)
        .bind(name)
        .bind(kind.as_str())
        .bind(super::stamp(now))
        .execute(&mut *conn)
        .await?;
    Ok(())
}

impl Store {
    /// Apps whose name contains `search` (case-insensitive), by name.
    pub async fn list_apps(&self, search: &str) -> Result<Vec<App>> {
        let pattern = format!("%{}%", escape_like(search.trim()));
        Ok(sqlx::query_as(&format!(
            "SELECT {APP_COLUMNS} FROM apps a WHERE lower(a.name) LIKE lower(?) ESCAPE '\\'
             ORDER BY lower(a.name), a.id"
        ))
        .bind(pattern)
        .fetch_all(&self.pool)
        .await?)
    }

    pub async fn get_app(&self, id: &str) -> Result<App> {
        sqlx::query_as(&format!("SELECT {APP_COLUMNS} FROM apps a WHERE a.id = ?"))
            .bind(id)
            .fetch_optional(&self.pool)
            .await?
            .ok_or_else(|| Error::NotFound(format!("app {id}")))
    }
}

/// Escapes `%`, `_` and `\` for a LIKE pattern with `ESCAPE '\'`.
pub(crate) fn escape_like(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        if matches!(c, '%' | '_' | '\\') {
            out.push('\\');
        }
        out.push(c);
    }
    out
}
