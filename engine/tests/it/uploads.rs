//! Uploads cannot fill the disk or be swapped under an import: a server
//! short of disk refuses them before writing, and a file that is not as it
//! was accepted (its size or its rows) fails the import before anyone is
//! removed for missing from it.

use crate::support::*;
use engine::model::{ImportType, RunStatus, UserStatus};
use engine::Error;

#[tokio::test]
async fn an_upload_is_refused_when_the_disk_is_short_and_nothing_is_written() {
    let env = Env::configured(|c| c.min_free_disk_bytes = u64::MAX / 4).await;
    let (engine, admin, dir) = (&env.engine, &env.admin, &env.dir);
    let w = engine.write(admin).unwrap();
    let app = w
        .create_app("HR", engine::model::AppKind::CsvDirectory)
        .await
        .unwrap();
    let e = w
        .save_upload(&app.id, "users.csv", users_csv("u", 0..3).as_bytes())
        .await
        .unwrap_err();
    assert!(matches!(e, Error::DiskFull { .. }), "{e}");
    assert!(
        e.to_string()
            .starts_with("The server's disk is almost full ("),
        "{e}"
    );
    assert_eq!(
        std::fs::read_dir(dir.path().join("uploads"))
            .unwrap()
            .count(),
        0
    );
}

#[tokio::test]
async fn a_file_that_lost_rows_since_its_upload_removes_nobody() {
    let env = Env::new().await;
    let app = sourced_app(&env, "HR", 10).await;
    let preview = env.upload(&app, users_csv("u", 0..10).as_bytes()).await;
    // The stored file is changed on disk: its last five rows become blank
    // lines of the same length, so its size is what was accepted.
    let path = env
        .upload_files()
        .into_iter()
        .find(|p| p.to_string_lossy().contains(&preview.id))
        .unwrap();
    let text = std::fs::read_to_string(&path).unwrap();
    let changed: String = text
        .lines()
        .enumerate()
        .map(|(i, l)| match i {
            6.. => " ".repeat(l.len()),
            _ => l.to_owned(),
        })
        .collect::<Vec<_>>()
        .join("\n")
        + "\n";
    assert_eq!(changed.len(), text.len());
    std::fs::write(&path, changed).unwrap();

    let run = env
        .engine
        .write(&env.admin)
        .unwrap()
        .start_import(&app.id, Some(&preview.id), ImportType::Full)
        .await
        .unwrap();
    while env.engine.run_next_job().await.unwrap().is_some() {}
    let run = env.engine.read(&env.admin).get_run(&run.id).await.unwrap();
    assert_eq!(run.status, RunStatus::Failed);
    assert_eq!(
        run.message.as_deref(),
        Some("The file is not as it was uploaded: it had 10 rows and has 5 now. Upload it again.")
    );
    let users = env.users().await;
    assert_eq!(users.len(), 10);
    assert!(users.iter().all(|u| u.status == UserStatus::Active));
}

#[tokio::test]
async fn uploads_past_their_retention_are_deleted_and_the_history_says_so() {
    let env = Env::configured(|c| {
        c.upload_retention = Some(std::time::Duration::from_secs(30 * 24 * 3600))
    })
    .await;
    let app = env.app("HR").await;
    let run = env
        .import(&app, users_csv("u", 0..3).as_bytes(), ImportType::Full)
        .await;
    let scheduled = env.app("Payroll").await;
    env.import(
        &scheduled,
        users_csv("p", 0..2).as_bytes(),
        ImportType::Full,
    )
    .await;
    env.configure(&scheduled, |s| {
        s.full_schedule = engine::settings::Schedule {
            frequency: engine::settings::Frequency::Daily,
            interval: 1,
        };
    })
    .await;
    assert_eq!(env.engine.delete_expired_uploads().await.unwrap(), 0);
    let later = chrono::Utc::now() + chrono::Duration::days(31);
    assert_eq!(
        env.engine.delete_uploads_expired_at(later).await.unwrap(),
        1,
        "the scheduled app's newest upload is kept for its next import"
    );
    let files = env.upload_files();
    assert_eq!(files.len(), 1);
    let run = env.engine.read(&env.admin).get_run(&run.id).await.unwrap();
    let file = run.file.unwrap();
    assert_eq!(file.name, "x.csv");
    assert!(file.deleted.is_some());
    let e = env
        .engine
        .write(&env.admin)
        .unwrap()
        .start_import(&app.id, run.upload_id.as_deref(), ImportType::Full)
        .await
        .unwrap_err();
    assert!(
        e.to_string().starts_with("The file x.csv was deleted on "),
        "{e}"
    );
    assert!(e.to_string().ends_with("upload it again"), "{e}");
    assert_eq!(
        env.engine.delete_uploads_expired_at(later).await.unwrap(),
        0
    );
}
