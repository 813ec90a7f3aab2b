// Small pieces shared by the pages.
import type { ComponentChildren } from 'preact'
import { useState } from 'preact/hooks'
import { t } from './strings'

export function ErrorBox({ error, onRetry }: { error: unknown; onRetry?: () => void }) {
  const message = error instanceof Error ? error.message : String(error)
  return (
    <div class="error" role="alert">
      <p>{message}</p>
      {onRetry && <button type="button" class="button secondary" onClick={onRetry}>{t.retry}</button>}
    </div>
  )
}

// Skeleton holds the place of content that is loading, at its final size,
// so nothing jumps when it arrives.
export function Skeleton({ lines = 1, height }: { lines?: number; height?: number }) {
  return (
    <div class="skeleton" aria-busy="true" aria-label={t.loading} style={height ? { height: height + 'px' } : undefined}>
      {height ? null : Array.from({ length: lines }, (_, i) => <div key={i} class="skeleton-line" />)}
    </div>
  )
}

export function Field({ label, hint, children }: { label: string; hint?: string; children: ComponentChildren }) {
  return (
    <label class="field">
      <span class="field-label">{label}</span>
      {children}
      {hint && <span class="field-hint">{hint}</span>}
    </label>
  )
}

// Sparkline draws a series as a small SVG line; the total is given as
// text next to it for screen readers and people alike.
export function Sparkline({ values, label }: { values: number[]; label: string }) {
  const w = 120, h = 32
  const max = Math.max(1, ...values)
  const step = values.length > 1 ? w / (values.length - 1) : w
  const points = values.map((v, i) => `${(i * step).toFixed(1)},${(h - 2 - (v / max) * (h - 4)).toFixed(1)}`).join(' ')
  return (
    <svg class="sparkline" viewBox={`0 0 ${w} ${h}`} width={w} height={h} role="img" aria-label={label}>
      {values.length > 0 && <polyline points={points} fill="none" stroke="currentColor" stroke-width="1.5" />}
    </svg>
  )
}

// CopyBox shows a piece of code with a button that copies it.
export function CopyBox({ code }: { code: string }) {
  const [copied, setCopied] = useState(false)
  const copy = () => {
    navigator.clipboard.writeText(code).then(() => {
      setCopied(true)
      setTimeout(() => setCopied(false), 2000)
    }, () => setCopied(false))
  }
  return (
    <div class="snippet">
      <pre><code>{code}</code></pre>
      <button type="button" class="button secondary" onClick={copy}>{copied ? t.copied : t.copy}</button>
    </div>
  )
}
