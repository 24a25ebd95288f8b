//! All of Muster's SQL. One SQLite file through sqlx, WAL mode, foreign keys on.

mod admins;
pub(crate) mod apps;
pub(crate) mod events;
pub(crate) mod imports;
pub(crate) mod rules;
pub(crate) mod sources;
pub(crate) mod users;

pub use imports::{AppUserState, PendingRow, QueueEntry, Selection, StagedRow};
pub use rules::{LinkedUser, Removal, RemovalAction};
pub use users::{name_key, IndexOptions, NewUser, UserIndex};

use crate::error::Result;
use sqlx::sqlite::{SqliteConnectOptions, SqliteJournalMode, SqlitePoolOptions, SqliteSynchronous};
use sqlx::SqlitePool;
use std::str::FromStr;
use std::time::Duration;

/// Statuses of a run that holds its app's import slot: no other import of
/// the app starts while one is in them.
pub(crate) const HOLDS_SLOT: &str = "'RUNNING', 'PAUSED', 'RESUMING'";
/// Statuses of a run that holds or waits for the slot: while one is in them,
/// the app's queue is not confirmed or cleared and no schedule adds a run.
pub(crate) const HOLDS_OR_WAITS: &str = "'QUEUED', 'RUNNING', 'PAUSED', 'RESUMING'";

/// Rows per multi-row statement: well under SQLite's limit of bound values.
pub(crate) const ROWS_PER_STATEMENT: usize = 1000;

/// The database behind the engine.
#[derive(Clone, Debug)]
pub struct Store {
    pool: SqlitePool,
}

impl Store {
    /// Opens (creating when missing) the database at `url`, e.g.
    /// `sqlite://muster-data/muster.db` or a plain path, and applies migrations.
    pub async fn open(url: &str) -> Result<Store> {
        let url = if url.starts_with("sqlite:") {
            url.to_owned()
        } else {
            format!("sqlite://{url}")
        };
        let in_memory = url.contains(":memory:") || url.contains("mode=memory");
        if !in_memory {
            if let Some(path) = url
                .strip_prefix("sqlite://")
                .or_else(|| url.strip_prefix("sqlite:"))
            {
                let path = path.split('?').next().unwrap_or(path);
                if let Some(dir) = std::path::Path::new(path).parent() {
                    if !dir.as_os_str().is_empty() {
                        std::fs::create_dir_all(dir)?;
                    }
                }
            }
        }
        let options = SqliteConnectOptions::from_str(&url)?
            .create_if_missing(true)
            .journal_mode(SqliteJournalMode::Wal)
            .synchronous(SqliteSynchronous::Normal)
            .foreign_keys(true)
            .busy_timeout(Duration::from_secs(30))
            .pragma("cache_size", "-16384")
            .pragma("temp_store", "memory")
            // Multi-row statements of 1,000 rows are large once prepared; a
            // short cache per connection keeps memory bounded.
            .statement_cache_capacity(32);
        let pool = SqlitePoolOptions::new()
            .max_connections(if in_memory { 1 } else { 8 })
            .connect_with(options)
            .await?;
        sqlx::migrate!("./migrations").run(&pool).await?;
        users::fill_missing_keys(&pool).await?;
        Ok(Store { pool })
    }

    pub fn pool(&self) -> &SqlitePool {
        &self.pool
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::RunStatus;

    #[test]
    fn the_slot_lists_name_run_statuses() {
        for list in [HOLDS_SLOT, HOLDS_OR_WAITS] {
            for name in list.split(", ") {
                let name = name.trim_matches('\'');
                assert!(
                    RunStatus::ALL.iter().any(|s| s.as_str() == name),
                    "{name}"
                );
            }
        }
    }
}
