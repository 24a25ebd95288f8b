//! An app's own lifecycle: rename, deactivate and activate, delete.

use super::WriteHandle;
use crate::error::{Error, Result};
use crate::ids;
use crate::model::{App, AppStatus};
use crate::store;
use crate::syslog::{EventType, NewEvent, Target};
use sqlx::SqliteConnection;

/// The name trimmed, when it has 1 to 100 characters.
pub(super) fn check_app_name(name: &str) -> Result<&str> {
    let name = name.trim();
    if name.is_empty() || name.chars().count() > 100 {
        return Err(Error::InvalidInput(
            "An app needs a name of 1 to 100 characters".into(),
        ));
    }
    Ok(name)
}

/// Refuses a name another app has, regardless of case.
pub(super) async fn refuse_taken_name(
    conn: &mut SqliteConnection,
    name: &str,
    except_id: Option<&str>,
) -> Result<()> {
    match store::apps::app_named(conn, name, except_id).await? {
        Some(other) => Err(Error::Conflict(format!(
            "Name: an app named \"{}\" already exists; choose another name",
            other.name
        ))),
        None => Ok(()),
    }
}

impl WriteHandle<'_> {
    /// Renames an app; the name must be unused, regardless of case.
    pub async fn rename_app(&self, app_id: &str, name: &str) -> Result<App> {
        let name = check_app_name(name)?;
        let store = &self.engine.store;
        let mut tx = store.begin_write().await?;
        let app = store::apps::get_app_in(&mut tx, app_id).await?;
        if app.name == name {
            return Ok(app);
        }
        refuse_taken_name(&mut tx, name, Some(app_id)).await?;
        store::apps::rename_app(&mut tx, app_id, name).await?;
        let event = NewEvent::new(
            EventType::ApplicationUpdate,
            format!("Rename {} to {name}", app.name),
            self.actor(),
        )
        .target(Target::app(app_id, name))
        .debug(serde_json::json!({
            "changedSettings": [{ "setting": "name", "old": app.name, "new": name }]
        }));
        store::events::insert_events(&mut tx, &[event], ids::now()).await?;
        tx.commit().await?;
        store.get_app(app_id).await
    }

    /// Deactivates an app: it imports nothing (no Import Now, no schedule)
    /// until activated again. Refused while an import of it runs or waits.
    pub async fn deactivate_app(&self, app_id: &str) -> Result<App> {
        self.set_app_status(app_id, AppStatus::Inactive).await
    }

    pub async fn activate_app(&self, app_id: &str) -> Result<App> {
        self.set_app_status(app_id, AppStatus::Active).await
    }

    async fn set_app_status(&self, app_id: &str, status: AppStatus) -> Result<App> {
        let store = &self.engine.store;
        let mut tx = store.begin_write().await?;
        let app = store::apps::get_app_in(&mut tx, app_id).await?;
        if app.status == status {
            return Ok(app);
        }
        if status == AppStatus::Inactive
            && store::imports::app_import_active(&mut tx, app_id).await?
        {
            return Err(Error::ImportBusy);
        }
        store::apps::set_app_status(&mut tx, app_id, status).await?;
        let (event_type, verb) = match status {
            AppStatus::Active => (EventType::ApplicationActivate, "Activate"),
            AppStatus::Inactive => (EventType::ApplicationDeactivate, "Deactivate"),
        };
        let event = NewEvent::new(event_type, format!("{verb} {}", app.name), self.actor())
            .target(Target::app(app_id, &app.name));
        store::events::insert_events(&mut tx, &[event], ids::now()).await?;
        tx.commit().await?;
        store.get_app(app_id).await
    }

    /// Deletes a deactivated app with its accounts (app users), assignments,
    /// imports, queue and uploaded files. The people stay in the directory,
    /// unlinked from it; those it sourced are sourced by no app from now on.
    /// Refused while the app is active or an import of it runs or waits.
    /// Answers with the app as it was.
    pub async fn delete_app(&self, app_id: &str) -> Result<App> {
        let store = &self.engine.store;
        let mut tx = store.begin_write().await?;
        let app = store::apps::get_app_in(&mut tx, app_id).await?;
        if app.status == AppStatus::Active {
            return Err(Error::InvalidInput(format!(
                "{} is active: deactivate it before deleting it",
                app.name
            )));
        }
        if store::imports::app_import_active(&mut tx, app_id).await? {
            return Err(Error::ImportBusy);
        }
        let files = store::apps::delete_app(&mut tx, app_id).await?;
        let event = NewEvent::new(
            EventType::ApplicationDelete,
            format!("Delete {}", app.name),
            self.actor(),
        )
        .target(Target::app(app_id, &app.name))
        .debug(serde_json::json!({
            "unlinkedAccounts": app.accounts,
            "removedAssignments": app.assigned_users,
            "clearedUnconfirmed": app.unconfirmed,
        }));
        store::events::insert_events(&mut tx, &[event], ids::now()).await?;
        tx.commit().await?;
        for file in files {
            if let Err(e) = tokio::fs::remove_file(&file).await {
                tracing::warn!(%file, error = %e, "the upload of a deleted app was not removed");
            }
        }
        Ok(app)
    }
}
