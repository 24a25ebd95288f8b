//! The import pipeline, one path for every source: read records in batches,
//! map and validate them into profiles, stage app users by content hash,
//! match them against the directory and queue the results for confirmation;
//! update and reactivate the users the app sources, and remove those it no
//! longer has, behind the import safeguards.

use crate::error::Result;
use crate::model::{
    App, AttributeChange, ImportRun, ImportType, MatchType, Plan, PlanUpdate, PlanUser, Roadblock,
    RowError, RunCounts, RunStatus, UserProfile,
};
use crate::settings::{
    AppSettings, DeactivateAction, Matching, OrgSettings, ProfileMapper, Safeguard, Sourcing,
};
use crate::sources::{Item, Record, Source};
use crate::store::{
    self, name_key, AppUserState, IndexOptions, LinkedUser, QueueEntry, Removal, RemovalAction,
    Selection, StagedRow, Store, UserIndex,
};
use crate::syslog::{Actor, NewEvent, Target};
use serde_json::json;
use std::collections::HashMap;
use std::time::Instant;

/// A stable 64-bit hash of a record's attributes (FNV-1a), so a changed row
/// is told from an unchanged one without keeping the old values around.
pub fn content_hash(attributes: &[(String, String)], active: bool) -> i64 {
    const OFFSET: u64 = 0xcbf2_9ce4_8422_2325;
    const PRIME: u64 = 0x0100_0000_01b3;
    let mut h = OFFSET;
    let mut feed = |bytes: &[u8]| {
        for b in bytes {
            h ^= u64::from(*b);
            h = h.wrapping_mul(PRIME);
        }
    };
    for (k, v) in attributes {
        feed(k.as_bytes());
        feed(&[0x1f]);
        feed(v.as_bytes());
        feed(&[0x1e]);
    }
    feed(&[u8::from(active)]);
    h as i64
}

/// The result of matching one imported profile against the directory.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct MatchResult {
    pub match_type: MatchType,
    pub user_id: Option<String>,
    /// Every user the profile could be: one for an exact or partial match,
    /// several for a conflict.
    pub candidates: Vec<String>,
}

impl MatchResult {
    fn of(match_type: MatchType, candidates: Vec<&str>) -> MatchResult {
        let mut candidates: Vec<String> = candidates.into_iter().map(str::to_owned).collect();
        candidates.sort_unstable();
        candidates.dedup();
        match (match_type, candidates.len()) {
            (MatchType::New, _) | (_, 0) => MatchResult {
                match_type: MatchType::New,
                user_id: None,
                candidates: Vec::new(),
            },
            (t, 1) => MatchResult {
                match_type: t,
                user_id: candidates.first().cloned(),
                candidates,
            },
            (_, _) => MatchResult {
                match_type: MatchType::Conflict,
                user_id: None,
                candidates,
            },
        }
    }
}

/// Keeps the ids both lists hold; `None` stands for "no criterion yet".
fn narrow<'a>(so_far: Option<Vec<&'a str>>, found: Vec<&'a str>) -> Option<Vec<&'a str>> {
    Some(match so_far {
        None => found,
        Some(prev) => prev.into_iter().filter(|id| found.contains(id)).collect(),
    })
}

/// Matches a profile as the app's settings say: a user satisfying every
/// chosen criterion (case-insensitively) is an exact match; otherwise, when
/// allowed, one with the same first and last name is a partial match.
/// Several candidates make a conflict, never a pick; so does a new user
/// whose login another user has.
pub fn match_profile(index: &UserIndex, matching: &Matching, profile: &UserProfile) -> MatchResult {
    let login_key = profile.login.key();
    let mut exact = None;
    if let Some(attribute) = &matching.attribute {
        let value = profile
            .attributes
            .get(attribute)
            .and_then(|v| v.as_str())
            .unwrap_or("");
        exact = narrow(
            exact,
            if value.trim().is_empty() {
                Vec::new()
            } else {
                index.by_attribute(value)
            },
        );
    } else {
        if matching.username {
            exact = narrow(exact, index.by_login(&login_key).into_iter().collect());
        }
        if matching.email {
            exact = narrow(exact, index.by_email(&profile.email.key()));
        }
    }
    let exact = exact.unwrap_or_default();
    if !exact.is_empty() {
        return MatchResult::of(MatchType::Exact, exact);
    }
    if matching.allow_partial {
        let by_name = index.by_name(&name_key(&profile.first_name, &profile.last_name));
        if !by_name.is_empty() {
            return MatchResult::of(MatchType::Partial, by_name);
        }
    }
    if let Some(owner) = index.by_login(&login_key) {
        return MatchResult {
            match_type: MatchType::Conflict,
            user_id: None,
            candidates: vec![owner.to_owned()],
        };
    }
    MatchResult::of(MatchType::New, Vec::new())
}

/// The attributes that differ between a user's profile and an imported one.
pub fn profile_changes(
    old: &serde_json::Map<String, serde_json::Value>,
    new: &serde_json::Map<String, serde_json::Value>,
) -> Vec<AttributeChange> {
    let text = |v: Option<&serde_json::Value>| match v {
        None | Some(serde_json::Value::Null) => None,
        Some(serde_json::Value::String(s)) => Some(s.clone()),
        Some(other) => Some(other.to_string()),
    };
    let mut keys: Vec<&String> = old.keys().chain(new.keys()).collect();
    keys.sort();
    keys.dedup();
    keys.into_iter()
        .filter_map(|k| {
            let (o, n) = (text(old.get(k)), text(new.get(k)));
            (o != n).then(|| AttributeChange {
                attribute: k.clone(),
                old: o,
                new: n,
            })
        })
        .collect()
}

/// What a removal does to this linked user under the app's sourcing
/// settings, or `None` when nothing is left to do.
pub fn removal_for(sourcing: &Sourcing, user: &LinkedUser) -> Option<RemovalAction> {
    if !sourcing.enabled {
        return user.assigned.then_some(RemovalAction::Unassign);
    }
    match sourcing.on_deactivated {
        DeactivateAction::DoNothing => None,
        DeactivateAction::Deactivate => {
            (user.status != "DEPROVISIONED").then_some(RemovalAction::Deactivate)
        }
        DeactivateAction::Suspend => (user.status != "SUSPENDED" && user.status != "DEPROVISIONED")
            .then_some(RemovalAction::Suspend),
    }
}

/// The safeguard a number of removals trips, if any: the app's (apps with
/// more than 100 assigned users) first, then the org's (at least 100
/// assignments). Reaching the limit exactly is allowed; passing it is not.
pub fn check_safeguards(
    app: &AppSettings,
    org: &OrgSettings,
    removals: i64,
    app_assigned: i64,
    org_assigned: i64,
) -> Option<Roadblock> {
    let trips = |s: &Safeguard, base: i64| {
        s.enabled && base > 0 && removals * 100 > i64::from(s.percent) * base
    };
    let roadblock = |level: &str, s: &Safeguard, base: i64| Roadblock {
        level: level.into(),
        threshold: s.percent,
        percentage: (removals as f64 * 1000.0 / base as f64).round() / 10.0,
        removals,
        assigned: base,
    };
    if removals == 0 {
        return None;
    }
    if app_assigned > 100 && trips(&app.safeguard, app_assigned) {
        return Some(roadblock("APP", &app.safeguard, app_assigned));
    }
    if org_assigned >= 100 && trips(&org.safeguard, org_assigned) {
        return Some(roadblock("ORG", &org.safeguard, org_assigned));
    }
    None
}

/// A record of a linked app user that may change its Muster user.
struct LinkedRecord {
    line: Option<i64>,
    external_id: String,
    profile: UserProfile,
    active: bool,
    changed: bool,
    was_active: bool,
}

/// Everything a run needs to know while it reads its source.
struct RunState {
    /// The directory, read when the first row needs matching: an
    /// incremental import of unchanged or linked rows never needs it.
    index: Option<UserIndex>,
    index_options: IndexOptions,
    known: HashMap<String, AppUserState>,
    /// Logins seen in this run, with the line they were first seen on.
    seen: HashMap<String, Option<i64>>,
    /// Account ids seen in this run, when the username format or mappings
    /// make logins differ from them.
    seen_accounts: HashMap<String, Option<i64>>,
    full: bool,
    preview: bool,
    settings: AppSettings,
    mapper: ProfileMapper,
    counts: RunCounts,
    plan: Plan,
    removals: Vec<Removal>,
}

/// What one batch wants written.
#[derive(Default)]
struct BatchWrites {
    staged: Vec<StagedRow>,
    queue: Vec<QueueEntry>,
    errors: Vec<RowError>,
    linked: Vec<LinkedRecord>,
    /// Unlinked rows to match and queue.
    to_match: Vec<(String, UserProfile)>,
    updates: Vec<(String, UserProfile)>,
    statuses: Vec<(String, &'static str)>,
    assign: Vec<String>,
    reactivated_app_users: Vec<String>,
    events: Vec<NewEvent>,
}

impl RunState {
    fn take(&mut self, item: Item, out: &mut BatchWrites) {
        self.counts.scanned += 1;
        match item {
            Item::Rejected(e) => {
                self.counts.errors += 1;
                out.errors.push(e);
            }
            Item::RejectedAccount { external_id, error } => {
                // The source still has the account: not gone.
                if let Some(p) = self.known.get_mut(&external_id) {
                    p.seen = true;
                }
                self.counts.errors += 1;
                out.errors.push(error);
            }
            Item::Record(r) => self.take_record(r, out),
        }
    }

    fn reject(
        &mut self,
        out: &mut BatchWrites,
        line: Option<i64>,
        field: &str,
        value: &str,
        message: String,
    ) {
        self.counts.errors += 1;
        out.errors.push(RowError {
            line,
            field: Some(field.into()),
            value: Some(value.into()),
            message,
        });
    }

    fn take_record(&mut self, r: Record, out: &mut BatchWrites) {
        // The source still has this account even when its row is rejected
        // below: a full import must not remove its user as gone.
        if let Some(p) = self.known.get_mut(&r.external_id) {
            p.seen = true;
        }
        let hash = content_hash(&r.attributes, r.active);
        let previous = self.known.get(&r.external_id).copied();
        // An incremental import has nothing to do for a row that did not
        // change, unless it tells of a linked user leaving or coming back.
        if let Some(p) = previous {
            let lifecycle = p.linked && !p.ignored && (!r.active || !p.active);
            if !self.full && p.content_hash == hash && !lifecycle {
                self.counts.unchanged += 1;
                return;
            }
        }
        let mapped = match self.mapper.map(&r.attributes) {
            Ok(m) => m,
            Err(e) => {
                let message = format!("{}: the mapping failed: {}", e.attribute, e.message);
                return self.reject(out, r.line, &e.attribute, "", message);
            }
        };
        let profile = match UserProfile::from_attributes(&mapped) {
            Ok(p) => p,
            Err(field_errors) => {
                self.counts.errors += 1;
                out.errors
                    .extend(field_errors.into_iter().map(|fe| RowError {
                        line: r.line,
                        message: format!(
                            "{}: \"{}\" {}",
                            fe.field,
                            fe.value,
                            strip_field(&fe.message, &fe.field)
                        ),
                        field: Some(fe.field),
                        value: Some(fe.value),
                    }));
                return;
            }
        };
        if r.external_id.chars().count() > crate::model::EXTERNAL_ID_MAX {
            let message = format!(
                "externalId is longer than {} characters",
                crate::model::EXTERNAL_ID_MAX
            );
            return self.reject(out, r.line, "externalId", &r.external_id.clone(), message);
        }
        let login_key = profile.login.key();
        if let Some(first) = self.seen.get(&login_key) {
            let first = first
                .map(|l| format!(" (first on line {l})"))
                .unwrap_or_default();
            let login = profile.login.as_str();
            let message = format!("login: \"{login}\" appears more than once in the import{first}");
            return self.reject(out, r.line, "login", login, message);
        }
        self.seen.insert(login_key, r.line);
        if !self.mapper.is_identity() {
            if let Some(first) = self.seen_accounts.get(&r.external_id) {
                let first = first
                    .map(|l| format!(" (first on line {l})"))
                    .unwrap_or_default();
                let message = format!(
                    "the account \"{}\" appears more than once in the import{first}",
                    r.external_id
                );
                return self.reject(out, r.line, "login", &r.external_id.clone(), message);
            }
            self.seen_accounts.insert(r.external_id.clone(), r.line);
        }

        let changed = previous.is_none_or(|p| p.content_hash != hash);
        match previous {
            None => self.counts.new += 1,
            Some(_) if changed => self.counts.updated += 1,
            Some(_) => self.counts.unchanged += 1,
        }
        if changed && !self.preview {
            let attributes: serde_json::Map<String, serde_json::Value> = r
                .attributes
                .iter()
                .map(|(k, v)| (k.clone(), serde_json::Value::String(v.clone())))
                .collect();
            out.staged.push(StagedRow {
                external_id: r.external_id.clone(),
                attributes: serde_json::Value::Object(attributes).to_string(),
                content_hash: hash,
                active: r.active,
            });
        }
        match previous {
            Some(p) if p.ignored => {}
            Some(p) if p.linked => {
                // A full import checks every sourced profile, so changed
                // mappings reach users whose rows did not change.
                if changed || self.full || !r.active || !p.active {
                    out.linked.push(LinkedRecord {
                        line: r.line,
                        external_id: r.external_id,
                        profile,
                        active: r.active,
                        changed,
                        was_active: p.active,
                    });
                }
            }
            // A full import restores the queue of users still unconfirmed.
            _ if changed || self.full => {
                if !r.active {
                    return;
                }
                out.to_match.push((r.external_id, profile));
            }
            _ => {}
        }
    }
}

impl RunState {
    /// Matches the batch's unlinked rows against the directory and queues them.
    async fn match_batch(&mut self, store: &Store, out: &mut BatchWrites) -> Result<()> {
        if out.to_match.is_empty() {
            return Ok(());
        }
        if self.index.is_none() {
            self.index = Some(store.load_user_index(&self.index_options).await?);
        }
        let Some(index) = &self.index else {
            return Ok(());
        };
        for (external_id, profile) in std::mem::take(&mut out.to_match) {
            let m = match_profile(index, &self.settings.matching, &profile);
            match m.match_type {
                MatchType::Exact | MatchType::Partial => self.counts.matched += 1,
                MatchType::Conflict => self.counts.conflicts += 1,
                MatchType::New => {}
            }
            out.queue.push(QueueEntry {
                external_id,
                match_type: m.match_type,
                matched_user_id: m.user_id,
                candidates: m.candidates.len() as i64,
                candidate_ids: serde_json::to_string(&m.candidates).unwrap_or_else(|_| "[]".into()),
                login: profile.login.as_str().to_owned(),
                email: profile.email.as_str().to_owned(),
                first_name: profile.first_name,
                last_name: profile.last_name,
                profile: serde_json::Value::Object(profile.attributes).to_string(),
            });
        }
        Ok(())
    }
}

/// `"email is required"` reads better after the field and value as `is required`.
fn strip_field<'a>(message: &'a str, field: &str) -> &'a str {
    message
        .strip_prefix(field)
        .map(str::trim_start)
        .unwrap_or(message)
}

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
    app: &'a App,
    run: &'a ImportRun,
    actor: &'a Actor,
}

impl<'a> Logger<'a> {
    pub(crate) fn new(app: &'a App, run: &'a ImportRun, actor: &'a Actor) -> Logger<'a> {
        Logger { app, run, actor }
    }

    fn event(&self, event_type: &'static str, message: impl Into<String>) -> NewEvent {
        NewEvent::new(event_type, message, self.actor.clone())
            .target(Target::app(&self.app.id, &self.app.name))
            .transaction(&self.run.id)
    }
    fn phase(&self, event_type: &'static str, message: &str) -> NewEvent {
        self.event(event_type, format!("{message}: {}", self.app.name))
            .debug(import_debug(self.app, self.run))
    }
    fn user(
        &self,
        event_type: &'static str,
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

/// Decides what the batch's linked records do to their Muster users:
/// profile updates from the source, reactivations, and removals (kept for
/// the end of the run, when the safeguards are checked).
async fn process_linked(
    store: &Store,
    log: &Logger<'_>,
    state: &mut RunState,
    out: &mut BatchWrites,
) -> Result<()> {
    if out.linked.is_empty() {
        return Ok(());
    }
    let ids: Vec<&str> = out.linked.iter().map(|l| l.external_id.as_str()).collect();
    let mut conn = store.pool().acquire().await?;
    let users: HashMap<String, LinkedUser> =
        store::rules::linked_users(&mut conn, &log.app.id, &ids)
            .await?
            .into_iter()
            .map(|u| (u.external_id.clone(), u))
            .collect();
    drop(conn);
    // Who has the logins that sourced profiles change to, so an update never
    // takes another user's login.
    let renamed: Vec<&str> = out
        .linked
        .iter()
        .filter(|l| {
            users
                .get(&l.external_id)
                .is_some_and(|u| !u.login.eq_ignore_ascii_case(l.profile.login.as_str()))
        })
        .map(|l| l.profile.login.as_str())
        .collect();
    let login_owners = if renamed.is_empty() {
        HashMap::new()
    } else {
        let mut conn = store.pool().acquire().await?;
        store::users::existing_logins(&mut conn, &renamed).await?
    };
    let sourcing = state.settings.sourcing.clone();
    for l in std::mem::take(&mut out.linked) {
        let Some(u) = users.get(&l.external_id) else {
            continue;
        };
        let plan_user = || PlanUser {
            external_id: l.external_id.clone(),
            login: l.profile.login.as_str().to_owned(),
            user_login: Some(u.login.clone()),
            match_type: None,
        };
        if !l.active {
            if let Some(action) = removal_for(&sourcing, u) {
                state.removals.push(Removal {
                    external_id: l.external_id.clone(),
                    user_id: u.user_id.clone(),
                    login: u.login.clone(),
                    action,
                });
            }
            continue;
        }
        if !l.was_active {
            let exact_profile = profile_changes(&u.profile, &l.profile.attributes).is_empty();
            let status = match u.status.as_str() {
                "SUSPENDED" if sourcing.enabled && sourcing.reactivate_suspended => {
                    out.events.push(log.user(
                        "system.import.user.unsuspend",
                        "Unsuspend user sourced by the app",
                        &u.user_id,
                        &u.login,
                    ));
                    Some("ACTIVE")
                }
                "DEPROVISIONED" if sourcing.enabled && sourcing.reactivate_deactivated => {
                    let status = if exact_profile {
                        "ACTIVE"
                    } else {
                        "PROVISIONED"
                    };
                    out.events.push(
                        log.user(
                            "user.lifecycle.reactivate",
                            "Reactivate user sourced by the app",
                            &u.user_id,
                            &u.login,
                        )
                        .debug(json!({"newStatus": status, "exactProfileMatch": exact_profile})),
                    );
                    Some(status)
                }
                _ => None,
            };
            if let Some(status) = status {
                if state.preview {
                    state.plan.reactivate.push(plan_user());
                }
                out.statuses.push((u.user_id.clone(), status));
            }
            if !u.assigned {
                out.events.push(log.user(
                    "application.user_membership.add",
                    "Add user to application membership",
                    &u.user_id,
                    &u.login,
                ));
                out.assign.push(u.user_id.clone());
            }
            out.reactivated_app_users.push(l.external_id.clone());
        }
        if sourcing.enabled && u.sourced_here && (l.changed || state.full) {
            let changes = profile_changes(&u.profile, &l.profile.attributes);
            if changes.is_empty() {
                continue;
            }
            let new_login = l.profile.login.as_str();
            if let Some(owner) = login_owners
                .get(&l.profile.login.key())
                .filter(|owner| **owner != u.user_id)
            {
                let message = format!("login: \"{new_login}\" belongs to another user ({owner}); the profile was not updated");
                state.reject(out, l.line, "login", new_login, message);
                continue;
            }
            if state.preview {
                state.plan.update.push(PlanUpdate {
                    external_id: l.external_id.clone(),
                    login: u.login.clone(),
                    changes,
                });
            } else {
                out.events.push(
                    log.user(
                        "system.import.user.update",
                        "Update user profile from the app",
                        &u.user_id,
                        &u.login,
                    )
                    .debug(json!({ "changes": changes })),
                );
            }
            out.updates.push((u.user_id.clone(), l.profile));
        }
    }
    Ok(())
}

/// In a preview, the queue rows a batch would write become plan entries.
async fn plan_queue(store: &Store, state: &mut RunState, queue: &[QueueEntry]) -> Result<()> {
    let ids: Vec<&str> = queue
        .iter()
        .filter_map(|q| q.matched_user_id.as_deref())
        .collect();
    let mut conn = store.pool().acquire().await?;
    let logins = store::rules::user_labels(&mut conn, &ids).await?;
    for q in queue {
        let entry = PlanUser {
            external_id: q.external_id.clone(),
            login: q.login.clone(),
            user_login: q
                .matched_user_id
                .as_ref()
                .and_then(|id| logins.get(id).map(|(login, _)| login.clone())),
            match_type: Some(q.match_type),
        };
        match q.match_type {
            MatchType::New => state.plan.create.push(entry),
            MatchType::Exact | MatchType::Partial => state.plan.link.push(entry),
            MatchType::Conflict => state.plan.conflict.push(entry),
        }
    }
    Ok(())
}

/// Writes one batch and the run's counters in one transaction.
async fn write_batch(
    store: &Store,
    app: &App,
    run: &ImportRun,
    state: &RunState,
    w: &BatchWrites,
) -> Result<()> {
    let now = crate::ids::now();
    let mut tx = store.pool().begin().await?;
    if !state.preview {
        store::imports::stage_app_users(&mut tx, &app.id, &run.id, &w.staged).await?;
        store::imports::upsert_queue(&mut tx, &app.id, &run.id, &w.queue).await?;
        store::rules::update_user_profiles(&mut tx, &w.updates, &now).await?;
        for status in ["ACTIVE", "PROVISIONED"] {
            let ids: Vec<&str> = w
                .statuses
                .iter()
                .filter(|(_, s)| *s == status)
                .map(|(id, _)| id.as_str())
                .collect();
            store::rules::set_users_status(&mut tx, &ids, status, &now).await?;
        }
        let back: Vec<&str> = w.reactivated_app_users.iter().map(String::as_str).collect();
        store::rules::set_app_users_active(&mut tx, &app.id, &back, true).await?;
        let assign: Vec<&str> = w.assign.iter().map(String::as_str).collect();
        store::imports::insert_assignments(&mut tx, &app.id, &assign, &now).await?;
        store::events::insert_events(&mut tx, &w.events, &now).await?;
    }
    store::imports::insert_row_errors(&mut tx, &run.id, &w.errors).await?;
    store::imports::update_run_counts(&mut tx, &run.id, &state.counts).await?;
    tx.commit().await?;
    Ok(())
}

/// Runs a claimed import to its end: every batch of the source is staged,
/// matched and queued in one transaction together with the run's counters;
/// then the settings' auto-confirmations run, and the removals the run
/// found are applied, or wait at a safeguard. A preview writes only its plan.
pub async fn run_import<S: Source>(
    store: &Store,
    app: &App,
    run: &ImportRun,
    actor: &Actor,
    mut source: S,
) -> Result<RunCounts> {
    let started = Instant::now();
    let log = Logger { app, run, actor };
    let settings = store.app_settings(&app.id).await?;
    let org = store.org_settings().await?;
    let csv = app.kind == crate::model::AppKind::CsvDirectory;
    let mut start = vec![log
        .event(
            "system.import.start",
            format!("Import of {} started", app.name),
        )
        .target(Target::import_run(&run.id))
        .debug(import_debug(app, run))];
    if csv {
        start.push(
            log.event("system.import.user_csv.start", "CSV user import started")
                .debug(import_debug(app, run)),
        );
    }
    start.push(log.phase("system.import.download.start", "Download of users started"));
    start.push(log.phase("system.import.user_matching.start", "User matching started"));
    store.log(&start).await?;

    let matching = &settings.matching;
    let index_options = IndexOptions {
        names: matching.allow_partial,
        attribute: matching.attribute.clone(),
    };
    let mut state = RunState {
        index: None,
        index_options,
        known: store.load_app_user_states(&app.id).await?,
        seen: HashMap::new(),
        seen_accounts: HashMap::new(),
        full: run.import_type == ImportType::Full,
        preview: run.preview,
        mapper: settings.profile_mapper()?,
        settings: settings.clone(),
        counts: RunCounts::default(),
        plan: Plan::default(),
        removals: Vec::new(),
    };
    while let Some(batch) = source.next_batch().await? {
        let mut writes = BatchWrites::default();
        for item in batch {
            state.take(item, &mut writes);
        }
        state.match_batch(store, &mut writes).await?;
        process_linked(store, &log, &mut state, &mut writes).await?;
        if state.preview {
            plan_queue(store, &mut state, &writes.queue).await?;
        }
        write_batch(store, app, run, &state, &writes).await?;
    }
    if state.full {
        find_gone_users(store, app, &mut state).await?;
    }
    store
        .log(&[
            log.phase(
                "system.import.download.complete",
                "Download of users completed",
            ),
            log.phase(
                "system.import.user_matching.complete",
                "User matching completed",
            ),
        ])
        .await?;

    if !run.preview
        && (matching.auto_confirm_exact
            || matching.auto_confirm_partial
            || matching.auto_confirm_new)
    {
        store
            .log(&[log.phase(
                "system.import.object_creation.start",
                "Object creation started",
            )])
            .await?;
        let chosen = [
            (matching.auto_confirm_exact, MatchType::Exact),
            (matching.auto_confirm_partial, MatchType::Partial),
            (matching.auto_confirm_new, MatchType::New),
        ];
        for (_, match_type) in chosen.into_iter().filter(|(on, _)| *on) {
            crate::queue::confirm_assignments(
                store,
                app,
                &Selection::AllOfType(match_type),
                matching.auto_activate_new,
                actor,
            )
            .await?;
        }
        store
            .log(&[log.phase(
                "system.import.object_creation.complete",
                "Object creation completed",
            )])
            .await?;
    }

    let removals = std::mem::take(&mut state.removals);
    let (org_assigned, app_assigned) = store.assignment_counts(&app.id).await?;
    let roadblock = check_safeguards(
        &settings,
        &org,
        removals.len() as i64,
        app_assigned,
        org_assigned,
    );
    let mut status = RunStatus::Completed;
    let mut message = None;
    if run.preview {
        // Removals are kept in user-id order (random ids); the plan lists
        // them by external id so it is the same on every run.
        let mut planned: Vec<&Removal> = removals.iter().collect();
        planned.sort_unstable_by(|a, b| a.external_id.cmp(&b.external_id));
        for r in planned {
            let entry = PlanUser {
                external_id: r.external_id.clone(),
                login: r.login.clone(),
                user_login: Some(r.login.clone()),
                match_type: None,
            };
            match r.action {
                RemovalAction::Deactivate => state.plan.deactivate.push(entry),
                RemovalAction::Suspend => state.plan.suspend.push(entry),
                RemovalAction::Unassign => state.plan.unassign.push(entry),
            }
        }
        state.plan.roadblock = roadblock;
    } else if !removals.is_empty() {
        store
            .log(&[log.phase(
                "system.import.implicit_deletion.start",
                "Implicit deletion started",
            )])
            .await?;
        match roadblock {
            Some(rb) => {
                let text = format!(
                    "Paused by the {} import safeguard: this import would remove {} of {} users ({}%), more than the limit of {}%",
                    if rb.level == "APP" { "app-level" } else { "org-level" },
                    rb.removals,
                    rb.assigned,
                    rb.percentage,
                    rb.threshold
                );
                let event = log
                    .event("system.import.roadblock", text.clone())
                    .target(Target::import_run(&run.id))
                    .debug(json!({
                        "level": rb.level, "threshold": rb.threshold, "percentage": rb.percentage,
                        "removals": rb.removals, "assigned": rb.assigned, "jobId": run.id,
                    }));
                let mut tx = store.pool().begin().await?;
                store::rules::insert_removals(&mut tx, &run.id, &app.id, &removals).await?;
                store::events::insert_events(&mut tx, &[event], &crate::ids::now()).await?;
                tx.commit().await?;
                state.plan.roadblock = Some(rb);
                status = RunStatus::Paused;
                message = Some(text);
            }
            None => {
                apply_removals(store, &log, &removals).await?;
                store
                    .log(&[log.phase(
                        "system.import.implicit_deletion.complete",
                        "Implicit deletion completed",
                    )])
                    .await?;
            }
        }
    }

    let c = state.counts;
    let mut debug = import_debug(app, run);
    if let Some(d) = debug.as_object_mut() {
        d.insert("totalObjects".into(), json!(c.scanned));
        d.insert("addedObjects".into(), json!(c.new));
        d.insert("updatedObjects".into(), json!(c.updated));
        d.insert("unchangedObjects".into(), json!(c.unchanged));
        d.insert("matchedObjects".into(), json!(c.matched));
        d.insert("conflictObjects".into(), json!(c.conflicts));
        d.insert("errorObjects".into(), json!(c.errors));
        d.insert("removedObjects".into(), json!(removals.len()));
        d.insert(
            "totalTime".into(),
            json!(format!("{} ms", started.elapsed().as_millis())),
        );
    }
    let summary = format!(
        "{} scanned, {} new, {} updated, {} unchanged, {} matched, {} in error",
        c.scanned, c.new, c.updated, c.unchanged, c.matched, c.errors
    );
    let mut end = Vec::new();
    if csv {
        end.push(
            log.event(
                "system.import.user_csv.complete",
                format!("CSV user import completed: {summary}"),
            )
            .debug(debug.clone()),
        );
    }
    end.push(
        log.event(
            "system.import.complete",
            format!("Import of {} completed: {summary}", app.name),
        )
        .target(Target::import_run(&run.id))
        .debug(debug),
    );
    let now = crate::ids::now();
    let mut tx = store.pool().begin().await?;
    store::imports::update_run_counts(&mut tx, &run.id, &c).await?;
    if run.preview || state.plan.roadblock.is_some() {
        store::rules::set_run_plan(
            &mut tx,
            &run.id,
            &serde_json::to_value(&state.plan).unwrap_or_default(),
        )
        .await?;
    }
    store::imports::finish_run(&mut tx, &run.id, status, message.as_deref(), &now).await?;
    store::events::insert_events(&mut tx, &end, &now).await?;
    tx.commit().await?;
    Ok(c)
}

/// A full import's app users that the source no longer has: their users are
/// removed as the sourcing settings say.
async fn find_gone_users(store: &Store, app: &App, state: &mut RunState) -> Result<()> {
    let gone: Vec<&str> = state
        .known
        .iter()
        .filter(|(_, s)| !s.seen && s.linked && s.active && !s.ignored)
        .map(|(ext, _)| ext.as_str())
        .collect();
    let mut conn = store.pool().acquire().await?;
    // Gone users with nothing left to remove (already suspended, say) are
    // marked gone at once, so their return counts as a reactivation.
    let mut nothing_to_remove = Vec::new();
    for chunk in gone.chunks(crate::store::ROWS_PER_STATEMENT) {
        for u in store::rules::linked_users(&mut conn, &app.id, chunk).await? {
            match removal_for(&state.settings.sourcing, &u) {
                Some(action) => state.removals.push(Removal {
                    external_id: u.external_id,
                    user_id: u.user_id,
                    login: u.login,
                    action,
                }),
                None => nothing_to_remove.push(u.external_id),
            }
        }
    }
    drop(conn);
    if !state.preview && !nothing_to_remove.is_empty() {
        let gone: Vec<&str> = nothing_to_remove.iter().map(String::as_str).collect();
        let mut conn = store.pool().acquire().await?;
        store::rules::set_app_users_active(&mut conn, &app.id, &gone, false).await?;
    }
    state
        .removals
        .sort_unstable_by(|a, b| a.user_id.cmp(&b.user_id));
    Ok(())
}

/// Deactivates, suspends or unassigns users, in batches with their events;
/// their app users are marked inactive so a later import can reactivate them.
pub(crate) async fn apply_removals(
    store: &Store,
    log: &Logger<'_>,
    removals: &[Removal],
) -> Result<()> {
    let app_id = log.app.id.as_str();
    for chunk in removals.chunks(crate::store::ROWS_PER_STATEMENT) {
        let now = crate::ids::now();
        let of = |action: RemovalAction| -> Vec<&str> {
            chunk
                .iter()
                .filter(|r| r.action == action)
                .map(|r| r.user_id.as_str())
                .collect()
        };
        let gone: Vec<&str> = chunk.iter().map(|r| r.external_id.as_str()).collect();
        let events: Vec<NewEvent> = chunk
            .iter()
            .map(|r| {
                let (event_type, message) = match r.action {
                    RemovalAction::Deactivate => (
                        "system.import.user.delete",
                        "Deactivate user deactivated or removed in the app",
                    ),
                    RemovalAction::Suspend => (
                        "system.import.user.suspend",
                        "Suspend user deactivated or removed in the app",
                    ),
                    RemovalAction::Unassign => (
                        "application.user_membership.remove",
                        "Remove user from application membership",
                    ),
                };
                log.user(event_type, message, &r.user_id, &r.login)
            })
            .collect();
        let mut tx = store.pool().begin().await?;
        store::rules::set_users_status(
            &mut tx,
            &of(RemovalAction::Deactivate),
            "DEPROVISIONED",
            &now,
        )
        .await?;
        store::rules::set_users_status(&mut tx, &of(RemovalAction::Suspend), "SUSPENDED", &now)
            .await?;
        store::rules::unassign(&mut tx, app_id, &of(RemovalAction::Unassign)).await?;
        store::rules::set_app_users_active(&mut tx, app_id, &gone, false).await?;
        store::events::insert_events(&mut tx, &events, &now).await?;
        tx.commit().await?;
    }
    Ok(())
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
        "system.import.complete",
        format!("Import of {} failed: {reason}", app.name),
        actor.clone(),
    )
    .target(Target::app(&app.id, &app.name))
    .target(Target::import_run(&run.id))
    .transaction(&run.id)
    .debug(import_debug(app, run))
    .failure(reason);
    let mut tx = store.pool().begin().await?;
    store::imports::finish_run(&mut tx, &run.id, RunStatus::Failed, Some(reason), &now).await?;
    store::events::insert_events(&mut tx, &[event], &now).await?;
    tx.commit().await?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn profile_named(
        login: &str,
        email: &str,
        first: &str,
        last: &str,
        extra: &[(&str, &str)],
    ) -> UserProfile {
        let mut a: Vec<(String, String)> = [
            ("login", login),
            ("firstName", first),
            ("lastName", last),
            ("email", email),
        ]
        .iter()
        .map(|(k, v)| (k.to_string(), v.to_string()))
        .collect();
        a.extend(extra.iter().map(|(k, v)| (k.to_string(), v.to_string())));
        UserProfile::from_attributes(&a).unwrap()
    }

    fn matching(username: bool, email: bool, attribute: Option<&str>, partial: bool) -> Matching {
        Matching {
            username,
            email,
            attribute: attribute.map(str::to_owned),
            allow_partial: partial,
            ..Matching::default()
        }
    }

    /// ann (ann@x.io, Ann Lee, emp 7), bob (bob@x.io, Bob Ray, emp 8),
    /// cy (team@x.io, Cy Lee), di (TEAM@x.io, Di Lee), ann2 (other@x.io, Ann Lee)
    fn index(attribute: bool) -> UserIndex {
        let mut index = UserIndex::default();
        let users = [
            ("00u1", "Ann", "ann@x.io", "Ann", "Lee", Some("7")),
            ("00u2", "bob", "Bob@X.io", "Bob", "Ray", Some("8")),
            ("00u3", "cy", "team@x.io", "Cy", "Lee", None),
            ("00u4", "di", "TEAM@x.io", "Di", "Lee", None),
            ("00u5", "ann2", "other@x.io", "Ann", "Lee", None),
        ];
        for (id, login, email, first, last, emp) in users {
            index.insert_with(
                id,
                login,
                email,
                Some(name_key(first, last)),
                if attribute { emp } else { None },
            );
        }
        index
    }

    fn kind(m: &MatchResult) -> (MatchType, Option<&str>, usize) {
        (m.match_type, m.user_id.as_deref(), m.candidates.len())
    }

    #[test]
    fn username_criterion_matches_login_case_insensitively() {
        let i = index(false);
        let m = match_profile(
            &i,
            &matching(true, false, None, false),
            &profile_named("ANN", "new@x.io", "A", "B", &[]),
        );
        assert_eq!(kind(&m), (MatchType::Exact, Some("00u1"), 1));
        let m = match_profile(
            &i,
            &matching(true, false, None, false),
            &profile_named("eve", "bob@x.io", "A", "B", &[]),
        );
        assert_eq!(
            kind(&m),
            (MatchType::New, None, 0),
            "email alone does not match when only the username is a criterion"
        );
    }

    #[test]
    fn email_criterion_matches_and_a_shared_email_is_a_conflict() {
        let i = index(false);
        let m = match_profile(
            &i,
            &matching(false, true, None, false),
            &profile_named("robert", "bob@x.IO", "A", "B", &[]),
        );
        assert_eq!(kind(&m), (MatchType::Exact, Some("00u2"), 1));
        let m = match_profile(
            &i,
            &matching(false, true, None, false),
            &profile_named("eve", "Team@x.io", "A", "B", &[]),
        );
        assert_eq!(kind(&m), (MatchType::Conflict, None, 2));
    }

    #[test]
    fn every_chosen_criterion_must_hold() {
        let i = index(false);
        let both = matching(true, true, None, false);
        let m = match_profile(&i, &both, &profile_named("ann", "ANN@x.io", "A", "B", &[]));
        assert_eq!(kind(&m), (MatchType::Exact, Some("00u1"), 1));
        // Login of one user, email of another: no user satisfies both, and the
        // login is taken, so it cannot be created either.
        let m = match_profile(&i, &both, &profile_named("ann", "bob@x.io", "A", "B", &[]));
        assert_eq!(kind(&m), (MatchType::Conflict, None, 1));
        let m = match_profile(&i, &both, &profile_named("eve", "bob@x.io", "A", "B", &[]));
        assert_eq!(kind(&m), (MatchType::New, None, 0));
    }

    #[test]
    fn attribute_criterion_alone_decides() {
        let i = index(true);
        let by_emp = matching(false, false, Some("employeeNumber"), false);
        let m = match_profile(
            &i,
            &by_emp,
            &profile_named("zed", "zed@x.io", "A", "B", &[("employeeNumber", "8")]),
        );
        assert_eq!(kind(&m), (MatchType::Exact, Some("00u2"), 1));
        let m = match_profile(
            &i,
            &by_emp,
            &profile_named("eve", "ann@x.io", "A", "B", &[("employeeNumber", "99")]),
        );
        assert_eq!(
            kind(&m),
            (MatchType::New, None, 0),
            "a matching email does not count under the attribute criterion"
        );
        let m = match_profile(
            &i,
            &by_emp,
            &profile_named("eve", "eve@x.io", "A", "B", &[]),
        );
        assert_eq!(
            kind(&m),
            (MatchType::New, None, 0),
            "an empty attribute matches nobody"
        );
    }

    #[test]
    fn partial_matches_by_name_only_when_allowed() {
        let i = index(false);
        let p = profile_named("bobby", "bobby@y.io", "bob", "RAY", &[]);
        assert_eq!(
            kind(&match_profile(&i, &matching(true, false, None, false), &p)),
            (MatchType::New, None, 0)
        );
        let m = match_profile(&i, &matching(true, false, None, true), &p);
        assert_eq!(kind(&m), (MatchType::Partial, Some("00u2"), 1));
        let m = match_profile(
            &i,
            &matching(true, false, None, true),
            &profile_named("annie", "a@y.io", "Ann", "Lee", &[]),
        );
        assert_eq!(
            kind(&m),
            (MatchType::Conflict, None, 2),
            "two users named Ann Lee"
        );
        let m = match_profile(
            &i,
            &matching(true, false, None, true),
            &profile_named("ann", "a@y.io", "Ann", "Lee", &[]),
        );
        assert_eq!(
            kind(&m),
            (MatchType::Exact, Some("00u1"), 1),
            "an exact match wins over a partial one"
        );
    }

    #[test]
    fn safeguards_trip_only_past_their_threshold() {
        let app = AppSettings::default();
        let org = OrgSettings::default();
        // App level: 150 assigned, 20% is 30.
        assert_eq!(check_safeguards(&app, &org, 30, 150, 150), None);
        let rb = check_safeguards(&app, &org, 31, 150, 150).unwrap();
        assert_eq!(
            (rb.level.as_str(), rb.threshold, rb.removals, rb.assigned),
            ("APP", 20, 31, 150)
        );
        assert!((rb.percentage - 20.7).abs() < 1e-9);
        // An app of 100 users has no app-level safeguard, but the org's applies.
        assert_eq!(check_safeguards(&app, &org, 20, 100, 100), None);
        assert_eq!(
            check_safeguards(&app, &org, 21, 100, 100).unwrap().level,
            "ORG"
        );
        // Under 100 assignments in the org: no safeguard at all.
        assert_eq!(check_safeguards(&app, &org, 99, 99, 99), None);
        // Turned off, or a higher limit.
        let off = AppSettings {
            safeguard: Safeguard {
                enabled: false,
                percent: 20,
            },
            ..Default::default()
        };
        let org_off = OrgSettings {
            safeguard: Safeguard {
                enabled: false,
                percent: 20,
            },
        };
        assert_eq!(check_safeguards(&off, &org_off, 149, 150, 150), None);
        let org_50 = OrgSettings {
            safeguard: Safeguard {
                enabled: true,
                percent: 50,
            },
        };
        assert_eq!(check_safeguards(&off, &org_50, 75, 150, 150), None);
        assert_eq!(
            check_safeguards(&off, &org_50, 76, 150, 150).unwrap().level,
            "ORG"
        );
    }

    #[test]
    fn removal_follows_the_sourcing_settings() {
        let user = |status: &str, assigned: bool| LinkedUser {
            external_id: "e".into(),
            user_id: "u".into(),
            status: status.into(),
            login: "l".into(),
            profile: Default::default(),
            sourced_here: true,
            assigned,
        };
        let with = |action| Sourcing {
            on_deactivated: action,
            ..Sourcing::default()
        };
        assert_eq!(
            removal_for(&with(DeactivateAction::Deactivate), &user("ACTIVE", true)),
            Some(RemovalAction::Deactivate)
        );
        assert_eq!(
            removal_for(
                &with(DeactivateAction::Deactivate),
                &user("DEPROVISIONED", true)
            ),
            None
        );
        assert_eq!(
            removal_for(&with(DeactivateAction::Suspend), &user("ACTIVE", true)),
            Some(RemovalAction::Suspend)
        );
        assert_eq!(
            removal_for(&with(DeactivateAction::Suspend), &user("SUSPENDED", true)),
            None
        );
        assert_eq!(
            removal_for(&with(DeactivateAction::DoNothing), &user("ACTIVE", true)),
            None
        );
        let off = Sourcing {
            enabled: false,
            ..Sourcing::default()
        };
        assert_eq!(
            removal_for(&off, &user("ACTIVE", true)),
            Some(RemovalAction::Unassign)
        );
        assert_eq!(removal_for(&off, &user("ACTIVE", false)), None);
    }

    #[test]
    fn hash_changes_with_any_value() {
        let a = vec![
            ("login".to_string(), "a".to_string()),
            ("x".to_string(), "1".to_string()),
        ];
        let mut b = a.clone();
        b[1].1 = "2".into();
        assert_ne!(content_hash(&a, true), content_hash(&b, true));
        assert_ne!(content_hash(&a, true), content_hash(&a, false));
        assert_eq!(content_hash(&a, true), content_hash(&a.clone(), true));
    }
}
