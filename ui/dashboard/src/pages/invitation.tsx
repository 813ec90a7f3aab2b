// The page an emailed invitation opens (/invitation?token=…): an existing
// user signs in and accepts; a new one chooses a password and is signed
// up, whatever FOOTFALL_REGISTRATION says (the invitation is the
// permission).
import { useState } from 'preact/hooks'
import * as api from '../api'
import * as accounts from '../accounts'
import { t } from '../strings'
import { ErrorBox, Field, Skeleton } from '../components'
import { useLoad } from '../load'
import { AuthCard, NewPassword, sentence, useAction } from './signup'

export function Invitation({ me, onSignedIn, onSignOut }: {
  me: api.Me | null
  onSignedIn: (me: api.Me, to: string) => void
  onSignOut: () => void
}) {
  const token = new URLSearchParams(location.search).get('token') || ''
  const info = useLoad(token ? 'invitation:' + token : null, () => accounts.lookupInvitation(token))
  const [password, setPassword] = useState('')
  const [again, setAgain] = useState('')
  const { busy, error, setError, run } = useAction()
  const title = t.invitationTitle
  if (!token) return <AuthCard title={title} id="inv-title"><ErrorBox error={t.invitationNoToken} /></AuthCard>
  if (info.error) {
    return (
      <AuthCard title={title} id="inv-title">
        <div data-invitation="invalid"><ErrorBox error={sentence(info.error)} onRetry={info.error instanceof api.ApiError && info.error.status === 404 ? undefined : info.retry} /></div>
        <a class="button secondary" href={me ? '/sites' : '/login'}>{me ? t.backToSites : t.goToLogin}</a>
      </AuthCard>
    )
  }
  if (!info.data) return <AuthCard title={title} id="inv-title"><Skeleton lines={3} /></AuthCard>
  const inv = info.data
  const lead = <p data-invitation-account={inv.account_name}>{t.invitationLead(inv.account_name, t.roles[inv.role], inv.email)}</p>
  const here = '/invitation?token=' + encodeURIComponent(token)

  if (me && me.user.email.toLowerCase() !== inv.email.toLowerCase()) {
    return (
      <AuthCard title={title} id="inv-title">
        {lead}
        <p data-invitation="other">{t.invitationOtherUser(me.user.email)}</p>
        <button type="button" class="button secondary" onClick={onSignOut}>{t.signOut}</button>
      </AuthCard>
    )
  }
  if (me) {
    return (
      <AuthCard title={title} id="inv-title" onSubmit={(e) => run(e, async () => {
        const joined = await accounts.acceptInvitation(token) as accounts.TeamAccount
        onSignedIn(me, '/account/team?account=' + joined.id)
      })}>
        {lead}
        {error && <ErrorBox error={error} />}
        <button type="submit" class="button" disabled={busy}>{t.invitationJoin}</button>
      </AuthCard>
    )
  }
  if (inv.account_exists) {
    return (
      <AuthCard title={title} id="inv-title">
        {lead}
        <p>{t.invitationSignIn}</p>
        <a class="button" href={'/login?next=' + encodeURIComponent(here)}>{t.signIn}</a>
        <p class="muted"><a href="/forgot-password">{t.forgotLink}</a></p>
      </AuthCard>
    )
  }
  const submit = (e: Event) => run(e, async () => {
    if (password !== again) { setError(t.passwordsDiffer); return }
    const m = await accounts.acceptInvitation(token, password) as api.Me
    // A new user also has a personal account: open the one joined.
    api.setSession(m)
    const joined = (await accounts.listAccounts().catch(() => ({ accounts: [] as accounts.TeamAccount[] })))
      .accounts.find((a) => a.name === inv.account_name && a.role === inv.role)
    onSignedIn(m, '/account/team' + (joined ? '?account=' + joined.id : ''))
  })
  return (
    <AuthCard title={title} id="inv-title" onSubmit={submit}>
      {lead}
      <p class="muted">{t.invitationNewUser}</p>
      <Field label={t.email}>
        <input type="email" name="email" autocomplete="username" readOnly value={inv.email} />
      </Field>
      <NewPassword value={password} again={again} onValue={setPassword} onAgain={setAgain} />
      {error && <ErrorBox error={error} />}
      <button type="submit" class="button" disabled={busy}>{t.invitationCreate}</button>
    </AuthCard>
  )
}
