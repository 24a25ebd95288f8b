//! Sources' connection settings and watermarks.

use super::Store;
use crate::error::Result;
use sqlx::{Row, SqliteConnection};

impl Store {
    /// An app's connection settings, without its secrets.
    pub async fn connection_settings(&self, app_id: &str) -> Result<serde_json::Value> {
        Ok(self.connection(app_id).await?.0)
    }

    /// An app's connection settings and secrets, for opening its source.
    pub(crate) async fn connection(
        &self,
        app_id: &str,
    ) -> Result<(serde_json::Value, Option<String>)> {
        let row = sqlx::query("SELECT settings, secrets FROM app_connections WHERE app_id = ?")
            .bind(app_id)
            .fetch_optional(&self.pool)
            .await?;
        match row {
            None => Ok((serde_json::json!({}), None)),
            Some(r) => {
                let settings: String = r.get("settings");
                let settings = serde_json::from_str(&settings).map_err(|e| {
                    crate::Error::Internal(format!(
                        "the stored connection of app {app_id} is not JSON: {e}"
                    ))
                })?;
                Ok((settings, r.get("secrets")))
            }
        }
    }

    /// Where the app's next incremental import starts, if a run left one.
    pub async fn watermark(&self, app_id: &str) -> Result<Option<String>> {
        Ok(
            sqlx::query_scalar("SELECT watermark FROM source_watermarks WHERE app_id = ?")
                .bind(app_id)
                .fetch_optional(&self.pool)
                .await?,
        )
    }
}

/// Saves an app's connection settings; its secrets too when given (they are
/// write-only: `None` keeps the stored ones).
pub(crate) async fn save_connection(
    conn: &mut SqliteConnection,
    app_id: &str,
    settings: &serde_json::Value,
    secrets: Option<&str>,
    now: super::Timestamp,
) -> Result<()> {
    sqlx::query(
        "INSERT INTO app_connections (app_id, settings, secrets, updated) VALUES (?, ?, ?, ?)
         ON CONFLICT (app_id) DO UPDATE SET settings = excluded.settings,
             secrets = COALESCE(excluded.secrets, app_connections.secrets), updated = excluded.updated",
    )
    .bind(app_id)
    .bind(settings.to_string())
    .bind(secrets)
    .bind(super::stamp(now))
    .execute(&mut *conn)
    .await?;
    Ok(())
}

/// Stores the user attributes Import User Schema read from a SCIM app
/// (on its saved connection).
pub(crate) async fn save_user_schema(
    conn: &mut SqliteConnection,
    app_id: &str,
    attributes: &[String],
) -> Result<()> {
    let schema = serde_json::to_string(attributes)
        .map_err(|e| crate::Error::Internal(format!("user schema: {e}")))?;
    sqlx::query("UPDATE app_connections SET user_schema = ? WHERE app_id = ?")
        .bind(schema)
        .bind(app_id)
        .execute(&mut *conn)
        .await?;
    Ok(())
}

/// The user attributes Import User Schema read from the app, if it did.
pub(crate) async fn user_schema(
    conn: &mut SqliteConnection,
    app_id: &str,
) -> Result<Option<Vec<String>>> {
    let stored: Option<Option<String>> =
        sqlx::query_scalar("SELECT user_schema FROM app_connections WHERE app_id = ?")
            .bind(app_id)
            .fetch_optional(&mut *conn)
            .await?;
    stored
        .flatten()
        .map(|s| {
            serde_json::from_str(&s).map_err(|e| {
                crate::Error::Internal(format!("the stored user schema of app {app_id}: {e}"))
            })
        })
        .transpose()
}

/// Forgets where the next incremental import would start: it runs as a
/// full import.
pub(crate) async fn forget_watermark(conn: &mut SqliteConnection, app_id: &str) -> Result<()> {
    sqlx::query("DELETE FROM source_watermarks WHERE app_id = ?")
        .bind(app_id)
        .execute(&mut *conn)
        .await?;
    Ok(())
}

/// Stores the watermark a completed run reached.
pub(crate) async fn save_watermark(
    conn: &mut SqliteConnection,
    app_id: &str,
    run_id: &str,
    watermark: &str,
    now: super::Timestamp,
) -> Result<()> {
    sqlx::query(
        "INSERT INTO source_watermarks (app_id, watermark, run_id, updated) VALUES (?, ?, ?, ?)
         ON CONFLICT (app_id) DO UPDATE SET watermark = excluded.watermark, run_id = excluded.run_id,
             updated = excluded.updated",
    )
    .bind(app_id)
    .bind(watermark)
    .bind(run_id)
    .bind(super::stamp(now))
    .execute(&mut *conn)
    .await?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::AppKind;

    #[tokio::test]
    async fn secrets_are_kept_until_replaced_and_never_read_with_the_settings() {
        let store = Store::open("sqlite::memory:").await.unwrap();
        let mut conn = store.pool().acquire().await.unwrap();
        crate::store::apps::insert_app(
            &mut conn,
            "0oa1",
            "LDAP",
            AppKind::CsvDirectory,
            crate::ids::now(),
        )
        .await
        .unwrap();
        let settings = serde_json::json!({"host": "127.0.0.1"});
        save_connection(
            &mut conn,
            "0oa1",
            &settings,
            Some("s3cret"),
            crate::ids::now(),
        )
        .await
        .unwrap();
        let changed = serde_json::json!({"host": "::1"});
        save_connection(&mut conn, "0oa1", &changed, None, crate::ids::now())
            .await
            .unwrap();
        drop(conn);
        assert_eq!(store.connection_settings("0oa1").await.unwrap(), changed);
        assert_eq!(
            store.connection("0oa1").await.unwrap(),
            (changed, Some("s3cret".to_owned()))
        );
    }
}
