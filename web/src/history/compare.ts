/**
 * The compare card of the history page: two revisions side by side in one
 * text, insertions and deletions marked and coloured by the author who
 * wrote them, with each member's inserted and deleted characters between
 * the two.
 */
import { request } from '../api'
import { h, replaceChildren } from '../dom'
import { formatCount, safeColor, swatch } from '../insights/format'

/** One run of a comparison. */
export interface DiffRun {
  kind: 'same' | 'insert' | 'delete'
  text: string
  author: string | null
  name: string | null
  color: string | null
}

/** A member's changes between the two revisions. */
export interface DiffAuthor {
  author: string
  name: string
  color: string
  inserted: number
  deleted: number
  revisions: number
}

/** The answer of `GET /docs/{id}/diff`. */
export interface Diff {
  from: number
  to: number
  changes: DiffRun[]
  authors: DiffAuthor[]
}

/** Compares revision `from` with `to`. */
export async function fetchDiff (id: string, from: number, to: number): Promise<Diff> {
  const response = await request('GET', `/api/v1/docs/${encodeURIComponent(id)}/diff?from=${from}&to=${to}`)
  return await response.json() as Diff
}

/** The runs as marked-up text. */
export function renderRuns (runs: DiffRun[]): HTMLElement {
  return h('div', { class: 'diff-text', 'data-testid': 'diff-text' }, ...runs.map((run) => {
    if (run.kind === 'same') return h('span', {}, run.text)
    const el = h(run.kind === 'insert' ? 'ins' : 'del', {
      title: `${run.kind === 'insert' ? 'Inserted' : 'Deleted'}; written by ${run.name ?? 'nobody'}`,
      'data-author': run.author ?? ''
    }, run.text)
    el.style.setProperty('--author', safeColor(run.color ?? '#9e9e9e'))
    return el
  }))
}

/** The compare card, and a way to compare two revisions from elsewhere on the page. */
export interface ComparePanel {
  element: HTMLElement
  /** Fills in the two revisions, compares them and scrolls the card into view. */
  compare: (from: number, to: number) => void
}

/** The compare card; `newest` and `shown` give the defaults. */
export function createComparePanel (id: string, shown: () => number, newest: () => number): ComparePanel {
  const from = h('input', { type: 'number', id: 'diff-from', min: 0, step: 1, 'aria-label': 'Compare from revision' })
  const to = h('input', { type: 'number', id: 'diff-to', min: 0, step: 1, 'aria-label': 'Compare to revision' })
  const out = h('div', { 'data-testid': 'diff' })
  const form = h('form', { class: 'compare-form' },
    h('label', { class: 'inline-field', for: 'diff-from' }, 'From revision ', from),
    h('label', { class: 'inline-field', for: 'diff-to' }, 'to ', to),
    h('button', { type: 'submit', 'data-testid': 'compare' }, 'Compare'))
  form.addEventListener('submit', (event) => {
    event.preventDefault()
    const b = to.value === '' ? newest() : Number(to.value)
    const a = from.value === '' ? Math.max(0, Math.min(shown(), b) - 1) : Number(from.value)
    from.value = String(a)
    to.value = String(b)
    replaceChildren(out, h('p', { class: 'muted' }, 'Comparing…'))
    fetchDiff(id, a, b).then((diff) => {
      const summary = diff.authors.length === 0
        ? h('p', { class: 'muted' }, 'Nobody changed anything between these revisions.')
        : h('ul', { class: 'legend diff-authors', 'data-testid': 'diff-authors' }, ...diff.authors.map((a) =>
          h('li', {}, swatch(a.color), a.name, ' ',
            h('span', { class: 'ins' }, `+${formatCount(a.inserted)}`), ' ',
            h('span', { class: 'del' }, `−${formatCount(a.deleted)}`))))
      replaceChildren(out, summary, renderRuns(diff.changes))
    }, (err: unknown) => {
      replaceChildren(out, h('p', { class: 'muted' }, `Could not compare: ${err instanceof Error ? err.message : String(err)}`))
    })
  })
  const element = h('section', { class: 'card compare-card', 'aria-label': 'Compare revisions' },
    h('div', { class: 'card-head' }, h('h2', {}, 'Compare'), form), out)
  return {
    element,
    compare: (a: number, b: number) => {
      from.value = String(a)
      to.value = String(b)
      form.requestSubmit()
      element.scrollIntoView({ block: 'start' })
    }
  }
}
