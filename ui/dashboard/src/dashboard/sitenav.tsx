// SiteNav switches between a site's pages, keeping the period and filters.
import { t } from '../strings'

export function SiteNav({ domain, active }: { domain: string; active: 'traffic' | 'performance' | 'settings' }) {
  const p = new URLSearchParams(location.search)
  p.delete('vital')
  const keep = p.toString() ? '?' + p.toString() : ''
  const root = '/' + encodeURIComponent(domain)
  return (
    <nav class="site-nav" aria-label={t.sitePages}>
      <a href={root + keep} aria-current={active === 'traffic' ? 'page' : undefined}>{t.traffic}</a>
      <a href={root + '/performance' + keep} aria-current={active === 'performance' ? 'page' : undefined}>{t.performance}</a>
      <a href={root + '/settings'} aria-current={active === 'settings' ? 'page' : undefined}>{t.settings}</a>
    </nav>
  )
}
