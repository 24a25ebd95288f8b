//! App accounts: the app users linked to people. A person has at most one
//! account per app (the database holds to it with a unique index).

use super::{sqlite, ROWS_PER_STATEMENT};
use crate::error::Result;
use crate::model::AppAccount;
use sqlx::{QueryBuilder, Row, Sqlite, SqliteConnection};
use std::collections::HashMap;

/// An app's account as a person holds it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Holding {
    pub external_id: String,
    /// The account's login as the app has it.
    pub login: String,
}

/// The account's login as the app has it, or its external id.
fn account_login(alias: &str) -> String {
    format!(
        "COALESCE({}, {alias}.external_id)",
        sqlite::json_at(&format!("{alias}.attributes"), "login")
    )
}

/// Of these people, those who hold an account in the app, with it.
pub(crate) async fn holdings(
    conn: &mut SqliteConnection,
    app_id: &str,
    user_ids: &[&str],
) -> Result<HashMap<String, Holding>> {
    let mut found = HashMap::new();
    for chunk in user_ids.chunks(ROWS_PER_STATEMENT) {
        let mut qb: QueryBuilder<Sqlite> = QueryBuilder::new(format!(
            "SELECT au.user_id, au.external_id, {} AS login FROM app_users au WHERE au.app_id = ",
            account_login("au")
        ));
        qb.push_bind(app_id).push(" AND au.user_id IN (");
        let mut sep = qb.separated(", ");
        for id in chunk {
            sep.push_bind(*id);
        }
        sep.push_unseparated(")");
        for r in qb.build().fetch_all(&mut *conn).await? {
            found.insert(
                r.get("user_id"),
                Holding {
                    external_id: r.get("external_id"),
                    login: r.get("login"),
                },
            );
        }
    }
    Ok(found)
}

/// The accounts of these people, by person, in app-name order.
pub(crate) async fn accounts_of(
    conn: &mut SqliteConnection,
    user_ids: &[&str],
) -> Result<HashMap<String, Vec<AppAccount>>> {
    let mut found: HashMap<String, Vec<AppAccount>> = HashMap::new();
    for chunk in user_ids.chunks(ROWS_PER_STATEMENT) {
        let mut qb: QueryBuilder<Sqlite> = QueryBuilder::new(format!(
            "SELECT au.user_id, au.app_id, a.name AS app_name, au.external_id, {} AS login,
                    u.source_app_id IS NOT NULL AND u.source_app_id = au.app_id AS sources_profile
             FROM app_users au JOIN apps a ON a.id = au.app_id JOIN users u ON u.id = au.user_id
             WHERE au.user_id IN (",
            account_login("au")
        ));
        let mut sep = qb.separated(", ");
        for id in chunk {
            sep.push_bind(*id);
        }
        sep.push_unseparated(")");
        qb.push(" ORDER BY lower(a.name), au.app_id");
        for r in qb.build().fetch_all(&mut *conn).await? {
            found.entry(r.get("user_id")).or_default().push(AppAccount {
                app_id: r.get("app_id"),
                app_name: r.get("app_name"),
                external_id: r.get("external_id"),
                login: r.get("login"),
                sources_profile: r.get("sources_profile"),
            });
        }
    }
    Ok(found)
}

/// An app's account by external id: its login and the person it is linked
/// to, if any; `None` when the app has no such account.
pub(crate) async fn account(
    conn: &mut SqliteConnection,
    app_id: &str,
    external_id: &str,
) -> Result<Option<(String, Option<String>)>> {
    let row = sqlx::query(&format!(
        "SELECT {} AS login, au.user_id FROM app_users au WHERE au.app_id = ? AND au.external_id = ?",
        account_login("au")
    ))
    .bind(app_id)
    .bind(external_id)
    .fetch_optional(&mut *conn)
    .await?;
    Ok(row.map(|r| (r.get("login"), r.get("user_id"))))
}

/// Unlinks an account from its person.
pub(crate) async fn unlink(
    conn: &mut SqliteConnection,
    app_id: &str,
    external_id: &str,
) -> Result<()> {
    sqlx::query("UPDATE app_users SET user_id = NULL WHERE app_id = ? AND external_id = ?")
        .bind(app_id)
        .bind(external_id)
        .execute(&mut *conn)
        .await?;
    Ok(())
}

/// Ends the app's sourcing of a person's profile once their account is
/// unlinked: their next source by priority takes over (or Muster); true
/// when the app was their source.
pub(crate) async fn release_source(
    conn: &mut SqliteConnection,
    app_id: &str,
    user_id: &str,
) -> Result<bool> {
    let source: Option<String> = sqlx::query_scalar("SELECT source_app_id FROM users WHERE id = ?")
        .bind(user_id)
        .fetch_optional(&mut *conn)
        .await?
        .flatten();
    if source.as_deref() != Some(app_id) {
        return Ok(false);
    }
    super::profile_sources::resource(conn, &[user_id], false).await?;
    Ok(true)
}

/// Another row of the app's queue (not `seq`) whose decision links to this
/// person: its login.
pub(crate) async fn chosen_in_queue(
    conn: &mut SqliteConnection,
    app_id: &str,
    user_id: &str,
    seq: i64,
) -> Result<Option<String>> {
    Ok(sqlx::query_scalar(
        "SELECT login FROM import_queue
         WHERE app_id = ? AND action = 'LINK' AND action_user_id = ? AND seq <> ? ORDER BY seq LIMIT 1",
    )
    .bind(app_id)
    .bind(user_id)
    .bind(seq)
    .fetch_optional(&mut *conn)
    .await?)
}
