-- 0010: billing (hosted mode). One profile per account (plan, Stripe
-- customer and subscription, capacity policy state), the usage measured
-- per account and period, and the ids of Stripe events already processed
-- (webhooks are delivered at least once). The PostgreSQL backend mirrors
-- this file under the same number. Times are unix ms; 0 = none.
CREATE TABLE billing_profiles (
    account_id             INTEGER PRIMARY KEY REFERENCES accounts (id) ON DELETE CASCADE,
    plan_code              TEXT    NOT NULL DEFAULT 'free',
    billing_interval       TEXT    NOT NULL DEFAULT '',
    status                 TEXT    NOT NULL DEFAULT '',
    stripe_customer_id     TEXT    NOT NULL DEFAULT '',
    stripe_subscription_id TEXT    NOT NULL DEFAULT '',
    period_start           INTEGER NOT NULL DEFAULT 0,
    period_end             INTEGER NOT NULL DEFAULT 0,
    stripe_event_at        INTEGER NOT NULL DEFAULT 0,
    invoice_event_at       INTEGER NOT NULL DEFAULT 0,
    payment_failed_at      INTEGER NOT NULL DEFAULT 0,
    payment_attempts       INTEGER NOT NULL DEFAULT 0,
    capacity               TEXT    NOT NULL DEFAULT 'ok',
    grace_until            INTEGER NOT NULL DEFAULT 0,
    override_events        INTEGER NOT NULL DEFAULT 0,
    coupon                 TEXT    NOT NULL DEFAULT '',
    updated_at             INTEGER NOT NULL
) STRICT;

-- Webhooks find the account by its Stripe customer; '' is "none yet".
CREATE UNIQUE INDEX billing_profiles_customer ON billing_profiles (stripe_customer_id)
    WHERE stripe_customer_id <> '';

CREATE TABLE billing_usage (
    account_id   INTEGER NOT NULL REFERENCES accounts (id) ON DELETE CASCADE,
    period_start INTEGER NOT NULL,
    period_end   INTEGER NOT NULL,
    events       INTEGER NOT NULL,
    measured_at  INTEGER NOT NULL,
    PRIMARY KEY (account_id, period_start)
) STRICT;

CREATE TABLE stripe_events (
    id          TEXT    PRIMARY KEY,
    type        TEXT    NOT NULL,
    received_at INTEGER NOT NULL
) STRICT;
