//! The import rules: settings, mappings, sourcing and reactivation, full and
//! incremental removals, safeguards, previews, queue decisions and schedules.

use crate::support::{
    at, open_on, paused, sourced_app, sourced_app_of, users_csv, Env, DEFAULT_MAX_UPLOAD, HEADER,
};
use engine::model::{App, ImportType, MatchType, QueueAction, RunStatus};
use engine::settings::{
    DeactivateAction, Frequency, Mapping, OrgSettings, Safeguard, Schedule, UsernameFormat,
};
use engine::Error;

async fn status_of(env: &Env, login: &str) -> String {
    env.user_by_login(login).await.status.as_str().to_owned()
}

#[tokio::test]
async fn settings_changes_are_checked_and_logged_with_old_and_new_values() {
    let env = Env::new().await;
    let app = env.app("HR").await;
    let refused = env
        .try_configure(&app, |s| {
            s.mappings.push(Mapping {
                attribute: "nickName".into(),
                expression: "String.toUpperCase(appuser.firstName".into(),
            })
        })
        .await
        .unwrap_err();
    assert!(
        matches!(&refused, Error::InvalidInput(m) if m.contains("nickName") && m.contains("position")),
        "{refused}"
    );
    assert_eq!(
        env.settings(&app).await,
        Default::default(),
        "nothing saved"
    );

    env.configure(&app, |s| {
        s.safeguard.percent = 35;
        s.matching.allow_partial = true;
    })
    .await;
    let events = env.events_of_type("application.lifecycle.update").await;
    assert_eq!(events.len(), 1);
    let changed = &events[0]["debugContext"]["debugData"]["changedSettings"];
    let changed = changed.as_array().unwrap();
    assert_eq!(changed.len(), 2, "{changed:?}");
    assert!(changed
        .iter()
        .any(|c| c["setting"] == "safeguard.percent" && c["old"] == 20 && c["new"] == 35));
    assert!(changed
        .iter()
        .any(|c| c["setting"] == "matching.allowPartial" && c["old"] == false && c["new"] == true));

    let org = OrgSettings {
        safeguard: Safeguard {
            enabled: true,
            percent: 0,
        },
    };
    assert!(env
        .engine
        .write(&env.admin)
        .unwrap()
        .save_org_settings(org)
        .await
        .is_err());
}

#[tokio::test]
async fn mappings_and_username_format_shape_the_queued_profile() {
    let env = Env::new().await;
    let app = env.app("Badges").await;
    env.configure(&app, |s| {
        s.username_format = UsernameFormat::Custom(
            "String.toLowerCase(appuser.firstName) + '.' + String.toLowerCase(appuser.lastName) + '@corp.example'".into(),
        );
        s.mappings.push(Mapping { attribute: "department".into(), expression: "appuser.dept ?: 'Unassigned'".into() });
    })
    .await;
    let data =
        "login,firstName,lastName,email,dept\nb1,Ann,Lee,ann@x.io,Sales\nb2,Bo,Ray,bo@x.io,\n";
    let run = env.import(&app, data.as_bytes(), ImportType::Full).await;
    assert_eq!(run.counts.errors, 0);
    let mut logins: Vec<String> = env.queue(&app).await.into_iter().map(|r| r.login).collect();
    logins.sort();
    assert_eq!(logins, ["ann.lee@corp.example", "bo.ray@corp.example"]);
    env.confirm_all(&app, true).await;
    let bo = env.user_by_login("bo.ray@corp.example").await;
    assert_eq!(bo.profile["department"], "Unassigned");
    assert_eq!(
        env.user_by_login("ann.lee@corp.example").await.profile["department"],
        "Sales"
    );

    let preview = env
        .engine
        .read(&env.admin)
        .mapping_preview(&app.id, &env.settings(&app).await)
        .await
        .unwrap();
    let preview = preview.expect("a row of the last import");
    assert!(
        preview
            .profile
            .iter()
            .any(|(k, v)| k == "login" && v.ends_with("@corp.example")),
        "{preview:?}"
    );
}

#[tokio::test]
async fn a_sourced_users_profile_follows_the_source_and_the_change_is_logged() {
    let env = Env::new().await;
    let app = sourced_app(&env, "HR", 3).await;
    let changed = format!("{HEADER}\nu0@example.com,First0,Married,u0@example.com\nu1@example.com,First1,Last1,u1@example.com\n\
                           u2@example.com,First2,Last2,u2@example.com\n");
    let run = env
        .import(&app, changed.as_bytes(), ImportType::Incremental)
        .await;
    assert_eq!((run.counts.updated, run.counts.unchanged), (1, 2));
    assert_eq!(
        env.user_by_login("u0@example.com").await.last_name,
        "Married"
    );
    let updates = env.events_of_type("system.import.user.update").await;
    assert_eq!(updates.len(), 1);
    let change = &updates[0]["debugContext"]["debugData"]["changes"][0];
    assert_eq!(
        (
            change["attribute"].as_str(),
            change["old"].as_str(),
            change["new"].as_str()
        ),
        (Some("lastName"), Some("Last0"), Some("Married"))
    );
    assert!(
        env.queue(&app).await.is_empty(),
        "linked users are updated, not queued again"
    );

    // With sourcing off, the profile is left alone.
    env.configure(&app, |s| s.sourcing.enabled = false).await;
    let again = changed.replace("Married", "Divorced");
    env.import(&app, again.as_bytes(), ImportType::Incremental)
        .await;
    assert_eq!(
        env.user_by_login("u0@example.com").await.last_name,
        "Married"
    );
}

#[tokio::test]
async fn a_full_import_removes_users_gone_from_the_source_and_an_incremental_does_not() {
    let env = Env::new().await;
    let app = sourced_app(&env, "HR", 10).await;
    let fewer = users_csv("u", 0..8);
    env.import(&app, fewer.as_bytes(), ImportType::Incremental)
        .await;
    assert_eq!(
        status_of(&env, "u9@example.com").await,
        "ACTIVE",
        "an incremental import removes nobody"
    );

    let run = env.import(&app, fewer.as_bytes(), ImportType::Full).await;
    assert_eq!(
        run.status,
        RunStatus::Completed,
        "10 users: no safeguard applies"
    );
    assert_eq!(status_of(&env, "u8@example.com").await, "DEPROVISIONED");
    assert_eq!(status_of(&env, "u9@example.com").await, "DEPROVISIONED");
    assert_eq!(status_of(&env, "u7@example.com").await, "ACTIVE");
    assert_eq!(
        env.events_of_type("system.import.user.delete").await.len(),
        2
    );
    assert_eq!(
        env.events_of_type("system.import.implicit_deletion.complete")
            .await
            .len(),
        1
    );

    // Running it again removes nobody twice.
    env.import(&app, fewer.as_bytes(), ImportType::Full).await;
    assert_eq!(
        env.events_of_type("system.import.user.delete").await.len(),
        2
    );
}

#[tokio::test]
async fn each_sourcing_action_for_users_deactivated_in_the_app() {
    for (name, action, expected, event) in [
        (
            "Suspending",
            Some(DeactivateAction::Suspend),
            "SUSPENDED",
            "system.import.user.suspend",
        ),
        ("Keeping", Some(DeactivateAction::DoNothing), "ACTIVE", ""),
        (
            "Unassigning",
            None,
            "ACTIVE",
            "application.user_membership.remove",
        ),
    ] {
        let env = Env::new().await;
        let app = sourced_app(&env, name, 4).await;
        env.configure(&app, |s| match action {
            Some(a) => s.sourcing.on_deactivated = a,
            None => s.sourcing.enabled = false,
        })
        .await;
        env.import(&app, users_csv("u", 0..3).as_bytes(), ImportType::Full)
            .await;
        assert_eq!(status_of(&env, "u3@example.com").await, expected, "{name}");
        let assigned = env.refresh(&app).await.assigned_users;
        assert_eq!(assigned, if action.is_none() { 3 } else { 4 }, "{name}");
        if !event.is_empty() {
            assert_eq!(env.events_of_type(event).await.len(), 1, "{name}");
        }
    }
}

#[tokio::test]
async fn users_back_in_the_source_are_reactivated_only_as_configured() {
    let env = Env::new().await;
    let app = sourced_app(&env, "HR", 4).await;
    env.configure(&app, |s| {
        s.sourcing.on_deactivated = DeactivateAction::Suspend
    })
    .await;
    env.import(&app, users_csv("u", 0..3).as_bytes(), ImportType::Full)
        .await;
    assert_eq!(status_of(&env, "u3@example.com").await, "SUSPENDED");
    // Back, but reactivation is off: stays suspended.
    env.import(&app, users_csv("u", 0..4).as_bytes(), ImportType::Full)
        .await;
    assert_eq!(status_of(&env, "u3@example.com").await, "SUSPENDED");

    // Gone and back again with "reactivate suspended users" on.
    env.configure(&app, |s| s.sourcing.reactivate_suspended = true)
        .await;
    env.import(&app, users_csv("u", 0..3).as_bytes(), ImportType::Full)
        .await;
    env.import(&app, users_csv("u", 0..4).as_bytes(), ImportType::Full)
        .await;
    assert_eq!(status_of(&env, "u3@example.com").await, "ACTIVE");
    assert_eq!(
        env.events_of_type("system.import.user.unsuspend")
            .await
            .len(),
        1
    );

    // Deactivated users: active again on an exact profile match, otherwise
    // pending activation.
    env.configure(&app, |s| {
        s.sourcing.on_deactivated = DeactivateAction::Deactivate;
        s.sourcing.reactivate_deactivated = true;
    })
    .await;
    env.import(&app, users_csv("u", 0..2).as_bytes(), ImportType::Full)
        .await;
    assert_eq!(status_of(&env, "u2@example.com").await, "DEPROVISIONED");
    assert_eq!(status_of(&env, "u3@example.com").await, "DEPROVISIONED");
    let back = format!(
        "{}u3@example.com,First3,Renamed,u3@example.com\n",
        users_csv("u", 0..3)
    );
    env.import(&app, back.as_bytes(), ImportType::Full).await;
    assert_eq!(
        status_of(&env, "u2@example.com").await,
        "ACTIVE",
        "same profile"
    );
    assert_eq!(
        status_of(&env, "u3@example.com").await,
        "PROVISIONED",
        "changed profile: pending activation"
    );
}

#[tokio::test]
async fn the_app_level_safeguard_pauses_past_its_threshold_and_resume_applies() {
    let env = Env::new().await;
    let app = sourced_app(&env, "HR", 150).await;
    // 30 of 150 is exactly 20%: allowed.
    let run = env
        .import(&app, users_csv("u", 0..120).as_bytes(), ImportType::Full)
        .await;
    assert_eq!(run.status, RunStatus::Completed);
    assert_eq!(status_of(&env, "u149@example.com").await, "DEPROVISIONED");

    // Another app of 150: 31 gone is past 20%.
    let env = Env::new().await;
    let app = sourced_app(&env, "HR", 150).await;
    let run = env
        .import(&app, users_csv("u", 0..119).as_bytes(), ImportType::Full)
        .await;
    assert_eq!(run.status, RunStatus::Paused);
    assert!(
        run.message.as_deref().unwrap_or("").contains("31 of 150"),
        "{:?}",
        run.message
    );
    let rb = run.plan.as_ref().and_then(|p| p.roadblock.clone()).unwrap();
    assert_eq!(
        (rb.level.as_str(), rb.threshold, rb.removals, rb.assigned),
        ("APP", 20, 31, 150)
    );
    assert_eq!(
        status_of(&env, "u149@example.com").await,
        "ACTIVE",
        "nobody removed before the admin decides"
    );
    let roadblock = env.events_of_type("system.import.roadblock").await;
    assert_eq!(roadblock.len(), 1);
    assert_eq!(roadblock[0]["debugContext"]["debugData"]["threshold"], 20);
    assert_eq!(
        env.engine
            .read(&env.admin)
            .paused_runs()
            .await
            .unwrap()
            .len(),
        1
    );

    // Another import of the app waits behind the paused one.
    let waiting = env.upload(&app, users_csv("u", 0..150).as_bytes()).await;
    env.engine
        .write(&env.admin)
        .unwrap()
        .start_import(&app.id, Some(&waiting.id), ImportType::Full)
        .await
        .unwrap();
    assert!(env.engine.run_next_job().await.unwrap().is_none());

    let resumed = env
        .engine
        .write(&env.admin)
        .unwrap()
        .resume_run(&run.id)
        .await
        .unwrap();
    assert_eq!(resumed.status, RunStatus::Completed);
    assert_eq!(status_of(&env, "u149@example.com").await, "DEPROVISIONED");
    assert_eq!(status_of(&env, "u119@example.com").await, "DEPROVISIONED");
    assert_eq!(status_of(&env, "u118@example.com").await, "ACTIVE");
    assert_eq!(
        env.events_of_type("system.import.roadblock.resume")
            .await
            .len(),
        1
    );
    assert!(env
        .engine
        .read(&env.admin)
        .paused_runs()
        .await
        .unwrap()
        .is_empty());
    assert!(matches!(
        env.engine
            .write(&env.admin)
            .unwrap()
            .resume_run(&run.id)
            .await,
        Err(Error::Conflict(_))
    ));
    assert!(
        env.engine.run_next_job().await.unwrap().is_some(),
        "the waiting import starts"
    );
}

#[tokio::test]
async fn cancel_drops_the_removals_and_keeps_the_rest_of_the_run() {
    let env = Env::new().await;
    let app = sourced_app(&env, "HR", 150).await;
    let mut data = users_csv("u", 0..100);
    data.push_str("new1@example.com,New,One,new1@example.com\n");
    let run = env.import(&app, data.as_bytes(), ImportType::Full).await;
    assert_eq!(run.status, RunStatus::Paused);
    let cancelled = env
        .engine
        .write(&env.admin)
        .unwrap()
        .cancel_run(&run.id)
        .await
        .unwrap();
    assert_eq!(cancelled.status, RunStatus::Completed);
    assert_eq!(status_of(&env, "u149@example.com").await, "ACTIVE");
    assert_eq!(
        env.events_of_type("system.import.roadblock.cancel")
            .await
            .len(),
        1
    );
    assert!(env
        .events_of_type("system.import.user.delete")
        .await
        .is_empty());
    assert!(env
        .engine
        .read(&env.admin)
        .paused_runs()
        .await
        .unwrap()
        .is_empty());
    assert_eq!(
        env.queue(&app).await.len(),
        1,
        "the new user is still queued"
    );
}

#[tokio::test]
async fn the_org_level_safeguard_covers_apps_under_100_users() {
    let env = Env::new().await;
    sourced_app_of(&env, "Big", "big", 60).await;
    let small = sourced_app(&env, "Small", 50).await;
    // 110 assignments in the org; 22 removals is exactly 20%.
    let run = env
        .import(&small, users_csv("u", 0..28).as_bytes(), ImportType::Full)
        .await;
    assert_eq!(run.status, RunStatus::Completed);

    let env = Env::new().await;
    sourced_app_of(&env, "Big", "big", 60).await;
    let small = sourced_app(&env, "Small", 50).await;
    let run = env
        .import(&small, users_csv("u", 0..27).as_bytes(), ImportType::Full)
        .await;
    assert_eq!(run.status, RunStatus::Paused, "23 of 110 assignments");
    assert_eq!(run.plan.unwrap().roadblock.unwrap().level.as_str(), "ORG");

    // Turned off at the org level: nothing pauses.
    let env = Env::new().await;
    sourced_app_of(&env, "Big", "big", 60).await;
    let small = sourced_app(&env, "Small", 50).await;
    env.engine
        .write(&env.admin)
        .unwrap()
        .save_org_settings(OrgSettings {
            safeguard: Safeguard {
                enabled: false,
                percent: 20,
            },
        })
        .await
        .unwrap();
    let run = env
        .import(&small, users_csv("u", 0..27).as_bytes(), ImportType::Full)
        .await;
    assert_eq!(run.status, RunStatus::Completed);

    // Under 100 assignments in the org: no safeguard.
    let env = Env::new().await;
    let only = sourced_app(&env, "Only", 99).await;
    let run = env
        .import(&only, users_csv("u", 0..10).as_bytes(), ImportType::Full)
        .await;
    assert_eq!(run.status, RunStatus::Completed);
    assert_eq!(status_of(&env, "u98@example.com").await, "DEPROVISIONED");
}

#[tokio::test]
async fn a_preview_writes_only_its_plan_and_apply_runs_it() {
    let env = Env::new().await;
    let app = sourced_app(&env, "HR", 150).await;
    let mut data = users_csv("u", 0..110);
    data = data.replace(
        "u0@example.com,First0,Last0",
        "u0@example.com,First0,Renamed",
    );
    data.push_str("new1@example.com,New,One,new1@example.com\n");
    let upload = env.upload(&app, data.as_bytes()).await;
    let preview = env
        .engine
        .write(&env.admin)
        .unwrap()
        .preview_import(&app.id, Some(&upload.id), ImportType::Full)
        .await
        .unwrap();
    let done = env.engine.run_next_job().await.unwrap().unwrap();
    assert_eq!(
        (done.id.as_str(), done.status, done.preview),
        (preview.id.as_str(), RunStatus::Completed, true)
    );
    let plan = done.plan.clone().unwrap();
    assert_eq!(
        (plan.create.total, plan.update.total, plan.deactivate.total),
        (1, 1, 40)
    );
    assert_eq!(plan.create.items[0].login, "new1@example.com");
    let change = &plan.update.items[0].changes[0];
    assert_eq!(
        (change.old.as_deref(), change.new.as_deref()),
        (Some("Last0"), Some("Renamed"))
    );
    assert_eq!(
        plan.roadblock.as_ref().map(|r| r.removals),
        Some(40),
        "the preview says the safeguard would trip"
    );

    // Nothing was written.
    assert!(env.queue(&app).await.is_empty());
    assert_eq!(env.user_by_login("u0@example.com").await.last_name, "Last0");
    assert_eq!(status_of(&env, "u149@example.com").await, "ACTIVE");

    let applied = env
        .engine
        .write(&env.admin)
        .unwrap()
        .apply_preview(&done.id)
        .await
        .unwrap();
    assert!(!applied.preview);
    let real = env.engine.run_next_job().await.unwrap().unwrap();
    assert_eq!(real.status, RunStatus::Paused);
    assert_eq!(
        env.user_by_login("u0@example.com").await.last_name,
        "Renamed"
    );
    assert_eq!(env.queue(&app).await.len(), 1);
}

#[tokio::test]
async fn queue_decisions_link_to_a_chosen_user_create_or_ignore() {
    let env = Env::new().await;
    sourced_app(&env, "HR", 3).await;
    let app = env.app("Wiki").await;
    env.configure(&app, |s| s.matching.allow_partial = true)
        .await;
    let data = format!("{HEADER}\nwiki0,First0,Last0,w0@wiki.io\nwiki1,First1,Last1,w1@wiki.io\nwiki2,First2,Last2,w2@wiki.io\n");
    env.import(&app, data.as_bytes(), ImportType::Full).await;
    let queue = env.queue(&app).await;
    assert!(
        queue.iter().all(|r| r.match_type == MatchType::Partial),
        "{queue:?}"
    );
    assert_eq!(
        queue[0]
            .candidate_users
            .iter()
            .map(|u| u.login.as_str())
            .collect::<Vec<_>>(),
        ["u0@example.com"]
    );

    let u2 = env.user_by_login("u2@example.com").await;
    let by = |login: &str| queue.iter().find(|r| r.login == login).unwrap().seq;
    env.engine
        .write(&env.admin)
        .unwrap()
        .set_queue_action(
            &app.id,
            by("wiki0"),
            QueueAction::Link(Some(u2.id.clone())),
            true,
        )
        .await
        .unwrap();
    env.engine
        .write(&env.admin)
        .unwrap()
        .set_queue_action(&app.id, by("wiki1"), QueueAction::Create, false)
        .await
        .unwrap();
    env.engine
        .write(&env.admin)
        .unwrap()
        .set_queue_action(&app.id, by("wiki2"), QueueAction::Ignore, false)
        .await
        .unwrap();
    let queue = env.queue(&app).await;
    assert_eq!(
        queue
            .iter()
            .find(|r| r.login == "wiki0")
            .unwrap()
            .action_user_login
            .as_deref(),
        Some("u2@example.com")
    );
    assert_eq!(
        env.events_of_type("system.import.user_match.update")
            .await
            .len(),
        3
    );

    let outcome = env.confirm_all(&app, true).await;
    assert_eq!(
        (
            outcome.linked,
            outcome.created,
            outcome.ignored,
            outcome.skipped
        ),
        (1, 1, 1, 0)
    );
    assert!(env.queue(&app).await.is_empty());
    assert_eq!(env.refresh(&app).await.assigned_users, 2);
    assert_eq!(env.user_by_login("wiki1").await.status.as_str(), "ACTIVE");
    // An ignored app user stays out of the queue on the next full import.
    env.import(&app, data.as_bytes(), ImportType::Full).await;
    assert!(env.queue(&app).await.is_empty());

    let missing = env
        .engine
        .write(&env.admin)
        .unwrap()
        .set_queue_action(&app.id, 999_999, QueueAction::Create, false)
        .await;
    assert!(matches!(missing, Err(Error::NotFound(_))));
}

#[tokio::test]
async fn auto_confirm_settings_confirm_without_the_admin() {
    let env = Env::new().await;
    sourced_app(&env, "HR", 2).await;
    let app = env.app("Mail").await;
    let data = format!("{HEADER}\nu0@example.com,First0,Last0,u0@example.com\nfresh@example.com,Fresh,One,fresh@example.com\n");
    env.import(&app, data.as_bytes(), ImportType::Full).await;
    assert_eq!(env.queue(&app).await.len(), 2, "queued for the admin");
    env.configure(&app, |s| {
        s.matching.auto_confirm_exact = true;
        s.matching.auto_confirm_new = true;
        s.matching.auto_activate_new = true;
    })
    .await;
    // The next import confirms its accounts as it matches them, and takes
    // their earlier queue rows away.
    env.import(&app, data.as_bytes(), ImportType::Full).await;
    assert!(env.queue(&app).await.is_empty());
    let created: Vec<String> = env
        .events_of_type("user.lifecycle.create")
        .await
        .iter()
        .map(|e| at(e, "/target/0/alternateId").to_owned())
        .collect();
    assert_eq!(
        created.iter().filter(|l| *l == "fresh@example.com").count(),
        1,
        "created once: {created:?}"
    );
    assert_eq!(
        env.events_of_type("system.import.user_match.confirm")
            .await
            .len(),
        1,
        "u0 linked to its person"
    );
    assert_eq!(env.refresh(&app).await.assigned_users, 2);
    assert_eq!(
        env.user_by_login("fresh@example.com").await.status.as_str(),
        "ACTIVE"
    );
    assert_eq!(
        env.events_of_type("system.import.object_creation.complete")
            .await
            .len(),
        1
    );
}

#[tokio::test]
async fn an_auto_confirmed_link_to_a_person_who_holds_an_account_waits_in_the_queue() {
    let env = Env::new().await;
    sourced_app(&env, "HR", 2).await;
    let app = env.app("Mail").await;
    env.configure(&app, |s| {
        s.matching.attribute = Some("email".into());
        s.matching.auto_confirm_exact = true;
    })
    .await;
    // Two accounts of one batch match u0 by email: the first is linked, the
    // second is left for the admin, with u0 named as its match.
    let data = format!(
        "{HEADER}\nu0@example.com,First0,Last0,u0@example.com\nalias@example.com,Alias,Zero,u0@example.com\n"
    );
    env.import(&app, data.as_bytes(), ImportType::Full).await;
    let queue = env.queue(&app).await;
    assert_eq!(queue.len(), 1, "{queue:?}");
    assert_eq!(queue[0].login, "alias@example.com");
    assert_eq!(queue[0].match_type.as_str(), "EXACT");
    assert_eq!(
        queue[0].matched_user_login.as_deref(),
        Some("u0@example.com")
    );
    assert_eq!(env.refresh(&app).await.assigned_users, 1);
}

#[tokio::test]
async fn scheduled_imports_start_when_due_counted_from_the_last_run() {
    let env = Env::new().await;
    let app = sourced_app(&env, "HR", 2).await;
    let refused = env
        .try_configure(&app, |s| {
            s.full_schedule = Schedule {
                frequency: Frequency::Hourly,
                interval: 1,
            };
            s.incremental_schedule = Schedule {
                frequency: Frequency::Hourly,
                interval: 2,
            };
        })
        .await;
    assert!(refused.is_err(), "full more often than incremental");
    env.configure(&app, |s| {
        s.incremental_schedule = Schedule {
            frequency: Frequency::Hourly,
            interval: 1,
        };
        s.full_schedule = Schedule {
            frequency: Frequency::Daily,
            interval: 1,
        };
    })
    .await;

    let now = chrono::Utc::now();
    assert!(
        env.engine
            .enqueue_due_imports(now)
            .await
            .unwrap()
            .is_empty(),
        "the last import just ended"
    );
    let queued = env
        .engine
        .enqueue_due_imports(now + chrono::Duration::minutes(61))
        .await
        .unwrap();
    assert_eq!(queued.len(), 1);
    assert_eq!(
        (queued[0].import_type, queued[0].trigger.as_str()),
        (ImportType::Incremental, "Scheduled")
    );
    assert!(
        env.engine
            .enqueue_due_imports(now + chrono::Duration::minutes(62))
            .await
            .unwrap()
            .is_empty(),
        "one at a time"
    );
    let ran = env.engine.run_next_job().await.unwrap().unwrap();
    assert_eq!(ran.status, RunStatus::Completed);
    let starts = env.events(r#"eventType eq "system.import.start" and debugContext.debugData.importTrigger eq "Scheduled""#).await;
    assert_eq!(starts.len(), 1);
    assert_eq!(
        at(&starts[0], "/actor/alternateId"),
        engine::syslog::Actor::system().alternate_id
    );

    let queued = env
        .engine
        .enqueue_due_imports(now + chrono::Duration::hours(25))
        .await
        .unwrap();
    assert_eq!(
        queued[0].import_type,
        ImportType::Full,
        "a full import due at the same time wins"
    );
}

#[tokio::test]
async fn a_scheduled_import_queued_before_a_restart_runs_after_it() {
    let dir = tempfile::tempdir().unwrap();
    let (engine, admin) = open_on(dir.path(), DEFAULT_MAX_UPLOAD).await;
    let app = engine
        .write(&admin)
        .unwrap()
        .create_app("HR", engine::model::AppKind::CsvDirectory)
        .await
        .unwrap();
    let upload = engine
        .write(&admin)
        .unwrap()
        .save_upload(&app.id, "x.csv", users_csv("u", 0..3).as_bytes())
        .await
        .unwrap();
    let mut settings = engine.read(&admin).app_settings(&app.id).await.unwrap();
    settings.incremental_schedule = Schedule {
        frequency: Frequency::Weekly,
        interval: 1,
    };
    engine
        .write(&admin)
        .unwrap()
        .save_app_settings(&app.id, settings)
        .await
        .unwrap();
    let queued = engine
        .enqueue_due_imports(chrono::Utc::now())
        .await
        .unwrap();
    assert_eq!(queued.len(), 1, "never imported: due at once");
    let manual = engine
        .write(&admin)
        .unwrap()
        .start_import(&app.id, Some(&upload.id), ImportType::Full)
        .await
        .unwrap();
    drop(engine);

    let (engine, _) = open_on(dir.path(), DEFAULT_MAX_UPLOAD).await;
    let first = engine.run_next_job().await.unwrap().unwrap();
    let second = engine.run_next_job().await.unwrap().unwrap();
    assert_eq!(
        (first.id.as_str(), first.trigger.as_str()),
        (queued[0].id.as_str(), "Scheduled")
    );
    assert_eq!(second.id, manual.id);
    assert_eq!(
        engine
            .read(&admin)
            .list_queue(&app.id, None, 0, 10)
            .await
            .unwrap()
            .total,
        3
    );
}

#[tokio::test]
async fn a_new_mapping_reaches_unchanged_rows_on_the_next_full_import_only() {
    let env = Env::new().await;
    let app = sourced_app(&env, "HR", 3).await;
    env.configure(&app, |s| {
        s.mappings.push(Mapping {
            attribute: "nickName".into(),
            expression: "String.toLowerCase(appuser.firstName)".into(),
        });
    })
    .await;
    let same = users_csv("u", 0..3);
    let run = env
        .import(&app, same.as_bytes(), ImportType::Incremental)
        .await;
    assert_eq!(run.counts.unchanged, 3);
    assert!(
        env.user_by_login("u1@example.com")
            .await
            .profile
            .get("nickName")
            .is_none(),
        "incremental: unchanged rows are skipped"
    );
    env.import(&app, same.as_bytes(), ImportType::Full).await;
    assert_eq!(
        env.user_by_login("u1@example.com").await.profile["nickName"],
        "first1"
    );
    assert_eq!(
        env.events_of_type("system.import.user.update").await.len(),
        3
    );
}

/// HR, whose usernames are the email, with Ann (e1) and Bo (e2) imported
/// and confirmed.
async fn ann_and_bo_by_email() -> (Env, App) {
    let env = Env::new().await;
    let app = env.app("HR").await;
    env.configure(&app, |s| s.username_format = UsernameFormat::Email)
        .await;
    let data = format!("{HEADER}\ne1,Ann,Lee,ann@x.io\ne2,Bo,Ray,bo@x.io\n");
    env.import(&app, data.as_bytes(), ImportType::Full).await;
    env.confirm_all(&app, true).await;
    (env, app)
}

#[tokio::test]
async fn a_sourced_profile_never_takes_another_users_login() {
    let (env, app) = ann_and_bo_by_email().await;
    assert_eq!(env.user_by_login("ann@x.io").await.first_name, "Ann");

    // e1's email (and so its username) becomes Bo's.
    let data = format!("{HEADER}\ne1,Ann,Lee,bo@x.io\ne2,Bo,Ray,bo@x.io\n");
    let run = env
        .import(&app, data.as_bytes(), ImportType::Incremental)
        .await;
    // The refused row is in error, not also updated: the counts add up.
    let c = run.counts;
    assert_eq!(
        (c.scanned, c.updated, c.unchanged, c.errors),
        (2, 0, 1, 1),
        "{c:?}"
    );
    let errors = env.row_errors(&run).await;
    assert!(
        errors[0].message.contains("belongs to another user"),
        "{errors:?}"
    );
    assert_eq!(errors[0].line, Some(2));
    assert_eq!(
        env.user_by_login("ann@x.io").await.email,
        "ann@x.io",
        "Ann's profile is unchanged"
    );
    assert_eq!(env.user_by_login("bo@x.io").await.first_name, "Bo");
}

#[tokio::test]
async fn a_sourced_login_and_email_changed_only_in_case_take_the_new_case() {
    let (env, app) = ann_and_bo_by_email().await;

    let data = format!("{HEADER}\ne1,Ann,Lee,Ann@X.io\ne2,Bob,Ray,bo@x.io\n");
    let run = env
        .import(&app, data.as_bytes(), ImportType::Incremental)
        .await;
    assert_eq!(run.counts.updated, 2, "{:?}", run.counts);
    let ann = env.user_by_login("ann@x.io").await;
    assert_eq!(
        (ann.login.as_str(), ann.email.as_str()),
        ("Ann@X.io", "Ann@X.io")
    );
    let bo = env.user_by_login("bo@x.io").await;
    assert_eq!(
        (bo.login.as_str(), bo.first_name.as_str()),
        ("bo@x.io", "Bob"),
        "a profile whose login did not change keeps it and takes the rest"
    );
}

#[tokio::test]
async fn a_full_import_keeps_users_whose_rows_it_could_not_use() {
    let env = Env::new().await;
    let app = sourced_app(&env, "HR", 4).await;
    // u1: bad email; u2: a field missing; u3: a repeated account under a
    // mapped username. None of them is gone from the file.
    env.configure(&app, |s| {
        s.username_format = UsernameFormat::Custom("String.toLowerCase(appuser.login)".into());
    })
    .await;
    let data = format!(
        "{HEADER}\nu0@example.com,First0,Last0,u0@example.com\nu1@example.com,First1,Last1,not-an-email\n\
         u2@example.com,First2,Last2\nu3@example.com,First3,Last3,u3@example.com\nU3@EXAMPLE.COM,Other,Three,u3@example.com\n"
    );
    let run = env.import(&app, data.as_bytes(), ImportType::Full).await;
    assert_eq!(run.counts.errors, 3, "{:?}", env.row_errors(&run).await);
    for login in ["u1@example.com", "u2@example.com", "u3@example.com"] {
        assert_eq!(status_of(&env, login).await, "ACTIVE", "{login}");
    }
    assert!(env
        .events_of_type("system.import.user.delete")
        .await
        .is_empty());
    let errors = env.row_errors(&run).await;
    assert!(
        errors
            .iter()
            .any(|e| e.message.contains("appears more than once") && e.line == Some(6)),
        "{errors:?}"
    );
}

#[tokio::test]
async fn connection_secrets_are_write_only_and_only_directories_have_a_connection() {
    let env = Env::new().await;
    let app = env
        .engine
        .write(&env.admin)
        .unwrap()
        .create_app("Directory", engine::model::AppKind::LdapDirectory)
        .await
        .unwrap();
    let connection = serde_json::json!({"host": "127.0.0.1", "port": 3389, "users_base": "ou=People,dc=example,dc=com"});
    env.engine
        .write(&env.admin)
        .unwrap()
        .save_connection(&app.id, connection.clone(), Some("hunter2-secret"))
        .await
        .unwrap();
    let read = env
        .engine
        .read(&env.admin)
        .connection_settings(&app.id)
        .await
        .unwrap();
    assert_eq!(
        (&read["host"], &read["port"]),
        (&connection["host"], &connection["port"])
    );
    assert!(!read.to_string().contains("hunter2-secret"));
    let events = env.events_of_type("application.lifecycle.update").await;
    assert_eq!(events.len(), 1);
    let logged = events[0].to_string();
    assert!(logged.contains("port"), "{logged}");
    assert!(!logged.contains("hunter2-secret"), "{logged}");

    let csv = env.app("Files").await;
    let e = env
        .engine
        .write(&env.admin)
        .unwrap()
        .save_connection(&csv.id, connection, None)
        .await
        .unwrap_err();
    assert!(e.to_string().contains("has no connection"), "{e}");
}

#[tokio::test]
async fn a_paused_import_lists_who_it_would_remove_searchable_and_as_csv() {
    let env = Env::new().await;
    let (_, run) = paused(&env).await;
    let read = env.engine.read(&env.admin);
    let all = read.removals(&run, "", 0, 20).await.unwrap();
    assert_eq!(all.total, 50);
    assert_eq!(all.items.len(), 20);
    assert!(all
        .items
        .iter()
        .all(|r| r.action == engine::model::RemovalAction::Deactivate));
    // By login, by name (the users are First{i} Last{i}), by email.
    let one = read.removals(&run, "U149@EXAMPLE", 0, 20).await.unwrap();
    assert_eq!(one.total, 1);
    assert_eq!(one.items[0].login, "u149@example.com");
    assert_eq!(
        read.removals(&run, "first120 last120", 0, 20)
            .await
            .unwrap()
            .total,
        1
    );
    assert_eq!(
        read.removals(&run, "u99@", 0, 20).await.unwrap().total,
        0,
        "u99 stays"
    );

    let csv = read.removals_csv(&run).await.unwrap();
    let lines: Vec<&str> = csv.lines().collect();
    assert_eq!(lines[0], "login,firstName,lastName,email,action");
    assert_eq!(lines.len(), 51);
    assert!(
        csv.contains("u149@example.com,First149,Last149,u149@example.com,Deactivate"),
        "{csv}"
    );
}
