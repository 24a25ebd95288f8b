//! Profile sources in priority order: a person's profile source is the
//! highest-priority app they hold an account in that sources users; only
//! it updates their profile and can deactivate them.

use crate::support::Env;
use engine::model::{ImportType, UserStatus};

const ANN: &str = "login,firstName,lastName,email\nann@example.com,Ann,Lee,ann@example.com\n";

fn ann_named(last: &str) -> String {
    format!("login,firstName,lastName,email\nann@example.com,Ann,{last},ann@example.com\n")
}

#[tokio::test]
async fn only_the_highest_priority_source_updates_and_removes_a_person() {
    let env = Env::new().await;
    let hr = env.app("HR").await;
    let contractors = env.app("Contractors").await;
    env.import(&hr, ANN.as_bytes(), ImportType::Full).await;
    env.confirm_all(&hr, true).await;
    env.import(&contractors, ANN.as_bytes(), ImportType::Full)
        .await;
    env.confirm_all(&contractors, true).await;
    let ann = env.user_by_login("ann@example.com").await;
    assert_eq!(
        ann.source_app_name.as_deref(),
        Some("HR"),
        "the first app ranks first"
    );
    let read = env.engine.read(&env.admin);
    let names = |sources: Vec<engine::model::ProfileSource>| -> Vec<(String, i64)> {
        sources.into_iter().map(|s| (s.name, s.users)).collect()
    };
    assert_eq!(
        names(read.profile_sources().await.unwrap()),
        [("HR".to_owned(), 1), ("Contractors".into(), 0)]
    );

    // A lower-priority source does not change the profile.
    env.import(
        &contractors,
        ann_named("Contractor").as_bytes(),
        ImportType::Full,
    )
    .await;
    assert_eq!(env.user_by_login("ann@example.com").await.last_name, "Lee");

    // Contractors first: it sources Ann from now on.
    let write = env.engine.write(&env.admin).unwrap();
    let order = write
        .set_profile_source_order(&[contractors.id.clone(), hr.id.clone()])
        .await
        .unwrap();
    assert_eq!(
        names(order),
        [("Contractors".to_owned(), 1), ("HR".into(), 0)]
    );
    let changed = env.events_of_type("system.org.settings.update").await;
    assert!(changed
        .last()
        .unwrap()
        .to_string()
        .contains("Contractors, HR"));
    env.import(
        &contractors,
        ann_named("Contractor").as_bytes(),
        ImportType::Full,
    )
    .await;
    assert_eq!(
        env.user_by_login("ann@example.com").await.last_name,
        "Contractor"
    );
    env.import(&hr, ann_named("Ignored").as_bytes(), ImportType::Full)
        .await;
    assert_eq!(
        env.user_by_login("ann@example.com").await.last_name,
        "Contractor"
    );

    // HR no longer has Ann: HR is not her source, so she is only unassigned.
    let nobody = "login,firstName,lastName,email\nbob@example.com,Bob,Roe,bob@example.com\n";
    let run = env.import(&hr, nobody.as_bytes(), ImportType::Full).await;
    assert_eq!((run.counts.deactivated, run.counts.unassigned), (0, 1));
    assert_eq!(
        env.user_by_login("ann@example.com").await.status,
        UserStatus::Active
    );

    // An order that leaves out a source is refused.
    assert!(write
        .set_profile_source_order(std::slice::from_ref(&hr.id))
        .await
        .is_err());
}

#[tokio::test]
async fn unlinking_the_source_account_hands_the_profile_to_the_next_source() {
    let env = Env::new().await;
    let hr = env.app("HR").await;
    let contractors = env.app("Contractors").await;
    for app in [&hr, &contractors] {
        env.import(app, ANN.as_bytes(), ImportType::Full).await;
        env.confirm_all(app, true).await;
    }
    let ann = env.user_by_login("ann@example.com").await;
    let account = engine_account(&env, &hr.id, &ann.id).await;
    env.engine
        .write(&env.admin)
        .unwrap()
        .unlink_account(&hr.id, &account)
        .await
        .unwrap();
    assert_eq!(
        env.user_by_login("ann@example.com")
            .await
            .source_app_name
            .as_deref(),
        Some("Contractors")
    );
}

async fn engine_account(env: &Env, app_id: &str, user_id: &str) -> String {
    let person = env
        .engine
        .read(&env.admin)
        .get_person(user_id)
        .await
        .unwrap();
    person
        .accounts
        .into_iter()
        .find(|a| a.app_id == app_id)
        .map(|a| a.external_id)
        .unwrap()
}
