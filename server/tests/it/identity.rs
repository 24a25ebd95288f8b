//! Bulk import through a Custom Identity Source, as Okta's clients drive
//! it: sessions, uploads of users, groups and memberships, start-import and
//! polling, with Okta's statuses, limits and errors.

use crate::api::{admin, call, json, read_only_token, send_json, token};
use crate::support::*;
use axum::http::StatusCode;
use serde_json::{json, Value};

struct Source {
    id: String,
    token: String,
}

impl Source {
    fn sessions(&self) -> String {
        format!("/api/v1/identity-sources/{}/sessions", self.id)
    }
    fn session(&self, id: &str, op: &str) -> String {
        match op {
            "" => format!("{}/{id}", self.sessions()),
            op => format!("{}/{id}/{op}", self.sessions()),
        }
    }
}

async fn identity_source(server: &TestServer, name: &str) -> Source {
    let admin = admin(server).await;
    let app = server
        .engine
        .write(&admin)
        .unwrap()
        .create_app(name, engine::model::AppKind::CustomIdentitySource)
        .await
        .unwrap();
    Source {
        id: app.id,
        token: token(server, &admin).await,
    }
}

/// Sends `body` to `uri` and answers the status and the JSON (or Null).
async fn post(
    server: &TestServer,
    source: &Source,
    uri: &str,
    body: &Value,
) -> (StatusCode, Value) {
    let res = send_json(server, "POST", uri, &source.token, &body.to_string()).await;
    let status = res.status();
    let text = body_text(res).await;
    (status, serde_json::from_str(&text).unwrap_or(Value::Null))
}

async fn get(server: &TestServer, source: &Source, uri: &str) -> Value {
    json(call(server, "GET", uri, Some(&source.token)).await).await
}

fn person(external_id: &str, first: &str, last: &str) -> Value {
    let login = format!("{}@hris.example", first.to_lowercase());
    json!({
        "externalId": external_id,
        "profile": {
            "userName": login,
            "firstName": first,
            "lastName": last,
            "email": login,
            "mobilePhone": null,
            "department": "Sales",
        }
    })
}

async fn open_session(server: &TestServer, source: &Source) -> String {
    let (status, session) = post(server, source, &source.sessions(), &Value::Null).await;
    assert_eq!(status, StatusCode::OK, "{session}");
    session["id"].as_str().unwrap().to_owned()
}

async fn run_imports(server: &TestServer) {
    while server.engine.run_next_job().await.unwrap().is_some() {}
}

/// The status of the person with this login, through the Users API.
async fn status_of(server: &TestServer, source: &Source, login: &str) -> String {
    let user = get(server, source, &format!("/api/v1/users/{login}")).await;
    user["status"].as_str().unwrap_or("GONE").to_owned()
}

/// A session goes CREATED → IN_PROGRESS → TRIGGERED → COMPLETED, one at a
/// time per source; its users, groups and memberships arrive through the
/// import pipeline; a later session's bulk-delete deactivates (and ignores
/// ids the source never had); a cancelled session is CLOSED; every step is
/// in the System Log.
#[tokio::test]
async fn a_session_stages_users_and_groups_and_its_import_brings_them_in() {
    let server = spawn().await;
    let source = identity_source(&server, "HRIS").await;

    let id = open_session(&server, &source).await;
    let session = get(&server, &source, &source.session(&id, "")).await;
    assert_eq!(session["status"], "CREATED");
    assert_eq!(session["importType"], "INCREMENTAL");
    assert_eq!(session["identitySourceId"], source.id.as_str());
    assert!(id.starts_with("aps"), "{id}");

    let (status, error) = post(&server, &source, &source.sessions(), &Value::Null).await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
    assert_eq!(error["errorCode"], "E0000001");
    assert!(
        error["errorSummary"].as_str().unwrap().contains(&id),
        "{error}"
    );
    let (status, error) = post(
        &server,
        &source,
        &source.session(&id, "start-import"),
        &Value::Null,
    )
    .await;
    assert_eq!(
        status,
        StatusCode::BAD_REQUEST,
        "nothing uploaded yet: {error}"
    );

    let upsert = json!({"entityType": "USERS", "profiles": [
        person("e-1", "Ann", "Lee"), person("e-2", "Bo", "Ray"), person("e-3", "Cy", "Oak"),
    ]});
    let (status, body) = post(
        &server,
        &source,
        &source.session(&id, "bulk-upsert"),
        &upsert,
    )
    .await;
    assert_eq!((status, body), (StatusCode::ACCEPTED, Value::Null));
    let groups = json!({"profiles": [
        {"externalId": "g-eng", "profile": {"displayName": "Engineering", "description": "Builders"}},
    ]});
    let (status, _) = post(
        &server,
        &source,
        &source.session(&id, "bulk-groups-upsert"),
        &groups,
    )
    .await;
    assert_eq!(status, StatusCode::ACCEPTED);
    let members =
        json!({"memberships": [{"groupExternalId": "g-eng", "memberExternalIds": ["e-1", "e-2"]}]});
    let (status, _) = post(
        &server,
        &source,
        &source.session(&id, "bulk-group-memberships-upsert"),
        &members,
    )
    .await;
    assert_eq!(status, StatusCode::ACCEPTED);
    let session = get(&server, &source, &source.session(&id, "")).await;
    assert_eq!(session["status"], "IN_PROGRESS");

    let (status, session) = post(
        &server,
        &source,
        &source.session(&id, "start-import"),
        &Value::Null,
    )
    .await;
    assert_eq!(
        (status, session["status"].as_str()),
        (StatusCode::OK, Some("TRIGGERED"))
    );
    let (status, error) = post(
        &server,
        &source,
        &source.session(&id, "bulk-upsert"),
        &upsert,
    )
    .await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
    assert!(
        error["errorSummary"]
            .as_str()
            .unwrap()
            .contains("TRIGGERED"),
        "{error}"
    );
    run_imports(&server).await;
    let session = get(&server, &source, &source.session(&id, "")).await;
    assert_eq!(session["status"], "COMPLETED", "{session}");
    // The Import tab still says how many users the session brought in once
    // the sweep has dropped what it staged.
    let admin = admin(&server).await;
    let staged = || async {
        let read = server.engine.read(&admin);
        let sessions = read.import_sessions(&source.id).await.unwrap();
        sessions.iter().find(|s| s.id == id).unwrap().users
    };
    let before = staged().await;
    server.engine.sweep_import_sessions().await.unwrap();
    assert_eq!(staged().await, before);
    assert_eq!(before, 3);

    for login in ["ann@hris.example", "bo@hris.example", "cy@hris.example"] {
        assert_eq!(
            status_of(&server, &source, login).await,
            "ACTIVE",
            "{login}"
        );
    }
    let ann = get(&server, &source, "/api/v1/users/ann@hris.example").await;
    assert_eq!(
        ann["profile"]["department"], "Sales",
        "custom properties arrive: {ann}"
    );
    assert_eq!(ann["profile"]["firstName"], "Ann");
    let res = send_json(
        &server,
        "POST",
        "/api/v1/users/ann@hris.example",
        &source.token,
        r#"{"profile":{"lastName":"Changed"}}"#,
    )
    .await;
    assert_eq!(res.status(), StatusCode::BAD_REQUEST);
    assert!(
        body_text(res).await.contains("sourced by HRIS"),
        "a sourced profile changes only through its source"
    );
    let groups = get(&server, &source, "/api/v1/groups").await;
    assert_eq!(groups[0]["profile"]["name"], "Engineering", "{groups}");
    let group_id = groups[0]["id"].as_str().unwrap().to_owned();
    let people = get(
        &server,
        &source,
        &format!("/api/v1/groups/{group_id}/users"),
    )
    .await;
    let mut logins: Vec<&str> = people
        .as_array()
        .unwrap()
        .iter()
        .map(|u| u["profile"]["login"].as_str().unwrap())
        .collect();
    logins.sort_unstable();
    assert_eq!(logins, ["ann@hris.example", "bo@hris.example"]);

    // The next session: Bo leaves, an id the source never had is ignored,
    // Ann leaves the group, Cy's name changes.
    let next = open_session(&server, &source).await;
    let delete = json!({"entityType": "USERS", "profiles": [{"externalId": "e-2"}, {"externalId": "e-404"}]});
    let (status, _) = post(
        &server,
        &source,
        &source.session(&next, "bulk-delete"),
        &delete,
    )
    .await;
    assert_eq!(status, StatusCode::ACCEPTED);
    let (status, _) = post(
        &server,
        &source,
        &source.session(&next, "bulk-upsert"),
        &json!({"profiles": [person("e-3", "Cy", "Birch")]}),
    )
    .await;
    assert_eq!(status, StatusCode::ACCEPTED);
    let leave =
        json!({"memberships": [{"groupExternalId": "g-eng", "memberExternalIds": ["e-1"]}]});
    let (status, _) = post(
        &server,
        &source,
        &source.session(&next, "bulk-group-memberships-delete"),
        &leave,
    )
    .await;
    assert_eq!(status, StatusCode::ACCEPTED);
    let (status, _) = post(
        &server,
        &source,
        &source.session(&next, "start-import"),
        &Value::Null,
    )
    .await;
    assert_eq!(status, StatusCode::OK);
    run_imports(&server).await;
    assert_eq!(
        get(&server, &source, &source.session(&next, "")).await["status"],
        "COMPLETED"
    );
    assert_eq!(
        status_of(&server, &source, "bo@hris.example").await,
        "DEPROVISIONED"
    );
    assert_eq!(
        status_of(&server, &source, "ann@hris.example").await,
        "ACTIVE"
    );
    let cy = get(&server, &source, "/api/v1/users/cy@hris.example").await;
    assert_eq!(cy["profile"]["lastName"], "Birch", "{cy}");
    let people = get(
        &server,
        &source,
        &format!("/api/v1/groups/{group_id}/users"),
    )
    .await;
    let logins: Vec<&str> = people
        .as_array()
        .unwrap()
        .iter()
        .map(|u| u["profile"]["login"].as_str().unwrap())
        .collect();
    assert_eq!(logins, ["bo@hris.example"]);

    // A cancelled session: CLOSED, and a new one can open.
    let cancelled = open_session(&server, &source).await;
    let (status, _) = post(
        &server,
        &source,
        &source.session(&cancelled, "bulk-upsert"),
        &json!({"profiles": [person("e-9", "Di", "Fox")]}),
    )
    .await;
    assert_eq!(status, StatusCode::ACCEPTED);
    let res = call(
        &server,
        "DELETE",
        &source.session(&cancelled, ""),
        Some(&source.token),
    )
    .await;
    assert_eq!(res.status(), StatusCode::NO_CONTENT);
    assert_eq!(
        get(&server, &source, &source.session(&cancelled, "")).await["status"],
        "CLOSED"
    );
    let res = call(
        &server,
        "DELETE",
        &source.session(&cancelled, ""),
        Some(&source.token),
    )
    .await;
    assert_eq!(res.status(), StatusCode::BAD_REQUEST, "closed already");
    let sessions = get(&server, &source, &source.sessions()).await;
    let listed: Vec<(&str, &str)> = sessions
        .as_array()
        .unwrap()
        .iter()
        .map(|s| (s["id"].as_str().unwrap(), s["status"].as_str().unwrap()))
        .collect();
    assert_eq!(
        listed,
        [
            (cancelled.as_str(), "CLOSED"),
            (next.as_str(), "COMPLETED"),
            (id.as_str(), "COMPLETED")
        ]
    );
    assert_eq!(status_of(&server, &source, "di@hris.example").await, "GONE");

    let log = |event: &str| format!("/api/v1/logs?filter=eventType%20eq%20%22{event}%22&limit=100");
    for (event, count) in [
        ("system.import.session.created", 3),
        ("system.import.session.triggered", 2),
        ("system.import.session.cancelled", 1),
        ("system.identity_sources.bulk_upsert", 5),
        ("system.identity_sources.bulk_delete", 2),
        // Ann, Bo and Cy created; Cy's name changed; Bo deactivated.
        ("system.identity_sources.user.create", 3),
        ("system.identity_sources.user.update", 1),
        ("system.identity_sources.user.delete", 1),
        ("system.import.user.create", 0),
    ] {
        let events = get(&server, &source, &log(event)).await;
        assert_eq!(events.as_array().unwrap().len(), count, "{event}: {events}");
    }
    let starts = get(
        &server,
        &source,
        "/api/v1/logs?filter=eventType%20eq%20%22system.import.start%22%20and%20debugContext.debugData.importTrigger%20eq%20%22API%22",
    )
    .await;
    assert_eq!(starts.as_array().unwrap().len(), 2);
}

/// Okta's limits, each refused with E0000001 and what was wrong where;
/// nothing of a refused request is kept. Other apps are not identity
/// sources, and a read-only admin's token opens nothing.
#[tokio::test]
async fn bulk_requests_past_the_limits_are_refused_whole_with_what_and_where() {
    let server = spawn().await;
    let source = identity_source(&server, "HRIS").await;
    let id = open_session(&server, &source).await;
    let upsert = source.session(&id, "bulk-upsert");
    let refused = |body: Value| {
        let (server, source, upsert) = (&server, &source, upsert.clone());
        async move {
            let (status, error) = post(server, source, &upsert, &body).await;
            assert_eq!(status, StatusCode::BAD_REQUEST, "{error}");
            error
        }
    };

    let many: Vec<Value> = (0..201)
        .map(|i| person(&format!("e-{i}"), &format!("P{i}"), "Lee"))
        .collect();
    let error = refused(json!({"profiles": many})).await;
    assert_eq!(error["errorCode"], "E0000001");
    assert!(
        error["errorSummary"]
            .as_str()
            .unwrap()
            .contains("at most 200 entities"),
        "{error}"
    );

    let mut big = person("e-1", "Ann", "Lee");
    big["profile"]["homeAddress"] = json!("x".repeat(4000));
    let error = refused(json!({"profiles": vec![big; 60]})).await;
    assert!(
        error["errorSummary"].as_str().unwrap().contains("200 KB"),
        "{error}"
    );

    let mut short = person("e-1", "Ann", "Lee");
    short["profile"]["email"] = json!("a@b");
    let error = refused(json!({"profiles": [person("e-0", "Zed", "Ok"), short]})).await;
    let summary = error["errorSummary"].as_str().unwrap();
    assert!(
        summary.contains("profiles[1].profile.email: \"a@b\""),
        "{summary}"
    );
    assert_eq!(
        error["errorCauses"][0]["errorSummary"].as_str(),
        Some(&summary["Api validation failed: ".len()..])
    );

    let mut numeric = person("e-1", "Ann", "Lee");
    numeric["profile"]["employeeNumber"] = json!(42);
    let error = refused(json!({"profiles": [numeric]})).await;
    assert!(
        error["errorSummary"]
            .as_str()
            .unwrap()
            .contains("profiles[0].profile.employeeNumber"),
        "{error}"
    );

    let error =
        refused(json!({"profiles": [{"externalId": "x".repeat(513), "profile": {}}]})).await;
    assert!(
        error["errorSummary"]
            .as_str()
            .unwrap()
            .contains("profiles[0].externalId"),
        "{error}"
    );
    let error =
        refused(json!({"entityType": "GROUPS", "profiles": [person("e-1", "Ann", "Lee")]})).await;
    assert!(
        error["errorSummary"]
            .as_str()
            .unwrap()
            .contains("entityType"),
        "{error}"
    );
    let (status, error) = post(&server, &source, &upsert, &json!("not an object")).await;
    assert_eq!(
        (status, error["errorCode"].as_str()),
        (StatusCode::BAD_REQUEST, Some("E0000003"))
    );

    // Nothing refused was kept: the session is still CREATED.
    let session = get(&server, &source, &source.session(&id, "")).await;
    assert_eq!(session["status"], "CREATED");

    // 50 requests of 200 users (10,000, the most a session takes); the 51st is refused.
    for request in 0..50 {
        let profiles: Vec<Value> = (0..200)
            .map(|i| {
                let n = request * 200 + i;
                json!({"externalId": format!("e-{n}"), "profile": {"userName": format!("u{n}@hris.example")}})
            })
            .collect();
        let (status, error) = post(&server, &source, &upsert, &json!({"profiles": profiles})).await;
        assert_eq!(status, StatusCode::ACCEPTED, "request {request}: {error}");
    }
    let error = refused(json!({"profiles": [person("e-1", "Ann", "Lee")]})).await;
    assert!(
        error["errorSummary"]
            .as_str()
            .unwrap()
            .contains("50 bulk requests"),
        "{error}"
    );

    // An app that is not an identity source, and an unknown session.
    let admin = admin(&server).await;
    let csv = server
        .engine
        .write(&admin)
        .unwrap()
        .create_app("Files", engine::model::AppKind::CsvDirectory)
        .await
        .unwrap();
    let res = call(
        &server,
        "GET",
        &format!("/api/v1/identity-sources/{}/sessions", csv.id),
        Some(&source.token),
    )
    .await;
    assert_eq!(res.status(), StatusCode::NOT_FOUND);
    assert_eq!(json(res).await["errorCode"], "E0000007");
    let res = call(
        &server,
        "GET",
        &source.session("apsnothere", ""),
        Some(&source.token),
    )
    .await;
    assert_eq!(res.status(), StatusCode::NOT_FOUND);
    // Import Now is not how an identity source imports.
    let res = send_json(
        &server,
        "POST",
        &format!("/api/v1/apps/{}/imports", source.id),
        &source.token,
        "",
    )
    .await;
    assert_eq!(res.status(), StatusCode::BAD_REQUEST);
    assert!(body_text(res).await.contains("import sessions"));
    // Nor a schedule.
    let write = server.engine.write(&admin).unwrap();
    let mut settings = write.app_settings(&source.id).await.unwrap();
    settings.incremental_schedule = proto::settings::Schedule {
        frequency: proto::settings::Frequency::Daily,
        interval: 1,
    };
    let refused = write
        .save_app_settings(&source.id, settings)
        .await
        .unwrap_err();
    assert!(refused.to_string().contains("has no schedule"), "{refused}");

    let read_only = Source {
        id: source.id.clone(),
        token: read_only_token(&server).await,
    };
    let (status, error) = post(&server, &read_only, &read_only.sessions(), &Value::Null).await;
    assert_eq!(
        (status, error["errorCode"].as_str()),
        (StatusCode::FORBIDDEN, Some("E0000006"))
    );
    assert_eq!(
        get(&server, &read_only, &read_only.sessions()).await[0]["id"],
        id.as_str(),
        "a read-only token reads"
    );
}

/// What a session staged survives the process: uploads to the `muster`
/// binary, which is then killed (SIGKILL) and started again on the same
/// data directory, where the session is started and runs to COMPLETED with
/// every user staged before the kill.
#[tokio::test]
async fn staged_records_survive_a_restart_of_the_binary() {
    use crate::process::{database, must, request, sign_in, start};
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path();
    let node = start(dir).await;
    let cookie = sign_in(node.port).await;
    let app = must(
        node.port,
        &cookie,
        "create_app",
        None,
        "name=HRIS&kind=CustomIdentitySource",
    )
    .await;
    let source = app["id"].as_str().unwrap().to_owned();
    let token = must(node.port, &cookie, "create_api_token", None, "name=sync").await;
    let auth = format!("SSWS {}", token["value"].as_str().unwrap());
    let headers = [
        ("authorization", auth.as_str()),
        ("content-type", "application/json"),
        ("accept", "application/json"),
    ];
    let sessions = format!("/api/v1/identity-sources/{source}/sessions");
    let opened = request(node.port, "POST", &sessions, &headers, b"")
        .await
        .unwrap();
    assert_eq!(opened.status, 200, "{}", opened.body);
    let id = opened.json()["id"].as_str().unwrap().to_owned();
    for first in [0, 200] {
        let profiles: Vec<Value> = (first..first + 200)
            .map(|n| person(&format!("e-{n}"), &format!("R{n}"), "Restart"))
            .collect();
        let body = json!({"entityType": "USERS", "profiles": profiles}).to_string();
        let path = format!("{sessions}/{id}/bulk-upsert");
        let up = request(node.port, "POST", &path, &headers, body.as_bytes())
            .await
            .unwrap();
        assert_eq!(up.status, 202, "{}", up.body);
    }
    node.kill().await;

    let node = start(dir).await;
    let path = format!("{sessions}/{id}/start-import");
    let started = request(node.port, "POST", &path, &headers, b"")
        .await
        .unwrap();
    assert_eq!(started.status, 200, "{}", started.body);
    assert_eq!(started.json()["status"], "TRIGGERED");
    let asked = std::time::Instant::now();
    loop {
        let path = format!("{sessions}/{id}");
        let got = request(node.port, "GET", &path, &headers, b"")
            .await
            .unwrap();
        match got.json()["status"].as_str() {
            Some("COMPLETED") => break,
            Some("TRIGGERED") => {}
            other => panic!("the session is {other:?}"),
        }
        assert!(
            asked.elapsed() < crate::process::PATIENCE,
            "never completed"
        );
        tokio::time::sleep(std::time::Duration::from_millis(20)).await;
    }
    let db = database(dir).await;
    let (people,): (i64,) = sqlx::query_as(
        "SELECT COUNT(*) FROM users WHERE last_name = 'Restart' AND status = 'ACTIVE'",
    )
    .fetch_one(&db)
    .await
    .unwrap();
    assert_eq!(people, 400);
    node.kill().await;
}
