-- 0008: accounts, memberships, invitations, sites.account_id and API key
-- scopes: the PostgreSQL twin of store/sqlite/migrations/0008_accounts.sql
-- (see there for the meaning).

CREATE TABLE accounts (
    id         BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    name       TEXT   NOT NULL,
    created_at BIGINT NOT NULL
);

CREATE TABLE memberships (
    account_id BIGINT NOT NULL REFERENCES accounts (id) ON DELETE CASCADE,
    user_id    BIGINT NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    role       TEXT   NOT NULL CHECK (role IN ('owner', 'admin', 'editor', 'viewer')),
    created_at BIGINT NOT NULL,
    PRIMARY KEY (account_id, user_id)
);

CREATE INDEX memberships_user_id ON memberships (user_id);
CREATE UNIQUE INDEX memberships_one_owner ON memberships (account_id) WHERE role = 'owner';

CREATE TABLE invitations (
    id          BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    account_id  BIGINT NOT NULL REFERENCES accounts (id) ON DELETE CASCADE,
    email       TEXT   NOT NULL,
    role        TEXT   NOT NULL CHECK (role IN ('admin', 'editor', 'viewer')),
    token_hash  BYTEA  NOT NULL UNIQUE,
    expires_at  BIGINT NOT NULL,
    invited_by  BIGINT REFERENCES users (id) ON DELETE SET NULL,
    created_at  BIGINT NOT NULL,
    accepted_at BIGINT NOT NULL DEFAULT 0
);

CREATE INDEX invitations_account_id ON invitations (account_id);
CREATE INDEX invitations_invited_by ON invitations (invited_by);

ALTER TABLE sites ADD COLUMN account_id BIGINT REFERENCES accounts (id) ON DELETE SET NULL;
CREATE INDEX sites_account_id ON sites (account_id);

ALTER TABLE api_keys ADD COLUMN scopes TEXT NOT NULL DEFAULT 'stats:read';
UPDATE api_keys SET scopes = 'stats:read sites:admin';

INSERT INTO accounts (id, name, created_at) OVERRIDING SYSTEM VALUE SELECT id, email, created_at FROM users;
SELECT setval(pg_get_serial_sequence('accounts', 'id'), COALESCE(MAX(id), 0) + 1, false) FROM accounts;
INSERT INTO memberships (account_id, user_id, role, created_at) SELECT id, id, 'owner', created_at FROM users;
UPDATE sites SET account_id = owner_id WHERE owner_id IS NOT NULL;
