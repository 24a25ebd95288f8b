use crate::support::*;
use axum::body::Body;
use axum::http::{Request, StatusCode};

/// The server functions that take their arguments as JSON.
pub const JSON_FUNCTIONS: [&str; 16] = [
    "save_to_app",
    "set_profile_source_order",
    "save_directory_connection",
    "test_directory_connection",
    "save_scim_connection",
    "test_scim_connection",
    "add_person",
    "change_status",
    "confirm_assignments",
    "list_people",
    "tally_queue",
    "clear_unconfirmed",
    "set_queue_action",
    "save_settings",
    "preview_mappings",
    "save_org_settings",
];
pub const JSON_ARGS: &str = r#"{"app_id":"x","seqs":[1],"all":false,"match_type":null,"activate":false,"seq":1,"action":null,"user_id":null,"confirmed":false,"settings":{},"section":"General","version":0,"base":{},"filter":{},"offset":0,"user_ids":[],"op":"Suspend","person":{},"app_ids":[],"to_app":{}}"#;
pub const FORM_ARGS: &str = "app_id=x&id=x&user_id=x&group_id=x&login=x&external_id=x&search=&include_deactivated=false&offset=0&run_id=x&upload_id=x&import_type=Full&name=x&kind=CsvDirectory&filter=&q=&preview=false&enabled=true&percent=20&resume=false&encoding=windows-1252&range=1h&from=&to=&older=&newer=";

#[tokio::test]
async fn every_server_function_refuses_an_anonymous_call() {
    let server = spawn().await;
    let mut checked = 0;
    for (path, method) in leptos::server_fn::axum::server_fn_paths() {
        if path.trim_start_matches("/api/").starts_with("sign_in") {
            continue;
        }
        // Each call is well formed, so only the missing session refuses it.
        let name = path
            .trim_start_matches("/api/")
            .trim_end_matches(char::is_numeric);
        let (content_type, body) = if JSON_FUNCTIONS.contains(&name) {
            ("application/json", JSON_ARGS)
        } else {
            ("application/x-www-form-urlencoded", FORM_ARGS)
        };
        let req = Request::builder()
            .method(method)
            .uri(path)
            .header("content-type", content_type)
            .header("accept", "application/json")
            .body(Body::from(body))
            .unwrap();
        let res = server.send(req).await;
        assert_eq!(
            res.status(),
            StatusCode::UNAUTHORIZED,
            "{path} answered {}",
            res.status()
        );
        checked += 1;
    }
    assert!(checked >= 10, "only {checked} server functions were found");
    // Nothing was created by the refused calls.
    assert_eq!(server.app_names().await, Vec::<String>::new());
}

#[tokio::test]
async fn pages_redirect_to_sign_in_and_console_routes_answer_401() {
    let server = spawn().await;
    for (page, back) in [
        ("/", "/signin"),
        ("/apps", "/signin?next=%2Fapps"),
        ("/people?q=ann", "/signin?next=%2Fpeople%3Fq%3Dann"),
        (
            "/apps/0oa123/import",
            "/signin?next=%2Fapps%2F0oa123%2Fimport",
        ),
    ] {
        let res = server
            .send(Request::get(page).body(Body::empty()).unwrap())
            .await;
        assert_eq!(res.status(), StatusCode::SEE_OTHER, "{page}");
        assert_eq!(res.headers()["location"], back);
    }
    let res = server
        .send(Request::get("/signin").body(Body::empty()).unwrap())
        .await;
    assert_eq!(res.status(), StatusCode::OK);
    assert!(body_text(res).await.contains("Sign in"));
    let res = server
        .send(
            Request::post("/console/apps/0oa1/uploads")
                .body(Body::from("login\n"))
                .unwrap(),
        )
        .await;
    assert_eq!(res.status(), StatusCode::UNAUTHORIZED);
    let res = server
        .send(
            Request::get("/console/runs/ij1/errors.csv")
                .body(Body::empty())
                .unwrap(),
        )
        .await;
    assert_eq!(res.status(), StatusCode::UNAUTHORIZED);
}

#[tokio::test]
async fn sign_in_sets_a_strict_http_only_cookie_that_opens_pages() {
    let server = spawn().await;
    let (cookie, _) = sign_in(&server, false).await;
    assert!(cookie.contains("HttpOnly"), "{cookie}");
    assert!(cookie.contains("SameSite=Strict"), "{cookie}");
    assert!(!cookie.contains("Secure"), "{cookie}");
    let token = cookie.split(';').next().unwrap().to_owned();
    let res = server
        .send(
            Request::get("/apps")
                .header("cookie", &token)
                .body(Body::empty())
                .unwrap(),
        )
        .await;
    assert_eq!(res.status(), StatusCode::OK);
    assert!(body_text(res).await.contains("Applications"));

    let (secure, _) = sign_in(&server, true).await;
    assert!(secure.contains("; Secure"), "{secure}");
}

#[tokio::test]
async fn a_wrong_password_gets_no_session() {
    let server = spawn().await;
    let res = server
        .send(
            Request::post(server_fn_path("sign_in"))
                .header("content-type", "application/x-www-form-urlencoded")
                .header("accept", "application/json")
                .body(Body::from("username=admin&password=nope"))
                .unwrap(),
        )
        .await;
    assert_eq!(res.status(), StatusCode::UNAUTHORIZED);
    assert!(res.headers().get("set-cookie").is_none());
    assert!(body_text(res).await.contains("Sign in failed"));
}

#[tokio::test]
async fn signing_in_returns_to_the_page_asked_for_and_never_to_another_site() {
    let server = spawn().await;
    for (next, to) in [
        ("%2Fpeople%3Fq%3Dann", "/people?q=ann"),
        ("https%3A%2F%2Fevil.example%2F", "/"),
        ("%2F%2Fevil.example", "/"),
    ] {
        let res = server
            .send(
                Request::post(server_fn_path("sign_in"))
                    .header("content-type", "application/x-www-form-urlencoded")
                    .body(Body::from(format!(
                        "username=admin&password={}&next={next}",
                        crate::support::PASSWORD
                    )))
                    .unwrap(),
            )
            .await;
        assert_eq!(res.headers()["location"], to, "{next}");
    }
}

#[tokio::test]
async fn pages_and_answers_about_the_directory_are_not_cached() {
    let server = spawn().await;
    let (cookie, _) = sign_in(&server, false).await;
    let token = cookie.split(';').next().unwrap().to_owned();
    for page in ["/people", "/apps"] {
        let res = server
            .send(
                Request::get(page)
                    .header("cookie", &token)
                    .body(Body::empty())
                    .unwrap(),
            )
            .await;
        assert_eq!(res.status(), StatusCode::OK, "{page}");
        assert_eq!(res.headers()["cache-control"], "no-store", "{page}");
    }
    let res = server
        .send(
            Request::post(server_fn_path("list_people"))
                .header("cookie", &token)
                .header("content-type", "application/json")
                .header("accept", "application/json")
                .body(Body::from(r#"{"filter":{"search":""},"offset":0}"#))
                .unwrap(),
        )
        .await;
    assert_eq!(res.status(), StatusCode::OK);
    assert_eq!(res.headers()["cache-control"], "no-store");
}

#[tokio::test]
async fn an_upload_over_the_limit_is_refused_clearly() {
    let server = spawn().await;
    let (token, app) = signed_in_with_app(&server, "HR").await;
    let big = format!(
        "login,firstName,lastName,email\n{}",
        "a@b.co,A,B,a@b.co\n".repeat(100)
    );
    let res = server
        .send(
            Request::post(format!("/console/apps/{}/uploads", app.id))
                .header("cookie", &token)
                .body(Body::from(big))
                .unwrap(),
        )
        .await;
    assert_eq!(res.status(), StatusCode::PAYLOAD_TOO_LARGE);
    assert!(body_text(res).await.contains("larger than the limit"));

    let small = "login,firstName,lastName,email,team\na@b.co,A,B,a@b.co,Blue\n";
    let res = server
        .send(
            Request::post(format!("/console/apps/{}/uploads", app.id))
                .header("cookie", &token)
                .header("x-file-name", "caf%C3%A9.csv")
                .body(Body::from(small))
                .unwrap(),
        )
        .await;
    assert_eq!(res.status(), StatusCode::OK);
    let preview: serde_json::Value = serde_json::from_str(&body_text(res).await).unwrap();
    assert_eq!(preview["file_name"], "café.csv");
    assert_eq!(preview["row_count"], 1);
    assert_eq!(preview["custom_attributes"][0], "team");
}

/// Building a router finds the console's routes by running the app with its
/// data held back, and that hold is process-wide; pages rendered while other
/// routers are built (as the tests do in parallel) must still get their data.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn pages_render_whole_while_other_routers_are_built() {
    let server = spawn().await;
    let (token, _) = signed_in_with_app(&server, "Builders").await;
    let building = std::sync::Arc::new(std::sync::atomic::AtomicBool::new(true));
    let builder = {
        let (engine, building) = (server.engine.clone(), building.clone());
        std::thread::spawn(move || {
            while building.load(std::sync::atomic::Ordering::Relaxed) {
                let options = server::leptos_options("127.0.0.1:0".parse().unwrap());
                drop(server::router(
                    engine.clone(),
                    options,
                    server::HttpSettings::default(),
                ));
            }
        })
    };
    for round in 0..30 {
        let page = async {
            let res = server
                .send(
                    Request::get("/apps")
                        .header("cookie", &token)
                        .body(Body::empty())
                        .unwrap(),
                )
                .await;
            body_text(res).await
        };
        let body = tokio::time::timeout(std::time::Duration::from_secs(20), page).await;
        let Ok(body) = body else {
            building.store(false, std::sync::atomic::Ordering::Relaxed);
            panic!("the Applications page did not finish in round {round}");
        };
        assert!(body.contains("Builders"), "round {round}");
    }
    building.store(false, std::sync::atomic::Ordering::Relaxed);
    builder.join().unwrap();
}
