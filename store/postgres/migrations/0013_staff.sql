-- 0013: the staff admin panel, the PostgreSQL twin of
-- store/sqlite/migrations/0013_staff.sql.
ALTER TABLE accounts ADD COLUMN blocked_at BIGINT NOT NULL DEFAULT 0;
ALTER TABLE accounts ADD COLUMN blocked_by BIGINT REFERENCES users (id) ON DELETE SET NULL;
ALTER TABLE accounts ADD COLUMN block_reason TEXT NOT NULL DEFAULT '';
ALTER TABLE accounts ADD COLUMN deleted_at BIGINT NOT NULL DEFAULT 0;
ALTER TABLE accounts ADD COLUMN deleted_by BIGINT REFERENCES users (id) ON DELETE SET NULL;
ALTER TABLE accounts ADD COLUMN destroy_after BIGINT NOT NULL DEFAULT 0;

CREATE TABLE account_deletion_requests (
    id           BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    account_id   BIGINT NOT NULL REFERENCES accounts (id) ON DELETE CASCADE,
    requested_by BIGINT REFERENCES users (id) ON DELETE SET NULL,
    reason       TEXT   NOT NULL DEFAULT '',
    requested_at BIGINT NOT NULL,
    status       TEXT   NOT NULL CHECK (status IN ('pending', 'approved', 'cancelled')),
    decided_by   BIGINT REFERENCES users (id) ON DELETE SET NULL,
    decided_at   BIGINT NOT NULL DEFAULT 0
);

CREATE UNIQUE INDEX account_deletion_requests_pending ON account_deletion_requests (account_id) WHERE status = 'pending';
CREATE INDEX account_deletion_requests_requested_by ON account_deletion_requests (requested_by);

CREATE TABLE announcements (
    id         BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    subject    TEXT   NOT NULL,
    body       TEXT   NOT NULL,
    segment    TEXT   NOT NULL,
    recipients INTEGER NOT NULL,
    sent_by    BIGINT REFERENCES users (id) ON DELETE SET NULL,
    created_at BIGINT NOT NULL
);

CREATE INDEX announcements_sent_by ON announcements (sent_by);

CREATE TABLE audit_log (
    id          BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    at          BIGINT NOT NULL,
    actor_id    BIGINT NOT NULL DEFAULT 0,
    actor_email TEXT   NOT NULL DEFAULT '',
    action      TEXT   NOT NULL,
    account_id  BIGINT NOT NULL DEFAULT 0,
    target      TEXT   NOT NULL DEFAULT '',
    detail      TEXT   NOT NULL DEFAULT '{}'
);

CREATE INDEX audit_log_account_id ON audit_log (account_id, id);
