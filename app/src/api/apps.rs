//! Apps.

use crate::wire::{AppView, DashboardView};
use leptos::prelude::*;

#[cfg(feature = "ssr")]
pub(crate) fn app_view(a: engine::model::App) -> AppView {
    AppView {
        id: a.id,
        name: a.name,
        kind: a.kind.label().into(),
        status: a.status,
        created: a.created,
        assigned_users: a.assigned_users,
        unconfirmed: a.unconfirmed,
    }
}

#[server]
pub async fn list_apps(search: String) -> Result<Vec<AppView>, ServerFnError> {
    use super::ssr::*;
    let (engine, admin) = require_admin().await?;
    Ok(engine
        .read(&admin)
        .list_apps(&search)
        .await
        .map_err(to_error)?
        .into_iter()
        .map(app_view)
        .collect())
}

#[server]
pub async fn get_app(id: String) -> Result<AppView, ServerFnError> {
    use super::ssr::*;
    let (engine, admin) = require_admin().await?;
    engine
        .read(&admin)
        .get_app(&id)
        .await
        .map(app_view)
        .map_err(to_error)
}

/// Adds an app and opens it on its Import tab.
#[server]
pub async fn create_app(name: String, kind: String) -> Result<AppView, ServerFnError> {
    use super::ssr::*;
    let (engine, admin) = require_admin().await?;
    let kind = engine::model::AppKind::parse(&kind)
        .ok_or_else(|| ServerFnError::new(format!("Unknown app type {kind}")))?;
    let app = engine
        .write(&admin)
        .map_err(to_error)?
        .create_app(&name, kind)
        .await
        .map_err(to_error)?;
    leptos_axum::redirect(&format!("/apps/{}/import", app.id));
    Ok(app_view(app))
}

#[server]
pub async fn dashboard() -> Result<DashboardView, ServerFnError> {
    use super::ssr::*;
    let (engine, admin) = require_admin().await?;
    let d = engine.read(&admin).dashboard().await.map_err(to_error)?;
    Ok(DashboardView {
        apps: d.apps,
        users: d.users,
        unconfirmed: d.unconfirmed,
        recent: d
            .recent
            .into_iter()
            .map(|(name, run)| (name, super::imports::run_view(run)))
            .collect(),
    })
}
