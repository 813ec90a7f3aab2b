// A panel's details: every value of the open tab with more metrics,
// searchable, sortable by any column, a page at a time, and downloadable
// as CSV.
import { useEffect, useRef, useState } from 'preact/hooks'
import * as api from '../api'
import { t } from '../strings'
import { metric as formatMetric, number } from '../format'
import { useLoad } from '../load'
import { ErrorBox, Skeleton } from '../components'
import { tabRows, type Tab } from './state'
import { csv, save } from './zip'

const pageSize = 50

// detailMetrics are the columns of a tab's details.
export function detailMetrics(tab: Tab): string[] {
  if (tab.metrics) return tab.metrics
  if (tab.dims[0].startsWith('event:')) return ['visitors', 'pageviews', 'time_on_page', 'scroll_depth']
  return ['visitors', 'visits', 'pageviews', 'bounce_rate', 'visit_duration']
}

// cell shows a metric of a row; currency names the revenue's currency.
export function cell(m: string, v: number, currency = ''): string {
  if (m === 'conversion_rate' || m === 'scroll_depth') return `${Math.round(v * 100) / 100}%`
  if (m === 'total_revenue' || m === 'average_revenue') return money(v, currency)
  if (m === 'time_on_page') return formatMetric('visit_duration', v)
  return formatMetric(m, v)
}

// money shows an amount with two decimals and, when known, its currency.
export function money(v: number, currency = ''): string {
  const s = v.toLocaleString('en', { minimumFractionDigits: 2, maximumFractionDigits: 2 })
  return currency ? `${s} ${currency}` : s
}

// tabCSV is a tab's details as CSV (every row up to 10,000, the columns
// of the details table): what its Download CSV button and the whole-view
// export write.
export async function tabCSV(base: Omit<api.StatsQuery, 'metrics'>, tab: Tab, extra: api.Filter[], search = '',
  order: [string, 'asc' | 'desc'] = [tab.order || 'visitors', 'desc'], signal?: AbortSignal): Promise<string> {
  const all = await api.query(query(base, tab, extra, search, order, 10000, 0), signal)
  const rows: (string | number)[][] = [[t.dimensions[tab.filter] || tab.filter, ...detailMetrics(tab)]]
  for (const r of tabRows(tab, all.results)) rows.push([r.dimensions[tab.dims.length - 1] || r.dimensions[0], ...r.metrics])
  return csv(rows)
}

export function query(base: Omit<api.StatsQuery, 'metrics'>, tab: Tab, extra: api.Filter[], search: string,
  order: [string, 'asc' | 'desc'], limit: number, offset: number): api.StatsQuery {
  const filters = [...(base.filters || []), ...extra, ...(search ? [['contains', tab.dims[0], [search]] as api.Filter] : [])]
  return {
    ...base, metrics: detailMetrics(tab), dimensions: tab.dims,
    ...(filters.length ? { filters } : {}),
    order_by: [order], pagination: { limit, offset }, include: { total_rows: true },
  }
}

export function Details({ title, base, tab, extra, onClose, onFilter }: {
  title: string
  base: Omit<api.StatsQuery, 'metrics'>
  tab: Tab
  extra: api.Filter[]
  onClose: () => void
  onFilter: (f: api.Filter) => void
}) {
  const dialog = useRef<HTMLDialogElement>(null)
  const metrics = detailMetrics(tab)
  const [search, setSearch] = useState('')
  const [typed, setTyped] = useState('')
  const [order, setOrder] = useState<[string, 'asc' | 'desc']>([tab.order || 'visitors', 'desc'])
  const [page, setPage] = useState(0)
  const [csvError, setCsvError] = useState<unknown>(null)
  useEffect(() => { dialog.current?.showModal() }, [])
  // Searching waits for a pause in typing.
  useEffect(() => {
    const timer = setTimeout(() => { setSearch(typed.trim()); setPage(0) }, 250)
    return () => clearTimeout(timer)
  }, [typed])
  const q = query(base, tab, extra, search, order, pageSize, page * pageSize)
  const { data, error, retry } = useLoad(JSON.stringify(q), (signal) => api.query(q, signal))
  const total = data?.meta.total_rows ?? 0
  const pages = Math.max(1, Math.ceil(total / pageSize))

  const sortBy = (m: string) => {
    setOrder(([om, dir]) => [m, om === m && dir === 'desc' ? 'asc' : 'desc'])
    setPage(0)
  }
  const download = async () => {
    setCsvError(null)
    try {
      save(new Blob([await tabCSV(base, tab, extra, search, order)], { type: 'text/csv' }), `${base.site_id}-${tab.id}.csv`)
    } catch (e) {
      setCsvError(e)
    }
  }

  return (
    <dialog ref={dialog} class="card details" aria-labelledby="details-title" onClose={onClose}>
      <div class="details-head">
        <h2 id="details-title">{title}</h2>
        <button type="button" class="icon" aria-label={t.close} onClick={() => dialog.current?.close()}>×</button>
      </div>
      <div class="details-tools">
        <input type="search" name="search" placeholder={t.search} aria-label={t.search} value={typed} onInput={(e) => setTyped(e.currentTarget.value)} />
        <button type="button" class="button secondary small" onClick={download}>{t.downloadCSV}</button>
      </div>
      {csvError ? <ErrorBox error={csvError} /> : null}
      {error ? <ErrorBox error={error} onRetry={retry} /> : null}
      <div class="details-table">
        <table>
          <thead>
            <tr>
              <th scope="col">{t.dimensions[tab.filter]}</th>
              {metrics.map((m) => (
                <th scope="col" key={m} aria-sort={order[0] === m ? (order[1] === 'desc' ? 'descending' : 'ascending') : 'none'}>
                  <button type="button" class="sort" data-sort={m} onClick={() => sortBy(m)}>
                    {t.columns[m] || m}{order[0] === m ? (order[1] === 'desc' ? ' ↓' : ' ↑') : ''}
                  </button>
                </th>
              ))}
            </tr>
          </thead>
          <tbody>
            {data && tabRows(tab, data.results).map((r) => (
              <tr key={r.dimensions[0]} data-value={r.dimensions[0]}>
                <th scope="row">
                  <button type="button" class="link" onClick={() => { onFilter(['is', tab.filter, [r.dimensions[0]]]); dialog.current?.close() }}>
                    {r.dimensions[tab.dims.length - 1] || r.dimensions[0] || t.none}
                  </button>
                </th>
                {metrics.map((m, i) => <td key={m} data-metric={m} data-raw={r.metrics[i]}>{cell(m, r.metrics[i])}</td>)}
              </tr>
            ))}
          </tbody>
        </table>
        {!data && !error && <Skeleton lines={8} />}
        {data && data.results.length === 0 && <p class="muted panel-empty">{t.noData}</p>}
      </div>
      <div class="details-pages">
        <button type="button" class="button secondary small" disabled={page === 0} onClick={() => setPage(page - 1)}>{t.previousPage}</button>
        <span class="muted" data-total={data ? total : undefined}>{t.pageOf(page + 1, pages, number(total))}</span>
        <button type="button" class="button secondary small" disabled={page + 1 >= pages} onClick={() => setPage(page + 1)}>{t.nextPage}</button>
      </div>
    </dialog>
  )
}
