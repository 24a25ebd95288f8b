//! Groups a source imports, and their members: accounts of the group's app,
//! which count for a person once linked to them.

use super::{sqlite, stamp, Store, Timestamp, ROWS_PER_STATEMENT};
use crate::error::{Error, Result};
use crate::model::{Group, GroupMember, GroupSummary, Page};
use sqlx::sqlite::SqliteRow;
use sqlx::{QueryBuilder, Row, Sqlite, SqliteConnection};
use std::collections::{BTreeSet, HashMap};

/// An account of an app as groups name it: by DN and by `uid`.
#[derive(Debug, Clone)]
pub(crate) struct AccountKey {
    pub external_id: String,
    pub dn: Option<String>,
    pub uid: Option<String>,
    /// The person the account is linked to, with their login.
    pub user: Option<(String, String)>,
}

/// The accounts of an app, with what groups may name them by.
pub(crate) async fn account_keys(
    conn: &mut SqliteConnection,
    app_id: &str,
) -> Result<Vec<AccountKey>> {
    let rows = sqlx::query(&format!(
        "SELECT au.external_id, {} AS dn, {} AS uid, au.user_id, u.login
         FROM app_users au LEFT JOIN users u ON u.id = au.user_id WHERE au.app_id = ?",
        sqlite::json_at("au.attributes", "dn"),
        sqlite::json_at("au.attributes", "uid"),
    ))
    .bind(app_id)
    .fetch_all(&mut *conn)
    .await?;
    Ok(rows
        .iter()
        .map(|r| AccountKey {
            external_id: r.get("external_id"),
            dn: r.get("dn"),
            uid: r.get("uid"),
            user: r
                .get::<Option<String>, _>("user_id")
                .map(|id| (id, r.get::<Option<String>, _>("login").unwrap_or_default())),
        })
        .collect())
}

/// A group as the store has it, with its members' account ids.
#[derive(Debug, Clone)]
pub(crate) struct StoredGroup {
    pub id: String,
    pub name: String,
    pub description: String,
    pub dn: String,
    pub members: BTreeSet<String>,
}

/// The groups of an app by external id.
pub(crate) async fn app_groups(
    conn: &mut SqliteConnection,
    app_id: &str,
) -> Result<HashMap<String, StoredGroup>> {
    let rows =
        sqlx::query("SELECT id, external_id, name, description, dn FROM groups WHERE app_id = ?")
            .bind(app_id)
            .fetch_all(&mut *conn)
            .await?;
    let mut by_id: HashMap<String, String> = HashMap::new();
    let mut groups: HashMap<String, StoredGroup> = HashMap::new();
    for r in &rows {
        let external_id: String = r.get("external_id");
        by_id.insert(r.get("id"), external_id.clone());
        groups.insert(
            external_id,
            StoredGroup {
                id: r.get("id"),
                name: r.get("name"),
                description: r.get("description"),
                dn: r.get("dn"),
                members: BTreeSet::new(),
            },
        );
    }
    let members = sqlx::query(
        "SELECT m.group_id, m.external_id FROM group_members m JOIN groups g ON g.id = m.group_id
         WHERE g.app_id = ?",
    )
    .bind(app_id)
    .fetch_all(&mut *conn)
    .await?;
    for r in &members {
        let group_id: String = r.get("group_id");
        if let Some(g) = by_id.get(&group_id).and_then(|e| groups.get_mut(e)) {
            g.members.insert(r.get("external_id"));
        }
    }
    Ok(groups)
}

/// A group to write: its fields as the source has them.
pub(crate) struct GroupRow<'a> {
    pub id: &'a str,
    pub external_id: &'a str,
    pub name: &'a str,
    pub description: &'a str,
    pub dn: &'a str,
}

pub(crate) async fn insert_group(
    conn: &mut SqliteConnection,
    app_id: &str,
    run_id: &str,
    g: &GroupRow<'_>,
    now: Timestamp,
) -> Result<()> {
    sqlx::query(
        "INSERT INTO groups (id, app_id, external_id, name, description, dn, created, last_updated, last_run_id)
         VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
    )
    .bind(g.id)
    .bind(app_id)
    .bind(g.external_id)
    .bind(g.name)
    .bind(g.description)
    .bind(g.dn)
    .bind(stamp(now))
    .bind(stamp(now))
    .bind(run_id)
    .execute(&mut *conn)
    .await?;
    Ok(())
}

pub(crate) async fn update_group(
    conn: &mut SqliteConnection,
    run_id: &str,
    g: &GroupRow<'_>,
    now: Timestamp,
) -> Result<()> {
    sqlx::query(
        "UPDATE groups SET name = ?, description = ?, dn = ?, last_updated = ?, last_run_id = ? WHERE id = ?",
    )
    .bind(g.name)
    .bind(g.description)
    .bind(g.dn)
    .bind(stamp(now))
    .bind(run_id)
    .bind(g.id)
    .execute(&mut *conn)
    .await?;
    Ok(())
}

pub(crate) async fn delete_group(conn: &mut SqliteConnection, id: &str) -> Result<()> {
    sqlx::query("DELETE FROM groups WHERE id = ?")
        .bind(id)
        .execute(&mut *conn)
        .await?;
    Ok(())
}

/// Adds accounts of the group's app to a group.
pub(crate) async fn add_members(
    conn: &mut SqliteConnection,
    group_id: &str,
    app_id: &str,
    external_ids: &[&str],
) -> Result<()> {
    for chunk in external_ids.chunks(ROWS_PER_STATEMENT / 3) {
        let mut qb: QueryBuilder<Sqlite> =
            QueryBuilder::new("INSERT INTO group_members (group_id, app_id, external_id) ");
        qb.push_values(chunk, |mut row, id| {
            row.push_bind(group_id).push_bind(app_id).push_bind(*id);
        });
        qb.push(" ON CONFLICT DO NOTHING");
        qb.build().execute(&mut *conn).await?;
    }
    Ok(())
}

pub(crate) async fn remove_members(
    conn: &mut SqliteConnection,
    group_id: &str,
    external_ids: &[&str],
) -> Result<()> {
    let scope = ("group_id", group_id);
    super::rules::delete_listed(conn, "group_members", scope, "external_id", external_ids).await
}

/// The groups each of these accounts of an app belongs to (id and name).
pub(crate) async fn groups_of_accounts(
    conn: &mut SqliteConnection,
    app_id: &str,
    external_ids: &[&str],
) -> Result<HashMap<String, Vec<(String, String)>>> {
    let mut found: HashMap<String, Vec<(String, String)>> = HashMap::new();
    for chunk in external_ids.chunks(ROWS_PER_STATEMENT) {
        let mut qb: QueryBuilder<Sqlite> = QueryBuilder::new(
            "SELECT m.external_id, g.id, g.name FROM group_members m JOIN groups g ON g.id = m.group_id
             WHERE m.app_id = ",
        );
        qb.push_bind(app_id).push(" AND m.external_id IN (");
        let mut sep = qb.separated(", ");
        for id in chunk {
            sep.push_bind(*id);
        }
        sep.push_unseparated(") ORDER BY lower(g.name), g.id");
        for r in qb.build().fetch_all(&mut *conn).await? {
            found
                .entry(r.get("external_id"))
                .or_default()
                .push((r.get("id"), r.get("name")));
        }
    }
    Ok(found)
}

const SUMMARY_COLUMNS: &str = "g.id, g.name, g.description, g.app_id, a.name AS app_name,
    (SELECT count(*) FROM group_members m WHERE m.group_id = g.id) AS members";

fn summary_of(r: &SqliteRow) -> GroupSummary {
    GroupSummary {
        id: r.get("id"),
        name: r.get("name"),
        description: r.get("description"),
        app_id: r.get("app_id"),
        app_name: r.get("app_name"),
        members: r.get("members"),
    }
}

impl Store {
    /// Groups whose name or description holds `search` (any case), by name.
    pub async fn list_groups(
        &self,
        search: &str,
        app_id: Option<&str>,
        offset: i64,
        limit: i64,
    ) -> Result<Page<GroupSummary>> {
        let pattern = format!(
            "%{}%",
            super::apps::escape_like(&search.trim().to_lowercase())
        );
        let condition = |qb: &mut QueryBuilder<Sqlite>| {
            qb.push(" WHERE (lower(g.name) LIKE ")
                .push_bind(pattern.clone())
                .push(" ESCAPE '\\' OR lower(g.description) LIKE ")
                .push_bind(pattern.clone())
                .push(" ESCAPE '\\')");
            if let Some(app_id) = app_id {
                qb.push(" AND g.app_id = ").push_bind(app_id.to_owned());
            }
        };
        let mut count: QueryBuilder<Sqlite> = QueryBuilder::new("SELECT count(*) FROM groups g");
        condition(&mut count);
        let total: i64 = count.build_query_scalar().fetch_one(&self.pool).await?;
        let mut select: QueryBuilder<Sqlite> = QueryBuilder::new(format!(
            "SELECT {SUMMARY_COLUMNS} FROM groups g JOIN apps a ON a.id = g.app_id"
        ));
        condition(&mut select);
        select
            .push(" ORDER BY lower(g.name), g.id LIMIT ")
            .push_bind(limit)
            .push(" OFFSET ")
            .push_bind(offset);
        let rows = select.build().fetch_all(&self.pool).await?;
        Ok(Page {
            items: rows.iter().map(summary_of).collect(),
            total,
            offset,
            limit,
        })
    }

    /// A group with a page of its members, people first, by login.
    pub async fn get_group(&self, id: &str, offset: i64, limit: i64) -> Result<Group> {
        let row = sqlx::query(&format!(
            "SELECT {SUMMARY_COLUMNS}, g.dn, g.created, g.last_updated
             FROM groups g JOIN apps a ON a.id = g.app_id WHERE g.id = ?"
        ))
        .bind(id)
        .fetch_optional(&self.pool)
        .await?
        .ok_or_else(|| Error::NotFound(format!("group {id}")))?;
        let summary = summary_of(&row);
        let rows = sqlx::query(&format!(
            "SELECT m.external_id, COALESCE({}, m.external_id) AS account_login, au.user_id, {}
             FROM group_members m
             LEFT JOIN app_users au ON au.app_id = m.app_id AND au.external_id = m.external_id
             LEFT JOIN users u ON u.id = au.user_id
             LEFT JOIN apps a ON a.id = u.source_app_id
             WHERE m.group_id = ?
             ORDER BY u.id IS NULL, lower(COALESCE(u.login, {})), m.external_id
             LIMIT ? OFFSET ?",
            sqlite::json_at("au.attributes", "login"),
            super::users::USER_COLUMNS,
            sqlite::json_at("au.attributes", "login"),
        ))
        .bind(id)
        .bind(limit)
        .bind(offset)
        .fetch_all(&self.pool)
        .await?;
        let members = rows
            .iter()
            .map(|r| {
                let user = match r.get::<Option<String>, _>("user_id") {
                    Some(_) => Some(super::users::user_from_row(r)?),
                    None => None,
                };
                Ok(GroupMember {
                    external_id: r.get("external_id"),
                    login: r.get("account_login"),
                    user,
                })
            })
            .collect::<Result<Vec<_>>>()?;
        Ok(Group {
            dn: row.get("dn"),
            created: row.try_get("created")?,
            last_updated: row.try_get("last_updated")?,
            members: Page {
                items: members,
                total: summary.members,
                offset,
                limit,
            },
            summary,
        })
    }

    /// The groups a person is in: those of their linked accounts.
    pub async fn groups_of_user(&self, user_id: &str) -> Result<Vec<GroupSummary>> {
        let rows = sqlx::query(&format!(
            "SELECT {SUMMARY_COLUMNS} FROM app_users au
             JOIN group_members gm ON gm.app_id = au.app_id AND gm.external_id = au.external_id
             JOIN groups g ON g.id = gm.group_id JOIN apps a ON a.id = g.app_id
             WHERE au.user_id = ? ORDER BY lower(g.name), g.id"
        ))
        .bind(user_id)
        .fetch_all(&self.pool)
        .await?;
        Ok(rows.iter().map(summary_of).collect())
    }
}
