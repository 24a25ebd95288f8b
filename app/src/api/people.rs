//! People: the directory's users and their app accounts.

use leptos::prelude::*;
use proto::{Page, Person};

/// People whose name, login or email contains `search`, with their app
/// accounts; DEPROVISIONED people only when `include_deactivated`.
#[server]
pub async fn list_people(
    search: String,
    include_deactivated: bool,
    offset: i64,
) -> Result<Page<Person>, ServerFnError> {
    use super::ssr::*;
    let (engine, admin) = require_admin().await?;
    engine
        .read(&admin)
        .list_people(&search, include_deactivated, offset, 50)
        .await
        .map_err(to_error)
}

/// A person with their app accounts.
#[server]
pub async fn get_person(id: String) -> Result<Person, ServerFnError> {
    use super::ssr::*;
    let (engine, admin) = require_admin().await?;
    engine.read(&admin).get_person(&id).await.map_err(to_error)
}

/// Unlinks an app's account from its person (who loses the account and the
/// assignment); the app's next full import queues the account again.
#[server]
pub async fn unlink_account(app_id: String, external_id: String) -> Result<(), ServerFnError> {
    use super::ssr::*;
    let (engine, admin) = require_admin().await?;
    engine
        .write(&admin)
        .map_err(to_error)?
        .unlink_account(&app_id, &external_id)
        .await
        .map_err(to_error)
}
