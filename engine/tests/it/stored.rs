//! What the store writes and reads back: every time in one text form,
//! Okta's `2026-11-23T14:48:29.123Z`, so times compare and sort as text the
//! way they do in time (sessions expire, schedules fall due, the System Log
//! filters on `published`); and a status, match type or queue choice it
//! does not know is an error that names it, never a default.

use crate::support::{open_on, sourced_app, sql_on_stopped, users_csv, Env, DEFAULT_MAX_UPLOAD};
use engine::model::{ImportType, MatchType};

const TIME_COLUMNS: [(&str, &str); 13] = [
    ("admins", "created"),
    ("admin_sessions", "created"),
    ("admin_sessions", "expires"),
    ("apps", "created"),
    ("users", "created"),
    ("users", "activated"),
    ("users", "last_updated"),
    ("app_assignments", "created"),
    ("uploads", "created"),
    ("import_runs", "created"),
    ("import_runs", "started"),
    ("import_runs", "finished"),
    ("events", "published"),
];

fn is_okta_time(s: &str) -> bool {
    let b = s.as_bytes();
    let digits = |r: std::ops::Range<usize>| r.into_iter().all(|i| b[i].is_ascii_digit());
    b.len() == 24
        && digits(0..4)
        && b[4] == b'-'
        && digits(5..7)
        && b[7] == b'-'
        && digits(8..10)
        && b[10] == b'T'
        && digits(11..13)
        && b[13] == b':'
        && digits(14..16)
        && b[16] == b':'
        && digits(17..19)
        && b[19] == b'.'
        && digits(20..23)
        && b[23] == b'Z'
}

#[tokio::test]
async fn every_stored_time_has_one_text_form() {
    let env = Env::new().await;
    let app = env.app("HR").await;
    env.import(&app, users_csv("u", 0..3).as_bytes(), ImportType::Full)
        .await;
    env.confirm_all(&app, true).await;

    let db = env.dir.path().join("muster.db");
    let pool = sqlx::SqlitePool::connect(&format!("sqlite://{}", db.display()))
        .await
        .unwrap();
    for (table, column) in TIME_COLUMNS {
        let values: Vec<Option<String>> =
            sqlx::query_scalar(&format!("SELECT {column} FROM {table}"))
                .fetch_all(&pool)
                .await
                .unwrap();
        let written: Vec<String> = values.into_iter().flatten().collect();
        assert!(!written.is_empty(), "{table}.{column} was never written");
        for v in written {
            assert!(is_okta_time(&v), "{table}.{column} holds {v:?}");
        }
    }
}

#[tokio::test]
async fn an_unknown_stored_value_is_an_error_that_names_it() {
    let env = Env::new().await;
    // Three users, and two more waiting in the queue.
    let app = sourced_app(&env, "HR", 3).await;
    env.import(&app, users_csv("u", 0..5).as_bytes(), ImportType::Full)
        .await;
    let dir = env.dir;
    drop(env.engine);
    // What a newer version, or a hand edit, could leave behind.
    sql_on_stopped(
        dir.path(),
        "UPDATE import_queue SET match_type = 'MAYBE' WHERE seq = (SELECT MIN(seq) FROM import_queue)",
    )
    .await;
    sql_on_stopped(dir.path(), "UPDATE users SET status = 'ON_LEAVE'").await;

    let (engine, admin) = open_on(dir.path(), DEFAULT_MAX_UPLOAD).await;
    let read = engine.read(&admin);
    let queue = read.list_queue(&app.id, None, 0, 50).await;
    let e = queue.expect_err("a queue row of an unknown match type is not read as NEW");
    assert!(e.to_string().contains("MAYBE"), "{e}");
    // The rows it can read are still there to read.
    let new = read
        .list_queue(&app.id, Some(MatchType::New), 0, 50)
        .await
        .unwrap();
    assert_eq!(new.total, 1);

    let e = read
        .list_users("", 0, 10)
        .await
        .expect_err("a user of an unknown status is not read as another");
    assert!(e.to_string().contains("ON_LEAVE"), "{e}");
}
