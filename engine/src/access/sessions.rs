//! Bulk import sessions of Custom Identity Source apps, as Okta has them:
//! automation opens a session, uploads users (to create or update, or to
//! deactivate), groups and memberships in requests, then starts the import.
//! A source has one active session at a time; an open session unused for
//! 24 hours expires. Starting it queues one incremental import of the app
//! that reads what the session staged, through the same pipeline as every
//! other source.

use super::{ReadHandle, WriteHandle};
use crate::error::{Error, Result};
use crate::model::{App, AppKind, ImportTrigger, ImportType};
use crate::store::sessions::{self as stored, StagedGroup, StagedUser};
use crate::syslog::{EventType, NewEvent, Target};
use crate::{ids, Engine};
use proto::console::ImportSessionView;
use proto::SessionStatus;

/// Entities (users, groups, memberships) in one bulk request.
pub const MAX_ENTITIES: usize = 200;
/// Bulk requests one session takes.
pub const MAX_REQUESTS: i64 = 50;
/// Users one session stages.
pub const MAX_USERS: i64 = 10_000;
/// How long an open session waits for its next request before it expires.
pub const SESSION_IDLE: chrono::TimeDelta = chrono::TimeDelta::hours(24);
/// The longest user external id.
pub const USER_EXTERNAL_ID_MAX: usize = 512;
/// The longest group external id (and member id in a membership).
pub const GROUP_EXTERNAL_ID_MAX: usize = 255;

/// The profile fields Okta bounds, with their shortest and longest lengths.
const FIELD_LENGTHS: [(&str, usize, usize); 7] = [
    ("userName", 0, 100),
    ("firstName", 1, 50),
    ("lastName", 1, 50),
    ("email", 5, 100),
    ("secondEmail", 5, 100),
    ("mobilePhone", 0, 100),
    ("homeAddress", 0, 4096),
];

/// One user of a bulk upsert: its external id and profile (string values,
/// Okta's names: `userName`, `firstName`, …, and any custom property).
#[derive(Debug, Clone, PartialEq)]
pub struct PushedUser {
    pub external_id: String,
    pub profile: Vec<(String, String)>,
}

/// One group of a bulk groups upsert.
#[derive(Debug, Clone, PartialEq)]
pub struct PushedGroup {
    pub external_id: String,
    pub display_name: String,
    pub description: Option<String>,
}

/// The members of one group, to add or remove.
#[derive(Debug, Clone, PartialEq)]
pub struct PushedMembership {
    pub group_external_id: String,
    pub member_external_ids: Vec<String>,
}

/// What a bulk request uploads.
pub enum Upload<'a> {
    Users(&'a [PushedUser]),
    DeleteUsers(&'a [String]),
    Groups(&'a [PushedGroup]),
    DeleteGroups(&'a [String]),
    Memberships(&'a [PushedMembership]),
    DeleteMemberships(&'a [PushedMembership]),
}

impl Upload<'_> {
    fn entities(&self) -> usize {
        match self {
            Upload::Users(u) => u.len(),
            Upload::DeleteUsers(ids) | Upload::DeleteGroups(ids) => ids.len(),
            Upload::Groups(g) => g.len(),
            Upload::Memberships(m) | Upload::DeleteMemberships(m) => m.len(),
        }
    }

    fn event(&self) -> (EventType, &'static str) {
        match self {
            Upload::Users(_) => (EventType::IdentitySourceBulkUpsert, "USERS"),
            Upload::DeleteUsers(_) => (EventType::IdentitySourceBulkDelete, "USERS"),
            Upload::Groups(_) => (EventType::IdentitySourceBulkUpsert, "GROUPS"),
            Upload::DeleteGroups(_) => (EventType::IdentitySourceBulkDelete, "GROUPS"),
            Upload::Memberships(_) => (EventType::IdentitySourceBulkUpsert, "MEMBERSHIPS"),
            Upload::DeleteMemberships(_) => (EventType::IdentitySourceBulkDelete, "MEMBERSHIPS"),
        }
    }

    /// What is wrong with the request's entities, each said with where.
    fn problems(&self) -> Vec<String> {
        let mut out = Vec::new();
        let too_long = |out: &mut Vec<String>, what: String, id: &str, max: usize| {
            if id.trim().is_empty() {
                out.push(format!("{what}: an external id is required"));
            } else if id.chars().count() > max {
                out.push(format!("{what}: longer than {max} characters"));
            }
        };
        match self {
            Upload::Users(users) => {
                for (i, u) in users.iter().enumerate() {
                    too_long(
                        &mut out,
                        format!("profiles[{i}].externalId"),
                        &u.external_id,
                        USER_EXTERNAL_ID_MAX,
                    );
                }
                for (i, u) in users.iter().enumerate() {
                    for (name, min, max) in FIELD_LENGTHS {
                        let Some((_, value)) = u.profile.iter().find(|(k, _)| k == name) else {
                            continue;
                        };
                        let n = value.chars().count();
                        if n < min || n > max {
                            out.push(format!(
                                "profiles[{i}].profile.{name}: {value:?} is {n} characters long; it must be {min} to {max}"
                            ));
                        }
                    }
                }
            }
            Upload::DeleteUsers(ids) => {
                for (i, id) in ids.iter().enumerate() {
                    too_long(
                        &mut out,
                        format!("profiles[{i}].externalId"),
                        id,
                        USER_EXTERNAL_ID_MAX,
                    );
                }
            }
            Upload::Groups(groups) => {
                for (i, g) in groups.iter().enumerate() {
                    too_long(
                        &mut out,
                        format!("profiles[{i}].externalId"),
                        &g.external_id,
                        GROUP_EXTERNAL_ID_MAX,
                    );
                    let n = g.display_name.chars().count();
                    if !(1..=255).contains(&n) {
                        out.push(format!(
                            "profiles[{i}].profile.displayName: {n} characters long; it must be 1 to 255"
                        ));
                    }
                    if g.description
                        .as_ref()
                        .is_some_and(|d| d.chars().count() > 1024)
                    {
                        out.push(format!(
                            "profiles[{i}].profile.description: longer than 1024 characters"
                        ));
                    }
                }
            }
            Upload::DeleteGroups(ids) => {
                for (i, id) in ids.iter().enumerate() {
                    too_long(
                        &mut out,
                        format!("externalIds[{i}]"),
                        id,
                        GROUP_EXTERNAL_ID_MAX,
                    );
                }
            }
            Upload::Memberships(m) | Upload::DeleteMemberships(m) => {
                for (i, m) in m.iter().enumerate() {
                    too_long(
                        &mut out,
                        format!("memberships[{i}].groupExternalId"),
                        &m.group_external_id,
                        GROUP_EXTERNAL_ID_MAX,
                    );
                    for (j, id) in m.member_external_ids.iter().enumerate() {
                        too_long(
                            &mut out,
                            format!("memberships[{i}].memberExternalIds[{j}]"),
                            id,
                            GROUP_EXTERNAL_ID_MAX,
                        );
                    }
                }
            }
        }
        out
    }
}

/// A profile as a record has it: `userName` is the login.
fn staged_profile(profile: &[(String, String)]) -> String {
    let map: std::collections::BTreeMap<&str, &str> = profile
        .iter()
        .map(|(k, v)| {
            let k = match k.as_str() {
                "userName" => "login",
                k => k,
            };
            (k, v.as_str())
        })
        .collect();
    crate::model::json_text(&map)
}

fn expired_before() -> chrono::DateTime<chrono::Utc> {
    ids::now() - SESSION_IDLE
}

impl Engine {
    /// The Custom Identity Source app `id`; any other app is not one.
    async fn identity_source(&self, id: &str) -> Result<App> {
        match self.store.get_app(id).await {
            Ok(app) if app.kind == AppKind::CustomIdentitySource => Ok(app),
            Ok(_) | Err(Error::NotFound(_)) => {
                Err(Error::NotFound(format!("identity source {id}")))
            }
            Err(e) => Err(e),
        }
    }

    /// Expires open sessions unused for [`SESSION_IDLE`] and drops what
    /// finished sessions staged; run by the worker with the schedules.
    pub async fn sweep_import_sessions(&self) -> Result<()> {
        let expired = self.store.expire_sessions(expired_before()).await?;
        let mut events = Vec::new();
        for (id, app_id) in expired {
            let name = self.store.get_app(&app_id).await.map(|a| a.name)?;
            events.push(
                NewEvent::new(
                    EventType::ImportSessionExpire,
                    format!("Import session {id} of {name} expired after 24 hours unused"),
                    crate::syslog::Actor::system(),
                )
                .target(Target::app(&app_id, &name))
                .target(Target::import_session(&id)),
            );
        }
        self.store.log(&events).await?;
        self.store.drop_finished_sessions().await
    }
}

impl ReadHandle<'_> {
    /// The sessions of an identity source, newest first.
    pub async fn import_sessions(&self, app_id: &str) -> Result<Vec<ImportSessionView>> {
        self.engine.identity_source(app_id).await?;
        self.engine.store.sessions(app_id, expired_before()).await
    }

    pub async fn import_session(&self, app_id: &str, id: &str) -> Result<ImportSessionView> {
        self.engine.identity_source(app_id).await?;
        self.engine
            .store
            .session(app_id, id, expired_before())
            .await
    }
}

impl WriteHandle<'_> {
    fn session_event(
        &self,
        event_type: EventType,
        message: String,
        app: &App,
        session_id: &str,
    ) -> NewEvent {
        NewEvent::new(event_type, message, self.actor())
            .target(Target::app(&app.id, &app.name))
            .target(Target::import_session(session_id))
    }

    /// Opens a session; refused while the source has an active one.
    pub async fn create_import_session(&self, app_id: &str) -> Result<ImportSessionView> {
        let store = &self.engine.store;
        let app = self.engine.identity_source(app_id).await?;
        let mut tx = store.begin_write().await?;
        if let Some(active) = stored::active_session(&mut tx, app_id, expired_before()).await? {
            return Err(Error::InvalidInput(format!(
                "The identity source already has an active session ({}, {}): start or cancel it first",
                active.id, active.status
            )));
        }
        let id = ids::import_session_id();
        let now = ids::now();
        stored::insert_session(&mut tx, &id, app_id, &self.admin.id, now).await?;
        let event = self.session_event(
            EventType::ImportSessionCreate,
            format!("Import session {id} of {} created", app.name),
            &app,
            &id,
        );
        crate::store::events::insert_events(&mut tx, &[event], now).await?;
        let session = stored::session_in(&mut tx, app_id, &id, expired_before()).await?;
        tx.commit().await?;
        Ok(session)
    }

    /// Cancels an open session: CLOSED, with what it staged dropped.
    pub async fn cancel_import_session(&self, app_id: &str, id: &str) -> Result<()> {
        let store = &self.engine.store;
        let app = self.engine.identity_source(app_id).await?;
        let mut tx = store.begin_write().await?;
        let session = stored::session_in(&mut tx, app_id, id, expired_before()).await?;
        if !session.status.is_open() {
            return Err(Error::InvalidInput(format!(
                "The session is {}: only a CREATED or IN_PROGRESS session can be cancelled",
                session.status
            )));
        }
        let now = ids::now();
        stored::set_status(&mut tx, id, SessionStatus::Closed, None, now).await?;
        stored::drop_staged(&mut tx, id).await?;
        let event = self.session_event(
            EventType::ImportSessionCancel,
            format!("Import session {id} of {} cancelled", app.name),
            &app,
            id,
        );
        crate::store::events::insert_events(&mut tx, &[event], now).await?;
        tx.commit().await?;
        Ok(())
    }

    /// Stages one bulk request in an open session, within its limits; the
    /// whole request or nothing.
    pub async fn upload_to_session(
        &self,
        app_id: &str,
        id: &str,
        upload: Upload<'_>,
    ) -> Result<()> {
        let store = &self.engine.store;
        let app = self.engine.identity_source(app_id).await?;
        let entities = upload.entities();
        if entities == 0 {
            return Err(Error::InvalidInput(
                "The request names nothing to upload".into(),
            ));
        }
        if entities > MAX_ENTITIES {
            return Err(Error::InvalidInput(format!(
                "A bulk request takes at most {MAX_ENTITIES} entities; this one has {entities}"
            )));
        }
        let problems = upload.problems();
        if !problems.is_empty() {
            let more = problems.len().saturating_sub(10);
            let mut text = problems.into_iter().take(10).collect::<Vec<_>>().join("; ");
            if more > 0 {
                text.push_str(&format!("; and {more} more"));
            }
            return Err(Error::InvalidInput(text));
        }
        let mut tx = store.begin_write().await?;
        let session = stored::session_in(&mut tx, app_id, id, expired_before()).await?;
        if !session.status.is_open() {
            return Err(Error::InvalidInput(format!(
                "The session is {}: data can be uploaded only to a CREATED or IN_PROGRESS session",
                session.status
            )));
        }
        if session.requests >= MAX_REQUESTS {
            return Err(Error::InvalidInput(format!(
                "The session has had its {MAX_REQUESTS} bulk requests: start its import and open another"
            )));
        }
        let (event_type, entity_type) = upload.event();
        match upload {
            Upload::Users(users) => {
                let last = last_of(users.iter().map(|u| u.external_id.as_str()));
                let ids: Vec<&str> = last
                    .iter()
                    .map(|&i| users[i].external_id.as_str())
                    .collect();
                check_user_room(&mut tx, id, session.users, &ids).await?;
                let staged: Vec<StagedUser> = last
                    .iter()
                    .map(|&i| StagedUser {
                        external_id: &users[i].external_id,
                        profile: Some(staged_profile(&users[i].profile)),
                    })
                    .collect();
                stored::stage_users(&mut tx, id, &staged).await?;
            }
            Upload::DeleteUsers(external_ids) => {
                let last = last_of(external_ids.iter().map(String::as_str));
                let ids: Vec<&str> = last.iter().map(|&i| external_ids[i].as_str()).collect();
                check_user_room(&mut tx, id, session.users, &ids).await?;
                let staged: Vec<StagedUser> = ids
                    .iter()
                    .map(|external_id| StagedUser {
                        external_id,
                        profile: None,
                    })
                    .collect();
                stored::stage_users(&mut tx, id, &staged).await?;
            }
            Upload::Groups(groups) => {
                let last = last_of(groups.iter().map(|g| g.external_id.as_str()));
                let staged: Vec<StagedGroup> = last
                    .iter()
                    .map(|&i| StagedGroup {
                        external_id: &groups[i].external_id,
                        profile: Some((&groups[i].display_name, groups[i].description.as_deref())),
                    })
                    .collect();
                stored::stage_groups(&mut tx, id, &staged).await?;
            }
            Upload::DeleteGroups(external_ids) => {
                let last = last_of(external_ids.iter().map(String::as_str));
                let staged: Vec<StagedGroup> = last
                    .iter()
                    .map(|&i| StagedGroup {
                        external_id: &external_ids[i],
                        profile: None,
                    })
                    .collect();
                stored::stage_groups(&mut tx, id, &staged).await?;
            }
            Upload::Memberships(m) | Upload::DeleteMemberships(m) => {
                let deleted = matches!(upload, Upload::DeleteMemberships(_));
                let pairs: Vec<(&str, &str)> = m
                    .iter()
                    .flat_map(|m| {
                        m.member_external_ids
                            .iter()
                            .map(|member| (m.group_external_id.as_str(), member.as_str()))
                    })
                    .collect::<std::collections::BTreeSet<_>>()
                    .into_iter()
                    .collect();
                stored::stage_memberships(&mut tx, id, &pairs, deleted).await?;
            }
        }
        let now = ids::now();
        stored::count_request(&mut tx, id, now).await?;
        let verb = match event_type {
            EventType::IdentitySourceBulkDelete => "to delete",
            _ => "to create or update",
        };
        let event = self
            .session_event(
                event_type,
                format!(
                    "{entities} {} {verb} uploaded to import session {id} of {}",
                    entity_type.to_lowercase(),
                    app.name
                ),
                &app,
                id,
            )
            .debug(serde_json::json!({
                "entityType": entity_type,
                "entities": entities,
                "sessionId": id,
            }));
        crate::store::events::insert_events(&mut tx, &[event], now).await?;
        tx.commit().await?;
        Ok(())
    }

    /// Starts the import of an IN_PROGRESS session: TRIGGERED, with one
    /// incremental import of the app queued to read what it staged.
    pub async fn start_session_import(&self, app_id: &str, id: &str) -> Result<ImportSessionView> {
        let store = &self.engine.store;
        let app = self.engine.identity_source(app_id).await?;
        if app.status == crate::model::AppStatus::Inactive {
            return Err(Error::InvalidInput(format!(
                "{} is deactivated: activate it on its General tab to import",
                app.name
            )));
        }
        let mut tx = store.begin_write().await?;
        let session = stored::session_in(&mut tx, app_id, id, expired_before()).await?;
        if session.status != SessionStatus::InProgress {
            return Err(Error::InvalidInput(format!(
                "The session is {}: only an IN_PROGRESS session (one with uploads) can be started",
                session.status
            )));
        }
        let run = crate::queued_run(
            app.id.clone(),
            None,
            Some(session.users),
            ImportType::Incremental,
            ImportTrigger::Api,
            false,
        );
        let now = ids::now();
        crate::store::imports::insert_run(&mut tx, &run, Some(&self.admin.id)).await?;
        stored::set_status(&mut tx, id, SessionStatus::Triggered, Some(&run.id), now).await?;
        let event = self
            .session_event(
                EventType::ImportSessionTrigger,
                format!("Import session {id} of {} started", app.name),
                &app,
                id,
            )
            .target(Target::import_run(&run.id))
            .debug(serde_json::json!({ "jobId": run.id, "users": session.users }));
        crate::store::events::insert_events(&mut tx, &[event], now).await?;
        let session = stored::session_in(&mut tx, app_id, id, expired_before()).await?;
        tx.commit().await?;
        self.engine.wake.notify_one();
        Ok(session)
    }
}

/// Refuses users past the session's [`MAX_USERS`].
async fn check_user_room(
    tx: &mut sqlx::SqliteConnection,
    session_id: &str,
    staged: i64,
    external_ids: &[&str],
) -> Result<()> {
    let new = stored::unstaged_count(tx, session_id, external_ids).await?;
    if staged + new > MAX_USERS {
        return Err(Error::InvalidInput(format!(
            "A session takes at most {MAX_USERS} users: it has {staged}, and this request adds {new}"
        )));
    }
    Ok(())
}

/// The places of the last of each distinct id, in their order: a request
/// that names an entity twice keeps its last word.
fn last_of<'a>(ids: impl Iterator<Item = &'a str>) -> Vec<usize> {
    let mut last: std::collections::HashMap<&str, usize> = std::collections::HashMap::new();
    for (i, id) in ids.enumerate() {
        last.insert(id, i);
    }
    let mut places: Vec<usize> = last.into_values().collect();
    places.sort_unstable();
    places
}
