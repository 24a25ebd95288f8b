//! Provisioning To App against the real scim2-server: people assigned to
//! a SCIM app get accounts there, their changes follow, unassigning
//! deactivates and reassigning reactivates the same account; an account the
//! app already has is linked rather than made twice; and nothing is lost
//! or doubled when the process stops before the outbox is sent.

use crate::scim::connected_app;
use crate::support::{at, Env};
use engine::model::{App, Lifecycle, NewPerson};
use proto::scim::{ScimSettings, ToApp};
use serde_json::Value;
use testkit::scim::ScimServer;

/// A SCIM app provisioning to `server` with every To App setting on.
async fn provisioned_app(
    env: &Env,
    server: &ScimServer,
    change: impl FnOnce(&mut ScimSettings),
) -> App {
    connected_app(env, "Wiki", server, |settings| {
        settings.timeout_seconds = 10;
        settings.to_app = ToApp {
            create_users: true,
            update_attributes: true,
            deactivate_users: true,
            exclude_username_updates: false,
        };
        change(settings);
    })
    .await
}

async fn person(env: &Env, login: &str, first: &str, last: &str) -> String {
    env.engine
        .write(&env.admin)
        .unwrap()
        .add_person(&NewPerson {
            first_name: first.into(),
            last_name: last.into(),
            login: login.into(),
            email: login.into(),
            activate: true,
        })
        .await
        .unwrap()
        .id
}

/// The app's users, as another client reads them.
fn app_users(server: &ScimServer) -> Vec<Value> {
    let (status, list) = server.send("GET", "/Users?count=1000", &Value::Null);
    assert_eq!(status, 200, "{list}");
    list["Resources"].as_array().cloned().unwrap_or_default()
}

fn app_user<'a>(users: &'a [Value], user_name: &str) -> &'a Value {
    users
        .iter()
        .find(|u| {
            u["userName"]
                .as_str()
                .is_some_and(|n| n.eq_ignore_ascii_case(user_name))
        })
        .unwrap_or_else(|| panic!("no {user_name} in {users:?}"))
}

async fn push(env: &Env) {
    env.engine.push_all_due().await.unwrap();
}

#[tokio::test]
async fn an_assigned_person_gets_an_account_their_changes_follow_and_unassigning_deactivates_it() {
    let server = ScimServer::start();
    let env = Env::new().await;
    let app = provisioned_app(&env, &server, |_| {}).await;
    let ann = person(&env, "ann@example.com", "Ann", "Lee").await;
    let write = env.engine.write(&env.admin).unwrap();
    write.assign_user(&app.id, &ann).await.unwrap();
    push(&env).await;

    let users = app_users(&server);
    assert_eq!(users.len(), 1);
    let created = app_user(&users, "ann@example.com");
    assert_eq!(created["name"]["familyName"], "Lee");
    assert_eq!(created["emails"][0]["value"], "ann@example.com");
    assert_eq!(created["active"], true);
    let id = created["id"].as_str().unwrap().to_owned();
    let pushed = env
        .engine
        .read(&env.admin)
        .pushed_account(&app.id, &ann)
        .await
        .unwrap();
    assert_eq!(pushed, Some((id.clone(), true)));
    let log = env.events_of_type("application.provision.user.push").await;
    assert_eq!(log.len(), 1, "{log:?}");
    assert_eq!(at(&log[0], "/outcome/result"), "SUCCESS");
    let apps = env.engine.read(&env.admin).person_apps(&ann).await.unwrap();
    assert_eq!(apps.len(), 1);
    assert_eq!((apps[0].app_name.as_str(), apps[0].direct), ("Wiki", true));
    assert_eq!(apps[0].account, Some((id.clone(), true)));
    assert_eq!(
        env.events_of_type("application.user_membership.add")
            .await
            .len(),
        1
    );

    // A profile change is pushed to the same account.
    write
        .update_profile(&ann, vec![("lastName".into(), "Married".into())], false)
        .await
        .unwrap();
    push(&env).await;
    let users = app_users(&server);
    assert_eq!(users.len(), 1);
    assert_eq!(
        app_user(&users, "ann@example.com")["name"]["familyName"],
        "Married"
    );
    assert_eq!(
        env.events_of_type("application.provision.user.push_profile")
            .await
            .len(),
        1
    );
    // Nothing changed, nothing sent.
    push(&env).await;
    assert_eq!(
        env.events_of_type("application.provision.user.push_profile")
            .await
            .len(),
        1
    );

    // Unassigned: deactivated there. Reassigned: the same account, active.
    write.unassign_user(&app.id, &ann).await.unwrap();
    push(&env).await;
    let users = app_users(&server);
    assert_eq!(app_user(&users, "ann@example.com")["active"], false);
    assert_eq!(
        env.events_of_type("application.provision.user.deactivate")
            .await
            .len(),
        1
    );
    assert_eq!(
        env.events_of_type("application.user_membership.remove")
            .await
            .len(),
        1
    );
    write.assign_user(&app.id, &ann).await.unwrap();
    push(&env).await;
    let users = app_users(&server);
    assert_eq!(users.len(), 1, "reactivated, not created again: {users:?}");
    assert_eq!(app_user(&users, "ann@example.com")["id"], id.as_str());
    assert_eq!(app_user(&users, "ann@example.com")["active"], true);
    assert_eq!(
        env.events_of_type("application.provision.user.reactivate")
            .await
            .len(),
        1
    );

    // Deactivated in Muster: deactivated in the app.
    write
        .change_status(std::slice::from_ref(&ann), Lifecycle::Deactivate)
        .await
        .unwrap();
    push(&env).await;
    assert_eq!(
        app_user(&app_users(&server), "ann@example.com")["active"],
        false
    );
}

/// An account the app already has with the person's username (in another
/// case) is linked, not made a second time, and brought in line.
#[tokio::test]
async fn an_account_with_the_same_username_is_linked_not_duplicated() {
    let server = ScimServer::start();
    let existing = server.create_user("Bo@Example.com", "Robert", "Old");
    let env = Env::new().await;
    let app = provisioned_app(&env, &server, |_| {}).await;
    let bo = person(&env, "bo@example.com", "Bo", "Chan").await;
    env.engine
        .write(&env.admin)
        .unwrap()
        .assign_user(&app.id, &bo)
        .await
        .unwrap();
    push(&env).await;
    let users = app_users(&server);
    assert_eq!(users.len(), 1, "{users:?}");
    assert_eq!(users[0]["id"], existing.as_str());
    assert_eq!(
        users[0]["name"]["familyName"], "Chan",
        "its profile is Muster's now"
    );
    assert_eq!(
        env.engine
            .read(&env.admin)
            .pushed_account(&app.id, &bo)
            .await
            .unwrap(),
        Some((existing, true))
    );
    assert_eq!(
        env.events_of_type("application.provision.user.sync")
            .await
            .len(),
        1
    );
}

/// With Exclude Username Updates, the app keeps the username it has,
/// whether it takes PATCH or only PUT.
#[tokio::test]
async fn exclude_username_updates_keeps_the_apps_username() {
    for server in [ScimServer::start(), ScimServer::without_patch()] {
        exclude_username_updates_on(server).await;
    }
}

async fn exclude_username_updates_on(server: ScimServer) {
    let env = Env::new().await;
    let app = provisioned_app(&env, &server, |s| s.to_app.exclude_username_updates = true).await;
    let cy = person(&env, "cy@example.com", "Cy", "Diaz").await;
    let write = env.engine.write(&env.admin).unwrap();
    write.assign_user(&app.id, &cy).await.unwrap();
    push(&env).await;
    write
        .update_profile(
            &cy,
            vec![
                ("login".into(), "cy.diaz@example.com".into()),
                ("lastName".into(), "Diaz-Ross".into()),
            ],
            false,
        )
        .await
        .unwrap();
    push(&env).await;
    let users = app_users(&server);
    assert_eq!(users.len(), 1);
    assert_eq!(users[0]["userName"], "cy@example.com");
    assert_eq!(users[0]["name"]["familyName"], "Diaz-Ross");
}

/// Without Create Users nothing is created; the outbox does not keep it.
#[tokio::test]
async fn without_create_users_no_account_is_made() {
    let server = ScimServer::start();
    let env = Env::new().await;
    let app = provisioned_app(&env, &server, |s| s.to_app.create_users = false).await;
    let dee = person(&env, "dee@example.com", "Dee", "Fox").await;
    env.engine
        .write(&env.admin)
        .unwrap()
        .assign_user(&app.id, &dee)
        .await
        .unwrap();
    push(&env).await;
    assert!(app_users(&server).is_empty());
    assert_eq!(
        env.engine.read(&env.admin).pending_pushes().await.unwrap(),
        0
    );
}

/// The outbox is written with the change: a process that stops before
/// sending it sends it after the restart; and a create that reached the app
/// before the stop (its answer lost) is linked, not made twice.
#[tokio::test]
async fn a_restart_sends_what_was_left_and_doubles_nothing() {
    let server = ScimServer::start();
    let env = Env::new().await;
    let app = provisioned_app(&env, &server, |_| {}).await;
    let write = env.engine.write(&env.admin).unwrap();
    let mut people = Vec::new();
    for n in 0..5 {
        let login = format!("p{n}@example.com");
        let id = person(&env, &login, "P", &format!("Number{n}")).await;
        write.assign_user(&app.id, &id).await.unwrap();
        people.push(id);
    }
    // The first two reached the app before the process stopped.
    server.create_user("p0@example.com", "P", "Number0");
    server.create_user("p1@example.com", "P", "Number1");
    assert_eq!(
        env.engine.read(&env.admin).pending_pushes().await.unwrap(),
        5
    );
    let env = env.reopen().await;
    assert_eq!(
        env.engine.read(&env.admin).pending_pushes().await.unwrap(),
        5
    );
    push(&env).await;
    let users = app_users(&server);
    assert_eq!(users.len(), 5, "{users:?}");
    for n in 0..5 {
        app_user(&users, &format!("p{n}@example.com"));
    }
    assert_eq!(
        env.engine.read(&env.admin).pending_pushes().await.unwrap(),
        0
    );
    assert_eq!(
        env.events_of_type("application.provision.user.sync")
            .await
            .len(),
        2
    );
    assert_eq!(
        env.events_of_type("application.provision.user.push")
            .await
            .len(),
        3
    );
}

/// A proxy on a loopback port in front of the app that answers the first
/// POSTs with `statuses` (each asking to wait `Retry-After: 0`) and passes
/// everything else on; returns its port.
async fn flaky_proxy(target: u16, statuses: Vec<u16>) -> u16 {
    use tokio::io::{AsyncReadExt, AsyncWriteExt};
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let port = listener.local_addr().unwrap().port();
    let statuses = std::sync::Arc::new(std::sync::Mutex::new(std::collections::VecDeque::from(
        statuses,
    )));
    tokio::spawn(async move {
        while let Ok((mut client, _)) = listener.accept().await {
            let statuses = statuses.clone();
            tokio::spawn(async move {
                // The whole request: its head, then Content-Length bytes.
                let mut request = Vec::new();
                let mut buf = [0u8; 8192];
                loop {
                    let n = client.read(&mut buf).await.unwrap_or(0);
                    if n == 0 {
                        return;
                    }
                    request.extend_from_slice(&buf[..n]);
                    let text = String::from_utf8_lossy(&request).to_string();
                    if let Some((head, body)) = text.split_once("\r\n\r\n") {
                        let length = head
                            .lines()
                            .find_map(|l| {
                                let (k, v) = l.split_once(':')?;
                                k.eq_ignore_ascii_case("content-length")
                                    .then(|| v.trim().parse::<usize>().ok())?
                            })
                            .unwrap_or(0);
                        if body.len() >= length {
                            break;
                        }
                    }
                }
                let scripted = match request.starts_with(b"POST ") {
                    true => statuses.lock().unwrap().pop_front(),
                    false => None,
                };
                if let Some(status) = scripted {
                    let body = format!(
                        r#"{{"schemas":["urn:ietf:params:scim:api:messages:2.0:Error"],"status":"{status}","detail":"Scripted failure {status}"}}"#
                    );
                    let answer = format!(
                        "HTTP/1.1 {status} Scripted\r\nContent-Type: application/scim+json\r\nRetry-After: 0\r\n\
                         Content-Length: {}\r\nConnection: close\r\n\r\n{body}",
                        body.len()
                    );
                    let _ = client.write_all(answer.as_bytes()).await;
                    return;
                }
                let mut server = tokio::net::TcpStream::connect(("127.0.0.1", target))
                    .await
                    .unwrap();
                server.write_all(&request).await.unwrap();
                let mut answer = Vec::new();
                let _ = server.read_to_end(&mut answer).await;
                let _ = client.write_all(&answer).await;
            });
        }
    });
    port
}

/// 429s and 500s are tried again until the app takes the push, which
/// makes one account; a refusal (400) stops, is listed with the app's
/// words and logged as a failure, and Retry sends it again.
#[tokio::test]
async fn transient_failures_are_retried_and_a_refusal_is_listed_until_retried() {
    let server = ScimServer::start();
    let env = Env::new().await;
    let proxy = flaky_proxy(server.port, vec![429, 500, 503, 400]).await;
    let app = provisioned_app(&env, &server, |s| {
        s.base_url = format!("http://127.0.0.1:{proxy}/v2");
    })
    .await;
    let ann = person(&env, "ann@example.com", "Ann", "Lee").await;
    let write = env.engine.write(&env.admin).unwrap();
    write.assign_user(&app.id, &ann).await.unwrap();
    // The POST meets the 429, 500 and 503 (each tried again when the app
    // says), then the 400.
    for _ in 0..40 {
        env.engine.push_all_due().await.unwrap();
        if !write.failed_pushes(&app.id).await.unwrap().is_empty() {
            break;
        }
        tokio::time::sleep(std::time::Duration::from_millis(100)).await;
    }
    let failed = write.failed_pushes(&app.id).await.unwrap();
    assert_eq!(failed.len(), 1);
    assert_eq!(failed[0].login, "ann@example.com");
    assert!(
        failed[0].error.contains("400") && failed[0].error.contains("Scripted failure 400"),
        "{}",
        failed[0].error
    );
    assert!(app_users(&server).is_empty());
    let log = env.events_of_type("application.provision.user.push").await;
    assert_eq!(log.len(), 1, "{log:?}");
    assert_eq!(at(&log[0], "/outcome/result"), "FAILURE");
    assert!(
        at(&log[0], "/outcome/reason").contains("Scripted failure 400"),
        "{log:?}"
    );

    let dashboard = write.dashboard().await.unwrap();
    assert_eq!(
        dashboard.failed_pushes,
        [(app.id.clone(), "Wiki".to_owned(), 1)]
    );

    write.retry_push(&app.id, &ann).await.unwrap();
    env.engine.push_all_due().await.unwrap();
    assert!(write.failed_pushes(&app.id).await.unwrap().is_empty());
    assert!(write.dashboard().await.unwrap().failed_pushes.is_empty());
    assert_eq!(app_users(&server).len(), 1);
    assert_eq!(
        env.events_of_type("application.provision.user.push")
            .await
            .len(),
        2
    );
}

/// Assigning a group assigns its members, and a member leaving the group
/// (in its source app) loses the account in the app pushed to.
#[tokio::test]
async fn a_groups_members_are_provisioned_as_the_membership_changes() {
    // The group comes from another SCIM app, imported.
    let source = ScimServer::start();
    let ann = source.create_user("ann@example.com", "Ann", "Lee");
    let bo = source.create_user("bo@example.com", "Bo", "Chan");
    let (status, group) = source.send(
        "POST",
        "/Groups",
        &serde_json::json!({
            "schemas": ["urn:ietf:params:scim:schemas:core:2.0:Group"],
            "displayName": "Engineering",
            "members": [{"value": ann}, {"value": bo}],
        }),
    );
    assert_eq!(status, 201, "{group}");
    let env = Env::new().await;
    let write = env.engine.write(&env.admin).unwrap();
    let hr = connected_app(&env, "HR", &source, |_| {}).await;
    env.pull(&hr, engine::model::ImportType::Full).await;
    env.confirm_all(&hr, true).await;
    // Provisioning to another app: the group is assigned to it.
    let target = ScimServer::start();
    let wiki = provisioned_app(&env, &target, |_| {}).await;
    let groups = env
        .engine
        .read(&env.admin)
        .list_groups("Engineering", None, 0, 10)
        .await
        .unwrap();
    write
        .assign_group(&wiki.id, &groups.items[0].id)
        .await
        .unwrap();
    push(&env).await;
    let users = app_users(&target);
    assert_eq!(users.len(), 2, "{users:?}");
    assert_eq!(app_user(&users, "bo@example.com")["active"], true);
    let added = env.events_of_type("application.user_membership.add").await;
    let through_group = added
        .iter()
        .filter(|e| at(e, "/displayMessage").ends_with("(group Engineering)"))
        .count();
    assert_eq!(through_group, 2, "{added:?}");

    let tab = env
        .engine
        .read(&env.admin)
        .app_assignments(&wiki.id)
        .await
        .unwrap();
    assert_eq!(tab.total_people, 2);
    assert_eq!(tab.groups.len(), 1);
    assert_eq!(
        (tab.groups[0].name.as_str(), tab.groups[0].people),
        ("Engineering", 2)
    );
    let bo_row = tab
        .people
        .iter()
        .find(|p| p.login == "bo@example.com")
        .unwrap();
    assert!(!bo_row.direct);
    assert_eq!(bo_row.groups, ["Engineering"]);
    assert!(bo_row.account.as_ref().is_some_and(|(_, active)| *active));
    assert_eq!(tab.pending, 0);

    // Bo leaves the group in HR; the next import of HR says so.
    let group_id = group["id"].as_str().unwrap();
    let (status, answer) = source.send(
        "PATCH",
        &format!("/Groups/{group_id}"),
        &serde_json::json!({
            "schemas": ["urn:ietf:params:scim:api:messages:2.0:PatchOp"],
            "Operations": [{"op": "remove", "path": format!("members[value eq \"{bo}\"]")}],
        }),
    );
    assert!(status == 200 || status == 204, "{status} {answer}");
    env.pull(&hr, engine::model::ImportType::Full).await;
    push(&env).await;
    let users = app_users(&target);
    assert_eq!(app_user(&users, "bo@example.com")["active"], false);
    assert_eq!(app_user(&users, "ann@example.com")["active"], true);
}

/// An app without PATCH gets the whole user with PUT: a change and a
/// deactivation arrive all the same.
#[tokio::test]
async fn an_app_without_patch_is_sent_the_whole_user() {
    let server = ScimServer::without_patch();
    let env = Env::new().await;
    let app = provisioned_app(&env, &server, |_| {}).await;
    let eve = person(&env, "eve@example.com", "Eve", "Gray").await;
    let write = env.engine.write(&env.admin).unwrap();
    write.assign_user(&app.id, &eve).await.unwrap();
    push(&env).await;
    write
        .update_profile(&eve, vec![("firstName".into(), "Evelyn".into())], false)
        .await
        .unwrap();
    push(&env).await;
    let users = app_users(&server);
    assert_eq!(users.len(), 1);
    assert_eq!(users[0]["name"]["givenName"], "Evelyn");
    assert_eq!(users[0]["active"], true);
    write.unassign_user(&app.id, &eve).await.unwrap();
    push(&env).await;
    let users = app_users(&server);
    assert_eq!(users[0]["active"], false);
    assert_eq!(users[0]["name"]["givenName"], "Evelyn");
}
