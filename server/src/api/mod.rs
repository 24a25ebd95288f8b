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
pub mod openapi;
mod sessions;
mod users;

pub use error::ApiError;

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

/// Every route of the API: method, path and handler.
pub fn routes() -> Vec<(Method, &'static str, MethodRouter<AppState>)> {
    let route = |method: Method, path: &'static str, handler: MethodRouter<AppState>| {
        (method, path, handler)
    };
    vec![
        route(
            Method::GET,
            "/api/v1/users",
            axum::routing::get(users::list),
        ),
        route(
            Method::POST,
            "/api/v1/users",
            axum::routing::post(users::create),
        ),
        route(
            Method::GET,
            "/api/v1/users/{userId}",
            axum::routing::get(users::get),
        ),
        route(
            Method::POST,
            "/api/v1/users/{userId}",
            axum::routing::post(users::update_partial),
        ),
        route(
            Method::PUT,
            "/api/v1/users/{userId}",
            axum::routing::put(users::replace),
        ),
        route(
            Method::DELETE,
            "/api/v1/users/{userId}",
            axum::routing::delete(users::delete),
        ),
        route(
            Method::POST,
            "/api/v1/users/{userId}/lifecycle/{op}",
            axum::routing::post(users::lifecycle),
        ),
        route(Method::GET, "/api/v1/logs", axum::routing::get(logs::list)),
        route(
            Method::GET,
            "/api/v1/openapi.json",
            axum::routing::get(|headers: axum::http::HeaderMap| async move {
                axum::Json(openapi::document(&origin(&headers)))
            }),
        ),
        route(
            Method::GET,
            "/api/v1/apps",
            axum::routing::get(directory::apps),
        ),
        route(
            Method::GET,
            "/api/v1/apps/{appId}",
            axum::routing::get(directory::app),
        ),
        route(
            Method::GET,
            "/api/v1/apps/{appId}/users",
            axum::routing::get(directory::app_users),
        ),
        route(
            Method::GET,
            "/api/v1/groups",
            axum::routing::get(directory::groups),
        ),
        route(
            Method::GET,
            "/api/v1/groups/{groupId}",
            axum::routing::get(directory::group),
        ),
        route(
            Method::GET,
            "/api/v1/groups/{groupId}/users",
            axum::routing::get(directory::group_users),
        ),
        route(
            Method::POST,
            "/api/v1/apps/{appId}/imports",
            axum::routing::post(imports::start),
        ),
        route(
            Method::GET,
            "/api/v1/apps/{appId}/imports/{runId}",
            axum::routing::get(imports::get),
        ),
        route(
            Method::GET,
            "/api/v1/identity-sources/{identitySourceId}/sessions",
            axum::routing::get(sessions::list),
        ),
        route(
            Method::POST,
            "/api/v1/identity-sources/{identitySourceId}/sessions",
            axum::routing::post(sessions::create),
        ),
        route(
            Method::GET,
            "/api/v1/identity-sources/{identitySourceId}/sessions/{sessionId}",
            axum::routing::get(sessions::get),
        ),
        route(
            Method::DELETE,
            "/api/v1/identity-sources/{identitySourceId}/sessions/{sessionId}",
            axum::routing::delete(sessions::cancel),
        ),
        route(
            Method::POST,
            "/api/v1/identity-sources/{identitySourceId}/sessions/{sessionId}/bulk-upsert",
            axum::routing::post(sessions::bulk),
        ),
        route(
            Method::POST,
            "/api/v1/identity-sources/{identitySourceId}/sessions/{sessionId}/bulk-delete",
            axum::routing::post(sessions::bulk),
        ),
        route(
            Method::POST,
            "/api/v1/identity-sources/{identitySourceId}/sessions/{sessionId}/bulk-groups-upsert",
            axum::routing::post(sessions::bulk),
        ),
        route(
            Method::POST,
            "/api/v1/identity-sources/{identitySourceId}/sessions/{sessionId}/bulk-groups-delete",
            axum::routing::post(sessions::bulk),
        ),
        route(
            Method::POST,
            "/api/v1/identity-sources/{identitySourceId}/sessions/{sessionId}/bulk-group-memberships-upsert",
            axum::routing::post(sessions::bulk),
        ),
        route(
            Method::POST,
            "/api/v1/identity-sources/{identitySourceId}/sessions/{sessionId}/bulk-group-memberships-delete",
            axum::routing::post(sessions::bulk),
        ),
        route(
            Method::POST,
            "/api/v1/identity-sources/{identitySourceId}/sessions/{sessionId}/start-import",
            axum::routing::post(sessions::start_import),
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
    for (_, path, handler) in routes() {
        router = router.route(path.trim_start_matches(PREFIX), handler);
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
