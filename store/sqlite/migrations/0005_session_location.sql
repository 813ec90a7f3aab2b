-- 0005: where a session signed in from, approximately ("Berlin, DE"), for
-- the sessions list. Looked up from the address at sign-in; the address
-- itself is never stored. The PostgreSQL backend mirrors this file under
-- the same number.

ALTER TABLE sessions ADD COLUMN location TEXT NOT NULL DEFAULT '';
