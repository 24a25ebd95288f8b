//! Apps and groups, read: `/api/v1/apps`, an app's users, `/api/v1/groups`
//! and a group's users, as Okta's objects, enough for the SDKs' list calls.
//! Their pages continue from an `after` cursor (the place in the list).

use super::users::{profile_json, user_json};
use super::{link_header, origin, page_limit, ApiError, Caller};
use crate::AppState;
use axum::extract::{Path, Query, State};
use axum::http::{header, HeaderMap};
use axum::response::{IntoResponse, Response};
use axum::{Extension, Json};
use engine::model::{App, GroupSummary, PeopleFilter};
use engine::store::stamp;
use serde::Deserialize;
use serde_json::{json, Value};

#[derive(Deserialize)]
pub struct PageQuery {
    after: Option<String>,
    limit: Option<String>,
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
fn paged(
    headers: &HeaderMap,
    path: &str,
    query: &PageQuery,
    offset: i64,
    limit: i64,
    items: Vec<Value>,
    more: bool,
) -> Response {
    let base = origin(headers);
    let q = query
        .q
        .as_deref()
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

fn app_json(base: &str, app: &App) -> Value {
    json!({
        "id": app.id,
        "name": app.kind.as_str().to_lowercase(),
        "label": app.name,
        "status": app.status.as_str(),
        "created": stamp(app.created),
        "lastUpdated": stamp(app.created),
        // Okta's SDKs read a BOOKMARK app's launch page from its settings:
        // the app's page in the console.
        "signOnMode": "BOOKMARK",
        "settings": {"app": {"url": format!("{base}/apps/{}", app.id), "requestIntegration": false}},
        "features": [],
        "_links": {
            "self": {"href": format!("{base}/api/v1/apps/{}", app.id)},
            "users": {"href": format!("{base}/api/v1/apps/{}/users", app.id)},
        },
    })
}

fn group_json(base: &str, g: &GroupSummary) -> Value {
    json!({
        "id": g.id,
        "type": "APP_GROUP",
        "objectClass": ["okta:user_group"],
        "profile": {"name": g.name, "description": g.description},
        "source": {"id": g.app_id},
        "_links": {
            "self": {"href": format!("{base}/api/v1/groups/{}", g.id)},
            "users": {"href": format!("{base}/api/v1/groups/{}/users", g.id)},
            "source": {"href": format!("{base}/api/v1/apps/{}", g.app_id)},
        },
    })
}

pub async fn apps(
    State(state): State<AppState>,
    Extension(Caller(admin)): Extension<Caller>,
    headers: HeaderMap,
    Query(query): Query<PageQuery>,
) -> Result<Response, ApiError> {
    let (offset, limit) = window(&query)?;
    let all = state
        .engine
        .read(&admin)
        .list_apps(query.q.as_deref().unwrap_or_default())
        .await?;
    let base = origin(&headers);
    let more = all.len() as i64 > offset + limit;
    let items = all
        .iter()
        .skip(offset as usize)
        .take(limit as usize)
        .map(|a| app_json(&base, a))
        .collect();
    Ok(paged(
        &headers,
        "/api/v1/apps",
        &query,
        offset,
        limit,
        items,
        more,
    ))
}

pub async fn app(
    State(state): State<AppState>,
    Extension(Caller(admin)): Extension<Caller>,
    headers: HeaderMap,
    Path(id): Path<String>,
) -> Result<Json<Value>, ApiError> {
    let app = state
        .engine
        .read(&admin)
        .get_app(&id)
        .await
        .map_err(|e| ApiError::about(e, "App", &id))?;
    Ok(Json(app_json(&origin(&headers), &app)))
}

/// An app's users: its accounts linked to people, as Okta's AppUser.
pub async fn app_users(
    State(state): State<AppState>,
    Extension(Caller(admin)): Extension<Caller>,
    headers: HeaderMap,
    Path(id): Path<String>,
    Query(query): Query<PageQuery>,
) -> Result<Response, ApiError> {
    let (offset, limit) = window(&query)?;
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
    let items = page
        .items
        .iter()
        .filter_map(|p| {
            let account = p.accounts.iter().find(|a| a.app_id == id)?;
            let u = &p.user;
            Some(json!({
                "id": u.id,
                "externalId": account.external_id,
                "created": stamp(u.created),
                "lastUpdated": stamp(u.last_updated),
                "scope": "USER",
                "status": u.status.as_str(),
                "credentials": {"userName": account.login},
                "profile": profile_json(u),
                "_links": {
                    "app": {"href": format!("{base}/api/v1/apps/{id}")},
                    "user": {"href": format!("{base}/api/v1/users/{}", u.id)},
                },
            }))
        })
        .collect();
    let more = page.total > offset + limit;
    Ok(paged(
        &headers,
        &format!("/api/v1/apps/{id}/users"),
        &query,
        offset,
        limit,
        items,
        more,
    ))
}

pub async fn groups(
    State(state): State<AppState>,
    Extension(Caller(admin)): Extension<Caller>,
    headers: HeaderMap,
    Query(query): Query<PageQuery>,
) -> Result<Response, ApiError> {
    let (offset, limit) = window(&query)?;
    let page = state
        .engine
        .read(&admin)
        .list_groups(query.q.as_deref().unwrap_or_default(), None, offset, limit)
        .await?;
    let base = origin(&headers);
    let items = page.items.iter().map(|g| group_json(&base, g)).collect();
    let more = page.total > offset + limit;
    Ok(paged(
        &headers,
        "/api/v1/groups",
        &query,
        offset,
        limit,
        items,
        more,
    ))
}

pub async fn group(
    State(state): State<AppState>,
    Extension(Caller(admin)): Extension<Caller>,
    headers: HeaderMap,
    Path(id): Path<String>,
) -> Result<Json<Value>, ApiError> {
    let group = state
        .engine
        .read(&admin)
        .get_group(&id, 0, 1)
        .await
        .map_err(|e| ApiError::about(e, "UserGroup", &id))?;
    let mut body = group_json(&origin(&headers), &group.summary);
    body["created"] = json!(stamp(group.created));
    body["lastUpdated"] = json!(stamp(group.last_updated));
    body["lastMembershipUpdated"] = json!(stamp(group.last_updated));
    Ok(Json(body))
}

/// A group's members linked to people, as Okta's User objects.
pub async fn group_users(
    State(state): State<AppState>,
    Extension(Caller(admin)): Extension<Caller>,
    headers: HeaderMap,
    Path(id): Path<String>,
    Query(query): Query<PageQuery>,
) -> Result<Response, ApiError> {
    let (offset, limit) = window(&query)?;
    let group = state
        .engine
        .read(&admin)
        .get_group(&id, offset, limit)
        .await
        .map_err(|e| ApiError::about(e, "UserGroup", &id))?;
    let base = origin(&headers);
    let items = group
        .members
        .items
        .iter()
        .filter_map(|m| m.user.as_ref().map(|u| user_json(&base, u)))
        .collect();
    let more = group.members.total > offset + limit;
    Ok(paged(
        &headers,
        &format!("/api/v1/groups/{id}/users"),
        &query,
        offset,
        limit,
        items,
        more,
    ))
}
