//! Signing in and out.

use leptos::prelude::*;
use proto::console::AdminView;

#[server]
pub async fn sign_in(username: String, password: String) -> Result<(), ServerFnError> {
    use super::ssr::*;
    let engine = engine()?;
    let parts: http::request::Parts = leptos_axum::extract().await?;
    let (_, token) = engine
        .sign_in(&username, &password, Some(client(&parts)))
        .await
        .map_err(|_| ServerFnError::new("Sign in failed: the username or password is not right"))?;
    let secure = use_context::<SecureCookies>().is_some_and(|s| s.0)
        || parts
            .headers
            .get("x-forwarded-proto")
            .is_some_and(|v| v == "https");
    let cookie = format!(
        "{}={token}; Path=/; HttpOnly; SameSite=Strict; Max-Age=43200{}",
        super::SESSION_COOKIE,
        if secure { "; Secure" } else { "" }
    );
    let res = expect_context::<leptos_axum::ResponseOptions>();
    res.insert_header(
        http::header::SET_COOKIE,
        http::HeaderValue::from_str(&cookie).map_err(|e| ServerFnError::new(e.to_string()))?,
    );
    leptos_axum::redirect("/");
    Ok(())
}

#[server]
pub async fn sign_out() -> Result<(), ServerFnError> {
    use super::ssr::*;
    let (engine, _) = require_admin().await?;
    let parts: http::request::Parts = leptos_axum::extract().await?;
    if let Some(token) = cookie_value(&parts.headers, super::SESSION_COOKIE) {
        engine
            .sign_out(&token, Some(client(&parts)))
            .await
            .map_err(to_error)?;
    }
    let res = expect_context::<leptos_axum::ResponseOptions>();
    res.insert_header(
        http::header::SET_COOKIE,
        http::HeaderValue::from_static(
            "muster_session=; Path=/; HttpOnly; SameSite=Strict; Max-Age=0",
        ),
    );
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
