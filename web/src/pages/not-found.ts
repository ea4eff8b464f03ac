/** The app's not-found state, for an address or a document that does not exist. */
import { h, pageRoot, replaceChildren } from '../dom'

/** Replaces the page with a "Not found" card saying `message`. */
export function renderNotFound (message = 'There is no page at this address.', heading = 'Not found'): void {
  document.title = `${heading} · Quire`
  replaceChildren(pageRoot('page-placeholder'),
    h('main', { class: 'card placeholder', 'data-testid': 'not-found' },
      h('h1', {}, heading),
      h('p', {}, message),
      h('a', { href: '/' }, 'Go to the home page')))
}
