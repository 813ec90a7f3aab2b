// A shared dashboard: /share/<slug>, opened by a secret link without an
// account. It asks for the link's password when it has one, then shows
// the site's dashboard read-only. ?embed=true is the same page made for
// an iframe (no header), with theme=light|dark|system and
// background=transparent.
import { useEffect, useState } from 'preact/hooks'
import * as api from '../api'
import { t } from '../strings'
import { ErrorBox, Field, Skeleton } from '../components'
import { Dashboard } from '../dashboard/dashboard'

// shareParams are the query parameters of a shared page that are not the
// dashboard's state, kept on every link it makes.
const shareParams = ['embed', 'theme', 'background']

export function Shared({ slug }: { slug: string }) {
  const params = new URLSearchParams(location.search)
  const embed = params.get('embed') === 'true'
  const keep = new URLSearchParams()
  for (const k of shareParams) if (params.get(k)) keep.set(k, params.get(k)!)
  useEffect(() => {
    const root = document.documentElement
    const theme = params.get('theme')
    if (theme === 'light' || theme === 'dark') root.dataset.theme = theme
    if (params.get('background') === 'transparent') root.dataset.background = 'transparent'
    if (embed) root.dataset.embed = 'true'
  }, [])

  const [info, setInfo] = useState<api.ShareInfo | null>(null)
  const [error, setError] = useState<unknown>(null)
  const load = () => { setError(null); api.shareInfo(slug).then(setInfo, setError) }
  useEffect(load, [slug])

  if (error) {
    const gone = error instanceof api.ApiError && error.status === 404
    return <main class="page narrow">{gone ? <p class="empty">{t.shareGone}</p> : <ErrorBox error={error} onRetry={load} />}</main>
  }
  if (!info) return <main class="page"><Skeleton lines={3} /></main>
  if (!info.unlocked || !info.site) return <SharePassword slug={slug} name={info.name} onUnlocked={setInfo} />
  api.setShare(slug, info)
  return (
    <>
      <Dashboard domain={info.site.domain} share={{ root: '/share/' + encodeURIComponent(slug), keep: keep.toString(), embed }} />
      {!embed && <p class="shortcuts muted">{t.sharedBy} <a href="/" target="_blank" rel="noopener">{t.appName}</a></p>}
    </>
  )
}

function SharePassword({ slug, name, onUnlocked }: { slug: string; name: string; onUnlocked: (i: api.ShareInfo) => void }) {
  const [password, setPassword] = useState('')
  const [error, setError] = useState<unknown>(null)
  const [busy, setBusy] = useState(false)
  const submit = async (e: Event) => {
    e.preventDefault()
    setBusy(true)
    setError(null)
    try {
      onUnlocked(await api.shareAuth(slug, password))
    } catch (err) {
      setError(err instanceof api.ApiError && err.status === 401 ? new Error(t.shareWrongPassword) : err)
      setBusy(false)
    }
  }
  return (
    <main class="auth">
      <form class="card share-password" onSubmit={submit}>
        <h1>{name}</h1>
        <p class="muted">{t.sharePasswordLead}</p>
        <Field label={t.password}>
          <input type="password" name="password" required autocomplete="current-password" value={password} onInput={(e) => setPassword(e.currentTarget.value)} />
        </Field>
        {error ? <ErrorBox error={error} /> : null}
        <button type="submit" class="button" disabled={busy}>{t.shareOpen}</button>
      </form>
    </main>
  )
}
