-- 0006: two-factor sign-in, the PostgreSQL twin of
-- store/sqlite/migrations/0006_totp.sql: a TOTP secret per user (sealed by
-- the application), whether it is enabled, the last time step accepted,
-- and single-use recovery codes stored as hashes.

ALTER TABLE users ADD COLUMN totp_sealed BYTEA;
ALTER TABLE users ADD COLUMN totp_enabled BOOLEAN NOT NULL DEFAULT false;
ALTER TABLE users ADD COLUMN totp_last_step BIGINT NOT NULL DEFAULT 0;

CREATE TABLE recovery_codes (
    user_id BIGINT NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    hash    BYTEA  NOT NULL,
    PRIMARY KEY (user_id, hash)
);
