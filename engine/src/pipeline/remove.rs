//! Remove: the users a run takes away — deactivated in the app, or gone from
//! it in a full import — are deactivated, suspended or unassigned as the
//! sourcing settings say, unless an import safeguard stops the run first.

use super::decide::removal_for;
use super::Logger;
use crate::error::Result;
use crate::model::{Roadblock, SafeguardLevel, UserStatus};
use crate::settings::{AppSettings, OrgSettings, Safeguard, Sourcing};
use crate::store::{self, Removal, RemovalAction, Store};
use crate::syslog::{EventType, NewEvent};

/// The safeguard a number of removals trips, if any: the app's (apps with
/// more than 100 assigned users) first, then the org's (at least 100
/// assignments). Reaching the limit exactly is allowed; passing it is not.
pub fn check_safeguards(
    app: &AppSettings,
    org: &OrgSettings,
    removals: i64,
    app_assigned: i64,
    org_assigned: i64,
) -> Option<Roadblock> {
    let trips = |s: &Safeguard, base: i64| {
        s.enabled && base > 0 && removals * 100 > i64::from(s.percent) * base
    };
    let roadblock = |level: SafeguardLevel, s: &Safeguard, base: i64| Roadblock {
        level,
        threshold: s.percent,
        percentage: (removals as f64 * 1000.0 / base as f64).round() / 10.0,
        removals,
        assigned: base,
    };
    if removals == 0 {
        return None;
    }
    if app_assigned > 100 && trips(&app.safeguard, app_assigned) {
        return Some(roadblock(SafeguardLevel::App, &app.safeguard, app_assigned));
    }
    if org_assigned >= 100 && trips(&org.safeguard, org_assigned) {
        return Some(roadblock(SafeguardLevel::Org, &org.safeguard, org_assigned));
    }
    None
}

/// A full import's accounts that the source no longer has: the removals
/// their users get, and the accounts with nothing left to remove (already
/// suspended, say), which are marked gone at once so their return counts
/// as a reactivation (not in a preview).
pub async fn find_gone(
    store: &Store,
    app_id: &str,
    gone: &[&str],
    sourcing: &Sourcing,
    preview: bool,
) -> Result<Vec<Removal>> {
    let mut removals = Vec::new();
    let mut nothing_to_remove = Vec::new();
    let mut conn = store.pool().acquire().await?;
    for chunk in gone.chunks(crate::store::ROWS_PER_STATEMENT) {
        for u in store::rules::linked_users(&mut conn, app_id, chunk).await? {
            match removal_for(sourcing, &u) {
                Some(action) => removals.push(Removal {
                    external_id: u.external_id,
                    user_id: u.user_id,
                    login: u.login,
                    action,
                }),
                None => nothing_to_remove.push(u.external_id),
            }
        }
    }
    if !preview && !nothing_to_remove.is_empty() {
        let gone: Vec<&str> = nothing_to_remove.iter().map(String::as_str).collect();
        store::rules::set_app_users_active(&mut conn, app_id, &gone, false).await?;
    }
    Ok(removals)
}

/// The words a roadblock is told in, on the run and in the System Log.
pub fn roadblock_message(rb: &Roadblock) -> String {
    format!(
        "Paused by the {} import safeguard: this import would remove {} of {} users ({}%), more than the limit of {}%",
        if rb.level == SafeguardLevel::App { "app-level" } else { "org-level" },
        rb.removals,
        rb.assigned,
        rb.percentage,
        rb.threshold
    )
}

/// Removals by what they do: `(deactivated, suspended, unassigned)`.
pub fn by_action(removals: &[Removal]) -> (i64, i64, i64) {
    let of = |action| removals.iter().filter(|r| r.action == action).count() as i64;
    (
        of(RemovalAction::Deactivate),
        of(RemovalAction::Suspend),
        of(RemovalAction::Unassign),
    )
}

/// Keeps a run's removals for the admin's decision and logs the roadblock,
/// in one transaction.
pub async fn pause(
    store: &Store,
    log: &Logger<'_>,
    rb: &Roadblock,
    removals: &[Removal],
) -> Result<()> {
    let run_id = log.run.id.as_str();
    let event = log
        .event(EventType::Roadblock, roadblock_message(rb))
        .target(crate::syslog::Target::import_run(run_id))
        .debug(serde_json::json!({
            "level": rb.level, "threshold": rb.threshold, "percentage": rb.percentage,
            "removals": rb.removals, "assigned": rb.assigned, "jobId": run_id,
        }));
    let mut tx = store.pool().begin().await?;
    store::rules::insert_removals(&mut tx, run_id, &log.app.id, removals).await?;
    store::events::insert_events(&mut tx, &[event], crate::ids::now()).await?;
    tx.commit().await?;
    Ok(())
}

/// Deactivates, suspends or unassigns users, in batches with their events;
/// their app users are marked inactive so a later import can reactivate
/// them. A paused run's kept removals are deleted with the batch that
/// applies them, so a resume that stops half-way goes on where it stopped.
pub async fn apply_removals(store: &Store, log: &Logger<'_>, removals: &[Removal]) -> Result<()> {
    let app_id = log.app.id.as_str();
    for chunk in removals.chunks(crate::store::ROWS_PER_STATEMENT) {
        let now = crate::ids::now();
        let of = |action: RemovalAction| -> Vec<&str> {
            chunk
                .iter()
                .filter(|r| r.action == action)
                .map(|r| r.user_id.as_str())
                .collect()
        };
        let gone: Vec<&str> = chunk.iter().map(|r| r.external_id.as_str()).collect();
        let events: Vec<NewEvent> = chunk
            .iter()
            .map(|r| {
                let (event_type, message) = match r.action {
                    RemovalAction::Deactivate => (
                        EventType::ImportUserDelete.of_source(log.app.kind),
                        "Deactivate user deactivated or removed in the app",
                    ),
                    RemovalAction::Suspend => (
                        EventType::ImportUserSuspend,
                        "Suspend user deactivated or removed in the app",
                    ),
                    RemovalAction::Unassign => (
                        EventType::MembershipRemove,
                        "Remove user from application membership",
                    ),
                };
                log.user(event_type, message, &r.user_id, &r.login)
            })
            .collect();
        let mut tx = store.pool().begin().await?;
        store::rules::set_users_status(
            &mut tx,
            &of(RemovalAction::Deactivate),
            UserStatus::Deprovisioned,
            now,
        )
        .await?;
        store::rules::set_users_status(
            &mut tx,
            &of(RemovalAction::Suspend),
            UserStatus::Suspended,
            now,
        )
        .await?;
        store::rules::unassign(&mut tx, app_id, &of(RemovalAction::Unassign)).await?;
        store::rules::set_app_users_active(&mut tx, app_id, &gone, false).await?;
        store::rules::delete_removals_of(&mut tx, &log.run.id, &gone).await?;
        store::imports::add_removal_counts(&mut tx, &log.run.id, by_action(chunk)).await?;
        store::events::insert_events(&mut tx, &events, now).await?;
        tx.commit().await?;
    }
    Ok(())
}

/// Finishes a run that left PAUSED for RESUMING: applies the removals it
/// still keeps (read by the caller) and completes it. A resume cut short by
/// a stop goes on from here when Muster starts again.
pub async fn finish_resume(
    store: &Store,
    log: &Logger<'_>,
    removals: &[Removal],
    message: &str,
) -> Result<()> {
    apply_removals(store, log, removals).await?;
    let now = crate::ids::now();
    let done = log.phase(
        EventType::ImplicitDeletionComplete,
        "Implicit deletion completed",
    );
    let mut tx = store.pool().begin().await?;
    store::imports::finish_run(
        &mut tx,
        &log.run.id,
        crate::model::RunStatus::Completed,
        Some(message),
        now,
    )
    .await?;
    store::events::insert_events(&mut tx, &[done], now).await?;
    tx.commit().await?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn safeguards_trip_only_past_their_threshold() {
        let app = AppSettings::default();
        let org = OrgSettings::default();
        // App level: 150 assigned, 20% is 30.
        assert_eq!(check_safeguards(&app, &org, 30, 150, 150), None);
        let rb = check_safeguards(&app, &org, 31, 150, 150).unwrap();
        assert_eq!(
            (rb.level.as_str(), rb.threshold, rb.removals, rb.assigned),
            ("APP", 20, 31, 150)
        );
        assert!((rb.percentage - 20.7).abs() < 1e-9);
        // An app of 100 users has no app-level safeguard, but the org's applies.
        assert_eq!(check_safeguards(&app, &org, 20, 100, 100), None);
        assert_eq!(
            check_safeguards(&app, &org, 21, 100, 100).unwrap().level,
            SafeguardLevel::Org
        );
        // Under 100 assignments in the org: no safeguard at all.
        assert_eq!(check_safeguards(&app, &org, 99, 99, 99), None);
        // Turned off, or a higher limit.
        let off = AppSettings {
            safeguard: Safeguard {
                enabled: false,
                percent: 20,
            },
            ..Default::default()
        };
        let org_off = OrgSettings {
            safeguard: Safeguard {
                enabled: false,
                percent: 20,
            },
        };
        assert_eq!(check_safeguards(&off, &org_off, 149, 150, 150), None);
        let org_50 = OrgSettings {
            safeguard: Safeguard {
                enabled: true,
                percent: 50,
            },
        };
        assert_eq!(check_safeguards(&off, &org_50, 75, 150, 150), None);
        assert_eq!(
            check_safeguards(&off, &org_50, 76, 150, 150).unwrap().level,
            SafeguardLevel::Org
        );
    }
}
