//! Real-Time Sync (seed 004): when an admin opens the page of a person a
//! directory sources, the person's account is read again from the
//! directory (one search by its id, bounded by a short timeout) and their
//! profile updated from it, as an import would, before the page shows it.
//! When the directory cannot be read the page shows the stored profile and
//! says why. A change, and a failure, is logged
//! (`system.import.realtime_sync`).
//!
//! Only the profile is refreshed here; an account disabled in the
//! directory is deactivated or suspended by the app's next import, behind
//! its safeguards.

use crate::error::{Error, Result};
use crate::model::{App, RealTimeSync, User};
use crate::pipeline::{profile_changes, stage::Stager};
use crate::settings::ProfileMapper;
use crate::sources::{ldap, Item};
use crate::store::{self};
use crate::syslog::{Actor, EventType, NewEvent, Target};
use crate::Engine;
use serde_json::json;
use std::time::Duration;

/// How long opening a person's page waits for their directory.
pub const SYNC_TIMEOUT: Duration = Duration::from_secs(5);

/// Waits at most [`SYNC_TIMEOUT`] for a directory's answer.
pub(crate) async fn quickly<T>(
    settings: &ldap::LdapSettings,
    answer: impl std::future::Future<Output = Result<T>>,
) -> Result<T> {
    tokio::time::timeout(SYNC_TIMEOUT, answer)
        .await
        .map_err(|_| {
            Error::Source(format!(
                "{} did not answer within {} s",
                settings.url(),
                SYNC_TIMEOUT.as_secs()
            ))
        })?
}

impl Engine {
    /// A directory app's connection settings, checked, with its bind
    /// password opened, for a look that must not keep a page waiting: its
    /// timeout is at most [`SYNC_TIMEOUT`].
    pub(crate) async fn directory_for_a_moment(
        &self,
        app: &App,
    ) -> Result<(ldap::LdapSettings, String)> {
        let (stored, sealed) = self.store.connection(&app.id).await?;
        let password = sealed
            .map(|s| self.secrets.open(&app.id, &s))
            .transpose()?
            .unwrap_or_default();
        let mut settings = ldap::settings_of(app.kind, stored)?;
        settings.timeout_seconds = settings.timeout_seconds.min(SYNC_TIMEOUT.as_secs());
        Ok((settings, password))
    }

    /// Reads the person's account again from the directory that sources
    /// them and updates their profile from it.
    pub(crate) async fn sync_person(&self, user_id: &str, actor: &Actor) -> Result<RealTimeSync> {
        let user = self.store.get_user(user_id).await?;
        let Some(app_id) = user.source_app_id.clone() else {
            return Ok(RealTimeSync::NotSourced);
        };
        let app = self.store.get_app(&app_id).await?;
        if !app.kind.is_directory() {
            return Ok(RealTimeSync::NotSourced);
        }
        match self.read_and_update(&app, &user, actor).await {
            Ok(sync) => Ok(sync),
            Err(e @ (Error::Source(_) | Error::InvalidInput(_))) => {
                let reason = e.to_string();
                let event = NewEvent::new(
                    EventType::RealTimeSync,
                    format!(
                        "Real-Time Sync of {} from {} failed: {reason}",
                        user.login, app.name
                    ),
                    actor.clone(),
                )
                .target(Target::user(&user.id, &user.login, &user.login))
                .target(Target::app(&app.id, &app.name))
                .failure(reason.clone());
                self.store.log(&[event]).await?;
                Ok(RealTimeSync::Failed {
                    app_name: app.name,
                    reason,
                })
            }
            Err(e) => Err(e),
        }
    }

    async fn read_and_update(&self, app: &App, user: &User, actor: &Actor) -> Result<RealTimeSync> {
        let app_name = app.name.clone();
        let mut conn = self.store.pool().acquire().await?;
        let holding = store::accounts::holdings(&mut conn, &app.id, &[user.id.as_str()])
            .await?
            .remove(&user.id)
            .ok_or_else(|| {
                Error::Source(format!(
                    "{} has no account of {app_name} linked",
                    user.login
                ))
            })?;
        drop(conn);
        let (settings, password) = self.directory_for_a_moment(app).await?;
        let found = quickly(
            &settings,
            ldap::lookup(&settings, &password, &holding.external_id),
        )
        .await?;
        let record = match found {
            None => {
                return Err(Error::Source(format!(
                    "{} has no account {} under {} any more; the next full import of {app_name} handles it",
                    settings.url(),
                    holding.external_id,
                    settings.users_base.trim()
                )))
            }
            Some(Item::Record(r)) => r,
            Some(Item::Rejected(e) | Item::RejectedAccount { error: e, .. }) => {
                return Err(Error::Source(e.message))
            }
        };
        let app_settings = self.store.app_settings(&app.id).await?;
        if !app_settings.sourcing.enabled {
            return Ok(RealTimeSync::Unchanged { app_name });
        }
        let known = self
            .store
            .app_user_states_of(&app.id, &[record.external_id.as_str()])
            .await?;
        let mut stager = Stager::new(known, true, ProfileMapper::new(&app_settings)?);
        let staged = stager.stage(vec![Item::Record(record)]);
        if let Some(e) = staged.errors.first() {
            return Err(Error::Source(format!(
                "the account read from {app_name} is not usable: {}",
                e.message
            )));
        }
        let Some(linked) = staged.linked.first() else {
            return Ok(RealTimeSync::Unchanged { app_name });
        };
        let old = user.profile.as_object().cloned().unwrap_or_default();
        let changes = profile_changes(&old, &linked.profile.attributes);
        if changes.is_empty() && staged.rows.is_empty() {
            return Ok(RealTimeSync::Unchanged { app_name });
        }
        let mut tx = self.store.begin_write().await?;
        let login = linked.profile.login.as_str();
        let taken = store::users::existing_logins(&mut tx, &[login]).await?;
        if let Some(owner) = taken
            .get(&linked.profile.login.key())
            .filter(|owner| **owner != user.id)
        {
            return Err(Error::Source(format!(
                "the login {login:?} read from {app_name} belongs to another user ({owner}); the profile was not updated"
            )));
        }
        let now = crate::ids::now();
        let transaction = crate::ids::transaction_id();
        if !changes.is_empty() {
            store::rules::update_user_profiles(
                &mut tx,
                &[(user.id.clone(), linked.profile.clone())],
                now,
            )
            .await?;
        }
        store::imports::stage_app_users(
            &mut tx,
            &app.id,
            &transaction,
            &staged.rows,
            &Default::default(),
        )
        .await?;
        let attributes: Vec<String> = changes.iter().map(|c| c.attribute.clone()).collect();
        if !attributes.is_empty() {
            let event = NewEvent::new(
                EventType::RealTimeSync,
                format!(
                    "Real-Time Sync of {} from {app_name}: {} updated",
                    user.login,
                    attributes.join(", ")
                ),
                actor.clone(),
            )
            .target(Target::user(&user.id, login, login))
            .target(Target::app(&app.id, &app.name))
            .transaction(&transaction)
            .debug(
                json!({ "changes": changes, "appName": app_name, "syncType": "Real-Time Sync" }),
            );
            store::events::insert_events(&mut tx, &[event], now).await?;
        }
        tx.commit().await?;
        Ok(match attributes.is_empty() {
            true => RealTimeSync::Unchanged { app_name },
            false => RealTimeSync::Updated {
                app_name,
                attributes,
            },
        })
    }
}
