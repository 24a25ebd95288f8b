//! The `muster` binary's pieces: configuration, the axum router around the
//! console, the upload route, embedded assets and the sign-in guard.

#![recursion_limit = "512"]

pub mod assets;
pub mod config;
pub mod guard;
pub mod uploads;

use app::{shell, App};
use axum::routing::{get, post};
use axum::Router;
use engine::Engine;
use leptos::prelude::*;
use leptos_axum::{generate_route_list, LeptosRoutes};
use std::net::SocketAddr;
use std::sync::Arc;
use web::SecureCookies;

/// What every handler can reach.
#[derive(Clone)]
pub struct AppState {
    pub engine: Arc<Engine>,
    pub leptos_options: LeptosOptions,
}

impl axum::extract::FromRef<AppState> for LeptosOptions {
    fn from_ref(state: &AppState) -> LeptosOptions {
        state.leptos_options.clone()
    }
}

/// Leptos settings for this build: the site is served from the embedded
/// assets, under the names that carry their hash.
pub fn leptos_options(addr: SocketAddr) -> LeptosOptions {
    LeptosOptions::builder()
        .output_name(assets::Site::embedded().output_name())
        .site_root("target/site")
        .site_pkg_dir("pkg")
        .site_addr(addr)
        .env(if cfg!(debug_assertions) {
            leptos::config::Env::DEV
        } else {
            leptos::config::Env::PROD
        })
        .build()
}

/// The whole HTTP surface of Muster.
pub fn router(engine: Arc<Engine>, leptos_options: LeptosOptions, secure_cookies: bool) -> Router {
    let routes = generate_route_list(App);
    let state = AppState {
        engine: engine.clone(),
        leptos_options: leptos_options.clone(),
    };
    let context = {
        let engine = engine.clone();
        move || {
            provide_context(engine.clone());
            provide_context(SecureCookies(secure_cookies));
        }
    };
    Router::new()
        .route("/console/apps/{id}/uploads", post(uploads::upload_csv))
        .route("/console/runs/{id}/errors.csv", get(uploads::error_report))
        .route(
            "/console/runs/{id}/removals.csv",
            get(uploads::removals_report),
        )
        .route("/console/runs/{id}/plan.csv", get(uploads::plan_report))
        .route("/console/logs.csv", get(uploads::log_report))
        .route("/console/people.csv", get(uploads::people_report))
        .route("/healthz", get(|| async { "ok" }))
        .leptos_routes_with_context(&state, routes, context, {
            let options = leptos_options.clone();
            move || shell(options.clone())
        })
        .fallback(assets::static_or_not_found)
        .layer(axum::middleware::from_fn_with_state(
            state.clone(),
            guard::require_session,
        ))
        .with_state(state)
}
