//! What protects every request: pages carry a Content Security Policy whose
//! nonce is the one their inline scripts carry, answers carry the other
//! security headers, a state change from another site is refused, a locked
//! sign-in says how long to wait, and forwarded addresses are believed only
//! from the proxies configured.

use crate::support::*;
use axum::body::Body;
use axum::extract::ConnectInfo;
use axum::http::{Request, StatusCode};
use std::net::SocketAddr;

fn sign_in_request() -> axum::http::request::Builder {
    Request::post(server_fn_path("sign_in"))
        .header("content-type", "application/x-www-form-urlencoded")
        .header("accept", "application/json")
}

#[tokio::test]
async fn a_page_names_the_nonce_its_inline_scripts_carry() {
    let server = spawn().await;
    let res = server
        .send(Request::get("/signin").body(Body::empty()).unwrap())
        .await;
    assert_eq!(res.status(), StatusCode::OK);
    let headers = res.headers().clone();
    let policy = headers["content-security-policy"]
        .to_str()
        .unwrap()
        .to_owned();
    for part in [
        "default-src 'self'",
        "'wasm-unsafe-eval'",
        "frame-ancestors 'none'",
        "object-src 'none'",
    ] {
        assert!(policy.contains(part), "{policy} lacks {part}");
    }
    assert!(
        !policy.contains("script-src 'self' 'unsafe-inline'"),
        "{policy}"
    );
    let nonce = policy
        .split("'nonce-")
        .nth(1)
        .and_then(|rest| rest.split('\'').next())
        .unwrap()
        .to_owned();
    let page = body_text(res).await;
    let tags: Vec<&str> = page
        .split("<script")
        .skip(1)
        .map(|rest| rest.split('>').next().unwrap_or_default())
        .collect();
    assert!(tags.len() >= 2, "{page}");
    for tag in tags {
        assert!(
            tag.contains(&format!("nonce=\"{nonce}\"")),
            "a script without the policy's nonce: <script{tag}>"
        );
    }
    assert_eq!(headers["x-content-type-options"], "nosniff");
    assert_eq!(headers["x-frame-options"], "DENY");
    assert_eq!(headers["referrer-policy"], "same-origin");

    // Another page gets another nonce.
    let again = server
        .send(Request::get("/signin").body(Body::empty()).unwrap())
        .await;
    assert_ne!(
        again.headers()["content-security-policy"],
        headers["content-security-policy"]
    );
    // What is not a page runs nothing.
    let health = server
        .send(Request::get("/healthz").body(Body::empty()).unwrap())
        .await;
    assert!(health.headers()["content-security-policy"]
        .to_str()
        .unwrap()
        .starts_with("default-src 'none'"));
    assert_eq!(health.headers()["x-content-type-options"], "nosniff");
}

#[tokio::test]
async fn a_state_change_from_another_site_is_refused_before_it_is_read() {
    let server = spawn().await;
    let (cookie, _) = sign_in(&server, false).await;
    let token = cookie.split(';').next().unwrap().to_owned();
    let create = |site: Option<&str>, origin: Option<&str>, name: &str| {
        let mut req = Request::post(server_fn_path("create_app"))
            .header("cookie", &token)
            .header("host", "muster.example")
            .header("content-type", "application/x-www-form-urlencoded")
            .header("accept", "application/json");
        if let Some(site) = site {
            req = req.header("sec-fetch-site", site);
        }
        if let Some(origin) = origin {
            req = req.header("origin", origin);
        }
        req.body(Body::from(format!("name={name}&kind=CsvDirectory")))
            .unwrap()
    };
    for (site, origin) in [
        (Some("cross-site"), None),
        (Some("same-site"), Some("https://other.muster.example")),
        (None, Some("https://evil.example")),
    ] {
        let res = server.send(create(site, origin, "HR")).await;
        assert_eq!(res.status(), StatusCode::FORBIDDEN, "{site:?} {origin:?}");
        assert!(body_text(res).await.contains("another site"));
    }
    let upload = server
        .send(
            Request::post("/console/apps/0oa1/uploads")
                .header("cookie", &token)
                .header("sec-fetch-site", "cross-site")
                .body(Body::from("login\n"))
                .unwrap(),
        )
        .await;
    assert_eq!(upload.status(), StatusCode::FORBIDDEN);
    assert_eq!(server.app_names().await, Vec::<String>::new());

    for (site, origin, name) in [
        (Some("same-origin"), Some("http://muster.example"), "HR"),
        (None, Some("http://muster.example"), "Sales"),
    ] {
        let res = server.send(create(site, origin, name)).await;
        assert_eq!(res.status(), StatusCode::OK, "{site:?} {origin:?}");
    }
    let mut names = server.app_names().await;
    names.sort();
    assert_eq!(names, ["HR", "Sales"]);
}

#[tokio::test]
async fn a_locked_sign_in_answers_429_with_the_wait() {
    let server = spawn().await;
    for _ in 0..5 {
        let res = server
            .send(
                sign_in_request()
                    .body(Body::from("username=admin&password=wrong-one"))
                    .unwrap(),
            )
            .await;
        assert_eq!(res.status(), StatusCode::UNAUTHORIZED);
    }
    let res = server
        .send(
            sign_in_request()
                .body(Body::from(format!("username=admin&password={PASSWORD}")))
                .unwrap(),
        )
        .await;
    assert_eq!(res.status(), StatusCode::TOO_MANY_REQUESTS);
    assert!(res.headers().get("set-cookie").is_none());
    assert!(body_text(res)
        .await
        .contains("Too many failed sign-ins: try again in 1 minute"));
}

async fn failed_sign_in_address(server: &TestServer, peer: &str, forwarded: &str) -> String {
    let mut req = sign_in_request()
        .header("x-forwarded-for", forwarded)
        .body(Body::from("username=nobody&password=wrong-password"))
        .unwrap();
    let peer: SocketAddr = peer.parse().unwrap();
    req.extensions_mut().insert(ConnectInfo(peer));
    server.send(req).await;
    let (admin, _) = server
        .engine
        .sign_in("admin", PASSWORD, None)
        .await
        .unwrap();
    let page = server
        .engine
        .read(&admin)
        .query_events(
            engine::syslog::EventQuery {
                limit: 1,
                descending: true,
                ..Default::default()
            },
            r#"outcome.result eq "FAILURE""#,
            "",
        )
        .await
        .unwrap();
    page.events[0]["client"]["ipAddress"]
        .as_str()
        .unwrap_or_default()
        .to_owned()
}

#[tokio::test]
async fn forwarded_addresses_are_believed_only_from_trusted_proxies() {
    let direct = spawn().await;
    assert_eq!(
        failed_sign_in_address(&direct, "127.0.0.1:5000", "203.0.113.9").await,
        "127.0.0.1",
        "without trusted proxies the header is ignored"
    );
    let proxied = spawn_with(server::HttpSettings {
        trusted_proxies: web::TrustedProxies::parse("127.0.0.1").unwrap(),
        ..Default::default()
    })
    .await;
    assert_eq!(
        failed_sign_in_address(&proxied, "127.0.0.1:5000", "203.0.113.9").await,
        "203.0.113.9"
    );
    assert_eq!(
        failed_sign_in_address(&proxied, "192.0.2.50:5000", "203.0.113.9").await,
        "192.0.2.50",
        "a peer that is not a trusted proxy is the client"
    );
}
