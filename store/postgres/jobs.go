package postgres

import (
	"context"
	"fmt"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/footfallhq/footfall/store"
)

const jobRunColumns = "id, job, started_at, finished_at, status, error"

func scanJobRun(r pgx.Row) (store.JobRun, error) {
	var (
		j                 store.JobRun
		started, finished int64
	)
	if err := r.Scan(&j.ID, &j.Job, &started, &finished, &j.Status, &j.Error); err != nil {
		return store.JobRun{}, err
	}
	j.StartedAt = fromMillis(started)
	if finished != 0 {
		j.FinishedAt = fromMillis(finished)
	}
	return j, nil
}

// StartJobRun records a run of job begun at at.
func (s *Store) StartJobRun(ctx context.Context, job string, at time.Time) (int64, error) {
	var id int64
	err := s.pool.QueryRow(ctx, "INSERT INTO job_runs (job, started_at, status) VALUES ($1, $2, $3) RETURNING id",
		job, stamp(at).UnixMilli(), store.JobRunning).Scan(&id)
	if err != nil {
		return 0, fmt.Errorf("postgres: start run of job %s: %w", job, translate(err))
	}
	return id, nil
}

// FinishJobRun records how run id ended.
func (s *Store) FinishJobRun(ctx context.Context, id int64, at time.Time, status, errText string) error {
	if err := mustAffect(s.pool.Exec(ctx, "UPDATE job_runs SET finished_at = $1, status = $2, error = $3 WHERE id = $4",
		stamp(at).UnixMilli(), status, errText, id)); err != nil {
		return fmt.Errorf("postgres: finish job run %d: %w", id, err)
	}
	return nil
}

// JobRuns returns job's newest runs, newest first.
func (s *Store) JobRuns(ctx context.Context, job string, limit int) ([]store.JobRun, error) {
	runs, err := queryAll(ctx, s, scanJobRun,
		"SELECT "+jobRunColumns+" FROM job_runs WHERE job = $1 ORDER BY started_at DESC, id DESC LIMIT $2", job, limit)
	if err != nil {
		return nil, fmt.Errorf("postgres: runs of job %s: %w", job, err)
	}
	return runs, nil
}

// LastJobRuns returns each job's newest run and newest successful run.
func (s *Store) LastJobRuns(ctx context.Context) (last, lastOK map[string]store.JobRun, err error) {
	newest := func(where string) (map[string]store.JobRun, error) {
		runs, err := queryAll(ctx, s, scanJobRun, "SELECT "+jobRunColumns+" FROM job_runs r WHERE "+where+
			" AND id = (SELECT id FROM job_runs x WHERE x.job = r.job AND "+where+" ORDER BY started_at DESC, id DESC LIMIT 1)")
		if err != nil {
			return nil, err
		}
		m := make(map[string]store.JobRun, len(runs))
		for _, r := range runs {
			m[r.Job] = r
		}
		return m, nil
	}
	if last, err = newest("true"); err == nil {
		lastOK, err = newest("status = '" + store.JobOK + "'")
	}
	if err != nil {
		return nil, nil, fmt.Errorf("postgres: last job runs: %w", err)
	}
	return last, lastOK, nil
}

// DeleteJobRunsBefore removes runs started before t.
func (s *Store) DeleteJobRunsBefore(ctx context.Context, t time.Time) (int64, error) {
	tag, err := s.pool.Exec(ctx, "DELETE FROM job_runs WHERE started_at < $1", t.UnixMilli())
	if err != nil {
		return 0, fmt.Errorf("postgres: delete old job runs: %w", err)
	}
	return tag.RowsAffected(), nil
}
