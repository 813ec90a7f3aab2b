// The list of sites with last month's visitors, and adding a site.
import { useEffect, useState } from 'preact/hooks'
import * as api from '../api'
import { t } from '../strings'
import { number } from '../format'
import { CopyBox, ErrorBox, Field, Skeleton, Sparkline } from '../components'
import { VerifyInstall } from '../verify'

export function Sites() {
  const [sites, setSites] = useState<api.Site[] | null>(null)
  const [error, setError] = useState<unknown>(null)
  const [adding, setAdding] = useState(false)
  const load = () => {
    setError(null)
    api.listSites().then((r) => setSites(r.sites), setError)
  }
  useEffect(load, [])

  return (
    <main class="page">
      <div class="page-head">
        <h1>{t.sitesTitle}</h1>
        {sites && sites.length > 0 && !adding && <button type="button" class="button" onClick={() => setAdding(true)}>{t.addSite}</button>}
      </div>
      {error ? <ErrorBox error={error} onRetry={load} /> : null}
      {!sites && !error && <ul class="site-list"><li class="site-card"><Skeleton lines={2} /></li></ul>}
      {sites && sites.length === 0 && !adding && (
        <div class="empty">
          <p>{t.sitesEmpty}</p>
          <button type="button" class="button" onClick={() => setAdding(true)}>{t.addSite}</button>
        </div>
      )}
      {adding && <AddSite onCancel={() => setAdding(false)} onAdded={(s) => setSites((all) => [...(all || []), s])} />}
      {sites && sites.length > 0 && (
        <ul class="site-list">
          {sites.map((s) => <SiteCard key={s.domain} site={s} />)}
        </ul>
      )}
    </main>
  )
}

function SiteCard({ site }: { site: api.Site }) {
  const [series, setSeries] = useState<number[] | null>(null)
  const [total, setTotal] = useState<number | null>(null)
  const [error, setError] = useState<unknown>(null)
  useEffect(() => {
    const ctl = new AbortController()
    const base = { site_id: site.domain, metrics: ['visitors'], date_range: '30d' }
    Promise.all([
      api.query({ ...base, dimensions: ['time:day'], include: { time_labels: true } }, ctl.signal),
      api.query(base, ctl.signal),
    ]).then(([daily, sum]) => {
      const byDay = new Map(daily.results.map((r) => [r.dimensions[0], r.metrics[0]]))
      setSeries((daily.meta.time_labels || []).map((l) => byDay.get(l) || 0))
      setTotal(sum.results[0] ? sum.results[0].metrics[0] : 0)
    }, (e) => { if (e.name !== 'AbortError') setError(e) })
    return () => ctl.abort()
  }, [site.domain])
  return (
    <li class="site-card" data-site={site.domain}>
      <a class="site-link" href={'/' + encodeURIComponent(site.domain)}>
        <span class="site-domain">{site.domain}</span>
        {error ? <span class="muted">{(error as Error).message}</span> : total === null ? <Skeleton lines={1} /> : (
          <span class="site-stats">
            <Sparkline values={series || []} label={`${number(total)} ${t.visitors30d}`} />
            <span><strong class="site-visitors">{number(total)}</strong> <span class="muted">{t.visitors30d}</span></span>
          </span>
        )}
      </a>
    </li>
  )
}

export function timeZones(): string[] {
  const supported = (Intl as unknown as { supportedValuesOf?: (k: string) => string[] }).supportedValuesOf
  return supported ? supported('timeZone') : ['UTC']
}

export function AddSite({ onCancel, onAdded }: { onCancel: () => void; onAdded: (s: api.Site) => void }) {
  const [domain, setDomain] = useState('')
  const [tz, setTz] = useState(() => Intl.DateTimeFormat().resolvedOptions().timeZone || 'UTC')
  const [busy, setBusy] = useState(false)
  const [error, setError] = useState<unknown>(null)
  const [added, setAdded] = useState<api.Site | null>(null)
  if (added) {
    return (
      <section class="card" aria-labelledby="snippet-title">
        <h2 id="snippet-title">{t.snippetTitle(added.domain)}</h2>
        <Snippet domain={added.domain} />
        <p class="muted">{t.snippetLead}</p>
        <VerifyInstall domain={added.domain} />
        <a class="button" href={'/' + encodeURIComponent(added.domain)}>{t.openDashboard}</a>
      </section>
    )
  }
  const submit = async (e: Event) => {
    e.preventDefault()
    setBusy(true)
    setError(null)
    try {
      const s = await api.createSite(domain.trim().toLowerCase().replace(/^https?:\/\//, '').replace(/^www\./, '').replace(/\/.*$/, ''), tz)
      setAdded(s)
      onAdded(s)
    } catch (err) {
      setError(err)
      setBusy(false)
    }
  }
  return (
    <form class="card" onSubmit={submit} aria-labelledby="add-title">
      <h2 id="add-title">{t.addSiteTitle}</h2>
      <Field label={t.domain} hint={t.domainHint}>
        <input name="domain" required autofocus placeholder="example.com" value={domain} onInput={(e) => setDomain(e.currentTarget.value)} />
      </Field>
      <Field label={t.timeZone} hint={t.timeZoneHint}>
        <select name="timezone" value={tz} onChange={(e) => setTz(e.currentTarget.value)}>
          {timeZones().map((z) => <option key={z} value={z}>{z}</option>)}
        </select>
      </Field>
      {error ? <ErrorBox error={error} /> : null}
      <div class="actions">
        <button type="submit" class="button" disabled={busy}>{t.create}</button>
        <button type="button" class="button secondary" onClick={onCancel}>{t.cancel}</button>
      </div>
    </form>
  )
}

export function baseURL(): string {
  const m = document.querySelector('meta[name="footfall-base-url"]')
  return (m && m.getAttribute('content')) || location.origin
}

// Snippet shows the tracker tag for a site with a button that copies it.
export function Snippet({ domain }: { domain: string }) {
  return <CopyBox code={`<script defer data-domain="${domain}" src="${baseURL()}/js/script.js"></script>`} />
}
