//! The Okta-compatible REST API under `/api/v1`. Every call carries an API
//! token (`Authorization: SSWS <token>`) and acts as the admin who created
//! it, with their rights; no cookie is accepted here. Every answer carries
//! `X-Okta-Request-Id` and the rate limit headers; errors are Okta's JSON.
//!
//! The router is built from [`routes`], so the tests that call every route
//! without a token reach each one there is.

mod directory;
mod error;
mod imports;
mod logs;
pub mod model;
pub mod openapi;
mod sessions;
mod users;

pub use error::ApiError;
pub use openapi::Doc;

use crate::AppState;
use axum::extract::{Request, State};
use axum::http::{header, HeaderValue, Method};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use axum::routing::MethodRouter;
use axum::Router;
use engine::model::Admin;
use std::collections::HashMap;
use std::sync::Mutex;
use std::time::{SystemTime, UNIX_EPOCH};

/// The admin a call's token acts as.
#[derive(Clone)]
pub struct Caller(pub Admin);

/// One route of the API: its method, path and handler, and what the
/// OpenAPI document says of it.
pub struct Route {
    pub method: Method,
    pub path: &'static str,
    pub handler: MethodRouter<AppState>,
    pub doc: Doc,
}

/// Every route of the API.
pub fn routes() -> Vec<Route> {
    use axum::routing::{delete, get, post, put};
    use model::*;
    let route =
        |method: Method, path: &'static str, handler: MethodRouter<AppState>, doc: Doc| Route {
            method,
            path,
            handler,
            doc,
        };
    let sessions = "/api/v1/identity-sources/{identitySourceId}/sessions";
    let upload = |id: &'static str, summary: &'static str| {
        Doc::new(id, summary)
            .empty(202, "Accepted: staged for the session's import")
            .error(
                400,
                "Past a limit or a bad value (E0000001), or a bad body (E0000003)",
            )
            .forbidden()
            .error(404, "No such identity source or session (E0000007)")
    };
    vec![
        route(
            Method::GET,
            "/api/v1/users",
            get(users::list),
            Doc::new("listUsers", "List users")
                .query::<users::ListQuery>()
                .answer::<Vec<User>>(200, "Users, a page")
                .error(400, "A bad search or filter (E0000053)"),
        ),
        route(
            Method::POST,
            "/api/v1/users",
            post(users::create),
            Doc::new("createUser", "Create a user (active unless activate=false)")
                .query::<users::CreateQuery>()
                .body::<CreateUserRequest>()
                .answer::<User>(200, "The user")
                .invalid()
                .forbidden(),
        ),
        route(
            Method::GET,
            "/api/v1/users/{userId}",
            get(users::get),
            Doc::new("getUser", "Retrieve a user")
                .answer::<User>(200, "The user")
                .not_found(),
        ),
        route(
            Method::POST,
            "/api/v1/users/{userId}",
            post(users::update_partial),
            Doc::new("updateUser", "Update a user's profile in part")
                .body::<UpdateUserRequest>()
                .answer::<User>(200, "The user")
                .invalid()
                .forbidden()
                .not_found(),
        ),
        route(
            Method::PUT,
            "/api/v1/users/{userId}",
            put(users::replace),
            Doc::new("replaceUser", "Replace a user's profile")
                .body::<UpdateUserRequest>()
                .answer::<User>(200, "The user")
                .invalid()
                .forbidden()
                .not_found(),
        ),
        route(
            Method::DELETE,
            "/api/v1/users/{userId}",
            delete(users::delete),
            Doc::new("deleteUser", "Deactivate a user, or delete a deactivated one")
                .empty(204, "Done")
                .forbidden()
                .not_found(),
        ),
        route(
            Method::POST,
            "/api/v1/users/{userId}/lifecycle/{op}",
            post(users::lifecycle),
            Doc::new(
                "userLifecycle",
                "activate, deactivate, suspend, unsuspend or reactivate a user",
            )
            .answer::<Empty>(200, "Done")
            .error(400, "Not for a user of this status (E0000001)")
            .forbidden()
            .not_found(),
        ),
        route(
            Method::GET,
            "/api/v1/logs",
            get(logs::list),
            Doc::new("listLogEvents", "List System Log events")
                .query::<logs::LogsQuery>()
                .answer::<Vec<LogEvent>>(200, "Events, a page")
                .error(400, "A bad filter, time or limit (E0000053, E0000001)"),
        ),
        route(
            Method::GET,
            "/api/v1/openapi.json",
            get(|headers: axum::http::HeaderMap| async move {
                axum::Json(openapi::document(&origin(&headers)))
            }),
            Doc::new("getOpenApiDocument", "This document")
                .answer::<serde_json::Map<String, serde_json::Value>>(200, "The OpenAPI document"),
        ),
        route(
            Method::GET,
            "/api/v1/apps",
            get(directory::apps),
            Doc::new("listApplications", "List apps")
                .query::<directory::NamedPageQuery>()
                .answer::<Vec<Application>>(200, "Apps, a page")
                .invalid(),
        ),
        route(
            Method::GET,
            "/api/v1/apps/{appId}",
            get(directory::app),
            Doc::new("getApplication", "Retrieve an app")
                .answer::<Application>(200, "The app")
                .not_found(),
        ),
        route(
            Method::GET,
            "/api/v1/apps/{appId}/users",
            get(directory::app_users),
            Doc::new("listApplicationUsers", "List an app's accounts linked to people")
                .query::<directory::PageQuery>()
                .answer::<Vec<AppUser>>(200, "App users, a page")
                .invalid()
                .not_found(),
        ),
        route(
            Method::GET,
            "/api/v1/groups",
            get(directory::groups),
            Doc::new("listGroups", "List groups")
                .query::<directory::NamedPageQuery>()
                .answer::<Vec<Group>>(200, "Groups, a page")
                .invalid(),
        ),
        route(
            Method::GET,
            "/api/v1/groups/{groupId}",
            get(directory::group),
            Doc::new("getGroup", "Retrieve a group")
                .answer::<Group>(200, "The group")
                .not_found(),
        ),
        route(
            Method::GET,
            "/api/v1/groups/{groupId}/users",
            get(directory::group_users),
            Doc::new("listGroupUsers", "List a group's people")
                .query::<directory::PageQuery>()
                .answer::<Vec<User>>(200, "People, a page")
                .invalid()
                .not_found(),
        ),
        route(
            Method::POST,
            "/api/v1/apps/{appId}/imports",
            post(imports::start),
            Doc::new(
                "startImport",
                "Muster's extension: start an import of any app (CSV, directory, SCIM)",
            )
            .body::<StartImportRequest>()
            .answer::<Run>(201, "The run, queued; Location is its address")
            .invalid()
            .forbidden()
            .not_found(),
        ),
        route(
            Method::GET,
            "/api/v1/apps/{appId}/imports/{runId}",
            get(imports::get),
            Doc::new("getImport", "Muster's extension: an import run as it stands")
                .answer::<Run>(200, "The run")
                .not_found(),
        ),
        route(
            Method::GET,
            sessions,
            get(sessions::list),
            Doc::new("listIdentitySourceSessions", "List an identity source's sessions")
                .answer::<Vec<IdentitySourceSession>>(200, "Sessions, newest first")
                .not_found(),
        ),
        route(
            Method::POST,
            sessions,
            post(sessions::create),
            Doc::new("createIdentitySourceSession", "Open an import session")
                .answer::<IdentitySourceSession>(200, "The session")
                .error(400, "The source has an active session (E0000001)")
                .forbidden()
                .not_found(),
        ),
        route(
            Method::GET,
            "/api/v1/identity-sources/{identitySourceId}/sessions/{sessionId}",
            get(sessions::get),
            Doc::new("getIdentitySourceSession", "Retrieve an import session")
                .answer::<IdentitySourceSession>(200, "The session")
                .not_found(),
        ),
        route(
            Method::DELETE,
            "/api/v1/identity-sources/{identitySourceId}/sessions/{sessionId}",
            delete(sessions::cancel),
            Doc::new("deleteIdentitySourceSession", "Cancel an open session (CLOSED)")
                .empty(204, "Cancelled")
                .error(400, "The session is not open (E0000001)")
                .forbidden()
                .not_found(),
        ),
        route(
            Method::POST,
            "/api/v1/identity-sources/{identitySourceId}/sessions/{sessionId}/bulk-upsert",
            post(sessions::bulk),
            upload("uploadIdentitySourceDataForUpsert", "Upload users to create or update")
                .body::<BulkUpsertRequestBody>(),
        ),
        route(
            Method::POST,
            "/api/v1/identity-sources/{identitySourceId}/sessions/{sessionId}/bulk-delete",
            post(sessions::bulk),
            upload("uploadIdentitySourceDataForDelete", "Upload users to deactivate")
                .body::<BulkDeleteRequestBody>(),
        ),
        route(
            Method::POST,
            "/api/v1/identity-sources/{identitySourceId}/sessions/{sessionId}/bulk-groups-upsert",
            post(sessions::bulk),
            upload("uploadIdentitySourceGroupsForUpsert", "Upload groups to create or update")
                .body::<BulkGroupUpsertRequestBody>(),
        ),
        route(
            Method::POST,
            "/api/v1/identity-sources/{identitySourceId}/sessions/{sessionId}/bulk-groups-delete",
            post(sessions::bulk),
            upload("uploadIdentitySourceGroupsDataForDelete", "Upload groups to delete")
                .body::<BulkGroupDeleteRequestBody>(),
        ),
        route(
            Method::POST,
            "/api/v1/identity-sources/{identitySourceId}/sessions/{sessionId}/bulk-group-memberships-upsert",
            post(sessions::bulk),
            upload("uploadIdentitySourceGroupMembershipsForUpsert", "Upload memberships to add")
                .body::<BulkGroupMembershipsRequestBody>(),
        ),
        route(
            Method::POST,
            "/api/v1/identity-sources/{identitySourceId}/sessions/{sessionId}/bulk-group-memberships-delete",
            post(sessions::bulk),
            upload("uploadIdentitySourceGroupMembershipsForDelete", "Upload memberships to remove")
                .body::<BulkGroupMembershipsRequestBody>(),
        ),
        route(
            Method::POST,
            "/api/v1/identity-sources/{identitySourceId}/sessions/{sessionId}/start-import",
            post(sessions::start_import),
            Doc::new("startImportFromIdentitySource", "Start the session's import (TRIGGERED)")
                .answer::<IdentitySourceSession>(200, "The session")
                .error(400, "The session is not IN_PROGRESS (E0000001)")
                .forbidden()
                .not_found(),
        ),
    ]
}

/// Where the API is served.
pub const PREFIX: &str = "/api/v1";

/// The API's router, nested at [`PREFIX`]: its routes behind the token check, the rate limit and
/// Okta's request id header; any other `/api/v1` path is Okta's 404.
pub fn router(state: &AppState) -> Router<AppState> {
    let mut router = Router::new();
    // Routes of one path and several methods merge into one.
    for route in routes() {
        router = router.route(route.path.trim_start_matches(PREFIX), route.handler);
    }
    router
        .fallback(|| async { ApiError::not_found("Resource not found").into_response() })
        .layer(axum::middleware::from_fn_with_state(
            state.clone(),
            authenticate,
        ))
        .layer(axum::middleware::from_fn_with_state(state.clone(), limit))
        .layer(axum::middleware::from_fn(okta_request_id))
}

/// `X-Okta-Request-Id` on every answer: the request's own id.
async fn okta_request_id(req: Request, next: Next) -> Response {
    let id = req.extensions().get::<web::RequestId>().cloned();
    let mut res = next.run(req).await;
    if let Some(value) = id.and_then(|id| HeaderValue::from_str(&id.0).ok()) {
        res.headers_mut().insert("x-okta-request-id", value);
    }
    res
}

/// The token a call carries, from `Authorization: SSWS <token>`.
/// Okta's Python SDK 3.x writes the scheme and the token with no space
/// between them (`SSWS00ab…`), and Okta accepts that, so Muster does too.
fn token(req: &Request) -> Option<&str> {
    let value = req
        .headers()
        .get(header::AUTHORIZATION)?
        .to_str()
        .ok()?
        .trim();
    let scheme = value.get(..4)?;
    let token = value.get(4..)?.trim();
    (scheme.eq_ignore_ascii_case("SSWS") && !token.is_empty()).then_some(token)
}

async fn authenticate(State(state): State<AppState>, mut req: Request, next: Next) -> Response {
    let Some(value) = token(&req).map(str::to_owned) else {
        return ApiError::invalid_token().into_response();
    };
    let (parts, body) = req.into_parts();
    let client = web::client(&parts);
    req = Request::from_parts(parts, body);
    match state.engine.api_token_admin(&value, Some(client)).await {
        Ok(Some(admin)) => {
            req.extensions_mut().insert(Caller(admin));
            next.run(req).await
        }
        Ok(None) => ApiError::invalid_token().into_response(),
        Err(e) => ApiError::from(e).into_response(),
    }
}

/// Requests each token (or, without one, each address) may make a minute,
/// counted in fixed one-minute windows.
#[derive(Default)]
pub struct RateLimits {
    windows: Mutex<HashMap<String, (u64, u32)>>,
}

impl RateLimits {
    /// Counts a request of `key` at `now` (seconds); returns how many are
    /// left in its window and when the window ends, or `None` when none are.
    fn take(&self, key: String, limit: u32, now: u64) -> (Option<u32>, u64) {
        let window = now / 60;
        let reset = (window + 1) * 60;
        let mut windows = self.windows.lock().unwrap_or_else(|p| p.into_inner());
        if windows.len() > 10_000 {
            windows.retain(|_, (w, _)| *w == window);
        }
        let entry = windows.entry(key).or_insert((window, 0));
        if entry.0 != window {
            *entry = (window, 0);
        }
        if entry.1 >= limit {
            return (None, reset);
        }
        entry.1 += 1;
        (Some(limit - entry.1), reset)
    }
}

async fn limit(State(state): State<AppState>, req: Request, next: Next) -> Response {
    let per_minute = state.http.api_requests_per_minute;
    let key = match token(&req) {
        Some(t) => format!("token:{}", engine::auth::token_hash(t)),
        None => format!(
            "address:{}",
            req.extensions()
                .get::<web::ClientIp>()
                .map(|ip| ip.0.to_string())
                .unwrap_or_default()
        ),
    };
    let now = SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map_or(0, |d| d.as_secs());
    let (left, reset) = state.api_limits.take(key, per_minute, now);
    let mut res = match left {
        Some(_) => next.run(req).await,
        None => ApiError::rate_limited().into_response(),
    };
    let headers = res.headers_mut();
    for (name, value) in [
        ("x-rate-limit-limit", per_minute as u64),
        ("x-rate-limit-remaining", left.unwrap_or(0) as u64),
        ("x-rate-limit-reset", reset),
    ] {
        headers.insert(name, HeaderValue::from(value));
    }
    res
}

/// The `Link` header of a page: `self` and, when there is one, `next`, in
/// one header (Okta's Python SDK reads only the first).
pub fn link_header(base: &str, this: &str, next: Option<&str>) -> HeaderValue {
    let mut value = format!("<{base}{this}>; rel=\"self\"");
    if let Some(next) = next {
        value.push_str(&format!(", <{base}{next}>; rel=\"next\""));
    }
    HeaderValue::from_str(&value).unwrap_or_else(|_| HeaderValue::from_static(""))
}

/// The most items a page of users, apps or groups holds, and how many
/// when `limit` is not given.
pub const PAGE_MAX: i64 = 200;

/// The `limit` asked for: at least 1, at most [`PAGE_MAX`].
pub fn page_limit(limit: Option<&str>) -> Result<i64, ApiError> {
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

/// A query parameter's value, percent-encoded for a link.
pub fn encode(text: &str) -> String {
    percent_encoding::utf8_percent_encode(text, percent_encoding::NON_ALPHANUMERIC).to_string()
}

/// The scheme and host this request reached, for absolute links.
pub fn origin(headers: &axum::http::HeaderMap) -> String {
    let text = |name: &str| headers.get(name).and_then(|v| v.to_str().ok());
    let host = text("x-forwarded-host")
        .or(text("host"))
        .unwrap_or("localhost");
    let scheme = text("x-forwarded-proto").unwrap_or("http");
    format!("{scheme}://{host}")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_window_allows_its_limit_then_refuses_until_the_next() {
        let limits = RateLimits::default();
        let t = 6_000;
        assert_eq!(limits.take("a".into(), 2, t), (Some(1), 6_060));
        assert_eq!(limits.take("a".into(), 2, t + 1), (Some(0), 6_060));
        assert_eq!(limits.take("a".into(), 2, t + 2), (None, 6_060));
        assert_eq!(
            limits.take("b".into(), 2, t + 2),
            (Some(1), 6_060),
            "per key"
        );
        assert_eq!(limits.take("a".into(), 2, t + 60), (Some(1), 6_120));
    }
}
