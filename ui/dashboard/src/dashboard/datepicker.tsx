// The period picker: presets with their keyboard shortcuts, a custom
// range, and arrows that move the period back and forth.
import { useEffect, useState } from 'preact/hooks'
import { t } from '../strings'
import { dateRange, isoDate } from '../format'
import * as st from './state'

export function DatePicker({ state, range, onChange }: { state: st.State; range?: [string, string]; onChange: (s: st.State) => void }) {
  const [custom, setCustom] = useState(state.period === 'custom')
  const [from, setFrom] = useState(state.from)
  const [to, setTo] = useState(state.to)
  useEffect(() => {
    setCustom(state.period === 'custom')
    setFrom(state.from || (range ? range[0].slice(0, 10) : ''))
    setTo(state.to || (range ? range[1].slice(0, 10) : ''))
  }, [state.period, state.from, state.to, range?.[0]])

  const today = isoDate(new Date())
  const choose = (p: string) => {
    if (p === 'custom') { setCustom(true); return }
    setCustom(false)
    onChange({ ...state, period: p, from: '', to: '', interval: '' })
  }
  const move = (dir: number) => {
    if (!range) return
    const next = st.shift(state, range, dir, today)
    if (next) onChange(next)
  }
  const canForward = !!range && st.shift(state, range, 1, today) !== null && state.period === 'custom'
  return (
    <div class="datepicker">
      <button type="button" class="icon" aria-label={t.earlier} title={t.earlier} disabled={!range} onClick={() => move(-1)}>‹</button>
      <label class="sr-only" for="period">{t.period}</label>
      <select id="period" value={custom ? 'custom' : state.period} onChange={(e) => choose(e.currentTarget.value)}>
        {[...st.periods, 'custom'].map((p) => (
          <option key={p} value={p}>{t.periods[p]}{t.periodKeys[p] ? ` (${t.periodKeys[p]})` : ''}</option>
        ))}
      </select>
      <button type="button" class="icon" aria-label={t.later} title={t.later} disabled={!canForward} onClick={() => move(1)}>›</button>
      {range && !custom && <span class="range muted">{dateRange(range[0], range[1])}</span>}
      {custom && (
        <form class="custom-range" onSubmit={(e) => {
          e.preventDefault()
          if (from && to && from <= to) onChange({ ...state, period: 'custom', from, to, interval: '' })
        }}>
          <label>{t.from} <input type="date" name="from" value={from} max={today} required onInput={(e) => setFrom(e.currentTarget.value)} /></label>
          <label>{t.to} <input type="date" name="to" value={to} min={from} max={today} required onInput={(e) => setTo(e.currentTarget.value)} /></label>
          <button type="submit" class="button secondary">{t.apply}</button>
        </form>
      )}
    </div>
  )
}
