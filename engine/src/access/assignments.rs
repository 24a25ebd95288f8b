//! Assignments of a SCIM app: people and groups assigned to it, which
//! Provisioning To App gives accounts there; and the pushes that failed.

use super::{ReadHandle, WriteHandle};
use crate::error::{Error, Result};
use crate::ids;
use crate::model::{App, AppKind, GroupSummary};
use crate::store::push::{self as stored, Assignee};
use crate::syslog::{EventType, NewEvent, Target};
use proto::scim::{AppAssignments, FailedPush, PersonApp};

/// People and groups are assigned only to apps Muster provisions to.
fn provisioned(app: &App) -> Result<()> {
    match app.kind {
        AppKind::ScimApp => Ok(()),
        kind => Err(Error::InvalidInput(format!(
            "{} is a {}: its people are assigned by its imports",
            app.name,
            kind.label()
        ))),
    }
}

impl ReadHandle<'_> {
    /// The pushes to an app that failed for good, with the app's error.
    pub async fn failed_pushes(&self, app_id: &str) -> Result<Vec<FailedPush>> {
        self.engine.store.get_app(app_id).await?;
        self.engine.store.failed_pushes(app_id).await
    }

    /// An app's Assignments tab: its people, groups and failed pushes.
    pub async fn app_assignments(&self, app_id: &str) -> Result<AppAssignments> {
        let store = &self.engine.store;
        store.get_app(app_id).await?;
        let (people, total_people) = store.assigned_people(app_id, AppAssignments::SHOWN).await?;
        Ok(AppAssignments {
            people,
            total_people,
            groups: store.assigned_groups(app_id).await?,
            failed: store.failed_pushes(app_id).await?,
            pending: store.pending_pushes_of(app_id).await?,
        })
    }

    /// The SCIM apps a person is assigned to (directly or through groups)
    /// or has an account in.
    pub async fn person_apps(&self, user_id: &str) -> Result<Vec<PersonApp>> {
        let store = &self.engine.store;
        store.get_user(user_id).await?;
        store.person_apps(user_id).await
    }

    /// A person's account in an app as Muster manages it: its id there and
    /// whether it is active.
    pub async fn pushed_account(
        &self,
        app_id: &str,
        user_id: &str,
    ) -> Result<Option<(String, bool)>> {
        self.engine.store.pushed_account(app_id, user_id).await
    }

    /// Pushes waiting to be sent or tried again, in all apps.
    pub async fn pending_pushes(&self) -> Result<i64> {
        self.engine.store.pending_pushes().await
    }
}

impl WriteHandle<'_> {
    /// Assigns a person to a SCIM app; their account there follows.
    pub async fn assign_user(&self, app_id: &str, user_id: &str) -> Result<()> {
        self.set_user_assignment(app_id, user_id, true).await
    }

    /// Removes a person's direct assignment (one through a group stays).
    pub async fn unassign_user(&self, app_id: &str, user_id: &str) -> Result<()> {
        self.set_user_assignment(app_id, user_id, false).await
    }

    async fn set_user_assignment(&self, app_id: &str, user_id: &str, assign: bool) -> Result<()> {
        let store = &self.engine.store;
        let app = store.get_app(app_id).await?;
        provisioned(&app)?;
        let user = store.get_user(user_id).await?;
        let mut tx = store.begin_write().await?;
        let changed = match assign {
            true => stored::assign(&mut tx, app_id, Assignee::User(user_id), ids::now()).await?,
            false => stored::unassign(&mut tx, app_id, Assignee::User(user_id)).await?,
        };
        if changed {
            let event = self.membership_event(assign, (&user.id, &user.login), &app, None);
            crate::store::events::insert_events(&mut tx, &[event], ids::now()).await?;
        }
        tx.commit().await?;
        self.engine.pushes.notify_one();
        Ok(())
    }

    /// Assigns a group to a SCIM app: its members are assigned, now and as
    /// the membership changes.
    pub async fn assign_group(&self, app_id: &str, group_id: &str) -> Result<()> {
        self.set_group_assignment(app_id, group_id, true).await
    }

    pub async fn unassign_group(&self, app_id: &str, group_id: &str) -> Result<()> {
        self.set_group_assignment(app_id, group_id, false).await
    }

    async fn set_group_assignment(&self, app_id: &str, group_id: &str, assign: bool) -> Result<()> {
        let store = &self.engine.store;
        let app = store.get_app(app_id).await?;
        provisioned(&app)?;
        let group = store.get_group(group_id, 0, 1).await?.summary;
        let mut tx = store.begin_write().await?;
        let changed = match assign {
            true => stored::assign(&mut tx, app_id, Assignee::Group(group_id), ids::now()).await?,
            false => stored::unassign(&mut tx, app_id, Assignee::Group(group_id)).await?,
        };
        if changed {
            let events: Vec<NewEvent> = stored::group_people(&mut tx, group_id)
                .await?
                .iter()
                .map(|(id, login)| self.membership_event(assign, (id, login), &app, Some(&group)))
                .collect();
            crate::store::events::insert_events(&mut tx, &events, ids::now()).await?;
        }
        tx.commit().await?;
        self.engine.pushes.notify_one();
        Ok(())
    }

    /// `application.user_membership.add` (or `.remove`) of a person, with
    /// the group it came through.
    fn membership_event(
        &self,
        assign: bool,
        (user_id, login): (&str, &str),
        app: &App,
        group: Option<&GroupSummary>,
    ) -> NewEvent {
        let (event_type, message) = match assign {
            true => (
                EventType::MembershipAdd,
                "Add user to application membership",
            ),
            false => (
                EventType::MembershipRemove,
                "Remove user from application membership",
            ),
        };
        let message = match group {
            Some(g) => format!("{message} (group {})", g.name),
            None => message.to_owned(),
        };
        let event = NewEvent::new(event_type, message, self.actor())
            .target(Target::user(user_id, login, login))
            .target(Target::app(&app.id, &app.name));
        match group {
            Some(g) => event.target(Target::group(&g.id, &g.name)),
            None => event,
        }
    }

    /// Tries a failed push again, from its first try.
    pub async fn retry_push(&self, app_id: &str, user_id: &str) -> Result<()> {
        let mut conn = self.engine.store.pool().acquire().await?;
        match stored::retry_failed(&mut conn, app_id, user_id).await? {
            0 => Err(Error::NotFound(format!(
                "No failed push to {user_id} in app {app_id}"
            ))),
            _ => {
                self.engine.pushes.notify_one();
                Ok(())
            }
        }
    }

    /// Dismisses a failed push: it is not tried again.
    pub async fn dismiss_push(&self, app_id: &str, user_id: &str) -> Result<()> {
        let mut conn = self.engine.store.pool().acquire().await?;
        match stored::dismiss_failed(&mut conn, app_id, user_id).await? {
            0 => Err(Error::NotFound(format!(
                "No failed push to {user_id} in app {app_id}"
            ))),
            _ => Ok(()),
        }
    }
}
