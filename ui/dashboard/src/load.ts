// useLoad runs an API call for a key and returns its answer only while
// the key is current: a view never shows the previous view's numbers as
// if they were its own, not even for the render before a new load starts.
// An answer for another key of the same group (a refresh of the same
// view) stays up while the new one loads.
import { useEffect, useState } from 'preact/hooks'

export interface Loaded<T> { data: T | null; error: unknown; retry: () => void }

export function useLoad<T>(key: string | null, run: (signal: AbortSignal) => Promise<T>, group?: string): Loaded<T> {
  const [result, setResult] = useState<{ key: string; group?: string; data: T | null; error: unknown } | null>(null)
  const [attempt, setAttempt] = useState(0)
  useEffect(() => {
    if (key === null) return
    const ctl = new AbortController()
    run(ctl.signal).then(
      (data) => setResult({ key, group, data, error: null }),
      (error) => { if (!ctl.signal.aborted) setResult({ key, group, data: null, error }) },
    )
    return () => ctl.abort()
  }, [key, attempt])
  const current = result && (result.key === key || (group !== undefined && result.group === group && result.data !== null)) ? result : null
  return { data: current ? current.data : null, error: current ? current.error : null, retry: () => setAttempt((n) => n + 1) }
}
