// A site's settings: domain and time zone, its snippet, goals, funnels,
// shared links, and the danger zone (resetting the stats, deleting it).
import { useState } from 'preact/hooks'
import * as api from '../api'
import { navigate } from '../router'
import { t } from '../strings'
import { CopyBox, ErrorBox, Field, Skeleton } from '../components'
import { useLoad } from '../load'
import { Snippet } from '../pages/sites'
import { VerifyInstall } from '../verify'
import { SiteNav } from './sitenav'
import { AlertSettings } from './alerts'
import { FunnelSettings, ResetStats, SiteForm } from './sitesettings'

export function Settings({ domain }: { domain: string }) {
  const [version, setVersion] = useState(0)
  const site = useLoad(domain, () => api.getSite(domain))
  const goals = useLoad(domain + version, () => api.listGoals(domain))
  return (
    <main class="page settings">
      <div class="dash-head">
        <div class="site-head">
          <h1 class="site-title">{domain}</h1>
          <SiteNav domain={domain} active="settings" />
        </div>
      </div>
      {site.error ? <ErrorBox error={site.error} /> : null}
      <section class="card" aria-labelledby="s-site">
        <h2 id="s-site">{t.settingsSite}</h2>
        {site.data ? <SiteForm site={site.data} /> : !site.error && <Skeleton />}
        <h3>{t.snippetTitle(domain)}</h3>
        <Snippet domain={domain} />
        <VerifyInstall domain={domain} />
      </section>
      <section class="card" aria-labelledby="s-goals">
        <h2 id="s-goals">{t.goals}</h2>
        <p class="muted">{t.goalsLead}</p>
        {goals.error ? <ErrorBox error={goals.error} onRetry={goals.retry} /> : null}
        {!goals.data && !goals.error && <Skeleton lines={2} />}
        {goals.data && goals.data.goals.length === 0 && <p class="muted">{t.noGoalsYet}</p>}
        {goals.data && goals.data.goals.length > 0 && (
          <ul class="goal-list">
            {goals.data.goals.map((g) => (
              <li key={g.id} data-goal={g.display_name}>
                <span><strong>{g.display_name}</strong> <span class="muted">{g.goal_type === 'event' ? t.goalEvent(g.event_name || '') : t.goalPage(g.page_path || '')}</span></span>
                <DeleteGoal domain={domain} goal={g} onDone={() => setVersion((n) => n + 1)} />
              </li>
            ))}
          </ul>
        )}
        <AddGoal domain={domain} onDone={() => setVersion((n) => n + 1)} />
      </section>
      <FunnelSettings domain={domain} goals={goals.data ? goals.data.goals : null} onChange={() => undefined} />
      <SharedLinks domain={domain} />
      <AlertSettings domain={domain} />
      <section class="card danger" aria-labelledby="s-danger">
        <h2 id="s-danger">{t.dangerZone}</h2>
        <ResetStats domain={domain} />
        <h3>{t.deleteSite}</h3>
        <DeleteSite domain={domain} />
      </section>
    </main>
  )
}

function AddGoal({ domain, onDone }: { domain: string; onDone: () => void }) {
  const [kind, setKind] = useState<'event' | 'page'>('event')
  const [value, setValue] = useState('')
  const [name, setName] = useState('')
  const [error, setError] = useState<unknown>(null)
  const [busy, setBusy] = useState(false)
  const submit = async (e: Event) => {
    e.preventDefault()
    setBusy(true)
    setError(null)
    try {
      await api.putGoal(domain, kind, value.trim(), name.trim())
      setValue('')
      setName('')
      onDone()
    } catch (err) {
      setError(err)
    }
    setBusy(false)
  }
  return (
    <form class="goal-form" onSubmit={submit}>
      <Field label={t.goalType}>
        <select name="goal_type" value={kind} onChange={(e) => setKind(e.currentTarget.value as 'event' | 'page')}>
          <option value="event">{t.goalTypes.event}</option>
          <option value="page">{t.goalTypes.page}</option>
        </select>
      </Field>
      <Field label={kind === 'event' ? t.eventName : t.pagePath} hint={kind === 'page' ? t.pagePathHint : undefined}>
        <input name="goal_value" required placeholder={kind === 'event' ? 'Signup' : '/pricing'} value={value} onInput={(e) => setValue(e.currentTarget.value)} />
      </Field>
      <Field label={t.displayName}>
        <input name="display_name" value={name} onInput={(e) => setName(e.currentTarget.value)} />
      </Field>
      {error ? <ErrorBox error={error} /> : null}
      <div class="actions"><button type="submit" class="button" disabled={busy}>{t.addGoal}</button></div>
    </form>
  )
}

function DeleteGoal({ domain, goal, onDone }: { domain: string; goal: api.Goal; onDone: () => void }) {
  const [error, setError] = useState<unknown>(null)
  const remove = async () => {
    setError(null)
    try {
      await api.deleteGoal(domain, goal.id)
      onDone()
    } catch (e) {
      setError(e)
    }
  }
  return (
    <>
      <button type="button" class="button secondary small" aria-label={t.removeGoal(goal.display_name)} onClick={remove}>{t.remove}</button>
      {error ? <ErrorBox error={error} /> : null}
    </>
  )
}

function DeleteSite({ domain }: { domain: string }) {
  const [typed, setTyped] = useState('')
  const [error, setError] = useState<unknown>(null)
  const submit = async (e: Event) => {
    e.preventDefault()
    setError(null)
    try {
      await api.deleteSite(domain)
      navigate('/sites')
    } catch (err) {
      setError(err)
    }
  }
  return (
    <form onSubmit={submit}>
      <p>{t.deleteSiteLead}</p>
      <Field label={t.deleteSiteConfirm(domain)}>
        <input name="confirm_domain" autocomplete="off" value={typed} onInput={(e) => setTyped(e.currentTarget.value)} />
      </Field>
      {error ? <ErrorBox error={error} /> : null}
      <div class="actions"><button type="submit" class="button danger" disabled={typed !== domain}>{t.deleteSite}</button></div>
    </form>
  )
}

// SharedLinks lists the site's shared links with their address and embed
// code, makes new ones and revokes them.
function SharedLinks({ domain }: { domain: string }) {
  const [version, setVersion] = useState(0)
  const links = useLoad(domain + version, () => api.listSharedLinks(domain))
  const [name, setName] = useState('')
  const [password, setPassword] = useState('')
  const [error, setError] = useState<unknown>(null)
  const [busy, setBusy] = useState(false)
  const submit = async (e: Event) => {
    e.preventDefault()
    setBusy(true)
    setError(null)
    try {
      await api.createSharedLink(domain, name.trim(), password)
      setName('')
      setPassword('')
      setVersion((n) => n + 1)
    } catch (err) {
      setError(err)
    }
    setBusy(false)
  }
  const revoke = async (l: api.SharedLink) => {
    setError(null)
    try {
      await api.deleteSharedLink(domain, l.id)
      setVersion((n) => n + 1)
    } catch (err) {
      setError(err)
    }
  }
  return (
    <section class="card" aria-labelledby="s-links">
      <h2 id="s-links">{t.sharedLinks}</h2>
      <p class="muted">{t.sharedLinksLead}</p>
      {links.error ? <ErrorBox error={links.error} onRetry={links.retry} /> : null}
      {!links.data && !links.error && <Skeleton lines={2} />}
      {links.data && links.data.shared_links.length === 0 && <p class="muted">{t.noSharedLinks}</p>}
      {links.data && links.data.shared_links.length > 0 && (
        <ul class="link-list">
          {links.data.shared_links.map((l) => (
            <li key={l.id} data-link={l.name} data-url={l.url}>
              <div class="link-head">
                <span><strong>{l.name}</strong>{l.password_protected && <span class="muted"> · {t.passwordProtected}</span>}</span>
                <button type="button" class="button secondary small" aria-label={t.revokeLink(l.name)} onClick={() => revoke(l)}>{t.revoke}</button>
              </div>
              <CopyBox code={l.url} />
              <details>
                <summary>{t.embedCode}</summary>
                <p class="muted field-hint">{t.embedHint}</p>
                <CopyBox code={`<iframe src="${l.url}?embed=true&theme=system" title="${domain}" style="width:100%;height:1600px;border:0" loading="lazy"></iframe>`} />
              </details>
            </li>
          ))}
        </ul>
      )}
      <form class="goal-form" onSubmit={submit}>
        <Field label={t.linkName}>
          <input name="link_name" required maxLength={100} value={name} onInput={(e) => setName(e.currentTarget.value)} />
        </Field>
        <Field label={t.linkPassword}>
          <input name="link_password" type="password" autocomplete="new-password" value={password} onInput={(e) => setPassword(e.currentTarget.value)} />
        </Field>
        {error ? <ErrorBox error={error} /> : null}
        <div class="actions"><button type="submit" class="button" disabled={busy}>{t.createLink}</button></div>
      </form>
    </section>
  )
}
