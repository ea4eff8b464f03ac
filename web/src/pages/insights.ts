/**
 * The insights page at /d/{id}/insights: each member's share, inserted and
 * deleted characters, active time, a timeline, and the text by author. Not
 * built yet; this placeholder keeps the route in place.
 */
import { h, pageRoot, replaceChildren } from '../dom'
import { docPath } from './home'

/** Renders the insights page for document `id`. */
export function renderInsights (id: string): void {
  document.title = 'Insights · Quire'
  replaceChildren(pageRoot('page-placeholder'),
    h('main', { class: 'card placeholder' },
      h('h1', {}, 'Insights'),
      h('p', {}, 'Who wrote what, and when, is coming soon.'),
      h('a', { href: docPath(id) }, 'Back to the document')))
}
