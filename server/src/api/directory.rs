//! Apps and groups, read: `/api/v1/apps`, an app's users, `/api/v1/groups`
//! and a group's users, as Okta's objects, enough for the SDKs' list calls.
//! Their pages continue from an `after` cursor (the place in the list).

use super::model::{AppUser, AppUserCredentials, AppUserLinks, AppUserScope, Application, Group};
use super::model::{Link, Time, User, UserProfile};
use super::{link_header, origin, page_limit, ApiError, Caller};
use crate::AppState;
use axum::extract::{Path, Query, State};
use axum::http::{header, HeaderMap};
use axum::response::{IntoResponse, Response};
use axum::{Extension, Json};
use engine::model::PeopleFilter;
use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

/// Where a page of a list starts, and how long it is.
#[derive(Deserialize, JsonSchema)]
pub struct PageQuery {
    /// The cursor of the next page, from the Link header
    after: Option<String>,
    /// How many on a page (at most 200)
    #[schemars(with = "Option<u32>", range(min = 1, max = 200))]
    limit: Option<String>,
}

/// A page of apps or groups, those whose name starts with `q`.
#[derive(Deserialize, JsonSchema)]
pub struct NamedPageQuery {
    #[serde(flatten)]
    page: PageQuery,
    /// A prefix of the name
    q: Option<String>,
}

/// Where a page starts and how long it is.
fn window(query: &PageQuery) -> Result<(i64, i64), ApiError> {
    let limit = page_limit(query.limit.as_deref())?;
    let offset = match query.after.as_deref() {
        None => 0,
        Some(text) => text
            .parse::<i64>()
            .ok()
            .filter(|n| *n >= 0)
            .ok_or_else(|| {
                ApiError::validation(format!("after: {text:?} is not a cursor this list gave"))
            })?,
    };
    Ok((offset, limit))
}

/// A page's answer with its Link header.
fn paged<T: Serialize>(
    headers: &HeaderMap,
    path: &str,
    q: Option<&str>,
    (offset, limit): (i64, i64),
    items: Vec<T>,
    more: bool,
) -> Response {
    let base = origin(headers);
    let q = q
        .filter(|q| !q.is_empty())
        .map(|q| format!("&q={}", super::encode(q)))
        .unwrap_or_default();
    let at = |offset: i64| match offset {
        0 => format!("{path}?limit={limit}{q}"),
        n => format!("{path}?limit={limit}{q}&after={n}"),
    };
    let next = more.then(|| at(offset + limit));
    (
        [(
            header::LINK,
            link_header(&base, &at(offset), next.as_deref()),
        )],
        Json(items),
    )
        .into_response()
}

pub async fn apps(
    State(state): State<AppState>,
    Extension(Caller(admin)): Extension<Caller>,
    headers: HeaderMap,
    Query(query): Query<NamedPageQuery>,
) -> Result<Response, ApiError> {
    let window = window(&query.page)?;
    let (offset, limit) = window;
    let all = state
        .engine
        .read(&admin)
        .list_apps(query.q.as_deref().unwrap_or_default())
        .await?;
    let base = origin(&headers);
    let more = all.len() as i64 > offset + limit;
    let items: Vec<Application> = all
        .iter()
        .skip(offset as usize)
        .take(limit as usize)
        .map(|a| Application::of(&base, a))
        .collect();
    Ok(paged(
        &headers,
        "/api/v1/apps",
        query.q.as_deref(),
        window,
        items,
        more,
    ))
}

pub async fn app(
    State(state): State<AppState>,
    Extension(Caller(admin)): Extension<Caller>,
    headers: HeaderMap,
    Path(id): Path<String>,
) -> Result<Json<Application>, ApiError> {
    let app = state
        .engine
        .read(&admin)
        .get_app(&id)
        .await
        .map_err(|e| ApiError::about(e, "App", &id))?;
    Ok(Json(Application::of(&origin(&headers), &app)))
}

/// An app's users: its accounts linked to people, as Okta's AppUser.
pub async fn app_users(
    State(state): State<AppState>,
    Extension(Caller(admin)): Extension<Caller>,
    headers: HeaderMap,
    Path(id): Path<String>,
    Query(query): Query<PageQuery>,
) -> Result<Response, ApiError> {
    let window = window(&query)?;
    let (offset, limit) = window;
    let read = state.engine.read(&admin);
    read.get_app(&id)
        .await
        .map_err(|e| ApiError::about(e, "App", &id))?;
    let filter = PeopleFilter {
        app_id: Some(id.clone()),
        include_deactivated: true,
        ..PeopleFilter::default()
    };
    let page = read.list_people(&filter, offset, limit).await?;
    let base = origin(&headers);
    let items: Vec<AppUser> = page
        .items
        .iter()
        .filter_map(|p| {
            let account = p.accounts.iter().find(|a| a.app_id == id)?;
            let u = &p.user;
            Some(AppUser {
                id: u.id.clone(),
                external_id: account.external_id.clone(),
                created: Time::of(u.created),
                last_updated: Time::of(u.last_updated),
                scope: AppUserScope::User,
                status: u.status,
                credentials: AppUserCredentials {
                    user_name: account.login.clone(),
                },
                profile: UserProfile::of(u),
                links: AppUserLinks {
                    app: Link::to(format!("{base}/api/v1/apps/{id}")),
                    user: Link::to(format!("{base}/api/v1/users/{}", u.id)),
                },
            })
        })
        .collect();
    let more = page.total > offset + limit;
    Ok(paged(
        &headers,
        &format!("/api/v1/apps/{id}/users"),
        None,
        window,
        items,
        more,
    ))
}

pub async fn groups(
    State(state): State<AppState>,
    Extension(Caller(admin)): Extension<Caller>,
    headers: HeaderMap,
    Query(query): Query<NamedPageQuery>,
) -> Result<Response, ApiError> {
    let window = window(&query.page)?;
    let (offset, limit) = window;
    let page = state
        .engine
        .read(&admin)
        .list_groups(query.q.as_deref().unwrap_or_default(), None, offset, limit)
        .await?;
    let base = origin(&headers);
    let items: Vec<Group> = page.items.iter().map(|g| Group::of(&base, g)).collect();
    let more = page.total > offset + limit;
    Ok(paged(
        &headers,
        "/api/v1/groups",
        query.q.as_deref(),
        window,
        items,
        more,
    ))
}

pub async fn group(
    State(state): State<AppState>,
    Extension(Caller(admin)): Extension<Caller>,
    headers: HeaderMap,
    Path(id): Path<String>,
) -> Result<Json<Group>, ApiError> {
    let group = state
        .engine
        .read(&admin)
        .get_group(&id, 0, 1)
        .await
        .map_err(|e| ApiError::about(e, "UserGroup", &id))?;
    Ok(Json(Group {
        created: Some(Time::of(group.created)),
        last_updated: Some(Time::of(group.last_updated)),
        last_membership_updated: Some(Time::of(group.last_updated)),
        ..Group::of(&origin(&headers), &group.summary)
    }))
}

/// A group's members linked to people, as Okta's User objects.
pub async fn group_users(
    State(state): State<AppState>,
    Extension(Caller(admin)): Extension<Caller>,
    headers: HeaderMap,
    Path(id): Path<String>,
    Query(query): Query<PageQuery>,
) -> Result<Response, ApiError> {
    let window = window(&query)?;
    let (offset, limit) = window;
    let group = state
        .engine
        .read(&admin)
        .get_group(&id, offset, limit)
        .await
        .map_err(|e| ApiError::about(e, "UserGroup", &id))?;
    let base = origin(&headers);
    let items: Vec<User> = group
        .members
        .items
        .iter()
        .filter_map(|m| m.user.as_ref().map(|u| User::of(&base, u)))
        .collect();
    let more = group.members.total > offset + limit;
    Ok(paged(
        &headers,
        &format!("/api/v1/groups/{id}/users"),
        None,
        window,
        items,
        more,
    ))
}
