-- 0001: the first app-data tables. The PostgreSQL backend mirrors this file
-- under the same number; keep the two in step (names, columns, meaning).
--
-- Timestamps are INTEGER UTC unix milliseconds. Emails and domains are
-- stored lower case (the Go code folds them), so plain UNIQUE constraints
-- and equality lookups are case-insensitive in effect.
--
-- Ids use AUTOINCREMENT so a deleted row's id is never handed out again:
-- events keep a deleted site's id until retention removes them, and a new
-- site must not inherit them (PostgreSQL identity columns behave the same).

CREATE TABLE users (
    id            INTEGER PRIMARY KEY AUTOINCREMENT,
    email         TEXT    NOT NULL UNIQUE,
    password_hash TEXT    NOT NULL DEFAULT '',
    admin         INTEGER NOT NULL DEFAULT 0 CHECK (admin IN (0, 1)),
    created_at    INTEGER NOT NULL
) STRICT;

CREATE TABLE sites (
    id         INTEGER PRIMARY KEY AUTOINCREMENT,
    domain     TEXT    NOT NULL UNIQUE,
    timezone   TEXT    NOT NULL DEFAULT '',
    owner_id   INTEGER REFERENCES users (id) ON DELETE SET NULL,
    created_at INTEGER NOT NULL
) STRICT;

-- Serves "sites of a user" and keeps ON DELETE SET NULL from scanning sites.
CREATE INDEX sites_owner_id ON sites (owner_id);

CREATE TABLE api_keys (
    id           INTEGER PRIMARY KEY AUTOINCREMENT,
    user_id      INTEGER NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    name         TEXT    NOT NULL DEFAULT '',
    prefix       TEXT    NOT NULL DEFAULT '',
    hash         BLOB    NOT NULL UNIQUE,
    created_at   INTEGER NOT NULL,
    last_used_at INTEGER
) STRICT;

-- ListAPIKeys and the cascade from users both look keys up by user.
CREATE INDEX api_keys_user_id ON api_keys (user_id);

CREATE TABLE salts (
    day        TEXT    PRIMARY KEY, -- YYYY-MM-DD, UTC; sorts as text
    value      BLOB    NOT NULL,
    created_at INTEGER NOT NULL
) STRICT;
