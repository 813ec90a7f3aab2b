// The signed-in person's account settings: password, two-factor sign-in
// (with a QR code for the authenticator app and one-time recovery codes),
// the browsers signed in, and API keys.
import { useState } from 'preact/hooks'
import { encode } from 'uqr'
import * as api from '../api'
import { t } from '../strings'
import { CopyBox, ErrorBox, Field, Skeleton } from '../components'
import { useLoad } from '../load'
import { AccountTabs } from './team'
import { DangerZone } from './dangerzone'

const when = new Intl.DateTimeFormat('en', { dateStyle: 'medium', timeStyle: 'short' })
const at = (s: string) => when.format(new Date(s))

export function Account({ me, onMe }: { me: api.Me; onMe: (me: api.Me) => void }) {
  // A password change or turning two-factor on or off ends every
  // session and starts a new one: the answer is the new one.
  const renewed = (m: api.Me) => { api.setSession(m); onMe(m) }
  return (
    <main class="page narrow account">
      <div class="page-head"><h1>{t.accountTitle}</h1><span class="muted">{me.user.email}</span></div>
      <AccountTabs current="account" />
      <Password onDone={renewed} />
      <TwoFactor enabled={!!me.user.totp_enabled} onDone={renewed} />
      <Sessions key={me.csrf_token} />
      <Keys />
      <DangerZone />
    </main>
  )
}

// useSubmit runs a form's action with a busy flag and its error in words.
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

function Password({ onDone }: { onDone: (m: api.Me) => void }) {
  const [current, setCurrent] = useState('')
  const [next, setNext] = useState('')
  const [done, setDone] = useState(false)
  const { busy, error, run } = useSubmit()
  return (
    <section class="card" aria-labelledby="a-password">
      <h2 id="a-password">{t.changePassword}</h2>
      <form onSubmit={(e) => run(e, async () => {
        setDone(false)
        onDone(await api.changePassword(current, next))
        setCurrent(''); setNext(''); setDone(true)
      })}>
        <Field label={t.currentPassword}><input type="password" name="current_password" required autocomplete="current-password" value={current} onInput={(e) => setCurrent(e.currentTarget.value)} /></Field>
        <Field label={t.newPassword} hint={t.newPasswordHint}><input type="password" name="new_password" required autocomplete="new-password" value={next} onInput={(e) => setNext(e.currentTarget.value)} /></Field>
        {error ? <ErrorBox error={error} /> : null}
        {done && <p class="ok" role="status">{t.passwordChanged}</p>}
        <div class="actions"><button type="submit" class="button" disabled={busy}>{t.changePassword}</button></div>
      </form>
    </section>
  )
}

// QR draws text as a QR code in SVG, one path of dark modules.
function QR({ text, label }: { text: string; label: string }) {
  const { data, size } = encode(text, { ecc: 'M', border: 2 })
  let d = ''
  data.forEach((row, y) => row.forEach((dark, x) => { if (dark) d += `M${x} ${y}h1v1h-1z` }))
  return (
    <svg class="qr" viewBox={`0 0 ${size} ${size}`} width="200" height="200" role="img" aria-label={label}>
      <rect width={size} height={size} fill="#fff" />
      <path d={d} fill="#000" />
    </svg>
  )
}

function TwoFactor({ enabled, onDone }: { enabled: boolean; onDone: (m: api.Me) => void }) {
  const [password, setPassword] = useState('')
  const [code, setCode] = useState('')
  const [setup, setSetup] = useState<{ secret: string; otpauth_url: string } | null>(null)
  const [recovery, setRecovery] = useState<string[] | null>(null)
  const { busy, error, run } = useSubmit()
  const field = (name: string, label: string, value: string, set: (v: string) => void, type = 'text', auto = 'off') => (
    <Field label={label}><input type={type} name={name} required autocomplete={auto} value={value} onInput={(e) => set(e.currentTarget.value)} /></Field>
  )
  let body
  if (recovery) {
    body = (
      <div class="recovery">
        <p>{t.recoveryLead}</p>
        <ul class="recovery-codes">{recovery.map((c) => <li key={c}><code>{c}</code></li>)}</ul>
        <CopyBox code={recovery.join('\n')} />
        <button type="button" class="button secondary" onClick={() => setRecovery(null)}>{t.recoverySaved}</button>
      </div>
    )
  } else if (enabled) {
    body = (
      <form onSubmit={(e) => run(e, async () => { onDone(await api.totpDisable(password, code)); setPassword(''); setCode('') })}>
        <p>{t.totpOn}</p>
        {field('password', t.password, password, setPassword, 'password', 'current-password')}
        {field('code', t.totpCodeOrRecovery, code, setCode, 'text', 'one-time-code')}
        {error ? <ErrorBox error={error} /> : null}
        <div class="actions"><button type="submit" class="button danger" disabled={busy}>{t.totpTurnOff}</button></div>
      </form>
    )
  } else if (setup) {
    body = (
      <form onSubmit={(e) => run(e, async () => {
        const r = await api.totpEnable(code.replace(/\s/g, ''))
        setRecovery(r.recovery_codes); setSetup(null); setCode(''); onDone(r)
      })}>
        <p>{t.totpScan}</p>
        <QR text={setup.otpauth_url} label={t.totpQR} />
        <p class="muted">{t.totpSecret} <code data-secret={setup.secret}>{setup.secret}</code></p>
        {field('code', t.totpCode, code, setCode, 'text', 'one-time-code')}
        {error ? <ErrorBox error={error} /> : null}
        <div class="actions"><button type="submit" class="button" disabled={busy}>{t.totpTurnOn}</button></div>
      </form>
    )
  } else {
    body = (
      <form onSubmit={(e) => run(e, async () => { setSetup(await api.totpSetup(password)); setPassword('') })}>
        <p>{t.totpOff}</p>
        {field('password', t.password, password, setPassword, 'password', 'current-password')}
        {error ? <ErrorBox error={error} /> : null}
        <div class="actions"><button type="submit" class="button" disabled={busy}>{t.totpSetUp}</button></div>
      </form>
    )
  }
  return <section class="card" aria-labelledby="a-totp" data-totp={enabled ? 'on' : 'off'}><h2 id="a-totp">{t.totpTitle}</h2>{body}</section>
}

function Sessions() {
  const [version, setVersion] = useState(0)
  const list = useLoad('sessions' + version, () => api.listSessions())
  const { error, run } = useSubmit()
  return (
    <section class="card" aria-labelledby="a-sessions">
      <h2 id="a-sessions">{t.sessionsTitle}</h2>
      <p class="muted">{t.sessionsLead}</p>
      {list.error ? <ErrorBox error={list.error} onRetry={list.retry} /> : null}
      {error ? <ErrorBox error={error} /> : null}
      {!list.data && !list.error && <Skeleton lines={2} />}
      {list.data && (
        <ul class="goal-list">
          {list.data.sessions.map((s) => (
            <li key={s.id} data-session={s.id} data-current={s.current ? 'true' : undefined}>
              <span><strong>{s.user_agent || t.unknownBrowser}</strong>{s.current && <span class="badge">{t.thisBrowser}</span>}
                <br /><span class="muted">{[s.location, t.lastSeen(at(s.last_seen_at))].filter(Boolean).join(' · ')}</span></span>
              {!s.current && <button type="button" class="button secondary small" aria-label={t.revokeSession(s.user_agent || t.unknownBrowser)}
                onClick={() => run(null, async () => { await api.deleteSession(s.id); setVersion((n) => n + 1) })}>{t.revoke}</button>}
            </li>
          ))}
        </ul>
      )}
    </section>
  )
}

const scopes = ['stats:read', 'events:write', 'sites:admin']

function Keys() {
  const [version, setVersion] = useState(0)
  const list = useLoad('keys' + version, () => api.listKeys())
  const [name, setName] = useState('')
  const [chosen, setChosen] = useState<string[]>(['stats:read'])
  const [created, setCreated] = useState<api.APIKeyInfo | null>(null)
  const { busy, error, run } = useSubmit()
  return (
    <section class="card" aria-labelledby="a-keys">
      <h2 id="a-keys">{t.keysTitle}</h2>
      <p class="muted">{t.keysLead}</p>
      {created && (
        <div class="new-key" role="status">
          <p><strong>{t.keyCreated(created.name)}</strong></p>
          <CopyBox code={created.key || ''} />
        </div>
      )}
      {list.error ? <ErrorBox error={list.error} onRetry={list.retry} /> : null}
      {!list.data && !list.error && <Skeleton lines={2} />}
      {list.data && list.data.keys.length === 0 && <p class="muted">{t.noKeys}</p>}
      {list.data && list.data.keys.length > 0 && (
        <ul class="goal-list">
          {list.data.keys.map((k) => (
            <li key={k.id} data-key={k.name}>
              <span><strong>{k.name}</strong> <code class="muted">{k.prefix}…</code>
                <br /><span class="muted">{k.scopes.join(', ')} · {t.created(at(k.created_at))} · {k.last_used_at ? t.lastUsed(at(k.last_used_at)) : t.neverUsed}</span></span>
              <button type="button" class="button secondary small" aria-label={t.revokeKey(k.name)}
                onClick={() => run(null, async () => { await api.deleteKey(k.id); setCreated(null); setVersion((n) => n + 1) })}>{t.revoke}</button>
            </li>
          ))}
        </ul>
      )}
      <form class="goal-form" onSubmit={(e) => run(e, async () => {
        setCreated(await api.createKey(name.trim(), chosen)); setName(''); setVersion((n) => n + 1)
      })}>
        <Field label={t.keyName}><input name="key_name" required value={name} onInput={(e) => setName(e.currentTarget.value)} /></Field>
        <fieldset class="scopes"><legend class="field-label">{t.keyScopes}</legend>
          {scopes.map((s) => (
            <label key={s}><input type="checkbox" name="scope" value={s} checked={chosen.includes(s)}
              onChange={(e) => setChosen(e.currentTarget.checked ? [...chosen, s] : chosen.filter((x) => x !== s))} /> {t.scopes[s]}</label>
          ))}
        </fieldset>
        {error ? <ErrorBox error={error} /> : null}
        <div class="actions"><button type="submit" class="button" disabled={busy || chosen.length === 0}>{t.createKey}</button></div>
      </form>
    </section>
  )
}
