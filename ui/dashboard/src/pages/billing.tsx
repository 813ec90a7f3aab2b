// The billing page (/billing?account=ID) of a hosted (saas) server: the
// account's plan and status, this period's usage with its projection, the
// plans to upgrade to (Stripe Checkout) and the customer portal; the
// banner every page shows while a payment failed or the account is over
// its events. Self-hosted, the billing API answers billing_disabled and
// the page says billing is off; the nav entry and banner stay hidden.
import { useEffect, useState } from 'preact/hooks'
import * as api from '../api'
import * as accounts from '../accounts'
import { navigate, useLocation } from '../router'
import { t, tb } from '../strings'
import { ErrorBox, Field, Skeleton } from '../components'
import { useLoad } from '../load'

export interface Plan {
  code: string; name: string; monthly_events: number; sites: number; members: number
  retention_days: number; alerts: number; features: string[]; monthly_cents: number; yearly_cents: number; offered: boolean
}
export interface PlanOffer extends Plan { intervals: string[] }
export interface Summary {
  account_id: number
  limits: { unlimited: boolean; plan: Plan; monthly_events: number; capacity: 'ok' | 'grace' | 'limited'; grace_until?: string }
  usage: { period_start: string; period_end: string; used: number; limit: number; projected: number; measured_at?: string }
  interval?: string; status?: string; period_end?: string
  has_customer: boolean; subscribed: boolean
  payment_issue: { failed_at: string; attempts: number; message: string } | null
  plans: PlanOffer[]
}

const base = (id: number) => '/api/billing/accounts/' + id
export const summary = (id: number) => api.request<Summary>('GET', base(id))
const checkout = (id: number, plan: string, interval: string) => api.request<{ url: string }>('POST', base(id) + '/checkout', { plan, interval })
const portal = (id: number) => api.request<{ url: string }>('POST', base(id) + '/portal')

// Whether billing is on: asked once per page load (GET /api/billing/plans
// answers billing_disabled on a self-hosted server).
let enabled: Promise<boolean> | null = null
export function billingEnabled(): Promise<boolean> {
  if (!enabled) {
    enabled = api.request<unknown>('GET', '/api/billing/plans').then(() => true, (e) => {
      if (e instanceof api.ApiError && e.code === 'billing_disabled') return false
      enabled = null // a passing failure: ask again next time
      return false
    })
  }
  return enabled
}

export function useBillingEnabled(): boolean | null {
  const [on, setOn] = useState<boolean | null>(null)
  useEffect(() => { billingEnabled().then(setOn) }, [])
  return on
}

// Stripe's pages are elsewhere: the browser leaves the app for them.
// Tests replace it to catch the navigation.
export const leave = { to: (url: string) => { location.assign(url) } }

// ManageBilling in app/access: admins and the owner (and staff).
const canManage = (me: api.Me, r: accounts.Role) => me.user.admin || r === 'owner' || r === 'admin'

const num = new Intl.NumberFormat('en')
const day = new Intl.DateTimeFormat('en', { dateStyle: 'medium' })
const money = (cents: number) => '$' + (cents % 100 === 0 ? String(cents / 100) : (cents / 100).toFixed(2))
const years = (days: number) => days % 365 === 0 ? tb.billingYears(days / 365) : tb.billingDays(days)
const limit = (n: number) => n > 0 ? num.format(n) : tb.billingUnlimited

export function Billing({ me }: { me: api.Me }) {
  const on = useBillingEnabled()
  const { params } = useLocation()
  const list = useLoad(on ? 'billing-accounts' : null, () => accounts.listAccounts())
  if (on === null) return <main class="page narrow"><Skeleton lines={3} /></main>
  if (!on) {
    return (
      <main class="page narrow billing">
        <h1>{tb.billingTitle}</h1>
        <p data-billing="off">{tb.billingOff}</p>
      </main>
    )
  }
  const all = list.data ? list.data.accounts : []
  const wanted = Number(params.get('account'))
  const current = all.find((a) => a.id === wanted) || all.find((a) => canManage(me, a.role)) || all[0]
  return (
    <main class="page narrow billing">
      <h1>{tb.billingTitle}</h1>
      <Returned params={params} />
      {list.error ? <ErrorBox error={list.error} onRetry={list.retry} /> : null}
      {!list.data && !list.error && <Skeleton lines={3} />}
      {list.data && all.length === 0 && <p class="muted">{t.noAccounts}</p>}
      {all.length > 1 && current && (
        <Field label={t.accountSwitch}>
          <select name="account" value={current.id} onChange={(e) => navigate('/billing?account=' + e.currentTarget.value)}>
            {all.map((a) => <option key={a.id} value={a.id}>{t.accountOption(a.name, t.roles[a.role])}</option>)}
          </select>
        </Field>
      )}
      {current && (canManage(me, current.role)
        ? <AccountBilling key={current.id} id={current.id} confirming={params.get('checkout') === 'success'} />
        : <p class="muted" data-billing="not-allowed">{tb.billingNotAllowed(t.roles[current.role])}</p>)}
    </main>
  )
}

// Returned says how the trip to Stripe ended.
function Returned({ params }: { params: URLSearchParams }) {
  const c = params.get('checkout')
  if (c === 'success') return <p class="notice ok" role="status" data-checkout="success">{tb.billingThanks}</p>
  if (c === 'cancel') return <p class="notice" role="status" data-checkout="cancel">{tb.billingCancelled}</p>
  if (params.get('portal') === 'done') return <p class="notice" role="status">{tb.billingPortalDone}</p>
  return null
}

// AccountBilling is one account's plan, usage, plans and actions. Back
// from a paid Checkout it asks again every two seconds for a while: the
// plan changes when Stripe's webhook arrives, usually within seconds.
function AccountBilling({ id, confirming }: { id: number; confirming: boolean }) {
  const [version, setVersion] = useState(0)
  const sum = useLoad('billing-' + id + ':' + version, () => summary(id), 'billing-' + id)
  const [tries, setTries] = useState(0)
  const waiting = confirming && sum.data !== null && !sum.data.subscribed && tries < 15
  useEffect(() => {
    if (!waiting) return
    const timer = setTimeout(() => { setTries((n) => n + 1); setVersion((n) => n + 1) }, 2000)
    return () => clearTimeout(timer)
  }, [waiting, version])
  if (sum.error) return <ErrorBox error={sum.error} onRetry={sum.retry} />
  if (!sum.data) return <Skeleton lines={6} />
  const s = sum.data
  return (
    <>
      {waiting && <p class="muted" aria-busy="true" data-confirming>{tb.billingConfirming}</p>}
      <CurrentPlan s={s} />
      <Usage s={s} />
      <Plans s={s} />
    </>
  )
}

function CurrentPlan({ s }: { s: Summary }) {
  const [busy, setBusy] = useState(false)
  const [error, setError] = useState<unknown>(null)
  const plan = s.limits.plan
  const openPortal = () => {
    setBusy(true)
    setError(null)
    portal(s.account_id).then(({ url }) => leave.to(url), (e) => { setError(e); setBusy(false) })
  }
  return (
    <section class="card billing-plan" aria-labelledby="billing-plan">
      <h2 id="billing-plan">{tb.billingCurrent}</h2>
      <p class="billing-plan-name"><strong data-plan={plan.code}>{plan.name}</strong>
        {s.interval && <span class="muted"> · {s.interval === 'year' ? tb.billingYearly : tb.billingMonthly}</span>}
        {s.status && <span class={'badge ' + (s.status === 'active' || s.status === 'trialing' ? 'ok' : 'warn')} data-status={s.status}>{tb.billingStatus(s.status)}</span>}
      </p>
      {!plan.offered && <p class="muted">{tb.billingGrandfathered}</p>}
      {s.period_end && s.subscribed && <p class="muted">{tb.billingRenews(day.format(new Date(s.period_end)))}</p>}
      <ul class="billing-limits" data-limits>
        <li>{tb.billingEventsLimit(limit(s.limits.monthly_events))}</li>
        <li>{tb.billingSitesLimit(limit(plan.sites))}</li>
        <li>{tb.billingMembersLimit(limit(plan.members))}</li>
        <li>{tb.billingAlertsLimit(limit(plan.alerts))}</li>
        <li>{tb.billingRetention(plan.retention_days > 0 ? years(plan.retention_days) : tb.billingUnlimited)}</li>
      </ul>
      {s.has_customer && <button type="button" class="button secondary" disabled={busy} onClick={openPortal} data-portal>{tb.billingManage}</button>}
      {error ? <ErrorBox error={error} /> : null}
    </section>
  )
}

function Usage({ s }: { s: Summary }) {
  const u = s.usage
  const max = Math.max(u.limit, u.used, u.projected, 1)
  const pct = (n: number) => Math.min(100, (n / max) * 100).toFixed(1) + '%'
  const over = u.limit > 0 && u.used > u.limit
  const willExceed = u.limit > 0 && !over && u.projected > u.limit
  return (
    <section class="card billing-usage" aria-labelledby="billing-usage">
      <h2 id="billing-usage">{tb.billingUsage}</h2>
      <p class="muted">{tb.billingPeriod(day.format(new Date(u.period_start)), day.format(new Date(u.period_end)))}</p>
      <div class={'usage-bar' + (over ? ' over' : '')} role="meter" aria-valuemin={0} aria-valuemax={u.limit || undefined} aria-valuenow={u.used}
        aria-label={tb.billingUsageLabel(num.format(u.used), u.limit ? num.format(u.limit) : tb.billingUnlimited)}>
        <div class="usage-used" style={{ width: pct(u.used) }} />
        {u.projected > u.used && <div class="usage-projected" style={{ left: pct(u.used), width: `calc(${pct(u.projected)} - ${pct(u.used)})` }} />}
        {u.limit > 0 && <div class="usage-limit" style={{ left: pct(u.limit) }} />}
      </div>
      <p data-usage={u.used}>{tb.billingUsed(num.format(u.used), u.limit ? num.format(u.limit) : tb.billingUnlimited)}
        {u.projected > 0 && <> · {tb.billingProjected(num.format(u.projected))}</>}</p>
      {(over || willExceed) && <p class="warn">{over ? tb.billingOver : tb.billingWillExceed}</p>}
    </section>
  )
}

function Plans({ s }: { s: Summary }) {
  const [interval, setInterval] = useState<'month' | 'year'>(s.interval === 'year' ? 'year' : 'month')
  const [busy, setBusy] = useState('')
  const [error, setError] = useState<unknown>(null)
  const current = s.limits.plan
  // The plans on sale, and the account's own if it is no longer sold.
  const rows: PlanOffer[] = s.plans.some((p) => p.code === current.code) ? s.plans : [...s.plans, { ...current, intervals: [] }]
  const upgrade = (p: PlanOffer) => {
    setBusy(p.code)
    setError(null)
    checkout(s.account_id, p.code, interval).then(({ url }) => leave.to(url), (e) => { setError(e); setBusy('') })
  }
  return (
    <section class="card billing-plans" aria-labelledby="billing-plans">
      <div class="page-head">
        <h2 id="billing-plans">{tb.billingPlans}</h2>
        <div class="segmented" role="group" aria-label={tb.billingInterval}>
          <button type="button" aria-pressed={interval === 'month'} onClick={() => setInterval('month')}>{tb.billingMonthly}</button>
          <button type="button" aria-pressed={interval === 'year'} onClick={() => setInterval('year')}>{tb.billingYearly}</button>
        </div>
      </div>
      {s.subscribed && <p class="muted">{tb.billingChangeInPortal}</p>}
      <div class="table-wrap">
        <table class="billing-table">
          <thead><tr>{tb.billingCols.map((c) => <th key={c} scope="col">{c}</th>)}</tr></thead>
          <tbody>
            {rows.map((p) => {
              const cents = interval === 'year' ? p.yearly_cents : p.monthly_cents
              const isCurrent = p.code === current.code
              const sellable = p.offered && p.intervals.includes(interval) && !isCurrent && !s.subscribed
              return (
                <tr key={p.code} data-plan-row={p.code} aria-current={isCurrent ? 'true' : undefined}>
                  <th scope="row">{p.name}{!p.offered && <span class="muted"> ({tb.billingNotSold})</span>}</th>
                  <td>{cents ? tb.billingPrice(money(cents), interval) : tb.billingFree}</td>
                  <td>{limit(p.monthly_events)}</td>
                  <td>{limit(p.sites)}</td>
                  <td>{limit(p.members)}</td>
                  <td>{p.retention_days ? years(p.retention_days) : tb.billingUnlimited}</td>
                  <td>{limit(p.alerts)}</td>
                  <td>{isCurrent ? <span class="badge">{tb.billingCurrentBadge}</span>
                    : sellable ? <button type="button" class="button small" disabled={busy !== ''} onClick={() => upgrade(p)} data-upgrade={p.code}>
                      {busy === p.code ? tb.billingRedirecting : tb.billingUpgrade}</button> : null}</td>
                </tr>
              )
            })}
          </tbody>
        </table>
      </div>
      {error ? <ErrorBox error={error} /> : null}
    </section>
  )
}

// BillingBanner is shown above every page while an account the person
// manages has a failed payment or is over its monthly events (grace, then
// paused). Asked once per page load; viewers and editors cannot act on
// it, and the API does not tell them.
export function BillingBanner({ me }: { me: api.Me }) {
  const { path } = useLocation()
  const [issues, setIssues] = useState<Summary[]>([])
  useEffect(() => {
    let live = true
    billingEnabled().then(async (on) => {
      if (!on) return
      const { accounts: all } = await accounts.listAccounts()
      const mine = all.filter((a) => canManage(me, a.role)).slice(0, 10)
      const sums = await Promise.all(mine.map((a) => summary(a.id).catch(() => null)))
      if (live) setIssues(sums.filter((s): s is Summary => s !== null && (s.payment_issue !== null || s.limits.capacity !== 'ok')))
    }).catch(() => undefined)
    return () => { live = false }
  }, [me.user.id, path === '/billing'])
  if (issues.length === 0) return null
  return (
    <>
      {issues.map((s) => (
        <div key={s.account_id} class="banner billing-banner" role="alert" data-billing-banner={s.payment_issue ? 'payment' : s.limits.capacity}>
          <p>{s.payment_issue ? tb.billingPaymentFailed
            : s.limits.capacity === 'limited' ? tb.billingPaused
              : tb.billingGrace(s.limits.grace_until ? day.format(new Date(s.limits.grace_until)) : '')}</p>
          <a class="button small" href={'/billing?account=' + s.account_id}>{s.payment_issue ? tb.billingFixPayment : tb.billingSeePlans}</a>
        </div>
      ))}
    </>
  )
}

// BillingNav is the topbar's link, on hosted servers only.
export function BillingNav() {
  return useBillingEnabled() ? <a href="/billing">{tb.billingTitle}</a> : null
}
