-- 0012: shared links, secret read-only links to a site's dashboard
-- (/share/<slug>), optionally behind a password (an argon2id PHC string;
-- '' for none). The PostgreSQL backend mirrors this file under the same
-- number; keep the two in step.
--
-- UNIQUE (site_id, name) also serves "links of a site" and the cascade
-- from sites.
CREATE TABLE shared_links (
    id            INTEGER PRIMARY KEY AUTOINCREMENT,
    site_id       INTEGER NOT NULL REFERENCES sites (id) ON DELETE CASCADE,
    slug          TEXT    NOT NULL UNIQUE,
    name          TEXT    NOT NULL,
    password_hash TEXT    NOT NULL DEFAULT '',
    created_at    INTEGER NOT NULL,
    UNIQUE (site_id, name)
) STRICT;
