//! Bulk import sessions of Custom Identity Source apps and what they stage:
//! users to create or update or deactivate, groups, and memberships, each
//! kept once per session with the last request's word.

use super::{stamp, Store, Timestamp, ROWS_PER_STATEMENT};
use crate::error::{Error, Result};
use proto::console::ImportSessionView;
use proto::SessionStatus;
use sqlx::sqlite::SqliteRow;
use sqlx::{QueryBuilder, Row, Sqlite, SqliteConnection};

/// The tables of what sessions stage.
const STAGED_TABLES: [&str; 3] = ["session_users", "session_groups", "session_memberships"];

/// A staged user: a profile to create or update, or (`profile` `None`) an
/// account to deactivate.
pub struct StagedUser<'a> {
    pub external_id: &'a str,
    pub profile: Option<String>,
}

/// A staged group: a profile to create or update, or (`None`) a group to
/// delete.
pub struct StagedGroup<'a> {
    pub external_id: &'a str,
    pub profile: Option<(&'a str, Option<&'a str>)>,
}

/// The number of users session `s` staged: counted while its records are
/// there, kept on the session once they are dropped.
const STAGED_USERS: &str = "COALESCE(s.staged_users,
    (SELECT COUNT(*) FROM session_users su WHERE su.session_id = s.id))";

/// The sessions that meet `condition` (on `s`, the session), each with its
/// run's status and its number of staged users.
fn select_sessions(condition: &str) -> String {
    format!(
        "SELECT s.id, s.app_id, s.status, s.created, s.last_updated, s.requests,
            s.run_id, r.status AS run_status, {STAGED_USERS} AS users
         FROM import_sessions s LEFT JOIN import_runs r ON r.id = s.run_id
         WHERE {condition}"
    )
}

/// A session as it stands: a triggered one reads its run's end; an open one
/// unused since `expired_before` is expired.
fn session_from_row(r: &SqliteRow, expired_before: &str) -> Result<ImportSessionView> {
    let stored: String = r.get("status");
    let mut status = SessionStatus::parse(&stored)
        .ok_or_else(|| Error::Internal(format!("unknown session status {stored:?}")))?;
    let last_updated: String = r.get("last_updated");
    let run_status: Option<String> = r.get("run_status");
    status = match (status, run_status.as_deref()) {
        (SessionStatus::Triggered, Some("COMPLETED")) => SessionStatus::Completed,
        (SessionStatus::Triggered, Some("FAILED")) => SessionStatus::Error,
        (s, _) if s.is_open() && last_updated.as_str() < expired_before => SessionStatus::Expired,
        (s, _) => s,
    };
    Ok(ImportSessionView {
        id: r.get("id"),
        app_id: r.get("app_id"),
        status,
        created: r.get("created"),
        last_updated,
        requests: r.get("requests"),
        users: r.get("users"),
        run_id: r.get("run_id"),
    })
}

impl Store {
    /// The sessions of an app, newest first.
    pub async fn sessions(
        &self,
        app_id: &str,
        expired_before: Timestamp,
    ) -> Result<Vec<ImportSessionView>> {
        let rows = sqlx::query(&select_sessions(
            "s.app_id = ? ORDER BY s.created DESC, s.id DESC",
        ))
        .bind(app_id)
        .fetch_all(&self.pool)
        .await?;
        let before = stamp(expired_before);
        rows.iter().map(|r| session_from_row(r, &before)).collect()
    }

    pub async fn session(
        &self,
        app_id: &str,
        id: &str,
        expired_before: Timestamp,
    ) -> Result<ImportSessionView> {
        session_in(&mut *self.pool.acquire().await?, app_id, id, expired_before).await
    }

    /// The session whose import is `run_id`: its id, its app and its number
    /// of staged users.
    pub async fn session_of_run(&self, run_id: &str) -> Result<Option<(String, String, i64)>> {
        Ok(sqlx::query_as(&format!(
            "SELECT s.id, s.app_id, {STAGED_USERS} FROM import_sessions s WHERE s.run_id = ?"
        ))
        .bind(run_id)
        .fetch_optional(&self.pool)
        .await?)
    }

    /// Up to `limit` staged users of a session after `after` (their order
    /// of upload), each with the attributes to read: an upsert's profile, or
    /// for a deactivation the account's attributes as the app has them (an
    /// account the app does not have is left out).
    pub async fn staged_users(
        &self,
        session_id: &str,
        app_id: &str,
        after: i64,
        limit: i64,
    ) -> Result<(Vec<(i64, String, String, bool)>, Option<i64>)> {
        let rows = sqlx::query(
            "SELECT su.seq, su.external_id, su.deleted, COALESCE(su.profile, au.attributes) AS attributes
             FROM session_users su
             LEFT JOIN app_users au ON su.deleted = 1 AND au.app_id = ? AND au.external_id = su.external_id
             WHERE su.session_id = ? AND su.seq > ? ORDER BY su.seq LIMIT ?",
        )
        .bind(app_id)
        .bind(session_id)
        .bind(after)
        .bind(limit)
        .fetch_all(&self.pool)
        .await?;
        let last = rows.last().map(|r| r.get::<i64, _>("seq"));
        let users = rows
            .iter()
            .filter_map(|r| {
                let attributes: Option<String> = r.get("attributes");
                Some((
                    r.get("seq"),
                    r.get("external_id"),
                    attributes?,
                    r.get::<i64, _>("deleted") == 1,
                ))
            })
            .collect();
        Ok((users, last))
    }

    /// The session's staged groups: `(external id, display name and
    /// description, or None to delete)`, in their order of upload.
    pub async fn staged_groups(
        &self,
        session_id: &str,
    ) -> Result<Vec<(String, Option<(String, String)>)>> {
        let rows = sqlx::query(
            "SELECT external_id, deleted, display_name, description FROM session_groups
             WHERE session_id = ? ORDER BY seq",
        )
        .bind(session_id)
        .fetch_all(&self.pool)
        .await?;
        Ok(rows
            .iter()
            .map(|r| {
                let profile = (r.get::<i64, _>("deleted") == 0).then(|| {
                    (
                        r.get::<Option<String>, _>("display_name")
                            .unwrap_or_default(),
                        r.get::<Option<String>, _>("description")
                            .unwrap_or_default(),
                    )
                });
                (r.get("external_id"), profile)
            })
            .collect())
    }

    /// The session's staged memberships: `(group, member, deleted)`.
    pub async fn staged_memberships(
        &self,
        session_id: &str,
    ) -> Result<Vec<(String, String, bool)>> {
        let rows = sqlx::query(
            "SELECT group_external_id, member_external_id, deleted FROM session_memberships
             WHERE session_id = ? ORDER BY seq",
        )
        .bind(session_id)
        .fetch_all(&self.pool)
        .await?;
        Ok(rows
            .iter()
            .map(|r| {
                (
                    r.get("group_external_id"),
                    r.get("member_external_id"),
                    r.get::<i64, _>("deleted") == 1,
                )
            })
            .collect())
    }

    /// Open sessions unused since `before` become EXPIRED; their staged
    /// records are dropped. Returns each with its app's id.
    pub async fn expire_sessions(&self, before: Timestamp) -> Result<Vec<(String, String)>> {
        let mut tx = self.begin_write().await?;
        let expired: Vec<(String, String)> = sqlx::query_as(
            "UPDATE import_sessions SET status = 'EXPIRED'
             WHERE status IN ('CREATED', 'IN_PROGRESS') AND last_updated < ?
             RETURNING id, app_id",
        )
        .bind(stamp(before))
        .fetch_all(&mut *tx)
        .await?;
        for (id, _) in &expired {
            drop_staged(&mut tx, id).await?;
        }
        tx.commit().await?;
        Ok(expired)
    }

    /// Drops what sessions whose import has ended staged, keeping on each
    /// session how many users it staged (a session with its count kept has
    /// nothing left to drop).
    pub async fn drop_finished_sessions(&self) -> Result<()> {
        let mut tx = self.begin_write().await?;
        let ended: Vec<(String,)> = sqlx::query_as(&format!(
            "UPDATE import_sessions AS s SET staged_users = {STAGED_USERS}
             WHERE s.staged_users IS NULL AND s.run_id IN (
                SELECT r.id FROM import_runs r WHERE r.status IN ('COMPLETED', 'FAILED'))
             RETURNING id"
        ))
        .fetch_all(&mut *tx)
        .await?;
        for (id,) in &ended {
            drop_staged(&mut tx, id).await?;
        }
        tx.commit().await?;
        Ok(())
    }
}

/// A session as it stands, read on a connection or transaction.
pub(crate) async fn session_in(
    conn: &mut SqliteConnection,
    app_id: &str,
    id: &str,
    expired_before: Timestamp,
) -> Result<ImportSessionView> {
    let row = sqlx::query(&select_sessions("s.app_id = ? AND s.id = ?"))
        .bind(app_id)
        .bind(id)
        .fetch_optional(&mut *conn)
        .await?
        .ok_or_else(|| Error::NotFound(format!("import session {id}")))?;
    session_from_row(&row, &stamp(expired_before))
}

/// The app's session that is open or importing, if any.
pub(crate) async fn active_session(
    conn: &mut SqliteConnection,
    app_id: &str,
    expired_before: Timestamp,
) -> Result<Option<ImportSessionView>> {
    let rows = sqlx::query(&select_sessions(
        "s.app_id = ? AND s.status IN ('CREATED', 'IN_PROGRESS', 'TRIGGERED')",
    ))
    .bind(app_id)
    .fetch_all(&mut *conn)
    .await?;
    let before = stamp(expired_before);
    for r in &rows {
        let session = session_from_row(r, &before)?;
        if session.status.is_active() {
            return Ok(Some(session));
        }
    }
    Ok(None)
}

pub(crate) async fn insert_session(
    conn: &mut SqliteConnection,
    id: &str,
    app_id: &str,
    admin_id: &str,
    now: Timestamp,
) -> Result<()> {
    sqlx::query(
        "INSERT INTO import_sessions (id, app_id, status, created, last_updated, created_by)
         VALUES (?, ?, 'CREATED', ?, ?, ?)",
    )
    .bind(id)
    .bind(app_id)
    .bind(stamp(now))
    .bind(stamp(now))
    .bind(admin_id)
    .execute(&mut *conn)
    .await?;
    Ok(())
}

/// Sets a session's stored status (and its run, once triggered).
pub(crate) async fn set_status(
    conn: &mut SqliteConnection,
    id: &str,
    status: SessionStatus,
    run_id: Option<&str>,
    now: Timestamp,
) -> Result<()> {
    sqlx::query(
        "UPDATE import_sessions SET status = ?, run_id = COALESCE(?, run_id), last_updated = ?
         WHERE id = ?",
    )
    .bind(status.as_str())
    .bind(run_id)
    .bind(stamp(now))
    .bind(id)
    .execute(&mut *conn)
    .await?;
    Ok(())
}

/// Counts one bulk request: the session is IN_PROGRESS and used now.
pub(crate) async fn count_request(
    conn: &mut SqliteConnection,
    id: &str,
    now: Timestamp,
) -> Result<()> {
    sqlx::query(
        "UPDATE import_sessions SET status = 'IN_PROGRESS', requests = requests + 1, last_updated = ?
         WHERE id = ?",
    )
    .bind(stamp(now))
    .bind(id)
    .execute(&mut *conn)
    .await?;
    Ok(())
}

/// How many of `external_ids` (distinct) the session has not staged yet.
pub(crate) async fn unstaged_count(
    conn: &mut SqliteConnection,
    session_id: &str,
    external_ids: &[&str],
) -> Result<i64> {
    let mut known = 0;
    for chunk in external_ids.chunks(ROWS_PER_STATEMENT) {
        let mut q =
            QueryBuilder::<Sqlite>::new("SELECT COUNT(*) FROM session_users WHERE session_id = ");
        q.push_bind(session_id).push(" AND external_id IN ");
        super::rules::push_list(&mut q, chunk);
        known += q.build_query_scalar::<i64>().fetch_one(&mut *conn).await?;
    }
    Ok(external_ids.len() as i64 - known)
}

async fn next_seq(conn: &mut SqliteConnection, table: &str, session_id: &str) -> Result<i64> {
    let max: Option<i64> = sqlx::query_scalar(&format!(
        "SELECT MAX(seq) FROM {table} WHERE session_id = ?"
    ))
    .bind(session_id)
    .fetch_one(&mut *conn)
    .await?;
    Ok(max.unwrap_or(0) + 1)
}

/// Stages users; a user staged before takes the new word and moves to the
/// end of the order.
pub(crate) async fn stage_users(
    conn: &mut SqliteConnection,
    session_id: &str,
    users: &[StagedUser<'_>],
) -> Result<()> {
    let mut seq = next_seq(conn, "session_users", session_id).await?;
    for chunk in users.chunks(ROWS_PER_STATEMENT / 4) {
        let mut q = QueryBuilder::<Sqlite>::new(
            "INSERT INTO session_users (session_id, external_id, seq, deleted, profile) ",
        );
        q.push_values(chunk, |mut row, u| {
            row.push_bind(session_id)
                .push_bind(u.external_id)
                .push_bind(seq)
                .push_bind(i64::from(u.profile.is_none()))
                .push_bind(u.profile.as_deref());
            seq += 1;
        });
        q.push(
            " ON CONFLICT (session_id, external_id) DO UPDATE SET seq = excluded.seq,
              deleted = excluded.deleted, profile = excluded.profile",
        );
        q.build().execute(&mut *conn).await?;
    }
    Ok(())
}

pub(crate) async fn stage_groups(
    conn: &mut SqliteConnection,
    session_id: &str,
    groups: &[StagedGroup<'_>],
) -> Result<()> {
    let mut seq = next_seq(conn, "session_groups", session_id).await?;
    for chunk in groups.chunks(ROWS_PER_STATEMENT / 6) {
        let mut q = QueryBuilder::<Sqlite>::new(
            "INSERT INTO session_groups (session_id, external_id, seq, deleted, display_name, description) ",
        );
        q.push_values(chunk, |mut row, g| {
            row.push_bind(session_id)
                .push_bind(g.external_id)
                .push_bind(seq)
                .push_bind(i64::from(g.profile.is_none()))
                .push_bind(g.profile.map(|p| p.0))
                .push_bind(g.profile.and_then(|p| p.1));
            seq += 1;
        });
        q.push(
            " ON CONFLICT (session_id, external_id) DO UPDATE SET seq = excluded.seq,
              deleted = excluded.deleted, display_name = excluded.display_name,
              description = excluded.description",
        );
        q.build().execute(&mut *conn).await?;
    }
    Ok(())
}

/// Stages memberships `(group, member)` to add, or to remove when `deleted`.
pub(crate) async fn stage_memberships(
    conn: &mut SqliteConnection,
    session_id: &str,
    memberships: &[(&str, &str)],
    deleted: bool,
) -> Result<()> {
    let mut seq = next_seq(conn, "session_memberships", session_id).await?;
    for chunk in memberships.chunks(ROWS_PER_STATEMENT / 5) {
        let mut q = QueryBuilder::<Sqlite>::new(
            "INSERT INTO session_memberships (session_id, group_external_id, member_external_id, seq, deleted) ",
        );
        q.push_values(chunk, |mut row, (group, member)| {
            row.push_bind(session_id)
                .push_bind(*group)
                .push_bind(*member)
                .push_bind(seq)
                .push_bind(i64::from(deleted));
            seq += 1;
        });
        q.push(
            " ON CONFLICT (session_id, group_external_id, member_external_id)
              DO UPDATE SET seq = excluded.seq, deleted = excluded.deleted",
        );
        q.build().execute(&mut *conn).await?;
    }
    Ok(())
}

/// Drops everything a session staged.
pub(crate) async fn drop_staged(conn: &mut SqliteConnection, session_id: &str) -> Result<()> {
    for table in STAGED_TABLES {
        sqlx::query(&format!("DELETE FROM {table} WHERE session_id = ?"))
            .bind(session_id)
            .execute(&mut *conn)
            .await?;
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A store with an identity source `0oa1` and these sessions of it,
    /// opened now.
    async fn with_sessions(ids: &[&str]) -> (Store, Timestamp) {
        let store = Store::open("sqlite::memory:").await.unwrap();
        let mut conn = store.pool().acquire().await.unwrap();
        let now = crate::ids::now();
        crate::store::apps::insert_app(
            &mut conn,
            "0oa1",
            "HRIS",
            crate::model::AppKind::CustomIdentitySource,
            now,
        )
        .await
        .unwrap();
        for id in ids {
            insert_session(&mut conn, id, "0oa1", "00a1", now)
                .await
                .unwrap();
        }
        (store, now)
    }

    /// An open session unused past the idle time reads EXPIRED at once, and
    /// the sweep stores it so and drops what it staged; a triggered one
    /// never expires.
    #[tokio::test]
    async fn an_idle_open_session_expires_and_its_records_go() {
        let (store, now) = with_sessions(&["aps1", "aps2"]).await;
        let mut conn = store.pool().acquire().await.unwrap();
        let ann = StagedUser {
            external_id: "e-1",
            profile: Some(r#"{"login":"ann@x.io"}"#.into()),
        };
        stage_users(&mut conn, "aps1", &[ann]).await.unwrap();
        count_request(&mut conn, "aps1", now).await.unwrap();
        set_status(&mut conn, "aps2", SessionStatus::Triggered, None, now)
            .await
            .unwrap();
        drop(conn);

        let earlier = now - chrono::TimeDelta::hours(1);
        let later = now + chrono::TimeDelta::seconds(1);
        let read = |at| store.session("0oa1", "aps1", at);
        assert_eq!(
            read(earlier).await.unwrap().status,
            SessionStatus::InProgress
        );
        assert_eq!(read(later).await.unwrap().status, SessionStatus::Expired);
        assert!(store.expire_sessions(earlier).await.unwrap().is_empty());
        let expired = store.expire_sessions(later).await.unwrap();
        assert_eq!(expired, [("aps1".to_owned(), "0oa1".to_owned())]);
        assert_eq!(
            read(later).await.unwrap().users,
            0,
            "its uploads are dropped"
        );
        let triggered = store.session("0oa1", "aps2", later).await.unwrap();
        assert_eq!(triggered.status, SessionStatus::Triggered);
    }

    /// Once a session's import has ended the sweep drops what it staged,
    /// and the session still says how many users it brought in.
    #[tokio::test]
    async fn a_finished_session_keeps_its_count_of_users() {
        let (store, now) = with_sessions(&["aps1"]).await;
        let mut conn = store.pool().acquire().await.unwrap();
        let staged = ["e-1", "e-2"].map(|external_id| StagedUser {
            external_id,
            profile: Some(format!(r#"{{"login":"{external_id}@x.io"}}"#)),
        });
        stage_users(&mut conn, "aps1", &staged).await.unwrap();
        let run = crate::queued_run(
            "0oa1".into(),
            None,
            None,
            proto::ImportType::Incremental,
            proto::ImportTrigger::Api,
            false,
        );
        crate::store::imports::insert_run(&mut conn, &run, None)
            .await
            .unwrap();
        set_status(
            &mut conn,
            "aps1",
            SessionStatus::Triggered,
            Some(&run.id),
            now,
        )
        .await
        .unwrap();
        drop(conn);
        let later = now + chrono::TimeDelta::seconds(1);

        store.drop_finished_sessions().await.unwrap();
        assert_eq!(
            store
                .staged_users("aps1", "0oa1", 0, 10)
                .await
                .unwrap()
                .0
                .len(),
            2,
            "a running import's records stay"
        );
        sqlx::query("UPDATE import_runs SET status = 'COMPLETED' WHERE id = ?")
            .bind(&run.id)
            .execute(store.pool())
            .await
            .unwrap();
        store.drop_finished_sessions().await.unwrap();
        store.drop_finished_sessions().await.unwrap();
        let (left, _) = store.staged_users("aps1", "0oa1", 0, 10).await.unwrap();
        assert!(left.is_empty(), "a finished import's records go");
        let session = store.session("0oa1", "aps1", later).await.unwrap();
        assert_eq!(session.status, SessionStatus::Completed);
        assert_eq!(session.users, 2);
    }
}
