//! A run's counts add up: every row scanned is new, updated, unchanged or in
//! error; the accounts queued are exact or partial matches or conflicts; and
//! the people reactivated or removed are counted by what happened to them,
//! in the run and in the import history alike.

use crate::support::{paused, sourced_app, users_csv, Env, HEADER};
use engine::model::{ImportRun, ImportType, PlanPart, RunCounts};
use engine::settings::DeactivateAction;

fn assert_adds_up(c: &RunCounts) {
    assert_eq!(
        c.new + c.updated + c.unchanged + c.errors,
        c.scanned,
        "new, updated, unchanged and errors add up to the rows scanned: {c:?}"
    );
}

/// The run as the import history lists it.
async fn in_history(env: &Env, run: &ImportRun) -> RunCounts {
    let runs = env
        .engine
        .read(&env.admin)
        .list_runs(&run.app_id, 50)
        .await
        .unwrap();
    runs.into_iter().find(|r| r.id == run.id).unwrap().counts
}

#[tokio::test]
async fn a_run_counts_each_row_once_and_the_people_it_removed_and_reactivated() {
    let env = Env::new().await;
    let app = sourced_app(&env, "HR", 4).await;
    env.configure(&app, |s| {
        s.sourcing.on_deactivated = DeactivateAction::Suspend;
        s.sourcing.reactivate_suspended = true;
    })
    .await;

    // u0 changed, u1 and u2 as they were, u3 gone, one new and one bad row.
    let data = format!(
        "{HEADER}\n\
         u0@example.com,First0,Changed,u0@example.com\n\
         u1@example.com,First1,Last1,u1@example.com\n\
         u2@example.com,First2,Last2,u2@example.com\n\
         new@example.com,New,Person,new@example.com\n\
         bad@example.com,Bad,Row,not-an-email\n"
    );
    let run = env.import(&app, data.as_bytes(), ImportType::Full).await;
    let c = run.counts;
    assert_adds_up(&c);
    assert_eq!(
        (c.scanned, c.new, c.updated, c.unchanged, c.errors),
        (5, 1, 1, 2, 1)
    );
    assert_eq!((c.suspended, c.deactivated, c.unassigned), (1, 0, 0));
    assert_eq!(in_history(&env, &run).await, c);

    // u3 is back: unsuspended, and counted as reactivated.
    let run = env
        .import(&app, users_csv("u", 0..4).as_bytes(), ImportType::Full)
        .await;
    assert_adds_up(&run.counts);
    assert_eq!(run.counts.reactivated, 1, "{:?}", run.counts);
    assert_eq!(run.counts.removed(), 0);
    assert_eq!(in_history(&env, &run).await, run.counts);
}

#[tokio::test]
async fn exact_and_partial_matches_are_counted_apart() {
    let env = Env::new().await;
    let _hr = sourced_app(&env, "HR", 2).await;
    let crm = env.app("CRM").await;
    env.configure(&crm, |s| s.matching.allow_partial = true)
        .await;
    // u0 by login (exact); First1 Last1 by name only (partial); one new.
    let data = format!(
        "{HEADER}\n\
         u0@example.com,First0,Last0,u0@example.com\n\
         first.last1@crm.example,First1,Last1,first.last1@crm.example\n\
         z@example.com,Zed,Zulu,z@example.com\n"
    );
    let run = env.import(&crm, data.as_bytes(), ImportType::Full).await;
    let c = run.counts;
    assert_adds_up(&c);
    assert_eq!(
        (c.new, c.matched, c.partial, c.conflicts),
        (3, 1, 1, 0),
        "{c:?}"
    );
}

#[tokio::test]
async fn a_paused_run_counts_its_removals_once_they_are_applied() {
    let env = Env::new().await;
    let (_, run_id) = paused(&env).await;
    let run = env.engine.read(&env.admin).get_run(&run_id).await.unwrap();
    assert_adds_up(&run.counts);
    assert_eq!(run.counts.removed(), 0, "nothing is removed while it waits");
    let done = env
        .engine
        .write(&env.admin)
        .unwrap()
        .resume_run(&run_id)
        .await
        .unwrap();
    assert_eq!(in_history(&env, &done).await, done.counts);
    assert_eq!(done.counts.deactivated, 50, "{:?}", done.counts);
}

#[tokio::test]
async fn a_preview_counts_who_it_would_remove() {
    let env = Env::new().await;
    let app = sourced_app(&env, "HR", 4).await;
    let data = format!(
        "{}new@example.com,New,Person,new@example.com\n",
        users_csv("u", 0..3)
    );
    let upload = env.upload(&app, data.as_bytes()).await;
    env.engine
        .write(&env.admin)
        .unwrap()
        .preview_import(&app.id, Some(&upload.id), ImportType::Full)
        .await
        .unwrap();
    let run = env.engine.run_next_job().await.unwrap().unwrap();
    assert!(run.preview);
    assert_adds_up(&run.counts);
    assert_eq!(run.counts.deactivated, 1, "{:?}", run.counts);
    assert_eq!(run.counts.unmatched, 1, "{:?}", run.counts);

    // The whole plan is searchable and downloads, in the plan's order.
    let read = env.engine.read(&env.admin);
    let all = read.plan_lines(&run.id, "", 0, 50).await.unwrap();
    let parts: Vec<(PlanPart, &str)> = all
        .items
        .iter()
        .map(|l| (l.part, l.login.as_str()))
        .collect();
    assert_eq!(
        parts,
        [
            (PlanPart::Create, "new@example.com"),
            (PlanPart::Deactivate, "u3@example.com")
        ]
    );
    let found = read.plan_lines(&run.id, "U3@", 0, 50).await.unwrap();
    assert_eq!(
        (found.total, found.items[0].what.as_str()),
        (1, "Deactivate")
    );
    let csv = read.plan_csv(&run.id).await.unwrap();
    assert_eq!(
        csv.lines().collect::<Vec<_>>(),
        [
            "part,login,externalId,what",
            "To queue as New,new@example.com,new@example.com,Queued: a new user once confirmed",
            "Users to deactivate,u3@example.com,u3@example.com,Deactivate",
        ]
    );
    assert_eq!(
        env.user_by_login("u3@example.com").await.status,
        engine::model::UserStatus::Active,
        "a preview changes nobody"
    );
}
