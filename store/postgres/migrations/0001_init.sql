-- 0001: the first app-data tables, the PostgreSQL twin of
-- store/sqlite/migrations/0001_init.sql; keep the two in step (names,
-- columns, meaning).
--
-- Timestamps are BIGINT UTC unix milliseconds, as in SQLite, so both
-- backends store and return the same values. Emails and domains are stored
-- lower case (the Go code folds them), so plain UNIQUE constraints and
-- equality lookups are case-insensitive in effect.
--
-- Identity columns draw from sequences, which never hand out a number
-- twice: a deleted site's id is not reused while its events remain.

CREATE TABLE users (
    id            BIGINT  GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    email         TEXT    NOT NULL UNIQUE,
    password_hash TEXT    NOT NULL DEFAULT '',
    admin         BOOLEAN NOT NULL DEFAULT false,
    created_at    BIGINT  NOT NULL
);

CREATE TABLE sites (
    id         BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    domain     TEXT   NOT NULL UNIQUE,
    timezone   TEXT   NOT NULL DEFAULT '',
    owner_id   BIGINT REFERENCES users (id) ON DELETE SET NULL,
    created_at BIGINT NOT NULL
);

-- Serves "sites of a user" and keeps ON DELETE SET NULL from scanning sites.
CREATE INDEX sites_owner_id ON sites (owner_id);

CREATE TABLE api_keys (
    id           BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    user_id      BIGINT NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    name         TEXT   NOT NULL DEFAULT '',
    prefix       TEXT   NOT NULL DEFAULT '',
    hash         BYTEA  NOT NULL UNIQUE,
    created_at   BIGINT NOT NULL,
    last_used_at BIGINT
);

-- ListAPIKeys and the cascade from users both look keys up by user.
CREATE INDEX api_keys_user_id ON api_keys (user_id);

CREATE TABLE salts (
    day        TEXT   COLLATE "C" PRIMARY KEY, -- YYYY-MM-DD, UTC; byte order is date order
    value      BYTEA  NOT NULL,
    created_at BIGINT NOT NULL
);
