//! A restart while an import runs: the run goes back to the queue and goes
//! on from its last committed batch, creating nobody twice and removing
//! nobody the file still has; a preview is failed with a message and a
//! System Log event. A stop asked for ends a run after the batch in hand.

use crate::support::{at, open_on, users_csv, Env, DEFAULT_MAX_UPLOAD};
use engine::model::{ImportType, RunStatus};
use engine::store::Selection;
use engine::syslog::EventQuery;
use std::collections::BTreeMap;

#[tokio::test]
async fn an_import_interrupted_by_a_restart_goes_on_after_it() {
    let dir = tempfile::tempdir().unwrap();
    let (engine, admin) = open_on(dir.path(), DEFAULT_MAX_UPLOAD).await;
    let app = engine
        .write(&admin)
        .unwrap()
        .create_app("HR", engine::model::AppKind::CsvDirectory)
        .await
        .unwrap();

    // A first import, partly confirmed.
    let p = engine
        .write(&admin)
        .unwrap()
        .save_upload(&app.id, "x.csv", users_csv("u", 0..6).as_bytes())
        .await
        .unwrap();
    engine
        .write(&admin)
        .unwrap()
        .start_import(&app.id, Some(&p.id), ImportType::Full)
        .await
        .unwrap();
    engine.run_next_job().await.unwrap().unwrap();
    let queue = engine
        .read(&admin)
        .list_queue(&app.id, None, 0, 100)
        .await
        .unwrap()
        .items;
    let first_two = vec![queue[0].seq, queue[1].seq];
    let outcome = engine
        .write(&admin)
        .unwrap()
        .confirm_assignments(&app.id, Selection::Rows(first_two), true)
        .await
        .unwrap();
    assert_eq!(outcome.created, 2);

    // A second import, with one more person, claimed by a worker and then the process stops.
    let p = engine
        .write(&admin)
        .unwrap()
        .save_upload(&app.id, "x.csv", users_csv("u", 0..7).as_bytes())
        .await
        .unwrap();
    let run = engine
        .write(&admin)
        .unwrap()
        .start_import(&app.id, Some(&p.id), ImportType::Full)
        .await
        .unwrap();
    let claimed = engine.claim_next_run().await.unwrap().unwrap();
    assert_eq!(
        (claimed.id.as_str(), claimed.status),
        (run.id.as_str(), RunStatus::Running)
    );
    // Another Import Now asked while it ran stays queued across the restart.
    let waiting = engine
        .write(&admin)
        .unwrap()
        .start_import(&app.id, Some(&p.id), ImportType::Incremental)
        .await
        .unwrap();
    drop(engine);

    let (engine, admin) = open_on(dir.path(), DEFAULT_MAX_UPLOAD).await;
    let queued = engine.read(&admin).get_run(&run.id).await.unwrap();
    assert_eq!(queued.status, RunStatus::Queued);
    assert_eq!(queued.message.as_deref(), Some(engine::store::RESUMES));
    assert_eq!(
        engine
            .read(&admin)
            .get_run(&waiting.id)
            .await
            .unwrap()
            .status,
        RunStatus::Queued
    );
    // A second restart leaves it as it is, and the first admin is not
    // created twice.
    drop(engine);
    let (engine, admin2) = open_on(dir.path(), DEFAULT_MAX_UPLOAD).await;
    assert_eq!(admin2, admin);

    // The interrupted run goes first, then the one that waited behind it.
    let ran = engine.run_next_job().await.unwrap().unwrap();
    assert_eq!(
        (ran.id.as_str(), ran.status, ran.counts.scanned),
        (run.id.as_str(), RunStatus::Completed, 7)
    );
    let ran = engine.run_next_job().await.unwrap().unwrap();
    assert_eq!(
        (ran.id.as_str(), ran.status),
        (waiting.id.as_str(), RunStatus::Completed)
    );
    let failures = engine
        .read(&admin)
        .query_events(
            EventQuery {
                limit: 100,
                ..Default::default()
            },
            r#"eventType eq "system.import.complete" and outcome.result eq "FAILURE""#,
            "",
        )
        .await
        .unwrap()
        .events;
    assert!(failures.is_empty(), "{failures:#?}");

    let outcome = engine
        .write(&admin)
        .unwrap()
        .confirm_assignments(&app.id, Selection::All, true)
        .await
        .unwrap();
    assert_eq!(outcome.created, 5);
    assert_eq!(
        engine
            .write(&admin)
            .unwrap()
            .confirm_assignments(&app.id, Selection::All, true)
            .await
            .unwrap(),
        Default::default()
    );

    let users = engine.read(&admin).list_users("", 0, 200).await.unwrap();
    assert_eq!(users.total, 7);
    let mut per_login: BTreeMap<String, usize> = BTreeMap::new();
    for u in &users.items {
        *per_login.entry(u.login.to_lowercase()).or_default() += 1;
    }
    let expected: BTreeMap<String, usize> =
        (0..7).map(|i| (format!("u{i}@example.com"), 1)).collect();
    assert_eq!(per_login, expected, "each person exactly once");
    let app = engine.read(&admin).get_app(&app.id).await.unwrap();
    assert_eq!((app.assigned_users, app.unconfirmed), (7, 0));
}

#[tokio::test]
async fn a_stop_ends_an_import_after_its_batch_and_a_restart_goes_on_from_there() {
    let env = Env::new().await;
    let app = env.app("HR").await;
    let n = 2 * engine::sources::csv::BATCH_ROWS + 100;
    let run = env
        .request_import(&app, users_csv("u", 0..n).as_bytes(), ImportType::Full)
        .await;
    // The run is claimed, then the stop is asked for: it ends after its
    // first batch.
    let stopped = env.run_until_stopped().await;
    assert_eq!(
        (stopped.id.as_str(), stopped.status),
        (run.id.as_str(), RunStatus::Queued)
    );
    assert_eq!(
        stopped.counts.scanned as usize,
        engine::sources::csv::BATCH_ROWS
    );

    let env = env.reopen().await;
    let done = env.engine.run_next_job().await.unwrap().unwrap();
    assert_eq!(
        (done.id.as_str(), done.status),
        (run.id.as_str(), RunStatus::Completed)
    );
    assert_eq!(done.counts.scanned as usize, n);
    assert_eq!(done.counts.new as usize, n);
    assert_eq!(env.queue(&app).await.len(), n, "every row queued once");
    let starts = env.events_of_type("system.import.start").await;
    assert_eq!(starts.len(), 2);
    assert!(at(&starts[1], "/displayMessage").contains("resumed after 4096 records"));
}

#[tokio::test]
async fn a_full_import_resumed_after_a_crash_removes_nobody_the_file_still_has() {
    let env = Env::new().await;
    let n = engine::sources::csv::BATCH_ROWS + 50;
    let app = crate::support::sourced_app(&env, "HR", n).await;
    // The same people again, asked for while the engine stops (so it does
    // not start), then left RUNNING after its first batch as a crash would
    // leave it (a re-import of unchanged rows writes nothing else).
    env.request_import(&app, users_csv("u", 0..n).as_bytes(), ImportType::Full)
        .await;
    env.engine.stop(std::time::Duration::from_secs(1)).await;
    assert!(
        env.engine.claim_next_run().await.unwrap().is_none(),
        "a stopping engine starts no import"
    );
    let Env { engine, admin, dir } = env;
    drop(engine);
    crate::support::sql_on_stopped(
        dir.path(),
        "UPDATE import_runs SET status = 'RUNNING', scanned = 4096, unchanged = 4096 WHERE status = 'QUEUED'",
    )
    .await;
    let env = Env {
        engine: open_on(dir.path(), DEFAULT_MAX_UPLOAD).await.0,
        admin,
        dir,
    };
    let done = env.engine.run_next_job().await.unwrap().unwrap();
    assert_eq!(done.status, RunStatus::Completed, "{:?}", done.message);
    assert_eq!(done.counts.scanned as usize, n);
    assert_eq!(done.counts.deactivated, 0);
    assert_eq!(env.user_count().await as usize, n);
    let deactivated = env.events_of_type("user.lifecycle.deactivate").await;
    assert!(deactivated.is_empty(), "{deactivated:#?}");
}
