// The account APIs behind the sign-up, email, password-reset, invitation
// and team pages: /api/auth/… for the person, /api/accounts/… for teams.
import { request, type Me } from './api'

export type Role = 'owner' | 'admin' | 'editor' | 'viewer'

export const mailConfigured = (me: Me) => me.mail_configured !== false
export const emailVerified = (me: Me) => me.user.email_verified !== false

export const signup = (email: string, password: string) => request<Me>('POST', '/api/auth/signup', { email, password })
export const login = (email: string, password: string, code?: string) =>
  request<Me>('POST', '/api/auth/login', code ? { email, password, code } : { email, password })
export const verifyEmail = (token: string) => request<{ email_verified: boolean }>('POST', '/api/auth/verify', { token })
export const resendVerification = () => request<{ status: string }>('POST', '/api/auth/verify/resend')
export const requestReset = (email: string) => request<{ status: string }>('POST', '/api/auth/password-reset', { email })
export const confirmReset = (token: string, password: string) =>
  request<{ status: string }>('POST', '/api/auth/password-reset/confirm', { token, password })

export interface InvitationInfo { account_name: string; email: string; role: Role; expires_at: string; account_exists: boolean }
export const lookupInvitation = (token: string) => request<InvitationInfo>('POST', '/api/auth/invitations/lookup', { token })
// Signed out, accepting creates the invited user and answers as sign-in
// does; signed in, it answers with the account joined.
export const acceptInvitation = (token: string, password?: string) =>
  request<Me | TeamAccount>('POST', '/api/auth/invitations/accept', password === undefined ? { token } : { token, password })

export interface TeamAccount { id: number; name: string; role: Role }
export interface Member { user_id: number; email: string; role: Role; created_at: string }
export interface Invitation { id: number; email: string; role: Role; expires_at: string; expired: boolean; created_at: string; url?: string }

const acc = (id: number) => '/api/accounts/' + id
export const listAccounts = () => request<{ accounts: TeamAccount[] }>('GET', '/api/accounts')
export const createAccount = (name: string) => request<TeamAccount>('POST', '/api/accounts', { name })
export const listMembers = (id: number) => request<{ members: Member[] }>('GET', acc(id) + '/members')
export const setRole = (id: number, user: number, role: Role) => request<Member>('PUT', acc(id) + '/members/' + user, { role })
export const removeMember = (id: number, user: number) => request<void>('DELETE', acc(id) + '/members/' + user)
export const transferOwnership = (id: number, user: number) => request<void>('POST', acc(id) + '/transfer', { user_id: user })
export const listInvitations = (id: number) => request<{ invitations: Invitation[] }>('GET', acc(id) + '/invitations')
// Inviting an address again replaces its earlier link: that is "resend".
export const invite = (id: number, email: string, role: Role) => request<Invitation>('POST', acc(id) + '/invitations', { email, role })
export const revokeInvitation = (id: number, inv: number) => request<void>('DELETE', acc(id) + '/invitations/' + inv)

// What each role may do on the team page, as app/access allows it:
// members and invitations from admin up, ownership by the owner; anyone
// but the owner may leave.
const rank: Record<Role, number> = { viewer: 0, editor: 1, admin: 2, owner: 3 }
export const canManageMembers = (r: Role) => rank[r] >= rank.admin
export const canTransfer = (r: Role) => r === 'owner'
export const canLeave = (r: Role) => r !== 'owner'
