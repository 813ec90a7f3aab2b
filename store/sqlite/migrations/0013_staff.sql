-- 0013: the staff admin panel. Accounts can be blocked by staff (who,
-- when, why) and soft-deleted (when, by whom, and when the hard delete may
-- destroy them); owners ask for deletion through deletion requests that
-- staff approve; announcements record what staff mailed to whom; the audit
-- log keeps every staff action. The PostgreSQL backend mirrors this file
-- under the same number; keep the two in step. Times are unix ms; 0 = none.
--
-- The audit log has no foreign keys on purpose: it outlives the accounts
-- and users it names (the hard delete removes them, not their history).
ALTER TABLE accounts ADD COLUMN blocked_at INTEGER NOT NULL DEFAULT 0;
ALTER TABLE accounts ADD COLUMN blocked_by INTEGER REFERENCES users (id) ON DELETE SET NULL;
ALTER TABLE accounts ADD COLUMN block_reason TEXT NOT NULL DEFAULT '';
ALTER TABLE accounts ADD COLUMN deleted_at INTEGER NOT NULL DEFAULT 0;
ALTER TABLE accounts ADD COLUMN deleted_by INTEGER REFERENCES users (id) ON DELETE SET NULL;
ALTER TABLE accounts ADD COLUMN destroy_after INTEGER NOT NULL DEFAULT 0;

CREATE TABLE account_deletion_requests (
    id           INTEGER PRIMARY KEY AUTOINCREMENT,
    account_id   INTEGER NOT NULL REFERENCES accounts (id) ON DELETE CASCADE,
    requested_by INTEGER REFERENCES users (id) ON DELETE SET NULL,
    reason       TEXT    NOT NULL DEFAULT '',
    requested_at INTEGER NOT NULL,
    status       TEXT    NOT NULL CHECK (status IN ('pending', 'approved', 'cancelled')),
    decided_by   INTEGER REFERENCES users (id) ON DELETE SET NULL,
    decided_at   INTEGER NOT NULL DEFAULT 0
) STRICT;

-- At most one pending request per account.
CREATE UNIQUE INDEX account_deletion_requests_pending ON account_deletion_requests (account_id) WHERE status = 'pending';
CREATE INDEX account_deletion_requests_requested_by ON account_deletion_requests (requested_by);

CREATE TABLE announcements (
    id         INTEGER PRIMARY KEY AUTOINCREMENT,
    subject    TEXT    NOT NULL,
    body       TEXT    NOT NULL,
    segment    TEXT    NOT NULL,
    recipients INTEGER NOT NULL,
    sent_by    INTEGER REFERENCES users (id) ON DELETE SET NULL,
    created_at INTEGER NOT NULL
) STRICT;

CREATE INDEX announcements_sent_by ON announcements (sent_by);

CREATE TABLE audit_log (
    id          INTEGER PRIMARY KEY AUTOINCREMENT,
    at          INTEGER NOT NULL,
    actor_id    INTEGER NOT NULL DEFAULT 0,
    actor_email TEXT    NOT NULL DEFAULT '',
    action      TEXT    NOT NULL,
    account_id  INTEGER NOT NULL DEFAULT 0,
    target      TEXT    NOT NULL DEFAULT '',
    detail      TEXT    NOT NULL DEFAULT '{}'
) STRICT;

CREATE INDEX audit_log_account_id ON audit_log (account_id, id);
