//! Security → API: the API tokens, one made (its value shown once) and
//! revoked.

use leptos::prelude::*;
use proto::console::{ApiTokenView, NewApiToken};

#[server]
pub async fn list_api_tokens() -> Result<Vec<ApiTokenView>, ServerFnError> {
    use super::ssr::*;
    let (engine, _) = require_admin().await?;
    engine.api_tokens().await.map_err(to_error)
}

/// A new token acting as the signed-in admin, with their rights.
#[server]
pub async fn create_api_token(name: String) -> Result<NewApiToken, ServerFnError> {
    use super::ssr::*;
    let (engine, admin) = require_admin().await?;
    let parts: http::request::Parts = leptos_axum::extract().await?;
    engine
        .create_api_token(&admin, &name, Some(web::client(&parts)))
        .await
        .map_err(to_error)
}

/// Revokes a token: one's own, or any for an admin with write rights.
#[server]
pub async fn revoke_api_token(id: String) -> Result<(), ServerFnError> {
    use super::ssr::*;
    let (engine, admin) = require_admin().await?;
    let parts: http::request::Parts = leptos_axum::extract().await?;
    engine
        .revoke_api_token(&admin, &id, Some(web::client(&parts)))
        .await
        .map_err(to_error)
}
