//! The binary as an operator stops it: SIGTERM ends a running import after
//! the batch in hand and the process exits; the next start goes on from
//! there. Its JSON log lines carry the id each answer names.

use crate::process::*;
use serde_json::{json, Value};
use std::time::{Duration, Instant};

fn terminate(node: &Node) {
    let pid = node.child.id().unwrap().to_string();
    let status = std::process::Command::new("kill")
        .args(["-TERM", &pid])
        .status()
        .unwrap();
    assert!(status.success());
}

#[tokio::test]
async fn sigterm_stops_an_import_after_its_batch_and_the_next_start_goes_on() {
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path();
    let mut node = start_with(dir, &[("MUSTER_LOG_FORMAT", "json")]).await;
    let cookie = sign_in(node.port).await;
    let db = database(dir).await;
    let app = must(
        node.port,
        &cookie,
        "create_app",
        None,
        "name=HR&kind=CsvDirectory",
    )
    .await;
    let app = app["id"].as_str().unwrap().to_owned();
    let rows = 60_000;
    let run = start_import(node.port, &cookie, &app, &people("u", 0..rows)).await;
    let asked = Instant::now();
    while run_state(&db, &run).await.1 == 0 {
        assert!(
            asked.elapsed() < PATIENCE,
            "no batch committed:\n{}",
            log_tail(dir)
        );
        tokio::time::sleep(Duration::from_millis(5)).await;
    }
    let answered = request(node.port, "GET", "/healthz", &[], b"")
        .await
        .unwrap();
    let request_id = answered
        .headers
        .iter()
        .find(|(k, _)| k == "x-request-id")
        .map(|(_, v)| v.clone())
        .unwrap();

    terminate(&node);
    let exit = node.child.wait().await.unwrap();
    assert!(exit.success(), "{exit}:\n{}", log_tail(dir));
    let (status, scanned, _) = run_state(&db, &run).await;
    assert_eq!(
        status, "QUEUED",
        "the interrupted run waits for the next start"
    );
    assert!(
        scanned > 0 && scanned < rows as i64,
        "stopped after a batch: {scanned}"
    );

    // Every line of the log is JSON; the request's line names its id.
    let log = std::fs::read_to_string(dir.join("server.log")).unwrap();
    let lines: Vec<Value> = log
        .lines()
        .map(|l| serde_json::from_str(l).unwrap_or_else(|e| panic!("{e}: {l}")))
        .collect();
    assert!(
        lines.iter().any(
            |l| l.pointer("/span/request_id") == Some(&json!(request_id))
                && l["path"] == "/healthz"
        ),
        "no line with request_id {request_id}:\n{log}"
    );

    let node = start(dir).await;
    let waited = Instant::now();
    while run_state(&db, &run).await.0 != "COMPLETED" {
        assert!(
            waited.elapsed() < PATIENCE,
            "not resumed:\n{}",
            log_tail(dir)
        );
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    assert_eq!(run_state(&db, &run).await.1, rows as i64);
    let queued: i64 = sqlx::query_scalar("SELECT count(*) FROM import_queue")
        .fetch_one(&db)
        .await
        .unwrap();
    assert_eq!(queued, rows as i64, "every row queued once");
    node.kill().await;
}
