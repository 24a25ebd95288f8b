//! Groups: once a source's users are read, its groups are read whole and
//! Muster's copy of them made the same, in one transaction: groups new to
//! Muster are created, changed ones updated, gone ones deleted, and members
//! added and removed. A member is an account of the app, found by the DN or
//! login the group names it by; a name that is no account of the app (a
//! nested group, a user outside the users' base) is left out.
//!
//! Membership events (`group.user_membership.add` / `.remove`) are logged
//! for accounts linked to a person; an account still waiting in the queue
//! gives its person the memberships when it is confirmed.

use super::Logger;
use crate::error::Result;
use crate::model::GroupCounts;
use crate::sources::{GroupRecord, Member};
use crate::store::groups::{self as stored, GroupRow};
use crate::store::Store;
use crate::syslog::{EventType, NewEvent, Target};
use std::collections::{BTreeSet, HashMap};

/// Makes the app's groups in Muster those of `groups`.
pub(crate) async fn sync_groups(
    store: &Store,
    log: &Logger<'_>,
    groups: Vec<GroupRecord>,
) -> Result<GroupCounts> {
    let app_id = &log.app.id;
    let mut tx = store.begin_write().await?;
    let accounts = stored::account_keys(&mut tx, app_id).await?;
    let mut by_member: HashMap<Member, usize> = HashMap::with_capacity(accounts.len() * 2);
    for (i, a) in accounts.iter().enumerate() {
        if let Some(dn) = &a.dn {
            by_member.insert(Member::dn(dn), i);
        }
        if let Some(uid) = &a.uid {
            by_member.insert(Member::uid(uid), i);
        }
    }
    let by_external: HashMap<&str, usize> = accounts
        .iter()
        .enumerate()
        .map(|(i, a)| (a.external_id.as_str(), i))
        .collect();
    let mut existing = stored::app_groups(&mut tx, app_id).await?;
    let now = crate::ids::now();
    let mut counts = GroupCounts {
        scanned: groups.len() as i64,
        ..GroupCounts::default()
    };
    let mut events = Vec::new();
    let membership = |event_type: EventType, account: usize, group: (&str, &str)| {
        let (user_id, login) = accounts[account].user.as_ref()?;
        let message = match event_type {
            EventType::GroupMembershipAdd => "Add user to group membership",
            _ => "Remove user from group membership",
        };
        Some(
            log.user(event_type, message, user_id, login)
                .target(Target::group(group.0, group.1)),
        )
    };
    let mut seen = BTreeSet::new();
    for g in &groups {
        if !seen.insert(g.external_id.as_str()) {
            continue;
        }
        let members: BTreeSet<&str> = g
            .members
            .iter()
            .filter_map(|m| match m {
                Member::Account(external_id) => by_external.get(external_id.as_str()),
                m => by_member.get(m),
            })
            .map(|&i| accounts[i].external_id.as_str())
            .collect();
        let (id, before) = match existing.remove(&g.external_id) {
            Some(s) => {
                let row = GroupRow {
                    id: &s.id,
                    external_id: &g.external_id,
                    name: &g.name,
                    description: &g.description,
                    dn: &g.dn,
                };
                if (s.name.as_str(), s.description.as_str(), s.dn.as_str())
                    != (g.name.as_str(), g.description.as_str(), g.dn.as_str())
                {
                    stored::update_group(&mut tx, &log.run.id, &row, now).await?;
                    counts.updated += 1;
                    events.push(group_event(
                        log,
                        EventType::GroupUpdate,
                        &s.id,
                        &g.name,
                        "Group profile updated",
                    ));
                }
                (s.id, s.members)
            }
            None => {
                let id = crate::ids::group_id();
                let row = GroupRow {
                    id: &id,
                    external_id: &g.external_id,
                    name: &g.name,
                    description: &g.description,
                    dn: &g.dn,
                };
                stored::insert_group(&mut tx, app_id, &log.run.id, &row, now).await?;
                counts.new += 1;
                events.push(group_event(
                    log,
                    EventType::GroupCreate,
                    &id,
                    &g.name,
                    "Group created",
                ));
                (id, BTreeSet::new())
            }
        };
        let added: Vec<&str> = members
            .iter()
            .copied()
            .filter(|m| !before.contains(*m))
            .collect();
        let removed: Vec<&str> = before
            .iter()
            .map(String::as_str)
            .filter(|m| !members.contains(m))
            .collect();
        stored::add_members(&mut tx, &id, app_id, &added).await?;
        stored::remove_members(&mut tx, &id, &removed).await?;
        counts.members_added += added.len() as i64;
        counts.members_removed += removed.len() as i64;
        for (event_type, changed) in [
            (EventType::GroupMembershipAdd, &added),
            (EventType::GroupMembershipRemove, &removed),
        ] {
            events.extend(changed.iter().filter_map(|m| {
                membership(
                    event_type,
                    *by_external.get(m)?,
                    (id.as_str(), g.name.as_str()),
                )
            }));
        }
    }
    // Groups gone from the source: deleted, their members' memberships with
    // them.
    let mut gone: Vec<_> = existing.into_values().collect();
    gone.sort_unstable_by(|a, b| a.id.cmp(&b.id));
    for g in gone {
        stored::delete_group(&mut tx, &g.id).await?;
        counts.removed += 1;
        counts.members_removed += g.members.len() as i64;
        events.extend(g.members.iter().filter_map(|m| {
            membership(
                EventType::GroupMembershipRemove,
                *by_external.get(m.as_str())?,
                (g.id.as_str(), g.name.as_str()),
            )
        }));
        events.push(group_event(
            log,
            EventType::GroupDelete,
            &g.id,
            &g.name,
            "Group deleted: it is gone from the source",
        ));
    }
    crate::store::events::insert_events(&mut tx, &events, now).await?;
    tx.commit().await?;
    Ok(counts)
}

fn group_event(
    log: &Logger<'_>,
    event_type: EventType,
    id: &str,
    name: &str,
    message: &str,
) -> NewEvent {
    log.event(event_type, format!("{message}: {name}"))
        .target(Target::group(id, name))
}

/// Deletes every group imported from `app` (Import Groups turned off), with
/// its members' memberships, logged as `actor`'s. Returns how many went.
pub(crate) async fn remove_app_groups(
    tx: &mut sqlx::SqliteConnection,
    app: &crate::model::App,
    actor: &crate::syslog::Actor,
    now: crate::store::Timestamp,
) -> Result<usize> {
    let mut groups: Vec<_> = stored::app_groups(tx, &app.id)
        .await?
        .into_values()
        .collect();
    if groups.is_empty() {
        return Ok(0);
    }
    let accounts = stored::account_keys(tx, &app.id).await?;
    let linked: HashMap<&str, &(String, String)> = accounts
        .iter()
        .filter_map(|a| Some((a.external_id.as_str(), a.user.as_ref()?)))
        .collect();
    groups.sort_unstable_by(|a, b| a.id.cmp(&b.id));
    let mut events = Vec::new();
    for g in &groups {
        stored::delete_group(tx, &g.id).await?;
        events.extend(g.members.iter().filter_map(|m| {
            let (user_id, login) = linked.get(m.as_str())?;
            Some(
                NewEvent::new(
                    EventType::GroupMembershipRemove,
                    "Remove user from group membership",
                    actor.clone(),
                )
                .target(Target::user(user_id, login, login))
                .target(Target::group(&g.id, &g.name)),
            )
        }));
        events.push(
            NewEvent::new(
                EventType::GroupDelete,
                format!(
                    "Group deleted: Import Groups was turned off for {}: {}",
                    app.name, g.name
                ),
                actor.clone(),
            )
            .target(Target::group(&g.id, &g.name))
            .target(Target::app(&app.id, &app.name)),
        );
    }
    crate::store::events::insert_events(tx, &events, now).await?;
    Ok(groups.len())
}
