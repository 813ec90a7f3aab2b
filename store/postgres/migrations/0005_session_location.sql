-- 0005: where a session signed in from, approximately ("Berlin, DE"), the
-- PostgreSQL twin of store/sqlite/migrations/0005_session_location.sql.
-- Looked up from the address at sign-in; the address itself is never
-- stored.

ALTER TABLE sessions ADD COLUMN location TEXT NOT NULL DEFAULT '';
