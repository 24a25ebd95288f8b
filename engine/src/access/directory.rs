//! Apps, people, admins, the dashboard and the System Log.

use super::report::Report;
use super::{ReadHandle, WriteHandle};
use crate::error::{Error, Result};
use crate::model::{
    App, AppKind, Dashboard, Lifecycle, Page, PeopleFilter, Person, StatusChange, User,
};
use crate::syslog::{self, EventPage, EventQuery, EventType, NewEvent, Target};
use crate::{auth, ids, store};
use proto::console::{LogBucket, LogCounts, LogRange};

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

    /// Events for a filter expression and keywords, newest first unless asked.
    /// The System Log events that match, as a CSV report, newest first; at
    /// most [`CSV_EVENTS`] of them.
    pub async fn events_csv(
        &self,
        filter: &str,
        keywords: &str,
        range: LogRange,
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
        let mut query = EventQuery {
            limit: 1000,
            descending: true,
            ..Default::default()
        };
        query.since = since(range);
        let mut written = 0;
        loop {
            let page = self.query_events(query.clone(), filter, keywords).await?;
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
                Some(next) if written < CSV_EVENTS => query.after = Some(next),
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
        range: LogRange,
    ) -> Result<LogCounts> {
        let now = ids::now();
        let mut query = EventQuery {
            limit: 1000,
            descending: true,
            since: since(range),
            ..Default::default()
        };
        let mut times = Vec::new();
        let more = loop {
            let page = self.query_events(query.clone(), filter, keywords).await?;
            for e in &page.events {
                let published = e["published"].as_str().unwrap_or_default();
                let at = chrono::DateTime::parse_from_rfc3339(published).map_err(|err| {
                    Error::Internal(format!("event published at {published:?}: {err}"))
                })?;
                times.push(at.to_utc());
            }
            match page.next {
                Some(_) if times.len() as i64 >= LogCounts::MAX => break true,
                Some(next) => query.after = Some(next),
                None => break false,
            }
        };
        times.truncate(LogCounts::MAX as usize);
        let start = match range.seconds() {
            Some(s) => now - chrono::Duration::seconds(s),
            None => match times.iter().min() {
                Some(oldest) => *oldest,
                None => now,
            },
        };
        Ok(LogCounts {
            total: times.len() as i64,
            more,
            buckets: if times.is_empty() {
                Vec::new()
            } else {
                buckets(&times, start, now)
            },
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

/// Where a System Log range starts, as the store compares times.
pub fn since(range: LogRange) -> Option<String> {
    range
        .seconds()
        .map(|s| crate::store::stamp(crate::ids::now() - chrono::Duration::seconds(s)))
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
        if username.trim().is_empty() || password.len() < 8 {
            return Err(Error::InvalidInput(
                "An admin needs a username and a password of at least 8 characters".into(),
            ));
        }
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
                &auth::hash_password(password)?,
                role,
                ids::now(),
            )
            .await
    }
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
