// The filter bar: the filter dialog, a chip per filter (its condition
// negates with a click, × removes it) and "clear all". The dashboard and
// the performance page share it, and with it the filters in the URL.
import type { ComponentChildren } from 'preact'
import * as api from '../api'
import { t } from '../strings'
import { filterLabel } from '../format'
import { FilterDialog } from './filterdialog'
import * as st from './state'

export function FilterBar({ domain, base, state, go, children }: {
  domain: string
  base: Omit<api.StatsQuery, 'metrics'>
  state: st.State
  go: (s: st.State) => void
  children?: ComponentChildren // more controls at the end of the bar
}) {
  const removeFilter = (i: number) => go({ ...state, filters: state.filters.filter((_, j) => j !== i) })
  return (
    <ul class="chips" aria-label={t.filters}>
      <li><FilterDialog domain={domain} base={base} state={state} onAdd={(f) => go(withFilter(state, f))} /></li>
      {state.filters.map(([op, dim, values], i) => {
        const shown = values.map((v) => filterLabel(dim, v)).join(t.or)
        const label = `${t.dimensions[dim] || dim} ${t.ops[op]} ${shown}`
        return (
          <li class="chip" key={dim} data-filter={`${dim}|${values.join('|')}`} data-op={op}>
            <span>{t.dimensions[dim] || dim}{' '}
              <button type="button" class="op" title={t.negate(label)} aria-label={t.negate(label)}
                onClick={() => go({ ...state, filters: state.filters.map((f, j) => (j === i ? [st.negated(f[0]), f[1], f[2]] : f)) })}>{t.ops[op]}</button>
              {' '}<strong>{shown}</strong></span>
            <button type="button" aria-label={t.removeFilter(label)} onClick={() => removeFilter(i)}>×</button>
          </li>
        )
      })}
      {state.filters.length > 1 && <li><button type="button" class="link" onClick={() => go({ ...state, filters: [] })}>{t.clearFilters}</button></li>}
      {children && <li class="chips-end">{children}</li>}
    </ul>
  )
}

// withFilter is the state with f in place of any filter on its dimension.
export function withFilter(state: st.State, f: api.Filter): st.State {
  return { ...state, filters: [...state.filters.filter((x) => x[1] !== f[1]), f] }
}
