//! Directory import throughput: N OpenLDAP people loaded into a slapd of
//! the bench's own (loopback, plain LDAP, pages of 1,000), read by a Full
//! import into a Muster that auto-confirms and activates new people, then
//! by a Full import into another whose admin confirms the whole queue
//! (activating), then 1% of them changed in the directory and read by an
//! Incremental import. The floor is a bare paged
//! read of the same entries through the same LDAP source, in the same run,
//! with nothing staged, matched or written.
//!
//! `cargo bench -p engine --bench ldap -- --users 100000` (the default).
//! Progress goes to stderr; stdout gets one line:
//! `ldap_users=N full_s=… users_per_s=… auto_full_s=… auto_users_per_s=… read_floor_users_per_s=… incremental_s=… incremental_ratio=… peak_rss_mib=…`
//! where `full_s` runs from Import Now to the end of the admin's Confirm
//! Assignments of the whole queue, `auto_full_s` is the same import into
//! another Muster whose settings auto-confirm and activate new people (no
//! queue), and `incremental_ratio` is incremental_s / full_s.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod support;

use engine::model::{AppKind, ImportRun, ImportType, RunStatus};
use engine::sources::ldap::{LdapSettings, LdapSource, Preset, Security};
use engine::sources::{Item, Source};
use engine::store::Selection;
use engine::Engine;
use std::sync::Arc;
use std::time::Instant;
use testkit::slapd::{self, Options, Slapd};

const DEFAULT_USERS: usize = 100_000;
/// Every this many people, one is changed before the incremental import.
const CHANGE_EVERY: usize = 100;

fn main() {
    let users = support::users_arg(DEFAULT_USERS);
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .expect("tokio runtime");
    println!("{}", runtime.block_on(bench(users)));
}

fn settings(server: &Slapd) -> LdapSettings {
    LdapSettings {
        host: "127.0.0.1".into(),
        port: server.port,
        security: Security::None,
        bind_dn: slapd::BIND_DN.into(),
        users_base: slapd::PEOPLE.into(),
        page_size: 1000,
        ..LdapSettings::preset(Preset::OpenLdap)
    }
}

/// Reads every entry through the LDAP source alone; returns the rate.
async fn read_floor(server: &Slapd, users: usize) -> f64 {
    let started = Instant::now();
    let mut source = LdapSource::new(settings(server), slapd::BIND_PASSWORD.into(), None);
    let mut records = 0;
    while let Some(batch) = source.next_batch().await.expect("read") {
        records += batch
            .iter()
            .filter(|i| matches!(i, Item::Record(_)))
            .count();
    }
    assert_eq!(records, users, "the floor reads every entry");
    let s = started.elapsed().as_secs_f64();
    eprintln!("[floor] paged read of {records} entries: {s:.2} s");
    users as f64 / s
}

async fn pull(
    engine: &Arc<Engine>,
    admin: &engine::model::Admin,
    app_id: &str,
    t: ImportType,
) -> ImportRun {
    engine
        .write(admin)
        .expect("write")
        .start_import(app_id, None, t)
        .await
        .expect("start import");
    let run = engine
        .run_next_job()
        .await
        .expect("run")
        .expect("a run was claimed");
    assert_eq!(run.status, RunStatus::Completed, "{:?}", run.message);
    run
}

/// A Muster of its own with the bench's directory added; answers it, its
/// admin, the app's id and the directory its data is kept in.
async fn directory(
    server: &Slapd,
    auto_confirm: bool,
) -> (Arc<Engine>, engine::model::Admin, String, tempfile::TempDir) {
    let dir = tempfile::tempdir().expect("temp dir");
    let (engine, admin) = support::open_engine(&dir.path().join("muster"), |_| {}).await;
    let write = engine.write(&admin).expect("write");
    let app = write
        .create_app("Bench LDAP", AppKind::LdapDirectory)
        .await
        .expect("app");
    write
        .save_connection(
            &app.id,
            serde_json::to_value(settings(server)).expect("settings"),
            Some(slapd::BIND_PASSWORD),
        )
        .await
        .expect("connection");
    if auto_confirm {
        let mut s = engine
            .read(&admin)
            .app_settings(&app.id)
            .await
            .expect("settings");
        s.matching.auto_confirm_new = true;
        s.matching.auto_confirm_exact = true;
        s.matching.auto_activate_new = true;
        write
            .save_app_settings(&app.id, s)
            .await
            .expect("save settings");
    }
    (engine, admin, app.id, dir)
}

async fn bench(users: usize) -> String {
    let loading = Instant::now();
    let server = Slapd::start(Options {
        size_limit: Some(500),
        ldif: Some(slapd::people("user", users, "20260101000000Z")),
        ..Options::default()
    });
    eprintln!(
        "[load] slapd with {users} people: {:.1} s",
        loading.elapsed().as_secs_f64()
    );
    let floor = read_floor(&server, users).await;

    // The directory as an admin who auto-confirms it sets it up: each
    // person is created and activated in the batch that reads them.
    let (auto_engine, auto_admin, auto_app, _auto_dir) = directory(&server, true).await;
    let started = Instant::now();
    let run = pull(&auto_engine, &auto_admin, &auto_app, ImportType::Full).await;
    let auto_s = started.elapsed().as_secs_f64();
    assert_eq!(run.counts.new, users as i64);
    let people = auto_engine
        .read(&auto_admin)
        .dashboard()
        .await
        .unwrap()
        .users;
    assert_eq!(people, users as i64, "every entry is a person");
    eprintln!("[full, auto-confirmed] {auto_s:.2} s, {people} people");
    drop(auto_engine);

    // Confirmed by the admin from the import queue.
    let (engine, admin, app_id, _dir) = directory(&server, false).await;
    let started = Instant::now();
    let run = pull(&engine, &admin, &app_id, ImportType::Full).await;
    let ran = started.elapsed().as_secs_f64();
    assert_eq!(run.counts.new, users as i64);
    let outcome = engine
        .write(&admin)
        .expect("write")
        .confirm_assignments(&app_id, Selection::All, true)
        .await
        .expect("confirm");
    assert_eq!(outcome.created, users as i64);
    let full_s = started.elapsed().as_secs_f64();
    eprintln!(
        "[full] import {ran:.2} s, confirm {:.2} s, {} people",
        full_s - ran,
        outcome.created
    );

    let changes: String = (0..users)
        .step_by(CHANGE_EVERY)
        .map(|i| {
            format!(
                "dn: {}\nchangetype: modify\nreplace: sn\nsn: Changed{i}\n\n",
                slapd::person_dn(&format!("user{i}"))
            )
        })
        .collect();
    server.modify(&changes);
    let changed = users.div_ceil(CHANGE_EVERY) as i64;
    let started = Instant::now();
    let run = pull(&engine, &admin, &app_id, ImportType::Incremental).await;
    let incremental_s = started.elapsed().as_secs_f64();
    assert_eq!(run.import_type, ImportType::Incremental);
    assert_eq!(
        (run.counts.scanned, run.counts.updated),
        (changed, changed),
        "only the changed entries are read, and each updates its person"
    );
    eprintln!("[incremental] {changed} changed entries: {incremental_s:.2} s");

    format!(
        "ldap_users={users} full_s={full_s:.2} users_per_s={:.0} auto_full_s={auto_s:.2} auto_users_per_s={:.0} read_floor_users_per_s={floor:.0} incremental_s={incremental_s:.2} incremental_ratio={:.4} peak_rss_mib={:.0}",
        users as f64 / full_s,
        users as f64 / auto_s,
        incremental_s / full_s,
        support::peak_rss_mib()
    )
}
