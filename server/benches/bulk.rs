//! Bulk import through the API: N users pushed to a Custom Identity Source
//! over real HTTP on loopback, as Okta's clients push them (sessions of up
//! to 10,000 users, requests of 200), each session started and polled to
//! COMPLETED by the import worker, users created active. The baseline, in
//! the same run, is the same users imported from a CSV file by the same
//! engine (upload, import, auto-confirmation), with no HTTP.
//!
//! `cargo bench -p server --bench bulk -- --users 10000` (the default).
//! Progress goes to stderr; stdout gets one line:
//! `bulk_users=N upload_s=… import_s=… total_s=… users_per_s=… csv_s=… csv_users_per_s=… ratio=…`
//! where `total_s` runs from the first session's creation to the last
//! session's COMPLETED, and `ratio` is total_s / csv_s.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

// The engine benches' `--users` argument and fresh engine.
#[allow(dead_code)]
#[path = "../../engine/benches/support/mod.rs"]
mod support;

use engine::model::{AppKind, ImportType};
use serde_json::{json, Value};
use std::time::{Duration, Instant};
use tokio::io::{AsyncBufReadExt, AsyncReadExt, AsyncWriteExt, BufReader};
use tokio::net::TcpStream;

const DEFAULT_USERS: usize = 10_000;
const PER_REQUEST: usize = 200;
const PER_SESSION: usize = 10_000;

fn main() {
    let users = support::users_arg(DEFAULT_USERS);
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .expect("tokio runtime");
    println!("{}", runtime.block_on(bench(users)));
}

/// One keep-alive HTTP/1.1 connection, as a client library holds one.
struct Client {
    reader: BufReader<TcpStream>,
    token: String,
}

impl Client {
    async fn connect(port: u16, token: &str) -> Client {
        let stream = TcpStream::connect(("127.0.0.1", port))
            .await
            .expect("connect");
        stream.set_nodelay(true).expect("nodelay");
        Client {
            reader: BufReader::new(stream),
            token: token.to_owned(),
        }
    }

    async fn send(&mut self, method: &str, path: &str, body: Option<&Value>) -> (u16, Value) {
        let body = body.map(Value::to_string).unwrap_or_default();
        let head = format!(
            "{method} {path} HTTP/1.1\r\nHost: 127.0.0.1\r\nAuthorization: SSWS {}\r\nAccept: application/json\r\nContent-Type: application/json\r\nContent-Length: {}\r\n\r\n",
            self.token,
            body.len()
        );
        let stream = self.reader.get_mut();
        stream.write_all(head.as_bytes()).await.expect("write");
        stream.write_all(body.as_bytes()).await.expect("write");
        let mut line = String::new();
        self.reader.read_line(&mut line).await.expect("status line");
        let status: u16 = line
            .split_whitespace()
            .nth(1)
            .and_then(|s| s.parse().ok())
            .unwrap_or_else(|| panic!("no status in {line:?}"));
        let mut length = 0;
        loop {
            line.clear();
            self.reader.read_line(&mut line).await.expect("header");
            let header = line.trim_end();
            if header.is_empty() {
                break;
            }
            if let Some((name, value)) = header.split_once(':') {
                if name.eq_ignore_ascii_case("content-length") {
                    length = value.trim().parse().expect("length");
                }
            }
        }
        let mut bytes = vec![0; length];
        self.reader.read_exact(&mut bytes).await.expect("body");
        (
            status,
            serde_json::from_slice(&bytes).unwrap_or(Value::Null),
        )
    }
}

fn person(n: usize) -> Value {
    let department = ["Sales", "Engineering", "Support"][n % 3];
    json!({
        "externalId": format!("hr-{n}"),
        "profile": {
            "userName": format!("user{n}@bulk.example"),
            "firstName": format!("First{n}"),
            "lastName": format!("Last{n}"),
            "email": format!("user{n}@bulk.example"),
            "department": department,
        }
    })
}

/// Pushes every user through sessions over HTTP; answers the seconds spent
/// uploading and the whole.
async fn push(users: usize) -> (f64, f64) {
    let dir = tempfile::tempdir().expect("tempdir");
    let (engine, admin) = support::open_engine(dir.path(), |_| {}).await;
    let source = engine
        .write(&admin)
        .unwrap()
        .create_app("HRIS", AppKind::CustomIdentitySource)
        .await
        .unwrap();
    let token = engine
        .create_api_token(&admin, "bench", None)
        .await
        .unwrap()
        .value;
    let worker = engine.spawn_worker();
    let http = server::HttpSettings {
        api_requests_per_minute: 1_000_000,
        ..server::HttpSettings::default()
    };
    let router = server::router(
        engine.clone(),
        server::leptos_options("127.0.0.1:0".parse().unwrap()),
        http,
    );
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let port = listener.local_addr().unwrap().port();
    tokio::spawn(async move {
        axum::serve(
            listener,
            router.into_make_service_with_connect_info::<std::net::SocketAddr>(),
        )
        .await
        .unwrap();
    });
    let mut client = Client::connect(port, &token).await;
    let sessions = format!("/api/v1/identity-sources/{}/sessions", source.id);

    let started = Instant::now();
    let mut uploading = Duration::ZERO;
    for first in (0..users).step_by(PER_SESSION) {
        let (status, session) = client.send("POST", &sessions, None).await;
        assert_eq!(status, 200, "{session}");
        let id = session["id"].as_str().unwrap().to_owned();
        let upload_started = Instant::now();
        let last = (first + PER_SESSION).min(users);
        for from in (first..last).step_by(PER_REQUEST) {
            let profiles: Vec<Value> = (from..(from + PER_REQUEST).min(last)).map(person).collect();
            let body = json!({"entityType": "USERS", "profiles": profiles});
            let (status, error) = client
                .send("POST", &format!("{sessions}/{id}/bulk-upsert"), Some(&body))
                .await;
            assert_eq!(status, 202, "{error}");
        }
        uploading += upload_started.elapsed();
        let (status, _) = client
            .send("POST", &format!("{sessions}/{id}/start-import"), None)
            .await;
        assert_eq!(status, 200);
        loop {
            let (_, session) = client.send("GET", &format!("{sessions}/{id}"), None).await;
            match session["status"].as_str() {
                Some("COMPLETED") => break,
                Some("TRIGGERED") => tokio::time::sleep(Duration::from_millis(20)).await,
                other => panic!("the session is {other:?}"),
            }
        }
        eprintln!("bulk: {last} users pushed and imported");
    }
    let total = started.elapsed().as_secs_f64();
    let (status, found) = client
        .send(
            "GET",
            "/api/v1/users?search=status%20eq%20%22ACTIVE%22&limit=1",
            None,
        )
        .await;
    assert_eq!(status, 200, "{found}");
    assert_eq!(found.as_array().map(Vec::len), Some(1));
    let people = engine.read(&admin).dashboard().await.unwrap().users;
    assert_eq!(people, users as i64, "every user pushed is a person");
    worker.abort();
    (uploading.as_secs_f64(), total)
}

/// The same users from a CSV file, through the same engine: the seconds
/// from Import Now to the end of the auto-confirmation.
async fn csv(users: usize) -> f64 {
    let dir = tempfile::tempdir().expect("tempdir");
    let (engine, admin) = support::open_engine(dir.path(), |_| {}).await;
    let write = engine.write(&admin).unwrap();
    let app = write.create_app("HR", AppKind::CsvDirectory).await.unwrap();
    let mut settings = engine.read(&admin).app_settings(&app.id).await.unwrap();
    settings.matching.auto_confirm_new = true;
    settings.matching.auto_confirm_exact = true;
    settings.matching.auto_activate_new = true;
    write.save_app_settings(&app.id, settings).await.unwrap();
    let mut text = String::from("externalId,login,firstName,lastName,email,department\n");
    for n in 0..users {
        let p = person(n);
        let f = &p["profile"];
        text.push_str(&format!(
            "hr-{n},{},{},{},{},{}\n",
            f["userName"].as_str().unwrap(),
            f["firstName"].as_str().unwrap(),
            f["lastName"].as_str().unwrap(),
            f["email"].as_str().unwrap(),
            f["department"].as_str().unwrap()
        ));
    }
    let upload = write
        .save_upload(&app.id, "hr.csv", text.as_bytes())
        .await
        .unwrap();
    let started = Instant::now();
    write
        .start_import(&app.id, Some(&upload.id), ImportType::Full)
        .await
        .unwrap();
    while engine.run_next_job().await.unwrap().is_some() {}
    started.elapsed().as_secs_f64()
}

async fn bench(users: usize) -> String {
    eprintln!("bulk: pushing {users} users over HTTP");
    let (upload_s, total_s) = push(users).await;
    eprintln!("bulk: importing the same {users} users from a CSV file");
    let csv_s = csv(users).await;
    format!(
        "bulk_users={users} upload_s={upload_s:.2} import_s={:.2} total_s={total_s:.2} users_per_s={:.0} csv_s={csv_s:.2} csv_users_per_s={:.0} ratio={:.2}",
        total_s - upload_s,
        users as f64 / total_s,
        users as f64 / csv_s,
        total_s / csv_s
    )
}
