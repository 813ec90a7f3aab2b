// The performance page: real-user Core Web Vitals at the 75th percentile
// with Google's good / needs-improvement / poor bands, a vital over time,
// the vitals by page, device, country and browser, and the loading
// waterfall per page. The period and filters are the dashboard's, and
// work the same way here: the filter bar, a click on a row, the URL.
import { useMemo, useState } from 'preact/hooks'
import * as api from '../api'
import { navigate, useLocation } from '../router'
import { t } from '../strings'
import { dateRange as rangeText, number } from '../format'
import { ErrorBox, Skeleton } from '../components'
import { useLoad } from '../load'
import { Chart, type Series } from './chart'
import { DatePicker } from './datepicker'
import { SiteNav } from './sitenav'
import { FilterBar, withFilter } from './filterbar'
import * as st from './state'

// vitals with Google's thresholds: ≤ good is good, > poor is poor.
export const vitals = [
  { id: 'lcp', good: 2500, poor: 4000 },
  { id: 'inp', good: 200, poor: 500 },
  { id: 'cls', good: 0.1, poor: 0.25 },
  { id: 'fcp', good: 1800, poor: 3000 },
  { id: 'ttfb', good: 800, poor: 1800 },
]
const phases = ['dns', 'connect', 'tls', 'response', 'dom', 'load']

export function formatVital(id: string, v: number): string {
  if (id === 'cls') return (Math.round(v * 1000) / 1000).toString()
  return v >= 1000 ? `${(v / 1000).toFixed(2)} s` : `${Math.round(v)} ms`
}

function rating(id: string, v: number): string {
  const x = vitals.find((y) => y.id === id)!
  return v <= x.good ? 'good' : v > x.poor ? 'poor' : 'needs_improvement'
}

// breakdowns: dims[0] is what a click filters by, the last one the label.
const breakdowns = [
  { id: 'page', dims: ['event:page'] }, { id: 'device', dims: ['visit:device'] },
  { id: 'country', dims: ['visit:country', 'visit:country_name'] }, { id: 'browser', dims: ['visit:browser'] },
]
const bandNames = ['good', 'needs_improvement', 'poor']

export function Performance({ domain }: { domain: string }) {
  const { params } = useLocation()
  const state = useMemo(() => st.parse(params), [params.toString()])
  const vital = vitals.some((v) => v.id === params.get('vital')) ? params.get('vital')! : 'lcp'
  const go = (s: st.State, extra?: Record<string, string>) => {
    const href = st.href(domain, s).replace(/^\/[^?]*/, `/${encodeURIComponent(domain)}/performance`)
    const u = new URL(href, location.origin)
    const v = extra?.vital ?? (vital === 'lcp' ? '' : vital)
    if (v && v !== 'lcp') u.searchParams.set('vital', v)
    navigate(u.pathname + u.search)
  }
  const base: Omit<api.StatsQuery, 'metrics'> = {
    site_id: domain, date_range: st.dateRange(state), ...(state.filters.length ? { filters: state.filters } : {}),
  }
  const baseKey = JSON.stringify(base)

  const cards = useLoad(baseKey, (signal) => api.query({
    ...base, metrics: vitals.flatMap((v) => [`${v.id}_p75`, `${v.id}_good`, `${v.id}_needs_improvement`, `${v.id}_poor`]),
  }, signal))
  const interval = st.interval(state)
  const series = useLoad<Series & { range: [string, string] }>(JSON.stringify([baseKey, vital, interval]), async (signal) => {
    const r = await api.query({ ...base, metrics: [`${vital}_p75`], dimensions: ['time:' + interval], include: { time_labels: true } }, signal)
    const m = new Map(r.results.map((row) => [row.dimensions[0], row.metrics[0]]))
    const labels = r.meta.time_labels || []
    return { labels, values: labels.map((l) => m.get(l) ?? null) as number[], range: r.query.date_range }
  })
  const range = series.data ? rangeText(series.data.range[0], series.data.range[1]) : ''
  const row = cards.data?.results[0]
  const samples = (i: number) => (row ? row.metrics[i * 4 + 1] + row.metrics[i * 4 + 2] + row.metrics[i * 4 + 3] : 0)
  const noSamples = !!cards.data && vitals.every((_, i) => samples(i) === 0)
  const v = vitals.find((x) => x.id === vital)!
  const onFilter = (f: api.Filter) => go(withFilter(state, f))

  return (
    <main class="page dashboard performance" data-ready={cards.data && series.data ? 'true' : 'false'}>
      <div class="dash-head">
        <div class="site-head">
          <h1 class="site-title">{domain}</h1>
          <SiteNav domain={domain} active="performance" />
        </div>
        <DatePicker state={state} range={series.data?.range} onChange={(s) => go(s)} />
      </div>
      <FilterBar domain={domain} base={base} state={state} go={(x) => go(x)} />
      {noSamples && <section class="card"><h2>{t.perfEmpty}</h2><p>{t.perfEmptyHelp}</p></section>}
      {cards.error ? <ErrorBox error={cards.error} onRetry={cards.retry} /> : null}
      <section class="top-stats vitals" aria-label={t.perfTitle}>
        {vitals.map((x, i) => {
          const p75 = row ? row.metrics[i * 4] : 0
          const has = samples(i) > 0
          return (
            <button type="button" key={x.id} class={x.id === vital ? 'stat active' : 'stat'} data-vital={x.id} data-value={row ? p75 : undefined}
              aria-pressed={x.id === vital} onClick={() => go(state, { vital: x.id })}>
              <span class="stat-label">{t.vitals[x.id]}</span>
              {!row ? <span class="stat-value"><Skeleton /></span> : (
                <span class={`stat-value ${has ? rating(x.id, p75) : ''}`}>{has ? formatVital(x.id, p75) : '–'}</span>
              )}
              <span class="bands" aria-label={row ? t.bandsLabel(row.metrics[i * 4 + 1], row.metrics[i * 4 + 2], row.metrics[i * 4 + 3]) : t.loading}>
                {row && has && ['good', 'needs_improvement', 'poor'].map((b, j) => (
                  <span key={b} class={`band ${b}`} style={{ width: `${row.metrics[i * 4 + 1 + j]}%` }} data-band={b} data-share={row.metrics[i * 4 + 1 + j]} />
                ))}
              </span>
            </button>
          )
        })}
      </section>
      <section class="card chart-card">
        <div class="chart-head">
          <h2>{t.vitalOverTime(t.vitals[vital])}</h2>
          <span class="muted legend-note">{t.thresholdsNote(formatVital(vital, v.good), formatVital(vital, v.poor))}</span>
        </div>
        {series.error ? <ErrorBox error={series.error} onRetry={series.retry} /> : null}
        {series.data ? (
          <Chart series={series.data} metric={vital} label={`${t.vitals[vital]} p75`} format={(x) => formatVital(vital, x)} interval={interval} rangeText={range}
            thresholds={[{ value: v.good, label: t.bands.good, color: '--up' }, { value: v.poor, label: t.bands.poor, color: '--down' }]} />
        ) : !series.error && <Skeleton height={260} />}
      </section>
      {row && !noSamples && <Distribution row={row} />}
      <div class="panels">
        <Breakdown base={base} baseKey={baseKey} onFilter={onFilter} />
        <Waterfall base={base} baseKey={baseKey} onFilter={onFilter} />
      </div>
    </main>
  )
}

// Distribution shows, per vital, the share of measurements in each band,
// in figures (the cards above draw the same shares as bars).
function Distribution({ row }: { row: api.Row }) {
  return (
    <section class="card distribution" aria-labelledby="dist-title">
      <h2 id="dist-title">{t.distribution}</h2>
      <div class="details-table">
        <table class="dist-table">
          <thead><tr><th scope="col">{t.vital}</th>{bandNames.map((b) => <th scope="col" key={b}>{t.bands[b]}</th>)}<th scope="col">{t.bandBar}</th></tr></thead>
          <tbody>
            {vitals.map((v, i) => {
              const shares = bandNames.map((_, j) => row.metrics[i * 4 + 1 + j])
              if (shares[0] + shares[1] + shares[2] === 0) return null
              return (
                <tr key={v.id} data-vital={v.id}>
                  <th scope="row">{t.vitals[v.id]}</th>
                  {bandNames.map((b, j) => <td key={b} class={b} data-band={b} data-share={shares[j]}>{Math.round(shares[j] * 10) / 10}%</td>)}
                  <td><span class="bands wide" aria-hidden="true">
                    {bandNames.map((b, j) => <span key={b} class={`band ${b}`} style={{ width: `${shares[j]}%` }} />)}
                  </span></td>
                </tr>
              )
            })}
          </tbody>
        </table>
      </div>
      <p class="muted field-hint">{t.distributionNote}</p>
    </section>
  )
}

function Breakdown({ base, baseKey, onFilter }: { base: Omit<api.StatsQuery, 'metrics'>; baseKey: string; onFilter: (f: api.Filter) => void }) {
  const [by, setBy] = useState(breakdowns[0])
  const { data, error, retry } = useLoad(JSON.stringify([baseKey, by.id]), (signal) => api.query({
    ...base, metrics: ['visitors', ...vitals.map((v) => `${v.id}_p75`)], dimensions: by.dims,
    order_by: [['visitors', 'desc']], pagination: { limit: 10 },
  }, signal))
  return (
    <section class="panel wide" data-panel="vitals" aria-labelledby="vitals-by">
      <div class="panel-head">
        <h2 id="vitals-by">{t.vitalsBy}</h2>
        <div class="tabs" role="tablist">
          {breakdowns.map((b) => (
            <button type="button" role="tab" key={b.id} aria-selected={b.id === by.id} class={b.id === by.id ? 'tab active' : 'tab'} onClick={() => setBy(b)}>{t.breakdowns[b.id]}</button>
          ))}
        </div>
      </div>
      {error ? <ErrorBox error={error} onRetry={retry} /> : null}
      {!data && !error && <Skeleton lines={10} />}
      {data && data.results.length === 0 && <p class="panel-empty muted">{t.noData}</p>}
      {data && data.results.length > 0 && (
        <div class="details-table">
          <table class="perf-table" data-tab={by.id}>
            <thead><tr><th scope="col">{t.breakdowns[by.id]}</th><th scope="col">{t.columns.visitors}</th>{vitals.map((v) => <th scope="col" key={v.id}>{v.id.toUpperCase()}</th>)}</tr></thead>
            <tbody>
              {data.results.map((r) => (
                <tr key={r.dimensions[0]} data-value={r.dimensions[0]}>
                  <th scope="row">{r.dimensions[0] ? (
                    <button type="button" class="link" title={t.filterBy(t.breakdowns[by.id], r.dimensions[by.dims.length - 1])}
                      onClick={() => onFilter(['is', by.dims[0], [r.dimensions[0]]])}>{r.dimensions[by.dims.length - 1]}</button>
                  ) : t.none}</th>
                  <td>{number(r.metrics[0])}</td>
                  {vitals.map((v, i) => <td key={v.id} data-vital={v.id} data-raw={r.metrics[i + 1]} class={rating(v.id, r.metrics[i + 1])}>{formatVital(v.id, r.metrics[i + 1])}</td>)}
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      )}
    </section>
  )
}

// Waterfall draws each page's loading phases (75th percentile of each)
// one after the other, on one scale for all pages.
function Waterfall({ base, baseKey, onFilter }: { base: Omit<api.StatsQuery, 'metrics'>; baseKey: string; onFilter: (f: api.Filter) => void }) {
  const { data, error, retry } = useLoad(JSON.stringify([baseKey, 'waterfall']), (signal) => api.query({
    ...base, metrics: ['visitors', ...phases.map((p) => `${p}_p75`)], dimensions: ['event:page'],
    order_by: [['visitors', 'desc']], pagination: { limit: 8 },
  }, signal))
  const total = (r: api.Row) => r.metrics.slice(1).reduce((a, b) => a + b, 0)
  const max = data ? Math.max(1, ...data.results.map(total)) : 1
  return (
    <section class="panel wide" data-panel="waterfall" aria-labelledby="waterfall-title">
      <div class="panel-head">
        <h2 id="waterfall-title">{t.waterfall}</h2>
        <ul class="phase-legend">{phases.map((p) => <li key={p}><span class={`phase ${p}`} />{t.phases[p]}</li>)}</ul>
      </div>
      {error ? <ErrorBox error={error} onRetry={retry} /> : null}
      {!data && !error && <Skeleton lines={8} />}
      {data && data.results.length === 0 && <p class="panel-empty muted">{t.noData}</p>}
      {data && data.results.length > 0 && (
        <ol class="waterfall">
          {data.results.map((r) => (
            <li key={r.dimensions[0]} data-value={r.dimensions[0]} data-total={total(r)}>
              <button type="button" class="link row-label" title={t.filterBy(t.dimensions['event:page'], r.dimensions[0])}
                onClick={() => onFilter(['is', 'event:page', [r.dimensions[0]]])}>{r.dimensions[0]}</button>
              <span class="wf-bar" role="img" aria-label={phases.map((p, i) => `${t.phases[p]} ${formatVital(p, r.metrics[i + 1])}`).join(', ')}>
                {phases.map((p, i) => <span key={p} class={`phase ${p}`} style={{ width: `${(r.metrics[i + 1] / max) * 100}%` }} title={`${t.phases[p]}: ${formatVital(p, r.metrics[i + 1])}`} />)}
              </span>
              <span class="row-value">{formatVital('load', total(r))}</span>
            </li>
          ))}
        </ol>
      )}
    </section>
  )
}
