//! `scim2-server` (PyPI), an in-memory SCIM 2.0 service provider: the app
//! Muster provisions to and imports from in tests. It listens on a
//! loopback port under `/v2`, takes a bearer token, and keeps its users
//! and groups in memory only (a new server is empty).

use std::io::{Read, Write};
use std::net::TcpStream;
use std::path::PathBuf;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

/// The token the server is started with.
pub const TOKEN: &str = "scim-test-token";

/// A ServiceProviderConfig that supports filtering and PATCH as told
/// (neither sorting, bulk nor ETags), for servers that behave like apps
/// whose support is narrower than the server's own.
fn service_provider_config(filter: bool, patch: bool) -> String {
    serde_json::json!({
        "schemas": ["urn:ietf:params:scim:schemas:core:2.0:ServiceProviderConfig"],
        "patch": {"supported": patch},
        "bulk": {"supported": false, "maxOperations": 0, "maxPayloadSize": 0},
        "filter": {"supported": filter, "maxResults": 1000},
        "changePassword": {"supported": true},
        "sort": {"supported": false},
        "etag": {"supported": false},
        "authenticationSchemes": [{"type": "oauthbearertoken", "name": "bearer_token",
            "description": "HTTP Bearer Token"}],
    })
    .to_string()
}

/// A running scim2-server; killed when dropped.
pub struct ScimServer {
    child: Child,
    pub port: u16,
    /// Holds the configuration file given to the server.
    _dir: tempfile::TempDir,
}

/// The `scim2-server` command: `MUSTER_SCIM_SERVER`, or the one
/// `scripts/setup --test` installs in the workspace's `target/scim-venv`.
fn command() -> PathBuf {
    if let Some(path) = std::env::var_os("MUSTER_SCIM_SERVER") {
        return PathBuf::from(path);
    }
    let installed =
        PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../target/scim-venv/bin/scim2-server");
    assert!(
        installed.exists(),
        "scim2-server is not installed: scripts/setup --test installs it in target/scim-venv"
    );
    installed
}

impl ScimServer {
    /// A new, empty server taking [`TOKEN`].
    pub fn start() -> ScimServer {
        ScimServer::launch(None)
    }

    /// A server whose ServiceProviderConfig says it supports no filtering
    /// (nor sorting, bulk or ETags), as some apps' do.
    pub fn without_filtering() -> ScimServer {
        ScimServer::launch(Some(service_provider_config(false, true)))
    }

    /// A server whose ServiceProviderConfig says it has no PATCH, as some
    /// apps' do: clients replace users with PUT.
    pub fn without_patch() -> ScimServer {
        ScimServer::launch(Some(service_provider_config(true, false)))
    }

    fn launch(config: Option<String>) -> ScimServer {
        let dir = tempfile::tempdir().unwrap();
        let port = crate::free_port();
        let mut server = Command::new(command());
        if let Some(text) = config {
            let path = dir.path().join("service-provider-config.json");
            std::fs::write(&path, text).unwrap();
            server.arg("--service-provider-config").arg(path);
        }
        let mut child = server
            .args(["--hostname", "127.0.0.1", "--port", &port.to_string()])
            .args(["--bearer-token", TOKEN])
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .unwrap();
        let started = Instant::now();
        while status_of(port, "/v2/ServiceProviderConfig") != Some(200) {
            if let Some(status) = child.try_wait().unwrap() {
                panic!("scim2-server exited ({status})");
            }
            assert!(
                started.elapsed() < Duration::from_secs(30),
                "scim2-server did not start"
            );
            std::thread::sleep(Duration::from_millis(50));
        }
        ScimServer {
            child,
            port,
            _dir: dir,
        }
    }

    /// `http://127.0.0.1:port/v2`, the base URL an admin enters.
    pub fn base_url(&self) -> String {
        format!("http://127.0.0.1:{}/v2", self.port)
    }
}

impl ScimServer {
    /// A request to the server as another client of the app would send it
    /// (with the token): the status and the JSON answered (null if none).
    pub fn send(
        &self,
        method: &str,
        path: &str,
        body: &serde_json::Value,
    ) -> (u16, serde_json::Value) {
        let body = match body {
            serde_json::Value::Null => String::new(),
            body => body.to_string(),
        };
        let mut stream = TcpStream::connect(("127.0.0.1", self.port)).unwrap();
        write!(
            stream,
            "{method} /v2{path} HTTP/1.0\r\nHost: 127.0.0.1\r\nAuthorization: Bearer {TOKEN}\r\n\
             Content-Type: application/scim+json\r\nContent-Length: {}\r\n\r\n{body}",
            body.len()
        )
        .unwrap();
        let mut answer = String::new();
        stream.read_to_string(&mut answer).unwrap();
        let status = answer[9..12].parse().unwrap();
        let json = answer
            .split_once("\r\n\r\n")
            .and_then(|(_, body)| serde_json::from_str(body).ok())
            .unwrap_or(serde_json::Value::Null);
        (status, json)
    }

    /// Creates a user in the app, its email its userName; returns its id.
    pub fn create_user(&self, user_name: &str, given: &str, family: &str) -> String {
        let (status, user) = self.send(
            "POST",
            "/Users",
            &serde_json::json!({
                "schemas": ["urn:ietf:params:scim:schemas:core:2.0:User"],
                "userName": user_name,
                "name": {"givenName": given, "familyName": family},
                "emails": [{"value": user_name, "primary": true}],
            }),
        );
        assert_eq!(status, 201, "{user}");
        user["id"].as_str().unwrap().to_owned()
    }
}

impl Drop for ScimServer {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// The status of a GET of `path`, or None while nothing answers.
fn status_of(port: u16, path: &str) -> Option<u16> {
    let mut stream = TcpStream::connect(("127.0.0.1", port)).ok()?;
    stream.set_read_timeout(Some(Duration::from_secs(5))).ok()?;
    write!(stream, "GET {path} HTTP/1.0\r\nHost: 127.0.0.1\r\n\r\n").ok()?;
    let mut head = [0u8; 12];
    stream.read_exact(&mut head).ok()?;
    // "HTTP/1.0 200"
    std::str::from_utf8(&head[9..12]).ok()?.parse().ok()
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The server answers its configuration to anyone and its users only
    /// with the token; each server starts empty.
    #[test]
    fn a_started_server_is_empty_and_asks_for_its_token() {
        let server = ScimServer::start();
        assert_eq!(status_of(server.port, "/v2/Users"), Some(401));
        let mut stream = TcpStream::connect(("127.0.0.1", server.port)).unwrap();
        write!(
            stream,
            "GET /v2/Users HTTP/1.0\r\nHost: 127.0.0.1\r\nAuthorization: Bearer {TOKEN}\r\n\r\n"
        )
        .unwrap();
        let mut answer = String::new();
        stream.read_to_string(&mut answer).unwrap();
        assert!(answer.starts_with("HTTP/1.0 200"), "{answer}");
        assert!(answer.contains(r#""totalResults": 0"#), "{answer}");
    }
}
