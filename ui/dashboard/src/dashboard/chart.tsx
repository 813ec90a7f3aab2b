// The main chart: one metric over time, optionally with the previous
// period laid over it bucket by bucket. A hidden table carries the same
// numbers for screen readers.
import { useEffect, useRef } from 'preact/hooks'
import uPlot from 'uplot'
import 'uplot/dist/uPlot.min.css'
import { axisDate, bucketLabel, metric as formatMetric, utcDate } from '../format'
import { t } from '../strings'

export interface Series { labels: string[]; values: number[]; previous?: number[]; previousLabels?: string[] }

function cssVar(el: Element, name: string): string {
  return getComputedStyle(el).getPropertyValue(name).trim()
}

// Threshold is a horizontal line across the chart, e.g. where a vital
// stops being good.
export interface Threshold { value: number; label: string; color: string }

export function Chart({ series, metric, label: name, format, thresholds, interval, rangeText }: {
  series: Series
  metric: string
  label?: string // default: the metric's name
  format?: (v: number) => string // default: as the metric is shown
  thresholds?: Threshold[]
  interval: string
  rangeText: string
}) {
  const label = name || t.metrics[metric]
  const show = format || ((v: number) => formatMetric(metric, v))
  const box = useRef<HTMLDivElement>(null)
  useEffect(() => {
    const el = box.current!
    let plot: uPlot | null = null
    const build = () => {
      plot?.destroy()
      const xs = series.labels.map((l) => utcDate(l).getTime() / 1000)
      const line = cssVar(el, '--accent'), grid = cssVar(el, '--grid'), text = cssVar(el, '--muted'), prev = cssVar(el, '--previous')
      const fmt = (v: number | null) => (v == null ? '–' : show(v))
      const axis = { stroke: text, grid: { stroke: grid, width: 1 }, ticks: { show: false } }
      const opts: uPlot.Options = {
        width: el.clientWidth || 600,
        height: 260,
        tzDate: (ts) => uPlot.tzDate(new Date(ts * 1000), 'Etc/UTC'),
        legend: { show: true, live: true },
        cursor: { drag: { x: false, y: false } },
        scales: { y: { range: (_u, _min, max) => { const top = Math.max(max, ...(thresholds || []).map((h) => h.value)); return [0, top > 0 ? top * 1.1 : 1] } } },
        axes: [
          // Buckets of a day or more get ticks on whole days and date labels.
          interval === 'hour' ? axis : {
            ...axis, incrs: [86400, 2 * 86400, 7 * 86400, 14 * 86400, 28 * 86400, 91 * 86400, 365 * 86400],
            values: (_u, vals) => vals.map((v) => axisDate(v, interval)),
          },
          { ...axis, size: 56, values: (_u, vals) => vals.map((v) => fmt(v)) },
        ],
        series: [
          { label: t.chartTime, value: (_u, v) => (v == null ? '' : bucketLabel(series.labels[xs.indexOf(v)] || '', interval)) },
          { label, stroke: line, width: 2, fill: line + '22', points: { show: xs.length < 40 }, value: (_u, v) => fmt(v) },
          ...(series.previous ? [{ label: t.previousPeriod, stroke: prev, width: 1.5, dash: [6, 4], points: { show: false }, value: (_u: uPlot, v: number | null) => fmt(v) }] : []),
          ...(thresholds || []).map((h) => ({ label: h.label, stroke: cssVar(el, h.color), width: 1, dash: [2, 4], points: { show: false }, value: () => fmt(h.value) })),
        ],
      }
      const data: uPlot.AlignedData = [xs, series.values, ...(series.previous ? [series.previous] : []), ...(thresholds || []).map((h) => xs.map(() => h.value))]
      plot = new uPlot(opts, data, el)
    }
    build()
    const ro = new ResizeObserver(() => { if (plot && el.clientWidth) plot.setSize({ width: el.clientWidth, height: 260 }) })
    ro.observe(el)
    const dark = matchMedia('(prefers-color-scheme: dark)')
    dark.addEventListener('change', build)
    return () => { ro.disconnect(); dark.removeEventListener('change', build); plot?.destroy() }
  }, [series, metric, interval, label, JSON.stringify(thresholds)])

  return (
    <figure class="chart">
      <div ref={box} class="chart-canvas" role="img" aria-label={t.chartLabel(label, rangeText)} />
      <div class="sr-only"><table>
        <caption>{t.chartLabel(label, rangeText)}</caption>
        <tbody>
          {series.labels.map((l, i) => (
            <tr key={l}><th scope="row">{bucketLabel(l, interval)}</th><td>{show(series.values[i])}</td>
              {series.previous && <td>{show(series.previous[i] ?? 0)}</td>}</tr>
          ))}
        </tbody>
      </table></div>
    </figure>
  )
}
