-- Every line of a preview's plan (the plan JSON lists the first ones of
-- each part), so the whole plan can be searched and downloaded.
CREATE TABLE import_plan_lines (
    seq         INTEGER PRIMARY KEY,
    run_id      TEXT NOT NULL REFERENCES import_runs(id) ON DELETE CASCADE,
    part        TEXT NOT NULL,
    part_rank   INTEGER NOT NULL,
    external_id TEXT NOT NULL,
    login       TEXT NOT NULL,
    what        TEXT NOT NULL
);
CREATE INDEX import_plan_lines_run ON import_plan_lines(run_id, part_rank, seq);
