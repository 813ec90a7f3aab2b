// The funnels panel: pick one of the site's funnels and see, step by step,
// how many visitors reached it, the conversion from the first step and
// from the one before, and how many dropped off.
import { useState } from 'preact/hooks'
import * as api from '../api'
import { t } from '../strings'
import { number } from '../format'
import { ErrorBox, Skeleton } from '../components'
import { useLoad } from '../load'

export function Funnels({ base, version }: { base: Omit<api.StatsQuery, 'metrics'>; version: number }) {
  const list = useLoad(base.site_id + version, () => api.listFunnels(base.site_id))
  const [chosen, setChosen] = useState('')
  const funnels = list.data?.funnels || []
  const name = funnels.some((f) => f.name === chosen) ? chosen : funnels[0]?.name || ''
  const result = useLoad(name ? JSON.stringify([base, version, name]) : null, (signal) => api.funnel({
    site_id: base.site_id, date_range: base.date_range, funnel: name, ...(base.filters ? { filters: base.filters } : {}),
  }, signal))
  if (list.data && funnels.length === 0) return null // no funnels defined: nothing to show
  const max = result.data ? Math.max(1, ...result.data.steps.map((s) => s.visitors)) : 1
  return (
    <section class="panel wide" data-panel="funnels" aria-labelledby="panel-funnels">
      <div class="panel-head">
        <h2 id="panel-funnels">{t.funnels}</h2>
        {funnels.length > 1 && (
          <select aria-label={t.funnels} name="funnel" value={name} onChange={(e) => setChosen(e.currentTarget.value)}>
            {funnels.map((f) => <option key={f.id} value={f.name}>{f.name}</option>)}
          </select>
        )}
        {funnels.length === 1 && <span class="muted">{name}</span>}
      </div>
      {list.error ? <ErrorBox error={list.error} onRetry={list.retry} /> : null}
      {result.error ? <ErrorBox error={result.error} onRetry={result.retry} /> : null}
      {!result.data && !result.error && !list.error && <Skeleton lines={4} />}
      {result.data && (
        <ol class="funnel">
          {result.data.steps.map((s, i) => (
            <li key={i} data-step={i} data-visitors={s.visitors}>
              <div class="funnel-label"><span>{i + 1}. {s.label}</span><span class="muted">{i === 0 ? '' : t.funnelStep(s.conversion_rate_step, number(s.dropoff))}</span></div>
              <div class="funnel-bar"><span style={{ width: `${(s.visitors / max) * 100}%` }} /></div>
              <div class="funnel-figures"><strong>{number(s.visitors)}</strong> <span class="muted">{t.funnelVisitors(s.conversion_rate)}</span></div>
            </li>
          ))}
        </ol>
      )}
    </section>
  )
}
