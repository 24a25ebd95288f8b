-- A session has a public id (to list and end it without its token), the
-- last time it was used (for the idle timeout) and where it was opened.

ALTER TABLE admin_sessions ADD COLUMN id TEXT;
ALTER TABLE admin_sessions ADD COLUMN last_seen TEXT;
ALTER TABLE admin_sessions ADD COLUMN ip_address TEXT;
ALTER TABLE admin_sessions ADD COLUMN user_agent TEXT;

UPDATE admin_sessions SET id = 'ses' || substr(token_hash, 1, 17), last_seen = created;

CREATE UNIQUE INDEX admin_sessions_id ON admin_sessions (id);
CREATE INDEX admin_sessions_admin ON admin_sessions (admin_id);
