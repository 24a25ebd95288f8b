//! Golden-file tests of the pipeline's decisions and what applying them
//! leaves: each directory under `tests/fixtures/` sets an app up
//! (`settings.json`, read strictly: a misspelt key fails the case), imports
//! and confirms `before.csv` with activation, previews `after.csv` (a Full
//! import unless `import_type` says `Incremental`) and compares the plan —
//! the decisions the apply step would consume — with `plan.json`; then
//! applies the preview and compares the directory, the app's assignments
//! and its import queue with `state.json`.
//!
//! `UPDATE_GOLDEN=1 cargo test -p engine --test it golden` rewrites the
//! golden files that differ instead of failing.

use crate::support::Env;
use engine::model::{ImportType, RunStatus};
use engine::settings::AppSettings;
use serde_json::Value;
use std::path::{Path, PathBuf};

fn fixtures_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures")
}

fn read(dir: &Path, name: &str) -> Vec<u8> {
    std::fs::read(dir.join(name)).unwrap_or_else(|e| panic!("{}/{name}: {e}", dir.display()))
}

fn pretty(v: &Value) -> String {
    serde_json::to_string_pretty(v).expect("pretty JSON")
}

/// Runs one case and returns its difference from the golden plan, if any.
async fn run_case(dir: &Path, update: bool) -> Option<String> {
    let case = dir
        .file_name()
        .expect("case name")
        .to_string_lossy()
        .into_owned();
    let env = Env::new().await;
    let app = env.app(&case).await;

    let settings_json = String::from_utf8(read(dir, "settings.json")).expect("UTF-8 settings");
    serde_json::from_str::<Value>(&settings_json)
        .unwrap_or_else(|e| panic!("{case}/settings.json is not JSON: {e}"));
    let settings = AppSettings::from_json(&settings_json)
        .unwrap_or_else(|e| panic!("{case}/settings.json: {e}"));
    env.engine
        .write(&env.admin)
        .unwrap()
        .save_app_settings(&app.id, settings)
        .await
        .unwrap_or_else(|e| panic!("{case}: settings refused: {e}"));

    let before = env
        .import(&app, &read(dir, "before.csv"), ImportType::Full)
        .await;
    assert_eq!(
        before.status,
        RunStatus::Completed,
        "{case}: before.csv import: {:?}",
        before.message
    );
    assert_eq!(before.counts.errors, 0, "{case}: before.csv has row errors");
    env.confirm_all(&app, true).await;

    let import_type = match std::fs::read_to_string(dir.join("import_type")) {
        Ok(s) => ImportType::parse(s.trim())
            .unwrap_or_else(|| panic!("{case}/import_type: {:?} is not Full or Incremental", s)),
        Err(_) => ImportType::Full,
    };

    let users_before = env.user_count().await;
    let assigned_before = env.refresh(&app).await.assigned_users;
    let queue_before = env.queue(&app).await.len();

    let upload = env
        .engine
        .write(&env.admin)
        .unwrap()
        .save_upload(&app.id, "after.csv", read(dir, "after.csv").as_slice())
        .await
        .expect("upload after.csv");
    assert!(
        upload.problems.is_empty(),
        "{case}: after.csv: {:?}",
        upload.problems
    );
    let run = env
        .engine
        .write(&env.admin)
        .unwrap()
        .preview_import(&app.id, Some(&upload.id), import_type)
        .await
        .expect("preview");
    while env.engine.run_next_job().await.expect("run").is_some() {}
    let run = env
        .engine
        .read(&env.admin)
        .get_run(&run.id)
        .await
        .expect("get run");
    assert_eq!(
        run.status,
        RunStatus::Completed,
        "{case}: preview: {:?}",
        run.message
    );
    assert!(run.preview);

    assert_eq!(
        env.user_count().await,
        users_before,
        "{case}: the preview created users"
    );
    assert_eq!(
        env.refresh(&app).await.assigned_users,
        assigned_before,
        "{case}: the preview changed assignments"
    );
    assert_eq!(
        env.queue(&app).await.len(),
        queue_before,
        "{case}: the preview changed the import queue"
    );

    let plan = run
        .plan
        .unwrap_or_else(|| panic!("{case}: the preview has no plan"));
    let mut diffs = Vec::new();
    let plan = serde_json::to_value(&plan).expect("plan as JSON");
    diffs.extend(compare(dir, &case, "plan.json", &plan, update));

    let applied = env
        .engine
        .write(&env.admin)
        .unwrap()
        .apply_preview(&run.id)
        .await
        .expect("apply the preview");
    while env.engine.run_next_job().await.expect("run").is_some() {}
    let applied = env
        .engine
        .read(&env.admin)
        .get_run(&applied.id)
        .await
        .expect("get run");
    assert!(
        matches!(applied.status, RunStatus::Completed | RunStatus::Paused),
        "{case}: apply: {:?}",
        applied.message
    );
    let state = state_of(&env, &app).await;
    diffs.extend(compare(dir, &case, "state.json", &state, update));
    (!diffs.is_empty()).then(|| diffs.join("\n\n"))
}

/// The directory, the app's assigned users and its import queue, by login.
async fn state_of(env: &Env, app: &engine::model::App) -> Value {
    let mut users: Vec<Value> = env
        .users()
        .await
        .into_iter()
        .map(|u| {
            serde_json::json!({
                "login": u.login,
                "status": u.status,
                "profile": u.profile,
                "sourcedByApp": u.source_app_id.as_deref() == Some(app.id.as_str()),
            })
        })
        .collect();
    users.sort_by(|a, b| a["login"].as_str().cmp(&b["login"].as_str()));
    let mut queue: Vec<Value> = env
        .queue(app)
        .await
        .into_iter()
        .map(|q| {
            // Candidates come in user-id order; ids made in one batch tie on time.
            let mut candidates: Vec<String> =
                q.candidate_users.into_iter().map(|u| u.login).collect();
            candidates.sort();
            serde_json::json!({
                "login": q.login,
                "matchType": q.match_type.as_str(),
                "matchedUser": q.matched_user_login,
                "candidates": candidates,
            })
        })
        .collect();
    queue.sort_by(|a, b| a["login"].as_str().cmp(&b["login"].as_str()));
    serde_json::json!({
        "users": users,
        "assignedUsers": env.refresh(app).await.assigned_users,
        "queue": queue,
    })
}

/// The difference between `actual` and the golden file `name`, if any.
fn compare(dir: &Path, case: &str, name: &str, actual: &Value, update: bool) -> Option<String> {
    let golden_path = dir.join(name);
    let expected: Option<Value> = std::fs::read_to_string(&golden_path)
        .ok()
        .map(|s| serde_json::from_str(&s).unwrap_or(Value::Null));
    if expected.as_ref() == Some(actual) {
        return None;
    }
    if update {
        std::fs::write(&golden_path, pretty(actual) + "\n").expect("write golden file");
        eprintln!("{case}: {name} updated");
        return None;
    }
    Some(format!(
        "{case}: {name} differs\n--- expected\n{}\n--- actual\n{}",
        expected.as_ref().map_or_else(|| "(missing)".into(), pretty),
        pretty(actual)
    ))
}

#[tokio::test]
async fn golden() {
    let update = std::env::var("UPDATE_GOLDEN").is_ok_and(|v| v == "1");
    let mut cases: Vec<PathBuf> = std::fs::read_dir(fixtures_dir())
        .expect("tests/fixtures")
        .map(|e| e.expect("dir entry").path())
        .filter(|p| p.is_dir())
        .collect();
    cases.sort();
    assert!(!cases.is_empty(), "no golden cases under tests/fixtures");
    let mut failures = Vec::new();
    for dir in &cases {
        if let Some(diff) = run_case(dir, update).await {
            failures.push(diff);
        }
    }
    assert!(
        failures.is_empty(),
        "{} of {} golden cases differ (UPDATE_GOLDEN=1 rewrites them):\n\n{}",
        failures.len(),
        cases.len(),
        failures.join("\n\n")
    );
}
