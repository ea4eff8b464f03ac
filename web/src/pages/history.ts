/**
 * The history page at /d/{id}/history: a slider and a play button over every
 * revision, the document as it was at the chosen revision (coloured by
 * author), the change made there, and exports of that revision. The address
 * keeps the revision as `?rev=N`; new revisions are picked up while open.
 */
import { EXPORT_FORMATS } from '../api'
import { h, pageRoot, replaceChildren } from '../dom'
import { createPlayer, type Player } from '../history/player'
import { RevisionLog } from '../history/revisions'
import { exportAddress, fetchAuthoredHtml, fetchDocInfo, refusal, type HistoryItem } from '../insights/api'
import { formatCount, swatch, timeElement } from '../insights/format'
import { authoredFrame } from '../panels/authored-frame'
import { docPath } from './home'

/** How often the number of revisions is checked, in ms. */
const POLL_MS = 5000

/** The revision asked for in the address (`?rev=N`), if any. */
export function revisionFromAddress (search: string): number | null {
  const rev = Number(new URLSearchParams(search).get('rev'))
  return Number.isInteger(rev) && rev > 0 ? rev : null
}

/** What changed at one revision: who, when, and how many characters. */
function describeChange (item: HistoryItem | undefined): HTMLElement[] {
  if (item === undefined) return [h('span', { class: 'muted' }, 'Loading the change…')]
  const body = item.inserted === 0 && item.deleted === 0
    ? h('span', { class: 'muted' }, 'no change to the text (title, formatting or chat)')
    : h('span', {},
      h('span', { class: 'ins', 'data-testid': 'change-inserted' }, `+${formatCount(item.inserted)}`), ' inserted, ',
      h('span', { class: 'del', 'data-testid': 'change-deleted' }, `−${formatCount(item.deleted)}`), ' deleted')
  return [
    h('span', { class: 'change-author', 'data-testid': 'change-author' }, swatch(item.color), item.name),
    timeElement(item.ts),
    body
  ]
}

function exportLinks (id: string, rev: number): HTMLElement[] {
  return EXPORT_FORMATS.map((f) => h('a', {
    href: exportAddress(id, f.ext, { rev, link: true }),
    download: true,
    'aria-label': `Export revision ${rev} as ${f.label}`,
    'data-format': f.ext
  }, f.ext.toUpperCase()))
}

/** Renders the history page for document `id`. */
export function renderHistory (id: string): void {
  document.title = 'History · Quire'
  const root = pageRoot('page-history')
  const log = new RevisionLog(id)
  const title = h('span', {}, 'Loading…')
  const change = h('p', { class: 'change', 'data-testid': 'change', 'aria-live': 'polite' })
  const exports = h('p', { class: 'exports', 'data-testid': 'exports' })
  const message = h('p', { class: 'muted', role: 'status' })
  const frame = authoredFrame('The document at the chosen revision', { testId: 'revision-doc' })
  const controls = h('div', { class: 'controls' })
  let player: Player | null = null
  let pollTimer: number | undefined
  let abort: AbortController | null = null

  /** Shows revision `rev`; resolves once its text is on screen (or superseded). */
  const show = async (rev: number): Promise<void> => {
    abort?.abort()
    const controller = new AbortController()
    abort = controller
    const url = new URL(window.location.href)
    url.searchParams.set('rev', String(rev))
    window.history.replaceState(window.history.state, '', url.pathname + url.search)
    replaceChildren(exports, 'Export this revision: ', ...exportLinks(id, rev))
    replaceChildren(change, ...describeChange(undefined))
    log.item(rev).then((item) => {
      if (abort === controller) replaceChildren(change, ...describeChange(item))
    }, () => {
      if (abort === controller) replaceChildren(change, h('span', { class: 'muted' }, 'Could not load this change.'))
    })
    try {
      const html = await fetchAuthoredHtml(id, rev, controller.signal)
      if (controller.signal.aborted) return
      await new Promise<void>((resolve) => {
        frame.element.addEventListener('load', () => resolve(), { once: true })
        frame.show(html)
      })
      frame.element.dataset.rev = String(rev)
      message.textContent = ''
    } catch (err) {
      if (controller.signal.aborted) return
      message.textContent = `Could not load revision ${rev}: ${err instanceof Error ? err.message : String(err)}`
    }
  }

  const poll = async (): Promise<void> => {
    window.clearTimeout(pollTimer)
    try {
      const info = await fetchDocInfo(id)
      const name = info.title === '' ? 'Untitled' : info.title
      title.textContent = name
      document.title = `History: ${name} · Quire`
      if (player === null) {
        const wanted = revisionFromAddress(window.location.search) ?? info.revisions
        player = createPlayer(info.revisions, wanted, show)
        replaceChildren(controls, player.element)
        if (info.revisions > 0) player.choose(wanted)
        else message.textContent = 'This document has no revisions yet.'
      } else {
        player.setRevisions(info.revisions)
      }
    } catch (err) {
      const refused = refusal(err, 'this document')
      if (refused !== null) {
        title.textContent = refused.title
        message.textContent = refused.message
        return
      }
      message.textContent = `Could not load the history: ${err instanceof Error ? err.message : String(err)}`
    }
    if (document.visibilityState !== 'hidden') pollTimer = window.setTimeout(() => { void poll() }, POLL_MS)
  }
  document.addEventListener('visibilitychange', () => {
    if (document.visibilityState === 'visible' && player !== null) void poll()
  })

  replaceChildren(root,
    h('header', { class: 'page-header' },
      h('a', { href: '/', class: 'home-link', 'aria-label': 'Quire home' }, 'Quire'),
      h('h1', {}, 'History: ', title),
      h('nav', { class: 'page-nav', 'aria-label': 'Document' },
        h('a', { href: docPath(id) }, 'Open document'),
        h('a', { href: `${docPath(id)}/insights` }, 'Insights'))),
    h('main', { class: 'history' },
      h('section', { class: 'card', 'aria-label': 'Revisions' }, controls, change, exports, message),
      h('section', { class: 'card doc-card', 'aria-label': 'The document at this revision' }, frame.element)))
  void poll()
}
