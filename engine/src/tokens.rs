//! API tokens: an admin creates one with a name (its value shown once,
//! only its hash kept), it acts as them with their rights on every
//! `/api/v1` call, and it is revoked by them or by an admin with write
//! rights. Created, first used and revoked tokens are logged.

use crate::error::{Error, Result};
use crate::model::Admin;
use crate::syslog::{Actor, Client, EventType, NewEvent, Target};
use crate::{auth, ids, Engine};
use proto::console::{ApiTokenView, NewApiToken};

/// The longest token name.
pub const NAME_MAX: usize = 100;

/// How stale a token's last use may get before it is written again.
const TOUCH_EVERY: chrono::TimeDelta = chrono::TimeDelta::seconds(60);

impl Engine {
    /// Every API token (never a value), for any signed-in admin.
    pub async fn api_tokens(&self) -> Result<Vec<ApiTokenView>> {
        self.store.api_tokens().await
    }

    /// A new token acting as `admin`; its value is in the answer and
    /// nowhere else.
    pub async fn create_api_token(
        &self,
        admin: &Admin,
        name: &str,
        client: Option<Client>,
    ) -> Result<NewApiToken> {
        let name = name.trim();
        if name.is_empty() {
            return Err(Error::InvalidInput("Token name is required".into()));
        }
        if name.chars().count() > NAME_MAX {
            return Err(Error::InvalidInput(format!(
                "Token name is longer than {NAME_MAX} characters"
            )));
        }
        let value = ids::api_token_value();
        let id = ids::api_token_id();
        let now = ids::now();
        let token = self
            .store
            .insert_api_token(&id, name, &auth::token_hash(&value), &admin.id, now)
            .await?;
        self.store
            .log(&[NewEvent::new(
                EventType::ApiTokenCreate,
                format!("Create API token {name}"),
                Actor::admin(admin),
            )
            .target(Target::api_token(&id, name))
            .client(client.map(Client::bounded))])
            .await?;
        Ok(NewApiToken { token, value })
    }

    /// Revokes a token: the admin's own, or any with write rights.
    pub async fn revoke_api_token(
        &self,
        admin: &Admin,
        id: &str,
        client: Option<Client>,
    ) -> Result<()> {
        let Some((token, owner)) = self.store.api_token(id).await? else {
            return Err(Error::NotFound(format!("API token {id}")));
        };
        if owner != admin.id && !admin.can_write() {
            return Err(Error::Forbidden);
        }
        if self.store.delete_api_token(id).await? {
            self.store
                .log(&[NewEvent::new(
                    EventType::ApiTokenRevoke,
                    format!("Revoke API token {}", token.name),
                    Actor::admin(admin),
                )
                .target(Target::api_token(id, &token.name))
                .client(client.map(Client::bounded))])
                .await?;
        }
        Ok(())
    }

    /// The admin a token's value acts as, or `None` for a value that is no
    /// token (revoked, mistyped). The first use is logged.
    pub async fn api_token_admin(
        &self,
        value: &str,
        client: Option<Client>,
    ) -> Result<Option<Admin>> {
        let Some(token) = self.store.api_token_owner(&auth::token_hash(value)).await? else {
            return Ok(None);
        };
        let now = ids::now();
        let stale = token.last_used.as_deref().is_none_or(|used| {
            chrono::DateTime::parse_from_rfc3339(used).map_or(true, |used| {
                now - used.with_timezone(&chrono::Utc) >= TOUCH_EVERY
            })
        });
        if stale {
            self.store.touch_api_token(&token.id, now).await?;
        }
        if token.last_used.is_none() {
            self.store
                .log(&[NewEvent::new(
                    EventType::ApiTokenFirstUse,
                    format!("API token {} used for the first time", token.name),
                    Actor::admin(&token.admin),
                )
                .target(Target::api_token(&token.id, &token.name))
                .client(client.map(Client::bounded))])
                .await?;
        }
        Ok(Some(token.admin))
    }
}
