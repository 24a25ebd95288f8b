//! Settings say no to what cannot work: attributes the source does not
//! have, contradictions, saves from an out-of-date editor; and an app's own
//! lifecycle (rename, deactivate, delete) with its name unique.

use crate::support::{Env, HEADER};
use engine::model::{App, AppStatus, ImportType};
use engine::settings::{
    AppSettings, EditableSettings, Frequency, Mapping, Schedule, SettingsSection, UsernameFormat,
};
use engine::Error;

async fn editable(env: &Env, app: &App) -> EditableSettings {
    env.engine
        .read(&env.admin)
        .editable_settings(&app.id)
        .await
        .unwrap()
}

/// Saves one section as the editor does, from what it opened (`opened`).
async fn save_section(
    env: &Env,
    app: &App,
    section: SettingsSection,
    opened: &EditableSettings,
    draft: &AppSettings,
) -> Result<EditableSettings, Error> {
    env.engine
        .write(&env.admin)
        .unwrap()
        .save_settings_section(
            &app.id,
            section,
            opened.versions.get(section),
            &opened.settings,
            draft,
        )
        .await
}

fn one_row() -> String {
    format!("{HEADER},dept\nann@example.com,Ann,Lee,ann@example.com,Sales\n")
}

#[tokio::test]
async fn attributes_the_source_does_not_have_are_refused_with_the_known_ones() {
    let env = Env::new().await;
    let app = env.app("HR").await;
    // Before any import nothing is known, so nothing is refused for it.
    let opened = editable(&env, &app).await;
    assert_eq!(opened.known_attributes, None);
    let mut draft = opened.settings.clone();
    draft.username_format = UsernameFormat::Attribute("emplid".into());
    let saved = save_section(&env, &app, SettingsSection::General, &opened, &draft)
        .await
        .unwrap();
    draft.username_format = UsernameFormat::Attribute("login".into());
    save_section(&env, &app, SettingsSection::General, &saved, &draft)
        .await
        .unwrap();

    env.import(&app, one_row().as_bytes(), ImportType::Full)
        .await;
    let opened = editable(&env, &app).await;
    let known = ["login", "firstName", "lastName", "email", "dept"].map(String::from);
    assert_eq!(opened.known_attributes.as_deref(), Some(&known[..]));
    let refused = |e: Error, field: &str, name: &str| {
        assert!(
            matches!(&e, Error::InvalidInput(m) if m.starts_with(field)
                && m.contains(&format!("\"{name}\""))
                && m.contains("login, firstName, lastName, email, dept")),
            "{e}"
        );
    };

    let mut draft = opened.settings.clone();
    draft.username_format = UsernameFormat::Attribute("emplid".into());
    let e = save_section(&env, &app, SettingsSection::General, &opened, &draft)
        .await
        .unwrap_err();
    refused(e, "Username format", "emplid");

    let mut draft = opened.settings.clone();
    draft.matching.attribute = Some("employeeNumber".into());
    let e = save_section(&env, &app, SettingsSection::Matching, &opened, &draft)
        .await
        .unwrap_err();
    refused(e, "User matching", "employeeNumber");

    let mut draft = opened.settings.clone();
    draft.mappings.push(Mapping {
        attribute: "department".into(),
        expression: "String.toUpperCase(appuser.department)".into(),
    });
    let e = save_section(&env, &app, SettingsSection::Mappings, &opened, &draft)
        .await
        .unwrap_err();
    refused(e, "Attribute mappings: department", "department");

    // The whole-settings save checks the same.
    let mut all = opened.settings.clone();
    all.username_format = UsernameFormat::Attribute("emplid".into());
    let e = env
        .engine
        .write(&env.admin)
        .unwrap()
        .save_app_settings(&app.id, all)
        .await
        .unwrap_err();
    refused(e, "Username format", "emplid");

    // Attributes the source has, and those a mapping sets, are accepted.
    let mut draft = opened.settings.clone();
    draft.matching.attribute = Some("dept".into());
    save_section(&env, &app, SettingsSection::Matching, &opened, &draft)
        .await
        .unwrap();
    assert_eq!(editable(&env, &app).await.settings, {
        let mut s = opened.settings.clone();
        s.matching.attribute = Some("dept".into());
        s.matching.username = false;
        s
    });
}

#[tokio::test]
async fn contradictions_are_refused_and_nothing_is_saved() {
    let env = Env::new().await;
    let app = env.app("HR").await;
    let opened = editable(&env, &app).await;
    for (change, says) in [
        (
            (|s: &mut AppSettings| s.matching.auto_confirm_partial = true) as fn(&mut AppSettings),
            "\"Allow partial matches\" is off",
        ),
        (
            |s: &mut AppSettings| s.matching.auto_activate_new = true,
            "\"Auto-confirm new users\" is off",
        ),
        (
            |s: &mut AppSettings| s.matching.attribute = Some(String::new()),
            "names no attribute",
        ),
    ] {
        let mut draft = opened.settings.clone();
        change(&mut draft);
        let e = save_section(&env, &app, SettingsSection::Matching, &opened, &draft)
            .await
            .unwrap_err();
        assert!(
            matches!(&e, Error::InvalidInput(m) if m.contains(says)),
            "{e}"
        );
    }
    assert_eq!(editable(&env, &app).await, opened, "nothing was saved");
}

#[tokio::test]
async fn a_save_from_an_out_of_date_editor_is_refused_with_what_changed() {
    let env = Env::new().await;
    let app = env.app("HR").await;
    // Two admins open the settings.
    let first = editable(&env, &app).await;
    let second = editable(&env, &app).await;

    let mut draft = first.settings.clone();
    draft.safeguard.percent = 35;
    let saved = save_section(&env, &app, SettingsSection::General, &first, &draft)
        .await
        .unwrap();
    assert_eq!(saved.versions.general, first.versions.general + 1);

    // The second saves General from what it opened: refused, not reverted.
    let mut draft = second.settings.clone();
    draft.full_schedule = Schedule {
        frequency: Frequency::Weekly,
        interval: 1,
    };
    let e = save_section(&env, &app, SettingsSection::General, &second, &draft)
        .await
        .unwrap_err();
    assert!(
        matches!(&e, Error::Conflict(m) if m.contains("out of date") && m.contains("safeguard.percent: 20 → 35")),
        "{e}"
    );
    assert_eq!(e.code(), "MUS0409");
    let now = editable(&env, &app).await;
    assert_eq!(now.settings.safeguard.percent, 35, "the first save stands");
    assert_eq!(now.settings.full_schedule, Schedule::default());

    // Another section saved from the same old editor keeps the first
    // admin's General change.
    let mut draft = second.settings.clone();
    draft.matching.email = true;
    let saved = save_section(&env, &app, SettingsSection::Matching, &second, &draft)
        .await
        .unwrap();
    assert!(saved.settings.matching.email);
    assert_eq!(saved.settings.safeguard.percent, 35);

    // Opened again, the second admin's save goes through.
    let mut draft = saved.settings.clone();
    draft.full_schedule.frequency = Frequency::Weekly;
    let saved = save_section(&env, &app, SettingsSection::General, &saved, &draft)
        .await
        .unwrap();
    assert_eq!(saved.settings.full_schedule.frequency, Frequency::Weekly);
    assert_eq!(saved.settings.safeguard.percent, 35);
}

#[tokio::test]
async fn apps_are_renamed_and_their_names_are_unique_regardless_of_case() {
    let env = Env::new().await;
    let hr = env.app("HR").await;
    let wiki = env.app("Wiki").await;
    let write = env.engine.write(&env.admin).unwrap();
    let e = write
        .create_app(" hr ", engine::model::AppKind::CsvDirectory)
        .await
        .unwrap_err();
    assert!(
        matches!(&e, Error::Conflict(m) if m.contains("\"HR\" already exists")),
        "{e}"
    );
    let e = write.rename_app(&wiki.id, "Hr").await.unwrap_err();
    assert!(
        matches!(&e, Error::Conflict(m) if m.contains("\"HR\" already exists")),
        "{e}"
    );
    assert!(write.rename_app(&wiki.id, "  ").await.is_err());

    let renamed = write.rename_app(&wiki.id, "Wiki Directory").await.unwrap();
    assert_eq!(renamed.name, "Wiki Directory");
    // Its own name in another case is not taken.
    assert_eq!(write.rename_app(&hr.id, "hr").await.unwrap().name, "hr");
    let events = env.events_of_type("application.lifecycle.update").await;
    assert!(events
        .iter()
        .any(|e| e["displayMessage"] == "Rename Wiki to Wiki Directory"));
}

#[tokio::test]
async fn a_deactivated_app_does_not_import_until_activated() {
    let env = Env::new().await;
    let app = env.app("HR").await;
    env.configure(&app, |s| {
        s.incremental_schedule = Schedule {
            frequency: Frequency::Hourly,
            interval: 1,
        };
    })
    .await;
    env.import(&app, one_row().as_bytes(), ImportType::Full)
        .await;
    let upload = env.upload(&app, one_row().as_bytes()).await;

    // Not while an import waits to run (so a deactivated app, and the
    // deleted one it may become, never has an import under way).
    let queued = env
        .engine
        .write(&env.admin)
        .unwrap()
        .start_import(&app.id, Some(&upload.id), ImportType::Full)
        .await
        .unwrap();
    let write = env.engine.write(&env.admin).unwrap();
    assert!(matches!(
        write.deactivate_app(&app.id).await,
        Err(Error::ImportBusy)
    ));
    let ran = env.engine.run_next_job().await.unwrap().unwrap();
    assert_eq!(ran.id, queued.id);

    let app = write.deactivate_app(&app.id).await.unwrap();
    assert_eq!(app.status, AppStatus::Inactive);
    let e = write
        .start_import(&app.id, Some(&upload.id), ImportType::Full)
        .await
        .unwrap_err();
    assert!(
        matches!(&e, Error::InvalidInput(m) if m.contains("HR is deactivated")),
        "{e}"
    );
    let later = chrono::Utc::now() + chrono::Duration::days(2);
    assert!(env
        .engine
        .enqueue_due_imports(later)
        .await
        .unwrap()
        .is_empty());
    assert_eq!(
        env.events_of_type("application.lifecycle.deactivate")
            .await
            .len(),
        1
    );

    write.activate_app(&app.id).await.unwrap();
    assert_eq!(
        env.engine.enqueue_due_imports(later).await.unwrap().len(),
        1
    );
    assert_eq!(
        env.events_of_type("application.lifecycle.activate")
            .await
            .len(),
        1
    );
}

#[tokio::test]
async fn deleting_an_app_unlinks_its_accounts_and_the_people_stay() {
    let env = Env::new().await;
    let app = env.app("HR").await;
    let data = format!(
        "{HEADER}\nann@example.com,Ann,Lee,ann@example.com\nbob@example.com,Bob,Ray,bob@example.com\n"
    );
    env.import(&app, data.as_bytes(), ImportType::Full).await;
    env.confirm_all(&app, true).await;
    let app = env.refresh(&app).await;
    assert_eq!((app.accounts, app.assigned_users), (2, 2));
    let ann = env.user_by_login("ann@example.com").await;
    assert_eq!(ann.source_app_id.as_deref(), Some(app.id.as_str()));

    let write = env.engine.write(&env.admin).unwrap();
    let e = write.delete_app(&app.id).await.unwrap_err();
    assert!(
        matches!(&e, Error::InvalidInput(m) if m.contains("deactivate it before deleting")),
        "{e}"
    );
    write.deactivate_app(&app.id).await.unwrap();

    let deleted = write.delete_app(&app.id).await.unwrap();
    assert_eq!(deleted.accounts, 2);
    assert!(matches!(
        env.engine.read(&env.admin).get_app(&app.id).await,
        Err(Error::NotFound(_))
    ));
    assert_eq!(env.user_count().await, 2, "the people stay");
    let ann = env.user_by_login("ann@example.com").await;
    assert_eq!(ann.source_app_id, None, "no app sources them now");
    let events = env.events_of_type("application.lifecycle.delete").await;
    assert_eq!(events.len(), 1);
    assert_eq!(
        events[0]["debugContext"]["debugData"]["unlinkedAccounts"],
        2
    );
    assert!(
        std::fs::read_dir(env.uploads_dir())
            .unwrap()
            .next()
            .is_none(),
        "its uploads are removed"
    );
    // Its name is free again.
    env.app("hr").await;
}

#[tokio::test]
async fn the_orgs_safeguard_is_not_saved_from_an_out_of_date_page() {
    use engine::settings::{OrgSettings, Safeguard};
    let env = Env::new().await;
    let read = env.engine.read(&env.admin);
    let write = env.engine.write(&env.admin).unwrap();
    let first = read.editable_org_settings().await.unwrap();
    let second = read.editable_org_settings().await.unwrap();
    let with = |percent| OrgSettings {
        safeguard: Safeguard {
            enabled: true,
            percent,
        },
    };
    let saved = write
        .save_org_settings_from(first.version, &first.settings, with(30))
        .await
        .unwrap();
    assert_eq!(saved.version, first.version + 1);
    let e = write
        .save_org_settings_from(second.version, &second.settings, with(50))
        .await
        .unwrap_err();
    assert!(
        matches!(&e, Error::Conflict(m) if m.contains("out of date") && m.contains("safeguard.percent: 20 → 30")),
        "{e}"
    );
    assert_eq!(
        read.org_settings().await.unwrap(),
        with(30),
        "the first save stands"
    );
    // From the settings as they are now, the save goes through.
    let now = read.editable_org_settings().await.unwrap();
    write
        .save_org_settings_from(now.version, &now.settings, with(50))
        .await
        .unwrap();
    assert_eq!(read.org_settings().await.unwrap(), with(50));
}

#[tokio::test]
async fn a_mapping_that_outgrows_its_budget_is_refused_and_an_import_meeting_it_goes_on() {
    let env = Env::new().await;
    let app = env.app("Badges").await;
    let sixteen = "xxxxxxxxxxxxxxxx";
    let refused = env
        .try_configure(&app, |s| {
            s.mappings.push(Mapping {
                attribute: "nickName".into(),
                expression: format!(
                    "String.replace(String.replace(String.replace(appuser.firstName, 'x', '{sixteen}'), 'x', '{sixteen}'), 'x', '{sixteen}')"
                ),
            })
        })
        .await
        .unwrap_err();
    assert!(
        matches!(&refused, Error::InvalidInput(m) if m.starts_with("Attribute mappings: nickName: The value would be")
            && m.contains("longer than the 64 KiB")),
        "{refused}"
    );

    // Within budget for ordinary names, past it for one row's long name.
    env.configure(&app, |s| {
        s.mappings.push(Mapping {
            attribute: "nickName".into(),
            expression: format!("String.replace(appuser.firstName, 'x', '{sixteen}{sixteen}')"),
        });
    })
    .await;
    let long = "x".repeat(3_000);
    let data = format!("{HEADER}\nann@x.io,Ann,Lee,ann@x.io\nrex@x.io,{long},Long,rex@x.io\nbo@x.io,Box,Ray,bo@x.io\n");
    let run = env.import(&app, data.as_bytes(), ImportType::Full).await;
    assert_eq!(run.counts.errors, 1);
    assert_eq!(env.queue(&app).await.len(), 2);
    let errors = env.row_errors(&run).await;
    assert_eq!(errors[0].line, Some(3));
    assert!(
        errors[0]
            .message
            .starts_with("nickName: the mapping failed: The value would be 94 KiB long"),
        "{:?}",
        errors[0]
    );
}
