//! Test API Credentials of a SCIM app, against the real scim2-server: what
//! works, and what an admin sees when the token, the URL or the server is
//! wrong.

use crate::support::{at, Env};
use engine::model::{App, AppKind, ImportType, RunStatus, UserStatus};
use engine::scim::Client;
use proto::directory::ConnectionTest;
use proto::scim::{ScimAuth, ScimSettings};
use serde_json::{json, Value};
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

/// A request to the app as another client would send it: its status and
/// its JSON.
async fn send(server: &ScimServer, method: &str, path: &str, body: Value) -> (u16, Value) {
    server.send(method, path, &body)
}

/// Creates `login@example.com`, named "First Last", in the app; returns
/// its SCIM id.
async fn create_user(server: &ScimServer, login: &str, first: &str, last: &str) -> String {
    let user_name = login;
    let (status, user) = send(
        server,
        "POST",
        "/Users",
        json!({
            "schemas": ["urn:ietf:params:scim:schemas:core:2.0:User"],
            "userName": format!("{user_name}@example.com"),
            "name": {"givenName": first, "familyName": last},
            "emails": [{"value": format!("{user_name}@example.com"), "primary": true}],
            "title": "Engineer",
        }),
    )
    .await;
    assert_eq!(status, 201, "{user}");
    user["id"].as_str().unwrap().to_owned()
}

/// A small web server on a loopback port answering every request with
/// `body` as `media`: an app that misbehaves in ways scim2-server does not.
async fn answering(media: &'static str, body: &'static str) -> u16 {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let port = listener.local_addr().unwrap().port();
    tokio::spawn(async move {
        while let Ok((mut stream, _)) = listener.accept().await {
            let mut buf = [0u8; 4096];
            let _ = stream.read(&mut buf).await;
            let answer = format!(
                "HTTP/1.1 200 OK\r\nContent-Type: {media}\r\nContent-Length: {}\r\nConnection: close\r\n\r\n{body}",
                body.len()
            );
            let _ = stream.write_all(answer.as_bytes()).await;
        }
    });
    port
}

/// A SCIM app connected to `server` with the token, its settings changed
/// by `change`.
async fn scim_app(env: &Env, server: &ScimServer, change: impl FnOnce(&mut ScimSettings)) -> App {
    connected_app(env, "Ticketing", server, change).await
}

/// A SCIM app named `name` with its API integration enabled on `server`
/// and the token saved, its settings changed by `change`.
pub async fn connected_app(
    env: &Env,
    name: &str,
    server: &ScimServer,
    change: impl FnOnce(&mut ScimSettings),
) -> App {
    let write = env.engine.write(&env.admin).unwrap();
    let app = write.create_app(name, AppKind::ScimApp).await.unwrap();
    let mut settings = ScimSettings {
        enabled: true,
        base_url: server.base_url(),
        ..ScimSettings::default()
    };
    change(&mut settings);
    write
        .save_connection(
            &app.id,
            serde_json::to_value(settings).unwrap(),
            Some(TOKEN),
        )
        .await
        .unwrap();
    app
}

#[tokio::test]
async fn the_right_token_reads_the_config_and_the_first_users() {
    let server = ScimServer::start();
    create_user(&server, "ann", "Ann", "Lee").await;
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
    let port = answering("text/html", "<html><body>Welcome</body></html>").await;
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

/// Import Now of a SCIM app reads its users and groups through the API; an
/// incremental import then reads only what changed since (by
/// `meta.lastModified`), and a user the app deactivates is deactivated.
#[tokio::test]
async fn users_and_groups_are_imported_in_full_then_incrementally() {
    let server = ScimServer::start();
    let mut ids = Vec::new();
    for (login, first, last) in [
        ("ann", "Ann", "Lee"),
        ("bo", "Bo", "Chan"),
        ("cy", "Cy", "Diaz"),
    ] {
        ids.push(create_user(&server, login, first, last).await);
    }
    let members: Vec<Value> = ids[..2].iter().map(|id| json!({"value": id})).collect();
    let (status, group) = send(
        &server,
        "POST",
        "/Groups",
        json!({
            "schemas": ["urn:ietf:params:scim:schemas:core:2.0:Group"],
            "displayName": "Support",
            "members": members,
        }),
    )
    .await;
    assert_eq!(status, 201, "{group}");
    let env = Env::new().await;
    let app = scim_app(&env, &server, |_| {}).await;

    let run = env.pull(&app, ImportType::Full).await;
    assert_eq!(run.status, RunStatus::Completed, "{:?}", run.message);
    assert_eq!((run.counts.scanned, run.counts.new), (3, 3));
    assert_eq!(env.confirm_all(&app, true).await.created, 3);
    let bo = env.user_by_login("bo@example.com").await;
    assert_eq!(
        (
            bo.first_name.as_str(),
            bo.last_name.as_str(),
            bo.email.as_str()
        ),
        ("Bo", "Chan", "bo@example.com")
    );
    let read = env.engine.read(&env.admin);
    let groups = read.list_groups("Support", None, 0, 10).await.unwrap();
    assert_eq!(groups.items.len(), 1);
    let support = read.get_group(&groups.items[0].id, 0, 10).await.unwrap();
    let mut logins: Vec<String> = support
        .members
        .items
        .iter()
        .filter_map(|m| m.user.as_ref().map(|u| u.login.clone()))
        .collect();
    logins.sort();
    assert_eq!(logins, ["ann@example.com", "bo@example.com"]);

    // The app changes one user, deactivates another and gains a fourth.
    let replace = |path: &str, value: Value| {
        json!({
            "schemas": ["urn:ietf:params:scim:api:messages:2.0:PatchOp"],
            "Operations": [{"op": "replace", "path": path, "value": value}],
        })
    };
    let changed = send(
        &server,
        "PATCH",
        &format!("/Users/{}", ids[0]),
        replace("name.familyName", json!("Married")),
    )
    .await;
    assert_eq!(changed.0, 204, "{}", changed.1);
    let off = send(
        &server,
        "PATCH",
        &format!("/Users/{}", ids[2]),
        replace("active", json!(false)),
    )
    .await;
    assert_eq!(off.0, 204, "{}", off.1);
    create_user(&server, "dee", "Dee", "Fox").await;

    let run = env.pull(&app, ImportType::Incremental).await;
    assert_eq!(run.status, RunStatus::Completed, "{:?}", run.message);
    assert_eq!(run.import_type, ImportType::Incremental);
    assert_eq!(
        (run.counts.scanned, run.counts.new),
        (3, 1),
        "Ann, Cy and Dee are read; Bo, unchanged, is not: {:?}",
        run.counts
    );
    assert_eq!(
        env.user_by_login("ann@example.com").await.last_name,
        "Married"
    );
    let cy = env.user_by_login("cy@example.com").await;
    assert_ne!(cy.status, UserStatus::Active, "deactivated in the app");
}

/// An app that cannot filter cannot say what changed: an incremental
/// import of it reads it whole, and says so.
#[tokio::test]
async fn an_app_without_filtering_is_imported_in_full_and_says_so() {
    let server = ScimServer::without_filtering();
    create_user(&server, "ann", "Ann", "Lee").await;
    let env = Env::new().await;
    let app = scim_app(&env, &server, |_| {}).await;
    let run = env.pull(&app, ImportType::Full).await;
    assert_eq!(run.status, RunStatus::Completed, "{:?}", run.message);
    create_user(&server, "bo", "Bo", "Chan").await;

    let run = env.pull(&app, ImportType::Incremental).await;
    assert_eq!(run.status, RunStatus::Completed, "{:?}", run.message);
    assert_eq!(run.import_type, ImportType::Full);
    assert_eq!(run.counts.scanned, 2);
    let starts = env.events_of_type("system.import.start").await;
    let last = starts.last().unwrap().to_string();
    assert!(
        last.contains("does not support filtering") && last.contains("runs as a full import"),
        "{last}"
    );
}

/// An app that answers an empty page before the end of the total it gave
/// stops the import with what it did, rather than end it early (a full
/// import would take the unread users as gone).
#[tokio::test]
async fn an_empty_page_before_the_total_stops_the_read() {
    use engine::sources::{scim::ScimSource, Source};
    // A server answering every list with 5 users in total and none on the page.
    let list = r#"{"schemas":["urn:ietf:params:scim:api:messages:2.0:ListResponse"],"totalResults":5,"startIndex":1,"itemsPerPage":0,"Resources":[]}"#;
    let port = answering("application/scim+json", list).await;
    let mut source = ScimSource::new(
        &settings(&format!("http://127.0.0.1:{port}/v2")),
        TOKEN,
        None,
    )
    .unwrap();
    let Err(e) = source.next_batch().await else {
        panic!("read on")
    };
    let text = e.to_string();
    assert!(text.contains("empty page at 1 of the 5 users"), "{text}");
}

/// With Import Groups off, the app's groups are not read.
#[tokio::test]
async fn without_import_groups_no_group_is_read() {
    let server = ScimServer::start();
    let ann = create_user(&server, "ann", "Ann", "Lee").await;
    let (status, group) = send(
        &server,
        "POST",
        "/Groups",
        json!({
            "schemas": ["urn:ietf:params:scim:schemas:core:2.0:Group"],
            "displayName": "Support",
            "members": [{"value": ann}],
        }),
    )
    .await;
    assert_eq!(status, 201, "{group}");
    let env = Env::new().await;
    let app = scim_app(&env, &server, |s| s.import_groups = false).await;
    let run = env.pull(&app, ImportType::Full).await;
    assert_eq!(run.status, RunStatus::Completed, "{:?}", run.message);
    assert_eq!(run.counts.scanned, 1);
    let read = env.engine.read(&env.admin);
    assert_eq!(read.list_groups("", None, 0, 10).await.unwrap().total, 0);
}

/// Creates a group of the app with these members; returns its SCIM id.
async fn create_group(server: &ScimServer, name: &str, members: &[&str]) -> String {
    let members: Vec<Value> = members.iter().map(|id| json!({"value": id})).collect();
    let (status, group) = send(
        server,
        "POST",
        "/Groups",
        json!({
            "schemas": ["urn:ietf:params:scim:schemas:core:2.0:Group"],
            "displayName": name,
            "members": members,
        }),
    )
    .await;
    assert_eq!(status, 201, "{group}");
    group["id"].as_str().unwrap().to_owned()
}

/// The API Integration as the console opens it says a token is stored,
/// never which; Test API Credentials goes on with the stored token when
/// none is typed, and with a typed one when it is.
#[tokio::test]
async fn the_stored_token_is_used_by_the_test_and_never_returned() {
    let server = ScimServer::start();
    create_user(&server, "ann", "Ann", "Lee").await;
    let env = Env::new().await;
    let app = scim_app(&env, &server, |_| {}).await;
    let connection = env
        .engine
        .read(&env.admin)
        .scim_connection(&app.id)
        .await
        .unwrap();
    assert!(connection.secret_set);
    assert_eq!(connection.settings.base_url, server.base_url());
    assert!(!serde_json::to_string(&connection).unwrap().contains(TOKEN));
    let write = env.engine.write(&env.admin).unwrap();
    let stored = write
        .test_scim_connection(&app.id, connection.settings.clone(), None)
        .await
        .unwrap();
    assert!(stored.ok(), "{stored:?}");
    assert_eq!(stored.users[0].login, "ann@example.com");
    let typed = write
        .test_scim_connection(&app.id, connection.settings, Some("another-token"))
        .await
        .unwrap();
    assert_eq!(
        outcome(&typed),
        [("ServiceProviderConfig", true), ("Users", false)]
    );
    // A new app has the defaults and no token.
    let other = write.create_app("Wiki", AppKind::ScimApp).await.unwrap();
    let fresh = env
        .engine
        .read(&env.admin)
        .scim_connection(&other.id)
        .await
        .unwrap();
    assert!(!fresh.secret_set && !fresh.settings.enabled);
    assert!(
        fresh.settings.import_groups,
        "Import Groups is on by default"
    );
}

/// An app whose API integration is not enabled is not read, and Import
/// Now says where to enable it.
#[tokio::test]
async fn an_app_whose_integration_is_not_enabled_is_not_imported() {
    let server = ScimServer::start();
    let env = Env::new().await;
    let app = scim_app(&env, &server, |s| s.enabled = false).await;
    let e = env
        .engine
        .write(&env.admin)
        .unwrap()
        .start_import(&app.id, None, ImportType::Full)
        .await
        .unwrap_err()
        .to_string();
    assert!(
        e.contains("API integration of Ticketing is not enabled"),
        "{e}"
    );
    assert!(e.contains("Enable API integration"), "{e}");
}

/// Turning Import Groups off removes the groups imported from the app,
/// and the members' memberships with them, in the System Log too.
#[tokio::test]
async fn turning_import_groups_off_removes_the_apps_groups() {
    let server = ScimServer::start();
    let ann = create_user(&server, "ann", "Ann", "Lee").await;
    create_group(&server, "Support", &[&ann]).await;
    create_group(&server, "Sales", &[]).await;
    let env = Env::new().await;
    let app = scim_app(&env, &server, |_| {}).await;
    let run = env.pull(&app, ImportType::Full).await;
    assert_eq!(run.status, RunStatus::Completed, "{:?}", run.message);
    env.confirm_all(&app, true).await;
    let read = env.engine.read(&env.admin);
    assert_eq!(read.list_groups("", None, 0, 10).await.unwrap().total, 2);
    let ann = env.user_by_login("ann@example.com").await;
    assert_eq!(read.groups_of_person(&ann.id).await.unwrap().len(), 1);

    let mut settings = read.scim_connection(&app.id).await.unwrap().settings;
    settings.import_groups = false;
    env.engine
        .write(&env.admin)
        .unwrap()
        .save_connection(&app.id, serde_json::to_value(settings).unwrap(), None)
        .await
        .unwrap();
    assert_eq!(read.list_groups("", None, 0, 10).await.unwrap().total, 0);
    assert!(read.groups_of_person(&ann.id).await.unwrap().is_empty());
    let log = env.events_of_type("group.lifecycle.delete").await;
    assert_eq!(log.len(), 2, "{log:?}");
    assert!(
        log.iter().all(
            |e| at(e, "/displayMessage").contains("Import Groups was turned off for Ticketing")
        ),
        "{log:?}"
    );
    assert_eq!(
        env.events_of_type("group.user_membership.remove")
            .await
            .len(),
        1
    );
    // The token is still the stored one: the next import works.
    let run = env.pull(&app, ImportType::Full).await;
    assert_eq!(run.status, RunStatus::Completed, "{:?}", run.message);
    assert_eq!(read.list_groups("", None, 0, 10).await.unwrap().total, 0);
}

/// Import User Schema reads the app's user attributes, its enterprise
/// extension's among them, by the names an import gives them; the
/// attribute mappings may then name those and no others.
#[tokio::test]
async fn the_user_schema_is_imported_and_the_mappings_are_checked_against_it() {
    let server = ScimServer::start();
    let env = Env::new().await;
    let app = scim_app(&env, &server, |_| {}).await;
    let write = env.engine.write(&env.admin).unwrap();
    let attributes = write.import_user_schema(&app.id).await.unwrap();
    for expected in [
        "login",
        "email",
        "name.givenName",
        "title",
        "department",
        "manager.displayName",
    ] {
        assert!(
            attributes.iter().any(|a| a == expected),
            "{expected} in {attributes:?}"
        );
    }
    for left_out in ["userName", "emails", "password", "groups", "phoneNumbers"] {
        assert!(
            !attributes.iter().any(|a| a == left_out),
            "{left_out} in {attributes:?}"
        );
    }
    let read = env.engine.read(&env.admin);
    let editable = read.editable_settings(&app.id).await.unwrap();
    assert_eq!(editable.known_attributes.as_ref(), Some(&attributes));
    assert_eq!(editable.known_from, "the app's user schema");
    assert_eq!(
        read.scim_connection(&app.id).await.unwrap().user_schema,
        Some(attributes)
    );
    let mapping = |expression: &str| {
        let expression = expression.to_owned();
        move |s: &mut engine::settings::AppSettings| {
            s.mappings = vec![engine::settings::Mapping {
                attribute: "department".into(),
                expression,
            }]
        }
    };
    env.configure(&app, mapping("appuser.department")).await;
    let refused = env
        .try_configure(&app, mapping("appuser.shoeSize"))
        .await
        .unwrap_err()
        .to_string();
    assert!(refused.contains("shoeSize"), "{refused}");
    assert_eq!(
        env.events(r#"displayMessage eq "Import the user schema of Ticketing""#)
            .await
            .len(),
        1
    );
}

/// Without a saved token there is nothing to read the schema with.
#[tokio::test]
async fn the_user_schema_needs_a_saved_integration() {
    let env = Env::new().await;
    let write = env.engine.write(&env.admin).unwrap();
    let app = write.create_app("Wiki", AppKind::ScimApp).await.unwrap();
    let e = write
        .import_user_schema(&app.id)
        .await
        .unwrap_err()
        .to_string();
    assert!(e.contains("Save the API Integration of Wiki"), "{e}");
}
