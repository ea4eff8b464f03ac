/**
 * The insights page at /d/{id}/insights, the teacher's view: every author's
 * share of what the members wrote, inserted and deleted characters, work
 * sessions and active time; the starting text apart; present text
 * per section; a timeline chart; and the text highlighted by author. It polls
 * the contributions API every few seconds while the tab is visible.
 */
import { h, pageRoot, replaceChildren } from '../dom'
import { fetchAuthoredHtml, fetchContributions, refusal, type Contributions } from '../api'
import { formatCount, formatShare, swatch } from '../insights/format'
import { authorsTable, sectionsTable, sortAuthors } from '../insights/tables'
import { timelineChart } from '../insights/timeline'
import { authoredFrame } from '../panels/authored-frame'
import { docPath } from './home'

/** The colour of starting text, as the server's coloured export shows it. */
const STARTING_COLOR = '#9e9e9e'

/** How often the numbers are refreshed, in ms. */
export const REFRESH_MS = 3000

/** Timeline bucket sizes offered, in seconds. */
export const BUCKETS: ReadonlyArray<{ seconds: number, label: string }> = [
  { seconds: 300, label: '5 minutes' },
  { seconds: 900, label: '15 minutes' },
  { seconds: 3600, label: '1 hour' },
  { seconds: 86400, label: '1 day' }
]

/** The page's live parts, filled in by `render`. */
interface Parts {
  title: HTMLElement
  summary: HTMLElement
  starting: HTMLElement
  authors: HTMLElement
  chart: HTMLElement
  legend: HTMLElement
  sections: HTMLElement
  updated: HTMLElement
}

function bucketSelect (onChange: (seconds: number) => void): HTMLElement {
  const select = h('select', { id: 'bucket', 'aria-label': 'Timeline bucket size' },
    ...BUCKETS.map((b) => h('option', { value: b.seconds }, b.label)))
  select.addEventListener('change', () => onChange(Number(select.value)))
  return h('label', { class: 'inline-field', for: 'bucket' }, 'Bars of ', select)
}

function renderChart (parts: Parts, data: Contributions): void {
  const authors = sortAuthors(data.authors).filter((a) => a.inserted > 0)
  const series = authors.map((a) => ({ id: a.author_id, name: a.name, color: a.color }))
  const width = Math.max(280, Math.floor(parts.chart.clientWidth > 0 ? parts.chart.clientWidth : 640))
  replaceChildren(parts.chart, timelineChart(data.timeline.buckets, data.timeline.bucket_ms, series, width))
  replaceChildren(parts.legend, ...authors.map((a) => h('li', {}, swatch(a.color), a.name)))
}

function render (parts: Parts, data: Contributions): void {
  const title = data.title === '' ? 'Untitled' : data.title
  parts.title.textContent = title
  document.title = `Insights: ${title} · Quire`
  const writers = data.authors.filter((a) => a.edits > 0 || a.present > 0).length
  parts.summary.textContent = `${formatCount(data.written)} characters written · ${formatCount(data.revision)} revisions · ${writers} ${writers === 1 ? 'author' : 'authors'}`
  // Starting text (a template, an imported file) is nobody's: apart, and out of the shares.
  parts.starting.hidden = data.starting.present === 0
  replaceChildren(parts.starting, swatch(STARTING_COLOR),
    `Starting text (template or imported file): ${formatCount(data.starting.present)} characters, ${formatShare(data.starting.share)} of the document. It is not counted in anyone's share.`)
  replaceChildren(parts.authors, authorsTable(data.authors))
  replaceChildren(parts.sections, sectionsTable(data))
  renderChart(parts, data)
}

/** Renders the insights page for document `id` and keeps it up to date. */
export function renderInsights (id: string): void {
  document.title = 'Insights · Quire'
  const root = pageRoot('page-insights')
  const parts: Parts = {
    title: h('span', {}, 'Loading…'),
    summary: h('p', { class: 'muted', 'data-testid': 'summary' }),
    starting: h('p', { class: 'starting-note', 'data-testid': 'starting', hidden: true }),
    authors: h('div', {}),
    chart: h('div', { class: 'timeline', 'data-testid': 'timeline' }),
    legend: h('ul', { class: 'legend', 'aria-label': 'Authors in the chart' }),
    sections: h('div', {}),
    updated: h('span', { class: 'muted updated', 'data-testid': 'updated' })
  }
  let bucket = BUCKETS[0].seconds
  let last: Contributions | null = null
  let lastJson = ''
  let timer: number | undefined
  let inFlight = false
  let again = false
  let authorsShownFor = -1

  const frame = authoredFrame('The document, coloured by author', { autoHeight: true, testId: 'authored' })
  const framePanel = h('div', { id: 'authored-panel', hidden: true }, frame.element)
  const toggle = h('button', { type: 'button', 'aria-pressed': 'false', 'aria-controls': 'authored-panel' }, 'Show text by author')

  const refreshAuthored = async (revision: number): Promise<void> => {
    if (framePanel.hidden || revision === authorsShownFor) return
    authorsShownFor = revision
    frame.show(await fetchAuthoredHtml(id))
  }

  const refresh = async (): Promise<void> => {
    window.clearTimeout(timer)
    if (inFlight) {
      again = true
      return
    }
    inFlight = true
    try {
      const data = await fetchContributions(id, bucket)
      const json = JSON.stringify(data)
      if (json !== lastJson) {
        lastJson = json
        last = data
        render(parts, data)
      }
      parts.updated.textContent = `Updated ${new Date().toLocaleTimeString()}`
      await refreshAuthored(data.revision)
    } catch (err) {
      const refused = refusal(err, 'the insights of this document')
      if (refused !== null) {
        parts.title.textContent = refused.title
        parts.summary.textContent = refused.message
        return
      }
      parts.updated.textContent = `Could not refresh: ${err instanceof Error ? err.message : String(err)}`
    } finally {
      inFlight = false
    }
    if (again) {
      again = false
      void refresh()
    } else if (document.visibilityState !== 'hidden') {
      timer = window.setTimeout(() => { void refresh() }, REFRESH_MS)
    }
  }

  toggle.addEventListener('click', () => {
    const on = toggle.getAttribute('aria-pressed') !== 'true'
    toggle.setAttribute('aria-pressed', String(on))
    toggle.textContent = on ? 'Hide text by author' : 'Show text by author'
    framePanel.hidden = !on
    if (on && last !== null) {
      authorsShownFor = -1
      refreshAuthored(last.revision).catch(() => { authorsShownFor = -1 })
    }
  })

  replaceChildren(root,
    h('header', { class: 'page-header' },
      h('a', { href: '/', class: 'home-link', 'aria-label': 'Quire home' }, 'Quire'),
      h('h1', {}, 'Insights: ', parts.title),
      h('nav', { class: 'page-nav', 'aria-label': 'Document' },
        h('a', { href: docPath(id) }, 'Open document'),
        h('a', { href: `${docPath(id)}/history` }, 'History')),
      parts.updated),
    h('main', { class: 'insights' },
      h('section', { class: 'card', 'aria-labelledby': 'who-heading' },
        h('h2', { id: 'who-heading' }, 'Who wrote what'), parts.summary, parts.authors, parts.starting),
      h('section', { class: 'card', 'aria-labelledby': 'timeline-heading' },
        h('div', { class: 'card-head' },
          h('h2', { id: 'timeline-heading' }, 'Timeline'),
          bucketSelect((seconds) => { bucket = seconds; lastJson = ''; void refresh() })),
        parts.chart, parts.legend),
      h('section', { class: 'card', 'aria-labelledby': 'sections-heading' },
        h('h2', { id: 'sections-heading' }, 'Sections'), parts.sections),
      h('section', { class: 'card', 'aria-labelledby': 'authored-heading' },
        h('div', { class: 'card-head' }, h('h2', { id: 'authored-heading' }, 'Text by author'), toggle),
        framePanel)))

  let resizeTimer: number | undefined
  window.addEventListener('resize', () => {
    window.clearTimeout(resizeTimer)
    resizeTimer = window.setTimeout(() => { if (last !== null) renderChart(parts, last) }, 150)
  })
  document.addEventListener('visibilitychange', () => {
    if (document.visibilityState === 'visible') void refresh()
    else window.clearTimeout(timer)
  })
  void refresh()
}
