//! `muster backup`: a consistent copy of the database taken while the
//! engine goes on working, which opens as a database of its own.

use crate::support::*;
use engine::model::ImportType;

#[tokio::test]
async fn a_backup_taken_while_importing_opens_with_what_was_committed() {
    let env = Env::new().await;
    let app = env.app("HR").await;
    env.import(&app, users_csv("ann", 0..200).as_bytes(), ImportType::Full)
        .await;
    env.confirm_all(&app, true).await;
    let url = env.dir.path().join("muster.db");
    let copy = env.dir.path().join("copy.db");

    // A second import writes while the backup is taken.
    env.request_import(&app, users_csv("bob", 0..500).as_bytes(), ImportType::Full)
        .await;
    let busy = {
        let engine = env.engine.clone();
        tokio::spawn(async move { while engine.run_next_job().await.unwrap().is_some() {} })
    };
    engine::backup(&url.to_string_lossy(), &copy).await.unwrap();
    busy.await.unwrap();

    let e = engine::backup(&url.to_string_lossy(), &copy)
        .await
        .unwrap_err();
    assert!(e.to_string().contains("exists already"), "{e}");

    let restored_dir = tempfile::tempdir().unwrap();
    std::fs::copy(&copy, restored_dir.path().join("muster.db")).unwrap();
    let (restored, admin) = open_on(restored_dir.path(), DEFAULT_MAX_UPLOAD).await;
    let people = restored.read(&admin).list_users("", 0, 1000).await.unwrap();
    assert!(people.total >= 200, "the confirmed people are in the copy");
    let apps = restored.read(&admin).list_apps("").await.unwrap();
    assert_eq!(apps.len(), 1);
    assert_eq!(apps[0].name, "HR");
}

#[tokio::test]
async fn a_backup_of_a_missing_database_says_so() {
    let dir = tempfile::tempdir().unwrap();
    let e = engine::backup(
        &dir.path().join("nothing.db").to_string_lossy(),
        &dir.path().join("copy.db"),
    )
    .await
    .unwrap_err();
    assert!(e.to_string().contains("unable to open"), "{e}");
}

#[tokio::test]
async fn an_engine_is_ready_only_on_a_schema_as_new_as_its_own() {
    let env = Env::new().await;
    assert!(env.engine.ready().await);
    sql_on_stopped(
        env.dir.path(),
        "DELETE FROM _sqlx_migrations WHERE version = (SELECT MAX(version) FROM _sqlx_migrations)",
    )
    .await;
    assert!(!env.engine.ready().await);
}
