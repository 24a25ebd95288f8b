//! Pages need a signed-in admin: anyone else is sent to the sign-in page.
//! Server functions and console routes check the session themselves and
//! answer 401.

use crate::AppState;
use axum::extract::{Request, State};
use axum::http::{header, Method, StatusCode};
use axum::middleware::Next;
use axum::response::{IntoResponse, Redirect, Response};

/// Paths anyone may fetch: the sign-in page, its assets, server functions
/// (which check the session themselves) and the health check.
fn is_public(path: &str) -> bool {
    path == "/signin"
        || path == "/healthz"
        || path == "/favicon.ico"
        || path.starts_with("/pkg/")
        || path.starts_with("/api/")
}

pub async fn require_session(State(state): State<AppState>, req: Request, next: Next) -> Response {
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
        None => Redirect::to("/signin").into_response(),
    }
}
