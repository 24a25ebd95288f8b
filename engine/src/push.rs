//! Provisioning To App: each person assigned to a SCIM app (directly or
//! through a group) gets an account there, kept like their profile, and
//! deactivated when they are unassigned or deactivated; reassigning them
//! reactivates the same account.
//!
//! What may need a push is written to an outbox (`push_outbox`) by
//! triggers, in the same transaction as the change that calls for it, so
//! no change is lost however the process stops. The pusher reads each due
//! account's person as they are now and sends what the app lacks: several
//! changes of one account go as one, one request in flight per account and
//! at most [`IN_FLIGHT`] per app. Failures that may pass (no answer, 408,
//! 429, 5xx) are tried again later, after the app's `Retry-After` or a
//! growing delay; those that will not (the app refused) stop and are listed
//! on the app with the app's words until retried or dismissed. A create the
//! app answers with 409 (the userName exists there, made by an earlier
//! attempt cut short or by someone else) links to that account rather than
//! making a second.

use crate::error::Result;
use crate::model::App;
use crate::pipeline::stage::content_hash;
use crate::scim::{Client, Sent};
use crate::store::push::{self as stored, Due, Person, PushedAccount};
use crate::syslog::{Actor, EventType, NewEvent, Target};
use crate::Engine;
use futures_util::stream::{FuturesUnordered, StreamExt};
use proto::scim::{ScimFeatures, ScimSettings, ToApp};
use rand::Rng;
use serde_json::{json, Value};
use std::collections::BTreeMap;
use std::time::Duration;

/// Requests in flight to one app at a time.
pub const IN_FLIGHT: usize = 4;
/// Accounts claimed per pass.
const CLAIM: i64 = 512;
/// Pushes recorded per transaction.
const RECORD_BATCH: usize = 64;
/// Tries of a failure that may pass before it is listed as failed.
const MAX_ATTEMPTS: i64 = 8;
/// The longest wait between two tries.
const MAX_BACKOFF: Duration = Duration::from_secs(300);

const CORE_USER: &str = "urn:ietf:params:scim:schemas:core:2.0:User";

/// What an account needs, by the To App settings.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Action {
    Nothing,
    Create,
    Update,
    Deactivate,
    Reactivate,
}

/// What a person's account in the app needs: `account` as Muster knows it
/// (None: no account yet), `hash` of the profile to push.
fn decide(
    to_app: &ToApp,
    person: Option<&Person>,
    account: Option<&PushedAccount>,
    hash: i64,
) -> Action {
    let wanted = person.is_some_and(|p| p.assigned && p.status != "DEPROVISIONED");
    match (account, wanted) {
        (None, true) if to_app.create_users => Action::Create,
        (None, _) => Action::Nothing,
        (Some(a), true) if !a.active => match to_app.deactivate_users {
            true => Action::Reactivate,
            false => Action::Nothing,
        },
        (Some(a), true) if to_app.update_attributes && a.pushed_hash != hash => Action::Update,
        (Some(a), false) if a.active && to_app.deactivate_users => Action::Deactivate,
        _ => Action::Nothing,
    }
}

/// The profile pushed: userName, name and work email.
fn profile_hash(p: &Person) -> i64 {
    let fields = [
        ("userName", &p.login),
        ("givenName", &p.first_name),
        ("familyName", &p.last_name),
        ("email", &p.email),
    ];
    let attributes: Vec<(String, String)> = fields
        .iter()
        .map(|(k, v)| ((*k).to_owned(), (*v).clone()))
        .collect();
    content_hash(&attributes, true)
}

/// The user as created (and replaced, for apps without PATCH). Every
/// field is one a Muster profile requires, so none is ever empty (and Push
/// Null Values has nothing to clear).
fn user_resource(p: &Person, active: bool) -> Value {
    json!({
        "schemas": [CORE_USER],
        "userName": p.login,
        "name": {"givenName": p.first_name, "familyName": p.last_name},
        "emails": [{"value": p.email, "type": "work", "primary": true}],
        "active": active,
    })
}

/// A random password, as Okta sends with every account it creates.
fn random_password() -> String {
    const CHARS: &[u8] = b"ABCDEFGHJKLMNPQRSTUVWXYZabcdefghijkmnopqrstuvwxyz23456789!#%+-=?@";
    let mut rng = rand::thread_rng();
    // Each class once, so the app's password rules are met, then the rest.
    let mut password: Vec<u8> = [&CHARS[..24], &CHARS[24..48], &CHARS[48..56], &CHARS[56..]]
        .iter()
        .map(|class| class[rng.gen_range(0..class.len())])
        .collect();
    password.extend((0..20).map(|_| CHARS[rng.gen_range(0..CHARS.len())]));
    String::from_utf8(password).unwrap_or_default()
}

/// PATCH operations setting the profile; the userName too unless
/// `exclude_username`.
fn profile_operations(p: &Person, exclude_username: bool) -> Vec<Value> {
    let replace = |path: &str, value: Value| json!({"op": "replace", "path": path, "value": value});
    let mut ops = Vec::with_capacity(4);
    if !exclude_username {
        ops.push(replace("userName", json!(p.login)));
    }
    ops.push(replace("name.givenName", json!(p.first_name)));
    ops.push(replace("name.familyName", json!(p.last_name)));
    ops.push(replace(
        "emails",
        json!([{"value": p.email, "type": "work", "primary": true}]),
    ));
    ops
}

/// One app's pushes this pass: its connection, what it supports, and who
/// pushes.
struct AppPush<'a> {
    engine: &'a Engine,
    app: App,
    settings: ScimSettings,
    features: ScimFeatures,
    client: Client,
}

/// An app as the pusher finds it.
enum Opened<'a> {
    Push(Box<AppPush<'a>>),
    /// Not a SCIM app with its integration enabled: nothing is sent.
    Off,
    /// Its ServiceProviderConfig did not answer.
    Unreachable(String),
}

/// One account's push, to be recorded.
struct Pushed<'d> {
    due: &'d Due,
    login: String,
    action: Action,
    /// The account as it is now in the app (to keep).
    account: Option<PushedAccount>,
    outcome: Outcome,
    events: Vec<NewEvent>,
}

/// What one account's push came to.
enum Outcome {
    Done,
    /// Worth trying again, after the delay the app asked for if it did.
    Retry {
        why: String,
        asked: Option<Duration>,
    },
    /// Refused for good.
    Failed(String),
}

impl Engine {
    /// Sends the pushes due now, at most [`IN_FLIGHT`] at a time per app;
    /// returns how many accounts were handled (0: none was due).
    pub async fn push_due(&self) -> Result<usize> {
        let mut conn = self.store.pool().acquire().await?;
        let due = stored::due(&mut conn, crate::ids::now(), CLAIM).await?;
        drop(conn);
        let handled = due.len();
        let mut by_app: BTreeMap<String, Vec<Due>> = BTreeMap::new();
        for d in due {
            by_app.entry(d.app_id.clone()).or_default().push(d);
        }
        let mut apps = FuturesUnordered::new();
        for (app_id, due) in by_app {
            apps.push(self.push_app(app_id, due));
        }
        while let Some(result) = apps.next().await {
            result?;
        }
        Ok(handled)
    }

    /// Pushes until nothing is due now; returns how many accounts were
    /// handled in all.
    pub async fn push_all_due(&self) -> Result<usize> {
        let mut handled = 0;
        loop {
            match self.push_due().await? {
                0 => return Ok(handled),
                n => handled += n,
            }
        }
    }

    async fn push_app(&self, app_id: String, due: Vec<Due>) -> Result<()> {
        let push = match self.open_app(&app_id).await? {
            Opened::Push(push) => push,
            // Not a SCIM app with its integration on: nothing is sent.
            Opened::Off => {
                let upto = due.iter().map(|d| d.upto).max().unwrap_or(0);
                let mut conn = self.store.pool().acquire().await?;
                return stored::drop_app(&mut conn, &app_id, upto).await;
            }
            // The app cannot be reached at all: every account waits.
            Opened::Unreachable(why) => {
                let mut tx = self.store.begin_write().await?;
                for d in &due {
                    let next = (d.attempts + 1 < MAX_ATTEMPTS)
                        .then(|| crate::ids::now() + backoff(d.attempts, None));
                    stored::not_done(&mut tx, d, next, &why).await?;
                }
                return Ok(tx.commit().await?);
            }
        };
        let mut waiting = due.iter();
        let mut running = FuturesUnordered::new();
        for d in waiting.by_ref().take(IN_FLIGHT) {
            running.push(push.account(d));
        }
        // What came of each is recorded a batch at a time: a stop before a
        // batch is recorded sends its pushes again, which the app takes as
        // the same (a create meets the account made: 409, linked).
        let mut finished = Vec::with_capacity(RECORD_BATCH);
        while let Some(result) = running.next().await {
            finished.push(result?);
            if let Some(d) = waiting.next() {
                running.push(push.account(d));
            }
            if finished.len() == RECORD_BATCH {
                push.record(&finished).await?;
                finished.clear();
            }
        }
        push.record(&finished).await
    }

    /// The app's connection, opened, with what the app supports.
    async fn open_app(&self, app_id: &str) -> Result<Opened<'_>> {
        let app = match self.store.get_app(app_id).await {
            Ok(app) => app,
            Err(crate::Error::NotFound(_)) => return Ok(Opened::Off),
            Err(e) => return Err(e),
        };
        if app.kind != crate::model::AppKind::ScimApp {
            return Ok(Opened::Off);
        }
        let (stored_settings, sealed) = self.store.connection(app_id).await?;
        let Ok(settings) = crate::sources::scim::settings_of(stored_settings) else {
            return Ok(Opened::Off);
        };
        let Some(sealed) = sealed.filter(|_| settings.enabled) else {
            return Ok(Opened::Off);
        };
        let secret = self.secrets.open(app_id, &sealed)?;
        let opened = match Client::new(&settings, &secret) {
            Ok(client) => client.features().await.map(|features| (client, features)),
            Err(e) => Err(e),
        };
        Ok(match opened {
            Ok((client, features)) => Opened::Push(Box::new(AppPush {
                engine: self,
                app,
                settings,
                features,
                client,
            })),
            Err(e) => Opened::Unreachable(e.to_string()),
        })
    }
}

/// How long to wait before trying again: what the app asked for, else a
/// delay doubling with each try (¼ s, ½ s, 1 s… up to five minutes).
fn backoff(attempts: i64, asked: Option<Duration>) -> chrono::TimeDelta {
    let wait = asked.unwrap_or_else(|| {
        (Duration::from_millis(250) * (1u32 << attempts.clamp(0, 16))).min(MAX_BACKOFF)
    });
    chrono::TimeDelta::from_std(wait).unwrap_or(chrono::TimeDelta::seconds(1))
}

impl AppPush<'_> {
    /// Brings one account in line with its person.
    async fn account<'d>(&self, due: &'d Due) -> Result<Pushed<'d>> {
        let store = &self.engine.store;
        let mut conn = store.pool().acquire().await?;
        let person = stored::person(&mut conn, &self.app.id, &due.user_id).await?;
        let mut account = stored::account(&mut conn, &self.app.id, &due.user_id).await?;
        drop(conn);
        let hash = person.as_ref().map_or(0, profile_hash);
        let action = decide(
            &self.settings.to_app,
            person.as_ref(),
            account.as_ref(),
            hash,
        );
        let mut events = Vec::new();
        let outcome = match (action, &person) {
            (Action::Nothing, _) | (_, None) => Outcome::Done,
            (Action::Create, Some(p)) => {
                self.create(&due.user_id, p, hash, &mut account, &mut events)
                    .await
            }
            (action, Some(p)) => match &mut account {
                Some(a) => {
                    self.change(&due.user_id, action, p, hash, a, &mut events)
                        .await
                }
                None => Outcome::Done,
            },
        };
        let login = person.map_or_else(|| due.user_id.clone(), |p| p.login);
        Ok(Pushed {
            due,
            login,
            action,
            account,
            outcome,
            events,
        })
    }

    /// Records what came of the pushes, in one transaction.
    async fn record(&self, pushed: &[Pushed<'_>]) -> Result<()> {
        if pushed.is_empty() {
            return Ok(());
        }
        let now = crate::ids::now();
        let mut events = Vec::new();
        let mut tx = self.engine.store.begin_write().await?;
        for p in pushed {
            let due = p.due;
            if let Some(a) = &p.account {
                stored::save_account(&mut tx, &self.app.id, &due.user_id, a, now).await?;
            }
            events.extend(p.events.iter().cloned());
            match &p.outcome {
                Outcome::Done => stored::done(&mut tx, due).await?,
                Outcome::Retry { why, asked } if due.attempts + 1 < MAX_ATTEMPTS => {
                    let next = now + backoff(due.attempts, *asked);
                    stored::not_done(&mut tx, due, Some(next), why).await?;
                    tracing::info!(app = %self.app.name, user = %p.login, attempt = due.attempts + 1, error = %why, "push to try again");
                }
                Outcome::Retry { why, .. } | Outcome::Failed(why) => {
                    stored::not_done(&mut tx, due, None, why).await?;
                    let event_type = match p.action {
                        Action::Create => EventType::ProvisionPush,
                        Action::Deactivate => EventType::ProvisionDeactivate,
                        Action::Reactivate => EventType::ProvisionReactivate,
                        Action::Update | Action::Nothing => EventType::ProvisionPushProfile,
                    };
                    events.push(
                        self.event(
                            event_type,
                            format!("Push to {} failed", self.app.name),
                            &due.user_id,
                            &p.login,
                            p.account.as_ref(),
                        )
                        .failure(why.clone()),
                    );
                }
            }
        }
        crate::store::events::insert_events(&mut tx, &events, now).await?;
        tx.commit().await?;
        Ok(())
    }

    fn event(
        &self,
        event_type: EventType,
        message: String,
        user_id: &str,
        login: &str,
        account: Option<&PushedAccount>,
    ) -> NewEvent {
        let mut event = NewEvent::new(event_type, message, Actor::system())
            .target(Target::user(user_id, login, login))
            .target(Target::app(&self.app.id, &self.app.name));
        if let Some(a) = account {
            event = event.target(Target::app_user(&a.external_id, &self.app.name));
        }
        event
    }

    /// POST /Users; a 409 links to the account the app has with the
    /// userName, which is then brought in line like any other.
    async fn create(
        &self,
        user_id: &str,
        p: &Person,
        hash: i64,
        account: &mut Option<PushedAccount>,
        events: &mut Vec<NewEvent>,
    ) -> Outcome {
        let mut user = user_resource(p, true);
        user["password"] = json!(random_password());
        match self.client.create_user(&user).await {
            Sent::Done(created) => match created.get("id").and_then(Value::as_str) {
                Some(id) => {
                    let a = PushedAccount {
                        external_id: id.to_owned(),
                        active: true,
                        pushed_hash: hash,
                    };
                    events.push(self.event(
                        EventType::ProvisionPush,
                        format!("Create user in {}", self.app.name),
                        user_id,
                        &p.login,
                        Some(&a),
                    ));
                    *account = Some(a);
                    Outcome::Done
                }
                None => Outcome::Failed("POST /Users answered without the new user's id".into()),
            },
            Sent::Conflict(why) => {
                let found = match self.client.user_named(&p.login, self.features.filter).await {
                    Ok(found) => found,
                    Err(sent) => return failure(sent),
                };
                let Some(existing) = found
                    .as_ref()
                    .and_then(|u| u.get("id"))
                    .and_then(Value::as_str)
                else {
                    return Outcome::Failed(format!(
                        "{why}, yet the app has no user named {:?}",
                        p.login
                    ));
                };
                let mut a = PushedAccount {
                    external_id: existing.to_owned(),
                    active: found
                        .as_ref()
                        .and_then(|u| u.get("active"))
                        .and_then(Value::as_bool)
                        != Some(false),
                    pushed_hash: 0,
                };
                events.push(self.event(
                    EventType::ProvisionSync,
                    format!(
                        "Link to the existing user in {} with the same username",
                        self.app.name
                    ),
                    user_id,
                    &p.login,
                    Some(&a),
                ));
                let follow = decide(&self.settings.to_app, Some(p), Some(&a), hash);
                let outcome = match follow {
                    Action::Nothing | Action::Create => Outcome::Done,
                    action => self.change(user_id, action, p, hash, &mut a, events).await,
                };
                *account = Some(a);
                outcome
            }
            sent => failure(sent),
        }
    }

    /// Updates, deactivates or reactivates an account the app has.
    async fn change(
        &self,
        user_id: &str,
        action: Action,
        p: &Person,
        hash: i64,
        a: &mut PushedAccount,
        events: &mut Vec<NewEvent>,
    ) -> Outcome {
        let active = match action {
            Action::Deactivate => Some(false),
            Action::Reactivate => Some(true),
            _ => None,
        };
        let with_profile = match action {
            Action::Update => true,
            Action::Reactivate => self.settings.to_app.update_attributes && a.pushed_hash != hash,
            _ => false,
        };
        let sent = if self.features.patch {
            let mut ops = match with_profile {
                true => profile_operations(p, self.settings.to_app.exclude_username_updates),
                false => Vec::new(),
            };
            if let Some(active) = active {
                ops.push(json!({"op": "replace", "path": "active", "value": active}));
            }
            self.client.patch_user(&a.external_id, ops).await
        } else {
            let mut user = user_resource(p, active.unwrap_or(a.active));
            user["id"] = json!(a.external_id);
            if self.settings.to_app.exclude_username_updates {
                // The whole user is sent: with the userName the app has.
                match self.client.user(&a.external_id).await {
                    Sent::Done(current) => user["userName"] = current["userName"].clone(),
                    sent => return failure(sent),
                }
            }
            self.client.replace_user(&a.external_id, &user).await
        };
        if !matches!(sent, Sent::Done(_)) {
            return failure(sent);
        }
        if let Some(active) = active {
            a.active = active;
        }
        if with_profile || !self.features.patch {
            a.pushed_hash = hash;
        }
        let (event_type, message) = match action {
            Action::Deactivate => (EventType::ProvisionDeactivate, "Deactivate user in"),
            Action::Reactivate => (EventType::ProvisionReactivate, "Reactivate user in"),
            _ => (EventType::ProvisionPushProfile, "Push profile to"),
        };
        events.push(self.event(
            event_type,
            format!("{message} {}", self.app.name),
            user_id,
            &p.login,
            Some(a),
        ));
        Outcome::Done
    }
}

/// What a request that did not succeed means for the push.
fn failure(sent: Sent) -> Outcome {
    match sent {
        Sent::Transient { why, after } => Outcome::Retry { why, asked: after },
        Sent::Conflict(why) | Sent::Refused(why) => Outcome::Failed(why),
        Sent::Done(_) => Outcome::Done,
    }
}
