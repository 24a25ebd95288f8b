//! People: the directory's users.

use crate::wire::{PageView, UserView};
use leptos::prelude::*;

#[server]
pub async fn list_people(search: String, offset: i64) -> Result<PageView<UserView>, ServerFnError> {
    use super::ssr::*;
    let (engine, admin) = require_admin().await?;
    let page = engine
        .read(&admin)
        .list_users(&search, offset, 50)
        .await
        .map_err(to_error)?;
    Ok(PageView {
        items: page
            .items
            .into_iter()
            .map(|u| UserView {
                id: u.id,
                status: u.status,
                login: u.login,
                email: u.email,
                first_name: u.first_name,
                last_name: u.last_name,
                source: u.source_app_name,
                created: u.created,
                profile: u
                    .profile
                    .as_object()
                    .map(|m| {
                        m.iter()
                            .map(|(k, v)| {
                                (
                                    k.clone(),
                                    v.as_str().map_or_else(|| v.to_string(), str::to_owned),
                                )
                            })
                            .collect()
                    })
                    .unwrap_or_default(),
            })
            .collect(),
        total: page.total,
        offset: page.offset,
        limit: page.limit,
    })
}
