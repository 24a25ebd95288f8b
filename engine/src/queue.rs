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
use sqlx::SqliteConnection;
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
pub(crate) enum Choice<'a> {
    Create,
    Link(&'a str),
    Ignore,
    /// Needs the admin first: a conflict, or a link with no user.
    Wait,
}

/// The admin's choice for a row, or what its match type means by default:
/// new users are created, exact and partial matches linked.
fn choice_of(row: &PendingRow) -> Choice<'_> {
    match (row.action, row.match_type) {
        (Some(QueueChoice::Ignore), _) => Choice::Ignore,
        (Some(QueueChoice::Create), _) | (None, MatchType::New) => Choice::Create,
        (Some(QueueChoice::Link), _) | (None, MatchType::Exact | MatchType::Partial) => {
            match row
                .action_user_id
                .as_deref()
                .or(row.matched_user_id.as_deref())
            {
                Some(user) => Choice::Link(user),
                None => Choice::Wait,
            }
        }
        _ => Choice::Wait,
    }
}

/// The person a row stands for, as the import mapped them.
pub(crate) struct Person<'a> {
    pub login: &'a str,
    pub email: &'a str,
    pub first_name: &'a str,
    pub last_name: &'a str,
    /// The whole profile as JSON.
    pub profile: &'a str,
    pub search_key: &'a str,
}

/// A row to confirm: an account, what to do with it, and its person.
pub(crate) struct Row<'a> {
    pub external_id: &'a str,
    pub choice: Choice<'a>,
    pub person: Person<'a>,
}

/// What became of a row.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum Fate {
    /// Created, linked or ignored.
    Done,
    /// Not created: this user has its login (since it was matched).
    Taken(String),
    /// Left for the admin: undecided, or refused.
    Left,
}

/// Who confirms, and what a confirmation does besides creating and linking.
pub(crate) struct Confirmer<'a> {
    pub app: &'a App,
    pub actor: &'a Actor,
    /// The System Log transaction the events belong to.
    pub transaction: &'a str,
    /// New users are activated.
    pub activate: bool,
    /// The app sources users: a linked person takes their profile from it.
    pub sources_users: bool,
}

impl Confirmer<'_> {
    fn event(&self, event_type: EventType, message: &str) -> NewEvent {
        NewEvent::new(event_type, message, self.actor.clone()).transaction(self.transaction)
    }
}

/// A batch of rows confirmed in the caller's transaction: its users are
/// created and assigned to the app. The caller writes `links` (the app
/// users' `(external_id, user_id)`), then calls [`Confirmed::finish`].
pub(crate) struct Confirmed {
    /// Each row's fate, in the order of the rows.
    pub fates: Vec<Fate>,
    pub links: Vec<(String, String)>,
    /// Existing people linked now.
    claimed: Vec<String>,
    /// The events, grouped as the log stores them: each group's event with
    /// its first targets.
    events: Vec<(NewEvent, Vec<Target>)>,
    /// Linked accounts with their people, for the group memberships the
    /// people gain.
    linked: Vec<(String, Target)>,
}

/// Confirms rows in the caller's transaction: creates the users of those
/// to create (unless their login was taken meanwhile) and assigns them and
/// the people of those to link (unless they hold an account in the app
/// already) to the app.
pub(crate) async fn confirm_rows(
    conn: &mut SqliteConnection,
    c: &Confirmer<'_>,
    rows: &[Row<'_>],
    outcome: &mut ConfirmOutcome,
    now: store::Timestamp,
) -> Result<Confirmed> {
    let app = c.app;
    let new_logins: Vec<&str> = rows
        .iter()
        .filter(|r| r.choice == Choice::Create)
        .map(|r| r.person.login)
        .collect();
    let taken = store::users::existing_logins(conn, &new_logins).await?;
    // The users rows link to, as the System Log names them.
    let link_ids: Vec<&str> = rows
        .iter()
        .filter_map(|r| match r.choice {
            Choice::Link(user) => Some(user),
            _ => None,
        })
        .collect();
    let labels = store::rules::user_labels(conn, &link_ids).await?;
    // A person has one account per app: the accounts these people hold
    // already, and those this batch links (by external id).
    let held = accounts::holdings(conn, &app.id, &link_ids).await?;
    let mut linked_now: HashMap<&str, &str> = HashMap::new();

    let app_target = Target::app(&app.id, &app.name);
    let create = c.event(EventType::UserCreate, "Create user");
    let import = c
        .event(
            EventType::ImportUserCreate.of_source(app.kind),
            "Create user imported from the app",
        )
        .target(app_target.clone());
    let activate = c.event(EventType::UserActivate, "Activate user");
    let membership = c
        .event(
            EventType::MembershipAdd,
            "Add user to application membership",
        )
        .target(app_target);
    let (mut created, mut imported, mut activated) = (Vec::new(), Vec::new(), Vec::new());
    let mut confirms = Vec::new();
    let mut members = Vec::new();

    let mut fates = Vec::with_capacity(rows.len());
    let mut users = Vec::new();
    let mut links: Vec<(String, String)> = Vec::new();
    let mut batch_logins = HashSet::new();
    let mut claimed: Vec<String> = Vec::new();
    let mut linked: Vec<(String, Target)> = Vec::new();
    for row in rows {
        let person = &row.person;
        let fate = match row.choice {
            Choice::Create => {
                let key = crate::model::fold(person.login);
                if let Some(existing) = taken.get(&key) {
                    Fate::Taken(existing.clone())
                } else if !batch_logins.insert(key) {
                    Fate::Left
                } else {
                    let id = crate::ids::user_id();
                    let display = format!("{} {}", person.first_name, person.last_name);
                    let target = Target::user(&id, person.login, &display);
                    created.push(target.clone());
                    imported.push(target.clone());
                    if c.activate {
                        activated.push(target.clone());
                        outcome.activated += 1;
                    }
                    members.push(target.clone());
                    users.push(NewUser {
                        id: id.clone(),
                        search_key: person.search_key.to_owned(),
                        status: match c.activate {
                            true => UserStatus::Active,
                            false => UserStatus::Staged,
                        },
                        login: person.login.to_owned(),
                        email: person.email.to_owned(),
                        first_name: person.first_name.to_owned(),
                        last_name: person.last_name.to_owned(),
                        profile: person.profile.to_owned(),
                        activated: c.activate.then_some(now),
                    });
                    linked.push((row.external_id.to_owned(), target));
                    links.push((row.external_id.to_owned(), id));
                    outcome.created += 1;
                    Fate::Done
                }
            }
            Choice::Link(user_id) => {
                let holding = match (held.get(user_id), linked_now.get(user_id)) {
                    (Some(holding), _) => Some(holding.clone()),
                    (None, Some(&external_id)) => Some(Holding {
                        login: accounts::account(conn, &app.id, external_id)
                            .await?
                            .map_or_else(|| external_id.to_owned(), |(login, _)| login),
                        external_id: external_id.to_owned(),
                    }),
                    (None, None) => None,
                };
                match (labels.get(user_id), holding) {
                    // The chosen user was deleted meanwhile: left for a new decision.
                    (None, _) => Fate::Left,
                    (Some(label), Some(holding)) => {
                        if outcome.problems.len() < PROBLEMS_LISTED {
                            outcome.problems.push(format!(
                                "{}: {}",
                                person.login,
                                holds_account(&label.display, &label.login, &app.name, &holding)
                            ));
                        }
                        outcome.refused += 1;
                        Fate::Left
                    }
                    (Some(label), None) => {
                        linked_now.insert(user_id, row.external_id);
                        let target = Target::user(user_id, &label.login, &label.display);
                        confirms.push((
                            c.event(EventType::UserMatchConfirm, "Confirm matched user")
                                .target(target.clone()),
                            vec![Target::app_user(row.external_id, &app.name)],
                        ));
                        members.push(target.clone());
                        linked.push((row.external_id.to_owned(), target));
                        claimed.push(user_id.to_owned());
                        links.push((row.external_id.to_owned(), user_id.to_owned()));
                        outcome.linked += 1;
                        Fate::Done
                    }
                }
            }
            Choice::Ignore => {
                store::rules::ignore_app_user(conn, &app.id, row.external_id).await?;
                outcome.ignored += 1;
                Fate::Done
            }
            Choice::Wait => Fate::Left,
        };
        if fate != Fate::Done {
            outcome.skipped += 1;
        }
        fates.push(fate);
    }
    // Written in key order, so each index page is visited once per batch
    // rather than once per row.
    users.sort_unstable_by(|a, b| a.id.cmp(&b.id));
    store::users::insert_users(conn, &users, Some(&app.id), now).await?;
    let mut assigned: Vec<&str> = links.iter().map(|(_, u)| u.as_str()).collect();
    assigned.sort_unstable();
    imports::insert_assignments(conn, &app.id, &assigned, now).await?;

    let mut events = vec![(create, created), (import, imported), (activate, activated)];
    events.extend(confirms);
    events.push((membership, members));
    Ok(Confirmed {
        fates,
        links,
        claimed,
        events,
        linked,
    })
}

impl Confirmed {
    /// Once the links are written: linked people take their profile from
    /// the app when it sources users, and the events are logged, with the
    /// memberships the people gain in the groups of their accounts.
    pub(crate) async fn finish(
        mut self,
        conn: &mut SqliteConnection,
        c: &Confirmer<'_>,
        now: store::Timestamp,
    ) -> Result<()> {
        if c.sources_users {
            let claimed: Vec<&str> = self.claimed.iter().map(String::as_str).collect();
            store::profile_sources::resource(conn, &claimed, true).await?;
        }
        let accounts: Vec<&str> = self.linked.iter().map(|(e, _)| e.as_str()).collect();
        let groups = store::groups::groups_of_accounts(conn, &c.app.id, &accounts).await?;
        let mut by_group: HashMap<&str, usize> = HashMap::new();
        for (external_id, person) in &self.linked {
            for (id, name) in groups.get(external_id).into_iter().flatten() {
                let at = *by_group.entry(id).or_insert_with(|| {
                    self.events.push((
                        c.event(
                            EventType::GroupMembershipAdd,
                            "Add user to group membership",
                        )
                        .target(Target::group(id, name)),
                        Vec::new(),
                    ));
                    self.events.len() - 1
                });
                self.events[at].1.push(person.clone());
            }
        }
        store::events::insert_event_groups(conn, &self.events, now).await
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
    let transaction = crate::ids::transaction_id();
    let confirmer = Confirmer {
        app,
        actor,
        transaction: &transaction,
        activate,
        sources_users: store.app_settings(&app.id).await?.sourcing.enabled,
    };
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
        let pending =
            imports::pending_rows(&mut tx, &app.id, &window, after, CONFIRM_BATCH).await?;
        match (window_end, pending.last().map(|r| r.seq)) {
            (Some(end), _) => after = end,
            (None, Some(last)) => after = last,
            (None, None) => break,
        }
        let now = crate::ids::now();
        // A row whose profile does not read is left in the queue.
        let profiles: Vec<(&PendingRow, UserProfile, String)> = pending
            .iter()
            .filter_map(|r| {
                let profile = UserProfile::from_attributes(&attributes_of(r)).ok()?;
                let key = profile.search_key();
                Some((r, profile, key))
            })
            .collect();
        outcome.skipped += (pending.len() - profiles.len()) as i64;
        let rows: Vec<Row> = profiles
            .iter()
            .map(|(r, p, key)| Row {
                external_id: &r.external_id,
                choice: choice_of(r),
                person: Person {
                    login: p.login.as_str(),
                    email: p.email.as_str(),
                    first_name: &p.first_name,
                    last_name: &p.last_name,
                    profile: &r.profile,
                    search_key: key,
                },
            })
            .collect();
        let confirmed = confirm_rows(&mut tx, &confirmer, &rows, &mut outcome, now).await?;
        let mut done = Vec::new();
        for ((row, _, _), fate) in profiles.iter().zip(&confirmed.fates) {
            match fate {
                Fate::Done => done.push(row.seq),
                Fate::Taken(user) => imports::rematch_queue_row(&mut tx, row.seq, user).await?,
                Fate::Left => {}
            }
        }
        let links: Vec<(&str, &str)> = confirmed
            .links
            .iter()
            .map(|(e, u)| (e.as_str(), u.as_str()))
            .collect();
        imports::link_app_users(&mut tx, &app.id, &links).await?;
        confirmed.finish(&mut tx, &confirmer, now).await?;
        imports::delete_queue_rows(&mut tx, &app.id, &done).await?;
        tx.commit().await?;
    }
    Ok(outcome)
}
