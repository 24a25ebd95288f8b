-- A finished import's staged records are dropped, but the number of users
-- its session staged is kept on the session, so the Import tab still says
-- how many users each session brought in. NULL while the records are there
-- (they are counted instead).
ALTER TABLE import_sessions ADD COLUMN staged_users INTEGER;
