use axum::body::Body;
use axum::http::{Request, Response};
use axum::Router;
use engine::{Engine, EngineConfig};
use http_body_util::BodyExt;
use std::sync::Arc;
use tower::ServiceExt;

pub const PASSWORD: &str = "test-password-1";

pub struct TestServer {
    pub router: Router,
    pub engine: Arc<Engine>,
    _dir: tempfile::TempDir,
}

pub async fn spawn() -> TestServer {
    spawn_with(server::HttpSettings::default()).await
}

pub async fn spawn_with(http: server::HttpSettings) -> TestServer {
    let dir = tempfile::tempdir().unwrap();
    let engine = Engine::open(EngineConfig {
        max_upload_bytes: 1024,
        ..EngineConfig::new(dir.path().join("muster.db").to_string_lossy(), dir.path())
    })
    .await
    .unwrap();
    engine
        .ensure_first_admin(Some("admin"), Some(PASSWORD))
        .await
        .unwrap();
    let options = server::leptos_options("127.0.0.1:0".parse().unwrap());
    let router = server::router(engine.clone(), options, http);
    TestServer {
        router,
        engine,
        _dir: dir,
    }
}

impl TestServer {
    /// The server's data directory.
    pub fn dir(&self) -> &std::path::Path {
        self._dir.path()
    }

    pub async fn send(&self, req: Request<Body>) -> Response<Body> {
        self.router.clone().oneshot(req).await.unwrap()
    }

    /// The names of the apps there are, as the first admin sees them.
    pub async fn app_names(&self) -> Vec<String> {
        let (admin, _) = self.engine.sign_in("admin", PASSWORD, None).await.unwrap();
        let apps = self.engine.read(&admin).list_apps("").await.unwrap();
        apps.into_iter().map(|a| a.name).collect()
    }
}

pub async fn body_text(res: Response<Body>) -> String {
    String::from_utf8_lossy(&res.into_body().collect().await.unwrap().to_bytes()).into_owned()
}

/// The path of a server function by its name.
pub fn server_fn_path(name: &str) -> String {
    leptos::server_fn::axum::server_fn_paths()
        .map(|(p, _)| p.to_owned())
        .find(|p| p.trim_start_matches("/api/").starts_with(name))
        .unwrap_or_else(|| panic!("no server function {name}"))
}

/// Signs in through the sign_in server function; returns the cookie.
pub async fn sign_in(server: &TestServer, forwarded_https: bool) -> (String, Response<Body>) {
    let mut req = Request::post(server_fn_path("sign_in"))
        .header("content-type", "application/x-www-form-urlencoded")
        .header("accept", "application/json");
    if forwarded_https {
        req = req.header("x-forwarded-proto", "https");
    }
    let res = server
        .send(
            req.body(Body::from(format!("username=admin&password={PASSWORD}")))
                .unwrap(),
        )
        .await;
    let cookie = res
        .headers()
        .get_all("set-cookie")
        .iter()
        .filter_map(|v| v.to_str().ok())
        .find(|v| v.starts_with("muster_session="))
        .unwrap_or_default()
        .to_owned();
    (cookie, res)
}

/// Signs in through the form and creates an app as that admin; returns the
/// session's `name=value` cookie and the app.
pub async fn signed_in_with_app(server: &TestServer, name: &str) -> (String, engine::model::App) {
    let (cookie, _) = sign_in(server, false).await;
    let token = cookie.split(';').next().unwrap_or_default().to_owned();
    let admin = server
        .engine
        .session_admin(token.trim_start_matches("muster_session="))
        .await
        .unwrap()
        .unwrap();
    let app = server
        .engine
        .write(&admin)
        .unwrap()
        .create_app(name, engine::model::AppKind::CsvDirectory)
        .await
        .unwrap();
    (token, app)
}
