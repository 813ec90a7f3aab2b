// A site's email reports, alert channels and alert rules, as sections of
// its settings page.
import { useState } from 'preact/hooks'
import * as api from '../api'
import * as aa from '../alertsapi'
import { t, ta } from '../strings'
import { CopyBox, ErrorBox, Field, Skeleton } from '../components'
import { useLoad } from '../load'

const when = new Intl.DateTimeFormat('en', { dateStyle: 'medium', timeStyle: 'short' })
const at = (s: string) => when.format(new Date(s))

function useSubmit() {
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

// AlertSettings is the three sections; channels and rules share a
// version, so a rule form offers the channels just added and the log
// shows a test just sent.
export function AlertSettings({ domain }: { domain: string }) {
  const [version, setVersion] = useState(0)
  const bump = () => setVersion((n) => n + 1)
  const channels = useLoad(domain + ':ch' + version, () => aa.listChannels(domain), 'ch')
  return (
    <>
      <Reports domain={domain} />
      <Channels domain={domain} channels={channels.data?.channels || null} error={channels.error} retry={channels.retry} version={version} onChange={bump} />
      <Rules domain={domain} channels={channels.data?.channels || []} />
    </>
  )
}

function Reports({ domain }: { domain: string }) {
  const [version, setVersion] = useState(0)
  const subs = useLoad(domain + ':rep' + version, () => aa.listReports(domain), 'rep')
  const [email, setEmail] = useState('')
  const [frequency, setFrequency] = useState<aa.Frequency>('weekly')
  const { busy, error, run } = useSubmit()
  return (
    <section class="card" aria-labelledby="s-reports">
      <h2 id="s-reports">{ta.reports}</h2>
      <p class="muted">{ta.reportsLead}</p>
      {subs.error ? <ErrorBox error={subs.error} onRetry={subs.retry} /> : null}
      {!subs.data && !subs.error && <Skeleton lines={2} />}
      {subs.data && subs.data.subscriptions.length === 0 && <p class="muted">{ta.noReports}</p>}
      {subs.data && subs.data.subscriptions.length > 0 && (
        <ul class="goal-list">
          {subs.data.subscriptions.map((s) => (
            <li key={s.id} data-subscription={s.email + ' ' + s.frequency}>
              <span><strong>{s.email}</strong> <span class="muted">{ta.frequencies[s.frequency]}</span></span>
              <button type="button" class="button secondary small" aria-label={ta.removeReport(s.email, s.frequency)}
                onClick={() => run(null, async () => { await aa.deleteReport(domain, s.id); setVersion((n) => n + 1) })}>{t.remove}</button>
            </li>
          ))}
        </ul>
      )}
      <form class="goal-form" onSubmit={(e) => run(e, async () => {
        await aa.createReport(domain, email.trim(), frequency); setEmail(''); setVersion((n) => n + 1)
      })}>
        <Field label={ta.reportEmail}>
          <input name="report_email" type="email" required value={email} onInput={(e) => setEmail(e.currentTarget.value)} />
        </Field>
        <Field label={ta.frequency}>
          <select name="report_frequency" value={frequency} onChange={(e) => setFrequency(e.currentTarget.value as aa.Frequency)}>
            {(['daily', 'weekly', 'monthly'] as const).map((f) => <option key={f} value={f}>{ta.frequencies[f]}</option>)}
          </select>
        </Field>
        {error ? <ErrorBox error={error} /> : null}
        <div class="actions"><button type="submit" class="button" disabled={busy}>{ta.subscribe}</button></div>
      </form>
    </section>
  )
}

function Channels({ domain, channels, error: loadError, retry, version, onChange }: {
  domain: string; channels: aa.Channel[] | null; error: unknown; retry: () => void; version: number; onChange: () => void
}) {
  const [kind, setKind] = useState<aa.ChannelKind>('email')
  const [name, setName] = useState('')
  const [target, setTarget] = useState('')
  const [created, setCreated] = useState<aa.Channel | null>(null)
  const [tests, setTests] = useState<Record<number, aa.Delivery | 'busy' | { error: unknown }>>({})
  const log = useLoad(domain + ':log' + version, () => aa.listDeliveries(domain), 'log')
  const { busy, error, run } = useSubmit()
  const test = async (ch: aa.Channel) => {
    setTests((m) => ({ ...m, [ch.id]: 'busy' }))
    try {
      const d = await aa.testChannel(domain, ch.id)
      setTests((m) => ({ ...m, [ch.id]: d }))
    } catch (e) {
      setTests((m) => ({ ...m, [ch.id]: { error: e } }))
    }
    onChange()
  }
  const names = new Map((channels || []).map((c) => [c.id, c.name || c.target]))
  return (
    <section class="card" aria-labelledby="s-channels">
      <h2 id="s-channels">{ta.channels}</h2>
      <p class="muted">{ta.channelsLead}</p>
      {created && created.secret && (
        <div class="new-key" role="status">
          <p><strong>{ta.secretShown(created.name || created.target)}</strong></p>
          <CopyBox code={created.secret} />
        </div>
      )}
      {loadError ? <ErrorBox error={loadError} onRetry={retry} /> : null}
      {!channels && !loadError && <Skeleton lines={2} />}
      {channels && channels.length === 0 && <p class="muted">{ta.noChannels}</p>}
      {channels && channels.length > 0 && (
        <ul class="goal-list">
          {channels.map((ch) => {
            const r = tests[ch.id]
            return (
              <li key={ch.id} data-channel={ch.name || ch.target} class="channel">
                <span><strong>{ch.name || ta.channelKinds[ch.kind]}</strong> <span class="muted">{ta.channelKinds[ch.kind]} · {ch.target}</span>
                  {r && <span class="test-result" role="status" data-status={r === 'busy' ? 'busy' : 'status' in r ? r.status : 'error'}>
                    <br />{r === 'busy' ? ta.testing : 'status' in r ? (r.status === 'ok' ? ta.testOk(r.status_code) : ta.testFailed(r.error || String(r.status_code || ''))) : ta.testFailed(errText(r.error))}
                  </span>}
                </span>
                <span class="row-actions">
                  <button type="button" class="button secondary small" disabled={r === 'busy'} onClick={() => test(ch)}>{ta.sendTest}</button>
                  <button type="button" class="button secondary small" aria-label={ta.removeChannel(ch.name || ch.target)}
                    onClick={() => run(null, async () => { await aa.deleteChannel(domain, ch.id); setCreated(null); onChange() })}>{t.remove}</button>
                </span>
              </li>
            )
          })}
        </ul>
      )}
      <form class="goal-form" onSubmit={(e) => run(e, async () => {
        setCreated(await aa.createChannel(domain, kind, name.trim(), target.trim())); setName(''); setTarget(''); onChange()
      })}>
        <Field label={ta.channelKind}>
          <select name="channel_kind" value={kind} onChange={(e) => setKind(e.currentTarget.value as aa.ChannelKind)}>
            {(['email', 'slack', 'webhook'] as const).map((k) => <option key={k} value={k}>{ta.channelKinds[k]}</option>)}
          </select>
        </Field>
        <Field label={ta.channelName}>
          <input name="channel_name" maxLength={100} value={name} onInput={(e) => setName(e.currentTarget.value)} />
        </Field>
        <Field label={ta.channelTarget[kind]} hint={ta.channelTargetHint[kind]}>
          <input name="channel_target" required value={target} placeholder={kind === 'email' ? 'ops@example.com' : 'https://'}
            onInput={(e) => setTarget(e.currentTarget.value)} />
        </Field>
        {error ? <ErrorBox error={error} /> : null}
        <div class="actions"><button type="submit" class="button" disabled={busy}>{ta.addChannel}</button></div>
      </form>
      <h3>{ta.deliveries}</h3>
      {log.error ? <ErrorBox error={log.error} onRetry={log.retry} /> : null}
      {!log.data && !log.error && <Skeleton lines={2} />}
      {log.data && log.data.deliveries.length === 0 && <p class="muted">{ta.noDeliveries}</p>}
      {log.data && log.data.deliveries.length > 0 && (
        <div class="details-table">
          <table class="log-table deliveries">
            <thead><tr>{ta.deliveryCols.map((c) => <th key={c} scope="col">{c}</th>)}</tr></thead>
            <tbody>
              {log.data.deliveries.map((d) => (
                <tr key={d.id} data-status={d.status} data-event={d.event}>
                  <td>{at(d.created_at)}</td>
                  <td>{(d.channel_id && names.get(d.channel_id)) || d.target}</td>
                  <td>{ta.events[d.event] || d.event}</td>
                  <td class={d.status === 'ok' ? 'delivery-ok' : 'delivery-failed'}>{d.status === 'ok' ? ta.deliveryOk(d.status_code) : ta.deliveryFailed(d.error, d.status_code)}</td>
                  <td>{d.attempts}</td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      )}
    </section>
  )
}

function errText(e: unknown) { return e instanceof Error ? e.message : String(e) }

const kinds: aa.RuleKind[] = ['traffic_spike', 'traffic_drop', 'goal_conversions', 'vitals_regression', 'tracker_missing']

const blank = (kind: aa.RuleKind): aa.Rule => ({
  kind, name: '', enabled: true, channel_ids: [], cooldown_minutes: 60,
  params: {
    traffic_spike: { visitors: 100 },
    traffic_drop: { hours: 6 },
    goal_conversions: { count: 1, hours: 24 },
    vitals_regression: { metric: 'lcp' as const, days: 7 },
    tracker_missing: { hours: 24 },
  }[kind],
})

function Rules({ domain, channels }: { domain: string; channels: aa.Channel[] }) {
  const [version, setVersion] = useState(0)
  const rules = useLoad(domain + ':rules' + version, () => aa.listRules(domain), 'rules')
  const incidents = useLoad(domain + ':inc' + version, () => aa.listIncidents(domain), 'inc')
  const goals = useLoad(domain + ':goals', () => api.listGoals(domain))
  const [editing, setEditing] = useState<aa.Rule>(blank('traffic_spike'))
  const { error, run } = useSubmit()
  const done = () => { setEditing(blank(editing.kind)); setVersion((n) => n + 1) }
  const state = (r: aa.Rule) => {
    if (!r.enabled) return <span class="muted">{ta.disabled}</span>
    const list = (incidents.data?.incidents || []).filter((i) => i.rule_id === r.id)
    const open = list.find((i) => !i.resolved_at)
    if (open) return <span class="firing" data-state="firing" title={open.summary}>{ta.firingSince(at(open.started_at))}</span>
    return <span class="muted" data-state="quiet">{ta.quiet}{list[0]?.resolved_at ? ' · ' + ta.lastIncident(at(list[0].resolved_at)) : ''}</span>
  }
  return (
    <section class="card" aria-labelledby="s-rules">
      <h2 id="s-rules">{ta.rules}</h2>
      <p class="muted">{ta.rulesLead}</p>
      {rules.error ? <ErrorBox error={rules.error} onRetry={rules.retry} /> : null}
      {!rules.data && !rules.error && <Skeleton lines={2} />}
      {rules.data && rules.data.rules.length === 0 && <p class="muted">{ta.noRules}</p>}
      {rules.data && rules.data.rules.length > 0 && (
        <ul class="goal-list">
          {rules.data.rules.map((r) => {
            const label = r.name || ta.ruleKinds[r.kind]
            return (
              <li key={r.id} data-rule={label}>
                <span><strong>{label}</strong> <span class="muted">{ta.ruleSummary(r.kind, r.params as Record<string, unknown>)}</span>
                  <br />{state(r)}</span>
                <span class="row-actions">
                  <button type="button" class="button secondary small" aria-label={ta.editRule(label)} onClick={() => setEditing(r)}>{ta.edit}</button>
                  <button type="button" class="button secondary small" aria-label={ta.removeRule(label)}
                    onClick={() => run(null, async () => { await aa.deleteRule(domain, r.id!); if (editing.id === r.id) setEditing(blank(r.kind)); setVersion((n) => n + 1) })}>{t.remove}</button>
                </span>
              </li>
            )
          })}
        </ul>
      )}
      {error ? <ErrorBox error={error} /> : null}
      <RuleForm key={editing.id || 'new'} domain={domain} rule={editing} channels={channels} goals={goals.data?.goals || []}
        onDone={done} onCancel={() => setEditing(blank(editing.kind))} />
    </section>
  )
}

// num reads a number field; empty is "not set".
const num = (s: string) => (s.trim() === '' ? undefined : Number(s))

function RuleForm({ domain, rule, channels, goals, onDone, onCancel }: {
  domain: string; rule: aa.Rule; channels: aa.Channel[]; goals: api.Goal[]; onDone: () => void; onCancel: () => void
}) {
  const [r, setR] = useState<aa.Rule>(rule)
  const { busy, error, run } = useSubmit()
  const p = r.params
  const set = (k: keyof aa.RuleParams, v: unknown) => setR({ ...r, params: { ...p, [k]: v } })
  const numField = (k: keyof aa.RuleParams, label: string, hint?: string) => (
    <Field label={label} hint={hint}>
      <input name={'param_' + k} type="number" min="0" step="any" value={p[k] === undefined ? '' : String(p[k])}
        onInput={(e) => set(k, num(e.currentTarget.value))} />
    </Field>
  )
  return (
    <form class="goal-form rule-form" onSubmit={(e) => run(e, async () => { await aa.saveRule(domain, r); onDone() })}>
      <Field label={ta.ruleKind}>
        <select name="rule_kind" value={r.kind} disabled={!!r.id} onChange={(e) => setR({ ...blank(e.currentTarget.value as aa.RuleKind), name: r.name, channel_ids: r.channel_ids })}>
          {kinds.map((k) => <option key={k} value={k}>{ta.ruleKinds[k]}</option>)}
        </select>
      </Field>
      <Field label={ta.ruleName}>
        <input name="rule_name" maxLength={100} value={r.name} onInput={(e) => setR({ ...r, name: e.currentTarget.value })} />
      </Field>
      {r.kind === 'traffic_spike' && numField('visitors', ta.visitors)}
      {r.kind === 'traffic_drop' && <>{numField('hours', ta.dropHours, ta.dropHint)}{numField('percent', ta.dropPercent)}</>}
      {r.kind === 'goal_conversions' && <>
        <Field label={ta.goal} hint={goals.length === 0 ? ta.noGoals : undefined}>
          <select name="param_goal" required value={p.goal || ''} onChange={(e) => set('goal', e.currentTarget.value)}>
            <option value="" disabled>—</option>
            {goals.map((g) => <option key={g.id} value={g.display_name}>{g.display_name}</option>)}
          </select>
        </Field>
        {numField('count', ta.count)}{numField('hours', ta.withinHours)}
      </>}
      {r.kind === 'vitals_regression' && <>
        <Field label={ta.metric} hint={ta.vitalsHint}>
          <select name="param_metric" value={p.metric} onChange={(e) => set('metric', e.currentTarget.value)}>
            <option value="lcp">LCP</option><option value="inp">INP</option><option value="cls">CLS</option>
          </select>
        </Field>
        {numField('days', ta.days)}{numField('worsen_percent', ta.worsen)}
      </>}
      {r.kind === 'tracker_missing' && numField('hours', ta.silentHours)}
      <fieldset class="scopes"><legend class="field-label">{ta.ruleChannels}</legend>
        {channels.length === 0 && <span class="field-hint">{ta.allChannels}</span>}
        {channels.map((ch) => (
          <label key={ch.id}><input type="checkbox" name="rule_channel" value={String(ch.id)} checked={r.channel_ids.includes(ch.id)}
            onChange={(e) => setR({ ...r, channel_ids: e.currentTarget.checked ? [...r.channel_ids, ch.id] : r.channel_ids.filter((x) => x !== ch.id) })} /> {ch.name || ch.target}</label>
        ))}
        {channels.length > 0 && <span class="field-hint">{ta.allChannels}</span>}
      </fieldset>
      <Field label={ta.cooldown}>
        <input name="rule_cooldown" type="number" min="0" max="10080" value={String(r.cooldown_minutes)}
          onInput={(e) => setR({ ...r, cooldown_minutes: num(e.currentTarget.value) ?? 0 })} />
      </Field>
      <label class="check"><input type="checkbox" name="rule_enabled" checked={r.enabled} onChange={(e) => setR({ ...r, enabled: e.currentTarget.checked })} /> {ta.enabled}</label>
      {error ? <ErrorBox error={error} /> : null}
      <div class="actions">
        <button type="submit" class="button" disabled={busy}>{r.id ? ta.saveRule : ta.addRule}</button>
        {r.id ? <button type="button" class="button secondary" onClick={onCancel}>{t.cancel}</button> : null}
      </div>
    </form>
  )
}
