// The countries map: a choropleth of visitors by country. Hovering or
// focusing a country names it with its visitors; a click, Enter or Space
// filters the dashboard by it. Countries without visitors are drawn but
// not focusable; the Countries tab lists the same numbers as text.
import { useState } from 'preact/hooks'
import type { Row } from '../api'
import { t } from '../strings'
import { filterLabel, number } from '../format'
import { countryPaths, mapHeight, mapWidth } from './worldpaths'

export function WorldMap({ rows, filtered, onPick }: { rows: Row[]; filtered: Set<string>; onPick: (code: string) => void }) {
  const [hover, setHover] = useState<{ code: string; x: number; y: number } | null>(null)
  const visitors = new Map(rows.map((r) => [r.dimensions[0], r.metrics[0]]))
  const max = Math.max(1, ...visitors.values())
  const show = (code: string, e: MouseEvent | FocusEvent) => {
    const box = (e.currentTarget as SVGElement).ownerSVGElement!.parentElement!.getBoundingClientRect()
    let x: number, y: number
    if (e instanceof MouseEvent) { x = e.clientX - box.left; y = e.clientY - box.top } else {
      const r = (e.currentTarget as SVGGraphicsElement).getBoundingClientRect()
      x = r.left + r.width / 2 - box.left; y = r.top - box.top
    }
    setHover({ code, x, y })
  }
  const label = (code: string) => t.mapCountry(filterLabel('visit:country', code), number(visitors.get(code) || 0))
  return (
    <div class="worldmap" onMouseLeave={() => setHover(null)}>
      <svg viewBox={`0 0 ${mapWidth} ${mapHeight}`} role="group" aria-label={t.mapLabel}>
        {Object.entries(countryPaths).map(([code, d]) => {
          const v = visitors.get(code) || 0
          if (!v) return <path key={code} d={d} class="country empty" data-empty={code} aria-hidden="true" />
          const pick = () => { if (!filtered.has(code)) onPick(code) }
          return (
            <path key={code} d={d} class={hover?.code === code ? 'country active' : 'country'} data-country={code} data-visitors={v}
              style={{ fillOpacity: 0.2 + 0.8 * Math.sqrt(v / max) }}
              tabIndex={0} role="button" aria-label={t.filterBy(t.dimensions['visit:country'], label(code))}
              onMouseMove={(e) => show(code, e)} onFocus={(e) => show(code, e)} onBlur={() => setHover(null)} onClick={pick}
              onKeyDown={(e) => { if (e.key === 'Enter' || e.key === ' ') { e.preventDefault(); pick() } }} />
          )
        })}
      </svg>
      {hover && <div class="map-tip" role="status" style={{ left: hover.x + 'px', top: hover.y + 'px' }}>{label(hover.code)}</div>}
    </div>
  )
}
