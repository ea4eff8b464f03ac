/**
 * The history page at /d/{id}/history: a slider and a play button that step
 * through the work sessions (each member's runs of changes without a long
 * pause), or through every revision with "Every revision" on; the document as
 * it was at the chosen step (coloured by author), what that step changed, and
 * exports of that revision. The address keeps the revision as `?rev=N`; new
 * revisions are picked up while open. Anyone who may read the document may
 * see its history; a refusal is said once and never retried. Below, the
 * review panel: restore the revision shown, name versions and list them,
 * and the hand-in (history/review.ts); and two revisions compared
 * (history/compare.ts); and one member's changes undone (history/revert.ts).
 */
import {
  EXPORT_FORMATS, exportAddress, fetchAuthoredHtml, fetchDocInfo, fetchHistorySteps, refusal, type DocInfo, type HistoryItem, type HistoryStep
} from '../api'
import { h, pageRoot, replaceChildren } from '../dom'
import { createPlayer, type Player } from '../history/player'
import { RevisionLog } from '../history/revisions'
import { createReviewPanel } from '../history/review'
import { createComparePanel } from '../history/compare'
import { createRevertPanel } from '../history/revert'
import { formatCount, formatTime, swatch, timeElement } from '../insights/format'
import { authoredFrame } from '../panels/authored-frame'
import { docPath } from './home'

/** How often the number of revisions is checked, in ms. */
const POLL_MS = 5000
/** Wait before asking again for a revision that failed to load. */
const RETRY_MS = 2000

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

/** What one work session changed: who, from when to when, and how much. */
function describeStep (step: HistoryStep): HTMLElement[] {
  const who = step.starting
    ? h('span', { class: 'change-author', 'data-testid': 'change-author' }, swatch('#9e9e9e'), 'Starting text')
    : h('span', { class: 'change-author', 'data-testid': 'change-author' }, swatch(step.color), step.name)
  const span = formatTime(step.start) === formatTime(step.ts) ? [timeElement(step.ts)] : [timeElement(step.start), '–', timeElement(step.ts)]
  return [
    who,
    h('span', { class: 'change-time' }, ...span),
    h('span', {},
      h('span', { class: 'ins', 'data-testid': 'change-inserted' }, `+${formatCount(step.inserted)}`), ' inserted, ',
      h('span', { class: 'del', 'data-testid': 'change-deleted' }, `−${formatCount(step.deleted)}`), ' deleted'),
    h('span', { class: 'muted', 'data-testid': 'change-revisions' }, step.revisions === 1
      ? `revision ${step.rev}`
      : `${formatCount(step.revisions)} changes, revisions ${step.first_rev}–${step.rev}`)
  ]
}

/** The label of a stop: the session (or revision) and where it is in the history. */
function stopLabel (fine: boolean, index: number, count: number, rev: number, revisions: number): string {
  return fine
    ? `Revision ${rev} of ${revisions}`
    : `Session ${index + 1} of ${count} · revision ${rev} of ${revisions}`
}

/** Whether the caller may see the insights: a teacher's view in a group, anyone's outside one. */
function mayInspect (info: DocInfo): boolean {
  return info.group === undefined || info.group === null || info.access === 'manage'
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
  const message = h('p', { class: 'muted', role: 'status', 'data-testid': 'history-message' })
  const frame = authoredFrame('The document at the chosen revision', { testId: 'revision-doc' })
  const controls = h('div', { class: 'controls' })
  const fine = h('input', { type: 'checkbox', id: 'fine-steps' })
  const fineLabel = h('label', { class: 'inline-field fine-steps', for: 'fine-steps', title: 'Step through every saved change instead of work sessions' },
    fine, ' Every revision')
  const insightsLink = h('a', { href: `${docPath(id)}/insights`, hidden: true }, 'Insights')
  let player: Player | null = null
  let pollTimer: number | undefined
  let abort: AbortController | null = null
  let revisions = 0
  let steps: HistoryStep[] = []
  let stepsFor = -1
  /** Set once the server refused: the page says so and asks no more. */
  let refused = false

  /** Ends the page for good after a refusal (no access, gone, no such document). */
  const refuse = (err: unknown): boolean => {
    const answer = refusal(err, 'the history of this document')
    if (answer === null) return false
    refused = true
    window.clearTimeout(pollTimer)
    abort?.abort()
    title.textContent = answer.title
    message.textContent = answer.message
    replaceChildren(controls)
    replaceChildren(change)
    replaceChildren(exports)
    fineLabel.hidden = true
    review.restoreBar.hidden = true
    review.element.hidden = true
    revert.element.hidden = true
    return true
  }

  const revert = createRevertPanel(id, (rev) => {
    void poll().then(() => { if (player !== null) player.choose(rev) })
  })
  const compare = createComparePanel(id, () => player?.revision ?? revisions, () => revisions)
  const review = createReviewPanel(id, {
    compareWithNow: (rev) => compare.compare(rev, revisions),
    shown: () => player?.revision ?? 0,
    view: (rev) => {
      if (player === null) return
      // A version's revision may end no session: step revision by revision.
      fine.checked = true
      player.setStops(stops(), revisions)
      player.choose(rev)
    },
    changed: (rev) => {
      void poll().then(() => { if (player !== null) player.choose(rev) })
    }
  })

  const stops = (): number[] => fine.checked
    ? Array.from({ length: revisions }, (_, i) => i + 1)
    : steps.map((s) => s.rev)

  /** Shows revision `rev`; resolves once its text is on screen (or superseded). */
  const show = async (rev: number): Promise<void> => {
    if (refused) return
    abort?.abort()
    const controller = new AbortController()
    abort = controller
    const url = new URL(window.location.href)
    url.searchParams.set('rev', String(rev))
    window.history.replaceState(window.history.state, '', url.pathname + url.search)
    replaceChildren(exports, 'Export this revision: ', ...exportLinks(id, rev))
    const step = fine.checked ? undefined : steps.find((s) => s.rev === rev)
    if (step !== undefined) {
      replaceChildren(change, ...describeStep(step))
    } else {
      replaceChildren(change, ...describeChange(undefined))
      log.item(rev).then((item) => {
        if (abort === controller) replaceChildren(change, ...describeChange(item))
      }, (err: unknown) => {
        if (refuse(err)) return
        if (abort === controller) replaceChildren(change, h('span', { class: 'muted' }, 'Could not load this change.'))
      })
    }
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
      if (controller.signal.aborted || refuse(err)) return
      message.textContent = `Could not load revision ${rev}: ${err instanceof Error ? err.message : String(err)}. Trying again…`
      // A failure that is not a refusal (a busy server, a dropped connection)
      // is tried again while this revision is still the one chosen.
      window.setTimeout(() => { if (abort === controller) void show(rev) }, RETRY_MS)
    }
  }

  const describe = (index: number, count: number, rev: number, total: number): string =>
    stopLabel(fine.checked, index, count, rev, total)

  const poll = async (): Promise<void> => {
    window.clearTimeout(pollTimer)
    if (refused) return
    try {
      const info = await fetchDocInfo(id)
      const name = info.title === '' ? 'Untitled' : info.title
      title.textContent = name
      document.title = `History: ${name} · Quire`
      insightsLink.hidden = !mayInspect(info)
      void review.refresh(info)
      void revert.refresh(info).catch(() => {})
      revisions = info.revisions
      // Asked again until the stored history has caught up with the document.
      if (!fine.checked && stepsFor !== revisions) {
        const answer = await fetchHistorySteps(id)
        steps = answer.steps
        stepsFor = answer.revisions
      }
      if (player === null) {
        const wanted = revisionFromAddress(window.location.search) ?? revisions
        // A revision that ends no session is reachable revision by revision.
        if (wanted !== revisions && !steps.some((s) => s.rev === wanted)) fine.checked = true
        player = createPlayer(stops(), revisions, wanted, show, describe)
        replaceChildren(controls, player.element)
        if (revisions > 0) player.choose(wanted)
        else message.textContent = 'This document has no revisions yet.'
      } else {
        player.setStops(stops(), revisions)
      }
    } catch (err) {
      if (refuse(err)) return
      message.textContent = `Could not load the history: ${err instanceof Error ? err.message : String(err)}`
    }
    if (!refused && document.visibilityState !== 'hidden') pollTimer = window.setTimeout(() => { void poll() }, POLL_MS)
  }
  fine.addEventListener('change', () => {
    if (player === null) return
    const at = player.revision
    if (!fine.checked) {
      // Back to sessions: the session that holds the revision shown.
      stepsFor = -1
      void poll().then(() => { if (player !== null) player.choose(at) })
      return
    }
    player.setStops(stops(), revisions)
    player.choose(at)
  })
  document.addEventListener('visibilitychange', () => {
    if (document.visibilityState === 'visible' && player !== null) void poll()
  })

  replaceChildren(root,
    h('header', { class: 'page-header' },
      h('a', { href: '/', class: 'home-link', 'aria-label': 'Quire home' }, 'Quire'),
      h('h1', {}, 'History: ', title),
      h('nav', { class: 'page-nav', 'aria-label': 'Document' },
        h('a', { href: docPath(id) }, 'Open document'),
        insightsLink)),
    h('main', { class: 'history' },
      h('section', { class: 'card', 'aria-label': 'Revisions' }, controls, fineLabel, change, exports, review.restoreBar, message),
      review.element,
      compare.element,
      revert.element,
      h('section', { class: 'card doc-card', 'aria-label': 'The document at this revision' }, frame.element)))
  void poll()
}
