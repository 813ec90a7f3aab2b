-- 0011: alerts and email report subscriptions, the PostgreSQL twin of
-- store/sqlite/migrations/0011_alerts.sql; keep the two in step.
--
-- A rule's params and channel list are JSON owned by app/alerts: only ever
-- read and written whole.

CREATE TABLE alert_channels (
    id         BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    site_id    BIGINT  NOT NULL REFERENCES sites (id) ON DELETE CASCADE,
    kind       TEXT    NOT NULL,
    name       TEXT    NOT NULL DEFAULT '',
    target     TEXT    NOT NULL,
    secret     TEXT    NOT NULL DEFAULT '',
    created_at BIGINT  NOT NULL
);
CREATE INDEX alert_channels_site ON alert_channels (site_id);

CREATE TABLE alert_rules (
    id          BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    site_id     BIGINT  NOT NULL REFERENCES sites (id) ON DELETE CASCADE,
    kind        TEXT    NOT NULL,
    name        TEXT    NOT NULL DEFAULT '',
    params      TEXT    NOT NULL DEFAULT '{}',
    enabled     BOOLEAN NOT NULL DEFAULT TRUE,
    channel_ids TEXT    NOT NULL DEFAULT '[]', -- JSON array of alert_channels ids
    cooldown_s  BIGINT  NOT NULL DEFAULT 0,
    created_at  BIGINT  NOT NULL
);
CREATE INDEX alert_rules_site ON alert_rules (site_id);

-- One open incident per key (resolved_at = 0): the partial unique index
-- makes a second opener fail, so an incident alerts once across replicas.
CREATE TABLE alert_incidents (
    id          BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    key         TEXT    NOT NULL,
    site_id     BIGINT  REFERENCES sites (id) ON DELETE CASCADE,
    rule_id     BIGINT  REFERENCES alert_rules (id) ON DELETE CASCADE,
    summary     TEXT    NOT NULL DEFAULT '',
    started_at  BIGINT  NOT NULL,
    resolved_at BIGINT  NOT NULL DEFAULT 0
);
CREATE UNIQUE INDEX alert_incidents_open ON alert_incidents (key) WHERE resolved_at = 0;
CREATE INDEX alert_incidents_key ON alert_incidents (key, id);
CREATE INDEX alert_incidents_site ON alert_incidents (site_id, id);
CREATE INDEX alert_incidents_rule ON alert_incidents (rule_id);

-- The delivery log outlives the channel it names (no reference).
CREATE TABLE alert_deliveries (
    id          BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    site_id     BIGINT  REFERENCES sites (id) ON DELETE CASCADE,
    channel_id  BIGINT  NOT NULL DEFAULT 0,
    incident_id BIGINT  NOT NULL DEFAULT 0,
    kind        TEXT    NOT NULL,
    event       TEXT    NOT NULL,
    target      TEXT    NOT NULL DEFAULT '',
    attempts    BIGINT  NOT NULL DEFAULT 0,
    status      TEXT    NOT NULL,
    status_code BIGINT  NOT NULL DEFAULT 0,
    error       TEXT    NOT NULL DEFAULT '',
    created_at  BIGINT  NOT NULL
);
CREATE INDEX alert_deliveries_site ON alert_deliveries (site_id, id);
CREATE INDEX alert_deliveries_created ON alert_deliveries (created_at);

CREATE TABLE report_subscriptions (
    id         BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    site_id    BIGINT  NOT NULL REFERENCES sites (id) ON DELETE CASCADE,
    email      TEXT    NOT NULL,
    frequency  TEXT    NOT NULL CHECK (frequency IN ('daily', 'weekly', 'monthly')),
    created_at BIGINT  NOT NULL,
    UNIQUE (site_id, email, frequency)
);

-- A row per (work, period) done: reports are sent once per period even
-- across restarts and replicas.
CREATE TABLE sent_periods (
    key     TEXT    NOT NULL,
    period  TEXT    NOT NULL,
    sent_at BIGINT  NOT NULL,
    PRIMARY KEY (key, period)
);

-- Report mail carries a one-click unsubscribe link (List-Unsubscribe):
-- the outbox (0009) keeps it with the message.
ALTER TABLE mail_outbox ADD COLUMN list_unsubscribe TEXT NOT NULL DEFAULT '';
