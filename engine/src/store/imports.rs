//! Uploads, import runs, staged app users, the import queue and row errors.

use super::sqlite::INSERTION_ORDER;
use super::{Store, Timestamp, HOLDS_OR_WAITS, HOLDS_SLOT, ROWS_PER_STATEMENT};
use crate::error::{Error, Result};
use crate::model::{
    ImportRun, ImportType, MatchType, Page, QueueChoice, QueueRow, QueueTally, RowError, RunCounts,
    RunStatus, UploadPreview, UserRef,
};
use sqlx::sqlite::SqliteRow;
use sqlx::{QueryBuilder, Row, Sqlite, SqliteConnection};
use std::collections::HashMap;

/// What the store knows of an app user before a run.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct AppUserState {
    pub content_hash: i64,
    pub linked: bool,
    pub active: bool,
    pub ignored: bool,
    /// Seen by the current run (a full run removes the rest).
    pub seen: bool,
}

/// An app user as a run stages it.
#[derive(Debug, Clone, PartialEq)]
pub struct StagedRow {
    pub external_id: String,
    pub attributes: String,
    pub content_hash: i64,
    pub active: bool,
}

/// A queue row as a run writes it.
#[derive(Debug, Clone, PartialEq)]
pub struct QueueEntry {
    pub external_id: String,
    pub match_type: MatchType,
    pub matched_user_id: Option<String>,
    pub candidates: i64,
    pub login: String,
    pub email: String,
    pub first_name: String,
    pub last_name: String,
    /// JSON array of the candidates' ids.
    pub candidate_ids: String,
    /// The mapped, validated profile as JSON.
    pub profile: String,
    /// What the person would be found by (not queued: for the user an
    /// automatic confirmation creates).
    pub search_key: String,
}

/// A queue row with its app user's attributes, for confirming.
#[derive(Debug, Clone, PartialEq)]
pub struct PendingRow {
    pub seq: i64,
    pub external_id: String,
    pub match_type: MatchType,
    pub matched_user_id: Option<String>,
    /// The mapped profile the run queued (the app user's attributes for rows
    /// queued before profiles were kept).
    pub profile: String,
    pub action: Option<QueueChoice>,
    pub action_user_id: Option<String>,
}

/// What is recorded of an accepted upload.
#[derive(Debug, Clone)]
pub struct StoredUpload {
    pub path: String,
    pub file_name: String,
    pub row_count: i64,
    pub size: u64,
    pub created: Timestamp,
    /// When its file was deleted, its retention time over.
    pub deleted: Option<Timestamp>,
}

impl StoredUpload {
    /// Refuses an upload whose file was deleted, saying when.
    pub fn readable(&self) -> Result<()> {
        match self.deleted {
            None => Ok(()),
            Some(deleted) => Err(Error::InvalidInput(format!(
                "The file {} was deleted on {} ({} days after it was uploaded, as uploads are kept): upload it again",
                self.file_name,
                deleted.format("%Y-%m-%d"),
                (deleted - self.created).num_days()
            ))),
        }
    }
}

const RUN_COLUMNS: &str = "id, app_id, import_type, trigger, status, upload_id, created, started, finished,
    total, scanned, new_count, updated, unchanged, matched, conflicts, errors, message, preview, plan,
    partial, unmatched, reactivated, deactivated, suspended, unassigned, group_counts";

/// What a run that was stopped part way says while it waits to go on.
pub const RESUMES: &str =
    "Muster stopped during this import; it goes on from its last committed batch when Muster runs again.";

/// The columns of the upload a run read, beside [`RUN_COLUMNS`].
const RUN_FILE_COLUMNS: &str =
    "(SELECT u.file_name FROM uploads u WHERE u.id = upload_id) AS file_name,
    (SELECT u.deleted FROM uploads u WHERE u.id = upload_id) AS file_deleted";

fn state_of(r: &SqliteRow) -> AppUserState {
    AppUserState {
        content_hash: r.get("content_hash"),
        linked: r.get("linked"),
        active: r.get("active"),
        ignored: r.get("ignored"),
        seen: false,
    }
}

fn run_from_row(r: &SqliteRow) -> Result<ImportRun> {
    let id: String = r.get("id");
    let status: RunStatus = r.try_get("status")?;
    let started: Option<Timestamp> = r.try_get("started")?;
    let scanned: i64 = r.get("scanned");
    let rate = match (status, started) {
        (RunStatus::Running, Some(started)) => Some(crate::model::seconds_since(started))
            .filter(|s| *s > 0.0)
            .map(|s| scanned as f64 / s),
        _ => None,
    };
    Ok(ImportRun {
        import_type: r.try_get("import_type")?,
        status,
        app_id: r.get("app_id"),
        trigger: r.try_get("trigger")?,
        upload_id: r.get("upload_id"),
        created: r.try_get("created")?,
        started,
        finished: r.try_get("finished")?,
        total: r.get("total"),
        counts: RunCounts {
            scanned,
            new: r.get("new_count"),
            updated: r.get("updated"),
            unchanged: r.get("unchanged"),
            matched: r.get("matched"),
            partial: r.get("partial"),
            unmatched: r.get("unmatched"),
            conflicts: r.get("conflicts"),
            errors: r.get("errors"),
            reactivated: r.get("reactivated"),
            deactivated: r.get("deactivated"),
            suspended: r.get("suspended"),
            unassigned: r.get("unassigned"),
        },
        message: r.get("message"),
        preview: r.get("preview"),
        plan: r
            .get::<Option<String>, _>("plan")
            .map(|p| serde_json::from_str(&p))
            .transpose()
            .map_err(|e| {
                Error::Internal(format!("import run {id}: its plan is not readable: {e}"))
            })?,
        rate,
        groups: r
            .get::<Option<String>, _>("group_counts")
            .and_then(|g| serde_json::from_str(&g).ok()),
        file: r
            .try_get::<Option<String>, _>("file_name")?
            .map(|name| -> Result<crate::model::RunFile> {
                Ok(crate::model::RunFile {
                    name,
                    deleted: r.try_get("file_deleted")?,
                })
            })
            .transpose()?,
        id,
    })
}

/// Which queue rows an action applies to.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Selection {
    All,
    /// Every row of one match type (the queue as filtered on screen).
    AllOfType(MatchType),
    Rows(Vec<i64>),
}

impl Store {
    pub async fn insert_upload(
        &self,
        app_id: &str,
        upload: &UploadPreview,
        path: &str,
        now: super::Timestamp,
    ) -> Result<()> {
        sqlx::query(
            "INSERT INTO uploads (id, app_id, file_name, path, size, row_count, columns, created)
             VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
        )
        .bind(&upload.id)
        .bind(app_id)
        .bind(&upload.file_name)
        .bind(path)
        .bind(upload.size as i64)
        .bind(upload.row_count as i64)
        .bind(serde_json::to_string(&upload.columns).unwrap_or_default())
        .bind(super::stamp(now))
        .execute(&self.pool)
        .await?;
        Ok(())
    }

    /// The app's newest upload, when it has one.
    pub async fn newest_upload(&self, app_id: &str) -> Result<Option<String>> {
        Ok(sqlx::query_scalar(
            "SELECT id FROM uploads WHERE app_id = ? ORDER BY created DESC, id DESC LIMIT 1",
        )
        .bind(app_id)
        .fetch_optional(&self.pool)
        .await?)
    }

    /// The upload's file path and row count.
    pub async fn get_upload(&self, app_id: &str, id: &str) -> Result<StoredUpload> {
        let row = sqlx::query(
            "SELECT path, row_count, size, file_name, created, deleted FROM uploads WHERE id = ? AND app_id = ?",
        )
        .bind(id)
        .bind(app_id)
        .fetch_optional(&self.pool)
        .await?
        .ok_or_else(|| Error::NotFound(format!("upload {id}")))?;
        Ok(StoredUpload {
            path: row.get("path"),
            file_name: row.get("file_name"),
            row_count: row.get("row_count"),
            size: row.get::<i64, _>("size").try_into().unwrap_or_default(),
            created: row.try_get("created")?,
            deleted: row.try_get("deleted")?,
        })
    }

    /// Uploads older than `before` whose file may go: not read by a run that
    /// runs, waits or is paused, and not the newest upload of an app with a
    /// schedule (its scheduled imports read that one).
    pub async fn expired_uploads(&self, before: Timestamp) -> Result<Vec<(String, String)>> {
        let incremental = super::sqlite::json_at("a.settings", "incrementalSchedule.frequency");
        let full = super::sqlite::json_at("a.settings", "fullSchedule.frequency");
        let rows = sqlx::query(&format!(
            "SELECT u.id, u.path FROM uploads u
             WHERE u.deleted IS NULL AND u.created < ?
               AND NOT EXISTS (SELECT 1 FROM import_runs r WHERE r.upload_id = u.id AND r.status IN ({HOLDS_OR_WAITS}))
               AND NOT (u.id = (SELECT n.id FROM uploads n WHERE n.app_id = u.app_id ORDER BY n.created DESC, n.id DESC LIMIT 1)
                        AND EXISTS (SELECT 1 FROM apps a WHERE a.id = u.app_id AND ({incremental} <> 'Never' OR {full} <> 'Never')))
             ORDER BY u.created LIMIT 1000"
        ))
        .bind(super::stamp(before))
        .fetch_all(&self.pool)
        .await?;
        Ok(rows.iter().map(|r| (r.get("id"), r.get("path"))).collect())
    }

    /// Notes that an upload's file was deleted.
    pub async fn mark_upload_deleted(&self, id: &str, now: Timestamp) -> Result<()> {
        sqlx::query("UPDATE uploads SET deleted = ? WHERE id = ?")
            .bind(super::stamp(now))
            .bind(id)
            .execute(&self.pool)
            .await?;
        Ok(())
    }

    pub async fn insert_run(&self, run: &ImportRun, requested_by: Option<&str>) -> Result<()> {
        insert_run(&mut *self.pool.acquire().await?, run, requested_by).await
    }

    pub async fn get_run(&self, id: &str) -> Result<ImportRun> {
        let row = sqlx::query(&format!(
            "SELECT {RUN_COLUMNS}, {RUN_FILE_COLUMNS} FROM import_runs WHERE id = ?"
        ))
        .bind(id)
        .fetch_optional(&self.pool)
        .await?
        .ok_or_else(|| Error::NotFound(format!("import run {id}")))?;
        run_from_row(&row)
    }

    /// The app's runs, newest first.
    pub async fn list_runs(&self, app_id: &str, limit: i64) -> Result<Vec<ImportRun>> {
        let rows = sqlx::query(&format!(
            "SELECT {RUN_COLUMNS}, {RUN_FILE_COLUMNS} FROM import_runs WHERE app_id = ? ORDER BY created DESC, {INSERTION_ORDER} DESC LIMIT ?"
        ))
        .bind(app_id)
        .bind(limit)
        .fetch_all(&self.pool)
        .await?;
        rows.iter().map(run_from_row).collect()
    }

    /// The latest runs of every app, with the app's name.
    pub async fn recent_runs(&self, limit: i64) -> Result<Vec<(String, ImportRun)>> {
        let rows = sqlx::query(&format!(
            "SELECT {RUN_COLUMNS}, {RUN_FILE_COLUMNS}, (SELECT name FROM apps a WHERE a.id = import_runs.app_id) AS app_name
             FROM import_runs ORDER BY created DESC, {INSERTION_ORDER} DESC LIMIT ?"
        ))
        .bind(limit)
        .fetch_all(&self.pool)
        .await?;
        rows.iter()
            .map(|r| Ok((r.get("app_name"), run_from_row(r)?)))
            .collect()
    }

    /// How many apps, users and unconfirmed queue rows there are.
    pub async fn counts(&self) -> Result<(i64, i64, i64)> {
        Ok(sqlx::query_as(
            "SELECT (SELECT COUNT(*) FROM apps), (SELECT COUNT(*) FROM users), (SELECT COUNT(*) FROM import_queue)",
        )
        .fetch_one(&self.pool)
        .await?)
    }

    /// Claims the oldest queued run of an app that has none running, marking it
    /// running. One import at a time per app.
    pub async fn claim_next_run(&self, now: super::Timestamp) -> Result<Option<ImportRun>> {
        let row = sqlx::query(&format!(
            "UPDATE import_runs SET status = 'RUNNING', started = ?
             WHERE id = (SELECT q.id FROM import_runs q WHERE q.status = 'QUEUED'
                           AND NOT EXISTS (SELECT 1 FROM import_runs r WHERE r.app_id = q.app_id AND r.status IN ({HOLDS_SLOT}))
                         ORDER BY q.created, q.{INSERTION_ORDER} LIMIT 1)
             RETURNING {RUN_COLUMNS}, {RUN_FILE_COLUMNS}"
        ))
        .bind(super::stamp(now))
        .fetch_optional(&self.pool)
        .await?;
        row.as_ref().map(run_from_row).transpose()
    }

    /// True while an import of the app runs or waits to run.
    pub async fn app_has_running_import(&self, app_id: &str) -> Result<bool> {
        let mut conn = self.pool.acquire().await?;
        app_import_active(&mut conn, app_id).await
    }

    /// Runs left running by a process that stopped without finishing them:
    /// a preview (whose plan is kept in memory) is marked failed; an import
    /// goes back to the queue to go on from its last committed batch.
    /// Returns the failed previews and the runs queued again.
    pub async fn recover_interrupted_runs(
        &self,
        now: super::Timestamp,
    ) -> Result<(Vec<ImportRun>, Vec<ImportRun>)> {
        let failed = sqlx::query(&format!(
            "UPDATE import_runs SET status = 'FAILED', finished = ?,
                message = 'Muster stopped while this preview was running; run it again.'
             WHERE status = 'RUNNING' AND preview RETURNING {RUN_COLUMNS}, {RUN_FILE_COLUMNS}"
        ))
        .bind(super::stamp(now))
        .fetch_all(&self.pool)
        .await?;
        let queued = sqlx::query(&format!(
            "UPDATE import_runs SET status = 'QUEUED', message = ?
             WHERE status = 'RUNNING' AND NOT preview RETURNING {RUN_COLUMNS}, {RUN_FILE_COLUMNS}"
        ))
        .bind(RESUMES)
        .fetch_all(&self.pool)
        .await?;
        Ok((
            failed.iter().map(run_from_row).collect::<Result<_>>()?,
            queued.iter().map(run_from_row).collect::<Result<_>>()?,
        ))
    }

    /// Puts a run that stopped between batches back in the queue, to go on
    /// from there.
    pub async fn requeue_run(&self, run_id: &str) -> Result<()> {
        sqlx::query("UPDATE import_runs SET status = 'QUEUED', message = ? WHERE id = ? AND status = 'RUNNING'")
            .bind(RESUMES)
            .bind(run_id)
            .execute(&self.pool)
            .await?;
        Ok(())
    }

    /// Runs in one status, oldest first.
    pub async fn runs_with_status(&self, status: RunStatus) -> Result<Vec<ImportRun>> {
        let rows = sqlx::query(&format!(
            "SELECT {RUN_COLUMNS}, {RUN_FILE_COLUMNS} FROM import_runs WHERE status = ? ORDER BY created"
        ))
        .bind(status.as_str())
        .fetch_all(&self.pool)
        .await?;
        rows.iter().map(run_from_row).collect()
    }

    /// The admin who asked for a run, when one did.
    pub async fn run_requester(&self, run_id: &str) -> Result<Option<crate::model::Admin>> {
        let row = sqlx::query(
            "SELECT a.id, a.username, a.role FROM import_runs r JOIN admins a ON a.id = r.requested_by WHERE r.id = ?",
        )
        .bind(run_id)
        .fetch_optional(&self.pool)
        .await?;
        row.as_ref().map(super::admins::admin_from_row).transpose()
    }

    /// What the store knows of these app users of an app (those it has).
    pub async fn app_user_states_of(
        &self,
        app_id: &str,
        external_ids: &[&str],
    ) -> Result<HashMap<String, AppUserState>> {
        let mut states = HashMap::with_capacity(external_ids.len());
        for chunk in external_ids.chunks(ROWS_PER_STATEMENT) {
            let mut qb: QueryBuilder<Sqlite> = QueryBuilder::new(
                "SELECT external_id, content_hash, user_id IS NOT NULL AS linked, active, ignored
                 FROM app_users WHERE app_id = ",
            );
            qb.push_bind(app_id).push(" AND external_id IN (");
            let mut sep = qb.separated(", ");
            for id in chunk {
                sep.push_bind(*id);
            }
            sep.push_unseparated(")");
            for r in qb.build().fetch_all(&self.pool).await? {
                states.insert(r.get("external_id"), state_of(&r));
            }
        }
        Ok(states)
    }

    /// What every app user of an app looked like after the last import.
    pub async fn load_app_user_states(
        &self,
        app_id: &str,
    ) -> Result<HashMap<String, AppUserState>> {
        let mut states = HashMap::new();
        let mut rows = std::pin::pin!(sqlx::query(
            "SELECT external_id, content_hash, user_id IS NOT NULL AS linked, active, ignored FROM app_users WHERE app_id = ?",
        )
        .bind(app_id)
        .fetch(&self.pool));
        while let Some(row) = super::users::next(&mut rows).await {
            let r = row?;
            states.insert(r.get("external_id"), state_of(&r));
        }
        Ok(states)
    }

    /// One page of an app's import queue, optionally of one match type.
    pub async fn list_queue(
        &self,
        app_id: &str,
        match_type: Option<MatchType>,
        offset: i64,
        limit: i64,
    ) -> Result<Page<QueueRow>> {
        let mt = match_type.map(MatchType::as_str);
        let total: i64 = sqlx::query_scalar(
            "SELECT COUNT(*) FROM import_queue WHERE app_id = ? AND (? IS NULL OR match_type = ?)",
        )
        .bind(app_id)
        .bind(mt)
        .bind(mt)
        .fetch_one(&self.pool)
        .await?;
        let rows = sqlx::query(
            "SELECT q.seq, q.external_id, q.match_type, q.login, q.email, q.first_name, q.last_name,
                    q.matched_user_id, u.login AS matched_login, q.candidates, q.candidate_ids, q.action,
                    q.action_user_id, au.login AS action_login
             FROM import_queue q LEFT JOIN users u ON u.id = q.matched_user_id
             LEFT JOIN users au ON au.id = q.action_user_id
             WHERE q.app_id = ? AND (? IS NULL OR q.match_type = ?)
             ORDER BY q.seq LIMIT ? OFFSET ?",
        )
        .bind(app_id)
        .bind(mt)
        .bind(mt)
        .bind(limit)
        .bind(offset)
        .fetch_all(&self.pool)
        .await?;
        let candidate_ids: Vec<Vec<String>> = rows
            .iter()
            .map(|r| serde_json::from_str(&r.get::<String, _>("candidate_ids")).unwrap_or_default())
            .collect();
        let all: Vec<&str> = candidate_ids.iter().flatten().map(String::as_str).collect();
        let mut conn = self.pool.acquire().await?;
        let logins = super::rules::user_labels(&mut conn, &all).await?;
        let items = rows
            .iter()
            .zip(candidate_ids)
            .map(|(r, ids)| {
                Ok(QueueRow {
                    seq: r.get("seq"),
                    external_id: r.get("external_id"),
                    match_type: r.try_get("match_type")?,
                    login: r.get("login"),
                    email: r.get("email"),
                    first_name: r.get("first_name"),
                    last_name: r.get("last_name"),
                    matched_user_id: r.get("matched_user_id"),
                    matched_user_login: r.get("matched_login"),
                    candidates: r.get("candidates"),
                    candidate_users: candidates_by_login(ids, &logins),
                    action: r.try_get("action")?,
                    action_user_id: r.get("action_user_id"),
                    action_user_login: r.get("action_login"),
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

    /// The next queue rows to confirm, after `after_seq`, with their attributes.
    pub async fn pending_rows(
        &self,
        app_id: &str,
        selection: &Selection,
        after_seq: i64,
        limit: usize,
    ) -> Result<Vec<PendingRow>> {
        let mut conn = self.pool.acquire().await?;
        pending_rows(&mut conn, app_id, selection, after_seq, limit).await
    }

    /// Runs paused at a safeguard, oldest first, with their app's name.
    pub async fn paused_runs(&self) -> Result<Vec<(String, ImportRun)>> {
        let cols = RUN_COLUMNS
            .split(',')
            .map(|c| format!("r.{}", c.trim()))
            .collect::<Vec<_>>()
            .join(", ");
        let rows = sqlx::query(&format!(
            "SELECT a.name AS app_name, {cols}, {RUN_FILE_COLUMNS} FROM import_runs r JOIN apps a ON a.id = r.app_id
             WHERE r.status = 'PAUSED' ORDER BY r.created"
        ))
        .fetch_all(&self.pool)
        .await?;
        rows.iter()
            .map(|r| Ok((r.get("app_name"), run_from_row(r)?)))
            .collect()
    }

    /// The newest app user of an app: external id and attributes.
    pub async fn sample_app_user(
        &self,
        app_id: &str,
    ) -> Result<Option<(String, Vec<(String, String)>)>> {
        let row = sqlx::query(
            "SELECT external_id, attributes FROM app_users WHERE app_id = ? ORDER BY last_run_id DESC LIMIT 1",
        )
        .bind(app_id)
        .fetch_optional(&self.pool)
        .await?;
        Ok(row.map(|r| {
            let attributes: String = r.get("attributes");
            let map: serde_json::Map<String, serde_json::Value> =
                serde_json::from_str(&attributes).unwrap_or_default();
            (
                r.get("external_id"),
                map.into_iter()
                    .map(|(k, v)| (k, v.as_str().unwrap_or_default().to_owned()))
                    .collect(),
            )
        }))
    }

    /// Row errors of a run, in line order.
    pub async fn list_row_errors(
        &self,
        run_id: &str,
        offset: i64,
        limit: i64,
    ) -> Result<Page<RowError>> {
        let total: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM import_errors WHERE run_id = ?")
            .bind(run_id)
            .fetch_one(&self.pool)
            .await?;
        let items: Vec<RowError> = sqlx::query_as(&format!(
            "SELECT line, field, value, message FROM import_errors WHERE run_id = ?
             ORDER BY line, {INSERTION_ORDER} LIMIT ? OFFSET ?"
        ))
        .bind(run_id)
        .bind(limit)
        .bind(offset)
        .fetch_all(&self.pool)
        .await?;
        Ok(Page {
            items,
            total,
            offset,
            limit,
        })
    }
}

/// The candidates a queue row names, in login order; a user deleted
/// meanwhile is left out.
fn candidates_by_login(
    ids: Vec<String>,
    labels: &HashMap<String, super::rules::UserLabel>,
) -> Vec<UserRef> {
    let mut users: Vec<UserRef> = ids
        .into_iter()
        .filter_map(|id| {
            let login = labels.get(&id)?.login.clone();
            Some(UserRef { id, login })
        })
        .collect();
    users.sort_by(|a, b| a.login.cmp(&b.login));
    users
}

/// The next queue rows to confirm, after `after_seq`, with their attributes,
/// read on the caller's connection (inside its transaction). A `Rows`
/// selection is taken in ascending order.
pub(crate) async fn pending_rows(
    conn: &mut SqliteConnection,
    app_id: &str,
    selection: &Selection,
    after_seq: i64,
    limit: usize,
) -> Result<Vec<PendingRow>> {
    let mut qb: QueryBuilder<Sqlite> = QueryBuilder::new(
        "SELECT q.seq, q.external_id, q.match_type, q.matched_user_id, q.action, q.action_user_id,
            CASE WHEN length(q.profile) > 2 THEN q.profile
                 ELSE (SELECT au.attributes FROM app_users au WHERE au.app_id = q.app_id AND au.external_id = q.external_id)
            END AS profile
         FROM import_queue q
         WHERE q.app_id = ",
    );
    qb.push_bind(app_id)
        .push(" AND q.seq > ")
        .push_bind(after_seq);
    if let Selection::AllOfType(match_type) = selection {
        qb.push(" AND q.match_type = ")
            .push_bind(match_type.as_str());
    }
    if let Selection::Rows(seqs) = selection {
        qb.push(" AND q.seq IN (");
        let mut sep = qb.separated(", ");
        let mut seqs: Vec<i64> = seqs.iter().copied().filter(|&s| s > after_seq).collect();
        seqs.sort_unstable();
        seqs.dedup();
        for s in seqs.into_iter().take(limit) {
            sep.push_bind(s);
        }
        sep.push_unseparated(")");
    }
    qb.push(" ORDER BY q.seq LIMIT ").push_bind(limit as i64);
    let rows = qb.build().fetch_all(&mut *conn).await?;
    rows.iter()
        .map(|r| {
            Ok(PendingRow {
                seq: r.get("seq"),
                external_id: r.get("external_id"),
                match_type: r.try_get("match_type")?,
                matched_user_id: r.get("matched_user_id"),
                profile: r.get::<Option<String>, _>("profile").unwrap_or_default(),
                action: r.try_get("action")?,
                action_user_id: r.get("action_user_id"),
            })
        })
        .collect()
}

/// Inserts new app users and updates changed ones; those in `links` are
/// linked to their user at the same time.
pub(crate) async fn stage_app_users(
    conn: &mut SqliteConnection,
    app_id: &str,
    run_id: &str,
    rows: &[StagedRow],
    links: &HashMap<&str, &str>,
) -> Result<()> {
    for chunk in rows.chunks(ROWS_PER_STATEMENT) {
        let mut qb: QueryBuilder<Sqlite> = QueryBuilder::new(
            "INSERT INTO app_users (app_id, external_id, attributes, content_hash, active, last_run_id, user_id) ",
        );
        qb.push_values(chunk, |mut b, r| {
            b.push_bind(app_id)
                .push_bind(&r.external_id)
                .push_bind(&r.attributes)
                .push_bind(r.content_hash)
                .push_bind(r.active)
                .push_bind(run_id)
                .push_bind(links.get(r.external_id.as_str()).copied());
        });
        qb.push(
            " ON CONFLICT (app_id, external_id) DO UPDATE SET attributes = excluded.attributes,
              content_hash = excluded.content_hash, active = excluded.active, last_run_id = excluded.last_run_id,
              user_id = COALESCE(excluded.user_id, app_users.user_id)",
        );
        qb.build().execute(&mut *conn).await?;
    }
    Ok(())
}

/// Deletes the queue rows of these accounts of an app.
pub(crate) async fn delete_queued_accounts(
    conn: &mut SqliteConnection,
    app_id: &str,
    external_ids: &[&str],
) -> Result<()> {
    let scope = ("app_id", app_id);
    super::rules::delete_listed(conn, "import_queue", scope, "external_id", external_ids).await
}

/// Writes queue rows, replacing an app user's earlier row.
pub(crate) async fn upsert_queue(
    conn: &mut SqliteConnection,
    app_id: &str,
    run_id: &str,
    rows: &[&QueueEntry],
) -> Result<()> {
    for chunk in rows.chunks(ROWS_PER_STATEMENT) {
        let mut qb: QueryBuilder<Sqlite> = QueryBuilder::new(
            "INSERT INTO import_queue (app_id, external_id, run_id, match_type, matched_user_id, candidates,
             login, email, first_name, last_name, candidate_ids, profile) ",
        );
        qb.push_values(chunk, |mut b, r| {
            b.push_bind(app_id)
                .push_bind(&r.external_id)
                .push_bind(run_id)
                .push_bind(r.match_type.as_str())
                .push_bind(&r.matched_user_id)
                .push_bind(r.candidates)
                .push_bind(&r.login)
                .push_bind(&r.email)
                .push_bind(&r.first_name)
                .push_bind(&r.last_name)
                .push_bind(&r.candidate_ids)
                .push_bind(&r.profile);
        });
        qb.push(
            " ON CONFLICT (app_id, external_id) DO UPDATE SET run_id = excluded.run_id,
              match_type = excluded.match_type, matched_user_id = excluded.matched_user_id,
              candidates = excluded.candidates, login = excluded.login, email = excluded.email,
              first_name = excluded.first_name, last_name = excluded.last_name,
              candidate_ids = excluded.candidate_ids, profile = excluded.profile, action = NULL, action_user_id = NULL",
        );
        qb.build().execute(&mut *conn).await?;
    }
    Ok(())
}

pub(crate) async fn insert_row_errors(
    conn: &mut SqliteConnection,
    run_id: &str,
    errors: &[RowError],
) -> Result<()> {
    for chunk in errors.chunks(ROWS_PER_STATEMENT) {
        let mut qb: QueryBuilder<Sqlite> =
            QueryBuilder::new("INSERT INTO import_errors (run_id, line, field, value, message) ");
        qb.push_values(chunk, |mut b, e| {
            b.push_bind(run_id)
                .push_bind(e.line)
                .push_bind(&e.field)
                .push_bind(&e.value)
                .push_bind(&e.message);
        });
        qb.build().execute(&mut *conn).await?;
    }
    Ok(())
}

pub(crate) async fn update_run_counts(
    conn: &mut SqliteConnection,
    run_id: &str,
    c: &RunCounts,
) -> Result<()> {
    sqlx::query(
        "UPDATE import_runs SET scanned = ?, new_count = ?, updated = ?, unchanged = ?, matched = ?,
         conflicts = ?, errors = ?, partial = ?, unmatched = ?, reactivated = ? WHERE id = ?",
    )
    .bind(c.scanned)
    .bind(c.new)
    .bind(c.updated)
    .bind(c.unchanged)
    .bind(c.matched)
    .bind(c.conflicts)
    .bind(c.errors)
    .bind(c.partial)
    .bind(c.unmatched)
    .bind(c.reactivated)
    .bind(run_id)
    .execute(&mut *conn)
    .await?;
    Ok(())
}

/// Adds people removed (or, for a preview, to be removed) to a run's
/// counts: `(deactivated, suspended, unassigned)`.
pub(crate) async fn add_removal_counts(
    conn: &mut SqliteConnection,
    run_id: &str,
    (deactivated, suspended, unassigned): (i64, i64, i64),
) -> Result<()> {
    sqlx::query(
        "UPDATE import_runs SET deactivated = deactivated + ?, suspended = suspended + ?,
         unassigned = unassigned + ? WHERE id = ?",
    )
    .bind(deactivated)
    .bind(suspended)
    .bind(unassigned)
    .bind(run_id)
    .execute(&mut *conn)
    .await?;
    Ok(())
}

pub(crate) async fn finish_run(
    conn: &mut SqliteConnection,
    run_id: &str,
    status: RunStatus,
    message: Option<&str>,
    now: super::Timestamp,
) -> Result<()> {
    sqlx::query("UPDATE import_runs SET status = ?, message = ?, finished = ? WHERE id = ?")
        .bind(status.as_str())
        .bind(message)
        .bind(super::stamp(now))
        .bind(run_id)
        .execute(&mut *conn)
        .await?;
    Ok(())
}

/// Moves a paused run on (to RESUMING or COMPLETED) and drops its
/// roadblock, in one statement: false when it was not paused, so of two
/// decisions on one paused run only the first wins.
pub(crate) async fn leave_paused(
    conn: &mut SqliteConnection,
    run_id: &str,
    to: RunStatus,
) -> Result<bool> {
    let done = sqlx::query(
        "UPDATE import_runs SET status = ?, plan = NULL WHERE id = ? AND status = 'PAUSED'",
    )
    .bind(to.as_str())
    .bind(run_id)
    .execute(&mut *conn)
    .await?;
    Ok(done.rows_affected() == 1)
}

/// Records the import a run really did (an incremental import with nothing
/// to continue from runs in full).
pub(crate) async fn set_run_import_type(
    conn: &mut SqliteConnection,
    run_id: &str,
    import_type: ImportType,
) -> Result<()> {
    sqlx::query("UPDATE import_runs SET import_type = ? WHERE id = ?")
        .bind(import_type.as_str())
        .bind(run_id)
        .execute(&mut *conn)
        .await?;
    Ok(())
}

/// Records what a run did to its source's groups.
pub(crate) async fn set_group_counts(
    conn: &mut SqliteConnection,
    run_id: &str,
    counts: &crate::model::GroupCounts,
) -> Result<()> {
    sqlx::query("UPDATE import_runs SET group_counts = ? WHERE id = ?")
        .bind(serde_json::to_string(counts).unwrap_or_default())
        .bind(run_id)
        .execute(&mut *conn)
        .await?;
    Ok(())
}

/// Links app users to users: `(external_id, user_id)`.
pub(crate) async fn link_app_users(
    conn: &mut SqliteConnection,
    app_id: &str,
    links: &[(&str, &str)],
) -> Result<()> {
    for chunk in links.chunks(ROWS_PER_STATEMENT) {
        let mut qb: QueryBuilder<Sqlite> = QueryBuilder::new("WITH v(external_id, user_id) AS (");
        qb.push_values(chunk, |mut b, (ext, user)| {
            b.push_bind(*ext).push_bind(*user);
        });
        qb.push(") UPDATE app_users SET user_id = v.user_id FROM v WHERE app_users.app_id = ")
            .push_bind(app_id)
            .push(" AND app_users.external_id = v.external_id");
        qb.build().execute(&mut *conn).await?;
    }
    Ok(())
}

pub(crate) async fn insert_assignments(
    conn: &mut SqliteConnection,
    app_id: &str,
    user_ids: &[&str],
    now: super::Timestamp,
) -> Result<()> {
    for chunk in user_ids.chunks(ROWS_PER_STATEMENT) {
        let mut qb: QueryBuilder<Sqlite> =
            QueryBuilder::new("INSERT INTO app_assignments (app_id, user_id, created) ");
        qb.push_values(chunk, |mut b, u| {
            b.push_bind(app_id)
                .push_bind(*u)
                .push_bind(super::stamp(now));
        });
        qb.push(" ON CONFLICT (app_id, user_id) DO NOTHING");
        qb.build().execute(&mut *conn).await?;
    }
    Ok(())
}

/// Deletes these rows of an app's queue; returns how many there were.
pub(crate) async fn delete_queue_rows(
    conn: &mut SqliteConnection,
    app_id: &str,
    seqs: &[i64],
) -> Result<i64> {
    let mut deleted = 0;
    for chunk in seqs.chunks(ROWS_PER_STATEMENT) {
        let mut qb: QueryBuilder<Sqlite> =
            QueryBuilder::new("DELETE FROM import_queue WHERE app_id = ");
        qb.push_bind(app_id).push(" AND seq IN (");
        let mut sep = qb.separated(", ");
        for s in chunk {
            sep.push_bind(*s);
        }
        sep.push_unseparated(")");
        deleted += qb.build().execute(&mut *conn).await?.rows_affected();
    }
    Ok(deleted as i64)
}

/// True while an import of the app runs or waits to run.
pub(crate) async fn app_import_active(conn: &mut SqliteConnection, app_id: &str) -> Result<bool> {
    let n: i64 = sqlx::query_scalar(&format!(
        "SELECT COUNT(*) FROM import_runs WHERE app_id = ? AND status IN ({HOLDS_OR_WAITS})"
    ))
    .bind(app_id)
    .fetch_one(&mut *conn)
    .await?;
    Ok(n > 0)
}

/// Deletes the chosen queue rows of an app; returns how many went.
pub(crate) async fn clear_queue(
    conn: &mut SqliteConnection,
    app_id: &str,
    selection: &Selection,
) -> Result<i64> {
    let deleted = match selection {
        Selection::All => sqlx::query("DELETE FROM import_queue WHERE app_id = ?")
            .bind(app_id)
            .execute(&mut *conn)
            .await?
            .rows_affected(),
        Selection::AllOfType(mt) => {
            sqlx::query("DELETE FROM import_queue WHERE app_id = ? AND match_type = ?")
                .bind(app_id)
                .bind(mt.as_str())
                .execute(&mut *conn)
                .await?
                .rows_affected()
        }
        Selection::Rows(seqs) => return delete_queue_rows(conn, app_id, seqs).await,
    };
    Ok(deleted as i64)
}

/// What confirming the chosen rows of an app's queue will do, as
/// [`crate::queue`] decides each row: the admin's choice, else what the
/// match type says. A person is linked once: a link to someone who holds an
/// account in the app, or whom an earlier row of the set links to, is refused.
pub(crate) async fn queue_tally(
    conn: &mut SqliteConnection,
    app_id: &str,
    selection: &Selection,
) -> Result<QueueTally> {
    let mut qb: QueryBuilder<Sqlite> = QueryBuilder::new(
        "WITH chosen AS (
            SELECT q.action, q.match_type,
                CASE WHEN q.action = 'LINK' THEN COALESCE(q.action_user_id, q.matched_user_id)
                     WHEN q.action IS NULL AND q.match_type IN ('EXACT', 'PARTIAL') THEN q.matched_user_id
                END AS link_to
            FROM import_queue q WHERE q.app_id = ",
    );
    qb.push_bind(app_id);
    match selection {
        Selection::All => {}
        Selection::AllOfType(match_type) => {
            qb.push(" AND q.match_type = ")
                .push_bind(match_type.as_str());
        }
        Selection::Rows(seqs) => {
            qb.push(" AND q.seq IN (");
            super::sqlite::push_numbers(&mut qb, seqs);
            qb.push(")");
        }
    }
    qb.push(
        "), free AS (
            SELECT c.link_to FROM chosen c WHERE c.link_to IS NOT NULL
              AND NOT EXISTS (SELECT 1 FROM app_users au WHERE au.app_id = ",
    )
    .push_bind(app_id)
    .push(
        " AND au.user_id = c.link_to))
        SELECT COUNT(*) AS total,
            COALESCE(SUM(CASE WHEN action = 'CREATE' OR (action IS NULL AND match_type = 'NEW') THEN 1 ELSE 0 END), 0) AS creates,
            COALESCE(SUM(CASE WHEN action = 'IGNORE' THEN 1 ELSE 0 END), 0) AS ignores,
            COALESCE(SUM(CASE WHEN link_to IS NOT NULL THEN 1 ELSE 0 END), 0) AS links,
            (SELECT COUNT(DISTINCT link_to) FROM free) AS linked
         FROM chosen",
    );
    let r = qb.build().fetch_one(&mut *conn).await?;
    let (total, create, ignore, links, link): (i64, i64, i64, i64, i64) = (
        r.get("total"),
        r.get("creates"),
        r.get("ignores"),
        r.get("links"),
        r.get("linked"),
    );
    Ok(QueueTally {
        total,
        create,
        link,
        ignore,
        undecided: total - create - ignore - links,
        refused: links - link,
    })
}

/// The login of a row of an app's queue.
pub(crate) async fn queue_row_login(
    conn: &mut SqliteConnection,
    app_id: &str,
    seq: i64,
) -> Result<Option<String>> {
    Ok(
        sqlx::query_scalar("SELECT login FROM import_queue WHERE app_id = ? AND seq = ?")
            .bind(app_id)
            .bind(seq)
            .fetch_optional(&mut *conn)
            .await?,
    )
}

/// Sets a queue row's decision; returns its app user's external id.
pub(crate) async fn set_queue_action(
    conn: &mut SqliteConnection,
    app_id: &str,
    seq: i64,
    action: Option<QueueChoice>,
    user_id: Option<&str>,
) -> Result<Option<String>> {
    Ok(sqlx::query_scalar(
        "UPDATE import_queue SET action = ?, action_user_id = ? WHERE app_id = ? AND seq = ? RETURNING external_id",
    )
    .bind(action)
    .bind(user_id)
    .bind(app_id)
    .bind(seq)
    .fetch_optional(&mut *conn)
    .await?)
}

/// Turns a queue row whose new user's login was taken meanwhile into an exact
/// match of the user who has it.
pub(crate) async fn rematch_queue_row(
    conn: &mut SqliteConnection,
    seq: i64,
    user_id: &str,
) -> Result<()> {
    sqlx::query("UPDATE import_queue SET match_type = 'EXACT', matched_user_id = ?, candidates = 1 WHERE seq = ?")
        .bind(user_id)
        .bind(seq)
        .execute(&mut *conn)
        .await?;
    Ok(())
}

impl Store {
    /// Runs by status, rows scanned by all runs, and queued rows.
    pub async fn operating_counts(&self) -> Result<(Vec<(String, i64)>, i64, i64)> {
        let runs: Vec<(String, i64)> = sqlx::query_as(
            "SELECT status, COUNT(*) FROM import_runs GROUP BY status ORDER BY status",
        )
        .fetch_all(&self.pool)
        .await?;
        let scanned: i64 = sqlx::query_scalar("SELECT COALESCE(SUM(scanned), 0) FROM import_runs")
            .fetch_one(&self.pool)
            .await?;
        let queued: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM import_queue")
            .fetch_one(&self.pool)
            .await?;
        Ok((runs, scanned, queued))
    }
}

/// Queues a run, on a connection or in a transaction.
pub(crate) async fn insert_run(
    conn: &mut sqlx::SqliteConnection,
    run: &ImportRun,
    requested_by: Option<&str>,
) -> Result<()> {
    sqlx::query(
            "INSERT INTO import_runs (id, app_id, import_type, trigger, status, upload_id, requested_by, created, total, preview)
             VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
        )
        .bind(&run.id)
        .bind(&run.app_id)
        .bind(run.import_type.as_str())
        .bind(run.trigger)
        .bind(run.status.as_str())
        .bind(&run.upload_id)
        .bind(requested_by)
        .bind(super::stamp(run.created))
        .bind(run.total)
        .bind(run.preview)
        .execute(&mut *conn)
        .await?;
    Ok(())
}
