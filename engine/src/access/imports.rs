//! Uploads, import runs, the import queue and paused imports.

use super::report::Report;
use super::{ReadHandle, WriteHandle};
use crate::error::{Error, Result};
use crate::ids;
use crate::model::{
    ConfirmOutcome, ImportRun, ImportTrigger, ImportType, MatchType, Page, PlanLine,
    PlannedRemoval, QueueAction, QueueActionOutcome, QueueChoice, QueueRow, QueueTally, RowError,
    RunStatus, TextEncoding, UploadPreview,
};
use crate::pipeline::{self, Logger};
use crate::sources::{self, RunInput, SourceKind};
use crate::store::{self, Selection};
use crate::syslog::{EventType, NewEvent, Target};
use std::path::Path;
use tokio::io::AsyncRead;

impl ReadHandle<'_> {
    /// The app's imports, newest first (queued and running ones included).
    pub async fn list_runs(&self, app_id: &str, limit: i64) -> Result<Vec<ImportRun>> {
        self.engine.store.list_runs(app_id, limit).await
    }

    pub async fn get_run(&self, run_id: &str) -> Result<ImportRun> {
        self.engine.store.get_run(run_id).await
    }

    /// An import run of the app.
    pub async fn app_run(&self, app_id: &str, run_id: &str) -> Result<ImportRun> {
        match self.engine.store.get_run(run_id).await {
            Ok(run) if run.app_id == app_id => Ok(run),
            Ok(_) | Err(Error::NotFound(_)) => Err(Error::NotFound(format!("import {run_id}"))),
            Err(e) => Err(e),
        }
    }

    pub async fn row_errors(
        &self,
        run_id: &str,
        offset: i64,
        limit: i64,
    ) -> Result<Page<RowError>> {
        self.engine
            .store
            .list_row_errors(run_id, offset, limit)
            .await
    }

    /// One page of the users a paused run would remove, narrowed by login,
    /// name or email.
    pub async fn removals(
        &self,
        run_id: &str,
        search: &str,
        offset: i64,
        limit: i64,
    ) -> Result<Page<PlannedRemoval>> {
        self.engine.store.get_run(run_id).await?;
        self.engine
            .store
            .list_removals(run_id, search, offset, limit)
            .await
    }

    /// One page of a preview's plan, in the plan's order, narrowed by login,
    /// external id or what happens.
    pub async fn plan_lines(
        &self,
        run_id: &str,
        search: &str,
        offset: i64,
        limit: i64,
    ) -> Result<Page<PlanLine>> {
        self.engine.store.get_run(run_id).await?;
        self.engine
            .store
            .list_plan_lines(run_id, search, offset, limit)
            .await
    }

    /// A preview's whole plan as a CSV report: part, login, external id and
    /// what happens.
    pub async fn plan_csv(&self, run_id: &str) -> Result<String> {
        let store = &self.engine.store;
        let run = store.get_run(run_id).await?;
        let confirms = run.plan.map(|p| p.confirms).unwrap_or_default();
        let mut report = Report::new(&["part", "login", "externalId", "what"])?;
        let mut offset = 0;
        loop {
            let page = store.list_plan_lines(run_id, "", offset, 5000).await?;
            for l in &page.items {
                report.push(&[l.part.title(confirms), &l.login, &l.external_id, &l.what])?;
            }
            offset += page.items.len() as i64;
            if page.items.is_empty() || offset >= page.total {
                return report.finish();
            }
        }
    }

    /// The users a paused run would remove as a CSV report: login, first
    /// and last name, email, what would happen to them.
    pub async fn removals_csv(&self, run_id: &str) -> Result<String> {
        let store = &self.engine.store;
        store.get_run(run_id).await?;
        let mut report = Report::new(&["login", "firstName", "lastName", "email", "action"])?;
        let mut offset = 0;
        loop {
            let page = store.list_removals(run_id, "", offset, 5000).await?;
            for r in &page.items {
                report.push(&[
                    &r.login,
                    &r.first_name,
                    &r.last_name,
                    &r.email,
                    r.action.label(),
                ])?;
            }
            offset += page.items.len() as i64;
            if page.items.is_empty() || offset >= page.total {
                return report.finish();
            }
        }
    }

    /// The run's row errors as a CSV report: line, field, value, error.
    /// A cell a spreadsheet would read as a formula is written as text.
    pub async fn row_errors_csv(&self, run_id: &str) -> Result<String> {
        let store = &self.engine.store;
        store.get_run(run_id).await?;
        let mut report = Report::errors()?;
        let mut offset = 0;
        loop {
            let page = store.list_row_errors(run_id, offset, 5000).await?;
            for e in &page.items {
                report.push_error(e)?;
            }
            offset += page.items.len() as i64;
            if page.items.is_empty() || offset >= page.total {
                return report.finish();
            }
        }
    }

    pub async fn list_queue(
        &self,
        app_id: &str,
        match_type: Option<MatchType>,
        offset: i64,
        limit: i64,
    ) -> Result<Page<QueueRow>> {
        self.engine
            .store
            .list_queue(app_id, match_type, offset, limit.clamp(1, 500))
            .await
    }

    /// What confirming the chosen rows will do: how many users it creates,
    /// links and ignores, and how many rows stay in the queue.
    pub async fn queue_tally(&self, app_id: &str, selection: &Selection) -> Result<QueueTally> {
        let store = &self.engine.store;
        store.get_app(app_id).await?;
        let mut conn = store.pool().acquire().await?;
        store::imports::queue_tally(&mut conn, app_id, selection).await
    }

    /// Imports paused at a safeguard, with their app's name.
    pub async fn paused_runs(&self) -> Result<Vec<(String, ImportRun)>> {
        self.engine.store.paused_runs().await
    }
}

impl WriteHandle<'_> {
    /// Streams an upload to the data directory, refusing it past the size
    /// limit, then reads it once for the preview.
    pub async fn save_upload<R: AsyncRead + Unpin>(
        &self,
        app_id: &str,
        file_name: &str,
        body: R,
    ) -> Result<UploadPreview> {
        let engine = self.engine;
        let app = engine.store.get_app(app_id).await?;
        if SourceKind::of(app.kind).input != RunInput::Upload {
            return Err(Error::InvalidInput(format!(
                "{} does not import files",
                app.name
            )));
        }
        engine.room_for_upload(None)?;
        let id = ids::upload_id();
        let dir = engine.config.data_dir.join("uploads");
        let (path, size) =
            sources::csv::save_file(body, &dir, &id, engine.config.max_upload_bytes).await?;
        engine
            .register_upload(
                app_id,
                &path,
                sources::csv::preview(&path, id, file_name, size, None).await,
            )
            .await
    }

    /// Reads an upload that is text but not UTF-8 as `encoding`: the file is
    /// converted to UTF-8 once and kept as a new upload of the app (with a
    /// new id, under the same file name), whose preview is returned. The
    /// original upload stays as it was.
    pub async fn decode_upload(
        &self,
        app_id: &str,
        upload_id: &str,
        encoding: TextEncoding,
    ) -> Result<UploadPreview> {
        let engine = self.engine;
        let stored = engine.store.get_upload(app_id, upload_id).await?;
        stored.readable()?;
        let (original, file_name) = (stored.path, stored.file_name);
        let id = ids::upload_id();
        let dir = engine.config.data_dir.join("uploads");
        engine.room_for_upload(None)?;
        let (path, size) =
            sources::csv::decode_file(Path::new(&original), &dir, &id, encoding).await?;
        let preview = sources::csv::preview(&path, id, &file_name, size, Some(encoding)).await;
        engine.register_upload(app_id, &path, preview).await
    }

    /// Asks for an import. It is stored as queued and starts when the app's
    /// import slot is free (at once when no other import of the app runs).
    pub async fn start_import(
        &self,
        app_id: &str,
        upload_id: Option<&str>,
        import_type: ImportType,
    ) -> Result<ImportRun> {
        self.request_import(app_id, upload_id, import_type, ImportTrigger::Manual, false)
            .await
    }

    /// Starts an import as automation asks for one (`importTrigger` "API"):
    /// a CSV app's reads the upload named, or the app's newest.
    pub async fn start_import_by_api(
        &self,
        app_id: &str,
        upload_id: Option<&str>,
        import_type: ImportType,
    ) -> Result<ImportRun> {
        let newest = match upload_id {
            Some(_) => None,
            None => self.engine.store.newest_upload(app_id).await?,
        };
        let upload_id = upload_id.or(newest.as_deref());
        self.request_import(app_id, upload_id, import_type, ImportTrigger::Api, false)
            .await
    }

    /// Asks for a preview: the import runs but writes only its plan.
    pub async fn preview_import(
        &self,
        app_id: &str,
        upload_id: Option<&str>,
        import_type: ImportType,
    ) -> Result<ImportRun> {
        self.request_import(app_id, upload_id, import_type, ImportTrigger::Manual, true)
            .await
    }

    /// Runs a finished preview for real: the same input and import type.
    pub async fn apply_preview(&self, run_id: &str) -> Result<ImportRun> {
        let preview = self.engine.store.get_run(run_id).await?;
        if !preview.preview || preview.status != RunStatus::Completed {
            return Err(Error::InvalidInput(
                "Only a completed preview can be applied".into(),
            ));
        }
        self.request_import(
            &preview.app_id,
            preview.upload_id.as_deref(),
            preview.import_type,
            ImportTrigger::Manual,
            false,
        )
        .await
    }

    async fn request_import(
        &self,
        app_id: &str,
        upload_id: Option<&str>,
        import_type: ImportType,
        trigger: ImportTrigger,
        preview: bool,
    ) -> Result<ImportRun> {
        let engine = self.engine;
        let run = engine
            .new_run(app_id, upload_id, import_type, trigger, preview)
            .await?;
        engine.store.insert_run(&run, Some(&self.admin.id)).await?;
        engine.wake.notify_one();
        Ok(run)
    }

    /// Confirms the chosen rows (or all): new users are created (ACTIVE when
    /// `activate`, else STAGED) and linked; matched users are linked.
    /// Refused while an import of the app runs or waits.
    pub async fn confirm_assignments(
        &self,
        app_id: &str,
        selection: Selection,
        activate: bool,
    ) -> Result<ConfirmOutcome> {
        let store = &self.engine.store;
        let app = store.get_app(app_id).await?;
        if store.app_has_running_import(app_id).await? {
            return Err(Error::ImportBusy);
        }
        crate::queue::confirm_assignments(store, &app, &selection, activate, &self.actor()).await
    }

    /// Clears unconfirmed users from the app's import queue: all of them, as
    /// Okta does, or only the chosen rows. Refused while an import of the app
    /// runs or waits; a full import restores the queue.
    pub async fn clear_unconfirmed(&self, app_id: &str, selection: Selection) -> Result<i64> {
        let store = &self.engine.store;
        let app = store.get_app(app_id).await?;
        let mut tx = store.pool().begin().await?;
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
            EventType::ClearUnconfirmedUsers,
            format!("Cleared {cleared} unconfirmed users of {}", app.name),
            self.actor(),
        )
        .target(Target::app(&app.id, &app.name))
        .debug(serde_json::json!({"appName": app.name, "appId": app.id, "clearedUsers": cleared, "scope": scope}));
        store::events::insert_events(&mut tx, &[event], ids::now()).await?;
        tx.commit().await?;
        Ok(cleared)
    }

    /// Sets what confirming a queue row does: create a new user, link to the
    /// match or to a user the admin chose, or ignore the app user. A person
    /// whose profile another app sources is linked only once the admin has
    /// `confirmed` it; until then nothing is saved and the outcome asks.
    pub async fn set_queue_action(
        &self,
        app_id: &str,
        seq: i64,
        action: QueueAction,
        confirmed: bool,
    ) -> Result<QueueActionOutcome> {
        let store = &self.engine.store;
        let app = store.get_app(app_id).await?;
        let (name, user) = match &action {
            QueueAction::Default => (None, None),
            QueueAction::Create => (Some(QueueChoice::Create), None),
            QueueAction::Link(None) => (Some(QueueChoice::Link), None),
            QueueAction::Link(Some(user_id)) => (
                Some(QueueChoice::Link),
                Some(store.get_user(user_id).await?),
            ),
            QueueAction::Ignore => (Some(QueueChoice::Ignore), None),
        };
        let not_found = || Error::NotFound(format!("queue row {seq} of {}", app.name));
        // Checked and written under the write lock, so a link made meanwhile
        // is seen.
        let mut tx = store.begin_write().await?;
        let row_login = store::imports::queue_row_login(&mut tx, app_id, seq)
            .await?
            .ok_or_else(not_found)?;
        if let Some(u) = &user {
            let person = format!("{} {}", u.first_name, u.last_name);
            let held = store::accounts::holdings(&mut tx, app_id, &[u.id.as_str()]).await?;
            if let Some(holding) = held.get(&u.id) {
                return Err(Error::Conflict(crate::queue::holds_account(
                    &person, &u.login, &app.name, holding,
                )));
            }
            if let Some(other) =
                store::accounts::chosen_in_queue(&mut tx, app_id, &u.id, seq).await?
            {
                return Err(Error::Conflict(format!(
                    "{person} ({}) is already chosen for {other} in the queue of {}. \
                     A person has one account per app.",
                    u.login, app.name
                )));
            }
            match &u.source_app_name {
                Some(source) if !confirmed && u.source_app_id.as_deref() != Some(app_id) => {
                    return Ok(QueueActionOutcome::ConfirmationNeeded(format!(
                        "{person} ({}) is sourced by {source}: {source}'s imports keep writing \
                         their profile. Link them to {row_login} in {} as well?",
                        u.login, app.name
                    )));
                }
                _ => {}
            }
        }
        let external_id = store::imports::set_queue_action(
            &mut tx,
            app_id,
            seq,
            name,
            user.as_ref().map(|u| u.id.as_str()),
        )
        .await?
        .ok_or_else(not_found)?;
        let mut event = NewEvent::new(
            EventType::UserMatchUpdate,
            "Update the match of an imported user",
            self.actor(),
        )
        .target(Target::app_user(&external_id, &app.name))
        .debug(serde_json::json!({ "action": name.map_or("DEFAULT", QueueChoice::as_str) }));
        if let Some(u) = &user {
            event = event.target(Target::user(
                &u.id,
                &u.login,
                &format!("{} {}", u.first_name, u.last_name),
            ));
        }
        store::events::insert_events(&mut tx, &[event], ids::now()).await?;
        tx.commit().await?;
        Ok(QueueActionOutcome::Saved)
    }

    /// Unlinks an app's account from its person: the person loses the
    /// account and their assignment to the app, and the app stops sourcing
    /// their profile. The next full import queues the account again.
    /// Refused while an import of the app runs or waits.
    pub async fn unlink_account(&self, app_id: &str, external_id: &str) -> Result<()> {
        let store = &self.engine.store;
        let app = store.get_app(app_id).await?;
        let mut tx = store.begin_write().await?;
        if store::imports::app_import_active(&mut tx, app_id).await? {
            return Err(Error::ImportBusy);
        }
        let (login, user_id) = store::accounts::account(&mut tx, app_id, external_id)
            .await?
            .ok_or_else(|| Error::NotFound(format!("account {external_id} of {}", app.name)))?;
        let user_id = user_id.ok_or_else(|| {
            Error::Conflict(format!(
                "{external_id} of {} is not linked to anyone",
                app.name
            ))
        })?;
        let mut labels = store::rules::user_labels(&mut tx, &[user_id.as_str()]).await?;
        let (user_login, display) = labels
            .remove(&user_id)
            .map(|label| (label.login, label.display))
            .unwrap_or_default();
        store::accounts::unlink(&mut tx, app_id, external_id).await?;
        store::rules::unassign(&mut tx, app_id, &[user_id.as_str()]).await?;
        let released = store::accounts::release_source(&mut tx, app_id, &user_id).await?;
        let event = NewEvent::new(
            EventType::MembershipRemove,
            "Unlink app account from user",
            self.actor(),
        )
        .target(Target::user(&user_id, &user_login, &display))
        .target(Target::app(&app.id, &app.name))
        .target(Target::app_user(external_id, &app.name))
        .debug(serde_json::json!({
            "appName": app.name,
            "appId": app.id,
            "externalId": external_id,
            "accountLogin": login,
            "profileSourceReleased": released,
        }));
        store::events::insert_events(&mut tx, &[event], ids::now()).await?;
        tx.commit().await?;
        Ok(())
    }

    /// Applies a paused run's removals and completes it. Only one decision
    /// on a paused run wins: the run leaves PAUSED in one statement, so two
    /// Resumes remove once and a Resume racing a Cancel cannot both succeed.
    pub async fn resume_run(&self, run_id: &str) -> Result<ImportRun> {
        let store = &self.engine.store;
        let run = store.get_run(run_id).await?;
        let app = store.get_app(&run.app_id).await?;
        let actor = self.actor();
        let removals = store.pending_removals(run_id).await?;
        let event = NewEvent::new(
            EventType::RoadblockResume,
            format!("Resume import of {} past its safeguard", app.name),
            actor.clone(),
        )
        .target(Target::app(&app.id, &app.name))
        .target(Target::import_run(&run.id))
        .transaction(&run.id)
        .debug(serde_json::json!({ "jobId": run.id, "removals": removals.len() }));
        let mut tx = store.pool().begin().await?;
        if !store::imports::leave_paused(&mut tx, run_id, RunStatus::Resuming).await? {
            return Err(not_paused());
        }
        store::events::insert_events(&mut tx, &[event], ids::now()).await?;
        tx.commit().await?;
        let message = format!(
            "Resumed by {}: {} users removed",
            self.admin.username,
            removals.len()
        );
        pipeline::remove::finish_resume(
            store,
            &Logger::new(&app, &run, &actor),
            &removals,
            &message,
        )
        .await?;
        self.engine.wake.notify_one();
        store.get_run(run_id).await
    }

    /// Drops a paused run's removals and completes it; what it imported stays.
    pub async fn cancel_run(&self, run_id: &str) -> Result<ImportRun> {
        let store = &self.engine.store;
        let run = store.get_run(run_id).await?;
        let app = store.get_app(&run.app_id).await?;
        let kept = store.pending_removals(run_id).await?.len();
        let message = format!(
            "Removals cancelled by {} at {}: {kept} users kept, nobody was removed",
            self.admin.username,
            ids::now()
        );
        let event = NewEvent::new(
            EventType::RoadblockCancel,
            format!("Cancel the removals of an import of {}", app.name),
            self.actor(),
        )
        .target(Target::app(&app.id, &app.name))
        .target(Target::import_run(&run.id))
        .transaction(&run.id)
        .debug(serde_json::json!({ "jobId": run.id, "keptUsers": kept }));
        let now = ids::now();
        let mut tx = store.pool().begin().await?;
        if !store::imports::leave_paused(&mut tx, run_id, RunStatus::Completed).await? {
            return Err(not_paused());
        }
        store::rules::delete_removals(&mut tx, run_id).await?;
        store::imports::finish_run(&mut tx, run_id, RunStatus::Completed, Some(&message), now)
            .await?;
        store::events::insert_events(&mut tx, &[event], now).await?;
        tx.commit().await?;
        self.engine.wake.notify_one();
        store.get_run(run_id).await
    }
}

fn not_paused() -> Error {
    Error::Conflict("This import is not paused at a safeguard".into())
}
