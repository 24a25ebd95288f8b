//! Profile sources: the apps allowed to source users, in the priority order
//! an admin sets. A person's profile source is the highest-priority of the
//! apps they hold an account in that source users; only it updates their
//! profile and can deactivate or suspend them.

use super::{sqlite, Store, ROWS_PER_STATEMENT};
use crate::error::Result;
use crate::model::ProfileSource;
use sqlx::{QueryBuilder, Row, Sqlite, SqliteConnection};

/// Apps in priority order: ranked first, then the rest oldest first.
const PRIORITY_ORDER: &str = "COALESCE(a.source_priority, 1000000000), a.created, a.id";

/// An app whose settings let it source users (sourcing is on unless set off).
fn sources_users(alias: &str) -> String {
    format!(
        "COALESCE({}, 1) = 1",
        sqlite::json_at(&format!("{alias}.settings"), "sourcing.enabled")
    )
}

/// The user's best source: the highest-priority app that sources users
/// among those of their linked accounts (NULL when none).
fn best_source() -> String {
    format!(
        "(SELECT au.app_id FROM app_users au JOIN apps a ON a.id = au.app_id
          WHERE au.user_id = users.id AND {} ORDER BY {PRIORITY_ORDER} LIMIT 1)",
        sources_users("a")
    )
}

impl Store {
    /// The apps allowed to source users, highest priority first.
    pub async fn profile_sources(&self) -> Result<Vec<ProfileSource>> {
        let rows = sqlx::query(&format!(
            "SELECT a.id, a.name, a.kind, (SELECT count(*) FROM users u WHERE u.source_app_id = a.id) AS users
             FROM apps a WHERE {} ORDER BY {PRIORITY_ORDER}",
            sources_users("a")
        ))
        .fetch_all(&self.pool)
        .await?;
        rows.iter()
            .map(|r| {
                Ok(ProfileSource {
                    app_id: r.get("id"),
                    name: r.get("name"),
                    kind: r.try_get("kind")?,
                    users: r.get("users"),
                })
            })
            .collect()
    }
}

/// Ranks the apps in this order (1 first).
pub(crate) async fn set_priorities(conn: &mut SqliteConnection, app_ids: &[&str]) -> Result<()> {
    sqlx::query("UPDATE apps SET source_priority = NULL")
        .execute(&mut *conn)
        .await?;
    for (rank, id) in app_ids.iter().enumerate() {
        sqlx::query("UPDATE apps SET source_priority = ? WHERE id = ?")
            .bind(rank as i64 + 1)
            .bind(*id)
            .execute(&mut *conn)
            .await?;
    }
    Ok(())
}

/// Points each app-sourced person at their best source again (after the
/// order changed); returns how many changed.
pub(crate) async fn resource_everyone(conn: &mut SqliteConnection) -> Result<u64> {
    let best = best_source();
    let done = sqlx::query(&format!(
        "UPDATE users SET source_app_id = {best}
         WHERE source_app_id IS NOT NULL AND source_app_id IS NOT {best}"
    ))
    .execute(&mut *conn)
    .await?;
    Ok(done.rows_affected())
}

/// Points these people at their best source: after an account of theirs
/// was linked (a person Muster sources is taken over by an app that
/// sources users) or unlinked (the next source takes over, or Muster).
pub(crate) async fn resource(
    conn: &mut SqliteConnection,
    user_ids: &[&str],
    include_muster_sourced: bool,
) -> Result<()> {
    let best = best_source();
    for chunk in user_ids.chunks(ROWS_PER_STATEMENT) {
        let mut qb: QueryBuilder<Sqlite> = QueryBuilder::new(format!(
            "UPDATE users SET source_app_id = {best} WHERE id IN ("
        ));
        let mut sep = qb.separated(", ");
        for id in chunk {
            sep.push_bind(*id);
        }
        sep.push_unseparated(")");
        if !include_muster_sourced {
            qb.push(" AND source_app_id IS NOT NULL");
        }
        qb.build().execute(&mut *conn).await?;
    }
    Ok(())
}
