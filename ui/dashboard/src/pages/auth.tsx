// Sign in, and the first-run page that creates the owner account.
import { useState } from 'preact/hooks'
import * as api from '../api'
import * as accounts from '../accounts'
import { t } from '../strings'
import { ErrorBox, Field } from '../components'

function messageOf(e: unknown): string {
  if (e instanceof api.ApiError) {
    if (e.code === 'invalid_credentials') return t.badCredentials
    if (e.status === 429) return e.message || t.errRateLimited
    return e.message
  }
  return t.errServer
}

// Login signs in with email and password and, for a person with
// two-factor sign-in on, a second step asking for the code.
export function Login({ onDone, registration = 'invite' }: { onDone: (me: api.Me) => void; registration?: string }) {
  const [email, setEmail] = useState('')
  const [password, setPassword] = useState('')
  const [code, setCode] = useState('')
  const [needCode, setNeedCode] = useState(false)
  const [busy, setBusy] = useState(false)
  const [error, setError] = useState('')
  const submit = async (e: Event) => {
    e.preventDefault()
    setBusy(true)
    setError('')
    try {
      onDone(await accounts.login(email.trim(), password, needCode ? code.replace(/\s/g, '') : undefined))
    } catch (err) {
      if (err instanceof api.ApiError && err.code === 'totp_required') setNeedCode(true)
      else setError(err instanceof api.ApiError && err.code === 'invalid_code' ? t.badCode : messageOf(err))
      setBusy(false)
    }
  }
  if (needCode) {
    return (
      <main class="page auth">
        <form class="card" onSubmit={submit} aria-labelledby="login-title" data-step="code">
          <h1 id="login-title">{t.loginTitle}</h1>
          <p class="muted">{t.totpStepLead}</p>
          <Field label={t.totpCodeOrRecovery}>
            <input type="text" name="code" autocomplete="one-time-code" inputMode="numeric" required autofocus spellcheck={false} value={code}
              onInput={(e) => setCode(e.currentTarget.value)} />
          </Field>
          {error && <ErrorBox error={error} />}
          <button type="submit" class="button" disabled={busy}>{busy ? t.signingIn : t.signIn}</button>
          <button type="button" class="link" onClick={() => { setNeedCode(false); setCode(''); setError('') }}>{t.totpStepBack}</button>
        </form>
      </main>
    )
  }
  return (
    <main class="page auth">
      <form class="card" onSubmit={submit} aria-labelledby="login-title">
        <h1 id="login-title">{t.loginTitle}</h1>
        <Field label={t.email}>
          <input type="email" name="email" autocomplete="username" required autofocus value={email}
            onInput={(e) => setEmail(e.currentTarget.value)} />
        </Field>
        <Field label={t.password}>
          <input type="password" name="password" autocomplete="current-password" required value={password}
            onInput={(e) => setPassword(e.currentTarget.value)} />
        </Field>
        {error && <ErrorBox error={error} />}
        <button type="submit" class="button" disabled={busy}>{busy ? t.signingIn : t.signIn}</button>
        <p class="muted auth-links">
          <a href="/forgot-password">{t.forgotLink}</a>
          {registration === 'open' && <> · <a href="/signup">{t.signupLink}</a></>}
        </p>
      </form>
    </main>
  )
}

export function Setup({ setupNeeded, onDone }: { setupNeeded: boolean; onDone: (me: api.Me) => void }) {
  const urlToken = new URLSearchParams(location.search).get('token') || ''
  const [email, setEmail] = useState('')
  const [password, setPassword] = useState('')
  const [token, setToken] = useState(urlToken)
  const [busy, setBusy] = useState(false)
  const [error, setError] = useState('')
  if (!setupNeeded) {
    return (
      <main class="page auth">
        <div class="card">
          <h1>{t.setupTitle}</h1>
          <p>{t.setupDone}</p>
          <a class="button" href="/login">{t.goToLogin}</a>
        </div>
      </main>
    )
  }
  const submit = async (e: Event) => {
    e.preventDefault()
    setBusy(true)
    setError('')
    try {
      onDone(await api.setup(email.trim(), password, token.trim() || undefined))
    } catch (err) {
      setError(messageOf(err))
      setBusy(false)
    }
  }
  return (
    <main class="page auth">
      <form class="card" onSubmit={submit} aria-labelledby="setup-title">
        <h1 id="setup-title">{t.setupTitle}</h1>
        <p class="muted">{t.setupLead}</p>
        <Field label={t.email}>
          <input type="email" name="email" autocomplete="username" required autofocus value={email}
            onInput={(e) => setEmail(e.currentTarget.value)} />
        </Field>
        <Field label={t.password}>
          <input type="password" name="password" autocomplete="new-password" required value={password}
            onInput={(e) => setPassword(e.currentTarget.value)} />
        </Field>
        {!urlToken && (
          <Field label={t.setupToken} hint={t.setupTokenHint}>
            <input type="text" name="token" autocomplete="off" spellcheck={false} value={token}
              onInput={(e) => setToken(e.currentTarget.value)} />
          </Field>
        )}
        {error && <ErrorBox error={error} />}
        <button type="submit" class="button" disabled={busy}>{busy ? t.setupCreating : t.setupCreate}</button>
      </form>
    </main>
  )
}
