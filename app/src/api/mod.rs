//! Server functions, one file per area. Each one authorises, calls one
//! engine method and converts the result to a wire type.

pub mod apps;
pub mod imports;
pub mod logs;
pub mod people;
pub mod session;
pub mod settings;

/// The session cookie's name.
pub const SESSION_COOKIE: &str = "muster_session";

#[cfg(feature = "ssr")]
pub mod ssr {
    use super::SESSION_COOKIE;
    use engine::model::Admin;
    use engine::Engine;
    use leptos::prelude::*;
    use std::sync::Arc;

    /// Whether cookies are marked Secure (the console is served over https).
    #[derive(Clone, Copy, Debug)]
    pub struct SecureCookies(pub bool);

    pub fn engine() -> Result<Arc<Engine>, ServerFnError> {
        use_context::<Arc<Engine>>()
            .ok_or_else(|| ServerFnError::new("the engine is not available"))
    }

    /// The value of a cookie in a Cookie header.
    pub fn cookie_value(headers: &http::HeaderMap, name: &str) -> Option<String> {
        headers
            .get_all(http::header::COOKIE)
            .iter()
            .filter_map(|v| v.to_str().ok())
            .flat_map(|v| v.split(';'))
            .filter_map(|pair| pair.trim().split_once('='))
            .find(|(k, _)| *k == name)
            .map(|(_, v)| v.to_owned())
    }

    /// The request's browser and address, for the System Log.
    pub fn client(parts: &http::request::Parts) -> engine::syslog::Client {
        let header = |name: &str| {
            parts
                .headers
                .get(name)
                .and_then(|v| v.to_str().ok())
                .map(str::to_owned)
        };
        let ip = header("x-forwarded-for")
            .and_then(|v| v.split(',').next().map(|s| s.trim().to_owned()))
            .or_else(|| {
                parts
                    .extensions
                    .get::<axum::extract::ConnectInfo<std::net::SocketAddr>>()
                    .map(|c| c.0.ip().to_string())
            });
        engine::syslog::Client {
            ip_address: ip,
            user_agent: header("user-agent"),
        }
    }

    /// The admin whose session cookie these request headers carry.
    pub async fn session_admin(
        engine: &Engine,
        headers: &http::HeaderMap,
    ) -> Result<Option<Admin>, engine::Error> {
        match cookie_value(headers, SESSION_COOKIE) {
            Some(token) => engine.session_admin(&token).await,
            None => Ok(None),
        }
    }

    /// Refuses the call with 401 unless it carries a valid admin session.
    pub async fn require_admin() -> Result<(Arc<Engine>, Admin), ServerFnError> {
        let engine = engine()?;
        let parts: http::request::Parts = leptos_axum::extract().await?;
        match session_admin(&engine, &parts.headers)
            .await
            .map_err(to_error)?
        {
            Some(admin) => Ok((engine, admin)),
            None => {
                if let Some(res) = use_context::<leptos_axum::ResponseOptions>() {
                    res.set_status(http::StatusCode::UNAUTHORIZED);
                }
                Err(ServerFnError::new("Sign in required"))
            }
        }
    }

    /// The HTTP status an engine error answers with.
    pub fn status_of(e: &engine::Error) -> http::StatusCode {
        match e {
            engine::Error::NotFound(_) => http::StatusCode::NOT_FOUND,
            engine::Error::Forbidden => http::StatusCode::FORBIDDEN,
            engine::Error::Unauthenticated => http::StatusCode::UNAUTHORIZED,
            engine::Error::InvalidInput(_) | engine::Error::InvalidFilter(_) => {
                http::StatusCode::BAD_REQUEST
            }
            engine::Error::Conflict(_) | engine::Error::ImportBusy => http::StatusCode::CONFLICT,
            engine::Error::TooLarge { .. } => http::StatusCode::PAYLOAD_TOO_LARGE,
            _ => http::StatusCode::INTERNAL_SERVER_ERROR,
        }
    }

    /// An engine error as the console shows it, with the right status.
    pub fn to_error(e: engine::Error) -> ServerFnError {
        let status = status_of(&e);
        if let Some(res) = use_context::<leptos_axum::ResponseOptions>() {
            res.set_status(status);
        }
        if status == http::StatusCode::INTERNAL_SERVER_ERROR {
            leptos::logging::error!("{e}");
        }
        ServerFnError::new(e.to_string())
    }
}
