//! Apps, people, admins, the dashboard and the System Log.

use super::report::Report;
use super::{ReadHandle, WriteHandle};
use crate::error::{Error, Result};
use crate::model::{App, AppKind, Dashboard, Page, Person, User};
use crate::syslog::{self, EventPage, EventQuery, EventType, NewEvent, Target};
use crate::{auth, ids};
use proto::console::LogRange;

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

    /// People whose name, login or email contains `search`, with their app
    /// accounts; DEPROVISIONED people only when `include_deactivated`.
    pub async fn list_people(
        &self,
        search: &str,
        include_deactivated: bool,
        offset: i64,
        limit: i64,
    ) -> Result<Page<Person>> {
        self.engine
            .store
            .list_people(search, include_deactivated, offset, limit.clamp(1, 200))
            .await
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

/// The most events one System Log download holds.
pub const CSV_EVENTS: usize = 100_000;

/// Where a System Log range starts, as the store compares times.
pub fn since(range: LogRange) -> Option<String> {
    range
        .seconds()
        .map(|s| crate::store::stamp(crate::ids::now() - chrono::Duration::seconds(s)))
}

impl WriteHandle<'_> {
    pub async fn create_app(&self, name: &str, kind: AppKind) -> Result<App> {
        let name = name.trim();
        if name.is_empty() || name.chars().count() > 100 {
            return Err(Error::InvalidInput(
                "An app needs a name of 1 to 100 characters".into(),
            ));
        }
        let store = &self.engine.store;
        let id = ids::app_id();
        let event = NewEvent::new(
            EventType::ApplicationCreate,
            format!("Add {} app", kind.label()),
            self.actor(),
        )
        .target(Target::app(&id, name));
        let mut tx = store.pool().begin().await?;
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
