//! People: the directory's users.

use leptos::prelude::*;
use proto::{Page, User};

#[server]
pub async fn list_people(search: String, offset: i64) -> Result<Page<User>, ServerFnError> {
    use super::ssr::*;
    let (engine, admin) = require_admin().await?;
    engine
        .read(&admin)
        .list_users(&search, offset, 50)
        .await
        .map_err(to_error)
}
