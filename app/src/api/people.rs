//! People: the directory's users and their app accounts.

use leptos::prelude::*;
use leptos::server_fn::codec::Json;
use proto::{Lifecycle, NewPerson, Page, PeopleFilter, Person, StatusChange, SyncedPerson, User};

/// The people `filter` picks, newest first, with their app accounts.
#[server(input = Json)]
pub async fn list_people(filter: PeopleFilter, offset: i64) -> Result<Page<Person>, ServerFnError> {
    use super::ssr::*;
    let (engine, admin) = require_admin().await?;
    engine
        .read(&admin)
        .list_people(&filter, offset, 50)
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

/// A person's page: their profile read again from the directory that
/// sources them (Real-Time Sync), then the person with their accounts.
#[server]
pub async fn open_person(id: String) -> Result<SyncedPerson, ServerFnError> {
    use super::ssr::*;
    let (engine, admin) = require_admin().await?;
    engine.read(&admin).open_person(&id).await.map_err(to_error)
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

/// Applies a lifecycle operation (Activate, Suspend, Unsuspend, Deactivate,
/// Reactivate) to these people; those it does not apply to are named.
#[server(input = Json)]
pub async fn change_status(
    user_ids: Vec<String>,
    op: Lifecycle,
) -> Result<StatusChange, ServerFnError> {
    use super::ssr::*;
    let (engine, admin) = require_admin().await?;
    engine
        .write(&admin)
        .map_err(to_error)?
        .change_status(&user_ids, op)
        .await
        .map_err(to_error)
}

/// Adds a person by hand (Muster is then the source of their profile).
#[server(input = Json)]
pub async fn add_person(person: NewPerson) -> Result<User, ServerFnError> {
    use super::ssr::*;
    let (engine, admin) = require_admin().await?;
    engine
        .write(&admin)
        .map_err(to_error)?
        .add_person(&person)
        .await
        .map_err(to_error)
}

/// Deletes a deactivated (DEPROVISIONED) person; their app accounts stay,
/// unlinked.
#[server]
pub async fn delete_person(id: String) -> Result<(), ServerFnError> {
    use super::ssr::*;
    let (engine, admin) = require_admin().await?;
    engine
        .write(&admin)
        .map_err(to_error)?
        .delete_person(&id)
        .await
        .map_err(to_error)
}
