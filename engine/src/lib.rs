//! Muster's import engine: storage, sources, matching, the import queue and
//! the System Log. No web framework: the console and the REST API are
//! adapters over [`Engine`], entered through its [`access`] handles.

pub mod access;
pub mod auth;
pub mod error;
pub mod ids;
pub mod mapping;
pub mod model;
pub mod pipeline;
pub mod queue;
pub mod settings;
pub mod sources;
pub mod store;
pub mod syslog;

pub use access::{ReadHandle, WriteHandle};
pub use error::{Error, Result};

use model::{Admin, AdminRole, AppStatus, ImportRun, ImportTrigger, ImportType, RunStatus};
use sources::{RunInput, SourceKind};
use std::path::PathBuf;
use std::sync::Arc;
use std::time::Duration;
use store::Store;
use syslog::{Actor, Client, EventType, NewEvent, Target};
use tokio::sync::Notify;

/// How the engine is set up.
#[derive(Debug, Clone)]
pub struct EngineConfig {
    /// `sqlite://…` URL or a file path.
    pub database_url: String,
    /// Where uploads are kept (defaults to beside the database).
    pub data_dir: PathBuf,
    /// Largest CSV upload accepted, in bytes.
    pub max_upload_bytes: u64,
}

/// How long an admin session lasts.
/// How long a console session lasts.
pub const SESSION_HOURS: i64 = 12;
/// How often the worker looks for scheduled imports that are due.
const SCHEDULE_CHECK: Duration = Duration::from_secs(30);

/// The engine: one per process, shared by the console, the API and the
/// scheduler.
#[derive(Debug)]
pub struct Engine {
    store: Store,
    config: EngineConfig,
    wake: Notify,
}

impl Engine {
    /// Opens the database, applies migrations, marks imports that a stopped
    /// process left running as failed and finishes resumes it left half-way.
    pub async fn open(config: EngineConfig) -> Result<Arc<Engine>> {
        let store = Store::open(&config.database_url).await?;
        tokio::fs::create_dir_all(config.data_dir.join("uploads")).await?;
        let engine = Arc::new(Engine {
            store,
            config,
            wake: Notify::new(),
        });
        engine.recover_interrupted_runs().await?;
        Ok(engine)
    }

    /// Largest upload accepted, in bytes.
    pub fn max_upload_bytes(&self) -> u64 {
        self.config.max_upload_bytes
    }

    async fn recover_interrupted_runs(&self) -> Result<()> {
        let failed = self.store.fail_interrupted_runs(ids::now()).await?;
        let events: Vec<NewEvent> = failed
            .iter()
            .map(|run| {
                NewEvent::new(EventType::ImportComplete, "Import interrupted by a restart", Actor::system())
                    .target(Target::import_run(&run.id))
                    .transaction(&run.id)
                    .debug(serde_json::json!({"jobId": run.id, "importType": run.import_type.as_str(), "importTrigger": run.trigger.as_str()}))
                    .failure("Muster stopped while this import was running")
            })
            .collect();
        if !events.is_empty() {
            self.store.log(&events).await?;
        }
        for run in self.store.runs_with_status(RunStatus::Resuming).await? {
            let app = self.store.get_app(&run.app_id).await?;
            let actor = self.run_actor(&run).await;
            let removals = self.store.pending_removals(&run.id).await?;
            let message = "Resumed; the removals a restart interrupted were finished when Muster started again";
            pipeline::remove::finish_resume(
                &self.store,
                &pipeline::Logger::new(&app, &run, &actor),
                &removals,
                message,
            )
            .await?;
        }
        Ok(())
    }

    // ---- admins and sessions ----

    /// Creates the first admin when there is none. Returns the password when
    /// it was generated, so it can be shown once.
    pub async fn ensure_first_admin(
        &self,
        username: Option<&str>,
        password: Option<&str>,
    ) -> Result<Option<(String, String)>> {
        if self.store.count_admins().await? > 0 {
            return Ok(None);
        }
        let username = username
            .filter(|u| !u.trim().is_empty())
            .unwrap_or("admin")
            .trim()
            .to_owned();
        let (password, generated) = match password.filter(|p| !p.is_empty()) {
            Some(p) => (p.to_owned(), false),
            None => (auth::generate_password(), true),
        };
        self.store
            .insert_admin(
                &ids::admin_id(),
                &username,
                &auth::hash_password(&password)?,
                AdminRole::SuperAdmin,
                ids::now(),
            )
            .await?;
        Ok(generated.then_some((username, password)))
    }

    /// Checks a username and password; on success opens a session and
    /// returns its token. Both outcomes are logged.
    pub async fn sign_in(
        &self,
        username: &str,
        password: &str,
        client: Option<Client>,
    ) -> Result<(Admin, String)> {
        let found = self.store.find_admin(username.trim()).await?;
        let admin = match found {
            Some((admin, hash)) if auth::verify_password(password, &hash) => admin,
            _ => {
                // Verify against a dummy hash so timing does not tell which usernames exist.
                let _ = auth::verify_password(password, DUMMY_HASH);
                let actor = Actor {
                    id: "unknown".into(),
                    kind: "User".into(),
                    alternate_id: username.into(),
                    display_name: username.into(),
                };
                self.store
                    .log(&[
                        NewEvent::new(EventType::SessionStart, "User login to Muster", actor)
                            .client(client)
                            .failure("INVALID_CREDENTIALS"),
                    ])
                    .await?;
                return Err(Error::Unauthenticated);
            }
        };
        let token = ids::secret_token();
        let now = ids::now();
        let expires = now + chrono::Duration::hours(SESSION_HOURS);
        self.store
            .insert_session(&auth::token_hash(&token), &admin.id, now, expires)
            .await?;
        self.store
            .log(&[NewEvent::new(
                EventType::SessionStart,
                "User login to Muster",
                Actor::admin(&admin),
            )
            .client(client)])
            .await?;
        Ok((admin, token))
    }

    /// The admin whose session this token is, if it is valid.
    pub async fn session_admin(&self, token: &str) -> Result<Option<Admin>> {
        self.store
            .session_admin(&auth::token_hash(token), ids::now())
            .await
    }

    pub async fn sign_out(&self, token: &str, client: Option<Client>) -> Result<()> {
        if let Some(admin) = self.session_admin(token).await? {
            self.store.delete_session(&auth::token_hash(token)).await?;
            self.store
                .log(&[NewEvent::new(
                    EventType::SessionEnd,
                    "User logout from Muster",
                    Actor::admin(&admin),
                )
                .client(client)])
                .await?;
        }
        Ok(())
    }

    // ---- the import worker ----

    /// A new queued run of an app, with the input its source kind reads.
    pub(crate) async fn new_run(
        &self,
        app_id: &str,
        upload_id: Option<&str>,
        import_type: ImportType,
        trigger: ImportTrigger,
        preview: bool,
    ) -> Result<ImportRun> {
        let app = self.store.get_app(app_id).await?;
        if app.status == AppStatus::Inactive {
            return Err(Error::InvalidInput(format!(
                "{} is deactivated: activate it on its General tab to import",
                app.name
            )));
        }
        let (upload_id, total) = match (SourceKind::of(app.kind).input, upload_id) {
            (RunInput::Upload, None) => {
                return Err(Error::InvalidInput("Choose a file to import first".into()));
            }
            (RunInput::Upload, Some(u)) => {
                let (_, rows) = self.store.get_upload(app_id, u).await?;
                (Some(u.to_owned()), Some(rows))
            }
            (RunInput::Pull | RunInput::Pushed, _) => (None, None),
        };
        Ok(ImportRun {
            id: ids::run_id(),
            app_id: app.id,
            import_type,
            trigger,
            status: RunStatus::Queued,
            upload_id,
            created: ids::now(),
            started: None,
            finished: None,
            total,
            counts: Default::default(),
            message: None,
            preview,
            plan: None,
            rate: None,
        })
    }

    /// Queues the scheduled imports that are due at `now`: an app's schedule
    /// counts from the end of its previous import, and an app with an import
    /// running, waiting or paused gets no other. A full import due at the
    /// same time as an incremental one is the one queued.
    pub async fn enqueue_due_imports(
        &self,
        now: chrono::DateTime<chrono::Utc>,
    ) -> Result<Vec<ImportRun>> {
        let mut queued = Vec::new();
        for app in self.store.scheduled_apps().await? {
            let since = app
                .last_end
                .and_then(|t| chrono::DateTime::parse_from_rfc3339(&t).ok())
                .map(|t| (now - t.with_timezone(&chrono::Utc)).num_seconds());
            let due = |s: &settings::Schedule| {
                s.period_seconds()
                    .is_some_and(|p| since.is_none_or(|since| since >= p))
            };
            let import_type = if due(&app.settings.full_schedule) {
                ImportType::Full
            } else if due(&app.settings.incremental_schedule) {
                ImportType::Incremental
            } else {
                continue;
            };
            let run = self
                .new_run(
                    &app.app_id,
                    Some(&app.upload_id),
                    import_type,
                    ImportTrigger::Scheduled,
                    false,
                )
                .await?;
            self.store.insert_run(&run, None).await?;
            queued.push(run);
        }
        if !queued.is_empty() {
            self.wake.notify_one();
        }
        Ok(queued)
    }

    /// Claims the oldest queued import whose app is free, marking it
    /// running: the worker's first step. `None` when nothing can start now.
    pub async fn claim_next_run(&self) -> Result<Option<ImportRun>> {
        self.store.claim_next_run(ids::now()).await
    }

    /// Claims the next queued import whose app is free and runs it to its
    /// end. `None` when nothing can start now.
    pub async fn run_next_job(&self) -> Result<Option<ImportRun>> {
        let Some(run) = self.claim_next_run().await? else {
            return Ok(None);
        };
        self.execute_run(&run).await?;
        Ok(Some(self.store.get_run(&run.id).await?))
    }

    async fn execute_run(&self, run: &ImportRun) -> Result<()> {
        let app = self.store.get_app(&run.app_id).await?;
        let actor = self.run_actor(run).await;
        if let Err(e) = pipeline::run_import(&self.store, &app, run, &actor).await {
            tracing::warn!(run = %run.id, error = %e, "import failed");
            pipeline::fail_run(&self.store, &app, run, &actor, &e.to_string()).await?;
        }
        Ok(())
    }

    async fn run_actor(&self, run: &ImportRun) -> Actor {
        match self.store.run_requester(&run.id).await {
            Ok(Some(admin)) => Actor::admin(&admin),
            _ => Actor::system(),
        }
    }

    /// Runs queued imports in the background for as long as the process
    /// lives: each claimed run on its own task, one at a time per app; and
    /// queues scheduled imports when they are due.
    pub fn spawn_worker(self: &Arc<Self>) -> tokio::task::JoinHandle<()> {
        let engine = Arc::clone(self);
        tokio::spawn(async move {
            let mut next_schedule_check = tokio::time::Instant::now();
            loop {
                if tokio::time::Instant::now() >= next_schedule_check {
                    if let Err(e) = engine.enqueue_due_imports(chrono::Utc::now()).await {
                        tracing::error!(error = %e, "cannot start scheduled imports");
                    }
                    next_schedule_check = tokio::time::Instant::now() + SCHEDULE_CHECK;
                }
                loop {
                    match engine.claim_next_run().await {
                        Ok(Some(run)) => {
                            let engine = Arc::clone(&engine);
                            tokio::spawn(async move {
                                if let Err(e) = engine.execute_run(&run).await {
                                    tracing::error!(run = %run.id, error = %e, "import could not be recorded");
                                }
                                engine.wake.notify_one();
                            });
                        }
                        Ok(None) => break,
                        Err(e) => {
                            tracing::error!(error = %e, "cannot claim an import");
                            break;
                        }
                    }
                }
                let _ = tokio::time::timeout(Duration::from_secs(2), engine.wake.notified()).await;
            }
        })
    }
}

/// A valid argon2 hash of a random password, for constant-time refusals.
const DUMMY_HASH: &str = "$argon2id$v=19$m=19456,t=2,p=1$c29tZXNhbHRzb21lc2FsdA$4qhd0Nqo2wq2V8b5x4yOqB3v0Cz3b0oBBZsvy5TBmG0";
