//! Provisioning settings (an app's To Muster settings) and the org's import
//! safeguards. Settings travel as JSON text in the engine's settings shape.

use crate::wire::{MappingPreviewView, OrgSettingsForm, SettingsForm};
use leptos::prelude::*;

#[cfg(feature = "ssr")]
fn convert<A: serde::Serialize, B: serde::de::DeserializeOwned>(a: &A) -> Result<B, ServerFnError> {
    serde_json::to_value(a)
        .and_then(serde_json::from_value)
        .map_err(|e| ServerFnError::new(format!("The settings are not valid: {e}")))
}

#[cfg(feature = "ssr")]
fn parse_form(json: &str) -> Result<engine::settings::AppSettings, ServerFnError> {
    let form: SettingsForm = serde_json::from_str(json)
        .map_err(|e| ServerFnError::new(format!("The settings are not valid: {e}")))?;
    convert(&form)
}

#[server]
pub async fn get_settings(app_id: String) -> Result<SettingsForm, ServerFnError> {
    use super::ssr::*;
    let (engine, admin) = require_admin().await?;
    let settings = engine
        .read(&admin)
        .app_settings(&app_id)
        .await
        .map_err(to_error)?;
    convert(&settings)
}

/// Checks and saves the settings (`settings` is a [`SettingsForm`] as JSON);
/// answers with them as saved.
#[server]
pub async fn save_settings(
    app_id: String,
    settings: String,
) -> Result<SettingsForm, ServerFnError> {
    use super::ssr::*;
    let (engine, admin) = require_admin().await?;
    let settings = parse_form(&settings)?;
    let saved = engine
        .write(&admin)
        .map_err(to_error)?
        .save_app_settings(&app_id, settings)
        .await
        .map_err(to_error)?;
    convert(&saved)
}

/// The username format and mappings of `settings` evaluated on a row of the
/// app's last import; `None` before any import.
#[server]
pub async fn preview_mappings(
    app_id: String,
    settings: String,
) -> Result<Option<MappingPreviewView>, ServerFnError> {
    use super::ssr::*;
    let (engine, admin) = require_admin().await?;
    let settings = parse_form(&settings)?;
    let preview = engine
        .read(&admin)
        .mapping_preview(&app_id, &settings)
        .await
        .map_err(to_error)?;
    Ok(preview.map(|p| MappingPreviewView {
        external_id: p.external_id,
        profile: p.profile,
        error: p.error,
    }))
}

#[server]
pub async fn get_org_settings() -> Result<OrgSettingsForm, ServerFnError> {
    use super::ssr::*;
    let (engine, admin) = require_admin().await?;
    let settings = engine.read(&admin).org_settings().await.map_err(to_error)?;
    convert(&settings)
}

#[server]
pub async fn save_org_settings(
    enabled: bool,
    percent: u32,
) -> Result<OrgSettingsForm, ServerFnError> {
    use super::ssr::*;
    let (engine, admin) = require_admin().await?;
    let settings = engine::settings::OrgSettings {
        safeguard: engine::settings::Safeguard { enabled, percent },
    };
    let saved = engine
        .write(&admin)
        .map_err(to_error)?
        .save_org_settings(settings)
        .await
        .map_err(to_error)?;
    convert(&saved)
}

#[cfg(all(test, feature = "ssr"))]
mod tests {
    use super::*;

    #[test]
    fn the_form_and_the_engine_settings_have_the_same_shape() {
        let mut engine_side = engine::settings::AppSettings {
            username_format: engine::settings::UsernameFormat::Custom("appuser.login".into()),
            ..Default::default()
        };
        engine_side.matching.attribute = Some("employeeNumber".into());
        engine_side.mappings.push(engine::settings::Mapping {
            attribute: "nickName".into(),
            expression: "appuser.firstName".into(),
        });
        engine_side.incremental_schedule.frequency = engine::settings::Frequency::Daily;
        let form: SettingsForm = convert(&engine_side).unwrap();
        assert_eq!(form.username_format.kind, "Custom");
        assert_eq!(form.incremental_schedule.frequency, "Daily");
        let back: engine::settings::AppSettings = convert(&form).unwrap();
        assert_eq!(back, engine_side);
        let org: OrgSettingsForm = convert(&engine::settings::OrgSettings::default()).unwrap();
        assert_eq!((org.safeguard.enabled, org.safeguard.percent), (true, 20));
    }
}
