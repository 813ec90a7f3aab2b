// A site's dashboard: top stats with their change, the main chart, and
// the breakdown panels, all driven by the state in the URL.
import { useEffect, useMemo, useRef, useState } from 'preact/hooks'
import * as api from '../api'
import { navigate, useLocation } from '../router'
import { t } from '../strings'
import { change, dateRange as rangeText, isoDate, metric as formatMetric } from '../format'
import { ErrorBox, Skeleton } from '../components'
import { useLoad } from '../load'
import { Snippet } from '../pages/sites'
import { VerifyInstall } from '../verify'
import { Chart, type Series } from './chart'
import { Panel } from './panels'
import { DatePicker } from './datepicker'
import { FilterBar, withFilter } from './filterbar'
import { ExportView } from './export'
import { SiteNav } from './sitenav'
import { Funnels } from './funnels'
import * as st from './state'

interface Top { values: number[]; changes: (number | null)[]; range: [string, string]; previous?: [string, string]; everVisited: boolean }

// ShareView is how a shared link shows the dashboard: its links start at
// root and carry keep (the embed parameters); nothing leads out of it.
export interface ShareView { root: string; keep: string; embed: boolean }

export function Dashboard({ domain, share }: { domain: string; share?: ShareView }) {
  const { params } = useLocation()
  const state = useMemo(() => st.parse(params), [params.toString()])
  const go = (s: st.State, replace = false) => navigate(share ? st.shareHref(share.root, share.keep, s) : st.href(domain, s), replace)

  const [site, setSite] = useState<api.Site | null>(null)
  const [siteError, setSiteError] = useState<unknown>(null)
  useEffect(() => {
    if (share) setSite({ domain, timezone: '' })
    else api.getSite(domain).then(setSite, setSiteError)
  }, [domain])

  const base = useMemo<Omit<api.StatsQuery, 'metrics'>>(() => ({
    site_id: domain, date_range: st.dateRange(state),
    ...(state.filters.length ? { filters: state.filters } : {}),
  }), [domain, JSON.stringify([st.dateRange(state), state.filters])])
  // version changes to load everything again with the same view (the first
  // events of a new site arrived).
  const [version, setVersion] = useState(0)
  const baseKey = JSON.stringify([base, version])
  const realtime = state.period === 'realtime'
  // The realtime view loads itself again every 30 seconds.
  useEffect(() => {
    if (!realtime) return
    const timer = setInterval(() => { if (!document.hidden) setVersion((n) => n + 1) }, 30000)
    return () => clearInterval(timer)
  }, [realtime])

  const cmp = st.comparison(state)
  const topLoad = useLoad(site ? JSON.stringify([baseKey, cmp]) : null, async (signal) => {
    const r = await api.query({ ...base, metrics: st.topMetrics, include: { comparisons: cmp } }, signal)
    const row = r.results[0]
    let everVisited = true
    if ((!row || row.metrics[0] === 0) && !state.filters.length) {
      const all = await api.query({ site_id: domain, metrics: ['visitors'], date_range: 'all' }, signal)
      everVisited = !!all.results[0] && all.results[0].metrics[0] > 0
    }
    return {
      values: row ? row.metrics : st.topMetrics.map(() => 0),
      changes: row && row.comparison ? row.comparison.change : st.topMetrics.map(() => null),
      range: r.query.date_range, previous: r.query.comparison_date_range, everVisited,
    } as Top
  }, realtime ? JSON.stringify([base, cmp]) : undefined)
  const top = topLoad.data

  const interval = st.interval(state)
  const previousRange = state.compare && top?.previous ? [top.previous[0].slice(0, 10), top.previous[1].slice(0, 10)] as [string, string] : null
  // With the comparison on, the chart waits for the top stats to name the
  // previous period.
  const seriesKey = site && !realtime && (!state.compare || previousRange) ? JSON.stringify([baseKey, state.metric, interval, previousRange]) : null
  const seriesLoad = useLoad<Series>(seriesKey, async (signal) => {
    const q = (date_range: api.StatsQuery['date_range']) => api.query({
      ...base, date_range, metrics: [state.metric], dimensions: ['time:' + interval], include: { time_labels: true },
    }, signal).then((r) => {
      const m = new Map(r.results.map((row) => [row.dimensions[0], row.metrics[0]]))
      const labels = r.meta.time_labels || []
      return { labels, values: labels.map((l) => m.get(l) ?? 0) }
    })
    const [cur, prev] = await Promise.all([q(base.date_range), previousRange ? q(previousRange) : null])
    return { ...cur, ...(prev ? { previous: cur.labels.map((_, i) => prev.values[i] ?? null) as number[], previousLabels: prev.labels } : {}) }
  })
  const series = seriesLoad.data

  // Keyboard shortcuts, as Plausible users know them. The handler reads
  // the state of the latest render, not of the one that registered it.
  const latest = useRef({ state, top })
  latest.current = { state, top }
  useEffect(() => {
    const onKey = (e: KeyboardEvent) => {
      if (e.ctrlKey || e.metaKey || e.altKey) return
      const target = e.target as HTMLElement
      if (target.closest('input, select, textarea, [contenteditable]')) return
      const { state, top } = latest.current
      const preset: Record<string, string> = { r: 'realtime', d: 'day', '7': '7d', '3': '30d', m: 'month' }
      if (preset[e.key.toLowerCase()]) {
        go({ ...state, period: preset[e.key.toLowerCase()], from: '', to: '', interval: '' })
      } else if ((e.key === 'ArrowLeft' || e.key === 'ArrowRight') && top) {
        const next = st.shift(state, top.range, e.key === 'ArrowLeft' ? -1 : 1, isoDate(new Date()))
        if (next) go(next)
      } else return
      e.preventDefault()
    }
    document.addEventListener('keydown', onKey)
    return () => document.removeEventListener('keydown', onKey)
  }, [domain])

  if (siteError) {
    const missing = siteError instanceof api.ApiError && siteError.status === 404
    return (
      <main class="page narrow">
        {missing ? <p>{t.siteNotFound(domain)}</p> : <ErrorBox error={siteError} onRetry={() => { setSiteError(null); api.getSite(domain).then(setSite, setSiteError) }} />}
        <a href="/sites">{t.backToSites}</a>
      </main>
    )
  }

  const range = top ? rangeText(top.range[0], top.range[1]) : ''
  const addFilter = (f: api.Filter) => go(withFilter(state, f))
  const newSite = !!top && !top.everVisited

  return (
    <main class="page dashboard" data-ready={top && (series || realtime) ? 'true' : 'false'}>
      <div class="dash-head">
        <div class="site-head">
          <h1 class="site-title">{domain}</h1>
          {!share && <SiteNav domain={domain} active="traffic" />}
          {site && <LiveVisitors domain={domain} />}
        </div>
        <DatePicker state={state} range={top?.range} onChange={go} />
      </div>
      <FilterBar domain={domain} base={base} state={state} go={go}>
        {!realtime && <ExportView base={base} state={state} />}
      </FilterBar>
      {newSite && (
        <section class="card empty-site">
          <h2>{t.noDataYet(domain)}</h2>
          {!share && <p>{t.noDataYetHelp}</p>}
          {!share && <Snippet domain={domain} />}
          {!share && <VerifyInstall domain={domain} onReceived={() => {
            // The first events are today's, and preset ranges but "today" end yesterday.
            if (state.period === 'day') setVersion((n) => n + 1)
            else go({ ...state, period: 'day', from: '', to: '', interval: '' })
          }} />}
        </section>
      )}
      {topLoad.error ? <ErrorBox error={topLoad.error} onRetry={topLoad.retry} /> : null}
      <section class="top-stats" aria-label={range}>
        {st.topMetrics.map((m, i) => (
          <button type="button" key={m} class={m === state.metric ? 'stat active' : 'stat'} data-metric={m}
            data-value={top ? top.values[i] : undefined} aria-pressed={m === state.metric}
            onClick={() => go({ ...state, metric: m })}>
            <span class="stat-label">{t.metrics[m]}</span>
            {top ? <span class="stat-value">{formatMetric(m, top.values[i])}</span> : <span class="stat-value"><Skeleton /></span>}
            <StatChange metric={m} value={top ? (newSite ? null : top.changes[i]) : undefined} />
          </button>
        ))}
      </section>
      {realtime ? <p class="card muted realtime-note">{t.realtimeNote}</p> : <section class="card chart-card">
        <div class="chart-head">
          <CompareControl state={state} onChange={go} />
          <div class="segmented" role="group" aria-label={t.interval}>
            {st.intervals(state).slice().sort((a, b) => ['hour', 'day', 'week', 'month'].indexOf(a) - ['hour', 'day', 'week', 'month'].indexOf(b)).map((iv) => (
              <button type="button" key={iv} aria-pressed={iv === interval} class={iv === interval ? 'active' : ''}
                onClick={() => go({ ...state, interval: iv === st.intervals(state)[0] ? '' : iv })}>{t.intervals[iv]}</button>
            ))}
          </div>
        </div>
        {seriesLoad.error ? <ErrorBox error={seriesLoad.error} onRetry={seriesLoad.retry} /> : null}
        {series ? <Chart series={series} metric={state.metric} interval={interval} rangeText={range} /> : !seriesLoad.error && <Skeleton height={260} />}
      </section>}
      {state.filters.length > 0 && top && top.values[0] === 0 && <p class="empty muted">{t.noFilterMatch}</p>}
      {site && (
        <div class="panels">
          {st.tabGroups.map((g) => (
            <Panel key={g} group={g} base={base} version={version} keep={realtime} state={state}
              onTab={(id) => go(st.withTab(state, g, id), true)} onFilter={addFilter} />
          ))}
          <Funnels base={base} version={version} />
        </div>
      )}
      <p class="shortcuts muted">{t.shortcuts}</p>
      <p class="shortcuts muted">{t.geoAttribution} <a href="https://lite.ip2location.com" rel="noopener">{t.geoLicence}</a></p>
    </main>
  )
}

// CompareControl picks what the chart and the top stats compare with:
// nothing, the previous period, the same period a year before, or any
// range of dates.
function CompareControl({ state, onChange }: { state: st.State; onChange: (s: st.State) => void }) {
  const [mode, setMode] = useState(state.compare)
  const [from, setFrom] = useState(state.cfrom)
  const [to, setTo] = useState(state.cto)
  useEffect(() => { setMode(state.compare); setFrom(state.cfrom); setTo(state.cto) }, [state.compare, state.cfrom, state.cto])
  const today = isoDate(new Date())
  return (
    <div class="compare">
      <label>{t.compareWith}{' '}
        <select name="compare" value={mode} onChange={(e) => {
          const m = e.currentTarget.value
          setMode(m)
          if (m !== 'custom') onChange({ ...state, compare: m, cfrom: '', cto: '' })
        }}>
          {['', 'previous', 'year', 'custom'].map((m) => <option key={m} value={m}>{t.compareModes[m]}</option>)}
        </select>
      </label>
      {mode === 'custom' && (
        <form class="custom-range" onSubmit={(e) => { e.preventDefault(); if (from && to && from <= to) onChange({ ...state, compare: 'custom', cfrom: from, cto: to }) }}>
          <label>{t.from} <input type="date" name="cfrom" value={from} max={today} required onInput={(e) => setFrom(e.currentTarget.value)} /></label>
          <label>{t.to} <input type="date" name="cto" value={to} min={from} max={today} required onInput={(e) => setTo(e.currentTarget.value)} /></label>
          <button type="submit" class="button secondary small">{t.apply}</button>
        </form>
      )}
    </div>
  )
}

// LiveVisitors shows who is on the site now (the last 30 minutes),
// refreshed every 30 seconds while the tab is visible.
function LiveVisitors({ domain }: { domain: string }) {
  const [n, setN] = useState<number | null>(null)
  useEffect(() => {
    let ctl = new AbortController()
    const load = () => {
      if (document.hidden) return
      ctl.abort()
      ctl = new AbortController()
      api.query({ site_id: domain, metrics: ['visitors'], date_range: 'realtime' }, ctl.signal)
        .then((r) => setN(r.results[0] ? r.results[0].metrics[0] : 0), () => undefined)
    }
    load()
    const timer = setInterval(load, 30000)
    document.addEventListener('visibilitychange', load)
    return () => { clearInterval(timer); document.removeEventListener('visibilitychange', load); ctl.abort() }
  }, [domain])
  if (n === null) return null
  return <span class="live" data-live={n}><span class="live-dot" aria-hidden="true" />{t.liveVisitors(n)}</span>
}

function StatChange({ metric, value }: { metric: string; value: number | null | undefined }) {
  if (value === undefined) return <span class="stat-change" />
  if (value === null) return <span class="stat-change muted">&nbsp;</span>
  // Fewer bounces are good news.
  const good = metric === 'bounce_rate' ? value < 0 : value > 0
  const cls = value === 0 ? 'stat-change muted' : good ? 'stat-change up' : 'stat-change down'
  return <span class={cls} title={t.vsPrevious} data-change={value}>{value === 0 ? t.noChange : change(metric, value)}</span>
}
