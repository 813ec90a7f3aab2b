-- 0003: goals and funnels of a site. The PostgreSQL backend mirrors this
-- file under the same number; keep the two in step.
--
-- A goal is a custom event name or a page path pattern, exactly one of
-- them set (the other ''). A funnel's steps are a JSON array of goals in
-- order, as encoding/json writes store.Goal: they are only ever read and
-- written whole, and a table per step would buy nothing.
--
-- UNIQUE (site_id, name) also serves "goals of a site" and the cascade
-- from sites.

CREATE TABLE goals (
    id         INTEGER PRIMARY KEY AUTOINCREMENT,
    site_id    INTEGER NOT NULL REFERENCES sites (id) ON DELETE CASCADE,
    name       TEXT    NOT NULL,
    event_name TEXT    NOT NULL DEFAULT '',
    page_path  TEXT    NOT NULL DEFAULT '',
    created_at INTEGER NOT NULL,
    UNIQUE (site_id, name),
    CHECK ((event_name = '') <> (page_path = ''))
) STRICT;

CREATE TABLE funnels (
    id         INTEGER PRIMARY KEY AUTOINCREMENT,
    site_id    INTEGER NOT NULL REFERENCES sites (id) ON DELETE CASCADE,
    name       TEXT    NOT NULL,
    steps      TEXT    NOT NULL, -- JSON array of store.Goal
    created_at INTEGER NOT NULL,
    UNIQUE (site_id, name)
) STRICT;
