// The danger zone of account settings: an owner asks for one of their
// accounts to be deleted (staff approve it), or withdraws the request.
import { useState } from 'preact/hooks'
import * as sa from '../staffapi'
import { ts } from '../strings'
import { ErrorBox, Field } from '../components'
import { useLoad } from '../load'

const when = new Intl.DateTimeFormat('en', { dateStyle: 'medium', timeStyle: 'short' })

export function DangerZone() {
  const mine = useLoad('my accounts', () => sa.myAccounts())
  const owned = mine.data ? mine.data.accounts.filter((a) => a.role === 'owner') : []
  if (mine.error) return <section class="card danger-zone"><ErrorBox error={mine.error} onRetry={mine.retry} /></section>
  if (owned.length === 0) return null
  return (
    <section class="card danger-zone" aria-labelledby="a-danger">
      <h2 id="a-danger">{ts.dangerZone}</h2>
      <p class="muted">{ts.dangerLead}</p>
      {owned.map((a) => <Deletion key={a.id} account={a} />)}
    </section>
  )
}

function Deletion({ account }: { account: sa.MyAccount }) {
  const [gen, setGen] = useState(0)
  const pending = useLoad('deletion ' + account.id + ' ' + gen, () => sa.myDeletion(account.id), 'deletion ' + account.id)
  const [confirm, setConfirm] = useState('')
  const [reason, setReason] = useState('')
  const [busy, setBusy] = useState(false)
  const [error, setError] = useState<unknown>(null)
  const act = async (e: Event | null, f: () => Promise<unknown>) => {
    e?.preventDefault()
    setBusy(true)
    setError(null)
    try { await f(); setGen((n) => n + 1) } catch (err) { setError(err) }
    setBusy(false)
  }
  const r = pending.data?.deletion_request
  return (
    <div class="deletion" data-deletion-account={account.id}>
      {r ? (
        <>
          <p role="status">{ts.deletionPending(when.format(new Date(r.requested_at)))}</p>
          <div class="actions"><button type="button" class="button secondary" disabled={busy} onClick={() => act(null, () => sa.cancelDeletion(account.id))}>{ts.withdraw}</button></div>
        </>
      ) : (
        <form onSubmit={(e) => act(e, () => sa.requestDeletion(account.id, confirm, reason))}>
          <Field label={ts.confirmName(account.name)}>
            <input name="confirm_name" required autocomplete="off" value={confirm} onInput={(e) => setConfirm(e.currentTarget.value)} />
          </Field>
          <Field label={ts.deletionReason}><input name="deletion_reason" maxLength={1000} value={reason} onInput={(e) => setReason(e.currentTarget.value)} /></Field>
          <div class="actions">
            <button type="submit" class="button danger" disabled={busy || confirm.trim() !== account.name}>{ts.requestDeletion(account.name)}</button>
          </div>
        </form>
      )}
      {error ? <ErrorBox error={error} /> : null}
    </div>
  )
}
