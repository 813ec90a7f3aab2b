-- 0007: a row per run of a scheduled job, the PostgreSQL twin of
-- store/sqlite/migrations/0007_job_runs.sql.
CREATE TABLE job_runs (
    id          BIGSERIAL PRIMARY KEY,
    job         TEXT   NOT NULL,
    started_at  BIGINT NOT NULL,
    finished_at BIGINT NOT NULL DEFAULT 0,
    status      TEXT   NOT NULL,
    error       TEXT   NOT NULL DEFAULT ''
);
CREATE INDEX job_runs_job ON job_runs (job, started_at);
