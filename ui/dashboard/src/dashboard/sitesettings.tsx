// Parts of a site's settings: its domain and time zone, its funnels, and
// resetting its stats.
import { useState } from 'preact/hooks'
import * as api from '../api'
import { navigate } from '../router'
import { t } from '../strings'
import { ErrorBox, Field, Skeleton } from '../components'
import { useLoad } from '../load'
import { timeZones } from '../pages/sites'

// SiteForm changes the domain and the time zone. A new domain moves the
// page to the settings under that name.
export function SiteForm({ site: loaded }: { site: api.Site }) {
  // The site as last saved: the form stays (with its "Saved.") after a save.
  const [site, setSite] = useState(loaded)
  const [domain, setDomain] = useState(site.domain)
  const [tz, setTz] = useState(site.timezone)
  const [error, setError] = useState<unknown>(null)
  const [saved, setSaved] = useState(false)
  const [busy, setBusy] = useState(false)
  const submit = async (e: Event) => {
    e.preventDefault()
    setBusy(true)
    setError(null)
    setSaved(false)
    try {
      const change: { domain?: string; timezone?: string } = {}
      if (domain.trim() !== site.domain) change.domain = domain.trim()
      if (tz !== site.timezone) change.timezone = tz
      const s = await api.updateSite(site.domain, change)
      setSaved(true)
      setSite(s)
      if (s.domain !== site.domain) navigate('/' + encodeURIComponent(s.domain) + '/settings', true)
    } catch (err) {
      setError(err)
    }
    setBusy(false)
  }
  const zones = [...new Set([site.timezone, ...timeZones()])]
  const unchanged = domain.trim() === site.domain && tz === site.timezone
  return (
    <form class="goal-form site-form" onSubmit={submit}>
      <Field label={t.domain} hint={t.domainChangeHint}>
        <input name="domain" required autocomplete="off" value={domain} onInput={(e) => { setDomain(e.currentTarget.value); setSaved(false) }} />
      </Field>
      <Field label={t.timeZone} hint={t.timeZoneHint}>
        <select name="timezone" value={tz} onChange={(e) => { setTz(e.currentTarget.value); setSaved(false) }}>
          {zones.map((z) => <option key={z} value={z}>{z}</option>)}
        </select>
      </Field>
      {error ? <ErrorBox error={error} /> : null}
      <div class="actions">
        <button type="submit" class="button" disabled={busy || unchanged}>{t.save}</button>
        {saved && <span class="muted" role="status">{t.saved}</span>}
      </div>
    </form>
  )
}

function stepLabel(s: api.FunnelStep): string {
  return s.display_name || (s.goal_type === 'event' ? s.event_name || '' : s.page_path || '')
}

// FunnelSettings lists the funnels with their steps, removes them, and
// makes new ones from the site's goals (2 to 8 steps, in order).
export function FunnelSettings({ domain, goals, onChange }: { domain: string; goals: api.Goal[] | null; onChange: () => void }) {
  const [version, setVersion] = useState(0)
  const funnels = useLoad(domain + version, () => api.listFunnels(domain))
  const [name, setName] = useState('')
  const [steps, setSteps] = useState<string[]>(['', ''])
  const [error, setError] = useState<unknown>(null)
  const [busy, setBusy] = useState(false)
  const changed = () => { setVersion((n) => n + 1); onChange() }
  const byId = new Map((goals || []).map((g) => [String(g.id), g]))
  const submit = async (e: Event) => {
    e.preventDefault()
    setBusy(true)
    setError(null)
    try {
      const chosen = steps.map((id) => byId.get(id)).filter((g): g is api.Goal => !!g)
      await api.putFunnel(domain, name.trim(), chosen.map((g) => ({
        goal_type: g.goal_type, event_name: g.event_name, page_path: g.page_path, display_name: g.display_name,
      })))
      setName('')
      setSteps(['', ''])
      changed()
    } catch (err) {
      setError(err)
    }
    setBusy(false)
  }
  const remove = async (f: api.Funnel) => {
    setError(null)
    try {
      await api.deleteFunnel(domain, f.id)
      changed()
    } catch (err) {
      setError(err)
    }
  }
  const list = funnels.data?.funnels
  return (
    <section class="card" aria-labelledby="s-funnels">
      <h2 id="s-funnels">{t.funnels}</h2>
      <p class="muted">{t.funnelsLead}</p>
      {funnels.error ? <ErrorBox error={funnels.error} onRetry={funnels.retry} /> : null}
      {!list && !funnels.error && <Skeleton lines={2} />}
      {list && list.length === 0 && <p class="muted">{t.noFunnelsYet}</p>}
      {list && list.length > 0 && (
        <ul class="goal-list">
          {list.map((f) => (
            <li key={f.id} data-funnel={f.name}>
              <span><strong>{f.name}</strong> <span class="muted">{(f.steps || []).map(stepLabel).join(' → ')}</span></span>
              <button type="button" class="button secondary small" aria-label={t.removeFunnel(f.name)} onClick={() => remove(f)}>{t.remove}</button>
            </li>
          ))}
        </ul>
      )}
      {goals && goals.length < 2 ? <p class="muted">{t.funnelNeedsGoals}</p> : (
        <form class="goal-form funnel-form" onSubmit={submit}>
          <Field label={t.funnelName}>
            <input name="funnel_name" required maxLength={100} value={name} onInput={(e) => setName(e.currentTarget.value)} />
          </Field>
          <ol class="funnel-steps">
            {steps.map((id, i) => (
              <li key={i}>
                <Field label={t.funnelStepN(i + 1)}>
                  <select name={`step_${i + 1}`} required value={id} onChange={(e) => setSteps(steps.map((x, j) => (j === i ? e.currentTarget.value : x)))}>
                    <option value="">{t.chooseGoal}</option>
                    {(goals || []).map((g) => <option key={g.id} value={String(g.id)}>{g.display_name}</option>)}
                  </select>
                </Field>
              </li>
            ))}
          </ol>
          <div class="actions">
            {steps.length < 8 && <button type="button" class="link add-step" onClick={() => setSteps([...steps, ''])}>+ {t.addStep}</button>}
            {steps.length > 2 && <button type="button" class="link" onClick={() => setSteps(steps.slice(0, -1))}>{t.removeStep}</button>}
          </div>
          {error ? <ErrorBox error={error} /> : null}
          <div class="actions"><button type="submit" class="button" disabled={busy || !goals}>{t.addFunnel}</button></div>
        </form>
      )}
    </section>
  )
}

// ResetStats deletes every event of the site after the domain is typed
// in confirmation; the site and its settings stay.
export function ResetStats({ domain }: { domain: string }) {
  const [typed, setTyped] = useState('')
  const [error, setError] = useState<unknown>(null)
  const [done, setDone] = useState(false)
  const [busy, setBusy] = useState(false)
  const submit = async (e: Event) => {
    e.preventDefault()
    setBusy(true)
    setError(null)
    try {
      await api.resetStats(domain)
      setDone(true)
      setTyped('')
    } catch (err) {
      setError(err)
    }
    setBusy(false)
  }
  return (
    <form class="reset-stats" onSubmit={submit}>
      <h3>{t.resetStats}</h3>
      <p>{t.resetStatsLead}</p>
      <Field label={t.deleteSiteConfirm(domain)}>
        <input name="confirm_reset" autocomplete="off" value={typed} onInput={(e) => { setTyped(e.currentTarget.value); setDone(false) }} />
      </Field>
      {error ? <ErrorBox error={error} /> : null}
      <div class="actions">
        <button type="submit" class="button danger" disabled={busy || typed !== domain}>{t.resetStats}</button>
        {done && <span class="muted" role="status" data-reset="done">{t.statsReset}</span>}
      </div>
    </form>
  )
}
