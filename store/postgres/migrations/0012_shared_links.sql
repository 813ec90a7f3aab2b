-- 0012: shared links, the PostgreSQL twin of
-- store/sqlite/migrations/0012_shared_links.sql; keep the two in step.
--
-- Secret read-only links to a site's dashboard (/share/<slug>),
-- optionally behind a password (an argon2id PHC string; '' for none).
-- UNIQUE (site_id, name) also serves "links of a site" and the cascade
-- from sites.
CREATE TABLE shared_links (
    id            BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    site_id       BIGINT NOT NULL REFERENCES sites (id) ON DELETE CASCADE,
    slug          TEXT   NOT NULL UNIQUE,
    name          TEXT   NOT NULL,
    password_hash TEXT   NOT NULL DEFAULT '',
    created_at    BIGINT NOT NULL,
    UNIQUE (site_id, name)
);
