// Numbers, durations and dates as people read them.

const compact = new Intl.NumberFormat('en', { notation: 'compact', maximumFractionDigits: 1 })
const whole = new Intl.NumberFormat('en')

export function number(n: number): string {
  return Math.abs(n) >= 10000 ? compact.format(n) : whole.format(Math.round(n * 100) / 100)
}

export function duration(seconds: number): string {
  const s = Math.round(seconds)
  if (s < 60) return `${s}s`
  const m = Math.floor(s / 60)
  if (m < 60) return `${m}m ${s % 60}s`
  return `${Math.floor(m / 60)}h ${m % 60}m`
}

export function metric(name: string, v: number): string {
  if (name === 'bounce_rate') return `${Math.round(v)}%`
  if (name === 'visit_duration') return duration(v)
  if (name === 'views_per_visit') return (Math.round(v * 100) / 100).toString()
  return number(v)
}

// change shows a comparison: points for rates, percent otherwise.
export function change(name: string, v: number): string {
  const sign = v > 0 ? '↑' : v < 0 ? '↓' : ''
  const a = Math.abs(Math.round(v))
  return name === 'bounce_rate' ? `${sign}${a} pt` : `${sign}${a}%`
}

const day = new Intl.DateTimeFormat('en', { day: 'numeric', month: 'short', timeZone: 'UTC' })
const dayYear = new Intl.DateTimeFormat('en', { day: 'numeric', month: 'short', year: 'numeric', timeZone: 'UTC' })
const monthYear = new Intl.DateTimeFormat('en', { month: 'short', year: 'numeric', timeZone: 'UTC' })

// utcDate reads "2026-11-23" (or a longer timestamp) as that calendar day.
export function utcDate(s: string): Date {
  return new Date(Date.UTC(+s.slice(0, 4), +s.slice(5, 7) - 1, +s.slice(8, 10), +(s.slice(11, 13) || 0)))
}

export function isoDate(d: Date): string { return d.toISOString().slice(0, 10) }

export function dateRange(from: string, to: string): string {
  const a = utcDate(from), b = utcDate(to)
  if (from.slice(0, 10) === to.slice(0, 10)) return dayYear.format(a)
  const sameYear = a.getUTCFullYear() === b.getUTCFullYear()
  return `${sameYear ? day.format(a) : dayYear.format(a)} – ${dayYear.format(b)}`
}

const shortDay = new Intl.DateTimeFormat('en', { day: 'numeric', month: 'short', timeZone: 'UTC' })

// axisDate labels a chart tick (unix seconds, UTC) of a day, week or
// month bucket.
export function axisDate(seconds: number, interval: string): string {
  const d = new Date(seconds * 1000)
  return interval === 'month' ? monthYear.format(d) : shortDay.format(d)
}

// bucketLabel names a chart bucket ("2026-11-23", "2026-11-23 14:00:00").
export function bucketLabel(label: string, interval: string): string {
  const d = utcDate(label)
  if (interval === 'hour') return `${day.format(d)} ${label.slice(11, 16)}`
  if (interval === 'month') return monthYear.format(d)
  return dayYear.format(d)
}

const regionNames = typeof Intl.DisplayNames === 'function' ? new Intl.DisplayNames(['en'], { type: 'region' }) : null

// filterLabel shows a filter's value as its panel row did: countries by
// name, not code.
export function filterLabel(dim: string, value: string): string {
  if (dim === 'visit:country' && regionNames && /^[A-Z]{2}$/.test(value)) {
    try { return regionNames.of(value) || value } catch { return value }
  }
  return value
}
