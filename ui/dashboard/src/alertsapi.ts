// Email reports, alert channels and rules of a site
// (/api/v1/sites/reports, /api/v1/sites/alerts/…), and the staff view of
// scheduled jobs (/api/admin/jobs).
import { request } from './api'

const q = (domain: string) => '?site_id=' + encodeURIComponent(domain)

export type Frequency = 'daily' | 'weekly' | 'monthly'
export interface Subscription { id: number; email: string; frequency: Frequency; created_at: string }
export const listReports = (domain: string) => request<{ subscriptions: Subscription[] }>('GET', '/api/v1/sites/reports' + q(domain))
export const createReport = (domain: string, email: string, frequency: Frequency) =>
  request<Subscription>('POST', '/api/v1/sites/reports', { site_id: domain, email, frequency })
export const deleteReport = (domain: string, id: number) => request<unknown>('DELETE', '/api/v1/sites/reports/' + id + q(domain))

export type ChannelKind = 'email' | 'slack' | 'webhook'
export interface Channel { id: number; kind: ChannelKind; name: string; target: string; secret?: string; created_at: string }
export const listChannels = (domain: string) => request<{ channels: Channel[] }>('GET', '/api/v1/sites/alerts/channels' + q(domain))
export const createChannel = (domain: string, kind: ChannelKind, name: string, target: string) =>
  request<Channel>('POST', '/api/v1/sites/alerts/channels', { site_id: domain, kind, name, target })
export const deleteChannel = (domain: string, id: number) => request<unknown>('DELETE', '/api/v1/sites/alerts/channels/' + id + q(domain))

export interface Delivery {
  id: number; channel_id?: number; incident_id?: number; kind: ChannelKind; event: string; target: string
  attempts: number; status: 'ok' | 'failed' | string; status_code?: number; error?: string; created_at: string
}
export const testChannel = (domain: string, id: number) => request<Delivery>('POST', '/api/v1/sites/alerts/channels/' + id + '/test' + q(domain))
export const listDeliveries = (domain: string) => request<{ deliveries: Delivery[] }>('GET', '/api/v1/sites/alerts/deliveries' + q(domain) + '&limit=20')

export type RuleKind = 'traffic_spike' | 'traffic_drop' | 'goal_conversions' | 'vitals_regression' | 'tracker_missing'
export interface RuleParams {
  visitors?: number; hours?: number; percent?: number; min_usual?: number; goal?: string; count?: number
  metric?: 'lcp' | 'inp' | 'cls'; days?: number; worsen_percent?: number
}
export interface Rule {
  id?: number; kind: RuleKind; name: string; params: RuleParams; enabled: boolean
  channel_ids: number[]; cooldown_minutes: number; created_at?: string
}
export const listRules = (domain: string) => request<{ rules: Rule[] }>('GET', '/api/v1/sites/alerts/rules' + q(domain))
export const saveRule = (domain: string, r: Rule) => r.id
  ? request<Rule>('PUT', '/api/v1/sites/alerts/rules/' + r.id, { ...r, id: undefined, created_at: undefined, site_id: domain })
  : request<Rule>('POST', '/api/v1/sites/alerts/rules', { ...r, site_id: domain })
export const deleteRule = (domain: string, id: number) => request<unknown>('DELETE', '/api/v1/sites/alerts/rules/' + id + q(domain))

export interface Incident { id: number; rule_id: number; summary: string; started_at: string; resolved_at: string | null }
export const listIncidents = (domain: string) => request<{ incidents: Incident[] }>('GET', '/api/v1/sites/alerts/incidents' + q(domain) + '&limit=50')

export interface JobRun { started_at: string; finished_at: string | null; duration_ms?: number; status: 'running' | 'ok' | 'failed' | string; error?: string }
export interface Job {
  name: string; schedule?: string; next_run: string | null; late: boolean; late_after_seconds?: number
  last_run: JobRun | null; last_success: string | null; runs: JobRun[]
}
export const listJobs = () => request<{ jobs: Job[] }>('GET', '/api/admin/jobs')
