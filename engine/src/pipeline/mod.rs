//! The import pipeline, one path for every source, in steps of one file
//! each: [`read`] the source in batches, [`stage`] each record against the
//! last import, [`matching`] against the directory, [`decide`] what happens
//! to it, [`apply`] the decisions with their events, and [`remove`] the
//! users the app no longer has, behind the import safeguards.

pub(crate) mod apply;
pub mod decide;
pub(crate) mod groups;
pub mod matching;
pub(crate) mod read;
pub(crate) mod remove;
pub mod stage;

pub use decide::{profile_changes, removal_for, Decision, Reactivation};
pub use matching::{match_profile, MatchResult};
pub use remove::{check_safeguards, roadblock_message};
pub use stage::content_hash;

use crate::error::{Error, Result};
use crate::model::{App, ImportRun, ImportType, MatchType, Plan, RunCounts, RunStatus};
use crate::store::{self, IndexOptions, Selection, Store};
use crate::syslog::{Actor, EventType, NewEvent, Target};
use serde_json::json;
use std::time::Instant;

fn import_debug(app: &App, run: &ImportRun) -> serde_json::Value {
    json!({
        "importTrigger": run.trigger,
        "importType": run.import_type.as_str(),
        "jobId": run.id,
        "appName": app.name,
        "appId": app.id,
        "preview": run.preview,
    })
}

/// The run's context for the events it logs.
pub(crate) struct Logger<'a> {
    pub app: &'a App,
    pub run: &'a ImportRun,
    pub actor: &'a Actor,
}

impl<'a> Logger<'a> {
    pub(crate) fn new(app: &'a App, run: &'a ImportRun, actor: &'a Actor) -> Logger<'a> {
        Logger { app, run, actor }
    }

    pub(crate) fn event(&self, event_type: EventType, message: impl Into<String>) -> NewEvent {
        NewEvent::new(event_type, message, self.actor.clone())
            .target(Target::app(&self.app.id, &self.app.name))
            .transaction(&self.run.id)
    }
    pub(crate) fn phase(&self, event_type: EventType, message: &str) -> NewEvent {
        self.event(event_type, format!("{message}: {}", self.app.name))
            .debug(import_debug(self.app, self.run))
    }
    pub(crate) fn user(
        &self,
        event_type: EventType,
        message: &str,
        user_id: &str,
        login: &str,
    ) -> NewEvent {
        NewEvent::new(event_type, message, self.actor.clone())
            .target(Target::user(user_id, login, login))
            .target(Target::app(&self.app.id, &self.app.name))
            .transaction(&self.run.id)
    }
}

/// Tells the stager what the store knows of the accounts of a batch.
async fn know_batch(
    store: &Store,
    app_id: &str,
    stager: &mut stage::Stager,
    items: &[crate::sources::Item],
) -> Result<()> {
    use crate::sources::Item;
    let ids: Vec<&str> = items
        .iter()
        .filter_map(|i| match i {
            Item::Record(r) => Some(r.external_id.as_str()),
            Item::RejectedAccount { external_id, .. } => Some(external_id.as_str()),
            Item::Rejected(_) => None,
        })
        .collect();
    stager.know(store.app_user_states_of(app_id, &ids).await?);
    Ok(())
}

/// Stages a batch (hashing and mapping every record, mapping expressions
/// included) on a blocking thread, not on the workers serving requests.
async fn stage_off_thread(
    mut stager: stage::Stager,
    items: Vec<crate::sources::Item>,
) -> Result<(stage::Stager, stage::StagedBatch)> {
    tokio::task::spawn_blocking(move || {
        let staged = stager.stage(items);
        (stager, staged)
    })
    .await
    .map_err(|e| Error::Internal(format!("staging a batch failed: {e}")))
}

/// Runs a claimed import to its end: read, stage, decide and apply each
/// batch of the source (creating or linking, in the batch, the accounts the
/// settings confirm without the admin); queue the accounts gone from a full
/// import's source for removal; confirm what earlier runs queued of the
/// auto-confirmed kinds; then remove, or pause at a safeguard. A preview writes only its plan, errors and counters.
///
/// A run whose earlier attempt was stopped (its counts say how many records
/// its committed batches read) goes on from there: the records already read
/// are read again only to know which accounts the source still has and
/// which logins it used, and nothing is written for them twice. When
/// `stopping` is set, the run stops after the batch in hand with
/// [`Error::Stopping`].
pub async fn run_import(
    store: &Store,
    key: &crate::secrets::SecretKey,
    app: &App,
    run: &ImportRun,
    actor: &Actor,
    stopping: &std::sync::atomic::AtomicBool,
) -> Result<RunCounts> {
    let started = Instant::now();
    let opened = read::open_source(store, key, app, run).await?;
    let mut run = run.clone();
    run.import_type = opened.import_type;
    let run = &run;
    let mut source = opened.source;
    let log = Logger::new(app, run, actor);
    let settings = store.app_settings(&app.id).await?;
    let org = store.org_settings().await?;
    let csv = app.kind == crate::model::AppKind::CsvDirectory;

    let mut start_debug = import_debug(app, run);
    if let (Some(note), Some(d)) = (&opened.note, start_debug.as_object_mut()) {
        d.insert(
            "requestedImportType".into(),
            json!(ImportType::Incremental.as_str()),
        );
        d.insert("note".into(), json!(note));
    }
    let done = if run.preview {
        0
    } else {
        run.counts.scanned.max(0) as usize
    };
    let started_message = match done {
        0 => format!("Import of {} started", app.name),
        n => format!("Import of {} resumed after {n} records", app.name),
    };
    let mut start = vec![log
        .event(EventType::ImportStart, started_message)
        .target(Target::import_run(&run.id))
        .debug(start_debug)];
    if csv {
        start.push(
            log.event(EventType::CsvImportStart, "CSV user import started")
                .debug(import_debug(app, run)),
        );
    }
    let matching = &settings.matching;
    let confirms = crate::model::AutoConfirms {
        new: matching.auto_confirm_new,
        exact: matching.auto_confirm_exact,
        partial: matching.auto_confirm_partial,
    };
    // Accounts confirmed without the admin are created or linked as they
    // are matched, batch by batch.
    let auto = (!run.preview && (confirms.new || confirms.exact || confirms.partial)).then(|| {
        apply::AutoConfirm {
            confirms,
            confirmer: crate::queue::Confirmer {
                app,
                actor,
                transaction: &run.id,
                activate: matching.auto_activate_new,
                sources_users: settings.sourcing.enabled,
            },
        }
    });
    start.push(log.phase(EventType::DownloadStart, "Download of users started"));
    start.push(log.phase(EventType::MatchingStart, "User matching started"));
    if auto.is_some() {
        start.push(log.phase(EventType::ObjectCreationStart, "Object creation started"));
    }
    store.log(&start).await?;

    let index_options = IndexOptions {
        names: matching.allow_partial,
        attribute: matching.attribute.clone(),
    };
    let full = run.import_type == ImportType::Full;
    // A full import needs every account the app has (to find those gone);
    // an incremental one learns those it reads, batch by batch, so it costs
    // what changed rather than the app's size.
    let known = match full {
        true => store.load_app_user_states(&app.id).await?,
        false => Default::default(),
    };
    let mut stager =
        stage::Stager::new(known, full, crate::settings::ProfileMapper::new(&settings)?);
    let mut index = None;
    let mut plan = Plan {
        confirms,
        ..Plan::default()
    };
    let mut removals = Vec::new();
    // The records an earlier attempt committed: read again, staged only to
    // mark what the source has, and skipped; but the removals of disabled
    // accounts among them, which an import applies at its end, are decided
    // again (against what was committed, so nothing else is redone).
    let mut pending = None;
    let mut skip = done;
    while skip > 0 {
        let Some(mut items) = source.next_batch().await? else {
            break;
        };
        if items.len() > skip {
            pending = Some(items.split_off(skip));
        }
        skip -= items.len();
        if !full {
            know_batch(store, &app.id, &mut stager, &items).await?;
        }
        let (returned, mut staged) = stage_off_thread(stager, items).await?;
        stager = returned;
        staged.linked.retain(|l| !l.active);
        if !staged.linked.is_empty() {
            staged.unlinked.clear();
            let snapshot =
                decide::read_snapshot(store, &app.id, &staged, &mut index, &index_options).await?;
            let inactive = std::mem::take(&mut staged.linked);
            let decisions = decide::decide(
                Vec::new(),
                inactive,
                &snapshot,
                index.as_ref(),
                &settings,
                full,
            );
            removals.extend(decisions.into_iter().filter_map(|d| match d {
                Decision::Remove(r) => Some(r),
                _ => None,
            }));
        }
    }
    if done > 0 {
        stager.counts = run.counts;
    }
    loop {
        let items = match pending.take() {
            Some(items) => items,
            None => match source.next_batch().await? {
                Some(items) => items,
                None => break,
            },
        };
        if !full {
            know_batch(store, &app.id, &mut stager, &items).await?;
        }
        let (returned, mut staged) = stage_off_thread(stager, items).await?;
        stager = returned;
        let snapshot =
            decide::read_snapshot(store, &app.id, &staged, &mut index, &index_options).await?;
        let decisions = decide::decide(
            std::mem::take(&mut staged.unlinked),
            std::mem::take(&mut staged.linked),
            &snapshot,
            index.as_ref(),
            &settings,
            full,
        );
        decide::tally(&decisions, &mut stager.counts);
        if run.preview {
            apply::preview_batch(store, &log, &staged, &decisions, &stager.counts, &mut plan)
                .await?;
        } else {
            apply::apply_batch(
                store,
                &log,
                &staged,
                &decisions,
                &stager.counts,
                auto.as_ref(),
            )
            .await?;
        }
        removals.extend(decisions.into_iter().filter_map(|d| match d {
            Decision::Remove(r) => Some(r),
            _ => None,
        }));
        if !run.preview && stopping.load(std::sync::atomic::Ordering::SeqCst) {
            return Err(Error::Stopping);
        }
    }
    // Groups are read whole once the users are, before anyone is removed:
    // a source that fails here removes nobody.
    let groups = match run.preview {
        true => None,
        false => match source.groups().await? {
            Some(read) => Some(groups::sync_groups(store, &log, read).await?),
            None => None,
        },
    };
    if full {
        let gone = stager.unseen_linked();
        removals.extend(
            remove::find_gone(store, &app.id, &gone, &settings.sourcing, run.preview).await?,
        );
    }
    removals.sort_unstable_by(|a, b| a.user_id.cmp(&b.user_id));
    store
        .log(&[
            log.phase(EventType::DownloadComplete, "Download of users completed"),
            log.phase(EventType::MatchingComplete, "User matching completed"),
        ])
        .await?;

    if let Some(auto) = &auto {
        // Accounts queued before, by earlier runs, are confirmed now too.
        let chosen = [
            (confirms.exact, MatchType::Exact),
            (confirms.partial, MatchType::Partial),
            (confirms.new, MatchType::New),
        ];
        for (_, match_type) in chosen.into_iter().filter(|(on, _)| *on) {
            crate::queue::confirm_assignments(
                store,
                app,
                &Selection::AllOfType(match_type),
                auto.confirmer.activate,
                actor,
            )
            .await?;
        }
        store
            .log(&[log.phase(
                EventType::ObjectCreationComplete,
                "Object creation completed",
            )])
            .await?;
    }
    let (org_assigned, app_assigned) = store.assignment_counts(&app.id).await?;
    let roadblock = check_safeguards(
        &settings,
        &org,
        removals.len() as i64,
        app_assigned,
        org_assigned,
    );
    let mut status = RunStatus::Completed;
    let mut message = opened.note.clone();
    let mut removal_lines = Vec::new();
    if run.preview {
        removal_lines = apply::plan_removals(&mut plan, &removals);
        plan.roadblock = roadblock;
    } else if !removals.is_empty() {
        store
            .log(&[log.phase(
                EventType::ImplicitDeletionStart,
                "Implicit deletion started",
            )])
            .await?;
        match roadblock {
            Some(rb) => {
                remove::pause(store, &log, &rb, &removals).await?;
                message = Some(remove::roadblock_message(&rb));
                plan.roadblock = Some(rb);
                status = RunStatus::Paused;
            }
            None => {
                remove::apply_removals(store, &log, &removals).await?;
                store
                    .log(&[log.phase(
                        EventType::ImplicitDeletionComplete,
                        "Implicit deletion completed",
                    )])
                    .await?;
            }
        }
    }

    let mut c = stager.counts;
    // What the removals did (or, for a preview, would do); a paused run's
    // are counted when they are applied.
    let removed = remove::by_action(&removals);
    if status == RunStatus::Completed {
        (c.deactivated, c.suspended, c.unassigned) = removed;
    }
    let mut debug = import_debug(app, run);
    if let Some(d) = debug.as_object_mut() {
        d.insert("totalObjects".into(), json!(c.scanned));
        d.insert("addedObjects".into(), json!(c.new));
        d.insert("updatedObjects".into(), json!(c.updated));
        d.insert("unchangedObjects".into(), json!(c.unchanged));
        d.insert("matchedObjects".into(), json!(c.matched));
        d.insert("partialMatchObjects".into(), json!(c.partial));
        d.insert("reactivatedObjects".into(), json!(c.reactivated));
        d.insert("conflictObjects".into(), json!(c.conflicts));
        d.insert("errorObjects".into(), json!(c.errors));
        d.insert("removedObjects".into(), json!(removals.len()));
        if let Some(g) = &groups {
            d.insert("totalGroups".into(), json!(g.scanned));
            d.insert("addedGroups".into(), json!(g.new));
            d.insert("updatedGroups".into(), json!(g.updated));
            d.insert("removedGroups".into(), json!(g.removed));
            d.insert("addedMemberships".into(), json!(g.members_added));
            d.insert("removedMemberships".into(), json!(g.members_removed));
        }
        d.insert(
            "totalTime".into(),
            json!(format!("{} ms", started.elapsed().as_millis())),
        );
    }
    let mut summary = format!(
        "{} scanned, {} new, {} updated, {} unchanged, {} in error; {} matched, {} partial matches, {} conflicts, {} unmatched; {} reactivated",
        c.scanned, c.new, c.updated, c.unchanged, c.errors, c.matched, c.partial, c.conflicts, c.unmatched, c.reactivated
    );
    if status == RunStatus::Paused {
        summary.push_str(&format!(
            "; {} to remove once the admin decides",
            removals.len()
        ));
    } else {
        summary.push_str(&format!(
            "; {} deactivated, {} suspended, {} unassigned",
            c.deactivated, c.suspended, c.unassigned
        ));
    }
    if let Some(g) = &groups {
        summary.push_str(&format!(
            "; {} groups: {} new, {} updated, {} removed; {} memberships added, {} removed",
            g.scanned, g.new, g.updated, g.removed, g.members_added, g.members_removed
        ));
    }
    let mut end = Vec::new();
    if csv {
        end.push(
            log.event(
                EventType::CsvImportComplete,
                format!("CSV user import completed: {summary}"),
            )
            .debug(debug.clone()),
        );
    }
    end.push(
        log.event(
            EventType::ImportComplete,
            format!("Import of {} completed: {summary}", app.name),
        )
        .target(Target::import_run(&run.id))
        .debug(debug),
    );
    let now = crate::ids::now();
    let mut tx = store.pool().begin().await?;
    store::imports::update_run_counts(&mut tx, &run.id, &c).await?;
    if run.preview {
        store::imports::add_removal_counts(&mut tx, &run.id, removed).await?;
        store::rules::insert_plan_lines(&mut tx, &run.id, &removal_lines).await?;
    }
    store::imports::set_run_import_type(&mut tx, &run.id, run.import_type).await?;
    if let Some(g) = &groups {
        store::imports::set_group_counts(&mut tx, &run.id, g).await?;
    }
    if run.preview || plan.roadblock.is_some() {
        store::rules::set_run_plan(
            &mut tx,
            &run.id,
            &serde_json::to_value(&plan).unwrap_or_default(),
        )
        .await?;
    }
    if !run.preview && status == RunStatus::Completed {
        if let Some(watermark) = source.watermark() {
            store::sources::save_watermark(&mut tx, &app.id, &run.id, &watermark, now).await?;
        }
    }
    store::imports::finish_run(&mut tx, &run.id, status, message.as_deref(), now).await?;
    store::events::insert_events(&mut tx, &end, now).await?;
    tx.commit().await?;
    Ok(c)
}

/// Records a run that could not finish, with the reason.
pub async fn fail_run(
    store: &Store,
    app: &App,
    run: &ImportRun,
    actor: &Actor,
    reason: &str,
) -> Result<()> {
    let now = crate::ids::now();
    let event = NewEvent::new(
        EventType::ImportComplete,
        format!("Import of {} failed: {reason}", app.name),
        actor.clone(),
    )
    .target(Target::app(&app.id, &app.name))
    .target(Target::import_run(&run.id))
    .transaction(&run.id)
    .debug(import_debug(app, run))
    .failure(reason);
    let mut tx = store.pool().begin().await?;
    store::imports::finish_run(&mut tx, &run.id, RunStatus::Failed, Some(reason), now).await?;
    store::events::insert_events(&mut tx, &[event], now).await?;
    tx.commit().await?;
    Ok(())
}
