-- What many events written together share (the per-person events of an
-- import batch or a confirmation: actor, message, outcome, transaction, the
-- targets after their own first): written once, named by each event's
-- `template`. An event with a template keeps only its own first target and
-- leaves the shared columns NULL; reading it merges the two.
CREATE TABLE event_templates (
    id              INTEGER PRIMARY KEY,
    severity        TEXT NOT NULL,
    display_message TEXT NOT NULL,
    actor           TEXT NOT NULL,
    client          TEXT,
    outcome         TEXT NOT NULL,
    targets         TEXT NOT NULL,
    transaction_id  TEXT,
    debug_data      TEXT
);

CREATE TABLE events_shared (
    seq             INTEGER PRIMARY KEY AUTOINCREMENT,
    uuid            TEXT NOT NULL,
    published       TEXT NOT NULL,
    event_type      TEXT NOT NULL,
    template        INTEGER,
    severity        TEXT,
    display_message TEXT,
    actor           TEXT,
    client          TEXT,
    outcome         TEXT,
    targets         TEXT NOT NULL,
    transaction_id  TEXT,
    debug_data      TEXT
);
INSERT INTO events_shared (seq, uuid, published, event_type, severity, display_message, actor,
                           client, outcome, targets, transaction_id, debug_data)
SELECT seq, uuid, published, event_type, severity, display_message, actor,
       client, outcome, targets, transaction_id, debug_data
FROM events ORDER BY seq;
DROP TABLE events;
ALTER TABLE events_shared RENAME TO events;
CREATE INDEX events_type ON events(event_type, seq);
CREATE INDEX events_published ON events(published);
