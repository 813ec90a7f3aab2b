// VerifyInstall waits for a site's first event after the snippet went
// in, so the owner knows the tracker works without waiting for tomorrow.
import { useEffect, useState } from 'preact/hooks'
import * as api from './api'
import { t } from './strings'

const every = 3000, giveUp = 10 * 60 * 1000

export function VerifyInstall({ domain, onReceived }: { domain: string; onReceived?: () => void }) {
  const [state, setState] = useState<'idle' | 'waiting' | 'received' | 'timeout'>('idle')
  useEffect(() => {
    if (state !== 'waiting') return
    const ctl = new AbortController()
    const start = Date.now()
    let timer = 0
    const check = async () => {
      try {
        const r = await api.query({ site_id: domain, metrics: ['events'], date_range: 'all' }, ctl.signal)
        if (r.results[0] && r.results[0].metrics[0] > 0) {
          setState('received')
          onReceived?.()
          return
        }
      } catch (e) {
        if ((e as Error).name === 'AbortError') return
      }
      if (Date.now() - start > giveUp) setState('timeout')
      else timer = window.setTimeout(check, every)
    }
    check()
    return () => { ctl.abort(); clearTimeout(timer) }
  }, [state, domain])
  return (
    <div class="verify" data-verify={state} role="status">
      {state === 'idle' && <button type="button" class="button secondary" onClick={() => setState('waiting')}>{t.verify}</button>}
      {state === 'waiting' && <p class="muted"><span class="live-dot pulsing" aria-hidden="true" /> {t.verifyWaiting(domain)}</p>}
      {state === 'received' && <p class="verify-ok">✓ {t.verifyOk(domain)}</p>}
      {state === 'timeout' && (
        <p>{t.verifyTimeout} <button type="button" class="link" onClick={() => setState('waiting')}>{t.retry}</button></p>
      )}
    </div>
  )
}
