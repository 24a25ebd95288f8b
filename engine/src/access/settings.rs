//! Provisioning settings (To Muster), the org's safeguard, mapping previews
//! and apps' connections.

use super::{ReadHandle, WriteHandle};
use crate::error::{Error, Result};
use crate::ids;
use crate::model::{App, AppKind, MappingPreview, ProfileSource};
use crate::settings::{
    self, AppSettings, EditableOrgSettings, EditableSettings, OrgSettings, ProfileMapper,
    SectionVersions, SettingsSection,
};
use crate::sources::ldap::LdapSettings;
use crate::store;
use crate::syslog::{EventType, NewEvent, Target};
use proto::scim::{ScimConnection, ScimSettings};
use sqlx::SqliteConnection;

impl ReadHandle<'_> {
    /// The apps allowed to source users, highest priority first.
    pub async fn profile_sources(&self) -> Result<Vec<ProfileSource>> {
        self.engine.store.profile_sources().await
    }

    pub async fn app_settings(&self, app_id: &str) -> Result<AppSettings> {
        self.engine.store.app_settings(app_id).await
    }

    /// What the settings editor opens with: the settings, each section's
    /// version and the attributes the app's source is known to have.
    pub async fn editable_settings(&self, app_id: &str) -> Result<EditableSettings> {
        let mut conn = self.engine.store.pool().acquire().await?;
        let (settings, versions) = store::apps::settings_and_versions(&mut conn, app_id).await?;
        let known = store::apps::known_attributes(&mut conn, app_id).await?;
        drop(conn);
        let mut known_from = known.as_ref().map_or("the last import", |k| k.1).to_owned();
        let mut known_attributes = known.map(|k| k.0);
        let app = self.engine.store.get_app(app_id).await?;
        if app.kind.is_directory() {
            // The directory's schema, when it answers soon; else no list.
            let schema = self.directory_schema(&app).await;
            known_from = match &schema {
                Ok((class, _)) => format!("the directory's schema for {class}"),
                Err(e) => {
                    tracing::info!(app = %app.name, error = %e, "the directory's schema could not be read");
                    String::new()
                }
            };
            known_attributes = schema.ok().map(|(_, attributes)| attributes);
        }
        Ok(EditableSettings {
            settings,
            versions,
            known_attributes,
            known_from,
        })
    }

    /// A directory's user class and its attributes, from its schema (within
    /// a few seconds).
    async fn directory_schema(&self, app: &App) -> Result<(String, Vec<String>)> {
        let (settings, password) = self.engine.directory_for_a_moment(app).await?;
        let attributes = crate::realtime::quickly(
            &settings,
            crate::sources::ldap::user_attributes(&settings, &password),
        )
        .await?;
        Ok((settings.user_class.trim().to_owned(), attributes))
    }

    pub async fn org_settings(&self) -> Result<OrgSettings> {
        self.engine.store.org_settings().await
    }

    /// The org's settings with their version, as the Settings page opens them.
    pub async fn editable_org_settings(&self) -> Result<EditableOrgSettings> {
        let mut conn = self.engine.store.pool().acquire().await?;
        let settings = store::rules::org_settings(&mut conn).await?;
        let version = store::rules::org_settings_version(&mut conn).await?;
        Ok(EditableOrgSettings { settings, version })
    }

    /// A directory's connection as the console edits it: its settings (its
    /// preset's until saved) and whether a bind password is stored.
    pub async fn directory_connection(
        &self,
        app_id: &str,
    ) -> Result<proto::directory::DirectoryConnection> {
        let store = &self.engine.store;
        let app = store.get_app(app_id).await?;
        let preset = directory_preset(&app)?;
        let (stored, sealed) = store.connection(app_id).await?;
        let mut settings = match stored.as_object().is_some_and(|o| !o.is_empty()) {
            true => serde_json::from_value(stored).unwrap_or_else(|_| LdapSettings::preset(preset)),
            false => LdapSettings::preset(preset),
        };
        settings.preset = preset;
        Ok(proto::directory::DirectoryConnection {
            settings,
            password_set: sealed.is_some(),
        })
    }

    /// A SCIM app's API Integration as the console edits it: its settings
    /// (the defaults until saved) and whether a token or password is stored.
    pub async fn scim_connection(&self, app_id: &str) -> Result<ScimConnection> {
        let store = &self.engine.store;
        scim_app(&store.get_app(app_id).await?)?;
        let (stored, sealed) = store.connection(app_id).await?;
        let settings = match stored.as_object().is_some_and(|o| !o.is_empty()) {
            true => serde_json::from_value(stored).map_err(|e| {
                Error::Internal(format!("the stored connection of app {app_id}: {e}"))
            })?,
            false => ScimSettings::default(),
        };
        let mut conn = store.pool().acquire().await?;
        Ok(ScimConnection {
            settings,
            secret_set: sealed.is_some(),
            user_schema: store::sources::user_schema(&mut conn, app_id).await?,
        })
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
    /// Sets the priority of the apps that source users (the Profile Sources
    /// page: every one of them, highest first); each person's profile source
    /// becomes the highest-priority app they hold an account in.
    pub async fn set_profile_source_order(&self, app_ids: &[String]) -> Result<Vec<ProfileSource>> {
        let store = &self.engine.store;
        let sources = store.profile_sources().await?;
        let mut given: Vec<&str> = app_ids.iter().map(String::as_str).collect();
        let mut known: Vec<&str> = sources.iter().map(|s| s.app_id.as_str()).collect();
        given.sort_unstable();
        known.sort_unstable();
        if given != known {
            return Err(Error::Conflict(
                "The profile sources changed since the page was opened: reload it and order them again".into(),
            ));
        }
        let names: Vec<&str> = app_ids
            .iter()
            .filter_map(|id| sources.iter().find(|s| &s.app_id == id))
            .map(|s| s.name.as_str())
            .collect();
        let ids: Vec<&str> = app_ids.iter().map(String::as_str).collect();
        let mut tx = store.begin_write().await?;
        store::profile_sources::set_priorities(&mut tx, &ids).await?;
        let moved = store::profile_sources::resource_everyone(&mut tx).await?;
        let event = NewEvent::new(
            EventType::OrgSettingsUpdate,
            format!("Update profile source priority: {}", names.join(", ")),
            self.actor(),
        )
        .debug(serde_json::json!({ "profileSources": names, "usersResourced": moved }));
        store::events::insert_events(&mut tx, &[event], ids::now()).await?;
        tx.commit().await?;
        store.profile_sources().await
    }

    /// Saves all of an app's To Muster settings after checking them (for
    /// callers that replace them whole); each section that changes gets a
    /// new version. The System Log records each changed setting with its
    /// old and new value.
    pub async fn save_app_settings(&self, app_id: &str, new: AppSettings) -> Result<AppSettings> {
        let mut tx = self.engine.store.begin_write().await?;
        let app = store::apps::get_app_in(&mut tx, app_id).await?;
        let (old, versions) = store::apps::settings_and_versions(&mut tx, app_id).await?;
        let (saved, _) = self
            .write_settings(&mut tx, &app, &old, new, versions, None)
            .await?;
        tx.commit().await?;
        Ok(saved)
    }

    /// Saves one section of an app's To Muster settings from the editor:
    /// `draft`'s settings of that section replace the saved ones, the other
    /// sections stay as saved. `version` is the section's version the
    /// editor opened and `base` the settings it showed then: when someone
    /// else has saved the section since, the save is refused as out of date
    /// with what they changed, instead of undoing it.
    pub async fn save_settings_section(
        &self,
        app_id: &str,
        section: SettingsSection,
        version: i64,
        base: &AppSettings,
        draft: &AppSettings,
    ) -> Result<EditableSettings> {
        let mut tx = self.engine.store.begin_write().await?;
        let app = store::apps::get_app_in(&mut tx, app_id).await?;
        let (old, versions) = store::apps::settings_and_versions(&mut tx, app_id).await?;
        if versions.get(section) != version {
            return Err(Error::Conflict(format!(
                "{}: out of date: someone else saved this section after you opened it ({}). Your changes were not saved; Cancel to see the saved settings, then edit again.",
                section.label(),
                describe_changes(&settings::changes(&section.of(base), &section.of(&old)))
            )));
        }
        let new = section.copy(draft, &old);
        let (settings, versions) = self
            .write_settings(&mut tx, &app, &old, new, versions, Some(section))
            .await?;
        // A directory's schema is not read again on each save: the editor
        // keeps the list it opened with.
        let known = store::apps::known_attributes(&mut tx, app_id).await?;
        tx.commit().await?;
        Ok(EditableSettings {
            settings,
            versions,
            known_from: known.as_ref().map_or("the last import", |k| k.1).into(),
            known_attributes: known.map(|k| k.0),
        })
    }

    /// Checks `new` (its numbers, contradictions, and the attributes it names
    /// against the source's), writes it with the versions of the sections it
    /// changes bumped, and logs the changes.
    async fn write_settings(
        &self,
        conn: &mut SqliteConnection,
        app: &App,
        old: &AppSettings,
        new: AppSettings,
        mut versions: SectionVersions,
        section: Option<SettingsSection>,
    ) -> Result<(AppSettings, SectionVersions)> {
        let new = settings::validate(new)?;
        let scheduled = new.full_schedule.period_seconds().is_some()
            || new.incremental_schedule.period_seconds().is_some();
        if app.kind.is_pushed() && scheduled {
            return Err(Error::InvalidInput(format!(
                "{} is a Custom Identity Source: its imports start when automation starts an import session, so it has no schedule",
                app.name
            )));
        }
        if let Some((known, _)) = store::apps::known_attributes(conn, &app.id).await? {
            settings::check_known_attributes(&new, &known)?;
        }
        let changes = settings::changes(old, &new);
        if changes.is_empty() {
            return Ok((new, versions));
        }
        for s in SettingsSection::ALL {
            if s.of(old) != s.of(&new) {
                versions.bump(s);
            }
        }
        store::rules::save_app_settings(conn, &app.id, &new).await?;
        store::apps::save_settings_versions(conn, &app.id, &versions).await?;
        let mut debug = serde_json::json!({ "changedSettings": changes_json(&changes) });
        if let Some(s) = section {
            debug["section"] = s.label().into();
        }
        let event = NewEvent::new(
            EventType::ApplicationUpdate,
            format!("Update To Muster settings of {}", app.name),
            self.actor(),
        )
        .target(Target::app(&app.id, &app.name))
        .debug(debug);
        store::events::insert_events(conn, &[event], ids::now()).await?;
        Ok((new, versions))
    }

    /// Saves the org's import safeguard, logged with old and new values.
    pub async fn save_org_settings(&self, new: OrgSettings) -> Result<OrgSettings> {
        let mut tx = self.engine.store.begin_write().await?;
        let version = store::rules::org_settings_version(&mut tx).await?;
        self.write_org_settings(&mut tx, new, version).await?;
        tx.commit().await?;
        Ok(new)
    }

    /// Saves the org's settings from the Settings page, unless someone saved
    /// them after it opened `base` at `version`: then the save is refused as
    /// out of date with what they changed.
    pub async fn save_org_settings_from(
        &self,
        version: i64,
        base: &OrgSettings,
        new: OrgSettings,
    ) -> Result<EditableOrgSettings> {
        let mut tx = self.engine.store.begin_write().await?;
        let current = store::rules::org_settings_version(&mut tx).await?;
        if current != version {
            let old = store::rules::org_settings(&mut tx).await?;
            return Err(Error::Conflict(format!(
                "Import Safeguards: out of date: someone else saved them after you opened them ({}). Your changes were not saved; Cancel to see the saved settings, then edit again.",
                describe_changes(&settings::changes(base, &old))
            )));
        }
        let version = self.write_org_settings(&mut tx, new, current).await?;
        tx.commit().await?;
        Ok(EditableOrgSettings {
            settings: new,
            version,
        })
    }

    async fn write_org_settings(
        &self,
        conn: &mut SqliteConnection,
        new: OrgSettings,
        version: i64,
    ) -> Result<i64> {
        settings::validate_org(&new)?;
        let old = store::rules::org_settings(conn).await?;
        let changes = settings::changes(&old, &new);
        if changes.is_empty() {
            return Ok(version);
        }
        store::rules::save_org_settings(conn, &new).await?;
        store::rules::save_org_settings_version(conn, version + 1).await?;
        let event = NewEvent::new(
            EventType::OrgSettingsUpdate,
            "Update import safeguards",
            self.actor(),
        )
        .debug(serde_json::json!({ "changedSettings": changes_json(&changes) }));
        store::events::insert_events(conn, &[event], ids::now()).await?;
        Ok(version + 1)
    }

    /// Test Connection of a directory with the settings on the form and the
    /// password typed there, or else the stored one.
    pub async fn test_connection(
        &self,
        app_id: &str,
        mut settings: LdapSettings,
        password: Option<&str>,
    ) -> Result<proto::directory::ConnectionTest> {
        let store = &self.engine.store;
        let app = store.get_app(app_id).await?;
        settings.preset = directory_preset(&app)?;
        let password = match password {
            Some(p) => p.to_owned(),
            None => match store.connection(app_id).await?.1 {
                Some(sealed) => self.engine.secrets.open(app_id, &sealed)?,
                None => String::new(),
            },
        };
        crate::sources::ldap::test_connection(&settings, &password).await
    }

    /// Test API Credentials of a SCIM app with the settings on the form and
    /// the token or password typed there, or else the stored one.
    pub async fn test_scim_connection(
        &self,
        app_id: &str,
        settings: ScimSettings,
        secret: Option<&str>,
    ) -> Result<proto::directory::ConnectionTest> {
        let store = &self.engine.store;
        scim_app(&store.get_app(app_id).await?)?;
        let secret = match secret {
            Some(s) => s.to_owned(),
            None => match store.connection(app_id).await?.1 {
                Some(sealed) => self.engine.secrets.open(app_id, &sealed)?,
                None => String::new(),
            },
        };
        Ok(crate::scim::Client::new(&settings, &secret)?.test().await)
    }

    /// Saves a SCIM app's To App settings (with its API Integration as it
    /// is saved).
    pub async fn save_to_app(&self, app_id: &str, to_app: proto::scim::ToApp) -> Result<()> {
        let mut settings = self.scim_connection(app_id).await?.settings;
        settings.to_app = to_app;
        let settings = serde_json::to_value(settings)
            .map_err(|e| Error::Internal(format!("connection settings: {e}")))?;
        self.save_connection(app_id, settings, None).await?;
        self.engine.pushes.notify_one();
        Ok(())
    }

    /// Import User Schema: reads the SCIM app's user attributes (its
    /// `/ResourceTypes` and `/Schemas`) with the saved connection and keeps
    /// them, so its attribute mappings can name them.
    pub async fn import_user_schema(&self, app_id: &str) -> Result<Vec<String>> {
        let store = &self.engine.store;
        let app = store.get_app(app_id).await?;
        scim_app(&app)?;
        let (stored, sealed) = store.connection(app_id).await?;
        let Some(sealed) = sealed else {
            return Err(Error::InvalidInput(format!(
                "Save the API Integration of {} with its token or password first",
                app.name
            )));
        };
        let settings = crate::sources::scim::settings_of(stored)?;
        let secret = self.engine.secrets.open(app_id, &sealed)?;
        let attributes = crate::scim::Client::new(&settings, &secret)?
            .user_attributes()
            .await?;
        let mut tx = store.pool().begin().await?;
        store::sources::save_user_schema(&mut tx, app_id, &attributes).await?;
        let event = NewEvent::new(
            EventType::ApplicationUpdate,
            format!("Import the user schema of {}", app.name),
            self.actor(),
        )
        .target(Target::app(&app.id, &app.name))
        .debug(serde_json::json!({ "userAttributes": attributes.len() }));
        store::events::insert_events(&mut tx, &[event], ids::now()).await?;
        tx.commit().await?;
        Ok(attributes)
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
        let connection = match app.kind {
            AppKind::LdapDirectory | AppKind::ActiveDirectory => {
                let checked = crate::sources::ldap::settings_of(app.kind, connection)?;
                serde_json::to_value(checked)
                    .map_err(|e| Error::Internal(format!("connection settings: {e}")))?
            }
            AppKind::ScimApp => {
                let checked = crate::sources::scim::settings_of(connection)?;
                serde_json::to_value(checked)
                    .map_err(|e| Error::Internal(format!("connection settings: {e}")))?
            }
            AppKind::CsvDirectory => {
                return Err(Error::InvalidInput(format!(
                    "{} has no connection: a CSV Directory imports the files uploaded to it",
                    app.name
                )))
            }
            AppKind::CustomIdentitySource => {
                return Err(Error::InvalidInput(format!(
                    "{} has no connection: a Custom Identity Source imports what is pushed to its import sessions",
                    app.name
                )))
            }
        };
        let old = store.connection_settings(app_id).await?;
        let mut changes = settings::changes(&old, &connection);
        if secrets.is_some() {
            changes.push(("secrets".into(), "********".into(), "********".into()));
        }
        // Another server, base or filter reads other entries: the next
        // incremental import starts over as a full one.
        let reads_elsewhere = changes.iter().any(|(path, _, _)| {
            [
                "host",
                "port",
                "base_url",
                "users_base",
                "user_class",
                "user_filter",
                "preset",
            ]
            .iter()
            .any(|k| path.trim_start_matches('/') == *k)
        });
        let sealed = secrets
            .map(|s| self.engine.secrets.seal(app_id, s))
            .transpose()?;
        let now = ids::now();
        let mut tx = store.pool().begin().await?;
        store::sources::save_connection(&mut tx, app_id, &connection, sealed.as_deref(), now)
            .await?;
        // Import Groups turned off: the groups imported from the app go.
        if app.kind == AppKind::ScimApp && connection["import_groups"] == false {
            crate::pipeline::groups::remove_app_groups(&mut tx, &app, &self.actor(), now).await?;
        }
        if reads_elsewhere {
            store::sources::forget_watermark(&mut tx, app_id).await?;
        }
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

/// What someone else changed, as "field: old → new; …".
fn describe_changes(changes: &[(String, serde_json::Value, serde_json::Value)]) -> String {
    if changes.is_empty() {
        return "saved again with the settings you opened".into();
    }
    changes
        .iter()
        .map(|(path, was, now)| format!("{path}: {was} → {now}"))
        .collect::<Vec<_>>()
        .join("; ")
}

fn changes_json(changes: &[(String, serde_json::Value, serde_json::Value)]) -> serde_json::Value {
    changes
        .iter()
        .map(|(path, old, new)| serde_json::json!({ "setting": path, "old": old, "new": new }))
        .collect()
}

/// A SCIM app; other apps have no API Integration.
fn scim_app(app: &App) -> Result<()> {
    match app.kind {
        AppKind::ScimApp => Ok(()),
        kind => Err(Error::InvalidInput(format!(
            "{} is a {}: it has no SCIM API Integration",
            app.name,
            kind.label()
        ))),
    }
}

/// The preset of a directory app; other apps have no directory connection.
fn directory_preset(app: &App) -> Result<crate::sources::ldap::Preset> {
    use crate::sources::ldap::Preset;
    match app.kind {
        AppKind::LdapDirectory => Ok(Preset::OpenLdap),
        AppKind::ActiveDirectory => Ok(Preset::ActiveDirectory),
        AppKind::CsvDirectory | AppKind::CustomIdentitySource | AppKind::ScimApp => {
            Err(Error::InvalidInput(format!(
                "{} is a {}: it has no directory connection",
                app.name,
                app.kind.label()
            )))
        }
    }
}
