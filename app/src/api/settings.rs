//! Provisioning settings (an app's To Muster settings) and the org's import
//! safeguards, exchanged as the engine keeps them.

use leptos::prelude::*;
use leptos::server_fn::codec::Json;
use proto::settings::{
    AppSettings, EditableOrgSettings, EditableSettings, OrgSettings, SettingsSection,
};
use proto::MappingPreview;

/// The settings as the editor opens them: with each section's version and
/// the attributes the app's source is known to have.
#[server]
pub async fn get_settings(app_id: String) -> Result<EditableSettings, ServerFnError> {
    use super::ssr::*;
    let (engine, admin) = require_admin().await?;
    engine
        .read(&admin)
        .editable_settings(&app_id)
        .await
        .map_err(to_error)
}

/// Checks and saves one section from `settings`, unless someone saved it
/// after the editor opened `base` at `version` (then 409, with what they
/// changed); answers with the settings as saved.
#[server(input = Json)]
pub async fn save_settings(
    app_id: String,
    section: SettingsSection,
    version: i64,
    base: AppSettings,
    settings: AppSettings,
) -> Result<EditableSettings, ServerFnError> {
    use super::ssr::*;
    let (engine, admin) = require_admin().await?;
    engine
        .write(&admin)
        .map_err(to_error)?
        .save_settings_section(&app_id, section, version, &base, &settings)
        .await
        .map_err(to_error)
}

/// The username format and mappings of `settings` evaluated on a row of the
/// app's last import; `None` before any import.
#[server(input = Json)]
pub async fn preview_mappings(
    app_id: String,
    settings: AppSettings,
) -> Result<Option<MappingPreview>, ServerFnError> {
    use super::ssr::*;
    let (engine, admin) = require_admin().await?;
    engine
        .read(&admin)
        .mapping_preview(&app_id, &settings)
        .await
        .map_err(to_error)
}

/// The org's settings with their version.
#[server]
pub async fn get_org_settings() -> Result<EditableOrgSettings, ServerFnError> {
    use super::ssr::*;
    let (engine, admin) = require_admin().await?;
    engine
        .read(&admin)
        .editable_org_settings()
        .await
        .map_err(to_error)
}

/// Checks and saves the org's settings, unless someone saved them after the
/// page opened `base` at `version` (then 409, with what they changed).
#[server(input = Json)]
pub async fn save_org_settings(
    version: i64,
    base: OrgSettings,
    settings: OrgSettings,
) -> Result<EditableOrgSettings, ServerFnError> {
    use super::ssr::*;
    let (engine, admin) = require_admin().await?;
    engine
        .write(&admin)
        .map_err(to_error)?
        .save_org_settings_from(version, &base, settings)
        .await
        .map_err(to_error)
}

/// The apps allowed to source users, highest priority first.
#[server]
pub async fn profile_sources() -> Result<Vec<proto::ProfileSource>, ServerFnError> {
    use super::ssr::*;
    let (engine, admin) = require_admin().await?;
    engine
        .read(&admin)
        .profile_sources()
        .await
        .map_err(to_error)
}

/// Sets the profile sources' priority: every one of them, highest first.
#[server(input = Json)]
pub async fn set_profile_source_order(
    app_ids: Vec<String>,
) -> Result<Vec<proto::ProfileSource>, ServerFnError> {
    use super::ssr::*;
    let (engine, admin) = require_admin().await?;
    engine
        .write(&admin)
        .map_err(to_error)?
        .set_profile_source_order(&app_ids)
        .await
        .map_err(to_error)
}
