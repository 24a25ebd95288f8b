//! One account per person per app: the queue never links a person to a
//! second account of an app (whose imports would then write two profiles
//! into theirs), linking someone another app sources takes a confirmation,
//! and an account can be unlinked.

use crate::support::{at, open_on, sql_on_stopped, target_ids, Env, DEFAULT_MAX_UPLOAD, HEADER};
use engine::model::{App, ImportType, MatchType, QueueAction, QueueActionOutcome, QueueRow};
use engine::store::Selection;
use engine::Error;

/// A People filter by text, with or without deactivated people.
fn people(search: &str, include_deactivated: bool) -> engine::model::PeopleFilter {
    engine::model::PeopleFilter {
        search: search.to_owned(),
        include_deactivated,
        ..Default::default()
    }
}

const ANN_AND_BOB: &str = "ann.lee,Ann,Lee,ann@example.com\nbob.ray,Bob,Ray,bob@example.com\n";

/// HR, which sources Ann Lee (`ann.lee`) and Bob Ray (`bob.ray`), imported
/// and confirmed.
async fn hr(env: &Env) -> App {
    let hr = env.app("HR").await;
    let data = format!("{HEADER}\n{ANN_AND_BOB}");
    env.import(&hr, data.as_bytes(), ImportType::Full).await;
    assert_eq!(env.confirm_all(&hr, true).await.created, 2);
    hr
}

fn row<'a>(queue: &'a [QueueRow], login: &str) -> &'a QueueRow {
    queue
        .iter()
        .find(|r| r.login == login)
        .unwrap_or_else(|| panic!("{login} is in the queue: {queue:?}"))
}

async fn set_action(
    env: &Env,
    app: &App,
    seq: i64,
    action: QueueAction,
    confirmed: bool,
) -> engine::Result<QueueActionOutcome> {
    env.engine
        .write(&env.admin)
        .unwrap()
        .set_queue_action(&app.id, seq, action, confirmed)
        .await
}

#[tokio::test]
async fn linking_a_row_to_a_person_with_an_account_in_the_app_is_refused_naming_it() {
    let env = Env::new().await;
    let hr = hr(&env).await;
    let data = format!("{HEADER}\n{ANN_AND_BOB}carl.day,Carl,Day,carl@example.com\n");
    env.import(&hr, data.as_bytes(), ImportType::Full).await;
    let queue = env.queue(&hr).await;
    let carl = row(&queue, "carl.day");
    let ann = env.user_by_login("ann.lee").await;

    let refused = set_action(&env, &hr, carl.seq, QueueAction::Link(Some(ann.id)), true).await;
    match refused {
        Err(Error::Conflict(message)) => assert_eq!(
            message,
            "Ann Lee (ann.lee) already has an account in HR: ann.lee (external id ann.lee). \
             A person has one account per app."
        ),
        other => panic!("the link is refused as a conflict: {other:?}"),
    }
    let queue = env.queue(&hr).await;
    let carl = row(&queue, "carl.day");
    assert_eq!((carl.action, carl.action_user_id.as_deref()), (None, None));
    assert!(env
        .events_of_type("system.import.user_match.update")
        .await
        .is_empty());
}

#[tokio::test]
async fn a_match_on_a_person_with_an_account_in_the_app_is_not_linked_and_their_profile_stays() {
    let env = Env::new().await;
    let hr = hr(&env).await;
    env.configure(&hr, |s| {
        s.matching.username = false;
        s.matching.email = true;
    })
    .await;
    // Another HR account with Ann's email: an exact match on Ann, who has
    // her own HR account.
    let data = format!("{HEADER}\n{ANN_AND_BOB}anne.leigh,Anne,Leigh,ann@example.com\n");
    env.import(&hr, data.as_bytes(), ImportType::Full).await;
    let queue = env.queue(&hr).await;
    let anne = row(&queue, "anne.leigh");
    assert_eq!(anne.match_type, MatchType::Exact);
    assert_eq!(anne.matched_user_login.as_deref(), Some("ann.lee"));

    let outcome = env.confirm_all(&hr, false).await;
    assert_eq!(
        (outcome.linked, outcome.skipped, outcome.refused),
        (0, 1, 1)
    );
    assert_eq!(
        outcome.problems,
        ["anne.leigh: Ann Lee (ann.lee) already has an account in HR: ann.lee (external id ann.lee). \
          A person has one account per app."]
    );
    assert_eq!(
        env.queue(&hr).await.len(),
        1,
        "the row waits for a decision"
    );

    // The next import writes only Ann's own account into her profile.
    env.import(&hr, data.as_bytes(), ImportType::Full).await;
    let ann = env.user_by_login("ann.lee").await;
    assert_eq!(
        (ann.first_name.as_str(), ann.last_name.as_str()),
        ("Ann", "Lee")
    );
    assert!(env
        .events_of_type("system.import.user.update")
        .await
        .is_empty());
}

#[tokio::test]
async fn two_rows_matching_one_person_link_only_one_of_them() {
    let env = Env::new().await;
    hr(&env).await;
    let crm = env.app("CRM").await;
    env.configure(&crm, |s| {
        s.matching.username = false;
        s.matching.email = true;
    })
    .await;
    let data =
        format!("{HEADER}\nbob,Bob,Ray,bob@example.com\nrobert,Robert,Ray,BOB@example.com\n");
    env.import(&crm, data.as_bytes(), ImportType::Full).await;
    assert_eq!(env.queue_of(&crm, MatchType::Exact).await.len(), 2);

    let outcome = env.confirm_all(&crm, false).await;
    assert_eq!((outcome.linked, outcome.refused), (1, 1));
    assert_eq!(
        outcome.problems,
        [
            "robert: Bob Ray (bob.ray) already has an account in CRM: bob (external id bob). \
          A person has one account per app."
        ]
    );
    let left = env.queue(&crm).await;
    assert_eq!(left.len(), 1);
    assert_eq!(left[0].login, "robert");
    assert_eq!(env.refresh(&crm).await.assigned_users, 1);
}

#[tokio::test]
async fn one_person_is_chosen_for_one_row_of_an_app_at_a_time() {
    let env = Env::new().await;
    hr(&env).await;
    let wiki = env.app("Wiki").await;
    let data = format!("{HEADER}\nw1,W,One,w1@wiki.io\nw2,W,Two,w2@wiki.io\n");
    env.import(&wiki, data.as_bytes(), ImportType::Full).await;
    let queue = env.queue(&wiki).await;
    let bob = env.user_by_login("bob.ray").await;
    let link = || QueueAction::Link(Some(bob.id.clone()));
    assert_eq!(
        set_action(&env, &wiki, row(&queue, "w1").seq, link(), true)
            .await
            .unwrap(),
        QueueActionOutcome::Saved
    );
    let refused = set_action(&env, &wiki, row(&queue, "w2").seq, link(), true).await;
    assert!(
        matches!(&refused, Err(Error::Conflict(m)) if m == "Bob Ray (bob.ray) is already chosen for w1 in the queue of Wiki. A person has one account per app."),
        "{refused:?}"
    );
}

#[tokio::test]
async fn linking_a_person_another_app_sources_takes_a_confirmation() {
    let env = Env::new().await;
    hr(&env).await;
    let wiki = env.app("Wiki").await;
    let data = format!("{HEADER}\nrobert,Robert,Ray,robert@wiki.io\n");
    env.import(&wiki, data.as_bytes(), ImportType::Full).await;
    let seq = env.queue(&wiki).await[0].seq;
    let bob = env.user_by_login("bob.ray").await;
    assert_eq!(bob.source_app_name.as_deref(), Some("HR"));

    let asked = set_action(
        &env,
        &wiki,
        seq,
        QueueAction::Link(Some(bob.id.clone())),
        false,
    )
    .await
    .unwrap();
    assert_eq!(
        asked,
        QueueActionOutcome::ConfirmationNeeded(
            "Bob Ray (bob.ray) is sourced by HR: HR's imports keep writing their profile. \
             Link them to robert in Wiki as well?"
                .into()
        )
    );
    assert_eq!(env.queue(&wiki).await[0].action, None, "nothing saved yet");

    let saved = set_action(
        &env,
        &wiki,
        seq,
        QueueAction::Link(Some(bob.id.clone())),
        true,
    )
    .await
    .unwrap();
    assert_eq!(saved, QueueActionOutcome::Saved);
    assert_eq!(
        env.queue(&wiki).await[0].action_user_login.as_deref(),
        Some("bob.ray")
    );
    assert_eq!(env.confirm_all(&wiki, false).await.linked, 1);
    assert_eq!(
        env.user_by_login("bob.ray")
            .await
            .source_app_name
            .as_deref(),
        Some("HR"),
        "HR still sources Bob"
    );
}

#[tokio::test]
async fn an_account_is_unlinked_with_its_assignment_and_the_system_log_says_so() {
    let env = Env::new().await;
    let hr = hr(&env).await;
    let ann = env.user_by_login("ann.lee").await;
    let write = env.engine.write(&env.admin).unwrap();

    write.unlink_account(&hr.id, "ann.lee").await.unwrap();
    let person = env
        .engine
        .read(&env.admin)
        .get_person(&ann.id)
        .await
        .unwrap();
    assert!(person.accounts.is_empty(), "{person:?}");
    assert_eq!(
        person.user.source_app_id, None,
        "HR no longer sources Ann's profile"
    );
    assert_eq!(env.refresh(&hr).await.assigned_users, 1);
    let events = env
        .events_of_type("application.user_membership.remove")
        .await;
    assert_eq!(events.len(), 1);
    assert_eq!(
        at(&events[0], "/displayMessage"),
        "Unlink app account from user"
    );
    assert_eq!(target_ids(&events[0], "User"), [ann.id.as_str()]);
    assert_eq!(target_ids(&events[0], "AppUser"), ["ann.lee"]);
    assert_eq!(target_ids(&events[0], "AppInstance"), [hr.id.as_str()]);
    assert_eq!(
        at(&events[0], "/debugContext/debugData/externalId"),
        "ann.lee"
    );

    // Twice, or an account the app does not have, is refused by name.
    let again = write.unlink_account(&hr.id, "ann.lee").await;
    assert!(
        matches!(&again, Err(Error::Conflict(m)) if m == "ann.lee of HR is not linked to anyone"),
        "{again:?}"
    );
    let unknown = write.unlink_account(&hr.id, "nobody").await;
    assert!(
        matches!(&unknown, Err(Error::NotFound(m)) if m == "account nobody of HR"),
        "{unknown:?}"
    );

    // The next full import queues the account again, matched to Ann.
    let data = format!("{HEADER}\n{ANN_AND_BOB}");
    env.import(&hr, data.as_bytes(), ImportType::Full).await;
    let queue = env.queue(&hr).await;
    assert_eq!(queue.len(), 1);
    assert_eq!(
        (queue[0].match_type, queue[0].matched_user_id.as_deref()),
        (MatchType::Exact, Some(ann.id.as_str()))
    );
}

#[tokio::test]
async fn unlinking_waits_for_the_apps_import() {
    let env = Env::new().await;
    let hr = hr(&env).await;
    let data = format!("{HEADER}\n{ANN_AND_BOB}");
    env.request_import(&hr, data.as_bytes(), ImportType::Full)
        .await;
    let busy = env
        .engine
        .write(&env.admin)
        .unwrap()
        .unlink_account(&hr.id, "ann.lee")
        .await;
    assert!(matches!(busy, Err(Error::ImportBusy)), "{busy:?}");
}

#[tokio::test]
async fn the_people_search_shows_status_and_accounts_and_leaves_out_deactivated_people() {
    let env = Env::new().await;
    let hr = hr(&env).await;
    let data = format!("{HEADER}\n{ANN_AND_BOB}dan.fox,Dan,Fox,dan@example.com\n");
    env.import(&hr, data.as_bytes(), ImportType::Full).await;
    env.confirm_all(&hr, true).await;
    // Dan leaves HR: the next full import deactivates him.
    let data = format!("{HEADER}\n{ANN_AND_BOB}");
    env.import(&hr, data.as_bytes(), ImportType::Full).await;
    assert_eq!(
        env.user_by_login("dan.fox").await.status.as_str(),
        "DEPROVISIONED"
    );

    let read = env.engine.read(&env.admin);
    let logins = |page: engine::model::Page<engine::model::Person>| -> Vec<String> {
        let mut l: Vec<String> = page.items.into_iter().map(|p| p.user.login).collect();
        l.sort();
        l
    };
    assert_eq!(
        logins(read.list_people(&people("", false), 0, 50).await.unwrap()),
        ["ann.lee", "bob.ray"]
    );
    assert_eq!(
        logins(read.list_people(&people("", true), 0, 50).await.unwrap()),
        ["ann.lee", "bob.ray", "dan.fox"]
    );
    assert_eq!(
        read.list_people(&people("dan", false), 0, 50)
            .await
            .unwrap()
            .total,
        0
    );

    let ann = read
        .list_people(&people("Ann Lee", false), 0, 50)
        .await
        .unwrap();
    assert_eq!(ann.items.len(), 1);
    assert_eq!(ann.items[0].user.status.as_str(), "ACTIVE");
    assert_eq!(
        ann.items[0].accounts,
        [engine::model::AppAccount {
            app_id: hr.id.clone(),
            app_name: "HR".into(),
            external_id: "ann.lee".into(),
            login: "ann.lee".into(),
            sources_profile: true,
        }]
    );
}

#[tokio::test]
async fn a_person_linked_twice_in_one_app_before_the_rule_keeps_the_account_of_their_login() {
    let env = Env::new().await;
    let hr = hr(&env).await;
    let crm = env.app("CRM").await;
    env.import(
        &crm,
        format!("{HEADER}\nann.lee,Ann,Lee,ann@example.com\n").as_bytes(),
        ImportType::Full,
    )
    .await;
    env.confirm_all(&crm, false).await;
    let ann = env.user_by_login("ann.lee").await;
    let bob = env.user_by_login("bob.ray").await;
    let dir = env.dir;
    drop(env.engine);

    // What the queue could do before: Bob's HR account linked to Ann too.
    sql_on_stopped(dir.path(), "DROP INDEX app_users_user_app").await;
    sql_on_stopped(
        dir.path(),
        &format!(
            "UPDATE app_users SET user_id = '{}' WHERE external_id = 'bob.ray'",
            ann.id
        ),
    )
    .await;
    // Migration 6 brings the rule, and 16 the index that keeps it now.
    sql_on_stopped(
        dir.path(),
        "DELETE FROM _sqlx_migrations WHERE version IN (6, 16)",
    )
    .await;

    let (engine, admin) = open_on(dir.path(), DEFAULT_MAX_UPLOAD).await;
    let env = Env { engine, admin, dir };
    let people = env
        .engine
        .read(&env.admin)
        .list_people(&people("", true), 0, 10)
        .await
        .unwrap();
    let accounts = |id: &str| -> Vec<(String, String)> {
        people
            .items
            .iter()
            .find(|p| p.user.id == id)
            .unwrap()
            .accounts
            .iter()
            .map(|a| (a.app_name.clone(), a.external_id.clone()))
            .collect()
    };
    assert_eq!(
        accounts(&ann.id),
        [
            ("CRM".to_owned(), "ann.lee".to_owned()),
            ("HR".to_owned(), "ann.lee".to_owned())
        ]
    );
    assert!(accounts(&bob.id).is_empty());

    // The account left without a person is queued again by a full import.
    let data = format!("{HEADER}\n{ANN_AND_BOB}");
    env.import(&hr, data.as_bytes(), ImportType::Full).await;
    let queue = env.queue(&hr).await;
    assert_eq!(queue.len(), 1);
    assert_eq!(queue[0].matched_user_login.as_deref(), Some("bob.ray"));
    assert_eq!(env.confirm_all(&hr, false).await.linked, 1);
}

#[tokio::test]
async fn the_confirm_tally_counts_what_confirming_then_does() {
    let env = Env::new().await;
    let hr = hr(&env).await;
    let crm = env.app("CRM").await;
    env.import(
        &crm,
        format!("{HEADER}\nzoe.park,Zoe,Park,zoe@example.com\n").as_bytes(),
        ImportType::Full,
    )
    .await;
    env.confirm_all(&crm, true).await;
    env.configure(&hr, |s| {
        s.matching.username = false;
        s.matching.email = true;
    })
    .await;
    // Two new users, one to ignore, an exact match on Zoe (linked) and one
    // on Ann, who has her own HR account (refused).
    let data = format!(
        "{HEADER}\n{ANN_AND_BOB}new1,New,One,n1@example.com\nnew2,New,Two,n2@example.com\n\
         ig,Ig,Nored,ig@example.com\nzoe,Zoe,Park,zoe@example.com\nanne.leigh,Anne,Leigh,ann@example.com\n"
    );
    env.import(&hr, data.as_bytes(), ImportType::Full).await;
    let queue = env.queue(&hr).await;
    set_action(&env, &hr, row(&queue, "ig").seq, QueueAction::Ignore, false)
        .await
        .unwrap();
    let read = env.engine.read(&env.admin);
    let tally = read.queue_tally(&hr.id, &Selection::All).await.unwrap();
    assert_eq!(
        (
            tally.total,
            tally.create,
            tally.link,
            tally.ignore,
            tally.undecided,
            tally.refused
        ),
        (5, 2, 1, 1, 0, 1)
    );
    let only_new = read
        .queue_tally(&hr.id, &Selection::AllOfType(MatchType::New))
        .await
        .unwrap();
    assert_eq!(
        (only_new.total, only_new.create, only_new.ignore),
        (3, 2, 1)
    );
    let picked = read
        .queue_tally(
            &hr.id,
            &Selection::Rows(vec![row(&queue, "new1").seq, row(&queue, "zoe").seq]),
        )
        .await
        .unwrap();
    assert_eq!((picked.total, picked.create, picked.link), (2, 1, 1));

    let outcome = env.confirm_all(&hr, true).await;
    assert_eq!(
        (
            outcome.created,
            outcome.activated,
            outcome.linked,
            outcome.ignored,
            outcome.skipped,
            outcome.refused
        ),
        (2, 2, 1, 1, 1, 1)
    );

    // A conflict waits for a decision.
    let wiki = env.app("Wiki").await;
    env.configure(&wiki, |s| {
        s.matching.username = false;
        s.matching.email = true;
    })
    .await;
    let data = format!("{HEADER}\nann.lee,Ann,Lee,ann@wiki.io\n");
    env.import(&wiki, data.as_bytes(), ImportType::Full).await;
    assert_eq!(env.queue(&wiki).await[0].match_type, MatchType::Conflict);
    let tally = read.queue_tally(&wiki.id, &Selection::All).await.unwrap();
    assert_eq!((tally.total, tally.link, tally.undecided), (1, 0, 1));
}
