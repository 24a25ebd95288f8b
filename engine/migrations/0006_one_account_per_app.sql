-- A person has at most one account per app, as in Okta: two accounts of one
-- app linked to one person would each write their profile into theirs on
-- every import. The queue could link a second account before this rule.
-- Of a person's accounts in one app, the one whose external id is the
-- person's login stays linked (else the first by external id); the others
-- are unlinked, and the app's next full import queues them again for the
-- admin to decide.
UPDATE app_users SET user_id = NULL
WHERE user_id IS NOT NULL AND EXISTS (
    SELECT 1 FROM app_users k JOIN users u ON u.id = k.user_id
    WHERE k.app_id = app_users.app_id AND k.user_id = app_users.user_id
      AND k.external_id <> app_users.external_id
      AND (
          (k.external_id = lower(u.login)) > (app_users.external_id = lower(u.login))
          OR ((k.external_id = lower(u.login)) = (app_users.external_id = lower(u.login))
              AND k.external_id < app_users.external_id)
      )
);

CREATE UNIQUE INDEX app_users_one_account_per_app ON app_users(app_id, user_id)
    WHERE user_id IS NOT NULL;
-- A person's accounts, for the People page and the queue's user search.
CREATE INDEX app_users_user ON app_users(user_id) WHERE user_id IS NOT NULL;
