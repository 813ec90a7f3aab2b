-- 0004: sign-in sessions of the dashboard. The PostgreSQL backend mirrors
-- this file under the same number; keep the two in step.
--
-- The cookie holds a random token; only its SHA-256 is stored, so a copy
-- of this file signs no one in. expires_at is the idle expiry, moved
-- forward on use by the application (never past its absolute limit); the
-- hourly sweep deletes rows whose expires_at has passed, hence its index.

CREATE TABLE sessions (
    id           INTEGER PRIMARY KEY AUTOINCREMENT,
    user_id      INTEGER NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    token_hash   BLOB    NOT NULL UNIQUE,
    csrf_token   TEXT    NOT NULL,
    user_agent   TEXT    NOT NULL DEFAULT '',
    created_at   INTEGER NOT NULL,
    last_seen_at INTEGER NOT NULL,
    expires_at   INTEGER NOT NULL
) STRICT;

-- ListSessions, sign-out everywhere and the cascade from users.
CREATE INDEX sessions_user_id ON sessions (user_id);
CREATE INDEX sessions_expires_at ON sessions (expires_at);
