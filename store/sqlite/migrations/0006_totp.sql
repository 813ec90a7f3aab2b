-- 0006: two-factor sign-in: a TOTP secret per user (sealed by the
-- application: the database holds ciphertext only), whether it is
-- enabled, the last time step accepted (no code works twice), and single-
-- use recovery codes, stored as hashes. The PostgreSQL backend mirrors
-- this file under the same number.

ALTER TABLE users ADD COLUMN totp_sealed BLOB;
ALTER TABLE users ADD COLUMN totp_enabled INTEGER NOT NULL DEFAULT 0 CHECK (totp_enabled IN (0, 1));
ALTER TABLE users ADD COLUMN totp_last_step INTEGER NOT NULL DEFAULT 0;

CREATE TABLE recovery_codes (
    user_id INTEGER NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    hash    BLOB    NOT NULL,
    PRIMARY KEY (user_id, hash)
) STRICT;
