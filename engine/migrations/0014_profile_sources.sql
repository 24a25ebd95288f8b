-- Profile sources in priority order (Profile Sources page): 1 is the
-- highest; apps never ranked follow, oldest first.
ALTER TABLE apps ADD COLUMN source_priority INTEGER;
