// The staff admin page (/admin): accounts (search, detail, block and
// unblock, deletion requests to approve), announcements, billing across
// accounts, and the audit log. To anyone but staff the page is not
// there, as the API says; the Jobs page (/admin/jobs) is linked.
import { useState } from 'preact/hooks'
import * as api from '../api'
import * as sa from '../staffapi'
import { t, ts } from '../strings'
import { ErrorBox, Field, Skeleton } from '../components'
import { useLoad } from '../load'

const when = new Intl.DateTimeFormat('en', { dateStyle: 'medium', timeStyle: 'short' })
const at = (s: string | undefined) => (s ? when.format(new Date(s)) : '—')
const num = new Intl.NumberFormat('en')
const money = (cents: number) => '$' + num.format(Math.round(cents / 100))

type Tab = 'accounts' | 'announcements' | 'billing' | 'audit'

export function Admin({ me }: { me: api.Me }) {
  const [tab, setTab] = useState<Tab>('accounts')
  if (!me.user.admin) return <main class="page narrow"><p>{t.errNotFound}</p><a href="/sites">{t.backToSites}</a></main>
  return (
    <main class="page admin-page">
      <div class="page-head"><h1>{ts.adminTitle}</h1></div>
      <nav class="tabs admin-tabs" role="tablist">
        {(['accounts', 'announcements', 'billing', 'audit'] as Tab[]).map((k) => (
          <button key={k} type="button" role="tab" data-tab={k} aria-selected={tab === k} class={'tab' + (tab === k ? ' active' : '')} onClick={() => setTab(k)}>{ts.tabs[k]}</button>
        ))}
        <a class="tab" href="/admin/jobs">{ts.jobs}</a>
      </nav>
      {tab === 'accounts' && <Accounts />}
      {tab === 'announcements' && <Announcements />}
      {tab === 'billing' && <Billing />}
      {tab === 'audit' && <Audit />}
    </main>
  )
}

// useAction runs a button's or form's action with a busy flag and its
// error in words.
function useAction() {
  const [busy, setBusy] = useState(false)
  const [error, setError] = useState<unknown>(null)
  const run = async (e: Event | null, f: () => Promise<void>) => {
    e?.preventDefault()
    setBusy(true)
    setError(null)
    try { await f() } catch (err) { setError(err) }
    setBusy(false)
  }
  return { busy, error, run }
}

function state(a: sa.AccountRow) {
  return a.deleted ? 'deleted' : a.blocked ? 'blocked' : 'active'
}
const stateLabel = (a: sa.AccountRow) => ({ deleted: ts.stateDeleted, blocked: ts.stateBlocked, active: ts.stateActive })[state(a)]

function Accounts() {
  const [q, setQ] = useState('')
  const [query, setQuery] = useState('')
  const [gen, setGen] = useState(0) // reloads after an action
  const [open, setOpen] = useState<number | null>(null)
  const found = useLoad('accounts ' + query + ' ' + gen, () => sa.searchAccounts(query), 'accounts')
  const pending = useLoad('deletions ' + gen, () => sa.deletionRequests(), 'deletions')
  const changed = () => setGen((n) => n + 1)
  return (
    <>
      <section class="card" aria-labelledby="s-search">
        <h2 id="s-search" class="visually-hidden">{ts.search}</h2>
        <form class="admin-search" onSubmit={(e) => { e.preventDefault(); setQuery(q.trim()) }}>
          <Field label={ts.searchLabel} hint={ts.searchHint}>
            <input type="search" name="q" value={q} onInput={(e) => setQ(e.currentTarget.value)} />
          </Field>
          <div class="actions"><button type="submit" class="button">{ts.search}</button></div>
        </form>
        {found.error ? <ErrorBox error={found.error} onRetry={found.retry} /> : null}
        {!found.data && !found.error && <Skeleton lines={4} />}
        {found.data && (found.data.accounts.length === 0 ? <p class="muted">{ts.noAccounts}</p> : (
          <div class="details-table">
            <table class="log-table admin-accounts">
              <thead><tr>{ts.accountCols.map((c) => <th key={c} scope="col">{c}</th>)}<th /></tr></thead>
              <tbody>
                {found.data.accounts.map((a) => (
                  <tr key={a.id} data-account={a.id} data-state={state(a)}>
                    <th scope="row">{a.name}</th>
                    <td>{a.owner_email || '—'}</td>
                    <td>{a.sites}</td>
                    <td>{a.members}</td>
                    <td>{a.plan}</td>
                    <td>{num.format(a.events)}</td>
                    <td class={'account-state ' + state(a)}>{stateLabel(a)}</td>
                    <td><button type="button" class="button small secondary" data-open={a.id} onClick={() => setOpen(open === a.id ? null : a.id)}>{open === a.id ? ts.close : ts.open}</button></td>
                  </tr>
                ))}
              </tbody>
            </table>
          </div>
        ))}
      </section>
      {open !== null && <AccountDetail key={open + ' ' + gen} id={open} onChange={changed} />}
      <section class="card" aria-labelledby="s-deletions">
        <h2 id="s-deletions">{ts.pendingDeletions}</h2>
        {pending.error ? <ErrorBox error={pending.error} onRetry={pending.retry} /> : null}
        {pending.data && (pending.data.requests.length === 0 ? <p class="muted">{ts.noPendingDeletions}</p> : (
          <ul class="plain-list">
            {pending.data.requests.map((r) => <DeletionRow key={r.id} r={r} onDone={changed} />)}
          </ul>
        ))}
      </section>
    </>
  )
}

function DeletionRow({ r, onDone }: { r: sa.DeletionRequest; onDone: () => void }) {
  const [confirming, setConfirming] = useState(false)
  const { busy, error, run } = useAction()
  return (
    <li data-deletion={r.account_id}>
      <strong>{r.account_name}</strong> <span class="muted">{ts.requestedBy(at(r.requested_at), r.reason)}</span>
      <div class="actions">
        {!confirming
          ? <button type="button" class="button small secondary" data-approve={r.account_id} onClick={() => setConfirming(true)}>{ts.approve}</button>
          : <>
            <button type="button" class="button small danger" data-confirm-approve={r.account_id} disabled={busy}
              onClick={() => run(null, async () => { await sa.approveDeletion(r.account_id); onDone() })}>{ts.approveConfirm(r.account_name)}</button>
            <button type="button" class="button small secondary" onClick={() => setConfirming(false)}>{ts.cancel}</button>
          </>}
      </div>
      {error ? <ErrorBox error={error} /> : null}
    </li>
  )
}

function AccountDetail({ id, onChange }: { id: number; onChange: () => void }) {
  const d = useLoad('account ' + id, () => sa.account(id))
  const [reason, setReason] = useState('')
  const { busy, error, run } = useAction()
  if (d.error) return <section class="card"><ErrorBox error={d.error} onRetry={d.retry} /></section>
  if (!d.data) return <section class="card"><Skeleton lines={5} /></section>
  const { account: a, members, sites, audit } = d.data
  return (
    <section class="card account-detail" aria-labelledby="s-detail" data-detail={a.id} data-state={state(a)}>
      <h2 id="s-detail">{a.name} <span class={'account-state ' + state(a)}>{stateLabel(a)}</span></h2>
      <p class="muted">{a.owner_email} · {a.plan} · {num.format(a.events)} events since {at(a.period_start)}</p>
      {a.blocked && <p class="block-note">{ts.blockedBecause(a.block_reason || '', at(a.blocked_at))}</p>}
      {a.deleted && <p class="block-note">{ts.deletedWhen(at(a.deleted_at), at(a.destroy_after))}</p>}
      {!a.deleted && (a.blocked
        ? <div class="actions"><button type="button" class="button secondary" data-unblock={a.id} disabled={busy}
          onClick={() => run(null, async () => { await sa.unblock(a.id); onChange() })}>{ts.unblock}</button></div>
        : <form onSubmit={(e) => run(e, async () => { await sa.block(a.id, reason); onChange() })}>
          <Field label={ts.blockReason} hint={ts.blockHint}>
            <input name="block_reason" required maxLength={500} value={reason} onInput={(e) => setReason(e.currentTarget.value)} />
          </Field>
          <div class="actions"><button type="submit" class="button danger" disabled={busy}>{ts.block}</button></div>
        </form>)}
      {error ? <ErrorBox error={error} /> : null}
      <div class="detail-columns">
        <div>
          <h3>{ts.members}</h3>
          <ul class="plain-list">{members.map((m) => <li key={m.user_id}>{m.email} <span class="muted">{m.role}</span></li>)}</ul>
        </div>
        <div>
          <h3>{ts.sitesTitle}</h3>
          <ul class="plain-list">{sites.map((s) => <li key={s.id}>{s.domain}</li>)}</ul>
        </div>
      </div>
      <h3>{ts.recentAudit}</h3>
      <AuditTable entries={audit} />
    </section>
  )
}

function AuditTable({ entries }: { entries: sa.AuditEntry[] }) {
  if (entries.length === 0) return <p class="muted">{ts.noAudit}</p>
  return (
    <div class="details-table">
      <table class="log-table audit-table">
        <thead><tr>{ts.auditCols.map((c) => <th key={c} scope="col">{c}</th>)}</tr></thead>
        <tbody>
          {entries.map((e) => (
            <tr key={e.id} data-action={e.action} data-audit-account={e.account_id || 0}>
              <td>{at(e.at)}</td>
              <td>{e.actor_email || '—'}</td>
              <th scope="row">{e.action}</th>
              <td>{e.account_id || '—'}</td>
              <td>{e.target || '—'}</td>
              <td><code>{Object.keys(e.detail).length ? JSON.stringify(e.detail) : ''}</code></td>
            </tr>
          ))}
        </tbody>
      </table>
    </div>
  )
}

function Audit() {
  const [more, setMore] = useState<sa.AuditEntry[]>([])
  const [next, setNext] = useState<number | null | undefined>(undefined)
  const first = useLoad('audit', () => sa.audit())
  const { busy, error, run } = useAction()
  if (first.error) return <section class="card"><ErrorBox error={first.error} onRetry={first.retry} /></section>
  if (!first.data) return <section class="card"><Skeleton lines={6} /></section>
  const cursor = next === undefined ? first.data.next_before : next
  return (
    <section class="card" aria-label={ts.tabs.audit}>
      <AuditTable entries={[...first.data.entries, ...more]} />
      {error ? <ErrorBox error={error} /> : null}
      {cursor !== null && (
        <div class="actions"><button type="button" class="button secondary" disabled={busy} onClick={() => run(null, async () => {
          const p = await sa.audit(cursor)
          setMore([...more, ...p.entries])
          setNext(p.next_before)
        })}>{ts.older}</button></div>
      )}
    </section>
  )
}

function Announcements() {
  const [subject, setSubject] = useState('')
  const [body, setBody] = useState('')
  const [seg, setSeg] = useState<sa.Segment>({ audience: 'all', plan: '', capacity: '' })
  const [count, setCount] = useState<{ recipients: number; sample: string[] } | null>(null)
  const [sent, setSent] = useState<number | null>(null)
  const [gen, setGen] = useState(0)
  const list = useLoad('announcements ' + gen, () => sa.announcements(), 'announcements')
  const { busy, error, run } = useAction()
  const segment = (): sa.Segment => ({ audience: seg.audience, ...(seg.plan ? { plan: seg.plan.trim() } : {}), ...(seg.capacity ? { capacity: seg.capacity } : {}) })
  const change = (s: sa.Segment) => { setSeg(s); setCount(null) }
  return (
    <>
      <section class="card" aria-label={ts.tabs.announcements}>
        <form onSubmit={(e) => run(e, async () => {
          setSent(null)
          const r = await sa.announce(subject, body, segment())
          setSent(r.announcement.recipients)
          setSubject(''); setBody(''); setCount(null)
          setGen((n) => n + 1)
        })}>
          <Field label={ts.subject}><input name="subject" required maxLength={200} value={subject} onInput={(e) => setSubject(e.currentTarget.value)} /></Field>
          <Field label={ts.body} hint={ts.bodyHint}><textarea name="body" required rows={6} value={body} onInput={(e) => setBody(e.currentTarget.value)} /></Field>
          <div class="form-row">
            <Field label={ts.audience}>
              <select name="audience" value={seg.audience} onChange={(e) => change({ ...seg, audience: e.currentTarget.value })}>
                {Object.entries(ts.audiences).map(([k, v]) => <option key={k} value={k}>{v}</option>)}
              </select>
            </Field>
            <Field label={ts.plan}><input name="plan" value={seg.plan} onInput={(e) => change({ ...seg, plan: e.currentTarget.value })} /></Field>
            <Field label={ts.capacity}>
              <select name="capacity" value={seg.capacity} onChange={(e) => change({ ...seg, capacity: e.currentTarget.value })}>
                {Object.entries(ts.capacities).map(([k, v]) => <option key={k} value={k}>{v}</option>)}
              </select>
            </Field>
          </div>
          {count && <p class="recipient-count" role="status">{ts.recipients(count.recipients, count.sample)}</p>}
          {sent !== null && <p class="ok" role="status">{ts.sent(sent)}</p>}
          {error ? <ErrorBox error={error} /> : null}
          <div class="actions">
            <button type="button" class="button secondary" data-preview disabled={busy} onClick={() => run(null, async () => setCount(await sa.previewAnnouncement(segment())))}>{ts.preview}</button>
            <button type="submit" class="button" disabled={busy || !count || count.recipients === 0}>{ts.send}</button>
          </div>
        </form>
      </section>
      <section class="card" aria-labelledby="s-sent">
        <h2 id="s-sent">{ts.pastAnnouncements}</h2>
        {list.error ? <ErrorBox error={list.error} onRetry={list.retry} /> : null}
        {list.data && (list.data.announcements.length === 0 ? <p class="muted">{ts.noAnnouncements}</p> : (
          <ul class="plain-list">
            {list.data.announcements.map((a) => <li key={a.id} data-announcement={a.id}><strong>{a.subject}</strong> <span class="muted">{at(a.created_at)} · {ts.audiences[a.segment.audience || 'all']} · {a.recipients}</span></li>)}
          </ul>
        ))}
      </section>
    </>
  )
}

function Billing() {
  const [gen, setGen] = useState(0)
  const b = useLoad('billing ' + gen, () => sa.billing(), 'billing')
  const [id, setId] = useState('')
  const [override, setOverride] = useState('')
  const [coupon, setCoupon] = useState('')
  const [done, setDone] = useState(false)
  const { busy, error, run } = useAction()
  if (b.error instanceof api.ApiError && b.error.code === 'billing_disabled') return <section class="card"><p class="muted">{ts.billingOff}</p></section>
  if (b.error) return <section class="card"><ErrorBox error={b.error} onRetry={b.retry} /></section>
  if (!b.data) return <section class="card"><Skeleton lines={5} /></section>
  return (
    <>
      <section class="card" aria-label={ts.tabs.billing}>
        <p class="billing-figures"><strong>{ts.mrr}</strong> {money(b.data.mrr_cents)} · <strong>{ts.overQuota}</strong> {b.data.over_quota}</p>
        {b.data.accounts.length === 0 ? <p class="muted">{ts.noBilling}</p> : (
          <div class="details-table">
            <table class="log-table">
              <thead><tr>{ts.billingCols.map((c) => <th key={c} scope="col">{c}</th>)}</tr></thead>
              <tbody>
                {b.data.accounts.map((r) => (
                  <tr key={r.account_id} data-billing={r.account_id} data-capacity={r.capacity}>
                    <th scope="row">{r.account_id}</th>
                    <td>{r.plan}{r.interval ? ' / ' + r.interval : ''}</td>
                    <td>{num.format(r.used)} / {num.format(r.limit)}</td>
                    <td>{r.capacity}</td>
                    <td>{money(r.mrr_cents)}</td>
                    <td>{r.override_events ? num.format(r.override_events) : '—'}</td>
                    <td>{r.coupon || '—'}</td>
                  </tr>
                ))}
              </tbody>
            </table>
          </div>
        )}
      </section>
      <section class="card">
        <form onSubmit={(e) => run(e, async () => {
          setDone(false)
          await sa.changeBilling(Number(id), { ...(override !== '' ? { override_events: Number(override) } : {}), ...(coupon.trim() ? { coupon: coupon.trim() } : {}) })
          setDone(true)
          setGen((n) => n + 1)
        })}>
          <div class="form-row">
            <Field label={ts.accountId}><input name="billing_account" inputMode="numeric" required value={id} onInput={(e) => setId(e.currentTarget.value)} /></Field>
            <Field label={ts.override}><input name="override_events" type="number" min={0} value={override} onInput={(e) => setOverride(e.currentTarget.value)} /></Field>
            <Field label={ts.coupon}><input name="coupon" value={coupon} onInput={(e) => setCoupon(e.currentTarget.value)} /></Field>
          </div>
          {error ? <ErrorBox error={error} /> : null}
          {done && <p class="ok" role="status">{ts.applied}</p>}
          <div class="actions"><button type="submit" class="button" disabled={busy}>{ts.apply}</button></div>
        </form>
      </section>
    </>
  )
}
