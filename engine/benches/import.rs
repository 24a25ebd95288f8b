//! Import throughput: a CSV of N users imported into an empty directory
//! (upload, Import Now, run, Confirm Assignments with activation), then the
//! same file into a second app where every row is an exact match, against a
//! floor of plain batched INSERTs of the same rows into the same table.
//! Then 1% of the rows change (the last name of every 100th row) and the
//! changed file goes to the first app twice from the same state: as an
//! Incremental import, and (after an untimed incremental import of the
//! original file puts the old profiles back) as a Full import. Linked users
//! are updated in place, so neither leaves anything to confirm.
//!
//! `cargo bench -p engine --bench import -- --users 100000` (default 1,000,000).
//! Progress goes to stderr; stdout gets two lines:
//! `users=N import_s=… users_per_s=… match_s=… match_users_per_s=… floor_users_per_s=… ratio=… peak_rss_mib=…`
//! then, last, `incremental_s=… full_s=… ratio=…` where ratio is
//! incremental_s / full_s (each from upload start to run end).

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod support;

use engine::model::{Admin, AppKind, ConfirmOutcome, ImportRun, ImportType, RunStatus};
use engine::store::Selection;
use engine::Engine;
use sqlx::{QueryBuilder, Sqlite};
use std::io::Write;
use std::path::Path;
use std::sync::Arc;
use std::time::{Duration, Instant};

const DEFAULT_USERS: usize = 1_000_000;

fn main() {
    let users = support::users_arg(DEFAULT_USERS);
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .expect("tokio runtime");
    let (line, incremental_line) = runtime.block_on(bench(users));
    println!("{line}");
    println!("{incremental_line}");
}

/// Every this many rows, the changed file has a new last name.
const CHANGE_EVERY: usize = 100;

/// Rows of `n` that the changed file changes.
fn changed_rows(n: usize) -> usize {
    n.div_ceil(CHANGE_EVERY)
}

/// The bench's CSV of `n` users; with `changed`, every 100th row (0, 100, …)
/// has the last name `Last{i}x` instead of `Last{i}`.
fn generate_csv(path: &Path, n: usize, changed: bool) -> u64 {
    let file = std::fs::File::create(path).expect("create CSV");
    let mut out = std::io::BufWriter::with_capacity(1 << 20, file);
    writeln!(out, "login,firstName,lastName,email,department").expect("write");
    const DEPARTMENTS: [&str; 8] = [
        "Finance",
        "Sales",
        "Engineering",
        "Support",
        "Legal",
        "Marketing",
        "Operations",
        "HR",
    ];
    for i in 0..n {
        let suffix = if changed && i % CHANGE_EVERY == 0 {
            "x"
        } else {
            ""
        };
        writeln!(
            out,
            "user{i}@example.com,First{i},Last{i}{suffix},user{i}@example.com,{}",
            DEPARTMENTS[i % DEPARTMENTS.len()]
        )
        .expect("write");
    }
    out.flush().expect("flush");
    std::fs::metadata(path).expect("CSV metadata").len()
}

fn secs(d: Duration) -> f64 {
    d.as_secs_f64()
}

/// Upload, Import Now (Full), run the job, confirm everything with activation.
/// Returns the run, the outcome and the elapsed time from upload start to confirm end.
async fn import_pass(
    engine: &Arc<Engine>,
    admin: &Admin,
    app_id: &str,
    csv: &Path,
    label: &str,
) -> (ImportRun, ConfirmOutcome, Duration) {
    let start = Instant::now();
    let file = tokio::fs::File::open(csv).await.expect("open CSV");
    let preview = engine
        .write(admin)
        .expect("write")
        .save_upload(app_id, "users.csv", file)
        .await
        .expect("upload");
    assert!(preview.problems.is_empty(), "{:?}", preview.problems);
    let uploaded = start.elapsed();
    eprintln!(
        "[{label}] upload + preview: {:.2} s ({} rows)",
        secs(uploaded),
        preview.row_count
    );

    engine
        .write(admin)
        .expect("write")
        .start_import(app_id, Some(&preview.id), ImportType::Full)
        .await
        .expect("start import");
    let run = engine
        .run_next_job()
        .await
        .expect("run")
        .expect("a run was claimed");
    assert_eq!(run.status, RunStatus::Completed, "{:?}", run.message);
    let ran = start.elapsed();
    eprintln!(
        "[{label}] import run: {:.2} s (scanned {}, new {}, matched {}, errors {})",
        secs(ran - uploaded),
        run.counts.scanned,
        run.counts.new,
        run.counts.matched,
        run.counts.errors
    );

    let outcome = engine
        .write(admin)
        .expect("write")
        .confirm_assignments(app_id, Selection::All, true)
        .await
        .expect("confirm");
    let total = start.elapsed();
    eprintln!(
        "[{label}] confirm: {:.2} s (created {}, linked {}, skipped {})",
        secs(total - ran),
        outcome.created,
        outcome.linked,
        outcome.skipped
    );
    (run, outcome, total)
}

/// Upload and run an import of the first app's users with `changed` rows
/// changed: linked users are updated in place, nothing is queued, and user0
/// ends with `user0_last_name`. Returns the time from upload start to run end.
#[allow(clippy::too_many_arguments)]
async fn update_pass(
    engine: &Arc<Engine>,
    admin: &Admin,
    app_id: &str,
    csv: &Path,
    import_type: ImportType,
    label: &str,
    changed: i64,
    user0_last_name: &str,
) -> Duration {
    let start = Instant::now();
    let file = tokio::fs::File::open(csv).await.expect("open CSV");
    let preview = engine
        .write(admin)
        .expect("write")
        .save_upload(app_id, "users.csv", file)
        .await
        .expect("upload");
    assert!(preview.problems.is_empty(), "{:?}", preview.problems);
    let uploaded = start.elapsed();
    engine
        .write(admin)
        .expect("write")
        .start_import(app_id, Some(&preview.id), import_type)
        .await
        .expect("start import");
    let run = engine
        .run_next_job()
        .await
        .expect("run")
        .expect("a run was claimed");
    let total = start.elapsed();
    assert_eq!(run.status, RunStatus::Completed, "{:?}", run.message);
    eprintln!(
        "[{label}] upload + preview: {:.2} s, {} run: {:.2} s (scanned {}, new {}, updated {}, unchanged {}, errors {})",
        secs(uploaded),
        import_type.as_str(),
        secs(total - uploaded),
        run.counts.scanned,
        run.counts.new,
        run.counts.updated,
        run.counts.unchanged,
        run.counts.errors
    );
    let app = engine.read(admin).get_app(app_id).await.expect("app");
    assert_eq!(app.unconfirmed, 0, "[{label}] nothing is left to confirm");
    assert_eq!(
        (run.counts.updated, run.counts.new),
        (changed, 0),
        "[{label}]"
    );
    assert_eq!(
        run.counts.unchanged,
        run.counts.scanned - changed,
        "[{label}]"
    );
    assert_eq!(
        last_name_of_user0(engine, admin).await,
        user0_last_name,
        "[{label}]"
    );
    total
}

/// The last name of user0, the first changed row.
async fn last_name_of_user0(engine: &Arc<Engine>, admin: &Admin) -> String {
    let page = engine
        .read(admin)
        .list_users("user0@example.com", 0, 2)
        .await
        .expect("users");
    assert_eq!(page.total, 1, "one user0");
    page.items[0].last_name.clone()
}

/// The best rate of plain multi-row INSERTs of the same rows into a fresh
/// `users` table, over a few batch shapes.
async fn floor(dir: &Path, n: usize) -> f64 {
    let shapes = [
        (500usize, 10_000usize),
        (500, 50_000),
        (1000, 10_000),
        (1000, 50_000),
    ];
    let mut best = 0.0f64;
    for (trial, &(per_statement, per_tx)) in shapes.iter().enumerate() {
        let path = dir.join(format!("floor-{trial}.db"));
        // The engine's own store: the same schema, indexes and pragmas.
        let store = engine::store::Store::open(&path.to_string_lossy())
            .await
            .expect("floor db");
        let pool = store.pool().clone();
        sqlx::query(
            "INSERT INTO apps (id, name, kind, created) VALUES ('0oafloor', 'Floor', ?, ?)",
        )
        .bind(AppKind::CsvDirectory.as_str())
        .bind(engine::store::stamp(engine::ids::now()))
        .execute(&pool)
        .await
        .expect("floor app");

        let now = engine::store::stamp(engine::ids::now());
        let mut elapsed = Duration::ZERO;
        let mut i = 0usize;
        while i < n {
            let end = (i + per_tx).min(n);
            // The rows are made before the clock runs: the floor times SQLite only.
            let rows: Vec<[String; 8]> = (i..end)
                .map(|k| {
                    let login = format!("user{k}@example.com");
                    let profile = serde_json::json!({
                        "login": login, "firstName": format!("First{k}"), "lastName": format!("Last{k}"),
                        "email": login, "department": "Finance",
                    })
                    .to_string();
                    let key = engine::model::fold(&login);
                    [engine::ids::user_id(), login.clone(), login, format!("First{k}"), format!("Last{k}"), profile, key.clone(), key]
                })
                .collect();
            let started = Instant::now();
            let mut tx = pool.begin().await.expect("begin");
            for chunk in rows.chunks(per_statement) {
                let mut qb: QueryBuilder<Sqlite> = QueryBuilder::new(
                    "INSERT INTO users (id, status, login, email, first_name, last_name, profile, source_app_id,
                     created, activated, status_changed, last_updated, login_key, email_key) ",
                );
                qb.push_values(chunk, |mut b, r| {
                    b.push_bind(&r[0])
                        .push_bind("ACTIVE")
                        .push_bind(&r[1])
                        .push_bind(&r[2])
                        .push_bind(&r[3])
                        .push_bind(&r[4])
                        .push_bind(&r[5])
                        .push_bind("0oafloor")
                        .push_bind(&now)
                        .push_bind(&now)
                        .push_bind(&now)
                        .push_bind(&now)
                        .push_bind(&r[6])
                        .push_bind(&r[7]);
                });
                qb.build().execute(&mut *tx).await.expect("insert");
            }
            tx.commit().await.expect("commit");
            elapsed += started.elapsed();
            i = end;
        }
        let count: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM users")
            .fetch_one(&pool)
            .await
            .expect("count");
        assert_eq!(count, n as i64);
        pool.close().await;
        let rate = n as f64 / secs(elapsed);
        eprintln!(
            "[floor] {per_statement} rows/statement, {per_tx} rows/transaction: {:.2} s, {:.0} users/s",
            secs(elapsed),
            rate
        );
        best = best.max(rate);
        for suffix in ["", "-wal", "-shm"] {
            let _ = std::fs::remove_file(dir.join(format!("floor-{trial}.db{suffix}")));
        }
    }
    best
}

async fn bench(n: usize) -> (String, String) {
    let dir = tempfile::tempdir().expect("temp dir");
    let csv = dir.path().join("users.csv");
    let t = Instant::now();
    let size = generate_csv(&csv, n, false);
    eprintln!(
        "generated {n} users, {:.1} MiB, in {:.2} s",
        size as f64 / 1048576.0,
        secs(t.elapsed())
    );

    let data = dir.path().join("muster");
    let (engine, admin) = support::open_engine(&data, |c| c.max_upload_bytes = u64::MAX).await;

    // Pass 1: every user is new.
    let first = engine
        .write(&admin)
        .unwrap()
        .create_app("CSV Directory 1", AppKind::CsvDirectory)
        .await
        .expect("app");
    let (run, outcome, import_time) = import_pass(&engine, &admin, &first.id, &csv, "import").await;
    assert_eq!(run.counts.new, n as i64);
    assert_eq!(outcome.created, n as i64);
    let users = engine
        .read(&admin)
        .list_users("", 0, 1)
        .await
        .expect("users")
        .total;
    assert_eq!(users, n as i64, "every user exists after the first pass");
    let import_s = secs(import_time);
    let users_per_s = n as f64 / import_s;
    eprintln!("[import] {import_s:.2} s, {users_per_s:.0} users/s");

    // Pass 2: a second app, the same people: every row an exact match.
    let second = engine
        .write(&admin)
        .unwrap()
        .create_app("CSV Directory 2", AppKind::CsvDirectory)
        .await
        .expect("app");
    let (run, outcome, match_time) = import_pass(&engine, &admin, &second.id, &csv, "match").await;
    assert_eq!(run.counts.matched, n as i64);
    assert_eq!((outcome.created, outcome.linked), (0, n as i64));
    assert_eq!(
        engine
            .read(&admin)
            .list_users("", 0, 1)
            .await
            .expect("users")
            .total,
        n as i64,
        "nobody created twice"
    );
    assert_eq!(
        engine
            .read(&admin)
            .get_app(&second.id)
            .await
            .expect("app")
            .assigned_users,
        n as i64
    );
    let match_s = secs(match_time);
    let match_users_per_s = n as f64 / match_s;
    eprintln!("[match] {match_s:.2} s, {match_users_per_s:.0} users/s");

    // Peak memory of the engine's two passes (the floor's rows are not counted).
    let peak = support::peak_rss_mib();

    // Pass 3: 1% of the rows change; the first app imports the changed file
    // incrementally, then (from the same state) fully.
    let changed_csv = dir.path().join("users-changed.csv");
    generate_csv(&changed_csv, n, true);
    let changed = changed_rows(n) as i64;
    let incremental_time = update_pass(
        &engine,
        &admin,
        &first.id,
        &changed_csv,
        ImportType::Incremental,
        "incremental",
        changed,
        "Last0x",
    )
    .await;
    // Untimed: the original file puts the old last names back, so the full
    // import below has the same 1% to change.
    update_pass(
        &engine,
        &admin,
        &first.id,
        &csv,
        ImportType::Incremental,
        "revert",
        changed,
        "Last0",
    )
    .await;
    let full_time = update_pass(
        &engine,
        &admin,
        &first.id,
        &changed_csv,
        ImportType::Full,
        "full",
        changed,
        "Last0x",
    )
    .await;
    assert_eq!(
        engine
            .read(&admin)
            .list_users("", 0, 1)
            .await
            .expect("users")
            .total,
        n as i64,
        "nobody created or removed"
    );
    assert_eq!(
        engine
            .read(&admin)
            .get_app(&first.id)
            .await
            .expect("app")
            .assigned_users,
        n as i64,
        "nobody unassigned"
    );
    let incremental_s = secs(incremental_time);
    let full_s = secs(full_time);
    eprintln!("[incremental] {incremental_s:.2} s, [full] {full_s:.2} s");
    drop(engine);

    let floor_users_per_s = floor(dir.path(), n).await;
    let ratio = floor_users_per_s / users_per_s;
    let line = format!(
        "users={n} import_s={import_s:.2} users_per_s={:.0} match_s={match_s:.2} match_users_per_s={:.0} \
         floor_users_per_s={:.0} ratio={ratio:.2} peak_rss_mib={peak:.2}",
        users_per_s, match_users_per_s, floor_users_per_s
    );
    let incremental_line = format!(
        "incremental_s={incremental_s:.2} full_s={full_s:.2} ratio={:.2}",
        incremental_s / full_s
    );
    (line, incremental_line)
}
