//! The `muster` binary's pieces: configuration, the axum router around the
//! console, the upload route, embedded assets and the sign-in guard.

#![recursion_limit = "512"]

pub mod api;
pub mod assets;
pub mod config;
pub mod guard;
pub mod metrics;
pub mod protect;
pub mod requests;
pub mod tls;
pub mod uploads;

use app::{shell, App};
use axum::http::StatusCode;
use axum::response::IntoResponse;
use axum::routing::{get, post};
use axum::Router;
use engine::Engine;
use leptos::prelude::*;
use leptos_axum::{generate_route_list, LeptosRoutes};
use std::net::SocketAddr;
use std::sync::Arc;
use web::{SecureCookies, TrustedProxies};

/// How Muster meets HTTP: whether cookies are Secure, and which proxies'
/// forwarded addresses are believed.
#[derive(Clone, Debug)]
pub struct HttpSettings {
    pub secure_cookies: bool,
    pub trusted_proxies: TrustedProxies,
    /// The token a `/metrics` scrape must carry; none turns `/metrics` off.
    pub metrics_token: Option<String>,
    /// Muster serves HTTPS itself: answers say to keep to it (HSTS).
    pub https: bool,
    /// Requests an API token (or an address without one) may make a minute.
    pub api_requests_per_minute: u32,
}

impl Default for HttpSettings {
    fn default() -> HttpSettings {
        HttpSettings {
            secure_cookies: false,
            trusted_proxies: TrustedProxies::default(),
            metrics_token: None,
            https: false,
            api_requests_per_minute: DEFAULT_API_REQUESTS_PER_MINUTE,
        }
    }
}

/// Requests a minute an API token may make unless configured otherwise.
pub const DEFAULT_API_REQUESTS_PER_MINUTE: u32 = 1200;

/// What every handler can reach.
#[derive(Clone)]
pub struct AppState {
    pub engine: Arc<Engine>,
    pub leptos_options: LeptosOptions,
    pub http: HttpSettings,
    pub requests: Arc<metrics::RequestMetrics>,
    pub api_limits: Arc<api::RateLimits>,
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

/// What a page's rendering can reach: the engine, the cookie settings and
/// the nonce the response's Content Security Policy names.
pub fn page_context(
    engine: Arc<Engine>,
    secure_cookies: bool,
) -> impl Fn() + Clone + Send + 'static {
    move || {
        provide_context(engine.clone());
        provide_context(SecureCookies(secure_cookies));
        // Pages are read with GET; a server function's answer has no script.
        let nonce = use_context::<http::request::Parts>()
            .filter(|parts| parts.method == http::Method::GET)
            .and_then(|parts| parts.extensions.get::<protect::CspNonce>().cloned());
        if let Some(nonce) = nonce {
            provide_context(leptos::nonce::Nonce::from_value(nonce.value()));
        }
    }
}

/// The whole HTTP surface of Muster.
pub fn router(engine: Arc<Engine>, leptos_options: LeptosOptions, http: HttpSettings) -> Router {
    let routes = console_routes().to_vec();
    let state = AppState {
        engine: engine.clone(),
        leptos_options: leptos_options.clone(),
        http: http.clone(),
        requests: Arc::default(),
        api_limits: Arc::default(),
    };
    let context = page_context(engine, http.secure_cookies);
    Router::new()
        .nest(api::PREFIX, api::router(&state))
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
        .route("/readyz", get(ready))
        .route("/metrics", get(metrics::scrape))
        .leptos_routes_with_context(&state, routes, context, {
            let options = leptos_options.clone();
            move || shell(options.clone())
        })
        .fallback(assets::static_or_not_found)
        .layer(axum::middleware::from_fn_with_state(
            state.clone(),
            guard::require_session,
        ))
        .layer(axum::middleware::from_fn_with_state(
            state.clone(),
            protect::protect,
        ))
        .layer(axum::middleware::from_fn(requests::identify))
        .layer(axum::middleware::from_fn_with_state(
            state.clone(),
            metrics::count,
        ))
        .with_state(state)
}

/// The console's routes, found once per process by running the app with
/// its resources held back. Held back means process-wide: a page rendered
/// on another thread while this runs would wait forever on its data, so a
/// process that builds several routers (the tests do) must not run it again.
fn console_routes() -> &'static [leptos_axum::AxumRouteListing] {
    static ROUTES: std::sync::OnceLock<Vec<leptos_axum::AxumRouteListing>> =
        std::sync::OnceLock::new();
    ROUTES.get_or_init(|| generate_route_list(App))
}

/// Ready to serve: the database answers and its schema is this build's.
async fn ready(axum::extract::State(state): axum::extract::State<AppState>) -> impl IntoResponse {
    match state.engine.ready().await {
        true => (StatusCode::OK, "ready"),
        false => (
            StatusCode::SERVICE_UNAVAILABLE,
            "not ready: the database does not answer or its schema is not this version's",
        ),
    }
}
