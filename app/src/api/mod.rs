//! Server functions, one file per area. Each one authorises, calls one
//! engine method and converts the result to a wire type.

pub mod apps;
pub mod directories;
pub mod groups;
pub mod imports;
pub mod logs;
pub mod people;
pub mod scim;
pub mod session;
pub mod settings;
pub mod tokens;

/// What the server functions share: the engine, the signed-in admin, and
/// an engine error as the console shows it. The HTTP parts (the session
/// cookie, the caller's address, an error's status) are the `web` crate's.
#[cfg(feature = "ssr")]
pub mod ssr {
    use engine::model::Admin;
    use engine::Engine;
    use leptos::prelude::*;
    use std::sync::Arc;

    pub fn engine() -> Result<Arc<Engine>, ServerFnError> {
        use_context::<Arc<Engine>>()
            .ok_or_else(|| ServerFnError::new("the engine is not available"))
    }

    /// Refuses the call with 401 unless it carries a valid admin session.
    pub async fn require_admin() -> Result<(Arc<Engine>, Admin), ServerFnError> {
        let engine = engine()?;
        let parts: http::request::Parts = leptos_axum::extract().await?;
        match web::session_admin(&engine, &parts.headers)
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

    /// The session token the request carries (after `require_admin`, it has one).
    pub async fn session_token() -> Result<String, ServerFnError> {
        let parts: http::request::Parts = leptos_axum::extract().await?;
        web::session_token(&parts.headers).ok_or_else(|| to_error(engine::Error::Unauthenticated))
    }

    /// An engine error as the console shows it, with the right status: a
    /// failure of the server only by its code and the request's id.
    pub fn to_error(e: engine::Error) -> ServerFnError {
        let status = web::status_of(&e);
        if let Some(res) = use_context::<leptos_axum::ResponseOptions>() {
            res.set_status(status);
        }
        ServerFnError::new(web::report_error(&e))
    }

    /// Input the console could not read, as a 400 that says what it was.
    pub fn invalid(message: String) -> ServerFnError {
        to_error(engine::Error::InvalidInput(message))
    }
}
