//! Decisions that may arrive twice or at once: Resume and Cancel of a paused
//! import, a resume cut short by a stop, and confirming while an import of
//! the app runs or waits.

use crate::support::{open_on, paused, sql_on_stopped, users_csv, Env, DEFAULT_MAX_UPLOAD};
use engine::model::{ImportType, RunStatus};
use engine::Error;

fn is_conflict<T>(r: &engine::Result<T>) -> bool {
    matches!(r, Err(Error::Conflict(_)))
}

#[tokio::test]
async fn two_resumes_at_once_remove_the_users_once() {
    let env = Env::new().await;
    let (_, run) = paused(&env).await;
    let w = env.engine.write(&env.admin).unwrap();
    let (a, b) = tokio::join!(w.resume_run(&run), w.resume_run(&run));
    assert_eq!(
        [a.is_ok(), b.is_ok()].iter().filter(|ok| **ok).count(),
        1,
        "exactly one resume wins: {a:?} / {b:?}"
    );
    assert!(is_conflict(&a) || is_conflict(&b));
    assert_eq!(
        env.events_of_type("system.import.user.delete").await.len(),
        50
    );
    assert_eq!(
        env.events_of_type("system.import.roadblock.resume")
            .await
            .len(),
        1
    );
    assert_eq!(
        env.engine
            .read(&env.admin)
            .get_run(&run)
            .await
            .unwrap()
            .status,
        RunStatus::Completed
    );
}

#[tokio::test]
async fn resume_racing_cancel_has_one_winner() {
    let env = Env::new().await;
    let (_, run) = paused(&env).await;
    let w = env.engine.write(&env.admin).unwrap();
    let (resumed, cancelled) = tokio::join!(w.resume_run(&run), w.cancel_run(&run));
    assert!(
        resumed.is_ok() != cancelled.is_ok(),
        "one of them wins: {resumed:?} / {cancelled:?}"
    );
    let deleted = env.events_of_type("system.import.user.delete").await.len();
    let resumes = env
        .events_of_type("system.import.roadblock.resume")
        .await
        .len();
    let cancels = env
        .events_of_type("system.import.roadblock.cancel")
        .await
        .len();
    if resumed.is_ok() {
        assert_eq!((deleted, resumes, cancels), (50, 1, 0));
    } else {
        assert_eq!((deleted, resumes, cancels), (0, 0, 1));
        assert_eq!(
            env.user_by_login("u149@example.com").await.status.as_str(),
            "ACTIVE"
        );
    }
    assert!(env
        .engine
        .read(&env.admin)
        .paused_runs()
        .await
        .unwrap()
        .is_empty());
}

#[tokio::test]
async fn a_cancelled_run_tells_one_outcome() {
    let env = Env::new().await;
    let (_, run) = paused(&env).await;
    let done = env
        .engine
        .write(&env.admin)
        .unwrap()
        .cancel_run(&run)
        .await
        .unwrap();
    assert_eq!(done.status, RunStatus::Completed);
    assert!(
        done.plan.is_none(),
        "the safeguard's report belongs to the paused state"
    );
    let message = done.message.unwrap_or_default();
    assert!(
        message.starts_with("Removals cancelled by admin at "),
        "{message}"
    );
    assert!(
        message.contains("50 users kept, nobody was removed"),
        "{message}"
    );
}

#[tokio::test]
async fn a_resume_cut_short_by_a_stop_finishes_when_muster_starts_again() {
    let env = Env::new().await;
    let (app, run) = paused(&env).await;
    let dir = env.dir;
    drop(env.engine);
    // Muster stopped right after the admin's Resume took the run out of PAUSED.
    sql_on_stopped(
        dir.path(),
        &format!("UPDATE import_runs SET status = 'RESUMING' WHERE id = '{run}'"),
    )
    .await;

    let (engine, admin) = open_on(dir.path(), DEFAULT_MAX_UPLOAD).await;
    let read = engine.read(&admin);
    let finished = read.get_run(&run).await.unwrap();
    assert_eq!(
        finished.status,
        RunStatus::Completed,
        "{:?}",
        finished.message
    );
    let gone = read.list_users("u149@", 0, 10).await.unwrap();
    assert_eq!(gone.items[0].status.as_str(), "DEPROVISIONED");
    let kept = read.list_users("u99@", 0, 10).await.unwrap();
    assert_eq!(kept.items[0].status.as_str(), "ACTIVE");
    // The app's import slot is free again.
    let p = engine
        .write(&admin)
        .unwrap()
        .save_upload(&app.id, "x.csv", users_csv("u", 0..100).as_bytes())
        .await
        .unwrap();
    engine
        .write(&admin)
        .unwrap()
        .start_import(&app.id, Some(&p.id), ImportType::Full)
        .await
        .unwrap();
    assert!(engine.run_next_job().await.unwrap().is_some());
}

#[tokio::test]
async fn confirm_assignments_waits_for_the_apps_import() {
    let env = Env::new().await;
    let app = env.app("HR").await;
    env.import(&app, users_csv("u", 0..3).as_bytes(), ImportType::Full)
        .await;
    env.request_import(&app, users_csv("u", 0..4).as_bytes(), ImportType::Full)
        .await;
    let w = env.engine.write(&env.admin).unwrap();
    assert!(matches!(
        w.confirm_assignments(&app.id, engine::store::Selection::All, true)
            .await,
        Err(Error::ImportBusy)
    ));
    assert_eq!(env.user_count().await, 0);
    env.engine.run_next_job().await.unwrap();
    let outcome = w
        .confirm_assignments(&app.id, engine::store::Selection::All, true)
        .await
        .unwrap();
    assert_eq!(outcome.created, 4);
}
