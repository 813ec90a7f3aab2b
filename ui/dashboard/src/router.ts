// A small history-API router: the path picks the page, the query string
// holds the page's state, so every view is a link.
import { useEffect, useState } from 'preact/hooks'

const listeners = new Set<() => void>()

export function navigate(to: string, replace = false) {
  if (to === location.pathname + location.search) return
  if (replace) history.replaceState(null, '', to)
  else history.pushState(null, '', to)
  listeners.forEach((f) => f())
  if (!replace) window.scrollTo(0, 0)
}

window.addEventListener('popstate', () => listeners.forEach((f) => f()))

// useLocation re-renders its component whenever the URL changes.
export function useLocation(): { path: string; params: URLSearchParams } {
  const [, setTick] = useState(0)
  useEffect(() => {
    const f = () => setTick((n) => n + 1)
    listeners.add(f)
    return () => { listeners.delete(f) }
  }, [])
  return { path: location.pathname, params: new URLSearchParams(location.search) }
}

// onLinkClick turns a click on an in-app link into navigation without a
// page load, leaving modified clicks (new tab, new window) to the browser.
export function onLinkClick(e: MouseEvent) {
  const a = (e.target as Element).closest('a')
  if (!a || e.defaultPrevented || e.button !== 0 || e.metaKey || e.ctrlKey || e.shiftKey || e.altKey) return
  if (a.target || a.origin !== location.origin || a.hasAttribute('download')) return
  if (a.pathname.startsWith('/api/') || a.pathname.startsWith('/js/')) return
  e.preventDefault()
  navigate(a.pathname + a.search)
}
