-- 0011: alerts (rules, channels, incidents, delivery log) and email report
-- subscriptions, with the record of report periods sent. The PostgreSQL
-- backend mirrors this file under the same number; keep the two in step.
--
-- A rule's params and channel list are JSON owned by app/alerts: only ever
-- read and written whole.

CREATE TABLE alert_channels (
    id         INTEGER PRIMARY KEY AUTOINCREMENT,
    site_id    INTEGER NOT NULL REFERENCES sites (id) ON DELETE CASCADE,
    kind       TEXT    NOT NULL,
    name       TEXT    NOT NULL DEFAULT '',
    target     TEXT    NOT NULL,
    secret     TEXT    NOT NULL DEFAULT '',
    created_at INTEGER NOT NULL
) STRICT;
CREATE INDEX alert_channels_site ON alert_channels (site_id);

CREATE TABLE alert_rules (
    id          INTEGER PRIMARY KEY AUTOINCREMENT,
    site_id     INTEGER NOT NULL REFERENCES sites (id) ON DELETE CASCADE,
    kind        TEXT    NOT NULL,
    name        TEXT    NOT NULL DEFAULT '',
    params      TEXT    NOT NULL DEFAULT '{}',
    enabled     INTEGER NOT NULL DEFAULT 1 CHECK (enabled IN (0, 1)),
    channel_ids TEXT    NOT NULL DEFAULT '[]', -- JSON array of alert_channels ids
    cooldown_s  INTEGER NOT NULL DEFAULT 0,
    created_at  INTEGER NOT NULL
) STRICT;
CREATE INDEX alert_rules_site ON alert_rules (site_id);

-- One open incident per key (resolved_at = 0): the partial unique index
-- makes a second opener fail, so an incident alerts once across replicas.
CREATE TABLE alert_incidents (
    id          INTEGER PRIMARY KEY AUTOINCREMENT,
    key         TEXT    NOT NULL,
    site_id     INTEGER REFERENCES sites (id) ON DELETE CASCADE,
    rule_id     INTEGER REFERENCES alert_rules (id) ON DELETE CASCADE,
    summary     TEXT    NOT NULL DEFAULT '',
    started_at  INTEGER NOT NULL,
    resolved_at INTEGER NOT NULL DEFAULT 0
) STRICT;
CREATE UNIQUE INDEX alert_incidents_open ON alert_incidents (key) WHERE resolved_at = 0;
CREATE INDEX alert_incidents_key ON alert_incidents (key, id);
CREATE INDEX alert_incidents_site ON alert_incidents (site_id, id);
CREATE INDEX alert_incidents_rule ON alert_incidents (rule_id);

-- The delivery log outlives the channel it names (no reference).
CREATE TABLE alert_deliveries (
    id          INTEGER PRIMARY KEY AUTOINCREMENT,
    site_id     INTEGER REFERENCES sites (id) ON DELETE CASCADE,
    channel_id  INTEGER NOT NULL DEFAULT 0,
    incident_id INTEGER NOT NULL DEFAULT 0,
    kind        TEXT    NOT NULL,
    event       TEXT    NOT NULL,
    target      TEXT    NOT NULL DEFAULT '',
    attempts    INTEGER NOT NULL DEFAULT 0,
    status      TEXT    NOT NULL,
    status_code INTEGER NOT NULL DEFAULT 0,
    error       TEXT    NOT NULL DEFAULT '',
    created_at  INTEGER NOT NULL
) STRICT;
CREATE INDEX alert_deliveries_site ON alert_deliveries (site_id, id);
CREATE INDEX alert_deliveries_created ON alert_deliveries (created_at);

CREATE TABLE report_subscriptions (
    id         INTEGER PRIMARY KEY AUTOINCREMENT,
    site_id    INTEGER NOT NULL REFERENCES sites (id) ON DELETE CASCADE,
    email      TEXT    NOT NULL,
    frequency  TEXT    NOT NULL CHECK (frequency IN ('daily', 'weekly', 'monthly')),
    created_at INTEGER NOT NULL,
    UNIQUE (site_id, email, frequency)
) STRICT;

-- A row per (work, period) done: reports are sent once per period even
-- across restarts and replicas.
CREATE TABLE sent_periods (
    key     TEXT    NOT NULL,
    period  TEXT    NOT NULL,
    sent_at INTEGER NOT NULL,
    PRIMARY KEY (key, period)
) STRICT;

-- Report mail carries a one-click unsubscribe link (List-Unsubscribe):
-- the outbox (0009) keeps it with the message.
ALTER TABLE mail_outbox ADD COLUMN list_unsubscribe TEXT NOT NULL DEFAULT '';
