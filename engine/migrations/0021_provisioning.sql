-- Provisioning To App: the groups assigned to an app, the accounts Muster
-- manages in each app for the people assigned to it, and the outbox of
-- changes to push there.

-- A group assigned to an app: its members (the people linked to its member
-- accounts) are assigned to the app, now and as the membership changes.
CREATE TABLE app_group_assignments (
    app_id   TEXT NOT NULL REFERENCES apps(id) ON DELETE CASCADE,
    group_id TEXT NOT NULL REFERENCES groups(id) ON DELETE CASCADE,
    created  TEXT NOT NULL,
    PRIMARY KEY (app_id, group_id)
) WITHOUT ROWID;
CREATE INDEX app_group_assignments_group ON app_group_assignments(group_id);

-- The account a person has in an app Muster provisions to: its id there,
-- whether it is active there, and a hash of what was last pushed (so an
-- unchanged profile is not sent again).
CREATE TABLE pushed_accounts (
    app_id      TEXT NOT NULL REFERENCES apps(id) ON DELETE CASCADE,
    user_id     TEXT NOT NULL REFERENCES users(id) ON DELETE CASCADE,
    external_id TEXT NOT NULL,
    active      INTEGER NOT NULL,
    pushed_hash INTEGER NOT NULL,
    updated     TEXT NOT NULL,
    PRIMARY KEY (app_id, user_id)
) WITHOUT ROWID;
CREATE INDEX pushed_accounts_user ON pushed_accounts(user_id);

-- A person whose account in an app may need a push: written in the same
-- transaction as the change (by the triggers below), so none is lost. The
-- pusher reads the person as they are then, so several rows for one
-- account are sent as one.
CREATE TABLE push_outbox (
    seq          INTEGER PRIMARY KEY AUTOINCREMENT,
    app_id       TEXT NOT NULL REFERENCES apps(id) ON DELETE CASCADE,
    user_id      TEXT NOT NULL,
    created      TEXT NOT NULL,
    -- 'PENDING', or 'FAILED' once a push failed for good (listed on the app
    -- with Retry and Dismiss).
    state        TEXT NOT NULL DEFAULT 'PENDING',
    attempts     INTEGER NOT NULL DEFAULT 0,
    next_attempt TEXT NOT NULL DEFAULT '',
    error        TEXT
);
CREATE INDEX push_outbox_due ON push_outbox(state, next_attempt, seq);
CREATE INDEX push_outbox_account ON push_outbox(app_id, user_id);

-- What can change what a person's account in a SCIM app should be.
-- Assigned or unassigned directly:
CREATE TRIGGER push_on_assign AFTER INSERT ON app_assignments
WHEN EXISTS (SELECT 1 FROM apps WHERE id = NEW.app_id AND kind = 'SCIM_APP')
BEGIN
    INSERT INTO push_outbox (app_id, user_id, created)
    VALUES (NEW.app_id, NEW.user_id, strftime('%Y-%m-%dT%H:%M:%fZ', 'now'));
END;
CREATE TRIGGER push_on_unassign AFTER DELETE ON app_assignments
WHEN EXISTS (SELECT 1 FROM apps WHERE id = OLD.app_id AND kind = 'SCIM_APP')
BEGIN
    INSERT INTO push_outbox (app_id, user_id, created)
    VALUES (OLD.app_id, OLD.user_id, strftime('%Y-%m-%dT%H:%M:%fZ', 'now'));
END;
-- A profile or status change of a person with an account or an assignment
-- in such an app:
CREATE TRIGGER push_on_user_change AFTER UPDATE OF login, email, first_name, last_name, profile, status ON users
WHEN OLD.login IS NOT NEW.login OR OLD.email IS NOT NEW.email OR OLD.first_name IS NOT NEW.first_name
  OR OLD.last_name IS NOT NEW.last_name OR OLD.profile IS NOT NEW.profile OR OLD.status IS NOT NEW.status
BEGIN
    INSERT INTO push_outbox (app_id, user_id, created)
    SELECT app_id, NEW.id, strftime('%Y-%m-%dT%H:%M:%fZ', 'now') FROM pushed_accounts WHERE user_id = NEW.id
    UNION
    SELECT a.app_id, NEW.id, strftime('%Y-%m-%dT%H:%M:%fZ', 'now')
    FROM app_assignments a JOIN apps p ON p.id = a.app_id
    WHERE a.user_id = NEW.id AND p.kind = 'SCIM_APP';
END;
-- A member joining or leaving a group assigned to such an app:
CREATE TRIGGER push_on_member_add AFTER INSERT ON group_members
BEGIN
    INSERT INTO push_outbox (app_id, user_id, created)
    SELECT ga.app_id, au.user_id, strftime('%Y-%m-%dT%H:%M:%fZ', 'now')
    FROM app_group_assignments ga JOIN app_users au ON au.app_id = NEW.app_id AND au.external_id = NEW.external_id
    WHERE ga.group_id = NEW.group_id AND au.user_id IS NOT NULL;
END;
CREATE TRIGGER push_on_member_remove AFTER DELETE ON group_members
BEGIN
    INSERT INTO push_outbox (app_id, user_id, created)
    SELECT ga.app_id, au.user_id, strftime('%Y-%m-%dT%H:%M:%fZ', 'now')
    FROM app_group_assignments ga JOIN app_users au ON au.app_id = OLD.app_id AND au.external_id = OLD.external_id
    WHERE ga.group_id = OLD.group_id AND au.user_id IS NOT NULL;
END;
-- A member account linked to a person (or unlinked):
CREATE TRIGGER push_on_account_link AFTER UPDATE OF user_id ON app_users
WHEN OLD.user_id IS NOT NEW.user_id
BEGIN
    INSERT INTO push_outbox (app_id, user_id, created)
    SELECT ga.app_id, u.user_id, strftime('%Y-%m-%dT%H:%M:%fZ', 'now')
    FROM group_members gm JOIN app_group_assignments ga ON ga.group_id = gm.group_id
    JOIN (SELECT OLD.user_id AS user_id UNION SELECT NEW.user_id) u ON u.user_id IS NOT NULL
    WHERE gm.app_id = NEW.app_id AND gm.external_id = NEW.external_id;
END;
-- A group assigned or unassigned: its members.
CREATE TRIGGER push_on_group_assign AFTER INSERT ON app_group_assignments
BEGIN
    INSERT INTO push_outbox (app_id, user_id, created)
    SELECT NEW.app_id, au.user_id, strftime('%Y-%m-%dT%H:%M:%fZ', 'now')
    FROM group_members gm JOIN app_users au ON au.app_id = gm.app_id AND au.external_id = gm.external_id
    WHERE gm.group_id = NEW.group_id AND au.user_id IS NOT NULL;
END;
CREATE TRIGGER push_on_group_unassign AFTER DELETE ON app_group_assignments
BEGIN
    INSERT INTO push_outbox (app_id, user_id, created)
    SELECT OLD.app_id, au.user_id, strftime('%Y-%m-%dT%H:%M:%fZ', 'now')
    FROM group_members gm JOIN app_users au ON au.app_id = gm.app_id AND au.external_id = gm.external_id
    WHERE gm.group_id = OLD.group_id AND au.user_id IS NOT NULL;
END;
