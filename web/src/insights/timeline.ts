/**
 * The timeline chart: characters inserted per author per time bucket, as
 * stacked bars in an inline SVG. `layoutTimeline` does the arithmetic (and is
 * unit-tested); `timelineChart` draws it.
 */
import type { BucketCounts } from '../api'
import { safeColor } from './format'

/** An author as the chart shows them. */
export interface Series {
  id: string
  name: string
  color: string
}

/** One author's part of one bar. */
export interface Segment {
  author: Series
  /** Top edge, in chart pixels. */
  y: number
  height: number
  inserted: number
  deleted: number
}

/** One bucket. */
export interface Bar {
  /** Bucket start, ms since the epoch. */
  start: number
  x: number
  width: number
  total: number
  segments: Segment[]
}

/** Everything needed to draw the chart. */
export interface TimelineLayout {
  bars: Bar[]
  /** The value at the top of the y axis. */
  max: number
  /** Buckets left out at the start because there were more than `maxBars`. */
  omitted: number
  plot: { left: number, top: number, width: number, height: number }
}

/** Chart margins: room for the y labels on the left and x labels below. */
const MARGIN = { left: 48, right: 8, top: 10, bottom: 24 }
/** The chart is never divided into fewer slots than this. */
const MIN_SLOTS = 12

/** A round number ≥ `n` (1, 2 or 5 times a power of ten) for the y axis. */
export function niceCeiling (n: number): number {
  if (n <= 0) return 1
  const power = 10 ** Math.floor(Math.log10(n))
  for (const step of [1, 2, 5, 10]) {
    if (step * power >= n) return step * power
  }
  return 10 * power
}

/**
 * Lays out the buckets from the first to the last one with data, empty ones
 * included, keeping only the newest `maxBars`.
 */
export function layoutTimeline (
  buckets: ReadonlyArray<{ start: number, authors: Record<string, BucketCounts> }>,
  bucketMs: number,
  authors: readonly Series[],
  size: { width: number, height: number, maxBars?: number }
): TimelineLayout {
  const plot = {
    left: MARGIN.left,
    top: MARGIN.top,
    width: Math.max(10, size.width - MARGIN.left - MARGIN.right),
    height: Math.max(10, size.height - MARGIN.top - MARGIN.bottom)
  }
  const byStart = new Map(buckets.map((b) => [b.start, b.authors]))
  const starts = buckets.map((b) => b.start).sort((a, b) => a - b)
  if (starts.length === 0 || bucketMs <= 0) return { bars: [], max: 1, omitted: 0, plot }
  const first = starts[0]
  const last = starts[starts.length - 1]
  const count = Math.floor((last - first) / bucketMs) + 1
  const maxBars = size.maxBars ?? 120
  const omitted = Math.max(0, count - maxBars)
  const shown = count - omitted
  let max = 0
  const raw = Array.from({ length: shown }, (_, i) => {
    const start = first + (omitted + i) * bucketMs
    const counts = byStart.get(start) ?? {}
    const total = authors.reduce((sum, a) => sum + (counts[a.id]?.inserted ?? 0), 0)
    max = Math.max(max, total)
    return { start, counts, total }
  })
  max = niceCeiling(max)
  // At least MIN_SLOTS slots, so that a few bars stay bars and start at the left.
  const slot = plot.width / Math.max(shown, MIN_SLOTS)
  const gap = slot > 6 ? Math.min(4, slot * 0.2) : 0
  const bars = raw.map(({ start, counts, total }, i): Bar => {
    let y = plot.top + plot.height
    const segments: Segment[] = []
    for (const author of authors) {
      const c = counts[author.id]
      if (c === undefined || (c.inserted === 0 && c.deleted === 0)) continue
      const height = (c.inserted / max) * plot.height
      y -= height
      segments.push({ author, y, height, inserted: c.inserted, deleted: c.deleted })
    }
    return { start, x: plot.left + i * slot + gap / 2, width: Math.max(1, slot - gap), total, segments }
  })
  return { bars, max, omitted, plot }
}

/** A bucket's start as a short label: a date for day buckets, else a time. */
export function bucketLabel (start: number, bucketMs: number): string {
  const date = new Date(start)
  if (bucketMs >= 86_400_000) return date.toLocaleDateString(undefined, { month: 'short', day: 'numeric' })
  return date.toLocaleTimeString(undefined, { hour: '2-digit', minute: '2-digit' })
}

const SVG = 'http://www.w3.org/2000/svg'

function svg<K extends keyof SVGElementTagNameMap> (tag: K, attrs: Record<string, string | number>, text?: string): SVGElementTagNameMap[K] {
  const el = document.createElementNS(SVG, tag)
  for (const [key, value] of Object.entries(attrs)) el.setAttribute(key, String(value))
  if (text !== undefined) el.textContent = text
  return el
}

/** Draws the chart as an SVG of `width` × `height` pixels. */
export function timelineChart (
  buckets: ReadonlyArray<{ start: number, authors: Record<string, BucketCounts> }>,
  bucketMs: number,
  authors: readonly Series[],
  width: number,
  height = 220
): SVGSVGElement {
  const layout = layoutTimeline(buckets, bucketMs, authors, { width, height, maxBars: Math.max(12, Math.floor(width / 8)) })
  const { plot, max, bars } = layout
  const root = svg('svg', { viewBox: `0 0 ${width} ${height}`, width, height, role: 'img', 'aria-labelledby': 'timeline-title timeline-desc', class: 'timeline-svg' })
  root.appendChild(svg('title', { id: 'timeline-title' }, 'Characters inserted per author over time'))
  const totals = authors.map((a) => `${a.name} ${buckets.reduce((s, b) => s + (b.authors[a.id]?.inserted ?? 0), 0)}`)
  root.appendChild(svg('desc', { id: 'timeline-desc' }, bars.length === 0 ? 'No edits yet.' : `Inserted characters: ${totals.join(', ')}.`))
  for (const fraction of [0, 0.5, 1]) {
    const y = plot.top + plot.height * (1 - fraction)
    root.appendChild(svg('line', { x1: plot.left, x2: plot.left + plot.width, y1: y, y2: y, class: 'grid' }))
    root.appendChild(svg('text', { x: plot.left - 6, y: y + 4, 'text-anchor': 'end', class: 'axis' }, Math.round(max * fraction).toLocaleString()))
  }
  for (const bar of bars) {
    const group = svg('g', { 'data-start': bar.start })
    for (const s of bar.segments) {
      const rect = svg('rect', { x: bar.x, y: s.y, width: bar.width, height: Math.max(s.height, s.inserted > 0 ? 1 : 0), fill: safeColor(s.author.color) })
      const when = `${bucketLabel(bar.start, bucketMs)}–${bucketLabel(bar.start + bucketMs, bucketMs)}`
      rect.appendChild(svg('title', {}, `${s.author.name}, ${when}: ${s.inserted} inserted, ${s.deleted} deleted`))
      group.appendChild(rect)
    }
    root.appendChild(group)
  }
  const labelled = bars.length <= 2 ? bars : [bars[0], bars[Math.floor(bars.length / 2)], bars[bars.length - 1]]
  labelled.forEach((bar, i) => {
    const anchor = labelled.length === 1 ? 'middle' : i === 0 ? 'start' : i === labelled.length - 1 ? 'end' : 'middle'
    const x = anchor === 'start' ? bar.x : anchor === 'end' ? bar.x + bar.width : bar.x + bar.width / 2
    root.appendChild(svg('text', { x, y: height - 6, 'text-anchor': anchor, class: 'axis' }, bucketLabel(bar.start, bucketMs)))
  })
  return root
}
