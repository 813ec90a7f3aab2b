// The filter dialog: any dimension, any condition, a typed value with the
// most common values offered as suggestions.
import { useEffect, useRef, useState } from 'preact/hooks'
import * as api from '../api'
import { t } from '../strings'
import { useLoad } from '../load'
import * as st from './state'
import { filterLabel } from '../format'

const dims = [
  'event:page', 'visit:entry_page', 'visit:exit_page', 'visit:source', 'visit:channel', 'visit:referrer',
  'visit:utm_source', 'visit:utm_medium', 'visit:utm_campaign', 'visit:country', 'visit:region', 'visit:city',
  'visit:browser', 'visit:browser_version', 'visit:os', 'visit:os_version', 'visit:device', 'visit:screen',
  'event:goal', 'event:name',
]

export function FilterDialog({ domain, base, state, onAdd }: {
  domain: string
  base: Omit<api.StatsQuery, 'metrics'>
  state: st.State
  onAdd: (f: api.Filter) => void
}) {
  const [open, setOpen] = useState(false)
  const [dim, setDim] = useState(dims[0])
  const [op, setOp] = useState('is')
  const [value, setValue] = useState('')
  const [values, setValues] = useState<string[]>([]) // chosen before the one being typed
  const dialog = useRef<HTMLDialogElement>(null)
  useEffect(() => {
    const d = dialog.current
    if (!d) return
    if (open && !d.open) d.showModal()
    if (!open && d.open) d.close()
  }, [open])
  // Suggestions: the top values of the dimension under the other filters.
  const others = state.filters.filter((f) => f[1] !== dim)
  const suggestions = useLoad(open ? JSON.stringify([base.date_range, others, dim]) : null, (signal) => api.query({
    site_id: domain, date_range: base.date_range, metrics: ['visitors'], dimensions: [dim],
    ...(others.length ? { filters: others } : {}), order_by: [['visitors', 'desc']], pagination: { limit: 25 },
  }, signal))
  const ops = dim === 'event:goal' ? st.filterOps.slice(0, 2) : st.filterOps
  const all = [...new Set([...values, value.trim()].filter(Boolean))]
  const submit = (e: Event) => {
    e.preventDefault()
    if (!all.length) return
    onAdd([ops.includes(op) ? op : 'is', dim, all])
    setOpen(false)
    setValue('')
    setValues([])
  }
  const addValue = () => { if (value.trim()) { setValues(all); setValue('') } }
  return (
    <>
      <button type="button" class="button secondary small" onClick={() => setOpen(true)}>+ {t.addFilter}</button>
      <dialog ref={dialog} class="card filter-dialog" aria-labelledby="filter-title" onClose={() => setOpen(false)}>
        {open && (
          <form onSubmit={submit}>
            <h2 id="filter-title">{t.filterTitle}</h2>
            <label class="field"><span class="field-label">{t.dimension}</span>
              <select name="dimension" value={dim} onChange={(e) => { setDim(e.currentTarget.value); setValue(''); setValues([]) }}>
                {dims.map((d) => <option key={d} value={d}>{t.dimensions[d]}</option>)}
              </select>
            </label>
            <label class="field"><span class="field-label">{t.operator}</span>
              <select name="operator" value={op} onChange={(e) => setOp(e.currentTarget.value)}>
                {ops.map((o) => <option key={o} value={o}>{t.ops[o]}</option>)}
              </select>
            </label>
            {values.length > 0 && (
              <ul class="chips values" aria-label={t.valuesChosen}>
                {values.map((v) => (
                  <li class="chip" key={v} data-value={v}><span>{filterLabel(dim, v)}</span>
                    <button type="button" aria-label={t.removeValue(v)} onClick={() => setValues(values.filter((x) => x !== v))}>×</button></li>
                ))}
              </ul>
            )}
            <label class="field"><span class="field-label">{t.value}</span>
              <input name="value" list="filter-values" required={values.length === 0} autocomplete="off" value={value} onInput={(e) => setValue(e.currentTarget.value)}
              />
              <datalist id="filter-values">
                {(suggestions.data?.results || []).filter((r) => r.dimensions[0]).map((r) => (
                  <option key={r.dimensions[0]} value={r.dimensions[0]}>{filterLabel(dim, r.dimensions[0])}</option>
                ))}
              </datalist>
            </label>
            <button type="button" class="link add-value" disabled={!value.trim()} onClick={addValue}>+ {t.addValue}</button>
            <div class="actions">
              <button type="submit" class="button">{t.applyFilter}</button>
              <button type="button" class="button secondary" onClick={() => setOpen(false)}>{t.cancel}</button>
            </div>
          </form>
        )}
      </dialog>
    </>
  )
}
