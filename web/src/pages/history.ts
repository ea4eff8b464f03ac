/**
 * The history page at /d/{id}/history: a slider through the document's
 * revisions. Not built yet; this placeholder keeps the route in place.
 */
import { h, pageRoot, replaceChildren } from '../dom'
import { docPath } from './home'

/** Renders the history page for document `id`. */
export function renderHistory (id: string): void {
  document.title = 'History · Quire'
  replaceChildren(pageRoot('page-placeholder'),
    h('main', { class: 'card placeholder' },
      h('h1', {}, 'History'),
      h('p', {}, 'A slider through every revision of this document is coming soon.'),
      h('a', { href: docPath(id) }, 'Back to the document')))
}
