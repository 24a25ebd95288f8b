//! A crash loses nothing. The `muster` binary is started on a data
//! directory and killed with SIGKILL at random points of a large import, the
//! confirmation of its queue, an import stopped by the safeguard, the resume
//! of that import, and a Clear Unconfirmed Users; it is started again after
//! each kill (re-sending the request a kill cut off, as an admin would) and
//! left to finish. After every kill the data on disk must be whole: nobody
//! created twice, every created user linked once and logged once, the queue
//! consistent with the app's users, every committed removal logged once. At
//! the end every person of the file is there exactly once. The tally is
//! printed (`--nocapture`).
//!
//! `MUSTER_CRASH_USERS` (default 100,000 rows), `MUSTER_CRASH_KILLS` (20),
//! `MUSTER_CRASH_SEED` (random, printed) and `MUSTER_BIN` (default the
//! `muster` this build made; `dist/muster` tests the release binary) change
//! the run: `MUSTER_BIN=dist/muster cargo test -p server --test it crash -- --nocapture`.

use crate::process::*;
use futures_util::future::BoxFuture;
use rand::rngs::StdRng;
use rand::{Rng, SeedableRng};
use serde_json::{json, Value};
use sqlx::sqlite::SqlitePool;
use std::path::PathBuf;
use std::time::{Duration, Instant};

fn setting(name: &str, default: u64) -> u64 {
    std::env::var(name)
        .ok()
        .map(|v| {
            v.replace('_', "")
                .parse()
                .unwrap_or_else(|_| panic!("{name}: {v}"))
        })
        .unwrap_or(default)
}

// ---- what is on disk ----

async fn count(db: &SqlitePool, sql: &str) -> i64 {
    sqlx::query_scalar(sql)
        .fetch_one(db)
        .await
        .unwrap_or_else(|e| panic!("{sql}: {e}"))
}

async fn count_of(db: &SqlitePool, sql: &str, bind: &str) -> i64 {
    sqlx::query_scalar(sql)
        .bind(bind)
        .fetch_one(db)
        .await
        .unwrap_or_else(|e| panic!("{sql}: {e}"))
}

async fn queued(db: &SqlitePool, app_id: &str) -> i64 {
    count_of(
        db,
        "SELECT count(*) FROM import_queue WHERE app_id = ?",
        app_id,
    )
    .await
}

/// Each logged event's type and first target: a row of many events (its
/// `members`) is one per member.
const LOGGED: &str = "WITH logged(event_type, target) AS (
    SELECT e.event_type, json_extract(m.value, '$.id') FROM events e, json_each(e.members) m
    UNION ALL
    SELECT event_type, json_extract(targets, '$[0].id') FROM events WHERE members IS NULL)";

/// The checks made after every kill, with muster stopped: the users of HR,
/// and Contractors' queue of `rows` rows cleared `clears` times. Returns how
/// many users there are.
async fn check_whole(db: SqlitePool, hr: String, contractors: Option<(String, i64, usize)>) -> i64 {
    let db = &db;
    let users = count(db, "SELECT count(*) FROM users").await;
    // Created once, logged once: one user.lifecycle.create per user, naming it.
    let created = count_of(
        db,
        &format!("{LOGGED} SELECT count(*) FROM logged WHERE event_type = ?"),
        "user.lifecycle.create",
    )
    .await;
    let named = count_of(
        db,
        &format!(
            "{LOGGED} SELECT count(DISTINCT u.id) FROM logged l
             JOIN users u ON u.id = l.target WHERE l.event_type = ?"
        ),
        "user.lifecycle.create",
    )
    .await;
    assert_eq!(
        (created, named),
        (users, users),
        "each user created and logged once"
    );
    for event_type in [
        "system.import.user.create",
        "application.user_membership.add",
    ] {
        let n = count_of(
            db,
            &format!("{LOGGED} SELECT count(*) FROM logged WHERE event_type = ?"),
            event_type,
        )
        .await;
        assert_eq!(n, users, "one {event_type} per user");
    }
    // Every user holds exactly one account of the app they came from.
    let unlinked = count_of(
        db,
        "SELECT count(*) FROM users u WHERE (SELECT count(*) FROM app_users a
           WHERE a.app_id = ? AND a.user_id = u.id) <> 1",
        &hr,
    )
    .await;
    assert_eq!(unlinked, 0, "every user linked to one account of HR");
    // The queue: each account once, none both queued and linked, none
    // queued without its account.
    for app in [Some(&hr), contractors.as_ref().map(|c| &c.0)]
        .into_iter()
        .flatten()
    {
        let twice = count_of(
            db,
            "SELECT count(*) - count(DISTINCT external_id) FROM import_queue WHERE app_id = ?",
            app,
        )
        .await;
        let linked = count_of(
            db,
            "SELECT count(*) FROM import_queue q JOIN app_users a
               ON a.app_id = q.app_id AND a.external_id = q.external_id
             WHERE q.app_id = ? AND a.user_id IS NOT NULL",
            app,
        )
        .await;
        let orphans = count_of(
            db,
            "SELECT count(*) FROM import_queue q WHERE q.app_id = ? AND NOT EXISTS
               (SELECT 1 FROM app_users a WHERE a.app_id = q.app_id AND a.external_id = q.external_id)",
            app,
        )
        .await;
        assert_eq!((twice, linked, orphans), (0, 0, 0), "the queue of {app}");
    }
    // Removals: each deprovisioned user logged once, counted on its run and
    // no longer kept as pending.
    let deprovisioned = count_of(
        db,
        "SELECT count(*) FROM users WHERE status = ?",
        "DEPROVISIONED",
    )
    .await;
    let delete = "system.import.user.delete";
    let logged = count_of(
        db,
        &format!("{LOGGED} SELECT count(*) FROM logged WHERE event_type = ?"),
        delete,
    )
    .await;
    let logged_users = count_of(
        db,
        &format!(
            "{LOGGED} SELECT count(DISTINCT u.id) FROM logged l
             JOIN users u ON u.id = l.target
             WHERE l.event_type = ? AND u.status = 'DEPROVISIONED'"
        ),
        delete,
    )
    .await;
    let counted = count(db, "SELECT coalesce(sum(deactivated), 0) FROM import_runs").await;
    let still_pending = count(
        db,
        "SELECT count(*) FROM import_removals r JOIN users u ON u.id = r.user_id
         WHERE u.status = 'DEPROVISIONED'",
    )
    .await;
    assert_eq!(
        (logged, logged_users, counted, still_pending),
        (deprovisioned, deprovisioned, deprovisioned, 0),
        "each removal applied, counted and logged once"
    );
    // Clear Unconfirmed Users: all or nothing, each clear logged once.
    if let Some((app, rows, clears)) = &contractors {
        let left = queued(db, app).await;
        assert!(
            left == 0 || left == *rows,
            "the queue of {app} is cleared whole or not at all: {left}"
        );
        let cleared: Vec<(i64,)> = sqlx::query_as(
            "SELECT json_extract(debug_data, '$.clearedUsers') FROM events WHERE event_type = ?",
        )
        .bind("system.import.clear.unconfirmed.users.summary")
        .fetch_all(db)
        .await
        .unwrap();
        assert_eq!(cleared, vec![(*rows,); *clears], "each clear logged once");
    }
    users
}

// ---- the kills ----

type Check = Box<dyn Fn(SqlitePool) -> BoxFuture<'static, i64> + Send + Sync>;
/// How far a step's work has come (committed, read from disk) and whether
/// it is finished.
type Probe = Box<dyn Fn(SqlitePool) -> BoxFuture<'static, (i64, bool)> + Send + Sync>;
/// What the admin sends again after a restart (nothing, for an import the
/// server's own worker takes up again).
type Resend = Box<dyn Fn(u16) -> BoxFuture<'static, ()> + Send + Sync>;

struct Step {
    label: &'static str,
    kills: u32,
    /// The progress the step reaches when finished.
    total: i64,
    /// How long a kill waits after its mark before the first batch is
    /// timed (then a random part of one batch's time).
    first_wait: Duration,
    probe: Probe,
    check: Check,
    resend: Resend,
}

#[derive(Default)]
struct Tally {
    kills: u32,
    landed: u32,
    checks: u32,
    per_step: Vec<String>,
}

struct Harness {
    dir: PathBuf,
    db: SqlitePool,
    rng: StdRng,
    tally: Tally,
}

impl Harness {
    /// Lets muster work on a step, killing it at random points (after the
    /// committed progress passes a random mark, then a random part of the
    /// time one batch takes), checking the data with muster stopped,
    /// restarting it and sending the cut-off request again. Returns the
    /// node left running once the step is finished.
    async fn run(&mut self, mut node: Node, step: Step) -> Node {
        let dir = self.dir.clone();
        // Marks in the first four fifths, so the last commit (which may
        // finish the step) leaves none unreached.
        let mut marks: Vec<i64> = (0..step.kills)
            .map(|_| self.rng.gen_range(0..(step.total * 4 / 5).max(1)))
            .collect();
        marks.sort_unstable();
        let mut landed = 0;
        let started = Instant::now();
        let mut request = tokio::spawn((step.resend)(node.port));
        for mark in marks {
            let (mut last, mut done) = (step.probe)(self.db.clone()).await;
            let mut last_change = Instant::now();
            let mut batch = step.first_wait;
            while !done && last < mark {
                assert!(
                    started.elapsed() < PATIENCE,
                    "{}: no progress:\n{}",
                    step.label,
                    log_tail(&dir)
                );
                assert!(
                    node.alive(),
                    "{}: muster exited:\n{}",
                    step.label,
                    log_tail(&dir)
                );
                tokio::time::sleep(Duration::from_millis(2)).await;
                let (now, finished) = (step.probe)(self.db.clone()).await;
                if now != last {
                    batch = last_change.elapsed().max(Duration::from_millis(1));
                    last_change = Instant::now();
                    last = now;
                }
                done = finished;
            }
            if done {
                break;
            }
            tokio::time::sleep(batch.mul_f64(self.rng.gen_range(0.0..1.0))).await;
            node.kill().await;
            request.abort();
            self.tally.kills += 1;
            if !(step.probe)(self.db.clone()).await.1 {
                landed += 1;
            }
            (step.check)(self.db.clone()).await;
            self.tally.checks += 1;
            node = spawn(&dir);
            // As an admin would, sent again only when the work is not done.
            request = if (step.probe)(self.db.clone()).await.1 {
                tokio::spawn(async {})
            } else {
                tokio::spawn((step.resend)(node.port))
            };
        }
        while !(step.probe)(self.db.clone()).await.1 {
            assert!(
                started.elapsed() < PATIENCE,
                "{}: not finished:\n{}",
                step.label,
                log_tail(&dir)
            );
            assert!(
                node.alive(),
                "{}: muster exited:\n{}",
                step.label,
                log_tail(&dir)
            );
            tokio::time::sleep(Duration::from_millis(10)).await;
        }
        let _ = request.await;
        while !answers(node.port).await {
            assert!(
                node.alive(),
                "{}: muster exited:\n{}",
                step.label,
                log_tail(&dir)
            );
            tokio::time::sleep(Duration::from_millis(20)).await;
        }
        self.tally.landed += landed;
        self.tally.per_step.push(format!("{}:{landed}", step.label));
        node
    }
}

fn import_probe(run: &str) -> Probe {
    let run = run.to_owned();
    Box::new(move |db| {
        let run = run.clone();
        Box::pin(async move {
            let (status, scanned, _) = run_state(&db, &run).await;
            (scanned, status == "COMPLETED" || status == "PAUSED")
        })
    })
}

fn check_of(hr: &str) -> Check {
    let hr = hr.to_owned();
    Box::new(move |db| Box::pin(check_whole(db, hr.clone(), None)))
}

fn no_resend() -> Resend {
    Box::new(|_| Box::pin(async {}))
}

/// Sends a server function call again after each start; its answer (or
/// the kill that cuts it off) does not matter, what is on disk does.
fn resend(cookie: &str, name: &'static str, json_body: Option<Value>, form: String) -> Resend {
    let cookie = cookie.to_owned();
    Box::new(move |port| {
        let (cookie, json_body, form) = (cookie.clone(), json_body.clone(), form.clone());
        Box::pin(async move {
            while !answers(port).await {
                tokio::time::sleep(Duration::from_millis(20)).await;
            }
            let _ = call(port, &cookie, name, json_body, &form).await;
        })
    })
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn sigkill_at_random_points_loses_nothing() {
    let users = setting("MUSTER_CRASH_USERS", 100_000) as i64;
    let kills = setting("MUSTER_CRASH_KILLS", 20) as u32;
    let seed = setting("MUSTER_CRASH_SEED", rand::random::<u32>().into());
    println!("crash: seed={seed} (MUSTER_CRASH_SEED repeats this run)");
    let began = Instant::now();
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path().to_owned();
    // Kills per step, in proportion: import, confirm, a paused import, its
    // resume, clear.
    let share = |part: u32| kills * part / 20;
    let (k_import, k_confirm, k_paused, k_resume) = (share(6), share(5), share(3), share(4));
    let k_clear = kills - k_import - k_confirm - k_paused - k_resume;

    let node = start(&dir).await;
    let cookie = sign_in(node.port).await;
    let db = database(&dir).await;
    let mut h = Harness {
        dir: dir.clone(),
        db: db.clone(),
        rng: StdRng::seed_from_u64(seed),
        tally: Tally::default(),
    };
    let app = must(
        node.port,
        &cookie,
        "create_app",
        None,
        "name=HR&kind=CsvDirectory",
    )
    .await;
    let hr = app["id"].as_str().unwrap().to_owned();

    // 1. A full import of every row into an empty directory.
    let run = start_import(node.port, &cookie, &hr, &people("u", 0..users as u64)).await;
    let step = Step {
        label: "import",
        kills: k_import,
        total: users,
        first_wait: Duration::from_millis(50),
        probe: import_probe(&run),
        check: check_of(&hr),
        resend: no_resend(),
    };
    let node = h.run(node, step).await;
    let (status, scanned, _) = run_state(&db, &run).await;
    assert_eq!((status.as_str(), scanned), ("COMPLETED", users));
    assert_eq!(queued(&db, &hr).await, users, "every row queued once");

    // 2. Confirm Assignments of the whole queue, with activation.
    let probe: Probe = {
        let hr = hr.clone();
        Box::new(move |db| {
            let hr = hr.clone();
            Box::pin(async move {
                let users = count(&db, "SELECT count(*) FROM users").await;
                (users, queued(&db, &hr).await == 0)
            })
        })
    };
    let body = json!({"app_id": hr, "seqs": [], "all": true, "match_type": null, "activate": true});
    let step = Step {
        label: "confirm",
        kills: k_confirm,
        total: users,
        first_wait: Duration::from_millis(50),
        probe,
        check: check_of(&hr),
        resend: resend(&cookie, "confirm_assignments", Some(body), String::new()),
    };
    let node = h.run(node, step).await;
    assert_eq!(check_whole(db.clone(), hr.clone(), None).await, users);

    // 3. The file loses 30% of its rows: the import stops at the safeguard.
    let kept = users * 7 / 10;
    let run = start_import(node.port, &cookie, &hr, &people("u", 0..kept as u64)).await;
    let step = Step {
        label: "paused_import",
        kills: k_paused,
        total: kept,
        first_wait: Duration::from_millis(50),
        probe: import_probe(&run),
        check: check_of(&hr),
        resend: no_resend(),
    };
    let node = h.run(node, step).await;
    let (status, scanned, _) = run_state(&db, &run).await;
    assert_eq!((status.as_str(), scanned), ("PAUSED", kept));
    let pending = count_of(
        &db,
        "SELECT count(*) FROM import_removals WHERE run_id = ?",
        &run,
    )
    .await;
    assert_eq!(pending, users - kept, "the removals kept for the admin");

    // 4. Resume: the removals are applied.
    let probe: Probe = {
        let run = run.clone();
        Box::new(move |db| {
            let run = run.clone();
            Box::pin(async move {
                let (status, _, deactivated) = run_state(&db, &run).await;
                (deactivated, status == "COMPLETED")
            })
        })
    };
    let step = Step {
        label: "resume",
        kills: k_resume,
        total: users - kept,
        first_wait: Duration::from_millis(50),
        probe,
        check: check_of(&hr),
        resend: resend(
            &cookie,
            "decide_paused_run",
            None,
            format!("run_id={run}&resume=true"),
        ),
    };
    let node = h.run(node, step).await;
    let (_, _, deactivated) = run_state(&db, &run).await;
    assert_eq!(deactivated, users - kept);
    let wrong = count_of(
        &db,
        "SELECT count(*) FROM users WHERE (status = 'DEPROVISIONED') <>
           (CAST(substr(login, 2, instr(login, '@') - 2) AS INTEGER) >= CAST(? AS INTEGER))",
        &kept.to_string(),
    )
    .await;
    assert_eq!(wrong, 0, "exactly the people the file lost are deactivated");

    // 5. Clear Unconfirmed Users of another app's whole queue, queued again
    // by an import each round. The first clear is timed; each later one is
    // killed at a random point of that time and, when it had not committed,
    // sent again after the restart.
    let app = must(
        node.port,
        &cookie,
        "create_app",
        None,
        "name=Contractors&kind=CsvDirectory",
    )
    .await;
    let contractors = app["id"].as_str().unwrap().to_owned();
    let rows = (users / 10).max(1);
    let body = json!({"app_id": contractors, "seqs": [], "all": true, "match_type": null});
    let clear = resend(&cookie, "clear_unconfirmed", Some(body), String::new());
    let (mut node, mut clears, mut took, mut landed) = (node, 0, Duration::ZERO, 0);
    for round in 0..=k_clear {
        let run = start_import(
            node.port,
            &cookie,
            &contractors,
            &people("c", 0..rows as u64),
        )
        .await;
        while run_state(&db, &run).await.0 != "COMPLETED" {
            tokio::time::sleep(Duration::from_millis(20)).await;
        }
        assert_eq!(queued(&db, &contractors).await, rows);
        let sent = Instant::now();
        let request = tokio::spawn(clear(node.port));
        if round == 0 {
            request.await.unwrap();
            took = sent.elapsed();
        } else {
            tokio::time::sleep(took.mul_f64(h.rng.gen_range(0.0..1.0))).await;
            node.kill().await;
            request.abort();
            h.tally.kills += 1;
            let committed = queued(&db, &contractors).await == 0;
            let state = Some((contractors.clone(), rows, clears + usize::from(committed)));
            check_whole(db.clone(), hr.clone(), state).await;
            h.tally.checks += 1;
            node = start(&dir).await;
            if !committed {
                landed += 1;
                clear(node.port).await;
            }
        }
        clears += 1;
        assert_eq!(queued(&db, &contractors).await, 0);
    }
    h.tally.landed += landed;
    h.tally.per_step.push(format!("clear:{landed}"));
    node.kill().await;

    // The end: every person of the file once, linked once, logged once.
    let total = check_whole(
        db.clone(),
        hr.clone(),
        Some((contractors.clone(), rows, clears)),
    )
    .await;
    assert_eq!(total, users);
    let people_once = count(
        &db,
        "SELECT count(DISTINCT lower(login)) FROM users WHERE login LIKE 'u%@example.com'",
    )
    .await;
    assert_eq!(people_once, users, "none lost");
    let unfinished = count(
        &db,
        "SELECT count(*) FROM import_runs WHERE status <> 'COMPLETED'",
    )
    .await;
    assert_eq!(unfinished, 0, "every import completed");
    let t = &h.tally;
    println!(
        "crash: users={users} kills={} landed={} ({}) checks={} users_created_once={total} linked_once={total} \
         deactivated={deactivated} cleared={rows} violations=0 seconds={:.1}",
        t.kills,
        t.landed,
        t.per_step.join(" "),
        t.checks,
        began.elapsed().as_secs_f64()
    );
    assert!(
        t.landed >= kills * 3 / 4,
        "most kills landed before their step finished: {}",
        t.landed
    );
}
