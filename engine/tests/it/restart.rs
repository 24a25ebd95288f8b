//! A restart while an import runs: the run is failed with a message and a
//! System Log event, and running it again creates nobody twice.

use crate::support::{at, open_on, target_ids, users_csv, DEFAULT_MAX_UPLOAD};
use engine::model::{ImportType, RunStatus};
use engine::store::Selection;
use engine::syslog::EventQuery;
use std::collections::BTreeMap;

#[tokio::test]
async fn an_import_interrupted_by_a_restart_is_failed_and_can_be_run_again() {
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
    let failed = engine.read(&admin).get_run(&run.id).await.unwrap();
    assert_eq!(failed.status, RunStatus::Failed);
    assert!(failed.finished.is_some());
    let message = failed.message.clone().unwrap_or_default();
    assert!(
        message.contains("stopped") && message.contains("run it again"),
        "{message}"
    );
    assert_eq!(
        engine
            .read(&admin)
            .get_run(&waiting.id)
            .await
            .unwrap()
            .status,
        RunStatus::Queued
    );

    let query = EventQuery {
        limit: 100,
        ..Default::default()
    };
    let events = engine
        .read(&admin)
        .query_events(
            query,
            r#"eventType eq "system.import.complete" and outcome.result eq "FAILURE""#,
            "",
        )
        .await
        .unwrap()
        .events;
    assert_eq!(events.len(), 1, "{events:#?}");
    let e = &events[0];
    assert_eq!(at(e, "/severity"), "WARN");
    assert!(at(e, "/outcome/reason").contains("stopped"), "{e}");
    assert_eq!(at(e, "/debugContext/debugData/jobId"), run.id);
    assert_eq!(at(e, "/transaction/id"), run.id);
    assert_eq!(target_ids(e, "ImportRun"), std::slice::from_ref(&run.id));

    // A second restart does not fail it again or log it twice.
    drop(engine);
    let (engine, admin2) = open_on(dir.path(), DEFAULT_MAX_UPLOAD).await;
    assert_eq!(admin2, admin, "the first admin is not created twice");
    let again = engine
        .read(&admin)
        .query_events(
            EventQuery {
                limit: 100,
                ..Default::default()
            },
            r#"eventType eq "system.import.complete""#,
            "",
        )
        .await
        .unwrap()
        .events;
    assert_eq!(
        again
            .iter()
            .filter(|e| at(e, "/outcome/result") == "FAILURE")
            .count(),
        1
    );

    // The queued run goes next, then the import is asked for again.
    let ran = engine.run_next_job().await.unwrap().unwrap();
    assert_eq!(
        (ran.id.as_str(), ran.status),
        (waiting.id.as_str(), RunStatus::Completed)
    );
    engine
        .write(&admin)
        .unwrap()
        .start_import(&app.id, Some(&p.id), ImportType::Full)
        .await
        .unwrap();
    let ran = engine.run_next_job().await.unwrap().unwrap();
    assert_eq!(ran.status, RunStatus::Completed, "{:?}", ran.message);
    assert_eq!(ran.counts.scanned, 7);

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
