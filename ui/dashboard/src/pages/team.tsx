// The team page (/account/team?account=ID): the accounts the person
// belongs to, each account's members and roles, pending invitations and
// the transfer of ownership. Each action is offered only to the roles
// app/access allows it to (the API refuses the others all the same).
import { useState } from 'preact/hooks'
import * as api from '../api'
import * as accounts from '../accounts'
import { navigate, useLocation } from '../router'
import { t } from '../strings'
import { CopyBox, ErrorBox, Field, Skeleton } from '../components'
import { useLoad } from '../load'
import { MailNotice, useAction } from './signup'

const day = new Intl.DateTimeFormat('en', { dateStyle: 'medium' })
const givenRoles: accounts.Role[] = ['admin', 'editor', 'viewer']

// AccountTabs links the account settings and the team page.
export function AccountTabs({ current }: { current: 'account' | 'team' }) {
  return (
    <nav class="account-tabs site-nav" aria-label={t.account}>
      <a href="/account" aria-current={current === 'account' ? 'page' : undefined}>{t.accountTitle}</a>
      <a href="/account/team" aria-current={current === 'team' ? 'page' : undefined}>{t.teamTitle}</a>
    </nav>
  )
}

export function Team({ me }: { me: api.Me }) {
  const { params } = useLocation()
  const [version, setVersion] = useState(0)
  const list = useLoad('accounts' + version, () => accounts.listAccounts())
  const reload = () => setVersion((n) => n + 1)
  const all = list.data ? list.data.accounts : []
  const wanted = Number(params.get('account'))
  const current = all.find((a) => a.id === wanted) || all[0]
  return (
    <main class="page narrow account team">
      <div class="page-head"><h1>{t.teamTitle}</h1><span class="muted">{me.user.email}</span></div>
      <AccountTabs current="team" />
      {list.error ? <ErrorBox error={list.error} onRetry={list.retry} /> : null}
      {!list.data && !list.error && <Skeleton lines={3} />}
      {list.data && all.length === 0 && <p class="muted">{t.noAccounts}</p>}
      {all.length > 1 && current && (
        <Field label={t.accountSwitch}>
          <select name="account" value={current.id} onChange={(e) => navigate('/account/team?account=' + e.currentTarget.value)}>
            {all.map((a) => <option key={a.id} value={a.id}>{t.accountOption(a.name, t.roles[a.role])}</option>)}
          </select>
        </Field>
      )}
      {current && <AccountTeam key={current.id + ':' + version} me={me} account={current} onChanged={reload} />}
      {list.data && <NewAccount onCreated={(a) => { reload(); navigate('/account/team?account=' + a.id) }} />}
    </main>
  )
}

// AccountTeam is one account's members and invitations. Staff (instance
// administrators) may act as an owner could in any account.
function AccountTeam({ me, account, onChanged }: { me: api.Me; account: accounts.TeamAccount; onChanged: () => void }) {
  const acting: accounts.Role = me.user.admin ? 'owner' : account.role
  const manage = accounts.canManageMembers(acting)
  return (
    <div data-account={account.id} data-role={account.role}>
      <p class="muted" data-account-name={account.name}>{t.accountRole(account.name, t.roles[account.role])}</p>
      <Members me={me} account={account} acting={acting} onChanged={onChanged} />
      {manage && <Invitations me={me} account={account} />}
    </div>
  )
}

function Members({ me, account, acting, onChanged }: { me: api.Me; account: accounts.TeamAccount; acting: accounts.Role; onChanged: () => void }) {
  const [version, setVersion] = useState(0)
  const list = useLoad('members' + account.id + ':' + version, () => accounts.listMembers(account.id))
  const [confirm, setConfirm] = useState<{ kind: 'transfer' | 'leave' | 'remove'; member: accounts.Member } | null>(null)
  const { busy, error, run } = useAction()
  const again = () => setVersion((n) => n + 1)
  const manage = accounts.canManageMembers(acting)
  const act = (f: () => Promise<unknown>, after: () => void) => run(null, async () => { await f(); setConfirm(null); after() })
  return (
    <section class="card" aria-labelledby="t-members">
      <h2 id="t-members">{t.membersTitle}</h2>
      <p class="muted">{t.membersLead}</p>
      {list.error ? <ErrorBox error={list.error} onRetry={list.retry} /> : null}
      {!list.data && !list.error && <Skeleton lines={2} />}
      {list.data && (
        <ul class="goal-list members">
          {list.data.members.map((m) => {
            const self = m.user_id === me.user.id
            const editable = manage && !self && m.role !== 'owner'
            return (
              <li key={m.user_id} data-member={m.email} data-member-role={m.role}>
                <span><strong>{m.email}</strong>{self && <span class="badge">{t.you}</span>}
                  <br /><span class="muted">{t.memberSince(day.format(new Date(m.created_at)))}</span></span>
                <span class="member-actions">
                  {editable
                    ? <select name="role" aria-label={t.roleOf(m.email)} value={m.role} disabled={busy}
                      onChange={(e) => act(() => accounts.setRole(account.id, m.user_id, e.currentTarget.value as accounts.Role), again)}>
                      {givenRoles.map((r) => <option key={r} value={r}>{t.roles[r]}</option>)}
                    </select>
                    : <span class="badge role">{t.roles[m.role]}</span>}
                  {editable && <button type="button" class="button secondary small" data-action="remove" aria-label={t.removeMember(m.email)}
                    onClick={() => setConfirm({ kind: 'remove', member: m })}>{t.remove}</button>}
                  {accounts.canTransfer(acting) && !self && m.role !== 'owner' && <button type="button" class="button secondary small" data-action="transfer"
                    aria-label={t.makeOwnerOf(m.email)} onClick={() => setConfirm({ kind: 'transfer', member: m })}>{t.makeOwner}</button>}
                  {self && accounts.canLeave(m.role) && <button type="button" class="button secondary small" data-action="leave"
                    onClick={() => setConfirm({ kind: 'leave', member: m })}>{t.leaveAccount}</button>}
                </span>
              </li>
            )
          })}
        </ul>
      )}
      {confirm && (
        <div class="confirm" role="alertdialog" aria-labelledby="t-confirm" data-confirm={confirm.kind}>
          <p id="t-confirm">{confirm.kind === 'transfer' ? t.transferConfirm(confirm.member.email, account.name)
            : confirm.kind === 'leave' ? t.leaveConfirm(account.name) : t.removeConfirm(confirm.member.email, account.name)}</p>
          <div class="actions">
            <button type="button" class="button danger" disabled={busy} onClick={() => {
              const id = confirm.member.user_id
              if (confirm.kind === 'transfer') act(() => accounts.transferOwnership(account.id, id), onChanged)
              else if (confirm.kind === 'leave') act(() => accounts.removeMember(account.id, id), () => { navigate('/account/team', true); onChanged() })
              else act(() => accounts.removeMember(account.id, id), again)
            }}>{confirm.kind === 'transfer' ? t.makeOwner : confirm.kind === 'leave' ? t.leaveAccount : t.remove}</button>
            <button type="button" class="button secondary" onClick={() => setConfirm(null)}>{t.cancel}</button>
          </div>
        </div>
      )}
      {error && <ErrorBox error={error} />}
    </section>
  )
}

function Invitations({ me, account }: { me: api.Me; account: accounts.TeamAccount }) {
  const [version, setVersion] = useState(0)
  const list = useLoad('invitations' + account.id + ':' + version, () => accounts.listInvitations(account.id))
  const [email, setEmail] = useState('')
  const [role, setRole] = useState<accounts.Role>('viewer')
  const [sent, setSent] = useState<accounts.Invitation | null>(null)
  const { busy, error, run } = useAction()
  const mail = accounts.mailConfigured(me)
  const send = (to: string, r: accounts.Role) => run(null, async () => {
    setSent(await accounts.invite(account.id, to, r))
    setVersion((n) => n + 1)
  })
  return (
    <section class="card" aria-labelledby="t-invitations">
      <h2 id="t-invitations">{t.invitationsTitle}</h2>
      <p class="muted">{t.invitationsLead}</p>
      {!mail && <MailNotice />}
      {sent && (
        <div class="new-key" role="status" data-invited={sent.email}>
          <p><strong>{mail ? t.invitationSent(sent.email) : t.invitationLogged(sent.email)}</strong></p>
          {!mail && sent.url && <CopyBox code={sent.url} />}
        </div>
      )}
      {list.error ? <ErrorBox error={list.error} onRetry={list.retry} /> : null}
      {!list.data && !list.error && <Skeleton lines={1} />}
      {list.data && list.data.invitations.length === 0 && <p class="muted">{t.noInvitations}</p>}
      {list.data && list.data.invitations.length > 0 && (
        <ul class="goal-list">
          {list.data.invitations.map((inv) => (
            <li key={inv.id} data-invitation={inv.email}>
              <span><strong>{inv.email}</strong> <span class="badge role">{t.roles[inv.role]}</span>
                <br /><span class="muted">{inv.expired ? t.invitationExpired : t.invitationExpires(day.format(new Date(inv.expires_at)))}</span></span>
              <span class="member-actions">
                <button type="button" class="button secondary small" data-action="resend" disabled={busy} aria-label={t.resendTo(inv.email)}
                  onClick={() => send(inv.email, inv.role)}>{t.resend}</button>
                <button type="button" class="button secondary small" data-action="revoke" disabled={busy} aria-label={t.revokeInvitation(inv.email)}
                  onClick={() => run(null, async () => { await accounts.revokeInvitation(account.id, inv.id); setSent(null); setVersion((n) => n + 1) })}>{t.revoke}</button>
              </span>
            </li>
          ))}
        </ul>
      )}
      <form class="goal-form invite-form" onSubmit={(e) => { e.preventDefault(); send(email.trim(), role); setEmail('') }}>
        <Field label={t.email}><input type="email" name="invite_email" required value={email} onInput={(e) => setEmail(e.currentTarget.value)} /></Field>
        <Field label={t.role}>
          <select name="invite_role" value={role} onChange={(e) => setRole(e.currentTarget.value as accounts.Role)}>
            {givenRoles.map((r) => <option key={r} value={r}>{t.roles[r]} — {t.roleHelp[r]}</option>)}
          </select>
        </Field>
        {error && <ErrorBox error={error} />}
        <div class="actions"><button type="submit" class="button" disabled={busy}>{t.invite}</button></div>
      </form>
    </section>
  )
}

function NewAccount({ onCreated }: { onCreated: (a: accounts.TeamAccount) => void }) {
  const [name, setName] = useState('')
  const { busy, error, run } = useAction()
  return (
    <section class="card" aria-labelledby="t-new">
      <h2 id="t-new">{t.newAccountTitle}</h2>
      <p class="muted">{t.newAccountLead}</p>
      <form class="goal-form" onSubmit={(e) => run(e, async () => { const a = await accounts.createAccount(name.trim()); setName(''); onCreated(a) })}>
        <Field label={t.accountName}><input name="account_name" required maxLength={100} value={name} onInput={(e) => setName(e.currentTarget.value)} /></Field>
        {error && <ErrorBox error={error} />}
        <div class="actions"><button type="submit" class="button secondary" disabled={busy}>{t.createAccount}</button></div>
      </form>
    </section>
  )
}
