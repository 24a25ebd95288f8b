//! Settings, linked users' state during a run, profile and status changes a
//! source makes, removals a run waits to apply, and schedules.

use super::{sqlite, Store, HOLDS_OR_WAITS, ROWS_PER_STATEMENT};
use crate::error::Result;
use crate::model::{Page, PlanLine, PlannedRemoval};
use crate::settings::{AppSettings, OrgSettings};
use sqlx::{FromRow, QueryBuilder, Row, Sqlite, SqliteConnection};

/// A Muster user linked to an app user, as a run needs to see them.
#[derive(Debug, Clone, PartialEq)]
pub struct LinkedUser {
    pub external_id: String,
    pub user_id: String,
    pub status: crate::model::UserStatus,
    pub login: String,
    pub profile: serde_json::Map<String, serde_json::Value>,
    pub sourced_here: bool,
    pub assigned: bool,
}

pub use crate::model::RemovalAction;

/// A user a run removes: deactivates, suspends or unassigns.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Removal {
    pub external_id: String,
    pub user_id: String,
    pub login: String,
    pub action: RemovalAction,
}

impl Store {
    pub async fn app_settings(&self, app_id: &str) -> Result<AppSettings> {
        let json: Option<String> = sqlx::query_scalar("SELECT settings FROM apps WHERE id = ?")
            .bind(app_id)
            .fetch_optional(&self.pool)
            .await?;
        match json {
            Some(j) => crate::settings::from_json(&j),
            None => Err(crate::Error::NotFound(format!("app {app_id}"))),
        }
    }

    pub async fn org_settings(&self) -> Result<OrgSettings> {
        let mut conn = self.pool.acquire().await?;
        org_settings(&mut conn).await
    }

    /// Every assignment in the org, and the app's.
    pub async fn assignment_counts(&self, app_id: &str) -> Result<(i64, i64)> {
        let row = sqlx::query(
            "SELECT (SELECT COUNT(*) FROM app_assignments) AS org,
                    (SELECT COUNT(*) FROM app_assignments WHERE app_id = ?) AS app",
        )
        .bind(app_id)
        .fetch_one(&self.pool)
        .await?;
        Ok((row.get("org"), row.get("app")))
    }

    /// The removals a paused run waits on.
    pub async fn pending_removals(&self, run_id: &str) -> Result<Vec<Removal>> {
        let rows = sqlx::query(
            "SELECT r.external_id, r.user_id, u.login, r.action FROM import_removals r JOIN users u ON u.id = r.user_id
             WHERE r.run_id = ? ORDER BY r.user_id",
        )
        .bind(run_id)
        .fetch_all(&self.pool)
        .await?;
        rows.iter()
            .map(|r| {
                Ok(Removal {
                    external_id: r.get("external_id"),
                    user_id: r.get("user_id"),
                    login: r.get("login"),
                    action: r.try_get("action")?,
                })
            })
            .collect()
    }

    /// One page of the users a paused run would remove, by login; `search`
    /// narrows them by login, name or email, ignoring case.
    pub async fn list_removals(
        &self,
        run_id: &str,
        search: &str,
        offset: i64,
        limit: i64,
    ) -> Result<Page<PlannedRemoval>> {
        const FROM: &str = "FROM import_removals r JOIN users u ON u.id = r.user_id
             WHERE r.run_id = ? AND (lower(u.login) LIKE lower(?) ESCAPE '\\'
                OR lower(u.first_name || ' ' || u.last_name) LIKE lower(?) ESCAPE '\\'
                OR lower(u.email) LIKE lower(?) ESCAPE '\\')";
        let (total, rows) = self
            .search_run_rows(
                "SELECT u.login, u.first_name, u.last_name, u.email, r.action",
                FROM,
                "ORDER BY lower(u.login), u.id",
                (run_id, search),
                offset,
                limit,
            )
            .await?;
        let items = rows
            .iter()
            .map(PlannedRemoval::from_row)
            .collect::<std::result::Result<Vec<_>, _>>()?;
        Ok(Page {
            items,
            total,
            offset,
            limit,
        })
    }

    /// A run's rows that `from` (`FROM … WHERE … run_id = ? AND (three
    /// `LIKE ?` tests)`) picks for a search: how many in all, and one page
    /// of `select` in `order`.
    async fn search_run_rows(
        &self,
        select: &str,
        from: &str,
        order: &str,
        (run_id, search): (&str, &str),
        offset: i64,
        limit: i64,
    ) -> Result<(i64, Vec<sqlx::sqlite::SqliteRow>)> {
        let pattern = format!("%{}%", super::apps::escape_like(search.trim()));
        let total: i64 = sqlx::query_scalar(&format!("SELECT COUNT(*) {from}"))
            .bind(run_id)
            .bind(&pattern)
            .bind(&pattern)
            .bind(&pattern)
            .fetch_one(&self.pool)
            .await?;
        let rows = sqlx::query(&format!("{select} {from} {order} LIMIT ? OFFSET ?"))
            .bind(run_id)
            .bind(&pattern)
            .bind(&pattern)
            .bind(&pattern)
            .bind(limit)
            .bind(offset)
            .fetch_all(&self.pool)
            .await?;
        Ok((total, rows))
    }

    /// One page of a preview's plan, in the plan's order, narrowed by
    /// login, external id or what happens.
    pub async fn list_plan_lines(
        &self,
        run_id: &str,
        search: &str,
        offset: i64,
        limit: i64,
    ) -> Result<Page<PlanLine>> {
        const FROM: &str = "FROM import_plan_lines WHERE run_id = ? AND (lower(login) LIKE lower(?) ESCAPE '\\'
                OR lower(external_id) LIKE lower(?) ESCAPE '\\' OR lower(what) LIKE lower(?) ESCAPE '\\')";
        let (total, rows) = self
            .search_run_rows(
                "SELECT part, external_id, login, what",
                FROM,
                "ORDER BY part_rank, seq",
                (run_id, search),
                offset,
                limit,
            )
            .await?;
        let items = rows
            .iter()
            .map(|r| {
                Ok(PlanLine {
                    part: r.try_get("part")?,
                    external_id: r.get("external_id"),
                    login: r.get("login"),
                    what: r.get("what"),
                })
            })
            .collect::<Result<Vec<_>>>()?;
        Ok(Page {
            items,
            total,
            offset,
            limit,
        })
    }

    /// Active apps with an import schedule that have an upload to import
    /// and no import running, waiting or paused.
    pub async fn scheduled_apps(&self) -> Result<Vec<ScheduledApp>> {
        let incremental = sqlite::json_at("a.settings", "incrementalSchedule.frequency");
        let full = sqlite::json_at("a.settings", "fullSchedule.frequency");
        let rows = sqlx::query(&format!(
            "SELECT a.id, a.settings,
                (SELECT MAX(COALESCE(r.finished, r.created)) FROM import_runs r WHERE r.app_id = a.id AND r.preview = FALSE) AS last_end,
                (SELECT u.id FROM uploads u WHERE u.app_id = a.id ORDER BY u.created DESC, u.id DESC LIMIT 1) AS upload
             FROM apps a
             WHERE a.status = 'ACTIVE' AND ({incremental} <> 'Never' OR {full} <> 'Never')
               AND (a.kind <> 'CSV_DIRECTORY' OR EXISTS (SELECT 1 FROM uploads u WHERE u.app_id = a.id))
               AND NOT EXISTS (SELECT 1 FROM import_runs r WHERE r.app_id = a.id AND r.status IN ({HOLDS_OR_WAITS}))"
        ))
        .fetch_all(&self.pool)
        .await?;
        rows.iter()
            .map(|r| {
                Ok(ScheduledApp {
                    app_id: r.get("id"),
                    settings: crate::settings::from_json(&r.get::<String, _>("settings"))?,
                    last_end: r.get("last_end"),
                    upload_id: r.get("upload"),
                })
            })
            .collect()
    }
}

/// An app whose schedule may start an import.
#[derive(Debug, Clone)]
pub struct ScheduledApp {
    pub app_id: String,
    pub settings: AppSettings,
    /// When the app's last import ended (or was asked for), if it had one.
    pub last_end: Option<String>,
    /// The app's newest upload, which a scheduled CSV import reads (a
    /// directory reads its server).
    pub upload_id: Option<String>,
}

pub(crate) async fn save_app_settings(
    conn: &mut SqliteConnection,
    app_id: &str,
    settings: &AppSettings,
) -> Result<()> {
    sqlx::query("UPDATE apps SET settings = ? WHERE id = ?")
        .bind(serde_json::to_string(settings).unwrap_or_else(|_| "{}".into()))
        .bind(app_id)
        .execute(&mut *conn)
        .await?;
    Ok(())
}

pub(crate) async fn org_settings(conn: &mut SqliteConnection) -> Result<OrgSettings> {
    let json: Option<String> =
        sqlx::query_scalar("SELECT value FROM org_settings WHERE key = 'org'")
            .fetch_optional(&mut *conn)
            .await?;
    match json {
        None => Ok(OrgSettings::default()),
        Some(j) => serde_json::from_str(&j).map_err(|e| {
            crate::Error::InvalidInput(format!("The org's settings cannot be read: {e}"))
        }),
    }
}

/// How many times the org's settings have been saved with a change.
pub(crate) async fn org_settings_version(conn: &mut SqliteConnection) -> Result<i64> {
    let v: Option<String> =
        sqlx::query_scalar("SELECT value FROM org_settings WHERE key = 'org_version'")
            .fetch_optional(&mut *conn)
            .await?;
    Ok(v.and_then(|v| v.parse().ok()).unwrap_or(0))
}

pub(crate) async fn save_org_settings_version(
    conn: &mut SqliteConnection,
    version: i64,
) -> Result<()> {
    sqlx::query("INSERT INTO org_settings (key, value) VALUES ('org_version', ?) ON CONFLICT (key) DO UPDATE SET value = excluded.value")
        .bind(version.to_string())
        .execute(&mut *conn)
        .await?;
    Ok(())
}

pub(crate) async fn save_org_settings(
    conn: &mut SqliteConnection,
    settings: &OrgSettings,
) -> Result<()> {
    sqlx::query("INSERT INTO org_settings (key, value) VALUES ('org', ?) ON CONFLICT (key) DO UPDATE SET value = excluded.value")
        .bind(serde_json::to_string(settings).unwrap_or_else(|_| "{}".into()))
        .execute(&mut *conn)
        .await?;
    Ok(())
}

/// The linked users of these app users (all linked ones of the app when
/// `external_ids` is `None`).
pub(crate) async fn linked_users(
    conn: &mut SqliteConnection,
    app_id: &str,
    external_ids: &[&str],
) -> Result<Vec<LinkedUser>> {
    let mut out = Vec::new();
    for chunk in external_ids.chunks(ROWS_PER_STATEMENT) {
        let mut qb: QueryBuilder<Sqlite> = QueryBuilder::new(
            "SELECT au.external_id, u.id, u.status, u.login, u.profile, u.source_app_id = au.app_id AS sourced_here,
                    EXISTS (SELECT 1 FROM app_assignments x WHERE x.app_id = au.app_id AND x.user_id = u.id) AS assigned
             FROM app_users au JOIN users u ON u.id = au.user_id WHERE au.app_id = ",
        );
        qb.push_bind(app_id).push(" AND au.external_id IN ");
        push_list(&mut qb, chunk);
        for r in qb.build().fetch_all(&mut *conn).await? {
            let profile: String = r.get("profile");
            out.push(LinkedUser {
                external_id: r.get("external_id"),
                user_id: r.get("id"),
                status: r.try_get("status")?,
                login: r.get("login"),
                profile: serde_json::from_str(&profile).unwrap_or_default(),
                sourced_here: r.get::<Option<bool>, _>("sourced_here").unwrap_or(false),
                assigned: r.get("assigned"),
            });
        }
    }
    Ok(out)
}

/// How events and messages name a user.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct UserLabel {
    pub login: String,
    /// "First Last".
    pub display: String,
    pub status: crate::model::UserStatus,
}

/// Login, display name and status of these users, by id.
pub(crate) async fn user_labels(
    conn: &mut SqliteConnection,
    ids: &[&str],
) -> Result<std::collections::HashMap<String, UserLabel>> {
    let mut out = std::collections::HashMap::new();
    for chunk in ids.chunks(ROWS_PER_STATEMENT) {
        let mut qb: QueryBuilder<Sqlite> = QueryBuilder::new(
            "SELECT id, login, first_name || ' ' || last_name AS display, status FROM users WHERE id IN ",
        );
        push_list(&mut qb, chunk);
        for r in qb.build().fetch_all(&mut *conn).await? {
            let label = UserLabel {
                login: r.get("login"),
                display: r.get("display"),
                status: r.try_get("status")?,
            };
            out.insert(r.get("id"), label);
        }
    }
    Ok(out)
}

/// Writes sourced users' new profiles: `(user id, profile)`. Logins and
/// emails are written only where they changed, so the indexes on them are
/// not rewritten for every profile that changed elsewhere.
pub(crate) async fn update_user_profiles(
    conn: &mut SqliteConnection,
    updates: &[(String, crate::model::UserProfile)],
    now: super::Timestamp,
) -> Result<()> {
    for chunk in updates.chunks(ROWS_PER_STATEMENT) {
        let mut qb: QueryBuilder<Sqlite> =
            QueryBuilder::new("WITH v(id, login, login_key, email, email_key) AS (");
        qb.push_values(chunk, |mut b, (id, p)| {
            b.push_bind(id)
                .push_bind(p.login.as_str())
                .push_bind(p.login.key())
                .push_bind(p.email.as_str())
                .push_bind(p.email.key());
        });
        qb.push(
            ") UPDATE users SET login = v.login, login_key = v.login_key, email = v.email,
               email_key = v.email_key
             FROM v WHERE users.id = v.id
               AND (users.login IS NOT v.login COLLATE BINARY
                    OR users.email IS NOT v.email COLLATE BINARY)",
        );
        qb.build().execute(&mut *conn).await?;

        let mut qb: QueryBuilder<Sqlite> =
            QueryBuilder::new("WITH v(id, first_name, last_name, profile, search_key) AS (");
        qb.push_values(chunk, |mut b, (id, p)| {
            b.push_bind(id)
                .push_bind(&p.first_name)
                .push_bind(&p.last_name)
                .push_bind(crate::model::json_text(&p.attributes))
                .push_bind(p.search_key());
        });
        qb.push(
            ") UPDATE users SET first_name = v.first_name, last_name = v.last_name,
               profile = v.profile, search_key = v.search_key, last_updated = ",
        )
        .push_bind(super::stamp(now))
        .push(" FROM v WHERE users.id = v.id");
        qb.build().execute(&mut *conn).await?;
    }
    Ok(())
}

/// Sets these users' status; becoming ACTIVE records the first activation.
pub(crate) async fn set_users_status(
    conn: &mut SqliteConnection,
    user_ids: &[&str],
    status: crate::model::UserStatus,
    now: super::Timestamp,
) -> Result<()> {
    for chunk in user_ids.chunks(ROWS_PER_STATEMENT) {
        let mut qb: QueryBuilder<Sqlite> = QueryBuilder::new("UPDATE users SET status = ");
        qb.push_bind(status)
            .push(", status_changed = ")
            .push_bind(super::stamp(now))
            .push(", last_updated = ")
            .push_bind(super::stamp(now))
            .push(", activated = CASE WHEN ")
            .push_bind(status)
            .push(" = 'ACTIVE' THEN COALESCE(activated, ")
            .push_bind(super::stamp(now))
            .push(") ELSE activated END WHERE id IN ");
        push_list(&mut qb, chunk);
        qb.build().execute(&mut *conn).await?;
    }
    Ok(())
}

/// Marks these app users active (in the source) or not.
pub(crate) async fn set_app_users_active(
    conn: &mut SqliteConnection,
    app_id: &str,
    external_ids: &[&str],
    active: bool,
) -> Result<()> {
    for chunk in external_ids.chunks(ROWS_PER_STATEMENT) {
        let mut qb: QueryBuilder<Sqlite> = QueryBuilder::new("UPDATE app_users SET active = ");
        qb.push_bind(active)
            .push(" WHERE app_id = ")
            .push_bind(app_id)
            .push(" AND external_id IN ");
        push_list(&mut qb, chunk);
        qb.build().execute(&mut *conn).await?;
    }
    Ok(())
}

/// Removes these users' assignments to the app.
pub(crate) async fn unassign(
    conn: &mut SqliteConnection,
    app_id: &str,
    user_ids: &[&str],
) -> Result<()> {
    delete_listed(
        conn,
        "app_assignments",
        ("app_id", app_id),
        "user_id",
        user_ids,
    )
    .await
}

/// Deletes the rows of `table` whose `scope` column has its value and
/// whose `column` is one of `values`, in statements of
/// [`ROWS_PER_STATEMENT`] values.
pub(crate) async fn delete_listed(
    conn: &mut SqliteConnection,
    table: &str,
    (scope, scope_value): (&str, &str),
    column: &str,
    values: &[&str],
) -> Result<()> {
    for chunk in values.chunks(ROWS_PER_STATEMENT) {
        let mut qb: QueryBuilder<Sqlite> =
            QueryBuilder::new(format!("DELETE FROM {table} WHERE {scope} = "));
        qb.push_bind(scope_value).push(format!(" AND {column} IN "));
        push_list(&mut qb, chunk);
        qb.build().execute(&mut *conn).await?;
    }
    Ok(())
}

/// Appends `(?, ?, …)` binding each value.
pub(crate) fn push_list<'a>(qb: &mut QueryBuilder<'a, Sqlite>, values: &[&'a str]) {
    qb.push("(");
    let mut sep = qb.separated(", ");
    for v in values {
        sep.push_bind(*v);
    }
    qb.push(")");
}

pub(crate) async fn insert_removals(
    conn: &mut SqliteConnection,
    run_id: &str,
    app_id: &str,
    removals: &[Removal],
) -> Result<()> {
    for chunk in removals.chunks(ROWS_PER_STATEMENT) {
        let mut qb: QueryBuilder<Sqlite> = QueryBuilder::new(
            "INSERT INTO import_removals (run_id, app_id, external_id, user_id, action) ",
        );
        qb.push_values(chunk, |mut b, r| {
            b.push_bind(run_id)
                .push_bind(app_id)
                .push_bind(&r.external_id)
                .push_bind(&r.user_id)
                .push_bind(r.action.as_str());
        });
        qb.push(
            " ON CONFLICT (run_id, external_id) DO UPDATE SET app_id = excluded.app_id,
              user_id = excluded.user_id, action = excluded.action",
        );
        qb.build().execute(&mut *conn).await?;
    }
    Ok(())
}

pub(crate) async fn delete_removals(conn: &mut SqliteConnection, run_id: &str) -> Result<()> {
    sqlx::query("DELETE FROM import_removals WHERE run_id = ?")
        .bind(run_id)
        .execute(&mut *conn)
        .await?;
    Ok(())
}

/// Deletes the kept removals of these accounts, once applied.
pub(crate) async fn delete_removals_of(
    conn: &mut SqliteConnection,
    run_id: &str,
    external_ids: &[&str],
) -> Result<()> {
    for chunk in external_ids.chunks(ROWS_PER_STATEMENT) {
        let mut qb: QueryBuilder<Sqlite> =
            QueryBuilder::new("DELETE FROM import_removals WHERE run_id = ");
        qb.push_bind(run_id).push(" AND external_id IN ");
        push_list(&mut qb, chunk);
        qb.build().execute(&mut *conn).await?;
    }
    Ok(())
}

pub(crate) async fn set_run_plan(
    conn: &mut SqliteConnection,
    run_id: &str,
    plan: &serde_json::Value,
) -> Result<()> {
    sqlx::query("UPDATE import_runs SET plan = ? WHERE id = ?")
        .bind(plan.to_string())
        .bind(run_id)
        .execute(&mut *conn)
        .await?;
    Ok(())
}

/// Marks an app user ignored and drops it from the queue.
pub(crate) async fn ignore_app_user(
    conn: &mut SqliteConnection,
    app_id: &str,
    external_id: &str,
) -> Result<()> {
    sqlx::query("UPDATE app_users SET ignored = TRUE WHERE app_id = ? AND external_id = ?")
        .bind(app_id)
        .bind(external_id)
        .execute(&mut *conn)
        .await?;
    Ok(())
}

/// Writes lines of a preview's plan.
pub(crate) async fn insert_plan_lines(
    conn: &mut SqliteConnection,
    run_id: &str,
    lines: &[PlanLine],
) -> Result<()> {
    for chunk in lines.chunks(ROWS_PER_STATEMENT) {
        let mut qb: QueryBuilder<Sqlite> = QueryBuilder::new(
            "INSERT INTO import_plan_lines (run_id, part, part_rank, external_id, login, what) ",
        );
        qb.push_values(chunk, |mut b, l| {
            b.push_bind(run_id)
                .push_bind(l.part)
                .push_bind(l.part.rank())
                .push_bind(&l.external_id)
                .push_bind(&l.login)
                .push_bind(&l.what);
        });
        qb.build().execute(&mut *conn).await?;
    }
    Ok(())
}
