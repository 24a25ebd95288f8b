//! What the benches share: the `muster` binary's allocator, their
//! `--users N` argument, a fresh engine with an admin signed in, and the
//! process's peak memory.

use engine::model::Admin;
use engine::{Engine, EngineConfig};
use std::path::Path;
use std::sync::Arc;

/// The allocator `muster` runs with (server/src/main.rs), so a bench
/// measures the engine as the binary runs it.
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

/// `--users N` or `--users=N` (underscores allowed), else `default`;
/// anything else on the command line (`--bench`, filters) is cargo's.
pub fn users_arg(default: usize) -> usize {
    let args: Vec<String> = std::env::args().collect();
    let value = args
        .iter()
        .position(|a| a == "--users")
        .and_then(|i| args.get(i + 1).cloned())
        .or_else(|| {
            args.iter()
                .find_map(|a| a.strip_prefix("--users=").map(str::to_owned))
        });
    let users = value.map_or(default, |v| {
        v.replace('_', "")
            .parse()
            .unwrap_or_else(|_| panic!("--users needs a number, got {v}"))
    });
    assert!(users > 0, "--users must be at least 1");
    users
}

/// An engine on a new database in `data`, with an admin signed in.
pub async fn open_engine(
    data: &Path,
    change: impl FnOnce(&mut EngineConfig),
) -> (Arc<Engine>, Admin) {
    let mut config = EngineConfig::new(data.join("muster.db").to_string_lossy(), data.to_owned());
    change(&mut config);
    let engine = Engine::open(config).await.expect("engine");
    engine
        .ensure_first_admin(Some("admin"), Some("bench-admin-password"))
        .await
        .expect("admin");
    let (admin, _) = engine
        .sign_in("admin", "bench-admin-password", None)
        .await
        .expect("sign in");
    (engine, admin)
}

/// The most memory the process has held, in MiB.
pub fn peak_rss_mib() -> f64 {
    let status = std::fs::read_to_string("/proc/self/status").unwrap_or_default();
    status
        .lines()
        .find_map(|l| l.strip_prefix("VmHWM:"))
        .and_then(|v| v.trim().trim_end_matches("kB").trim().parse::<f64>().ok())
        .map_or(0.0, |kib| kib / 1024.0)
}
