// Email verification: the page the emailed link opens, and the banner the
// app shows while the signed-in person's address is unconfirmed.
import { useEffect, useState } from 'preact/hooks'
import * as api from '../api'
import * as accounts from '../accounts'
import { t } from '../strings'
import { ErrorBox } from '../components'
import { AuthCard, MailNotice, sentence, useAction } from './signup'

type Outcome = { state: 'working' } | { state: 'ok' } | { state: 'failed'; message: string }

// VerifyEmail is /verify-email?token=… (the link in the mail: the page
// spends the token with a POST, so a mail scanner that fetches the link
// spends nothing) or /verify-email?verified=1|0 (where the older
// GET /api/auth/verify link sends the browser). Then it goes on: to the
// sites when signed in, to sign-in otherwise.
export function VerifyEmail({ me, onVerified }: { me: api.Me | null; onVerified: () => void }) {
  const params = new URLSearchParams(location.search)
  const token = params.get('token') || ''
  const [outcome, setOutcome] = useState<Outcome>(() =>
    token ? { state: 'working' } : params.get('verified') === '1' ? { state: 'ok' } : { state: 'failed', message: t.verifyFailed })
  useEffect(() => {
    if (!token) return
    accounts.verifyEmail(token).then(
      () => { setOutcome({ state: 'ok' }); onVerified() },
      (e) => setOutcome({ state: 'failed', message: sentence(e) }),
    )
  }, [token])
  if (outcome.state === 'working') {
    return <AuthCard title={t.verifyTitle} id="verify-title"><p aria-busy="true">{t.verifying}</p></AuthCard>
  }
  if (outcome.state === 'ok') {
    return (
      <AuthCard title={t.verifyTitle} id="verify-title">
        <p role="status" data-verified="1">{t.verifyDone}</p>
        {me ? <a class="button" href="/sites">{t.continueToSites}</a> : <a class="button" href="/login">{t.goToLogin}</a>}
      </AuthCard>
    )
  }
  return (
    <AuthCard title={t.verifyTitle} id="verify-title">
      <div data-verified="0"><ErrorBox error={outcome.message} /></div>
      {me ? (accounts.emailVerified(me) ? <a class="button" href="/sites">{t.continueToSites}</a> : <Resend me={me} />)
        : <p>{t.verifySignInToResend} <a href="/login?next=%2Fsites">{t.signIn}</a></p>}
    </AuthCard>
  )
}

// Resend asks for a new link for the signed-in person.
function Resend({ me }: { me: api.Me }) {
  const [sent, setSent] = useState(false)
  const { busy, error, run } = useAction()
  return (
    <div class="resend">
      {sent ? <p role="status" data-resent>{t.verifyResent(me.user.email)}</p>
        : <button type="button" class="button secondary small" disabled={busy}
          onClick={() => run(null, async () => { await accounts.resendVerification(); setSent(true) })}>{t.verifyResend}</button>}
      {error && <ErrorBox error={error} />}
      {!accounts.mailConfigured(me) && <MailNotice />}
    </div>
  )
}

// EmailBanner sits above every signed-in page until the address is
// confirmed.
export function EmailBanner({ me }: { me: api.Me }) {
  if (accounts.emailVerified(me)) return null
  return (
    <div class="banner" role="region" aria-label={t.verifyTitle} data-email-banner>
      <p>{t.verifyBanner(me.user.email)}</p>
      <Resend me={me} />
    </div>
  )
}
