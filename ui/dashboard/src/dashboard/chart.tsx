// The main chart: one metric over time, optionally with the previous
// period laid over it bucket by bucket. A hidden table carries the same
// numbers for screen readers.
import { useEffect, useRef } from 'preact/hooks'
import uPlot from 'uplot'
import 'uplot/dist/uPlot.min.css'
import { bucketLabel, metric as formatMetric, utcDate } from '../format'
import { t } from '../strings'

export interface Series { labels: string[]; values: number[]; previous?: number[]; previousLabels?: string[] }

function cssVar(el: Element, name: string): string {
  return getComputedStyle(el).getPropertyValue(name).trim()
}

export function Chart({ series, metric, interval, rangeText }: { series: Series; metric: string; interval: string; rangeText: string }) {
  const box = useRef<HTMLDivElement>(null)
  useEffect(() => {
    const el = box.current!
    let plot: uPlot | null = null
    const build = () => {
      plot?.destroy()
      const xs = series.labels.map((l) => utcDate(l).getTime() / 1000)
      const line = cssVar(el, '--accent'), grid = cssVar(el, '--grid'), text = cssVar(el, '--muted'), prev = cssVar(el, '--previous')
      const fmt = (v: number | null) => (v == null ? '–' : formatMetric(metric, v))
      const axis = { stroke: text, grid: { stroke: grid, width: 1 }, ticks: { show: false } }
      const opts: uPlot.Options = {
        width: el.clientWidth || 600,
        height: 260,
        tzDate: (ts) => uPlot.tzDate(new Date(ts * 1000), 'Etc/UTC'),
        legend: { show: true, live: true },
        cursor: { drag: { x: false, y: false } },
        scales: { y: { range: (_u, _min, max) => [0, max > 0 ? max * 1.1 : 1] } },
        axes: [axis, { ...axis, size: 56, values: (_u, vals) => vals.map((v) => fmt(v)) }],
        series: [
          { label: t.chartTime, value: (_u, v) => (v == null ? '' : bucketLabel(series.labels[xs.indexOf(v)] || '', interval)) },
          { label: t.metrics[metric], stroke: line, width: 2, fill: line + '22', points: { show: xs.length < 40 }, value: (_u, v) => fmt(v) },
          ...(series.previous ? [{ label: t.previousPeriod, stroke: prev, width: 1.5, dash: [6, 4], points: { show: false }, value: (_u: uPlot, v: number | null) => fmt(v) }] : []),
        ],
      }
      const data: uPlot.AlignedData = [xs, series.values, ...(series.previous ? [series.previous] : [])]
      plot = new uPlot(opts, data, el)
    }
    build()
    const ro = new ResizeObserver(() => { if (plot && el.clientWidth) plot.setSize({ width: el.clientWidth, height: 260 }) })
    ro.observe(el)
    const dark = matchMedia('(prefers-color-scheme: dark)')
    dark.addEventListener('change', build)
    return () => { ro.disconnect(); dark.removeEventListener('change', build); plot?.destroy() }
  }, [series, metric, interval])

  return (
    <figure class="chart">
      <div ref={box} class="chart-canvas" role="img" aria-label={t.chartLabel(t.metrics[metric], rangeText)} />
      <div class="sr-only"><table>
        <caption>{t.chartLabel(t.metrics[metric], rangeText)}</caption>
        <tbody>
          {series.labels.map((l, i) => (
            <tr key={l}><th scope="row">{bucketLabel(l, interval)}</th><td>{formatMetric(metric, series.values[i])}</td>
              {series.previous && <td>{formatMetric(metric, series.previous[i] ?? 0)}</td>}</tr>
          ))}
        </tbody>
      </table></div>
    </figure>
  )
}
