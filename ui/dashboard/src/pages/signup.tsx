// Pages a signed-out person reaches from the sign-in page or an emailed
// link: sign-up, "forgot password" and the /reset-password link's page.
import { useState } from 'preact/hooks'
import type { ComponentChildren } from 'preact'
import * as api from '../api'
import * as accounts from '../accounts'
import { t } from '../strings'
import { ErrorBox, Field } from '../components'

// sentence turns an API refusal into what the page shows: the server's
// own sentence, capitalised (weak passwords, used links, rate limits).
export function sentence(e: unknown): string {
  if (!(e instanceof api.ApiError)) return t.errServer
  const m = e.message || t.errServer
  return m.charAt(0).toUpperCase() + m.slice(1) + (/[.!?]$/.test(m) ? '' : '.')
}

// MailNotice says that no mail will arrive because none is sent: without
// FOOTFALL_SMTP_URL the server writes messages to its log.
export function MailNotice() {
  return <p class="notice" role="note" data-mail-notice>{t.mailNotConfigured}</p>
}

// AuthCard is the narrow centred card of the sign-in pages.
export function AuthCard({ title, id, children, onSubmit }: { title: string; id: string; children: ComponentChildren; onSubmit?: (e: Event) => void }) {
  const inner = <><h1 id={id}>{title}</h1>{children}</>
  return (
    <main class="page auth">
      {onSubmit
        ? <form class="card" onSubmit={onSubmit} aria-labelledby={id}>{inner}</form>
        : <section class="card" aria-labelledby={id}>{inner}</section>}
    </main>
  )
}

// useAction runs a form's action with a busy flag and its refusal in words.
export function useAction() {
  const [busy, setBusy] = useState(false)
  const [error, setError] = useState('')
  const run = async (e: Event | null, f: () => Promise<void>) => {
    e?.preventDefault()
    setBusy(true)
    setError('')
    try { await f() } catch (err) { setError(sentence(err)) }
    setBusy(false)
  }
  return { busy, error, setError, run }
}

// NewPassword is a new password typed twice; a mismatch is caught before
// the server is asked.
export function NewPassword({ value, again, onValue, onAgain }: { value: string; again: string; onValue: (v: string) => void; onAgain: (v: string) => void }) {
  return (
    <>
      <Field label={t.newPassword} hint={t.passwordRules}>
        <input type="password" name="new_password" autocomplete="new-password" required value={value} onInput={(e) => onValue(e.currentTarget.value)} />
      </Field>
      <Field label={t.passwordAgain}>
        <input type="password" name="new_password_again" autocomplete="new-password" required value={again} onInput={(e) => onAgain(e.currentTarget.value)} />
      </Field>
    </>
  )
}

export function Signup({ registration, mailConfigured, onDone }: { registration: string; mailConfigured: boolean; onDone: (me: api.Me) => void }) {
  const [email, setEmail] = useState('')
  const [password, setPassword] = useState('')
  const [again, setAgain] = useState('')
  const { busy, error, setError, run } = useAction()
  if (registration !== 'open') {
    return (
      <AuthCard title={t.signupTitle} id="signup-title">
        <p data-registration={registration}>{registration === 'closed' ? t.signupClosed : t.signupInviteOnly}</p>
        <a class="button" href="/login">{t.goToLogin}</a>
      </AuthCard>
    )
  }
  const submit = (e: Event) => run(e, async () => {
    if (password !== again) { setError(t.passwordsDiffer); return }
    onDone(await accounts.signup(email.trim(), password))
  })
  return (
    <AuthCard title={t.signupTitle} id="signup-title" onSubmit={submit}>
      <p class="muted">{t.signupLead}</p>
      <Field label={t.email}>
        <input type="email" name="email" autocomplete="username" required autofocus value={email} onInput={(e) => setEmail(e.currentTarget.value)} />
      </Field>
      <NewPassword value={password} again={again} onValue={setPassword} onAgain={setAgain} />
      {!mailConfigured && <MailNotice />}
      {error && <ErrorBox error={error} />}
      <button type="submit" class="button" disabled={busy}>{busy ? t.setupCreating : t.signupCreate}</button>
      <p class="muted">{t.haveAccount} <a href="/login">{t.signIn}</a></p>
    </AuthCard>
  )
}

export function ForgotPassword({ mailConfigured }: { mailConfigured: boolean }) {
  const [email, setEmail] = useState('')
  const [sent, setSent] = useState(false)
  const { busy, error, run } = useAction()
  if (sent) {
    return (
      <AuthCard title={t.forgotTitle} id="forgot-title">
        <p role="status" data-reset-sent>{t.resetSent(email.trim())}</p>
        {!mailConfigured && <MailNotice />}
        <a class="button secondary" href="/login">{t.goToLogin}</a>
      </AuthCard>
    )
  }
  return (
    <AuthCard title={t.forgotTitle} id="forgot-title" onSubmit={(e) => run(e, async () => { await accounts.requestReset(email.trim()); setSent(true) })}>
      <p class="muted">{t.forgotLead}</p>
      <Field label={t.email}>
        <input type="email" name="email" autocomplete="username" required autofocus value={email} onInput={(e) => setEmail(e.currentTarget.value)} />
      </Field>
      {!mailConfigured && <MailNotice />}
      {error && <ErrorBox error={error} />}
      <button type="submit" class="button" disabled={busy}>{t.sendResetLink}</button>
      <p class="muted"><a href="/login">{t.backToSignIn}</a></p>
    </AuthCard>
  )
}

// ResetPassword is the page of the emailed link (/reset-password?token=…).
// Setting the password ends every session, this browser's too: onSignedOut
// tells the app so.
export function ResetPassword({ token, onSignedOut }: { token: string; onSignedOut: () => void }) {
  const [password, setPassword] = useState('')
  const [again, setAgain] = useState('')
  const [done, setDone] = useState(false)
  const [expired, setExpired] = useState(false)
  const { busy, error, setError, run } = useAction()
  if (!token) {
    return (
      <AuthCard title={t.resetTitle} id="reset-title">
        <p>{t.resetNoToken}</p>
        <a class="button" href="/forgot-password">{t.askNewLink}</a>
      </AuthCard>
    )
  }
  if (done) {
    return (
      <AuthCard title={t.resetTitle} id="reset-title">
        <p role="status" data-reset-done>{t.resetDone}</p>
        <a class="button" href="/login">{t.goToLogin}</a>
      </AuthCard>
    )
  }
  const submit = (e: Event) => run(e, async () => {
    if (password !== again) { setError(t.passwordsDiffer); return }
    try {
      await accounts.confirmReset(token, password)
    } catch (err) {
      setExpired(err instanceof api.ApiError && err.code === 'invalid_token')
      throw err
    }
    onSignedOut()
    setDone(true)
  })
  return (
    <AuthCard title={t.resetTitle} id="reset-title" onSubmit={submit}>
      <p class="muted">{t.resetLead}</p>
      <NewPassword value={password} again={again} onValue={setPassword} onAgain={setAgain} />
      {error && <ErrorBox error={error} />}
      {expired && <p><a href="/forgot-password">{t.askNewLink}</a></p>}
      <button type="submit" class="button" disabled={busy}>{t.setPassword}</button>
    </AuthCard>
  )
}
