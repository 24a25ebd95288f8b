//! A directory set up through the console's server functions: its bind
//! password goes in and never comes out, from any server function, report
//! or System Log event.

use crate::auth::{FORM_ARGS, JSON_ARGS, JSON_FUNCTIONS};
use crate::support::*;
use axum::body::Body;
use axum::http::{Request, StatusCode};
use serde_json::{json, Value};
use testkit::slapd::{self, Slapd};

const SECRET: &str = "Bind-Secret-7x!";

pub async fn call(
    server: &TestServer,
    cookie: &str,
    name: &str,
    content_type: &str,
    body: String,
) -> (StatusCode, String) {
    let res = server
        .send(
            Request::post(server_fn_path(name))
                .header("cookie", cookie)
                .header("content-type", content_type)
                .header("accept", "application/json")
                .body(Body::from(body))
                .unwrap(),
        )
        .await;
    let status = res.status();
    (status, body_text(res).await)
}

pub async fn json_call(
    server: &TestServer,
    cookie: &str,
    name: &str,
    args: Value,
) -> (StatusCode, String) {
    call(server, cookie, name, "application/json", args.to_string()).await
}

/// Signs in and adds an app through the console's server function: the
/// session cookie and the app's id.
pub async fn console_app(server: &TestServer, name: &str, kind: &str) -> (String, String) {
    let (cookie, _) = sign_in(server, false).await;
    let cookie = cookie.split(';').next().unwrap().to_owned();
    let (status, body) = call(
        server,
        &cookie,
        "create_app",
        "application/x-www-form-urlencoded",
        format!("name={name}&kind={kind}"),
    )
    .await;
    assert!(
        status.is_success() || status.is_redirection(),
        "{status} {body}"
    );
    let (admin, _) = server
        .engine
        .sign_in("admin", PASSWORD, None)
        .await
        .unwrap();
    let app_id = server.engine.read(&admin).list_apps(name).await.unwrap()[0]
        .id
        .clone();
    (cookie, app_id)
}

#[tokio::test]
async fn the_bind_password_never_comes_back_from_any_server_function_or_the_log() {
    let directory = Slapd::serving(slapd::people("u", 3, "20260101000000Z"));
    let server = spawn().await;
    let (cookie, app_id) = console_app(&server, "Corp", "LdapDirectory").await;

    let settings = json!({
        "preset": "OpenLdap", "host": "127.0.0.1", "port": directory.port, "security": "None",
        "bind_dn": slapd::BIND_DN, "users_base": slapd::PEOPLE, "user_class": "inetOrgPerson",
        "groups_base": slapd::GROUPS, "group_class": "groupOfNames", "page_size": 100, "timeout_seconds": 10,
    });
    // A wrong password is refused by the server, named by Test Connection.
    let (status, body) = json_call(
        &server,
        &cookie,
        "test_directory_connection",
        json!({"app_id": app_id, "settings": settings, "password": SECRET}),
    )
    .await;
    assert_eq!(status, StatusCode::OK, "{body}");
    assert!(body.contains("invalid credentials (49)"), "{body}");
    // Saved with the right one, then tested with the stored one.
    let (status, body) = json_call(
        &server,
        &cookie,
        "save_directory_connection",
        json!({"app_id": app_id, "settings": settings, "password": slapd::BIND_PASSWORD}),
    )
    .await;
    assert_eq!(status, StatusCode::OK, "{body}");
    let (_, body) = json_call(
        &server,
        &cookie,
        "test_directory_connection",
        json!({"app_id": app_id, "settings": settings, "password": null}),
    )
    .await;
    assert!(body.contains("\"name\":\"Search\",\"ok\":true"), "{body}");
    let (_, body) = call(
        &server,
        &cookie,
        "get_directory_connection",
        "application/x-www-form-urlencoded",
        format!("app_id={app_id}"),
    )
    .await;
    assert!(body.contains("\"password_set\":true"), "{body}");

    // An import, so the run, queue and log have something to say.
    let (status, body) = call(
        &server,
        &cookie,
        "start_import",
        "application/x-www-form-urlencoded",
        format!("app_id={app_id}&upload_id=&import_type=Full&preview=false"),
    )
    .await;
    assert_eq!(status, StatusCode::OK, "{body}");
    let run = server.engine.run_next_job().await.unwrap().unwrap();
    assert_eq!(run.counts.scanned, 3, "{:?}", run.message);

    let answers = every_answer(&server, &cookie, &app_id, &run.id).await;
    assert!(answers.len() > 20, "{}", answers.len());
    for (name, body) in &answers {
        for secret in [SECRET, slapd::BIND_PASSWORD] {
            assert!(
                !body.contains(secret),
                "{name} answered the password: {body}"
            );
        }
    }
    let log = &answers
        .iter()
        .find(|(n, _)| n.starts_with("/console/logs.csv"))
        .unwrap()
        .1;
    assert!(log.contains("Update the connection of Corp"), "{log}");
}

/// What every server function (called with this app's id), the CSV
/// reports and every GET of the REST API answer, by name.
pub async fn every_answer(
    server: &TestServer,
    cookie: &str,
    app_id: &str,
    run_id: &str,
) -> Vec<(String, String)> {
    let mut answers = Vec::new();
    for (path, _) in leptos::server_fn::axum::server_fn_paths() {
        let name = path
            .trim_start_matches("/api/")
            .trim_end_matches(char::is_numeric);
        if [
            "sign_in",
            "sign_out",
            "end_session",
            "end_other_sessions",
            "delete_app",
            "deactivate_app",
        ]
        .contains(&name)
        {
            continue;
        }
        let answer = if JSON_FUNCTIONS.contains(&name) {
            call(
                server,
                cookie,
                name,
                "application/json",
                JSON_ARGS.replace("\"x\"", &format!("{app_id:?}")),
            )
            .await
        } else {
            call(
                server,
                cookie,
                name,
                "application/x-www-form-urlencoded",
                FORM_ARGS.replace("=x&", &format!("={app_id}&")),
            )
            .await
        };
        answers.push((name.to_owned(), answer.1));
    }
    for path in [
        "/console/logs.csv?range=all&filter=&q=",
        "/console/people.csv",
    ] {
        let res = server
            .send(
                Request::get(path)
                    .header("cookie", cookie)
                    .body(Body::empty())
                    .unwrap(),
            )
            .await;
        answers.push((path.to_owned(), body_text(res).await));
    }
    // And every GET of the REST API, with a token, for this app.
    let admin = server
        .engine
        .sign_in("admin", PASSWORD, None)
        .await
        .unwrap()
        .0;
    let token = server
        .engine
        .create_api_token(&admin, "audit", None)
        .await
        .unwrap()
        .value;
    for server::api::Route { method, path, .. } in server::api::routes() {
        if method != http::Method::GET {
            continue;
        }
        let uri = path
            .replace("{appId}", app_id)
            .replace("{runId}", run_id)
            .replace("{userId}", "admin")
            .replace("{groupId}", "00g");
        let res = server
            .send(
                Request::get(&uri)
                    .header("authorization", format!("SSWS {token}"))
                    .body(Body::empty())
                    .unwrap(),
            )
            .await;
        answers.push((uri, body_text(res).await));
    }
    answers
}
