//! Provisioning To App as the store keeps it: the groups assigned to apps,
//! the accounts Muster manages in them, and the outbox of pushes due (whose
//! rows the triggers of migration 0021 write with the changes that call for
//! them).

use super::{stamp, Store, Timestamp};
use crate::error::Result;
use proto::scim::{AssignedGroup, AssignedPerson, FailedPush, PersonApp};
use sqlx::sqlite::SqliteRow;
use sqlx::{Row, SqliteConnection};

/// The people a group assigned to an app assigns: `ga` (the assignment),
/// `gm` (its group's members) and `au` (their accounts, linked to people
/// or not).
const THROUGH_GROUPS: &str = "app_group_assignments ga
    JOIN group_members gm ON gm.group_id = ga.group_id
    JOIN app_users au ON au.app_id = gm.app_id AND au.external_id = gm.external_id";

/// The columns saying how the person `user` is assigned to the app `app`
/// (`direct`, and the groups `via`), and their account there (`pa`, which
/// the query joins): read back by [`assignment_of`].
fn assignment_columns(app: &str, user: &str) -> String {
    format!(
        "EXISTS (SELECT 1 FROM app_assignments x WHERE x.app_id = {app} AND x.user_id = {user}) AS direct,
         (SELECT group_concat(g.name, char(31)) FROM {THROUGH_GROUPS} JOIN groups g ON g.id = ga.group_id
             WHERE ga.app_id = {app} AND au.user_id = {user}) AS via,
         pa.external_id, pa.active"
    )
}

/// Assigned directly, the groups assigning (by name), and the account.
fn assignment_of(r: &SqliteRow) -> (bool, Vec<String>, Option<(String, bool)>) {
    let mut groups: Vec<String> = r
        .get::<Option<String>, _>("via")
        .map(|v| v.split('\u{1f}').map(str::to_owned).collect())
        .unwrap_or_default();
    groups.sort();
    groups.dedup();
    let account = r
        .get::<Option<String>, _>("external_id")
        .map(|id| (id, r.get::<Option<bool>, _>("active").unwrap_or(false)));
    (r.get("direct"), groups, account)
}

/// An account whose push is due: every outbox row of it up to `upto`.
#[derive(Debug, Clone)]
pub(crate) struct Due {
    pub app_id: String,
    pub user_id: String,
    pub upto: i64,
    pub attempts: i64,
}

/// A person as their account in an app should be.
#[derive(Debug, Clone)]
pub(crate) struct Person {
    pub login: String,
    pub email: String,
    pub first_name: String,
    pub last_name: String,
    pub status: String,
    /// Assigned to the app, directly or through a group.
    pub assigned: bool,
}

/// The account a person has in an app, as Muster last left it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct PushedAccount {
    pub external_id: String,
    pub active: bool,
    /// What was last pushed (0: nothing yet, as for an imported account).
    pub pushed_hash: i64,
}

/// The accounts with pushes due at `now`, oldest change first.
pub(crate) async fn due(
    conn: &mut SqliteConnection,
    now: Timestamp,
    limit: i64,
) -> Result<Vec<Due>> {
    let rows = sqlx::query(
        "SELECT app_id, user_id, MAX(seq) AS upto, MAX(attempts) AS attempts FROM push_outbox
         WHERE state = 'PENDING' AND next_attempt <= ?
         GROUP BY app_id, user_id ORDER BY MIN(seq) LIMIT ?",
    )
    .bind(stamp(now))
    .bind(limit)
    .fetch_all(&mut *conn)
    .await?;
    Ok(rows
        .iter()
        .map(|r| Due {
            app_id: r.get("app_id"),
            user_id: r.get("user_id"),
            upto: r.get("upto"),
            attempts: r.get("attempts"),
        })
        .collect())
}

/// The person as their account in `app_id` should be; None once deleted.
pub(crate) async fn person(
    conn: &mut SqliteConnection,
    app_id: &str,
    user_id: &str,
) -> Result<Option<Person>> {
    let row = sqlx::query(&format!(
        "SELECT u.login, u.email, u.first_name, u.last_name, u.status,
            EXISTS (SELECT 1 FROM app_assignments x WHERE x.app_id = ?1 AND x.user_id = u.id)
            OR EXISTS (SELECT 1 FROM {THROUGH_GROUPS} WHERE ga.app_id = ?1 AND au.user_id = u.id) AS assigned
         FROM users u WHERE u.id = ?2"
    ))
    .bind(app_id)
    .bind(user_id)
    .fetch_optional(&mut *conn)
    .await?;
    Ok(row.map(|r| Person {
        login: r.get("login"),
        email: r.get("email"),
        first_name: r.get("first_name"),
        last_name: r.get("last_name"),
        status: r.get("status"),
        assigned: r.get("assigned"),
    }))
}

/// The person's account in the app: the one Muster manages, else one an
/// import of the app linked to them (nothing pushed to it yet).
pub(crate) async fn account(
    conn: &mut SqliteConnection,
    app_id: &str,
    user_id: &str,
) -> Result<Option<PushedAccount>> {
    let pushed = sqlx::query(
        "SELECT external_id, active, pushed_hash FROM pushed_accounts WHERE app_id = ? AND user_id = ?",
    )
    .bind(app_id)
    .bind(user_id)
    .fetch_optional(&mut *conn)
    .await?;
    if let Some(r) = pushed {
        return Ok(Some(PushedAccount {
            external_id: r.get("external_id"),
            active: r.get("active"),
            pushed_hash: r.get("pushed_hash"),
        }));
    }
    let imported = sqlx::query(
        "SELECT external_id, active FROM app_users WHERE app_id = ? AND user_id = ?
         ORDER BY external_id LIMIT 1",
    )
    .bind(app_id)
    .bind(user_id)
    .fetch_optional(&mut *conn)
    .await?;
    Ok(imported.map(|r| PushedAccount {
        external_id: r.get("external_id"),
        active: r.get("active"),
        pushed_hash: 0,
    }))
}

pub(crate) async fn save_account(
    conn: &mut SqliteConnection,
    app_id: &str,
    user_id: &str,
    account: &PushedAccount,
    now: Timestamp,
) -> Result<()> {
    sqlx::query(
        "INSERT INTO pushed_accounts (app_id, user_id, external_id, active, pushed_hash, updated)
         VALUES (?, ?, ?, ?, ?, ?)
         ON CONFLICT (app_id, user_id) DO UPDATE SET external_id = excluded.external_id,
             active = excluded.active, pushed_hash = excluded.pushed_hash, updated = excluded.updated",
    )
    .bind(app_id)
    .bind(user_id)
    .bind(&account.external_id)
    .bind(account.active)
    .bind(account.pushed_hash)
    .bind(stamp(now))
    .execute(&mut *conn)
    .await?;
    Ok(())
}

/// The account's pushes up to `upto` are done (failed ones before them
/// too: the account is as it should be now).
pub(crate) async fn done(conn: &mut SqliteConnection, due: &Due) -> Result<()> {
    sqlx::query("DELETE FROM push_outbox WHERE app_id = ? AND user_id = ? AND seq <= ?")
        .bind(&due.app_id)
        .bind(&due.user_id)
        .bind(due.upto)
        .execute(&mut *conn)
        .await?;
    Ok(())
}

/// The account's pushes up to `upto` are tried again at `next`, or, when
/// `next` is None, have failed for good with `error`.
pub(crate) async fn not_done(
    conn: &mut SqliteConnection,
    due: &Due,
    next: Option<Timestamp>,
    error: &str,
) -> Result<()> {
    let (state, next) = match next {
        Some(next) => ("PENDING", stamp(next)),
        None => ("FAILED", String::new()),
    };
    sqlx::query(
        "UPDATE push_outbox SET state = ?, next_attempt = ?, error = ?, attempts = attempts + 1
         WHERE app_id = ? AND user_id = ? AND seq <= ? AND state = 'PENDING'",
    )
    .bind(state)
    .bind(next)
    .bind(error)
    .bind(&due.app_id)
    .bind(&due.user_id)
    .bind(due.upto)
    .execute(&mut *conn)
    .await?;
    Ok(())
}

/// Drops the app's pushes (its integration is off: nothing is sent).
pub(crate) async fn drop_app(conn: &mut SqliteConnection, app_id: &str, upto: i64) -> Result<()> {
    sqlx::query("DELETE FROM push_outbox WHERE app_id = ? AND seq <= ? AND state = 'PENDING'")
        .bind(app_id)
        .bind(upto)
        .execute(&mut *conn)
        .await?;
    Ok(())
}

/// Who is assigned to an app: a person directly, or a group (its members).
#[derive(Debug, Clone, Copy)]
pub(crate) enum Assignee<'a> {
    User(&'a str),
    Group(&'a str),
}

impl Assignee<'_> {
    /// The table of such assignments, its column, and the id.
    fn row(&self) -> (&'static str, &'static str, &str) {
        match *self {
            Assignee::User(id) => ("app_assignments", "user_id", id),
            Assignee::Group(id) => ("app_group_assignments", "group_id", id),
        }
    }
}

/// Assigns a person or a group to an app; false when it already was.
pub(crate) async fn assign(
    conn: &mut SqliteConnection,
    app_id: &str,
    who: Assignee<'_>,
    now: Timestamp,
) -> Result<bool> {
    let (table, column, id) = who.row();
    let done = sqlx::query(&format!(
        "INSERT INTO {table} (app_id, {column}, created) VALUES (?, ?, ?) ON CONFLICT DO NOTHING"
    ))
    .bind(app_id)
    .bind(id)
    .bind(stamp(now))
    .execute(&mut *conn)
    .await?;
    Ok(done.rows_affected() == 1)
}

/// Removes a person's direct assignment, or a group's; false when there was
/// none.
pub(crate) async fn unassign(
    conn: &mut SqliteConnection,
    app_id: &str,
    who: Assignee<'_>,
) -> Result<bool> {
    let (table, column, id) = who.row();
    let done = sqlx::query(&format!(
        "DELETE FROM {table} WHERE app_id = ? AND {column} = ?"
    ))
    .bind(app_id)
    .bind(id)
    .execute(&mut *conn)
    .await?;
    Ok(done.rows_affected() == 1)
}

/// The people linked to a group's member accounts: (id, login).
pub(crate) async fn group_people(
    conn: &mut SqliteConnection,
    group_id: &str,
) -> Result<Vec<(String, String)>> {
    let rows = sqlx::query(
        "SELECT DISTINCT u.id, u.login FROM group_members gm
         JOIN app_users au ON au.app_id = gm.app_id AND au.external_id = gm.external_id
         JOIN users u ON u.id = au.user_id
         WHERE gm.group_id = ? ORDER BY u.login",
    )
    .bind(group_id)
    .fetch_all(&mut *conn)
    .await?;
    Ok(rows.iter().map(|r| (r.get("id"), r.get("login"))).collect())
}

impl Store {
    /// Pushes waiting to be sent or tried again, in all apps.
    pub async fn pending_pushes(&self) -> Result<i64> {
        Ok(
            sqlx::query_scalar("SELECT COUNT(*) FROM push_outbox WHERE state = 'PENDING'")
                .fetch_one(&self.pool)
                .await?,
        )
    }

    /// The pushes to an app that failed for good, one per account, newest
    /// first.
    pub async fn failed_pushes(&self, app_id: &str) -> Result<Vec<FailedPush>> {
        let rows = sqlx::query(
            "SELECT o.user_id, COALESCE(u.login, o.user_id) AS login, o.error, o.attempts, o.created
             FROM push_outbox o LEFT JOIN users u ON u.id = o.user_id
             WHERE o.app_id = ? AND o.state = 'FAILED'
               AND o.seq = (SELECT MAX(seq) FROM push_outbox x
                            WHERE x.app_id = o.app_id AND x.user_id = o.user_id AND x.state = 'FAILED')
             ORDER BY o.seq DESC",
        )
        .bind(app_id)
        .fetch_all(&self.pool)
        .await?;
        Ok(rows
            .iter()
            .map(|r| FailedPush {
                user_id: r.get("user_id"),
                login: r.get("login"),
                error: r.get::<Option<String>, _>("error").unwrap_or_default(),
                attempts: r.get("attempts"),
                created: r.get("created"),
            })
            .collect())
    }

    /// The people assigned to an app (directly or through a group), the
    /// first `limit` by login, and how many in all.
    pub async fn assigned_people(
        &self,
        app_id: &str,
        limit: i64,
    ) -> Result<(Vec<AssignedPerson>, i64)> {
        let assigned = format!(
            "SELECT user_id FROM app_assignments WHERE app_id = ?1
             UNION SELECT au.user_id FROM {THROUGH_GROUPS}
                 WHERE ga.app_id = ?1 AND au.user_id IS NOT NULL"
        );
        let total: i64 = sqlx::query_scalar(&format!("SELECT COUNT(*) FROM ({assigned})"))
            .bind(app_id)
            .fetch_one(&self.pool)
            .await?;
        let rows = sqlx::query(&format!(
            "SELECT u.id, u.login, u.first_name, u.last_name,
                {}
             FROM users u LEFT JOIN pushed_accounts pa ON pa.app_id = ?1 AND pa.user_id = u.id
             WHERE u.id IN ({assigned})
             ORDER BY u.login LIMIT ?2",
            assignment_columns("?1", "u.id")
        ))
        .bind(app_id)
        .bind(limit)
        .fetch_all(&self.pool)
        .await?;
        let people = rows
            .iter()
            .map(|r| {
                let (direct, groups, account) = assignment_of(r);
                AssignedPerson {
                    user_id: r.get("id"),
                    login: r.get("login"),
                    name: format!(
                        "{} {}",
                        r.get::<String, _>("first_name"),
                        r.get::<String, _>("last_name")
                    ),
                    direct,
                    groups,
                    account,
                }
            })
            .collect();
        Ok((people, total))
    }

    /// The groups assigned to an app, by name.
    pub async fn assigned_groups(&self, app_id: &str) -> Result<Vec<AssignedGroup>> {
        let rows = sqlx::query(
            "SELECT g.id, g.name, a.name AS source,
                (SELECT COUNT(DISTINCT au.user_id) FROM group_members gm
                    JOIN app_users au ON au.app_id = gm.app_id AND au.external_id = gm.external_id
                    WHERE gm.group_id = g.id AND au.user_id IS NOT NULL) AS people
             FROM app_group_assignments ga JOIN groups g ON g.id = ga.group_id
             JOIN apps a ON a.id = g.app_id
             WHERE ga.app_id = ? ORDER BY lower(g.name), g.id",
        )
        .bind(app_id)
        .fetch_all(&self.pool)
        .await?;
        Ok(rows
            .iter()
            .map(|r| AssignedGroup {
                group_id: r.get("id"),
                name: r.get("name"),
                source: r.get("source"),
                people: r.get("people"),
            })
            .collect())
    }

    /// Apps with pushes that failed for good: id, name and how many people.
    pub async fn failed_push_counts(&self) -> Result<Vec<(String, String, i64)>> {
        let rows = sqlx::query(
            "SELECT a.id, a.name, COUNT(DISTINCT o.user_id) AS people
             FROM push_outbox o JOIN apps a ON a.id = o.app_id
             WHERE o.state = 'FAILED' GROUP BY a.id, a.name ORDER BY lower(a.name), a.id",
        )
        .fetch_all(&self.pool)
        .await?;
        Ok(rows
            .iter()
            .map(|r| (r.get("id"), r.get("name"), r.get("people")))
            .collect())
    }

    /// The SCIM apps a person is assigned to or has an account in, by name.
    pub async fn person_apps(&self, user_id: &str) -> Result<Vec<PersonApp>> {
        let rows = sqlx::query(&format!(
            "SELECT a.id, a.name, {}
             FROM apps a LEFT JOIN pushed_accounts pa ON pa.app_id = a.id AND pa.user_id = ?1
             WHERE a.kind = 'SCIM_APP'
             ORDER BY lower(a.name), a.id",
            assignment_columns("a.id", "?1")
        ))
        .bind(user_id)
        .fetch_all(&self.pool)
        .await?;
        Ok(rows
            .iter()
            .filter_map(|r| {
                let (direct, groups, account) = assignment_of(r);
                (direct || !groups.is_empty() || account.is_some()).then(|| PersonApp {
                    app_id: r.get("id"),
                    app_name: r.get("name"),
                    direct,
                    groups,
                    account,
                })
            })
            .collect())
    }

    /// Pushes to an app waiting to be sent or tried again.
    pub async fn pending_pushes_of(&self, app_id: &str) -> Result<i64> {
        Ok(sqlx::query_scalar(
            "SELECT COUNT(DISTINCT user_id) FROM push_outbox WHERE app_id = ? AND state = 'PENDING'",
        )
        .bind(app_id)
        .fetch_one(&self.pool)
        .await?)
    }

    /// The account a person has in an app, as Muster manages it: its id
    /// there and whether it is active.
    pub async fn pushed_account(
        &self,
        app_id: &str,
        user_id: &str,
    ) -> Result<Option<(String, bool)>> {
        let row = sqlx::query(
            "SELECT external_id, active FROM pushed_accounts WHERE app_id = ? AND user_id = ?",
        )
        .bind(app_id)
        .bind(user_id)
        .fetch_optional(&self.pool)
        .await?;
        Ok(row.map(|r| (r.get("external_id"), r.get("active"))))
    }
}

/// A failed push tried again (from the start), or dismissed.
pub(crate) async fn retry_failed(
    conn: &mut SqliteConnection,
    app_id: &str,
    user_id: &str,
) -> Result<u64> {
    let done = sqlx::query(
        "UPDATE push_outbox SET state = 'PENDING', attempts = 0, next_attempt = '', error = NULL
         WHERE app_id = ? AND user_id = ? AND state = 'FAILED'",
    )
    .bind(app_id)
    .bind(user_id)
    .execute(&mut *conn)
    .await?;
    Ok(done.rows_affected())
}

pub(crate) async fn dismiss_failed(
    conn: &mut SqliteConnection,
    app_id: &str,
    user_id: &str,
) -> Result<u64> {
    let done = sqlx::query(
        "DELETE FROM push_outbox WHERE app_id = ? AND user_id = ? AND state = 'FAILED'",
    )
    .bind(app_id)
    .bind(user_id)
    .execute(&mut *conn)
    .await?;
    Ok(done.rows_affected())
}
