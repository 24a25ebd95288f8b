//! Directory Integrations: a directory's connection and Test Connection.
//! The bind password goes in and never comes out.

use leptos::prelude::*;
use leptos::server_fn::codec::Json;
use proto::directory::{ConnectionTest, DirectoryConnection, LdapSettings};

#[server]
pub async fn get_directory_connection(
    app_id: String,
) -> Result<DirectoryConnection, ServerFnError> {
    use super::ssr::*;
    let (engine, admin) = require_admin().await?;
    engine
        .read(&admin)
        .directory_connection(&app_id)
        .await
        .map_err(to_error)
}

/// Saves the connection; `password` replaces the stored one when given.
#[server(input = Json)]
pub async fn save_directory_connection(
    app_id: String,
    settings: LdapSettings,
    password: Option<String>,
) -> Result<(), ServerFnError> {
    use super::ssr::*;
    let (engine, admin) = require_admin().await?;
    let settings = serde_json::to_value(settings).map_err(|e| invalid(e.to_string()))?;
    let password = password.filter(|p| !p.is_empty());
    engine
        .write(&admin)
        .map_err(to_error)?
        .save_connection(&app_id, settings, password.as_deref())
        .await
        .map_err(to_error)
}

/// Test Connection with the settings on the form, and the password typed
/// there or else the stored one.
#[server(input = Json)]
pub async fn test_directory_connection(
    app_id: String,
    settings: LdapSettings,
    password: Option<String>,
) -> Result<ConnectionTest, ServerFnError> {
    use super::ssr::*;
    let (engine, admin) = require_admin().await?;
    let password = password.filter(|p| !p.is_empty());
    engine
        .write(&admin)
        .map_err(to_error)?
        .test_connection(&app_id, settings, password.as_deref())
        .await
        .map_err(to_error)
}
