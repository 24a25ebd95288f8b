//! Apps.

use leptos::prelude::*;
use proto::{App, AppKind};

#[server]
pub async fn list_apps(search: String) -> Result<Vec<App>, ServerFnError> {
    use super::ssr::*;
    let (engine, admin) = require_admin().await?;
    engine
        .read(&admin)
        .list_apps(&search)
        .await
        .map_err(to_error)
}

#[server]
pub async fn get_app(id: String) -> Result<App, ServerFnError> {
    use super::ssr::*;
    let (engine, admin) = require_admin().await?;
    engine.read(&admin).get_app(&id).await.map_err(to_error)
}

/// Adds an app and opens it on its Import tab.
#[server]
pub async fn create_app(name: String, kind: AppKind) -> Result<App, ServerFnError> {
    use super::ssr::*;
    let (engine, admin) = require_admin().await?;
    let app = engine
        .write(&admin)
        .map_err(to_error)?
        .create_app(&name, kind)
        .await
        .map_err(to_error)?;
    // A directory or a SCIM app is set up first (its connection); a CSV app
    // is imported.
    let tab = match kind {
        AppKind::ScimApp => "provisioning?settings=api",
        k if k.is_directory() => "provisioning",
        _ => "import",
    };
    leptos_axum::redirect(&format!("/apps/{}/{tab}", app.id));
    Ok(app)
}

/// Renames an app; another app's name (in any case) is refused.
#[server]
pub async fn rename_app(app_id: String, name: String) -> Result<App, ServerFnError> {
    use super::ssr::*;
    let (engine, admin) = require_admin().await?;
    engine
        .write(&admin)
        .map_err(to_error)?
        .rename_app(&app_id, &name)
        .await
        .map_err(to_error)
}

/// Deactivates an app: it imports nothing until activated.
#[server]
pub async fn deactivate_app(app_id: String) -> Result<App, ServerFnError> {
    use super::ssr::*;
    let (engine, admin) = require_admin().await?;
    engine
        .write(&admin)
        .map_err(to_error)?
        .deactivate_app(&app_id)
        .await
        .map_err(to_error)
}

#[server]
pub async fn activate_app(app_id: String) -> Result<App, ServerFnError> {
    use super::ssr::*;
    let (engine, admin) = require_admin().await?;
    engine
        .write(&admin)
        .map_err(to_error)?
        .activate_app(&app_id)
        .await
        .map_err(to_error)
}

/// Deletes a deactivated app; its accounts are unlinked, the people stay.
/// Answers with the app as it was.
#[server]
pub async fn delete_app(app_id: String) -> Result<App, ServerFnError> {
    use super::ssr::*;
    let (engine, admin) = require_admin().await?;
    engine
        .write(&admin)
        .map_err(to_error)?
        .delete_app(&app_id)
        .await
        .map_err(to_error)
}

#[server]
pub async fn dashboard() -> Result<proto::Dashboard, ServerFnError> {
    use super::ssr::*;
    let (engine, admin) = require_admin().await?;
    engine.read(&admin).dashboard().await.map_err(to_error)
}
