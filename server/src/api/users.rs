//! `/api/v1/users`: Okta's User objects, listed in pages and read one by one.

use super::{encode, link_header, origin, ApiError, Caller};
use crate::AppState;
use axum::extract::{Path, Query, State};
use axum::http::{header, HeaderMap};
use axum::response::{IntoResponse, Response};
use axum::{Extension, Json};
use engine::store::stamp;
use proto::records::User;
use serde::Deserialize;
use serde_json::{json, Value};

/// The most users a page holds, and how many when `limit` is not given.
const PAGE_MAX: i64 = 200;

#[derive(Deserialize)]
pub struct ListQuery {
    after: Option<String>,
    limit: Option<String>,
    q: Option<String>,
}

/// A user as Okta's User JSON.
pub fn user_json(base: &str, u: &User) -> Value {
    let mut profile = match &u.profile {
        Value::Object(map) => map.clone(),
        _ => serde_json::Map::new(),
    };
    profile.insert("login".into(), json!(u.login));
    profile.insert("email".into(), json!(u.email));
    profile.insert("firstName".into(), json!(u.first_name));
    profile.insert("lastName".into(), json!(u.last_name));
    let provider = match &u.source_app_name {
        Some(app) => json!({"type": "IMPORT", "name": app}),
        None => json!({"type": "OKTA", "name": "OKTA"}),
    };
    json!({
        "id": u.id,
        "status": u.status.as_str(),
        "created": stamp(u.created),
        "activated": u.activated.map(stamp),
        "statusChanged": u.status_changed.map(stamp),
        "lastLogin": null,
        "lastUpdated": stamp(u.last_updated),
        "passwordChanged": null,
        "type": {"id": "oty_default"},
        "profile": profile,
        "credentials": {"provider": provider},
        "_links": {"self": {"href": format!("{base}/api/v1/users/{}", u.id)}},
    })
}

/// The `limit` asked for, within 1 and [`PAGE_MAX`].
fn page_size(limit: Option<&str>) -> Result<i64, ApiError> {
    match limit {
        None => Ok(PAGE_MAX),
        Some(text) => match text.parse::<i64>() {
            Ok(n) if n >= 1 => Ok(n.min(PAGE_MAX)),
            _ => Err(ApiError::validation(format!(
                "limit: {text:?} is not a number from 1 to {PAGE_MAX}"
            ))),
        },
    }
}

pub async fn list(
    State(state): State<AppState>,
    Extension(Caller(admin)): Extension<Caller>,
    headers: HeaderMap,
    Query(query): Query<ListQuery>,
) -> Result<Response, ApiError> {
    let limit = page_size(query.limit.as_deref())?;
    let q = query.q.unwrap_or_default();
    let users = state
        .engine
        .read(&admin)
        .users_after(query.after.as_deref(), &q, limit)
        .await?;
    let base = origin(&headers);
    let page = |after: Option<&str>| {
        let mut path = format!("/api/v1/users?limit={limit}");
        if !q.is_empty() {
            path.push_str(&format!("&q={}", encode(&q)));
        }
        if let Some(after) = after {
            path.push_str(&format!("&after={}", encode(after)));
        }
        path
    };
    let next = (users.len() as i64 == limit)
        .then(|| users.last().map(|u| page(Some(&u.id))))
        .flatten();
    let this = page(query.after.as_deref());
    let body: Vec<Value> = users.iter().map(|u| user_json(&base, u)).collect();
    Ok((
        [(header::LINK, link_header(&base, &this, next.as_deref()))],
        Json(body),
    )
        .into_response())
}

pub async fn get(
    State(state): State<AppState>,
    Extension(Caller(admin)): Extension<Caller>,
    headers: HeaderMap,
    Path(id): Path<String>,
) -> Result<Json<Value>, ApiError> {
    let user = state
        .engine
        .read(&admin)
        .find_user(&id)
        .await
        .map_err(|e| match e {
            engine::Error::NotFound(_) => {
                ApiError::not_found(&format!("Resource not found: {id} (User)"))
            }
            e => e.into(),
        })?;
    Ok(Json(user_json(&origin(&headers), &user)))
}
