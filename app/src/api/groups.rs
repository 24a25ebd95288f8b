//! Groups: imported from directories, with their members.

use leptos::prelude::*;
use proto::{Group, GroupSummary, Page};

/// Groups by name whose name or description holds `search`.
#[server]
pub async fn list_groups(search: String, offset: i64) -> Result<Page<GroupSummary>, ServerFnError> {
    use super::ssr::*;
    let (engine, admin) = require_admin().await?;
    engine
        .read(&admin)
        .list_groups(&search, None, offset, 50)
        .await
        .map_err(to_error)
}

/// A group with a page of its members.
#[server]
pub async fn get_group(id: String, offset: i64) -> Result<Group, ServerFnError> {
    use super::ssr::*;
    let (engine, admin) = require_admin().await?;
    engine
        .read(&admin)
        .get_group(&id, offset, 100)
        .await
        .map_err(to_error)
}

/// The groups a person is in.
#[server]
pub async fn person_groups(id: String) -> Result<Vec<GroupSummary>, ServerFnError> {
    use super::ssr::*;
    let (engine, admin) = require_admin().await?;
    engine
        .read(&admin)
        .groups_of_person(&id)
        .await
        .map_err(to_error)
}
