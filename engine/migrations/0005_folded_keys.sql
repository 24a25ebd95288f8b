-- Logins and emails compare case-insensitively for all of Unicode, the same
-- in Rust and in the database: each user keeps its login and email folded
-- (Unicode default case folding, written by the engine), and the login's
-- folded key is unique. Users stored before this migration get their keys
-- when the store opens.

ALTER TABLE users ADD COLUMN login_key TEXT;
ALTER TABLE users ADD COLUMN email_key TEXT;
CREATE UNIQUE INDEX users_login_key ON users(login_key);
CREATE INDEX users_email_key ON users(email_key);
