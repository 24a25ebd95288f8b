//! Decide: what happens to each staged record, from the record and a read
//! snapshot of the directory. [`decide`] is pure; [`read_snapshot`] reads
//! what it needs first. The apply step writes the decisions; a preview shows
//! them as its plan.

use super::matching::match_profile;
use super::stage::{LinkedRecord, StagedBatch};
use crate::error::Result;
use crate::model::{AttributeChange, MatchType, RowError, UserProfile, UserStatus};
use crate::settings::{AppSettings, DeactivateAction, Sourcing};
use crate::store::{
    self, IndexOptions, LinkedUser, QueueEntry, Removal, RemovalAction, Store, UserIndex,
};
use std::collections::HashMap;

/// What a run does with one record.
#[derive(Debug, Clone, PartialEq)]
pub enum Decision {
    /// An account not linked yet goes to the import queue as matched: new,
    /// exact or partial match, or conflict. Confirming it (by the admin or
    /// the auto-confirm settings) creates or links its user.
    Queue(QueueEntry),
    /// The app sources this user: its profile takes the imported one.
    Update {
        external_id: String,
        user_id: String,
        login: String,
        profile: UserProfile,
        changes: Vec<AttributeChange>,
    },
    /// An account active again in the app: its user may come back
    /// (unsuspended or reactivated) and is assigned to the app again.
    Reactivate {
        external_id: String,
        user_id: String,
        login: String,
        status: Option<Reactivation>,
        assign: bool,
    },
    /// An account deactivated in the app: its user is removed at the end of
    /// the run, behind the import safeguards.
    Remove(Removal),
    /// A linked account's record that cannot be applied; `changed` says
    /// whether its row had changed since the last import.
    Refused { error: RowError, changed: bool },
}

/// How a returning user comes back.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Reactivation {
    /// A suspended user is unsuspended.
    Unsuspend,
    /// A deactivated user is reactivated: ACTIVE when the imported profile
    /// matches theirs exactly, otherwise PROVISIONED (pending activation).
    Reactivate { exact_profile: bool },
}

impl Reactivation {
    pub fn status(self) -> UserStatus {
        match self {
            Reactivation::Unsuspend
            | Reactivation::Reactivate {
                exact_profile: true,
            } => UserStatus::Active,
            Reactivation::Reactivate {
                exact_profile: false,
            } => UserStatus::Provisioned,
        }
    }
}

/// What deciding a batch reads of the directory.
#[derive(Debug, Default)]
pub struct Snapshot {
    /// The Muster users the batch's linked records belong to, by external id.
    pub linked: HashMap<String, LinkedUser>,
    /// Who has the logins that sourced profiles change to, by login key.
    pub login_owners: HashMap<String, String>,
}

/// Reads what deciding this batch needs: the users its linked records
/// belong to, who owns the logins they change to, and (the first time a
/// batch has unlinked records) the directory's match index.
pub async fn read_snapshot(
    store: &Store,
    app_id: &str,
    batch: &StagedBatch,
    index: &mut Option<UserIndex>,
    index_options: &IndexOptions,
) -> Result<Snapshot> {
    if !batch.unlinked.is_empty() && index.is_none() {
        *index = Some(store.load_user_index(index_options).await?);
    }
    if batch.linked.is_empty() {
        return Ok(Snapshot::default());
    }
    let ids: Vec<&str> = batch
        .linked
        .iter()
        .map(|l| l.external_id.as_str())
        .collect();
    let mut conn = store.pool().acquire().await?;
    let linked: HashMap<String, LinkedUser> = store::rules::linked_users(&mut conn, app_id, &ids)
        .await?
        .into_iter()
        .map(|u| (u.external_id.clone(), u))
        .collect();
    let renamed: Vec<&str> = batch
        .linked
        .iter()
        .filter(|l| {
            linked
                .get(&l.external_id)
                .is_some_and(|u| crate::model::fold(&u.login) != l.profile.login.key())
        })
        .map(|l| l.profile.login.as_str())
        .collect();
    let login_owners = if renamed.is_empty() {
        HashMap::new()
    } else {
        store::users::existing_logins(&mut conn, &renamed).await?
    };
    Ok(Snapshot {
        linked,
        login_owners,
    })
}

/// Decides a staged batch: unlinked accounts are matched and queued; linked
/// ones update, bring back or remove their users as the settings say.
pub fn decide(
    unlinked: Vec<(String, UserProfile)>,
    linked: Vec<LinkedRecord>,
    snapshot: &Snapshot,
    index: Option<&UserIndex>,
    settings: &AppSettings,
    full: bool,
) -> Vec<Decision> {
    let mut out = Vec::with_capacity(unlinked.len() + linked.len());
    if let Some(index) = index {
        for (external_id, profile) in unlinked {
            let m = match_profile(index, &settings.matching, &profile);
            let search_key = profile.search_key();
            out.push(Decision::Queue(QueueEntry {
                external_id,
                match_type: m.match_type,
                matched_user_id: m.user_id,
                candidates: m.candidates.len() as i64,
                candidate_ids: serde_json::to_string(&m.candidates).unwrap_or_else(|_| "[]".into()),
                login: profile.login.as_str().to_owned(),
                email: profile.email.as_str().to_owned(),
                first_name: profile.first_name,
                last_name: profile.last_name,
                profile: crate::model::json_text(&profile.attributes),
                search_key,
            }));
        }
    }
    for record in linked {
        if let Some(user) = snapshot.linked.get(&record.external_id) {
            decide_linked(record, user, snapshot, &settings.sourcing, full, &mut out);
        }
    }
    out
}

fn decide_linked(
    l: LinkedRecord,
    u: &LinkedUser,
    snapshot: &Snapshot,
    sourcing: &Sourcing,
    full: bool,
    out: &mut Vec<Decision>,
) {
    if !l.active {
        if let Some(action) = removal_for(sourcing, u) {
            out.push(Decision::Remove(Removal {
                external_id: l.external_id,
                user_id: u.user_id.clone(),
                login: u.login.clone(),
                action,
            }));
        }
        return;
    }
    if !l.was_active {
        let status = match u.status {
            UserStatus::Suspended if sourcing.enabled && sourcing.reactivate_suspended => {
                Some(Reactivation::Unsuspend)
            }
            UserStatus::Deprovisioned if sourcing.enabled && sourcing.reactivate_deactivated => {
                Some(Reactivation::Reactivate {
                    exact_profile: profile_changes(&u.profile, &l.profile.attributes).is_empty(),
                })
            }
            _ => None,
        };
        out.push(Decision::Reactivate {
            external_id: l.external_id.clone(),
            user_id: u.user_id.clone(),
            login: u.login.clone(),
            status,
            assign: !u.assigned,
        });
    }
    if sourcing.enabled && u.sourced_here && (l.changed || full) {
        let changes = profile_changes(&u.profile, &l.profile.attributes);
        if changes.is_empty() {
            return;
        }
        let new_login = l.profile.login.as_str();
        if let Some(owner) = snapshot
            .login_owners
            .get(&l.profile.login.key())
            .filter(|owner| **owner != u.user_id)
        {
            out.push(Decision::Refused {
                error: RowError {
                    line: l.line,
                    field: Some("login".into()),
                    value: Some(new_login.into()),
                    message: format!(
                        "login: \"{new_login}\" belongs to another user ({owner}); the profile was not updated"
                    ),
                },
                changed: l.changed,
            });
            return;
        }
        out.push(Decision::Update {
            external_id: l.external_id,
            user_id: u.user_id.clone(),
            login: u.login.clone(),
            profile: l.profile,
            changes,
        });
    }
}

/// The attributes that differ between a user's profile and an imported one.
pub fn profile_changes(
    old: &serde_json::Map<String, serde_json::Value>,
    new: &serde_json::Map<String, serde_json::Value>,
) -> Vec<AttributeChange> {
    let text = |v: Option<&serde_json::Value>| match v {
        None | Some(serde_json::Value::Null) => None,
        Some(serde_json::Value::String(s)) => Some(s.clone()),
        Some(other) => Some(other.to_string()),
    };
    let mut keys: Vec<&String> = old.keys().chain(new.keys()).collect();
    keys.sort();
    keys.dedup();
    keys.into_iter()
        .filter_map(|k| {
            let (o, n) = (text(old.get(k)), text(new.get(k)));
            (o != n).then(|| AttributeChange {
                attribute: k.clone(),
                old: o,
                new: n,
            })
        })
        .collect()
}

/// What a removal does to this linked user under the app's sourcing
/// settings, or `None` when nothing is left to do.
pub fn removal_for(sourcing: &Sourcing, user: &LinkedUser) -> Option<RemovalAction> {
    // Only a person's profile source can deactivate or suspend them; other
    // apps take back their assignment.
    if !sourcing.enabled || !user.sourced_here {
        return user.assigned.then_some(RemovalAction::Unassign);
    }
    match sourcing.on_deactivated {
        DeactivateAction::DoNothing => None,
        DeactivateAction::Deactivate => {
            (user.status != UserStatus::Deprovisioned).then_some(RemovalAction::Deactivate)
        }
        DeactivateAction::Suspend => (!matches!(
            user.status,
            UserStatus::Suspended | UserStatus::Deprovisioned
        ))
        .then_some(RemovalAction::Suspend),
    }
}

/// What a batch's decisions add to the run's counters.
pub fn tally(decisions: &[Decision], counts: &mut crate::model::RunCounts) {
    for d in decisions {
        match d {
            Decision::Queue(q) => match q.match_type {
                MatchType::Exact => counts.matched += 1,
                MatchType::Partial => counts.partial += 1,
                MatchType::Conflict => counts.conflicts += 1,
                MatchType::New => counts.unmatched += 1,
            },
            // The row was counted as updated or unchanged when it was staged;
            // it is in error instead.
            Decision::Refused { changed, .. } => {
                counts.errors += 1;
                if *changed {
                    counts.updated -= 1;
                } else {
                    counts.unchanged -= 1;
                }
            }
            Decision::Reactivate { status, .. } => {
                if status.is_some() {
                    counts.reactivated += 1;
                }
            }
            Decision::Update { .. } | Decision::Remove(_) => {}
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn removal_follows_the_sourcing_settings() {
        let user = |status: UserStatus, assigned: bool| LinkedUser {
            external_id: "e".into(),
            user_id: "u".into(),
            status,
            login: "l".into(),
            profile: Default::default(),
            sourced_here: true,
            assigned,
        };
        let with = |action| Sourcing {
            on_deactivated: action,
            ..Sourcing::default()
        };
        assert_eq!(
            removal_for(
                &with(DeactivateAction::Deactivate),
                &user(UserStatus::Active, true)
            ),
            Some(RemovalAction::Deactivate)
        );
        assert_eq!(
            removal_for(
                &with(DeactivateAction::Deactivate),
                &user(UserStatus::Deprovisioned, true)
            ),
            None
        );
        assert_eq!(
            removal_for(
                &with(DeactivateAction::Suspend),
                &user(UserStatus::Active, true)
            ),
            Some(RemovalAction::Suspend)
        );
        assert_eq!(
            removal_for(
                &with(DeactivateAction::Suspend),
                &user(UserStatus::Suspended, true)
            ),
            None
        );
        assert_eq!(
            removal_for(
                &with(DeactivateAction::DoNothing),
                &user(UserStatus::Active, true)
            ),
            None
        );
        let off = Sourcing {
            enabled: false,
            ..Sourcing::default()
        };
        assert_eq!(
            removal_for(&off, &user(UserStatus::Active, true)),
            Some(RemovalAction::Unassign)
        );
        assert_eq!(removal_for(&off, &user(UserStatus::Active, false)), None);
        // An app that is not the person's profile source only unassigns.
        let elsewhere = LinkedUser {
            sourced_here: false,
            ..user(UserStatus::Active, true)
        };
        assert_eq!(
            removal_for(&with(DeactivateAction::Deactivate), &elsewhere),
            Some(RemovalAction::Unassign)
        );
    }
}
