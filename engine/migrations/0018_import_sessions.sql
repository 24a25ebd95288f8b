-- Bulk import sessions of Custom Identity Source apps: automation opens a
-- session, uploads users, groups and memberships to it in requests, then
-- starts the import, which reads what was staged here as one incremental
-- import of the app. The staged records are kept in the database, so a
-- session survives a restart; a cancelled session's records are dropped,
-- and a finished import's records with it.
--
-- `status` is CREATED, IN_PROGRESS, TRIGGERED, CLOSED or EXPIRED as stored;
-- a TRIGGERED session reads COMPLETED or ERROR from its run once the run
-- ends.
CREATE TABLE import_sessions (
    id           TEXT PRIMARY KEY,
    app_id       TEXT NOT NULL REFERENCES apps(id) ON DELETE CASCADE,
    status       TEXT NOT NULL,
    created      TEXT NOT NULL,
    last_updated TEXT NOT NULL,
    requests     INTEGER NOT NULL DEFAULT 0,
    created_by   TEXT,
    run_id       TEXT REFERENCES import_runs(id) ON DELETE SET NULL
);
CREATE INDEX import_sessions_app ON import_sessions(app_id, created);
CREATE INDEX import_sessions_run ON import_sessions(run_id);

-- One row per user named in the session, the last request's word kept:
-- a profile to create or update, or (deleted = 1) an account to deactivate.
CREATE TABLE session_users (
    session_id  TEXT NOT NULL REFERENCES import_sessions(id) ON DELETE CASCADE,
    external_id TEXT NOT NULL,
    seq         INTEGER NOT NULL,
    deleted     INTEGER NOT NULL DEFAULT 0,
    profile     TEXT,
    PRIMARY KEY (session_id, external_id)
) WITHOUT ROWID;
CREATE UNIQUE INDEX session_users_order ON session_users(session_id, seq);

CREATE TABLE session_groups (
    session_id   TEXT NOT NULL REFERENCES import_sessions(id) ON DELETE CASCADE,
    external_id  TEXT NOT NULL,
    seq          INTEGER NOT NULL,
    deleted      INTEGER NOT NULL DEFAULT 0,
    display_name TEXT,
    description  TEXT,
    PRIMARY KEY (session_id, external_id)
) WITHOUT ROWID;

CREATE TABLE session_memberships (
    session_id         TEXT NOT NULL REFERENCES import_sessions(id) ON DELETE CASCADE,
    group_external_id  TEXT NOT NULL,
    member_external_id TEXT NOT NULL,
    seq                INTEGER NOT NULL,
    deleted            INTEGER NOT NULL DEFAULT 0,
    PRIMARY KEY (session_id, group_external_id, member_external_id)
) WITHOUT ROWID;
