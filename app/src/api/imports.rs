//! Imports: starting them, following them, the queue and its confirmation.

use leptos::prelude::*;
use leptos::server_fn::codec::Json;
use proto::console::PausedRunView;
use proto::{
    ConfirmOutcome, ImportRun, ImportType, MatchType, Page, PlanLine, PlannedRemoval,
    QueueActionOutcome, QueueChoice, QueueRow, QueueTally, RowError, TextEncoding, UploadPreview,
};

/// Reads an upload that is text but not UTF-8 in the encoding the admin
/// chose: the file is converted to UTF-8 once, as a new upload whose
/// preview is returned.
#[server]
pub async fn decode_upload(
    app_id: String,
    upload_id: String,
    encoding: TextEncoding,
) -> Result<UploadPreview, ServerFnError> {
    use super::ssr::*;
    let (engine, admin) = require_admin().await?;
    engine
        .write(&admin)
        .map_err(to_error)?
        .decode_upload(&app_id, &upload_id, encoding)
        .await
        .map_err(to_error)
}

/// Starts (or queues, when one runs) an import of the uploaded file.
#[server]
pub async fn start_import(
    app_id: String,
    upload_id: String,
    import_type: ImportType,
    preview: bool,
) -> Result<ImportRun, ServerFnError> {
    use super::ssr::*;
    let (engine, admin) = require_admin().await?;
    let upload = Some(upload_id.as_str()).filter(|u| !u.is_empty());
    let run = if preview {
        engine
            .write(&admin)
            .map_err(to_error)?
            .preview_import(&app_id, upload, import_type)
            .await
    } else {
        engine
            .write(&admin)
            .map_err(to_error)?
            .start_import(&app_id, upload, import_type)
            .await
    };
    run.map_err(to_error)
}

/// Runs a completed preview for real.
#[server]
pub async fn apply_preview(run_id: String) -> Result<ImportRun, ServerFnError> {
    use super::ssr::*;
    let (engine, admin) = require_admin().await?;
    engine
        .write(&admin)
        .map_err(to_error)?
        .apply_preview(&run_id)
        .await
        .map_err(to_error)
}

/// Imports paused at a safeguard; `app_id` empty for every app.
#[server]
pub async fn paused_runs(app_id: String) -> Result<Vec<PausedRunView>, ServerFnError> {
    use super::ssr::*;
    let (engine, admin) = require_admin().await?;
    Ok(engine
        .read(&admin)
        .paused_runs()
        .await
        .map_err(to_error)?
        .into_iter()
        .filter(|(_, r)| app_id.is_empty() || r.app_id == app_id)
        .map(|(app_name, r)| PausedRunView {
            run_id: r.id,
            app_id: r.app_id,
            app_name,
            message: r.message.unwrap_or_default(),
        })
        .collect())
}

/// Resume (apply the removals) or cancel (drop them) a paused import.
#[server]
pub async fn decide_paused_run(run_id: String, resume: bool) -> Result<ImportRun, ServerFnError> {
    use super::ssr::*;
    let (engine, admin) = require_admin().await?;
    let run = if resume {
        engine
            .write(&admin)
            .map_err(to_error)?
            .resume_run(&run_id)
            .await
    } else {
        engine
            .write(&admin)
            .map_err(to_error)?
            .cancel_run(&run_id)
            .await
    };
    run.map_err(to_error)
}

/// Sets what confirming a queue row does: no `action` (as its match type
/// says), create, link (to the match, or to `user_id` when given) or ignore.
/// Linking a person another app sources is saved only once `confirmed`;
/// until then the outcome asks.
#[server(input = Json)]
pub async fn set_queue_action(
    app_id: String,
    seq: i64,
    action: Option<QueueChoice>,
    user_id: Option<String>,
    confirmed: bool,
) -> Result<QueueActionOutcome, ServerFnError> {
    use super::ssr::*;
    use engine::model::QueueAction;
    let (engine, admin) = require_admin().await?;
    let action = match action {
        None => QueueAction::Default,
        Some(QueueChoice::Create) => QueueAction::Create,
        Some(QueueChoice::Link) => QueueAction::Link(user_id.filter(|u| !u.is_empty())),
        Some(QueueChoice::Ignore) => QueueAction::Ignore,
    };
    engine
        .write(&admin)
        .map_err(to_error)?
        .set_queue_action(&app_id, seq, action, confirmed)
        .await
        .map_err(to_error)
}

/// One import run.
#[server]
pub async fn get_run(run_id: String) -> Result<ImportRun, ServerFnError> {
    use super::ssr::*;
    let (engine, admin) = require_admin().await?;
    engine.read(&admin).get_run(&run_id).await.map_err(to_error)
}

/// The app's imports, newest first.
#[server]
pub async fn list_runs(app_id: String) -> Result<Vec<ImportRun>, ServerFnError> {
    use super::ssr::*;
    let (engine, admin) = require_admin().await?;
    engine
        .read(&admin)
        .list_runs(&app_id, 20)
        .await
        .map_err(to_error)
}

#[server]
pub async fn list_row_errors(run_id: String, offset: i64) -> Result<Page<RowError>, ServerFnError> {
    use super::ssr::*;
    let (engine, admin) = require_admin().await?;
    engine
        .read(&admin)
        .row_errors(&run_id, offset, 50)
        .await
        .map_err(to_error)
}

/// One page of the users a paused import would remove, narrowed by login,
/// name or email.
#[server]
pub async fn list_removals(
    run_id: String,
    search: String,
    offset: i64,
) -> Result<Page<PlannedRemoval>, ServerFnError> {
    use super::ssr::*;
    let (engine, admin) = require_admin().await?;
    engine
        .read(&admin)
        .removals(&run_id, &search, offset, 50)
        .await
        .map_err(to_error)
}

/// One page of a preview's whole plan, narrowed by login, external id or
/// what happens.
#[server]
pub async fn list_plan_lines(
    run_id: String,
    search: String,
    offset: i64,
) -> Result<Page<PlanLine>, ServerFnError> {
    use super::ssr::*;
    let (engine, admin) = require_admin().await?;
    engine
        .read(&admin)
        .plan_lines(&run_id, &search, offset, 50)
        .await
        .map_err(to_error)
}

/// One page of the import queue; every match type when `match_type` is none.
#[server]
pub async fn list_queue(
    app_id: String,
    match_type: Option<MatchType>,
    offset: i64,
) -> Result<Page<QueueRow>, ServerFnError> {
    use super::ssr::*;
    let (engine, admin) = require_admin().await?;
    engine
        .read(&admin)
        .list_queue(&app_id, match_type, offset, 50)
        .await
        .map_err(to_error)
}

/// Confirms the rows `seqs`, or when `all` every row of the queue as
/// filtered (`match_type`, none for every type).
#[server(input = Json)]
pub async fn confirm_assignments(
    app_id: String,
    seqs: Vec<i64>,
    all: bool,
    match_type: Option<MatchType>,
    activate: bool,
) -> Result<ConfirmOutcome, ServerFnError> {
    use super::ssr::*;
    let (engine, admin) = require_admin().await?;
    let selection = selection(seqs, all, match_type)?;
    engine
        .write(&admin)
        .map_err(to_error)?
        .confirm_assignments(&app_id, selection, activate)
        .await
        .map_err(to_error)
}

/// What confirming the rows `seqs` (or when `all` every row of the queue as
/// filtered) will do, and how many rows that is: the tally the Confirm and
/// Clear dialogs show before they run.
#[server(input = Json)]
pub async fn tally_queue(
    app_id: String,
    seqs: Vec<i64>,
    all: bool,
    match_type: Option<MatchType>,
) -> Result<QueueTally, ServerFnError> {
    use super::ssr::*;
    let (engine, admin) = require_admin().await?;
    let selection = selection(seqs, all, match_type)?;
    engine
        .read(&admin)
        .queue_tally(&app_id, &selection)
        .await
        .map_err(to_error)
}

/// The queue rows a console action applies to.
#[cfg(feature = "ssr")]
fn selection(
    rows: Vec<i64>,
    all: bool,
    match_type: Option<MatchType>,
) -> Result<engine::store::Selection, ServerFnError> {
    if all {
        return Ok(match match_type {
            Some(mt) => engine::store::Selection::AllOfType(mt),
            None => engine::store::Selection::All,
        });
    }
    if rows.is_empty() {
        return Err(ServerFnError::new("Select users in the queue first"));
    }
    Ok(engine::store::Selection::Rows(rows))
}

/// Clears unconfirmed users: the rows `seqs`, or when `all` the whole queue
/// as filtered. Returns how many were cleared.
#[server(input = Json)]
pub async fn clear_unconfirmed(
    app_id: String,
    seqs: Vec<i64>,
    all: bool,
    match_type: Option<MatchType>,
) -> Result<i64, ServerFnError> {
    use super::ssr::*;
    let (engine, admin) = require_admin().await?;
    let selection = selection(seqs, all, match_type)?;
    engine
        .write(&admin)
        .map_err(to_error)?
        .clear_unconfirmed(&app_id, selection)
        .await
        .map_err(to_error)
}

/// The import sessions of a Custom Identity Source, newest first.
#[server]
pub async fn list_import_sessions(
    app_id: String,
) -> Result<Vec<proto::console::ImportSessionView>, ServerFnError> {
    use super::ssr::*;
    let (engine, admin) = require_admin().await?;
    engine
        .read(&admin)
        .import_sessions(&app_id)
        .await
        .map_err(to_error)
}
