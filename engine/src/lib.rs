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
pub mod push;
pub mod queue;
mod realtime;
pub mod scim;
pub mod secrets;
pub mod settings;
pub mod sources;
pub mod store;
pub mod syslog;
pub mod throttle;
pub mod tokens;

pub use access::{ReadHandle, WriteHandle};
pub use error::{Error, Result};

use model::{
    Admin, AdminRole, AppKind, AppStatus, ImportRun, ImportTrigger, ImportType, RunStatus,
};
use sources::{RunInput, SourceKind};
use std::path::PathBuf;
use std::sync::atomic::Ordering;
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
    /// When failed sign-ins lock a username or an address, and for how long.
    pub sign_in_throttle: throttle::ThrottlePolicy,
    /// How long a console session lasts unused.
    pub session_idle: Duration,
    /// Uploads are refused when the data directory's disk has less free.
    pub min_free_disk_bytes: u64,
    /// How long an uploaded file is kept; `None` keeps it for ever.
    pub upload_retention: Option<Duration>,
    /// The most events one System Log search reads before it stops and says so.
    pub log_scan_budget: usize,
    /// The key that seals connection secrets (64 hex characters); `None`
    /// uses the data directory's key file, made on first start.
    pub secret_key: Option<String>,
}

impl EngineConfig {
    /// A database and data directory with every other setting at its default.
    pub fn new(database_url: impl Into<String>, data_dir: impl Into<PathBuf>) -> EngineConfig {
        EngineConfig {
            database_url: database_url.into(),
            data_dir: data_dir.into(),
            max_upload_bytes: 100 * 1024 * 1024,
            sign_in_throttle: throttle::ThrottlePolicy::default(),
            session_idle: Duration::from_secs(60 * 60),
            min_free_disk_bytes: 512 * 1024 * 1024,
            upload_retention: Some(Duration::from_secs(30 * 24 * 60 * 60)),
            log_scan_budget: syslog::SCAN_BUDGET,
            secret_key: None,
        }
    }
}

/// Free space for unprivileged writers on the file system holding `dir`.
fn free_disk_bytes(dir: &std::path::Path) -> Result<u64> {
    let stat = rustix::fs::statvfs(dir).map_err(std::io::Error::from)?;
    Ok(stat.f_bavail.saturating_mul(stat.f_frsize))
}

/// The figures `/metrics` reports.
#[derive(Debug, Clone, PartialEq)]
pub struct OperatingCounts {
    /// Import runs by status (QUEUED, RUNNING, COMPLETED…).
    pub runs_by_status: Vec<(String, i64)>,
    /// Rows read by every import run so far.
    pub rows_scanned: i64,
    /// Imported users waiting in the queues for confirmation.
    pub queue_depth: i64,
    /// Failed sign-ins since the process started.
    pub sign_in_failures: i64,
}

/// Copies the database at `database_url` into `to`, a new file, while a
/// server may be running on it: the copy is the database at one moment and
/// opens as a database of its own.
pub async fn backup(database_url: &str, to: &std::path::Path) -> Result<()> {
    let store = Store::open_as_is(database_url).await?;
    store.backup_to(to).await
}

/// How long a console session lasts at most, used or not.
pub const SESSION_HOURS: i64 = 12;
/// How often a session's last use is written at most (or a tenth of the
/// idle time, when shorter): a session used since is not written again.
const SESSION_TOUCH: chrono::TimeDelta = chrono::TimeDelta::seconds(60);
/// How often the worker looks for scheduled imports that are due.
const SCHEDULE_CHECK: Duration = Duration::from_secs(30);

/// The engine: one per process, shared by the console, the API and the
/// scheduler.
#[derive(Debug)]
pub struct Engine {
    store: Store,
    config: EngineConfig,
    wake: Notify,
    hasher: auth::Hasher,
    throttle: throttle::Throttle,
    /// Set when the process is stopping: no run starts, running ones stop
    /// after the batch in hand.
    stopping: std::sync::atomic::AtomicBool,
    /// Imports running now, and a wake-up when one ends.
    running: std::sync::atomic::AtomicUsize,
    run_ended: Notify,
    /// Seals and opens connection secrets.
    secrets: secrets::SecretKey,
    /// A wake-up for the pusher: something was assigned or retried.
    pushes: Notify,
}

impl Engine {
    /// Opens the database, applies migrations, marks imports that a stopped
    /// process left running as failed and finishes resumes it left half-way.
    pub async fn open(config: EngineConfig) -> Result<Arc<Engine>> {
        let store = Store::open(&config.database_url).await?;
        tokio::fs::create_dir_all(config.data_dir.join("uploads")).await?;
        let secrets = secrets::SecretKey::load(config.secret_key.as_deref(), &config.data_dir)?;
        let engine = Arc::new(Engine {
            secrets,
            store,
            throttle: throttle::Throttle::new(config.sign_in_throttle),
            config,
            wake: Notify::new(),
            hasher: auth::Hasher::default(),
            stopping: Default::default(),
            running: Default::default(),
            run_ended: Notify::new(),
            pushes: Notify::new(),
        });
        engine.recover_interrupted_runs().await?;
        Ok(engine)
    }

    /// Whether the database answers and its schema is this build's.
    pub async fn ready(&self) -> bool {
        self.store.ready().await.unwrap_or(false)
    }

    /// What operators watch: runs by status, rows imported, the queue's
    /// depth and failed sign-ins since the process started.
    pub async fn operating_counts(&self) -> Result<OperatingCounts> {
        let (runs_by_status, rows_scanned, queue_depth) = self.store.operating_counts().await?;
        Ok(OperatingCounts {
            runs_by_status,
            rows_scanned,
            queue_depth,
            sign_in_failures: self.throttle.failures(),
        })
    }

    /// Refuses an upload (of `bytes`, when known) that would leave less
    /// free disk than the floor, before any of it is written.
    pub fn room_for_upload(&self, bytes: Option<u64>) -> Result<()> {
        let dir = self.config.data_dir.join("uploads");
        let free = free_disk_bytes(&dir)?;
        let needed = self
            .config
            .min_free_disk_bytes
            .saturating_add(bytes.unwrap_or(0));
        if free < needed {
            return Err(Error::DiskFull {
                free_mib: free >> 20,
                needed_mib: needed.div_ceil(1 << 20),
            });
        }
        Ok(())
    }

    /// Records a saved upload with its preview; a file that cannot be
    /// recorded (or previewed) is deleted, not left behind.
    pub(crate) async fn register_upload(
        &self,
        app_id: &str,
        path: &std::path::Path,
        preview: Result<model::UploadPreview>,
    ) -> Result<model::UploadPreview> {
        let recorded = match preview {
            Ok(preview) => self
                .store
                .insert_upload(app_id, &preview, &path.to_string_lossy(), ids::now())
                .await
                .map(|()| preview),
            Err(e) => Err(e),
        };
        if recorded.is_err() {
            if let Err(e) = tokio::fs::remove_file(path).await {
                tracing::warn!(path = %path.display(), error = %e, "cannot delete an upload that was not recorded");
            }
        }
        recorded
    }

    /// Largest upload accepted, in bytes.
    pub fn max_upload_bytes(&self) -> u64 {
        self.config.max_upload_bytes
    }

    async fn recover_interrupted_runs(&self) -> Result<()> {
        let (failed, queued) = self.store.recover_interrupted_runs(ids::now()).await?;
        let events: Vec<NewEvent> = failed
            .iter()
            .map(|run| {
                NewEvent::new(EventType::ImportComplete, "Preview interrupted by a restart", Actor::system())
                    .target(Target::import_run(&run.id))
                    .transaction(&run.id)
                    .debug(serde_json::json!({"jobId": run.id, "importType": run.import_type.as_str(), "importTrigger": run.trigger.as_str()}))
                    .failure("Muster stopped while this preview was running")
            })
            .collect();
        for run in &queued {
            tracing::info!(run = %run.id, rows = run.counts.scanned, "an interrupted import goes on from its last committed batch");
        }
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

    /// Creates the first admin when there is none. A configured password
    /// must meet the same rules as any admin's. Returns the password when it
    /// was generated, so it can be handed over once.
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
            Some(p) => {
                auth::check_new_password(&username, p).map_err(|e| {
                    Error::InvalidInput(format!("The first admin's password is refused: {e}"))
                })?;
                (p.to_owned(), false)
            }
            None => (auth::generate_password(), true),
        };
        self.store
            .insert_admin(
                &ids::admin_id(),
                &username,
                &self.hasher.hash(&password).await?,
                AdminRole::SuperAdmin,
                ids::now(),
            )
            .await?;
        Ok(generated.then_some((username, password)))
    }

    /// Checks a username and password; on success opens a session and
    /// returns its token. Every attempt costs one password check, whether
    /// the username exists or not; a username or address with too many
    /// failures is refused without one until its lock ends.
    pub async fn sign_in(
        &self,
        username: &str,
        password: &str,
        client: Option<Client>,
    ) -> Result<(Admin, String)> {
        let client = client.map(Client::bounded);
        let mut keys = vec![throttle::Key::username(username)];
        if let Some(ip) = client.as_ref().and_then(|c| c.ip_address.clone()) {
            keys.push(throttle::Key::Address(ip));
        }
        if let Some(wait) = self.throttle.locked(&keys, std::time::Instant::now()) {
            return Err(Error::Throttled { wait });
        }
        let within_caps = username.chars().count() <= auth::MAX_USERNAME_CHARS
            && password.len() <= auth::MAX_PASSWORD_BYTES;
        let found = match within_caps {
            true => self.store.find_admin(username.trim()).await?,
            false => None,
        };
        let verified = match (&found, within_caps) {
            (_, false) => false,
            (found, true) => {
                let hash = found.as_ref().map(|(_, hash)| hash.clone());
                self.hasher.verify(password, hash).await?
            }
        };
        let admin = match found {
            Some((admin, _)) if verified => admin,
            found => {
                let admin = found.map(|(admin, _)| admin);
                self.refuse_sign_in(username, admin.as_ref(), &keys, client)
                    .await?;
                return Err(match within_caps {
                    true => Error::Unauthenticated,
                    false => Error::InvalidInput(format!(
                        "A username is at most {} characters and a password at most {} bytes",
                        auth::MAX_USERNAME_CHARS,
                        auth::MAX_PASSWORD_BYTES
                    )),
                });
            }
        };
        self.throttle.succeed(&keys[0]);
        let token = ids::secret_token();
        let now = ids::now();
        let expires = now + chrono::Duration::hours(SESSION_HOURS);
        let ip = client.as_ref().and_then(|c| c.ip_address.as_deref());
        let agent = client.as_ref().and_then(|c| c.user_agent.as_deref());
        self.store
            .insert_session(&store::NewSession {
                token_hash: &auth::token_hash(&token),
                id: &ids::session_id(),
                admin_id: &admin.id,
                now,
                expires,
                ip_address: ip,
                user_agent: agent,
            })
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

    /// Counts a failed sign-in and logs it, with the lock it starts if any.
    /// What the events hold of the attempt is bounded in size.
    async fn refuse_sign_in(
        &self,
        username: &str,
        admin: Option<&Admin>,
        keys: &[throttle::Key],
        client: Option<Client>,
    ) -> Result<()> {
        let actor = match admin {
            Some(admin) => Actor::admin(admin),
            None => {
                let name = syslog::bounded(username.trim(), 100);
                Actor {
                    id: "unknown".into(),
                    kind: "User".into(),
                    alternate_id: name.clone(),
                    display_name: name,
                }
            }
        };
        let mut events = vec![NewEvent::new(
            EventType::SessionStart,
            "User login to Muster",
            actor.clone(),
        )
        .client(client.clone())
        .failure("INVALID_CREDENTIALS")];
        for lock in self.throttle.fail(keys, std::time::Instant::now()) {
            let by = match lock.key {
                throttle::Key::Username(_) => "username",
                throttle::Key::Address(_) => "client address",
            };
            events.push(
                NewEvent::new(
                    EventType::AccountLock,
                    format!(
                        "Sign-in locked for {} after {} failed attempts from this {by}",
                        throttle::wait_text(lock.lasts),
                        lock.failures
                    ),
                    actor.clone(),
                )
                .client(client.clone())
                .debug(serde_json::json!({
                    "lockedBy": lock.key.kind(),
                    "failedAttempts": lock.failures,
                    "lockSeconds": lock.lasts.as_secs(),
                })),
            );
        }
        self.store.log(&events).await
    }

    /// The moment before which a session unused since is over.
    fn idle_since(&self, now: chrono::DateTime<chrono::Utc>) -> chrono::DateTime<chrono::Utc> {
        now - chrono::TimeDelta::from_std(self.config.session_idle)
            .unwrap_or(chrono::TimeDelta::MAX)
    }

    /// The admin whose session this token is, if it is neither expired nor
    /// idle too long; using it keeps it alive.
    pub async fn session_admin(&self, token: &str) -> Result<Option<Admin>> {
        let hash = auth::token_hash(token);
        let now = ids::now();
        let Some((admin, last_seen)) = self
            .store
            .session_admin(&hash, now, self.idle_since(now))
            .await?
        else {
            return Ok(None);
        };
        let every = (chrono::TimeDelta::from_std(self.config.session_idle / 10))
            .map_or(SESSION_TOUCH, |tenth| tenth.min(SESSION_TOUCH));
        let stale = chrono::DateTime::parse_from_rfc3339(&last_seen)
            .map_or(true, |seen| now - seen.with_timezone(&chrono::Utc) >= every);
        if stale {
            self.store.touch_session(&hash, now).await?;
        }
        Ok(Some(admin))
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

    /// The live sessions of the admin whose session `token` is.
    pub async fn sessions(&self, token: &str) -> Result<Vec<proto::console::SessionView>> {
        let admin = self
            .session_admin(token)
            .await?
            .ok_or(Error::Unauthenticated)?;
        let now = ids::now();
        let current = auth::token_hash(token);
        let rows = self
            .store
            .admin_sessions(&admin.id, now, self.idle_since(now))
            .await?;
        Ok(rows
            .into_iter()
            .map(|r| proto::console::SessionView {
                current: r.token_hash == current,
                id: r.id,
                created: r.created,
                last_seen: r.last_seen,
                expires: r.expires,
                ip_address: r.ip_address,
                user_agent: r.user_agent,
            })
            .collect())
    }

    /// Ends one of the admin's sessions by its id (the one `token` carries
    /// included): it no longer opens anything, wherever it is used.
    pub async fn end_session(&self, token: &str, id: &str, client: Option<Client>) -> Result<()> {
        let admin = self
            .session_admin(token)
            .await?
            .ok_or(Error::Unauthenticated)?;
        if !self.store.delete_session_by_id(&admin.id, id).await? {
            return Err(Error::NotFound(format!("session {id}")));
        }
        self.store
            .log(&[NewEvent::new(
                EventType::SessionEnd,
                "Session ended by its admin",
                Actor::admin(&admin),
            )
            .client(client)
            .debug(serde_json::json!({ "sessionId": id }))])
            .await
    }

    /// Ends every session of the admin but the one `token` carries; how many.
    pub async fn end_other_sessions(&self, token: &str, client: Option<Client>) -> Result<u64> {
        let admin = self
            .session_admin(token)
            .await?
            .ok_or(Error::Unauthenticated)?;
        let ended = self
            .store
            .delete_other_sessions(&admin.id, &auth::token_hash(token))
            .await?;
        if ended > 0 {
            self.store
                .log(&[NewEvent::new(
                    EventType::SessionEnd,
                    format!("{ended} other session(s) ended by their admin"),
                    Actor::admin(&admin),
                )
                .client(client)])
                .await?;
        }
        Ok(ended)
    }

    /// Deletes the files of uploads kept longer than the retention time
    /// (their records stay, so the runs that read them still name them);
    /// how many.
    pub async fn delete_expired_uploads(&self) -> Result<usize> {
        self.delete_uploads_expired_at(ids::now()).await
    }

    /// Deletes the files of uploads whose retention time is over at `now`.
    pub async fn delete_uploads_expired_at(
        &self,
        now: chrono::DateTime<chrono::Utc>,
    ) -> Result<usize> {
        let Some(keep) = self.config.upload_retention else {
            return Ok(0);
        };
        let before = now - chrono::TimeDelta::from_std(keep).unwrap_or(chrono::TimeDelta::MAX);
        let expired = self.store.expired_uploads(before).await?;
        for (id, path) in &expired {
            match tokio::fs::remove_file(path).await {
                Ok(()) => {}
                Err(e) if e.kind() == std::io::ErrorKind::NotFound => {}
                Err(e) => return Err(e.into()),
            }
            self.store.mark_upload_deleted(id, now).await?;
        }
        if !expired.is_empty() {
            tracing::info!(
                count = expired.len(),
                "deleted uploads past their retention time"
            );
        }
        Ok(expired.len())
    }

    /// Deletes the sessions that expired or were idle too long.
    pub async fn purge_sessions(&self) -> Result<u64> {
        let now = ids::now();
        self.store.purge_sessions(now, self.idle_since(now)).await
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
                let upload = self.store.get_upload(app_id, u).await?;
                upload.readable()?;
                (Some(u.to_owned()), Some(upload.row_count))
            }
            (RunInput::Pull, _) => {
                if app.kind == AppKind::ScimApp {
                    let settings = self.store.connection_settings(app_id).await?;
                    crate::sources::scim::require_enabled(&settings, &app.name)?;
                }
                (None, None)
            }
            (RunInput::Pushed, _) => {
                return Err(Error::InvalidInput(format!(
                    "{} is a Custom Identity Source: its imports start from its import sessions (POST /api/v1/identity-sources/{}/sessions/{{sessionId}}/start-import)",
                    app.name, app.id
                )));
            }
        };
        Ok(queued_run(
            app.id,
            upload_id,
            total,
            import_type,
            trigger,
            preview,
        ))
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
            let run = match self
                .new_run(
                    &app.app_id,
                    app.upload_id.as_deref(),
                    import_type,
                    ImportTrigger::Scheduled,
                    false,
                )
                .await
            {
                Ok(run) => run,
                Err(e) => {
                    tracing::warn!(app = %app.app_id, error = %e, "a scheduled import cannot start");
                    continue;
                }
            };
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
        if self.stopping.load(Ordering::SeqCst) {
            return Ok(None);
        }
        self.store.claim_next_run(ids::now()).await
    }

    /// Claims the next queued import whose app is free and runs it to its
    /// end. `None` when nothing can start now.
    pub async fn run_next_job(&self) -> Result<Option<ImportRun>> {
        let Some(run) = self.claim_next_run().await? else {
            return Ok(None);
        };
        self.run_claimed(&run).await.map(Some)
    }

    /// Runs a claimed import to its end (or to a stop); returns it as stored.
    pub async fn run_claimed(&self, run: &ImportRun) -> Result<ImportRun> {
        self.execute_run(run).await?;
        self.store.get_run(&run.id).await
    }

    async fn execute_run(&self, run: &ImportRun) -> Result<()> {
        self.running.fetch_add(1, Ordering::SeqCst);
        let done = self.run_to_end(run).await;
        self.running.fetch_sub(1, Ordering::SeqCst);
        self.run_ended.notify_waiters();
        done
    }

    async fn run_to_end(&self, run: &ImportRun) -> Result<()> {
        let app = self.store.get_app(&run.app_id).await?;
        let actor = self.run_actor(run).await;
        match pipeline::run_import(
            &self.store,
            &self.secrets,
            &app,
            run,
            &actor,
            &self.stopping,
        )
        .await
        {
            Ok(_) => {}
            Err(Error::Stopping) => {
                tracing::info!(run = %run.id, "import stopped between batches; it goes on at the next start");
                self.store.requeue_run(&run.id).await?;
            }
            Err(e) => {
                tracing::warn!(run = %run.id, error = %e, "import failed");
                pipeline::fail_run(&self.store, &app, run, &actor, &e.to_string()).await?;
            }
        }
        Ok(())
    }

    /// Stops starting imports and asks running ones to stop after the batch
    /// in hand (each then waits in the queue to go on from there); returns
    /// once none runs, or after `bound`, whichever is first.
    pub async fn stop(&self, bound: Duration) {
        self.stopping.store(true, Ordering::SeqCst);
        self.wake.notify_waiters();
        let all_ended = async {
            loop {
                let ended = self.run_ended.notified();
                if self.running.load(Ordering::SeqCst) == 0 {
                    return;
                }
                ended.await;
            }
        };
        if tokio::time::timeout(bound, all_ended).await.is_err() {
            tracing::warn!(
                running = self.running.load(Ordering::SeqCst),
                "imports still running at the stop bound; they go on from their last committed batch at the next start"
            );
        }
    }

    async fn run_actor(&self, run: &ImportRun) -> Actor {
        match self.store.run_requester(&run.id).await {
            Ok(Some(admin)) => Actor::admin(&admin),
            _ => Actor::system(),
        }
    }

    /// Sends the outbox's pushes in the background for as long as the
    /// process lives: whatever is due, then again when woken or within a
    /// second (the triggers that fill the outbox wake no one).
    fn spawn_pusher(self: &Arc<Self>) {
        let engine = Arc::clone(self);
        tokio::spawn(async move {
            while !engine.stopping.load(Ordering::SeqCst) {
                match engine.push_due().await {
                    Ok(n) if n > 0 => continue,
                    Ok(_) => {}
                    Err(e) => tracing::error!(error = %e, "cannot send the pushes due"),
                }
                let _ =
                    tokio::time::timeout(Duration::from_secs(1), engine.pushes.notified()).await;
            }
        });
    }

    /// Runs queued imports in the background for as long as the process
    /// lives: each claimed run on its own task, one at a time per app; and
    /// queues scheduled imports when they are due. Starts the pusher too.
    pub fn spawn_worker(self: &Arc<Self>) -> tokio::task::JoinHandle<()> {
        self.spawn_pusher();
        let engine = Arc::clone(self);
        tokio::spawn(async move {
            let mut next_schedule_check = tokio::time::Instant::now();
            loop {
                if engine.stopping.load(Ordering::SeqCst) {
                    return;
                }
                if tokio::time::Instant::now() >= next_schedule_check {
                    if let Err(e) = engine.enqueue_due_imports(chrono::Utc::now()).await {
                        tracing::error!(error = %e, "cannot start scheduled imports");
                    }
                    if let Err(e) = engine.purge_sessions().await {
                        tracing::error!(error = %e, "cannot delete ended sessions");
                    }
                    if let Err(e) = engine.delete_expired_uploads().await {
                        tracing::error!(error = %e, "cannot delete expired uploads");
                    }
                    if let Err(e) = engine.sweep_import_sessions().await {
                        tracing::error!(error = %e, "cannot expire import sessions");
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

/// A run waiting in the queue.
pub(crate) fn queued_run(
    app_id: String,
    upload_id: Option<String>,
    total: Option<i64>,
    import_type: ImportType,
    trigger: ImportTrigger,
    preview: bool,
) -> ImportRun {
    ImportRun {
        id: ids::run_id(),
        app_id,
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
        file: None,
        groups: None,
    }
}
