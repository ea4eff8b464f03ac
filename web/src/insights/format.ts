/** Number, time and colour formatting shared by the insights and history pages. */
import { h } from '../dom'

/** A count with thousands separators. */
export function formatCount (n: number): string {
  return n.toLocaleString()
}

/** A share 0..1 as a percentage with one decimal ("42.5%"). */
export function formatShare (share: number): string {
  return `${(Math.round(share * 1000) / 10).toFixed(1)}%`
}

/** Whether two timestamps fall on the same local day. */
function sameDay (a: Date, b: Date): boolean {
  return a.getFullYear() === b.getFullYear() && a.getMonth() === b.getMonth() && a.getDate() === b.getDate()
}

/** A local date and time, without the date when it is today. */
export function formatTime (ms: number, now = new Date()): string {
  const date = new Date(ms)
  if (sameDay(date, now)) return date.toLocaleTimeString(undefined, { hour: '2-digit', minute: '2-digit', second: '2-digit' })
  return date.toLocaleString(undefined, { year: 'numeric', month: 'short', day: 'numeric', hour: '2-digit', minute: '2-digit' })
}

/** A `<time>` element for `ms` (nothing for 0, the "never" of the API). */
export function timeElement (ms: number): HTMLElement {
  if (ms <= 0) return h('span', { class: 'muted' }, '–')
  const date = new Date(ms)
  return h('time', { datetime: date.toISOString(), title: date.toLocaleString() }, formatTime(ms))
}

/** `color` if it is a `#rgb` or `#rrggbb` colour, else a neutral grey. */
export function safeColor (color: string): string {
  return /^#(?:[0-9a-fA-F]{3}){1,2}$/.test(color) ? color : '#888888'
}

/** A small square in an author's colour, hidden from screen readers. */
export function swatch (color: string): HTMLElement {
  const el = h('span', { class: 'swatch', 'aria-hidden': 'true' })
  el.style.background = safeColor(color)
  return el
}
