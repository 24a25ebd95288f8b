//! The import pipeline, one path for every source: read records in batches,
//! validate them into profiles, stage app users by content hash, match them
//! against the directory and queue the results for confirmation.

use crate::error::Result;
use crate::model::{App, ImportRun, ImportType, MatchType, RowError, RunCounts, RunStatus, UserProfile};
use crate::sources::{Item, Record, Source};
use crate::store::{self, AppUserState, QueueEntry, StagedRow, Store, UserIndex};
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
    pub candidates: i64,
}

/// Exact match: a user with the same login or the same email
/// (case-insensitive). Several different users: a conflict, never a pick.
pub fn match_profile(index: &UserIndex, profile: &UserProfile) -> MatchResult {
    let mut candidates: Vec<&str> = Vec::new();
    if let Some(id) = index.by_login(&profile.login.key()) {
        candidates.push(id);
    }
    for id in index.by_email(&profile.email.key()) {
        if !candidates.contains(&id) {
            candidates.push(id);
        }
    }
    match candidates.as_slice() {
        [] => MatchResult { match_type: MatchType::New, user_id: None, candidates: 0 },
        [one] => MatchResult { match_type: MatchType::Exact, user_id: Some((*one).to_owned()), candidates: 1 },
        many => MatchResult { match_type: MatchType::Conflict, user_id: None, candidates: many.len() as i64 },
    }
}

/// Everything a run needs to know while it reads its source.
struct RunState {
    index: UserIndex,
    known: HashMap<String, AppUserState>,
    /// Logins seen in this run, with the line they were first seen on.
    seen: HashMap<String, Option<i64>>,
    full: bool,
    counts: RunCounts,
}

/// What one batch wants written.
#[derive(Default)]
struct BatchWrites {
    staged: Vec<StagedRow>,
    queue: Vec<QueueEntry>,
    errors: Vec<RowError>,
}

impl RunState {
    fn take(&mut self, item: Item, out: &mut BatchWrites) {
        self.counts.scanned += 1;
        match item {
            Item::Rejected(e) => {
                self.counts.errors += 1;
                out.errors.push(e);
            }
            Item::Record(r) => self.take_record(r, out),
        }
    }

    fn take_record(&mut self, r: Record, out: &mut BatchWrites) {
        let profile = match UserProfile::from_attributes(&r.attributes) {
            Ok(p) => p,
            Err(field_errors) => {
                self.counts.errors += 1;
                out.errors.extend(field_errors.into_iter().map(|fe| RowError {
                    line: r.line,
                    message: format!("{}: \"{}\" {}", fe.field, fe.value, strip_field(&fe.message, &fe.field)),
                    field: Some(fe.field),
                    value: Some(fe.value),
                }));
                return;
            }
        };
        if r.external_id.chars().count() > crate::model::EXTERNAL_ID_MAX {
            self.counts.errors += 1;
            out.errors.push(RowError {
                line: r.line,
                field: Some("externalId".into()),
                value: Some(r.external_id),
                message: format!("externalId is longer than {} characters", crate::model::EXTERNAL_ID_MAX),
            });
            return;
        }
        let login_key = profile.login.key();
        if let Some(first) = self.seen.get(&login_key) {
            self.counts.errors += 1;
            let first = first.map(|l| format!(" (first on line {l})")).unwrap_or_default();
            out.errors.push(RowError {
                line: r.line,
                field: Some("login".into()),
                value: Some(profile.login.as_str().to_owned()),
                message: format!("login: \"{}\" appears more than once in the import{first}", profile.login.as_str()),
            });
            return;
        }
        self.seen.insert(login_key, r.line);

        let hash = content_hash(&r.attributes, r.active);
        let previous = self.known.get(&r.external_id).copied();
        let needs_queue = match previous {
            None => {
                self.counts.new += 1;
                true
            }
            Some(p) if p.content_hash != hash => {
                self.counts.updated += 1;
                !p.linked
            }
            Some(p) => {
                self.counts.unchanged += 1;
                // A full import restores the queue of users still unconfirmed.
                self.full && !p.linked
            }
        };
        if previous.is_none_or(|p| p.content_hash != hash) {
            let attributes: serde_json::Map<String, serde_json::Value> =
                r.attributes.iter().map(|(k, v)| (k.clone(), serde_json::Value::String(v.clone()))).collect();
            out.staged.push(StagedRow {
                external_id: r.external_id.clone(),
                attributes: serde_json::Value::Object(attributes).to_string(),
                content_hash: hash,
                active: r.active,
            });
        }
        if needs_queue {
            let m = match_profile(&self.index, &profile);
            match m.match_type {
                MatchType::Exact | MatchType::Partial => self.counts.matched += 1,
                MatchType::Conflict => self.counts.conflicts += 1,
                MatchType::New => {}
            }
            out.queue.push(QueueEntry {
                external_id: r.external_id,
                match_type: m.match_type,
                matched_user_id: m.user_id,
                candidates: m.candidates,
                login: profile.login.as_str().to_owned(),
                email: profile.email.as_str().to_owned(),
                first_name: profile.first_name,
                last_name: profile.last_name,
            });
        }
    }
}

/// `"email is required"` reads better after the field and value as `is required`.
fn strip_field<'a>(message: &'a str, field: &str) -> &'a str {
    message.strip_prefix(field).map(str::trim_start).unwrap_or(message)
}

fn import_debug(app: &App, run: &ImportRun) -> serde_json::Value {
    json!({
        "importTrigger": run.trigger,
        "importType": run.import_type.as_str(),
        "jobId": run.id,
        "appName": app.name,
        "appId": app.id,
    })
}

/// Runs a claimed import to its end: every batch of the source is staged,
/// matched and queued in one transaction together with the run's counters.
pub async fn run_import<S: Source>(
    store: &Store,
    app: &App,
    run: &ImportRun,
    actor: &Actor,
    mut source: S,
) -> Result<RunCounts> {
    let started = Instant::now();
    let app_target = Target::app(&app.id, &app.name);
    let run_target = Target::import_run(&run.id);
    let csv = app.kind == crate::model::AppKind::CsvDirectory;
    let mut start = vec![NewEvent::new("system.import.start", format!("Import of {} started", app.name), actor.clone())
        .target(app_target.clone())
        .target(run_target.clone())
        .transaction(&run.id)
        .debug(import_debug(app, run))];
    if csv {
        start.push(
            NewEvent::new("system.import.user_csv.start", "CSV user import started", actor.clone())
                .target(app_target.clone())
                .transaction(&run.id)
                .debug(import_debug(app, run)),
        );
    }
    store.log(&start).await?;

    let mut state = RunState {
        index: store.load_user_index().await?,
        known: store.load_app_user_states(&app.id).await?,
        seen: HashMap::new(),
        full: run.import_type == ImportType::Full,
        counts: RunCounts::default(),
    };
    while let Some(batch) = source.next_batch().await? {
        let mut writes = BatchWrites::default();
        for item in batch {
            state.take(item, &mut writes);
        }
        let mut tx = store.pool().begin().await?;
        store::imports::stage_app_users(&mut tx, &app.id, &run.id, &writes.staged).await?;
        store::imports::upsert_queue(&mut tx, &app.id, &run.id, &writes.queue).await?;
        store::imports::insert_row_errors(&mut tx, &run.id, &writes.errors).await?;
        store::imports::update_run_counts(&mut tx, &run.id, &state.counts).await?;
        tx.commit().await?;
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
        d.insert("totalTime".into(), json!(format!("{} ms", started.elapsed().as_millis())));
    }
    let summary = format!(
        "{} scanned, {} new, {} updated, {} unchanged, {} matched, {} in error",
        c.scanned, c.new, c.updated, c.unchanged, c.matched, c.errors
    );
    let mut end = Vec::new();
    if csv {
        end.push(
            NewEvent::new("system.import.user_csv.complete", format!("CSV user import completed: {summary}"), actor.clone())
                .target(app_target.clone())
                .transaction(&run.id)
                .debug(debug.clone()),
        );
    }
    end.push(
        NewEvent::new("system.import.complete", format!("Import of {} completed: {summary}", app.name), actor.clone())
            .target(app_target)
            .target(run_target)
            .transaction(&run.id)
            .debug(debug),
    );
    let now = crate::ids::now();
    let mut tx = store.pool().begin().await?;
    store::imports::update_run_counts(&mut tx, &run.id, &c).await?;
    store::imports::finish_run(&mut tx, &run.id, RunStatus::Completed, None, &now).await?;
    store::events::insert_events(&mut tx, &end, &now).await?;
    tx.commit().await?;
    Ok(c)
}

/// Records a run that could not finish, with the reason.
pub async fn fail_run(store: &Store, app: &App, run: &ImportRun, actor: &Actor, reason: &str) -> Result<()> {
    let now = crate::ids::now();
    let event = NewEvent::new("system.import.complete", format!("Import of {} failed: {reason}", app.name), actor.clone())
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

    fn profile(login: &str, email: &str) -> UserProfile {
        let a: Vec<(String, String)> = [("login", login), ("firstName", "A"), ("lastName", "B"), ("email", email)]
            .iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect();
        UserProfile::from_attributes(&a).unwrap()
    }

    #[test]
    fn matches_by_login_or_email_case_insensitively() {
        let mut index = UserIndex::default();
        index.insert("00u1", "Ann@X.io", "ann@x.io");
        index.insert("00u2", "bob", "Bob@X.io");
        let m = match_profile(&index, &profile("ANN@x.io", "other@x.io"));
        assert_eq!((m.match_type, m.user_id.as_deref()), (MatchType::Exact, Some("00u1")));
        let m = match_profile(&index, &profile("robert", "bob@x.IO"));
        assert_eq!((m.match_type, m.user_id.as_deref()), (MatchType::Exact, Some("00u2")));
        let m = match_profile(&index, &profile("carl", "carl@x.io"));
        assert_eq!(m.match_type, MatchType::New);
    }

    #[test]
    fn login_of_one_user_and_email_of_another_is_a_conflict() {
        let mut index = UserIndex::default();
        index.insert("00u1", "ann", "ann@x.io");
        index.insert("00u2", "bob", "bob@x.io");
        let m = match_profile(&index, &profile("ann", "bob@x.io"));
        assert_eq!((m.match_type, m.user_id, m.candidates), (MatchType::Conflict, None, 2));
    }

    #[test]
    fn shared_email_is_a_conflict() {
        let mut index = UserIndex::default();
        index.insert("00u1", "ann", "team@x.io");
        index.insert("00u2", "bob", "TEAM@x.io");
        let m = match_profile(&index, &profile("carl", "team@x.io"));
        assert_eq!(m.match_type, MatchType::Conflict);
    }

    #[test]
    fn hash_changes_with_any_value() {
        let a = vec![("login".to_string(), "a".to_string()), ("x".to_string(), "1".to_string())];
        let mut b = a.clone();
        b[1].1 = "2".into();
        assert_ne!(content_hash(&a, true), content_hash(&b, true));
        assert_ne!(content_hash(&a, true), content_hash(&a, false));
        assert_eq!(content_hash(&a, true), content_hash(&a.clone(), true));
    }
}
