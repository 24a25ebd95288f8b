-- How many times each section of an app's To Muster settings has been saved
-- with a change, as JSON ({"general": 3, "matching": 1, ...}): an editor
-- sends back the version it started from, and a save from an older one is
-- refused instead of undoing someone else's change.
ALTER TABLE apps ADD COLUMN settings_versions TEXT NOT NULL DEFAULT '{}';
