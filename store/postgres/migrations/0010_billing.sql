-- 0010: billing (hosted mode), the PostgreSQL twin of
-- store/sqlite/migrations/0010_billing.sql.
CREATE TABLE billing_profiles (
    account_id             BIGINT  PRIMARY KEY REFERENCES accounts (id) ON DELETE CASCADE,
    plan_code              TEXT    NOT NULL DEFAULT 'free',
    billing_interval       TEXT    NOT NULL DEFAULT '',
    status                 TEXT    NOT NULL DEFAULT '',
    stripe_customer_id     TEXT    NOT NULL DEFAULT '',
    stripe_subscription_id TEXT    NOT NULL DEFAULT '',
    period_start           BIGINT  NOT NULL DEFAULT 0,
    period_end             BIGINT  NOT NULL DEFAULT 0,
    stripe_event_at        BIGINT  NOT NULL DEFAULT 0,
    invoice_event_at       BIGINT  NOT NULL DEFAULT 0,
    payment_failed_at      BIGINT  NOT NULL DEFAULT 0,
    payment_attempts       INTEGER NOT NULL DEFAULT 0,
    capacity               TEXT    NOT NULL DEFAULT 'ok',
    grace_until            BIGINT  NOT NULL DEFAULT 0,
    override_events        BIGINT  NOT NULL DEFAULT 0,
    coupon                 TEXT    NOT NULL DEFAULT '',
    updated_at             BIGINT  NOT NULL
);

CREATE UNIQUE INDEX billing_profiles_customer ON billing_profiles (stripe_customer_id)
    WHERE stripe_customer_id <> '';

CREATE TABLE billing_usage (
    account_id   BIGINT NOT NULL REFERENCES accounts (id) ON DELETE CASCADE,
    period_start BIGINT NOT NULL,
    period_end   BIGINT NOT NULL,
    events       BIGINT NOT NULL,
    measured_at  BIGINT NOT NULL,
    PRIMARY KEY (account_id, period_start)
);

CREATE TABLE stripe_events (
    id          TEXT   PRIMARY KEY,
    type        TEXT   NOT NULL,
    received_at BIGINT NOT NULL
);
