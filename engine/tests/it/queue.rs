//! The import queue: matching against the directory, confirming new and
//! matched rows, and one import at a time per app.

use crate::support::{open_on, sql_on_stopped, target_ids, users_csv, Env, HEADER};
use engine::model::{ImportType, MatchType, RunStatus};
use engine::store::Selection;
use std::collections::BTreeMap;

/// A directory of four users, created by confirming a first import.
async fn directory(env: &Env) -> BTreeMap<String, String> {
    let hr = env.app("HR").await;
    let data = format!(
        "{HEADER}\nann@example.com,Ann,Lee,ann@example.com\nbob@example.com,Bob,Smith,bob@example.com\n\
         carl@example.com,Carl,Jones,carl@example.com\ndave@example.com,Dave,Day,dave@example.com\n"
    );
    env.import(&hr, data.as_bytes(), ImportType::Full).await;
    let outcome = env.confirm_all(&hr, true).await;
    assert_eq!(outcome.created, 4);
    env.users()
        .await
        .into_iter()
        .map(|u| (u.login, u.id))
        .collect()
}

#[tokio::test]
async fn existing_users_match_by_email_and_confirming_links_them() {
    let env = Env::new().await;
    let ids = directory(&env).await;
    assert_eq!(env.user_count().await, 4);

    let app = env.app("Okta 2").await;
    env.configure(&app, |s| {
        s.matching.username = false;
        s.matching.email = true;
    })
    .await;
    let data = format!(
        "{HEADER}\n\
         ann.lee,Ann,Lee,ANN@EXAMPLE.COM\n\
         robert,Bob,Smith,BOB@example.com\n\
         carl@example.com,Carl,Jones,carl.j@example.com\n\
         erin@example.com,Erin,Evans,erin@example.com\n"
    );
    let run = env.import(&app, data.as_bytes(), ImportType::Full).await;
    assert_eq!(run.status, RunStatus::Completed);
    assert_eq!(
        (run.counts.new, run.counts.matched, run.counts.conflicts),
        (4, 2, 1)
    );

    let queue = env.queue(&app).await;
    let by_login = |login: &str| queue.iter().find(|r| r.login == login).unwrap().clone();
    let ann = by_login("ann.lee");
    assert_eq!(ann.match_type, MatchType::Exact, "same email, other case");
    assert_eq!(
        ann.matched_user_id.as_deref(),
        Some(ids["ann@example.com"].as_str())
    );
    assert_eq!(ann.matched_user_login.as_deref(), Some("ann@example.com"));
    let bob = by_login("robert");
    assert_eq!(bob.match_type, MatchType::Exact, "same email");
    assert_eq!(
        bob.matched_user_id.as_deref(),
        Some(ids["bob@example.com"].as_str())
    );
    let carl = by_login("carl@example.com");
    assert_eq!(
        carl.match_type,
        MatchType::Conflict,
        "no email matches, and another user has the login"
    );
    assert_eq!(
        (carl.matched_user_id.as_deref(), carl.candidates),
        (None, 1)
    );
    assert_eq!(
        carl.candidate_users
            .iter()
            .map(|u| (u.id.as_str(), u.login.as_str()))
            .collect::<Vec<_>>(),
        [(ids["carl@example.com"].as_str(), "carl@example.com")]
    );
    let erin = by_login("erin@example.com");
    assert_eq!((erin.match_type, erin.candidates), (MatchType::New, 0));

    assert_eq!(env.queue_of(&app, MatchType::Exact).await.len(), 2);
    assert_eq!(env.queue_of(&app, MatchType::Conflict).await.len(), 1);

    // Confirming the exact matches links them; nobody is created.
    let outcome = env
        .engine
        .write(&env.admin)
        .unwrap()
        .confirm_assignments(&app.id, Selection::Rows(vec![ann.seq, bob.seq]), true)
        .await
        .unwrap();
    assert_eq!(
        (outcome.created, outcome.linked, outcome.skipped),
        (0, 2, 0)
    );
    assert_eq!(env.user_count().await, 4);
    let refreshed = env.refresh(&app).await;
    assert_eq!((refreshed.assigned_users, refreshed.unconfirmed), (2, 2));
    let confirms = env.events_of_type("system.import.user_match.confirm").await;
    assert_eq!(confirms.len(), 2);
    let mut linked: Vec<String> = confirms
        .iter()
        .flat_map(|e| target_ids(e, "User"))
        .collect();
    linked.sort();
    let mut expected = vec![
        ids["ann@example.com"].clone(),
        ids["bob@example.com"].clone(),
    ];
    expected.sort();
    assert_eq!(linked, expected);
    assert_eq!(target_ids(&confirms[0], "AppUser").len(), 1);

    // Confirming the rest creates the new user and leaves the conflict for a decision.
    let outcome = env.confirm_all(&app, false).await;
    assert_eq!(
        (outcome.created, outcome.linked, outcome.skipped),
        (1, 0, 1)
    );
    assert_eq!(env.user_count().await, 5);
    let left = env.queue(&app).await;
    assert_eq!(left.len(), 1);
    assert_eq!(left[0].match_type, MatchType::Conflict);
    assert_eq!(env.refresh(&app).await.assigned_users, 3);

    // A new import of the same file does not queue the linked users again.
    let again = env.import(&app, data.as_bytes(), ImportType::Full).await;
    assert_eq!((again.counts.unchanged, again.counts.new), (4, 0));
    assert_eq!(
        env.queue(&app).await.len(),
        1,
        "only the conflict is still waiting"
    );
}

#[tokio::test]
async fn confirming_new_rows_creates_users_staged_or_active_once() {
    let env = Env::new().await;
    let app = env.app("Directory").await;
    let data = users_csv("u", 0..5);
    env.import(&app, data.as_bytes(), ImportType::Full).await;
    let queue = env.queue(&app).await;
    assert_eq!(queue.len(), 5);

    // Only the chosen rows.
    let chosen = vec![queue[1].seq, queue[3].seq];
    let outcome = env
        .engine
        .write(&env.admin)
        .unwrap()
        .confirm_assignments(&app.id, Selection::Rows(chosen), false)
        .await
        .unwrap();
    assert_eq!(
        (outcome.created, outcome.activated, outcome.linked),
        (2, 0, 0)
    );
    let users = env.users().await;
    assert_eq!(users.len(), 2);
    for u in &users {
        assert_eq!(u.status.as_str(), "STAGED");
        assert!(u.activated.is_none());
        assert!(
            ["u1@example.com", "u3@example.com"].contains(&u.login.as_str()),
            "{}",
            u.login
        );
    }
    let left: Vec<String> = env.queue(&app).await.into_iter().map(|r| r.login).collect();
    assert_eq!(left, ["u0@example.com", "u2@example.com", "u4@example.com"]);
    assert_eq!(env.refresh(&app).await.assigned_users, 2);

    // The rest, activated.
    let outcome = env.confirm_all(&app, true).await;
    assert_eq!((outcome.created, outcome.activated), (3, 3));
    for login in ["u0@example.com", "u2@example.com", "u4@example.com"] {
        let u = env.user_by_login(login).await;
        assert_eq!(u.status.as_str(), "ACTIVE");
        assert!(u.activated.is_some());
    }
    assert_eq!(
        env.user_by_login("u1@example.com").await.status.as_str(),
        "STAGED"
    );

    // Confirming again, or importing the same file again and confirming, creates nobody twice.
    assert_eq!(env.confirm_all(&app, true).await, Default::default());
    let again = env.import(&app, data.as_bytes(), ImportType::Full).await;
    assert_eq!((again.counts.unchanged, again.counts.new), (5, 0));
    assert!(env.queue(&app).await.is_empty());
    assert_eq!(env.confirm_all(&app, true).await, Default::default());
    assert_eq!(env.user_count().await, 5);
    let refreshed = env.refresh(&app).await;
    assert_eq!((refreshed.assigned_users, refreshed.unconfirmed), (5, 0));

    // A second app with the same people: every row is an exact match.
    let second = env.app("Directory 2").await;
    let run = env.import(&second, data.as_bytes(), ImportType::Full).await;
    assert_eq!(run.counts.matched, 5);
    let outcome = env.confirm_all(&second, true).await;
    assert_eq!((outcome.created, outcome.linked), (0, 5));
    assert_eq!(env.user_count().await, 5);
    assert_eq!(env.refresh(&second).await.assigned_users, 5);

    // What the System Log says.
    let count = |events: Vec<serde_json::Value>| events.len();
    assert_eq!(count(env.events_of_type("user.lifecycle.create").await), 5);
    assert_eq!(
        count(env.events_of_type("user.lifecycle.activate").await),
        3
    );
    assert_eq!(
        count(env.events_of_type("application.user_membership.add").await),
        10
    );
    assert_eq!(
        count(env.events_of_type("system.import.user_match.confirm").await),
        5
    );
    let creates = env.events_of_type("user.lifecycle.create").await;
    let mut created_ids: Vec<String> = creates.iter().flat_map(|e| target_ids(e, "User")).collect();
    created_ids.sort();
    let mut user_ids: Vec<String> = env.users().await.into_iter().map(|u| u.id).collect();
    user_ids.sort();
    assert_eq!(created_ids, user_ids);
    let adds = env.events_of_type("application.user_membership.add").await;
    assert!(adds.iter().all(|e| target_ids(e, "AppInstance").len() == 1));
    assert_eq!(creates[0]["actor"]["alternateId"], "admin");
}

#[tokio::test]
async fn a_login_taken_after_the_import_is_linked_not_duplicated() {
    // Two apps import the same person; the first confirmation creates the
    // user, the second app's NEW row must not create a second one.
    let env = Env::new().await;
    let a = env.app("A").await;
    let b = env.app("B").await;
    let data = users_csv("p", 0..3);
    env.import(&a, data.as_bytes(), ImportType::Full).await;
    env.import(&b, data.as_bytes(), ImportType::Full).await;
    assert_eq!(env.queue_of(&b, MatchType::New).await.len(), 3);
    assert_eq!(env.confirm_all(&a, true).await.created, 3);

    let outcome = env.confirm_all(&b, true).await;
    assert_eq!(outcome.created, 0);
    assert_eq!(env.user_count().await, 3);
    // The rows became exact matches of the users who now have the logins.
    let exact = env.queue_of(&b, MatchType::Exact).await;
    assert_eq!(exact.len(), 3);
    let outcome = env.confirm_all(&b, true).await;
    assert_eq!((outcome.created, outcome.linked), (0, 3));
    assert_eq!(env.user_count().await, 3);
    assert_eq!(env.refresh(&b).await.assigned_users, 3);
}

#[tokio::test]
async fn a_second_import_now_waits_for_the_first() {
    let env = Env::new().await;
    let app = env.app("Busy").await;
    let data = users_csv("u", 0..3);
    let p = env.upload(&app, data.as_bytes()).await;
    let first = env
        .engine
        .write(&env.admin)
        .unwrap()
        .start_import(&app.id, Some(&p.id), ImportType::Full)
        .await
        .unwrap();
    let second = env
        .engine
        .write(&env.admin)
        .unwrap()
        .start_import(&app.id, Some(&p.id), ImportType::Full)
        .await
        .unwrap();
    let runs = env
        .engine
        .read(&env.admin)
        .list_runs(&app.id, 10)
        .await
        .unwrap();
    assert_eq!(runs.len(), 2);
    assert!(runs.iter().all(|r| r.status == RunStatus::Queued));

    let ran = env.engine.run_next_job().await.unwrap().unwrap();
    assert_eq!(ran.id, first.id, "the first asked runs first");
    assert_eq!(ran.status, RunStatus::Completed);
    assert_eq!(ran.counts.new, 3);
    assert_eq!(
        env.engine
            .read(&env.admin)
            .get_run(&second.id)
            .await
            .unwrap()
            .status,
        RunStatus::Queued
    );

    let ran = env.engine.run_next_job().await.unwrap().unwrap();
    assert_eq!(ran.id, second.id);
    assert_eq!(ran.status, RunStatus::Completed);
    assert_eq!(
        (ran.counts.new, ran.counts.unchanged),
        (0, 3),
        "the second ran after the first had staged"
    );
    let first = env
        .engine
        .read(&env.admin)
        .get_run(&first.id)
        .await
        .unwrap();
    assert!(
        ran.started.unwrap() >= first.finished.unwrap(),
        "{first:?} / {ran:?}"
    );
    assert!(env.engine.run_next_job().await.unwrap().is_none());
    assert_eq!(
        env.queue(&app).await.len(),
        3,
        "one queue row per person, not per run"
    );
}

#[tokio::test]
async fn an_app_with_a_running_import_is_not_claimed_again() {
    let env = Env::new().await;
    let a = env.app("A").await;
    let b = env.app("B").await;
    let pa = env.upload(&a, users_csv("a", 0..2).as_bytes()).await;
    let pb = env.upload(&b, users_csv("b", 0..2).as_bytes()).await;
    let a1 = env
        .engine
        .write(&env.admin)
        .unwrap()
        .start_import(&a.id, Some(&pa.id), ImportType::Full)
        .await
        .unwrap();
    let a2 = env
        .engine
        .write(&env.admin)
        .unwrap()
        .start_import(&a.id, Some(&pa.id), ImportType::Incremental)
        .await
        .unwrap();
    let b1 = env
        .engine
        .write(&env.admin)
        .unwrap()
        .start_import(&b.id, Some(&pb.id), ImportType::Full)
        .await
        .unwrap();

    let claimed = env.engine.claim_next_run().await.unwrap().unwrap();
    assert_eq!(
        (claimed.id.as_str(), claimed.status),
        (a1.id.as_str(), RunStatus::Running)
    );
    assert!(claimed.started.is_some());
    let claimed = env.engine.claim_next_run().await.unwrap().unwrap();
    assert_eq!(
        claimed.id, b1.id,
        "another app's import may start meanwhile"
    );
    assert!(
        env.engine.claim_next_run().await.unwrap().is_none(),
        "A's second import waits while A's first runs"
    );
    assert!(env.engine.run_next_job().await.unwrap().is_none());
    assert_eq!(
        env.engine
            .read(&env.admin)
            .get_run(&a2.id)
            .await
            .unwrap()
            .status,
        RunStatus::Queued
    );

    // Once the first is over (here: cut short by a restart, it goes on
    // first and ends), the second may start.
    let dir = env.dir;
    drop(env.engine);
    let (engine, admin) = open_on(dir.path(), crate::support::DEFAULT_MAX_UPLOAD).await;
    assert_eq!(
        engine.read(&admin).get_run(&a1.id).await.unwrap().status,
        RunStatus::Queued
    );
    let ran = engine.run_next_job().await.unwrap().unwrap();
    assert_eq!(
        (ran.id.as_str(), ran.status),
        (a1.id.as_str(), RunStatus::Completed)
    );
    let ran = engine.run_next_job().await.unwrap().unwrap();
    assert_eq!(ran.id, a2.id);
    assert_eq!(ran.status, RunStatus::Completed);
    assert_eq!(ran.import_type, ImportType::Incremental);
    let ran = engine.run_next_job().await.unwrap().unwrap();
    assert_eq!(
        (ran.id.as_str(), ran.status),
        (b1.id.as_str(), RunStatus::Completed)
    );
    assert!(engine.run_next_job().await.unwrap().is_none());
}

#[tokio::test]
async fn a_large_selection_is_confirmed_whole_in_any_order() {
    let env = Env::new().await;
    let app = env.app("Large").await;
    let n = engine::queue::CONFIRM_BATCH + 501;
    env.import(&app, users_csv("u", 0..n).as_bytes(), ImportType::Full)
        .await;
    let seqs: Vec<i64> = env.queue(&app).await.iter().map(|r| r.seq).collect();
    assert_eq!(seqs.len(), n);

    // The first CONFIRM_BATCH rows, chosen newest first.
    let mut first: Vec<i64> = seqs[..engine::queue::CONFIRM_BATCH].to_vec();
    first.reverse();
    let outcome = env
        .engine
        .write(&env.admin)
        .unwrap()
        .confirm_assignments(&app.id, Selection::Rows(first), true)
        .await
        .unwrap();
    assert_eq!(outcome.created, engine::queue::CONFIRM_BATCH as i64);

    // Every row, newest first and with repeats, of which most are confirmed already.
    let mut all: Vec<i64> = seqs.iter().rev().copied().collect();
    all.extend_from_slice(&seqs[..10]);
    let outcome = env
        .engine
        .write(&env.admin)
        .unwrap()
        .confirm_assignments(&app.id, Selection::Rows(all), true)
        .await
        .unwrap();
    assert_eq!(outcome.created, 501);
    assert_eq!(env.user_count().await, n as i64);
    assert!(env.queue(&app).await.is_empty());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn confirmations_at_the_same_time_neither_fail_nor_duplicate() {
    let env = Env::new().await;
    let a = env.app("A").await;
    let b = env.app("B").await;
    let c = env.app("C").await;
    env.import(&a, users_csv("a", 0..3000).as_bytes(), ImportType::Full)
        .await;
    env.import(&b, users_csv("b", 0..3000).as_bytes(), ImportType::Full)
        .await;
    env.import(&c, users_csv("c", 0..3000).as_bytes(), ImportType::Full)
        .await;

    // Two apps at once, and the same app twice at once (a double submission).
    let confirm = |app_id: String| {
        let engine = env.engine.clone();
        let admin = env.admin.clone();
        tokio::spawn(async move {
            engine
                .write(&admin)
                .unwrap()
                .confirm_assignments(&app_id, Selection::All, true)
                .await
        })
    };
    let tasks = [
        confirm(a.id.clone()),
        confirm(b.id.clone()),
        confirm(c.id.clone()),
        confirm(c.id.clone()),
    ];
    let mut outcomes = Vec::new();
    for t in tasks {
        outcomes.push(
            t.await
                .unwrap()
                .expect("a confirmation running beside another succeeds"),
        );
    }
    assert_eq!(outcomes[0].created, 3000);
    assert_eq!(outcomes[1].created, 3000);
    assert_eq!(
        outcomes[2].created + outcomes[3].created,
        3000,
        "{outcomes:?}"
    );
    assert_eq!(env.user_count().await, 9000);
    assert_eq!(
        env.count_events(r#"eventType eq "user.lifecycle.create""#)
            .await,
        9000,
        "one create event per user"
    );
    let c = env.refresh(&c).await;
    assert_eq!((c.assigned_users, c.unconfirmed), (3000, 0));
}

#[tokio::test]
async fn confirming_all_of_one_match_type_leaves_the_other_types() {
    let env = Env::new().await;
    directory(&env).await;
    let app = env.app("Filtered").await;
    env.configure(&app, |s| s.matching.email = true).await;
    let data = format!(
        "{HEADER}\n\
         ann@example.com,Ann,Lee,ann@example.com\n\
         carl@example.com,Carl,Jones,dave@example.com\n\
         erin@example.com,Erin,Evans,erin@example.com\n\
         fay@example.com,Fay,Fox,fay@example.com\n"
    );
    env.import(&app, data.as_bytes(), ImportType::Full).await;

    // Confirm all, with the queue filtered to new users.
    let outcome = env
        .engine
        .write(&env.admin)
        .unwrap()
        .confirm_assignments(&app.id, Selection::AllOfType(MatchType::New), true)
        .await
        .unwrap();
    assert_eq!(
        (outcome.created, outcome.linked, outcome.skipped),
        (2, 0, 0)
    );
    let left: Vec<(String, MatchType)> = env
        .queue(&app)
        .await
        .into_iter()
        .map(|r| (r.login, r.match_type))
        .collect();
    assert_eq!(
        left,
        [
            ("ann@example.com".to_string(), MatchType::Exact),
            ("carl@example.com".to_string(), MatchType::Conflict)
        ]
    );

    // Then the exact matches.
    let outcome = env
        .engine
        .write(&env.admin)
        .unwrap()
        .confirm_assignments(&app.id, Selection::AllOfType(MatchType::Exact), true)
        .await
        .unwrap();
    assert_eq!(
        (outcome.created, outcome.linked, outcome.skipped),
        (0, 1, 0)
    );
    assert_eq!(env.queue(&app).await.len(), 1);
    assert_eq!(env.user_count().await, 6);
    assert_eq!(env.refresh(&app).await.assigned_users, 3);
}

#[tokio::test]
async fn clear_unconfirmed_users_clears_the_queue_and_a_full_import_restores_it() {
    let env = Env::new().await;
    let app = env.app("Contractors").await;
    let data = users_csv("c", 0..5);
    env.import(&app, data.as_bytes(), ImportType::Full).await;
    let queue = env.queue(&app).await;
    assert_eq!(queue.len(), 5);

    // Beyond Okta: only the chosen rows.
    let chosen = vec![queue[0].seq, queue[3].seq];
    let cleared = env
        .engine
        .write(&env.admin)
        .unwrap()
        .clear_unconfirmed(&app.id, Selection::Rows(chosen.clone()))
        .await
        .unwrap();
    assert_eq!(cleared, 2);
    let left: Vec<i64> = env.queue(&app).await.iter().map(|r| r.seq).collect();
    assert_eq!(left.len(), 3);
    assert!(chosen.iter().all(|s| !left.contains(s)));

    // Okta's button: the whole queue.
    assert_eq!(
        env.engine
            .write(&env.admin)
            .unwrap()
            .clear_unconfirmed(&app.id, Selection::All)
            .await
            .unwrap(),
        3
    );
    assert!(env.queue(&app).await.is_empty());
    let summaries = env
        .events_of_type("system.import.clear.unconfirmed.users.summary")
        .await;
    assert_eq!(summaries.len(), 2);
    let mut counts: Vec<i64> = summaries
        .iter()
        .filter_map(|e| e["debugContext"]["debugData"]["clearedUsers"].as_i64())
        .collect();
    counts.sort_unstable();
    assert_eq!(counts, [2, 3]);
    assert_eq!(
        env.user_count().await,
        0,
        "clearing creates and removes no users"
    );

    // An incremental import of the same file does not bring them back; a full one does.
    env.import(&app, data.as_bytes(), ImportType::Incremental)
        .await;
    assert!(env.queue(&app).await.is_empty());
    env.import(&app, data.as_bytes(), ImportType::Full).await;
    assert_eq!(env.queue(&app).await.len(), 5);
}

#[tokio::test]
async fn clear_unconfirmed_users_is_refused_while_an_import_waits_or_runs() {
    let env = Env::new().await;
    let app = env.app("HR").await;
    env.import(&app, users_csv("h", 0..3).as_bytes(), ImportType::Full)
        .await;
    let upload = env.upload(&app, users_csv("h", 0..4).as_bytes()).await;
    env.engine
        .write(&env.admin)
        .unwrap()
        .start_import(&app.id, Some(&upload.id), ImportType::Full)
        .await
        .unwrap();
    let refused = env
        .engine
        .write(&env.admin)
        .unwrap()
        .clear_unconfirmed(&app.id, Selection::All)
        .await;
    assert!(
        matches!(refused, Err(engine::Error::ImportBusy)),
        "{refused:?}"
    );
    assert_eq!(env.queue(&app).await.len(), 3, "nothing was cleared");
    env.engine.run_next_job().await.unwrap();
    assert_eq!(
        env.engine
            .write(&env.admin)
            .unwrap()
            .clear_unconfirmed(&app.id, Selection::All)
            .await
            .unwrap(),
        4
    );
}

#[tokio::test]
async fn logins_and_emails_match_ignoring_case_in_any_script() {
    let env = Env::new().await;
    let hr = env.app("HR").await;
    let data = format!(
        "{HEADER}\nstraße@example.com,Jörg,Groß,jörg@example.com\nσίσυφος,Sisyphos,Korinth,sisyphos@example.com\n"
    );
    env.import(&hr, data.as_bytes(), ImportType::Full).await;
    assert_eq!(env.confirm_all(&hr, true).await.created, 2);

    // Another app has the same people, their logins in capitals.
    let crm = env.app("CRM").await;
    let data = format!(
        "{HEADER}\nSTRASSE@EXAMPLE.COM,Jörg,Groß,JÖRG@example.com\nΣΊΣΥΦΟΣ,Sisyphos,Korinth,sisyphos@example.com\n"
    );
    env.import(&crm, data.as_bytes(), ImportType::Full).await;
    let queue = env.queue(&crm).await;
    let matched: Vec<(MatchType, Option<&str>)> = queue
        .iter()
        .map(|q| (q.match_type, q.matched_user_login.as_deref()))
        .collect();
    assert_eq!(
        matched,
        [
            (MatchType::Exact, Some("straße@example.com")),
            (MatchType::Exact, Some("σίσυφος"))
        ]
    );
    // Confirming links them: nobody is created twice.
    env.confirm_all(&crm, true).await;
    assert_eq!(env.user_count().await, 2);
}

#[tokio::test]
async fn users_stored_before_folded_keys_get_them_when_the_store_opens() {
    let env = Env::new().await;
    let hr = env.app("HR").await;
    let data = format!("{HEADER}\nstraße@example.com,Jörg,Groß,jörg@example.com\n");
    env.import(&hr, data.as_bytes(), ImportType::Full).await;
    env.confirm_all(&hr, true).await;
    let dir = env.dir;
    drop(env.engine);
    sql_on_stopped(
        dir.path(),
        "UPDATE users SET login_key = NULL, email_key = NULL",
    )
    .await;

    let (engine, admin) = open_on(dir.path(), crate::support::DEFAULT_MAX_UPLOAD).await;
    let env = Env { engine, admin, dir };
    let crm = env.app("CRM").await;
    let data = format!("{HEADER}\nSTRASSE@example.com,Jörg,Groß,JÖRG@example.com\n");
    env.import(&crm, data.as_bytes(), ImportType::Full).await;
    let queue = env.queue(&crm).await;
    assert_eq!(queue[0].match_type, MatchType::Exact);
    assert_eq!(
        queue[0].matched_user_login.as_deref(),
        Some("straße@example.com")
    );
    // Creating a new user with that login is refused by the filled key:
    // the row is matched to the owner again instead of duplicating them.
    env.engine
        .write(&env.admin)
        .unwrap()
        .set_queue_action(
            &crm.id,
            queue[0].seq,
            engine::model::QueueAction::Create,
            false,
        )
        .await
        .unwrap();
    let outcome = env.confirm_all(&crm, true).await;
    assert_eq!((outcome.created, outcome.skipped), (0, 1));
    assert_eq!(env.user_count().await, 1);
}
