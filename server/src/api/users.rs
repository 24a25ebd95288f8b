//! `/api/v1/users`: Okta's User objects, listed in pages and read one by one.

use super::model::{CreateUserRequest, Empty, UpdateUserRequest, User};
use super::{encode, link_header, origin, page_limit, ApiError, Caller};
use crate::AppState;
use axum::extract::{Path, Query, State};
use axum::http::{header, HeaderMap};
use axum::response::{IntoResponse, Response};
use axum::{Extension, Json};
use engine::model::{Lifecycle, UserStatus};
use engine::syslog::filter::Filter;
use schemars::JsonSchema;
use serde::Deserialize;
use serde_json::Value;

#[derive(Deserialize, JsonSchema)]
pub struct ListQuery {
    /// The cursor of the next page, from the Link header
    after: Option<String>,
    /// How many on a page (at most 200)
    #[schemars(with = "Option<u32>", range(min = 1, max = 200))]
    limit: Option<String>,
    /// A prefix of first name, last name or email; deactivated users aside
    q: Option<String>,
    /// An expression over any attribute, deactivated users included, such
    /// as `profile.department eq "Sales"`
    search: Option<String>,
    /// An expression over status, lastUpdated, id and profile.login,
    /// email, firstName, lastName
    filter: Option<String>,
}

/// The attributes `filter` may name (Okta's list); `search` may name any.
const FILTER_PATHS: [&str; 7] = [
    "status",
    "lastUpdated",
    "id",
    "profile.login",
    "profile.email",
    "profile.firstName",
    "profile.lastName",
];

/// Users one list call reads looking for those a `search` or `filter`
/// matches; past it, the page ends with what was found and its `next` link
/// goes on from there.
const SCAN_BUDGET: usize = 20_000;
/// Users read at a time while scanning.
const SCAN_CHUNK: i64 = 500;

/// The `search` or `filter` of a list call, parsed; E0000053 when it
/// cannot be, or names what `filter` does not take.
fn expression(query: &ListQuery) -> Result<Option<(&'static str, String, Filter)>, ApiError> {
    let (name, text) = match (&query.search, &query.filter) {
        (Some(_), Some(_)) => {
            return Err(ApiError::bad_query(
                "search and filter cannot be used together",
            ))
        }
        (Some(s), None) => ("search", s),
        (None, Some(f)) => ("filter", f),
        (None, None) => return Ok(None),
    };
    let parsed = Filter::parse(text).map_err(|e| ApiError::bad_query(format!("{name}: {e}")))?;
    if name == "filter" {
        if let Some(path) = parsed
            .paths()
            .into_iter()
            .find(|p| !FILTER_PATHS.contains(&p.as_str()))
        {
            return Err(ApiError::bad_query(format!(
                "filter: {path} cannot be filtered on; use one of {} (or search)",
                FILTER_PATHS.join(", ")
            )));
        }
    }
    Ok(Some((name, text.clone(), parsed)))
}

pub async fn list(
    State(state): State<AppState>,
    Extension(Caller(admin)): Extension<Caller>,
    headers: HeaderMap,
    Query(query): Query<ListQuery>,
) -> Result<Response, ApiError> {
    let limit = page_limit(query.limit.as_deref())?;
    let expression = expression(&query)?;
    let q = query.q.clone().unwrap_or_default();
    let read = state.engine.read(&admin);
    let base = origin(&headers);
    let page = |after: Option<&str>| {
        let mut path = format!("/api/v1/users?limit={limit}");
        if !q.is_empty() {
            path.push_str(&format!("&q={}", encode(&q)));
        }
        if let Some((name, text, _)) = &expression {
            path.push_str(&format!("&{name}={}", encode(text)));
        }
        if let Some(after) = after {
            path.push_str(&format!("&after={}", encode(after)));
        }
        path
    };
    let (body, next) = match &expression {
        None => {
            let users = read.users_after(query.after.as_deref(), &q, limit).await?;
            let next = (users.len() as i64 == limit)
                .then(|| users.last().map(|u| page(Some(&u.id))))
                .flatten();
            let body: Vec<User> = users.iter().map(|u| User::of(&base, u)).collect();
            (body, next)
        }
        Some((_, _, filter)) => {
            // Every user in id order, each tested as the User JSON it is
            // answered as, until the page is full or the budget spent.
            let mut body = Vec::new();
            let mut cursor = query.after.clone();
            let mut scanned = 0;
            let mut next = None;
            loop {
                let users = read.users_after(cursor.as_deref(), &q, SCAN_CHUNK).await?;
                let ended = (users.len() as i64) < SCAN_CHUNK;
                for u in &users {
                    scanned += 1;
                    cursor = Some(u.id.clone());
                    let user = User::of(&base, u);
                    let json = serde_json::to_value(&user).map_err(ApiError::internal)?;
                    if filter.matches(&json) {
                        body.push(user);
                        if body.len() as i64 == limit {
                            break;
                        }
                    }
                }
                let full = body.len() as i64 == limit;
                if full || scanned >= SCAN_BUDGET {
                    next = cursor.as_deref().map(|c| page(Some(c)));
                    break;
                }
                if ended {
                    break;
                }
            }
            (body, next)
        }
    };
    let this = page(query.after.as_deref());
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
) -> Result<Json<User>, ApiError> {
    let user = state
        .engine
        .read(&admin)
        .find_user(&id)
        .await
        .map_err(|e| ApiError::about(e, "User", &id))?;
    Ok(Json(User::of(&origin(&headers), &user)))
}

#[derive(Deserialize, JsonSchema)]
pub struct CreateQuery {
    /// true (the default): the user is ACTIVE; false: STAGED
    #[schemars(with = "Option<bool>")]
    activate: Option<String>,
}

/// `POST /api/v1/users?activate=…`: a new user, ACTIVE unless `activate`
/// is `false` (then STAGED).
pub async fn create(
    State(state): State<AppState>,
    Extension(Caller(admin)): Extension<Caller>,
    headers: HeaderMap,
    Query(query): Query<CreateQuery>,
    body: axum::body::Bytes,
) -> Result<Json<User>, ApiError> {
    let activate = match query.activate.as_deref() {
        None | Some("true") => true,
        Some("false") => false,
        Some(other) => {
            return Err(ApiError::validation(format!(
                "activate: {other:?} is neither true nor false"
            )))
        }
    };
    let body: CreateUserRequest = serde_json::from_slice(&body).map_err(ApiError::bad_body)?;
    let profile = body
        .profile
        .ok_or_else(|| ApiError::validation("profile: the user's profile is required"))?;
    let user = state
        .engine
        .write(&admin)?
        .add_person(&engine::model::NewPerson {
            first_name: profile.first_name,
            last_name: profile.last_name,
            login: profile.login,
            email: profile.email,
            activate,
        })
        .await?;
    Ok(Json(User::of(&origin(&headers), &user)))
}

/// The Muster operation an Okta lifecycle operation is for a user in
/// `status`, or why there is none.
fn lifecycle_of(op: &str, status: UserStatus) -> Result<Lifecycle, ApiError> {
    let wanted = match op {
        "activate" if status == UserStatus::Deprovisioned => Lifecycle::Reactivate,
        "activate" => Lifecycle::Activate,
        "reactivate" if status == UserStatus::Provisioned => Lifecycle::Activate,
        "reactivate" => Lifecycle::Reactivate,
        "deactivate" => Lifecycle::Deactivate,
        "suspend" => Lifecycle::Suspend,
        "unsuspend" => Lifecycle::Unsuspend,
        "unlock" | "expire_password" | "reset_password" => {
            return Err(ApiError::validation(format!(
                "{op}: Muster's users have no password in Muster to unlock, expire or reset"
            )))
        }
        other => {
            return Err(ApiError::not_found(&format!(
                "Resource not found: lifecycle operation {other}"
            )))
        }
    };
    match wanted.applies_to(status) {
        true => Ok(wanted),
        false => Err(ApiError::validation(format!(
            "Cannot {op} a user whose status is {}",
            status.as_str()
        ))),
    }
}

/// `POST /api/v1/users/{userId}/lifecycle/{op}`, with Okta's status rules.
pub async fn lifecycle(
    State(state): State<AppState>,
    Extension(Caller(admin)): Extension<Caller>,
    Path((id, op)): Path<(String, String)>,
) -> Result<Json<Empty>, ApiError> {
    let write = state.engine.write(&admin)?;
    let user = write
        .find_user(&id)
        .await
        .map_err(|e| ApiError::about(e, "User", &id))?;
    let op = lifecycle_of(&op, user.status)?;
    write.change_status(&[user.id], op).await?;
    Ok(Json(Empty {}))
}

/// `DELETE /api/v1/users/{userId}`: deactivates a user who is not yet
/// deactivated, deletes one who is (as Okta does: delete twice to delete).
pub async fn delete(
    State(state): State<AppState>,
    Extension(Caller(admin)): Extension<Caller>,
    Path(id): Path<String>,
) -> Result<axum::http::StatusCode, ApiError> {
    let write = state.engine.write(&admin)?;
    let user = write
        .find_user(&id)
        .await
        .map_err(|e| ApiError::about(e, "User", &id))?;
    match user.status {
        UserStatus::Deprovisioned => write.delete_person(&user.id).await?,
        _ => {
            write
                .change_status(&[user.id], Lifecycle::Deactivate)
                .await?;
        }
    }
    Ok(axum::http::StatusCode::NO_CONTENT)
}

/// `POST /api/v1/users/{userId}` (`partial`: the attributes sent change,
/// the rest stay) and `PUT` (the profile sent is the whole new profile).
async fn update(
    state: &AppState,
    admin: &engine::model::Admin,
    headers: &HeaderMap,
    id: &str,
    body: &[u8],
    partial: bool,
) -> Result<Json<User>, ApiError> {
    let body: UpdateUserRequest = serde_json::from_slice(body).map_err(ApiError::bad_body)?;
    let profile = body
        .profile
        .ok_or_else(|| ApiError::validation("profile: the user's profile is required"))?;
    let mut attributes = Vec::with_capacity(profile.len());
    for (name, value) in profile {
        match value {
            Value::String(s) => attributes.push((name, s)),
            Value::Null => {}
            other => {
                return Err(ApiError::validation(format!(
                    "profile.{name}: profile values are strings, not {other}"
                )))
            }
        }
    }
    let user = state
        .engine
        .write(admin)?
        .update_profile(id, attributes, !partial)
        .await
        .map_err(|e| ApiError::about(e, "User", id))?;
    Ok(Json(User::of(&origin(headers), &user)))
}

pub async fn update_partial(
    State(state): State<AppState>,
    Extension(Caller(admin)): Extension<Caller>,
    headers: HeaderMap,
    Path(id): Path<String>,
    body: axum::body::Bytes,
) -> Result<Json<User>, ApiError> {
    update(&state, &admin, &headers, &id, &body, true).await
}

pub async fn replace(
    State(state): State<AppState>,
    Extension(Caller(admin)): Extension<Caller>,
    headers: HeaderMap,
    Path(id): Path<String>,
    body: axum::body::Bytes,
) -> Result<Json<User>, ApiError> {
    update(&state, &admin, &headers, &id, &body, false).await
}
