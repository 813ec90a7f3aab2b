-- 0007: a row per run of a scheduled job, for the staff Jobs view and for
-- telling a job that failed or stopped running. The PostgreSQL backend
-- mirrors this file under the same number.
CREATE TABLE job_runs (
    id          INTEGER PRIMARY KEY,
    job         TEXT    NOT NULL,
    started_at  INTEGER NOT NULL, -- unix ms
    finished_at INTEGER NOT NULL DEFAULT 0, -- 0 while running
    status      TEXT    NOT NULL, -- running, ok, failed
    error       TEXT    NOT NULL DEFAULT ''
);
CREATE INDEX job_runs_job ON job_runs (job, started_at);
