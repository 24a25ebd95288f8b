//! `muster`: the console, the API and background imports in one binary.

#![recursion_limit = "512"]

use clap::Parser;
use engine::{Engine, EngineConfig};
use server::config::Config;
use std::process::ExitCode;

#[tokio::main]
async fn main() -> ExitCode {
    tracing_subscriber::fmt()
        .with_env_filter(
            tracing_subscriber::EnvFilter::try_from_default_env()
                .unwrap_or_else(|_| "info,sqlx=warn".into()),
        )
        .init();
    let config = Config::parse();
    match run(config).await {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("muster: {e}");
            ExitCode::FAILURE
        }
    }
}

async fn run(config: Config) -> Result<(), Box<dyn std::error::Error>> {
    let engine = Engine::open(EngineConfig {
        database_url: config.database_url.clone(),
        data_dir: config.data_dir(),
        max_upload_bytes: config.max_upload_mb.saturating_mul(1024 * 1024),
    })
    .await?;
    if let Some((username, password)) = engine
        .ensure_first_admin(
            Some(&config.admin_username),
            config.admin_password.as_deref(),
        )
        .await?
    {
        println!("Created the first admin. Username: {username}  Password: {password}");
        println!("This password is shown only once; sign in and keep it safe.");
    }
    engine.spawn_worker();
    let options = server::leptos_options(config.addr);
    let app = server::router(engine, options, config.secure_cookies);
    let listener = tokio::net::TcpListener::bind(config.addr).await?;
    println!("Muster is listening on http://{}", listener.local_addr()?);
    axum::serve(
        listener,
        app.into_make_service_with_connect_info::<std::net::SocketAddr>(),
    )
    .with_graceful_shutdown(async {
        let _ = tokio::signal::ctrl_c().await;
    })
    .await?;
    Ok(())
}
