-- Sources: each app's connection settings (secrets in a column of their own
-- that no read path returns) and the watermark where its next incremental
-- import starts, stored when a run completes.

CREATE TABLE app_connections (
    app_id   TEXT PRIMARY KEY REFERENCES apps(id) ON DELETE CASCADE,
    settings TEXT NOT NULL DEFAULT '{}',
    secrets  TEXT,
    updated  TEXT NOT NULL
);

CREATE TABLE source_watermarks (
    app_id    TEXT PRIMARY KEY REFERENCES apps(id) ON DELETE CASCADE,
    watermark TEXT NOT NULL,
    run_id    TEXT NOT NULL,
    updated   TEXT NOT NULL
);
