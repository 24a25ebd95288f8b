//! Provisioning settings (To Muster), the org's safeguard, mapping previews
//! and apps' connections.

use super::{ReadHandle, WriteHandle};
use crate::error::Result;
use crate::ids;
use crate::model::MappingPreview;
use crate::settings::{self, AppSettings, OrgSettings, ProfileMapper};
use crate::store;
use crate::syslog::{EventType, NewEvent, Target};

impl ReadHandle<'_> {
    pub async fn app_settings(&self, app_id: &str) -> Result<AppSettings> {
        self.engine.store.app_settings(app_id).await
    }

    pub async fn org_settings(&self) -> Result<OrgSettings> {
        self.engine.store.org_settings().await
    }

    /// An app's connection settings; its secrets are never returned.
    pub async fn connection_settings(&self, app_id: &str) -> Result<serde_json::Value> {
        self.engine.store.get_app(app_id).await?;
        self.engine.store.connection_settings(app_id).await
    }

    /// Evaluates settings' username format and mappings on a real row: the
    /// newest app user of the last import. `None` when there is none yet.
    pub async fn mapping_preview(
        &self,
        app_id: &str,
        settings: &AppSettings,
    ) -> Result<Option<MappingPreview>> {
        let Some((external_id, source)) = self.engine.store.sample_app_user(app_id).await? else {
            return Ok(None);
        };
        let mapper = ProfileMapper::new(&settings::validate(settings.clone())?)?;
        let (profile, error) = match mapper.map(&source) {
            Ok(p) => (p.into_owned(), None),
            Err(e) => (Vec::new(), Some(format!("{}: {}", e.attribute, e.message))),
        };
        Ok(Some(MappingPreview {
            external_id,
            profile,
            error,
        }))
    }
}

impl WriteHandle<'_> {
    /// Saves an app's To Muster settings after checking them; the System Log
    /// records each changed setting with its old and new value.
    pub async fn save_app_settings(&self, app_id: &str, new: AppSettings) -> Result<AppSettings> {
        let store = &self.engine.store;
        let app = store.get_app(app_id).await?;
        let new = settings::validate(new)?;
        let old = store.app_settings(app_id).await?;
        let changes = settings::changes(&old, &new);
        let mut tx = store.pool().begin().await?;
        store::rules::save_app_settings(&mut tx, app_id, &new).await?;
        if !changes.is_empty() {
            let event = NewEvent::new(
                EventType::ApplicationUpdate,
                format!("Update To Muster settings of {}", app.name),
                self.actor(),
            )
            .target(Target::app(&app.id, &app.name))
            .debug(serde_json::json!({ "changedSettings": changes_json(&changes) }));
            store::events::insert_events(&mut tx, &[event], ids::now()).await?;
        }
        tx.commit().await?;
        Ok(new)
    }

    /// Saves the org's import safeguard, logged with old and new values.
    pub async fn save_org_settings(&self, new: OrgSettings) -> Result<OrgSettings> {
        let store = &self.engine.store;
        settings::validate_org(&new)?;
        let old = store.org_settings().await?;
        let changes = settings::changes(&old, &new);
        let mut tx = store.pool().begin().await?;
        store::rules::save_org_settings(&mut tx, &new).await?;
        if !changes.is_empty() {
            let event = NewEvent::new(
                EventType::OrgSettingsUpdate,
                "Update import safeguards",
                self.actor(),
            )
            .debug(serde_json::json!({ "changedSettings": changes_json(&changes) }));
            store::events::insert_events(&mut tx, &[event], ids::now()).await?;
        }
        tx.commit().await?;
        Ok(new)
    }

    /// Saves an app's connection settings, and its secrets when given: they
    /// are write-only, so `None` keeps the stored ones. The System Log names
    /// the changed settings and only whether the secrets changed.
    pub async fn save_connection(
        &self,
        app_id: &str,
        connection: serde_json::Value,
        secrets: Option<&str>,
    ) -> Result<()> {
        let store = &self.engine.store;
        let app = store.get_app(app_id).await?;
        let old = store.connection_settings(app_id).await?;
        let mut changes = settings::changes(&old, &connection);
        if secrets.is_some() {
            changes.push(("secrets".into(), "********".into(), "********".into()));
        }
        let now = ids::now();
        let mut tx = store.pool().begin().await?;
        store::sources::save_connection(&mut tx, app_id, &connection, secrets, now).await?;
        let event = NewEvent::new(
            EventType::ApplicationUpdate,
            format!("Update the connection of {}", app.name),
            self.actor(),
        )
        .target(Target::app(&app.id, &app.name))
        .debug(serde_json::json!({ "changedSettings": changes_json(&changes) }));
        store::events::insert_events(&mut tx, &[event], now).await?;
        tx.commit().await?;
        Ok(())
    }
}

fn changes_json(changes: &[(String, serde_json::Value, serde_json::Value)]) -> serde_json::Value {
    changes
        .iter()
        .map(|(path, old, new)| serde_json::json!({ "setting": path, "old": old, "new": new }))
        .collect()
}
