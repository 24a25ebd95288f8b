//! Directories as sources: OpenLDAP and Active Directory shapes served by a
//! real slapd, read page by page past its size limit, over LDAPS with the
//! CA an admin pastes, incrementally from the last change read, and never
//! half-applied when the server goes away.

use crate::support::Env;
use engine::model::{AppKind, ImportType, RunStatus, UserStatus};
use engine::sources::ldap::Security;
use testkit::slapd::{self, Options, Slapd};

const LONG_AGO: &str = "20260101000000Z";

#[tokio::test]
async fn an_openldap_directory_is_read_whole_past_its_size_limit_over_ldaps() {
    let server = Slapd::start(Options {
        size_limit: Some(500),
        ldif: Some(slapd::people("u", 1_200, LONG_AGO)),
        ..Options::default()
    });
    let env = Env::new().await;
    let app = env
        .directory("Corp LDAP", AppKind::LdapDirectory, &server, |s| {
            s.security = Security::Ldaps;
            s.port = server.tls_port;
            s.ca_pem = server.ca_pem.clone();
            s.page_size = 1000;
        })
        .await;
    // The first import asked as incremental has nothing to go on from.
    let run = env.pull(&app, ImportType::Incremental).await;
    assert_eq!(run.status, RunStatus::Completed, "{:?}", run.message);
    assert_eq!(run.import_type, ImportType::Full);
    assert_eq!((run.counts.scanned, run.counts.new), (1_200, 1_200));
    let starts = env.events_of_type("system.import.start").await;
    assert!(
        starts[0].to_string().contains("runs as a full import"),
        "{:#}",
        starts[0]
    );
    let queue = env.queue(&app).await;
    assert_eq!(queue.len(), 1_200);
    assert!(
        queue.iter().all(|row| row.external_id.len() == 36),
        "entryUUIDs: {:?}",
        queue[0].external_id
    );
    assert_eq!(env.confirm_all(&app, true).await.created, 1_200);
    let ann = env.user_by_login("u7").await;
    assert_eq!(
        (
            ann.first_name.as_str(),
            ann.last_name.as_str(),
            ann.email.as_str()
        ),
        ("First7", "Last7", "u7@example.com")
    );
}

#[tokio::test]
async fn an_incremental_import_reads_exactly_the_changed_added_and_disabled_entries() {
    let server = Slapd::serving(slapd::people("u", 5, LONG_AGO));
    let env = Env::new().await;
    let app = env
        .directory("Corp LDAP", AppKind::LdapDirectory, &server, |s| {
            s.disabled_attribute = "employeeType".into();
            s.disabled_value = "disabled".into();
        })
        .await;
    env.pull(&app, ImportType::Full).await;
    env.confirm_all(&app, true).await;

    server.modify(&format!(
        "dn: uid=u1,{p}\nchangetype: modify\nreplace: sn\nsn: Married\n\n\
         dn: uid=u2,{p}\nchangetype: modify\nadd: employeeType\nemployeeType: disabled\n\n\
         {new}",
        p = slapd::PEOPLE,
        new = slapd::person("u5", "First5", "Last5")
    ));
    let run = env.pull(&app, ImportType::Incremental).await;
    assert_eq!(run.status, RunStatus::Completed, "{:?}", run.message);
    assert_eq!(run.import_type, ImportType::Incremental);
    assert_eq!(run.counts.scanned, 3, "only what changed is read");
    assert_eq!(run.counts.new, 1);
    assert_eq!(env.user_by_login("u1").await.last_name, "Married");
    assert_ne!(env.user_by_login("u2").await.status, UserStatus::Active);
    assert_eq!(env.user_by_login("u3").await.status, UserStatus::Active);
    let queued: Vec<String> = env.queue(&app).await.into_iter().map(|r| r.login).collect();
    assert_eq!(queued, ["u5"]);
}

#[tokio::test]
async fn an_active_directory_is_read_with_its_guids_disabled_flags_and_usns() {
    let users: Vec<String> = (0..4)
        .map(|i| {
            slapd::ad_user(
                &format!("sam{i}"),
                &format!("First{i}"),
                &format!("Last{i}"),
                i,
                i != 3,
                100 + i,
            )
        })
        .collect();
    let server = Slapd::serving(users.join("\n"));
    let env = Env::new().await;
    let app = env
        .directory("Corp AD", AppKind::ActiveDirectory, &server, |_| {})
        .await;
    let run = env.pull(&app, ImportType::Full).await;
    assert_eq!(run.status, RunStatus::Completed, "{:?}", run.message);
    assert_eq!(run.counts.scanned, 4);
    let queue = env.queue(&app).await;
    let mut ids: Vec<&str> = queue.iter().map(|r| r.external_id.as_str()).collect();
    ids.sort();
    let guid = |n: u64| engine::sources::ldap::guid_text(&slapd::guid_bytes(n)).unwrap();
    assert_eq!(
        ids,
        [guid(0), guid(1), guid(2)],
        "the disabled account is not queued"
    );
    assert_eq!(env.confirm_all(&app, true).await.created, 3);
    assert_eq!(
        env.user_by_login("sam1@corp.example.com").await.first_name,
        "First1"
    );

    // sam0 is disabled and sam2 renamed, each with the next USN.
    let p = slapd::PEOPLE;
    server.modify(&format!(
        "dn: cn=First0 Last0,{p}\nchangetype: modify\nreplace: userAccountControl\nuserAccountControl: 514\n-\nreplace: uSNChanged\nuSNChanged: 200\n\n\
         dn: cn=First2 Last2,{p}\nchangetype: modify\nreplace: givenName\ngivenName: Second\n-\nreplace: uSNChanged\nuSNChanged: 201\n"
    ));
    let run = env.pull(&app, ImportType::Incremental).await;
    assert_eq!(run.import_type, ImportType::Incremental);
    assert_eq!(run.counts.scanned, 2, "the entries past the last USN read");
    assert_ne!(
        env.user_by_login("sam0@corp.example.com").await.status,
        UserStatus::Active
    );
    assert_eq!(
        env.user_by_login("sam2@corp.example.com").await.first_name,
        "Second"
    );
    // Nothing changed since: nothing is read.
    let run = env.pull(&app, ImportType::Incremental).await;
    assert_eq!(run.counts.scanned, 0);

    // sam0 is enabled again: they are reactivated, as the sourcing settings
    // ask.
    env.configure(&app, |s| s.sourcing.reactivate_deactivated = true)
        .await;
    server.modify(&format!(
        "dn: cn=First0 Last0,{p}\nchangetype: modify\nreplace: userAccountControl\nuserAccountControl: 512\n-\nreplace: uSNChanged\nuSNChanged: 202\n"
    ));
    let run = env.pull(&app, ImportType::Incremental).await;
    assert_eq!((run.counts.scanned, run.counts.reactivated), (1, 1));
    assert_eq!(
        env.user_by_login("sam0@corp.example.com").await.status,
        UserStatus::Active
    );
}

#[tokio::test]
async fn a_directory_that_stops_answering_mid_import_removes_nobody() {
    // Enough pages that the import is still reading when the test, however
    // slowly it is scheduled, pauses the server.
    let n = 20_000;
    let mut server = Slapd::serving(slapd::people("u", n, LONG_AGO));
    let env = Env::new().await;
    let app = env
        .directory("Corp LDAP", AppKind::LdapDirectory, &server, |s| {
            s.page_size = 100;
            s.timeout_seconds = 2;
        })
        .await;
    let first = env.pull(&app, ImportType::Full).await;
    assert_eq!(first.status, RunStatus::Completed, "{:?}", first.message);
    assert_eq!(env.confirm_all(&app, true).await.created as usize, n);

    let run = env
        .engine
        .write(&env.admin)
        .unwrap()
        .start_import(&app.id, None, ImportType::Full)
        .await
        .unwrap();
    let engine = env.engine.clone();
    let worker = tokio::spawn(async move { engine.run_next_job().await });
    // Once a batch is in, the server stops answering.
    loop {
        let now = env.engine.read(&env.admin).get_run(&run.id).await.unwrap();
        if now.counts.scanned > 0 {
            break;
        }
        tokio::time::sleep(std::time::Duration::from_millis(2)).await;
    }
    server.pause();
    let done = worker.await.unwrap().unwrap().unwrap();
    assert_eq!(done.status, RunStatus::Failed);
    assert!(done.counts.scanned < n as i64, "{:?}", done.counts);
    assert!(
        done.message
            .as_deref()
            .unwrap_or("")
            .contains("Reading ou=People"),
        "{:?}",
        done.message
    );
    let users = env.users().await;
    assert_eq!(users.len(), n);
    assert!(
        users.iter().all(|u| u.status == UserStatus::Active),
        "nobody removed"
    );
    assert!(env
        .events_of_type("system.import.user.delete")
        .await
        .is_empty());

    // Back again: the next full import finds everyone.
    server.go_on();
    server.kill();
    server.run();
    let app = {
        let mut settings = env
            .engine
            .read(&env.admin)
            .connection_settings(&app.id)
            .await
            .unwrap();
        settings["port"] = server.port.into();
        env.engine
            .write(&env.admin)
            .unwrap()
            .save_connection(&app.id, settings, None)
            .await
            .unwrap();
        app
    };
    let run = env.pull(&app, ImportType::Full).await;
    assert_eq!(run.status, RunStatus::Completed, "{:?}", run.message);
    assert_eq!((run.counts.scanned, run.counts.deactivated), (n as i64, 0));
}

#[tokio::test]
async fn test_connection_names_the_step_that_failed_and_what_the_server_said() {
    let server = Slapd::serving(slapd::people("u", 7, LONG_AGO));
    let env = Env::new().await;
    let app = env
        .directory("Corp LDAP", AppKind::LdapDirectory, &server, |s| {
            s.security = Security::Ldaps;
            s.port = server.tls_port;
            s.ca_pem = server.ca_pem.clone();
        })
        .await;
    let saved = env
        .engine
        .read(&env.admin)
        .directory_connection(&app.id)
        .await
        .unwrap();
    assert!(saved.password_set);
    let test = |change: fn(&mut engine::sources::ldap::LdapSettings),
                password: Option<&'static str>| {
        let mut settings = saved.settings.clone();
        change(&mut settings);
        let (engine, admin, app_id) = (env.engine.clone(), env.admin.clone(), app.id.clone());
        async move {
            engine
                .write(&admin)
                .unwrap()
                .test_connection(&app_id, settings, password)
                .await
                .unwrap()
        }
    };
    let steps = |t: &engine::sources::ldap::ConnectionTest| {
        t.steps
            .iter()
            .map(|s| format!("{} {}", s.name, if s.ok { "ok" } else { "failed" }))
            .collect::<Vec<_>>()
    };

    // The stored password, as saved: every step, and the first users.
    let ok = test(|_| {}, None).await;
    assert!(ok.ok(), "{ok:#?}");
    assert_eq!(steps(&ok), ["TCP ok", "TLS ok", "Bind ok", "Search ok"]);
    assert_eq!(ok.users.len(), 5, "the first five");
    assert!(ok
        .users
        .iter()
        .all(|u| u.login.starts_with('u') && u.external_id.len() == 36));

    let closed = test(|s| s.port = testkit::free_port(), None).await;
    assert_eq!(steps(&closed), ["TCP failed"]);
    assert!(
        closed.steps[0].detail.contains("Could not reach 127.0.0.1"),
        "{closed:#?}"
    );

    let untrusted = test(|s| s.ca_pem = String::new(), None).await;
    assert_eq!(steps(&untrusted), ["TCP ok", "TLS failed"]);
    assert!(
        untrusted.steps[1]
            .detail
            .contains("certificate not trusted"),
        "{untrusted:#?}"
    );

    let wrong = test(|_| {}, Some("not-the-password")).await;
    assert_eq!(steps(&wrong), ["TCP ok", "TLS ok", "Bind failed"]);
    assert!(
        wrong.steps[2].detail.contains("invalid credentials (49)"),
        "{wrong:#?}"
    );

    let nowhere = test(
        |s| s.users_base = "ou=Nobody,dc=example,dc=com".into(),
        None,
    )
    .await;
    assert_eq!(
        steps(&nowhere),
        ["TCP ok", "TLS ok", "Bind ok", "Search failed"]
    );
    assert!(
        nowhere.steps[3].detail.starts_with("no such object (32)"),
        "{nowhere:#?}"
    );

    // Settings that are not settings are refused before anything is tried.
    let e = env
        .engine
        .write(&env.admin)
        .unwrap()
        .test_connection(
            &app.id,
            engine::sources::ldap::LdapSettings {
                host: String::new(),
                ..saved.settings.clone()
            },
            None,
        )
        .await
        .unwrap_err();
    assert!(e.to_string().contains("Host is required"), "{e}");
}

#[tokio::test]
async fn the_bind_password_is_sealed_in_the_database_and_never_read_back() {
    let server = Slapd::start(Options::default());
    let env = Env::new().await;
    let app = env
        .directory("Corp LDAP", AppKind::LdapDirectory, &server, |_| {})
        .await;
    let settings = env
        .engine
        .read(&env.admin)
        .connection_settings(&app.id)
        .await
        .unwrap();
    assert!(!settings.to_string().contains(slapd::BIND_PASSWORD));
    let everything = env.events("").await;
    assert!(!serde_json::to_string(&everything)
        .unwrap()
        .contains(slapd::BIND_PASSWORD));
    // The database file holds it sealed, not as it was typed.
    let db = std::fs::read(env.dir.path().join("muster.db")).unwrap();
    let wal = std::fs::read(env.dir.path().join("muster.db-wal")).unwrap_or_default();
    for bytes in [db, wal] {
        assert!(
            !bytes
                .windows(slapd::BIND_PASSWORD.len())
                .any(|w| w == slapd::BIND_PASSWORD.as_bytes()),
            "the password is in the database file"
        );
    }
    // A copy of the database with another key cannot use it.
    let copy = tempfile::tempdir().unwrap();
    engine::backup(
        &env.dir.path().join("muster.db").to_string_lossy(),
        &copy.path().join("muster.db"),
    )
    .await
    .unwrap();
    let (stranger, admin) =
        crate::support::open_on(copy.path(), crate::support::DEFAULT_MAX_UPLOAD).await;
    let run = stranger
        .write(&admin)
        .unwrap()
        .start_import(&app.id, None, ImportType::Full)
        .await
        .unwrap();
    let done = stranger.run_next_job().await.unwrap().unwrap();
    assert_eq!(
        (done.id.as_str(), done.status),
        (run.id.as_str(), RunStatus::Failed)
    );
}

#[tokio::test]
async fn a_disabled_account_read_before_a_stop_is_still_deactivated_when_the_import_goes_on() {
    let n = engine::sources::ldap::BATCH + 100;
    let server = Slapd::serving(slapd::people("u", n, LONG_AGO));
    let env = Env::new().await;
    let app = env
        .directory("Corp LDAP", AppKind::LdapDirectory, &server, |s| {
            s.disabled_attribute = "employeeType".into();
        })
        .await;
    env.pull(&app, ImportType::Full).await;
    assert_eq!(env.confirm_all(&app, true).await.created as usize, n);
    // u0, read in the first batch, is disabled; the import stops after
    // that batch and goes on after a restart.
    server.modify(&format!(
        "dn: uid=u0,{}\nchangetype: modify\nadd: employeeType\nemployeeType: contractor-ended\n",
        slapd::PEOPLE
    ));
    let run = env
        .engine
        .write(&env.admin)
        .unwrap()
        .start_import(&app.id, None, ImportType::Full)
        .await
        .unwrap();
    let stopped = env.run_until_stopped().await;
    assert_eq!(
        (stopped.id.as_str(), stopped.status),
        (run.id.as_str(), RunStatus::Queued)
    );
    assert_eq!(
        stopped.counts.scanned as usize,
        engine::sources::ldap::BATCH
    );
    assert_eq!(
        env.user_by_login("u0").await.status,
        UserStatus::Active,
        "removals wait for the end"
    );

    let env = env.reopen().await;
    let done = env.engine.run_next_job().await.unwrap().unwrap();
    assert_eq!(
        (done.id.as_str(), done.status),
        (run.id.as_str(), RunStatus::Completed)
    );
    assert_eq!(done.counts.deactivated, 1);
    assert_eq!(
        env.user_by_login("u0").await.status,
        UserStatus::Deprovisioned
    );
    assert_eq!(env.user_by_login("u1").await.status, UserStatus::Active);
}

#[tokio::test]
async fn a_directory_schedule_pulls_from_the_server_and_the_log_says_it_was_scheduled() {
    use engine::settings::{Frequency, Schedule};
    let server = Slapd::serving(slapd::people("u", 3, LONG_AGO));
    let env = Env::new().await;
    let app = env
        .directory("Corp LDAP", AppKind::LdapDirectory, &server, |_| {})
        .await;
    env.configure(&app, |s| {
        s.incremental_schedule = Schedule {
            frequency: Frequency::Hourly,
            interval: 1,
        };
    })
    .await;
    // No import yet: the schedule is due, and reads the server (no file).
    let queued = env
        .engine
        .enqueue_due_imports(chrono::Utc::now())
        .await
        .unwrap();
    assert_eq!(queued.len(), 1);
    assert_eq!(
        (queued[0].app_id.as_str(), queued[0].upload_id.as_deref()),
        (app.id.as_str(), None)
    );
    let run = env.engine.run_next_job().await.unwrap().unwrap();
    assert_eq!(run.status, RunStatus::Completed, "{:?}", run.message);
    assert_eq!(run.counts.scanned, 3);
    let starts = env
        .events(r#"eventType eq "system.import.start" and debugContext.debugData.importTrigger eq "Scheduled""#)
        .await;
    assert_eq!(starts.len(), 1, "{starts:#?}");
    // Not due again within the hour.
    assert!(env
        .engine
        .enqueue_due_imports(chrono::Utc::now())
        .await
        .unwrap()
        .is_empty());
}

#[tokio::test]
async fn opening_a_persons_page_reads_them_again_from_their_directory() {
    use engine::model::RealTimeSync;
    let mut server = Slapd::serving(slapd::people("u", 2, LONG_AGO));
    let env = Env::new().await;
    let app = env
        .directory("Corp LDAP", AppKind::LdapDirectory, &server, |_| {})
        .await;
    env.pull(&app, ImportType::Full).await;
    env.confirm_all(&app, true).await;
    let u0 = env.user_by_login("u0").await;
    let read = env.engine.read(&env.admin);
    assert_eq!(
        read.open_person(&u0.id).await.unwrap().sync,
        RealTimeSync::Unchanged {
            app_name: "Corp LDAP".into()
        }
    );

    server.modify(&format!(
        "dn: {}\nchangetype: modify\nreplace: sn\nsn: Married\n",
        slapd::person_dn("u0")
    ));
    let opened = read.open_person(&u0.id).await.unwrap();
    assert_eq!(
        opened.sync,
        RealTimeSync::Updated {
            app_name: "Corp LDAP".into(),
            attributes: vec!["lastName".into(), "sn".into()]
        }
    );
    assert_eq!(opened.person.user.last_name, "Married");
    let synced = env.events_of_type("system.import.realtime_sync").await;
    assert_eq!(synced.len(), 1);
    assert!(
        crate::support::at(&synced[0], "/displayMessage").contains("lastName, sn updated"),
        "{:#}",
        synced[0]
    );
    // The next import finds the account as the sync left it.
    let run = env.pull(&app, ImportType::Incremental).await;
    assert_eq!((run.counts.scanned, run.counts.updated), (1, 0));

    // With the directory gone, the page shows the stored profile and says so.
    server.kill();
    let opened = read.open_person(&u0.id).await.unwrap();
    match &opened.sync {
        RealTimeSync::Failed { reason, .. } => assert!(reason.contains("127.0.0.1"), "{reason}"),
        other => panic!("{other:?}"),
    }
    assert_eq!(opened.person.user.last_name, "Married");
    let failed = env.events_of_type("system.import.realtime_sync").await;
    assert_eq!(failed.len(), 2);
    assert_eq!(failed[1]["outcome"]["result"], "FAILURE", "{:#}", failed[1]);

    // Someone no directory sources has nothing to read.
    let csv = env.app("HR").await;
    env.import(
        &csv,
        b"login,firstName,lastName,email\nzoe@example.com,Zoe,Z,zoe@example.com\n",
        ImportType::Full,
    )
    .await;
    env.confirm_all(&csv, true).await;
    let zoe = env.user_by_login("zoe@example.com").await;
    assert_eq!(
        read.open_person(&zoe.id).await.unwrap().sync,
        RealTimeSync::NotSourced
    );
}

#[tokio::test]
async fn an_active_directory_whose_highest_usn_went_backwards_is_read_in_full() {
    let users: Vec<String> = (0..3)
        .map(|i| {
            slapd::ad_user(
                &format!("sam{i}"),
                "First",
                &format!("Last{i}"),
                i,
                true,
                100 + i,
            )
        })
        .collect();
    let mut server = Slapd::start(Options {
        ldif: Some(users.join("\n")),
        root_dse: Some("highestCommittedUSN: 200".into()),
        ..Options::default()
    });
    let env = Env::new().await;
    let app = env
        .directory("Corp AD", AppKind::ActiveDirectory, &server, |_| {})
        .await;
    env.pull(&app, ImportType::Full).await;
    let run = env.pull(&app, ImportType::Incremental).await;
    assert_eq!(
        (run.import_type, run.counts.scanned),
        (ImportType::Incremental, 0)
    );

    // Restored from a backup: its USNs are behind what Muster read.
    server.restart_with_root_dse("highestCommittedUSN: 50");
    let run = env.pull(&app, ImportType::Incremental).await;
    assert_eq!(run.status, RunStatus::Completed, "{:?}", run.message);
    assert_eq!((run.import_type, run.counts.scanned), (ImportType::Full, 3));
    let message = run.message.unwrap_or_default();
    assert!(
        message.contains("highest USN (50) is below the one the last import reached (102)"),
        "{message}"
    );
    let starts = env.events_of_type("system.import.start").await;
    assert!(starts
        .last()
        .unwrap()
        .to_string()
        .contains("runs as a full import"));
}

#[tokio::test]
async fn the_attributes_to_map_come_from_the_directorys_schema() {
    let mut server = Slapd::serving(slapd::people("u", 1, LONG_AGO));
    let env = Env::new().await;
    let ldap = env
        .directory("Corp LDAP", AppKind::LdapDirectory, &server, |_| {})
        .await;
    let ad = env
        .directory("Corp AD", AppKind::ActiveDirectory, &server, |_| {})
        .await;
    let read = env.engine.read(&env.admin);
    let editable = read.editable_settings(&ldap.id).await.unwrap();
    assert_eq!(
        editable.known_from,
        "the directory's schema for inetOrgPerson"
    );
    let known = editable.known_attributes.unwrap();
    assert_eq!(
        known[..5],
        ["login", "firstName", "lastName", "email", "dn"]
    );
    for attribute in [
        "departmentNumber",
        "employeeNumber",
        "sn",
        "uid",
        "cn",
        "title",
    ] {
        assert!(
            known.iter().any(|a| a == attribute),
            "{attribute}: {known:?}"
        );
    }
    assert!(!known.iter().any(|a| a == "userPassword"), "{known:?}");
    let known = read
        .editable_settings(&ad.id)
        .await
        .unwrap()
        .known_attributes
        .unwrap();
    assert!(known.iter().any(|a| a == "sAMAccountName"), "{known:?}");

    // A directory that does not answer leaves the fields free to type in.
    server.kill();
    let editable = read.editable_settings(&ldap.id).await.unwrap();
    assert_eq!(editable.known_attributes, None);
}
