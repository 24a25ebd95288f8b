-- Muster's first schema: admins, apps, users, import runs and their queue,
-- and the System Log. Timestamps are ISO-8601 UTC strings with milliseconds.

CREATE TABLE admins (
    id            TEXT PRIMARY KEY,
    username      TEXT NOT NULL UNIQUE COLLATE NOCASE,
    password_hash TEXT NOT NULL,
    role          TEXT NOT NULL DEFAULT 'SUPER_ADMIN',
    created       TEXT NOT NULL
);

CREATE TABLE admin_sessions (
    token_hash TEXT PRIMARY KEY,
    admin_id   TEXT NOT NULL REFERENCES admins(id) ON DELETE CASCADE,
    created    TEXT NOT NULL,
    expires    TEXT NOT NULL
);

CREATE TABLE apps (
    id       TEXT PRIMARY KEY,
    name     TEXT NOT NULL,
    kind     TEXT NOT NULL,
    status   TEXT NOT NULL DEFAULT 'ACTIVE',
    settings TEXT NOT NULL DEFAULT '{}',
    created  TEXT NOT NULL
);

CREATE TABLE users (
    id             TEXT PRIMARY KEY,
    status         TEXT NOT NULL,
    login          TEXT NOT NULL COLLATE NOCASE UNIQUE,
    email          TEXT NOT NULL COLLATE NOCASE,
    first_name     TEXT NOT NULL,
    last_name      TEXT NOT NULL,
    profile        TEXT NOT NULL DEFAULT '{}',
    source_app_id  TEXT REFERENCES apps(id),
    created        TEXT NOT NULL,
    activated      TEXT,
    status_changed TEXT,
    last_updated   TEXT NOT NULL
);
CREATE INDEX users_email ON users(email);

-- The account as the source sees it.
CREATE TABLE app_users (
    app_id       TEXT NOT NULL REFERENCES apps(id) ON DELETE CASCADE,
    external_id  TEXT NOT NULL,
    attributes   TEXT NOT NULL,
    content_hash INTEGER NOT NULL,
    active       INTEGER NOT NULL DEFAULT 1,
    user_id      TEXT REFERENCES users(id),
    last_run_id  TEXT,
    PRIMARY KEY (app_id, external_id)
) WITHOUT ROWID;

CREATE TABLE app_assignments (
    app_id  TEXT NOT NULL REFERENCES apps(id) ON DELETE CASCADE,
    user_id TEXT NOT NULL REFERENCES users(id) ON DELETE CASCADE,
    created TEXT NOT NULL,
    PRIMARY KEY (app_id, user_id)
) WITHOUT ROWID;
CREATE INDEX app_assignments_user ON app_assignments(user_id);

-- A CSV file streamed to the data directory, waiting to be imported.
CREATE TABLE uploads (
    id        TEXT PRIMARY KEY,
    app_id    TEXT NOT NULL REFERENCES apps(id) ON DELETE CASCADE,
    file_name TEXT NOT NULL,
    path      TEXT NOT NULL,
    size      INTEGER NOT NULL,
    row_count INTEGER NOT NULL,
    columns   TEXT NOT NULL,
    created   TEXT NOT NULL
);

CREATE TABLE import_runs (
    id           TEXT PRIMARY KEY,
    app_id       TEXT NOT NULL REFERENCES apps(id) ON DELETE CASCADE,
    import_type  TEXT NOT NULL,
    trigger      TEXT NOT NULL,
    status       TEXT NOT NULL,
    upload_id    TEXT REFERENCES uploads(id),
    requested_by TEXT,
    created      TEXT NOT NULL,
    started      TEXT,
    finished     TEXT,
    total        INTEGER,
    scanned      INTEGER NOT NULL DEFAULT 0,
    new_count    INTEGER NOT NULL DEFAULT 0,
    updated      INTEGER NOT NULL DEFAULT 0,
    unchanged    INTEGER NOT NULL DEFAULT 0,
    matched      INTEGER NOT NULL DEFAULT 0,
    conflicts    INTEGER NOT NULL DEFAULT 0,
    errors       INTEGER NOT NULL DEFAULT 0,
    message      TEXT
);
CREATE INDEX import_runs_app ON import_runs(app_id, created);
CREATE INDEX import_runs_status ON import_runs(status, created);

CREATE TABLE import_errors (
    run_id  TEXT NOT NULL REFERENCES import_runs(id) ON DELETE CASCADE,
    line    INTEGER,
    field   TEXT,
    value   TEXT,
    message TEXT NOT NULL
);
CREATE INDEX import_errors_run ON import_errors(run_id, line);

-- Unconfirmed results of imports: one row per app user awaiting a decision.
CREATE TABLE import_queue (
    seq             INTEGER PRIMARY KEY AUTOINCREMENT,
    app_id          TEXT NOT NULL REFERENCES apps(id) ON DELETE CASCADE,
    external_id     TEXT NOT NULL,
    run_id          TEXT NOT NULL,
    match_type      TEXT NOT NULL,
    matched_user_id TEXT REFERENCES users(id),
    candidates      INTEGER NOT NULL DEFAULT 0,
    login           TEXT NOT NULL,
    email           TEXT NOT NULL,
    first_name      TEXT NOT NULL,
    last_name       TEXT NOT NULL,
    UNIQUE (app_id, external_id)
);

-- The System Log. Columns hold what is filtered and sorted on; the rest of the
-- LogEvent is JSON.
CREATE TABLE events (
    seq             INTEGER PRIMARY KEY AUTOINCREMENT,
    uuid            TEXT NOT NULL,
    published       TEXT NOT NULL,
    event_type      TEXT NOT NULL,
    severity        TEXT NOT NULL,
    display_message TEXT NOT NULL,
    actor           TEXT NOT NULL,
    client          TEXT,
    outcome         TEXT NOT NULL,
    targets         TEXT NOT NULL,
    transaction_id  TEXT,
    debug_data      TEXT
);
CREATE INDEX events_type ON events(event_type, seq);
CREATE INDEX events_published ON events(published);
