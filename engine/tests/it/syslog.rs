//! The System Log after imports: filters, keywords, paging and order.

use crate::support::{at, users_csv, Env, HEADER};
use engine::model::ImportType;
use engine::syslog::EventQuery;
use engine::Error;
use serde_json::Value;

fn uuids(events: &[Value]) -> Vec<String> {
    events.iter().map(|e| at(e, "/uuid").to_owned()).collect()
}

/// An app with a full and an incremental import, confirmed.
async fn imported(env: &Env) -> (String, String) {
    let app = env.app("People").await;
    let mut data = users_csv("u", 0..3);
    data.push_str("bad,Bad,Row,not-an-email\n");
    let full = env.import(&app, data.as_bytes(), ImportType::Full).await;
    env.confirm_all(&app, true).await;
    let more = format!("{HEADER}\nann@example.com,Ann,Lee,ann@example.com\n");
    let incremental = env
        .import(&app, more.as_bytes(), ImportType::Incremental)
        .await;
    env.confirm_all(&app, true).await;
    (full.id, incremental.id)
}

#[tokio::test]
async fn import_start_events_are_found_by_type_and_trigger() {
    let env = Env::new().await;
    let (full, incremental) = imported(&env).await;

    let filter = r#"eventType eq "system.import.start" and debugContext.debugData.importTrigger eq "Manual action""#;
    let starts = env.events(filter).await;
    assert_eq!(starts.len(), 2, "{starts:#?}");
    assert!(starts
        .iter()
        .all(|e| at(e, "/eventType") == "system.import.start"));
    assert_eq!(at(&starts[0], "/debugContext/debugData/importType"), "Full");
    assert_eq!(at(&starts[0], "/debugContext/debugData/jobId"), full);
    assert_eq!(
        at(&starts[1], "/debugContext/debugData/importType"),
        "Incremental"
    );
    assert_eq!(at(&starts[1], "/debugContext/debugData/jobId"), incremental);
    assert_eq!(at(&starts[0], "/actor/alternateId"), "admin");
    assert_eq!(at(&starts[0], "/transaction/id"), full);

    // Another trigger finds nothing; the CSV start events are separate.
    let none = env.events(r#"eventType eq "system.import.start" and debugContext.debugData.importTrigger eq "Scheduled""#).await;
    assert!(none.is_empty());
    assert_eq!(
        env.events_of_type("system.import.user_csv.start")
            .await
            .len(),
        2
    );

    // The completion carries the counts.
    let complete = env.events_of_type("system.import.complete").await;
    assert_eq!(complete.len(), 2);
    let d = &complete[0]["debugContext"]["debugData"];
    assert_eq!(at(&complete[0], "/debugContext/debugData/jobId"), full);
    assert_eq!(at(&complete[0], "/outcome/result"), "SUCCESS");
    assert_eq!(
        (
            d["totalObjects"].as_i64(),
            d["addedObjects"].as_i64(),
            d["errorObjects"].as_i64()
        ),
        (Some(4), Some(3), Some(1))
    );
    assert_eq!(
        (d["matchedObjects"].as_i64(), d["updatedObjects"].as_i64()),
        (Some(0), Some(0))
    );
    assert!(at(&complete[0], "/debugContext/debugData/totalTime").ends_with(" ms"));
    assert!(
        at(&complete[0], "/displayMessage").contains("4 scanned, 3 new"),
        "{}",
        complete[0]
    );
    let d = &complete[1]["debugContext"]["debugData"];
    assert_eq!(
        (d["totalObjects"].as_i64(), d["addedObjects"].as_i64()),
        (Some(1), Some(1))
    );
    assert_eq!(
        at(&complete[1], "/debugContext/debugData/importType"),
        "Incremental"
    );
}

#[tokio::test]
async fn a_malformed_filter_names_the_position() {
    let env = Env::new().await;
    let err = env
        .engine
        .read(&env.admin)
        .query_events(
            EventQuery {
                limit: 10,
                ..Default::default()
            },
            r#"eventType eqq "x""#,
            "",
        )
        .await
        .unwrap_err();
    match &err {
        Error::InvalidFilter(e) => {
            assert_eq!(e.position, 10);
            assert!(e.message.contains("position 10"), "{}", e.message);
            assert!(e.message.contains("'eqq'"), "{}", e.message);
        }
        other => panic!("expected an invalid filter, got {other:?}"),
    }
    assert_eq!(err.code(), "MUS0453");
    assert!(err.to_string().starts_with("Invalid filter: "), "{err}");
}

#[tokio::test]
async fn keywords_find_events_that_mention_them() {
    let env = Env::new().await;
    imported(&env).await;
    let query = || EventQuery {
        limit: 1000,
        ..Default::default()
    };

    let found = env
        .engine
        .read(&env.admin)
        .query_events(query(), "", "u1@example.com")
        .await
        .unwrap()
        .events;
    let mut types: Vec<&str> = found.iter().map(|e| at(e, "/eventType")).collect();
    types.sort();
    assert_eq!(
        types,
        [
            "application.user_membership.add",
            "system.import.user.create",
            "user.lifecycle.activate",
            "user.lifecycle.create"
        ]
    );
    assert!(found
        .iter()
        .all(|e| e.to_string().contains("u1@example.com")));

    // Every keyword must appear, in any case.
    let found = env
        .engine
        .read(&env.admin)
        .query_events(query(), "", "LIFECYCLE u1@example.com create")
        .await
        .unwrap()
        .events;
    assert_eq!(found.len(), 1);
    assert_eq!(at(&found[0], "/eventType"), "user.lifecycle.create");

    // Keywords and a filter together.
    let found = env
        .engine
        .read(&env.admin)
        .query_events(
            query(),
            r#"eventType eq "user.lifecycle.activate""#,
            "ann@example.com",
        )
        .await
        .unwrap()
        .events;
    assert_eq!(found.len(), 1);
    assert_eq!(at(&found[0], "/target/0/alternateId"), "ann@example.com");

    assert!(env
        .engine
        .read(&env.admin)
        .query_events(query(), "", "nobody-by-this-name")
        .await
        .unwrap()
        .events
        .is_empty());
    let eleven = "a b c d e f g h i j k";
    assert!(matches!(
        env.engine
            .read(&env.admin)
            .query_events(query(), "", eleven)
            .await,
        Err(Error::InvalidInput(_))
    ));
}

#[tokio::test]
async fn pages_follow_the_cursor_without_overlap_in_either_order() {
    let env = Env::new().await;
    imported(&env).await;
    let all_asc = env
        .engine
        .read(&env.admin)
        .query_events(
            EventQuery {
                limit: 1000,
                ..Default::default()
            },
            "",
            "",
        )
        .await
        .unwrap();
    assert!(all_asc.next.is_none(), "everything fits on one page");
    let all_asc = all_asc.events;
    // 2 imports × 8 events (start, complete, CSV start and complete, two
    // phases started and completed), 4 users × 4 events, the admin's
    // sign-in and the app's creation.
    assert_eq!(
        all_asc.len(),
        2 * 8 + 4 * 4 + 2,
        "{:#?}",
        all_asc
            .iter()
            .map(|e| at(e, "/eventType"))
            .collect::<Vec<_>>()
    );
    let all_desc = env
        .engine
        .read(&env.admin)
        .query_events(
            EventQuery {
                limit: 1000,
                descending: true,
                ..Default::default()
            },
            "",
            "",
        )
        .await
        .unwrap()
        .events;
    let mut reversed = uuids(&all_asc);
    reversed.reverse();
    assert_eq!(uuids(&all_desc), reversed, "descending is newest first");
    let published: Vec<&str> = all_desc.iter().map(|e| at(e, "/published")).collect();
    assert!(published.windows(2).all(|w| w[0] >= w[1]), "{published:?}");
    assert_eq!(
        at(&all_desc[0], "/eventType"),
        "application.user_membership.add",
        "the last confirmation"
    );
    assert_eq!(at(&all_asc[0], "/eventType"), "user.session.start");
    assert_eq!(
        at(&all_asc[1], "/eventType"),
        "application.lifecycle.create"
    );

    for descending in [false, true] {
        let mut paged = Vec::new();
        let mut after = None;
        let mut pages = 0;
        loop {
            let q = EventQuery {
                limit: 4,
                after,
                descending,
                ..Default::default()
            };
            let page = env
                .engine
                .read(&env.admin)
                .query_events(q, "", "")
                .await
                .unwrap();
            assert!(page.events.len() <= 4);
            pages += 1;
            paged.extend(uuids(&page.events));
            match page.next {
                Some(next) => after = Some(next),
                None => break,
            }
            assert!(pages < 20, "paging must end");
        }
        let expected = if descending {
            uuids(&all_desc)
        } else {
            uuids(&all_asc)
        };
        assert_eq!(
            paged, expected,
            "descending={descending}: pages cover every event once, in order"
        );
    }

    // Paging through a filter: the second page continues after the first.
    let filter =
        r#"eventType eq "user.lifecycle.create" or eventType eq "user.lifecycle.activate""#;
    let q = EventQuery {
        limit: 3,
        descending: true,
        ..Default::default()
    };
    let first = env
        .engine
        .read(&env.admin)
        .query_events(q.clone(), filter, "")
        .await
        .unwrap();
    assert_eq!(first.events.len(), 3);
    let second = env
        .engine
        .read(&env.admin)
        .query_events(
            EventQuery {
                after: first.next,
                ..q
            },
            filter,
            "",
        )
        .await
        .unwrap();
    let all: Vec<String> = uuids(&first.events)
        .into_iter()
        .chain(uuids(&second.events))
        .collect();
    let expected: Vec<String> = uuids(&all_desc)
        .into_iter()
        .zip(&all_desc)
        .filter(|(_, e)| at(e, "/eventType").starts_with("user.lifecycle."))
        .map(|(u, _)| u)
        .collect();
    assert_eq!(expected.len(), 8);
    assert_eq!(all[..6], expected[..6]);
}

#[tokio::test]
async fn a_view_counts_what_it_matches_over_its_range() {
    use proto::console::{LogCounts, LogWindow};
    let window = |range: &str| LogWindow::parse(range, "", "").unwrap();
    let env = Env::new().await;
    for name in ["HR", "CRM", "Payroll"] {
        env.app(name).await;
    }
    let read = env.engine.read(&env.admin);
    let created = r#"eventType eq "application.lifecycle.create""#;
    let counts = read.count_events(created, "", &window("1h")).await.unwrap();
    assert_eq!((counts.total, counts.more), (3, false));
    assert_eq!(counts.buckets.len(), LogCounts::BUCKETS);
    assert_eq!(counts.buckets.iter().map(|b| b.count).sum::<i64>(), 3);
    // They just happened: the newest slice holds them.
    assert_eq!(counts.buckets.last().unwrap().count, 3, "{counts:?}");
    let first = &counts.buckets[0];
    assert_eq!((first.end - first.start).num_seconds(), 150);

    // Keywords narrow the count as they narrow the list.
    let payroll = read
        .count_events(created, "Payroll", &window("all"))
        .await
        .unwrap();
    assert_eq!(payroll.total, 1);
    assert_eq!(payroll.buckets.iter().map(|b| b.count).sum::<i64>(), 1);

    let none = read
        .count_events(
            r#"eventType eq "user.lifecycle.delete.initiated""#,
            "",
            &window("7d"),
        )
        .await
        .unwrap();
    assert_eq!(none.total, 0);
    assert!(none.buckets.is_empty());

    // A filter the list refuses, the count refuses alike.
    assert!(read
        .count_events(r#"eventtype eq "x""#, "", &window("all"))
        .await
        .is_err());
}

#[tokio::test]
async fn the_log_pages_both_ways_within_its_window() {
    use engine::access::LogCursor;
    use proto::console::LogWindow;
    let env = Env::new().await;
    for n in 0..120 {
        env.app(&format!("App {n:03}")).await;
    }
    let read = env.engine.read(&env.admin);
    let created = r#"eventType eq "application.lifecycle.create""#;
    let all = LogWindow::parse("all", "", "").unwrap();
    let page = |at| {
        let (read, all) = (&read, &all);
        async move { read.log_page(created, "", all, at, 50).await.unwrap() }
    };
    let names = |slice: &engine::access::LogSlice| -> Vec<String> {
        slice
            .events
            .iter()
            .map(|e| crate::support::at(e, "/target/0/displayName").to_owned())
            .collect()
    };
    let newest = page(LogCursor::Newest).await;
    assert_eq!(newest.events.len(), 50);
    assert_eq!(names(&newest)[0], "App 119");
    assert_eq!(newest.newer, None, "nothing is newer than the newest page");
    let second = page(LogCursor::Older(newest.older.unwrap())).await;
    assert_eq!(
        (names(&second)[0].as_str(), names(&second)[49].as_str()),
        ("App 069", "App 020")
    );
    let last = page(LogCursor::Older(second.older.unwrap())).await;
    assert_eq!(names(&last).len(), 20);
    assert_eq!(last.older, None, "nothing is older than the oldest page");

    // Newer from the oldest page shows the page before it, then the newest.
    let back = page(LogCursor::Newer(last.newer.unwrap())).await;
    assert_eq!(names(&back), names(&second));
    let top = page(LogCursor::Newer(back.newer.unwrap())).await;
    assert_eq!(names(&top), names(&newest));
    assert_eq!(top.newer, None);

    // A custom range holds only what happened within it.
    let now = chrono::Utc::now();
    let around = LogWindow::parse(
        "custom",
        &(now - chrono::Duration::hours(1)).to_rfc3339(),
        &(now + chrono::Duration::hours(1)).to_rfc3339(),
    )
    .unwrap();
    let counts = read.count_events(created, "", &around).await.unwrap();
    assert_eq!(counts.total, 120);
    let first = &counts.buckets[0];
    assert_eq!(
        (first.end - first.start).num_seconds(),
        300,
        "2 hours in 24 slices"
    );
    let long_ago =
        LogWindow::parse("custom", "2020-01-01T00:00:00Z", "2020-01-02T00:00:00Z").unwrap();
    assert_eq!(
        read.count_events(created, "", &long_ago)
            .await
            .unwrap()
            .total,
        0
    );
    let nothing = read
        .log_page(created, "", &long_ago, LogCursor::Newest, 50)
        .await
        .unwrap();
    assert!(nothing.events.is_empty());
}

/// Adds `n` events of noise after one "needle" event, all within the last
/// day, straight into the log.
async fn a_needle_under(env: &Env, n: usize) {
    let actor = |who: &str| {
        format!(r#"{{"id":"x","type":"User","alternateId":"{who}","displayName":"{who}"}}"#)
    };
    crate::support::sql_on_stopped(
        env.dir.path(),
        &format!(
            "INSERT INTO events (uuid, published, event_type, severity, display_message, actor, outcome, targets)
             VALUES ('needle', strftime('%Y-%m-%dT%H:%M:%fZ', 'now', '-2 hours'), 'user.session.start', 'INFO',
                     'User login to Muster', '{}', '{{\"result\":\"SUCCESS\"}}', '[]');
             INSERT INTO events (uuid, published, event_type, severity, display_message, actor, outcome, targets)
             WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < {n})
             SELECT 'noise' || i, strftime('%Y-%m-%dT%H:%M:%fZ', 'now', '-1 hours', '+' || (i / 100) || ' seconds'),
                    'user.session.start', 'INFO', 'User login to Muster', '{}', '{{\"result\":\"SUCCESS\"}}', '[]'
             FROM n",
            actor("needle"),
            actor("noise")
        ),
    )
    .await;
}

#[tokio::test]
async fn a_search_that_matches_little_stops_at_its_budget_and_says_how_far_it_got() {
    let env = Env::configured(|c| c.log_scan_budget = 2_000).await;
    a_needle_under(&env, 3_000).await;
    let read = env.engine.read(&env.admin);
    let window = proto::console::LogWindow::parse("24h", "", "").unwrap();
    let filter = r#"actor.alternateId eq "needle""#;
    let first = read
        .log_page(filter, "", &window, engine::access::LogCursor::Newest, 50)
        .await
        .unwrap();
    assert!(first.events.is_empty());
    let stop = first.stopped.expect("the search stopped at its budget");
    assert_eq!(stop.scanned, 2_000);
    assert!(stop.reached < chrono::Utc::now() - chrono::Duration::minutes(10));
    // Going on from where it stopped finds the event.
    let older = first.older.expect("a way on");
    let next = read
        .log_page(
            filter,
            "",
            &window,
            engine::access::LogCursor::Older(older),
            50,
        )
        .await
        .unwrap();
    assert_eq!(uuids(&next.events), ["needle"]);
    assert!(next.stopped.is_none());

    let counts = read.count_events(filter, "", &window).await.unwrap();
    assert_eq!(counts.total, 0);
    assert!(counts.more);
    assert_eq!(counts.stopped.map(|s| s.scanned), Some(2_000));
    // A narrower window is searched in full.
    let narrow = proto::console::LogWindow::parse(
        "custom",
        &(chrono::Utc::now() - chrono::Duration::minutes(150)).to_rfc3339(),
        &(chrono::Utc::now() - chrono::Duration::minutes(90)).to_rfc3339(),
    )
    .unwrap();
    let found = read
        .log_page(filter, "", &narrow, engine::access::LogCursor::Newest, 50)
        .await
        .unwrap();
    assert_eq!(uuids(&found.events), ["needle"]);
    assert!(found.stopped.is_none());
}
