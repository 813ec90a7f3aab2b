// The dashboard's state lives in the URL: period, custom dates, filters,
// chart metric, interval, comparison and the open tab of each panel.
// Reading and writing it here keeps every view a shareable link.
import type { Filter } from '../api'
import { isoDate, utcDate } from '../format'

export const periods = ['realtime', 'day', '7d', '30d', 'month', '6mo', '12mo'] as const
export const topMetrics = ['visitors', 'visits', 'pageviews', 'views_per_visit', 'bounce_rate', 'visit_duration']

export interface State {
  period: string // one of periods, or "custom"
  from: string // custom range, ISO dates
  to: string
  filters: Filter[]
  metric: string
  interval: string // "" = picked from the range
  compare: string // "" none, "previous", "year" (year over year) or "custom"
  cfrom: string // custom comparison range, ISO dates
  cto: string
  tabs: Record<string, string>
}

// filterOps are the operators the filter dialog and the URL know; a goal
// takes only the first two.
export const filterOps = ['is', 'is_not', 'contains', 'contains_not']

// negated turns "is" into "is not" and back (likewise contains).
export function negated(op: string): string {
  return op.endsWith('_not') ? op.slice(0, -4) : op + '_not'
}

export const tabGroups = ['pages', 'sources', 'locations', 'devices', 'goals'] as const

const dateRe = /^\d{4}-\d{2}-\d{2}$/

export function parse(params: URLSearchParams): State {
  let period = params.get('period') || '30d'
  const from = params.get('from') || '', to = params.get('to') || ''
  if (period === 'custom' && !(dateRe.test(from) && dateRe.test(to) && from <= to)) period = '30d'
  if (period !== 'custom' && !(periods as readonly string[]).includes(period)) period = '30d'
  const filters: Filter[] = []
  for (const f of params.getAll('f')) {
    const [op, dim, ...rest] = splitValues(f)
    if (filterOps.includes(op) && dim && rest.length) filters.push([op, dim, rest])
  }
  let compare = params.get('compare') || ''
  const cfrom = params.get('cfrom') || '', cto = params.get('cto') || ''
  if (compare === 'custom' && !(dateRe.test(cfrom) && dateRe.test(cto) && cfrom <= cto)) compare = ''
  if (!['previous', 'year', 'custom'].includes(compare)) compare = ''
  const metric = params.get('metric') || 'visitors'
  const tabs: Record<string, string> = {}
  for (const g of tabGroups) tabs[g] = params.get(g) || ''
  return {
    period, from: period === 'custom' ? from : '', to: period === 'custom' ? to : '', filters,
    metric: topMetrics.includes(metric) ? metric : 'visitors',
    interval: ['hour', 'day', 'week', 'month'].includes(params.get('interval') || '') ? params.get('interval')! : '',
    compare, cfrom: compare === 'custom' ? cfrom : '', cto: compare === 'custom' ? cto : '', tabs,
  }
}

export function href(domain: string, s: State): string {
  const p = new URLSearchParams()
  if (s.period !== '30d') p.set('period', s.period)
  if (s.period === 'custom') { p.set('from', s.from); p.set('to', s.to) }
  for (const [op, dim, values] of s.filters) p.append('f', [op, dim, ...values.map((v) => v.replace(/[\\|]/g, '\\$&'))].join('|'))
  if (s.metric !== 'visitors') p.set('metric', s.metric)
  if (s.interval) p.set('interval', s.interval)
  if (s.compare) p.set('compare', s.compare)
  if (s.compare === 'custom') { p.set('cfrom', s.cfrom); p.set('cto', s.cto) }
  for (const g of tabGroups) if (s.tabs[g]) p.set(g, s.tabs[g])
  const q = p.toString()
  return '/' + encodeURIComponent(domain) + (q ? '?' + q : '')
}

// shareHref is href for a shared dashboard at root, keeping its own
// parameters (keep, a query string) after the state's.
export function shareHref(root: string, keep: string, s: State): string {
  const h = href('', s).slice(1)
  const q = [h.startsWith('?') ? h.slice(1) : '', keep].filter(Boolean).join('&')
  return root + (q ? '?' + q : '')
}

// splitValues splits a filter of the URL at each | not escaped by a
// backslash (values may hold | and \ themselves).
function splitValues(f: string): string[] {
  const out: string[] = []
  let cur = ''
  for (let i = 0; i < f.length; i++) {
    if (f[i] === '\\' && i + 1 < f.length) cur += f[++i]
    else if (f[i] === '|') { out.push(cur); cur = '' } else cur += f[i]
  }
  out.push(cur)
  return out
}

// comparison is the API's comparison for the state's mode; the top stats
// compare with the previous period when no mode is chosen.
export function comparison(s: State): { mode: string; date_range?: [string, string] } {
  if (s.compare === 'year') return { mode: 'year_over_year' }
  if (s.compare === 'custom') return { mode: 'custom', date_range: [s.cfrom, s.cto] }
  return { mode: 'previous_period' }
}

export function dateRange(s: State): string | [string, string] {
  return s.period === 'custom' ? [s.from, s.to] : s.period
}

function days(from: string, to: string): number {
  return Math.round((utcDate(to).getTime() - utcDate(from).getTime()) / 86400000) + 1
}

// intervals lists the buckets that make sense for a range, the first
// being the default (the one the API would pick).
export function intervals(s: State): string[] {
  switch (s.period) {
    case 'realtime': case 'day': return ['hour']
    case '7d': return ['day', 'hour']
    case '30d': case 'month': return ['day', 'week']
    case '6mo': return ['month', 'week', 'day']
    case '12mo': return ['month', 'week']
  }
  const n = days(s.from, s.to)
  if (n <= 2) return ['hour', 'day']
  if (n <= 93) return ['day', 'week', ...(n <= 14 ? ['hour'] : [])]
  return ['month', 'week', 'day']
}

export function interval(s: State): string {
  const all = intervals(s)
  return all.includes(s.interval) ? s.interval : all[0]
}

function lastOfMonth(d: Date): Date { return new Date(Date.UTC(d.getUTCFullYear(), d.getUTCMonth() + 1, 0)) }

// shift moves the period one length back (dir -1) or forward (+1), given
// the dates the API resolved it to. It returns null when moving forward
// would only reach into the future.
export function shift(s: State, resolved: [string, string], dir: number, today: string): State | null {
  if (s.period === 'realtime') return null // always now
  const from = resolved[0].slice(0, 10), to = resolved[1].slice(0, 10)
  const f = utcDate(from), e = utcDate(to)
  let nf: Date, nt: Date
  const wholeMonths = f.getUTCDate() === 1 && isoDate(lastOfMonth(e)) === to
  if (wholeMonths) {
    const months = (e.getUTCFullYear() - f.getUTCFullYear()) * 12 + e.getUTCMonth() - f.getUTCMonth() + 1
    nf = new Date(Date.UTC(f.getUTCFullYear(), f.getUTCMonth() + dir * months, 1))
    nt = lastOfMonth(new Date(Date.UTC(nf.getUTCFullYear(), nf.getUTCMonth() + months - 1, 1)))
  } else {
    const n = days(from, to)
    nf = new Date(f.getTime() + dir * n * 86400000)
    nt = new Date(e.getTime() + dir * n * 86400000)
  }
  if (dir > 0 && isoDate(nf) > today) return null
  return { ...s, period: 'custom', from: isoDate(nf), to: isoDate(nt), interval: '' }
}

// The panels: each tab is a query dimension, the filter a click on a row
// adds, and (for codes shown by name) the dimension holding the label.
export interface Tab {
  id: string
  dims: string[]
  filter: string
  hideEmpty?: boolean // leave out rows without a value
  metrics?: string[] // default: visitors
  exclude?: string[] // values of dims[0] never shown
  // drill: with a filter on `when`, the tab breaks that value down further.
  drill?: { when: string; dims: string[]; filter: string }
  order?: string // the metric rows are ordered by (and the bar shows); default: visitors
  nonzero?: boolean // leave out rows whose order metric is 0
}
export const panels: Record<string, Tab[]> = {
  pages: [
    { id: 'pages', dims: ['event:page'], filter: 'event:page' },
    { id: 'entry', dims: ['visit:entry_page'], filter: 'visit:entry_page' },
    { id: 'exit', dims: ['visit:exit_page'], filter: 'visit:exit_page' },
  ],
  sources: [
    { id: 'channels', dims: ['visit:channel'], filter: 'visit:channel' },
    { id: 'sources', dims: ['visit:source'], filter: 'visit:source' },
    { id: 'referrers', dims: ['visit:referrer'], filter: 'visit:referrer', hideEmpty: true },
    { id: 'utm_source', dims: ['visit:utm_source'], filter: 'visit:utm_source', hideEmpty: true },
    { id: 'utm_medium', dims: ['visit:utm_medium'], filter: 'visit:utm_medium', hideEmpty: true },
    { id: 'utm_campaign', dims: ['visit:utm_campaign'], filter: 'visit:utm_campaign', hideEmpty: true },
  ],
  locations: [
    { id: 'countries', dims: ['visit:country', 'visit:country_name'], filter: 'visit:country' },
    { id: 'regions', dims: ['visit:region'], filter: 'visit:region', hideEmpty: true },
    { id: 'cities', dims: ['visit:city'], filter: 'visit:city', hideEmpty: true },
    { id: 'map', dims: ['visit:country', 'visit:country_name'], filter: 'visit:country' },
  ],
  devices: [
    { id: 'browsers', dims: ['visit:browser'], filter: 'visit:browser', drill: { when: 'visit:browser', dims: ['visit:browser_version'], filter: 'visit:browser_version' } },
    { id: 'os', dims: ['visit:os'], filter: 'visit:os', drill: { when: 'visit:os', dims: ['visit:os_version'], filter: 'visit:os_version' } },
    { id: 'devices', dims: ['visit:device'], filter: 'visit:device' },
    { id: 'screens', dims: ['visit:screen'], filter: 'visit:screen', hideEmpty: true },
  ],
  goals: [
    { id: 'goals', dims: ['event:goal'], filter: 'event:goal', metrics: ['visitors', 'events', 'conversion_rate'] },
    { id: 'events', dims: ['event:name'], filter: 'event:name', metrics: ['visitors', 'events'], exclude: ['pageview', 'engagement'] },
    { id: 'revenue', dims: ['event:goal'], filter: 'event:goal', metrics: ['visitors', 'total_revenue', 'average_revenue'], order: 'total_revenue', nonzero: true },
  ],
}

export function activeTab(s: State, group: string): Tab {
  return resolveTab(s, panels[group].find((t) => t.id === s.tabs[group]) || panels[group][0])
}

// resolveTab is the tab as the state shows it: drilled down when the
// state filters by the value it breaks down.
export function resolveTab(s: State, tab: Tab): Tab {
  const d = tab.drill
  return d && s.filters.some((f) => f[1] === d.when) ? { ...tab, dims: d.dims, filter: d.filter, drill: undefined } : tab
}

// tabFilters are the filters a tab adds to the view's own.
export function tabFilters(tab: Tab): Filter[] {
  const extra: Filter[] = []
  if (tab.hideEmpty) extra.push(['is_not', tab.dims[0], ['']])
  if (tab.exclude) extra.push(['is_not', tab.dims[0], tab.exclude])
  return extra
}

// tabRows are the rows of an answer a tab shows.
export function tabRows<R extends { metrics: number[] }>(tab: Tab, rows: R[]): R[] {
  if (!tab.nonzero) return rows
  const i = Math.max(0, (tab.metrics || ['visitors']).indexOf(tab.order || 'visitors'))
  return rows.filter((r) => r.metrics[i] !== 0)
}

// defaultTab is the tab a group opens on; others are written to the URL.
export function withTab(s: State, group: string, id: string): State {
  return { ...s, tabs: { ...s.tabs, [group]: panels[group][0].id === id ? '' : id } }
}
