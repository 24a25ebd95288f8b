//! Imports: starting them, following them, the queue and its confirmation.

use crate::wire::{ConfirmView, PageView, PausedRunView, QueueRowView, RowErrorView, RunView};
#[cfg(feature = "ssr")]
use crate::wire::{PlanSectionView, PlanView};
use leptos::prelude::*;

#[cfg(feature = "ssr")]
pub(crate) fn run_view(r: engine::model::ImportRun) -> RunView {
    let rate = match (r.status, &r.started) {
        (engine::model::RunStatus::Running, Some(started)) => chrono_seconds_since(started)
            .filter(|s| *s > 0.0)
            .map(|s| r.counts.scanned as f64 / s),
        _ => None,
    };
    RunView {
        id: r.id,
        app_id: r.app_id,
        import_type: r.import_type.as_str().into(),
        trigger: r.trigger,
        status: r.status.as_str().into(),
        created: r.created,
        started: r.started,
        finished: r.finished,
        total: r.total,
        scanned: r.counts.scanned,
        new: r.counts.new,
        updated: r.counts.updated,
        unchanged: r.counts.unchanged,
        matched: r.counts.matched,
        conflicts: r.counts.conflicts,
        errors: r.counts.errors,
        message: r.message,
        rate,
        preview: r.preview,
        plan: r.plan.map(plan_view),
    }
}

/// A plan in words: each non-empty part with its first users.
#[cfg(feature = "ssr")]
fn plan_view(p: engine::model::Plan) -> PlanView {
    use engine::model::{PlanSection, PlanUser};
    fn users(
        key: &str,
        title: &str,
        s: PlanSection<PlanUser>,
        detail: impl Fn(&PlanUser) -> String,
    ) -> PlanSectionView {
        PlanSectionView {
            key: key.into(),
            title: title.into(),
            total: s.total,
            rows: s
                .items
                .iter()
                .map(|u| (u.login.clone(), detail(u)))
                .collect(),
        }
    }
    let matched = |u: &PlanUser| {
        let how = u.match_type.map(|m| m.label()).unwrap_or_default();
        match &u.user_login {
            Some(l) => format!("{how}: {l}"),
            None => how.to_owned(),
        }
    };
    let update = PlanSectionView {
        key: "update".into(),
        title: "Attribute changes".into(),
        total: p.update.total,
        rows: p
            .update
            .items
            .iter()
            .map(|u| {
                let changes: Vec<String> = u
                    .changes
                    .iter()
                    .map(|c| {
                        format!(
                            "{}: {} → {}",
                            c.attribute,
                            c.old.as_deref().unwrap_or("(empty)"),
                            c.new.as_deref().unwrap_or("(empty)")
                        )
                    })
                    .collect();
                (u.login.clone(), changes.join("; "))
            })
            .collect(),
    };
    let sections = vec![
        users("create", "Users to create", p.create, |_| "New user".into()),
        users("link", "Users to link", p.link, matched),
        users("conflict", "Conflicts to resolve", p.conflict, matched),
        update,
        users("deactivate", "Users to deactivate", p.deactivate, |_| {
            "Deactivate".into()
        }),
        users("suspend", "Users to suspend", p.suspend, |_| {
            "Suspend".into()
        }),
        users("unassign", "Users to unassign", p.unassign, |_| {
            "Remove from the app".into()
        }),
        users("reactivate", "Users to reactivate", p.reactivate, |_| {
            "Reactivate".into()
        }),
    ];
    PlanView {
        sections: sections.into_iter().filter(|s| s.total > 0).collect(),
        roadblock: p.roadblock.map(|r| {
            format!(
                "The {} import safeguard stops this import: it removes {} of {} users ({}%), more than the limit of {}%.",
                if r.level == "APP" { "app-level" } else { "org-level" },
                r.removals,
                r.assigned,
                r.percentage,
                r.threshold
            )
        }),
    }
}

#[cfg(feature = "ssr")]
fn chrono_seconds_since(ts: &str) -> Option<f64> {
    engine::model::seconds_since(ts)
}

/// Starts (or queues, when one runs) an import of the uploaded file.
#[server]
pub async fn start_import(
    app_id: String,
    upload_id: String,
    import_type: String,
    preview: bool,
) -> Result<RunView, ServerFnError> {
    use super::ssr::*;
    let (engine, admin) = require_admin().await?;
    let import_type = engine::model::ImportType::parse(&import_type)
        .ok_or_else(|| ServerFnError::new(format!("Unknown import type {import_type}")))?;
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
    run.map(run_view).map_err(to_error)
}

/// Runs a completed preview for real.
#[server]
pub async fn apply_preview(run_id: String) -> Result<RunView, ServerFnError> {
    use super::ssr::*;
    let (engine, admin) = require_admin().await?;
    engine
        .write(&admin)
        .map_err(to_error)?
        .apply_preview(&run_id)
        .await
        .map(run_view)
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
pub async fn decide_paused_run(run_id: String, resume: bool) -> Result<RunView, ServerFnError> {
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
    run.map(run_view).map_err(to_error)
}

/// Sets what confirming a queue row does: `action` is empty (by match type),
/// `CREATE`, `LINK` (to the match, or to `user_id` when given) or `IGNORE`.
#[server]
pub async fn set_queue_action(
    app_id: String,
    seq: i64,
    action: String,
    user_id: String,
) -> Result<(), ServerFnError> {
    use super::ssr::*;
    use engine::model::QueueAction;
    let (engine, admin) = require_admin().await?;
    let action = match action.as_str() {
        "" => QueueAction::Default,
        "CREATE" => QueueAction::Create,
        "LINK" => QueueAction::Link(Some(user_id).filter(|u| !u.is_empty())),
        "IGNORE" => QueueAction::Ignore,
        other => return Err(ServerFnError::new(format!("Unknown queue action {other}"))),
    };
    engine
        .write(&admin)
        .map_err(to_error)?
        .set_queue_action(&app_id, seq, action)
        .await
        .map_err(to_error)
}

/// The app's imports, newest first.
#[server]
pub async fn list_runs(app_id: String) -> Result<Vec<RunView>, ServerFnError> {
    use super::ssr::*;
    let (engine, admin) = require_admin().await?;
    Ok(engine
        .read(&admin)
        .list_runs(&app_id, 20)
        .await
        .map_err(to_error)?
        .into_iter()
        .map(run_view)
        .collect())
}

#[server]
pub async fn list_row_errors(
    run_id: String,
    offset: i64,
) -> Result<PageView<RowErrorView>, ServerFnError> {
    use super::ssr::*;
    let (engine, admin) = require_admin().await?;
    let page = engine
        .read(&admin)
        .row_errors(&run_id, offset, 50)
        .await
        .map_err(to_error)?;
    Ok(PageView {
        items: page
            .items
            .into_iter()
            .map(|e| RowErrorView {
                line: e.line,
                field: e.field,
                value: e.value,
                message: e.message,
            })
            .collect(),
        total: page.total,
        offset: page.offset,
        limit: page.limit,
    })
}

/// One page of the import queue; `match_type` empty for all.
#[server]
pub async fn list_queue(
    app_id: String,
    match_type: String,
    offset: i64,
) -> Result<PageView<QueueRowView>, ServerFnError> {
    use super::ssr::*;
    let (engine, admin) = require_admin().await?;
    let mt = engine::model::MatchType::parse(&match_type);
    let page = engine
        .read(&admin)
        .list_queue(&app_id, mt, offset, 50)
        .await
        .map_err(to_error)?;
    Ok(PageView {
        items: page
            .items
            .into_iter()
            .map(|q| QueueRowView {
                seq: q.seq,
                match_type: q.match_type.as_str().into(),
                match_label: q.match_type.label().into(),
                login: q.login,
                email: q.email,
                first_name: q.first_name,
                last_name: q.last_name,
                matched_user_login: q.matched_user_login,
                candidates: q.candidates,
                candidate_logins: q.candidate_logins,
                action: q.action,
                action_user_login: q.action_user_login,
            })
            .collect(),
        total: page.total,
        offset: page.offset,
        limit: page.limit,
    })
}

/// Confirms the rows `seqs` (comma-separated), or when `all` every row of
/// the queue as filtered (`match_type`, empty for every type).
#[server]
pub async fn confirm_assignments(
    app_id: String,
    seqs: String,
    all: bool,
    match_type: String,
    activate: bool,
) -> Result<ConfirmView, ServerFnError> {
    use super::ssr::*;
    let (engine, admin) = require_admin().await?;
    let selection = selection(&seqs, all, &match_type)?;
    let o = engine
        .write(&admin)
        .map_err(to_error)?
        .confirm_assignments(&app_id, selection, activate)
        .await
        .map_err(to_error)?;
    Ok(ConfirmView {
        created: o.created,
        activated: o.activated,
        linked: o.linked,
        ignored: o.ignored,
        skipped: o.skipped,
    })
}

/// The queue rows a console action applies to.
#[cfg(feature = "ssr")]
fn selection(
    seqs: &str,
    all: bool,
    match_type: &str,
) -> Result<engine::store::Selection, ServerFnError> {
    if all {
        return Ok(match engine::model::MatchType::parse(match_type) {
            Some(mt) => engine::store::Selection::AllOfType(mt),
            None => engine::store::Selection::All,
        });
    }
    let rows: Result<Vec<i64>, _> = seqs
        .split(',')
        .filter(|s| !s.is_empty())
        .map(str::parse)
        .collect();
    let rows = rows.map_err(|_| ServerFnError::new("The selection is not a list of rows"))?;
    if rows.is_empty() {
        return Err(ServerFnError::new("Select users in the queue first"));
    }
    Ok(engine::store::Selection::Rows(rows))
}

/// Clears unconfirmed users: the rows `seqs`, or when `all` the whole queue
/// as filtered. Returns how many were cleared.
#[server]
pub async fn clear_unconfirmed(
    app_id: String,
    seqs: String,
    all: bool,
    match_type: String,
) -> Result<i64, ServerFnError> {
    use super::ssr::*;
    let (engine, admin) = require_admin().await?;
    let selection = selection(&seqs, all, &match_type)?;
    engine
        .write(&admin)
        .map_err(to_error)?
        .clear_unconfirmed(&app_id, selection)
        .await
        .map_err(to_error)
}
