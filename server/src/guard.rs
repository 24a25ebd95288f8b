//! Pages need a signed-in admin: anyone else is sent to the sign-in page,
//! which returns them to the page they asked for. Server functions and
//! console routes check the session themselves and answer 401. Pages and
//! answers about the directory are never cached, so after Sign out the
//! browser's Back shows the sign-in page, not what was on screen.

use crate::AppState;
use axum::extract::{Request, State};
use axum::http::{header, HeaderValue, Method, StatusCode};
use axum::middleware::Next;
use axum::response::{IntoResponse, Redirect, Response};

/// Paths anyone may fetch: the sign-in page, its assets, server functions
/// (which check the session themselves) and the health check.
fn is_public(path: &str) -> bool {
    path == "/signin"
        || path == "/healthz"
        || path == "/readyz"
        || path == "/metrics"
        || path == "/favicon.ico"
        || path.starts_with("/pkg/")
        || path.starts_with("/api/")
}

pub async fn require_session(State(state): State<AppState>, req: Request, next: Next) -> Response {
    let mut res = check_session(state, req, next).await;
    if is_private(&res) {
        res.headers_mut()
            .insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    }
    res
}

/// Whether an answer may hold the directory's data: every page and every
/// server-function or console answer, but not the site's scripts, styles
/// and images.
fn is_private(res: &Response) -> bool {
    let kind = res
        .headers()
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .unwrap_or_default();
    !(kind.starts_with("application/wasm")
        || kind.starts_with("text/javascript")
        || kind.starts_with("application/javascript")
        || kind.starts_with("text/css")
        || kind.starts_with("image/")
        || kind.starts_with("font/"))
}

/// The sign-in page, to return to `uri` afterwards.
fn sign_in_then(uri: &axum::http::Uri) -> String {
    let back = uri.path_and_query().map_or("/", |p| p.as_str());
    if back == "/" {
        return "/signin".into();
    }
    let encoded = percent_encoding::utf8_percent_encode(back, percent_encoding::NON_ALPHANUMERIC);
    format!("/signin?next={encoded}")
}

async fn check_session(state: AppState, req: Request, next: Next) -> Response {
    let path = req.uri().path();
    if is_public(path) || req.method() != Method::GET && !path.starts_with("/console/") {
        return next.run(req).await;
    }
    let admin = web::session_admin(&state.engine, req.headers())
        .await
        .unwrap_or(None);
    match admin {
        Some(_) => next.run(req).await,
        None if path.starts_with("/console/") => (
            StatusCode::UNAUTHORIZED,
            [(header::CACHE_CONTROL, "no-store")],
            "Sign in required",
        )
            .into_response(),
        None => Redirect::to(&sign_in_then(req.uri())).into_response(),
    }
}
