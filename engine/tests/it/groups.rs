//! Groups from directories: `groupOfNames`, `groupOfUniqueNames`,
//! `posixGroup` and Active Directory `group` entries with their members,
//! imported with the users, kept in step by later imports and logged.

use crate::support::{at, Env};
use engine::model::{AppKind, GroupSummary, ImportType, RunStatus};
use serde_json::Value;
use testkit::slapd::{self, Slapd};

const LONG_AGO: &str = "20260101000000Z";

/// Each group's name and its members' logins, by group name.
async fn groups(env: &Env) -> Vec<(String, Vec<String>)> {
    let read = env.engine.read(&env.admin);
    let page = read.list_groups("", None, 0, 200).await.unwrap();
    let mut out = Vec::new();
    for g in page.items {
        let group = read.get_group(&g.id, 0, 500).await.unwrap();
        let mut members: Vec<String> = group
            .members
            .items
            .iter()
            .map(|m| {
                m.user
                    .as_ref()
                    .map_or(format!("({})", m.login), |u| u.login.clone())
            })
            .collect();
        members.sort();
        out.push((g.name, members));
    }
    out
}

fn names(groups: &[GroupSummary]) -> Vec<&str> {
    groups.iter().map(|g| g.name.as_str()).collect()
}

/// `eventType` events as "login → group" lines, oldest first.
async fn memberships(env: &Env, event_type: &str) -> Vec<String> {
    let events = env.events_of_type(event_type).await;
    events
        .iter()
        .map(|e: &Value| {
            let of = |kind: &str| -> String {
                e["target"]
                    .as_array()
                    .and_then(|ts| ts.iter().find(|t| t["type"] == kind))
                    .map(|t| at(t, "/alternateId").to_owned())
                    .unwrap_or_default()
            };
            format!("{} → {}", of("User"), of("UserGroup"))
        })
        .collect()
}

fn sorted<T: Ord>(mut v: Vec<T>) -> Vec<T> {
    v.sort();
    v
}

#[tokio::test]
async fn openldap_groups_of_every_class_are_imported_with_their_members_and_kept_in_step() {
    let people = slapd::people("u", 4, LONG_AGO);
    let (u0, u1, u2) = (
        slapd::person_dn("u0"),
        slapd::person_dn("u1"),
        slapd::person_dn("u2"),
    );
    // A DN spelled with other case and spaces is the same member; a nested
    // group and someone outside the users' base are no accounts of the app.
    let u1_spelled = format!("UID=u1, {}", slapd::PEOPLE.to_uppercase());
    let engineering_dn = format!("cn=Engineering,{}", slapd::GROUPS);
    let ldif = [
        people,
        slapd::group("groupOfNames", "Engineering", &[&u0, &u1_spelled]),
        slapd::group("groupOfUniqueNames", "Sales", &[&format!("{u2}#'0101'B")]),
        slapd::group("posixGroup", "staff", &["u0", "u3"]),
        slapd::group(
            "groupOfNames",
            "All",
            &[
                &engineering_dn,
                &u1,
                "uid=ghost,ou=Elsewhere,dc=example,dc=com",
            ],
        ),
    ]
    .join("\n");
    let server = Slapd::serving(ldif);
    let env = Env::new().await;
    let app = env
        .directory("Corp LDAP", AppKind::LdapDirectory, &server, |s| {
            s.import_groups = true;
        })
        .await;
    let run = env.pull(&app, ImportType::Full).await;
    assert_eq!(run.status, RunStatus::Completed, "{:?}", run.message);
    let counts = run.groups.expect("group counts");
    assert_eq!(
        (counts.scanned, counts.new, counts.members_added),
        (4, 4, 6),
        "{counts:?}"
    );
    // Before confirmation the members are accounts waiting in the queue.
    assert_eq!(
        groups(&env).await,
        [
            ("All".to_owned(), vec!["(u1)".to_owned()]),
            ("Engineering".into(), vec!["(u0)".into(), "(u1)".into()]),
            ("Sales".into(), vec!["(u2)".into()]),
            ("staff".into(), vec!["(u0)".into(), "(u3)".into()]),
        ]
    );
    assert_eq!(env.events_of_type("group.lifecycle.create").await.len(), 4);
    assert!(memberships(&env, "group.user_membership.add")
        .await
        .is_empty());

    // Confirming gives each person their account's groups, logged.
    env.confirm_all(&app, true).await;
    assert_eq!(
        sorted(memberships(&env, "group.user_membership.add").await),
        [
            "u0 → Engineering",
            "u0 → staff",
            "u1 → All",
            "u1 → Engineering",
            "u2 → Sales",
            "u3 → staff"
        ]
    );
    let read = env.engine.read(&env.admin);
    let u0_id = env.user_by_login("u0").await.id;
    assert_eq!(
        names(&read.groups_of_person(&u0_id).await.unwrap()),
        ["Engineering", "staff"]
    );
    // The search is literal text: "%" is no wildcard.
    assert_eq!(read.list_groups("%", None, 0, 50).await.unwrap().total, 0);
    let found = read.list_groups("ENG", None, 0, 50).await.unwrap();
    assert_eq!(
        (found.total, found.items[0].app_name.as_str()),
        (1, "Corp LDAP")
    );

    // u1 leaves Engineering and u3 joins, Sales is described, All is gone.
    server.modify(&format!(
        "dn: {engineering_dn}\nchangetype: modify\ndelete: member\nmember: {u1_spelled}\n-\nadd: member\nmember: {u3}\n\n\
         dn: cn=Sales,{g}\nchangetype: modify\nadd: description\ndescription: Everyone who sells\n\n\
         dn: cn=All,{g}\nchangetype: delete\n",
        u3 = slapd::person_dn("u3"),
        g = slapd::GROUPS
    ));
    let run = env.pull(&app, ImportType::Incremental).await;
    assert_eq!(run.status, RunStatus::Completed, "{:?}", run.message);
    let counts = run.groups.expect("group counts");
    assert_eq!(
        (
            counts.scanned,
            counts.new,
            counts.updated,
            counts.removed,
            counts.members_added,
            counts.members_removed
        ),
        (3, 0, 1, 1, 1, 2),
        "{counts:?}"
    );
    assert_eq!(
        sorted(memberships(&env, "group.user_membership.remove").await),
        ["u1 → All", "u1 → Engineering"]
    );
    assert!(memberships(&env, "group.user_membership.add")
        .await
        .contains(&"u3 → Engineering".to_owned()));
    let u1_id = env.user_by_login("u1").await.id;
    assert!(read.groups_of_person(&u1_id).await.unwrap().is_empty());
    let sales = read
        .list_groups("sales", None, 0, 1)
        .await
        .unwrap()
        .items
        .remove(0);
    assert_eq!(sales.description, "Everyone who sells");
    assert_eq!(env.events_of_type("group.lifecycle.delete").await.len(), 1);
    let complete = env.events_of_type("system.import.complete").await;
    let last = complete.last().unwrap();
    assert!(
        at(last, "/displayMessage").contains("3 groups: 0 new, 1 updated, 1 removed"),
        "{last:#}"
    );
    assert_eq!(last["debugContext"]["debugData"]["removedMemberships"], 2);
}

#[tokio::test]
async fn active_directory_groups_are_read_by_guid_and_hold_disabled_members_too() {
    let users: Vec<String> = (0..3)
        .map(|i| {
            slapd::ad_user(
                &format!("sam{i}"),
                &format!("First{i}"),
                &format!("Last{i}"),
                i,
                i != 2,
                100 + i,
            )
        })
        .collect();
    let dn = |i: u32| format!("cn=First{i} Last{i},{}", slapd::PEOPLE);
    let ldif = [
        users.join("\n"),
        slapd::ad_group("Finance", 900, &[&dn(0), &dn(2)]),
        slapd::ad_group("VPN Users", 901, &[&dn(1)]),
    ]
    .join("\n");
    let server = Slapd::serving(ldif);
    let env = Env::new().await;
    let app = env
        .directory("Corp AD", AppKind::ActiveDirectory, &server, |s| {
            s.import_groups = true;
        })
        .await;
    let run = env.pull(&app, ImportType::Full).await;
    assert_eq!(run.status, RunStatus::Completed, "{:?}", run.message);
    assert_eq!(run.groups.map(|g| (g.new, g.members_added)), Some((2, 3)));
    env.confirm_all(&app, true).await;
    assert_eq!(
        groups(&env).await,
        [
            // sam2 is disabled in the directory: a member, linked to nobody.
            (
                "Finance".to_owned(),
                vec![
                    "(sam2@corp.example.com)".to_owned(),
                    "sam0@corp.example.com".into()
                ]
            ),
            ("VPN Users".into(), vec!["sam1@corp.example.com".into()]),
        ]
    );
    // The group is the same group after a rename in the directory: it is
    // followed by its objectGUID.
    let before = env
        .engine
        .read(&env.admin)
        .list_groups("VPN", None, 0, 1)
        .await
        .unwrap();
    server.modify(&format!(
        "dn: cn=VPN Users,{g}\nchangetype: modrdn\nnewrdn: cn=Remote Access\ndeleteoldrdn: 1\n",
        g = slapd::GROUPS
    ));
    let run = env.pull(&app, ImportType::Full).await;
    assert_eq!(
        run.groups.map(|g| (g.new, g.updated, g.removed)),
        Some((0, 1, 0))
    );
    let after = env
        .engine
        .read(&env.admin)
        .list_groups("Remote", None, 0, 1)
        .await
        .unwrap();
    assert_eq!(after.items[0].id, before.items[0].id);
    assert_eq!(after.items[0].members, 1);
}

#[tokio::test]
async fn without_import_groups_no_group_is_read() {
    let ldif = [
        slapd::people("u", 2, LONG_AGO),
        slapd::group("groupOfNames", "Engineering", &[&slapd::person_dn("u0")]),
    ]
    .join("\n");
    let server = Slapd::serving(ldif);
    let env = Env::new().await;
    let app = env
        .directory("Corp LDAP", AppKind::LdapDirectory, &server, |_| {})
        .await;
    let run = env.pull(&app, ImportType::Full).await;
    assert_eq!(run.status, RunStatus::Completed);
    assert_eq!(run.groups, None);
    let page = env
        .engine
        .read(&env.admin)
        .list_groups("", None, 0, 10)
        .await
        .unwrap();
    assert_eq!(page.total, 0);
}
