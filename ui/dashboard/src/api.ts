// The dashboard talks only to Footfall's public APIs, with the session
// cookie; every request that changes something carries the CSRF token
// GET /api/auth/me handed out.
import { t } from './strings'

export interface User { id: number; email: string; admin: boolean; totp_enabled?: boolean; email_verified?: boolean }
export interface Me { user: User; csrf_token: string; setup_needed: boolean; mail_configured?: boolean }

export class ApiError extends Error {
  constructor(public status: number, public code: string, message: string, public body: any = {}) {
    super(message)
  }
}

let csrf = ''
let onUnauthorized: () => void = () => {}

export function setSession(me: Me | null) { csrf = me ? me.csrf_token : '' }
export function whenUnauthorized(f: () => void) { onUnauthorized = f }

// request sends a JSON request and returns the decoded answer, or throws
// an ApiError whose message is a sentence a person can act on. A refused
// CSRF token (the session was renewed elsewhere, e.g. by a password
// change) is fetched anew once and the request repeated.
export async function request<T>(method: string, path: string, body?: unknown, signal?: AbortSignal): Promise<T> {
  try {
    return await send<T>(method, path, body, signal)
  } catch (e) {
    if (!(e instanceof ApiError && e.status === 403 && e.code === 'csrf' && csrf)) throw e
    setSession(await send<Me>('GET', '/api/auth/me', undefined, signal))
    return send<T>(method, path, body, signal)
  }
}

async function send<T>(method: string, path: string, body?: unknown, signal?: AbortSignal): Promise<T> {
  const headers: Record<string, string> = { Accept: 'application/json' }
  if (body !== undefined) headers['Content-Type'] = 'application/json'
  if (method !== 'GET' && csrf) headers['X-CSRF-Token'] = csrf
  let res: Response
  try {
    res = await fetch(path, {
      method, headers, signal, credentials: 'same-origin',
      body: body === undefined ? undefined : JSON.stringify(body),
    })
  } catch (e) {
    if ((e as Error).name === 'AbortError') throw e
    throw new ApiError(0, 'network', t.errNetwork)
  }
  if (res.status === 204) return undefined as T
  let data: any = null
  try { data = await res.json() } catch { /* not JSON: described below */ }
  if (res.ok) return data as T
  const code = (data && data.code) || 'http_' + res.status
  let message = (data && data.error) || ''
  if (res.status === 401 && path !== '/api/auth/me' && path !== '/api/auth/login') {
    onUnauthorized()
    message = t.errUnauthorized
  }
  if (!message) message = res.status === 429 ? t.errRateLimited : res.status === 404 ? t.errNotFound : t.errServer
  throw new ApiError(res.status, code, message, data || {})
}

export const me = () => request<Me>('GET', '/api/auth/me')
export const login = (email: string, password: string) => request<Me>('POST', '/api/auth/login', { email, password })
export const setup = (email: string, password: string, token?: string) =>
  request<Me>('POST', '/api/auth/setup', token ? { email, password, token } : { email, password })
export const logout = () => request<void>('POST', '/api/auth/logout')

export interface Site { domain: string; timezone: string }
export const listSites = () => request<{ sites: Site[] }>('GET', '/api/v1/sites?limit=1000')
export const getSite = (domain: string) => request<Site>('GET', '/api/v1/sites/' + encodeURIComponent(domain))
export const createSite = (domain: string, timezone: string) => request<Site>('POST', '/api/v1/sites', { domain, timezone })
export const deleteSite = (domain: string) => request<unknown>('DELETE', '/api/v1/sites/' + encodeURIComponent(domain))

export interface Goal { id: number; display_name: string; goal_type: 'event' | 'page'; event_name: string | null; page_path: string | null }
export const listGoals = (domain: string) => request<{ goals: Goal[] }>('GET', '/api/v1/sites/goals?site_id=' + encodeURIComponent(domain))
export const putGoal = (domain: string, kind: 'event' | 'page', value: string, name: string) => request<Goal>('PUT', '/api/v1/sites/goals', {
  site_id: domain, goal_type: kind, ...(kind === 'event' ? { event_name: value } : { page_path: value }), ...(name ? { display_name: name } : {}),
})
export const deleteGoal = (domain: string, id: number) => request<unknown>('DELETE', '/api/v1/sites/goals/' + id, { site_id: domain })

export type Filter = [string, string, string[]]
export interface StatsQuery {
  site_id: string
  metrics: string[]
  date_range: string | [string, string]
  dimensions?: string[]
  filters?: Filter[]
  order_by?: [string, 'asc' | 'desc'][]
  pagination?: { limit: number; offset?: number }
  include?: { comparisons?: { mode: string; date_range?: [string, string] }; time_labels?: boolean; total_rows?: boolean }
}
export interface Comparison { dimensions: string[]; metrics: number[]; change: number[] }
export interface Row { metrics: number[]; dimensions: string[]; comparison?: Comparison }
export interface StatsResponse {
  results: Row[]
  meta: { time_labels?: string[]; total_rows?: number }
  query: { date_range: [string, string]; comparison_date_range?: [string, string] }
}
export const query = (q: StatsQuery, signal?: AbortSignal) => request<StatsResponse>('POST', share ? share.path + '/query' : '/api/v2/query', q, signal)

export interface FunnelStep { goal_type: 'event' | 'page'; event_name: string | null; page_path: string | null; display_name: string }
export interface Funnel { id: number; name: string; steps?: FunnelStep[] }
export interface FunnelResultStep { label: string; visitors: number; conversion_rate: number; conversion_rate_step: number; dropoff: number }
export const listFunnels = (domain: string) => share
  ? Promise.resolve({ funnels: share.info.funnels || [] })
  : request<{ funnels: Funnel[] }>('GET', '/api/v1/sites/funnels?site_id=' + encodeURIComponent(domain))
export const funnel = (q: { site_id: string; date_range: StatsQuery['date_range']; funnel: string; filters?: Filter[] }, signal?: AbortSignal) =>
  request<{ steps: FunnelResultStep[] }>('POST', share ? share.path + '/funnel' : '/api/v2/funnel', q, signal)

// Shared dashboards. A page opened by a shared link reads the stats
// through the link's own API (/api/share/<slug>/…), which answers for
// that one site, after the link's password when it has one.
export interface ShareInfo { name: string; password_required: boolean; unlocked: boolean; site?: Site; funnels?: Funnel[]; goals?: Goal[] }
let share: { path: string; info: ShareInfo } | null = null
export function setShare(slug: string, info: ShareInfo) { share = { path: '/api/share/' + encodeURIComponent(slug), info } }
export const isShared = () => share !== null
export const shareInfo = (slug: string) => request<ShareInfo>('GET', '/api/share/' + encodeURIComponent(slug))
export const shareAuth = (slug: string, password: string) => request<ShareInfo>('POST', '/api/share/' + encodeURIComponent(slug) + '/auth', { password })

export interface SharedLink { id: number; name: string; slug: string; url: string; password_protected: boolean; created_at: string }
const linksPath = (domain: string) => '/api/v1/sites/' + encodeURIComponent(domain) + '/shared-links'
export const listSharedLinks = (domain: string) => request<{ shared_links: SharedLink[] }>('GET', linksPath(domain))
export const createSharedLink = (domain: string, name: string, password: string) =>
  request<SharedLink>('POST', linksPath(domain), password ? { name, password } : { name })
export const deleteSharedLink = (domain: string, id: number) => request<unknown>('DELETE', linksPath(domain) + '/' + id)

// The signed-in person's own account: password, two-factor sign-in,
// sessions and API keys (/api/auth/…).
export const changePassword = (current_password: string, new_password: string) =>
  request<Me>('POST', '/api/auth/password', { current_password, new_password })
export interface SessionInfo { id: number; user_agent: string; location: string; created_at: string; last_seen_at: string; current: boolean }
export const listSessions = () => request<{ sessions: SessionInfo[] }>('GET', '/api/auth/sessions')
export const deleteSession = (id: number) => request<unknown>('DELETE', '/api/auth/sessions/' + id)
export interface APIKeyInfo { id: number; name: string; prefix: string; scopes: string[]; created_at: string; last_used_at: string | null; key?: string }
export const listKeys = () => request<{ keys: APIKeyInfo[] }>('GET', '/api/auth/keys')
export const createKey = (name: string, scopes: string[]) => request<APIKeyInfo>('POST', '/api/auth/keys', { name, scopes })
export const deleteKey = (id: number) => request<unknown>('DELETE', '/api/auth/keys/' + id)
export const totpSetup = (password: string) => request<{ secret: string; otpauth_url: string }>('POST', '/api/auth/totp/setup', { password })
export const totpEnable = (code: string) => request<Me & { recovery_codes: string[] }>('POST', '/api/auth/totp/enable', { code })
export const totpDisable = (password: string, code: string) => request<Me>('POST', '/api/auth/totp/disable', { password, code })

// Site settings: domain and time zone, funnels, and resetting the stats.
export const updateSite = (domain: string, change: { domain?: string; timezone?: string }) =>
  request<Site>('PUT', '/api/v1/sites/' + encodeURIComponent(domain), change)
export const resetStats = (domain: string) => request<unknown>('DELETE', '/api/v1/sites/' + encodeURIComponent(domain) + '/events')
export const putFunnel = (domain: string, name: string, steps: FunnelStep[]) =>
  request<Funnel>('PUT', '/api/v1/sites/funnels', { site_id: domain, name, steps })
export const deleteFunnel = (domain: string, id: number) => request<unknown>('DELETE', '/api/v1/sites/funnels/' + id, { site_id: domain })
