//! Uploads through the console: a file that is not UTF-8 named where, and
//! read again in the encoding the admin chooses.

use crate::support::*;
use axum::body::Body;
use axum::http::{Request, StatusCode};
use serde_json::Value;

/// The session cookie of an admin signed in through the engine.
async fn session_of(server: &TestServer, username: &str, password: &str) -> String {
    let (_, token) = server
        .engine
        .sign_in(username, password, None)
        .await
        .unwrap();
    format!("{}={token}", web::SESSION_COOKIE)
}

async fn upload(server: &TestServer, cookie: &str, app_id: &str, bytes: &[u8]) -> Value {
    let res = server
        .send(
            Request::post(format!("/console/apps/{app_id}/uploads"))
                .header("cookie", cookie)
                .header("x-file-name", "excel.csv")
                .body(Body::from(bytes.to_vec()))
                .unwrap(),
        )
        .await;
    assert_eq!(res.status(), StatusCode::OK);
    serde_json::from_str(&body_text(res).await).unwrap()
}

async fn decode_upload(
    server: &TestServer,
    cookie: Option<&str>,
    app_id: &str,
    upload_id: &str,
) -> (StatusCode, String) {
    let mut req = Request::post(server_fn_path("decode_upload"))
        .header("content-type", "application/x-www-form-urlencoded")
        .header("accept", "application/json");
    if let Some(cookie) = cookie {
        req = req.header("cookie", cookie);
    }
    let res = server
        .send(
            req.body(Body::from(format!(
                "app_id={app_id}&upload_id={upload_id}&encoding=windows-1252"
            )))
            .unwrap(),
        )
        .await;
    (res.status(), body_text(res).await)
}

#[tokio::test]
async fn a_windows_1252_upload_is_named_where_and_read_again_by_a_writing_admin() {
    let server = spawn().await;
    let cookie = session_of(&server, "admin", PASSWORD).await;
    let (admin, _) = server
        .engine
        .sign_in("admin", PASSWORD, None)
        .await
        .unwrap();
    let write = server.engine.write(&admin).unwrap();
    let app = write
        .create_app("Excel", engine::model::AppKind::CsvDirectory)
        .await
        .unwrap();
    write
        .create_admin("viewer", "viewer-password", true)
        .await
        .unwrap();

    let excel = b"login,firstName,lastName,email\r\n\
        renee@example.com,Ren\xE9e,Dupont,renee@example.com\r\n";
    let refused = upload(&server, &cookie, &app.id, excel).await;
    assert_eq!(
        refused["problems"][0],
        "Line 2 is not UTF-8 (byte 0xE9 at offset 53 of the file): renee@example.com,Ren\u{FFFD}e,Dupont,renee@example.com"
    );
    assert_eq!(refused["encodings"], serde_json::json!(["windows-1252"]));
    let upload_id = refused["id"].as_str().unwrap();

    // Only a signed-in admin with write rights may read it again.
    let (status, _) = decode_upload(&server, None, &app.id, upload_id).await;
    assert_eq!(status, StatusCode::UNAUTHORIZED);
    let viewer = session_of(&server, "viewer", "viewer-password").await;
    let (status, body) = decode_upload(&server, Some(&viewer), &app.id, upload_id).await;
    assert_eq!(status, StatusCode::FORBIDDEN, "{body}");

    let (status, body) = decode_upload(&server, Some(&cookie), &app.id, upload_id).await;
    assert_eq!(status, StatusCode::OK, "{body}");
    let read: Value = serde_json::from_str(&body).unwrap();
    assert_ne!(read["id"], refused["id"]);
    assert_eq!(read["file_name"], "excel.csv");
    assert_eq!(read["problems"], serde_json::json!([]));
    assert_eq!(read["decoded_from"], "windows-1252");
    assert_eq!(read["rows"][0][1], "Renée");

    // An upload of another app is not found through this one.
    let other = write
        .create_app("Other", engine::model::AppKind::CsvDirectory)
        .await
        .unwrap();
    let (status, _) = decode_upload(&server, Some(&cookie), &other.id, upload_id).await;
    assert_eq!(status, StatusCode::NOT_FOUND);
}
