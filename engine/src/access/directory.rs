//! Apps, people, admins, the dashboard and the System Log.

use super::report::Report;
use super::{ReadHandle, WriteHandle};
use crate::error::{Error, Result};
use crate::model::{
    App, AppKind, Dashboard, Group, GroupSummary, Lifecycle, NewPerson, Page, PeopleFilter, Person,
    StatusChange, SyncedPerson, User, UserProfile, UserStatus,
};
use crate::syslog::{self, EventPage, EventQuery, EventType, NewEvent, Target};
use crate::{auth, ids, store};
use proto::console::{LogBucket, LogCounts, LogWindow};

impl ReadHandle<'_> {
    pub async fn list_apps(&self, search: &str) -> Result<Vec<App>> {
        self.engine.store.list_apps(search).await
    }

    pub async fn get_app(&self, id: &str) -> Result<App> {
        self.engine.store.get_app(id).await
    }

    pub async fn dashboard(&self) -> Result<Dashboard> {
        let store = &self.engine.store;
        let (apps, users, unconfirmed) = store.counts().await?;
        Ok(Dashboard {
            apps,
            users,
            unconfirmed,
            recent: store.recent_runs(10).await?,
            failed_pushes: store.failed_push_counts().await?,
        })
    }

    pub async fn list_users(&self, search: &str, offset: i64, limit: i64) -> Result<Page<User>> {
        self.engine
            .store
            .list_users(search, offset, limit.clamp(1, 200))
            .await
    }

    /// The people `filter` picks, newest first, with their app accounts.
    pub async fn list_people(
        &self,
        filter: &PeopleFilter,
        offset: i64,
        limit: i64,
    ) -> Result<Page<Person>> {
        self.engine
            .store
            .list_people(filter, offset.max(0), limit.clamp(1, 200))
            .await
    }

    /// The people `filter` picks as a CSV download (up to
    /// [`CSV_PEOPLE`]), newest first.
    pub async fn people_csv(&self, filter: &PeopleFilter) -> Result<String> {
        let mut report = Report::new(&[
            "id",
            "status",
            "login",
            "email",
            "firstName",
            "lastName",
            "profileSource",
            "apps",
            "created",
            "activated",
            "lastUpdated",
        ])?;
        let people = self
            .engine
            .store
            .list_people(filter, 0, CSV_PEOPLE as i64)
            .await?;
        let time = |t: Option<chrono::DateTime<chrono::Utc>>| {
            t.map(|t| t.to_rfc3339_opts(chrono::SecondsFormat::Secs, true))
                .unwrap_or_default()
        };
        for Person { user: u, accounts } in people.items {
            let apps: Vec<&str> = accounts.iter().map(|a| a.app_name.as_str()).collect();
            report.push(&[
                &u.id,
                u.status.as_str(),
                &u.login,
                &u.email,
                &u.first_name,
                &u.last_name,
                u.source_app_name.as_deref().unwrap_or("Muster"),
                &apps.join("; "),
                &time(Some(u.created)),
                &time(u.activated),
                &time(Some(u.last_updated)),
            ])?;
        }
        report.finish()
    }

    /// A person with their app accounts.
    pub async fn get_person(&self, id: &str) -> Result<Person> {
        self.engine.store.get_person(id).await
    }

    pub async fn get_user(&self, id: &str) -> Result<User> {
        self.engine.store.get_user(id).await
    }

    /// A user by id or, failing that, by login.
    pub async fn find_user(&self, id_or_login: &str) -> Result<User> {
        match self.engine.store.get_user(id_or_login).await {
            Err(Error::NotFound(what)) => self
                .engine
                .store
                .user_by_login(id_or_login)
                .await?
                .ok_or(Error::NotFound(what)),
            found => found,
        }
    }

    /// Users in creation order after the user `after` (see
    /// [`crate::store::Store::users_after`]).
    pub async fn users_after(&self, after: Option<&str>, q: &str, limit: i64) -> Result<Vec<User>> {
        self.engine.store.users_after(after, q, limit).await
    }

    /// Groups by name whose name or description holds `search`, of one
    /// app or of all.
    pub async fn list_groups(
        &self,
        search: &str,
        app_id: Option<&str>,
        offset: i64,
        limit: i64,
    ) -> Result<Page<GroupSummary>> {
        self.engine
            .store
            .list_groups(search, app_id, offset.max(0), limit.clamp(1, 200))
            .await
    }

    /// A group with a page of its members.
    pub async fn get_group(&self, id: &str, offset: i64, limit: i64) -> Result<Group> {
        self.engine
            .store
            .get_group(id, offset.max(0), limit.clamp(1, 500))
            .await
    }

    /// A person's page: their profile read again from the directory that
    /// sources them (Real-Time Sync), then the person.
    pub async fn open_person(&self, id: &str) -> Result<SyncedPerson> {
        let sync = self
            .engine
            .sync_person(id, &syslog::Actor::admin(self.admin))
            .await?;
        Ok(SyncedPerson {
            person: self.engine.store.get_person(id).await?,
            sync,
        })
    }

    /// The groups a person is in.
    pub async fn groups_of_person(&self, id: &str) -> Result<Vec<GroupSummary>> {
        self.engine.store.groups_of_user(id).await
    }

    /// Events for a filter expression and keywords, newest first unless asked.
    /// The System Log events that match, as a CSV report, newest first; at
    /// most [`CSV_EVENTS`] of them.
    pub async fn events_csv(
        &self,
        filter: &str,
        keywords: &str,
        window: &LogWindow,
    ) -> Result<String> {
        let mut report = Report::new(&[
            "published",
            "eventType",
            "severity",
            "actor",
            "displayMessage",
            "outcome",
            "targets",
            "uuid",
        ])?;
        let (since, until) = bounds(window);
        let mut query = EventQuery {
            limit: 1000,
            descending: true,
            since,
            until,
            ..Default::default()
        };
        let mut written = 0;
        // A download reads at most five times what a page may.
        let mut left = 5 * self.engine.config.log_scan_budget;
        loop {
            query.scan_budget = Some(left);
            let page = self.query_events(query.clone(), filter, keywords).await?;
            left = left.saturating_sub(page.scanned);
            for e in &page.events {
                let text = |v: &serde_json::Value| v.as_str().unwrap_or_default().to_owned();
                let targets: Vec<String> = e["target"]
                    .as_array()
                    .map(|ts| ts.iter().map(|t| text(&t["displayName"])).collect())
                    .unwrap_or_default();
                report.push(&[
                    &text(&e["published"]),
                    &text(&e["eventType"]),
                    &text(&e["severity"]),
                    &text(&e["actor"]["alternateId"]),
                    &text(&e["displayMessage"]),
                    &text(&e["outcome"]["result"]),
                    &targets.join("; "),
                    &text(&e["uuid"]),
                ])?;
                written += 1;
            }
            match page.next {
                Some(next) if written < CSV_EVENTS && page.stopped.is_none() => {
                    query.after = Some(next)
                }
                _ => return report.finish(),
            }
        }
    }

    /// How many events match a System Log view (up to
    /// [`LogCounts::MAX`]) and how they spread over its range.
    pub async fn count_events(
        &self,
        filter: &str,
        keywords: &str,
        window: &LogWindow,
    ) -> Result<LogCounts> {
        let now = ids::now();
        let (start, end) = window.bounds(now);
        let (since, until) = (start.map(store::stamp), end.map(store::stamp));
        let mut query = EventQuery {
            limit: 1000,
            descending: true,
            since,
            until,
            ..Default::default()
        };
        let mut times = Vec::new();
        let mut left = self.engine.config.log_scan_budget;
        let mut stopped = None;
        let more = loop {
            query.scan_budget = Some(left);
            let page = self.query_events(query.clone(), filter, keywords).await?;
            left = left.saturating_sub(page.scanned);
            for e in &page.events {
                let published = e["published"].as_str().unwrap_or_default();
                let at = chrono::DateTime::parse_from_rfc3339(published).map_err(|err| {
                    Error::Internal(format!("event published at {published:?}: {err}"))
                })?;
                times.push(at.to_utc());
            }
            if page.stopped.is_some() {
                stopped = page.stopped;
                break true;
            }
            match page.next {
                Some(_) if times.len() as i64 >= LogCounts::MAX => break true,
                Some(next) => query.after = Some(next),
                None => break false,
            }
        };
        times.truncate(LogCounts::MAX as usize);
        let end = end.unwrap_or(now);
        let start = match start {
            Some(start) => start,
            None => match times.iter().min() {
                Some(oldest) => *oldest,
                None => end,
            },
        };
        Ok(LogCounts {
            stopped,
            total: times.len() as i64,
            more,
            buckets: if times.is_empty() {
                Vec::new()
            } else {
                buckets(&times, start, end)
            },
        })
    }

    /// One page of the System Log view, newest first: the newest events,
    /// those older than a cursor, or those newer than one.
    pub async fn log_page(
        &self,
        filter: &str,
        keywords: &str,
        window: &LogWindow,
        at: LogCursor,
        limit: usize,
    ) -> Result<LogSlice> {
        let (since, until) = bounds(window);
        let query = |after, descending: bool| EventQuery {
            after,
            limit: if descending { limit } else { limit + 1 },
            descending,
            since: since.clone(),
            until: until.clone(),
            ..Default::default()
        };
        if let LogCursor::Newer(cursor) = at {
            // One more than a page says whether newer ones follow.
            let mut page = self
                .query_events(query(Some(cursor), false), filter, keywords)
                .await?;
            if page.events.len() >= limit {
                let newer = (page.events.len() > limit)
                    .then_some(page.next)
                    .flatten()
                    .map(|next| next - 1);
                page.events.truncate(limit);
                page.events.reverse();
                return Ok(LogSlice {
                    events: page.events,
                    older: page.first,
                    newer,
                    stopped: None,
                });
            }
            if page.stopped.is_some() {
                // Stopped short of the newest: what it found, and the way on.
                page.events.reverse();
                return Ok(LogSlice {
                    older: page.first.or(Some(cursor + 1)),
                    newer: page.next,
                    events: page.events,
                    stopped: page.stopped,
                });
            }
            // Fewer than a page up to the newest event: the newest page, full.
            return Box::pin(self.log_page(filter, keywords, window, LogCursor::Newest, limit))
                .await;
        }
        let after = match at {
            LogCursor::Older(cursor) => Some(cursor),
            _ => None,
        };
        let page = self
            .query_events(query(after, true), filter, keywords)
            .await?;
        Ok(LogSlice {
            newer: after.map(|cursor| page.first.unwrap_or(cursor - 1)),
            older: page.next,
            events: page.events,
            stopped: page.stopped,
        })
    }

    pub async fn query_events(
        &self,
        mut query: EventQuery,
        filter: &str,
        keywords: &str,
    ) -> Result<EventPage> {
        if !filter.trim().is_empty() {
            let parsed = syslog::filter::Filter::parse(filter)?;
            syslog::check_fields(&parsed, filter)?;
            query.filter = Some(parsed);
        }
        query.keywords = syslog::parse_keywords(keywords)?;
        query.limit = query.limit.clamp(1, 1000);
        query
            .scan_budget
            .get_or_insert(self.engine.config.log_scan_budget);
        self.engine.store.query_events(&query).await
    }
}

/// `times` counted in [`LogCounts::BUCKETS`] equal slices from `start` to
/// `end`; a time outside them counts in the nearest.
fn buckets(
    times: &[chrono::DateTime<chrono::Utc>],
    start: chrono::DateTime<chrono::Utc>,
    end: chrono::DateTime<chrono::Utc>,
) -> Vec<LogBucket> {
    let n = LogCounts::BUCKETS as i64;
    // At least one millisecond a slice, so a range of one instant still has slices.
    let span = (end - start).num_milliseconds().max(n);
    let edge = |i: i64| start + chrono::Duration::milliseconds(span * i / n);
    let mut out: Vec<LogBucket> = (0..n)
        .map(|i| LogBucket {
            start: edge(i),
            end: edge(i + 1),
            count: 0,
        })
        .collect();
    for t in times {
        let offset = (*t - start).num_milliseconds();
        let i = (offset * n / span).clamp(0, n - 1);
        out[i as usize].count += 1;
    }
    out
}

/// The most people one status change takes.
pub const MAX_STATUS_CHANGE: usize = 1000;

/// The most people one People download holds.
pub const CSV_PEOPLE: usize = 100_000;

/// The most events one System Log download holds.
pub const CSV_EVENTS: usize = 100_000;

/// The Add person form's name for a profile attribute.
fn field_label(attribute: &str) -> &str {
    match attribute {
        "login" => "Username",
        "email" => "Primary email",
        "firstName" => "First name",
        "lastName" => "Last name",
        other => other,
    }
}

/// Where a page of the System Log starts.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum LogCursor {
    Newest,
    /// The events older than this cursor.
    Older(i64),
    /// The events newer than this cursor.
    Newer(i64),
}

/// A page of System Log events, newest first, and the cursors either side.
#[derive(Debug, Clone, PartialEq)]
pub struct LogSlice {
    pub events: Vec<serde_json::Value>,
    /// Older events follow this cursor, when there may be some.
    pub older: Option<i64>,
    /// Newer events precede this cursor, unless the page is the newest.
    pub newer: Option<i64>,
    /// The search stopped at its budget before the page was full.
    pub stopped: Option<proto::console::LogSearchStop>,
}

/// Where a System Log window starts and ends, as the store compares times.
fn bounds(window: &LogWindow) -> (Option<String>, Option<String>) {
    let (since, until) = window.bounds(ids::now());
    (since.map(store::stamp), until.map(store::stamp))
}

impl WriteHandle<'_> {
    /// Applies a lifecycle operation to these people, in one transaction
    /// with a System Log event for each person it changes. People it does
    /// not apply to (by their status) are left as they are and named.
    pub async fn change_status(&self, user_ids: &[String], op: Lifecycle) -> Result<StatusChange> {
        if user_ids.len() > MAX_STATUS_CHANGE {
            return Err(Error::InvalidInput(format!(
                "{} people selected; one change takes at most {MAX_STATUS_CHANGE}",
                user_ids.len()
            )));
        }
        let wanted: Vec<&str> = user_ids.iter().map(String::as_str).collect();
        let store = &self.engine.store;
        let mut tx = store.begin_write().await?;
        let found = store::rules::user_labels(&mut tx, &wanted).await?;
        if let Some(missing) = wanted.iter().find(|id| !found.contains_key(**id)) {
            return Err(Error::NotFound(format!("user {missing}")));
        }
        let (event_type, message) = match op {
            Lifecycle::Activate => (EventType::UserActivate, "Activate user"),
            Lifecycle::Suspend => (EventType::UserSuspend, "Suspend user"),
            Lifecycle::Unsuspend => (EventType::UserUnsuspend, "Unsuspend user"),
            Lifecycle::Deactivate => (EventType::UserDeactivate, "Deactivate user"),
            Lifecycle::Reactivate => (EventType::UserReactivate, "Reactivate user"),
        };
        let mut outcome = StatusChange::default();
        let mut changing = Vec::new();
        let mut events = Vec::new();
        for id in &wanted {
            let label = &found[*id];
            if !op.applies_to(label.status) {
                outcome
                    .skipped
                    .push(format!("{} ({})", label.login, label.status));
                continue;
            }
            changing.push(*id);
            events.push(
                NewEvent::new(event_type, message, self.actor())
                    .target(Target::user(id, &label.login, &label.display))
                    .debug(serde_json::json!({
                        "previousStatus": label.status.as_str(),
                        "newStatus": op.outcome().as_str(),
                    })),
            );
        }
        let now = ids::now();
        store::rules::set_users_status(&mut tx, &changing, op.outcome(), now).await?;
        store::events::insert_events(&mut tx, &events, now).await?;
        tx.commit().await?;
        outcome.changed = changing.len() as i64;
        Ok(outcome)
    }

    /// Adds a person by hand: Muster is the source of their profile. Their
    /// login is unique regardless of case; they are ACTIVE at once when
    /// asked, else STAGED until an admin activates them.
    pub async fn add_person(&self, new: &NewPerson) -> Result<User> {
        let attributes = [
            ("login", &new.login),
            ("email", &new.email),
            ("firstName", &new.first_name),
            ("lastName", &new.last_name),
        ]
        .map(|(k, v)| (k.to_owned(), v.clone()));
        let profile = checked_profile(&attributes)?;
        let store = &self.engine.store;
        let mut tx = store.begin_write().await?;
        let login = profile.login.as_str();
        refuse_taken_login(&mut tx, login, None).await?;
        let id = ids::user_id();
        let now = ids::now();
        let display = format!("{} {}", profile.first_name, profile.last_name);
        let target = Target::user(&id, login, &display);
        let mut events = vec![
            NewEvent::new(EventType::UserCreate, "Create user", self.actor())
                .target(target.clone()),
        ];
        if new.activate {
            events.push(
                NewEvent::new(EventType::UserActivate, "Activate user", self.actor())
                    .target(target),
            );
        }
        let user = store::users::NewUser {
            id: id.clone(),
            status: if new.activate {
                UserStatus::Active
            } else {
                UserStatus::Staged
            },
            search_key: profile.search_key(),
            login: login.to_owned(),
            email: profile.email.as_str().to_owned(),
            profile: crate::model::json_text(&profile.attributes),
            first_name: profile.first_name,
            last_name: profile.last_name,
            activated: new.activate.then_some(now),
        };
        store::users::insert_users(&mut tx, &[user], None, now).await?;
        store::events::insert_events(&mut tx, &events, now).await?;
        tx.commit().await?;
        store.get_user(&id).await
    }

    /// Changes the profile of a person Muster masters, found by id or
    /// login: `attributes` are merged into it, or (`replace`) are the whole
    /// new profile. A profile an app sources changes only through that
    /// app's imports. The login stays unique regardless of case; the change
    /// is logged attribute by attribute.
    pub async fn update_profile(
        &self,
        id_or_login: &str,
        attributes: Vec<(String, String)>,
        replace: bool,
    ) -> Result<User> {
        let store = &self.engine.store;
        let user = self.find_user(id_or_login).await?;
        let id = user.id.as_str();
        if let Some(app) = &user.source_app_name {
            return Err(Error::InvalidInput(format!(
                "{}'s profile is sourced by {app}: it changes only through imports from {app}",
                user.login
            )));
        }
        let old = match &user.profile {
            serde_json::Value::Object(map) => map.clone(),
            _ => serde_json::Map::new(),
        };
        let mut merged: Vec<(String, String)> = match replace {
            true => Vec::new(),
            false => old
                .iter()
                .filter_map(|(k, v)| v.as_str().map(|v| (k.clone(), v.to_owned())))
                .collect(),
        };
        for (k, v) in attributes {
            match merged.iter_mut().find(|(name, _)| *name == k) {
                Some(slot) => slot.1 = v,
                None => merged.push((k, v)),
            }
        }
        let profile = checked_profile(&merged)?;
        let changes = crate::pipeline::profile_changes(&old, &profile.attributes);
        if changes.is_empty() {
            return Ok(user);
        }
        let mut tx = store.begin_write().await?;
        let login = profile.login.as_str().to_owned();
        refuse_taken_login(&mut tx, &login, Some(id)).await?;
        let now = ids::now();
        let display = format!("{} {}", profile.first_name, profile.last_name);
        let event = NewEvent::new(
            EventType::UserProfileUpdate,
            "Update user profile",
            self.actor(),
        )
        .target(Target::user(id, &login, &display))
        .debug(serde_json::json!({ "changes": changes }));
        store::rules::update_user_profiles(&mut tx, &[(id.to_owned(), profile)], now).await?;
        store::events::insert_events(&mut tx, &[event], now).await?;
        tx.commit().await?;
        store.get_user(id).await
    }

    /// Deletes a deactivated (DEPROVISIONED) person, as Okta allows only
    /// for them. Their app accounts stay, unlinked.
    pub async fn delete_person(&self, id: &str) -> Result<()> {
        let store = &self.engine.store;
        let mut tx = store.begin_write().await?;
        let labels = store::rules::user_labels(&mut tx, &[id]).await?;
        let Some(label) = labels.get(id) else {
            return Err(Error::NotFound(format!("user {id}")));
        };
        if label.status != UserStatus::Deprovisioned {
            return Err(Error::InvalidInput(format!(
                "{} is {} ({}): only a deactivated person can be deleted; deactivate them first",
                label.login,
                label.status.as_str(),
                label.status.label()
            )));
        }
        let event = NewEvent::new(EventType::UserDelete, "Delete user", self.actor())
            .target(Target::user(id, &label.login, &label.display));
        store::users::delete_user(&mut tx, id).await?;
        store::events::insert_events(&mut tx, &[event], ids::now()).await?;
        tx.commit().await?;
        Ok(())
    }

    /// Adds an app; its name must be unused, regardless of case.
    pub async fn create_app(&self, name: &str, kind: AppKind) -> Result<App> {
        let name = super::apps::check_app_name(name)?;
        let store = &self.engine.store;
        let id = ids::app_id();
        let event = NewEvent::new(
            EventType::ApplicationCreate,
            format!("Add {} app", kind.label()),
            self.actor(),
        )
        .target(Target::app(&id, name));
        let mut tx = store.begin_write().await?;
        super::apps::refuse_taken_name(&mut tx, name, None).await?;
        crate::store::apps::insert_app(&mut tx, &id, name, kind, ids::now()).await?;
        if kind.is_pushed() {
            // Automation pushes to an identity source with nobody to confirm
            // its users: they are created (active) or linked as they come,
            // as Okta does; the admin can turn this off.
            let mut settings = crate::settings::AppSettings::default();
            settings.matching.auto_confirm_new = true;
            settings.matching.auto_confirm_exact = true;
            settings.matching.auto_activate_new = true;
            crate::store::rules::save_app_settings(&mut tx, &id, &settings).await?;
        }
        crate::store::events::insert_events(&mut tx, &[event], ids::now()).await?;
        tx.commit().await?;
        store.get_app(&id).await
    }

    /// Adds an admin; `read_only` admins can look but not change.
    pub async fn create_admin(
        &self,
        username: &str,
        password: &str,
        read_only: bool,
    ) -> Result<()> {
        if username.trim().is_empty() {
            return Err(Error::InvalidInput("An admin needs a username".into()));
        }
        auth::check_new_password(username, password)?;
        let role = if read_only {
            crate::model::AdminRole::ReadOnlyAdmin
        } else {
            crate::model::AdminRole::SuperAdmin
        };
        self.engine
            .store
            .insert_admin(
                &ids::admin_id(),
                username.trim(),
                &self.engine.hasher.hash(password).await?,
                role,
                ids::now(),
            )
            .await
    }
}

/// A profile from attributes, or every problem with it in one message.
fn checked_profile(attributes: &[(String, String)]) -> Result<UserProfile> {
    UserProfile::from_attributes(attributes).map_err(|errors| {
        let problems: Vec<String> = errors
            .iter()
            .map(|e| format!("{}: {}", field_label(&e.field), e.message))
            .collect();
        Error::InvalidInput(problems.join("; "))
    })
}

/// Refuses a login another person (not `except`) has, regardless of case.
async fn refuse_taken_login(
    conn: &mut sqlx::SqliteConnection,
    login: &str,
    except: Option<&str>,
) -> Result<()> {
    let holder = store::users::existing_logins(conn, &[login])
        .await?
        .into_values()
        .find(|holder| Some(holder.as_str()) != except);
    let Some(holder) = holder else {
        return Ok(());
    };
    let held = store::rules::user_labels(conn, &[&holder]).await?;
    let by = held
        .get(&holder)
        .map_or(holder.as_str(), |l| l.login.as_str());
    Err(Error::Conflict(format!(
        "Username \"{login}\" is taken by {by}: usernames are unique regardless of case"
    )))
}

#[cfg(test)]
mod tests {
    use super::buckets;
    use chrono::{DateTime, Duration, Utc};

    #[test]
    fn times_fall_in_their_slice_and_every_one_is_counted() {
        let start: DateTime<Utc> = "2026-12-01T00:00:00Z".parse().unwrap();
        let end = start + Duration::hours(24);
        let times = [
            start,
            start + Duration::minutes(59),
            start + Duration::hours(1),
            start + Duration::hours(23) + Duration::minutes(30),
            end,
            // A moment before the range counts in its first slice.
            start - Duration::seconds(1),
        ];
        let b = buckets(&times, start, end);
        assert_eq!(b.len(), 24);
        assert_eq!((b[0].start, b[0].end), (start, start + Duration::hours(1)));
        assert_eq!(b[23].end, end);
        assert_eq!((b[0].count, b[1].count, b[23].count), (3, 1, 2), "{b:?}");
        assert_eq!(b.iter().map(|b| b.count).sum::<i64>(), 6);
    }

    #[test]
    fn a_range_of_one_instant_still_has_slices() {
        let at: DateTime<Utc> = "2026-12-01T00:00:00Z".parse().unwrap();
        let b = buckets(&[at, at], at, at);
        assert_eq!(b.len(), 24);
        assert_eq!(b.iter().map(|b| b.count).sum::<i64>(), 2);
    }
}
