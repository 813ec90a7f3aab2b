// The staff Jobs page (/admin/jobs): every scheduled job with its
// schedule, last run, status, duration, lateness, last error and recent
// runs. To anyone but staff the page is not there, as the API says.
import * as api from '../api'
import * as aa from '../alertsapi'
import { t, ta } from '../strings'
import { ErrorBox, Skeleton } from '../components'
import { useLoad } from '../load'

const when = new Intl.DateTimeFormat('en', { dateStyle: 'medium', timeStyle: 'medium' })
const at = (s: string | null | undefined) => (s ? when.format(new Date(s)) : '—')

// ms says a duration the way a person reads it: 340 ms, 2.5 s, 3 min 4 s.
function ms(n: number | undefined): string {
  if (n === undefined) return '—'
  if (n < 1000) return `${n} ms`
  if (n < 60000) return `${(n / 1000).toFixed(n < 10000 ? 1 : 0)} s`
  return `${Math.floor(n / 60000)} min ${Math.round((n % 60000) / 1000)} s`
}

function status(r: aa.JobRun | null) {
  if (!r) return <span class="muted">{ta.jobNeverRan}</span>
  if (r.status === 'ok') return <span class="job-ok">{ta.jobOk}</span>
  if (r.status === 'running') return <span>{ta.jobRunning}</span>
  return <span class="job-bad">{ta.jobFailed}</span>
}

export function Jobs({ me }: { me: api.Me }) {
  const jobs = useLoad(me.user.admin ? 'jobs' : null, () => aa.listJobs())
  if (!me.user.admin || (jobs.error instanceof api.ApiError && jobs.error.status === 404)) {
    return <main class="page narrow"><p>{t.errNotFound}</p><a href="/sites">{t.backToSites}</a></main>
  }
  return (
    <main class="page jobs-page">
      <div class="page-head"><h1>{ta.jobs}</h1></div>
      <p class="muted">{ta.jobsLead}</p>
      {jobs.error ? <ErrorBox error={jobs.error} onRetry={jobs.retry} /> : null}
      {!jobs.data && !jobs.error && <Skeleton lines={6} />}
      {jobs.data && (
        <div class="card details-table">
          <table class="log-table jobs-table">
            <thead><tr>{ta.jobCols.map((c) => <th key={c} scope="col">{c}</th>)}</tr></thead>
            <tbody>
              {jobs.data.jobs.map((j) => {
                const failed = j.last_run?.status === 'failed'
                return (
                  <tr key={j.name} data-job={j.name} data-status={j.last_run?.status || 'none'} data-late={j.late ? 'true' : 'false'}>
                    <th scope="row">
                      <strong>{j.name}</strong>
                      {j.late && <span class="job-flag" title={ta.jobLateHint(ms((j.late_after_seconds || 0) * 1000))}>{ta.jobLate}</span>}
                      {failed && <span class="job-flag">{ta.jobFailed}</span>}
                      {j.last_success && <div class="muted field-hint">{ta.jobLastSuccess(at(j.last_success))}</div>}
                      {j.last_run?.error && <p class="job-error"><span class="muted">{ta.jobLastError}: </span>{j.last_run.error}</p>}
                      <details>
                        <summary>{ta.jobHistory(j.name)}</summary>
                        {j.runs.length === 0 ? <p class="muted">{ta.jobNoRuns}</p> : (
                          <ol class="job-runs">
                            {j.runs.map((r, i) => (
                              <li key={i} data-status={r.status}>{at(r.started_at)} · {status(r)} · {ms(r.duration_ms)}{r.error ? ' · ' + r.error : ''}</li>
                            ))}
                          </ol>
                        )}
                      </details>
                    </th>
                    <td>{j.schedule || '—'}</td>
                    <td>{at(j.last_run?.started_at)}</td>
                    <td>{status(j.last_run)}</td>
                    <td>{ms(j.last_run?.duration_ms)}</td>
                    <td>{at(j.next_run)}</td>
                  </tr>
                )
              })}
            </tbody>
          </table>
        </div>
      )}
    </main>
  )
}
