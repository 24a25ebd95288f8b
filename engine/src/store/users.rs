//! Users of the directory.

use super::{Store, ROWS_PER_STATEMENT};
use crate::error::{Error, Result};
use crate::model::{fold, search_fold, Page, PeopleFilter, Person, User, UserStatus};
use futures_core::stream::Stream;
use sqlx::sqlite::SqliteRow;
use sqlx::{QueryBuilder, Row, Sqlite, SqliteConnection};
use std::collections::HashMap;
use std::pin::pin;

/// A user about to be created.
#[derive(Debug, Clone, PartialEq)]
pub struct NewUser {
    pub id: String,
    pub status: UserStatus,
    pub login: String,
    pub email: String,
    pub first_name: String,
    pub last_name: String,
    pub profile: String,
    /// What the person is found by ([`crate::model::search_key`]).
    pub search_key: String,
    pub activated: Option<super::Timestamp>,
}

/// The directory's users by login and by email (lower-case), built once per
/// import run so matching costs no database round trip.
#[derive(Debug, Default)]
pub struct UserIndex {
    ids: Vec<Box<str>>,
    by_login: HashMap<Box<str>, u32>,
    by_email: HashMap<Box<str>, u32>,
    /// Emails shared by several users: every one of them.
    shared_emails: HashMap<Box<str>, Vec<u32>>,
    /// "first last" (lower-case), for partial matches; filled when asked for.
    by_name: HashMap<Box<str>, Vec<u32>>,
    /// The matching attribute's value (lower-case); filled when asked for.
    by_attribute: HashMap<Box<str>, Vec<u32>>,
}

/// What else an index holds besides logins and emails.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct IndexOptions {
    pub names: bool,
    pub attribute: Option<String>,
}

/// The key names are compared by.
pub fn name_key(first: &str, last: &str) -> String {
    format!(
        "{} {}",
        first.trim().to_lowercase(),
        last.trim().to_lowercase()
    )
}

impl UserIndex {
    pub fn len(&self) -> usize {
        self.ids.len()
    }
    pub fn is_empty(&self) -> bool {
        self.ids.is_empty()
    }

    /// Adds a user; logins and emails are compared folded ([`crate::model::fold`]).
    pub fn insert(&mut self, id: &str, login: &str, email: &str) {
        self.insert_with(id, login, email, None, None);
    }

    /// Adds a user with the name key and attribute value the options ask for.
    pub fn insert_with(
        &mut self,
        id: &str,
        login: &str,
        email: &str,
        name: Option<String>,
        attribute: Option<&str>,
    ) {
        let n = self.ids.len() as u32;
        if let Some(name) = name {
            self.by_name.entry(name.into()).or_default().push(n);
        }
        if let Some(a) = attribute.map(str::trim).filter(|a| !a.is_empty()) {
            self.by_attribute
                .entry(crate::model::fold(a).into())
                .or_default()
                .push(n);
        }
        self.ids.push(id.into());
        self.by_login.insert(crate::model::fold(login).into(), n);
        let email = crate::model::fold(email);
        match self.by_email.get(email.as_str()).copied() {
            None => {
                self.by_email.insert(email.into(), n);
            }
            Some(first) => self
                .shared_emails
                .entry(email.into())
                .or_insert_with(|| vec![first])
                .push(n),
        }
    }

    pub fn by_login(&self, login_key: &str) -> Option<&str> {
        self.by_login.get(login_key).map(|&n| self.id(n))
    }

    /// Every user with this email (lower-case).
    pub fn by_email(&self, email_key: &str) -> Vec<&str> {
        if let Some(all) = self.shared_emails.get(email_key) {
            return all.iter().map(|&n| self.id(n)).collect();
        }
        self.by_email
            .get(email_key)
            .map(|&n| vec![self.id(n)])
            .unwrap_or_default()
    }

    /// Every user with this name key.
    pub fn by_name(&self, name_key: &str) -> Vec<&str> {
        self.by_name
            .get(name_key)
            .map(|all| all.iter().map(|&n| self.id(n)).collect())
            .unwrap_or_default()
    }

    /// Every user whose matching attribute has this value (case-insensitive).
    pub fn by_attribute(&self, value: &str) -> Vec<&str> {
        self.by_attribute
            .get(crate::model::fold(value.trim()).as_str())
            .map(|all| all.iter().map(|&n| self.id(n)).collect())
            .unwrap_or_default()
    }

    fn id(&self, n: u32) -> &str {
        self.ids.get(n as usize).map_or("", |s| s)
    }
}

pub(crate) const USER_COLUMNS: &str = "u.id, u.status, u.login, u.email, u.first_name, u.last_name, u.profile,
    u.source_app_id, a.name AS source_app_name, u.created, u.activated, u.status_changed, u.last_updated";

pub(crate) fn user_from_row(r: &SqliteRow) -> Result<User> {
    let profile: String = r.get("profile");
    Ok(User {
        id: r.get("id"),
        status: r.try_get("status")?,
        login: r.get("login"),
        email: r.get("email"),
        first_name: r.get("first_name"),
        last_name: r.get("last_name"),
        profile: serde_json::from_str(&profile).unwrap_or_default(),
        source_app_id: r.get("source_app_id"),
        source_app_name: r.get("source_app_name"),
        created: r.try_get("created")?,
        activated: r.try_get("activated")?,
        status_changed: r.try_get("status_changed")?,
        last_updated: r.try_get("last_updated")?,
    })
}

impl Store {
    /// Reads every user into a match index.
    pub async fn load_user_index(&self, options: &IndexOptions) -> Result<UserIndex> {
        let mut index = UserIndex::default();
        let sql = format!(
            "SELECT id, login, email,
                CASE WHEN ? THEN first_name END AS first_name, CASE WHEN ? THEN last_name END AS last_name,
                CASE WHEN ? IS NOT NULL THEN {} END AS attribute
             FROM users",
            super::sqlite::json_member("profile")
        );
        let mut rows = pin!(sqlx::query(&sql)
            .bind(options.names)
            .bind(options.names)
            .bind(&options.attribute)
            .bind(&options.attribute)
            .fetch(&self.pool));
        while let Some(row) = next(&mut rows).await {
            let row = row?;
            let first: Option<String> = row.get("first_name");
            let last: Option<String> = row.get("last_name");
            let name = first.zip(last).map(|(f, l)| name_key(&f, &l));
            let attribute: Option<String> = row.try_get("attribute").ok().flatten();
            index.insert_with(
                row.get("id"),
                row.get("login"),
                row.get("email"),
                name,
                attribute.as_deref(),
            );
        }
        Ok(index)
    }

    /// Users whose name, login, email or other profile value contains
    /// `search` (case and accents aside), newest first.
    pub async fn list_users(&self, search: &str, offset: i64, limit: i64) -> Result<Page<User>> {
        let filter = PeopleFilter {
            search: search.to_owned(),
            include_deactivated: true,
            ..PeopleFilter::default()
        };
        self.search_users(&filter, offset, limit).await
    }

    /// The people `filter` picks, newest first, with their app accounts.
    pub async fn list_people(
        &self,
        filter: &PeopleFilter,
        offset: i64,
        limit: i64,
    ) -> Result<Page<Person>> {
        let users = self.search_users(filter, offset, limit).await?;
        let ids: Vec<&str> = users.items.iter().map(|u| u.id.as_str()).collect();
        let mut conn = self.pool.acquire().await?;
        let mut accounts = super::accounts::accounts_of(&mut conn, &ids).await?;
        Ok(Page {
            items: users
                .items
                .into_iter()
                .map(|user| Person {
                    accounts: accounts.remove(&user.id).unwrap_or_default(),
                    user,
                })
                .collect(),
            total: users.total,
            offset: users.offset,
            limit: users.limit,
        })
    }

    async fn search_users(
        &self,
        filter: &PeopleFilter,
        offset: i64,
        limit: i64,
    ) -> Result<Page<User>> {
        // One WHERE clause for the count and the page.
        let condition = |qb: &mut QueryBuilder<'_, Sqlite>| {
            qb.push(" WHERE 1 = 1");
            let search = search_fold(filter.search.trim());
            if !search.is_empty() {
                qb.push(" AND u.search_key LIKE ")
                    .push_bind(format!("%{}%", super::apps::escape_like(&search)))
                    .push(" ESCAPE '\\'");
            }
            match filter.status {
                Some(status) => {
                    qb.push(" AND u.status = ").push_bind(status);
                }
                None if !filter.include_deactivated => {
                    qb.push(" AND u.status <> ")
                        .push_bind(UserStatus::Deprovisioned);
                }
                None => {}
            }
            if let Some(app_id) = &filter.app_id {
                qb.push(
                    " AND EXISTS (SELECT 1 FROM app_users au WHERE au.user_id = u.id AND au.app_id = ",
                )
                .push_bind(app_id.clone())
                .push(")");
            }
        };
        let mut count: QueryBuilder<Sqlite> = QueryBuilder::new("SELECT COUNT(*) FROM users u");
        condition(&mut count);
        let total: i64 = count.build_query_scalar().fetch_one(&self.pool).await?;
        let mut select: QueryBuilder<Sqlite> = QueryBuilder::new(format!(
            "SELECT {USER_COLUMNS} FROM users u LEFT JOIN apps a ON a.id = u.source_app_id"
        ));
        condition(&mut select);
        select
            .push(" ORDER BY u.created DESC, u.id LIMIT ")
            .push_bind(limit)
            .push(" OFFSET ")
            .push_bind(offset);
        let rows = select.build().fetch_all(&self.pool).await?;
        Ok(Page {
            items: rows.iter().map(user_from_row).collect::<Result<_>>()?,
            total,
            offset,
            limit,
        })
    }

    /// Users in id order (creation order) after the id `after`, for the
    /// API's pages; `q` keeps those whose first name, last name or email
    /// starts with it, deactivated users aside, as Okta's `q` does.
    pub async fn users_after(&self, after: Option<&str>, q: &str, limit: i64) -> Result<Vec<User>> {
        let mut qb: QueryBuilder<Sqlite> = QueryBuilder::new(format!(
            "SELECT {USER_COLUMNS} FROM users u LEFT JOIN apps a ON a.id = u.source_app_id WHERE 1 = 1"
        ));
        if let Some(after) = after {
            qb.push(" AND u.id > ").push_bind(after.to_owned());
        }
        let q = q.trim();
        if !q.is_empty() {
            let prefix = format!("{}%", super::apps::escape_like(q));
            qb.push(" AND u.status <> ")
                .push_bind(UserStatus::Deprovisioned)
                .push(" AND (u.first_name LIKE ")
                .push_bind(prefix.clone())
                .push(" ESCAPE '\\' OR u.last_name LIKE ")
                .push_bind(prefix.clone())
                .push(" ESCAPE '\\' OR u.email LIKE ")
                .push_bind(prefix)
                .push(" ESCAPE '\\')");
        }
        qb.push(" ORDER BY u.id LIMIT ").push_bind(limit);
        let rows = qb.build().fetch_all(&self.pool).await?;
        rows.iter().map(user_from_row).collect()
    }

    /// The user whose login this is (case and accents aside).
    pub async fn user_by_login(&self, login: &str) -> Result<Option<User>> {
        let row = sqlx::query(&format!(
            "SELECT {USER_COLUMNS} FROM users u LEFT JOIN apps a ON a.id = u.source_app_id
             WHERE u.login_key = ?"
        ))
        .bind(fold(login.trim()))
        .fetch_optional(&self.pool)
        .await?;
        row.as_ref().map(user_from_row).transpose()
    }

    /// A person with their app accounts.
    pub async fn get_person(&self, id: &str) -> Result<Person> {
        let user = self.get_user(id).await?;
        let mut conn = self.pool.acquire().await?;
        let mut accounts = super::accounts::accounts_of(&mut conn, &[id]).await?;
        Ok(Person {
            accounts: accounts.remove(id).unwrap_or_default(),
            user,
        })
    }

    pub async fn get_user(&self, id: &str) -> Result<User> {
        let row = sqlx::query(&format!(
            "SELECT {USER_COLUMNS} FROM users u LEFT JOIN apps a ON a.id = u.source_app_id WHERE u.id = ?"
        ))
        .bind(id)
        .fetch_optional(&self.pool)
        .await?
        .ok_or_else(|| Error::NotFound(format!("user {id}")))?;
        user_from_row(&row)
    }
}

pub(crate) async fn next<S: Stream + Unpin>(s: &mut S) -> Option<S::Item> {
    std::future::poll_fn(|cx| std::pin::Pin::new(&mut *s).poll_next(cx)).await
}

/// Creates users in multi-row statements.
pub(crate) async fn insert_users(
    conn: &mut SqliteConnection,
    users: &[NewUser],
    source_app_id: Option<&str>,
    now: super::Timestamp,
) -> Result<()> {
    for chunk in users.chunks(ROWS_PER_STATEMENT) {
        let mut qb: QueryBuilder<Sqlite> = QueryBuilder::new(
            "INSERT INTO users (id, status, login, login_key, email, email_key, first_name, last_name, profile,
             search_key, source_app_id, created, activated, status_changed, last_updated) ",
        );
        qb.push_values(chunk, |mut b, u| {
            b.push_bind(&u.id)
                .push_bind(u.status)
                .push_bind(&u.login)
                .push_bind(fold(&u.login))
                .push_bind(&u.email)
                .push_bind(fold(&u.email))
                .push_bind(&u.first_name)
                .push_bind(&u.last_name)
                .push_bind(&u.profile)
                .push_bind(&u.search_key)
                .push_bind(source_app_id)
                .push_bind(super::stamp(now))
                .push_bind(u.activated.map(super::stamp))
                .push_bind(super::stamp(now))
                .push_bind(super::stamp(now));
        });
        qb.build().execute(&mut *conn).await?;
    }
    Ok(())
}

/// Deletes a user. Their app accounts stay, unlinked (the app's next full
/// import queues them again); queue rows matched to them become New; their
/// assignments and pending removals go with them.
pub(crate) async fn delete_user(conn: &mut SqliteConnection, id: &str) -> Result<()> {
    sqlx::query("UPDATE app_users SET user_id = NULL WHERE user_id = ?")
        .bind(id)
        .execute(&mut *conn)
        .await?;
    sqlx::query(
        "UPDATE import_queue
         SET match_type = 'NEW', matched_user_id = NULL, candidates = 0, candidate_ids = '[]',
             action = NULL, action_user_id = NULL
         WHERE matched_user_id = ?1
            OR EXISTS (SELECT 1 FROM json_each(import_queue.candidate_ids) WHERE value = ?1)",
    )
    .bind(id)
    .execute(&mut *conn)
    .await?;
    sqlx::query("DELETE FROM users WHERE id = ?")
        .bind(id)
        .execute(&mut *conn)
        .await?;
    Ok(())
}

/// Of these logins, those that belong to a user already: the user's id by
/// folded login.
pub(crate) async fn existing_logins(
    conn: &mut SqliteConnection,
    logins: &[&str],
) -> Result<HashMap<String, String>> {
    let mut found = HashMap::new();
    for chunk in logins.chunks(ROWS_PER_STATEMENT) {
        let mut qb: QueryBuilder<Sqlite> =
            QueryBuilder::new("SELECT id, login_key FROM users WHERE login_key IN (");
        let mut sep = qb.separated(", ");
        for l in chunk {
            sep.push_bind(fold(l));
        }
        qb.push(")");
        for row in qb.build().fetch_all(&mut *conn).await? {
            found.insert(row.get("login_key"), row.get("id"));
        }
    }
    Ok(found)
}

/// Writes the keys of users stored without them by an earlier version: the
/// folded login and email, and the search key. Two logins that fold alike
/// cannot both stay: the store refuses to open and names them.
pub(crate) async fn fill_missing_keys(pool: &sqlx::SqlitePool) -> Result<()> {
    loop {
        let rows = sqlx::query(
            "SELECT id, login, email, first_name, last_name, profile FROM users
             WHERE login_key IS NULL OR search_key IS NULL LIMIT 1000",
        )
        .fetch_all(pool)
        .await?;
        if rows.is_empty() {
            return Ok(());
        }
        let mut tx = pool.begin().await?;
        for r in &rows {
            let (id, login, email): (String, String, String) =
                (r.get("id"), r.get("login"), r.get("email"));
            let profile: serde_json::Map<String, serde_json::Value> =
                serde_json::from_str(r.get("profile")).map_err(|e| {
                    Error::Internal(format!("the stored profile of user {id} is not JSON: {e}"))
                })?;
            let search_key = crate::model::search_key(
                r.get("first_name"),
                r.get("last_name"),
                &login,
                &email,
                &profile,
            );
            let done = sqlx::query(
                "UPDATE users SET login_key = ?, email_key = ?, search_key = ? WHERE id = ?",
            )
            .bind(fold(&login))
            .bind(fold(&email))
            .bind(search_key)
            .bind(&id)
            .execute(&mut *tx)
            .await;
            if let Err(e) = done {
                let other: Option<String> =
                    sqlx::query_scalar("SELECT login FROM users WHERE login_key = ? AND id <> ?")
                        .bind(fold(&login))
                        .bind(&id)
                        .fetch_optional(&mut *tx)
                        .await?;
                return Err(Error::Conflict(format!(
                    "The logins \"{login}\" and \"{}\" are the same ignoring case; rename one of them before upgrading ({e})",
                    other.unwrap_or_default()
                )));
            }
        }
        tx.commit().await?;
    }
}
