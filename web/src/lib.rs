//! Muster's HTTP glue, in one place for the server and the console's server
//! functions: the session cookie (its name, lifetime and flags), the admin a
//! request's session belongs to, the caller's address for the System Log,
//! and the status each engine error answers with.

use cookie::{Cookie, SameSite};
use engine::model::Admin;
use engine::syslog::Client;
use engine::Engine;
use http::header::{COOKIE, SET_COOKIE};
use http::{HeaderMap, HeaderValue, StatusCode};

/// The session cookie's name.
pub const SESSION_COOKIE: &str = "muster_session";

/// How long a session cookie lives, as long as the session it carries.
pub const SESSION_LIFETIME: cookie::time::Duration =
    cookie::time::Duration::hours(engine::SESSION_HOURS);

/// Whether cookies are marked Secure (the console is served over https).
#[derive(Clone, Copy, Debug)]
pub struct SecureCookies(pub bool);

/// The session token a request carries, if any.
pub fn session_token(headers: &HeaderMap) -> Option<String> {
    headers
        .get_all(COOKIE)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(Cookie::split_parse)
        .filter_map(Result::ok)
        .find(|c| c.name() == SESSION_COOKIE)
        .map(|c| c.value().to_owned())
}

/// The admin whose session these request headers carry.
pub async fn session_admin(
    engine: &Engine,
    headers: &HeaderMap,
) -> Result<Option<Admin>, engine::Error> {
    match session_token(headers) {
        Some(token) => engine.session_admin(&token).await,
        None => Ok(None),
    }
}

/// Whether the browser reached the console over https: configured so, or
/// told so by the proxy in front.
pub fn is_secure(configured: SecureCookies, headers: &HeaderMap) -> bool {
    configured.0
        || headers
            .get("x-forwarded-proto")
            .is_some_and(|v| v == "https")
}

fn session_cookie(value: String, secure: bool) -> Cookie<'static> {
    Cookie::build((SESSION_COOKIE, value))
        .path("/")
        .http_only(true)
        .same_site(SameSite::Strict)
        .secure(secure)
        .build()
}

/// The Set-Cookie header that starts a session.
pub fn set_session(token: &str, secure: bool) -> (http::HeaderName, HeaderValue) {
    let mut c = session_cookie(token.to_owned(), secure);
    c.set_max_age(SESSION_LIFETIME);
    header(c)
}

/// The Set-Cookie header that ends a session.
pub fn clear_session(secure: bool) -> (http::HeaderName, HeaderValue) {
    let mut c = session_cookie(String::new(), secure);
    c.make_removal();
    header(c)
}

fn header(c: Cookie<'static>) -> (http::HeaderName, HeaderValue) {
    // A cookie built from a hex token and fixed attributes is a valid header.
    let value = HeaderValue::from_str(&c.to_string())
        .unwrap_or_else(|_| HeaderValue::from_static("muster_session=; Max-Age=0"));
    (SET_COOKIE, value)
}

/// The request's browser and address, for the System Log: the first
/// address a proxy forwarded for, else the peer's.
pub fn client(parts: &http::request::Parts) -> Client {
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
    Client {
        ip_address: ip,
        user_agent: header("user-agent"),
    }
}

/// Where to go after signing in: `next` when it is a page of this console
/// (a path, not another site, not the sign-in page itself).
pub fn return_path(next: &str) -> Option<&str> {
    let local = next.starts_with('/')
        && !next.starts_with("//")
        && !next.contains('\\')
        && !next.chars().any(char::is_control);
    let page = next.split(['?', '#']).next().unwrap_or_default();
    (local && page != "/signin").then_some(next)
}

/// The HTTP status an engine error answers with.
pub fn status_of(e: &engine::Error) -> StatusCode {
    match e {
        engine::Error::NotFound(_) => StatusCode::NOT_FOUND,
        engine::Error::Forbidden => StatusCode::FORBIDDEN,
        engine::Error::Unauthenticated => StatusCode::UNAUTHORIZED,
        engine::Error::InvalidInput(_) | engine::Error::InvalidFilter(_) => StatusCode::BAD_REQUEST,
        engine::Error::Conflict(_) | engine::Error::ImportBusy => StatusCode::CONFLICT,
        engine::Error::TooLarge { .. } => StatusCode::PAYLOAD_TOO_LARGE,
        _ => StatusCode::INTERNAL_SERVER_ERROR,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_session_token_is_found_among_other_cookies() {
        let mut h = HeaderMap::new();
        h.append(
            COOKIE,
            HeaderValue::from_static("theme=dark; muster_session=abc123"),
        );
        assert_eq!(session_token(&h).as_deref(), Some("abc123"));
        let mut other = HeaderMap::new();
        other.append(COOKIE, HeaderValue::from_static("muster_sessionx=nope"));
        assert_eq!(session_token(&other), None);
    }

    #[test]
    fn only_this_consoles_pages_are_returned_to() {
        assert_eq!(return_path("/people?q=ann"), Some("/people?q=ann"));
        assert_eq!(return_path("/apps/0oa1/import"), Some("/apps/0oa1/import"));
        for other in [
            "",
            "people",
            "//evil.example/x",
            "/\\evil.example",
            "https://evil.example/",
            "/signin",
            "/signin?next=/",
            "/a\nb",
        ] {
            assert_eq!(return_path(other), None, "{other:?}");
        }
    }

    #[test]
    fn session_cookies_are_http_only_strict_and_secure_when_asked() {
        let (_, v) = set_session("abc", true);
        let v = v.to_str().unwrap_or_default().to_owned();
        for part in [
            "muster_session=abc",
            "HttpOnly",
            "SameSite=Strict",
            "Secure",
            "Path=/",
            "Max-Age=43200",
        ] {
            assert!(v.contains(part), "{v} lacks {part}");
        }
        let (_, plain) = clear_session(false);
        let plain = plain.to_str().unwrap_or_default().to_owned();
        assert!(
            plain.contains("Max-Age=0") && !plain.contains("Secure"),
            "{plain}"
        );
    }
}
