//! Test API Credentials of a SCIM app, against the real scim2-server: what
//! works, and what an admin sees when the token, the URL or the server is
//! wrong.

use engine::scim::Client;
use proto::directory::ConnectionTest;
use proto::scim::{ScimAuth, ScimSettings};
use testkit::scim::{ScimServer, TOKEN};
use tokio::io::{AsyncReadExt, AsyncWriteExt};

fn settings(base_url: &str) -> ScimSettings {
    ScimSettings {
        base_url: base_url.to_owned(),
        timeout_seconds: 5,
        ..ScimSettings::default()
    }
}

async fn test_credentials(base_url: &str, token: &str) -> ConnectionTest {
    Client::new(&settings(base_url), token)
        .unwrap()
        .test()
        .await
}

/// Step names with whether they worked.
fn outcome(test: &ConnectionTest) -> Vec<(&str, bool)> {
    test.steps.iter().map(|s| (s.name.as_str(), s.ok)).collect()
}

/// POSTs a user to the app as another client would.
async fn create_user(server: &ScimServer, user_name: &str) {
    let body = serde_json::json!({
        "schemas": ["urn:ietf:params:scim:schemas:core:2.0:User"],
        "userName": user_name,
        "name": {"givenName": "Ann", "familyName": "Lee"},
        "emails": [{"value": user_name, "primary": true}],
    })
    .to_string();
    let mut stream = tokio::net::TcpStream::connect(("127.0.0.1", server.port))
        .await
        .unwrap();
    let request = format!(
        "POST /v2/Users HTTP/1.0\r\nHost: 127.0.0.1\r\nAuthorization: Bearer {TOKEN}\r\n\
         Content-Type: application/scim+json\r\nContent-Length: {}\r\n\r\n{body}",
        body.len()
    );
    stream.write_all(request.as_bytes()).await.unwrap();
    let mut answer = String::new();
    stream.read_to_string(&mut answer).await.unwrap();
    assert!(answer.starts_with("HTTP/1.0 201"), "{answer}");
}

#[tokio::test]
async fn the_right_token_reads_the_config_and_the_first_users() {
    let server = ScimServer::start();
    create_user(&server, "ann@example.com").await;
    let test = test_credentials(&server.base_url(), TOKEN).await;
    assert_eq!(
        outcome(&test),
        [("ServiceProviderConfig", true), ("Users", true)],
        "{test:?}"
    );
    assert!(
        test.steps[0].detail.contains("PATCH") && test.steps[0].detail.contains("filtering"),
        "what the app supports: {test:?}"
    );
    assert!(
        test.steps[1]
            .detail
            .contains("the app has 1 user; read 1 user"),
        "{test:?}"
    );
    assert_eq!(test.users.len(), 1);
    assert_eq!(test.users[0].login, "ann@example.com");
    assert_eq!(test.users[0].name, "Ann Lee");
    assert_eq!(test.users[0].email, "ann@example.com");
    assert!(!test.users[0].external_id.is_empty());
}

#[tokio::test]
async fn a_wrong_token_is_refused_with_the_apps_words() {
    let server = ScimServer::start();
    let test = test_credentials(&server.base_url(), "not-the-token").await;
    assert_eq!(
        outcome(&test),
        [("ServiceProviderConfig", true), ("Users", false)],
        "{test:?}"
    );
    let detail = &test.steps[1].detail;
    assert!(
        detail.contains("GET /Users") && detail.contains("401"),
        "{detail}"
    );
    assert!(test.users.is_empty());
}

#[tokio::test]
async fn a_wrong_url_says_what_answered_or_that_nothing_did() {
    let server = ScimServer::start();
    // The right server, the wrong path: the app's own 404.
    let wrong_path = format!("http://127.0.0.1:{}/scim/v2", server.port);
    let test = test_credentials(&wrong_path, TOKEN).await;
    assert_eq!(outcome(&test), [("ServiceProviderConfig", false)]);
    let detail = &test.steps[0].detail;
    assert!(
        detail.contains("GET /ServiceProviderConfig answered 404"),
        "{detail}"
    );
    // Nobody listening.
    let nobody = format!("http://127.0.0.1:{}/v2", testkit::free_port());
    let test = test_credentials(&nobody, TOKEN).await;
    assert_eq!(outcome(&test), [("ServiceProviderConfig", false)]);
    let detail = &test.steps[0].detail;
    assert!(
        detail.contains("could not connect") && detail.contains(&nobody),
        "{detail}"
    );
}

#[tokio::test]
async fn a_web_server_that_is_not_scim_is_named_so() {
    // A web page where the SCIM base URL should be.
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let port = listener.local_addr().unwrap().port();
    tokio::spawn(async move {
        while let Ok((mut stream, _)) = listener.accept().await {
            let mut buf = [0u8; 4096];
            let _ = stream.read(&mut buf).await;
            let page = "<html><body>Welcome</body></html>";
            let answer = format!(
                "HTTP/1.1 200 OK\r\nContent-Type: text/html\r\nContent-Length: {}\r\nConnection: close\r\n\r\n{page}",
                page.len()
            );
            let _ = stream.write_all(answer.as_bytes()).await;
        }
    });
    let base = format!("http://127.0.0.1:{port}");
    let test = test_credentials(&base, TOKEN).await;
    assert_eq!(outcome(&test), [("ServiceProviderConfig", false)]);
    let detail = &test.steps[0].detail;
    assert!(
        detail.contains("text/html, not SCIM JSON") && detail.contains(&base),
        "{detail}"
    );
}

#[test]
fn settings_that_cannot_work_are_refused_before_anything_is_sent() {
    let mut basic = settings("ftp://app.example.com/scim");
    basic.auth = ScimAuth::Basic;
    let Err(e) = Client::new(&basic, "secret") else {
        panic!("accepted")
    };
    let text = e.to_string();
    assert!(
        text.contains("Base URL: \"ftp://app.example.com/scim\" is not an http:// or https:// URL"),
        "{text}"
    );
    assert!(
        text.contains("Username: Basic authentication needs a username"),
        "{text}"
    );
}
