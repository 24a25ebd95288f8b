-- API tokens (Security → API). A token acts as the admin who created it,
-- with their rights. Only a hash of its value is kept: the value is shown
-- once, when it is created. A revoked token is deleted (the System Log keeps
-- its story).
CREATE TABLE api_tokens (
    id        TEXT PRIMARY KEY,
    name      TEXT NOT NULL,
    hash      TEXT NOT NULL UNIQUE,
    admin_id  TEXT NOT NULL REFERENCES admins(id) ON DELETE CASCADE,
    created   TEXT NOT NULL,
    last_used TEXT
);
