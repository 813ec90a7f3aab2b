-- 0008: accounts (organisations) own sites; people are members of them
-- with a role; invitations bring new members in; API keys carry scopes.
-- The PostgreSQL backend mirrors this file under the same number.
--
-- Exactly one owner per account: the partial unique index allows at most
-- one, and the store never removes or demotes an owner except by handing
-- the role to another member in the same transaction.
--
-- Data: every existing user gets a personal account (same id as the user,
-- named after their email) with them as owner, and each site moves to its
-- owner's account. A site without owner stays without account: only
-- instance administrators see it, as before.

CREATE TABLE accounts (
    id         INTEGER PRIMARY KEY AUTOINCREMENT,
    name       TEXT    NOT NULL,
    created_at INTEGER NOT NULL
) STRICT;

CREATE TABLE memberships (
    account_id INTEGER NOT NULL REFERENCES accounts (id) ON DELETE CASCADE,
    user_id    INTEGER NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    role       TEXT    NOT NULL CHECK (role IN ('owner', 'admin', 'editor', 'viewer')),
    created_at INTEGER NOT NULL,
    PRIMARY KEY (account_id, user_id)
) STRICT;

-- "accounts of a user", and the cascade from users.
CREATE INDEX memberships_user_id ON memberships (user_id);
CREATE UNIQUE INDEX memberships_one_owner ON memberships (account_id) WHERE role = 'owner';

-- token_hash is the SHA-256 of the emailed token: a copy of the database
-- accepts no invitation. accepted_at 0 = pending.
CREATE TABLE invitations (
    id          INTEGER PRIMARY KEY AUTOINCREMENT,
    account_id  INTEGER NOT NULL REFERENCES accounts (id) ON DELETE CASCADE,
    email       TEXT    NOT NULL,
    role        TEXT    NOT NULL CHECK (role IN ('admin', 'editor', 'viewer')),
    token_hash  BLOB    NOT NULL UNIQUE,
    expires_at  INTEGER NOT NULL,
    invited_by  INTEGER REFERENCES users (id) ON DELETE SET NULL,
    created_at  INTEGER NOT NULL,
    accepted_at INTEGER NOT NULL DEFAULT 0
) STRICT;

CREATE INDEX invitations_account_id ON invitations (account_id);
CREATE INDEX invitations_invited_by ON invitations (invited_by);

ALTER TABLE sites ADD COLUMN account_id INTEGER REFERENCES accounts (id) ON DELETE SET NULL;
CREATE INDEX sites_account_id ON sites (account_id);

-- Space-separated scopes. Keys made before scopes existed could read stats
-- and manage sites: they keep exactly that.
ALTER TABLE api_keys ADD COLUMN scopes TEXT NOT NULL DEFAULT 'stats:read';
UPDATE api_keys SET scopes = 'stats:read sites:admin';

INSERT INTO accounts (id, name, created_at) SELECT id, email, created_at FROM users;
INSERT INTO memberships (account_id, user_id, role, created_at) SELECT id, id, 'owner', created_at FROM users;
UPDATE sites SET account_id = owner_id WHERE owner_id IS NOT NULL;
