-- 0003: goals and funnels of a site, the PostgreSQL twin of
-- store/sqlite/migrations/0003_goals.sql; keep the two in step.
--
-- A goal is a custom event name or a page path pattern, exactly one of
-- them set (the other ''). A funnel's steps are a JSON array of goals in
-- order, kept as TEXT (not JSONB, which would reorder keys) so both
-- backends hold the very bytes encoding/json wrote.
--
-- UNIQUE (site_id, name) also serves "goals of a site" and the cascade
-- from sites.

CREATE TABLE goals (
    id         BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    site_id    BIGINT NOT NULL REFERENCES sites (id) ON DELETE CASCADE,
    name       TEXT   NOT NULL,
    event_name TEXT   NOT NULL DEFAULT '',
    page_path  TEXT   NOT NULL DEFAULT '',
    created_at BIGINT NOT NULL,
    UNIQUE (site_id, name),
    CHECK ((event_name = '') <> (page_path = ''))
);

CREATE TABLE funnels (
    id         BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    site_id    BIGINT NOT NULL REFERENCES sites (id) ON DELETE CASCADE,
    name       TEXT   NOT NULL,
    steps      TEXT   NOT NULL, -- JSON array of store.Goal
    created_at BIGINT NOT NULL,
    UNIQUE (site_id, name)
);
