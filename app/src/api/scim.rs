//! A SCIM app's API Integration and Test API Credentials. The token or
//! password goes in and never comes out.

use leptos::prelude::*;
use leptos::server_fn::codec::Json;
use proto::directory::ConnectionTest;
use proto::scim::{AppAssignments, PersonApp, ScimConnection, ScimSettings, ToApp};

#[server]
pub async fn get_scim_connection(app_id: String) -> Result<ScimConnection, ServerFnError> {
    use super::ssr::*;
    let (engine, admin) = require_admin().await?;
    engine
        .read(&admin)
        .scim_connection(&app_id)
        .await
        .map_err(to_error)
}

/// Saves the API Integration; `secret` (the token, or Basic's password)
/// replaces the stored one when given.
#[server(input = Json)]
pub async fn save_scim_connection(
    app_id: String,
    settings: ScimSettings,
    secret: Option<String>,
) -> Result<(), ServerFnError> {
    use super::ssr::*;
    let (engine, admin) = require_admin().await?;
    let settings = serde_json::to_value(settings).map_err(|e| invalid(e.to_string()))?;
    let secret = secret.filter(|s| !s.is_empty());
    engine
        .write(&admin)
        .map_err(to_error)?
        .save_connection(&app_id, settings, secret.as_deref())
        .await
        .map_err(to_error)
}

/// Test API Credentials with the settings on the form, and the secret
/// typed there or else the stored one.
#[server(input = Json)]
pub async fn test_scim_connection(
    app_id: String,
    settings: ScimSettings,
    secret: Option<String>,
) -> Result<ConnectionTest, ServerFnError> {
    use super::ssr::*;
    let (engine, admin) = require_admin().await?;
    let secret = secret.filter(|s| !s.is_empty());
    engine
        .write(&admin)
        .map_err(to_error)?
        .test_scim_connection(&app_id, settings, secret.as_deref())
        .await
        .map_err(to_error)
}

/// Import User Schema: the app's user attributes, read with the saved
/// connection and kept for its attribute mappings.
#[server]
pub async fn import_user_schema(app_id: String) -> Result<Vec<String>, ServerFnError> {
    use super::ssr::*;
    let (engine, admin) = require_admin().await?;
    engine
        .write(&admin)
        .map_err(to_error)?
        .import_user_schema(&app_id)
        .await
        .map_err(to_error)
}

/// Saves the To App settings.
#[server(input = Json)]
pub async fn save_to_app(app_id: String, to_app: ToApp) -> Result<(), ServerFnError> {
    use super::ssr::*;
    let (engine, admin) = require_admin().await?;
    engine
        .write(&admin)
        .map_err(to_error)?
        .save_to_app(&app_id, to_app)
        .await
        .map_err(to_error)
}

/// The app's Assignments tab.
#[server]
pub async fn get_app_assignments(app_id: String) -> Result<AppAssignments, ServerFnError> {
    use super::ssr::*;
    let (engine, admin) = require_admin().await?;
    engine
        .read(&admin)
        .app_assignments(&app_id)
        .await
        .map_err(to_error)
}

/// Assigns the person with this login (or id) to the app.
#[server]
pub async fn assign_person(app_id: String, login: String) -> Result<(), ServerFnError> {
    use super::ssr::*;
    let (engine, admin) = require_admin().await?;
    let write = engine.write(&admin).map_err(to_error)?;
    let user = write.find_user(login.trim()).await.map_err(to_error)?;
    write.assign_user(&app_id, &user.id).await.map_err(to_error)
}

#[server]
pub async fn unassign_person(app_id: String, user_id: String) -> Result<(), ServerFnError> {
    use super::ssr::*;
    let (engine, admin) = require_admin().await?;
    engine
        .write(&admin)
        .map_err(to_error)?
        .unassign_user(&app_id, &user_id)
        .await
        .map_err(to_error)
}

#[server]
pub async fn assign_group(app_id: String, group_id: String) -> Result<(), ServerFnError> {
    use super::ssr::*;
    let (engine, admin) = require_admin().await?;
    engine
        .write(&admin)
        .map_err(to_error)?
        .assign_group(&app_id, &group_id)
        .await
        .map_err(to_error)
}

#[server]
pub async fn unassign_group(app_id: String, group_id: String) -> Result<(), ServerFnError> {
    use super::ssr::*;
    let (engine, admin) = require_admin().await?;
    engine
        .write(&admin)
        .map_err(to_error)?
        .unassign_group(&app_id, &group_id)
        .await
        .map_err(to_error)
}

/// Retry of a failed push.
#[server]
pub async fn retry_push(app_id: String, user_id: String) -> Result<(), ServerFnError> {
    use super::ssr::*;
    let (engine, admin) = require_admin().await?;
    engine
        .write(&admin)
        .map_err(to_error)?
        .retry_push(&app_id, &user_id)
        .await
        .map_err(to_error)
}

/// Dismiss of a failed push.
#[server]
pub async fn dismiss_push(app_id: String, user_id: String) -> Result<(), ServerFnError> {
    use super::ssr::*;
    let (engine, admin) = require_admin().await?;
    engine
        .write(&admin)
        .map_err(to_error)?
        .dismiss_push(&app_id, &user_id)
        .await
        .map_err(to_error)
}

/// The SCIM apps a person is assigned to, with their account in each.
#[server]
pub async fn person_apps(id: String) -> Result<Vec<PersonApp>, ServerFnError> {
    use super::ssr::*;
    let (engine, admin) = require_admin().await?;
    engine.read(&admin).person_apps(&id).await.map_err(to_error)
}
