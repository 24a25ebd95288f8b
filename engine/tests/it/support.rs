//! Helpers shared by the integration tests: a fresh engine on a temporary
//! directory, driven the way the console drives it.

#![allow(dead_code)]

use engine::model::{
    Admin, App, AppKind, ImportRun, ImportType, MatchType, QueueRow, RowError, UploadPreview, User,
};
use engine::store::Selection;
use engine::syslog::EventQuery;
use engine::{Engine, EngineConfig};
use serde_json::Value;
use std::path::{Path, PathBuf};
use std::sync::Arc;
use tempfile::TempDir;

pub const HEADER: &str = "login,firstName,lastName,email";
pub const PASSWORD: &str = "first-admin-password";
pub const DEFAULT_MAX_UPLOAD: u64 = 64 * 1024 * 1024;

/// An engine on its own temporary directory, with a signed-in admin.
pub struct Env {
    pub engine: Arc<Engine>,
    pub admin: Admin,
    pub dir: TempDir,
}

pub fn config(dir: &Path, max_upload_bytes: u64) -> EngineConfig {
    EngineConfig {
        max_upload_bytes,
        ..EngineConfig::new(dir.join("muster.db").to_string_lossy(), dir)
    }
}

/// Opens an engine on the files in `dir` and returns it with the first admin.
pub async fn open_on(dir: &Path, max_upload_bytes: u64) -> (Arc<Engine>, Admin) {
    let engine = Engine::open(config(dir, max_upload_bytes))
        .await
        .expect("engine opens");
    engine
        .ensure_first_admin(Some("admin"), Some(PASSWORD))
        .await
        .expect("first admin");
    let (admin, _hash) = engine
        .sign_in("admin", PASSWORD, None)
        .await
        .expect("the first admin signs in");
    (engine, admin)
}

/// An engine set up as `change` says, on its own temporary directory, with
/// the first admin (not signed in).
pub async fn engine_with(change: impl FnOnce(&mut EngineConfig)) -> (Arc<Engine>, TempDir) {
    let dir = tempfile::tempdir().expect("temp dir");
    let mut config = config(dir.path(), DEFAULT_MAX_UPLOAD);
    change(&mut config);
    let engine = Engine::open(config).await.expect("engine opens");
    engine
        .ensure_first_admin(Some("admin"), Some(PASSWORD))
        .await
        .expect("first admin");
    (engine, dir)
}

impl Env {
    /// An engine set up as `change` says, with a signed-in admin.
    pub async fn configured(change: impl FnOnce(&mut EngineConfig)) -> Env {
        let (engine, dir) = engine_with(change).await;
        let (admin, _) = engine
            .sign_in("admin", PASSWORD, None)
            .await
            .expect("the first admin signs in");
        Env { engine, admin, dir }
    }

    /// The same data opened by a new engine, as after a restart.
    pub async fn reopen(self) -> Env {
        let Env { engine, dir, .. } = self;
        drop(engine);
        let (engine, admin) = open_on(dir.path(), DEFAULT_MAX_UPLOAD).await;
        Env { engine, admin, dir }
    }

    pub async fn new() -> Env {
        Env::with_limit(DEFAULT_MAX_UPLOAD).await
    }

    pub async fn with_limit(max_upload_bytes: u64) -> Env {
        let dir = tempfile::tempdir().expect("temp dir");
        let (engine, admin) = open_on(dir.path(), max_upload_bytes).await;
        Env { engine, admin, dir }
    }

    pub fn uploads_dir(&self) -> PathBuf {
        self.dir.path().join("uploads")
    }

    pub async fn app(&self, name: &str) -> App {
        self.engine
            .write(&self.admin)
            .unwrap()
            .create_app(name, AppKind::CsvDirectory)
            .await
            .expect("create app")
    }

    /// A directory app connected to `slapd` (plain LDAP) as its service
    /// account, with `change` made to the preset's settings.
    pub async fn directory(
        &self,
        name: &str,
        kind: AppKind,
        slapd: &testkit::slapd::Slapd,
        change: impl FnOnce(&mut engine::sources::ldap::LdapSettings),
    ) -> App {
        use engine::sources::ldap::{LdapSettings, Preset, Security};
        let app = self
            .engine
            .write(&self.admin)
            .unwrap()
            .create_app(name, kind)
            .await
            .expect("create app");
        let preset = match kind {
            AppKind::ActiveDirectory => Preset::ActiveDirectory,
            _ => Preset::OpenLdap,
        };
        let mut settings = LdapSettings {
            host: "127.0.0.1".into(),
            port: slapd.port,
            security: Security::None,
            bind_dn: testkit::slapd::BIND_DN.into(),
            users_base: testkit::slapd::PEOPLE.into(),
            groups_base: testkit::slapd::GROUPS.into(),
            ..LdapSettings::preset(preset)
        };
        change(&mut settings);
        self.engine
            .write(&self.admin)
            .unwrap()
            .save_connection(
                &app.id,
                serde_json::to_value(settings).unwrap(),
                Some(testkit::slapd::BIND_PASSWORD),
            )
            .await
            .expect("save the connection");
        app
    }

    /// Import Now of a directory app, run to its end.
    pub async fn pull(&self, app: &App, import_type: ImportType) -> ImportRun {
        let run = self
            .engine
            .write(&self.admin)
            .unwrap()
            .start_import(&app.id, None, import_type)
            .await
            .expect("start");
        let done = self
            .engine
            .run_next_job()
            .await
            .expect("run")
            .expect("claimed");
        assert_eq!(done.id, run.id);
        done
    }

    /// Claims the next run and asks for a stop while it runs: it ends after
    /// its first batch. Returns the run as the stop left it.
    pub async fn run_until_stopped(&self) -> ImportRun {
        let claimed = self.engine.claim_next_run().await.unwrap().unwrap();
        let stopper = {
            let engine = self.engine.clone();
            tokio::spawn(async move { engine.stop(std::time::Duration::from_secs(30)).await })
        };
        self.engine.run_claimed(&claimed).await.unwrap();
        stopper.await.unwrap();
        self.engine
            .read(&self.admin)
            .get_run(&claimed.id)
            .await
            .unwrap()
    }

    /// Changes an app's To Muster settings as an admin would.
    pub async fn configure(
        &self,
        app: &App,
        change: impl FnOnce(&mut engine::settings::AppSettings),
    ) {
        self.try_configure(app, change).await.unwrap();
    }

    /// The same, answering what saving them answers.
    pub async fn try_configure(
        &self,
        app: &App,
        change: impl FnOnce(&mut engine::settings::AppSettings),
    ) -> engine::Result<engine::settings::AppSettings> {
        let mut settings = self.settings(app).await;
        change(&mut settings);
        self.engine
            .write(&self.admin)
            .unwrap()
            .save_app_settings(&app.id, settings)
            .await
    }

    /// An app's To Muster settings as saved.
    pub async fn settings(&self, app: &App) -> engine::settings::AppSettings {
        self.engine
            .read(&self.admin)
            .app_settings(&app.id)
            .await
            .unwrap()
    }

    pub async fn refresh(&self, app: &App) -> App {
        self.engine
            .read(&self.admin)
            .get_app(&app.id)
            .await
            .expect("get app")
    }

    pub async fn upload(&self, app: &App, bytes: &[u8]) -> UploadPreview {
        self.engine
            .write(&self.admin)
            .unwrap()
            .save_upload(&app.id, "x.csv", bytes)
            .await
            .expect("upload accepted")
    }

    /// Uploads and asks for an import, which waits to be run.
    pub async fn request_import(
        &self,
        app: &App,
        bytes: &[u8],
        import_type: ImportType,
    ) -> ImportRun {
        let preview = self.upload(app, bytes).await;
        assert!(
            preview.problems.is_empty(),
            "preview problems: {:?}",
            preview.problems
        );
        self.engine
            .write(&self.admin)
            .unwrap()
            .start_import(&app.id, Some(&preview.id), import_type)
            .await
            .expect("start")
    }

    /// Uploads, asks for an import and runs it to its end.
    pub async fn import(&self, app: &App, bytes: &[u8], import_type: ImportType) -> ImportRun {
        let run = self.request_import(app, bytes, import_type).await;
        let done = self
            .engine
            .run_next_job()
            .await
            .expect("run")
            .expect("a run was claimed");
        assert_eq!(
            done.id, run.id,
            "the run just asked for is the one that ran"
        );
        done
    }

    pub async fn queue(&self, app: &App) -> Vec<QueueRow> {
        let mut all = Vec::new();
        loop {
            let page = self
                .engine
                .read(&self.admin)
                .list_queue(&app.id, None, all.len() as i64, 500)
                .await
                .expect("queue");
            let n = page.items.len();
            all.extend(page.items);
            if n == 0 || all.len() as i64 >= page.total {
                return all;
            }
        }
    }

    pub async fn queue_of(&self, app: &App, match_type: MatchType) -> Vec<QueueRow> {
        self.engine
            .read(&self.admin)
            .list_queue(&app.id, Some(match_type), 0, 500)
            .await
            .expect("queue")
            .items
    }

    pub async fn confirm_all(&self, app: &App, activate: bool) -> engine::model::ConfirmOutcome {
        self.engine
            .write(&self.admin)
            .unwrap()
            .confirm_assignments(&app.id, Selection::All, activate)
            .await
            .expect("confirm")
    }

    pub async fn users(&self) -> Vec<User> {
        let mut all = Vec::new();
        loop {
            let page = self
                .engine
                .read(&self.admin)
                .list_users("", all.len() as i64, 200)
                .await
                .expect("users");
            let n = page.items.len();
            all.extend(page.items);
            if n == 0 || all.len() as i64 >= page.total {
                return all;
            }
        }
    }

    pub async fn user_count(&self) -> i64 {
        self.engine
            .read(&self.admin)
            .list_users("", 0, 1)
            .await
            .expect("users")
            .total
    }

    pub async fn user_by_login(&self, login: &str) -> User {
        let found: Vec<User> = self
            .users()
            .await
            .into_iter()
            .filter(|u| u.login.eq_ignore_ascii_case(login))
            .collect();
        assert_eq!(
            found.len(),
            1,
            "exactly one user with login {login}: {found:?}"
        );
        found.into_iter().next().expect("one user")
    }

    pub async fn row_errors(&self, run: &ImportRun) -> Vec<RowError> {
        self.engine
            .read(&self.admin)
            .row_errors(&run.id, 0, 1000)
            .await
            .expect("row errors")
            .items
    }

    /// Every event matching the filter, oldest first.
    pub async fn events(&self, filter: &str) -> Vec<Value> {
        let query = EventQuery {
            limit: 1000,
            ..Default::default()
        };
        self.engine
            .read(&self.admin)
            .query_events(query, filter, "")
            .await
            .expect("query events")
            .events
    }

    /// How many events match the filter, paging through all of them.
    pub async fn count_events(&self, filter: &str) -> usize {
        let mut count = 0;
        let mut after = None;
        loop {
            let query = EventQuery {
                limit: 1000,
                after,
                ..Default::default()
            };
            let page = self
                .engine
                .read(&self.admin)
                .query_events(query, filter, "")
                .await
                .expect("query events");
            count += page.events.len();
            match page.next {
                Some(next) => after = Some(next),
                None => return count,
            }
        }
    }

    pub async fn events_of_type(&self, event_type: &str) -> Vec<Value> {
        self.events(&format!("eventType eq \"{event_type}\"")).await
    }

    pub fn upload_files(&self) -> Vec<PathBuf> {
        std::fs::read_dir(self.uploads_dir())
            .expect("uploads dir")
            .map(|e| e.expect("dir entry").path())
            .collect()
    }
}

/// A CSV of users `prefix{i}@example.com` for i in `range`, with the standard header.
/// An app whose `n` users were imported, confirmed and activated.
pub async fn sourced_app(env: &Env, name: &str, n: usize) -> engine::model::App {
    sourced_app_of(env, name, "u", n).await
}

/// The same, with logins `{prefix}{i}@example.com`.
pub async fn sourced_app_of(env: &Env, name: &str, prefix: &str, n: usize) -> engine::model::App {
    let app = env.app(name).await;
    env.import(&app, users_csv(prefix, 0..n).as_bytes(), ImportType::Full)
        .await;
    let outcome = env.confirm_all(&app, true).await;
    assert_eq!(outcome.created as usize, n);
    app
}

/// An app of 150 confirmed users whose last import dropped 50 of them and
/// stopped at the app-level safeguard; returns the paused run's id.
pub async fn paused(env: &Env) -> (engine::model::App, String) {
    let app = sourced_app(env, "HR", 150).await;
    let run = env
        .import(&app, users_csv("u", 0..100).as_bytes(), ImportType::Full)
        .await;
    assert_eq!(run.status, engine::model::RunStatus::Paused);
    (app, run.id)
}

/// Runs SQL on the database of a stopped engine, to set up what an older
/// version or a stop at the wrong moment would have left.
pub async fn sql_on_stopped(dir: &Path, sql: &str) {
    let db = dir.join("muster.db");
    let pool = sqlx::SqlitePool::connect(&format!("sqlite://{}", db.display()))
        .await
        .expect("open the database");
    sqlx::query(sql).execute(&pool).await.expect("run the SQL");
    pool.close().await;
}

pub fn users_csv(prefix: &str, range: std::ops::Range<usize>) -> String {
    let mut s = format!("{HEADER}\n");
    for i in range {
        s.push_str(&format!(
            "{prefix}{i}@example.com,First{i},Last{i},{prefix}{i}@example.com\n"
        ));
    }
    s
}

/// The string at a JSON pointer, or "" when absent.
pub fn at<'a>(v: &'a Value, pointer: &str) -> &'a str {
    v.pointer(pointer).and_then(Value::as_str).unwrap_or("")
}

/// The ids of the targets of an event of the given type.
pub fn target_ids(event: &Value, kind: &str) -> Vec<String> {
    event["target"]
        .as_array()
        .map(|ts| {
            ts.iter()
                .filter(|t| t["type"] == kind)
                .filter_map(|t| t["id"].as_str().map(str::to_owned))
                .collect()
        })
        .unwrap_or_default()
}
