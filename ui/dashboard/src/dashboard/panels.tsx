// The breakdown panels: a tab per dimension, the top rows by visitors,
// each row a button that adds a filter.
import * as api from '../api'
import { t } from '../strings'
import { ErrorBox, Skeleton } from '../components'
import { useLoad } from '../load'
import { useState } from 'preact/hooks'
import { Details, cell } from './details'
import { WorldMap } from './worldmap'
import { activeTab, panels, tabFilters, tabRows, type State } from './state'

const rowsShown = 9

export function Panel({ group, base, version, keep, state, onTab, onFilter }: {
  group: string
  base: Omit<api.StatsQuery, 'metrics'>
  version: number // a new value loads again
  keep: boolean // show the previous rows while a new version loads
  state: State
  onTab: (id: string) => void
  onFilter: (f: api.Filter) => void
}) {
  const tab = activeTab(state, group)
  const metrics = tab.metrics || ['visitors']
  const key = JSON.stringify([base, version, tab.id, tab.filter])
  const extra = tabFilters(tab)
  const order = tab.order || 'visitors'
  const bar = Math.max(0, metrics.indexOf(order))
  const [details, setDetails] = useState(false)
  const { data, error, retry } = useLoad(key, (signal) => api.query({
    ...base, metrics, dimensions: tab.dims,
    ...(extra.length ? { filters: [...(base.filters || []), ...extra] } : {}),
    order_by: [[order, 'desc']], pagination: { limit: tab.id === 'map' ? 300 : rowsShown },
  }, signal), keep ? JSON.stringify([base, tab.id, tab.filter]) : undefined)
  const rows = data ? tabRows(tab, data.results) : null
  // A drilled-down tab names the value it breaks down, e.g. "Chrome 142".
  const parent = panels[group].find((p) => p.drill && p.drill.filter === tab.filter)
  const prefix = parent ? (state.filters.find((f) => f[1] === parent.filter)?.[2][0] || '') + ' ' : ''

  const max = rows && rows.length ? Math.max(...rows.map((r) => r.metrics[bar])) : 1
  const filtered = new Set(state.filters.filter((f) => f[1] === tab.filter && f[0] === 'is').flatMap((f) => f[2]))
  return (
    <section class="panel" data-panel={group} aria-labelledby={`panel-${group}`}>
      <div class="panel-head">
        <h2 id={`panel-${group}`}>{t.panelGroups[group]}</h2>
        <div class="tabs" role="tablist">
          {panels[group].map((p) => (
            <button type="button" role="tab" key={p.id} aria-selected={p.id === tab.id} class={p.id === tab.id ? 'tab active' : 'tab'}
              onClick={() => onTab(p.id)}>{t.panels[p.id]}</button>
          ))}
        </div>
      </div>
      <div class="panel-columns muted" style={tab.id === 'map' ? { visibility: 'hidden' } : undefined}><span>{t.dimensions[tab.filter]}</span><span class="cols">{metrics.map((m) => <span key={m}>{t.columns[m]}</span>)}</span></div>
      <div class="panel-body" role="tabpanel" data-tab={tab.id}>
        {error ? <ErrorBox error={error} onRetry={retry} /> : null}
        {!rows && !error && <Skeleton lines={rowsShown} />}
        {rows && rows.length === 0 && <p class="panel-empty muted">{tab.id === 'goals' && !base.filters && !api.isShared() ? t.noGoals(base.site_id) : tab.id === 'revenue' ? t.noRevenue : t.noData}</p>}
        {rows && rows.length > 0 && tab.id === 'map' && <WorldMap rows={rows} filtered={filtered} onPick={(c) => onFilter(['is', tab.filter, [c]])} />}
        {rows && rows.length > 0 && tab.id !== 'map' && (
          <ol class="rows">
            {rows.map((r) => {
              const value = r.dimensions[0], label = prefix + (r.dimensions[tab.dims.length - 1] || value)
              const v = r.metrics[bar]
              return (
                <li key={value} data-value={value} data-visitors={r.metrics[0]}>
                  <button type="button" class="row" disabled={filtered.has(value)} title={t.filterBy(t.dimensions[tab.filter], label)}
                    onClick={() => onFilter(['is', tab.filter, [value]])}>
                    <span class="bar" style={{ width: `${(v / max) * 100}%` }} />
                    <span class="row-label">{label}</span>
                    <span class="cols">{metrics.map((m, i) => <span key={m} class="row-value" data-metric={m} data-raw={r.metrics[i]}>{cell(m, r.metrics[i])}</span>)}</span>
                  </button>
                </li>
              )
            })}
          </ol>
        )}
      </div>
      <div class="panel-foot" style={rows && rows.length > 0 ? undefined : { visibility: 'hidden' }}>
        <button type="button" class="link details-open" onClick={() => setDetails(true)}>{t.details}</button>
      </div>
      {details && <Details title={t.detailsOf(t.panels[tab.id] || t.dimensions[tab.filter])} base={base} tab={tab} extra={extra}
        onClose={() => setDetails(false)} onFilter={onFilter} />}
    </section>
  )
}
