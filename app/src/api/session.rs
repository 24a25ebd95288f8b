//! Signing in and out.

use leptos::prelude::*;
use proto::console::AdminView;

/// Whether the session cookie must be Secure for this request.
#[cfg(feature = "ssr")]
fn secure(parts: &http::request::Parts) -> bool {
    let configured = use_context::<web::SecureCookies>().unwrap_or(web::SecureCookies(false));
    web::is_secure(configured, &parts.headers)
}

/// Signs in and goes to `next` (the page that sent the admin here), or to
/// the dashboard. A wrong username or password answers 401.
#[server]
pub async fn sign_in(
    username: String,
    password: String,
    next: Option<String>,
) -> Result<(), ServerFnError> {
    use super::ssr::*;
    let engine = engine()?;
    let parts: http::request::Parts = leptos_axum::extract().await?;
    let token = match engine
        .sign_in(&username, &password, Some(web::client(&parts)))
        .await
    {
        Ok((_, token)) => token,
        Err(engine::Error::Unauthenticated) => {
            if let Some(res) = use_context::<leptos_axum::ResponseOptions>() {
                res.set_status(http::StatusCode::UNAUTHORIZED);
            }
            return Err(ServerFnError::new(
                "Sign in failed: the username or password is not right",
            ));
        }
        Err(e) => return Err(to_error(e)),
    };
    let (name, value) = web::set_session(&token, secure(&parts));
    expect_context::<leptos_axum::ResponseOptions>().insert_header(name, value);
    leptos_axum::redirect(next.as_deref().and_then(web::return_path).unwrap_or("/"));
    Ok(())
}

#[server]
pub async fn sign_out() -> Result<(), ServerFnError> {
    use super::ssr::*;
    let (engine, _) = require_admin().await?;
    let parts: http::request::Parts = leptos_axum::extract().await?;
    if let Some(token) = web::session_token(&parts.headers) {
        engine
            .sign_out(&token, Some(web::client(&parts)))
            .await
            .map_err(to_error)?;
    }
    let (name, value) = web::clear_session(secure(&parts));
    expect_context::<leptos_axum::ResponseOptions>().insert_header(name, value);
    leptos_axum::redirect("/signin");
    Ok(())
}

#[server]
pub async fn current_admin() -> Result<AdminView, ServerFnError> {
    let (_, admin) = super::ssr::require_admin().await?;
    Ok(AdminView {
        can_write: admin.can_write(),
        username: admin.username,
    })
}

/// The signed-in admin's live sessions, the one this request carries marked.
#[server]
pub async fn list_sessions() -> Result<Vec<proto::console::SessionView>, ServerFnError> {
    use super::ssr::*;
    let (engine, _) = require_admin().await?;
    let token = session_token().await?;
    engine.sessions(&token).await.map_err(to_error)
}

/// Ends one of the signed-in admin's sessions, wherever it is used.
#[server]
pub async fn end_session(id: String) -> Result<(), ServerFnError> {
    use super::ssr::*;
    let (engine, _) = require_admin().await?;
    let parts: http::request::Parts = leptos_axum::extract().await?;
    let token = session_token().await?;
    engine
        .end_session(&token, &id, Some(web::client(&parts)))
        .await
        .map_err(to_error)
}

/// Ends every session of the signed-in admin but this one; how many ended.
#[server]
pub async fn end_other_sessions() -> Result<u64, ServerFnError> {
    use super::ssr::*;
    let (engine, _) = require_admin().await?;
    let parts: http::request::Parts = leptos_axum::extract().await?;
    let token = session_token().await?;
    engine
        .end_other_sessions(&token, Some(web::client(&parts)))
        .await
        .map_err(to_error)
}
