/** The document title, shared through `meta.title`. */
import type * as Y from 'yjs'
import { h } from '../dom'

/**
 * An input bound to the `title` key of `meta`: edits are written as you type,
 * other people's edits appear unless you are typing. `onTitle` hears every
 * change, local or remote.
 */
export function titleInput (meta: Y.Map<unknown>, onTitle: (title: string) => void): HTMLInputElement {
  const input = h('input', {
    class: 'doc-title',
    type: 'text',
    maxlength: 200,
    placeholder: 'Untitled document',
    'aria-label': 'Document title',
    'data-testid': 'title'
  })
  const current = (): string => {
    const title = meta.get('title')
    return typeof title === 'string' ? title : ''
  }
  const show = (): void => {
    if (document.activeElement !== input) input.value = current()
    onTitle(current())
  }
  input.addEventListener('input', () => {
    if (input.value !== current()) meta.set('title', input.value)
  })
  input.addEventListener('blur', show)
  input.addEventListener('keydown', (event) => {
    if (event.key === 'Enter') input.blur()
  })
  meta.observe((event) => {
    if (event.keysChanged.has('title')) show()
  })
  show()
  return input
}
