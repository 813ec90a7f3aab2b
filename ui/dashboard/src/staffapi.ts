// The staff admin panel's API (/api/admin/…) and an owner's account
// deletion requests (/api/accounts/:id/deletion).
import { request } from './api'

export interface AccountRow {
  id: number; name: string; owner_email: string; created_at: string; sites: number; members: number
  plan: string; capacity: string; events: number; period_start: string
  blocked: boolean; block_reason?: string; blocked_at?: string
  deleted: boolean; deleted_at?: string; destroy_after?: string
}
export interface DeletionRequest { id: number; account_id: number; account_name: string; requested_by: number; reason: string; requested_at: string; status: string }
export interface AuditEntry { id: number; at: string; actor_id: number; actor_email: string; action: string; account_id?: number; target?: string; detail: Record<string, unknown> }
export interface AccountDetail {
  account: AccountRow
  members: { user_id: number; email: string; role: string }[]
  sites: { id: number; domain: string }[]
  deletion_request: DeletionRequest | null
  audit: AuditEntry[]
}
export interface Segment { audience: string; plan?: string; capacity?: string }
export interface Announcement { id: number; subject: string; body: string; segment: Segment; recipients: number; created_at: string }
export interface BillingRow { account_id: number; plan: string; interval?: string; capacity: string; used: number; limit: number; mrr_cents: number; override_events?: number; coupon?: string; payment_failed: boolean }

const acct = (id: number) => '/api/admin/accounts/' + id
export const searchAccounts = (q: string) => request<{ accounts: AccountRow[] }>('GET', '/api/admin/accounts?q=' + encodeURIComponent(q))
export const account = (id: number) => request<AccountDetail>('GET', acct(id))
export const block = (id: number, reason: string) => request<AccountDetail>('POST', acct(id) + '/block', { reason })
export const unblock = (id: number) => request<AccountDetail>('POST', acct(id) + '/unblock')
export const approveDeletion = (id: number) => request<AccountDetail>('POST', acct(id) + '/approve-deletion')
export const deletionRequests = () => request<{ requests: DeletionRequest[] }>('GET', '/api/admin/deletion-requests')
export const previewAnnouncement = (segment: Segment) => request<{ recipients: number; sample: string[] }>('POST', '/api/admin/announcements/preview', { segment })
export const announce = (subject: string, body: string, segment: Segment) =>
  request<{ announcement: Announcement }>('POST', '/api/admin/announcements', { subject, body, segment })
export const announcements = () => request<{ announcements: Announcement[] }>('GET', '/api/admin/announcements')
export const audit = (before?: number) => request<{ entries: AuditEntry[]; next_before: number | null }>('GET', '/api/admin/audit?limit=50' + (before ? '&before=' + before : ''))
export const billing = () => request<{ accounts: BillingRow[]; mrr_cents: number; over_quota: number }>('GET', '/api/admin/billing')
export const changeBilling = (id: number, change: { override_events?: number; coupon?: string }) =>
  request<unknown>('POST', '/api/admin/billing/accounts/' + id, change)

export interface MyAccount { id: number; name: string; role: string }
export const myAccounts = () => request<{ accounts: MyAccount[] }>('GET', '/api/accounts')
export const myDeletion = (id: number) => request<{ deletion_request: DeletionRequest | null }>('GET', '/api/accounts/' + id + '/deletion')
export const requestDeletion = (id: number, confirm: string, reason: string) =>
  request<{ deletion_request: DeletionRequest }>('POST', '/api/accounts/' + id + '/deletion', { confirm, reason })
export const cancelDeletion = (id: number) => request<unknown>('DELETE', '/api/accounts/' + id + '/deletion')
