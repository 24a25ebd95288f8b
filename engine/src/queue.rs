//! Confirming import queue rows: new users are created and linked, matched
//! users are linked and assigned. Each batch is one transaction with its
//! System Log events.

use crate::error::Result;
use crate::model::{
    App, ConfirmOutcome, MatchType, QueueChoice, UserProfile, UserStatus, PROBLEMS_LISTED,
};
use crate::store::accounts::{self, Holding};
use crate::store::imports::{self, PendingRow, Selection};
use crate::store::{self, NewUser, Store};
use crate::syslog::{Actor, EventType, NewEvent, Target};
use std::collections::{HashMap, HashSet};

/// Queue rows confirmed per transaction.
pub const CONFIRM_BATCH: usize = 10000;

/// The row's profile as the run mapped it.
fn attributes_of(row: &PendingRow) -> Vec<(String, String)> {
    let json = &row.profile;
    match serde_json::from_str::<serde_json::Map<String, serde_json::Value>>(json) {
        Ok(map) => map
            .into_iter()
            .map(|(k, v)| (k, v.as_str().unwrap_or_default().to_owned()))
            .collect(),
        Err(_) => Vec::new(),
    }
}

/// Why a person cannot be linked to another account of an app: they hold one.
pub(crate) fn holds_account(
    person: &str,
    login: &str,
    app_name: &str,
    holding: &Holding,
) -> String {
    format!(
        "{person} ({login}) already has an account in {app_name}: {} (external id {}). \
         A person has one account per app.",
        holding.login, holding.external_id
    )
}

/// What confirming a row does.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Decision<'a> {
    Create,
    Link(&'a str),
    Ignore,
    /// Needs the admin first: a conflict, or a link with no user.
    Wait,
}

/// The admin's choice for a row, or what its match type means by default:
/// new users are created, exact and partial matches linked.
fn decide(row: &PendingRow) -> Decision<'_> {
    match (row.action, row.match_type) {
        (Some(QueueChoice::Ignore), _) => Decision::Ignore,
        (Some(QueueChoice::Create), _) | (None, MatchType::New) => Decision::Create,
        (Some(QueueChoice::Link), _) | (None, MatchType::Exact | MatchType::Partial) => {
            match row
                .action_user_id
                .as_deref()
                .or(row.matched_user_id.as_deref())
            {
                Some(user) => Decision::Link(user),
                None => Decision::Wait,
            }
        }
        _ => Decision::Wait,
    }
}

/// Confirms the selected rows (or all) of an app's queue, each as the admin
/// decided (create, link to the match or a chosen user, ignore) or as its
/// match type says. Conflicts without a decision are left in the queue.
pub async fn confirm_assignments(
    store: &Store,
    app: &App,
    selection: &Selection,
    activate: bool,
    actor: &Actor,
) -> Result<ConfirmOutcome> {
    let mut outcome = ConfirmOutcome::default();
    // Linked users take their profile from the app when it sources users.
    let sources_users = store.app_settings(&app.id).await?.sourcing.enabled;
    let transaction = crate::ids::transaction_id();
    let app_target = Target::app(&app.id, &app.name);
    // A chosen set of rows is confirmed in windows of ascending seqs, so an
    // unsorted choice or rows confirmed meanwhile end no batch early.
    let chosen: Option<Vec<i64>> = match selection {
        Selection::Rows(seqs) => {
            let mut seqs = seqs.clone();
            seqs.sort_unstable();
            seqs.dedup();
            Some(seqs)
        }
        _ => None,
    };
    let mut after = 0;
    loop {
        let (window, window_end) = match &chosen {
            None => (selection.clone(), None),
            Some(seqs) => {
                let start = seqs.partition_point(|&s| s <= after);
                let window: Vec<i64> = seqs
                    .iter()
                    .skip(start)
                    .take(CONFIRM_BATCH)
                    .copied()
                    .collect();
                let Some(&end) = window.last() else { break };
                (Selection::Rows(window), Some(end))
            }
        };
        // Rows are read and written under the write lock: a read-first
        // transaction fails with "database is locked" when another writer
        // (another confirmation, an import) commits in between, and a double
        // submission must not confirm the same rows twice.
        let mut tx = store.begin_write().await?;
        let rows = imports::pending_rows(&mut tx, &app.id, &window, after, CONFIRM_BATCH).await?;
        let last_seq = rows.last().map(|r| r.seq);
        match (window_end, last_seq) {
            (Some(end), _) => after = end,
            (None, Some(last)) => after = last,
            (None, None) => break,
        }
        let now = crate::ids::now();

        let profiles: Vec<Option<UserProfile>> = rows
            .iter()
            .map(|r| UserProfile::from_attributes(&attributes_of(r)).ok())
            .collect();
        let new_logins: Vec<&str> = rows
            .iter()
            .zip(&profiles)
            .filter(|(r, _)| decide(r) == Decision::Create)
            .filter_map(|(_, p)| p.as_ref().map(|p| p.login.as_str()))
            .collect();
        let taken = store::users::existing_logins(&mut tx, &new_logins).await?;
        // The users rows link to, as the System Log names them.
        let link_ids: Vec<&str> = rows
            .iter()
            .filter_map(|r| match decide(r) {
                Decision::Link(user) => Some(user),
                _ => None,
            })
            .collect();
        let labels = store::rules::user_labels(&mut tx, &link_ids).await?;
        // A person has one account per app: the accounts these people hold
        // already, and those this batch links (by external id).
        let held = accounts::holdings(&mut tx, &app.id, &link_ids).await?;
        let mut linked_now: HashMap<String, String> = HashMap::new();

        let mut users = Vec::new();
        let mut links: Vec<(String, String)> = Vec::new();
        let mut events = Vec::new();
        let mut done = Vec::new();
        let mut batch_logins = HashSet::new();
        let mut claimed: Vec<String> = Vec::new();
        // The person each linked account is linked to, for the memberships
        // of its groups that the person gains.
        let mut linked_targets: Vec<(String, Target)> = Vec::new();
        for (row, profile) in rows.iter().zip(profiles) {
            let Some(profile) = profile else {
                outcome.skipped += 1;
                continue;
            };
            let display = format!("{} {}", profile.first_name, profile.last_name);
            match decide(row) {
                Decision::Create => {
                    let key = profile.login.key();
                    if let Some(existing) = taken.get(&key) {
                        imports::rematch_queue_row(&mut tx, row.seq, existing).await?;
                        outcome.skipped += 1;
                        continue;
                    }
                    if !batch_logins.insert(key) {
                        outcome.skipped += 1;
                        continue;
                    }
                    let id = crate::ids::user_id();
                    let target = Target::user(&id, profile.login.as_str(), &display);
                    events.push(
                        NewEvent::new(EventType::UserCreate, "Create user", actor.clone())
                            .target(target.clone())
                            .transaction(&transaction),
                    );
                    events.push(
                        NewEvent::new(
                            EventType::ImportUserCreate.of_source(app.kind),
                            "Create user imported from the app",
                            actor.clone(),
                        )
                        .target(target.clone())
                        .target(app_target.clone())
                        .transaction(&transaction),
                    );
                    if activate {
                        events.push(
                            NewEvent::new(EventType::UserActivate, "Activate user", actor.clone())
                                .target(target.clone())
                                .transaction(&transaction),
                        );
                        outcome.activated += 1;
                    }
                    events.push(
                        NewEvent::new(
                            EventType::MembershipAdd,
                            "Add user to application membership",
                            actor.clone(),
                        )
                        .target(target.clone())
                        .target(app_target.clone())
                        .transaction(&transaction),
                    );
                    users.push(NewUser {
                        id: id.clone(),
                        search_key: profile.search_key(),
                        status: if activate {
                            UserStatus::Active
                        } else {
                            UserStatus::Staged
                        },
                        login: profile.login.as_str().to_owned(),
                        email: profile.email.as_str().to_owned(),
                        first_name: profile.first_name,
                        last_name: profile.last_name,
                        profile: crate::model::json_text(&profile.attributes),
                        activated: activate.then_some(now),
                    });
                    linked_targets.push((row.external_id.clone(), target));
                    links.push((row.external_id.clone(), id));
                    outcome.created += 1;
                }
                Decision::Link(user_id) => {
                    let user_id = user_id.to_owned();
                    let Some(store::rules::UserLabel {
                        login,
                        display: name,
                        ..
                    }) = labels.get(&user_id)
                    else {
                        // The chosen user was deleted meanwhile: leave the row for a new decision.
                        outcome.skipped += 1;
                        continue;
                    };
                    let holding = match (held.get(&user_id), linked_now.get(&user_id)) {
                        (Some(holding), _) => Some(holding.clone()),
                        (None, Some(external_id)) => Some(Holding {
                            login: accounts::account(&mut tx, &app.id, external_id)
                                .await?
                                .map_or_else(|| external_id.clone(), |(login, _)| login),
                            external_id: external_id.clone(),
                        }),
                        (None, None) => None,
                    };
                    if let Some(holding) = holding {
                        // Left in the queue for the admin to decide again.
                        if outcome.problems.len() < PROBLEMS_LISTED {
                            outcome.problems.push(format!(
                                "{}: {}",
                                profile.login.as_str(),
                                holds_account(name, login, &app.name, &holding)
                            ));
                        }
                        outcome.refused += 1;
                        outcome.skipped += 1;
                        continue;
                    }
                    linked_now.insert(user_id.clone(), row.external_id.clone());
                    let target = Target::user(&user_id, login, name);
                    events.push(
                        NewEvent::new(
                            EventType::UserMatchConfirm,
                            "Confirm matched user",
                            actor.clone(),
                        )
                        .target(Target::app_user(&row.external_id, &app.name))
                        .target(target.clone())
                        .transaction(&transaction),
                    );
                    events.push(
                        NewEvent::new(
                            EventType::MembershipAdd,
                            "Add user to application membership",
                            actor.clone(),
                        )
                        .target(target.clone())
                        .target(app_target.clone())
                        .transaction(&transaction),
                    );
                    linked_targets.push((row.external_id.clone(), target));
                    claimed.push(user_id.clone());
                    links.push((row.external_id.clone(), user_id));
                    outcome.linked += 1;
                }
                Decision::Ignore => {
                    store::rules::ignore_app_user(&mut tx, &app.id, &row.external_id).await?;
                    outcome.ignored += 1;
                }
                Decision::Wait => {
                    outcome.skipped += 1;
                    continue;
                }
            }
            done.push(row.seq);
        }
        // Written in key order, so each index page is visited once per batch
        // rather than once per row (user ids are random).
        users.sort_unstable_by(|a, b| a.id.cmp(&b.id));
        store::users::insert_users(&mut tx, &users, Some(&app.id), now).await?;
        let link_refs: Vec<(&str, &str)> = links
            .iter()
            .map(|(e, u)| (e.as_str(), u.as_str()))
            .collect();
        imports::link_app_users(&mut tx, &app.id, &link_refs).await?;
        let mut assigned: Vec<&str> = links.iter().map(|(_, u)| u.as_str()).collect();
        assigned.sort_unstable();
        imports::insert_assignments(&mut tx, &app.id, &assigned, now).await?;
        if sources_users {
            let claimed: Vec<&str> = claimed.iter().map(String::as_str).collect();
            store::profile_sources::resource(&mut tx, &claimed, true).await?;
        }
        let linked_accounts: Vec<&str> = linked_targets.iter().map(|(e, _)| e.as_str()).collect();
        let groups = store::groups::groups_of_accounts(&mut tx, &app.id, &linked_accounts).await?;
        for (external_id, target) in &linked_targets {
            for (id, name) in groups.get(external_id).into_iter().flatten() {
                events.push(
                    NewEvent::new(
                        EventType::GroupMembershipAdd,
                        "Add user to group membership",
                        actor.clone(),
                    )
                    .target(target.clone())
                    .target(Target::group(id, name))
                    .transaction(&transaction),
                );
            }
        }
        store::events::insert_events(&mut tx, &events, now).await?;
        imports::delete_queue_rows(&mut tx, &app.id, &done).await?;
        tx.commit().await?;
    }
    Ok(outcome)
}
