// The dashboard's entry point: find out who is signed in, then route.
import { render } from 'preact'
import { useCallback, useEffect, useState } from 'preact/hooks'
import * as api from './api'
import { navigate, onLinkClick, useLocation } from './router'
import { t, ts } from './strings'
import { ErrorBox, Skeleton } from './components'
import { Login, Setup } from './pages/auth'
import { Sites } from './pages/sites'
import { Dashboard } from './dashboard/dashboard'
import { Performance } from './dashboard/performance'
import { Settings } from './dashboard/settings'
import { Shared } from './pages/shared'
import { Account } from './pages/account'
import { Jobs } from './pages/jobs'
import { accountPaths, AccountPage } from './pages/accountpages'
import { EmailBanner } from './pages/verifyemail'
import { Team } from './pages/team'
import { Admin } from './pages/admin'
import { Billing, BillingBanner, BillingNav } from './pages/billing'
import './style.css'

type Session = { state: 'loading' } | { state: 'in'; me: api.Me } | { state: 'out'; setupNeeded: boolean; registration?: string; mailConfigured?: boolean } | { state: 'error'; error: unknown }

function App() {
  const { path } = useLocation()
  const [session, setSession] = useState<Session>({ state: 'loading' })

  const check = useCallback(() => {
    api.me().then(
      (me) => { api.setSession(me); setSession({ state: 'in', me }) },
      (e) => {
        api.setSession(null)
        if (e instanceof api.ApiError && e.status === 401) {
          setSession({ state: 'out', setupNeeded: !!e.body.setup_needed, registration: e.body.registration, mailConfigured: e.body.mail_configured !== false })
        }
        else setSession({ state: 'error', error: e })
      },
    )
  }, [])
  useEffect(check, [check])
  useEffect(() => api.whenUnauthorized(() => setSession({ state: 'out', setupNeeded: false })), [])

  const signedIn = (me: api.Me) => {
    api.setSession(me)
    setSession({ state: 'in', me })
    const next = new URLSearchParams(location.search).get('next')
    navigate(next && next.startsWith('/') && !next.startsWith('//') ? next : '/sites', true)
  }

  // Pages a signed-out person may see, and where everyone else goes.
  let redirect = ''
  if (session.state === 'out') {
    if (session.setupNeeded && path !== '/setup') redirect = '/setup'
    else if (!session.setupNeeded && path !== '/login' && path !== '/setup' && !accountPaths.includes(path)) {
      redirect = '/login' + (path === '/' ? '' : '?next=' + encodeURIComponent(path + location.search))
    }
  } else if (session.state === 'in' && (path === '/' || path === '/login' || path === '/setup' || path === '/signup')) {
    redirect = '/sites'
  }
  useEffect(() => { if (redirect) navigate(redirect, true) }, [redirect])

  if (session.state === 'loading' || redirect) return <main class="page"><Skeleton lines={3} /></main>
  if (session.state === 'error') return <main class="page narrow"><ErrorBox error={session.error} onRetry={check} /></main>
  // Sign-up, password reset, email verification and invitations: signed in or out.
  if (accountPaths.includes(path) && (session.state === 'out' || path !== '/signup')) {
    return <AccountPage path={path} me={session.state === 'in' ? session.me : null}
      registration={session.state === 'out' ? session.registration : undefined}
      mailConfigured={session.state === 'out' ? session.mailConfigured !== false : session.me.mail_configured !== false}
      onSignedIn={(me, to) => { api.setSession(me); setSession({ state: 'in', me }); navigate(to, true) }}
      onSignedOut={() => { api.setSession(null); check() }}
      onRefresh={check} />
  }
  if (session.state === 'out') {
    return path === '/setup'
      ? <Setup setupNeeded={session.setupNeeded} onDone={signedIn} />
      : <Login onDone={signedIn} registration={session.registration} />
  }

  const signOut = async () => {
    // Signed out here whatever the server says: at worst its session
    // expires on its own.
    await api.logout().catch(() => undefined)
    api.setSession(null)
    setSession({ state: 'out', setupNeeded: false })
    navigate('/login', true)
  }
  const parts = path.split('/').filter(Boolean).map(decodeURIComponent)
  let page
  if (path === '/sites') page = <Sites />
  else if (path === '/account/team') page = <Team me={session.me} />
  else if (path === '/account') page = <Account me={session.me} onMe={(me) => setSession({ state: 'in', me })} />
  else if (path === '/admin/jobs') page = <Jobs me={session.me} />
  else if (path === '/admin') page = <Admin me={session.me} />
  else if (path === '/billing' || path === '/billing/return') page = <Billing me={session.me} />
  else if (parts.length === 1) page = <Dashboard key={parts[0]} domain={parts[0]} />
  else if (parts.length === 2 && parts[1] === 'performance') page = <Performance key={parts[0]} domain={parts[0]} />
  else if (parts.length === 2 && parts[1] === 'settings') page = <Settings key={parts[0]} domain={parts[0]} />
  else page = <main class="page narrow"><p>{t.errNotFound}</p><a href="/sites">{t.backToSites}</a></main>
  return (
    <>
      <header class="topbar">
        <a class="brand" href="/sites">{t.appName}</a>
        <nav>
          <a href="/sites">{t.sites}</a>
          {session.me.user.admin && <a href="/admin">{ts.admin}</a>}
          <BillingNav />
          <a class="user" href="/account" title={t.account}>{session.me.user.email}</a>
          <button type="button" class="link" onClick={signOut}>{t.signOut}</button>
        </nav>
      </header>
      <EmailBanner me={session.me} />
      <BillingBanner me={session.me} />
      {page}
    </>
  )
}

// Root: a shared link's page needs no account and shows nothing else.
function Root() {
  const { path } = useLocation()
  const m = /^\/share\/([^/]+)$/.exec(path)
  return m ? <Shared slug={decodeURIComponent(m[1])} /> : <App />
}

document.addEventListener('click', onLinkClick)
render(<Root />, document.getElementById('app')!)
