-- The queue is read per app in seq order (confirming in batches, paging the
-- console's list). Without this index SQLite picks UNIQUE (app_id, external_id)
-- and sorts every row of the app's queue for each batch: quadratic in the
-- size of the import.
CREATE INDEX import_queue_app_seq ON import_queue(app_id, seq);
