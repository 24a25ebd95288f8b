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
    leptos_axum::redirect(&format!("/apps/{}/import", app.id));
    Ok(app)
}

#[server]
pub async fn dashboard() -> Result<proto::Dashboard, ServerFnError> {
    use super::ssr::*;
    let (engine, admin) = require_admin().await?;
    engine.read(&admin).dashboard().await.map_err(to_error)
}
