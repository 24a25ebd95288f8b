//! Provisioning throughput: N people assigned to a SCIM app whose To App
//! creates users, pushed to a scim2-server of the bench's own (loopback,
//! bearer token); the floor is the same N POSTs of /Users sent straight to
//! another scim2-server started the same way, with the same number in
//! flight (engine::push::IN_FLIGHT), in the same run.
//!
//! `cargo bench -p engine --bench scim -- --users 10000` (the default).
//! Progress goes to stderr; stdout gets one line:
//! `scim_users=N push_s=… pushes_per_s=… floor_requests_per_s=… floor_ratio=… assign_s=… peak_rss_mib=…`
//! where `push_s` runs from the first push to the outbox being empty (the
//! assignments are made before, in `assign_s`), and `floor_ratio` is
//! push_s over the floor's time.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod support;

use engine::model::{AppKind, NewPerson};
use futures_util::stream::{FuturesUnordered, StreamExt};
use proto::scim::{ScimSettings, ToApp};
use std::time::Instant;
use testkit::scim::{ScimServer, TOKEN};

const DEFAULT_USERS: usize = 10_000;

fn main() {
    let users = support::users_arg(DEFAULT_USERS);
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .expect("tokio runtime");
    println!("{}", runtime.block_on(bench(users)));
}

fn user(n: usize) -> serde_json::Value {
    serde_json::json!({
        "schemas": ["urn:ietf:params:scim:schemas:core:2.0:User"],
        "userName": format!("person{n}@example.com"),
        "name": {"givenName": "Person", "familyName": format!("Number{n}")},
        "emails": [{"value": format!("person{n}@example.com"), "type": "work", "primary": true}],
        "active": true,
        "password": "Floor-password-1!",
    })
}

/// The same POSTs sent straight to a server, IN_FLIGHT at a time; the
/// seconds they took.
async fn floor(server: &ScimServer, users: usize) -> f64 {
    // Plain HTTP on loopback; the client wants a TLS provider all the same.
    let tls = rustls::ClientConfig::builder_with_provider(std::sync::Arc::new(
        rustls::crypto::ring::default_provider(),
    ))
    .with_safe_default_protocol_versions()
    .unwrap()
    .with_root_certificates(rustls::RootCertStore::empty())
    .with_no_client_auth();
    let http = reqwest::Client::builder()
        .use_preconfigured_tls(tls)
        .build()
        .unwrap();
    let url = format!("{}/Users", server.base_url());
    let started = Instant::now();
    let mut next = 0;
    let mut running = FuturesUnordered::new();
    let send = |n: usize| {
        let request = http
            .post(&url)
            .bearer_auth(TOKEN)
            .header("content-type", "application/scim+json")
            .body(user(n).to_string());
        async move {
            let status = request.send().await.expect("POST").status();
            assert_eq!(status.as_u16(), 201);
        }
    };
    while next < users.min(engine::push::IN_FLIGHT) {
        running.push(send(next));
        next += 1;
    }
    while running.next().await.is_some() {
        if next < users {
            running.push(send(next));
            next += 1;
        }
    }
    let s = started.elapsed().as_secs_f64();
    eprintln!("[floor] {users} POST /Users straight to the server: {s:.2} s");
    s
}

async fn bench(users: usize) -> String {
    let floor_server = ScimServer::start();
    let floor_s = floor(&floor_server, users).await;
    drop(floor_server);

    let server = ScimServer::start();
    let data = tempfile::tempdir().unwrap();
    let (engine, admin) = support::open_engine(data.path(), |_| {}).await;
    let write = engine.write(&admin).unwrap();
    let app = write.create_app("Wiki", AppKind::ScimApp).await.unwrap();
    let settings = ScimSettings {
        enabled: true,
        base_url: server.base_url(),
        to_app: ToApp {
            create_users: true,
            update_attributes: true,
            deactivate_users: true,
            exclude_username_updates: false,
        },
        ..ScimSettings::default()
    };
    write
        .save_connection(
            &app.id,
            serde_json::to_value(settings).unwrap(),
            Some(TOKEN),
        )
        .await
        .unwrap();
    let started = Instant::now();
    let mut ids = Vec::with_capacity(users);
    for n in 0..users {
        let person = NewPerson {
            first_name: "Person".into(),
            last_name: format!("Number{n}"),
            login: format!("person{n}@example.com"),
            email: format!("person{n}@example.com"),
            activate: true,
        };
        ids.push(write.add_person(&person).await.unwrap().id);
    }
    eprintln!(
        "[setup] {users} people added: {:.2} s",
        started.elapsed().as_secs_f64()
    );
    let started = Instant::now();
    for id in &ids {
        write.assign_user(&app.id, id).await.unwrap();
    }
    let assign_s = started.elapsed().as_secs_f64();
    eprintln!("[assign] {users} people assigned: {assign_s:.2} s");

    let started = Instant::now();
    let handled = engine.push_all_due().await.unwrap();
    let push_s = started.elapsed().as_secs_f64();
    assert_eq!(handled, users, "every assignment pushed once");
    assert_eq!(engine.read(&admin).pending_pushes().await.unwrap(), 0);
    let (status, list) = server.send("GET", "/Users?count=1", &serde_json::Value::Null);
    assert_eq!(status, 200);
    assert_eq!(
        list["totalResults"].as_u64(),
        Some(users as u64),
        "every account made once"
    );
    eprintln!("[push] {users} accounts created: {push_s:.2} s");
    format!(
        "scim_users={users} push_s={push_s:.2} pushes_per_s={:.0} floor_requests_per_s={:.0} floor_ratio={:.2} assign_s={assign_s:.2} peak_rss_mib={:.0}",
        users as f64 / push_s,
        users as f64 / floor_s,
        push_s / floor_s,
        support::peak_rss_mib(),
    )
}
