-- When an upload's file was deleted (kept for a configured time, then
-- deleted); its record stays, so the runs that read it still name it.

ALTER TABLE uploads ADD COLUMN deleted TEXT;
CREATE INDEX uploads_created ON uploads (created) WHERE deleted IS NULL;
