// The account pages reachable signed in or out, most from an emailed
// link: sign-up, forgot password, /reset-password, /verify-email and
// /invitation (the paths app/mail's templates and the Teams API link to).
import * as api from '../api'
import { Signup, ForgotPassword, ResetPassword } from './signup'
import { VerifyEmail } from './verifyemail'
import { Invitation } from './invitation'

export const accountPaths = ['/signup', '/forgot-password', '/reset-password', '/verify-email', '/invitation']

export function AccountPage({ path, me, registration, mailConfigured, onSignedIn, onSignedOut, onRefresh }: {
  path: string
  me: api.Me | null
  registration?: string
  mailConfigured: boolean
  onSignedIn: (me: api.Me, to: string) => void
  onSignedOut: () => void
  onRefresh: () => void
}) {
  const token = new URLSearchParams(location.search).get('token') || ''
  switch (path) {
    case '/signup':
      return <Signup registration={registration || 'invite'} mailConfigured={mailConfigured} onDone={(m) => onSignedIn(m, '/sites')} />
    case '/forgot-password':
      return <ForgotPassword mailConfigured={mailConfigured} />
    case '/reset-password':
      return <ResetPassword token={token} onSignedOut={onSignedOut} />
    case '/verify-email':
      return <VerifyEmail me={me} onVerified={onRefresh} />
    default:
      return <Invitation me={me} onSignedIn={onSignedIn}
        onSignOut={() => { api.logout().catch(() => undefined).then(onSignedOut) }} />
  }
}
