//! Command line and environment.

use clap::Parser;
use std::net::SocketAddr;
use std::path::PathBuf;

/// Muster: import users from CSV files (and soon LDAP, SCIM and a bulk API),
/// match them to your directory, review and confirm, all in one binary.
#[derive(Debug, Parser)]
#[command(name = "muster", version, about, long_about = None)]
pub struct Config {
    /// Address the console listens on.
    #[arg(long, env = "MUSTER_ADDR", default_value = "127.0.0.1:3000")]
    pub addr: SocketAddr,

    /// SQLite database (a path or a sqlite:// URL); created when missing.
    #[arg(long, env = "DATABASE_URL", default_value = "./muster-data/muster.db")]
    pub database_url: String,

    /// Where uploaded files are kept; defaults to the database's directory.
    #[arg(long, env = "MUSTER_DATA_DIR")]
    pub data_dir: Option<PathBuf>,

    /// Largest CSV upload accepted, in MiB.
    #[arg(long, env = "MUSTER_MAX_UPLOAD_MB", default_value_t = 100)]
    pub max_upload_mb: u64,

    /// Mark session cookies Secure (set this when Muster is served over https
    /// behind a proxy that does not send X-Forwarded-Proto).
    #[arg(long, env = "MUSTER_SECURE_COOKIES", default_value_t = false)]
    pub secure_cookies: bool,

    /// Username of the first admin, created when the database has none.
    #[arg(long, env = "MUSTER_ADMIN_USERNAME", default_value = "admin")]
    pub admin_username: String,

    /// Password of the first admin; when unset one is generated and printed once.
    #[arg(long, env = "MUSTER_ADMIN_PASSWORD", hide_env_values = true)]
    pub admin_password: Option<String>,
}

impl Config {
    pub fn data_dir(&self) -> PathBuf {
        if let Some(d) = &self.data_dir {
            return d.clone();
        }
        let path = self
            .database_url
            .trim_start_matches("sqlite://")
            .trim_start_matches("sqlite:");
        let path = path.split('?').next().unwrap_or(path);
        match std::path::Path::new(path).parent() {
            Some(p) if !p.as_os_str().is_empty() && !path.contains(":memory:") => p.to_path_buf(),
            _ => PathBuf::from("./muster-data"),
        }
    }
}
