//! The Okta-compatible API: tokens, the checks every route makes, errors,
//! rate limits, users and the System Log as Okta clients read them.

use crate::support::*;
use axum::body::Body;
use axum::http::{Request, Response, StatusCode};
use engine::model::Admin;
use serde_json::{json, Value};

pub(crate) async fn admin(server: &TestServer) -> Admin {
    let (admin, _) = server
        .engine
        .sign_in("admin", PASSWORD, None)
        .await
        .unwrap();
    admin
}

pub(crate) async fn token(server: &TestServer, admin: &Admin) -> String {
    server
        .engine
        .create_api_token(admin, "automation", None)
        .await
        .unwrap()
        .value
}

/// A token of a new read-only admin, "auditor".
pub(crate) async fn read_only_token(server: &TestServer) -> String {
    let admin = admin(server).await;
    server
        .engine
        .write(&admin)
        .unwrap()
        .create_admin("auditor", "auditor-password-1", true)
        .await
        .unwrap();
    let (auditor, _) = server
        .engine
        .sign_in("auditor", "auditor-password-1", None)
        .await
        .unwrap();
    token(server, &auditor).await
}

pub(crate) async fn call(
    server: &TestServer,
    method: &str,
    uri: &str,
    token: Option<&str>,
) -> Response<Body> {
    let mut req = Request::builder().method(method).uri(uri);
    if let Some(t) = token {
        req = req.header("authorization", format!("SSWS {t}"));
    }
    server.send(req.body(Body::empty()).unwrap()).await
}

/// The status `GET uri` answers for a user, or GONE.
async fn user_status(server: &TestServer, uri: &str, token: &str) -> String {
    json(call(server, "GET", uri, Some(token)).await).await["status"]
        .as_str()
        .unwrap_or("GONE")
        .to_owned()
}

pub(crate) async fn json(res: Response<Body>) -> Value {
    serde_json::from_str(&body_text(res).await).unwrap()
}

pub(crate) fn link(res: &Response<Body>) -> String {
    res.headers()
        .get("link")
        .and_then(|v| v.to_str().ok())
        .unwrap_or_default()
        .to_owned()
}

/// The `rel="next"` address of a Link header, as Okta's SDKs read it.
fn next_of(link: &str) -> Option<String> {
    link.split(", ")
        .find(|part| part.ends_with("rel=\"next\""))
        .and_then(|part| part.split('>').next())
        .map(|url| url.trim_start_matches('<').to_owned())
}

fn path_of(url: &str) -> String {
    url.splitn(4, '/')
        .nth(3)
        .map(|p| format!("/{p}"))
        .unwrap_or_default()
}

/// Every route of the router, called with no token, with a session cookie
/// only and with a made-up token: 401 E0000011 each time, with Okta's
/// request id and the rate limit headers.
#[tokio::test]
async fn every_route_refuses_calls_without_a_valid_token_and_cookies_do_not_count() {
    let server = spawn().await;
    let (cookie, _) = sign_in(&server, false).await;
    let cookie = cookie.split(';').next().unwrap().to_owned();
    let routes = server::api::routes();
    assert!(routes.len() >= 3);
    for server::api::Route { method, path, .. } in routes {
        let uri = path
            .split('/')
            .map(|part| match part.starts_with('{') {
                true => "0000000000000000000",
                false => part,
            })
            .collect::<Vec<_>>()
            .join("/");
        for (how, req) in [
            (
                "no token",
                Request::builder().method(method.clone()).uri(&uri),
            ),
            (
                "a cookie",
                Request::builder()
                    .method(method.clone())
                    .uri(&uri)
                    .header("cookie", &cookie),
            ),
            (
                "a made-up token",
                Request::builder()
                    .method(method.clone())
                    .uri(&uri)
                    .header("authorization", "SSWS 00notatokenatall"),
            ),
            (
                "a bearer token",
                Request::builder()
                    .method(method.clone())
                    .uri(&uri)
                    .header("authorization", "Bearer 00notatokenatall"),
            ),
        ] {
            let res = server.send(req.body(Body::empty()).unwrap()).await;
            assert_eq!(
                res.status(),
                StatusCode::UNAUTHORIZED,
                "{method} {path} with {how}"
            );
            for header in [
                "x-okta-request-id",
                "x-rate-limit-limit",
                "x-rate-limit-remaining",
                "x-rate-limit-reset",
            ] {
                assert!(
                    res.headers().contains_key(header),
                    "{header} on {method} {path}"
                );
            }
            let body = json(res).await;
            assert_eq!(body["errorCode"], "E0000011", "{method} {path} with {how}");
            assert_eq!(body["errorSummary"], "Invalid token provided");
            assert!(body["errorId"]
                .as_str()
                .is_some_and(|id| id.starts_with("oae")));
        }
    }
}

#[tokio::test]
async fn a_token_is_shown_once_stored_hashed_logged_and_refused_once_revoked() {
    let server = spawn().await;
    let admin = admin(&server).await;
    let created = server
        .engine
        .create_api_token(&admin, "  nightly sync ", None)
        .await
        .unwrap();
    assert_eq!(created.token.name, "nightly sync");
    assert_eq!(created.value.len(), 42);
    assert_eq!(created.token.created_by, "admin");
    let listed = server.engine.api_tokens().await.unwrap();
    assert_eq!(listed, vec![created.token.clone()]);
    assert!(
        !format!("{listed:?}").contains(&created.value),
        "the list never holds the value"
    );
    let db = sqlx::SqlitePool::connect(&format!(
        "sqlite://{}",
        server.dir().join("muster.db").display()
    ))
    .await
    .unwrap();
    let stored: Vec<(String,)> = sqlx::query_as("SELECT hash FROM api_tokens")
        .fetch_all(&db)
        .await
        .unwrap();
    assert_eq!(stored.len(), 1);
    assert_ne!(stored[0].0, created.value, "only a hash is kept");

    let res = call(&server, "GET", "/api/v1/users", Some(&created.value)).await;
    assert_eq!(res.status(), StatusCode::OK);
    // As Okta's Python SDK writes it: no space after the scheme.
    let unspaced = Request::get("/api/v1/users")
        .header("authorization", format!("SSWS{}", created.value))
        .body(Body::empty())
        .unwrap();
    assert_eq!(server.send(unspaced).await.status(), StatusCode::OK);
    let used = server.engine.api_tokens().await.unwrap();
    assert!(used[0].last_used.is_some(), "its last use is shown");
    call(&server, "GET", "/api/v1/users", Some(&created.value)).await;

    server
        .engine
        .revoke_api_token(&admin, &created.token.id, None)
        .await
        .unwrap();
    let res = call(&server, "GET", "/api/v1/users", Some(&created.value)).await;
    assert_eq!(res.status(), StatusCode::UNAUTHORIZED);
    assert!(server.engine.api_tokens().await.unwrap().is_empty());

    let value = token(&server, &admin).await;
    let res = call(
        &server,
        "GET",
        "/api/v1/logs?filter=eventType%20sw%20%22system.api_token%22",
        Some(&value),
    )
    .await;
    let types: Vec<String> = json(res)
        .await
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["eventType"].as_str().unwrap().to_owned())
        .collect();
    assert_eq!(
        types,
        [
            "system.api_token.create",
            "system.api_token.first_use",
            "system.api_token.revoke",
            "system.api_token.create",
            "system.api_token.first_use",
        ],
        "created, first used (once) and revoked are logged"
    );
    for bad in ["", "   ", &"x".repeat(101)] {
        let e = server.engine.create_api_token(&admin, bad, None).await;
        assert!(matches!(e, Err(engine::Error::InvalidInput(_))), "{bad:?}");
    }
}

#[tokio::test]
async fn users_are_listed_in_pages_that_follow_the_link_header_and_read_by_id_or_login() {
    let server = spawn().await;
    let admin = admin(&server).await;
    let write = server.engine.write(&admin).unwrap();
    for (login, first) in [
        ("ann.lee@example.com", "Ann"),
        ("bob.ray@example.com", "Bob"),
        ("ana.ruiz@example.com", "Ana"),
    ] {
        write
            .add_person(&engine::model::NewPerson {
                login: login.into(),
                email: login.into(),
                first_name: first.into(),
                last_name: "Test".into(),
                activate: true,
            })
            .await
            .unwrap();
        // Ids order by their creation millisecond; two in one are in random order.
        tokio::time::sleep(std::time::Duration::from_millis(2)).await;
    }
    let value = token(&server, &admin).await;
    let mut seen = Vec::new();
    let mut uri = "/api/v1/users?limit=2".to_owned();
    let mut pages = 0;
    loop {
        let res = call(&server, "GET", &uri, Some(&value)).await;
        assert_eq!(res.status(), StatusCode::OK);
        let link = link(&res);
        assert!(link.contains("rel=\"self\""), "{link}");
        let page = json(res).await;
        for u in page.as_array().unwrap() {
            seen.push(u["profile"]["login"].as_str().unwrap().to_owned());
            assert_eq!(u["status"], "ACTIVE");
            assert!(u["_links"]["self"]["href"]
                .as_str()
                .unwrap()
                .ends_with(u["id"].as_str().unwrap()));
        }
        pages += 1;
        match next_of(&link) {
            Some(next) => uri = path_of(&next),
            None => break,
        }
    }
    assert_eq!(
        seen,
        [
            "ann.lee@example.com",
            "bob.ray@example.com",
            "ana.ruiz@example.com"
        ]
    );
    assert_eq!(pages, 2);

    let res = call(&server, "GET", "/api/v1/users?q=an", Some(&value)).await;
    let found: Vec<String> = json(res)
        .await
        .as_array()
        .unwrap()
        .iter()
        .map(|u| u["profile"]["firstName"].as_str().unwrap().to_owned())
        .collect();
    assert_eq!(found, ["Ann", "Ana"], "q is a prefix of a name or email");

    let res = call(
        &server,
        "GET",
        "/api/v1/users/BOB.RAY@example.com",
        Some(&value),
    )
    .await;
    assert_eq!(res.status(), StatusCode::OK);
    let bob = json(res).await;
    let res = call(
        &server,
        "GET",
        &format!("/api/v1/users/{}", bob["id"].as_str().unwrap()),
        Some(&value),
    )
    .await;
    assert_eq!(json(res).await["profile"]["login"], "bob.ray@example.com");

    let res = call(&server, "GET", "/api/v1/users/nobody", Some(&value)).await;
    assert_eq!(res.status(), StatusCode::NOT_FOUND);
    let body = json(res).await;
    assert_eq!(body["errorCode"], "E0000007");
    assert_eq!(
        body["errorSummary"],
        "Not found: Resource not found: nobody (User)"
    );
    let res = call(&server, "GET", "/api/v1/users?limit=lots", Some(&value)).await;
    assert_eq!(res.status(), StatusCode::BAD_REQUEST);
    assert_eq!(json(res).await["errorCode"], "E0000001");
    let res = call(&server, "GET", "/api/v1/nothing-here", Some(&value)).await;
    assert_eq!(res.status(), StatusCode::NOT_FOUND);
    assert_eq!(json(res).await["errorCode"], "E0000007");
}

#[tokio::test]
async fn the_log_answers_bounded_and_polling_queries_with_okta_link_rules_and_filter_errors() {
    let server = spawn().await;
    let admin = admin(&server).await;
    let value = token(&server, &admin).await;
    // Sign-ins make events to read.
    for _ in 0..3 {
        server
            .engine
            .sign_in("admin", PASSWORD, None)
            .await
            .unwrap();
    }
    let filter = "filter=eventType%20eq%20%22user.session.start%22";

    let res = call(
        &server,
        "GET",
        &format!("/api/v1/logs?{filter}&limit=2"),
        Some(&value),
    )
    .await;
    assert_eq!(res.status(), StatusCode::OK);
    let first = link(&res);
    assert_eq!(json(res).await.as_array().unwrap().len(), 2);
    let next = next_of(&first).expect("a polling query has a next link");
    let res = call(&server, "GET", &path_of(&next), Some(&value)).await;
    let second = link(&res);
    let events = json(res).await;
    assert_eq!(
        events.as_array().unwrap().len(),
        2,
        "the third sign-in and the one of the first admin call"
    );
    let next = next_of(&second).expect("still a next link at the end of a poll");
    let res = call(&server, "GET", &path_of(&next), Some(&value)).await;
    let empty = link(&res);
    assert!(json(res).await.as_array().unwrap().is_empty());
    assert!(
        next_of(&empty).is_some(),
        "a poll that found nothing still has a next link"
    );
    server
        .engine
        .sign_in("admin", PASSWORD, None)
        .await
        .unwrap();
    let res = call(
        &server,
        "GET",
        &path_of(&next_of(&empty).unwrap()),
        Some(&value),
    )
    .await;
    assert_eq!(
        json(res).await.as_array().unwrap().len(),
        1,
        "the poll finds the new event"
    );

    let since = "2020-01-01T00:00:00.000Z";
    let until = "2999-01-01T00:00:00.000Z";
    let res = call(
        &server,
        "GET",
        &format!("/api/v1/logs?{filter}&since={since}&until={until}&limit=1000"),
        Some(&value),
    )
    .await;
    let bounded = link(&res);
    assert_eq!(json(res).await.as_array().unwrap().len(), 5);
    assert_eq!(next_of(&bounded), None, "a bounded query ends without next");

    let res = call(
        &server,
        "GET",
        &format!("/api/v1/logs?{filter}&sortOrder=DESCENDING&limit=1"),
        Some(&value),
    )
    .await;
    assert_eq!(json(res).await.as_array().unwrap().len(), 1);

    let res = call(
        &server,
        "GET",
        "/api/v1/logs?filter=eventType%20eqq%20%22x%22",
        Some(&value),
    )
    .await;
    assert_eq!(res.status(), StatusCode::BAD_REQUEST);
    let body = json(res).await;
    assert_eq!(body["errorCode"], "E0000053");
    assert!(
        body["errorCauses"][0]["errorSummary"]
            .as_str()
            .unwrap()
            .contains("Unrecognized attribute operator 'eqq' at position"),
        "{body}"
    );
    for bad in [
        "since=yesterday",
        "until=soon",
        "sortOrder=SIDEWAYS",
        "after=1&since=2020-01-01T00:00:00Z",
    ] {
        let res = call(&server, "GET", &format!("/api/v1/logs?{bad}"), Some(&value)).await;
        assert_eq!(res.status(), StatusCode::BAD_REQUEST, "{bad}");
        assert_eq!(json(res).await["errorCode"], "E0000053", "{bad}");
    }
}

#[tokio::test]
async fn past_the_rate_limit_the_api_answers_429_until_the_window_ends() {
    let server = spawn_with(server::HttpSettings {
        api_requests_per_minute: 3,
        ..server::HttpSettings::default()
    })
    .await;
    let admin = admin(&server).await;
    let value = token(&server, &admin).await;
    let mut remaining = Vec::new();
    for _ in 0..3 {
        let res = call(&server, "GET", "/api/v1/users", Some(&value)).await;
        assert_eq!(res.status(), StatusCode::OK);
        assert_eq!(res.headers()["x-rate-limit-limit"], "3");
        remaining.push(
            res.headers()["x-rate-limit-remaining"]
                .to_str()
                .unwrap()
                .to_owned(),
        );
    }
    assert_eq!(remaining, ["2", "1", "0"]);
    let res = call(&server, "GET", "/api/v1/users", Some(&value)).await;
    assert_eq!(res.status(), StatusCode::TOO_MANY_REQUESTS);
    let reset: u64 = res.headers()["x-rate-limit-reset"]
        .to_str()
        .unwrap()
        .parse()
        .unwrap();
    let now = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap()
        .as_secs();
    assert!(reset > now && reset <= now + 60, "reset {reset} at {now}");
    assert_eq!(json(res).await["errorCode"], "E0000047");
    let other = token(&server, &admin).await;
    let res = call(&server, "GET", "/api/v1/users", Some(&other)).await;
    assert_eq!(res.status(), StatusCode::OK, "each token has its own limit");
}

pub(crate) async fn send_json(
    server: &TestServer,
    method: &str,
    uri: &str,
    token: &str,
    body: &str,
) -> Response<Body> {
    let req = Request::builder()
        .method(method)
        .uri(uri)
        .header("authorization", format!("SSWS {token}"))
        .header("content-type", "application/json")
        .body(Body::from(body.to_owned()))
        .unwrap();
    server.send(req).await
}

/// An import started by API runs like any other, says it was started by
/// API, is polled to its end, and brings its people and app users in; a
/// read-only admin's token reads but starts nothing.
#[tokio::test]
async fn an_import_started_by_api_is_polled_to_its_end_and_a_read_only_token_starts_nothing() {
    let server = spawn().await;
    let admin = admin(&server).await;
    let write = server.engine.write(&admin).unwrap();
    let app = write
        .create_app("HR", engine::model::AppKind::CsvDirectory)
        .await
        .unwrap();
    let csv = "login,firstName,lastName,email\nann@x.io,Ann,Lee,ann@x.io\nbo@x.io,Bo,Ray,bo@x.io\n";
    write
        .save_upload(&app.id, "hr.csv", csv.as_bytes())
        .await
        .unwrap();
    let mut settings = server
        .engine
        .read(&admin)
        .app_settings(&app.id)
        .await
        .unwrap();
    settings.matching.auto_confirm_new = true;
    settings.matching.auto_activate_new = true;
    write.save_app_settings(&app.id, settings).await.unwrap();
    let value = token(&server, &admin).await;
    let uri = format!("/api/v1/apps/{}/imports", app.id);

    let res = send_json(
        &server,
        "POST",
        &uri,
        &value,
        r#"{"importType":"SIDEWAYS"}"#,
    )
    .await;
    assert_eq!(res.status(), StatusCode::BAD_REQUEST);
    assert_eq!(json(res).await["errorCode"], "E0000001");
    let res = send_json(&server, "POST", &uri, &value, "{not json").await;
    assert_eq!(json(res).await["errorCode"], "E0000003");
    let res = send_json(
        &server,
        "POST",
        "/api/v1/apps/0oanothere/imports",
        &value,
        "",
    )
    .await;
    assert_eq!(res.status(), StatusCode::NOT_FOUND);

    let res = send_json(&server, "POST", &uri, &value, r#"{"importType":"FULL"}"#).await;
    assert_eq!(res.status(), StatusCode::CREATED);
    let location = res.headers()["location"].to_str().unwrap().to_owned();
    let run = json(res).await;
    assert_eq!(
        (run["importType"].as_str(), run["importTrigger"].as_str()),
        (Some("FULL"), Some("API"))
    );
    assert!(location.ends_with(&format!("/imports/{}", run["id"].as_str().unwrap())));
    while server.engine.run_next_job().await.unwrap().is_some() {}
    let res = call(&server, "GET", &path_of(&location), Some(&value)).await;
    let done = json(res).await;
    assert_eq!(done["status"], "COMPLETED", "{done}");
    assert_eq!(done["counts"]["new"], 2);

    let res = call(
        &server,
        "GET",
        &format!("/api/v1/apps/{}/users", app.id),
        Some(&value),
    )
    .await;
    let users = json(res).await;
    let names: Vec<&str> = users
        .as_array()
        .unwrap()
        .iter()
        .map(|u| u["credentials"]["userName"].as_str().unwrap())
        .collect();
    assert_eq!(names.len(), 2, "{users}");
    assert!(users
        .as_array()
        .unwrap()
        .iter()
        .all(|u| u["status"] == "ACTIVE"));
    let res = call(&server, "GET", "/api/v1/apps?limit=1", Some(&value)).await;
    assert!(next_of(&link(&res)).is_none());
    assert_eq!(json(res).await[0]["label"], "HR");
    let res = call(&server, "GET", "/api/v1/groups", Some(&value)).await;
    assert_eq!(json(res).await, serde_json::json!([]));
    let res = call(&server, "GET", "/api/v1/groups/00gnothere", Some(&value)).await;
    assert_eq!(json(res).await["errorCode"], "E0000007");

    let events = call(
        &server,
        "GET",
        "/api/v1/logs?filter=eventType%20eq%20%22system.import.start%22%20and%20debugContext.debugData.importTrigger%20eq%20%22API%22",
        Some(&value),
    )
    .await;
    assert_eq!(json(events).await.as_array().unwrap().len(), 1);

    let read_only = read_only_token(&server).await;
    let res = send_json(&server, "POST", &uri, &read_only, "").await;
    assert_eq!(res.status(), StatusCode::FORBIDDEN);
    assert_eq!(json(res).await["errorCode"], "E0000006");
    let res = call(&server, "GET", &path_of(&location), Some(&read_only)).await;
    assert_eq!(res.status(), StatusCode::OK, "a read-only token reads");
}

/// Users made, moved through their lifecycle and deleted by API, with
/// Okta's status rules and errors; a read-only admin's token changes none.
#[tokio::test]
async fn users_are_created_moved_through_their_lifecycle_and_deleted_with_okta_rules() {
    let server = spawn().await;
    let admin = admin(&server).await;
    let value = token(&server, &admin).await;
    let ann =
        r#"{"profile":{"login":"ann@x.io","email":"ann@x.io","firstName":"Ann","lastName":"Lee"}}"#;
    let res = send_json(&server, "POST", "/api/v1/users", &value, ann).await;
    assert_eq!(res.status(), StatusCode::OK);
    let created = json(res).await;
    assert_eq!(created["status"], "ACTIVE", "activate is true unless said");
    let id = created["id"].as_str().unwrap().to_owned();
    let res = send_json(&server, "POST", "/api/v1/users", &value, ann).await;
    assert_eq!(res.status(), StatusCode::BAD_REQUEST);
    let body = json(res).await;
    assert_eq!(body["errorCode"], "E0000001");
    assert!(
        body["errorSummary"].as_str().unwrap().contains("ann@x.io"),
        "{body}"
    );
    let bo =
        r#"{"profile":{"login":"bo@x.io","email":"bo@x.io","firstName":"Bo","lastName":"Ray"}}"#;
    let res = send_json(&server, "POST", "/api/v1/users?activate=false", &value, bo).await;
    assert_eq!(json(res).await["status"], "STAGED");
    for (body, code) in [
        ("{}", "E0000001"),
        (r#"{"profile":{"login":"cy@x.io"}}"#, "E0000001"),
        ("{not json", "E0000003"),
    ] {
        let res = send_json(&server, "POST", "/api/v1/users", &value, body).await;
        assert_eq!(res.status(), StatusCode::BAD_REQUEST, "{body}");
        assert_eq!(json(res).await["errorCode"], code, "{body}");
    }

    let user = format!("/api/v1/users/{id}");
    let lifecycle = |op: &str| format!("/api/v1/users/{id}/lifecycle/{op}");
    for (op, code, after) in [
        ("suspend", StatusCode::OK, "SUSPENDED"),
        ("suspend", StatusCode::BAD_REQUEST, "SUSPENDED"),
        ("unsuspend", StatusCode::OK, "ACTIVE"),
        ("activate", StatusCode::BAD_REQUEST, "ACTIVE"),
        ("deactivate", StatusCode::OK, "DEPROVISIONED"),
        ("activate", StatusCode::OK, "ACTIVE"),
        ("unlock", StatusCode::BAD_REQUEST, "ACTIVE"),
        ("fly", StatusCode::NOT_FOUND, "ACTIVE"),
    ] {
        let res = send_json(&server, "POST", &lifecycle(op), &value, "").await;
        assert_eq!(res.status(), code, "{op}");
        if code == StatusCode::BAD_REQUEST {
            let body = json(res).await;
            assert_eq!(body["errorCode"], "E0000001", "{op}: {body}");
        }
        assert_eq!(
            user_status(&server, &user, &value).await,
            after,
            "after {op}"
        );
    }
    let res = send_json(
        &server,
        "POST",
        "/api/v1/users/nobody/lifecycle/suspend",
        &value,
        "",
    )
    .await;
    assert_eq!(res.status(), StatusCode::NOT_FOUND);

    let read_only = read_only_token(&server).await;
    for (method, uri, body) in [
        ("POST", "/api/v1/users".to_owned(), bo),
        ("POST", lifecycle("suspend"), ""),
        ("DELETE", format!("/api/v1/users/{id}"), ""),
    ] {
        let res = send_json(&server, method, &uri, &read_only, body).await;
        assert_eq!(res.status(), StatusCode::FORBIDDEN, "{method} {uri}");
        assert_eq!(json(res).await["errorCode"], "E0000006");
    }
    assert_eq!(
        user_status(&server, &user, &value).await,
        "ACTIVE",
        "the read-only token changed nothing"
    );

    assert_eq!(
        call(&server, "DELETE", &user, Some(&value)).await.status(),
        StatusCode::NO_CONTENT
    );
    assert_eq!(
        user_status(&server, &user, &value).await,
        "DEPROVISIONED",
        "the first delete deactivates"
    );
    assert_eq!(
        call(&server, "DELETE", &user, Some(&value)).await.status(),
        StatusCode::NO_CONTENT
    );
    assert_eq!(
        user_status(&server, &user, &value).await,
        "GONE",
        "the second deletes"
    );
    assert_eq!(
        call(&server, "DELETE", &user, Some(&value)).await.status(),
        StatusCode::NOT_FOUND
    );
}

/// A directory's groups, imported by an import the API started, read back
/// through the API with the people in them, page by page.
#[tokio::test]
async fn directory_groups_and_their_people_are_read_in_pages() {
    use engine::sources::ldap::{LdapSettings, Preset, Security};
    use testkit::slapd::{self, Slapd};
    let ldif = [
        slapd::people("u", 3, "20260101000000Z"),
        slapd::group(
            "groupOfNames",
            "Engineering",
            &[
                slapd::person_dn("u0"),
                slapd::person_dn("u1"),
                slapd::person_dn("u2"),
            ],
        ),
        slapd::group("groupOfNames", "Sales", &[slapd::person_dn("u2")]),
    ]
    .join("\n");
    let directory = Slapd::serving(ldif);
    let server = spawn().await;
    let admin = admin(&server).await;
    let write = server.engine.write(&admin).unwrap();
    let app = write
        .create_app("Corp", engine::model::AppKind::LdapDirectory)
        .await
        .unwrap();
    let settings = LdapSettings {
        host: "127.0.0.1".into(),
        port: directory.port,
        security: Security::None,
        bind_dn: slapd::BIND_DN.into(),
        users_base: slapd::PEOPLE.into(),
        groups_base: slapd::GROUPS.into(),
        import_groups: true,
        ..LdapSettings::preset(Preset::OpenLdap)
    };
    write
        .save_connection(
            &app.id,
            serde_json::to_value(settings).unwrap(),
            Some(slapd::BIND_PASSWORD),
        )
        .await
        .unwrap();
    let value = token(&server, &admin).await;
    let uri = format!("/api/v1/apps/{}/imports", app.id);
    let res = send_json(&server, "POST", &uri, &value, r#"{"importType":"FULL"}"#).await;
    assert_eq!(res.status(), StatusCode::CREATED);
    while server.engine.run_next_job().await.unwrap().is_some() {}
    write
        .confirm_assignments(&app.id, engine::store::Selection::All, true)
        .await
        .unwrap();

    let res = call(&server, "GET", "/api/v1/groups?limit=1", Some(&value)).await;
    let next = next_of(&link(&res)).expect("a second page");
    let first = json(res).await;
    let res = call(&server, "GET", &path_of(&next), Some(&value)).await;
    assert_eq!(next_of(&link(&res)), None);
    let second = json(res).await;
    let groups: Vec<&Value> = first
        .as_array()
        .unwrap()
        .iter()
        .chain(second.as_array().unwrap())
        .collect();
    let names: Vec<&str> = groups
        .iter()
        .map(|g| g["profile"]["name"].as_str().unwrap())
        .collect();
    assert_eq!(names, ["Engineering", "Sales"]);
    assert!(groups.iter().all(|g| g["source"]["id"] == app.id.as_str()));

    let engineering = groups[0]["id"].as_str().unwrap();
    let res = call(
        &server,
        "GET",
        &format!("/api/v1/groups/{engineering}"),
        Some(&value),
    )
    .await;
    assert_eq!(json(res).await["profile"]["name"], "Engineering");
    let mut members = Vec::new();
    let mut uri = format!("/api/v1/groups/{engineering}/users?limit=2");
    loop {
        let res = call(&server, "GET", &uri, Some(&value)).await;
        let next = next_of(&link(&res));
        for u in json(res).await.as_array().unwrap() {
            members.push(u["profile"]["login"].as_str().unwrap().to_owned());
        }
        match next {
            Some(next) => uri = path_of(&next),
            None => break,
        }
    }
    members.sort();
    let res = call(&server, "GET", "/api/v1/users", Some(&value)).await;
    let mut everyone: Vec<String> = json(res)
        .await
        .as_array()
        .unwrap()
        .iter()
        .map(|u| u["profile"]["login"].as_str().unwrap().to_owned())
        .collect();
    everyone.sort();
    assert_eq!(everyone.len(), 3);
    assert_eq!(members, everyone, "all three people are in Engineering");
}

/// The logins a list call answers, in order.
async fn logins_of(server: &TestServer, uri: &str, token: &str) -> Vec<String> {
    let res = call(server, "GET", uri, Some(token)).await;
    assert_eq!(res.status(), StatusCode::OK, "{uri}");
    json(res)
        .await
        .as_array()
        .unwrap()
        .iter()
        .map(|u| u["profile"]["login"].as_str().unwrap().to_owned())
        .collect()
}

/// A profile Muster masters changes by API, partly (POST) or whole (PUT),
/// with each change logged and the login kept unique; one an app sources
/// does not. Lists take Okta's `search` (any attribute, deactivated people
/// included) and `filter` (its few attributes), in pages.
#[tokio::test]
async fn profiles_change_by_api_unless_sourced_and_lists_take_search_and_filter() {
    let server = spawn().await;
    let admin = admin(&server).await;
    let value = token(&server, &admin).await;
    let mut ids = Vec::new();
    for (login, first, last) in [
        ("ann@x.io", "Ann", "Lee"),
        ("bo@x.io", "Bo", "Lee"),
        ("cy@x.io", "Cy", "Oak"),
    ] {
        let body = json!({"profile": {"login": login, "email": login, "firstName": first, "lastName": last}});
        let res = send_json(&server, "POST", "/api/v1/users", &value, &body.to_string()).await;
        ids.push(json(res).await["id"].as_str().unwrap().to_owned());
    }
    let ann = format!("/api/v1/users/{}", ids[0]);

    let partial = json!({"profile": {"lastName": "Birch", "department": "Sales"}});
    let res = send_json(&server, "POST", &ann, &value, &partial.to_string()).await;
    assert_eq!(res.status(), StatusCode::OK);
    let updated = json(res).await;
    assert_eq!(updated["profile"]["lastName"], "Birch");
    assert_eq!(
        updated["profile"]["firstName"], "Ann",
        "a partial update keeps the rest"
    );
    assert_eq!(updated["profile"]["department"], "Sales");

    let full = json!({"profile": {"login": "ann@x.io", "email": "ann@y.io", "firstName": "Ann", "lastName": "Birch"}});
    let res = send_json(
        &server,
        "PUT",
        "/api/v1/users/ann@x.io",
        &value,
        &full.to_string(),
    )
    .await;
    let replaced = json(res).await;
    assert_eq!(replaced["profile"]["email"], "ann@y.io");
    assert!(
        replaced["profile"].get("department").is_none(),
        "a full update drops what it omits: {replaced}"
    );
    let res = send_json(
        &server,
        "PUT",
        &ann,
        &value,
        r#"{"profile":{"login":"ann@x.io"}}"#,
    )
    .await;
    assert_eq!(
        json(res).await["errorCode"],
        "E0000001",
        "a full profile needs its required attributes"
    );
    let taken = json!({"profile": {"login": "BO@x.io"}});
    let res = send_json(&server, "POST", &ann, &value, &taken.to_string()).await;
    assert_eq!(res.status(), StatusCode::BAD_REQUEST);
    assert!(body_text(res).await.contains("taken by bo@x.io"));
    let res = send_json(&server, "POST", &ann, &value, r#"{"profile":{"age":42}}"#).await;
    assert_eq!(json(res).await["errorCode"], "E0000001");
    let res = send_json(
        &server,
        "POST",
        "/api/v1/users/00unothere",
        &value,
        &partial.to_string(),
    )
    .await;
    assert_eq!(res.status(), StatusCode::NOT_FOUND);
    let changes = call(
        &server,
        "GET",
        "/api/v1/logs?filter=eventType%20eq%20%22user.account.update_profile%22",
        Some(&value),
    )
    .await;
    let changes = json(changes).await;
    assert_eq!(changes.as_array().unwrap().len(), 2, "{changes}");
    assert_eq!(changes[0]["target"][0]["alternateId"], "ann@x.io");

    // Searches and filters.
    let enc = |s: &str| s.replace(' ', "%20").replace('"', "%22");
    let search = |s: &str| format!("/api/v1/users?search={}", enc(s));
    assert_eq!(
        logins_of(&server, &search(r#"profile.lastName eq "lee""#), &value).await,
        ["bo@x.io"]
    );
    assert_eq!(
        logins_of(&server, &search(r#"profile.department eq "Sales""#), &value).await,
        Vec::<String>::new(),
        "the full update dropped it"
    );
    server
        .engine
        .write(&admin)
        .unwrap()
        .change_status(&[ids[1].clone()], engine::model::Lifecycle::Deactivate)
        .await
        .unwrap();
    assert_eq!(
        logins_of(&server, &search(r#"status eq "DEPROVISIONED""#), &value).await,
        ["bo@x.io"],
        "search includes deactivated people"
    );
    let mut everyone = Vec::new();
    let mut next = Some(search(r#"profile.login co "@x.io""#) + "&limit=1");
    while let Some(uri) = next {
        let res = call(&server, "GET", &uri, Some(&value)).await;
        next = next_of(&link(&res)).map(|u| path_of(&u));
        for u in json(res).await.as_array().unwrap() {
            everyone.push(u["profile"]["login"].as_str().unwrap().to_owned());
        }
    }
    everyone.sort_unstable();
    assert_eq!(everyone, ["ann@x.io", "bo@x.io", "cy@x.io"]);
    let filter = |s: &str| format!("/api/v1/users?filter={}", enc(s));
    assert_eq!(
        logins_of(
            &server,
            &filter(r#"status eq "ACTIVE" and profile.firstName sw "c""#),
            &value
        )
        .await,
        ["cy@x.io"]
    );
    for bad in [
        filter(r#"profile.department eq "Sales""#),
        filter("status eq"),
        search(r#"status eq "ACTIVE""#) + "&filter=id%20pr",
    ] {
        let res = call(&server, "GET", &bad, Some(&value)).await;
        assert_eq!(res.status(), StatusCode::BAD_REQUEST, "{bad}");
        assert_eq!(json(res).await["errorCode"], "E0000053", "{bad}");
    }
}

/// The OpenAPI document names every route the API has, with its method,
/// and no other; each operation has an id and answers Okta's errors.
#[tokio::test]
async fn the_openapi_document_describes_every_route_and_only_those() {
    let server = spawn().await;
    let admin = admin(&server).await;
    let value = token(&server, &admin).await;
    let res = call(&server, "GET", "/api/v1/openapi.json", Some(&value)).await;
    assert_eq!(res.status(), StatusCode::OK);
    let doc = json(res).await;
    assert_eq!(doc["openapi"], "3.1.0");
    let mut documented: Vec<(String, String)> = Vec::new();
    for (path, item) in doc["paths"].as_object().unwrap() {
        for (method, op) in item.as_object().unwrap() {
            documented.push((method.to_uppercase(), path.clone()));
            assert!(op["operationId"].is_string(), "{method} {path}");
            assert!(op["responses"]["401"].is_object(), "{method} {path}");
        }
    }
    let mut routes: Vec<(String, String)> = server::api::routes()
        .into_iter()
        .map(|r| (r.method.to_string(), r.path.to_owned()))
        .collect();
    documented.sort();
    routes.sort();
    assert_eq!(documented, routes);
    let refs = doc.to_string();
    for name in doc["components"]["schemas"].as_object().unwrap().keys() {
        assert!(
            refs.contains(&format!("#/components/schemas/{name}")),
            "{name} is unused"
        );
    }
    for r in refs.split("#/components/schemas/").skip(1) {
        let name = r.split('"').next().unwrap();
        assert!(
            doc["components"]["schemas"][name].is_object(),
            "{name} is missing"
        );
    }
}
