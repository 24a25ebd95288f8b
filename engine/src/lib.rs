//! Muster's import engine: storage, sources, matching, the import queue and
//! the System Log. No web framework: the console and the REST API are
//! adapters over [`Engine`].

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

pub use error::{Error, Result};

use model::{
    Admin, App, AppKind, ConfirmOutcome, ImportRun, ImportType, MatchType, Page, QueueRow,
    RowError, RunStatus, UploadPreview, User,
};
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::Duration;
use store::{Selection, Store};
use syslog::{Actor, Client, EventPage, EventQuery, NewEvent, Target};
use tokio::io::{AsyncRead, AsyncReadExt, AsyncWriteExt};
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
const SESSION_HOURS: i64 = 12;
/// How often the worker looks for scheduled imports that are due.
const SCHEDULE_CHECK: Duration = Duration::from_secs(30);
/// Rows shown in an upload's preview.
const PREVIEW_ROWS: usize = 5;

/// The engine: one per process, shared by the console, the API and the
/// scheduler.
#[derive(Debug)]
pub struct Engine {
    store: Store,
    config: EngineConfig,
    wake: Notify,
}

impl Engine {
    /// Opens the database, applies migrations and marks imports that a
    /// stopped process left running as failed.
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

    pub fn store(&self) -> &Store {
        &self.store
    }

    async fn recover_interrupted_runs(&self) -> Result<()> {
        let failed = self.store.fail_interrupted_runs(&ids::now()).await?;
        let events: Vec<NewEvent> = failed
            .iter()
            .map(|run| {
                NewEvent::new("system.import.complete", "Import interrupted by a restart", Actor::system())
                    .target(Target::import_run(&run.id))
                    .transaction(&run.id)
                    .debug(serde_json::json!({"jobId": run.id, "importType": run.import_type.as_str(), "importTrigger": run.trigger}))
                    .failure("Muster stopped while this import was running")
            })
            .collect();
        if !events.is_empty() {
            self.store.log(&events).await?;
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
                "SUPER_ADMIN",
                &ids::now(),
            )
            .await?;
        Ok(generated.then_some((username, password)))
    }

    /// Adds an admin; `read_only` admins can look but not change.
    pub async fn create_admin(
        &self,
        username: &str,
        password: &str,
        read_only: bool,
    ) -> Result<()> {
        if username.trim().is_empty() || password.len() < 8 {
            return Err(Error::InvalidInput(
                "An admin needs a username and a password of at least 8 characters".into(),
            ));
        }
        let role = if read_only {
            "READ_ONLY_ADMIN"
        } else {
            "SUPER_ADMIN"
        };
        self.store
            .insert_admin(
                &ids::admin_id(),
                username.trim(),
                &auth::hash_password(password)?,
                role,
                &ids::now(),
            )
            .await
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
                        NewEvent::new("user.session.start", "User login to Muster", actor)
                            .client(client)
                            .failure("INVALID_CREDENTIALS"),
                    ])
                    .await?;
                return Err(Error::Unauthenticated);
            }
        };
        let token = ids::secret_token();
        let now = chrono::Utc::now();
        let expires = (now + chrono::Duration::hours(SESSION_HOURS))
            .to_rfc3339_opts(chrono::SecondsFormat::Millis, true);
        self.store
            .insert_session(&auth::token_hash(&token), &admin.id, &ids::now(), &expires)
            .await?;
        self.store
            .log(&[NewEvent::new(
                "user.session.start",
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
            .session_admin(&auth::token_hash(token), &ids::now())
            .await
    }

    pub async fn sign_out(&self, token: &str, client: Option<Client>) -> Result<()> {
        if let Some(admin) = self.session_admin(token).await? {
            self.store.delete_session(&auth::token_hash(token)).await?;
            self.store
                .log(&[NewEvent::new(
                    "user.session.end",
                    "User logout from Muster",
                    Actor::admin(&admin),
                )
                .client(client)])
                .await?;
        }
        Ok(())
    }

    // ---- apps ----

    pub async fn list_apps(&self, search: &str) -> Result<Vec<App>> {
        self.store.list_apps(search).await
    }

    pub async fn get_app(&self, id: &str) -> Result<App> {
        self.store.get_app(id).await
    }

    pub async fn create_app(&self, admin: &Admin, name: &str, kind: AppKind) -> Result<App> {
        require_write(admin)?;
        let name = name.trim();
        if name.is_empty() || name.chars().count() > 100 {
            return Err(Error::InvalidInput(
                "An app needs a name of 1 to 100 characters".into(),
            ));
        }
        let id = ids::app_id();
        self.store.insert_app(&id, name, kind, &ids::now()).await?;
        self.store
            .log(&[NewEvent::new(
                "application.lifecycle.create",
                format!("Add {} app", kind.label()),
                Actor::admin(admin),
            )
            .target(Target::app(&id, name))])
            .await?;
        self.store.get_app(&id).await
    }

    // ---- uploads ----

    /// Streams an upload to the data directory, refusing it past the size
    /// limit, then reads it once for the preview.
    pub async fn save_upload<R: AsyncRead + Unpin>(
        &self,
        admin: &Admin,
        app_id: &str,
        file_name: &str,
        mut body: R,
    ) -> Result<UploadPreview> {
        require_write(admin)?;
        let app = self.store.get_app(app_id).await?;
        if app.kind != AppKind::CsvDirectory {
            return Err(Error::InvalidInput(format!(
                "{} does not import CSV files",
                app.name
            )));
        }
        let id = ids::upload_id();
        let path = self
            .config
            .data_dir
            .join("uploads")
            .join(format!("{id}.csv"));
        let written = write_limited(&mut body, &path, self.config.max_upload_bytes).await;
        let size = match written {
            Ok(size) => size,
            Err(e) => {
                let _ = tokio::fs::remove_file(&path).await;
                return Err(e);
            }
        };
        let summary_path = path.clone();
        let summary = tokio::task::spawn_blocking(move || {
            sources::csv::summarize(&summary_path, PREVIEW_ROWS)
        })
        .await
        .map_err(|e| Error::Internal(e.to_string()))??;
        let custom_attributes = summary
            .columns
            .iter()
            .filter(|c| !c.is_empty() && !sources::csv::STANDARD_COLUMNS.contains(&c.as_str()))
            .cloned()
            .collect();
        let preview = UploadPreview {
            id,
            file_name: file_name.chars().take(255).collect(),
            size,
            columns: summary.columns,
            rows: summary.first_rows,
            row_count: summary.row_count,
            problems: summary.problems,
            custom_attributes,
        };
        self.store
            .insert_upload(app_id, &preview, &path.to_string_lossy(), &ids::now())
            .await?;
        Ok(preview)
    }

    // ---- imports ----

    /// Asks for an import. It is stored as queued and starts when the app's
    /// import slot is free (at once when no other import of the app runs).
    pub async fn start_import(
        &self,
        admin: &Admin,
        app_id: &str,
        upload_id: Option<&str>,
        import_type: ImportType,
    ) -> Result<ImportRun> {
        self.request_import(admin, app_id, upload_id, import_type, false)
            .await
    }

    /// Asks for a preview: the import runs but writes only its plan.
    pub async fn preview_import(
        &self,
        admin: &Admin,
        app_id: &str,
        upload_id: Option<&str>,
        import_type: ImportType,
    ) -> Result<ImportRun> {
        self.request_import(admin, app_id, upload_id, import_type, true)
            .await
    }

    /// Runs a finished preview for real: the same file and import type.
    pub async fn apply_preview(&self, admin: &Admin, run_id: &str) -> Result<ImportRun> {
        let preview = self.store.get_run(run_id).await?;
        if !preview.preview || preview.status != RunStatus::Completed {
            return Err(Error::InvalidInput(
                "Only a completed preview can be applied".into(),
            ));
        }
        self.request_import(
            admin,
            &preview.app_id,
            preview.upload_id.as_deref(),
            preview.import_type,
            false,
        )
        .await
    }

    async fn request_import(
        &self,
        admin: &Admin,
        app_id: &str,
        upload_id: Option<&str>,
        import_type: ImportType,
        preview: bool,
    ) -> Result<ImportRun> {
        require_write(admin)?;
        let run = self
            .new_run(
                app_id,
                upload_id,
                import_type,
                model::ImportTrigger::Manual,
                preview,
            )
            .await?;
        self.store.insert_run(&run, Some(&admin.id)).await?;
        self.wake.notify_one();
        Ok(run)
    }

    async fn new_run(
        &self,
        app_id: &str,
        upload_id: Option<&str>,
        import_type: ImportType,
        trigger: model::ImportTrigger,
        preview: bool,
    ) -> Result<ImportRun> {
        let app = self.store.get_app(app_id).await?;
        let (upload_id, total) = match (app.kind, upload_id) {
            (AppKind::CsvDirectory, None) => {
                return Err(Error::InvalidInput(
                    "Choose a CSV file to import first".into(),
                ));
            }
            (AppKind::CsvDirectory, Some(u)) => {
                let (_, rows) = self.store.get_upload(app_id, u).await?;
                (Some(u.to_owned()), Some(rows))
            }
        };
        let run = ImportRun {
            id: ids::run_id(),
            app_id: app.id.clone(),
            import_type,
            trigger: trigger.as_str().into(),
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
        };
        Ok(run)
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
                    model::ImportTrigger::Scheduled,
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

    /// Claims the next queued import whose app is free and runs it to its
    /// end. `None` when nothing can start now.
    pub async fn run_next_job(&self) -> Result<Option<ImportRun>> {
        let Some(run) = self.store.claim_next_run(&ids::now()).await? else {
            return Ok(None);
        };
        self.execute_run(&run).await?;
        Ok(Some(self.store.get_run(&run.id).await?))
    }

    async fn execute_run(&self, run: &ImportRun) -> Result<()> {
        let app = self.store.get_app(&run.app_id).await?;
        let actor = self.run_actor(run).await;
        let result = match (&run.upload_id, app.kind) {
            (Some(upload), AppKind::CsvDirectory) => {
                let opened =
                    self.store
                        .get_upload(&app.id, upload)
                        .await
                        .and_then(|(path, total)| {
                            sources::csv::CsvSource::open(Path::new(&path), total)
                        });
                match opened {
                    Ok(source) => pipeline::run_import(&self.store, &app, run, &actor, source)
                        .await
                        .map(|_| ()),
                    Err(e) => Err(e),
                }
            }
            (None, AppKind::CsvDirectory) => {
                Err(Error::InvalidInput("The import has no CSV file".into()))
            }
        };
        if let Err(e) = result {
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
                    match engine.store.claim_next_run(&ids::now()).await {
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

    /// The app's imports, newest first (queued and running ones included).
    pub async fn list_runs(&self, app_id: &str, limit: i64) -> Result<Vec<ImportRun>> {
        self.store.list_runs(app_id, limit).await
    }

    pub async fn get_run(&self, run_id: &str) -> Result<ImportRun> {
        self.store.get_run(run_id).await
    }

    pub async fn row_errors(
        &self,
        run_id: &str,
        offset: i64,
        limit: i64,
    ) -> Result<Page<RowError>> {
        self.store.list_row_errors(run_id, offset, limit).await
    }

    /// The run's row errors as a CSV report: line, field, value, error.
    pub async fn row_errors_csv(&self, run_id: &str) -> Result<String> {
        self.store.get_run(run_id).await?;
        let mut out = String::from("line,field,value,error\r\n");
        let mut offset = 0;
        loop {
            let page = self.store.list_row_errors(run_id, offset, 5000).await?;
            for e in &page.items {
                let line = e.line.map(|l| l.to_string()).unwrap_or_default();
                out.push_str(&format!(
                    "{},{},{},{}\r\n",
                    line,
                    csv_field(e.field.as_deref().unwrap_or("")),
                    csv_field(e.value.as_deref().unwrap_or("")),
                    csv_field(&e.message)
                ));
            }
            offset += page.items.len() as i64;
            if page.items.is_empty() || offset >= page.total {
                return Ok(out);
            }
        }
    }

    // ---- the import queue ----

    pub async fn list_queue(
        &self,
        app_id: &str,
        match_type: Option<MatchType>,
        offset: i64,
        limit: i64,
    ) -> Result<Page<QueueRow>> {
        self.store
            .list_queue(app_id, match_type, offset, limit.clamp(1, 500))
            .await
    }

    /// Confirms the chosen rows (or all): new users are created (ACTIVE when
    /// `activate`, else STAGED) and linked; matched users are linked.
    pub async fn confirm_assignments(
        &self,
        admin: &Admin,
        app_id: &str,
        selection: Selection,
        activate: bool,
    ) -> Result<ConfirmOutcome> {
        require_write(admin)?;
        let app = self.store.get_app(app_id).await?;
        queue::confirm_assignments(
            &self.store,
            &app,
            &selection,
            activate,
            &Actor::admin(admin),
        )
        .await
    }

    pub async fn dashboard(&self) -> Result<model::Dashboard> {
        let (apps, users, unconfirmed) = self.store.counts().await?;
        Ok(model::Dashboard {
            apps,
            users,
            unconfirmed,
            recent: self.store.recent_runs(10).await?,
        })
    }

    /// Clears unconfirmed users from the app's import queue: all of them, as
    /// Okta does, or only the chosen rows. Refused while an import of the app
    /// runs or waits; a full import restores the queue.
    pub async fn clear_unconfirmed(
        &self,
        admin: &Admin,
        app_id: &str,
        selection: Selection,
    ) -> Result<i64> {
        require_write(admin)?;
        let app = self.store.get_app(app_id).await?;
        let mut tx = self.store.pool().begin().await?;
        if store::imports::app_import_active(&mut tx, app_id).await? {
            return Err(Error::ImportBusy);
        }
        let cleared = store::imports::clear_queue(&mut tx, app_id, &selection).await?;
        let scope = if matches!(selection, Selection::Rows(_)) {
            "selected"
        } else {
            "all"
        };
        let event = NewEvent::new(
            "system.import.clear.unconfirmed.users.summary",
            format!("Cleared {cleared} unconfirmed users of {}", app.name),
            Actor::admin(admin),
        )
        .target(Target::app(&app.id, &app.name))
        .debug(serde_json::json!({"appName": app.name, "appId": app.id, "clearedUsers": cleared, "scope": scope}));
        store::events::insert_events(&mut tx, &[event], &ids::now()).await?;
        tx.commit().await?;
        Ok(cleared)
    }

    // ---- provisioning settings ----

    pub async fn app_settings(&self, app_id: &str) -> Result<settings::AppSettings> {
        self.store.app_settings(app_id).await
    }

    /// Saves an app's To Muster settings after checking them; the System Log
    /// records each changed setting with its old and new value.
    pub async fn save_app_settings(
        &self,
        admin: &Admin,
        app_id: &str,
        new: settings::AppSettings,
    ) -> Result<settings::AppSettings> {
        require_write(admin)?;
        let app = self.store.get_app(app_id).await?;
        let new = new.validate()?;
        let old = self.store.app_settings(app_id).await?;
        let changes = settings::changes(&old, &new);
        let mut tx = self.store.pool().begin().await?;
        store::rules::save_app_settings(&mut tx, app_id, &new).await?;
        if !changes.is_empty() {
            let event = NewEvent::new(
                "application.lifecycle.update",
                format!("Update To Muster settings of {}", app.name),
                Actor::admin(admin),
            )
            .target(Target::app(&app.id, &app.name))
            .debug(serde_json::json!({ "changedSettings": settings_changes_json(&changes) }));
            store::events::insert_events(&mut tx, &[event], &ids::now()).await?;
        }
        tx.commit().await?;
        Ok(new)
    }

    pub async fn org_settings(&self) -> Result<settings::OrgSettings> {
        self.store.org_settings().await
    }

    /// Saves the org's import safeguard, logged with old and new values.
    pub async fn save_org_settings(
        &self,
        admin: &Admin,
        new: settings::OrgSettings,
    ) -> Result<settings::OrgSettings> {
        require_write(admin)?;
        new.validate()?;
        let old = self.store.org_settings().await?;
        let changes = settings::changes(&old, &new);
        let mut tx = self.store.pool().begin().await?;
        store::rules::save_org_settings(&mut tx, &new).await?;
        if !changes.is_empty() {
            let event = NewEvent::new(
                "system.org.settings.update",
                "Update import safeguards",
                Actor::admin(admin),
            )
            .debug(serde_json::json!({ "changedSettings": settings_changes_json(&changes) }));
            store::events::insert_events(&mut tx, &[event], &ids::now()).await?;
        }
        tx.commit().await?;
        Ok(new)
    }

    /// Evaluates settings' username format and mappings on a real row: the
    /// newest app user of the last import. `None` when there is none yet.
    pub async fn mapping_preview(
        &self,
        app_id: &str,
        settings: &settings::AppSettings,
    ) -> Result<Option<model::MappingPreview>> {
        let Some((external_id, source)) = self.store.sample_app_user(app_id).await? else {
            return Ok(None);
        };
        let mapper = settings.clone().validate()?.profile_mapper()?;
        let (profile, error) = match mapper.map(&source) {
            Ok(p) => (p.into_owned(), None),
            Err(e) => (Vec::new(), Some(format!("{}: {}", e.attribute, e.message))),
        };
        Ok(Some(model::MappingPreview {
            external_id,
            profile,
            error,
        }))
    }

    // ---- queue decisions ----

    /// Sets what confirming a queue row does: create a new user, link to the
    /// match or to a user the admin chose, or ignore the app user.
    pub async fn set_queue_action(
        &self,
        admin: &Admin,
        app_id: &str,
        seq: i64,
        action: model::QueueAction,
    ) -> Result<()> {
        require_write(admin)?;
        let app = self.store.get_app(app_id).await?;
        let (name, user) = match &action {
            model::QueueAction::Default => (None, None),
            model::QueueAction::Create => (Some("CREATE"), None),
            model::QueueAction::Link(None) => (Some("LINK"), None),
            model::QueueAction::Link(Some(user_id)) => {
                let user = self.store.get_user(user_id).await?;
                (Some("LINK"), Some(user))
            }
            model::QueueAction::Ignore => (Some("IGNORE"), None),
        };
        let mut tx = self.store.pool().begin().await?;
        let external_id = store::imports::set_queue_action(
            &mut tx,
            app_id,
            seq,
            name,
            user.as_ref().map(|u| u.id.as_str()),
        )
        .await?
        .ok_or_else(|| Error::NotFound(format!("queue row {seq} of {}", app.name)))?;
        let mut event = NewEvent::new(
            "system.import.user_match.update",
            "Update the match of an imported user",
            Actor::admin(admin),
        )
        .target(Target::app_user(&external_id, &app.name))
        .debug(serde_json::json!({ "action": name.unwrap_or("DEFAULT") }));
        if let Some(u) = &user {
            event = event.target(Target::user(
                &u.id,
                &u.login,
                &format!("{} {}", u.first_name, u.last_name),
            ));
        }
        store::events::insert_events(&mut tx, &[event], &ids::now()).await?;
        tx.commit().await?;
        Ok(())
    }

    // ---- import safeguards ----

    /// Imports paused at a safeguard, with their app's name.
    pub async fn paused_runs(&self) -> Result<Vec<(String, ImportRun)>> {
        self.store.paused_runs().await
    }

    /// Applies a paused run's removals and completes it.
    pub async fn resume_run(&self, admin: &Admin, run_id: &str) -> Result<ImportRun> {
        require_write(admin)?;
        let (app, run) = self.paused_run(run_id).await?;
        let removals = self.store.pending_removals(run_id).await?;
        let actor = Actor::admin(admin);
        self.store
            .log(&[NewEvent::new(
                "system.import.roadblock.resume",
                format!("Resume import of {} past its safeguard", app.name),
                actor.clone(),
            )
            .target(Target::app(&app.id, &app.name))
            .target(Target::import_run(&run.id))
            .transaction(&run.id)
            .debug(serde_json::json!({ "jobId": run.id, "removals": removals.len() }))])
            .await?;
        pipeline::apply_removals(
            &self.store,
            &pipeline::Logger::new(&app, &run, &actor),
            &removals,
        )
        .await?;
        let mut tx = self.store.pool().begin().await?;
        store::rules::delete_removals(&mut tx, run_id).await?;
        let message = format!(
            "Resumed by {}: {} users removed",
            admin.username,
            removals.len()
        );
        store::imports::finish_run(
            &mut tx,
            run_id,
            RunStatus::Completed,
            Some(&message),
            &ids::now(),
        )
        .await?;
        tx.commit().await?;
        self.wake.notify_one();
        self.store.get_run(run_id).await
    }

    /// Drops a paused run's removals and completes it; what it imported stays.
    pub async fn cancel_run(&self, admin: &Admin, run_id: &str) -> Result<ImportRun> {
        require_write(admin)?;
        let (app, run) = self.paused_run(run_id).await?;
        let mut tx = self.store.pool().begin().await?;
        store::rules::delete_removals(&mut tx, run_id).await?;
        let message = format!(
            "Removals cancelled by {}; nobody was removed",
            admin.username
        );
        store::imports::finish_run(
            &mut tx,
            run_id,
            RunStatus::Completed,
            Some(&message),
            &ids::now(),
        )
        .await?;
        let event = NewEvent::new(
            "system.import.roadblock.cancel",
            format!("Cancel the removals of an import of {}", app.name),
            Actor::admin(admin),
        )
        .target(Target::app(&app.id, &app.name))
        .target(Target::import_run(&run.id))
        .transaction(&run.id);
        store::events::insert_events(&mut tx, &[event], &ids::now()).await?;
        tx.commit().await?;
        self.wake.notify_one();
        self.store.get_run(run_id).await
    }

    async fn paused_run(&self, run_id: &str) -> Result<(App, ImportRun)> {
        let run = self.store.get_run(run_id).await?;
        if run.status != RunStatus::Paused {
            return Err(Error::Conflict(
                "This import is not paused at a safeguard".into(),
            ));
        }
        Ok((self.store.get_app(&run.app_id).await?, run))
    }

    // ---- people ----

    pub async fn list_users(&self, search: &str, offset: i64, limit: i64) -> Result<Page<User>> {
        self.store
            .list_users(search, offset, limit.clamp(1, 200))
            .await
    }

    pub async fn get_user(&self, id: &str) -> Result<User> {
        self.store.get_user(id).await
    }

    // ---- the System Log ----

    /// Events for a filter expression and keywords, newest first unless asked.
    pub async fn query_events(
        &self,
        mut query: EventQuery,
        filter: &str,
        keywords: &str,
    ) -> Result<EventPage> {
        if !filter.trim().is_empty() {
            query.filter = Some(syslog::filter::Filter::parse(filter)?);
        }
        query.keywords = syslog::parse_keywords(keywords)?;
        query.limit = query.limit.clamp(1, 1000);
        self.store.query_events(&query).await
    }
}

fn settings_changes_json(
    changes: &[(String, serde_json::Value, serde_json::Value)],
) -> serde_json::Value {
    changes
        .iter()
        .map(|(path, old, new)| serde_json::json!({ "setting": path, "old": old, "new": new }))
        .collect()
}

/// Refuses changes by read-only admins.
fn require_write(admin: &Admin) -> Result<()> {
    if admin.can_write() {
        Ok(())
    } else {
        Err(Error::Forbidden)
    }
}

/// A valid argon2 hash of a random password, for constant-time refusals.
const DUMMY_HASH: &str = "$argon2id$v=19$m=19456,t=2,p=1$c29tZXNhbHRzb21lc2FsdA$4qhd0Nqo2wq2V8b5x4yOqB3v0Cz3b0oBBZsvy5TBmG0";

async fn write_limited<R: AsyncRead + Unpin>(body: &mut R, path: &Path, limit: u64) -> Result<u64> {
    let mut file = tokio::fs::File::create(path).await?;
    let mut buf = vec![0u8; 1 << 16];
    let mut size = 0u64;
    loop {
        let n = body.read(&mut buf).await?;
        if n == 0 {
            break;
        }
        size += n as u64;
        if size > limit {
            return Err(Error::TooLarge {
                limit_mib: limit.div_ceil(1024 * 1024),
            });
        }
        file.write_all(buf.get(..n).unwrap_or_default()).await?;
    }
    file.flush().await?;
    Ok(size)
}

fn csv_field(s: &str) -> String {
    if s.contains([',', '"', '\n', '\r']) {
        format!("\"{}\"", s.replace('"', "\"\""))
    } else {
        s.to_owned()
    }
}
