//! What every request and answer goes through: the client's address is
//! worked out once, a state-changing request from another site is refused,
//! and every answer carries the security headers (pages a Content Security
//! Policy with a fresh nonce for their inline scripts).

use crate::AppState;
use axum::extract::{ConnectInfo, Request, State};
use axum::http::{header, HeaderMap, HeaderValue, Method, StatusCode};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use std::net::SocketAddr;
use web::ClientIp;

/// The nonce a page's inline scripts carry, named in its policy. It is made
/// when a page asks for it, so a file or a server function's answer costs
/// no random bytes.
#[derive(Clone, Debug, Default)]
pub struct CspNonce(std::sync::Arc<std::sync::OnceLock<String>>);

impl CspNonce {
    pub fn value(&self) -> &str {
        self.0.get_or_init(engine::ids::secret_token)
    }
}

/// The policy of a page: its own scripts (and the WASM they compile), the
/// inline scripts that carry this response's nonce, its own styles and
/// style attributes, and nothing from another site; no framing.
fn page_policy(nonce: &str) -> String {
    format!(
        "default-src 'self'; script-src 'self' 'nonce-{nonce}' 'wasm-unsafe-eval'; \
         style-src 'self'; style-src-attr 'unsafe-inline'; img-src 'self' data:; \
         connect-src 'self'; object-src 'none'; base-uri 'none'; form-action 'self'; \
         frame-ancestors 'none'"
    )
}

/// The policy of everything else (files, CSV, JSON): nothing runs.
const OTHER_POLICY: &str = "default-src 'none'; frame-ancestors 'none'; sandbox";

pub async fn protect(State(state): State<AppState>, mut req: Request, next: Next) -> Response {
    if let Some(peer) = req
        .extensions()
        .get::<ConnectInfo<SocketAddr>>()
        .map(|c| c.0)
    {
        let ip = state
            .http
            .trusted_proxies
            .client_ip(peer.ip(), req.headers());
        req.extensions_mut().insert(ClientIp(ip));
    }
    if !same_origin(req.method(), req.headers()) {
        return (
            StatusCode::FORBIDDEN,
            [(header::CACHE_CONTROL, "no-store")],
            "Refused: this request came from another site",
        )
            .into_response();
    }
    let nonce = CspNonce::default();
    req.extensions_mut().insert(nonce.clone());
    let mut res = next.run(req).await;
    let is_page = res
        .headers()
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| v.starts_with("text/html"));
    let policy = match is_page {
        true => page_policy(nonce.value()),
        false => OTHER_POLICY.to_owned(),
    };
    let headers = res.headers_mut();
    if state.http.https {
        headers.insert(
            header::STRICT_TRANSPORT_SECURITY,
            HeaderValue::from_static("max-age=31536000"),
        );
    }
    if let Ok(policy) = HeaderValue::from_str(&policy) {
        headers.insert(header::CONTENT_SECURITY_POLICY, policy);
    }
    for (name, value) in [
        (header::X_CONTENT_TYPE_OPTIONS, "nosniff"),
        (header::X_FRAME_OPTIONS, "DENY"),
        (header::REFERRER_POLICY, "same-origin"),
        (
            header::HeaderName::from_static("cross-origin-opener-policy"),
            "same-origin",
        ),
    ] {
        headers.insert(name, HeaderValue::from_static(value));
    }
    res
}

/// Refuses a state-changing request a browser sent from another site. A
/// browser says where a request comes from (`Sec-Fetch-Site`, else
/// `Origin`); a program that says neither is not a browser and carries no
/// cookie of the admin's by accident.
fn same_origin(method: &Method, headers: &HeaderMap) -> bool {
    if matches!(*method, Method::GET | Method::HEAD | Method::OPTIONS) {
        return true;
    }
    let text = |name: &str| headers.get(name).and_then(|v| v.to_str().ok());
    match (text("sec-fetch-site"), text("origin")) {
        (Some(site), _) => matches!(site, "same-origin" | "none"),
        (None, Some(origin)) => {
            let host = text("x-forwarded-host").or(text("host"));
            let authority = origin.split_once("://").map(|(_, rest)| rest);
            authority.is_some() && authority == host
        }
        (None, None) => true,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn headers(pairs: &[(&'static str, &'static str)]) -> HeaderMap {
        let mut h = HeaderMap::new();
        for (k, v) in pairs {
            h.insert(*k, HeaderValue::from_static(v));
        }
        h
    }

    #[test]
    fn a_state_change_from_another_site_is_refused() {
        let post = Method::POST;
        for refused in [
            headers(&[("sec-fetch-site", "cross-site")]),
            headers(&[("sec-fetch-site", "same-site")]),
            headers(&[
                ("origin", "https://evil.example"),
                ("host", "muster.example"),
            ]),
            headers(&[("origin", "null"), ("host", "muster.example")]),
            headers(&[
                ("sec-fetch-site", "cross-site"),
                ("origin", "https://muster.example"),
                ("host", "muster.example"),
            ]),
        ] {
            assert!(!same_origin(&post, &refused), "{refused:?}");
        }
        for allowed in [
            headers(&[("sec-fetch-site", "same-origin")]),
            headers(&[("sec-fetch-site", "none")]),
            headers(&[
                ("origin", "https://muster.example"),
                ("host", "muster.example"),
            ]),
            headers(&[("host", "muster.example")]),
        ] {
            assert!(same_origin(&post, &allowed), "{allowed:?}");
        }
        let cross = headers(&[("sec-fetch-site", "cross-site")]);
        assert!(same_origin(&Method::GET, &cross), "reading is not changing");
    }
}
