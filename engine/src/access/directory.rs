//! Apps, people, admins, the dashboard and the System Log.

use super::{ReadHandle, WriteHandle};
use crate::error::{Error, Result};
use crate::model::{App, AppKind, Dashboard, Page, Person, User};
use crate::syslog::{self, EventPage, EventQuery, EventType, NewEvent, Target};
use crate::{auth, ids};

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
    pub async fn query_events(
        &self,
        mut query: EventQuery,
        filter: &str,
        keywords: &str,
    ) -> Result<EventPage> {
        if !filter.trim().is_empty() {
            query.filter = Some(syslog::filter::Filter::parse(filter)?);
        }
        query.keywords = syslog::parse_keywords(keywords)?;
        query.limit = query.limit.clamp(1, 1000);
        self.engine.store.query_events(&query).await
    }
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
