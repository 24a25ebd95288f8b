//! All of Muster's SQL. One SQLite file through sqlx, WAL mode, foreign keys on.
//!
//! The SQL is written so that PostgreSQL accepts it as well: upserts are
//! `INSERT … ON CONFLICT (…) DO NOTHING` or `DO UPDATE SET … = excluded.…`,
//! flags are compared with `TRUE` and `FALSE`, and searches and orders that
//! ignore case say so with `lower()` (SQLite's, like its `LIKE` and
//! `NOCASE`, folds ASCII letters only). What only SQLite has lives in
//! `store/sqlite.rs`: opening the file and its connections' pragmas, the write
//! lock taken when a transaction starts, members of JSON text columns
//! (`json_extract`) and the order rows were inserted in (`rowid`).
//!
//! Outside that module, a PostgreSQL store would also differ in:
//! - the schema: `engine/migrations/` are SQLite's (`COLLATE NOCASE` columns,
//!   through which an admin's username matches ignoring case;
//!   `WITHOUT ROWID` tables; `INTEGER PRIMARY KEY AUTOINCREMENT`; flags as
//!   integers);
//! - placeholders: plain queries write `?` where PostgreSQL wants `$1`
//!   (`QueryBuilder` numbers them for either), and the `Sqlite*` types of
//!   sqlx's connections and rows;
//! - text order: SQLite compares text as bytes, which is the order ids are
//!   made to sort in (PostgreSQL: `COLLATE "C"`);
//! - concurrency: SQLite has one writer at a time, so a single
//!   `UPDATE … WHERE id = (SELECT …)` claims a run alone
//!   ([`Store::claim_next_run`]); PostgreSQL would add `FOR UPDATE SKIP LOCKED`.

pub(crate) mod accounts;
mod admins;
pub(crate) mod apps;
pub(crate) mod events;
pub(crate) mod groups;
pub(crate) mod imports;
pub(crate) mod profile_sources;
pub(crate) mod push;
pub(crate) mod rules;
pub(crate) mod sessions;
pub(crate) mod sources;
pub(crate) mod sqlite;
mod tokens;
pub(crate) mod users;

/// A moment, as the store keeps it.
pub type Timestamp = DateTime<Utc>;

/// Times are stored as text in one form, Okta's `2026-11-23T14:48:29.123Z`,
/// so that they compare and sort as text the way they do in time.
pub fn stamp(t: Timestamp) -> String {
    t.to_rfc3339_opts(SecondsFormat::Millis, true)
}

pub use accounts::Holding;
pub use admins::{NewSession, SessionRow};
pub use imports::{
    AppUserState, PendingRow, QueueEntry, Selection, StagedRow, StoredUpload, RESUMES,
};
pub use rules::{LinkedUser, Removal, RemovalAction};
pub use users::{name_key, IndexOptions, NewUser, UserIndex};

use crate::error::Result;
use chrono::{DateTime, SecondsFormat, Utc};
use sqlx::{Sqlite, SqlitePool, Transaction};

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
        let pool = sqlite::open_pool(url).await?;
        MIGRATOR.run(&pool).await?;
        users::fill_missing_keys(&pool).await?;
        Ok(Store { pool })
    }

    /// Opens a database as it is, applying nothing: for reading it (a
    /// backup) while a server may be running on it.
    pub async fn open_as_is(url: &str) -> Result<Store> {
        let pool = sqlite::open_existing(url).await?;
        Ok(Store { pool })
    }

    /// Whether the database answers and has every migration this build
    /// knows applied (a newer node may have applied more).
    pub async fn ready(&self) -> Result<bool> {
        let applied: Option<i64> =
            sqlx::query_scalar("SELECT MAX(version) FROM _sqlx_migrations WHERE success")
                .fetch_one(&self.pool)
                .await?;
        let known = MIGRATOR.iter().map(|m| m.version).max();
        Ok(applied >= known)
    }

    /// Writes a consistent copy of the whole database to `path`, a file that
    /// must not exist yet, while others go on reading and writing.
    /// PostgreSQL: `pg_dump`.
    pub async fn backup_to(&self, path: &std::path::Path) -> Result<()> {
        sqlite::backup_to(&self.pool, path).await
    }

    /// Begins a transaction that holds the write lock from its start, for
    /// work that reads rows and then writes them ([`sqlite::BEGIN_WRITE`]).
    pub(crate) async fn begin_write(&self) -> Result<Transaction<'static, Sqlite>> {
        Ok(self.pool.begin_with(sqlite::BEGIN_WRITE).await?)
    }

    pub fn pool(&self) -> &SqlitePool {
        &self.pool
    }
}

/// The schema's migrations, applied in order when the store opens.
static MIGRATOR: sqlx::migrate::Migrator = sqlx::migrate!("./migrations");

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::RunStatus;

    #[test]
    fn the_slot_lists_name_run_statuses() {
        for list in [HOLDS_SLOT, HOLDS_OR_WAITS] {
            for name in list.split(", ") {
                let name = name.trim_matches('\'');
                assert!(RunStatus::ALL.iter().any(|s| s.as_str() == name), "{name}");
            }
        }
    }

    /// A store with app `0oa1`, users `00u1` and `00u2`, and run `ij1`.
    async fn store_with_a_run() -> Store {
        let store = Store::open("sqlite::memory:").await.unwrap();
        let mut conn = store.pool().acquire().await.unwrap();
        apps::insert_app(
            &mut conn,
            "0oa1",
            "HR",
            crate::model::AppKind::CsvDirectory,
            crate::ids::now(),
        )
        .await
        .unwrap();
        let user = |id: &str| NewUser {
            id: id.into(),
            status: crate::model::UserStatus::Active,
            login: format!("{id}@example.com"),
            email: format!("{id}@example.com"),
            first_name: "A".into(),
            last_name: "B".into(),
            profile: "{}".into(),
            search_key: format!("a b\n{id}@example.com"),
            activated: None,
        };
        users::insert_users(
            &mut conn,
            &[user("00u1"), user("00u2")],
            Some("0oa1"),
            crate::ids::now(),
        )
        .await
        .unwrap();
        sqlx::query(
            "INSERT INTO import_runs (id, app_id, import_type, trigger, status, created)
             VALUES ('ij1', '0oa1', 'FULL', 'MANUAL', 'RUNNING', 't')",
        )
        .execute(&mut *conn)
        .await
        .unwrap();
        store
    }

    #[tokio::test]
    async fn searches_and_the_app_list_ignore_case() {
        let store = store_with_a_run().await;
        let mut conn = store.pool().acquire().await.unwrap();
        for (id, name) in [("0oa2", "abc"), ("0oa3", "Abd"), ("0oa4", "h_r")] {
            apps::insert_app(
                &mut conn,
                id,
                name,
                crate::model::AppKind::CsvDirectory,
                crate::ids::now(),
            )
            .await
            .unwrap();
        }
        drop(conn);
        let names = |apps: Vec<crate::model::App>| -> Vec<String> {
            apps.into_iter().map(|a| a.name).collect()
        };
        assert_eq!(
            names(store.list_apps("").await.unwrap()),
            ["abc", "Abd", "h_r", "HR"]
        );
        assert_eq!(names(store.list_apps("hr").await.unwrap()), ["HR"]);
        assert_eq!(names(store.list_apps("H_").await.unwrap()), ["h_r"]);
        let users = store.list_users("00U2@EXAMPLE", 0, 10).await.unwrap();
        assert_eq!(
            users
                .items
                .iter()
                .map(|u| u.id.as_str())
                .collect::<Vec<_>>(),
            ["00u2"]
        );
    }

    #[tokio::test]
    async fn assigning_again_keeps_the_first_assignment() {
        let store = store_with_a_run().await;
        let mut conn = store.pool().acquire().await.unwrap();
        let first = crate::ids::now();
        let second = first + chrono::Duration::seconds(1);
        imports::insert_assignments(&mut conn, "0oa1", &["00u1"], first)
            .await
            .unwrap();
        imports::insert_assignments(&mut conn, "0oa1", &["00u1", "00u2"], second)
            .await
            .unwrap();
        let rows: Vec<(String, String)> =
            sqlx::query_as("SELECT user_id, created FROM app_assignments ORDER BY user_id")
                .fetch_all(&mut *conn)
                .await
                .unwrap();
        assert_eq!(
            rows,
            [
                ("00u1".to_owned(), stamp(first)),
                ("00u2".to_owned(), stamp(second))
            ]
        );
    }

    #[tokio::test]
    async fn a_removal_kept_again_replaces_the_earlier_one() {
        let store = store_with_a_run().await;
        let mut conn = store.pool().acquire().await.unwrap();
        let removal = |user_id: &str, action| Removal {
            external_id: "e1".into(),
            user_id: user_id.into(),
            login: String::new(),
            action,
        };
        rules::insert_removals(
            &mut conn,
            "ij1",
            "0oa1",
            &[removal("00u1", RemovalAction::Suspend)],
        )
        .await
        .unwrap();
        rules::insert_removals(
            &mut conn,
            "ij1",
            "0oa1",
            &[removal("00u2", RemovalAction::Unassign)],
        )
        .await
        .unwrap();
        let rows: Vec<(String, String, String)> =
            sqlx::query_as("SELECT external_id, user_id, action FROM import_removals")
                .fetch_all(&mut *conn)
                .await
                .unwrap();
        assert_eq!(
            rows,
            [("e1".to_owned(), "00u2".to_owned(), "UNASSIGN".to_owned())]
        );
    }
}
