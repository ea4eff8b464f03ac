/** The save status indicator. */
import { h } from '../dom'
import type { SaveState, SaveTracker } from '../sync/saved'

const LABELS: Record<SaveState, string> = {
  saved: 'Saved',
  saving: 'Saving…',
  connecting: 'Connecting…',
  offline: 'Offline',
  'read-only': 'Read-only'
}

const HINTS: Record<SaveState, string> = {
  saved: 'Every change is stored on the server.',
  saving: 'Some changes are not yet stored on the server.',
  connecting: 'Connected; the document is on its way from the server.',
  offline: 'Not connected. Changes are kept here and sent when the connection is back.',
  'read-only': 'You can read this document but not change it.'
}

/** A live status element showing Saved, Saving… or Offline. */
export function statusIndicator (saves: SaveTracker): HTMLElement {
  const el = h('span', { class: 'status', role: 'status', 'aria-live': 'polite', 'data-testid': 'status' })
  saves.subscribe((state) => {
    el.textContent = LABELS[state]
    el.dataset.state = state
    el.title = HINTS[state]
  })
  return el
}
