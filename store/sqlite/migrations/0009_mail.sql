-- 0009: mail. The outbox holds every message until an SMTP server took it
-- (a mail outage loses nothing); account tokens are the single-use links
-- of email verification and password reset (only their SHA-256 stored);
-- known devices let the sign-in notice skip browsers a user already used.
-- The PostgreSQL backend mirrors this file under the same number.
CREATE TABLE mail_outbox (
    id              INTEGER PRIMARY KEY,
    kind            TEXT    NOT NULL DEFAULT '',
    recipients      TEXT    NOT NULL, -- JSON array of addresses
    subject         TEXT    NOT NULL,
    text_body       TEXT    NOT NULL,
    html_body       TEXT    NOT NULL DEFAULT '',
    created_at      INTEGER NOT NULL, -- unix ms
    attempts        INTEGER NOT NULL DEFAULT 0,
    next_attempt_at INTEGER NOT NULL,
    claim_token     TEXT    NOT NULL DEFAULT '',
    claimed_until   INTEGER NOT NULL DEFAULT 0,
    sent_at         INTEGER NOT NULL DEFAULT 0, -- 0 until delivered
    failed_at       INTEGER NOT NULL DEFAULT 0, -- when it was given up; 0 while retried
    last_error      TEXT    NOT NULL DEFAULT ''
);
CREATE INDEX mail_outbox_due ON mail_outbox (next_attempt_at) WHERE sent_at = 0 AND failed_at = 0;
CREATE INDEX mail_outbox_sent ON mail_outbox (sent_at) WHERE sent_at > 0;

CREATE TABLE account_tokens (
    hash       BLOB    PRIMARY KEY, -- SHA-256 of the token
    user_id    INTEGER NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    purpose    TEXT    NOT NULL, -- verify_email, reset_password
    email      TEXT    NOT NULL, -- the address it was sent to
    created_at INTEGER NOT NULL,
    expires_at INTEGER NOT NULL
);
CREATE INDEX account_tokens_user ON account_tokens (user_id, purpose);
CREATE INDEX account_tokens_expiry ON account_tokens (expires_at);

CREATE TABLE known_devices (
    user_id       INTEGER NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    device        BLOB    NOT NULL, -- hash of browser family, OS and approximate location
    first_seen_at INTEGER NOT NULL,
    last_seen_at  INTEGER NOT NULL,
    PRIMARY KEY (user_id, device)
);

-- 0 = not verified. Accounts from before verification existed count as
-- verified: nobody asked them to.
ALTER TABLE users ADD COLUMN email_verified_at INTEGER NOT NULL DEFAULT 0;
UPDATE users SET email_verified_at = created_at;
