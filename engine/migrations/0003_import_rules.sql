-- The import rules: queue decisions, sourcing state, paused runs with the
-- removals they wait on, previews with their plan, and org settings.

-- The profile the run mapped and validated, so confirming does not redo it.
ALTER TABLE import_queue ADD COLUMN profile TEXT NOT NULL DEFAULT '{}';
-- The admin's decision: NULL (by match type), 'CREATE', 'LINK' or 'IGNORE'.
ALTER TABLE import_queue ADD COLUMN action TEXT;
-- The user a 'LINK' decision links to, when the admin chose one.
ALTER TABLE import_queue ADD COLUMN action_user_id TEXT REFERENCES users(id) ON DELETE SET NULL;
-- Every candidate of a partial match or conflict, as a JSON array of ids.
ALTER TABLE import_queue ADD COLUMN candidate_ids TEXT NOT NULL DEFAULT '[]';

-- An app user the admin chose to ignore stays out of the queue.
ALTER TABLE app_users ADD COLUMN ignored INTEGER NOT NULL DEFAULT 0;

ALTER TABLE import_runs ADD COLUMN preview INTEGER NOT NULL DEFAULT 0;
-- A preview's plan, or a paused run's safeguard report, as JSON.
ALTER TABLE import_runs ADD COLUMN plan TEXT;

-- Users a run will deactivate, suspend or unassign once its safeguards allow.
CREATE TABLE import_removals (
    run_id      TEXT NOT NULL REFERENCES import_runs(id) ON DELETE CASCADE,
    app_id      TEXT NOT NULL REFERENCES apps(id) ON DELETE CASCADE,
    external_id TEXT NOT NULL,
    user_id     TEXT NOT NULL REFERENCES users(id) ON DELETE CASCADE,
    action      TEXT NOT NULL,
    PRIMARY KEY (run_id, external_id)
) WITHOUT ROWID;

CREATE TABLE org_settings (
    key   TEXT PRIMARY KEY,
    value TEXT NOT NULL
);
