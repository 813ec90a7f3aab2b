// The whole view as a zip of CSV files, one per panel tab, plus the top
// stats, the chart's buckets and each funnel, for the range and filters
// on screen. Built in the browser from the same API answers the panels
// show, so a file equals what its panel's own Download CSV gives.
import { useState } from 'preact/hooks'
import * as api from '../api'
import { t } from '../strings'
import { ErrorBox } from '../components'
import { tabCSV } from './details'
import * as st from './state'
import { csv, save, zip } from './zip'

// exportFiles lists the files of the view's export: [name, CSV text].
export async function exportFiles(base: Omit<api.StatsQuery, 'metrics'>, state: st.State, signal?: AbortSignal): Promise<[string, string][]> {
  const jobs: [string, () => Promise<string>][] = []
  jobs.push(['top-stats.csv', async () => {
    const r = await api.query({ ...base, metrics: st.topMetrics }, signal)
    const row = r.results[0]
    return csv([['metric', 'value'], ...st.topMetrics.map((m, i) => [m, row ? row.metrics[i] : 0])])
  }])
  const interval = st.interval(state)
  if (state.period !== 'realtime') {
    jobs.push([`chart-${interval}.csv`, async () => {
      const r = await api.query({ ...base, metrics: st.topMetrics, dimensions: ['time:' + interval], include: { time_labels: true } }, signal)
      const byLabel = new Map(r.results.map((row) => [row.dimensions[0], row.metrics]))
      const labels = r.meta.time_labels || r.results.map((row) => row.dimensions[0])
      return csv([[interval, ...st.topMetrics], ...labels.map((l) => [l, ...(byLabel.get(l) || st.topMetrics.map(() => 0))])])
    }])
  }
  for (const group of st.tabGroups) {
    for (const p of st.panels[group]) {
      if (p.id === 'map') continue // the countries again, drawn
      const tab = st.resolveTab(state, p)
      jobs.push([`${group}-${p.id}.csv`, () => tabCSV(base, tab, st.tabFilters(tab), '', undefined, signal)])
    }
  }
  const { funnels } = await api.listFunnels(base.site_id)
  for (const f of funnels) {
    jobs.push([`funnel-${f.name.replace(/[^\w.-]+/g, '_')}.csv`, async () => {
      const r = await api.funnel({ site_id: base.site_id, date_range: base.date_range, funnel: f.name, ...(base.filters ? { filters: base.filters } : {}) }, signal)
      return csv([['step', 'label', 'visitors', 'conversion_rate', 'conversion_rate_step', 'dropoff'],
        ...r.steps.map((s, i) => [i + 1, s.label, s.visitors, s.conversion_rate, s.conversion_rate_step, s.dropoff])])
    }])
  }
  // A few at a time: the server answers them one by one anyway.
  const out: [string, string][] = new Array(jobs.length)
  let next = 0
  const worker = async () => {
    while (next < jobs.length) {
      const i = next++
      out[i] = [jobs[i][0], await jobs[i][1]()]
    }
  }
  await Promise.all([worker(), worker(), worker()])
  return out
}

// ExportView is the button that downloads the whole view.
export function ExportView({ base, state }: { base: Omit<api.StatsQuery, 'metrics'>; state: st.State }) {
  const [busy, setBusy] = useState(false)
  const [error, setError] = useState<unknown>(null)
  const run = async () => {
    setBusy(true)
    setError(null)
    try {
      const files = await exportFiles(base, state)
      const range = Array.isArray(base.date_range) ? base.date_range.join('_') : base.date_range
      save(zip(files), `${base.site_id}-${range}.zip`)
    } catch (e) {
      setError(e)
    }
    setBusy(false)
  }
  return (
    <>
      <button type="button" class="button secondary small export-view" disabled={busy} aria-busy={busy} onClick={run}>{busy ? t.exporting : t.exportView}</button>
      {error ? <ErrorBox error={error} /> : null}
    </>
  )
}
