//! What only SQLite understands, in one place: opening the database file and
//! the settings of its connections, the write lock taken when a transaction
//! starts, members of JSON text columns and the order rows were inserted in.
//! The rest of the store writes SQL that PostgreSQL accepts as well and asks
//! this module for these; each item says what PostgreSQL would use instead.

use crate::error::Result;
use sqlx::sqlite::{SqliteConnectOptions, SqliteJournalMode, SqlitePoolOptions, SqliteSynchronous};
use sqlx::SqlitePool;
use std::str::FromStr;
use std::time::Duration;

/// Opens a pool on the SQLite database at `url` (`sqlite://path`,
/// `sqlite:path`, a plain path or `sqlite::memory:`), creating the file and
/// its directory when missing. An in-memory database gets one connection:
/// each connection to `:memory:` would open a database of its own.
/// PostgreSQL: `PgPoolOptions::connect(url)` on a database that exists.
pub(crate) async fn open_pool(url: &str) -> Result<SqlitePool> {
    let url = database_url(url);
    let in_memory = url.contains(":memory:") || url.contains("mode=memory");
    if !in_memory {
        create_parent_dir(&url)?;
    }
    Ok(SqlitePoolOptions::new()
        .max_connections(if in_memory { 1 } else { 8 })
        .connect_with(connect_options(&url)?)
        .await?)
}

/// Opens a pool on a database file that must exist already.
pub(crate) async fn open_existing(url: &str) -> Result<SqlitePool> {
    let url = database_url(url);
    Ok(SqlitePoolOptions::new()
        .max_connections(1)
        .connect_with(connect_options(&url)?.create_if_missing(false))
        .await?)
}

/// A `sqlite:` URL for a URL or a plain path.
fn database_url(url: &str) -> String {
    if url.starts_with("sqlite:") {
        url.to_owned()
    } else {
        format!("sqlite://{url}")
    }
}

/// Creates the directory the database file goes in.
fn create_parent_dir(url: &str) -> Result<()> {
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
    Ok(())
}

/// How each connection is set up (pragmas): a write-ahead log, so readers
/// do not wait for the writer, with `synchronous = FULL`, so a committed
/// transaction (an import batch, a confirmation) is on disk before the
/// commit returns and survives a power loss, not only a crash; foreign
/// keys enforced (SQLite leaves them off); a writer waits up to 30 s for the
/// write lock instead of failing at once; a 64 MiB page cache (an import
/// batch or a confirmation of 10,000 rows touches more pages of the users
/// table and its indexes than 16 MiB hold, and spilled pages cost a fifth
/// of a confirmation's time) and temporary tables in memory. PostgreSQL
/// has no such settings: it always works so (waiting for row locks,
/// `lock_timeout` to bound it), and its cache is the server's
/// `shared_buffers`. The statement cache is sqlx's own
/// (`PgConnectOptions::statement_cache_capacity`).
fn connect_options(url: &str) -> Result<SqliteConnectOptions> {
    Ok(SqliteConnectOptions::from_str(url)?
        .create_if_missing(true)
        .journal_mode(SqliteJournalMode::Wal)
        .synchronous(SqliteSynchronous::Full)
        .foreign_keys(true)
        .busy_timeout(Duration::from_secs(30))
        .pragma("cache_size", "-65536")
        .pragma("temp_store", "memory")
        // Multi-row statements of 1,000 rows are large once prepared; a
        // short cache per connection keeps memory bounded.
        .statement_cache_capacity(32))
}

/// Copies the database into a new file with `VACUUM INTO`: one read
/// transaction, so the copy is the database as it was at one moment, while
/// writers go on (in WAL mode they do not wait for it).
pub(crate) async fn backup_to(pool: &SqlitePool, path: &std::path::Path) -> Result<()> {
    if path.exists() {
        return Err(crate::Error::InvalidInput(format!(
            "{} exists already: choose a new file for the backup",
            path.display()
        )));
    }
    let target = path.to_str().ok_or_else(|| {
        crate::Error::InvalidInput(format!("{} is not a UTF-8 path", path.display()))
    })?;
    sqlx::query("VACUUM INTO ?")
        .bind(target)
        .execute(pool)
        .await?;
    Ok(())
}

/// Begins a transaction that holds the database's write lock from its
/// start, for work that reads rows and then writes them: a transaction that
/// reads first fails with "database is locked" when another writer commits
/// in between. PostgreSQL: a plain `BEGIN`, and `SELECT … FOR UPDATE` on
/// the rows read.
pub(crate) const BEGIN_WRITE: &str = "BEGIN IMMEDIATE";

/// The order rows were inserted in, which breaks ties between rows of the
/// same time or line: SQLite's implicit `rowid` (qualify it as `t.rowid`).
/// PostgreSQL has no such column; its tables would have an identity column
/// (`seq bigint GENERATED ALWAYS AS IDENTITY`) to order by.
pub(crate) const INSERTION_ORDER: &str = "rowid";

/// The value at a path of keys (`"fullSchedule.frequency"`) in the JSON text
/// column `document`. PostgreSQL: `document::jsonb #>> '{fullSchedule,frequency}'`.
pub(crate) fn json_at(document: &str, path: &str) -> String {
    format!("json_extract({document}, '$.{path}')")
}

/// The value of the member of the JSON text column `document` that the next
/// bound parameter names. PostgreSQL: `document::jsonb ->> $n`.
pub(crate) fn json_member(document: &str) -> String {
    format!("json_extract({document}, '$.' || ?)")
}

/// Appends a subquery of these numbers (for `seq IN (…)`), bound as one
/// JSON array however many there are. PostgreSQL:
/// `SELECT jsonb_array_elements_text($n::jsonb)::bigint`.
pub(crate) fn push_numbers(qb: &mut sqlx::QueryBuilder<'_, sqlx::Sqlite>, numbers: &[i64]) {
    qb.push("SELECT value FROM json_each(")
        .push_bind(serde_json::Value::from(numbers.to_vec()).to_string())
        .push(")");
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn plain_paths_become_sqlite_urls() {
        assert_eq!(database_url("data/muster.db"), "sqlite://data/muster.db");
        assert_eq!(database_url("sqlite::memory:"), "sqlite::memory:");
        assert_eq!(
            database_url("sqlite://a.db?mode=rwc"),
            "sqlite://a.db?mode=rwc"
        );
    }

    #[tokio::test]
    async fn json_fragments_read_members() {
        let pool = open_pool("sqlite::memory:").await.unwrap();
        let doc = r#"'{"fullSchedule": {"frequency": "Daily"}, "title": "Ops"}'"#;
        let (at, member): (Option<String>, Option<String>) = sqlx::query_as(&format!(
            "SELECT {}, {}",
            json_at(doc, "fullSchedule.frequency"),
            json_member(doc)
        ))
        .bind("title")
        .fetch_one(&pool)
        .await
        .unwrap();
        assert_eq!(at.as_deref(), Some("Daily"));
        assert_eq!(member.as_deref(), Some("Ops"));
    }

    #[tokio::test]
    async fn connections_enforce_foreign_keys_and_wait_for_the_lock() {
        let dir = tempfile::tempdir().unwrap();
        let pool = open_pool(&dir.path().join("new/dir/t.db").to_string_lossy())
            .await
            .unwrap();
        let (foreign_keys, busy_timeout, journal_mode): (i64, i64, String) = sqlx::query_as(
            "SELECT (SELECT foreign_keys FROM pragma_foreign_keys),
                    (SELECT timeout FROM pragma_busy_timeout),
                    (SELECT journal_mode FROM pragma_journal_mode)",
        )
        .fetch_one(&pool)
        .await
        .unwrap();
        assert_eq!((foreign_keys, busy_timeout), (1, 30_000));
        assert_eq!(journal_mode, "wal");
    }
}
