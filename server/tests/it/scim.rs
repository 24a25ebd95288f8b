//! A SCIM app set up through the console's server functions, against the
//! real scim2-server: Test API Credentials with a wrong token and with the
//! stored one, an import, and the token never coming out.

use crate::directories::{call, console_app, every_answer, json_call};
use crate::support::*;
use axum::http::StatusCode;
use serde_json::json;
use testkit::scim::{ScimServer, TOKEN};

const WRONG_TOKEN: &str = "Wrong-Token-9q!";

#[tokio::test]
async fn a_scim_app_is_set_up_tested_and_imported_and_its_token_never_comes_back() {
    let app_server = ScimServer::start();
    for login in ["ann", "bo"] {
        app_server.create_user(&format!("{login}@example.com"), login, "Lee");
    }
    let server = spawn().await;
    let (cookie, app_id) = console_app(&server, "Ticketing", "ScimApp").await;

    let settings = json!({"enabled": true, "base_url": app_server.base_url(), "auth": "Bearer", "timeout_seconds": 10});
    // A wrong token: the app's refusal, named by Test API Credentials.
    let (status, body) = json_call(
        &server,
        &cookie,
        "test_scim_connection",
        json!({"app_id": app_id, "settings": settings, "secret": WRONG_TOKEN}),
    )
    .await;
    assert_eq!(status, StatusCode::OK, "{body}");
    assert!(body.contains("401"), "{body}");
    assert!(body.contains("\"ok\":false"), "{body}");
    // Saved with the right one, then tested with the stored one.
    let (status, body) = json_call(
        &server,
        &cookie,
        "save_scim_connection",
        json!({"app_id": app_id, "settings": settings, "secret": TOKEN}),
    )
    .await;
    assert_eq!(status, StatusCode::OK, "{body}");
    let (_, body) = json_call(
        &server,
        &cookie,
        "test_scim_connection",
        json!({"app_id": app_id, "settings": settings, "secret": null}),
    )
    .await;
    assert!(body.contains("\"name\":\"Users\",\"ok\":true"), "{body}");
    assert!(body.contains("ann@example.com"), "{body}");
    let (_, body) = call(
        &server,
        &cookie,
        "get_scim_connection",
        "application/x-www-form-urlencoded",
        format!("app_id={app_id}"),
    )
    .await;
    assert!(body.contains("\"secret_set\":true"), "{body}");

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
    assert_eq!(run.counts.scanned, 2, "{:?}", run.message);

    let answers = every_answer(&server, &cookie, &app_id, &run.id).await;
    assert!(answers.len() > 20, "{}", answers.len());
    for (name, body) in &answers {
        for secret in [TOKEN, WRONG_TOKEN] {
            assert!(!body.contains(secret), "{name} answered the token: {body}");
        }
    }
    let log = &answers
        .iter()
        .find(|(n, _)| n.starts_with("/console/logs.csv"))
        .unwrap()
        .1;
    assert!(log.contains("Update the connection of Ticketing"), "{log}");
}
