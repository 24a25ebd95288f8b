-- Groups a source imports (LDAP groupOfNames, groupOfUniqueNames,
-- posixGroup, Active Directory group) and their members. A member is an
-- account of the group's app: it counts for the person the account is
-- linked to, from the moment it is linked.
CREATE TABLE groups (
    id           TEXT PRIMARY KEY,
    app_id       TEXT NOT NULL REFERENCES apps(id) ON DELETE CASCADE,
    external_id  TEXT NOT NULL,
    name         TEXT NOT NULL,
    description  TEXT NOT NULL DEFAULT '',
    dn           TEXT NOT NULL DEFAULT '',
    created      TEXT NOT NULL,
    last_updated TEXT NOT NULL,
    last_run_id  TEXT,
    UNIQUE (app_id, external_id)
);
CREATE INDEX groups_name ON groups(lower(name));

CREATE TABLE group_members (
    group_id    TEXT NOT NULL REFERENCES groups(id) ON DELETE CASCADE,
    app_id      TEXT NOT NULL,
    external_id TEXT NOT NULL,
    PRIMARY KEY (group_id, external_id)
) WITHOUT ROWID;
CREATE INDEX group_members_account ON group_members(app_id, external_id);

-- What an import did to groups (GroupCounts as JSON), for sources with groups.
ALTER TABLE import_runs ADD COLUMN group_counts TEXT;
