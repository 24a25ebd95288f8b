-- Indexes every user and every link writes, fewer of them.
--
-- No query looks users up by email in SQL (matching reads its own index of
-- the directory; People search reads search_key).
DROP INDEX IF EXISTS users_email;
DROP INDEX IF EXISTS users_email_key;

-- One index both finds a person's accounts and keeps them to one per app.
DROP INDEX IF EXISTS app_users_one_account_per_app;
DROP INDEX IF EXISTS app_users_user;
CREATE UNIQUE INDEX app_users_user_app ON app_users(user_id, app_id)
    WHERE user_id IS NOT NULL;
