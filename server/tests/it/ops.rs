//! What operators call: liveness and readiness without a session.

use crate::support::*;
use axum::body::Body;
use axum::http::{Request, StatusCode};

#[tokio::test]
async fn health_and_readiness_answer_without_a_session() {
    let server = spawn().await;
    for (path, body) in [("/healthz", "ok"), ("/readyz", "ready")] {
        let res = server
            .send(Request::get(path).body(Body::empty()).unwrap())
            .await;
        assert_eq!(res.status(), StatusCode::OK, "{path}");
        assert_eq!(body_text(res).await, body);
    }
}

#[tokio::test]
async fn metrics_are_off_unless_a_token_is_set_and_then_need_it() {
    let off = spawn().await;
    let res = off
        .send(Request::get("/metrics").body(Body::empty()).unwrap())
        .await;
    assert_eq!(res.status(), StatusCode::NOT_FOUND);

    let server = spawn_with(server::HttpSettings {
        metrics_token: Some("scrape-token-1".into()),
        ..Default::default()
    })
    .await;
    for auth in [None, Some("Bearer wrong"), Some("scrape-token-1")] {
        let mut req = Request::get("/metrics");
        if let Some(auth) = auth {
            req = req.header("authorization", auth);
        }
        let res = server.send(req.body(Body::empty()).unwrap()).await;
        assert_eq!(res.status(), StatusCode::UNAUTHORIZED, "{auth:?}");
    }
}

#[tokio::test]
async fn metrics_count_requests_by_route_runs_the_queue_and_failed_sign_ins() {
    let server = spawn_with(server::HttpSettings {
        metrics_token: Some("scrape-token-1".into()),
        ..Default::default()
    })
    .await;
    for _ in 0..3 {
        server
            .send(Request::get("/healthz").body(Body::empty()).unwrap())
            .await;
    }
    server
        .send(
            Request::post(server_fn_path("sign_in"))
                .header("content-type", "application/x-www-form-urlencoded")
                .body(Body::from("username=admin&password=wrong-password"))
                .unwrap(),
        )
        .await;
    let res = server
        .send(
            Request::get("/metrics")
                .header("authorization", "Bearer scrape-token-1")
                .body(Body::empty())
                .unwrap(),
        )
        .await;
    assert_eq!(res.status(), StatusCode::OK);
    assert!(res.headers()["content-type"]
        .to_str()
        .unwrap()
        .starts_with("text/plain; version=0.0.4"));
    let text = body_text(res).await;
    for line in [
        r#"muster_http_requests_total{route="/healthz",method="GET",status="200"} 3"#,
        r#"muster_http_request_duration_seconds_count{route="/healthz"} 3"#,
        r#"muster_http_request_duration_seconds_bucket{route="/healthz",le="+Inf"} 3"#,
        "# TYPE muster_import_runs gauge",
        "muster_import_rows_scanned_total 0",
        "muster_import_queue_depth 0",
        "muster_sign_in_failures_total 1",
    ] {
        assert!(text.lines().any(|l| l == line), "no {line:?} in\n{text}");
    }
    let sign_in = text
        .lines()
        .find(|l| l.starts_with("muster_http_requests_total{route=\"/api/sign_in"))
        .unwrap_or_default();
    assert!(sign_in.contains("status=\"401\"} 1"), "{text}");
}

#[tokio::test]
async fn a_server_failure_tells_the_client_a_code_and_the_request_id_not_the_path() {
    let server = spawn().await;
    let (token, app) = signed_in_with_app(&server, "HR").await;
    // The uploads directory is gone: saving the file fails on the server.
    std::fs::remove_dir_all(server.dir().join("uploads")).unwrap();
    let res = server
        .send(
            Request::post(format!("/console/apps/{}/uploads", app.id))
                .header("cookie", &token)
                .body(Body::from("login,firstName,lastName,email\n"))
                .unwrap(),
        )
        .await;
    assert_eq!(res.status(), StatusCode::INTERNAL_SERVER_ERROR);
    let id = res.headers()["x-request-id"].to_str().unwrap().to_owned();
    assert_eq!(id.len(), 16);
    let text = body_text(res).await;
    assert_eq!(
        text,
        format!("Muster could not complete this (MUS0500, request {id}); the server's log has the details")
    );
}
