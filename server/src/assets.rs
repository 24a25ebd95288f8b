//! The site (WASM, JS, CSS, public files) compiled into the binary. In debug
//! builds the files are read from `target/site` instead.

use crate::AppState;
use axum::body::Body;
use axum::extract::{Request, State};
use axum::http::{header, StatusCode};
use axum::response::{IntoResponse, Response};
use rust_embed::RustEmbed;

#[derive(RustEmbed)]
#[folder = "../target/site"]
#[allow_missing = true]
struct Site;

/// Serves an embedded file, or the console's "not found" page.
pub async fn static_or_not_found(State(state): State<AppState>, req: Request) -> Response {
    let path = req.uri().path().trim_start_matches('/');
    if let Some(file) = Site::get(path) {
        let mime = file.metadata.mimetype().to_owned();
        let cache = if path.starts_with("pkg/") {
            "no-cache"
        } else {
            "public, max-age=3600"
        };
        return (
            [
                (header::CONTENT_TYPE, mime),
                (header::CACHE_CONTROL, cache.to_owned()),
            ],
            Body::from(file.data),
        )
            .into_response();
    }
    let handler = leptos_axum::render_app_to_stream_with_context(
        crate::page_context(state.engine.clone(), state.http.secure_cookies),
        {
            let options = state.leptos_options.clone();
            move || app::shell(options.clone())
        },
    );
    let mut res = handler(req).await.into_response();
    *res.status_mut() = StatusCode::NOT_FOUND;
    res
}
