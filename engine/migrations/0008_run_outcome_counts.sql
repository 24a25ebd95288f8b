-- What a run did besides reading rows: partial matches queued apart from
-- exact ones, accounts queued with no match, people reactivated, and people removed (by action). Runs
-- before this migration counted partial matches as matched.
ALTER TABLE import_runs ADD COLUMN partial INTEGER NOT NULL DEFAULT 0;
ALTER TABLE import_runs ADD COLUMN unmatched INTEGER NOT NULL DEFAULT 0;
ALTER TABLE import_runs ADD COLUMN reactivated INTEGER NOT NULL DEFAULT 0;
ALTER TABLE import_runs ADD COLUMN deactivated INTEGER NOT NULL DEFAULT 0;
ALTER TABLE import_runs ADD COLUMN suspended INTEGER NOT NULL DEFAULT 0;
ALTER TABLE import_runs ADD COLUMN unassigned INTEGER NOT NULL DEFAULT 0;
