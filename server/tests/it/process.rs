//! The `muster` binary as an operator runs it: started on a data
//! directory in its own process, spoken to over real HTTP on a loopback
//! port, stopped by a signal.

use crate::support::{server_fn_path, PASSWORD};
use serde_json::Value;
use sqlx::sqlite::{SqliteConnectOptions, SqlitePool};
use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::process::{Child, Command};

/// How long any one step may take before a test gives up.
pub const PATIENCE: Duration = Duration::from_secs(900);

// ---- a minimal HTTP/1.1 client, so the requests are real ones ----

pub struct Answer {
    pub status: u16,
    pub headers: Vec<(String, String)>,
    pub body: String,
}

impl Answer {
    pub fn json(&self) -> Value {
        serde_json::from_str(&self.body)
            .unwrap_or_else(|e| panic!("{} {}: {e}", self.status, self.body))
    }
}

pub async fn request(
    port: u16,
    method: &str,
    path: &str,
    headers: &[(&str, &str)],
    body: &[u8],
) -> std::io::Result<Answer> {
    let mut stream = tokio::net::TcpStream::connect(("127.0.0.1", port)).await?;
    let mut head = format!(
        "{method} {path} HTTP/1.1\r\nhost: 127.0.0.1:{port}\r\nconnection: close\r\ncontent-length: {}\r\n",
        body.len()
    );
    for (name, value) in headers {
        head.push_str(&format!("{name}: {value}\r\n"));
    }
    head.push_str("\r\n");
    stream.write_all(head.as_bytes()).await?;
    stream.write_all(body).await?;
    let mut raw = Vec::new();
    stream.read_to_end(&mut raw).await?;
    parse_answer(&raw).ok_or_else(|| std::io::ErrorKind::UnexpectedEof.into())
}

pub fn parse_answer(raw: &[u8]) -> Option<Answer> {
    let end = raw.windows(4).position(|w| w == b"\r\n\r\n")?;
    let head = std::str::from_utf8(&raw[..end]).ok()?;
    let mut lines = head.split("\r\n");
    let status = lines.next()?.split(' ').nth(1)?.parse().ok()?;
    let headers: Vec<(String, String)> = lines
        .filter_map(|l| l.split_once(':'))
        .map(|(k, v)| (k.trim().to_ascii_lowercase(), v.trim().to_owned()))
        .collect();
    let mut rest = &raw[end + 4..];
    let chunked = headers
        .iter()
        .any(|(k, v)| k == "transfer-encoding" && v.contains("chunked"));
    let body = if chunked {
        let mut body = Vec::new();
        loop {
            let line_end = rest.windows(2).position(|w| w == b"\r\n")?;
            let size =
                usize::from_str_radix(std::str::from_utf8(&rest[..line_end]).ok()?.trim(), 16)
                    .ok()?;
            rest = &rest[line_end + 2..];
            if size == 0 {
                break body;
            }
            body.extend_from_slice(rest.get(..size)?);
            rest = rest.get(size + 2..)?;
        }
    } else {
        rest.to_vec()
    };
    Some(Answer {
        status,
        headers,
        body: String::from_utf8_lossy(&body).into_owned(),
    })
}

// ---- one muster process ----

pub struct Node {
    pub child: Child,
    pub port: u16,
}

pub fn free_port() -> u16 {
    let l = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    l.local_addr().unwrap().port()
}

/// The binary to run: `MUSTER_BIN` (a path from the workspace, or
/// absolute), else the `muster` this build made.
pub fn binary() -> PathBuf {
    let Some(named) = std::env::var_os("MUSTER_BIN").map(PathBuf::from) else {
        return env!("CARGO_BIN_EXE_muster").into();
    };
    let workspace = Path::new(env!("CARGO_MANIFEST_DIR")).join("..");
    std::fs::canonicalize(workspace.join(&named))
        .unwrap_or_else(|e| panic!("MUSTER_BIN {}: {e}", named.display()))
}

/// Starts muster on `dir`, without waiting for it: a kill may come while
/// it opens its data and finishes what a kill before left.
pub fn spawn(dir: &Path) -> Node {
    spawn_with(dir, &[])
}

/// The same, with more settings in its environment.
pub fn spawn_with(dir: &Path, settings: &[(&str, &str)]) -> Node {
    let port = free_port();
    let log = std::fs::OpenOptions::new()
        .create(true)
        .append(true)
        .open(dir.join("server.log"))
        .unwrap();
    let child = Command::new(binary())
        .current_dir(dir)
        .env_clear()
        .env("MUSTER_ADDR", format!("127.0.0.1:{port}"))
        .env("DATABASE_URL", dir.join("muster.db"))
        .env("MUSTER_DATA_DIR", dir)
        .env("MUSTER_ADMIN_USERNAME", "admin")
        .env("MUSTER_ADMIN_PASSWORD", PASSWORD)
        .env("MUSTER_MIN_FREE_DISK_MB", "0")
        .env("RUST_LOG", "info,sqlx=warn")
        .envs(settings.iter().copied())
        .stdout(log.try_clone().unwrap())
        .stderr(log)
        .kill_on_drop(true)
        .spawn()
        .unwrap();
    Node { child, port }
}

/// Starts muster on `dir` and waits until it answers.
pub async fn start(dir: &Path) -> Node {
    start_with(dir, &[]).await
}

/// The same, with more settings in its environment.
pub async fn start_with(dir: &Path, settings: &[(&str, &str)]) -> Node {
    let mut node = spawn_with(dir, settings);
    let started = Instant::now();
    while !answers(node.port).await {
        if let Some(status) = node.child.try_wait().unwrap() {
            panic!("muster exited at start ({status}):\n{}", log_tail(dir));
        }
        assert!(
            started.elapsed() < PATIENCE,
            "muster did not start:\n{}",
            log_tail(dir)
        );
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    node
}

pub async fn answers(port: u16) -> bool {
    matches!(request(port, "GET", "/healthz", &[], b"").await, Ok(a) if a.status == 200)
}

impl Node {
    pub async fn kill(mut self) {
        self.child.start_kill().unwrap();
        self.child.wait().await.unwrap();
    }

    pub fn alive(&mut self) -> bool {
        self.child.try_wait().unwrap().is_none()
    }
}

pub fn log_tail(dir: &Path) -> String {
    let log = std::fs::read_to_string(dir.join("server.log")).unwrap_or_default();
    let lines: Vec<&str> = log.lines().collect();
    lines[lines.len().saturating_sub(30)..].join("\n")
}

/// A server function called by name, as the console calls it.
pub async fn call(
    port: u16,
    cookie: &str,
    name: &str,
    json_body: Option<Value>,
    form: &str,
) -> std::io::Result<Answer> {
    let path = server_fn_path(name);
    match json_body {
        Some(body) => {
            request(
                port,
                "POST",
                &path,
                &[
                    ("cookie", cookie),
                    ("content-type", "application/json"),
                    ("accept", "application/json"),
                ],
                body.to_string().as_bytes(),
            )
            .await
        }
        None => {
            request(
                port,
                "POST",
                &path,
                &[
                    ("cookie", cookie),
                    ("content-type", "application/x-www-form-urlencoded"),
                    ("accept", "application/json"),
                ],
                form.as_bytes(),
            )
            .await
        }
    }
}

/// A call that must succeed (no kill can cut it off).
pub async fn must(
    port: u16,
    cookie: &str,
    name: &str,
    json_body: Option<Value>,
    form: &str,
) -> Value {
    let a = call(port, cookie, name, json_body, form).await.unwrap();
    assert_eq!(a.status, 200, "{name}: {}", a.body);
    a.json()
}

pub async fn sign_in(port: u16) -> String {
    let a = request(
        port,
        "POST",
        &server_fn_path("sign_in"),
        &[
            ("content-type", "application/x-www-form-urlencoded"),
            ("accept", "application/json"),
        ],
        format!("username=admin&password={PASSWORD}").as_bytes(),
    )
    .await
    .unwrap();
    a.headers
        .iter()
        .filter(|(k, _)| k == "set-cookie")
        .find_map(|(_, v)| v.strip_prefix("muster_session="))
        .map(|v| format!("muster_session={}", v.split(';').next().unwrap_or_default()))
        .unwrap_or_else(|| panic!("no session cookie: {} {}", a.status, a.body))
}

pub async fn upload(port: u16, cookie: &str, app_id: &str, csv: &str) -> String {
    let a = request(
        port,
        "POST",
        &format!("/console/apps/{app_id}/uploads"),
        &[("cookie", cookie), ("x-file-name", "people.csv")],
        csv.as_bytes(),
    )
    .await
    .unwrap();
    assert_eq!(a.status, 200, "upload: {}", a.body);
    a.json()["id"].as_str().unwrap().to_owned()
}

pub fn people(prefix: &str, range: std::ops::Range<u64>) -> String {
    let mut s = String::from("login,firstName,lastName,email\n");
    for i in range {
        s.push_str(&format!(
            "{prefix}{i}@example.com,First{i},Last{i},{prefix}{i}@example.com\n"
        ));
    }
    s
}

/// The data directory's database, read beside the running server.
pub async fn database(dir: &Path) -> SqlitePool {
    SqlitePool::connect_with(
        SqliteConnectOptions::new()
            .filename(dir.join("muster.db"))
            .busy_timeout(Duration::from_secs(30)),
    )
    .await
    .unwrap()
}

/// A run's status, rows read and users deactivated.
pub async fn run_state(db: &SqlitePool, run_id: &str) -> (String, i64, i64) {
    sqlx::query_as("SELECT status, scanned, deactivated FROM import_runs WHERE id = ?")
        .bind(run_id)
        .fetch_one(db)
        .await
        .unwrap()
}

/// Uploads a CSV and starts a full import of it; returns the run's id.
pub async fn start_import(port: u16, cookie: &str, app_id: &str, csv: &str) -> String {
    let file = upload(port, cookie, app_id, csv).await;
    let form = format!("app_id={app_id}&upload_id={file}&import_type=Full&preview=false");
    let run = must(port, cookie, "start_import", None, &form).await;
    run["id"].as_str().unwrap().to_owned()
}
