-- 0004: sign-in sessions of the dashboard, the PostgreSQL twin of
-- store/sqlite/migrations/0004_sessions.sql; keep the two in step.
--
-- The cookie holds a random token; only its SHA-256 is stored, so a copy
-- of this database signs no one in. expires_at is the idle expiry, moved
-- forward on use by the application (never past its absolute limit); the
-- hourly sweep deletes rows whose expires_at has passed, hence its index.

CREATE TABLE sessions (
    id           BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    user_id      BIGINT NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    token_hash   BYTEA  NOT NULL UNIQUE,
    csrf_token   TEXT   NOT NULL,
    user_agent   TEXT   NOT NULL DEFAULT '',
    created_at   BIGINT NOT NULL,
    last_seen_at BIGINT NOT NULL,
    expires_at   BIGINT NOT NULL
);

-- ListSessions, sign-out everywhere and the cascade from users.
CREATE INDEX sessions_user_id ON sessions (user_id);
CREATE INDEX sessions_expires_at ON sessions (expires_at);
