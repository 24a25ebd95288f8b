//! Apply: one batch's decisions written in one transaction with their System
//! Log events, the app-user rows staged, the row errors and the run's
//! counters. A preview writes only its errors and counters, and records the
//! decisions in its plan instead.

use super::decide::{Decision, Reactivation};
use super::stage::StagedBatch;
use super::Logger;
use crate::error::Result;
use crate::model::{
    AutoConfirms, ConfirmOutcome, MatchType, Plan, PlanLine, PlanPart, PlanUpdate, PlanUser,
    RunCounts, UserStatus,
};
use crate::queue::{self, Choice, Confirmer, Fate, Person};
use crate::store::{self, QueueEntry, Removal, RemovalAction, Store};
use crate::syslog::EventType;
use serde_json::json;
use std::collections::{HashMap, HashSet};

/// A run's automatic confirmations: the queued accounts of these match
/// types are confirmed in the batch that decides them, as the admin would
/// confirm them, and never wait in the queue.
pub(crate) struct AutoConfirm<'a> {
    pub confirms: AutoConfirms,
    pub confirmer: Confirmer<'a>,
}

impl AutoConfirm<'_> {
    /// What the run does with a queued account by itself: creates a new
    /// person, links a match; None leaves it for the admin.
    fn choice<'q>(&self, q: &'q QueueEntry) -> Option<Choice<'q>> {
        let matched = q.matched_user_id.as_deref();
        match (q.match_type, matched) {
            (MatchType::New, _) if self.confirms.new => Some(Choice::Create),
            (MatchType::Exact, Some(user)) if self.confirms.exact => Some(Choice::Link(user)),
            (MatchType::Partial, Some(user)) if self.confirms.partial => Some(Choice::Link(user)),
            _ => None,
        }
    }
}

/// Writes a batch: its staged rows and decisions (removals excepted: the
/// remove step applies them at the end of the run), its errors and the
/// run's counters. Accounts the run confirms by itself are created or
/// linked here; the other accounts to match are queued.
pub async fn apply_batch(
    store: &Store,
    log: &Logger<'_>,
    staged: &StagedBatch,
    decisions: &[Decision],
    counts: &RunCounts,
    auto: Option<&AutoConfirm<'_>>,
) -> Result<()> {
    let app_id = log.app.id.as_str();
    let now = crate::ids::now();
    let mut queue = Vec::new();
    let mut confirm = Vec::new();
    let mut updates = Vec::new();
    let mut statuses: Vec<(&str, UserStatus)> = Vec::new();
    let mut back = Vec::new();
    let mut assign = Vec::new();
    let mut events = Vec::new();
    for d in decisions {
        match d {
            Decision::Queue(q) => match auto.and_then(|a| a.choice(q)) {
                Some(choice) => confirm.push((q, choice)),
                None => queue.push(q),
            },
            Decision::Update {
                user_id,
                login,
                profile,
                changes,
                ..
            } => {
                events.push(
                    log.user(
                        EventType::ImportUserUpdate.of_source(log.app.kind),
                        "Update user profile from the app",
                        user_id,
                        login,
                    )
                    .debug(json!({ "changes": changes })),
                );
                updates.push((user_id.clone(), profile.clone()));
            }
            Decision::Reactivate {
                external_id,
                user_id,
                login,
                status,
                assign: reassign,
            } => {
                match status {
                    Some(Reactivation::Unsuspend) => events.push(log.user(
                        EventType::ImportUserUnsuspend,
                        "Unsuspend user sourced by the app",
                        user_id,
                        login,
                    )),
                    Some(r @ Reactivation::Reactivate { exact_profile }) => events.push(
                        log.user(EventType::UserReactivate, "Reactivate user sourced by the app", user_id, login)
                            .debug(json!({"newStatus": r.status().as_str(), "exactProfileMatch": exact_profile})),
                    ),
                    None => {}
                }
                if let Some(r) = status {
                    statuses.push((user_id, r.status()));
                }
                if *reassign {
                    events.push(log.user(
                        EventType::MembershipAdd,
                        "Add user to application membership",
                        user_id,
                        login,
                    ));
                    assign.push(user_id.as_str());
                }
                back.push(external_id.as_str());
            }
            Decision::Remove(_) | Decision::Refused { .. } => {}
        }
    }
    let mut tx = store.pool().begin().await?;
    // Accounts confirmed now: their people are created (or found), and each
    // is linked as its row is staged (or, unchanged, on its row).
    let mut rematched = Vec::new();
    let mut confirmed = None;
    let mut linked = Vec::new();
    if let Some(auto) = auto.filter(|_| !confirm.is_empty()) {
        let rows: Vec<queue::Row> = confirm
            .iter()
            .map(|&(q, choice)| row_of(q, choice))
            .collect();
        let mut outcome = ConfirmOutcome::default();
        let mut done =
            queue::confirm_rows(&mut tx, &auto.confirmer, &rows, &mut outcome, now).await?;
        let mut gone_from_queue = Vec::new();
        for ((q, _), fate) in confirm.iter().zip(&done.fates) {
            match fate {
                Fate::Done => gone_from_queue.push(q.external_id.as_str()),
                Fate::Taken(user) => rematched.push(taken_by(q, user)),
                Fate::Left => queue.push(q),
            }
        }
        store::imports::delete_queued_accounts(&mut tx, app_id, &gone_from_queue).await?;
        linked = std::mem::take(&mut done.links);
        confirmed = Some((auto, done));
    }
    queue.extend(&rematched);
    let links: HashMap<&str, &str> = linked
        .iter()
        .map(|(e, u)| (e.as_str(), u.as_str()))
        .collect();
    store::imports::stage_app_users(&mut tx, app_id, &log.run.id, &staged.rows, &links).await?;
    if let Some((auto, done)) = confirmed {
        let staged_now: HashSet<&str> =
            staged.rows.iter().map(|r| r.external_id.as_str()).collect();
        let unchanged: Vec<(&str, &str)> = links
            .into_iter()
            .filter(|(e, _)| !staged_now.contains(e))
            .collect();
        store::imports::link_app_users(&mut tx, app_id, &unchanged).await?;
        done.finish(&mut tx, &auto.confirmer, now).await?;
    }
    store::imports::upsert_queue(&mut tx, app_id, &log.run.id, &queue).await?;
    store::rules::update_user_profiles(&mut tx, &updates, now).await?;
    for status in [UserStatus::Active, UserStatus::Provisioned] {
        let ids: Vec<&str> = statuses
            .iter()
            .filter(|(_, s)| *s == status)
            .map(|(id, _)| *id)
            .collect();
        store::rules::set_users_status(&mut tx, &ids, status, now).await?;
    }
    store::rules::set_app_users_active(&mut tx, app_id, &back, true).await?;
    store::imports::insert_assignments(&mut tx, app_id, &assign, now).await?;
    store::events::insert_events(&mut tx, &events, now).await?;
    write_errors_and_counts(&mut tx, log, staged, decisions, counts).await?;
    tx.commit().await?;
    Ok(())
}

/// A queued account as a row to confirm as the run chose.
fn row_of<'q>(q: &'q QueueEntry, choice: Choice<'q>) -> queue::Row<'q> {
    queue::Row {
        external_id: &q.external_id,
        choice,
        person: Person {
            login: &q.login,
            email: &q.email,
            first_name: &q.first_name,
            last_name: &q.last_name,
            profile: &q.profile,
            search_key: &q.search_key,
        },
    }
}

/// A new account whose login a user took since it was matched: queued as an
/// exact match of that user instead.
fn taken_by(q: &QueueEntry, user: &str) -> QueueEntry {
    QueueEntry {
        match_type: MatchType::Exact,
        matched_user_id: Some(user.to_owned()),
        candidates: 1,
        candidate_ids: crate::model::json_text(&[user]),
        ..q.clone()
    }
}

/// Writes the batch's row errors (staging's and the decisions') and the
/// run's counters.
async fn write_errors_and_counts(
    conn: &mut sqlx::SqliteConnection,
    log: &Logger<'_>,
    staged: &StagedBatch,
    decisions: &[Decision],
    counts: &RunCounts,
) -> Result<()> {
    let mut errors = staged.errors.clone();
    errors.extend(decisions.iter().filter_map(|d| match d {
        Decision::Refused { error, .. } => Some(error.clone()),
        _ => None,
    }));
    store::imports::insert_row_errors(&mut *conn, &log.run.id, &errors).await?;
    store::imports::update_run_counts(&mut *conn, &log.run.id, counts).await
}

/// A preview's batch: its errors and the run's counters are written, its
/// decisions recorded in the plan.
pub async fn preview_batch(
    store: &Store,
    log: &Logger<'_>,
    staged: &StagedBatch,
    decisions: &[Decision],
    counts: &RunCounts,
    plan: &mut Plan,
) -> Result<()> {
    let matched: Vec<&str> = decisions
        .iter()
        .filter_map(|d| match d {
            Decision::Queue(q) => q.matched_user_id.as_deref(),
            _ => None,
        })
        .collect();
    let mut tx = store.pool().begin().await?;
    let labels = store::rules::user_labels(&mut tx, &matched).await?;
    let confirms = plan.confirms;
    let mut lines = Vec::new();
    for d in decisions {
        match d {
            Decision::Queue(q) => {
                let entry = PlanUser {
                    external_id: q.external_id.clone(),
                    login: q.login.clone(),
                    user_login: q
                        .matched_user_id
                        .as_ref()
                        .and_then(|id| labels.get(id).map(|label| label.login.clone())),
                    match_type: Some(q.match_type),
                };
                let part = match q.match_type {
                    MatchType::New => PlanPart::Create,
                    MatchType::Exact | MatchType::Partial => PlanPart::Link,
                    MatchType::Conflict => PlanPart::Conflict,
                };
                lines.push(entry.line(part, confirms));
                match part {
                    PlanPart::Create => plan.create.push(entry),
                    PlanPart::Link => plan.link.push(entry),
                    _ => plan.conflict.push(entry),
                }
            }
            Decision::Update {
                external_id,
                login,
                changes,
                ..
            } => {
                let update = PlanUpdate {
                    external_id: external_id.clone(),
                    login: login.clone(),
                    changes: changes.clone(),
                };
                lines.push(update.line());
                plan.update.push(update);
            }
            Decision::Reactivate {
                external_id,
                login,
                status: Some(_),
                ..
            } => {
                let entry = PlanUser {
                    external_id: external_id.clone(),
                    login: login.clone(),
                    user_login: Some(login.clone()),
                    match_type: None,
                };
                lines.push(entry.line(PlanPart::Reactivate, confirms));
                plan.reactivate.push(entry);
            }
            Decision::Reactivate { status: None, .. }
            | Decision::Remove(_)
            | Decision::Refused { .. } => {}
        }
    }
    store::rules::insert_plan_lines(&mut tx, &log.run.id, &lines).await?;
    write_errors_and_counts(&mut tx, log, staged, decisions, counts).await?;
    tx.commit().await?;
    Ok(())
}

/// Adds a run's removals to its plan, in external-id order so the plan is
/// the same on every run; returns them as plan lines.
pub fn plan_removals(plan: &mut Plan, removals: &[Removal]) -> Vec<PlanLine> {
    let mut lines = Vec::with_capacity(removals.len());
    let mut planned: Vec<&Removal> = removals.iter().collect();
    planned.sort_unstable_by(|a, b| a.external_id.cmp(&b.external_id));
    for r in planned {
        let entry = PlanUser {
            external_id: r.external_id.clone(),
            login: r.login.clone(),
            user_login: Some(r.login.clone()),
            match_type: None,
        };
        let part = match r.action {
            RemovalAction::Deactivate => PlanPart::Deactivate,
            RemovalAction::Suspend => PlanPart::Suspend,
            RemovalAction::Unassign => PlanPart::Unassign,
        };
        lines.push(entry.line(part, plan.confirms));
        match part {
            PlanPart::Deactivate => plan.deactivate.push(entry),
            PlanPart::Suspend => plan.suspend.push(entry),
            _ => plan.unassign.push(entry),
        }
    }
    lines
}
