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
use std::net::IpAddr;

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

/// The proxies whose `X-Forwarded-For` is believed: addresses or CIDR
/// ranges, as `--trusted-proxies` lists them.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct TrustedProxies(Vec<(IpAddr, u8)>);

impl TrustedProxies {
    /// Reads a comma-separated list such as `10.0.0.0/8, 127.0.0.1, ::1`.
    pub fn parse(list: &str) -> Result<TrustedProxies, String> {
        let mut ranges = Vec::new();
        for item in list.split(',').map(str::trim).filter(|s| !s.is_empty()) {
            let (addr, bits) = item.split_once('/').unwrap_or((item, ""));
            let addr: IpAddr = addr
                .parse()
                .map_err(|_| format!("{item:?} is not an IP address or CIDR range"))?;
            let most = if addr.is_ipv4() { 32 } else { 128 };
            let bits = match bits {
                "" => most,
                b => b.parse::<u8>().ok().filter(|b| *b <= most).ok_or_else(|| {
                    format!("{item:?} has a prefix length that is not 0 to {most}")
                })?,
            };
            ranges.push((addr, bits));
        }
        Ok(TrustedProxies(ranges))
    }

    pub fn contains(&self, ip: IpAddr) -> bool {
        let ip = canonical(ip);
        self.0
            .iter()
            .any(|(net, bits)| match (canonical(*net), ip) {
                (IpAddr::V4(n), IpAddr::V4(a)) => same_prefix(&n.octets(), &a.octets(), *bits),
                (IpAddr::V6(n), IpAddr::V6(a)) => same_prefix(&n.octets(), &a.octets(), *bits),
                _ => false,
            })
    }

    /// The client's address: the peer's, unless the peer is a trusted proxy;
    /// then the nearest address in `X-Forwarded-For` that is not one.
    pub fn client_ip(&self, peer: IpAddr, headers: &HeaderMap) -> IpAddr {
        if !self.contains(peer) {
            return peer;
        }
        let forwarded: Vec<IpAddr> = headers
            .get_all("x-forwarded-for")
            .iter()
            .filter_map(|v| v.to_str().ok())
            .flat_map(|v| v.split(','))
            .map_while(|a| a.trim().parse().ok())
            .collect();
        forwarded
            .iter()
            .rev()
            .find(|a| !self.contains(**a))
            .or(forwarded.first())
            .copied()
            .unwrap_or(peer)
    }
}

fn canonical(ip: IpAddr) -> IpAddr {
    match ip {
        IpAddr::V6(v6) => v6.to_ipv4_mapped().map_or(ip, IpAddr::V4),
        v4 => v4,
    }
}

fn same_prefix(net: &[u8], addr: &[u8], bits: u8) -> bool {
    let whole = usize::from(bits / 8);
    let rest = bits % 8;
    net[..whole] == addr[..whole]
        && (rest == 0 || {
            let mask = 0xffu8 << (8 - rest);
            net[whole] & mask == addr[whole] & mask
        })
}

/// The address a request came from, as the server worked it out from the
/// peer and the trusted proxies.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct ClientIp(pub IpAddr);

/// The request's browser and address, for the System Log and sign-in
/// throttling: the address the server found (see [`TrustedProxies`]), else
/// the peer's.
pub fn client(parts: &http::request::Parts) -> Client {
    let ip = parts
        .extensions
        .get::<ClientIp>()
        .map(|c| c.0)
        .or_else(|| {
            parts
                .extensions
                .get::<axum::extract::ConnectInfo<std::net::SocketAddr>>()
                .map(|c| c.0.ip())
        })
        .map(|ip| canonical(ip).to_string());
    Client {
        ip_address: ip,
        user_agent: parts
            .headers
            .get("user-agent")
            .and_then(|v| v.to_str().ok())
            .map(str::to_owned),
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

/// The id of one request: answers carry it in `x-request-id` and the
/// server's log lines about the request name it.
#[derive(Clone, Debug, PartialEq)]
pub struct RequestId(pub String);

impl RequestId {
    pub fn new() -> RequestId {
        let token = engine::ids::secret_token();
        RequestId(token.chars().take(16).collect())
    }
}

impl Default for RequestId {
    fn default() -> Self {
        RequestId::new()
    }
}

tokio::task_local! {
    static REQUEST: RequestId;
}

/// Runs `work` (serving one request) with `id` as the current request's id.
pub async fn serving<F: std::future::Future>(id: RequestId, work: F) -> F::Output {
    REQUEST.scope(id, work).await
}

/// The id of the request being served, if any.
pub fn current_request() -> Option<RequestId> {
    REQUEST.try_with(Clone::clone).ok()
}

/// Reports an error and returns what it tells the browser or API client.
/// An error about the request says what and where; a failure of the server
/// is logged with its details (which may hold SQL or file system text)
/// under the request's id, and the client is told only its code and that id.
pub fn report_error(e: &engine::Error) -> String {
    if !e.is_internal() {
        return e.to_string();
    }
    let request = current_request();
    let id = request.as_ref().map_or("unknown", |r| r.0.as_str());
    tracing::error!(code = e.code(), request_id = id, error = %e, "request failed");
    format!(
        "Muster could not complete this ({}, request {id}); the server's log has the details",
        e.code()
    )
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
        engine::Error::Throttled { .. } => StatusCode::TOO_MANY_REQUESTS,
        engine::Error::DiskFull { .. } => StatusCode::INSUFFICIENT_STORAGE,
        engine::Error::Stopping => StatusCode::SERVICE_UNAVAILABLE,
        engine::Error::Source(_) => StatusCode::BAD_GATEWAY,
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

    #[tokio::test]
    async fn a_server_failure_tells_the_client_its_code_and_id_only() {
        let io = engine::Error::Io(std::io::Error::other(
            "/var/lib/muster/uploads/x: disk full",
        ));
        let id = RequestId("abc123".into());
        let text = serving(id, async { report_error(&io) }).await;
        assert_eq!(
            text,
            "Muster could not complete this (MUS0500, request abc123); the server's log has the details"
        );
        let sql =
            engine::Error::Internal("near \"SELEC\": syntax error in SELECT * FROM users".into());
        assert!(!report_error(&sql).contains("SELECT"));
        let input = engine::Error::InvalidInput("Row 3, column email: not an email".into());
        assert_eq!(report_error(&input), "Row 3, column email: not an email");
    }

    #[test]
    fn forwarded_addresses_are_believed_only_from_trusted_proxies() {
        let proxies = TrustedProxies::parse("10.0.0.0/8, ::1").unwrap();
        let mut h = HeaderMap::new();
        h.append(
            "x-forwarded-for",
            HeaderValue::from_static("6.6.6.6, 203.0.113.7, 10.1.2.3"),
        );
        let ip = |s: &str| s.parse::<IpAddr>().unwrap();
        assert_eq!(
            proxies.client_ip(ip("10.9.9.9"), &h),
            ip("203.0.113.7"),
            "the nearest address that is not a proxy; what the client wrote itself is not believed"
        );
        assert_eq!(
            proxies.client_ip(ip("::ffff:10.9.9.9"), &h),
            ip("203.0.113.7")
        );
        assert_eq!(
            proxies.client_ip(ip("198.51.100.1"), &h),
            ip("198.51.100.1"),
            "a peer that is not a proxy is the client"
        );
        assert_eq!(
            TrustedProxies::default().client_ip(ip("127.0.0.1"), &h),
            ip("127.0.0.1")
        );
        assert!(TrustedProxies::parse("10.0.0.0/33").is_err());
        assert!(TrustedProxies::parse("proxy.example").is_err());
        assert!(TrustedProxies::parse("192.168.1.0/23")
            .unwrap()
            .contains(ip("192.168.0.200")));
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
