//! Apps.

use super::sqlite::INSERTION_ORDER;
use super::Store;
use crate::error::{Error, Result};
use crate::model::{App, AppKind, AppStatus};
use crate::settings::{AppSettings, SectionVersions};
use sqlx::{Row, SqliteConnection};

const APP_COLUMNS: &str = "a.id, a.name, a.kind, a.status, a.created,
    (SELECT COUNT(*) FROM app_assignments x WHERE x.app_id = a.id) AS assigned_users,
    (SELECT COUNT(*) FROM import_queue q WHERE q.app_id = a.id) AS unconfirmed,
    (SELECT COUNT(*) FROM app_users au WHERE au.app_id = a.id) AS accounts";

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

/// The app of another id whose name is `name` regardless of case, if any.
pub(crate) async fn app_named(
    conn: &mut SqliteConnection,
    name: &str,
    except_id: Option<&str>,
) -> Result<Option<App>> {
    Ok(sqlx::query_as(&format!(
        "SELECT {APP_COLUMNS} FROM apps a WHERE lower(a.name) = lower(?) AND a.id <> ? LIMIT 1"
    ))
    .bind(name)
    .bind(except_id.unwrap_or_default())
    .fetch_optional(&mut *conn)
    .await?)
}

pub(crate) async fn get_app_in(conn: &mut SqliteConnection, id: &str) -> Result<App> {
    sqlx::query_as(&format!("SELECT {APP_COLUMNS} FROM apps a WHERE a.id = ?"))
        .bind(id)
        .fetch_optional(&mut *conn)
        .await?
        .ok_or_else(|| Error::NotFound(format!("app {id}")))
}

pub(crate) async fn rename_app(conn: &mut SqliteConnection, id: &str, name: &str) -> Result<()> {
    sqlx::query("UPDATE apps SET name = ? WHERE id = ?")
        .bind(name)
        .bind(id)
        .execute(&mut *conn)
        .await?;
    Ok(())
}

pub(crate) async fn set_app_status(
    conn: &mut SqliteConnection,
    id: &str,
    status: AppStatus,
) -> Result<()> {
    sqlx::query("UPDATE apps SET status = ? WHERE id = ?")
        .bind(status.as_str())
        .bind(id)
        .execute(&mut *conn)
        .await?;
    Ok(())
}

/// Deletes an app with everything that is only its own: its accounts (app
/// users), assignments, uploads, runs, queue and connection. The people
/// stay; those it sourced are sourced by no app from now on. Returns the
/// paths of its uploaded files, for the caller to remove once committed.
pub(crate) async fn delete_app(conn: &mut SqliteConnection, id: &str) -> Result<Vec<String>> {
    let files: Vec<String> = sqlx::query_scalar("SELECT path FROM uploads WHERE app_id = ?")
        .bind(id)
        .fetch_all(&mut *conn)
        .await?;
    sqlx::query("UPDATE users SET source_app_id = NULL WHERE source_app_id = ?")
        .bind(id)
        .execute(&mut *conn)
        .await?;
    sqlx::query("DELETE FROM apps WHERE id = ?")
        .bind(id)
        .execute(&mut *conn)
        .await?;
    Ok(files)
}

/// An app's To Muster settings and each section's version.
pub(crate) async fn settings_and_versions(
    conn: &mut SqliteConnection,
    app_id: &str,
) -> Result<(AppSettings, SectionVersions)> {
    let row = sqlx::query("SELECT settings, settings_versions FROM apps WHERE id = ?")
        .bind(app_id)
        .fetch_optional(&mut *conn)
        .await?
        .ok_or_else(|| Error::NotFound(format!("app {app_id}")))?;
    let settings = crate::settings::from_json(&row.get::<String, _>("settings"))?;
    let versions = serde_json::from_str(&row.get::<String, _>("settings_versions"))
        .map_err(|e| Error::Internal(format!("the settings versions of app {app_id}: {e}")))?;
    Ok((settings, versions))
}

pub(crate) async fn save_settings_versions(
    conn: &mut SqliteConnection,
    app_id: &str,
    versions: &SectionVersions,
) -> Result<()> {
    sqlx::query("UPDATE apps SET settings_versions = ? WHERE id = ?")
        .bind(serde_json::to_string(versions).unwrap_or_else(|_| "{}".into()))
        .bind(app_id)
        .execute(&mut *conn)
        .await?;
    Ok(())
}

/// The attributes the app's source is known to have, and where that is
/// known from: a SCIM app's imported user schema, else the columns of the
/// file the app's newest import read. `None` before either.
pub(crate) async fn known_attributes(
    conn: &mut SqliteConnection,
    app_id: &str,
) -> Result<Option<(Vec<String>, &'static str)>> {
    if let Some(schema) = super::sources::user_schema(conn, app_id).await? {
        return Ok(Some((schema, "the app's user schema")));
    }
    let columns: Option<String> = sqlx::query_scalar(&format!(
        "SELECT u.columns FROM import_runs r JOIN uploads u ON u.id = r.upload_id
         WHERE r.app_id = ? ORDER BY r.created DESC, r.{INSERTION_ORDER} DESC LIMIT 1"
    ))
    .bind(app_id)
    .fetch_optional(&mut *conn)
    .await?;
    Ok(columns
        .and_then(|c| serde_json::from_str(&c).ok())
        .map(|c| (c, "the last import")))
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
