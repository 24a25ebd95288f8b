//! `muster`: the console, the API and background imports in one binary.

#![recursion_limit = "512"]

use clap::Parser;
use engine::{Engine, EngineConfig};
use server::config::{Config, LogFormat};
use std::process::ExitCode;

/// mimalloc rather than the system allocator: an import allocates and
/// frees many small strings per record (parsed entries, profiles, log
/// targets), and glibc's malloc spent a fifth of a directory import's time
/// on them.
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

#[tokio::main]
async fn main() -> ExitCode {
    let config = Config::parse();
    let json_log = matches!(config.log_format, LogFormat::Json);
    let filter = tracing_subscriber::EnvFilter::try_from_default_env()
        .unwrap_or_else(|_| "info,sqlx=warn".into());
    match config.log_format {
        LogFormat::Text => tracing_subscriber::fmt()
            .with_ansi(std::io::IsTerminal::is_terminal(&std::io::stdout()))
            .with_env_filter(filter)
            .init(),
        LogFormat::Json => tracing_subscriber::fmt()
            .json()
            .flatten_event(true)
            .with_current_span(true)
            .with_span_list(false)
            .with_env_filter(filter)
            .init(),
    }
    match run(config).await {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            if json_log {
                tracing::error!(error = %e, "muster: {e}");
            } else {
                eprintln!("muster: {e}");
            }
            ExitCode::FAILURE
        }
    }
}

async fn run(config: Config) -> Result<(), Box<dyn std::error::Error>> {
    if let Some(server::config::Command::Backup { to }) = &config.command {
        engine::backup(&config.database_url, to).await?;
        println!("Backed up {} to {}", config.database_url, to.display());
        return Ok(());
    }
    let engine = Engine::open(EngineConfig {
        max_upload_bytes: config.max_upload_mb.saturating_mul(1024 * 1024),
        session_idle: std::time::Duration::from_secs(config.session_idle_minutes * 60),
        min_free_disk_bytes: config.min_free_disk_mb.saturating_mul(1024 * 1024),
        log_scan_budget: usize::try_from(config.log_scan_events).unwrap_or(usize::MAX),
        secret_key: config.secret_key.clone(),
        upload_retention: (config.upload_retention_days > 0)
            .then(|| std::time::Duration::from_secs(config.upload_retention_days * 24 * 60 * 60)),
        ..EngineConfig::new(config.database_url.clone(), config.data_dir())
    })
    .await?;
    if let Some((username, password)) = engine
        .ensure_first_admin(
            Some(&config.admin_username),
            config.admin_password.as_deref(),
        )
        .await?
    {
        let file = config.data_dir().join("first-admin-password.txt");
        write_private(&file, &format!("{password}\n"))?;
        tracing::info!(admin = %username, file = %file.display(), "Created the first admin {username:?}. Its password is in {} (readable only by you): sign in, then delete the file.", file.display());
    }
    let tls = match (&config.tls_cert, &config.tls_key) {
        (Some(cert), Some(key)) => Some(server::tls::acceptor(cert, key)?),
        (None, None) => None,
        _ => return Err("--tls-cert and --tls-key go together: give both, or neither".into()),
    };
    engine.spawn_worker();
    let options = server::leptos_options(config.addr);
    let http = server::HttpSettings {
        secure_cookies: config.secure_cookies || tls.is_some(),
        trusted_proxies: config.trusted_proxies.clone(),
        metrics_token: config.metrics_token.clone().filter(|t| !t.is_empty()),
        https: tls.is_some(),
        api_requests_per_minute: config.api_requests_per_minute,
    };
    let app = server::router(engine.clone(), options, http)
        .into_make_service_with_connect_info::<std::net::SocketAddr>();
    let tcp = tokio::net::TcpListener::bind(config.addr).await?;
    let addr = tcp.local_addr()?;
    match tls {
        Some(acceptor) => {
            use axum::serve::ListenerExt;
            tracing::info!(%addr, "Muster is listening on https://{addr}");
            let listener = server::tls::TlsListener::new(tcp, acceptor)?.tap_io(|_| {});
            axum::serve(listener, app)
                .with_graceful_shutdown(stop_signal())
                .await?;
        }
        None => {
            tracing::info!(%addr, "Muster is listening on http://{addr}");
            axum::serve(tcp, app)
                .with_graceful_shutdown(stop_signal())
                .await?;
        }
    }
    // A running import stops after the batch in hand and goes on from
    // there at the next start.
    engine.stop(STOP_BOUND).await;
    tracing::info!("Muster stopped");
    Ok(())
}

/// How long a stop waits for running imports to reach the end of a batch.
const STOP_BOUND: std::time::Duration = std::time::Duration::from_secs(30);

/// Ctrl-C, or SIGTERM (what service managers and `kill` send).
async fn stop_signal() {
    #[cfg(unix)]
    {
        let term = async {
            match tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
                Ok(mut term) => {
                    term.recv().await;
                }
                Err(_) => std::future::pending::<()>().await,
            }
        };
        tokio::select! {
            _ = tokio::signal::ctrl_c() => {}
            _ = term => {}
        }
    }
    #[cfg(not(unix))]
    {
        let _ = tokio::signal::ctrl_c().await;
    }
    tracing::info!("Muster is stopping: it answers the requests in hand, lets running imports finish their batch, and exits");
}

/// Writes a file that only its owner can read.
fn write_private(path: &std::path::Path, text: &str) -> std::io::Result<()> {
    use std::io::Write;
    let mut options = std::fs::OpenOptions::new();
    options.write(true).create(true).truncate(true);
    #[cfg(unix)]
    std::os::unix::fs::OpenOptionsExt::mode(&mut options, 0o600);
    let mut file = options.open(path)?;
    file.write_all(text.as_bytes())?;
    file.sync_all()
}
