//! Sign-in cannot be used to guess passwords quickly or to stall the
//! server: failures lock the username and the address for a growing time,
//! an unknown username is refused like a wrong password, oversized input is
//! refused unread, and the events a failure writes stay small.

use crate::support::*;
use engine::syslog::Client;
use engine::throttle::ThrottlePolicy;
use engine::{Engine, Error};
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Arc;
use std::time::Duration;

fn from(ip: &str) -> Option<Client> {
    Some(Client {
        ip_address: Some(ip.into()),
        user_agent: Some("tests".into()),
    })
}

fn quick_locks() -> ThrottlePolicy {
    ThrottlePolicy {
        username_failures: 3,
        address_failures: 10,
        first_lock: Duration::from_millis(700),
        longest_lock: Duration::from_secs(60),
        memory: Duration::from_secs(3600),
    }
}

async fn lock_events(engine: &Engine) -> Vec<serde_json::Value> {
    let (admin, _) = engine.sign_in("admin", PASSWORD, None).await.unwrap();
    let page = engine
        .read(&admin)
        .query_events(
            engine::syslog::EventQuery {
                limit: 100,
                ..Default::default()
            },
            r#"eventType eq "user.account.lock""#,
            "",
        )
        .await
        .unwrap();
    page.events
}

#[tokio::test]
async fn failed_sign_ins_lock_the_username_for_a_growing_time() {
    let (engine, _dir) = engine_with(|c| c.sign_in_throttle = quick_locks()).await;
    for _ in 0..3 {
        let e = engine
            .sign_in("admin", "wrong-password", from("192.0.2.1"))
            .await
            .unwrap_err();
        assert!(matches!(e, Error::Unauthenticated), "{e}");
    }
    // Locked: even the right password is refused, from any address, and
    // the message says how long to wait.
    let e = engine
        .sign_in("ADMIN", PASSWORD, from("198.51.100.9"))
        .await
        .unwrap_err();
    assert!(matches!(e, Error::Throttled { .. }), "{e}");
    assert_eq!(
        e.to_string(),
        "Too many failed sign-ins: try again in 1 second"
    );
    // When the lock ends, three more failures lock it again for twice as long.
    tokio::time::sleep(Duration::from_millis(750)).await;
    for _ in 0..3 {
        let _ = engine
            .sign_in("admin", "wrong-again", from("192.0.2.1"))
            .await;
    }
    let e = engine.sign_in("admin", PASSWORD, None).await.unwrap_err();
    assert!(
        matches!(e, Error::Throttled { wait } if wait > Duration::from_millis(1000)),
        "{e:?}"
    );
    tokio::time::sleep(Duration::from_millis(1450)).await;
    let locks = lock_events(&engine).await;
    assert_eq!(locks.len(), 2, "each lock is logged once: {locks:?}");
    assert_eq!(at(&locks[0], "/actor/alternateId"), "admin");
    assert_eq!(
        at(&locks[0], "/debugContext/debugData/lockedBy"),
        "username"
    );
    assert_eq!(
        locks[0]["debugContext"]["debugData"]["failedAttempts"],
        serde_json::json!(3)
    );
}

#[tokio::test]
async fn one_address_guessing_many_usernames_is_locked() {
    let (engine, _dir) = engine_with(|c| c.sign_in_throttle = quick_locks()).await;
    for i in 0..10 {
        let e = engine
            .sign_in(&format!("guess{i}"), "password1234", from("203.0.113.5"))
            .await
            .unwrap_err();
        assert!(matches!(e, Error::Unauthenticated), "{e}");
    }
    let e = engine
        .sign_in("guess99", "password1234", from("203.0.113.5"))
        .await
        .unwrap_err();
    assert!(matches!(e, Error::Throttled { .. }), "{e}");
    // Another address is not held up by it.
    engine
        .sign_in("admin", PASSWORD, from("203.0.113.6"))
        .await
        .unwrap();
    let locks = lock_events(&engine).await;
    assert_eq!(locks.len(), 1);
    assert_eq!(
        at(&locks[0], "/debugContext/debugData/lockedBy"),
        "clientAddress"
    );
    assert_eq!(at(&locks[0], "/client/ipAddress"), "203.0.113.5");
}

#[tokio::test]
async fn an_unknown_username_is_refused_as_a_wrong_password_is() {
    let env = Env::new().await;
    let unknown = env
        .engine
        .sign_in("nobody", "whatever-password", None)
        .await
        .unwrap_err();
    let wrong = env
        .engine
        .sign_in("admin", "whatever-password", None)
        .await
        .unwrap_err();
    assert_eq!(unknown.to_string(), wrong.to_string());
    let failures = env
        .events(r#"eventType eq "user.session.start" and outcome.result eq "FAILURE""#)
        .await;
    assert_eq!(failures.len(), 2);
    assert!(failures
        .iter()
        .all(|e| at(e, "/outcome/reason") == "INVALID_CREDENTIALS"));
}

#[tokio::test]
async fn oversized_credentials_are_refused_unread_and_logged_small() {
    let env = Env::new().await;
    let huge = "u".repeat(100_000);
    let e = env.engine.sign_in(&huge, PASSWORD, None).await.unwrap_err();
    assert!(e.to_string().contains("at most 256 characters"), "{e}");
    let e = env
        .engine
        .sign_in("admin", &"p".repeat(5_000), None)
        .await
        .unwrap_err();
    assert!(e.to_string().contains("1024 bytes"), "{e}");
    let long_agent = Some(Client {
        ip_address: Some("192.0.2.7".into()),
        user_agent: Some("A".repeat(50_000)),
    });
    let _ = env.engine.sign_in(&huge, "x", long_agent).await;
    let failures = env
        .events(r#"eventType eq "user.session.start" and outcome.result eq "FAILURE""#)
        .await;
    assert_eq!(failures.len(), 3);
    for event in &failures {
        let size = event.to_string().len();
        assert!(size < 2_000, "a failed sign-in wrote {size} bytes");
    }
    assert!(at(&failures[0], "/actor/alternateId").ends_with('…'));
}

#[tokio::test(flavor = "current_thread")]
async fn password_checks_leave_the_server_free_to_answer() {
    let env = Env::new().await;
    let ticks = Arc::new(AtomicU64::new(0));
    let ticker = {
        let ticks = ticks.clone();
        tokio::spawn(async move {
            loop {
                tokio::time::sleep(Duration::from_millis(1)).await;
                ticks.fetch_add(1, Ordering::Relaxed);
            }
        })
    };
    let before = ticks.load(Ordering::Relaxed);
    let attempts: Vec<_> = (0..4)
        .map(|i| {
            let engine = env.engine.clone();
            tokio::spawn(async move {
                engine
                    .sign_in(&format!("user{i}"), "not-the-password", None)
                    .await
            })
        })
        .collect();
    for attempt in attempts {
        let _ = attempt.await.unwrap();
    }
    ticker.abort();
    assert!(
        ticks.load(Ordering::Relaxed) > before + 20,
        "the only worker thread was held by password hashing"
    );
}

#[tokio::test]
async fn a_first_admin_password_meets_the_same_rules_as_any_other() {
    let dir = tempfile::tempdir().unwrap();
    let engine = Engine::open(config(dir.path(), DEFAULT_MAX_UPLOAD))
        .await
        .unwrap();
    let e = engine
        .ensure_first_admin(Some("admin"), Some("admin123"))
        .await
        .unwrap_err();
    assert_eq!(
        e.to_string(),
        "The first admin's password is refused: The password must be at least 12 characters long"
    );
    let (name, generated) = engine
        .ensure_first_admin(Some("admin"), None)
        .await
        .unwrap()
        .unwrap();
    assert_eq!(name, "admin");
    assert!(generated.len() >= 12);
    engine.sign_in("admin", &generated, None).await.unwrap();
}

async fn two_sessions(idle: Duration) -> (Arc<Engine>, String, String, tempfile::TempDir) {
    let (engine, dir) = engine_with(|c| c.session_idle = idle).await;
    let (_, laptop) = engine
        .sign_in("admin", PASSWORD, from("192.0.2.10"))
        .await
        .unwrap();
    let (_, phone) = engine
        .sign_in("admin", PASSWORD, from("192.0.2.20"))
        .await
        .unwrap();
    (engine, laptop, phone, dir)
}

#[tokio::test]
async fn an_admin_sees_their_sessions_and_ends_one_everywhere() {
    let (engine, laptop, phone, _dir) = two_sessions(Duration::from_secs(3600)).await;
    let sessions = engine.sessions(&laptop).await.unwrap();
    assert_eq!(sessions.len(), 2);
    let this: Vec<_> = sessions.iter().filter(|s| s.current).collect();
    assert_eq!(this.len(), 1);
    assert_eq!(this[0].ip_address.as_deref(), Some("192.0.2.10"));
    let other = sessions.iter().find(|s| !s.current).unwrap();
    assert_eq!(other.ip_address.as_deref(), Some("192.0.2.20"));
    assert_eq!(other.user_agent.as_deref(), Some("tests"));

    engine
        .end_session(&laptop, &other.id, from("192.0.2.10"))
        .await
        .unwrap();
    assert!(engine.session_admin(&phone).await.unwrap().is_none());
    assert!(engine.session_admin(&laptop).await.unwrap().is_some());
    let e = engine
        .end_session(&laptop, &other.id, None)
        .await
        .unwrap_err();
    assert!(matches!(e, Error::NotFound(_)), "{e}");
    // Another admin's session cannot be ended by id.
    assert!(engine.end_session(&phone, &this[0].id, None).await.is_err());
    assert!(engine.session_admin(&laptop).await.unwrap().is_some());

    let (_, tablet) = engine.sign_in("admin", PASSWORD, None).await.unwrap();
    let (_, desktop) = engine.sign_in("admin", PASSWORD, None).await.unwrap();
    assert_eq!(engine.end_other_sessions(&desktop, None).await.unwrap(), 2);
    assert!(engine.session_admin(&tablet).await.unwrap().is_none());
    assert!(engine.session_admin(&laptop).await.unwrap().is_none());
    assert_eq!(engine.sessions(&desktop).await.unwrap().len(), 1);
}

#[tokio::test]
async fn a_session_unused_for_the_idle_time_ends_and_is_purged() {
    let (engine, laptop, phone, _dir) = two_sessions(Duration::from_millis(1500)).await;
    tokio::time::sleep(Duration::from_millis(900)).await;
    // Used, the laptop's session lives on past the idle time; the phone's ends.
    assert!(engine.session_admin(&laptop).await.unwrap().is_some());
    tokio::time::sleep(Duration::from_millis(900)).await;
    assert!(engine.session_admin(&phone).await.unwrap().is_none());
    assert!(engine.session_admin(&laptop).await.unwrap().is_some());
    assert_eq!(engine.purge_sessions().await.unwrap(), 1);
    assert_eq!(engine.sessions(&laptop).await.unwrap().len(), 1);
}
