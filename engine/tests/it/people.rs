//! The People list: found by any profile value regardless of case and
//! accents, filtered by status and app, downloaded as CSV.

use crate::support::{open_on, sql_on_stopped, Env, DEFAULT_MAX_UPLOAD};
use engine::model::{ImportType, PeopleFilter, UserStatus};

const STAFF: &str = "login,firstName,lastName,email,title,department\n\
zoe.angstrom,Zoë,Ångström,zoe@example.com,Señora Engineer,Forschung\n\
ann.lee,Ann,Lee,ann@example.com,Clerk,=SUM(A1)\n\
dan.fox,Dan,Fox,dan@example.com,Driver,Logistics\n";

/// HR sources Zoë, Ann and Dan, imported and confirmed, active.
async fn staffed() -> (Env, engine::model::App) {
    let env = Env::new().await;
    let hr = env.app("HR").await;
    env.import(&hr, STAFF.as_bytes(), ImportType::Full).await;
    assert_eq!(env.confirm_all(&hr, true).await.created, 3);
    (env, hr)
}

fn search(text: &str) -> PeopleFilter {
    PeopleFilter {
        search: text.to_owned(),
        include_deactivated: true,
        ..Default::default()
    }
}

async fn logins(env: &Env, filter: &PeopleFilter) -> Vec<String> {
    let page = env
        .engine
        .read(&env.admin)
        .list_people(filter, 0, 50)
        .await
        .unwrap();
    let mut logins: Vec<String> = page.items.into_iter().map(|p| p.user.login).collect();
    assert_eq!(logins.len() as i64, page.total, "the total counts the page");
    logins.sort();
    logins
}

#[tokio::test]
async fn a_search_ignores_case_and_accents_and_reaches_every_profile_value() {
    let (env, _) = staffed().await;
    for text in [
        "zoe",
        "ZOË",
        "Zoe Angstrom",
        "ångström",
        "senora",
        "FORSCHUNG",
    ] {
        assert_eq!(
            logins(&env, &search(text)).await,
            ["zoe.angstrom"],
            "{text}"
        );
    }
    assert_eq!(logins(&env, &search("dan@example")).await, ["dan.fox"]);
    // LIKE's wildcards are plain text in a search.
    assert!(logins(&env, &search("%")).await.is_empty());
    assert!(logins(&env, &search("a_n")).await.is_empty());
    assert_eq!(logins(&env, &search("")).await.len(), 3);
}

#[tokio::test]
async fn a_changed_profile_is_found_by_its_new_values_only() {
    let (env, hr) = staffed().await;
    let changed = STAFF.replace("Señora Engineer", "Directora Técnica");
    env.import(&hr, changed.as_bytes(), ImportType::Full).await;
    assert_eq!(
        logins(&env, &search("directora tecnica")).await,
        ["zoe.angstrom"]
    );
    assert!(logins(&env, &search("senora")).await.is_empty());
}

#[tokio::test]
async fn people_filter_by_status_and_by_app() {
    let (env, hr) = staffed().await;
    let crm = env.app("CRM").await;
    env.import(
        &crm,
        b"login,firstName,lastName,email\nann.lee,Ann,Lee,ann@example.com\n",
        ImportType::Full,
    )
    .await;
    env.confirm_all(&crm, false).await;
    // Dan leaves HR: the next full import deactivates him.
    let without_dan: String = STAFF
        .lines()
        .filter(|l| !l.starts_with("dan."))
        .map(|l| format!("{l}\n"))
        .collect();
    env.import(&hr, without_dan.as_bytes(), ImportType::Full)
        .await;

    let status = |status| PeopleFilter {
        status: Some(status),
        ..Default::default()
    };
    assert_eq!(
        logins(&env, &status(UserStatus::Deprovisioned)).await,
        ["dan.fox"]
    );
    assert_eq!(
        logins(&env, &status(UserStatus::Active)).await,
        ["ann.lee", "zoe.angstrom"]
    );
    assert!(logins(&env, &status(UserStatus::Staged)).await.is_empty());
    assert_eq!(
        logins(&env, &PeopleFilter::default()).await,
        ["ann.lee", "zoe.angstrom"],
        "deactivated people only when asked"
    );
    let in_app = |app_id: &str| PeopleFilter {
        app_id: Some(app_id.to_owned()),
        include_deactivated: true,
        ..Default::default()
    };
    assert_eq!(logins(&env, &in_app(&crm.id)).await, ["ann.lee"]);
    assert_eq!(logins(&env, &in_app(&hr.id)).await.len(), 3);
    let both = PeopleFilter {
        search: "zoe".into(),
        ..in_app(&crm.id)
    };
    assert!(logins(&env, &both).await.is_empty());
}

#[tokio::test]
async fn the_people_download_holds_what_the_filter_picks() {
    let (env, _) = staffed().await;
    let csv = env
        .engine
        .read(&env.admin)
        .people_csv(&search("a"))
        .await
        .unwrap();
    let mut reader = csv::Reader::from_reader(csv.as_bytes());
    let header: Vec<String> = reader.headers().unwrap().iter().map(String::from).collect();
    assert_eq!(
        header,
        [
            "id",
            "status",
            "login",
            "email",
            "firstName",
            "lastName",
            "profileSource",
            "apps",
            "created",
            "activated",
            "lastUpdated"
        ]
    );
    let rows: Vec<csv::StringRecord> = reader.records().map(|r| r.unwrap()).collect();
    let mut logins: Vec<&str> = rows.iter().map(|r| &r[2]).collect();
    logins.sort();
    assert_eq!(logins, ["ann.lee", "dan.fox", "zoe.angstrom"]);
    let zoe = rows.iter().find(|r| &r[2] == "zoe.angstrom").unwrap();
    assert_eq!(
        (&zoe[1], &zoe[4], &zoe[6], &zoe[7]),
        ("ACTIVE", "Zoë", "HR", "HR")
    );

    let only_ann = env
        .engine
        .read(&env.admin)
        .people_csv(&search("sum(a1"))
        .await
        .unwrap();
    assert_eq!(only_ann.lines().count(), 2, "{only_ann}");
    assert!(only_ann.contains("ann.lee"));
}

#[tokio::test]
async fn people_stored_before_search_keys_are_found_after_the_upgrade() {
    let (env, _) = staffed().await;
    let dir = env.dir;
    drop(env.engine);
    sql_on_stopped(dir.path(), "UPDATE users SET search_key = NULL").await;

    let (engine, admin) = open_on(dir.path(), DEFAULT_MAX_UPLOAD).await;
    let env = Env { engine, admin, dir };
    assert_eq!(logins(&env, &search("zoe")).await, ["zoe.angstrom"]);
    assert_eq!(logins(&env, &search("forschung")).await, ["zoe.angstrom"]);
}

#[tokio::test]
async fn lifecycle_operations_change_the_people_they_apply_to_and_name_the_others() {
    use engine::model::Lifecycle;
    let (env, _) = staffed().await;
    let id = |login: &'static str| {
        let env = &env;
        async move { env.user_by_login(login).await.id }
    };
    let (ann, zoe, dan) = (
        id("ann.lee").await,
        id("zoe.angstrom").await,
        id("dan.fox").await,
    );
    let write = env.engine.write(&env.admin).unwrap();
    let status = |login: &'static str| {
        let env = &env;
        async move { env.user_by_login(login).await.status }
    };

    let done = write
        .change_status(&[ann.clone(), zoe.clone()], Lifecycle::Suspend)
        .await
        .unwrap();
    assert_eq!((done.changed, done.skipped.len()), (2, 0));
    assert_eq!(status("ann.lee").await, UserStatus::Suspended);
    let suspended = env.events_of_type("user.lifecycle.suspend").await;
    assert_eq!(suspended.len(), 2);
    assert_eq!(
        crate::support::at(&suspended[0], "/debugContext/debugData/previousStatus"),
        "ACTIVE"
    );

    let done = write
        .change_status(&[ann.clone(), dan.clone()], Lifecycle::Unsuspend)
        .await
        .unwrap();
    assert_eq!(done.changed, 1);
    assert_eq!(done.skipped, ["dan.fox (ACTIVE)"]);
    assert_eq!(status("ann.lee").await, UserStatus::Active);
    assert_eq!(status("dan.fox").await, UserStatus::Active);

    write
        .change_status(std::slice::from_ref(&dan), Lifecycle::Deactivate)
        .await
        .unwrap();
    assert_eq!(status("dan.fox").await, UserStatus::Deprovisioned);
    assert_eq!(
        env.events_of_type("user.lifecycle.deactivate").await.len(),
        1
    );
    let again = write
        .change_status(std::slice::from_ref(&dan), Lifecycle::Deactivate)
        .await
        .unwrap();
    assert_eq!((again.changed, again.skipped.len()), (0, 1));
    write
        .change_status(std::slice::from_ref(&dan), Lifecycle::Reactivate)
        .await
        .unwrap();
    assert_eq!(status("dan.fox").await, UserStatus::Active);

    // An id nobody has refuses the whole change.
    let refused = write
        .change_status(&[zoe.clone(), "00unobody".into()], Lifecycle::Unsuspend)
        .await;
    assert!(
        matches!(refused, Err(engine::Error::NotFound(_))),
        "{refused:?}"
    );
    assert_eq!(status("zoe.angstrom").await, UserStatus::Suspended);
}

#[test]
fn each_status_offers_the_operations_okta_offers() {
    use engine::model::Lifecycle::*;
    let offered = |s| engine::model::Lifecycle::for_status(s);
    assert_eq!(offered(UserStatus::Staged), [Activate, Deactivate]);
    assert_eq!(offered(UserStatus::Provisioned), [Activate, Deactivate]);
    assert_eq!(offered(UserStatus::Active), [Suspend, Deactivate]);
    assert_eq!(offered(UserStatus::Suspended), [Unsuspend, Deactivate]);
    assert_eq!(offered(UserStatus::Deprovisioned), [Reactivate]);
}

#[tokio::test]
async fn a_status_change_of_too_many_people_is_refused_whole() {
    use engine::model::Lifecycle;
    let (env, _) = staffed().await;
    let ann = env.user_by_login("ann.lee").await.id;
    let too_many = vec![ann; engine::access::MAX_STATUS_CHANGE + 1];
    let refused = env
        .engine
        .write(&env.admin)
        .unwrap()
        .change_status(&too_many, Lifecycle::Suspend)
        .await;
    assert!(
        matches!(&refused, Err(engine::Error::InvalidInput(m)) if m.contains("at most 1000")),
        "{refused:?}"
    );
    assert_eq!(
        env.user_by_login("ann.lee").await.status,
        UserStatus::Active
    );
}

fn new_person(login: &str, activate: bool) -> engine::model::NewPerson {
    engine::model::NewPerson {
        first_name: "Lena".into(),
        last_name: "Müller".into(),
        login: login.into(),
        email: "lena@example.com".into(),
        activate,
    }
}

#[tokio::test]
async fn add_person_makes_a_person_muster_sources_staged_or_active() {
    let (env, _) = staffed().await;
    let write = env.engine.write(&env.admin).unwrap();

    let staged = write
        .add_person(&new_person("lena.mueller", false))
        .await
        .unwrap();
    assert_eq!(staged.status, UserStatus::Staged);
    assert_eq!(staged.source_app_name, None, "Muster is the source");
    assert!(staged.activated.is_none());
    assert_eq!(logins(&env, &search("lena muller")).await, ["lena.mueller"]);
    let about = |id: &str| format!("target.id eq \"{id}\"");
    let events = env.events(&about(&staged.id)).await;
    assert_eq!(events.len(), 1, "{events:?}");
    assert_eq!(
        crate::support::at(&events[0], "/eventType"),
        "user.lifecycle.create"
    );

    let active = write.add_person(&new_person("lena.m", true)).await.unwrap();
    assert_eq!(active.status, UserStatus::Active);
    assert!(active.activated.is_some());
    let types: Vec<String> = env
        .events(&about(&active.id))
        .await
        .iter()
        .map(|e| crate::support::at(e, "/eventType").to_owned())
        .collect();
    assert_eq!(types.len(), 2, "{types:?}");
    assert!(
        types.iter().any(|t| t == "user.lifecycle.activate"),
        "{types:?}"
    );

    // A login is taken regardless of case, and the refusal names who has it.
    let taken = write.add_person(&new_person("DAN.Fox", true)).await;
    assert!(
        matches!(&taken, Err(engine::Error::Conflict(m)) if m.contains("dan.fox")),
        "{taken:?}"
    );
    // Each bad field is named, and nothing is written.
    let mut bad = new_person("", true);
    bad.email = "not-an-address".into();
    let refused = write.add_person(&bad).await;
    assert!(
        matches!(&refused, Err(engine::Error::InvalidInput(m))
            if m.contains("Username: login is required") && m.contains("Primary email: is not an email address")),
        "{refused:?}"
    );
    assert_eq!(env.user_count().await, 5);
}

#[tokio::test]
async fn only_a_deactivated_person_can_be_deleted_and_their_accounts_stay_unlinked() {
    use engine::model::{Lifecycle, MatchType};
    let (env, hr) = staffed().await;
    // Badge's account for Dan is queued as an exact match to him.
    let badge = env.app("Badge").await;
    env.import(
        &badge,
        b"login,firstName,lastName,email\ndan.fox,Dan,Fox,dan@example.com\n",
        ImportType::Full,
    )
    .await;
    let dan = env.user_by_login("dan.fox").await.id;
    assert_eq!(env.queue_of(&badge, MatchType::Exact).await.len(), 1);
    let write = env.engine.write(&env.admin).unwrap();

    let refused = write.delete_person(&dan).await;
    assert!(
        matches!(&refused, Err(engine::Error::InvalidInput(m)) if m.contains("dan.fox is ACTIVE")),
        "{refused:?}"
    );
    write
        .change_status(std::slice::from_ref(&dan), Lifecycle::Deactivate)
        .await
        .unwrap();
    write.delete_person(&dan).await.unwrap();

    assert_eq!(logins(&env, &search("dan")).await, Vec::<String>::new());
    let deleted = env.events_of_type("user.lifecycle.delete.completed").await;
    assert_eq!(deleted.len(), 1);
    assert_eq!(
        crate::support::target_ids(&deleted[0], "User"),
        std::slice::from_ref(&dan)
    );
    // The queued account no longer points at anyone.
    let queued = env.queue(&badge).await;
    assert_eq!(queued.len(), 1);
    assert_eq!(
        (queued[0].match_type, queued[0].matched_user_id.clone()),
        (MatchType::New, None)
    );
    // HR still has Dan's account: its next full import queues it again.
    env.import(&hr, STAFF.as_bytes(), ImportType::Full).await;
    let queued = env.queue(&hr).await;
    assert_eq!(queued.len(), 1);
    assert_eq!(
        (queued[0].login.as_str(), queued[0].match_type),
        ("dan.fox", MatchType::New)
    );
    let gone = write.delete_person(&dan).await;
    assert!(matches!(gone, Err(engine::Error::NotFound(_))), "{gone:?}");
}
