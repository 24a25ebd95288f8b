//! Command line and environment.

use clap::Parser;
use std::net::SocketAddr;
use std::path::PathBuf;

/// Muster: import users from CSV files (and soon LDAP, SCIM and a bulk API),
/// match them to your directory, review and confirm, all in one binary.
#[derive(Debug, Parser)]
#[command(name = "muster", version, about, long_about = None)]
pub struct Config {
    #[command(subcommand)]
    pub command: Option<Command>,

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

    /// A PEM certificate chain: Muster then serves HTTPS itself (with
    /// --tls-key). Behind a reverse proxy that terminates TLS, leave it unset.
    #[arg(long, env = "MUSTER_TLS_CERT")]
    pub tls_cert: Option<PathBuf>,

    /// The PEM private key of --tls-cert.
    #[arg(long, env = "MUSTER_TLS_KEY")]
    pub tls_key: Option<PathBuf>,

    /// Uploads are refused while the data directory's disk has less than
    /// this many MiB free.
    #[arg(long, env = "MUSTER_MIN_FREE_DISK_MB", default_value_t = 512)]
    pub min_free_disk_mb: u64,

    /// The key that seals connection secrets (bind passwords, tokens) in
    /// the database: 64 hexadecimal characters. Without it, Muster makes
    /// `secret.key` in the data directory on first start; keep that file
    /// (or this value) with the database's backups.
    #[arg(long, env = "MUSTER_SECRET_KEY", hide_env_values = true)]
    pub secret_key: Option<String>,

    /// Events a System Log search reads before it stops and says its
    /// results are partial (a count reads five times as many).
    #[arg(long, env = "MUSTER_LOG_SCAN_EVENTS", default_value_t = 200_000, value_parser = clap::value_parser!(u64).range(1..))]
    pub log_scan_events: u64,

    /// Days an uploaded file is kept before it is deleted (0 keeps files
    /// for ever). An app's newest upload is kept while it has a schedule.
    #[arg(long, env = "MUSTER_UPLOAD_RETENTION_DAYS", default_value_t = 30)]
    pub upload_retention_days: u64,

    /// Mark session cookies Secure (set this when Muster is served over https
    /// behind a proxy that does not send X-Forwarded-Proto).
    #[arg(long, env = "MUSTER_SECURE_COOKIES", default_value_t = false)]
    pub secure_cookies: bool,

    /// Minutes a console session lasts unused (it lasts 12 hours at most).
    #[arg(long, env = "MUSTER_SESSION_IDLE_MINUTES", default_value_t = 60, value_parser = clap::value_parser!(u64).range(1..=720))]
    pub session_idle_minutes: u64,

    /// Proxies whose X-Forwarded-For is believed (addresses or CIDR ranges,
    /// comma-separated); from any other peer the header is ignored.
    #[arg(long, env = "MUSTER_TRUSTED_PROXIES", default_value = "", value_parser = parse_proxies)]
    pub trusted_proxies: web::TrustedProxies,

    /// The token a Prometheus scrape of /metrics must carry as
    /// `Authorization: Bearer <token>`; when unset, /metrics is off.
    #[arg(long, env = "MUSTER_METRICS_TOKEN", hide_env_values = true)]
    pub metrics_token: Option<String>,

    /// Requests an API token may make a minute (without a token, an
    /// address); past it the API answers 429.
    #[arg(long, env = "MUSTER_API_REQUESTS_PER_MINUTE", default_value_t = crate::DEFAULT_API_REQUESTS_PER_MINUTE, value_parser = clap::value_parser!(u32).range(1..))]
    pub api_requests_per_minute: u32,

    /// How log lines are written: `text` for people, `json` for a log
    /// collector (one object per line, with the request id).
    #[arg(long, env = "MUSTER_LOG_FORMAT", value_enum, default_value_t = LogFormat::Text)]
    pub log_format: LogFormat,

    /// Username of the first admin, created when the database has none.
    #[arg(long, env = "MUSTER_ADMIN_USERNAME", default_value = "admin")]
    pub admin_username: String,

    /// Password of the first admin (at least 12 characters); when unset one
    /// is generated and written to a file only its owner can read.
    #[arg(long, env = "MUSTER_ADMIN_PASSWORD", hide_env_values = true)]
    pub admin_password: Option<String>,
}

/// How log lines are written.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum LogFormat {
    Text,
    Json,
}

/// What `muster` does besides serving the console.
#[derive(Debug, clap::Subcommand)]
pub enum Command {
    /// Copies the database into a new file while the server runs: a
    /// consistent copy to keep, and to restore by putting it in the
    /// database's place while Muster is stopped.
    Backup {
        /// The file to write; it must not exist yet.
        #[arg(long)]
        to: PathBuf,
    },
}

fn parse_proxies(list: &str) -> Result<web::TrustedProxies, String> {
    web::TrustedProxies::parse(list)
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
